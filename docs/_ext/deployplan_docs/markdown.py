"""Writing MyST: the generated reference is Markdown text that the page's parser reads.

Each directive of this extension builds a MyST string with these helpers and
parses it in place, as MyST-Parser's own documentation does.  Text that comes
from the package's code (docstrings, records, help) is already written in
Markdown; text that comes from a plan or a program's output goes through
:func:`escape` or into a code block, so that it is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape(text: str) -> str:
    """Plain text as Markdown that reads as the same text (CommonMark lets any ASCII
    punctuation be escaped)."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


def code(text: str) -> str:
    """An inline code span of ``text``, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence_for(body: str) -> str:
    """A backtick fence longer than any fence inside ``body``."""
    longest = max((len(run) for run in re.findall(r"^[ \t]*(`{3,})", body, re.M)), default=2)
    return "`" * (longest + 1)


def directive(name: str, argument: str = "", body: str = "", **options: str | bool) -> str:
    """A fenced MyST directive.  An option given as ``True`` is a flag; ``False`` or
    ``""`` leaves it out."""
    lines = [f":{key.replace('_', '-')}:" + ("" if value is True else f" {value}")
             for key, value in options.items() if value not in (False, "")]
    head = f"{{{name}}}" + (f" {argument}" if argument else "")
    fence = _fence_for(body)
    parts = [f"{fence}{head}", *lines]
    if body:
        # always a blank line first: a body line starting with ":" or "---" would
        # otherwise be read as options
        parts += ["", body.rstrip("\n")]
    parts.append(fence)
    return "\n".join(parts) + "\n"


def code_block(text: str, language: str = "text", **options: str | bool) -> str:
    """A ``code-block`` directive: ``caption``, ``linenos``, ``emphasize_lines``,
    ``class``... as options."""
    return directive("code-block", language, text, **options)


def output_block(text: str, language: str = "text") -> str:
    """Program output: long lines wrap instead of scrolling (docs.css)."""
    return code_block(text, language, **{"class": "deployplan-docs-output"})


def _indent(text: str, prefix: str) -> str:
    """Every line but the first indented, so that it continues a list item."""
    first, *rest = text.strip("\n").split("\n")
    return "\n".join([first, *[(prefix + line) if line.strip() else "" for line in rest]])


def list_table(headers: Iterable[str], rows: Iterable[Iterable[str]],
               widths: Iterable[int] | None = None, classes: Iterable[str] = ()) -> str:
    """A ``list-table`` whose cells are Markdown (several paragraphs, code blocks)."""
    lines = []
    for row in [list(headers), *[list(r) for r in rows]]:
        for i, cell in enumerate(row):
            bullet = "* - " if i == 0 else "  - "
            lines.append((bullet + _indent(cell, "    ")) if cell.strip() else bullet.rstrip())
    return directive(
        "list-table", body="\n".join(lines), header_rows="1",
        widths=" ".join(map(str, widths)) if widths else "",
        **{"class": " ".join(["deployplan-docs-table", *classes])},
    )


def span(text: str, *, ids: Iterable[str] = (), classes: Iterable[str] = ()) -> str:
    """Text in a span with an id or classes (MyST's ``attrs_inline``)."""
    attrs = [f"#{i}" for i in ids] + [f".{c}" for c in classes]
    return f"[{text}]{{{' '.join(attrs)}}}"


def slug(text: str) -> str:
    """An anchor made of ``text`` (``rollback.steps[]`` -> ``rollback-steps``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

