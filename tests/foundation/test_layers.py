"""The packages form one stack: a lower layer never imports a higher one, not even inside a
function, and no import cycle hides anywhere.

    top        app (the factory), app.imports, app.reconcile, app.schedule, app.field,
               app.demo, app.tools
    domains    app.reports
               app.sessions    (capture sessions: plans, proposals, results)
               app.followups
               app.visits
               app.people
               app.auth        (users, scope, audit; the units API and CLI, which need a user)
               app.units       (the unit tree; knows no user)
    core       app.extensions, app.common, app.text, app.errors, app.schemas, app.config,
               app.i18n, app.database, app.health, app.labels, app.clock, app.paging,
               app.spreadsheet, app.validation, app.security
    maps       pure: imports no app module

A lower domain that must set a higher one going announces it with a blinker signal
(app/visits/signals.py, app/people/signals.py); the higher one connects its receivers when
the app is built (app/followups/receivers.py).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]

DOMAINS = (
    "app.units",
    "app.auth",
    "app.people",
    "app.visits",
    "app.followups",
    "app.sessions",
    "app.reports",
)
CORE = (
    "app.extensions",
    "app.common",
    "app.text",
    "app.errors",
    "app.schemas",
    "app.config",
    "app.i18n",
    "app.database",
    "app.health",
    "app.labels",
    "app.clock",
    "app.paging",
    "app.spreadsheet",
    "app.validation",
    "app.security",
    "app.navigation",
)
TOP = ("app.imports", "app.reconcile", "app.schedule", "app.field", "app.demo", "app.tools")
CORE_LAYER, TOP_LAYER = 1, len(DOMAINS) + 2

# Function-local imports of app modules allowed to stay: the factory builds the app from the
# domains, which `import app` alone must not load; the coverage map page loads its own
# package's map builder (and so folium) with the first map a worker draws, not at start.
LOCAL_IMPORTS_ALLOWED = {
    ("app/__init__.py", "create_app"),
    ("app/reports/pages.py", "coverage_map"),
}


@cache
def graph() -> grimp.ImportGraph:
    """The import graph of app and maps, function-local imports included."""
    import app

    assert Path(app.__file__).resolve().parent == ROOT / "app", "app is not this checkout"
    return grimp.build_graph("app", "maps", cache_dir=None)


def layer(module: str) -> int:
    """The layer of a module: 0 maps, 1 core, 2.. the domains in order, then the top."""
    if module == "maps" or module.startswith("maps."):
        return 0
    if module == "app":
        return TOP_LAYER
    package = ".".join(module.split(".")[:2])
    if package in CORE:
        return CORE_LAYER
    if package in DOMAINS:
        return CORE_LAYER + 1 + DOMAINS.index(package)
    if package in TOP:
        return TOP_LAYER
    raise AssertionError(f"{module} has no layer: add it to tests/foundation/test_layers.py")


def test_every_module_has_a_layer():
    for module in graph().modules:
        layer(module)


def test_no_module_imports_from_a_higher_layer():
    g = graph()
    upward = []
    for importer in sorted(g.modules):
        for imported in sorted(g.find_modules_directly_imported_by(importer)):
            if layer(imported) > layer(importer):
                for detail in g.get_import_details(importer=importer, imported=imported):
                    upward.append(f"{importer}:{detail['line_number']} {detail['line_contents']}")
    assert upward == []


def test_maps_imports_no_app_module():
    g = graph()
    found = [
        (module, imported)
        for module in sorted(g.modules)
        if module == "maps" or module.startswith("maps.")
        for imported in g.find_modules_directly_imported_by(module)
        if imported == "app" or imported.startswith("app.")
    ]
    assert found == []


def test_the_import_graph_has_no_cycle():
    g = graph()
    done: set[str] = set()
    cycles = []

    def visit(module: str, path: list[str], on_path: set[str]) -> None:
        for imported in sorted(g.find_modules_directly_imported_by(module)):
            if imported in on_path:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in done:
                path.append(imported)
                on_path.add(imported)
                visit(imported, path, on_path)
                on_path.discard(path.pop())
        done.add(module)

    for module in sorted(g.modules):
        if module not in done:
            visit(module, [module], {module})
    assert cycles == []


def _local_app_imports(path: Path) -> list[tuple[str, int, str]]:
    """The imports of app or maps modules not at a module's top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def walk(node: ast.AST, function: str | None, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and not top:
                names = (
                    [child.module or ""] if isinstance(child, ast.ImportFrom) else
                    [alias.name for alias in child.names]
                )  # fmt: skip
                if any(n.split(".")[0] in ("app", "maps") for n in names):
                    found.append((function or "<module>", child.lineno, ast.unparse(child)))
            inner = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            walk(child, child.name if inner else function, top=False)

    walk(tree, None, top=True)
    return found


def test_no_function_local_import_hides_a_cycle():
    hidden = []
    for path in sorted([*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("maps").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        for function, line, text in _local_app_imports(path):
            if (name, function) not in LOCAL_IMPORTS_ALLOWED:
                hidden.append(f"{name}:{line} in {function}: {text}")
    assert hidden == []


# The core modules present today (app.clock may come later).
CORE_PRESENT = [m for m in CORE if ROOT.joinpath(*m.split(".")).with_suffix(".py").exists()]
ISOLATION = """
import importlib, pkgutil, sys
name = sys.argv[1]
package = importlib.import_module(name)
for info in pkgutil.walk_packages(getattr(package, "__path__", []), name + "."):
    importlib.import_module(info.name)
print("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] in ("app", "maps"))))
"""


@pytest.mark.parametrize("name", ["maps", *CORE_PRESENT, *DOMAINS, *TOP])
def test_each_package_imports_alone_in_a_fresh_interpreter(name):
    run = subprocess.run(
        [sys.executable, "-c", ISOLATION, name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    loaded = run.stdout.split()
    above = [m for m in loaded if m != "app" and layer(m) > layer(name)]
    assert above == [], f"importing {name} loads higher layers"
