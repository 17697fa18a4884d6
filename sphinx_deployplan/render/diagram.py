"""The pipeline as a picture: a layout, inline SVGs and a text rendering.

Pure Python, no docutils: the layout is shared by the SVG (HTML builders) and
the text form (every other builder, the Markdown export), in the spirit of the
runbook's ``[commit] -> [build] -> [test] -> [deploy:dev] -> ... -> [deploy:prod]``.
Verify stages that check a single deploy hang below it.

The picture comes in three arrangements of the same boxes, and the page shows
the one that fits its column (CSS container queries in ``deployplan.css``):
columns left to right wrapped onto bands of at most five columns, the same with
at most three, and a vertical one for phones.  Each scales down with its
``viewBox`` only a little before the next one takes over, so its text stays
readable.  Every walk of the stage graph is a loop (:mod:`..graph`), and a
pipeline of more than :data:`MAX_PICTURED` stages is shown as text only: no plan
can exhaust the stack or make a page of megabytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ..graph import topological, upstream
from ..model import Stage

BOX_W, BOX_H = 150, 46
GAP_X, GAP_Y = 34, 30
PAD = 20  # room for the lines that run from one band to the next
BAND_GAP = 26
COMMIT = "commit"
#: Above this many stages the pipeline is shown as text only.
MAX_PICTURED = 120
#: The arrangements, widest first: (css class, columns per band; 0 for vertical).
ARRANGEMENTS = (("dp-wide", 5), ("dp-narrow", 3), ("dp-vertical", 0))
#: The least a picture is scaled to (its ``min-width``): 12 px labels stay above 9.5 px.
#: deployplan.css switches arrangements where the wider one would pass this.
MIN_SCALE = 0.8


@dataclass(frozen=True)
class Node:
    id: str
    label: str  # first line: the stage id
    detail: str  # second line: what it is
    kind: str  # build | test | deploy | approval | verify | commit
    col: int  # depth: 0 for the commit
    row: int  # lane among the stages of its column; hanging verify stages below


@dataclass(frozen=True)
class Graph:
    nodes: dict[str, Node]
    edges: list[tuple[str, str]]  # (upstream, downstream)
    hanging: dict[str, str]  # verify stage -> the deploy it hangs below
    lanes: int  # rows of the main stages (hanging ones come below)


@dataclass(frozen=True)
class Box:
    node: Node
    x: float
    y: float


@dataclass(frozen=True)
class Picture:
    boxes: dict[str, Box]
    width: float
    height: float
    edges: list[str]  # SVG path data, one per edge


def stage_label(stage: Stage) -> str:
    """How a stage reads in the text form, as in ``[deploy:dev]``."""
    if stage.kind == "deploy":
        return f"[deploy:{stage.environment}]"
    if stage.kind == "approval":
        return f"[approve:{stage.id}]"
    if stage.kind in ("build", "test") and stage.id == stage.kind:
        return f"[{stage.id}]"
    return f"[{stage.kind}:{stage.id}]"


def _detail(stage: Stage) -> str:
    if stage.kind == "deploy":
        return f"deploy \u2192 {stage.environment}"
    if stage.kind == "approval":
        return "approval: " + ", ".join(stage.approvers) if stage.approvers else "approval gate"
    if stage.kind in ("test", "verify") and stage.automated is False:
        return f"{stage.kind} (manual)"
    return stage.kind


def _hanging(stages: Sequence[Stage]) -> dict[str, str]:
    """Verify stages that check exactly one deploy: stage id -> the deploy's id."""
    by_id = {s.id: s for s in stages}
    out = {}
    for stage in stages:
        if stage.kind != "verify" or len(stage.needs or []) != 1:
            continue
        parent = by_id.get(stage.needs[0])  # type: ignore[index]
        if parent is not None and parent.kind == "deploy" and parent.id != stage.id:
            out[stage.id] = parent.id
    return out


