"""Benchmark harness of issue 6: build times, ratios and peak memory, side by side.

    python bench/run.py                 # N = 10 and 200
    python bench/run.py --n 1000        # only N = 1000
    python bench/run.py 10 200 1000     # several N (bare numbers work too)
    python bench/run.py --scaling 500   # only the scaling ratios (bench/scaling.py)

For each N the harness generates a site (``bench/generate.py``) and, in one
run, interleaving the scenarios so machine noise hits them alike, measures:

1. ``ext``          full build with the extension, traceability on;
2. ``ext-noneeds``  the same site with ``-D deployplan_needs=0``;
3. ``baseline``     the same content as hand-written MyST, only myst_parser;
4. ``unchanged``    rebuild with nothing changed (no ``-E``): what every rebuild
                    costs whatever the edit, so ``unchanged``/``ext`` is the floor
                    of the 4/1 ratio; ``unchanged-noneeds`` the same with
                    ``-D deployplan_needs=0``;
   ``incremental``  rebuild after editing the YAML of one plan (no ``-E``);
   ``incremental-noneeds`` the same edit and rebuild of the ``-D deployplan_needs=0``
                    output: the extension's own incremental path, without the
                    per-build work sphinx-needs does over every need;
5. ``parallel``     full build with ``-j 2``;
   ``sources``      full build of the same plans, each naming four deploy files
                    that match it (``generate.py --sources``): what reading and
                    comparing the sources costs, as the ratio ``sources``/``ext``;
6. peak RSS of every build (``ru_maxrss`` of the child from ``os.wait4``);
7. ``check``        ``deployplan check`` over the N plan files, when that
                    console script is installed (skipped with a note otherwise).

``--scaling N`` adds (or, without sizes, runs only) the scaling scenario of
``bench/scaling.py``: the environment-parity input and a stage chain, each at N
and 2N, through ``deployplan check`` and every export, and time(2N)/time(N).

Each build is ``python -m sphinx -b html`` in its own process.  Times are the
median of ``--runs`` runs (default 3 for N <= 200, 1 above).  A build that exits
non-zero fails the harness.  Figures go to ``bench/results/*.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCENARIOS = ("ext", "ext-noneeds", "baseline", "unchanged", "unchanged-noneeds",
             "incremental", "incremental-noneeds", "parallel", "sources")
LABELS = {
    "ext": "(1) full, extension + needs",
    "ext-noneeds": "(2) full, deployplan_needs=0",
    "baseline": "(3) baseline, hand-written MyST",
    "unchanged": "(4c) rebuild, nothing changed",
    "unchanged-noneeds": "(4d) the same, deployplan_needs=0",
    "incremental": "(4) incremental, one plan edited",
    "incremental-noneeds": "(4b) the same, deployplan_needs=0",
    "parallel": "(5) full, -j 2",
    "sources": "(8) full, four sources per plan",
    "check": "(7) deployplan check",
}


def _load_generate() -> Any:
    spec = importlib.util.spec_from_file_location("deployplan_bench_generate",
                                                  HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generate()
sys.path.insert(0, str(HERE))
import scaling  # noqa: E402  (bench/scaling.py, beside this file)


class HarnessError(RuntimeError):
    pass


@dataclass
class Run:
    """One measured process."""

    seconds: float
    maxrss_mib: float
    cpu_seconds: float
    returncode: int
    warnings: int = 0
    #: "reading sources" / "writing output" status lines: documents in a serial
    #: build, chunks of documents ("a .. b") when Sphinx works in parallel
    read: int | None = None
    written: int | None = None
    parallel_read: bool | None = None  # the log shows chunks: it really read in parallel


@dataclass
class Scenario:
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def median_cpu(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def peak_rss(self) -> float:
        return max(r.maxrss_mib for r in self.runs)

    def summary(self) -> dict[str, Any]:
        return {"median_s": round(self.median, 3),
                "times_s": [round(r.seconds, 3) for r in self.runs],
                "median_cpu_s": round(self.median_cpu, 3),
                "peak_rss_mib": round(self.peak_rss, 1),
                "runs": [asdict(r) for r in self.runs]}


_READ = re.compile(r"reading sources\.\.\. \[\s*\d+%\] (.*)")
_WRITE = re.compile(r"writing output\.\.\. \[\s*\d+%\] (.*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _status(pattern: re.Pattern[str], log: str) -> list[str]:
    """What the status lines matching ``pattern`` name: a document, or a chunk "a .. b"."""
    return [m[1].strip() for m in map(pattern.search, log.splitlines()) if m]


def timed(cmd: list[str], log_dir: Path, name: str, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` with stdout/stderr to files; wall time and the child's own rusage
    (``os.wait4``: per process, unlike ``getrusage(RUSAGE_CHILDREN)`` deltas)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = _ANSI.sub("", err_path.read_text(encoding="utf-8", errors="replace"))
    stdout = _ANSI.sub("", out_path.read_text(encoding="utf-8", errors="replace"))
    if proc.returncode != 0:
        tail = "\n".join(stderr.splitlines()[-30:] or stdout.splitlines()[-30:])
        raise HarnessError(f"{name}: exit status {proc.returncode}\n$ {' '.join(cmd)}\n"
                           f"--- stderr (tail) ---\n{tail}")
    run = Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
              proc.returncode, warnings=sum("WARNING" in line for line in stderr.splitlines()))
    if "sphinx" in cmd:
        read = _status(_READ, stdout)
        run.read, run.written = len(read), len(_status(_WRITE, stdout))
        run.parallel_read = any(" .. " in item for item in read)
    return run


def sphinx(python: str, src: Path, out: Path, *extra: str) -> list[str]:
    # -N: no colour codes in the logs; the doctree cache lives inside ``out``
    return [python, "-m", "sphinx", "-b", "html", "-N", "-d", str(out / ".doctrees"), *extra,
            str(src), str(out / "html")]


def deployplan_script(python: str) -> str | None:
    """The ``deployplan`` console script beside ``python``, else on PATH."""
    beside = Path(python).parent / "deployplan"
    if beside.exists():
        return str(beside)
    return shutil.which("deployplan")


def snapshot_package(python: str, dest: Path) -> dict[str, str]:
    """Copy the installed ``sphinx_deployplan`` source to ``dest`` and return the
    environment that makes every build (and this process) use that copy, so that
    edits to a working tree during a long run cannot mix two versions."""
    where = subprocess.run([python, "-c", "import sphinx_deployplan, os; "
                            "print(os.path.dirname(sphinx_deployplan.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(where, dest / "sphinx_deployplan",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    sys.path.insert(0, str(dest))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dest), env.get("PYTHONPATH")]))
    return env


def bench_n(n: int, runs: int, work: Path, python: str, seed: int, quiet: bool,
            env: dict[str, str]) -> dict[str, Any]:
    root = work / f"n{n}"
    gen = generate.generate(n, root, seed)
    # (8): the same plans, each naming four deploy files that match it
    with_sources = generate.generate(n, root / "with-sources", seed, baseline=False,
                                     plans=False, sources=True)
    logs = root / "logs"
    file_pages = [p for p in gen.pages if p.form == "file"]
    edited = gen.page_path(file_pages[len(file_pages) // 2] if file_pages else gen.pages[0])
    original = edited.read_text(encoding="utf-8")
    results: dict[str, Scenario] = {s: Scenario() for s in SCENARIOS}

    def say(msg: str) -> None:
        if not quiet:
            print(msg, flush=True)

    def rebuild_both(name: str, rep: int) -> None:
        """Rebuild the outputs of (1) and (2) without -E, as ``name`` and ``name-noneeds``."""
        for scenario, out, extra in ((name, "ext", []),
                                     (f"{name}-noneeds", "ext-noneeds",
                                      ["-D", "deployplan_needs=0"])):
            run = timed(sphinx(python, gen.site, root / "out" / out, *extra), logs,
                        f"{scenario}-{rep}", env)
            results[scenario].runs.append(run)
            say(f"  N={n} run {rep + 1}/{runs} {scenario:12s} {run.seconds:7.2f} s "
                f"{run.maxrss_mib:7.0f} MiB (read {run.read}, wrote {run.written} "
                f"documents)")

    full = ("ext", "ext-noneeds", "baseline", "parallel", "sources")
    for rep in range(runs):
        order = full[rep % len(full):] + full[:rep % len(full)]  # rotate, to share the noise
        for name in order:
            out = root / "out" / name
            shutil.rmtree(out, ignore_errors=True)
            src = {"baseline": gen.baseline, "sources": with_sources.site}.get(name, gen.site)
            extra = {"ext": ["-E"], "ext-noneeds": ["-E", "-D", "deployplan_needs=0"],
                     "baseline": ["-E"], "parallel": ["-E", "-j", "2"],
                     "sources": ["-E"]}[name]
            run = timed(sphinx(python, src, out, *extra), logs, f"{name}-{rep}", env)
            results[name].runs.append(run)
            say(f"  N={n} run {rep + 1}/{runs} {name:12s} {run.seconds:7.2f} s "
                f"{run.maxrss_mib:7.0f} MiB")
        # (4c), (4d): rebuild the outputs of (1) and (2) with nothing changed
        rebuild_both("unchanged", rep)
        # (4): edit the YAML of one plan (its title) and rebuild the ext output, no -E;
        # (4b): the same edit, rebuilding the output of (2)
        generate.edit_plan(edited, "title", f" (edit {rep + 1})")
        try:
            rebuild_both("incremental", rep)
        finally:
            edited.write_text(original, encoding="utf-8")

    figures: dict[str, Any] = {"n": n, "runs": runs, "edited": str(edited.relative_to(gen.site)),
                               "scenarios": {k: v.summary() for k, v in results.items()}}
    script = deployplan_script(python)
    if script is None:
        figures["check"] = {"skipped": "no `deployplan` console script installed"}
        say(f"  N={n} deployplan check: skipped (no `deployplan` console script)")
    else:
        files = sorted(str(p) for p in gen.plans_dir.glob("*.yaml"))
        check = Scenario()
        for rep in range(runs):
            check.runs.append(timed([script, "check", "--today", generate.TODAY, *files], logs,
                                    f"check-{rep}", env))
        figures["check"] = check.summary()
        say(f"  N={n} deployplan check {check.median:7.2f} s")

    def ratios(med: dict[str, float]) -> dict[str, float]:
        return {"1/3": med["ext"] / med["baseline"],
                "2/3": med["ext-noneeds"] / med["baseline"],
                "4/1": med["incremental"] / med["ext"],
                "4b/2": med["incremental-noneeds"] / med["ext-noneeds"],
                "4c/1": med["unchanged"] / med["ext"],
                "4d/2": med["unchanged-noneeds"] / med["ext-noneeds"],
                "5/1": med["parallel"] / med["ext"],
                "8/1": med["sources"] / med["ext"]}

    figures["ratios"] = ratios({k: v.median for k, v in results.items()})
    # CPU time (user + sys of the build and its workers) is steadier than wall time
    # on a busy machine; for -j 2 it adds up both processes, so 5/1 is only meaningful
    # in wall time.
    figures["cpu_ratios"] = ratios({k: v.median_cpu for k, v in results.items()})
    warned = {k: max(r.warnings for r in v.runs) for k, v in results.items()}
    figures["warnings"] = warned
    if any(warned.values()):
        say(f"  NOTE: builds printed warnings {warned}; see {logs}/*.err")
    return figures


def table(all_figures: list[dict[str, Any]]) -> str:
    rows = [["N", *(LABELS[s] for s in SCENARIOS), LABELS["check"]]]
    # one block of rows per figure: (title row, summary key, format)
    for title, key, fmt in ((None, "median_s", "{:.2f} s"),
                            ("CPU (user+sys)", "median_cpu_s", "{:.2f} s"),
                            ("peak RSS", "peak_rss_mib", "{:.0f} MiB")):
        if title:
            rows.append([title] + [""] * (len(SCENARIOS) + 1))
        for f in all_figures:
            check = f["check"].get(key)
            rows.append([str(f["n"]),
                         *(fmt.format(f["scenarios"][s][key]) for s in SCENARIOS),
                         fmt.format(check) if check is not None else "skipped"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    ratio_names = (("1/3", "ext:baseline", 2), ("2/3", "no-needs:baseline", 2),
                   ("4/1", "incremental:full", 3), ("4b/2", "the same, no needs", 3),
                   ("4c/1", "unchanged:full (floor of 4/1)", 3),
                   ("4d/2", "the same, no needs", 3), ("5/1", "-j2:serial", 2),
                   ("8/1", "sources:none", 3))
    heads = [f"{key} {what}" for key, what, _ in ratio_names]
    lines.append("ratios (of medians)   " + "   ".join(heads))
    for f in all_figures:
        for kind, key in (("wall", "ratios"), ("cpu ", "cpu_ratios")):
            cells = [f"{f[key][name]:>{len(head)}.{digits}f}"
                     for (name, _, digits), head in zip(ratio_names, heads, strict=True)]
            lines.append(f"  N={f['n']:<6} {kind}       " + "   ".join(cells))
    by_n = {f["n"]: f for f in all_figures}
    if 200 in by_n and 1000 in by_n:
        scale = {s: by_n[1000]["scenarios"][s]["median_s"] / by_n[200]["scenarios"][s]["median_s"]
                 for s in SCENARIOS}
        lines.append("time(1000)/time(200): " + ", ".join(f"{s} {v:.2f}"
                                                         for s, v in scale.items()))
    for f in all_figures:
        inc = f["scenarios"]["incremental"]["runs"][0]
        par = f["scenarios"]["parallel"]["runs"][0]
        lines.append(f"N={f['n']}: incremental re-read {inc['read']} and rewrote "
                     f"{inc['written']} of {f['n'] + 1} documents; -j 2 "
                     + (f"read in {par['read']} parallel chunks" if par["parallel_read"]
                        else "did NOT read in parallel (see the logs)"))
        if "skipped" in f["check"]:
            lines.append(f"N={f['n']}: deployplan check skipped: {f['check']['skipped']}")
    return "\n".join(lines)


def _versions(python: str, env: dict[str, str]) -> dict[str, str]:
    code = ("import json, importlib.metadata as m; print(json.dumps({d: m.version(d) for d in "
            "('sphinx', 'sphinx-needs', 'myst-parser', 'docutils', 'sphinx-deployplan', "
            "'pyyaml')}))")
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True,
                             env=env)
        versions = json.loads(out.stdout)
    except (subprocess.CalledProcessError, json.JSONDecodeError):
        versions = {}
    try:
        rev = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain"],
                               capture_output=True, text=True, check=True).stdout.strip()
        versions["git"] = rev + ("+dirty" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        pass
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, metavar="N",
                        help="numbers of plans (default: 10 200)")
    parser.add_argument("--n", nargs="+", type=int, default=[], metavar="N",
                        help="numbers of plans, e.g. --n 1000")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per scenario (default: 3 for N <= 200, else 1)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to generate and build (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--python", default=sys.executable,
                        help="the Python that runs Sphinx (default: this one)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--snapshot", action="store_true",
                        help="build with a copy of the package taken at the start (for an "
                             "editable install in a working tree others are editing)")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--scaling", type=int, default=None, metavar="N",
                        help="also measure time(2N)/time(N) of the parity and stage-chain "
                             "inputs through deployplan check and every export (alone "
                             "when no sizes are given); see bench/scaling.py")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes + args.n)) or ([] if args.scaling else [10, 200])

    work = args.workdir or Path(tempfile.mkdtemp(prefix="deployplan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = _dt.datetime.now()
    load_start = os.getloadavg()
    env = snapshot_package(args.python, work / "snapshot") if args.snapshot \
        else dict(os.environ)
    versions = _versions(args.python, env)  # of the code measured: before any edit lands
    all_figures = []
    try:
        for n in sizes:
            runs = args.runs or (3 if n <= 200 else 1)
            print(f"N={n}: {runs} run(s) per scenario, in {work / f'n{n}'}", flush=True)
            all_figures.append(bench_n(n, runs, work, args.python, args.seed, args.quiet,
                                       env))
    except HarnessError as err:
        print(f"\nHARNESS FAILURE: {err}", file=sys.stderr)
        print(f"(work folder kept: {work})", file=sys.stderr)
        return 1
    report = table(all_figures) if all_figures else ""
    scaled = None
    if args.scaling:
        print(f"scaling: N={args.scaling} and {2 * args.scaling}, in {work / 'scaling'}",
              flush=True)
        scaled = scaling.run_scaling(args.scaling, args.runs or 3, work / "scaling",
                                     args.python, env, args.quiet)
        report = "\n\n".join(filter(None, [report, scaling.report(scaled)]))
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"bench-{started:%Y%m%d-%H%M%S}.json"
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((_dt.datetime.now() - started).total_seconds(), 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "loadavg_start": load_start,
                    "loadavg_end": os.getloadavg()},
        "versions": versions,
        "snapshot": args.snapshot,
        "sizes": all_figures,
        "scaling": scaled,
        "report": report,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {out}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
