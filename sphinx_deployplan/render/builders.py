"""Small docutils builders shared by the renderers.  User text only ever enters as
``nodes.Text`` (escaped by every writer)."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

from docutils import nodes

from .nodes import labelled_cell

Cell = str | nodes.Node | Sequence[nodes.Node] | None
DASH = "\u2014"
ARROW = " \u2192 "


def para(*children: str | nodes.Node, classes: list[str] | None = None) -> nodes.paragraph:
    node = nodes.paragraph(classes=classes or [])
    for child in children:
        node += nodes.Text(child) if isinstance(child, str) else child
    return node


def strong(text: str) -> nodes.strong:
    return nodes.strong(text, text)


def emphasis(text: str) -> nodes.emphasis:
    return nodes.emphasis(text, text)


def code(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def link_or_text(url: str | None) -> nodes.Node | str:
    """A link for http(s) URLs only; anything else (``javascript:``...) stays text."""
    if not url:
        return DASH
    if url.startswith(("https://", "http://")):
        return nodes.reference(url, url, refuri=url)
    return url


def command_block(command: str) -> nodes.literal_block:
    """An exact command.  Highlighted as shell only when it tokenises as shell, so
    a stray quote never turns into a highlighting warning."""
    try:
        shlex.split(command)
        language = "bash"
    except ValueError:
        language = "text"
    node = nodes.literal_block(command, command, classes=["deployplan-command"])
    node["language"] = language
    return node


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


def field_list(fields: Iterable[tuple[str, Cell]]) -> nodes.field_list:
    node = nodes.field_list(classes=["deployplan-fields"])
    for name, value in fields:
        if value is None or value == "" or value == []:
            continue
        field = nodes.field()
        field += nodes.field_name(name, name)
        body = nodes.field_body()
        body += para(value) if isinstance(value, (str, nodes.Node)) else para(*value)
        field += body
        node += field
    return node


def bullets(items: Iterable[nodes.Node | str], classes: Sequence[str] = ()) -> nodes.bullet_list:
    node = nodes.bullet_list(classes=list(classes))
    for item in items:
        li = nodes.list_item()
        li += para(item) if isinstance(item, str) else item
        node += li
    return node


def section(title: str, section_id: str, classes: Sequence[str] = ()) -> nodes.section:
    node = nodes.section(ids=[section_id], classes=list(classes))
    node += nodes.title(title, title)
    return node


def notice(text: str, classes: Sequence[str] = ("deployplan-unplanned",)) -> nodes.Element:
    """A visible "not planned" note for a section the plan leaves out."""
    node = nodes.note(classes=list(classes))
    node += para(text)
    return node


def join(values: Iterable[str] | None, sep: str = ", ", empty: str = DASH) -> str:
    values = [str(v) for v in values or []]
    return sep.join(values) if values else empty


def yes_no(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")
