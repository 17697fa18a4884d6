"""Plan text inside messages: quoted, escaped, clipped, and "did you mean" hints.

Every piece of text taken from a plan (a name, a metric, an endpoint, a key)
goes into a warning, a CLI line or a JSON report through :func:`quote`: its
control characters are escaped, so a name holding a newline or an escape
sequence cannot forge a line of CI output (``::error file=...``) or reach the
terminal, and a 2 MB value makes no 2 MB message.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def quote(text: object, limit: int = 60) -> str:
    """``text`` in quotes, control characters escaped, clipped to about ``limit``."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


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

