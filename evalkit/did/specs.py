"""What each difference-in-differences estimator was asked: typed, frozen specifications.

Every estimator of :mod:`evalkit.did` returns a result whose ``specification`` is one of
these, with the options resolved against the data (the clustering column filled in,
the event window chosen ...), and whose ``provenance.specification`` is its plain
dictionary view, :meth:`to_dict`. Checks run on a fitted result later
(:mod:`evalkit.robustness`) read these attributes instead of the dictionary.

================================  ===================================================
specification                     returned by
================================  ===================================================
:class:`TwoByTwoSpec`             :func:`~evalkit.did.did_2x2`
:class:`TWFESpec`                 :func:`~evalkit.did.twfe`
:class:`EventStudySpec`           :func:`~evalkit.did.event_study`
:class:`SunAbrahamSpec`           :func:`~evalkit.did.sun_abraham`
:class:`CallawaySantAnnaSpec`     :func:`~evalkit.did.callaway_santanna`
:class:`ImputationSpec`           :func:`~evalkit.did.imputation`
:class:`ImputationOverallSpec`    :func:`~evalkit.did.imputation_overall`
:class:`BaconSpec`                :func:`~evalkit.did.bacon_decomposition`
================================  ===================================================

The inference is always the typed kind of :mod:`evalkit.inference.kinds` (for instance
``Clustered("state")``), never a ``{"kind": ...}`` dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Literal, Self

from evalkit.data.panel import PanelSpec
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.multiplier import MultiplierBootstrap

__all__ = ["TwoByTwoSpec", "TWFESpec", "EventStudySpec", "SunAbrahamSpec",
           "CallawaySantAnnaSpec", "ImputationSpec", "ImputationOverallSpec", "BaconSpec",
           "RegressionInference", "CS_METHOD_DESCRIPTIONS"]

#: The standard errors of the regression estimators (2x2, TWFE, event study, Sun & Abraham).
RegressionInference = Classical | Robust | Clustered

#: Callaway & Sant'Anna's estimation methods in words, as the summary states them.
CS_METHOD_DESCRIPTIONS: dict[str, str] = {
    "doubly_robust": "doubly robust (Sant'Anna & Zhao 2020; logit propensity score and linear "
                     "outcome regression, as R did's est_method='dr')",
    "outcome_regression": "outcome regression (Heckman, Ichimura & Todd 1997; R did's "
                          "est_method='reg')",
    "inverse_probability": "normalised inverse probability weighting (Abadie 2005, Hajek "
                           "weights; R did's est_method='ipw')",
}


def _cluster_of(inference: object) -> str | None:
    return inference.cluster if isinstance(inference, Clustered) else None


def _plain(value: Any) -> Any:
    """A specification's value as JSON-serialisable data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class _Estimated:
    """What the specifications of the estimators with standard errors share."""

    inference: Any
    alpha: float

    @property
    def cluster(self) -> str | None:
        """The clustering column of the standard errors (``None`` unless clustered)."""
        return _cluster_of(self.inference)

    def with_alpha(self, alpha: float) -> Self:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records: every field,
        the panel and the inference as their own dictionaries."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


class _OnPanel(_Estimated):
    """A specification whose covariates and weights are its panel's."""

    panel: PanelSpec

    @property
    def covariates(self) -> tuple[str, ...]:
        """The control columns (the panel's)."""
        return self.panel.covariates

    @property
    def weights(self) -> str | None:
        """The weight column (the panel's), or ``None``."""
        return self.panel.weights


@dataclass(frozen=True)
class TwoByTwoSpec(_Estimated):
    """What :func:`~evalkit.did.did_2x2` was asked: the 2x2 design and its inference.

    Attributes
    ----------
    outcome, treated, post
        The outcome column and the 0/1 treated-group and after-the-change columns.
    covariates
        The control columns.
    weights
        The column of weights (weighted least squares), or ``None``.
    missing
        ``"error"`` or ``"drop"``: what was done with rows with missing values.
    inference
        The standard errors, ``Clustered`` with its column named (``Robust()`` for the
        adjusted methods, whose standard errors come from the influence function).
    alpha
        The significance level of the intervals.
    method
        ``"regression"`` (OLS), ``"doubly_robust"`` (improved, Sant'Anna & Zhao 2020),
        ``"doubly_robust_traditional"``, ``"outcome_regression"`` or
        ``"inverse_probability"``.
    unit
        The unit column pairing each unit's two rows (panel data), or ``None`` for
        repeated cross-sections.
    """

    outcome: str
    treated: str
    post: str
    covariates: tuple[str, ...]
    weights: str | None
    missing: Literal["error", "drop"]
    inference: RegressionInference
    alpha: float
    method: Literal["regression", "doubly_robust", "doubly_robust_traditional",
                    "outcome_regression", "inverse_probability"] = "regression"
    unit: str | None = None
    function: ClassVar[str] = "evalkit.did.did_2x2"



@dataclass(frozen=True)
class TWFESpec(_OnPanel):
    """What :func:`~evalkit.did.twfe` was asked: the panel and the standard errors.

    The outcome, treatment, covariates and weights are the panel's (:attr:`panel`);
    :attr:`covariates` and :attr:`weights` read them from there.

    Attributes
    ----------
    panel
        The description of the panel (:class:`~evalkit.data.PanelSpec`).
    inference
        The standard errors, ``Clustered`` with its column named.
    alpha
        The significance level of the intervals.
    """

    panel: PanelSpec
    inference: RegressionInference
    alpha: float
    function: ClassVar[str] = "evalkit.did.twfe"



