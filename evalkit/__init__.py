"""evalkit: evaluate public policies.

Difference-in-differences estimators with their diagnostics, indicator tracking and
automated per-policy reports. The public surface is what ``__all__`` lists; the
sub-packages are :mod:`evalkit.data`, :mod:`evalkit.datasets`, :mod:`evalkit.did`,
:mod:`evalkit.inference`, :mod:`evalkit.results`, :mod:`evalkit.plots` and
:mod:`evalkit.reports`.
"""

from evalkit import datasets
from evalkit._version import __version__
from evalkit.data import Panel, load_table
from evalkit.did import did_2x2, event_study, twfe
from evalkit.errors import (
    DataError,
    EstimationError,
    EvalkitError,
    InputError,
    ParamsError,
    ReportError,
)
from evalkit.inference import Clustered
from evalkit.plots import plot_event_study, plot_group_means
from evalkit.results import DiDResult, EventStudyResult

__all__ = [
    "__version__",
    "datasets",
    "Panel",
    "load_table",
    "did_2x2",
    "twfe",
    "event_study",
    "Clustered",
    "DiDResult",
    "EventStudyResult",
    "plot_event_study",
    "plot_group_means",
    "EvalkitError",
    "InputError",
    "DataError",
    "ParamsError",
    "EstimationError",
    "ReportError",
]
