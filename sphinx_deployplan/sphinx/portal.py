"""A runbook portal over many docs repos, on sphinx-needs' external needs.

Member sites publish ``needs.json`` as usual; each plan's ``dpplan`` need carries
the fields a portal needs to show it without its source (site, service, owner,
method), ``dpcheck`` needs carry each result and ``dpflag`` needs each flag.  A
portal is an ordinary Sphinx project that lists its members in
``needs_external_needs`` (the path of each ``needs.json`` and its ``base_url``);
the aggregate directives then show the members' plans beside local ones,
linking to their home sites.

A member's file comes from another repository and is untrusted input
(:mod:`sphinx_deployplan.members` checks it).  At ``config-inited`` each member
file is read once: a file that cannot serve is reported and left out of the
build; a need that fails its checks is reported and left out, and sphinx-needs
is handed a copy of the file without it (in the doctree folder), so a hostile
need reaches neither the views nor sphinx-needs.  Every warning is a
``deployplan.portal`` warning located at the member's needs.json.  The plans
shown are keyed by the member they come from: a member describes only itself.

A member given by an http(s) URL is not fetched here (a site's build should not
need the network): the plan views show members read from files, and a URL entry
is left to sphinx-needs alone, with a warning.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from ..checks.rules.drift import DRIFT
from ..files import NotARegularFile, TooLarge
from ..members import MAX_LOCATED, MemberFile, MemberRefused, read_member
from ..problems import Problem
from ..render.aggregates import FlagSummary, PlanSummary
from .config import settings
from .warnings import warn, warn_file

#: Problems reported per member before the rest are summed up in one line.
MAX_REPORTED = MAX_LOCATED
#: Where the checked copies of member files go, in the doctree folder.
COPIES = "deployplan-portal"


@dataclass
class Member:
    """A member read for this build: its place in ``needs_external_needs``, its
    configuration and what it publishes."""

    number: int  # 1-based position in needs_external_needs
    source: dict[str, Any]
    path: Path
    published: MemberFile


#: The members read at config-inited, per application (a test may run several).
_MEMBERS: weakref.WeakKeyDictionary[Sphinx, list[Member]] = weakref.WeakKeyDictionary()


def _source_path(confdir: str | os.PathLike, source: dict[str, Any]) -> Path | None:
    if source.get("json_path"):
        path = Path(source["json_path"])
        return path if path.is_absolute() else Path(confdir) / path
    url = source.get("json_url") or ""
    return Path(urllib.parse.unquote(url[len("file://"):])) if url.startswith("file://") \
        else None


def _setting_line(conf: Path, name: str) -> int | None:
    """The line of conf.py that sets ``name`` (for a located warning)."""
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((i for i, text in enumerate(lines, 1) if text.lstrip().startswith(name)), None)


def check_members(app: Sphinx, config: Config) -> None:
    """``config-inited``: read and check every member; leave out the unusable ones and
    hand sphinx-needs checked copies of the others."""
    sources = list(getattr(config, "needs_external_needs", None) or [])
    _MEMBERS[app] = []
    options = settings(config)
    if not sources or not options.needs:
        return
    conf = Path(app.confdir) / "conf.py"
    line = _setting_line(conf, "needs_external_needs")
    copies = Path(app.doctreedir) / COPIES
    kept: list[Any] = []
    members: list[Any] = []
    projects: dict[str, int] = {}
    for number, source in enumerate(sources, 1):
        who = f"portal member {number} of needs_external_needs " \
              f"({source.get('base_url', '?')})"
        path = _source_path(app.confdir, source)
        if path is None:
            warn(Problem("portal", f"{who} is a URL; the plan views read members from "
                         f"files only, so its plans are not shown (download its needs.json "
                         f"before the build and give json_path)", line, str(conf)), "")
            kept.append(source)
            continue
        try:
            published = read_member(path, options.portal_max_bytes, source.get("version"))
        except (MemberRefused, NotARegularFile, TooLarge) as exc:
            warn_file(str(path), getattr(exc, "line", 1), "portal",
                      f"{who}: {_refusal(exc, options.portal_max_bytes)}; its plans are left "
                      f"out of this build")
            continue
        except OSError as exc:  # missing or unreadable: the configuration is wrong
            warn(Problem("portal", f"{who}: {path} cannot be read ({exc.strerror}); its "
                         f"plans are left out of this build", line, str(conf)), "")
            continue
        for problem_line, problem in published.problems[:MAX_REPORTED]:
            warn_file(str(path), problem_line, "portal", f"{who}: {problem}")
        if len(published.problems) > MAX_REPORTED:
            warn_file(str(path), 1, "portal", f"{who}: "
                      f"{len(published.problems) - MAX_REPORTED:,} more needs are left out")
        twin = projects.setdefault(published.project, number)
        if twin != number:
            warn_file(str(path), 1, "portal", f"{who}: portal member {twin} has the same "
                      f"project name {published.project!r}; both are shown, but the Site "
                      f"column and :sites: cannot tell them apart")
        copy = _write_copy(copies / f"member-{number}.json", published.document)
        kept.append({**{k: v for k, v in source.items() if k != "json_url"},
                     "json_path": str(copy)})
        members.append(Member(number, source, path, published))
    config.needs_external_needs = kept
    _MEMBERS[app] = members


def _refusal(exc: Exception, limit: int) -> str:
    if isinstance(exc, TooLarge):
        size = f"{exc.size:,} bytes, " if exc.size is not None else ""
        return (f"the file is {size}more than the limit of {limit:,} "
                f"(deployplan_portal_max_bytes)")
    if isinstance(exc, NotARegularFile):
        return f"the path is {exc.kind}, not a regular file"
    return f"the file {exc}"


def _write_copy(path: Path, document: dict[str, Any]) -> Path:
    """Write the checked copy, only when it changed (its time then says so too)."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def member_fingerprints(app: Sphinx) -> dict[str, str]:
    """A digest of each member's needs.json, to notice a member that changed."""
    return {f"{m.number}:{m.path}": m.published.digest for m in _MEMBERS.get(app, [])}


