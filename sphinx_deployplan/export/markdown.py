"""The runbook as Markdown, in the seed's Output Format: its headings, its table
columns and its checklist, for pasting into a ticket or a pull request.

User text is escaped for Markdown and HTML (``<`` becomes ``&lt;``, a ``|``
cannot break a table, a newline cannot start a new block); commands are code
spans fenced with enough backticks to hold any backtick inside them.
"""

from __future__ import annotations

import re

from ..model import Plan
from ..render.diagram import text as pipeline_text

ARROW = " \u2192 "
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
METHODS = {"blue-green": "Blue-green", "rolling": "Rolling", "canary": "Canary",
           "feature-flag": "Feature flag"}


def esc(text: object) -> str:
    """Plain text safe inside a Markdown paragraph or table cell."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    return " ".join(value.split())  # newlines would end a table row or start a block


def code(text: str, *, in_table: bool = False) -> str:
    """A code span that holds any text, backticks included.  In a table cell a ``|``
    is escaped too: GFM splits the row at it before it sees the code span."""
    text = " ".join(str(text).split())
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("-" * (len(h) + 2) for h in headers) + "|"]
    lines += ["| " + " | ".join(cell or "\u2014" for cell in row) + " |" for row in rows]
    return lines


def export(plan: Plan) -> str:
    out: list[str] = [f"# Deployment Plan: {esc(plan.service)}", ""]
    if plan.title or plan.summary:
        out += [f"**{esc(plan.title)}** (plan {code(plan.plan)}, owner {esc(plan.owner)})", ""]
        if plan.summary:
            out += [esc(plan.summary), ""]

    out += ["## Environment Matrix", ""]
    envs = plan.environments or []
    out += _table(["Environment", "Purpose", "URL", "Deploy Method", "Approval"],
                  [[esc(e.name), esc(e.purpose), esc(e.url or ""), esc(e.deploy),
                    e.approval.capitalize()] for e in envs]) if envs else ["Not planned."]
    out.append("")

    out += ["## Pipeline Diagram", ""]
    stages = plan.pipeline.stages if plan.pipeline and plan.pipeline.stages else []
    if stages:
        # a fenced block: the text is shown as is, nothing in it is markup
        body = pipeline_text(stages).replace(" -> ", ARROW).replace("```", "'''")
        out += ["```", body, "```"]
    else:
        out.append("Not planned.")
    out.append("")

    out += ["## Deployment Strategy", ""]
    strategy = plan.strategy
    if strategy:
        method = METHODS.get(strategy.method or "", "not set")
        out += [f"**Method**: {method}", ""]
        details = []
        if strategy.why:
            details.append(esc(strategy.why))
        if strategy.rollback_time:
            details.append(f"Rollback speed estimate: {esc(strategy.rollback_time)}.")
        if strategy.steps:
            steps = ARROW.join(
                esc(s.traffic) + (f" (hold {esc(s.hold)})" if s.hold else "")
                for s in strategy.steps)
            details.append(f"Traffic: {steps}.")
        if strategy.rolling:
            details.append(f"Max surge {esc(strategy.rolling.max_surge or '-')}, max "
                           f"unavailable {esc(strategy.rolling.max_unavailable or '-')}.")
        if strategy.blue_green:
            bg = strategy.blue_green
            details.append(f"Switch: {esc(bg.switch or '-')}; keep previous "
                           f"{esc(bg.keep_previous or '-')}.")
        for gate in strategy.promote_when or []:
            window = f" over {esc(gate.window)}" if gate.window else ""
            details.append(f"Promote when {code(gate.metric)} {esc(gate.threshold)}{window}.")
        out += [" ".join(details) if details else "", ""]
    else:
        out += ["Not planned.", ""]

    out += ["## Rollback Checklist", ""]
    rollback = plan.rollback
    if rollback:
        for trigger in rollback.triggers or []:
            how = "automatic" if trigger.automatic else "manual decision"
            out.append(f"- [ ] Trigger: {esc(trigger.when)} ({how})")
        for step in rollback.steps or []:
            cmd = code(step.run) if step.run else ("manual step" if step.manual
                                                   else "no command given")
            out.append(f"- [ ] Command: {esc(step.do)}: {cmd}")
        for check in rollback.verify or []:
            cmd = f": {code(check.run)}" if check.run else ""
            out.append(f"- [ ] Verify: {esc(check.do)}{cmd}")
        out.append(f"- [ ] Database: {esc(rollback.database or 'not considered')}")
    else:
        out.append("Not planned.")
    for notice in (plan.communication.rollback if plan.communication else None) or []:
        how = f" via {esc(notice.how)}" if notice.how else ""
        when = f", {esc(notice.when)}" if notice.when else ""
        out.append(f"- [ ] Notify: {esc(notice.who)}{how}{when}")
    out.append("")

    out += ["## Feature Flag Plan", ""]
    flags = plan.feature_flags
    if flags:
        def cleanup(flag) -> str:
            if flag.cleanup:
                return flag.cleanup.isoformat()
            return "permanent" if flag.permanent else ""
        out += _table(["Flag Name", "Type", "Default", "Rollout Plan", "Cleanup Date"],
                      [[esc(f.name), f.type or "", esc(f.default or ""),
                        ARROW.join(esc(p) for p in f.rollout or []), cleanup(f)]
                       for f in flags])
    else:
        out.append("None." if flags == [] else "Not planned.")
    out.append("")

    out += ["## Health Checks", ""]
    checks = plan.health_checks
    if checks:
        def interval(c) -> str:
            if c.interval:
                return esc(c.interval)
            return "on deploy" if c.when == "post-deploy" else esc(c.when or "")

        def threshold(c) -> str:
            if c.failure_threshold is not None:
                return f"{c.failure_threshold} consecutive"
            return "any failure" if c.type == "smoke" else ""
        out += _table(["Check", "Type", "Endpoint/Method", "Interval", "Failure Threshold"],
                      [[esc(c.check), c.type,
                        code(c.endpoint or c.run or "", in_table=True), interval(c),
                        threshold(c)] for c in checks])
    else:
        out.append("Not planned.")
    out.append("")

    out += ["## Database Migration Plan", ""]
    migrations = plan.migrations
    if migrations:
        def yes_no(value: bool | None) -> str:
            return "" if value is None else ("yes" if value else "no")
        out += _table(["Migration", "Type", "Reversible", "Run When", "Dependencies"],
                      [[esc(m.name), m.type, yes_no(m.reversible), m.run,
                        ", ".join(esc(d) for d in m.depends_on or []) or "none"]
                       for m in migrations])
    else:
        out.append("None." if migrations == [] else "Not planned.")
    out.append("")
    return "\n".join(out)
