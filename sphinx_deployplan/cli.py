"""``deployplan``: check, export and scaffold plans without Sphinx.

    deployplan check PLAN.yaml ... [--format text|json] [--today YYYY-MM-DD] [--root DIR]
    deployplan export --to FORMAT PLAN.yaml [-o FILE [--force]]
    deployplan schema [-o FILE [--force]]
    deployplan new NAME [-o FILE [--force]]
    deployplan import [--rollout F] [--workflow F] [--workload F] [--flags F]
                      [--migrations DIR] [--root DIR] [-o FILE [--force]]

Exit status: 0 when every plan loads and meets its checks, 1 when a plan is
invalid, a check is unmet, a plan drifts from its deploy files (unless
--no-fail-on-drift) or, with --strict-rules, a rule is unmet; 2 on a usage
error (a bad -o included: an existing file without --force, the plan being
read, a folder).  Only the core is imported
(no Sphinx, no docutils), so it starts fast enough for a pre-commit hook.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import sys
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .checks import Gate, PlanResults, RuleSettings, resolve_today, run_checks, strict_rule_ids
from .discover import PlanSource, find_plans
from .loader import load_plan, load_plan_file, read_plan_text
from .model import SqlDialect
from .problems import PlanError, Problem
from .report import result_problems


@dataclass
class FileReport:
    """What ``check`` says of one plan (a file, or a plan written in a page): only ids
    and results, not the plan model, so that a worker process sends little back."""

    path: str
    plan_id: str | None = None
    results: PlanResults | None = None
    problems: list[Problem] = field(default_factory=list)
    #: deploy files the plan names that could not be read
    source_problems: list[Problem] = field(default_factory=list)

    gate: Gate = field(default_factory=Gate)
    offset: int = 0  # an inline plan's first line is line offset + 1 of its page

    @property
    def failing(self) -> list[str]:
        """The checks and rules whose result fails (see :class:`Gate`)."""
        if self.results is None:
            return []
        return self.gate.failing((r.check, r.status) for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.source_problems and self.results is not None \
            and not self.failing

    @property
    def where(self) -> str:
        """The plan's file, or the page and line of a plan written in a page."""
        return f"{self.path}:{self.offset + 1}" if self.offset else self.path

    def _placed(self, problems: list[Problem]) -> list[Problem]:
        """Problems of a plan written in a page, at the page's lines."""
        return [dataclasses.replace(p, line=p.line + self.offset, source=self.path)
                if p.source is None and p.line is not None else p for p in problems]

    def located(self) -> list[Problem]:
        """Everything to report, loading problems first, each at its line."""
        found = result_problems(self.results, None, self.gate) \
            if self.results is not None else []
        return self._placed([*self.problems, *self.source_problems, *found])

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.path,
            "line": self.offset + 1 if self.offset else None,  # of a plan inside a page
            "plan": self.plan_id,
            "valid": not self.problems,
            "ok": self.ok,
            "problems": [{"subtype": p.subtype, "message": p.message, "line": p.line}
                         for p in self._placed(self.problems)],
        }
        if self.source_problems:
            data["source_problems"] = [{"subtype": p.subtype, "message": p.message,
                                        "file": p.source or self.path, "line": p.line}
                                       for p in self._placed(self.source_problems)]
        if self.results is not None:
            data["checks"] = [self._result(r) for r in self.results.results]
            data["rules"] = [self._result(r) for r in self.results.rules]
            data["expired_waivers"] = [e.message for e in self.results.expired_waivers]
            data["unused_waivers"] = [u.message for u in self.results.unused_waivers]
            data["placeholders"] = [{"where": p.where, "text": p.text, "line": p.line}
                                    for p in self.results.placeholders]
        return data

    @staticmethod
    def _result(r: Any) -> dict[str, Any]:
        return {
                "check": r.check,
                "title": r.title,
                "result": r.status,
                "summary": r.summary,
                "satisfied_by": [{"item": i.label, "line": i.line} for i in r.satisfied_by],
                "failed_by": [{"item": f.item.label, "line": f.item.line,
                               "message": f.message} for f in r.failed_by],
                "details": list(r.details),
                "waiver": None if r.waiver is None else {
                    "reason": r.waiver.reason, "approved_by": r.waiver.approved_by,
                    "until": r.waiver.until.isoformat()},
        }


