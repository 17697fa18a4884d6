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
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from .. import __version__
from ..export import EXPORTERS
from ..loader import load_plan
from ..problems import PlanError
from .config import limits

FOLDER = "_deployplan"


class downloads(nodes.General, nodes.Element):
    """Placeholder for the export links of plan ``plan``: its ``digest``, and its YAML
    ``text`` (from ``source``, None for a directive body) to export from."""


def chosen_exporters(config: Any) -> list[str]:
    names = config.deployplan_exports
    return list(EXPORTERS) if names is None else list(names)


def _write_exports(node: downloads, outdir: Path, names: list[str], config: Any,
                   ) -> list[tuple[str, str]]:
    """Write the plan's exports; return (exporter name, path) of each.

    A manifest beside them records the plan digest, the package version and the
    formats asked for: when all three are unchanged the files are up to date and
    nothing is exported (or even loaded) again; exporting every plan on every build
    cost ~15% of a large site's build."""
    folder = outdir / FOLDER / node["plan"]
    manifest = folder / "manifest.json"
    stamp = {"digest": node["digest"], "version": __version__, "formats": names}
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    if {k: recorded.get(k) for k in stamp} == stamp and all(
            (outdir / path).is_file() for _, path in recorded.get("files", [])):
        return [tuple(item) for item in recorded["files"]]
    try:
        plan = load_plan(node["text"], node["source"], limits(config))
    except PlanError:  # it loaded when read; only a changed limit can refuse it now
        return []
    written = []
    for name in names:
        exporter = EXPORTERS[name]
        try:
            text = exporter.export(plan)
        except ValueError:
            continue  # no meaning in this format
        folder.mkdir(parents=True, exist_ok=True)
        (folder / exporter.filename(plan)).write_text(text, encoding="utf-8")
        written.append((name, f"{FOLDER}/{plan.plan}/{exporter.filename(plan)}"))
    folder.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({**stamp, "files": written}), encoding="utf-8")
    return written


def fill_downloads(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: links on HTML pages, nothing elsewhere."""
    placeholders = list(doctree.findall(downloads))
    if not placeholders:
        return
    if app.builder.format != "html":
        for node in placeholders:
            node.parent.remove(node)
        return
    names = chosen_exporters(app.config)
    here = app.builder.get_target_uri(docname)
    for node in placeholders:
        files = _write_exports(node, Path(app.outdir), names, app.config) if names else []
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
