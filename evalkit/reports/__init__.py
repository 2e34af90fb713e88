"""Policy reports: params files, notebook execution, HTML export and the index page.

::

    params/<policy>.yaml --load_params--> PolicyParams
        --run_policy--> notebooks/evaluation.ipynb executed (papermill)
        --> reports/<policy>.html (+ .ipynb, .json; .error.html on failure)
    run_policies(params/) runs them all and rewrites reports/index.html

Inside the evaluation notebook, :class:`PolicyReport` computes and shows the
report's sections and :func:`record_headline` records the main estimate shown on
the index page.
"""

from typing import TYPE_CHECKING, Any

__all__ = [
    "load_params",
    "PolicyParams",
    "check_columns",
    "run_policy",
    "run_policies",
    "PolicyRun",
    "write_index",
    "record_headline",
    "expand_params_paths",
    "PolicyReport",
    "Evaluation",
    "evaluate",
    "TrackingReport",
    "Tracking",
    "track",
    "VerdictRules",
]

if TYPE_CHECKING:
    from evalkit.reports.batch import expand_params_paths, run_policies
    from evalkit.reports.evaluation import Evaluation, evaluate
    from evalkit.reports.execute import PolicyRun, run_policy
    from evalkit.reports.headline import record_headline
    from evalkit.reports.index import write_index
    from evalkit.reports.params import PolicyParams, check_columns, load_params
    from evalkit.reports.rules import VerdictRules
    from evalkit.reports.sections import PolicyReport
    from evalkit.reports.tracking import Tracking, track
    from evalkit.reports.tracking_sections import TrackingReport

# Everything is imported on first use, so that a command or a report process imports
# only what it needs (the report sections, estimators and figures are heavy).
_LAZY = {
    "expand_params_paths": "evalkit.reports.batch",
    "run_policies": "evalkit.reports.batch",
    "PolicyRun": "evalkit.reports.run_result",
    "run_policy": "evalkit.reports.execute",
    "record_headline": "evalkit.reports.headline",
    "write_index": "evalkit.reports.index",
    "PolicyParams": "evalkit.reports.params",
    "check_columns": "evalkit.reports.params",
    "load_params": "evalkit.reports.params",
    "PolicyReport": "evalkit.reports.sections",
    "Evaluation": "evalkit.reports.evaluation",
    "evaluate": "evalkit.reports.evaluation",
    "TrackingReport": "evalkit.reports.tracking_sections",
    "Tracking": "evalkit.reports.tracking",
    "track": "evalkit.reports.tracking",
    "VerdictRules": "evalkit.reports.rules",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit.reports' has no attribute {name!r}")