def sources_root(plan_path: str | Path, root: str | None) -> str:
    """The root the plan's deploy files are read from: ``--root``, else the nearest
    folder from the plan's folder upwards that holds ``.git``, else the plan's folder
    (shown relative to the current folder when it is inside it)."""
    if root is not None:
        return root
    from .sources import find_sources_root

    found = find_sources_root(Path(plan_path).parent)
    try:
        return os.path.relpath(found) if Path.cwd() in (found, *found.parents) else str(found)
    except ValueError:  # another drive (Windows)
        return str(found)


def check_file(path: str | PlanSource, today: Any, settings: RuleSettings | None = None,
               gate: Gate | None = None, root: str | None = None) -> FileReport:
    """Check one plan file, or one plan written in a page, against the deploy files it
    names (relative to ``root``, see :func:`sources_root`)."""
    source = path if isinstance(path, PlanSource) else PlanSource(Path(path), None)
    report = FileReport(str(source.path), gate=gate or Gate(), offset=source.offset)
    try:
        plan = load_plan_file(source.path) if source.text is None \
            else load_plan(source.text, None)
    except PlanError as error:
        report.problems = error.problems
        return report
    from .sources import read_plan_sources

    report.plan_id = plan.plan
    sources = read_plan_sources(plan, sources_root(source.path, root))
    report.source_problems = sources.problems
    report.results = run_checks(plan, today, settings, sources)
    return report


#: Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 48


