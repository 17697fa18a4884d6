"""What every directive of the docs extension shares."""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import sphinx_deployplan
from sphinx_deployplan.sphinx.config import PREFIX, options

logger = logging.getLogger(__name__)

#: Warnings of this extension: ``deployplan_docs.drift`` when the docs' prose and
#: the code disagree, ``deployplan_docs.example`` when a sample behaves otherwise
#: than the page says.
DOCS_WARNING = "deployplan_docs"

#: The files a generated page depends on: the package's code and this extension.  Sphinx
#: re-reads a page when one of them changes, so an incremental build never shows a stale
#: reference (and the drift checks run again).
CODE_FILES = sorted(str(p) for folder in (Path(sphinx_deployplan.__file__).parent,
                                          Path(__file__).parent)
                    for p in folder.rglob("*.py"))

#: The names of the configuration values, for :func:`link_options`.
OPTION_NAMES = frozenset(PREFIX + f.name for f in options())
_OPTION_SPAN = re.compile(r"``?(" + PREFIX + r"\w+)``?")


def link_options(markdown: str) -> str:
    """Code spans that name a configuration value become links to its entry."""
    def link(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{confval}}`{name}`" if name in OPTION_NAMES else match.group(0)
    return _OPTION_SPAN.sub(link, markdown)


class DocsDirective(SphinxDirective):
    """Base: the page depends on the package's code, :meth:`markdown` returns the
    MyST text to show (or :meth:`generate` the nodes), and warnings are located."""

    def run(self) -> list[nodes.Node]:
        for path in CODE_FILES:
            self.env.note_dependency(path)
        return self.generate()

    def generate(self) -> list[nodes.Node]:
        return self.parse_text_to_nodes(self.markdown())

    def markdown(self) -> str:
        raise NotImplementedError

    def section(self, title: str, label: str, body: str) -> nodes.section:
        """A section titled with inline MyST ``title``, with the label ``label`` (for
        ``{ref}`` and ``#label`` links), holding the MyST ``body``.

        Built as a node rather than written as a ``#`` heading: a heading's level would
        have to match the page's headings around the directive."""
        node = nodes.section()
        title_nodes, messages = self.parse_inline(title)
        node += nodes.title("", "", *title_nodes)
        node += messages
        node["names"].append(nodes.fully_normalize_name(label))
        self.state.document.note_explicit_target(node, node)
        node += self.parse_text_to_nodes(body)
        return node

    def warn(self, message: str, subtype: str = "drift") -> None:
        logger.warning(message, type=DOCS_WARNING, subtype=subtype,
                       location=self.get_location())

    def src_path(self, name: str) -> Path:
        rel, abspath = self.env.relfn2path(name, self.env.docname)
        self.env.note_dependency(rel)
        return Path(abspath)

    def display_path(self, path: Path) -> str:
        return os.path.relpath(path, self.env.srcdir).replace(os.sep, "/")
