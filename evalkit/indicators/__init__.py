"""Indicator tracking: definitions with baselines and targets, progress toward targets,
rates with confidence intervals, gaps between territories, trends and breaks."""

from evalkit.indicators.attainment import attainment_html, attainment_table
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
from evalkit.indicators.status import STATUS_COLOURS, ProgressStatus, status_label
from evalkit.indicators.trends import (
    ITSResult,
    MannKendallResult,
    interrupted_time_series,
    mann_kendall,
)

__all__ = [
    "Indicator", "Baseline", "Target", "load_indicators", "check_targets", "validate_against",
    "ProgressStatus", "STATUS_COLOURS", "status_label",
    "ProgressThresholds", "ProgressAssessment", "assess_progress", "assess_all",
    "attainment_table", "attainment_html",
    "proportion_ci", "rate_ci", "compare_to_reference", "Gap",
    "mann_kendall", "MannKendallResult", "interrupted_time_series", "ITSResult",
]
