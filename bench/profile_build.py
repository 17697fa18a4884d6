"""Profile one full build of a generated site and say where the time goes.

    python bench/profile_build.py [N] [--workdir DIR] [--no-needs] [--top 25]

Generates a site of N plans (default 200), builds it once under cProfile
(``python -m cProfile -o ... -m sphinx -b html -E``) and prints:

- the build phases (cumulative time of the Sphinx entry points: reading,
  resolving, writing, search index, environment pickling) and the parts of our
  directive (loading YAML, checks, rules, rendering, the needs bridge);
- self time ("tottime") summed per package: sphinx, docutils, myst_parser,
  sphinx_needs, sphinx_deployplan, yaml, jinja2, pygments, ...;
- the top entries by cumulative and by self time.

cProfile roughly doubles the run time; compare shares, not seconds, with the
benchmark.  The raw profile stays in the work folder for ``pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import pstats
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (label, file suffix, function name): cumulative times worth knowing.
PHASES = (
    ("Sphinx: read phase (parse every document)", "sphinx/builders/__init__.py", "read"),
    ("  docutils/MyST parsing + transforms", "sphinx/util/docutils.py",
     "_parse_str_to_doctree"),
    ("  our deployplan directive (run)", "sphinx_deployplan/sphinx/directive.py", "run"),
    ("    YAML -> Plan (load_plan)", "sphinx_deployplan/loader.py", "load_plan"),
    ("    read :file: plans", "sphinx_deployplan/loader.py", "read_plan_text"),
    ("    the eight checks (run_checks)", "sphinx_deployplan/checks.py", "run_checks"),
    ("    extra rules (run_rules)", "sphinx_deployplan/rules/__init__.py", "run_rules"),
    ("    rendering (render_plan)", "sphinx_deployplan/render/plan.py", "render_plan"),
    ("    needs bridge (add_plan_needs)", "sphinx_deployplan/sphinx/needs.py",
     "add_plan_needs"),
    ("      sphinx-needs add_need", "sphinx_needs/api/need.py", "add_need"),
    ("  pickling doctrees", "sphinx/builders/__init__.py", "write_doctree"),
    ("Sphinx: write phase", "sphinx/builders/__init__.py", "write"),
    ("  load + resolve doctrees (incl. doctree-resolved)", "sphinx/environment/__init__.py",
     "get_and_resolve_doctree"),
    ("    our aggregates (fill_aggregates)", "sphinx_deployplan/sphinx/aggregates.py",
     "fill_aggregates"),
    ("  HTML translation (write_doc)", "sphinx/builders/html/__init__.py", "write_doc"),
    ("  page templates (handle_page)", "sphinx/builders/html/__init__.py", "handle_page"),
    ("    global toctree per page (_get_local_toctree)", "sphinx/builders/html/__init__.py",
     "_get_local_toctree"),
    ("  search index feed", "sphinx/search/__init__.py", "feed"),
    ("Sphinx: finish (search index dump, needs.json ...)", "sphinx/builders/html/__init__.py",
     "finish"),
    ("  search index dump", "sphinx/builders/html/__init__.py", "dump_search_index"),
    ("Pygments highlighting", "sphinx/highlighting.py", "highlight_block"),
)


def _load_generate():
    spec = importlib.util.spec_from_file_location("deployplan_bench_generate",
                                                  HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def package_of(filename: str) -> str:
    """The top-level package a profiled function belongs to."""
    if filename.startswith(("~", "<")):
        return "(builtins, C code)"
    parts = Path(filename).parts
    if "sphinx_deployplan" in parts:  # the working tree, an install or a snapshot
        return "sphinx_deployplan"
    if "site-packages" in parts:
        name = parts[parts.index("site-packages") + 1]
        return name.removesuffix(".py")
    if any(p.startswith("python3") for p in parts):
        return "(standard library)"
    return "(other)"


def cumulative(stats: pstats.Stats, suffix: str, func: str) -> tuple[float, int]:
    total, calls = 0.0, 0
    for (filename, _, name), (_, nc, _, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name == func and filename.replace("\\", "/").endswith(suffix):
            total += ct
            calls += nc
    return total, calls


def report(profile: Path, top: int) -> str:
    stats = pstats.Stats(str(profile))
    total = stats.total_tt  # type: ignore[attr-defined]
    out = [f"profile {profile}: {total:.1f} s under cProfile", "", "phases (cumulative):"]
    for label, suffix, func in PHASES:
        seconds, calls = cumulative(stats, suffix, func)
        if calls:
            out.append(f"  {label:58s} {seconds:8.1f} s {seconds / total:6.1%}  "
                       f"({calls} calls)")
    by_pkg: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tt, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_pkg[package_of(filename)] += tt
    out += ["", "self time by package:"]
    for pkg, seconds in sorted(by_pkg.items(), key=lambda kv: -kv[1]):
        out.append(f"  {pkg:30s} {seconds:8.1f} s {seconds / total:6.1%}")
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(str(profile), stream=buf).sort_stats(key).print_stats(top)
        lines = buf.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
        out += ["", f"top {top} by {key}:", *lines[start:]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-needs", action="store_true", help="-D deployplan_needs=0")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--profile", type=Path, default=None,
                        help="only report on an existing profile file")
    args = parser.parse_args(argv)
    if args.profile:
        print(report(args.profile, args.top))
        return 0
    work = args.workdir or Path(tempfile.mkdtemp(prefix="deployplan-profile-"))
    gen = _load_generate().generate(args.n, work / f"n{args.n}", baseline=False, plans=False)
    profile = work / f"build-{args.n}.prof"
    extra = ["-D", "deployplan_needs=0"] if args.no_needs else []
    out = work / f"out-{args.n}"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m",
                             "sphinx", "-b", "html", "-E", "-q", "-d", str(out / "doctrees"),
                             *extra, str(gen.site), str(out / "html")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return 1
    print(report(profile, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
