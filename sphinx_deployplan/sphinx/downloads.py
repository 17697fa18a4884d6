"""Each plan page offers its exports as downloads (config ``deployplan_exports``).

The directive leaves a placeholder; when an HTML page is written, the exports of
its plans are generated into ``_deployplan/<plan id>/`` in the output folder and
the placeholder becomes a line of links.  Other builders drop the placeholder.
A plan that has no meaning in a format (an Argo Rollout for a feature-flag
release, say) simply gets no link for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from .. import __version__
from ..checks import PlanResults
from ..export import EXPORTERS
from ..model import Plan

FOLDER = "_deployplan"


class downloads(nodes.General, nodes.Element):
    """Placeholder for the export links of plan ``plan`` (of digest ``digest``);
    ``files`` holds (format, file name, text) of each export."""


#: Exports that show the quality checks: they get this build's results (its "today",
#: its rule settings), so the download says what the page says.
WITH_RESULTS = frozenset({"markdown"})


def export_files(plan: Plan, names: tuple[str, ...], results: PlanResults | None = None,
                 ) -> list[tuple[str, str, str]]:
    """(format, file name, text) of the plan in each format that means something for
    it (an Argo Rollout of a feature-flag release does not).  Run when the page is
    read, so ``-j N`` spreads it over the workers and only edited plans pay it again."""
    files = []
    for name in names:
        exporter = EXPORTERS[name]
        try:
            if name in WITH_RESULTS and results is not None:
                text = exporter.export(plan, results)  # type: ignore[call-arg]
            else:
                text = exporter.export(plan)
        except ValueError:
            continue
        files.append((name, exporter.filename(plan), text))
    return files


def _write_exports(node: downloads, outdir: Path) -> list[tuple[str, str]]:
    """Write the plan's exports; return (format, path in the output) of each.

    A manifest beside them records the plan digest, the package version and the
    formats: when all three are unchanged and the files are there, nothing is
    written again (no needless new timestamps for a deploy that syncs the output)."""
    folder = outdir / FOLDER / node["plan"]
    manifest = folder / "manifest.json"
    files = [(name, f"{FOLDER}/{node['plan']}/{filename}")
             for name, filename, _ in node["files"]]
    stamp = {"digest": node["digest"], "version": __version__,
             "formats": [name for name, _ in files]}
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    if {k: recorded.get(k) for k in stamp} == stamp and all(
            (outdir / path).is_file() for _, path in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    for _, filename, text in node["files"]:
        (folder / filename).write_text(text, encoding="utf-8")
    manifest.write_text(json.dumps(stamp), encoding="utf-8")
    return files


def fill_downloads(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: links on HTML pages, nothing elsewhere."""
    placeholders = list(doctree.findall(downloads))
    if not placeholders:
        return
    if app.builder.format != "html":
        for node in placeholders:
            node.parent.remove(node)
        return
    here = app.builder.get_target_uri(docname)
    for node in placeholders:
        files = _write_exports(node, Path(app.outdir)) if node["files"] else []
        if not files:
            node.parent.remove(node)
            continue
        line = nodes.paragraph(classes=["deployplan-downloads"])
        line += nodes.strong("Download as: ", "Download as: ")
        for index, (name, path) in enumerate(files):
            if index:
                line += nodes.Text(" \u00b7 ")
            link = nodes.reference("", "", refuri=relative_uri(here, path),
                                   classes=["deployplan-download"])
            link["reftitle"] = EXPORTERS[name].description
            link += nodes.Text(name)
            line += link
        node.replace_self(line)
