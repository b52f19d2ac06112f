"""The architecture as the tree shows it, kept true: apps import only downwards, no two modules import each other
(directly or round a longer loop), the reporting cycle's domain never reaches up into the capabilities built on it,
and one capability uses another only through its public names.

The import graph is grimp's (the library under import-linter, whose contracts in pyproject.toml state the apps'
layers); both read every import statement, those inside functions included.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
APPS = ("monitoring", "plans", "indicators", "funding")
# The subpackages of monitoring that are capabilities built on its domain (models, workflow, services, ...).
CAPABILITIES = ("cycle", "dashboards", "reports", "spreadsheets", "pages", "demo")
# Modules of monitoring that may name the capabilities: the project's router, and the management commands.
ABOVE_CAPABILITIES = ("monitoring.urls", "monitoring.management")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*APPS, cache_dir=None)


def capability_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "monitoring" and parts[1] in CAPABILITIES else None


def strongly_connected(nodes: set[str], edges: dict[str, set[str]]) -> list[set[str]]:
    """Return the loops of the graph: each set of two or more nodes that all reach one another (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(component)

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return loops


def test_apps_import_only_downwards(capsys):
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert exit_code == 0, capsys.readouterr().out


def test_the_layers_contract_catches_an_upward_import(tmp_path):
    """The contract is not vacuous: in a copy of the apps' shape, a plans module that imports monitoring breaks it."""
    for app in APPS:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "plans" / "upwards.py").write_text("import monitoring\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=False,
    )
    assert result.returncode == 1
    assert "plans.upwards -> monitoring" in result.stdout


def test_no_modules_import_each_other(graph):
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert strongly_connected(graph.modules, edges) == []


def test_the_loop_finder_finds_a_loop():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected({"a", "b", "c", "d"}, edges) == [{"a", "b", "c"}]


def test_the_capabilities_do_not_import_one_another_in_a_loop(graph):
    edges: dict[str, set[str]] = {name: set() for name in CAPABILITIES}
    for module in graph.modules:
        source = capability_of(module)
        for imported in graph.find_modules_directly_imported_by(module) if source else ():
            target = capability_of(imported)
            if target and target != source:
                edges[source].add(target)
    assert strongly_connected(set(CAPABILITIES), edges) == []


def test_the_domain_never_imports_a_capability(graph):
    """models, workflow, services, permissions, ... sit below the pages, reports and imports built on them."""
    upward = []
    for module in sorted(graph.modules):
        if not module.startswith("monitoring.") or capability_of(module) or module.startswith(ABOVE_CAPABILITIES):
            continue
        upward += [f"{module} -> {imported}" for imported in sorted(graph.find_modules_directly_imported_by(module))
                   if capability_of(imported)]
    assert upward == []


def private_names_from_other_capabilities(path: Path, own: str) -> list[str]:
    """Return '_name' uses in the file that reach into another capability: imported by name, or as module._name."""
    tree = ast.parse(path.read_text())
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found, foreign_modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = capability_of(f"{node.module}.{alias.name}") or capability_of(node.module)
                if target is None or target == own:
                    continue
                if alias.name.startswith("_"):
                    found.append(f"{where}:{node.lineno}: {node.module}.{alias.name}")
                foreign_modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in foreign_modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_a_capability_uses_another_only_through_its_public_names():
    found = []
    for capability in CAPABILITIES:
        for path in sorted((ROOT / "monitoring" / capability).rglob("*.py")):
            found += private_names_from_other_capabilities(path, capability)
    assert found == []


def test_the_private_name_check_sees_both_forms(tmp_path):
    path = tmp_path / "example.py"
    path.write_text("from monitoring.dashboards.charts import _draw_indicator\n"
                    "from monitoring.dashboards import charts\n\ncharts._to_svg\ncharts.indicator_chart_svg\n")
    found = private_names_from_other_capabilities(path, "reports")
    assert [entry.split(": ", 1)[1] for entry in found] == [
        "monitoring.dashboards.charts._draw_indicator", "charts._to_svg"]
