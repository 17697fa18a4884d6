"""Docs-only Sphinx extension: the reference of sphinx-deployplan, generated from its code.

Every directive here writes MyST text from the package's own declarations (the
model and its JSON Schema, the records of the checks and rules, ``SUBTYPES``,
the config dataclass, the registered directives, the need types, ``EXPORTERS``)
and parses it in place, so the reference cannot drift from the code.  The
configuration values are Sphinx ``confval`` entries, which ``{confval}`` links
to; the command line is documented by sphinx-argparse from the CLI's parser.

Modules: :mod:`.markdown` (writing MyST), :mod:`.base` (the shared directive),
:mod:`.plan_format`, :mod:`.checks` (checks and rules), :mod:`.reference`
(warnings, configuration, directives, needs, exports, CLI) and :mod:`.examples`
(plans, exports and hooks run at build time).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from sphinx_deployplan import __version__

from .checks import ChecksDirective, RulesDirective
from .examples import (
    ExampleDirective,
    ExportDirective,
    PreCommitDirective,
    SchemaLinkRole,
    check_snippets,
    write_schema,
)
from .plan_format import FieldsDirective
from .reference import (
    CliDirective,
    ConfigDirective,
    DirectivesDirective,
    ExportersDirective,
    NeedsDirective,
    WarningsDirective,
)

#: MyST syntax the generated text uses: spans with ids and classes (value-type
#: anchors, result badges).
MYST_EXTENSIONS = ("attrs_inline",)


def _myst_extensions(app: Sphinx, config: Config) -> None:
    """``config-inited``: turn on the MyST syntax the generated reference is written in."""
    enabled = list(config.myst_enable_extensions or [])
    config.myst_enable_extensions = [*enabled, *(e for e in MYST_EXTENSIONS if e not in enabled)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.add_directive("deployplan-fields", FieldsDirective)
    app.add_directive("deployplan-checks", ChecksDirective)
    app.add_directive("deployplan-rules", RulesDirective)
    app.add_directive("deployplan-warnings", WarningsDirective)
    app.add_directive("deployplan-config", ConfigDirective)
    app.add_directive("deployplan-directives", DirectivesDirective)
    app.add_directive("deployplan-needs", NeedsDirective)
    app.add_directive("deployplan-exporters", ExportersDirective)
    app.add_directive("deployplan-cli", CliDirective)
    app.add_directive("deployplan-export", ExportDirective)
    app.add_directive("deployplan-example", ExampleDirective)
    app.add_directive("deployplan-precommit", PreCommitDirective)
    app.add_role("deployplan-schema", SchemaLinkRole())
    app.connect("config-inited", _myst_extensions)
    app.connect("builder-inited", check_snippets)
    app.connect("build-finished", write_schema)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
