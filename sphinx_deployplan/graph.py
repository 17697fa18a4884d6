"""Walks of a pipeline's stage graph, iterative so no plan can exhaust the stack.

A plan of a few hundred stages in a chain would pass Python's recursion limit
in a recursive walk, and Sphinx turns a ``RecursionError`` into a build with no
pages at all.  Every walk here is a loop over an explicit queue, linear in the
stages and their ``needs``.  No Sphinx here.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from .model import Stage


def upstream(stages: Sequence[Stage]) -> dict[str, list[str]]:
    """Each stage's ``needs`` that name a stage of the graph, in order, without repeats
    (the loader reports the others; the walks ignore them)."""
    known = {s.id for s in stages}
    return {s.id: list(dict.fromkeys(u for u in s.needs or [] if u in known and u != s.id))
            for s in stages}


def downstream_of(stages: Sequence[Stage]) -> dict[str, list[str]]:
    """Stage id -> the ids of the stages that need it, in plan order (each once;
    needs naming no stage are ignored)."""
    downstream: dict[str, list[str]] = {stage.id: [] for stage in stages}
    for stage in stages:
        for upstream in dict.fromkeys(stage.needs or []):
            if upstream in downstream and upstream != stage.id:
                downstream[upstream].append(stage.id)
    return downstream


def topological(stages: Sequence[Stage]) -> list[Stage]:
    """The stages with every stage after all it needs; ties keep the listed order.
    Stages on a cycle (which the loader refuses) come last, as listed."""
    ups = upstream(stages)
    position = {s.id: i for i, s in enumerate(stages)}
    by_id = {s.id: s for s in stages}
    waiting = {sid: len(needs) for sid, needs in ups.items()}
    downstream: dict[str, list[str]] = {sid: [] for sid in ups}
    for sid, needs in ups.items():
        for up in needs:
            downstream[up].append(sid)
    ready = [position[sid] for sid, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[Stage] = []
    while ready:
        stage = stages[heapq.heappop(ready)]
        order.append(stage)
        for down in downstream[stage.id]:
            waiting[down] -= 1
            if waiting[down] == 0:
                heapq.heappush(ready, position[down])
    if len(order) < len(stages):
        placed = {s.id for s in order}
        order += [by_id[s.id] for s in stages if s.id not in placed]
    return order


def depths(stages: Sequence[Stage]) -> dict[str, int]:
    """Each stage's depth: 1 for a stage that needs nothing, else one more than the
    deepest stage it needs (the longest path to it)."""
    ups = upstream(stages)
    depth: dict[str, int] = {}
    for stage in topological(stages):
        depth[stage.id] = 1 + max((depth.get(u, 0) for u in ups[stage.id]), default=0)
    return depth


def gated_deploys(stages: Sequence[Stage]) -> dict[str, list[str]]:
    """Approval stage id -> the deploy stages it gates, in plan order.

    A deploy is gated by an approval stage when it is downstream of it without
    another deploy stage in between (a walk stops at each deploy it meets).

    Computed once for every stage, from the last in topological order back: the
    deploys a stage reaches are those of the stages that need it.  A chain of
    approvals is then walked once, not once per approval (which was quadratic),
    and nothing recurses.
    """
    downstream = downstream_of(stages)
    kind = {stage.id: stage.kind for stage in stages}
    reaches: dict[str, frozenset[str]] = {}
    for stage in reversed(topological(stages)):
        found: frozenset[str] = frozenset()
        for down in downstream[stage.id]:
            more = frozenset({down}) if kind[down] == "deploy" else reaches.get(down)
            if more is None:  # in a cycle, not reached yet: walk it
                more = _deploys_below(down, downstream, kind)
            found = more if not found else found | more
        reaches[stage.id] = found
    position = {stage.id: index for index, stage in enumerate(stages)}
    return {stage.id: sorted(reaches[stage.id], key=position.__getitem__)
            for stage in stages if stage.kind == "approval"}


def _deploys_below(start: str, downstream: Mapping[str, Sequence[str]],
                   kind: Mapping[str, str]) -> frozenset[str]:
    """The deploys reached from ``start`` without passing another deploy (a plain
    walk, for the stages of a cycle only)."""
    if kind[start] == "deploy":
        return frozenset({start})
    seen, found, todo = {start}, set[str](), list(downstream[start])
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if kind[current] == "deploy":
            found.add(current)
        else:
            todo.extend(downstream[current])
    return frozenset(found)
