"""The house rules that keep the package changeable: the core imports no Sphinx, the
checks import no exporter, the modules form no import circle, and each check or rule id
is written in one file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sphinx_deployplan.checks import BY_ID
from sphinx_deployplan.model import Plan, public_fields
from sphinx_deployplan.runbook import PARTS

PACKAGE = Path(__file__).resolve().parent.parent / "sphinx_deployplan"
#: What may import Sphinx or docutils: the Sphinx layer and the docutils writers.
SPHINX_SIDE = ("sphinx", "render")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, everywhere: bool = False) -> set[str]:
    """Modules imported when ``path`` is imported (module level, outside TYPE_CHECKING),
    or, ``everywhere``, by any statement of it (inside functions too)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree) if everywhere else tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def test_the_core_imports_neither_sphinx_nor_docutils():
    for name, path in MODULES.items():
        if name.split(".")[1:2] and name.split(".")[1] in SPHINX_SIDE:
            continue
        heavy = {m for m in _imports(path) if m.split(".")[0] in ("sphinx", "docutils")}
        assert not heavy, f"{name} imports {sorted(heavy)}"


def test_the_checks_import_no_exporter():
    # not even inside a function: a graph walk the checks need lives in graph.py
    for name, path in MODULES.items():
        if name.startswith("sphinx_deployplan.checks"):
            exports = {m for m in _imports(path, everywhere=True)
                       if m.startswith("sphinx_deployplan.export")}
            assert not exports, f"{name} imports {sorted(exports)}"


def test_no_import_circle():
    graph = {name: {m for m in _imports(path) if m in MODULES and m != name}
             for name, path in MODULES.items()}
    done: set[str] = set()
    for start in graph:  # an iterative depth-first search for a back edge
        if start in done:
            continue
        path, on_path, stack = [start], {start}, [iter(sorted(graph[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            assert nxt not in on_path, " -> ".join([*path[path.index(nxt):], nxt])
            if nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                stack.append(iter(sorted(graph[nxt])))


def test_each_check_and_rule_id_is_written_in_one_file():
    # an id that is also a part or a key of the plan (communication) is written as such
    words = {*public_fields(Plan), *(part.key for part in PARTS)}
    sources = {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}
    for check_id in BY_ID:
        if check_id in words:
            continue
        spelled = re.compile(rf"""["']{re.escape(check_id)}["']""")
        where = [p.relative_to(PACKAGE) for p, text in sources.items() if spelled.search(text)]
        assert len(where) == 1, f"{check_id!r} is written in {where}"
