"""Reading a file we are handed (a plan, a deploy file, a portal member's needs.json)
safely, and decoding it as UTF-8 text.

Only a regular file is read, and never more than a limit.  The file is opened
without blocking and checked through the open descriptor: a named pipe would
otherwise wait for a writer forever (hanging a build or a pre-commit hook), a
device such as ``/dev/zero`` never ends, and checking the path before opening it
would leave a moment in which another file could take its place.  No Sphinx here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: The kind of a folder (callers word its refusal apart from a pipe's or a device's).
FOLDER = "a folder"
#: What a path that is not a regular file is, for the message that refuses it.
_KINDS = ((stat.S_ISDIR, FOLDER), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


class NotARegularFile(Exception):
    """The path is a folder, a pipe, a socket or a device."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class TooLarge(Exception):
    """The file holds more than the limit; ``size`` when stat() told it."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


class NotUtf8(Exception):
    """The bytes are not UTF-8 text; ``where`` names the first bad byte and its offset,
    ``line`` is that byte's line."""

    def __init__(self, where: str, line: int) -> None:
        super().__init__(where)
        self.where, self.line = where, line


def decode_text(data: bytes) -> str:
    """The bytes as UTF-8 text, a BOM allowed, or :class:`NotUtf8`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"byte 0x{data[exc.start]:02x} at offset {exc.start}",
                      data[: exc.start].count(b"\n") + 1) from None


def read_limited(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Raises :class:`NotARegularFile`, :class:`TooLarge` (before reading when the size
    is known, else once the limit is passed, for a file that grows while it is read)
    or :class:`OSError` when the file cannot be opened or read."""
    try:
        # O_NOCTTY: a terminal device named as a file never becomes our terminal
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0))
    except OSError:
        _refuse_odd(os.stat(path).st_mode)  # a socket cannot be opened at all
        raise
    try:
        info = os.fstat(fd)
        _refuse_odd(info.st_mode)
        if info.st_size > max_bytes:
            raise TooLarge(info.st_size)
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise TooLarge(None)
    return data


def _refuse_odd(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotARegularFile(next((kind for test, kind in _KINDS if test(mode)),
                                   "not a regular file"))
