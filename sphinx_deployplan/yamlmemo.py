"""A memo for YAML's implicit tags, shared by the plan loader, the deploy-file reader
and the exporters.

PyYAML's C loader and dumper still decide the tag of every plain scalar in
Python, trying the implicit resolvers' patterns one after the other.  A plan has
hundreds of scalars and most of them recur (keys, environment names, "true"),
so a 200-plan build resolved 420,000 of them.  The memo answers the same as
:class:`yaml.resolver.Resolver`, which both the safe loader and the safe dumper use.
"""

from __future__ import annotations

import functools
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:  # the C loader is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_RESOLVER = Resolver()
#: Longer values are resolved each time: a memo of them would hold whole scripts.
MEMO_LENGTH = 64


@functools.lru_cache(maxsize=4096)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    return _RESOLVER.resolve(ScalarNode, value, implicit)


class MemoResolver:
    """Mix in before a safe loader or dumper class (whose resolver is
    :class:`~yaml.resolver.Resolver`, without path resolvers)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and len(value) <= MEMO_LENGTH:
            return _scalar_tag(value, tuple(implicit))
        return super().resolve(kind, value, implicit)  # type: ignore[misc]


class MemoSafeLoader(MemoResolver, _SafeLoader):
    """The safe loader (libyaml's where PyYAML has it) with the memo: what the plan
    loader and the deploy-file reader compose YAML with."""