def _linker(member: Member) -> Any:
    """need id -> the URL of the need on the member's site: the source's
    ``target_url`` template when it has one (rendered in a sandbox, with the need's
    checked fields), else ``<base_url>/<document>.html#<need id>``, as sphinx-needs
    links external needs."""
    base = str(member.source.get("base_url", "")).rstrip("/")
    document = member.published.document
    needs = document["versions"][document["current_version"]]["needs"]
    template = member.source.get("target_url")
    compiled = None
    if template:
        from jinja2.sandbox import SandboxedEnvironment

        compiled = SandboxedEnvironment(autoescape=False).from_string(template)

    def link(need_id: str) -> str:
        fields = needs[need_id]
        if compiled is not None:
            from jinja2 import TemplateError

            try:
                return f"{base}/{compiled.render(need=fields)}"
            except TemplateError:
                pass
        return (f"{base}/{urllib.parse.quote(fields['docname'])}.html#"
                f"{urllib.parse.quote(need_id)}")

    return link


def external_summaries(app: Sphinx) -> list[PlanSummary]:
    """The plans of the portal's members, each from the member that publishes it."""
    out = []
    for member in _MEMBERS.get(app, []):
        link = _linker(member)
        for plan in member.published.plans:
            out.append(PlanSummary(
                plan=plan.plan, title=plan.title, service=plan.service, owner=plan.owner,
                method=plan.method, url=link(plan.need_id), site=member.published.project,
                checks={check: (result, link(need))
                        for check, (result, need) in plan.checks.items()},
                flags=[FlagSummary(f.name, link(f.need_id), f.type, f.owner, f.default,
                                   f.cleanup, f.permanent) for f in plan.flags],
                drift=next(((result, link(need)) for rule, (result, need)
                            in plan.rules.items() if rule == DRIFT), None),
                external=True))
    return sorted(out, key=lambda s: (s.site, s.plan))  # stable: members in their order
