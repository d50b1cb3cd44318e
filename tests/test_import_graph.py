"""The layers import one way, no cycles:
cli -> serve -> graph -> store -> nodes -> adaptations -> models -> tools -> configs -> compat.

Every `import` statement counts, top-level or inside a function: a lazy import loop still
ties two modules together, and the next refactor turns it into a crash. A layer whose
package does not exist yet (adaptations/, while it is being built) holds nothing to check.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.product_sources import parsed, walked

ROOT = Path(__file__).resolve().parents[1]
LAYERS = (
    "cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs", "compat"
)  # fmt: skip
LAYER = {name: rank for rank, name in enumerate(LAYERS)}
PACKAGES = tuple(name for name in LAYERS if (ROOT / name).is_dir())


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that `path` imports anywhere in its body (resolved to modules)."""
    found: set[str] = set()
    for node in walked(parsed(path)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_walker_sees_lazy_imports_and_reports_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    lazy = imports_of(ROOT / "cli" / "__init__.py", project_modules())
    assert "cli.launch" in lazy  # imported inside `main`, not at the top


def test_no_import_cycles_not_even_lazy_ones() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_layers_import_downwards_only() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if LAYER[target.split(".")[0]] < LAYER[module.split(".")[0]]
    )
    assert upward == []


def test_private_langgraph_names_come_through_the_compat_module_only() -> None:
    """A private (`_`) or beta LangGraph name imported elsewhere would break unnoticed."""
    beta = {"langgraph.channels.delta", "langgraph.checkpoint.sqlite.utils"}
    found = []
    for name, path in project_modules().items():
        if name == "compat.langgraph":
            continue
        for node in walked(parsed(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("langgraph"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if (
                    private
                    or node.module in beta
                    or "DeltaChannelHistory" in {a.name for a in node.names}
                ):
                    found.append(f"{name}: from {node.module} import {private or '...'}")
    assert found == []


def test_every_package_says_what_it_is_for() -> None:
    """Each layer's `__init__.py` opens with a one-line summary: where one concern ends."""
    for package in PACKAGES:
        doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
        assert doc and doc.splitlines()[0].strip(), f"{package}/__init__.py needs a docstring"


def test_the_state_declares_its_delta_channels_with_the_stores_specs() -> None:
    """The store prunes and rebuilds exactly the channels the state stores as deltas."""
    from langgraph.graph import StateGraph

    from compat.langgraph import DeltaChannel
    from graph.state import AgentState
    from store.saver_maintenance import delta_channel_specs

    channels = StateGraph(AgentState).channels
    delta = {name for name, ch in channels.items() if isinstance(ch, DeltaChannel)}
    assert delta == set(delta_channel_specs())


def test_every_layer_ships_in_the_wheel() -> None:
    """An installed ml-intern imports every layer: each is in the wheel's `only-include`
    (a layer left out builds a wheel whose `ml-intern` fails at its first import)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = project["tool"]["hatch"]["build"]["targets"]["wheel"]["only-include"]
    assert [name for name in PACKAGES if name not in shipped] == []
