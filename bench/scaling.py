"""Scaling benchmark: does doubling an input at most roughly double the cost?

    python bench/scaling.py [N] [--runs 3] [--workdir DIR] [--out FILE]
    python bench/run.py --scaling N          # the same, from the main harness

Two plans that once grew faster than their size, each written at N and 2N:

* ``parity``: N environments without any configuration and a production with N
  configuration keys (the environment-parity rule compares every environment
  with production);
* ``chain``: a pipeline of N stages, each needing the one before, ending in a
  deploy (every walk of the stage graph follows it).

Each is put through ``deployplan check`` and through ``deployplan export`` in
every format.  Every measurement is a fresh process that times only the command
itself (``cli.main``, after the imports, the fastest of REPEAT runs), wall
and CPU; the processes of all
(input, size, command) cells run interleaved in one run, in a rotating order,
so that a noisy machine slows them alike.  The report gives the median of each
cell and **time(2N)/time(N)** per input and command: 2.0 is linear, 4.0
quadratic.  A command that refuses the plan (an export with no meaning for it)
is reported as such; one that fails otherwise (a traceback) fails the cell.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TODAY = "2026-11-27"
#: What the driver process runs: the imports first, then the command REPEAT times,
#: each timed; the fastest counts (the least disturbed by the rest of the machine).
REPEAT = 3
DRIVER = """\
import io, sys, time
from contextlib import redirect_stdout
from sphinx_deployplan import cli
from sphinx_deployplan.export import EXPORTERS
for exporter in EXPORTERS.values():
    exporter.export  # import every exporter module before the clock starts
best = None
for _ in range(int(sys.argv[1])):
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        with redirect_stdout(io.StringIO()):
            code = cli.main(sys.argv[2:])
    except SystemExit as exc:
        code = exc.code
    took = (time.perf_counter() - wall, time.process_time() - cpu)
    best = took if best is None or took < best else best
print(f"TIMED {best[0]:.6f} {best[1]:.6f} {code}", file=sys.stderr)
"""
HEAD = """\
plan: {plan}
title: Scaling input {plan}
service: scaling-svc
owner: platform
strategy:
  method: canary
  rollback_time: 2m
  steps: [{{traffic: 10%, hold: 5m}}, {{traffic: 100%}}]
  promote_when: [{{metric: http_5xx_ratio, threshold: "< 1%", window: 5m}}]
health_checks:
  - {{check: Ready, type: readiness, endpoint: /ready, interval: 5s, failure_threshold: 3}}
  - {{check: Alive, type: liveness, endpoint: /live, interval: 10s, failure_threshold: 3}}
feature_flags:
  - {{name: scaling-ui, type: release, default: "off", owner: web, lifecycle: rollout,
     created: 2026-11-01, cleanup: 2027-01-31}}
"""


def parity_plan(n: int) -> str:
    """N environments without configuration, then production with N keys."""
    envs = "".join(f"  - {{name: env{i}, purpose: testing, deploy: ci, approval: none, "
                   f"access: {{deploy: [ci]}}}}\n" for i in range(n))
    keys = "".join(f"      key{i}: value{i}\n" for i in range(n))
    return (HEAD.format(plan=f"parity-{n}") + "environments:\n" + envs
            + "  - name: production\n    purpose: customers\n    deploy: ci\n"
              "    approval: manual\n    access: {deploy: [ci], approve: [sre]}\n"
              "    config:\n" + keys
            + "pipeline:\n  stages:\n    - {id: build, kind: build}\n"
              "    - {id: test, kind: test}\n"
              "    - {id: deploy, kind: deploy, environment: production}\n")


def chain_plan(n: int) -> str:
    """A chain of N stages (builds and tests alternating), ending in a deploy."""
    stages = "".join(f"    - {{id: s{i}, kind: {'build' if i % 2 == 0 else 'test'}}}\n"
                     for i in range(n - 1))
    return (HEAD.format(plan=f"chain-{n}") + "environments:\n"
            "  - {name: production, purpose: customers, deploy: ci, approval: manual,\n"
            "     access: {deploy: [ci], approve: [sre]}, config: {api: https://api}}\n"
            "pipeline:\n  stages:\n" + stages
            + f"    - {{id: s{n - 1}, kind: deploy, environment: production}}\n")


INPUTS = {"parity": parity_plan, "chain": chain_plan}


def commands() -> list[tuple[str, list[str]]]:
    from sphinx_deployplan.export import EXPORTERS

    return [("check", ["check", "--today", TODAY]),
            *((f"export {name}", ["export", "--to", name, "-o", os.devnull])
              for name in EXPORTERS)]


@dataclass
class Cell:
    """One (input, size, command): its timed runs."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    error: str | None = None

    def median(self, kind: str = "wall") -> float:
        return statistics.median(getattr(self, kind))


