"""The result of the extended two-way fixed-effects estimator: effects by cohort and period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError
from evalkit.results._interval import level
from evalkit.results.coefficients import Coefficients
from evalkit.results.contract import LevelledSpecification, coefficients_at_level
from evalkit.results.did_result import SAMPLE_LABELS, DiDResult, _summary_table
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.did.extended_twfe_spec import ExtendedTWFESpec
    from evalkit.inference.kinds import Inference

__all__ = ["ExtendedTWFEResult", "ExtendedTWFEAggregationSpec", "AGGREGATION_KINDS",
           "AGGREGATIONS"]

AGGREGATION_KINDS = ("simple", "cohort", "period", "event")
#: The aggregations of :meth:`ExtendedTWFEResult.aggregate`, in words.
AGGREGATIONS: dict[str, str] = {
    "simple": "every post-treatment cell, weighted by its treated observations",
    "cohort": "each cohort's post-treatment cells, weighted by their treated observations",
    "period": "each period's post-treatment cells, weighted by their treated observations",
    "event": "the cells at each event time (periods since first treatment), weighted by "
             "their treated observations",
}
_AGGREGATION_NOTE = ("; aggregations by the delta method with the cells' observation counts "
                     "as fixed weights, normal intervals (as etwfe's emfx)")


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


@dataclass(frozen=True)
class ExtendedTWFEAggregationSpec:
    """How an aggregated result was obtained from :func:`~evalkit.did.extended_twfe`.

    Attributes
    ----------
    estimation
        The specification of the fitted regression
        (:class:`~evalkit.did.extended_twfe_spec.ExtendedTWFESpec`).
    aggregation
        ``"simple"``, ``"cohort"``, ``"period"`` or ``"event"``.
    """

    estimation: LevelledSpecification
    aggregation: Literal["simple", "cohort", "period", "event"]

    @property
    def function(self) -> str:
        """The estimator, ``"evalkit.did.extended_twfe"``."""
        return self.estimation.function

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


@dataclass(frozen=True)
class ExtendedTWFEResult:
    """Average treatment effects by cohort and period from the extended TWFE regression.

    One coefficient per treated cohort-by-period cell, ATT(g,t): the average effect on
    the units of cohort g in period t (with covariates, at the cell's own covariate
    means), with their cluster-robust covariance. :meth:`aggregate` averages them with
    weights proportional to the cells' numbers of observations (R ``etwfe::emfx``);
    :meth:`overall` gives the headline ATT and :meth:`event_study` the effects by time
    since treatment.

    Attributes
    ----------
    estimator, estimand, outcome
        The method, the quantity each coefficient estimates (in words), the outcome.
    cohorts, periods, event_times
        Each cell's cohort (first treatment period), period and event time (periods
        since first treatment; negative: a placebo cell, with never-treated controls).
    coefficients
        The ATT(g,t) (terms ``"ATT(2004,2006)"``) with their covariance; t tests with the
        clusters' degrees of freedom, as fixest's coefficient table.
    cell_weights
        Each cell's number of observations (sum of weights with a weighted panel).
    control_group
        ``"not_yet_treated"`` or ``"never_treated"``.
    inference, inference_text, sample, provenance, specification
        As in :class:`~evalkit.results.DiDResult`.
    covariate_coefficients
        With covariates, their coefficients as R ``etwfe`` reports them: each covariate's
        slope in the comparison cohort and first period, the other cohorts' and periods'
        differences from it, and its interaction with each cell (``"ATT(2004,2005):x"``,
        the covariate demeaned within cohort); ``None`` without covariates.
    """

    estimator: str
    estimand: str
    outcome: str
    cohorts: np.ndarray
    periods: np.ndarray
    event_times: np.ndarray
    coefficients: Coefficients
    cell_weights: np.ndarray
    control_group: str
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    provenance: Provenance
    specification: ExtendedTWFESpec | None = None
    covariate_coefficients: Coefficients | None = None

    def __post_init__(self) -> None:
        for name in ("cohorts", "periods", "cell_weights"):
            array = np.array(getattr(self, name), dtype=float)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        events = np.array(self.event_times, dtype=np.int64)
        events.setflags(write=False)
        object.__setattr__(self, "event_times", events)
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        if not (len(self.cohorts) == len(self.periods) == len(events)
                == len(self.cell_weights) == len(self.coefficients.terms)):
            raise InputError("cohorts, periods, event_times, cell_weights and coefficients "
                             "must have one entry per cell")

    # ------------------------------------------------------------------ the contract
    @property
    def alpha(self) -> float:
        return self.coefficients.alpha

    @property
    def n_obs(self) -> int:
        return int(self.sample["rows"])

    @property
    def estimates(self) -> pd.Series:
        """The ATT(g,t), indexed by term."""
        return self.coefficients.series("estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their standard errors, indexed by term."""
        return self.coefficients.series("std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Confidence intervals of the ATT(g,t): columns ``lower``, ``upper`` by term."""
        return self.coefficients.intervals(level(alpha, self.alpha, "conf_int"))

    def with_alpha(self, alpha: float) -> ExtendedTWFEResult:
        """The same result with confidence intervals at level ``1 - alpha``."""
        return coefficients_at_level(self, alpha)

    def tidy(self) -> pd.DataFrame:
        """One row per cell: the core columns, then ``cohort, period, event_time, weight``."""
        table = self.coefficients.tidy()
        table["cohort"] = self.cohorts
        table["period"] = self.periods
        table["event_time"] = self.event_times.astype(int)
        table["weight"] = self.cell_weights
        return table

    # ------------------------------------------------------------------ aggregations
    def _weights(self, kind: str) -> tuple[list[str], np.ndarray]:
        post = self.event_times >= 0
        keys: list[tuple[str, np.ndarray]] = []
        if kind == "cohort":
            keys = [(f"cohort {_label(g)}", post & (self.cohorts == g))
                    for g in np.unique(self.cohorts[post])]
        elif kind == "period":
            keys = [(f"period {_label(t)}", post & (self.periods == t))
                    for t in np.unique(self.periods[post])]
        elif kind == "event":
            keys = [(event_term(int(e)), self.event_times == e)
                    for e in np.unique(self.event_times)]
        keys.append(("ATT", post))
        matrix = np.zeros((len(keys), len(self.cell_weights)))
        for i, (_, cells) in enumerate(keys):
            matrix[i, cells] = self.cell_weights[cells] / self.cell_weights[cells].sum()
        return [k for k, _ in keys], matrix

    def _aggregate(self, kind: str) -> tuple[list[str], Coefficients]:
        terms, matrix = self._weights(kind)
        c = self.coefficients
        return terms, Coefficients(terms, matrix @ c.estimate, matrix @ c.vcov @ matrix.T,
                                   None, self.alpha)

    def _spec(self, kind: str) -> ExtendedTWFEAggregationSpec | None:
        if self.specification is None:
            return None
        return ExtendedTWFEAggregationSpec(self.specification, kind)  # type: ignore[arg-type]

    def _provenance(self, kind: str, specification: Any) -> Provenance:
        spec = (specification.to_dict() if specification is not None
                else {**dict(self.provenance.specification), "aggregation": kind})
        return Provenance(self.provenance.function, spec, self.provenance.data_fingerprint,
                          self.provenance.n_obs, self.provenance.evalkit_version)

    def aggregate(self, kind: Literal["simple", "cohort", "period", "event"] = "simple"
                  ) -> DiDResult:
        """Average the ATT(g,t) as ``etwfe::emfx(type=...)`` does.

        Each average weights the cells by their numbers of observations (sums of weights):
        ``"simple"`` over every post-treatment cell (R ``type = "simple"``); ``"cohort"``
        within each cohort (``"group"``); ``"period"`` within each calendar period
        (``"calendar"``); ``"event"`` at each event time e = t - g (``"event"``; with
        never-treated controls, e < 0 are placebo effects and e = -1 is the reference).
        Standard errors by the delta method (the weights are fixed), normal intervals.
        With a weighted panel the cells weigh their sums of sampling weights (``emfx``
        averages rows unweighted whatever the regression's weights).

        Returns
        -------
        DiDResult
            Terms ``"cohort 2004"``, ``"period 2005"`` or ``"e-2" ... "e+3"`` as asked,
            and always ``"ATT"``, the post-treatment cells' average (the effect term):
            the observation-weighted average of the other post-treatment terms.
        """
        problems = Problems()
        check_choice("kind", kind, AGGREGATION_KINDS, problems)
        problems.raise_if_any(InputError, "Invalid arguments to aggregate:")
        _, coefficients = self._aggregate(kind)
        specification = self._spec(kind)
        what = {"simple": "overall ATT", "cohort": "ATT by cohort", "period": "ATT by period",
                "event": "ATT by event time"}[kind]
        return DiDResult(
            estimator=f"{self.estimator}: {what}",
            estimand=f"average effect on the treated over {AGGREGATIONS[kind]}",
            outcome=self.outcome, coefficients=coefficients, effect_term="ATT",
            inference=self.inference, inference_text=self.inference_text + _AGGREGATION_NOTE,
            sample=dict(self.sample), provenance=self._provenance(kind, specification),
            specification=specification)

    def overall(self) -> DiDResult:
        """The overall ATT: every post-treatment cell, weighted by its observations
        (``emfx(type = "simple")``); effect term ``"ATT"``."""
        return self.aggregate("simple")

    def event_study(self) -> EventStudyResult:
        """Effects by event time, reference period -1 normalised to zero.

        With never-treated controls the cells before treatment give placebo effects
        (leads) and :attr:`~EventStudyResult.pretrend` tests them jointly; with
        not-yet-treated controls the pre-treatment periods are the comparison itself, so
        there are no leads (``pretrend`` is ``None``).
        """
        terms, coefficients = self._aggregate("event")
        keep = [i for i, t in enumerate(terms) if t != "ATT"]
        events = [int(e) for e in np.unique(self.event_times)]
        coefficients = Coefficients([terms[i] for i in keep], coefficients.estimate[keep],
                                    coefficients.vcov[np.ix_(keep, keep)], None, self.alpha)
        leads = [event_term(e) for e in events if e < 0]
        pretrend = (coefficients.wald_test(leads, hypothesis="All pre-treatment effects are "
                                           "zero") if leads else None)
        specification = self._spec("event")
        return EventStudyResult(
            estimator=f"{self.estimator}: event study", estimand=(
                "average effect e periods after first treatment on the cohorts observed "
                "then, weighting cells by their observations (e < 0: placebo effects "
                "before treatment)"),
            outcome=self.outcome, event_time=tuple(events), coefficients=coefficients,
            reference_period=-1, pretrend=pretrend, inference=self.inference,
            inference_text=self.inference_text + _AGGREGATION_NOTE, sample=dict(self.sample),
            provenance=self._provenance("event", specification),
            specification=specification)

    # ------------------------------------------------------------------ rendering
    def summary(self) -> Summary:
        comparison = {"not_yet_treated": "not-yet-treated and never-treated units",
                      "never_treated": "never-treated units"}[self.control_group]
        facts: list[tuple[str, object]] = [
            ("Estimator", self.estimator), ("Estimand", self.estimand),
            ("Outcome", self.outcome), ("Comparison group", comparison)]
        facts += [(SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        overall = self.overall()
        low, high = overall.conf_int().loc["ATT"]
        notes = (f"Overall ATT (post-treatment cells weighted by their observations): "
                 f"{overall.estimate:.4f} (std. error {overall.std_error:.4f}; "
                 f"{100 * (1 - self.alpha):g}% CI {low:.4f} to {high:.4f}).",
                 f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                 f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts),
                       table=_summary_table(self.coefficients), notes=notes)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The ATT(g,t) by period, one series per cohort (see
        :func:`~evalkit.plots.extended_twfe.plot_extended_twfe`)."""
        from evalkit.plots.extended_twfe import plot_extended_twfe

        return plot_extended_twfe(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

