"""The direction of imports between evalkit's subpackages.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``, checked with
import-linter): data flows one way, from ``data`` through the estimators
(``did``, ``synthetic``, ``indicators``) and the checks run on their results
(``robustness``) to ``plots``, ``reports`` and ``cli``, and nothing imports a layer
above it. These tests also make sure every subpackage is placed in a layer, that a
subpackage's private modules stay private to it, and that the one exception (a result,
of ``results`` or ``indicators``, reaching its ``plot()``) is an import made inside the
method.
"""

from __future__ import annotations

import ast
import importlib
import re
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


@pytest.mark.parametrize("layer", ["results", "indicators"])
def test_results_reach_plots_only_inside_methods(layer):
    for path in (PACKAGE / layer).glob("*.py"):
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


def test_every_report_module_is_in_a_report_layer():
    (contract,) = [c for c in _config()["contracts"] if c["id"] == "report-layers"]
    placed = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    reports = PACKAGE / "reports"
    loose = sorted(p.name for p in reports.glob("*.py") if p.name != "__init__.py")
    assert loose == [], "put these modules in one of the report layers' folders"
    present = {p.name for p in reports.iterdir() if (p / "__init__.py").exists()}
    assert present == placed


_HTML_TAG = re.compile(r"<(h[1-6]|p|table|thead|tbody|tr|td|th|div|span|img|ul|li|details|"
                       r"summary|pre|strong|em|a|br|style|html|head|body|small|section)[ >/]")


def test_report_html_comes_from_templates_not_from_python_strings():
    """The report layer writes HTML only in its Jinja2 templates: no string literal of its
    Python modules holds a tag (docstrings and comments aside)."""
    found = []
    for path in sorted((PACKAGE / "reports").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and _HTML_TAG.search(node.value)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_report_wording_comes_from_the_catalogues_not_from_language_tests():
    """No report module chooses its words with ``language == "fr"``: wording is in the
    catalogues, one file per language."""
    pattern = re.compile(r"""(language|lang)\s*==\s*["'](fr|en)["']""")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((PACKAGE / "reports").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []
