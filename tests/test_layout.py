"""The package layout's import rules, as each package's __init__ docstring states them."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "geotour"
# What each package must never import (a prefix of a dotted module name).
FORBIDDEN = {
    "geotour.domain": ("geotour.web", "geotour.contributions", "geotour.storage", "geotour.context", "flask"),
    "geotour.contributions": ("geotour.web", "flask"),
    "geotour.storage": ("geotour.web", "geotour.contributions", "geotour.context", "flask"),
}


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: use absolute imports (from geotour.… import …)"
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _modules_of(package):
    return sorted((PACKAGE.parent / package.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_its_docstring_allows(package):
    broken = [
        (_module_name(path), name)
        for path in _modules_of(package)
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert broken == []


def test_every_package_says_what_it_owns_and_may_import():
    for init in PACKAGE.rglob("__init__.py"):
        if "migrations" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init} has no docstring"
        if init.parent != PACKAGE:
            assert "import" in doc.lower(), f"{init} does not say what it may import"


def test_no_module_is_left_flat_beside_the_packages():
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__", "cli", "config", "context", "errors", "text"]
