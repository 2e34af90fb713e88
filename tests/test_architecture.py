"""The direction of imports between evalkit's subpackages.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``, checked with
import-linter): data flows one way, from ``data`` through the estimators
(``did``, ``synthetic``, ``indicators``) and the checks run on their results
(``robustness``) to ``plots``, ``reports`` and ``cli``, and nothing imports a layer
above it. These tests also make sure every subpackage is placed in a layer, that a
subpackage's private modules stay private to it, and that the one exception (a result
reaching its ``plot()``) is an import made inside the method.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evalkit"


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"]


def _layer_contract() -> dict:
    (contract,) = [c for c in _config()["contracts"] if c["id"] == "layers"]
    return contract


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("evalkit", include_external_packages=False,
                             exclude_type_checking_imports=True)


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_import_contracts_are_kept():
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_every_subpackage_and_module_is_in_a_layer():
    placed = {name.strip() for layer in _layer_contract()["layers"]
              for name in layer.split("|")}
    present = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    present |= {p.name for p in PACKAGE.iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    assert present - placed == set(), "place these in the layers of pyproject.toml"
    assert placed - present == set(), "these layers name nothing"


def test_private_modules_are_imported_only_within_their_subpackage(graph):
    crossing = sorted(
        f"{module} -> {imported}"
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.count(".") >= 2 and imported.rsplit(".", 1)[1].startswith("_")
        and _top(module) != _top(imported))
    assert crossing == [], "use (or make) a public module instead"


def _imports_from_other_subpackages(subpackage: str) -> list[tuple[str, str, str]]:
    """``(file, module, name)`` for every ``from evalkit.<other> import name`` (and
    ``import evalkit.<other>``) in ``evalkit/<subpackage>``, at any depth of the file."""
    found = []
    for path in sorted((PACKAGE / subpackage).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                pairs = [(node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                pairs = [(alias.name, "") for alias in node.names]
            else:
                continue
            for module, name in pairs:
                parts = module.split(".")
                if parts[0] == "evalkit" and len(parts) > 1 and parts[1] != subpackage \
                        and (PACKAGE / parts[1]).is_dir():
                    found.append((path.name, module, name))
    return found


def test_robustness_uses_only_public_names_of_the_layers_below():
    # Checks on fitted results read them through public, typed specifications: no private
    # module (evalkit.did._x) or name (_x) of another subpackage, and only names listed in
    # the module's __all__ (the shared helpers evalkit._validation, evalkit._deprecation
    # ... are not subpackages and sit below every layer).
    imports = _imports_from_other_subpackages("robustness")
    assert imports, "the check found no import at all"
    private = [f"{file}: {module} {name}".strip() for file, module, name in imports
               if any(part.startswith("_") for part in module.split(".")[1:])
               or name.startswith("_")]
    assert private == [], "make the lower layer's name public (with a docstring) instead"
    unlisted = []
    for file, module, name in imports:
        exported = getattr(importlib.import_module(module), "__all__", None)
        if name and exported is not None and name not in exported:
            unlisted.append(f"{file}: {module}.{name}")
    assert unlisted == [], "list these in their module's __all__ (they are used as public)"


def test_robustness_never_reads_a_provenance_dictionary():
    # ``<anything>.provenance.specification`` and ``<anything>.provenance.to_dict`` in code
    offending = []
    for path in sorted((PACKAGE / "robustness").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("specification", "to_dict")
                    and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "provenance"):
                offending.append(f"{path.name}:{node.lineno}: .provenance.{node.attr}")
    assert offending == [], "read result.specification (typed) instead"


def test_results_reach_plots_only_inside_methods():
    for path in (PACKAGE / "results").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level, including under ``if TYPE_CHECKING``
            for inner in ast.walk(node) if not isinstance(
                    node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else ():
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                        "evalkit.plots"):
                    assert isinstance(node, ast.If), f"{path.name}: evalkit.plots imported " \
                        "at module level; import it inside the plot method"


def test_the_library_never_imports_the_report_layer(graph):
    library = {m for m in graph.modules if _top(m) not in ("reports", "cli", "")}
    upward = sorted(f"{m} -> {i}" for m in library
                    for i in graph.find_modules_directly_imported_by(m)
                    if _top(i) in ("reports", "cli"))
    assert upward == []
