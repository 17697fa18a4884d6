"""Each plan page offers its exports as downloads (config ``deployplan_exports``).

The directive leaves a placeholder; when an HTML page is written, the exports of
its plans are generated into ``_deployplan/<plan id>/`` in the output folder and
the placeholder becomes a line of links.  Other builders drop the placeholder.
A plan that has no meaning in a format (an Argo Rollout for a feature-flag
release, say) simply gets no link for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from ..export import EXPORTERS
from ..model import Plan
from .domain import plan_domain

FOLDER = "_deployplan"


class downloads(nodes.General, nodes.Element):
    """Placeholder for the export links of plan ``plan``."""


def chosen_exporters(config: Any) -> list[str]:
    names = config.deployplan_exports
    return list(EXPORTERS) if names is None else list(names)


def _write_exports(plan: Plan, outdir: Path, names: list[str]) -> list[tuple[str, str]]:
    """Write the plan's exports (only when changed); return (exporter name, path)."""
    folder = outdir / FOLDER / plan.plan
    written = []
    for name in names:
        exporter = EXPORTERS[name]
        try:
            text = exporter.export(plan)
        except ValueError:
            continue  # no meaning in this format
        target = folder / exporter.filename(plan)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        written.append((name, f"{FOLDER}/{plan.plan}/{exporter.filename(plan)}"))
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
    domain = plan_domain(app.env)
    names = chosen_exporters(app.config)
    here = app.builder.get_target_uri(docname)
    for node in placeholders:
        entry = domain.plans.get(node["plan"])
        files = _write_exports(entry.plan, Path(app.outdir), names) if entry and names else []
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
