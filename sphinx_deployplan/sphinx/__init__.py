"""The thin Sphinx layer: directives, domain, warnings, config, static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from ..render.nodes import prepare_for_builder, register_nodes
from . import duplicates, needs
from .aggregates import (
    FlagsDirective,
    IndexDirective,
    MatrixDirective,
    aggregate,
    fill_aggregates,
    outdated,
)
from .config import register_options, validate
from .directive import DeployPlanDirective
from .domain import DeployPlanDomain
from .downloads import downloads, fill_downloads, keep_downloads_out_of_sources, remove_stale
from .gate import fail_on_unmet
from .portal import check_members
from .shutdown import arrange_fast_exit

STATIC = Path(__file__).resolve().parent.parent / "static"
#: Bumped whenever what we keep in the environment or in doctrees changes shape.
ENV_VERSION = 3


def _add_static_path(app: Sphinx, config: Config) -> None:
    """``config-inited``: our static folder, before the environment compares this
    configuration with the saved one (appended later, every incremental build would
    report that ``html_static_path`` changed)."""
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def _add_assets(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file("deployplan.css")
        app.add_js_file("deployplan.js", defer="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    from .. import __version__

    app.setup_extension("sphinx_needs")
    register_options(app)
    app.add_domain(DeployPlanDomain)
    app.add_directive("deployplan", DeployPlanDirective)
    app.add_directive("deployplan-index", IndexDirective)
    app.add_directive("deployplan-matrix", MatrixDirective)
    app.add_directive("deployplan-flags", FlagsDirective)
    app.add_node(aggregate)
    app.add_node(downloads)
    app.connect("config-inited", validate, priority=400)  # before our other handlers
    app.connect("config-inited", needs.register)
    app.connect("config-inited", check_members)
    app.connect("config-inited", arrange_fast_exit)
    app.connect("env-get-outdated", outdated)
    app.connect("doctree-resolved", fill_aggregates)
    app.connect("doctree-resolved", fill_downloads)
    duplicates.register(app)
    app.connect("build-finished", fail_on_unmet)
    app.connect("config-inited", keep_downloads_out_of_sources)
    app.connect("build-finished", remove_stale)
    register_nodes(app)
    app.connect("doctree-resolved", prepare_for_builder)
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _add_assets)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
