"""DESIGN.md's layering: a lower layer never imports a higher one; widgets never call boto3."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "videorecs_widgets"

# module (dotted, below the package) -> layer; a prefix ending in "." covers a sub-package
LAYERS = {
    "errors": 0,
    "movielens": 1, "personalize_data": 1,
    "catalog": 2,
    "local.": 3,
    "clients": 4, "aws_setup": 4, "provision": 4, "recommenders": 4,
    "model_spec": 5, "yaml_loader": 5, "registry_file": 5, "registry": 5, "registry_check": 5,
    "results": 6,
    "widgets.": 7,
    "notebook_runner": 8, "lab": 8, "serve": 8, "cli": 8, "cli_models": 8,
}


def layer_of(module: str) -> int:
    for name, layer in LAYERS.items():
        if module == name or (name.endswith(".") and (module + ".").startswith(name)):
            return layer
    raise AssertionError(f"module {module!r} has no layer in tests/test_layers.py")


def runtime_imports(path: Path) -> list[str]:
    """videorecs_widgets modules imported by ``path``, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", "") == "TYPE_CHECKING"
                   for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = ([f"{node.module}.{a.name}" for a in node.names]
                     if node.module == "videorecs_widgets" else [node.module])
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n.removeprefix("videorecs_widgets.") for n in names
                  if n.startswith("videorecs_widgets.")]
    return found


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.name == "__init__" and rel.parent == Path("."):
            continue  # the package's public surface re-exports every layer, lazily
        dotted = ".".join(rel.parts[:-1] + (() if rel.name == "__init__" else (rel.name,)))
        out.append((dotted or rel.parts[0], path))
    return out


def test_every_module_has_a_layer():
    for module, _ in modules():
        layer_of(module)


def test_no_module_imports_a_higher_layer():
    upward = []
    for module, path in modules():
        for imported in runtime_imports(path):
            if layer_of(imported) > layer_of(module):
                upward.append(f"{module} -> {imported}")
    assert upward == []


def test_widgets_never_import_boto3_or_botocore():
    for module, path in modules():
        if module.startswith("widgets"):
            text = path.read_text(encoding="utf-8")
            assert "import boto3" not in text and "botocore" not in text, module
