"""The shape of the code, kept by a test: layers that import only downwards, no import cycles, and
one door each to git, the terminal and the optional libraries (docs/architecture.md).

Every import counts, at module level or inside a function, type-only ones included: a function-level
import is still a dependency, only a later one."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "modelreg_cli"

# Lowest first. A module may import modules of its own layer or of lower ones, never higher.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", ("modelreg_cli.errors", "modelreg_cli.version", "modelreg_cli.plugins")),
    ("core", ("modelreg_cli.core",)),
    ("store", ("modelreg_cli.store",)),
    ("service", ("modelreg_cli.service", "modelreg_cli")),
    ("integrations", ("modelreg_cli.importers", "modelreg_cli.integrations", "modelreg_cli.site")),
    ("cli", ("modelreg_cli.cli", "modelreg_cli.__main__")),
]

# Third-party libraries (and subprocess) and the only modules that may import them.
DOORS: dict[str, tuple[str, ...]] = {
    "subprocess": ("modelreg_cli.store.git",),
    "git": ("modelreg_cli.store.",),
    "gitdb": ("modelreg_cli.store.",),
    "typer": ("modelreg_cli.cli.",),
    "rich": ("modelreg_cli.cli.",),
    "mlflow": ("modelreg_cli.integrations.mlflow", "modelreg_cli.importers.mlflow"),
    "fsspec": ("modelreg_cli.store.artifact_stores.",),
    "s3fs": ("modelreg_cli.store.artifact_stores.",),
    "gcsfs": ("modelreg_cli.store.artifact_stores.",),
    "adlfs": ("modelreg_cli.store.artifact_stores.",),
    "jinja2": ("modelreg_cli.site",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module PATH imports: package modules by their full name, others by their top name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from modelreg_cli.store import git` imports the module store.git
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
    return {name if name.startswith("modelreg_cli") else name.split(".")[0] for name in found}


IMPORTS = {name: imports_of(path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    """The index of the layer MODULE belongs to (its longest matching prefix)."""
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS"
    return rank


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = [
        f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for module, targets in IMPORTS.items()
        for target in targets
        if target in MODULES and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = {module: sorted(t for t in targets if t in MODULES and t != module) for module, targets in IMPORTS.items()}
    cycles = [component for component in strongly_connected(graph) if len(component) > 1]
    assert cycles == []


def test_libraries_are_imported_only_through_their_door() -> None:
    strays = [
        f"{module} imports {library}"
        for module, targets in IMPORTS.items()
        for library, doors in DOORS.items()
        if library in targets and not any(module == door or module.startswith(door) for door in doors)
    ]
    assert strays == []


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components of GRAPH."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return components