def graph(stages: Sequence[Stage]) -> Graph:
    """Columns by longest path from the commit (a hanging verify stage takes its
    deploy's column), in one pass over the stages in topological order."""
    ups = upstream(stages)
    hang = _hanging(stages)
    col: dict[str, int] = {}
    for stage in topological(stages):
        if stage.id in hang:
            col[stage.id] = col.get(hang[stage.id], 1)
        else:
            col[stage.id] = 1 + max((col.get(u, 0) for u in ups[stage.id]), default=0)
    main_rows: dict[int, int] = {}
    rows: dict[str, int] = {}
    for stage in stages:
        if stage.id not in hang:
            rows[stage.id] = main_rows.get(col[stage.id], 0)
            main_rows[col[stage.id]] = rows[stage.id] + 1
    lanes = max(main_rows.values(), default=1)
    hung: dict[int, int] = {}
    for stage in stages:
        if stage.id in hang:
            c = col[stage.id]
            rows[stage.id] = lanes + hung.get(c, 0)
            hung[c] = hung.get(c, 0) + 1
    nodes = {COMMIT: Node(COMMIT, "commit", "source", "commit", 0, 0)}
    edges: list[tuple[str, str]] = []
    for stage in stages:
        nodes[stage.id] = Node(stage.id, stage.id, _detail(stage), stage.kind, col[stage.id],
                               rows[stage.id])
        edges.extend((u, stage.id) for u in ups[stage.id] or [COMMIT])
    return Graph(nodes, edges, hang, lanes)


# --- arrangements ------------------------------------------------------------------------------


def _in_rows(g: Graph, per_band: int) -> Picture:
    """Columns left to right, wrapped onto bands of ``per_band`` columns."""
    rows = 1 + max(n.row for n in g.nodes.values())
    band_h = rows * BOX_H + (rows - 1) * GAP_Y
    boxes = {}
    for node in g.nodes.values():
        band, slot = divmod(node.col, per_band)
        boxes[node.id] = Box(node, PAD + slot * (BOX_W + GAP_X),
                             PAD + band * (band_h + BAND_GAP) + node.row * (BOX_H + GAP_Y))
    columns = min(per_band, 1 + max(n.col for n in g.nodes.values()))
    bands = 1 + max(n.col for n in g.nodes.values()) // per_band
    edges = []
    for up, down in g.edges:
        a, b = boxes[up], boxes[down]
        if down in g.hanging:  # straight down from its deploy
            edges.append(f"M{a.x + BOX_W / 2} {a.y + BOX_H}V{b.y}")
        elif a.node.col // per_band == b.node.col // per_band and b.x > a.x:  # same band
            edges.append(f"M{a.x + BOX_W} {a.y + BOX_H / 2}L{b.x} {b.y + BOX_H / 2}")
        else:  # onto a later band: along the gaps, never across a box
            out_x, in_x = a.x + BOX_W + GAP_X / 2, b.x - GAP_X / 2
            gap_y = b.y - (b.node.row * (BOX_H + GAP_Y)) - BAND_GAP / 2
            edges.append(f"M{a.x + BOX_W} {a.y + BOX_H / 2}H{out_x}V{gap_y}H{in_x}"
                         f"V{b.y + BOX_H / 2}H{b.x}")
    return Picture(boxes, 2 * PAD + columns * BOX_W + (columns - 1) * GAP_X,
                   2 * PAD + bands * band_h + (bands - 1) * BAND_GAP, edges)


def _vertical(g: Graph) -> Picture:
    """Top to bottom, for a phone: a row per column of the wide picture, the main
    stages side by side, hanging verify stages to the right of their deploy."""
    boxes = {}
    for node in g.nodes.values():
        boxes[node.id] = Box(node, PAD + node.row * (BOX_W + GAP_X),
                             PAD + node.col * (BOX_H + GAP_Y))
    edges = []
    for up, down in g.edges:
        a, b = boxes[up], boxes[down]
        if down in g.hanging:
            edges.append(f"M{a.x + BOX_W} {a.y + BOX_H / 2}H{b.x}")
        else:
            edges.append(f"M{a.x + BOX_W / 2} {a.y + BOX_H}L{b.x + BOX_W / 2} {b.y}")
    across = 1 + max(n.row for n in g.nodes.values())
    rows = 1 + max(n.col for n in g.nodes.values())
    return Picture(boxes, 2 * PAD + across * BOX_W + (across - 1) * GAP_X,
                   2 * PAD + rows * BOX_H + (rows - 1) * GAP_Y, edges)


