"""A runbook portal over many docs repos, on sphinx-needs' external needs.

Member sites publish ``needs.json`` as usual; each plan's ``dpplan`` need carries
the fields a portal needs to show it without its source (site, service, owner,
method), ``dpcheck`` needs carry each result and ``dpflag`` needs each flag.  A
portal is an ordinary Sphinx project that lists its members in
``needs_external_needs`` (the path or URL of each ``needs.json`` and its
``base_url``); the aggregate directives then show the members' plans beside
local ones, linking to their home sites.

Two things sphinx-needs does not do for us: a member whose file is missing or
malformed is reported here with a located warning and left out (the portal
builds with the others), and a member whose file changed marks the aggregate
pages outdated, so an incremental portal build shows the change.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from ..problems import Problem
from ..render.aggregates import FlagSummary, PlanSummary
from .warnings import warn


def _source_path(confdir: str | os.PathLike, source: dict[str, Any]) -> Path | None:
    if source.get("json_path"):
        path = Path(source["json_path"])
        return path if path.is_absolute() else Path(confdir) / path
    url = source.get("json_url") or ""
    return Path(url[len("file://"):]) if url.startswith("file://") else None


def _unreadable(path: Path) -> str | None:
    """Why a member's needs.json cannot serve the portal, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"is not valid JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
        return "is not a sphinx-needs needs.json (no 'versions' mapping)"
    return None


def check_members(app: Sphinx, config: Config) -> None:
    """``config-inited``: report and leave out members whose needs.json is unusable."""
    sources = list(getattr(config, "needs_external_needs", None) or [])
    if not sources or not config.deployplan_needs:
        return
    conf = Path(app.confdir) / "conf.py"
    line = _setting_line(conf, "needs_external_needs")
    kept = []
    for index, source in enumerate(sources):
        path = _source_path(app.confdir, source)
        reason = _unreadable(path) if path is not None else None
        if reason is None:
            kept.append(source)
            continue
        warn(Problem("portal", f"portal member {index + 1} of needs_external_needs "
                     f"({source.get('base_url', '?')}): {path} {reason}; its plans are left "
                     f"out of this build", line, str(conf)), "")
    config.needs_external_needs = kept


def _setting_line(conf: Path, name: str) -> int | None:
    """The line of conf.py that sets ``name`` (for a located warning)."""
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((i for i, text in enumerate(lines, 1) if text.lstrip().startswith(name)), None)


def member_fingerprints(app: Sphinx) -> dict[str, str]:
    """A digest of each member's needs.json, to notice a member that changed."""
    prints = {}
    for source in getattr(app.config, "needs_external_needs", None) or []:
        path = _source_path(app.confdir, source)
        if path is not None and path.is_file():
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def external_summaries(app: Sphinx) -> list[PlanSummary]:
    """The plans of the portal's member sites, from their needs."""
    if not app.config.deployplan_needs or not getattr(app.config, "needs_external_needs",
                                                      None):
        return []
    from sphinx_needs.data import SphinxNeedsData

    needs = [n for n in SphinxNeedsData(app.env).get_needs_view().values()
             if n["is_external"] and str(n["type"]).startswith("dp")]
    checks: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    flags: dict[str, list[FlagSummary]] = defaultdict(list)
    for need in needs:
        key = f"{need.get('site')}::{need.get('plan')}"
        if need["type"] == "dpcheck":
            checks[key][need["check"]] = (need["result"], need["external_url"] or "")
        elif need["type"] == "dpflag":
            cleanup = need.get("cleanup")
            flags[key].append(FlagSummary(
                need.get("flag") or need["id"],
                need["external_url"] or "", need.get("flag_type"), need.get("owner"),
                need.get("default"),
                _dt.date.fromisoformat(cleanup) if cleanup else None,
                bool(need.get("permanent"))))
    out = []
    for need in needs:
        if need["type"] != "dpplan":
            continue
        key = f"{need.get('site')}::{need.get('plan')}"
        out.append(PlanSummary(
            plan=need.get("plan") or need["id"], title=need["title"],
            service=need.get("service") or "", owner=need.get("owner") or "",
            method=need.get("method"), url=need["external_url"] or "",
            site=need.get("site") or "", checks=checks[key], flags=flags[key], external=True))
    return sorted(out, key=lambda s: (s.site, s.plan))
