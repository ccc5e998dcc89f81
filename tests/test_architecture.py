"""The shape of the code: the import graph of ``src/icskg``, read from the source with ``ast``.

Data flows one way (sources -> build -> store -> query and validation -> web and CLI), so imports
do too: every module belongs to a layer of :data:`LAYERS` and imports only from its own layer or
lower ones; the graph has no cycles; and nothing is imported inside a function, except the
optional extras in :data:`FUNCTION_IMPORTS_ALLOWED`, so what a module needs is said at its top.
docs/architecture.md explains the layers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("icskg", "icskg.prefixes", "icskg.namespaces", "icskg.config", "icskg.resources",
                    "icskg.formats", "icskg.rdf_writer", "icskg.links", "icskg.offline",
                    "icskg.killable", "icskg.file_cache", "icskg.fingerprint")),
    ("sparql text", ("icskg.sparql", "icskg.guard")),
    ("sources", ("icskg.sources", "icskg.policy", "icskg.ontology_doc")),
    ("store", ("icskg.store",)),
    ("build and index", ("icskg.build", "icskg.load", "icskg.search", "icskg.reason")),
    ("validation", ("icskg.validation",)),
    ("web", ("icskg.web",)),
    ("command line", ("icskg.cli", "icskg.__main__")),
]
"""Lowest first. A name stands for the module and, for a package, everything in it; the longest
name that matches a module decides its layer."""

FUNCTION_IMPORTS_ALLOWED = {
    ("icskg.reason", "owlready2"): "the optional `reason` extra (27 MB with its Java jars); "
                                   "only `icskg reason` needs it, and says how to install it",
    ("icskg.validation.check", "pyshacl"): "the fallback for shapes icskg's own engine does not "
                                           "implement (and engine='pyshacl'): importing it costs "
                                           "about half a second that most validations never need",
    ("icskg.validation.engine", "pyshacl"): "pySHACL's literal comparison, so sh:maxInclusive and "
                                            "sh:lessThanOrEquals judge as pySHACL does; loaded "
                                            "when a shape with one is first checked",
}
"""Imports inside a function body, each with why it cannot be at the top of its module: optional
extras, and pySHACL, which the validation engine falls back to."""


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted((SRC / "icskg").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The project module an import of ``name`` loads (a name inside a module is that module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """``(imported name, line, inside a function)`` for every import in ``module``: project
    modules by their module name, others by their top-level name."""
    path, package = MODULES[module]
    here = module if package else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = here.split(".")[: len(here.split(".")) - child.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                # ``from package import module`` imports the module; ``from module import name`` the module
                names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                         for alias in child.names]
            for name in names:
                target = _target(name) if name.split(".")[0] == "icskg" else name.split(".")[0]
                if target and target != module:
                    found.append((target, child.lineno, inside))
            visit(child, inside)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


GRAPH = {module: {target for target, _, _ in _imports(module) if target in MODULES} for module in MODULES}


def layer_of(module: str) -> int:
    matches = [(len(name), index) for index, (_, names) in enumerate(LAYERS) for name in names
               if module == name or (name != "icskg" and module.startswith(name + "."))]
    assert matches, f"{module} is in no layer: add it to LAYERS (and docs/architecture.md)"
    return max(matches)[1]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_is_read_from_the_source():
    """The reader sees what is there: the CLI imports the store and the web app imports its
    blueprints (so an empty graph cannot pass the tests below)."""
    assert "icskg.store" in GRAPH["icskg.cli"]
    assert {"icskg.web.sparql", "icskg.web.pages"} <= GRAPH["icskg.web"]
    assert len(MODULES) > 50


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_no_upward_imports():
    upward = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
              for module, targets in GRAPH.items() for target in sorted(targets)
              if layer_of(target) > layer_of(module)]
    assert upward == []


def test_no_imports_inside_functions_but_optional_extras():
    inside = [f"{MODULES[module][0].relative_to(SRC)}:{line} imports {target}"
              for module in MODULES for target, line, in_function in _imports(module)
              if in_function and (module, target) not in FUNCTION_IMPORTS_ALLOWED]
    assert inside == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_a_query_process_loads_neither_validation_nor_the_http_client():
    """``import icskg`` imports nothing else and ``icskg.store`` leaves out the remote store, so a
    query process (whose code is ``icskg.store.executor``, which each web worker's fork server
    imports before its first query process starts) does not load pySHACL, the validation package,
    requests, Werkzeug and Flask (content negotiation is the web's), or rdflib (the prefixes are
    plain strings in ``icskg.prefixes``)."""
    code = ("import sys, icskg.store.executor; print(sorted(m for m in sys.modules if m in "
            "('pyshacl', 'requests', 'icskg.store.remote', 'werkzeug', 'flask', 'rdflib') "
            "or m.startswith('icskg.validation')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