def check_files(paths: list[str] | list[PlanSource], today: Any, settings: RuleSettings,
                gate: Gate, root: str | None = None) -> list[FileReport]:
    """Check every file, on every core when there are many (a pre-commit run over a
    large docs repo), in the order given."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2:
        return [check_file(path, today, settings, gate, root) for path in paths]
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    from .checks.sql import load_parsers

    load_parsers(settings.sql_dialect)  # imported once here, not once per forked worker
    # Python's advice before fork(): the workers' collector then never walks (nor
    # copies, by touching them) the parent's objects; 1,000 plans went from 2.6 to 2.3 s
    gc.freeze()
    job = partial(check_file, today=today, settings=settings, gate=gate, root=root)
    try:
        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(job, paths, chunksize=max(1, len(paths) // (workers * 4))))
    finally:
        gc.unfreeze()  # a caller that lives on gets its collector back as it was


def _print_text(reports: list[FileReport], out: TextIO) -> None:
    for report in reports:
        for problem in report.located():
            print(problem.format(report.path), file=out)
        if report.results is None or report.plan_id is None:
            continue
        results = report.results
        verdict = "ok" if not report.failing else "UNMET"
        waived = sum(r.status == "waived" for r in results.results)
        extra = f", {waived} waived" if waived else ""
        print(f"{report.where}: plan {report.plan_id!r}: {len(results.met)} of "
              f"{len(results.applicable)} applicable checks met{extra} [{verdict}]", file=out)


def cmd_check(args: argparse.Namespace) -> int:
    try:
        today = resolve_today(args.today, dict(os.environ))
    except ValueError as exc:
        print(f"deployplan: --today must be a date as YYYY-MM-DD, got {args.today!r}"
              if args.today else f"deployplan: {exc}", file=sys.stderr)
        return 2
    if args.root is not None and not Path(args.root).is_dir():
        print(f"deployplan: --root {args.root!r} is not a folder", file=sys.stderr)
        return 2
    settings = RuleSettings(rollback_budget_share=args.rollback_budget_share,
                            sql_dialect=args.sql_dialect)
    gate = Gate(strict_rules=strict_rule_ids(args.strict_rules),
                fail_on_drift=args.fail_on_drift)
    sources = find_plans(args.plans, read_plan_text, only_plans=args.only_plans)
    reports = check_files(sources, today, settings, gate, args.root)
    if args.format == "json":
        json.dump({"today": today.isoformat(), "plans": [r.as_json() for r in reports]},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(reports, sys.stdout)
        bad = sum(not r.ok for r in reports)
        print(f"{len(reports)} plan(s) checked, {bad} with problems", file=sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


class OutputRefused(Exception):
    """Where ``-o`` points cannot or must not be written; the message says why."""


def _output(output: str | None, force: bool, inputs: Sequence[str] = ()) -> Path | None:
    """Where ``-o`` writes, checked before any work: never over a file the command
    reads, never over an existing file without ``--force``, and a folder or a
    missing folder is a clear error, not a traceback.  A path that is no regular
    file (``/dev/null``, ``/dev/stdout``) is written to as a stream."""
    if not output:
        return None
    path = Path(output)
    if path.is_dir():
        raise OutputRefused(f"{output} is a folder; give the name of a file to write")
    if not path.parent.is_dir():
        raise OutputRefused(f"cannot write {output}: the folder {path.parent} does not exist")
    if path.exists():
        for source in inputs:
            try:
                same = os.path.samefile(path, source)
            except OSError:  # the input is not there: the loader reports it
                same = False
            if same:
                raise OutputRefused(f"{output} is the plan being read; write to another "
                                    f"file")
        if path.is_file() and not force:
            raise OutputRefused(f"{output} exists; use --force to overwrite it")
    return path


def _write(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    try:
        with path.open("w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise OutputRefused(f"cannot write {path}: {exc.strerror}") from None


def _refused(exc: OutputRefused) -> int:
    print(f"deployplan: {exc}", file=sys.stderr)
    return 2


def cmd_export(args: argparse.Namespace) -> int:
    from .export import EXPORTERS

    exporter = EXPORTERS[args.to]
    try:
        target = _output(args.output, args.force, [args.plan])
    except OutputRefused as exc:
        return _refused(exc)
    try:
        plan = load_plan_file(args.plan)
    except PlanError as error:
        for problem in error.problems:
            print(problem.format(args.plan), file=sys.stderr)
        return 1
    try:
        if exporter.reads_sources:  # (the probes patch targets the workload the plan names)
            from .sources import read_plan_sources

            found = read_plan_sources(plan, sources_root(args.plan, args.root))
            for problem in found.problems:
                print(problem.format(args.plan), file=sys.stderr)
            text = exporter.export(plan, sources=found)  # type: ignore[call-arg]
        else:
            text = exporter.export(plan)
    except ValueError as exc:  # the plan has no meaning in this format
        print(f"deployplan: cannot export plan {plan.plan!r} as {args.to}: {exc}",
              file=sys.stderr)
        return 1
    try:
        _write(text, target)
    except OutputRefused as exc:
        return _refused(exc)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import plan_schema

    try:
        _write(json.dumps(plan_schema(), indent=2) + "\n", _output(args.output, args.force))
    except OutputRefused as exc:
        return _refused(exc)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from .skeleton import skeleton

    try:
        text = skeleton(args.name)
    except ValueError as exc:
        print(f"deployplan: {exc}", file=sys.stderr)
        return 2
    try:
        _write(text, _output(args.output, args.force))
    except OutputRefused as exc:
        return _refused(exc)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .sources import find_sources_root
    from .sources.draft import Draft, DraftError, relative_to_root

    # the workload first: its name is the service, which picks the Rollout (as checks do)
    named = {key: getattr(args, key) for key in ("workload", "rollout", "workflow", "flags")}
    if not any(named.values()) and not args.migrations:
        print("deployplan: name at least one file (--rollout, --workflow, --workload, "
              "--flags or --migrations)", file=sys.stderr)
        return 2
    inputs = [path for path in (*named.values(), args.migrations) if path]
    try:
        output = _output(args.output, args.force, inputs)
    except OutputRefused as exc:
        return _refused(exc)
    root = args.root or str(find_sources_root(Path.cwd()))
    if not Path(root).is_dir():
        print(f"deployplan: --root {root!r} is not a folder", file=sys.stderr)
        return 2
    draft = Draft(root)
    try:
        for key, path in named.items():
            if path:
                draft.read(key, relative_to_root(path, root))
        if args.migrations:
            draft.read_migrations(relative_to_root(args.migrations, root))
    except DraftError as exc:
        print(f"deployplan: {exc}", file=sys.stderr)
        return 1
    try:
        _write(draft.text(args.name), output)
    except OutputRefused as exc:
        return _refused(exc)
    return 0


#: The rule settings a plain ``deployplan check`` uses (the Sphinx config's defaults too).
DEFAULTS = RuleSettings()


def _output_options(command: argparse.ArgumentParser, note: str = "") -> None:
    """``-o FILE`` and ``--force``, the same for every command that writes a file."""
    command.add_argument("-o", "--output", metavar="FILE",
                         help=f"write here, not to stdout{note}")
    command.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def parser() -> argparse.ArgumentParser:
    from .export import EXPORTERS

    top = argparse.ArgumentParser(prog="deployplan", description="Check, export and "
                                  "scaffold deployment plans (no Sphinx needed).")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="load plans and run the quality checks")
    check.add_argument("plans", nargs="+", metavar="PATH", help="plan files, MyST or reST "
                       "pages with plans written in them, or folders to search for both "
                       "(skipping _build and hidden folders)")
    check.add_argument("--only-plans", action="store_true", help="skip YAML files that are "
                       "not plans (no top-level plan key and fewer than three of the format's "
                       "keys), as in a folder: for pre-commit, which passes every file")
    check.add_argument("--format", choices=["text", "json"], default="text",
                       help="text: located lines like Sphinx warnings (default); json: one "
                       "document with every result and its evidence")
    check.add_argument("--today", help="the date checks treat as today (default: "
                       "SOURCE_DATE_EPOCH, else the current date)")
    check.add_argument("--strict-rules", action="store_true", help="unmet release-"
                       "engineering rules fail like unmet checks (default: warnings)")
    check.add_argument("--rollback-budget-share", type=float, metavar="SHARE",
                       default=DEFAULTS.rollback_budget_share, help="share of the error "
                       f"budget one rollback may spend (default {DEFAULTS.rollback_budget_share})")
    check.add_argument("--sql-dialect", default=DEFAULTS.sql_dialect,
                       choices=typing.get_args(SqlDialect), help="SQL dialect of migrations "
                       f"without their own (default {DEFAULTS.sql_dialect})")
    check.add_argument("--root", metavar="DIR", help="the folder a plan's sources, up_file "
                       "and down_file are relative to (default: the nearest folder from the "
                       "plan's folder upwards that holds .git, else the plan's folder)")
    check.add_argument("--fail-on-drift", action=argparse.BooleanOptionalAction, default=True,
                       help="whether a plan that disagrees with its deploy files (rule "
                       "source-drift) fails (default: it does)")
    check.set_defaults(run=cmd_check)

    export = sub.add_parser("export", help="turn a plan into runnable configuration")
    export.add_argument("--to", required=True, choices=list(EXPORTERS),
                        help="; ".join(f"{e.name}: {e.description}"
                                       for e in EXPORTERS.values()))
    export.add_argument("plan", metavar="PLAN.yaml", help="the plan file to export")
    _output_options(export, " (never over the plan itself)")
    export.add_argument("--root", metavar="DIR", help="the folder the plan's sources are "
                        "relative to, for the formats that read them (k8s-probes patches the "
                        "workload of sources.workload; default as for check)")
    export.set_defaults(run=cmd_export)

    schema = sub.add_parser("schema", help="print the JSON Schema of the plan format")
    _output_options(schema)
    schema.set_defaults(run=cmd_schema)

    new = sub.add_parser("new", help="write a plan skeleton whose placeholders fail the "
                         "checks until they are filled in")
    new.add_argument("name", help="the plan id (a slug, like checkout-v2)")
    _output_options(new)
    new.set_defaults(run=cmd_new)

    draft = sub.add_parser("import", help="draft a plan from the repository's deploy files: "
                           "every value they give, sources pointing back, TODO for the rest")
    draft.add_argument("--rollout", metavar="FILE", help="an Argo Rollout or a Flagger Canary")
    draft.add_argument("--workflow", metavar="FILE", help="a GitHub Actions workflow or a "
                       ".gitlab-ci.yml")
    draft.add_argument("--workload", metavar="FILE", help="a Deployment, StatefulSet, "
                       "DaemonSet or Rollout with the probes")
    draft.add_argument("--flags", metavar="FILE", help="flagd flag definitions")
    draft.add_argument("--migrations", metavar="DIR", help="a folder of .sql files (NAME.up.sql "
                       "and NAME.down.sql are paired)")
    draft.add_argument("--root", metavar="DIR", help="the sources root the plan's paths are "
                       "relative to (default: the nearest folder upwards holding .git, else "
                       "the current folder)")
    draft.add_argument("--name", metavar="PLAN_ID", help="the plan id (default: from the "
                       "service's name in the files)")
    _output_options(draft)
    draft.set_defaults(run=cmd_import)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        # the reader went away (deployplan check ... | head): stop quietly, as the
        # Python docs advise, without a traceback at exit when stdout is flushed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
