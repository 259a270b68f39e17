"""The code's shape as checks: the import contracts of pyproject.toml hold, and no class is
assembled from the project's own mixins."""

from __future__ import annotations

import ast
import builtins
import importlib
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "stowtui"

def classes():
    """(module path, class node) of every class in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                yield path.relative_to(PACKAGE.parent), node


def project_names() -> set[str]:
    return {node.name for _, node in classes()}


def base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    if isinstance(base, ast.Subscript):
        return base_name(base.value)
    return getattr(base, "id", "")


def is_builtin_error(path: pathlib.Path, name: str, builtin_errors: set[str]) -> bool:
    module = importlib.import_module(".".join(path.with_suffix("").parts))
    found = getattr(module, name, None)
    return isinstance(found, type) and any(
        base.__name__ in builtin_errors and base.__name__ not in ("Exception", "BaseException")
        for base in found.__mro__ if base.__module__ == "builtins"
    )


def test_the_import_contracts_hold():
    from importlinter.cli import lint_imports

    assert lint_imports(no_cache=True) == 0  # layers, no Textual below the UI, no circles


def test_no_class_is_a_mixin():
    assert [f"{path}:{node.name}" for path, node in classes() if node.name.endswith("Mixin")] == []


def test_no_class_has_two_bases_of_which_one_is_the_projects():
    ours = project_names()
    builtin_errors = {name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)}
    mixed = []
    for path, node in classes():
        names = [base_name(b) for b in node.bases]
        if len(names) < 2 or not ours.intersection(names):
            continue
        if is_builtin_error(path, node.name, builtin_errors):
            continue  # an exception that is also a builtin error (``except ValueError`` catches it)
        mixed.append(f"{path}:{node.name}({', '.join(names)})")
    assert mixed == []

