"""Plan text inside messages: quoted, escaped, clipped, and "did you mean" hints.

Every piece of text taken from a plan (a name, a metric, an endpoint, a key)
goes into a warning, a CLI line or a JSON report through :func:`quote`: its
control characters are escaped, so a name holding a newline or an escape
sequence cannot forge a line of CI output (``::error file=...``) or reach the
terminal, and a 2 MB value makes no 2 MB message.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def quote(text: object, limit: int = 60) -> str:
    """``text`` in quotes, control characters escaped, clipped to about ``limit``."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


#: A word that reads the same quoted or not: no space, quote or control character.
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:%+@=-]*\Z")


def plain(text: object, limit: int = 60) -> str:
    """``text`` as written when it is one plain word (a name, a number, a path, a
    duration: letters, digits and ``_ . / : % + @ = -``), else :func:`quote`-d.
    For values a message shows as they stand in their file (``setWeight: 20``)."""
    text = str(text)
    return text if len(text) <= limit and _PLAIN.match(text) else quote(text, limit)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, if any is close."""
    options = list(choices)
    if len(options) > 1000:  # difflib is slow on thousands: no guess rather than a stall
        return None
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else nothing."""
    close = closest(word, choices)
    return f" (did you mean {quote(close)}?)" if close else ""

