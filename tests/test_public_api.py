"""The public surface: ``evalkit.__all__`` is exactly what we document, and all of it is usable."""

from __future__ import annotations

import importlib
import inspect

import pytest

import evalkit

# The documented public surface of evalkit/__init__.py, in its order.
DOCUMENTED = [
    "__version__",
    "datasets",
    "territories",
    "Panel",
    "DuckDBPanel",
    "DaskPanel",
    "open_panel",
    "load_table",
    "did_2x2",
    "twfe",
    "event_study",
    "callaway_santanna",
    "imputation",
    "imputation_overall",
    "sun_abraham",
    "extended_twfe",
    "chaisemartin_dhaultfoeuille",
    "continuous_did",
    "triple_differences",
    "bacon_decomposition",
    "synthetic_control",
    "synthetic_did",
    "honest_did",
    "Clustered",
    "MultiplierBootstrap",
    "Inference",
    "Classical",
    "Robust",
    "Placebo",
    "Bootstrap",
    "Jackknife",
    "PlaceboInSpace",
    "NoInference",
    "wild_cluster_bootstrap",
    "randomization_inference",
    "DiDResult",
    "EventStudyResult",
    "GroupTimeResult",
    "ExtendedTWFEResult",
    "IntertemporalEffectsResult",
    "DoseResponseResult",
    "TripleDifferencesResult",
    "BaconDecomposition",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "HonestDiDResult",
    "WildBootstrapResult",
    "RandomizationResult",
    "compare",
    "plot_event_study",
    "plot_group_means",
    "plot_bacon",
    "EvalkitError",
    "InputError",
    "DataError",
    "TerritoryError",
    "ParamsError",
    "EngineError",
    "EstimationError",
    "ReportError",
    "EvalkitDeprecationWarning",
]

# Sub-packages whose own __all__ is public too (evalkit.reports is left to its own tests).
SUBPACKAGES = ["evalkit.data", "evalkit.datasets", "evalkit.did", "evalkit.indicators",
               "evalkit.inference", "evalkit.synthetic",
               "evalkit.results", "evalkit.plots", "evalkit.errors", "evalkit.territories"]


def test_all_is_exactly_the_documented_list():
    assert list(evalkit.__all__) == DOCUMENTED
    assert len(set(evalkit.__all__)) == len(evalkit.__all__)


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_name_imports(name):
    namespace: dict[str, object] = {}
    exec(f"from evalkit import {name}", namespace)  # noqa: S102
    assert namespace[name] is getattr(evalkit, name)


def test_version_is_a_string():
    assert isinstance(evalkit.__version__, str) and evalkit.__version__


@pytest.mark.parametrize("module_name", SUBPACKAGES)
def test_subpackage_all_names_exist(module_name):
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ lists {name!r}, which is missing"


def _public_callables():
    seen = {}
    for module_name in ["evalkit", *SUBPACKAGES]:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen.items())


PUBLIC_CALLABLES = dict(_public_callables())


@pytest.mark.parametrize("qualname", sorted(PUBLIC_CALLABLES))
def test_every_public_function_and_class_has_a_docstring(qualname):
    obj = PUBLIC_CALLABLES[qualname]
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{qualname} has no docstring"
    if inspect.isfunction(obj) and obj.__module__.startswith("evalkit.did"):
        # estimators document their parameters, what they return and their references
        for section in ("Parameters", "Returns", "References"):
            assert section in obj.__doc__, f"{qualname}: no {section} section"


def test_error_tree():
    assert issubclass(evalkit.InputError, evalkit.EvalkitError)
    assert issubclass(evalkit.InputError, ValueError)
    assert issubclass(evalkit.DataError, evalkit.InputError)
    assert issubclass(evalkit.ParamsError, evalkit.InputError)
    assert issubclass(evalkit.TerritoryError, evalkit.DataError)
    assert issubclass(evalkit.EstimationError, evalkit.EvalkitError)
    assert issubclass(evalkit.EngineError, evalkit.EvalkitError)
    assert issubclass(evalkit.EngineError, RuntimeError)
    assert issubclass(evalkit.EstimationError, RuntimeError)
    assert issubclass(evalkit.ReportError, RuntimeError)
    error = evalkit.DataError("Bad data:", ["a: wrong", "b: wrong"])
    assert error.problems == ("a: wrong", "b: wrong")
    assert str(error) == "Bad data:\n  - a: wrong\n  - b: wrong"
    params = evalkit.ParamsError("params/x.yaml", ["alpha: must be a number; got 'x'"])
    assert params.path == "params/x.yaml" and "params/x.yaml" in str(params)
    report = evalkit.ReportError("x", "boom", cell=3, source="twfe(panel)")
    assert str(report) == "Policy 'x' failed in cell 3 ('twfe(panel)'): boom"


def test_the_library_never_imports_the_reports():
    # DESIGN.md: data flows one way; reports/ and cli.py sit on top of the library.
    import subprocess
    import sys

    code = ("import importlib, sys\n"
            "for name in ['evalkit.data', 'evalkit.datasets', 'evalkit.did', 'evalkit.indicators',"
            " 'evalkit.inference', 'evalkit.results', 'evalkit.plots', 'evalkit.territories']:\n"
            "    importlib.import_module(name)\n"
            "from evalkit.indicators import load_indicators, assess_progress\n"
            "print(sorted(m for m in sys.modules if m.startswith('evalkit.reports')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
