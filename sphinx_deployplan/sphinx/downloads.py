"""Each plan page offers its exports as downloads (config ``deployplan_exports``).

The directive leaves a placeholder; when an HTML page is written, the exports of
its plans are generated into ``_deployplan/<plan id>/`` in the output folder and
the placeholder becomes a line of links.  Other builders (and EPUB, where a
YAML file is no part of a book) drop the placeholder.  A plan that has no
meaning in a format (an Argo Rollout for a feature-flag release, say) simply
gets no link for it.

What we write never becomes a source page (an output folder inside the source
folder is excluded when the configuration is read), and never outlives its plan:
at the end of each build, export folders of plans that are gone, and files of
formats no longer offered, are removed.  Only what our manifest lists is removed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.osutil import relative_uri

from .. import __version__
from ..checks import PlanResults
from ..export import EXPORTERS
from ..model import Plan
from ..sources import PlanSources
from .config import settings
from .domain import plan_domain
from .warnings import logger

FOLDER = "_deployplan"
MANIFEST = "manifest.json"
#: HTML-family builders that offer no downloads.
NO_DOWNLOADS = frozenset({"epub"})


class downloads(nodes.General, nodes.Element):
    """Placeholder for the export links of plan ``plan`` (of digest ``digest``);
    ``files`` holds (format, file name, text) of each export."""


#: Exports that show the quality checks: they get this build's results (its "today",
#: its rule settings), so the download says what the page says.
WITH_RESULTS = frozenset({"markdown"})


def export_files(plan: Plan, names: tuple[str, ...], results: PlanResults | None = None,
                 sources: PlanSources | None = None) -> list[tuple[str, str, str]]:
    """(format, file name, text) of the plan in each format that means something for
    it (an Argo Rollout of a feature-flag release does not).  Run when the page is
    read, so ``-j N`` spreads it over the workers and only edited plans pay it again."""
    files = []
    for name in names:
        exporter = EXPORTERS[name]
        try:
            if name in WITH_RESULTS and results is not None:
                text = exporter.export(plan, results)  # type: ignore[call-arg]
            elif exporter.reads_sources:
                text = exporter.export(plan, sources=sources)  # type: ignore[call-arg]
            else:
                text = exporter.export(plan)
        except ValueError:
            continue
        files.append((name, exporter.filename(plan), text))
    return files


def _read_manifest(folder: Path) -> dict:
    try:
        recorded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _write_exports(node: downloads, outdir: Path) -> list[tuple[str, str]]:
    """Write the plan's exports; return (format, path in the output) of each.

    A manifest beside them records the digest of their texts, the package version, the
    formats and the files: when the first three are unchanged and the files are
    there, nothing is written again (no needless new timestamps for a deploy that
    syncs the output).  Files of formats no longer offered are removed."""
    folder = outdir / FOLDER / node["plan"]
    files = [(name, f"{FOLDER}/{node['plan']}/{filename}")
             for name, filename, _ in node["files"]]
    names = [filename for _, filename, _ in node["files"]]
    stamp = {"digest": node["digest"], "version": __version__,
             "formats": [name for name, _ in files], "files": names}
    recorded = _read_manifest(folder)
    if {k: recorded.get(k) for k in stamp} == stamp and all(
            (outdir / path).is_file() for _, path in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    for _, filename, text in node["files"]:
        (folder / filename).write_text(text, encoding="utf-8")
    for old in _listed(recorded):
        if old not in names:
            (folder / old).unlink(missing_ok=True)
    (folder / MANIFEST).write_text(json.dumps(stamp), encoding="utf-8")
    return files


def _listed(manifest: dict) -> list[str]:
    """The file names a manifest lists, if they are plain names in the folder."""
    listed = manifest.get("files")
    if not isinstance(listed, list):
        return []
    return [name for name in listed
            if isinstance(name, str) and name and name == os.path.basename(name)
            and name not in (".", "..", MANIFEST)]


def fill_downloads(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: links on HTML pages, nothing elsewhere."""
    placeholders = list(doctree.findall(downloads))
    if not placeholders:
        return
    if app.builder.format != "html" or app.builder.name in NO_DOWNLOADS:
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


def keep_downloads_out_of_sources(app: Sphinx, config: Config) -> None:
    """``config-inited``: when the output folder is inside the source folder (a
    ``_build`` beside ``conf.py``) and ``exclude_patterns`` does not cover it, the
    downloaded ``.runbook.md`` would be read back as a page by the next build.
    Exclude the output folder, as if the site had listed it."""
    srcdir, outdir = Path(app.srcdir).resolve(), Path(app.outdir).resolve()
    if outdir == srcdir or srcdir not in outdir.parents:
        return
    rel = outdir.relative_to(srcdir).as_posix()
    for pattern in (rel, f"{rel}/**"):
        if pattern not in config.exclude_patterns:
            config.exclude_patterns.append(pattern)


def remove_stale(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: remove the export folders of plans this site no longer
    has (deleted, renamed, or every export turned off), so a stale download cannot
    be fetched.  Only folders with our manifest are touched, and in them only the
    files it lists."""
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.outdir) / FOLDER
    if not root.is_dir():
        return
    offered = bool(settings(app.config).exports) and app.builder.name not in NO_DOWNLOADS
    keep = {e.plan_id for e in plan_domain(app.env).entries()} if offered else set()
    for folder in sorted(root.iterdir()):
        if folder.name in keep or folder.is_symlink() or not folder.is_dir():
            continue
        manifest = _read_manifest(folder)
        if not manifest:
            continue  # not ours
        for name in _listed(manifest):
            (folder / name).unlink(missing_ok=True)
        (folder / MANIFEST).unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:  # something of someone else's is left in it
            logger.info("deployplan: kept %s: it holds files the extension did not write",
                        folder)
    if not any(root.iterdir()):
        root.rmdir()
