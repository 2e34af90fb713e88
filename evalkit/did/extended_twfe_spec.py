"""What :func:`evalkit.did.extended_twfe` was asked, and how its effects were aggregated."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from evalkit.data.panel import PanelSpec
from evalkit.did.specs import RegressionInference, _OnPanel

__all__ = ["ExtendedTWFESpec", "ExtendedTWFEAggregationSpec", "AGGREGATIONS"]

#: The aggregations of :meth:`evalkit.results.ExtendedTWFEResult.aggregate`, in words.
AGGREGATIONS: dict[str, str] = {
    "simple": "every post-treatment cell, weighted by its treated observations",
    "cohort": "each cohort's post-treatment cells, weighted by their treated observations",
    "period": "each period's post-treatment cells, weighted by their treated observations",
    "event": "the cells at each event time (periods since first treatment), weighted by "
             "their treated observations",
}


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


@dataclass(frozen=True)
class ExtendedTWFEAggregationSpec:
    """How an aggregated result was obtained from :func:`~evalkit.did.extended_twfe`.

    Attributes
    ----------
    estimation
        The specification of the fitted regression.
    aggregation
        ``"simple"``, ``"cohort"``, ``"period"`` or ``"event"``.
    """

    estimation: ExtendedTWFESpec
    aggregation: Literal["simple", "cohort", "period", "event"]
    function: ClassVar[str] = "evalkit.did.extended_twfe"

    @property
    def alpha(self) -> float:
        return self.estimation.alpha

    def with_alpha(self, alpha: float) -> ExtendedTWFEAggregationSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, estimation=self.estimation.with_alpha(alpha))

    def to_dict(self) -> dict[str, Any]:
        """The estimation's dictionary with the aggregation added."""
        return {**self.estimation.to_dict(), "aggregation": self.aggregation,
                "aggregation_description": AGGREGATIONS[self.aggregation]}
