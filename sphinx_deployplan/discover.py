"""Find the plans a docs tree holds, without Sphinx: plan files and plans written inline.

``deployplan check docs/`` (and the pre-commit hook) must judge every plan the
Sphinx build would: YAML plan files, and the bodies of ``deployplan`` directives
in MyST (```` ```{deployplan} ````, ``:::{deployplan}``) and reStructuredText
(``.. deployplan::``) pages, including the files their ``:file:`` option names.
An inline plan keeps the line of its first body line in its page, so its
problems are reported at the page's lines, as Sphinx reports them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .model import Plan, public_fields

PLAN_SUFFIXES = (".yaml", ".yml")
PAGE_SUFFIXES = (".md", ".markdown", ".rst", ".txt")
#: Folders a walk never enters: build output, tool caches, version control.
SKIPPED_DIRS = frozenset({"_build", "node_modules", "__pycache__", "site-packages"})
_KNOWN_KEYS = frozenset(public_fields(Plan))

_MYST_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})\{deployplan\}\s*(.*)$")
_REST_OPEN = re.compile(r"^(?P<indent>\s*)\.\.\s+deployplan::\s*(.*)$")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.MULTILINE)


@dataclass(frozen=True)
class PlanSource:
    """Where one plan is written: a plan file (``offset`` 0), or a directive body whose
    first line is line ``offset + 1`` of ``path``."""

    path: Path
    text: str | None  # the body of an inline plan; None: read ``path`` itself
    offset: int = 0


def looks_like_plan(text: str) -> bool:
    """Whether a YAML file is meant as a plan: it has a top-level ``plan`` key, or at
    least three of the format's top-level keys (so a plan whose ``plan`` key is
    misspelled is still checked, and a Helm ``values.yaml`` is not)."""
    keys = set(_TOP_KEY.findall(text))
    return "plan" in keys or len(keys & _KNOWN_KEYS) >= 3


def _myst_plans(path: Path, lines: list[str]) -> Iterator[PlanSource]:
    i = 0
    while i < len(lines):
        opened = _MYST_OPEN.match(lines[i])
        i += 1
        if not opened:
            continue
        fence = opened["fence"]
        start = i
        while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                      and set(lines[i].strip()) == {fence[0]}):
            i += 1
        body = lines[start:i]
        i += 1
        # options: a ``---`` block, or leading ``:key: value`` lines
        skip = 0
        options: dict[str, str] = {}
        if body and body[0].strip() == "---":
            end = next((n for n in range(1, len(body)) if body[n].strip() == "---"), None)
            if end is not None:
                block = yaml.safe_load("\n".join(body[1:end])) if end > 1 else None
                options = {str(k): str(v) for k, v in block.items()} \
                    if isinstance(block, dict) else {}
                skip = end + 1
        while skip < len(body) and (option := _OPTION.match(body[skip])):
            options[option[1]] = option[2].strip()
            skip += 1
        yield from _plan_of(path, options, body[skip:], start + skip)


def _rest_plans(path: Path, lines: list[str]) -> Iterator[PlanSource]:
    i = 0
    while i < len(lines):
        opened = _REST_OPEN.match(lines[i])
        i += 1
        if not opened:
            continue
        outer = len(opened["indent"])
        options: dict[str, str] = {}
        while i < len(lines) and (option := _OPTION.match(lines[i].strip())) \
                and _indent(lines[i]) > outer:
            options[option[1]] = option[2].strip()
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        start = i
        indent = _indent(lines[i]) if i < len(lines) else 0
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= indent > outer):
            i += 1
        body = [line[indent:] for line in lines[start:i]] if indent > outer else []
        while body and not body[-1].strip():
            body.pop()
        yield from _plan_of(path, options, body, start)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _plan_of(path: Path, options: dict[str, str], body: list[str], offset: int,
             ) -> Iterator[PlanSource]:
    if "file" in options:
        name = options["file"]
        # as Sphinx resolves it: relative to the page, or to the source folder for "/..."
        base = _source_folder(path) if name.startswith("/") else path.parent
        yield PlanSource(base / name.lstrip("/"), None)
    if any(line.strip() for line in body):
        yield PlanSource(path, "\n".join(body) + "\n", offset)


def _source_folder(page: Path) -> Path:
    """The Sphinx source folder of a page: the nearest folder above it with a conf.py."""
    for folder in page.resolve().parents:
        if (folder / "conf.py").is_file():
            return folder
    return page.parent


def page_plans(path: Path, text: str) -> list[PlanSource]:
    """The plans written in (or named by) one MyST or reST page."""
    lines = text.splitlines()
    if path.suffix == ".rst":
        return list(_rest_plans(path, lines))
    if path.suffix in (".md", ".markdown"):
        return list(_myst_plans(path, lines))
    return [*_myst_plans(path, lines), *_rest_plans(path, lines)]


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(PLAN_SUFFIXES + PAGE_SUFFIXES):
                yield Path(root) / name


def find_plans(paths: Iterable[str | Path], read: Callable[[Path], str], *,
               only_plans: bool = False) -> list[PlanSource]:
    """Every plan under ``paths``, in order, each once.  A YAML file named directly is a
    plan (unless ``only_plans``: then, as in a folder, only files that look like one);
    a page contributes the plans written in it.  ``read(path)`` returns a file's text or
    raises; a file it cannot read is returned as a plan file, so that the caller reports
    the problem."""
    found: dict[tuple[Path, int], PlanSource] = {}
    for given in map(Path, paths):
        walked = given.is_dir()
        for path in (_walk(given) if walked else [given]):
            if path.suffix in PAGE_SUFFIXES:
                try:
                    text = read(path)
                except Exception:
                    found.setdefault((path, 0), PlanSource(path, None))
                    continue
                for source in page_plans(path, text):
                    found.setdefault((source.path, source.offset), source)
                continue
            if walked or only_plans:
                try:
                    if not looks_like_plan(read(path)):
                        continue
                except Exception:
                    pass
            found.setdefault((path, 0), PlanSource(path, None))
    return list(found.values())
