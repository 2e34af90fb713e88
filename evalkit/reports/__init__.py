"""Policy reports: params files, notebook execution, HTML export and the index page.

::

    params/<policy>.yaml --load_params--> PolicyParams
        --run_policy--> notebooks/evaluation.ipynb executed (papermill)
        --> reports/<policy>.html (+ .ipynb, .json; .error.html on failure)
    run_policies(params/) runs them all and rewrites reports/index.html

Inside the evaluation notebook, :class:`PolicyReport` computes and shows the
report's sections and :func:`record_headline` records the main estimate shown on
the index page; :class:`TrackingReport` (``tracking.ipynb``) and
:class:`ProgrammeReport` (``programme.ipynb``, a programme's budget, calls for projects
and cost of a result) do the same for indicator tracking and programme follow-up.

The package is in layers, each importing only those below it: ``run`` (executing the
notebooks, exporting, the index and run records) > ``render`` (the sections as HTML, the
findings) > ``analysis`` (the estimates and remarks a params file asks for) > ``params``
(the params file) > ``messages`` (the wording).
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
    "ProgrammeReport",
    "ProgrammeFollowUp",
    "follow_programme",
    "VerdictRules",
]

if TYPE_CHECKING:
    from evalkit.reports.analysis.evaluation import Evaluation, evaluate
    from evalkit.reports.analysis.programme import ProgrammeFollowUp, follow_programme
    from evalkit.reports.analysis.tracking import Tracking, track
    from evalkit.reports.params.rules import VerdictRules
    from evalkit.reports.params.schema import PolicyParams, check_columns, load_params
    from evalkit.reports.render.headline import record_headline
    from evalkit.reports.render.programme_sections import ProgrammeReport
    from evalkit.reports.render.sections import PolicyReport
    from evalkit.reports.render.tracking_sections import TrackingReport
    from evalkit.reports.run.batch import expand_params_paths, run_policies
    from evalkit.reports.run.execute import PolicyRun, run_policy
    from evalkit.reports.run.index import write_index

# Everything is imported on first use, so that a command or a report process imports
# only what it needs (the report sections, estimators and figures are heavy).
_LAZY = {
    "expand_params_paths": "evalkit.reports.run.batch",
    "run_policies": "evalkit.reports.run.batch",
    "PolicyRun": "evalkit.reports.run.run_result",
    "run_policy": "evalkit.reports.run.execute",
    "record_headline": "evalkit.reports.render.headline",
    "write_index": "evalkit.reports.run.index",
    "PolicyParams": "evalkit.reports.params.schema",
    "check_columns": "evalkit.reports.params.schema",
    "load_params": "evalkit.reports.params.schema",
    "PolicyReport": "evalkit.reports.render.sections",
    "Evaluation": "evalkit.reports.analysis.evaluation",
    "evaluate": "evalkit.reports.analysis.evaluation",
    "TrackingReport": "evalkit.reports.render.tracking_sections",
    "Tracking": "evalkit.reports.analysis.tracking",
    "track": "evalkit.reports.analysis.tracking",
    "ProgrammeReport": "evalkit.reports.render.programme_sections",
    "ProgrammeFollowUp": "evalkit.reports.analysis.programme",
    "follow_programme": "evalkit.reports.analysis.programme",
    "VerdictRules": "evalkit.reports.params.rules",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit.reports' has no attribute {name!r}")
