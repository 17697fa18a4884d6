"""Portal benchmark (issue 10): a portal over K member sites of M plans each.

    python bench/portal.py [--members 50] [--plans 20] [--workdir DIR]

One member site of M generated plans is built once; its needs.json is then
copied K times, each copy with its own site name (its ``project`` and every
need's ``site``) and read
with its own ``id_prefix``, so the portal sees K distinct members of M plans.
Only the portal build is timed (the members are built by their own repos'
CI); peak RSS is the portal build's own (``os.wait4``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from run import sphinx, timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="portal-bench-"))
    python = sys.executable

    member = work / "member"
    generate(args.plans, member, baseline=False)
    build = timed(sphinx(python, member / "site", member / "out"), work / "logs", "member")
    print(f"member site of {args.plans} plans built in {build.seconds:.1f} s")
    needs = json.loads((member / "out" / "html" / "needs.json").read_text())

    portal = work / "portal"
    if portal.exists():
        shutil.rmtree(portal)
    (portal / "members").mkdir(parents=True)
    sources = []
    for index in range(args.members):
        copy = json.loads(json.dumps(needs))
        copy["project"] = f"Member {index:02d}"  # a member's needs describe that member
        for version in copy["versions"].values():
            for need in version["needs"].values():
                need["site"] = f"Member {index:02d}"
        path = portal / "members" / f"m{index:02d}.json"
        path.write_text(json.dumps(copy))
        sources.append({"base_url": f"https://m{index:02d}.example.com",
                        "json_path": f"members/m{index:02d}.json",
                        "id_prefix": f"M{index:02d}_"})
    (portal / "conf.py").write_text(
        'project = "Portal benchmark"\n'
        'extensions = ["myst_parser", "sphinx_deployplan"]\n'
        'exclude_patterns = ["_build", "members"]\n'
        'deployplan_today = "2026-11-27"\n'
        f"needs_external_needs = {sources!r}\n")
    (portal / "index.md").write_text(
        "# Portal\n\n```{deployplan-index}\n```\n\n```{deployplan-matrix}\n```\n\n"
        "```{deployplan-flags}\n```\n")
    run = timed(sphinx(python, portal, portal / "_build"), work / "logs", "portal")
    html = (portal / "_build" / "html" / "index.html").read_text()
    rows = html.count("<tr") - 3  # minus the three header rows
    print(f"portal over {args.members} members x {args.plans} plans: {run.seconds:.1f} s, "
          f"peak RSS {run.maxrss_mib:.0f} MiB, {rows} table rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
