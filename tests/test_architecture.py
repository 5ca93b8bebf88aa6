"""The architecture holds: imports point one way down the layers, with no cycles.

Every module under ``src/salesctl`` is parsed with :mod:`ast`; every import counts, including
those under ``if TYPE_CHECKING:`` and inside functions (relative imports resolved). A module
that imports by string (``importlib.import_module(name)``) is taken to import every salesctl
module it names in a string literal. The layer map below is the one place the layers are
written down (docs/architecture.md draws it).
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "salesctl"

#: module (or package: its submodules inherit its layer) -> layer. Imports may only point to
#: the same or a lower layer; within a layer (and within a package) they must be acyclic.
LAYERS: dict[str, int] = {
    # 0 ground floor
    "salesctl.errors": 0,
    "salesctl.money": 0,
    "salesctl._validators": 0,
    "salesctl._convert": 0,
    "salesctl._assembly": 0,
    "salesctl._version": 0,
    "salesctl.wording": 0,
    # 1 data: documents, transactions, detective records, the context
    "salesctl.model": 1,
    "salesctl.transactions": 1,
    "salesctl.records": 1,
    "salesctl.records_extra": 1,
    "salesctl.periods": 1,
    "salesctl.context": 1,
    "salesctl.parsing": 1,
    # 2 decisions, control metadata, the approval rule
    "salesctl.decision": 2,
    "salesctl.control": 2,
    "salesctl.approvals": 2,
    # 3 the control families (controls.X may import other controls modules)
    "salesctl.controls": 3,
    # 4 the policy and the preventive runner
    "salesctl.policy": 4,
    "salesctl.gate": 4,
    # 5 detective runner, event stream, books, journal, replay
    "salesctl.reconcile": 5,
    "salesctl.events": 5,
    "salesctl.ledger": 5,
    "salesctl.journal": 5,
    "salesctl.audit": 5,
    "salesctl.fastreplay": 5,
    "salesctl.host": 5,
    # 6 documentation, demo data, the test kit
    "salesctl.docs": 6,
    "salesctl.demo": 6,
    "salesctl.testing": 6,
    # 7 the command line
    "salesctl.cli": 7,
    # 8 the public facade (``import salesctl``) and ``python -m salesctl``
    "salesctl": 8,
    "salesctl.__main__": 8,
}

#: Imports the layers allow but the design forbids: (importer prefix, imported prefix, why).
FORBIDDEN: tuple[tuple[str, str, str], ...] = (
    ("salesctl.gate", "salesctl.controls", "the gate names no control"),
)

MAX_LINES = 900

Graph = Mapping[str, Mapping[str, int]]  # module -> {imported module: line of the first import}


# -- the checker -------------------------------------------------------------------------------


def module_name(path: Path, src: Path = SRC) -> str:
    """``src/salesctl/cli/__init__.py`` -> ``salesctl.cli``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module ``name`` denotes: itself, or its longest dotted prefix that is a module."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(
    module: str, tree: ast.Module, modules: set[str], is_package: bool
) -> dict[str, int]:
    """Every salesctl module ``module`` imports, with the line of the first import."""
    found: dict[str, int] = {}

    def add(target: str | None, line: int) -> None:
        if target is not None and target != module:
            found.setdefault(target, line)

    package = module if is_package else module.rpartition(".")[0]
    strings: list[tuple[str, int]] = []
    by_string = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    add(_resolve(alias.name, modules), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                add(sub if sub in modules else _resolve(base, modules), node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname == "import_module":
                by_string = True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append((node.value, node.lineno))
    if by_string:
        for text, line in strings:
            if text in modules:
                add(text, line)
    return found


def import_graph(src: Path = SRC, package: str = PACKAGE) -> dict[str, dict[str, int]]:
    """``module -> {imported module: line}`` for every module of the package under ``src``."""
    files = {module_name(p, src): p for p in sorted((src / package).rglob("*.py"))}
    modules = set(files)
    return {
        m: imports_of(m, ast.parse(p.read_text(encoding="utf-8")), modules, p.stem == "__init__")
        for m, p in files.items()
    }


def layer_of(module: str, layers: Mapping[str, int] = LAYERS) -> int | None:
    """The layer of ``module``: its own entry or its nearest package's (the root only exactly)."""
    if module in layers:
        return layers[module]
    name = module.rpartition(".")[0]
    while "." in name:
        if name in layers:
            return layers[name]
        name = name.rpartition(".")[0]
    return None


def _strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with a cycle, members sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(iter(children), None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in graph[node]:
                    out.append(sorted(comp))
    return sorted(out)


def _shortest_cycle(graph: Graph, start: str, within: set[str]) -> list[str]:
    """The shortest import path from ``start`` back to itself inside one component."""
    prev: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if child in within and child not in seen:
                seen.add(child)
                prev[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is on no cycle")  # pragma: no cover


def cycles(graph: Graph) -> list[str]:
    """One message per import cycle (strongly connected component): a shortest cycle through
    its first module, each import with its line (``a:12 -> b`` is line 12 of ``a``), and the
    component's modules when there are more than the cycle shows."""
    out = []
    for comp in _strongly_connected(graph):
        path = _shortest_cycle(graph, comp[0], set(comp))
        hops = " -> ".join(f"{a}:{graph[a][b]}" for a, b in itertools.pairwise(path))
        msg = f"cycle {hops} -> {path[0]}"
        if len(comp) > len(path) - 1:
            msg += f" (component of {len(comp)} modules: {', '.join(comp)})"
        out.append(msg)
    return out


def violations(
    graph: Graph,
    layers: Mapping[str, int] = LAYERS,
    forbidden: Iterable[tuple[str, str, str]] = FORBIDDEN,
) -> list[str]:
    """Every import from a lower layer to a higher one, and every forbidden import."""

    def under(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    out = []
    for a in sorted(graph):
        la = layer_of(a, layers)
        for b, line in sorted(graph[a].items()):
            lb = layer_of(b, layers)
            if la is not None and lb is not None and lb > la:
                out.append(f"upward import: {a}:{line} (layer {la}) imports {b} (layer {lb})")
            for pa, pb, why in forbidden:
                if under(a, pa) and under(b, pb):
                    out.append(f"forbidden import: {a}:{line} imports {b} ({why})")
    return out


# -- the package ----------------------------------------------------------------------------------

GRAPH = import_graph()


def test_the_graph_sees_the_package() -> None:
    """The parse finds the modules and the imports one knows are there."""
    assert {"salesctl", "salesctl.gate", "salesctl.model", "salesctl.cli"} <= set(GRAPH)
    assert "salesctl.policy" in GRAPH["salesctl.gate"]
    assert "salesctl.cli.check" in GRAPH["salesctl.cli"]


def test_every_module_has_a_layer() -> None:
    """A new module (or package) is placed in the layer map before it lands."""
    unplaced = [m for m in GRAPH if layer_of(m) is None]
    assert not unplaced, "no layer in LAYERS: " + ", ".join(unplaced)


def test_no_import_cycles() -> None:
    """No module imports itself through others, at run time or for type checking."""
    found = cycles(GRAPH)
    assert not found, "\n".join(found)


def test_imports_point_downward() -> None:
    """Every import points to the same or a lower layer; the gate imports no control."""
    found = violations(GRAPH)
    assert not found, "\n".join(found)


def test_no_module_over_max_lines() -> None:
    """No module of src/ is over 900 lines."""
    long = {}
    for p in sorted(SRC.rglob("*.py")):
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            long[str(p.relative_to(SRC))] = n
    assert not long, "\n".join(f"{p}: {n} lines" for p, n in long.items())


# -- the checker, on made-up graphs --------------------------------------------------------------

FAKE_LAYERS = {"pkg.low": 0, "pkg.mid": 1, "pkg.high": 2, "pkg": 3}


def test_checker_reports_a_cycle() -> None:
    """A -> B -> C -> A is reported with its path; a DAG is not."""
    graph = {
        "pkg.low.a": {"pkg.low.b": 3},
        "pkg.low.b": {"pkg.low.c": 4},
        "pkg.low.c": {"pkg.low.a": 5},
        "pkg.low.d": {"pkg.low.a": 1},
    }
    assert cycles(graph) == ["cycle pkg.low.a:3 -> pkg.low.b:4 -> pkg.low.c:5 -> pkg.low.a"]
    del graph["pkg.low.c"]["pkg.low.a"]
    assert cycles(graph) == []


def test_checker_reports_a_self_import_and_two_cycles() -> None:
    """A module importing itself, and two separate cycles, are each one message."""
    graph = {"x": {"x": 1}, "a": {"b": 1}, "b": {"a": 2}, "c": {"d": 1}, "d": {"c": 1}}
    assert cycles(graph) == ["cycle a:1 -> b:2 -> a", "cycle c:1 -> d:1 -> c", "cycle x:1 -> x"]


def test_checker_names_the_whole_component() -> None:
    """When a component is larger than the cycle shown, its modules are listed."""
    graph = {"a": {"b": 1}, "b": {"a": 1, "c": 2}, "c": {"b": 3}}
    assert cycles(graph) == ["cycle a:1 -> b:1 -> a (component of 3 modules: a, b, c)"]


def test_checker_reports_an_upward_import() -> None:
    """low -> high is reported (submodules inherit the package's layer); high -> low is not."""
    graph = {"pkg.low.x": {"pkg.high.y": 7}, "pkg.high.y": {"pkg.low.z": 2}, "pkg.low.z": {}}
    assert violations(graph, FAKE_LAYERS, ()) == [
        "upward import: pkg.low.x:7 (layer 0) imports pkg.high.y (layer 2)"
    ]
    assert violations({"pkg.mid": {"pkg": 1}}, FAKE_LAYERS, ()) == [
        "upward import: pkg.mid:1 (layer 1) imports pkg (layer 3)"
    ]


def test_checker_reports_a_forbidden_import() -> None:
    """A downward import the design forbids is reported with the reason."""
    forbidden = (("pkg.high", "pkg.low", "high names no low"),)
    graph = {"pkg.high": {"pkg.low.x": 9}, "pkg.low.x": {}}
    assert violations(graph, FAKE_LAYERS, forbidden) == [
        "forbidden import: pkg.high:9 imports pkg.low.x (high names no low)"
    ]


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("salesctl.gate", "salesctl.controls.orders"),
        ("salesctl.gate", "salesctl.controls"),
        ("salesctl.controls.orders", "salesctl.gate"),
        ("salesctl.controls.credit", "salesctl.ledger"),
        ("salesctl.controls", "salesctl.audit"),
        ("salesctl.controls.management", "salesctl.reconcile"),
    ],
)
def test_the_real_map_rejects_the_known_couplings(importer: str, imported: str) -> None:
    """gate -> controls, and controls -> gate, ledger, audit or reconcile, are violations."""
    assert violations({importer: {imported: 1}, imported: {}}) != []


def test_the_real_map_allows_downward_and_sibling_imports() -> None:
    """controls.X -> controls.Y, policy -> controls, cli -> docs are fine."""
    graph = {
        "salesctl.controls.delivery": {"salesctl.controls.credit": 1},
        "salesctl.policy": {"salesctl.controls": 1},
        "salesctl.cli": {"salesctl.docs": 1, "salesctl.cli.check": 2},
    }
    assert violations(graph) == []


def test_the_parser_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Imports under TYPE_CHECKING, inside functions, relative, and by string all count."""
    pkg = tmp_path / "salesctl"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("")
    (pkg / "typed.py").write_text("")
    (pkg / "late.py").write_text("")
    (pkg / "byname.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import sibling\n")
    (pkg / "sub" / "sibling.py").write_text("")
    (pkg / "main.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "from .low import x\n"
        "from salesctl.sub import sibling\n"
        "if TYPE_CHECKING:\n"
        "    from salesctl.typed import T\n"
        "def f():\n"
        "    import salesctl.late\n"
        "    return importlib.import_module(NAMES[0])\n"
        "NAMES = ['salesctl.byname']\n"
    )
    graph = import_graph(tmp_path, "salesctl")
    assert set(graph["salesctl.main"]) == {
        "salesctl.low",
        "salesctl.sub.sibling",
        "salesctl.typed",
        "salesctl.late",
        "salesctl.byname",
    }
    assert set(graph["salesctl.sub"]) == {"salesctl.sub.sibling"}