# --- SVG ---------------------------------------------------------------------------------------


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _shape(box: Box) -> str:
    x, y, w, h = box.x, box.y, BOX_W, BOX_H
    cls = f"dp-node dp-{box.node.kind}"
    if box.node.kind == "approval":  # a gate: a hexagon, drawn distinctly
        k = 12
        points = f"{x + k},{y} {x + w - k},{y} {x + w},{y + h / 2} {x + w - k},{y + h} " \
                 f"{x + k},{y + h} {x},{y + h / 2}"
        return f'<polygon class="{cls}" points="{points}"/>'
    radius = h / 2 if box.node.kind == "commit" else 6
    return f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}"/>'


def describe(stages: Sequence[Stage]) -> str:
    """The picture's text alternative: the stages in order, with what each does."""
    order = topological(stages)
    names = ", ".join(f"{s.id} ({_detail(s)})" for s in order)
    return f"{len(order)} stages after the commit, in order: {names}."


def _svg(pic: Picture, css: str, uid: str, title: str, description: str) -> str:
    ident = f"{uid}-{css}"
    marker = f"dp-arrow-{ident}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="deployplan-diagram {css}" role="img" '
        f'width="{pic.width:g}" height="{pic.height:g}" '
        f'viewBox="0 0 {pic.width:g} {pic.height:g}" '
        f'style="min-width: {math.ceil(pic.width * MIN_SCALE)}px" '
        f'aria-labelledby="dp-title-{ident} dp-desc-{ident}">',
        f'<title id="dp-title-{ident}">{title}</title>',
        f'<desc id="dp-desc-{ident}">{description}</desc>',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M 0 0 L 10 5 L 0 10 z" class="dp-arrowhead"/></marker></defs>',
    ]
    out += [f'<path class="dp-edge" d="{d}" marker-end="url(#{marker})"/>' for d in pic.edges]
    for box in pic.boxes.values():
        node = box.node
        cx = box.x + BOX_W / 2
        out.append(f'<g class="dp-stage dp-stage-{node.kind}">{_shape(box)}'
                   f'<text class="dp-label" x="{cx:g}" y="{box.y + 19:g}" '
                   f'text-anchor="middle">{escape(_clip(node.label))}</text>'
                   f'<text class="dp-detail" x="{cx:g}" y="{box.y + 36:g}" '
                   f'text-anchor="middle">{escape(_clip(node.detail, 24))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def svg(plan_id: str, stages: Sequence[Stage], description: str | None = None) -> str:
    """Inline SVGs of the pipeline, one per arrangement; "" above :data:`MAX_PICTURED`
    stages.  Every piece of user text is escaped."""
    if not stages or len(stages) > MAX_PICTURED:
        return ""
    g = graph(stages)
    uid = escape(plan_id, quote=True)
    title = f"Pipeline of plan {escape(plan_id)}"
    desc = escape(description if description is not None else describe(stages))
    pictures = []
    for css, per_band in ARRANGEMENTS:
        pic = _vertical(g) if per_band == 0 else _in_rows(g, per_band)
        pictures.append(_svg(pic, css, uid, title, desc))
    return "".join(pictures)


def text(stages: Sequence[Stage]) -> str:
    """The pipeline in its text form.

    A pipeline whose main stages form a chain reads as one line of arrows, with
    each hanging verify stage on a line of its own below; a branching pipeline
    lists each stage with what it needs.
    """
    by_id = {s.id: s for s in stages}
    hang = _hanging(stages)
    main = [s for s in stages if s.id not in hang]

    def anchor(stage_id: str) -> str:
        return hang.get(stage_id, stage_id)

    chain = all(
        [anchor(u) for u in s.needs or []] == ([main[i - 1].id] if i else [])
        for i, s in enumerate(main)
    )
    lines = []
    if chain:
        lines.append(" -> ".join(["[commit]", *(stage_label(s) for s in main)]))
    else:
        for stage in main:
            ups = [stage_label(by_id[u]) for u in stage.needs or [] if u in by_id]
            lines.append(f"{' + '.join(ups) or '[commit]'} -> {stage_label(stage)}")
    for stage in stages:
        if stage.id in hang:
            lines.append(f"  {stage_label(by_id[hang[stage.id]])} | {stage_label(stage)}")
    return "\n".join(lines)
