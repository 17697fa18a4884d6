"""Tables of simple cells, written as docutils nodes or straight as HTML.

The site-wide views (:mod:`.aggregates`) are the only tables that grow with the
site, and the page that shows them is written again on every build that changes
any plan.  As docutils nodes, each of their cells is four or five nodes, some
thirty objects for Python's garbage collector to track: on a 200-plan site
(7,300 cells) a one-plan rebuild took 5.4 to 6.2 s with the tables as nodes and
4.2 to 4.7 s with them as HTML, most of the difference in collections of the
whole heap that the nodes set off.  For HTML builders the same table is written
as HTML text, the markup Sphinx's HTML5 translator writes for the nodes (a test
compares the two); other builders get the nodes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from docutils import nodes

from ..layout import Badge, Code, Link
from .builders import DASH, code, table
from .checks import badge, badge_parts

#: What docutils' HTML writers encode, in text and in attribute values.
_SPECIAL = {ord("&"): "&amp;", ord("<"): "&lt;", ord('"'): "&quot;", ord(">"): "&gt;",
            ord("@"): "&#64;"}
_ATTRIBUTE_SPACE = re.compile("[\n\r\t\v\f]")
#: How the HTML translator splits literal text to keep words from wrapping.
_WORDS_AND_SPACES = re.compile(r"[^ \n]+| +|\n")


#: A cell: text, code, a badge or a link; None (or "") shows a dash.
GridCell = str | Code | Badge | Link | None


@dataclass(frozen=True)
class Grid:
    headers: Sequence[str]
    rows: Sequence[Sequence[GridCell]]
    classes: Sequence[str] = ()


# --- docutils nodes ----------------------------------------------------------------------


def _node(cell: GridCell) -> nodes.Node | str | None:
    if isinstance(cell, Code):
        return code(cell.text)
    if isinstance(cell, Badge):
        return badge(cell.status, cell.text)
    if isinstance(cell, Link):
        ref = nodes.reference("", "", refuri=cell.url, internal=not cell.external)
        inner = _node(cell.inner)
        if isinstance(inner, str):
            ref += nodes.Text(inner)
        elif inner is not None:
            ref += inner
        return ref
    return cell


def grid_nodes(grid: Grid) -> nodes.container:
    return table(grid.headers, [[_node(c) for c in row] for row in grid.rows],
                 classes=grid.classes)


# --- HTML --------------------------------------------------------------------------------


def _text(text: str) -> str:
    return text.translate(_SPECIAL)


def _attribute(text: str) -> str:
    return _ATTRIBUTE_SPACE.sub(" ", text).translate(_SPECIAL)


def _code_html(text: str) -> str:
    out = []
    for token in _WORDS_AND_SPACES.findall(_text(text)):
        if token.strip():
            out.append(f'<span class="pre">{token}</span>')
        elif token in (" ", "\n"):
            out.append(token)
        else:  # a run of spaces: kept, and the last one can wrap
            out.append("&#160;" * (len(token) - 1) + " ")
    return f'<code class="docutils literal notranslate">{"".join(out)}</code>'


def _cell_html(cell: GridCell) -> str:
    if cell is None or cell == "":
        return _text(DASH)
    if isinstance(cell, str):
        return _text(cell)
    if isinstance(cell, Code):
        return _code_html(cell.text)
    if isinstance(cell, Badge):
        classes, word = badge_parts(cell.status, cell.text)
        return f'<span class="{_attribute(" ".join(classes))}">{_text(word)}</span>'
    kind = "external" if cell.external else "internal"
    return (f'<a class="reference {kind}" href="{_attribute(cell.url)}">'
            f"{_cell_html(cell.inner)}</a>")


def grid_html(grid: Grid) -> str:
    """The table as Sphinx's HTML5 translator writes :func:`grid_nodes` (rows
    alternate ``row-odd``/``row-even``, counted from the header row)."""
    classes = " ".join(["deployplan-table", *grid.classes, "docutils", "align-default"])
    out = ['<div class="deployplan-table-wrap docutils container">\n',
           f'<table class="{_attribute(classes)}">\n',
           "<thead>\n", '<tr class="row-odd">']
    out += [f'<th class="head"><p>{_text(title)}</p></th>\n' for title in grid.headers]
    out += ["</tr>\n", "</thead>\n", "<tbody>\n"]
    for index, row in enumerate(grid.rows):
        out.append(f'<tr class="{"row-even" if index % 2 == 0 else "row-odd"}">')
        out += [f'<td data-label="{_attribute(title)}"><p>{_cell_html(cell)}</p></td>\n'
                for title, cell in zip(grid.headers, row, strict=True)]
        out.append("</tr>\n")
    out += ["</tbody>\n", "</table>\n", "</div>\n"]
    return "".join(out)
