"""A :mod:`~sphinx_deployplan.layout` as docutils nodes, for every Sphinx builder.

User text only ever enters as ``nodes.Text`` (escaped by every writer).
"""

from __future__ import annotations

from docutils import nodes

from ..layout import (
    DASH,
    Badge,
    Block,
    Blocks,
    Bullets,
    Cell,
    Checkbox,
    CheckItem,
    Checklist,
    Code,
    CodeBlock,
    Diagram,
    Emph,
    Fields,
    Inline,
    Link,
    Notice,
    Para,
    Ref,
    Runbook,
    Section,
    Strong,
    Table,
    Terms,
    Text,
    cell_text,
)
from .builders import section, table
from .checks import badge
from .nodes import checkbox, pipeline_diagram


def inline(piece: Inline) -> nodes.Node:
    if isinstance(piece, str):
        return nodes.Text(piece)
    if isinstance(piece, Code):
        return nodes.literal(piece.text, piece.text)
    if isinstance(piece, Strong):
        return nodes.strong(piece.text, piece.text)
    if isinstance(piece, Emph):
        return nodes.emphasis(piece.text, piece.text)
    if isinstance(piece, Badge):
        return badge(piece.status, piece.text)
    if isinstance(piece, Link):
        ref = nodes.reference("", "", refuri=piece.url, internal=not piece.external)
        ref += inline(piece.inner)
        return ref
    if isinstance(piece, Ref):
        ref = nodes.reference("", "", internal=True, refid=piece.anchor)
        ref += nodes.Text(piece.text)
        return ref
    if isinstance(piece, Checkbox):
        return checkbox(item=piece.item, label=piece.label, plan=piece.plan, digest=piece.digest)
    raise TypeError(f"not an inline piece: {piece!r}")


def paragraph(text: Text, classes: tuple[str, ...] = ()) -> nodes.paragraph:
    node = nodes.paragraph(classes=list(classes))
    for piece in text:
        node += inline(piece)
    return node


def _cell(cell: Cell) -> list[nodes.Node] | nodes.Node | str | None:
    """A cell as :func:`.builders.table` takes it."""
    if isinstance(cell, Blocks):
        if not cell.blocks:
            return paragraph(())
        return [node for block in cell.blocks for node in block_nodes(block)]
    if cell is None or cell == "":
        return None
    if isinstance(cell, tuple):
        return paragraph(cell)
    if isinstance(cell, str):
        return cell
    return inline(cell)


def _table(block: Table) -> nodes.Node:
    return table(block.headers, [[_cell(c) for c in row] for row in block.rows],
                 classes=block.classes, row_ids=block.row_ids or None,
                 widths=[[len(cell_text(c)) for c in row] for row in block.rows])


def _fields(block: Fields) -> nodes.field_list:
    node = nodes.field_list(classes=list(block.classes))
    for name, value in block.fields:
        field = nodes.field()
        field += nodes.field_name(name, name)
        body = nodes.field_body()
        body += paragraph(value)
        field += body
        node += field
    return node


def _check_item(item: CheckItem) -> nodes.list_item:
    li = nodes.list_item(ids=[item.anchor], classes=["deployplan-check-item"])
    box = inline(item.box)  # the tick box holds the words it ticks off
    assert isinstance(box, nodes.Element)
    for piece in (Strong(item.label + ":"), " ", *item.text):
        box += inline(piece)
    first = nodes.paragraph()
    first += box
    li += first
    if item.command is not None:
        li += _code_block(item.command)
    return li


def _code_block(block: CodeBlock) -> nodes.literal_block:
    node = nodes.literal_block(block.text, block.text, classes=list(block.classes))
    node["language"] = block.language
    return node


def _terms(block: Terms) -> nodes.definition_list:
    node = nodes.definition_list(classes=list(block.classes))
    for entry in block.items:
        item = nodes.definition_list_item()
        term = nodes.term("", "")
        for piece in entry.term:
            term += inline(piece)
        item += term
        body = nodes.definition()
        for child in entry.body:
            body.extend(block_nodes(child))
        item += body
        node += item
    return node


def block_nodes(block: Block) -> list[nodes.Node]:
    if isinstance(block, Para):
        return [paragraph(block.content, block.classes)]
    if isinstance(block, Table):
        return [_table(block)]
    if isinstance(block, Fields):
        return [_fields(block)]
    if isinstance(block, CodeBlock):
        return [_code_block(block)]
    if isinstance(block, Bullets):
        node = nodes.bullet_list(classes=list(block.classes))
        for item in block.items:
            li = nodes.list_item()
            li.extend(block_nodes(item))
            node += li
        return [node]
    if isinstance(block, Checklist):
        node = nodes.bullet_list(classes=list(block.classes))
        for check in block.items:
            node += _check_item(check)
        return [node]
    if isinstance(block, Terms):
        return [_terms(block)]
    if isinstance(block, Notice):
        note = nodes.note(classes=list(block.classes))
        note += paragraph((block.text,))
        return [note]
    if isinstance(block, Diagram):
        return [pipeline_diagram(svg=block.svg, text=block.text)]
    raise TypeError(f"not a block: {block!r}")


def section_node(part: Section) -> nodes.section:
    node = section(part.title, part.anchor, classes=part.classes)
    for block in part.blocks:
        node.extend(block_nodes(block))
    return node


def runbook_nodes(book: Runbook) -> list[nodes.Node]:
    """The runbook as sections: inside the plan's section when it has a heading."""
    sections = [section_node(part) for part in book.sections]
    if book.title is None:
        for node in sections:
            _verbatim(node)
        return list(sections)
    top = section(book.title, book.anchor, classes=["deployplan"])
    for block in book.intro:
        top.extend(block_nodes(block))
    top.extend(sections)
    return [_verbatim(top)]


def _verbatim(node: nodes.Element) -> nodes.Element:
    """Keep Sphinx's smart quotes out: a runbook shows a plan's words as written
    (``--atomic`` stays two hyphens, ``'dev'`` keeps straight quotes), as the
    Markdown export does."""
    node["support_smartquotes"] = False
    return node


__all__ = ["DASH", "block_nodes", "inline", "runbook_nodes", "section_node"]
