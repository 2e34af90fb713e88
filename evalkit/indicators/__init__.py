"""Indicator tracking: definitions with baselines and targets, progress toward targets,
rates with confidence intervals, gaps between territories, trends and breaks.

The functions here return codes and numbers (a :class:`ProgressStatus`, growth rates,
an attainment table with neutral columns); the report layer words them
(:mod:`evalkit.reports.render.indicator_wording`, :mod:`evalkit.reports.render.attainment`).
"""

from evalkit._moved import moved_names
from evalkit.indicators.attainment import Attainment, attainment_table
from evalkit.indicators.definitions import (
    Baseline,
    Indicator,
    Target,
    check_targets,
    load_indicators,
    validate_against,
)
from evalkit.indicators.progress import (
    ProgressAssessment,
    ProgressThresholds,
    assess_all,
    assess_progress,
)
from evalkit.indicators.rates import Gap, compare_to_reference, proportion_ci, rate_ci
from evalkit.indicators.status import ProgressStatus
from evalkit.indicators.trends import (
    ITSResult,
    MannKendallResult,
    interrupted_time_series,
    mann_kendall,
)

__all__ = [
    "Indicator", "Baseline", "Target", "load_indicators", "check_targets", "validate_against",
    "ProgressStatus", "ProgressThresholds", "ProgressAssessment", "assess_progress", "assess_all",
    "Attainment", "attainment_table",
    "proportion_ci", "rate_ci", "compare_to_reference", "Gap",
    "mann_kendall", "MannKendallResult", "interrupted_time_series", "ITSResult",
]

#: Presentation left the library: colours to the plots, words and HTML to the reports.
__getattr__ = moved_names(__name__, {"STATUS_COLOURS": "evalkit.plots.indicators"}, {
    "status_label": "evalkit.reports.render.indicator_wording.status_label(status, language)",
    "attainment_html": "evalkit.reports.render.attainment.attainment_html(table, language)",
})
