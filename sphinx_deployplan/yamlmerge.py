"""YAML merge keys (``<<``), flattened once for every reader of composed YAML: the plan
loader and the deploy-file reader."""

from __future__ import annotations

from collections.abc import Callable

from yaml.nodes import MappingNode, Node, SequenceNode

MERGE_TAG = "tag:yaml.org,2002:merge"
Pair = tuple[Node, Node]


def split_merges(node: MappingNode, count: Callable[[MappingNode], None],
                 bad_merge: Callable[[Node], object]) -> tuple[list[Pair], list[Pair]]:
    """The mapping's own pairs, and the pairs its merge keys bring in (explicit keys win
    over merged ones: the caller reads the first list first).  ``count`` is given each
    merged mapping *before* its pairs are copied, so a list of aliases to one big
    mapping is refused before it is copied once per alias, at that mapping's line;
    ``bad_merge`` gets the key of a merge whose value is no mapping."""
    own: list[Pair] = []
    merged: list[Pair] = []
    for key_node, value_node in node.value:
        if key_node.tag != MERGE_TAG:
            own.append((key_node, value_node))
            continue
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if isinstance(source, MappingNode):
                count(source)
                merged.extend(source.value)
            else:
                bad_merge(key_node)
    return own, merged
