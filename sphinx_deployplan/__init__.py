"""sphinx-deployplan: deployment plans as YAML, rendered as SRE runbooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension; all wiring lives in :mod:`sphinx_deployplan.sphinx`."""
    from .sphinx import setup as _setup

    return _setup(app)
