"""Small docutils builders shared by the renderers.  User text only ever enters as
``nodes.Text`` (escaped by every writer)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docutils import nodes

from .nodes import labelled_cell

Cell = str | nodes.Node | Sequence[nodes.Node] | None
DASH = "\u2014"


def para(*children: str | nodes.Node, classes: list[str] | None = None) -> nodes.paragraph:
    node = nodes.paragraph(classes=classes or [])
    for child in children:
        node += nodes.Text(child) if isinstance(child, str) else child
    return node


def code(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _cell(value: Cell, label: str | None = None) -> nodes.entry:
    entry = nodes.entry() if label is None else labelled_cell(label=label)
    if value is None or value == "":
        entry += para(DASH)
    elif isinstance(value, str):
        entry += para(value)
    elif isinstance(value, (nodes.paragraph, nodes.bullet_list, nodes.literal_block)):
        entry += value
    elif isinstance(value, nodes.Node):
        entry += para(value)
    elif value and all(isinstance(v, nodes.Body) for v in value):
        entry.extend(value)  # block content: paragraphs, lists
    else:
        entry += para(*value)
    return entry


def _text(value: Cell) -> str:
    if value is None or isinstance(value, str):
        return value or DASH
    if isinstance(value, nodes.Node):
        return value.astext()
    return "".join(v.astext() for v in value)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    classes: Sequence[str] = (),
    row_ids: Sequence[str | None] | None = None,
    widths: Sequence[Sequence[int]] | None = None,
) -> nodes.container:
    """A table in a container that scrolls sideways if it must.  Each body cell
    carries its column's header, for the card layout on phones.  ``widths``
    gives the length of each cell's text where the cells are not plain text."""
    node = nodes.table(classes=["deployplan-table", *classes])
    group = nodes.tgroup(cols=len(headers))
    node += group
    rows = [list(r) for r in rows]
    for index, title in enumerate(headers):
        # Column widths in proportion to the longest text, for text and LaTeX output.
        lengths = ([w[index] for w in widths] if widths is not None
                   else [len(_text(r[index])) for r in rows])
        longest = max([len(title), *lengths])
        group += nodes.colspec(colwidth=max(6, min(longest, 40)))
    head = nodes.thead()
    group += head
    header_row = nodes.row()
    head += header_row
    for title in headers:
        header_row += _cell(title)
    body = nodes.tbody()
    group += body
    for index, cells in enumerate(rows):
        row = nodes.row()
        if row_ids and row_ids[index]:
            row["ids"].append(row_ids[index])
        for title, value in zip(headers, cells, strict=True):
            row += _cell(value, title)
        body += row
    wrap = nodes.container(classes=["deployplan-table-wrap"])
    wrap += node
    return wrap


def section(title: str, section_id: str, classes: Sequence[str] = ()) -> nodes.section:
    node = nodes.section(ids=[section_id], classes=list(classes))
    node += nodes.title(title, title)
    return node
