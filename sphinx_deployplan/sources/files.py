"""Reading a deploy file the plan names: inside the sources root, a regular file,
bounded in size, UTF-8 text.

The same care as for plan files, through the same reader
(:func:`sphinx_deployplan.files.read_limited`): a path that leaves the root (``..``,
an absolute path, a symbolic link pointing out) is refused before anything is
opened; a FIFO, a device or a folder is refused without blocking or reading; no
more than ``Limits.max_bytes`` are ever read, even from a file that grows or whose
size ``stat`` does not tell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..files import FOLDER, NotARegularFile, NotUtf8, TooLarge, decode_text, read_limited
from ..loader import Limits

_CONTROL = {*range(0x00, 0x20), 0x7F} - {0x09}  # a tab is allowed in a path, oddly


class ReadError(Exception):
    """Why a file cannot be read, as the end of "<path> ...": "does not exist"."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line  # of the file, when the reason is inside it


@dataclass(frozen=True)
class SourceFile:
    """A deploy file as read: how the plan names it and its text."""

    name: str  # as the plan names it, relative to the sources root ("deploy/x.yaml")
    path: str  # the root joined with the name: where warnings point
    text: str


def find_sources_root(start: str | Path) -> Path:
    """The nearest folder from ``start`` upwards that holds ``.git`` (a repository's
    root), else ``start`` itself."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def resolve(root: str | Path, name: str) -> Path:
    """The file ``name`` under ``root``, or ReadError when it is no path or leaves the
    root (through ``..``, an absolute path or a symbolic link)."""
    if not name.strip():
        raise ReadError("is an empty path")
    if any(ord(c) in _CONTROL for c in name) or len(name) > 4096:
        raise ReadError("is not a usable path (control characters, or too long)")
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, name))
    if os.path.isabs(name) or os.path.commonpath([base, target]) != base:
        raise ReadError(f"leaves the sources root {base}; deploy files must live under it")
    return Path(target)


def read_source(root: str | Path, name: str, limits: Limits, target: Path | None = None,
                ) -> SourceFile:
    """Read the file ``name`` of the sources root as text, or raise ReadError.
    ``target``: what :func:`resolve` gave for it, when the caller already asked."""
    target = target or resolve(root, name)
    too_big = f"more than the limit of {limits.max_bytes:,} bytes (deployplan_max_bytes)"
    try:
        data = read_limited(target, limits.max_bytes)
    except FileNotFoundError:
        raise ReadError("does not exist") from None
    except NotARegularFile as exc:
        raise ReadError("is a folder, not a file" if exc.kind == FOLDER else
                        "is not a regular file (a pipe, a socket or a device)") from None
    except TooLarge as exc:
        raise ReadError(f"is {exc.size:,} bytes, {too_big}" if exc.size is not None
                        else f"is {too_big}") from None
    except OSError as exc:
        raise ReadError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = decode_text(data)
    except NotUtf8 as exc:
        raise ReadError(f"is not UTF-8 text ({exc.where}); save it as UTF-8",
                        exc.line) from None
    if "\x00" in text:
        raise ReadError("is binary, not text (it contains NUL bytes)",
                        text.count("\n", 0, text.index("\x00")) + 1)
    return SourceFile(name, os.path.join(os.fspath(root), name), text)
