"""What :func:`~evalkit.did.triple_differences` was asked: a typed, frozen specification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from evalkit.did.specs import _Estimated
from evalkit.inference.kinds import Clustered
from evalkit.inference.multiplier import MultiplierBootstrap

__all__ = ["TripleDifferencesSpec"]

_METHODS = {
    "doubly_robust": "doubly robust: each of the three DiDs with a logit propensity score and a "
                     "linear outcome regression (Sant'Anna & Zhao 2020; R triplediff's "
                     "est_method='dr')",
    "outcome_regression": "outcome regression: linear regressions of the outcome change on the "
                          "covariates in each comparison subgroup (R triplediff's "
                          "est_method='reg')",
    "inverse_probability": "normalised inverse probability weighting with logit propensity "
                           "scores (R triplediff's est_method='ipw')",
}


@dataclass(frozen=True)
class TripleDifferencesSpec(_Estimated):
    """What :func:`~evalkit.did.triple_differences` was asked, with its options resolved.

    Attributes
    ----------
    outcome, unit, time
        The outcome, unit identifier and period columns.
    first_treated
        The column of each unit's enabling group: the first period in which its group
        (state, county ...) enables the treatment; 0 or missing for never.
    eligible
        The 0/1 column marking the units eligible for the treatment (the partition).
    covariates
        The covariates of the propensity scores and outcome regressions (base-period
        values).
    method
        ``"doubly_robust"``, ``"outcome_regression"`` or ``"inverse_probability"``.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"``.
    base_period
        ``"varying"`` or ``"universal"``.
    weights
        The column of sampling weights (constant within units), or ``None``.
    missing
        ``"error"`` or ``"drop"``: what was done with rows with missing values.
    unbalanced
        ``"drop_units"`` or ``"keep"``: what was done with units missing periods.
    inference
        ``Clustered`` (analytic) or ``MultiplierBootstrap``, with the clustering column
        named (the unit column when not clustered).
    alpha
        The significance level of the intervals.
    """

    outcome: str
    unit: str
    time: str
    first_treated: str
    eligible: str
    covariates: tuple[str, ...]
    method: Literal["doubly_robust", "outcome_regression", "inverse_probability"]
    control_group: Literal["never_treated", "not_yet_treated"]
    base_period: Literal["varying", "universal"]
    weights: str | None
    missing: Literal["error", "drop"]
    unbalanced: Literal["drop_units", "keep"]
    inference: Clustered | MultiplierBootstrap
    alpha: float
    function: ClassVar[str] = "evalkit.did.triple_differences"

    @property
    def cluster(self) -> str | None:
        """The clustering column of the influence functions (and of the bootstrap)."""
        return self.inference.cluster

    @property
    def n_draws(self) -> int:
        """Bootstrap draws (0: analytic standard errors)."""
        return int(self.inference.n_draws) if isinstance(self.inference,
                                                         MultiplierBootstrap) else 0

    @property
    def method_description(self) -> str:
        """The estimation method in words."""
        return _METHODS[self.method]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["method_description"] = self.method_description
        return out
