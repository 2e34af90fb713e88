"""What :func:`evalkit.did.extended_twfe` was asked, and how its effects were aggregated.

:class:`ExtendedTWFESpec` is the ``specification`` of the fitted result;
:class:`~evalkit.results.extended_twfe.ExtendedTWFEAggregationSpec` (defined beside the
result, re-exported here) that of its aggregations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from evalkit.data.panel import PanelSpec
from evalkit.did.specs import RegressionInference, _OnPanel
from evalkit.results.extended_twfe import AGGREGATIONS, ExtendedTWFEAggregationSpec

__all__ = ["ExtendedTWFESpec", "ExtendedTWFEAggregationSpec", "AGGREGATIONS"]

@dataclass(frozen=True)
class ExtendedTWFESpec(_OnPanel):
    """What :func:`~evalkit.did.extended_twfe` was asked, with the cohorts it used.

    The outcome, covariates and weights are the panel's (:attr:`panel`).

    Attributes
    ----------
    panel
        The description of the panel.
    control_group
        ``"not_yet_treated"`` or ``"never_treated"``.
    inference
        The standard errors, ``Clustered`` with its column named.
    alpha
        The significance level of the intervals.
    cohorts
        The treated cohorts whose cells were estimated (from the data).
    control_cohort
        With ``"not_yet_treated"`` and no never-treated unit, the last-treated cohort,
        which then serves as the comparison group until it is treated; else ``None``.
    always_treated_dropped
        Units treated from the first period on, left out (no untreated period).
    """

    panel: PanelSpec
    control_group: Literal["not_yet_treated", "never_treated"]
    inference: RegressionInference
    alpha: float
    cohorts: tuple[float, ...]
    control_cohort: float | None
    always_treated_dropped: int
    function: ClassVar[str] = "evalkit.did.extended_twfe"
