"""The vocabulary a runbook is laid out in: text pieces and blocks, as plain data.

:mod:`.runbook` lays each part of a plan's runbook out once in these types;
writers turn the same layout into docutils nodes for Sphinx
(:mod:`.render.layout_nodes`) or into Markdown (:mod:`.export.markdown`), so
the site and the export show the same headings, columns and words.  No Sphinx
or docutils here: the Markdown export is core.

User text only ever sits in these types as data; each writer escapes it for
its output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DASH = "\u2014"
ARROW = " \u2192 "

# --- inline pieces ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Code:
    """Inline code: a service, a plan id, a flag name, an endpoint."""

    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    text: str


@dataclass(frozen=True, slots=True)
class Emph:
    text: str


@dataclass(frozen=True, slots=True)
class Badge:
    """A result badge; ``text`` defaults to the result's word."""

    status: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A link to a URL (a page of the site, or an external http(s) address)."""

    inner: str | Code | Badge
    url: str
    external: bool = False


@dataclass(frozen=True, slots=True)
class Ref:
    """A link to an anchor on the same page (text only where anchors mean nothing)."""

    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class Checkbox:
    """A tick box of the rollback checklist (``[ ]`` in Markdown and on paper)."""

    item: str  # the item's anchor, the key its tick is remembered under
    label: str
    plan: str
    digest: str


Inline = str | Code | Strong | Emph | Badge | Link | Ref | Checkbox
#: A run of inline pieces, read as one line of text.
Text = tuple[Inline, ...]

# --- blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    content: Text
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """An exact command or script, shown as is."""

    text: str
    language: str = "text"
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fields:
    """Name: value lines; a field whose value is empty is left out."""

    fields: tuple[tuple[str, Text], ...]
    classes: tuple[str, ...] = ("deployplan-fields",)


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[Block, ...]
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Blocks:
    """Several blocks in one table cell."""

    blocks: tuple[Block, ...]


#: A table cell: a run of text, one piece, or blocks; None (or "") shows a dash.
Cell = Text | Inline | Blocks | None


@dataclass(frozen=True, slots=True)
class Table:
    """Rows under column headers; ``row_ids`` are the anchors of the rows' items."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    classes: tuple[str, ...] = ()
    row_ids: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of the rollback checklist: a tick box, a label, text, maybe a command."""

    anchor: str
    label: str
    text: Text
    box: Checkbox
    command: CodeBlock | None = None


@dataclass(frozen=True, slots=True)
class Checklist:
    items: tuple[CheckItem, ...]
    classes: tuple[str, ...] = ("deployplan-checklist",)


@dataclass(frozen=True, slots=True)
class Term:
    """An entry of a definition list: a term and what it holds."""

    term: Text
    body: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Terms:
    items: tuple[Term, ...]
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """A visible note, such as "not planned" for a section the plan leaves out."""

    text: str
    classes: tuple[str, ...] = ("deployplan-unplanned",)


@dataclass(frozen=True, slots=True)
class Diagram:
    """The pipeline picture: an SVG for HTML, its text form everywhere else."""

    svg: str
    text: str
    stages: tuple[str, ...]  # the stage ids in order, the picture's text alternative


Block = Para | CodeBlock | Fields | Bullets | Table | Checklist | Terms | Notice | Diagram


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the runbook, with a stable anchor."""

    key: str
    title: str
    anchor: str
    blocks: tuple[Block, ...]
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Runbook:
    """A plan's runbook: its heading and lines under it (when shown), then its parts."""

    title: str | None
    anchor: str
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]


def plain(piece: Inline | Text | None) -> str:
    """The words of a piece of text, without markup (for widths and comparisons)."""
    if piece is None:
        return ""
    if isinstance(piece, tuple):
        return "".join(plain(p) for p in piece)
    if isinstance(piece, str):
        return piece
    if isinstance(piece, Link):
        return plain(piece.inner)
    if isinstance(piece, Checkbox):
        return ""
    if isinstance(piece, Badge):
        return piece.text or piece.status
    return piece.text


def cell_text(cell: Cell) -> str:
    """A cell's words (blocks joined by nothing), for column widths."""
    if isinstance(cell, Blocks):
        return "".join(block_text(b) for b in cell.blocks)
    return plain(cell) if cell not in (None, "") else DASH


def block_text(block: Block) -> str:
    if isinstance(block, Para):
        return plain(block.content)
    if isinstance(block, CodeBlock | Notice):
        return block.text
    if isinstance(block, Bullets):
        return "".join(block_text(b) for b in block.items)
    return ""


def words(items: Sequence[object] | None, sep: str = ", ", empty: str = DASH) -> str:
    """``items`` joined into one string, or ``empty`` when there are none."""
    values = [str(v) for v in items or []]
    return sep.join(values) if values else empty
