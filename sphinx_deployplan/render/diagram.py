"""The pipeline as a picture: a layout, an inline SVG and a text rendering.

Pure Python, no docutils: the layout is shared by the SVG (HTML builders) and
the text form (every other builder), in the spirit of the seed's
``[commit] -> [build] -> [test] -> [deploy:dev] -> ... -> [deploy:prod]``.
Verify stages that check a single deploy hang below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..model import Stage

BOX_W, BOX_H = 150, 46
GAP_X, GAP_Y = 34, 30
PAD = 10
COMMIT = "commit"


@dataclass
class Box:
    id: str
    label: str  # first line: the stage id
    detail: str  # second line: what it is
    kind: str  # build | test | deploy | approval | verify | commit
    col: int
    row: int

    @property
    def x(self) -> int:
        return PAD + self.col * (BOX_W + GAP_X)

    @property
    def y(self) -> int:
        return PAD + self.row * (BOX_H + GAP_Y)


@dataclass
class Layout:
    boxes: dict[str, Box]
    edges: list[tuple[str, str]]  # (upstream, downstream)
    width: int
    height: int


def stage_label(stage: Stage) -> str:
    """How a stage reads in the text form, like the seed's ``[deploy:dev]``."""
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


def _hanging(stage: Stage, by_id: dict[str, Stage]) -> str | None:
    """The deploy stage a verify stage hangs below, if it checks exactly one."""
    if stage.kind != "verify" or len(stage.needs or []) != 1:
        return None
    parent = by_id.get(stage.needs[0])  # type: ignore[index]
    return parent.id if parent is not None and parent.kind == "deploy" else None


def layout(stages: list[Stage]) -> Layout:
    """Columns by longest path from the commit; verify stages below their deploy."""
    by_id = {s.id: s for s in stages}
    hang = {s.id: h for s in stages if (h := _hanging(s, by_id))}
    col: dict[str, int] = {}

    def column(stage_id: str, seen: frozenset[str] = frozenset()) -> int:
        if stage_id in col:
            return col[stage_id]
        if stage_id in seen:  # a cycle is a loader error; do not loop here
            return 1
        stage = by_id[stage_id]
        if stage_id in hang:
            value = column(hang[stage_id], seen | {stage_id})
        else:
            ups = [u for u in stage.needs or [] if u in by_id]
            value = 1 + max((column(u, seen | {stage_id}) for u in ups), default=0)
        col[stage_id] = value
        return value

    for stage in stages:
        column(stage.id)

    main_rows: dict[int, int] = {}
    rows: dict[str, int] = {}
    for stage in stages:
        if stage.id not in hang:
            rows[stage.id] = main_rows.get(col[stage.id], 0)
            main_rows[col[stage.id]] = rows[stage.id] + 1
    lane = max(main_rows.values(), default=1)
    hung: dict[int, int] = {}
    for stage in stages:
        if stage.id in hang:
            c = col[stage.id]
            rows[stage.id] = lane + hung.get(c, 0)
            hung[c] = hung.get(c, 0) + 1

    boxes = {COMMIT: Box(COMMIT, "commit", "source", "commit", 0, 0)}
    edges: list[tuple[str, str]] = []
    for stage in stages:
        boxes[stage.id] = Box(stage.id, stage.id, _detail(stage), stage.kind,
                              col[stage.id], rows[stage.id])
        ups = [u for u in stage.needs or [] if u in by_id]
        edges.extend((u, stage.id) for u in ups or [COMMIT])
    ncols = 1 + max((b.col for b in boxes.values()), default=0)
    nrows = 1 + max((b.row for b in boxes.values()), default=0)
    return Layout(boxes, edges, 2 * PAD + ncols * BOX_W + (ncols - 1) * GAP_X,
                  2 * PAD + nrows * BOX_H + (nrows - 1) * GAP_Y)


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _edge_points(a: Box, b: Box) -> tuple[float, float, float, float]:
    if a.col == b.col:  # straight down (a hanging verify) or up
        if b.row > a.row:
            return a.x + BOX_W / 2, a.y + BOX_H, b.x + BOX_W / 2, b.y
        return a.x + BOX_W / 2, a.y, b.x + BOX_W / 2, b.y + BOX_H
    return a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2


def _shape(box: Box) -> str:
    x, y, w, h = box.x, box.y, BOX_W, BOX_H
    cls = f"dp-node dp-{box.kind}"
    if box.kind == "approval":  # a gate: a hexagon, drawn distinctly
        k = 12
        points = f"{x + k},{y} {x + w - k},{y} {x + w},{y + h / 2} {x + w - k},{y + h} " \
                 f"{x + k},{y + h} {x},{y + h / 2}"
        return f'<polygon class="{cls}" points="{points}"/>'
    radius = h / 2 if box.kind == "commit" else 6
    return f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}"/>'


def svg(plan_id: str, stages: list[Stage], description: str) -> str:
    """An inline SVG of the pipeline.  Every piece of user text is escaped."""
    lay = layout(stages)
    uid = escape(plan_id, quote=True)
    marker = f"dp-arrow-{uid}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="deployplan-diagram" role="img" '
        f'width="{lay.width}" height="{lay.height}" viewBox="0 0 {lay.width} {lay.height}" '
        f'aria-labelledby="dp-title-{uid} dp-desc-{uid}">',
        f'<title id="dp-title-{uid}">Pipeline of plan {escape(plan_id)}</title>',
        f'<desc id="dp-desc-{uid}">{escape(description)}</desc>',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M 0 0 L 10 5 L 0 10 z" class="dp-arrowhead"/></marker></defs>',
    ]
    for up, down in lay.edges:
        x1, y1, x2, y2 = _edge_points(lay.boxes[up], lay.boxes[down])
        out.append(f'<line class="dp-edge" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
                   f'marker-end="url(#{marker})"/>')
    for box in lay.boxes.values():
        cx = box.x + BOX_W / 2
        out.append(f'<g class="dp-stage dp-stage-{box.kind}">'
                   f'<title>{escape(box.label)}: {escape(box.detail)}</title>{_shape(box)}'
                   f'<text class="dp-label" x="{cx}" y="{box.y + 19}" text-anchor="middle">'
                   f'{escape(_clip(box.label))}</text>'
                   f'<text class="dp-detail" x="{cx}" y="{box.y + 36}" text-anchor="middle">'
                   f'{escape(_clip(box.detail, 24))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def text(stages: list[Stage]) -> str:
    """The pipeline in the seed's text form.

    A pipeline whose main stages form a chain reads as one line of arrows, with
    each hanging verify stage on a line of its own below; a branching pipeline
    lists each stage with what it needs.
    """
    by_id = {s.id: s for s in stages}
    hang = {s.id: h for s in stages if (h := _hanging(s, by_id))}
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