@dataclass(frozen=True)
class EventStudySpec(_OnPanel):
    """What :func:`~evalkit.did.event_study` was asked.

    Attributes
    ----------
    panel
        The description of the panel (its covariates and weights enter the regression).
    window
        The event times estimated, ``(first, last)`` (chosen from the data when not given).
    reference
        The event time normalised to zero.
    bin_endpoints
        Whether the first and last event times pool every more distant period.
    inference
        The standard errors, ``Clustered`` with its column named.
    alpha
        The significance level of the intervals.
    """

    panel: PanelSpec
    window: tuple[int, int]
    reference: int
    bin_endpoints: bool
    inference: RegressionInference
    alpha: float
    function: ClassVar[str] = "evalkit.did.event_study"



@dataclass(frozen=True)
class SunAbrahamSpec(_Estimated):
    """What :func:`~evalkit.did.sun_abraham` was asked, with the cohorts it used.

    Attributes
    ----------
    panel
        The description of the panel.
    control_group
        ``"never_treated"`` or ``"last_treated"``.
    window
        The event times estimated, ``(first, last)``, or ``None`` (every one).
    reference
        The event times normalised to zero (one or two).
    inference
        The standard errors, ``Clustered`` with its column named.
    alpha
        The significance level of the intervals.
    cohorts
        The cohorts whose interactions were estimated (from the data).
    cohorts_left_out
        Treated cohorts left out for lack of an observed reference period (from the data).
    """

    panel: PanelSpec
    control_group: Literal["never_treated", "last_treated"]
    window: tuple[int, int] | None
    reference: tuple[int, ...]
    inference: RegressionInference
    alpha: float
    cohorts: tuple[float, ...]
    cohorts_left_out: tuple[float, ...]
    function: ClassVar[str] = "evalkit.did.sun_abraham"



@dataclass(frozen=True)
class CallawaySantAnnaSpec(_Estimated):
    """What :func:`~evalkit.did.callaway_santanna` was asked.

    Attributes
    ----------
    panel
        The description of the panel.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"``.
    method
        ``"doubly_robust"``, ``"outcome_regression"`` or ``"inverse_probability"``.
    covariates
        The covariates of the propensity score and outcome regressions.
    anticipation
        Periods before treatment in which units may react.
    base_period
        ``"varying"`` or ``"universal"``.
    data_type
        ``"panel"`` or ``"repeated_cross_section"``.
    unbalanced
        ``"drop_units"`` or ``"keep"``.
    inference
        ``Clustered`` or ``MultiplierBootstrap``, with the clustering column named.
    alpha
        The significance level of the intervals.
    """

    panel: PanelSpec
    control_group: Literal["never_treated", "not_yet_treated"]
    method: Literal["doubly_robust", "outcome_regression", "inverse_probability"]
    covariates: tuple[str, ...]
    anticipation: int
    base_period: Literal["varying", "universal"]
    data_type: Literal["panel", "repeated_cross_section"]
    unbalanced: Literal["drop_units", "keep"]
    inference: Clustered | MultiplierBootstrap
    alpha: float
    function: ClassVar[str] = "evalkit.did.callaway_santanna"

    @property
    def cluster(self) -> str | None:
        """The clustering column (of the influence functions and the bootstrap)."""
        return self.inference.cluster

    @property
    def method_description(self) -> str:
        """The estimation method in words (without covariates the methods coincide)."""
        if not self.covariates:
            return ("difference in mean outcome changes (no covariates: the three methods "
                    "coincide)")
        return CS_METHOD_DESCRIPTIONS[self.method]

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {**super().to_dict(), "method_description": self.method_description,
                "cluster": self.cluster}


@dataclass(frozen=True)
class ImputationSpec(_Estimated):
    """What :func:`~evalkit.did.imputation` was asked, with the event times it estimated.

    Attributes
    ----------
    panel
        The description of the panel.
    horizons
        The event times (>= ``-anticipation``) whose imputed effects were estimated.
    pretrend_periods
        The number of leads in the pre-trend test (0: none).
    anticipation
        Periods before treatment in which units may react.
    inference
        ``Clustered``, with its column named.
    average_effects_by
        ``"cohort_event_time"`` or ``"event_time"``.
    alpha
        The significance level of the intervals.
    """

    panel: PanelSpec
    horizons: tuple[int, ...]
    pretrend_periods: int
    anticipation: int
    inference: Clustered
    average_effects_by: Literal["cohort_event_time", "event_time"]
    alpha: float
    function: ClassVar[str] = "evalkit.did.imputation"

    @property
    def cluster(self) -> str | None:
        """The clustering column of the standard errors."""
        return self.inference.cluster



@dataclass(frozen=True)
class ImputationOverallSpec(_Estimated):
    """What :func:`~evalkit.did.imputation_overall` was asked.

    Attributes
    ----------
    panel
        The description of the panel.
    anticipation
        Periods before treatment in which units may react.
    inference
        ``Clustered``, with its column named.
    average_effects_by
        ``"cohort_event_time"`` or ``"event_time"``.
    alpha
        The significance level of the interval.
    """

    panel: PanelSpec
    anticipation: int
    inference: Clustered
    average_effects_by: Literal["cohort_event_time", "event_time"]
    alpha: float
    function: ClassVar[str] = "evalkit.did.imputation_overall"

    @property
    def cluster(self) -> str | None:
        """The clustering column of the standard errors."""
        return self.inference.cluster



@dataclass(frozen=True)
class BaconSpec:
    """What :func:`~evalkit.did.bacon_decomposition` was asked: the panel alone.

    Attributes
    ----------
    panel
        The description of the panel.
    """

    panel: PanelSpec
    function: ClassVar[str] = "evalkit.did.bacon_decomposition"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"panel": self.panel.to_dict()}
