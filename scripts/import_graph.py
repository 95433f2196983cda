"""The import graph's direction, measured: upward edges and app-level cycles (issue 10).

    python scripts/import_graph.py [SRC_DIR]      (default: src/burgerprofiel next to this script)

Reads the layers from the import-linter contract in pyproject.toml and every import of the
package's non-test modules (Python's ``ast``: import-linter's graph, grimp, does not say where in a
module an import sits), split into module-level imports (what loading a module loads) and
function-level ones (lazy). Prints:

- upward edges: imports from an app into an app of a higher layer, or of the same layer (``a | b``
  are independent), as module pairs, module-level and function-level counted apart: what the
  contract forbids unless an ``ignore_imports`` names them;
- app-level cycles: strongly connected components of the app graph of module-level imports;
- every function-level import (of any package), with the comment on its line or the line above
  (its reason).

Tests and migrations are left out (tests may import anything, by the contract).
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def layers_of(pyproject: Path) -> dict[str, int]:
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    rank: dict[str, int] = {}
    for height, layer in enumerate(reversed(contract["layers"])):
        for app in layer.split("|"):
            rank[app.strip().strip("()")] = height
    return rank


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, module: str) -> list[tuple[str, int, bool, str]]:
    """(imported module, line, at module level, reason comment) for each burgerprofiel import."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # not imported at run time
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, child, path.name == "__init__.py")
                names = [f"{target}.{a.name}" for a in child.names] + [target]
            for name in names:
                if name.startswith("burgerprofiel.") or not top:
                    line = child.lineno
                    text = lines[line - 1]
                    comment = text.split("#", 1)[1].strip() if "#" in text else ""
                    above = lines[line - 2].strip() if line >= 2 else ""
                    if not comment and above.startswith("#"):
                        comment = above.lstrip("# ").strip()
                    found.append((name, line, top, comment))
            visit(child, nested)

    visit(tree, True)
    return found


@dataclass
class Report:
    modules: int
    upward_module_level: list[str]
    upward_function_level: list[str]
    app_cycles: list[list[str]]
    function_level_imports: list[dict[str, Any]]


def measure(src: Path) -> Report:
    rank = layers_of(src.parents[1] / "pyproject.toml")
    modules = {}
    for path in src.rglob("*.py"):
        rel = path.relative_to(src.parent)
        if "tests" in rel.parts or "migrations" in rel.parts or rel.name == "conftest.py":
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    known = set(modules)

    def owner(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def app(module: str) -> str:
        return module.split(".")[1] if module.count(".") >= 1 else ""

    upward: dict[bool, set[tuple[str, str]]] = {True: set(), False: set()}
    app_edges: set[tuple[str, str]] = set()
    lazy: list[dict[str, Any]] = []
    for module, path in sorted(modules.items()):
        seen: set[tuple[str, bool]] = set()
        for name, line, top, reason in imports_of(path, module):
            if not name.startswith("burgerprofiel."):
                if not top and (f"line {line}", False) not in seen:  # a lazy import of another package
                    seen.add((f"line {line}", False))
                    lazy.append({"module": module, "line": line, "imports": name, "reason": reason})
                continue
            target = owner(name)
            if target is None or target == module or (target, top) in seen:
                continue
            seen.add((target, top))
            a, b = app(module), app(target)
            if not top and (f"line {line}", False) not in seen:
                seen.add((f"line {line}", False))
                lazy.append({"module": module, "line": line, "imports": target, "reason": reason})
            if a == b or a not in rank or b not in rank:
                continue
            if top:
                app_edges.add((a, b))
            if rank[a] <= rank[b]:  # up, or sideways between independent apps of one layer (``a | b``)
                upward[top].add((module, target))
    # Strongly connected components of the app graph (Tarjan).
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in app_edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted({a for edge in app_edges for a in edge}):
        if v not in index:
            strong(v)
    return Report(
        modules=len(modules),
        upward_module_level=sorted(f"{a} -> {b}" for a, b in upward[True]),
        upward_function_level=sorted(f"{a} -> {b}" for a, b in upward[False]),
        app_cycles=components,
        function_level_imports=lazy,
    )


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "src" / "burgerprofiel"
    report = measure(src.resolve())
    print(json.dumps(asdict(report), indent=2))
    unexplained = sum(1 for i in report.function_level_imports if not i["reason"])
    print(
        f"\n{report.modules} modules: {len(report.upward_module_level)} upward module-level edges, "
        f"{len(report.upward_function_level)} upward function-level edges, "
        f"{len(report.app_cycles)} app-level cycles ({sum(len(c) for c in report.app_cycles)} apps), "
        f"{len(report.function_level_imports)} function-level imports ({unexplained} without a reason)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
