"""The runbook as Markdown, for pasting into a ticket or a pull request.

It writes the layout of :mod:`sphinx_deployplan.runbook`, the one the site
shows: the same parts under the same headings, the same table columns and cell
words, the rollback checklist as a task list, the quality checks and rules with
their evidence.

User text is escaped for Markdown and HTML (``<`` becomes ``&lt;``, a ``|``
cannot break a table, a newline cannot start a new block, a line cannot start
with a block marker); commands are fenced with enough backticks to hold any
backtick inside them.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from ..checks import PlanResults, resolve_today, run_checks
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
    Strong,
    Table,
    Terms,
)
from ..model import Plan
from ..runbook import runbook

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SPACE = re.compile(r"\s+")
#: What would start a block (heading, quote, list, numbered list) at the start of a line.
_BLOCK_START = re.compile(r"^(#|>|-|\+|=|(\d+)[.)])")
_BACKTICKS = re.compile(r"`+")


def esc(text: object) -> str:
    """Plain text safe inside a Markdown paragraph or table cell; whitespace runs
    (newlines too, which would end a table row or start a block) become one space."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPACE.sub(" ", _MD_SPECIAL.sub(r"\\\1", value))


def code(text: str, *, in_table: bool = False) -> str:
    """A code span that holds any text, backticks included.  In a table cell a ``|``
    is escaped too: GFM splits the row at it before it sees the code span."""
    text = " ".join(str(text).split())
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _flanked(mark: str, text: str) -> str:
    """``text`` between emphasis marks, its edge spaces outside them (CommonMark
    does not close ``**a **``)."""
    inner = esc(text)
    core = inner.strip()
    if not core:
        return inner
    lead = " " if inner.startswith(" ") else ""
    trail = " " if inner.endswith(" ") else ""
    return f"{lead}{mark}{core}{mark}{trail}"


def _url(url: str) -> str | None:
    """An http(s) URL as a link destination that nothing in it can break out of."""
    if not url.startswith(("https://", "http://")):
        return None
    return quote(url, safe=":/?#@!$&'()*+,;=%~-._")


def inline(piece: Inline, *, in_table: bool = False) -> str:
    if isinstance(piece, str):
        return esc(piece)
    if isinstance(piece, Code):
        return code(piece.text, in_table=in_table)
    if isinstance(piece, Strong):
        return _flanked("**", piece.text)
    if isinstance(piece, Emph):
        return _flanked("*", piece.text)
    if isinstance(piece, Badge):
        return esc(piece.text or piece.status)
    if isinstance(piece, Link):
        text = inline(piece.inner, in_table=in_table)
        target = _url(piece.url) if piece.external else None
        return f"[{text}](<{target}>)" if target else text
    if isinstance(piece, Ref):  # an anchor of the site's page: its words only
        return esc(piece.text)
    if isinstance(piece, Checkbox):
        return ""
    raise TypeError(f"not an inline piece: {piece!r}")


def line(pieces: tuple[Inline, ...], *, in_table: bool = False) -> str:
    """A run of text as one line; a block marker at its start is escaped."""
    text = "".join(inline(p, in_table=in_table) for p in pieces).strip()
    return _BLOCK_START.sub(lambda m: f"{m.group(2)}\\{m.group(0)[-1]}" if m.group(2)
                            else f"\\{m.group(1)}", text)


def fenced(text: str, language: str = "", indent: str = "") -> list[str]:
    """A fenced code block that no line of ``text`` can close."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = [indent + row if row else row for row in text.split("\n")]
    return [f"{indent}{fence}{language}", *body, f"{indent}{fence}"]


def _cell_block(block: Block) -> list[str]:
    """A block inside a table cell, as pieces of one line."""
    if isinstance(block, Para):
        return [line(block.content, in_table=True)]
    if isinstance(block, CodeBlock):
        return [code(block.text, in_table=True)]
    if isinstance(block, Bullets):
        return [piece for item in block.items for piece in _cell_block(item)]
    raise TypeError(f"no table cell holds a {type(block).__name__}")


def cell(value: Cell) -> str:
    if isinstance(value, Blocks):
        return "<br>".join(piece for b in value.blocks for piece in _cell_block(b))
    if value is None or value == "":
        return DASH
    if isinstance(value, tuple):
        return line(value, in_table=True)
    return line((value,), in_table=True)


def table(block: Table) -> list[str]:
    headers = [esc(h) for h in block.headers]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("-" * (len(h) + 2) for h in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
    return lines


def _check_item(item: CheckItem) -> list[str]:
    out = [f"- [ ] {line((Strong(item.label + ':'), ' ', *item.text))}"]
    if item.command is not None:
        out += fenced(item.command.text, item.command.language, indent="  ")
    return out


def block(node: Block) -> list[str]:
    """A block as lines, without the blank line that separates it from the next."""
    if isinstance(node, Para):
        return [line(node.content)]
    if isinstance(node, Table):
        return table(node)
    if isinstance(node, Fields):
        return [f"- {line((Strong(name), ': ', *value))}" for name, value in node.fields]
    if isinstance(node, CodeBlock):
        return fenced(node.text, node.language)
    if isinstance(node, Bullets):
        return [f"- {' '.join(block(item))}" for item in node.items]
    if isinstance(node, Checklist):
        return [row for item in node.items for row in _check_item(item)]
    if isinstance(node, Terms):
        out: list[str] = []
        for entry in node.items:
            if out:
                out.append("")
            out.append(line(entry.term))
            for child in entry.body:
                lines = block(child)
                if lines:
                    out += ["", *lines]
        return out
    if isinstance(node, Notice):
        return ["> **Note**", ">", f"> {line((node.text,))}"]
    if isinstance(node, Diagram):  # the picture's text form: shown as is
        return fenced(node.text)
    raise TypeError(f"not a block: {node!r}")


def write(book: Runbook) -> str:
    """The runbook as Markdown: the plan's heading, then a ``##`` heading per part."""
    out: list[str] = []
    level = "##"
    if book.title is not None:
        out += [f"# {esc(book.title)}", ""]
        for node in book.intro:
            out += _spaced(block(node))
    else:
        level = "#"
    for section in book.sections:
        out += [f"{level} {esc(section.title)}", ""]
        for node in section.blocks:
            out += _spaced(block(node))
    return "\n".join(out)


def _spaced(lines: list[str]) -> list[str]:
    """A block's lines and the blank line after them; nothing for an empty block."""
    return [*lines, ""] if lines else []


def export(plan: Plan, results: PlanResults | None = None) -> str:
    """The runbook of ``plan`` with its quality checks: ``results`` when given (the
    site passes its own), else the checks as of today (``SOURCE_DATE_EPOCH`` when set)."""
    if results is None:
        results = run_checks(plan, resolve_today(None, os.environ))
    return write(runbook(plan, results=results))
