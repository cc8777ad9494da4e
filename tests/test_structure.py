"""The house shows its rooms: no module too long to read, no function longer than a screen, no
`import *`, no pair of modules importing each other.

Layering (nothing imports upward) is tests/test_layers.py; this file checks the inside of each
layer. Migrations are generated and left out.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "enterprises", "projects", "hengkou")
MAX_LINES = 600
MAX_FUNCTION_LINES = 60
# Tooling, not product: the demo data generators, the benchmarks and backups run only through
# management commands (seed_demo, setup_demo, bench, backup, restore), never on a request.
TOOLING = ("hengkou/demo/", "hengkou/ops/")


def modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path) -> set[str]:
    """Return the modules of the layers that ``path`` imports at module level."""
    tree = ast.parse(path.read_text())
    package = dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".", 1)[0] in PACKAGES}


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        str(path.relative_to(ROOT)): count
        for path in modules()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by what they do): {long}"


def test_no_function_is_longer_than_a_screen():
    # Counted from the def line (decorators excluded) to the last line, docstring included.
    long = [
        f"{relative}:{node.name} ({length})"
        for path in modules()
        if not (relative := path.relative_to(ROOT).as_posix()).startswith(TOOLING)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert not long, (
        f"functions over {MAX_FUNCTION_LINES} lines (split them into named steps): {long}"
    )


def test_no_star_imports():
    starred = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
    ]
    assert not starred, f"`import *` hides where names come from: {starred}"


def test_no_two_modules_import_each_other():
    graph = {dotted(path): module_imports(path) for path in modules()}
    pairs = sorted(
        {
            tuple(sorted((name, other)))
            for name, imported in graph.items()
            for other in imported
            if other != name and other in graph and name in graph[other]
        }
    )
    assert not pairs, f"module pairs importing each other at module level: {pairs}"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_structure_check_sees_each_package(package):
    # A check that found no files would pass whatever the code looked like.
    assert any(path.relative_to(ROOT).parts[0] == package for path in modules())
