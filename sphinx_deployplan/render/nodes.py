"""Our own docutils nodes, their HTML visitors, and their registration.

HTML-family builders (html, dirhtml, singlehtml, epub) use the visitors below;
every other builder never sees these nodes: a post-transform in the Sphinx layer
replaces each with its ``fallback()`` (plain docutils nodes), so the text,
LaTeX, man and texinfo writers need no visitors of ours.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from docutils import nodes
from sphinx.application import Sphinx

#: Builder names that write HTML with the HTML translator.  Visitors are registered
#: for each by name: an extension that registers handlers for one of them (as
#: sphinx-needs' data viewer does for ``epub``) otherwise hides the ``html`` ones.
HTML_BUILDERS = ("html", "dirhtml", "singlehtml", "epub")


class pipeline_diagram(nodes.General, nodes.Element):
    """The pipeline picture: ``svg`` for HTML, ``text`` for everything else."""

    def fallback(self) -> nodes.Node:
        block = nodes.literal_block(self["text"], self["text"], classes=["deployplan-diagram"])
        block["language"] = "text"  # not highlighted as the default language
        return block


class checkbox(nodes.Inline, nodes.TextElement):
    """A tick box of the rollback checklist with the words it ticks off: one label,
    so the whole line is the tick target.  ``[ ]`` and the words outside HTML."""

    def fallback(self) -> list[nodes.Node]:
        return [nodes.Text("[ ] "), *self.children]


class labelled_cell(nodes.entry):
    """A table cell that carries its column's header (``data-label`` in HTML), so a
    phone can show a row as a card of "label: value" lines."""

    def fallback(self) -> nodes.Node:
        entry = nodes.entry(classes=self["classes"], ids=self["ids"])
        entry.extend(self.children)
        return entry


def visit_pipeline_diagram_html(translator: Any, node: pipeline_diagram) -> None:
    # The picture, then its text form (what other builders and the Markdown export
    # show) for copying, for reading without the picture, and for screen readers.
    # A pipeline too long to draw has no picture: its text form is shown open.
    picture = node["svg"]
    if picture:
        # focusable, in case a picture too wide for its column scrolls in its frame
        translator.body.append(
            f'<div class="deployplan-diagram-wrap" tabindex="0" role="group" '
            f'aria-label="Pipeline diagram">{picture}</div>\n')
    translator.body.append(
        f'<details class="deployplan-diagram-text"{"" if picture else " open"}>'
        f'<summary>Pipeline as text</summary>'
        f'<pre>{translator.encode(node["text"])}</pre></details>\n')
    raise nodes.SkipNode


def visit_checkbox_html(translator: Any, node: checkbox) -> None:
    # deployplan.js keeps the ticks in localStorage under the plan id and digest,
    # so a changed plan starts with a clean checklist.
    attval = translator.attval
    translator.body.append(
        f'<label class="deployplan-check">'
        f'<input type="checkbox" class="deployplan-checkbox" '
        f'data-plan="{attval(node["plan"])}" data-digest="{attval(node["digest"])}" '
        f'data-item="{attval(node["item"])}"/> ')


def depart_checkbox_html(translator: Any, node: checkbox) -> None:
    translator.body.append("</label>")


def visit_labelled_cell_html(translator: Any, node: labelled_cell) -> None:
    translator.visit_entry(node)
    label = translator.attval(node["label"])
    translator.body[-1] = translator.body[-1].replace("<td", f'<td data-label="{label}"', 1)


def depart_labelled_cell_html(translator: Any, node: labelled_cell) -> None:
    translator.depart_entry(node)


OWN_NODES: tuple[type[nodes.Element], ...] = (pipeline_diagram, checkbox, labelled_cell)


class _OwnNode(Protocol):
    """What each of :data:`OWN_NODES` offers builders that do not know it."""

    def fallback(self) -> nodes.Node | list[nodes.Node]: ...

    def replace_self(self, new: nodes.Node | list[nodes.Node]) -> None: ...


def prepare_for_builder(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: non-HTML builders get plain docutils nodes instead of
    ours; LaTeX gets our tables with the column widths they carry, so a column of
    commands or ids wraps inside its width instead of running off the page."""
    if app.builder.format == "html":
        return
    for node in list(doctree.findall(lambda n: isinstance(n, OWN_NODES))):
        own = cast(_OwnNode, node)
        own.replace_self(own.fallback())
    if app.builder.format == "latex":
        for table in doctree.findall(nodes.table):
            if "deployplan-table" in table["classes"]:
                table["classes"].append("colwidths-given")


def register_nodes(app: Sphinx) -> None:
    """Declare our nodes with their visitors for every HTML-family builder."""
    visitors = {
        pipeline_diagram: (visit_pipeline_diagram_html, None),
        checkbox: (visit_checkbox_html, depart_checkbox_html),
        labelled_cell: (visit_labelled_cell_html, depart_labelled_cell_html),
    }
    for node, pair in visitors.items():
        app.add_node(node, **dict.fromkeys(HTML_BUILDERS, pair))  # type: ignore[arg-type]
