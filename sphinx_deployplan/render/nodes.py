"""Our own docutils nodes and their HTML visitors.

Non-HTML builders never see these nodes: a post-transform in the Sphinx layer
replaces each with its ``fallback()`` (plain docutils nodes), so the text,
LaTeX, man and texinfo writers need no visitors of ours.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes


class pipeline_diagram(nodes.General, nodes.Element):
    """The pipeline picture: ``svg`` for HTML, ``text`` for everything else."""

    def fallback(self) -> nodes.Node:
        return nodes.literal_block(self["text"], self["text"], classes=["deployplan-diagram"])


class checkbox(nodes.Inline, nodes.Element):
    """A tick box in the rollback checklist (``[ ]`` outside HTML)."""

    def fallback(self) -> nodes.Node:
        return nodes.Text("[ ] ")


def visit_pipeline_diagram_html(translator: Any, node: pipeline_diagram) -> None:
    # The picture, then its text form (what other builders and the Markdown export
    # show) for copying, for reading without the picture, and for screen readers.
    translator.body.append(
        f'<div class="deployplan-diagram-wrap">{node["svg"]}</div>\n'
        f'<details class="deployplan-diagram-text"><summary>Pipeline as text</summary>'
        f'<pre>{translator.encode(node["text"])}</pre></details>\n')
    raise nodes.SkipNode


def visit_checkbox_html(translator: Any, node: checkbox) -> None:
    # deployplan.js keeps the ticks in localStorage under the plan id and digest,
    # so a changed plan starts with a clean checklist.
    attval = translator.attval
    translator.body.append(
        f'<input type="checkbox" class="deployplan-checkbox" '
        f'data-plan="{attval(node["plan"])}" data-digest="{attval(node["digest"])}" '
        f'data-item="{attval(node["item"])}" aria-label="{attval(node["label"])}"/> '
    )
    raise nodes.SkipNode


OWN_NODES: tuple[type[nodes.Element], ...] = (pipeline_diagram, checkbox)