def measure(python: str, driver: Path, args: list[str], env: dict[str, str]) -> tuple:
    """(wall, cpu, exit status, stderr) of one command in a fresh process."""
    done = subprocess.run([python, str(driver), str(REPEAT), *args], capture_output=True,
                          text=True, env=env)
    last = [line for line in done.stderr.splitlines() if line.startswith("TIMED ")]
    if not last:
        return None, None, done.returncode, done.stderr
    _, wall, cpu, code = last[-1].split()
    return float(wall), float(cpu), int(code) if code.lstrip("-").isdigit() else 1, \
        done.stderr


def run_scaling(n: int, runs: int, work: Path, python: str = sys.executable,
                env: dict[str, str] | None = None, quiet: bool = False) -> dict[str, Any]:
    env = dict(env or os.environ)
    work.mkdir(parents=True, exist_ok=True)
    driver = work / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    files = {}
    for name, make in INPUTS.items():
        for size in (n, 2 * n):
            path = work / f"{name}-{size}.yaml"
            path.write_text(make(size), encoding="utf-8")
            files[(name, size)] = path
    cells = {(name, size, label): Cell() for (name, size) in files
             for label, _ in commands()}
    order = list(cells)
    for rep in range(runs):
        shift = rep * len(order) // max(runs, 1)
        for key in order[shift:] + order[:shift]:
            name, size, label = key
            cell = cells[key]
            if cell.error:
                continue
            args = dict(commands())[label]
            wall, cpu, code, stderr = measure(python, driver, [*args, str(files[(name, size)])],
                                              env)
            if wall is None or "Traceback" in stderr:
                cell.error = (stderr.strip().splitlines() or ["no output"])[-1]
                continue
            cell.wall.append(wall)
            cell.cpu.append(cpu)
            cell.codes.append(code)
        if not quiet:
            print(f"  scaling N={n}: run {rep + 1}/{runs} done", flush=True)
    return {"n": n, "runs": runs, "cells": {"|".join(map(str, k)): _summary(c)
                                            for k, c in cells.items()}}


def _summary(cell: Cell) -> dict[str, Any]:
    if cell.error or not cell.wall:
        return {"error": cell.error or "no run"}
    return {"median_s": round(cell.median(), 4), "median_cpu_s": round(cell.median("cpu"), 4),
            "times_s": [round(t, 4) for t in cell.wall], "exit": cell.codes[0]}


def report(figures: dict[str, Any]) -> str:
    n = figures["n"]
    cells = figures["cells"]
    rows = [["command", *(f"{name} {size}" for name in INPUTS for size in (n, 2 * n)),
             *(f"{name} 2N/N" for name in INPUTS)]]
    for label, _ in commands():
        row, ratios = [label], []
        for name in INPUTS:
            got = [cells[f"{name}|{size}|{label}"] for size in (n, 2 * n)]
            for cell in got:
                if "error" in cell:
                    row.append("error")
                elif cell["exit"] != 0 and label.startswith("export"):
                    row.append(f"{cell['median_s']:.3f} s (refused)")
                else:
                    row.append(f"{cell['median_s']:.3f} s")
            if all("error" not in c for c in got) and got[0]["median_s"] > 0:
                cpu = got[1]["median_cpu_s"] / max(got[0]["median_cpu_s"], 1e-9)
                ratios.append(f"{got[1]['median_s'] / got[0]['median_s']:.2f} "
                              f"(cpu {cpu:.2f})")
            else:
                ratios.append("n/a")
        rows.append([*row, *ratios])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    errors = [f"  {key}: {cell['error']}" for key, cell in cells.items() if "error" in cell]
    if errors:
        lines += ["errors (the command failed; see the message):", *errors]
    lines.append(f"time(2N)/time(N) of the median, N = {n}: 2.0 is linear, 4.0 quadratic "
                 f"(wall; cpu in brackets)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=500,
                        help="the smaller size; 2N is measured beside it (default 500)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="deployplan-scaling-"))
    figures = run_scaling(args.n, args.runs, work, args.python)
    text = report(figures)
    print("\n" + text)
    if args.out:
        args.out.write_text(json.dumps({**figures, "report": text}, indent=2) + "\n",
                            encoding="utf-8")
    return 1 if any("error" in c for c in figures["cells"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
