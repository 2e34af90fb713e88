"""The result of de Chaisemartin & D'Haultfoeuille's intertemporal event-study estimators."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import EstimationError, InputError
from evalkit.results._interval import level
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.contract import TIDY_CORE_COLUMNS, LevelledSpecification, coefficients_at_level
from evalkit.results.did_result import DiDResult, _summary_table
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.inference.kinds import Inference

__all__ = ["IntertemporalEffectsResult", "AVERAGE_TOTAL_EFFECT"]

#: The term of the average total effect per unit of treatment.
AVERAGE_TOTAL_EFFECT = "average_total_effect"

_SAMPLE_LABELS = {
    "rows": "Observations (unit-period rows)",
    "units": "Units (groups)",
    "switchers": "Units whose treatment changes",
    "never_switchers": "Units whose treatment never changes",
    "clusters": "Clusters",
    "periods": "Periods",
}

ATE_ESTIMAND = ("the average total effect per unit of treatment: the effects DID_l averaged "
                "with weights proportional to their switchers, divided by the same average of "
                "the switchers' treatment change l periods after their first change "
                "(de Chaisemartin & D'Haultfoeuille 2024)")


def _kind(term: str) -> tuple[str, int | None]:
    if term == AVERAGE_TOTAL_EFFECT:
        return "average_total_effect", None
    kind, horizon = term.rsplit("_", 1)
    return kind, int(horizon)


@dataclass(frozen=True)
class IntertemporalEffectsResult:
    """Event-study effects of a treatment that may be non-binary and switch on and off.

    Effect ``l`` (term ``effect_l``) is ``DID_l``: the switchers' outcome change from the
    period before their first treatment change to ``l - 1`` periods after it, compared with
    that of units with the same baseline treatment whose treatment has not changed yet.
    Placebo ``l`` (term ``placebo_l``) compares the same units' outcome changes from the period
    before the first change back to ``l`` periods earlier. The ``average_total_effect`` term is
    the average total effect per unit of treatment. Instances are immutable.

    Attributes
    ----------
    estimator, estimand, outcome, treatment
        The method, the quantities estimated in words, the outcome and treatment columns.
    normalized
        Whether each effect (and placebo) is divided by the cumulated treatment change.
    coefficients
        Every estimate (``effect_1 ... effect_L``, ``placebo_1 ... placebo_P`` and
        ``average_total_effect`` when it exists) with their covariance (from the influence
        functions, summed by cluster).
    switchers, switchers_weighted, observations
        For each term: the number of switchers it uses, their total weight and the number of
        unit-periods it uses.
    accumulated_periods
        The average number of periods over which the effects are accumulated (the average of
        the switchers' cumulated treatment changes, weighted as the average total effect).
    effects_test, effects_equal_test, placebos_test
        Chi-squared tests that all effects are zero, that they are all equal (when asked
        for), that all placebos are zero (when there are placebos).
    exclusions
        What the sample rules of the method left out, in words.
    inference, inference_text, sample, provenance, specification
        As in :class:`~evalkit.results.DiDResult`.
    """

    estimator: str
    estimand: str
    outcome: str
    treatment: str
    normalized: bool
    coefficients: Coefficients
    switchers: tuple[int, ...]
    switchers_weighted: tuple[float, ...]
    observations: tuple[int, ...]
    accumulated_periods: float | None
    effects_test: WaldTest | None
    effects_equal_test: WaldTest | None
    placebos_test: WaldTest | None
    exclusions: tuple[str, ...]
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    provenance: Provenance
    specification: LevelledSpecification | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        k = len(self.coefficients.terms)
        if not (len(self.switchers) == len(self.observations) == len(self.switchers_weighted)
                == k):
            raise InputError("switchers, switchers_weighted and observations must have one "
                             f"value per term ({k})")

    # ------------------------------------------------------------------ the estimates
    @property
    def alpha(self) -> float:
        return self.coefficients.alpha

    @property
    def estimates(self) -> pd.Series:
        """Every estimate, indexed by term."""
        return self.coefficients.series("estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their standard errors, indexed by term."""
        return self.coefficients.series("std_error")

    @property
    def n_effects(self) -> int:
        return sum(t.startswith("effect_") for t in self.coefficients.terms)

    @property
    def n_placebos(self) -> int:
        return sum(t.startswith("placebo_") for t in self.coefficients.terms)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise confidence intervals: columns ``lower`` and ``upper``, indexed by term."""
        return self.coefficients.intervals(level(alpha, self.alpha, "conf_int"))

    def with_alpha(self, alpha: float) -> IntertemporalEffectsResult:
        """The same result with confidence intervals at level ``1 - alpha``."""
        return coefficients_at_level(self, alpha)

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row per term: the contract's columns, then ``kind`` (``effect``, ``placebo``,
        ``average_total_effect``), ``horizon`` (l), ``event_time`` (effect l at l - 1,
        placebo l at -l - 1), ``switchers``, ``switchers_weighted`` and ``observations``."""
        table = self.coefficients.tidy()[list(TIDY_CORE_COLUMNS)]
        kinds = [_kind(t) for t in self.coefficients.terms]
        table["kind"] = [k for k, _ in kinds]
        table["horizon"] = pd.array([h for _, h in kinds], dtype="Int64")
        table["event_time"] = pd.array(
            [None if h is None else (h - 1 if k == "effect" else -h - 1) for k, h in kinds],
            dtype="Int64")
        table["switchers"] = list(self.switchers)
        table["switchers_weighted"] = list(self.switchers_weighted)
        table["observations"] = list(self.observations)
        return table

    def effects(self) -> pd.DataFrame:
        """The effects table: ``horizon, estimate, std_error, conf_low, conf_high, switchers,
        observations`` (one row per effect l)."""
        return self._table("effect")

    def placebos(self) -> pd.DataFrame:
        """The placebos table, with the columns of :meth:`effects`."""
        return self._table("placebo")

    def _table(self, kind: str) -> pd.DataFrame:
        table = self.tidy()
        table = table.loc[table["kind"] == kind, ["horizon", "estimate", "std_error", "p_value",
                                                  "conf_low", "conf_high", "switchers",
                                                  "observations"]]
        return table.reset_index(drop=True)

    # ------------------------------------------------------------------ other views
    def overall(self) -> DiDResult:
        """The average total effect per unit of treatment as a :class:`DiDResult`
        (effect term ``average_total_effect``)."""
        if AVERAGE_TOTAL_EFFECT not in self.coefficients.terms:
            raise EstimationError("The average total effect is not available: it is not "
                                  "estimated with linear_trends=True, nor when the switchers' "
                                  "average treatment change is zero")
        i = self.coefficients.index(AVERAGE_TOTAL_EFFECT)
        coefficients = Coefficients(terms=(AVERAGE_TOTAL_EFFECT,),
                                    estimate=self.coefficients.estimate[[i]],
                                    vcov=self.coefficients.vcov[np.ix_([i], [i])], df=None,
                                    alpha=self.alpha)
        sample = {**self._labelled_sample(),
                  "Switchers, summed over the effects": self.switchers[i]}
        return DiDResult(estimator=self.estimator, estimand=ATE_ESTIMAND, outcome=self.outcome,
                         coefficients=coefficients, effect_term=AVERAGE_TOTAL_EFFECT,
                         inference=self.inference, inference_text=self.inference_text,
                         sample=sample, provenance=self.provenance,
                         specification=self.specification)

    def event_study(self) -> EventStudyResult:
        """The effects and placebos by event time: effect l at event time l - 1, placebo l at
        -l - 1, the period before the first change (-1) the reference normalised to zero;
        ``pretrend`` tests all placebos = 0."""
        terms = self.coefficients.terms
        placebo_idx = [terms.index(f"placebo_{h}") for h in range(self.n_placebos, 0, -1)]
        effect_idx = [terms.index(f"effect_{h}") for h in range(1, self.n_effects + 1)]
        order = placebo_idx + effect_idx
        event_times = [-h - 1 for h in range(self.n_placebos, 0, -1)] + \
            [h - 1 for h in range(1, self.n_effects + 1)]
        coefficients = Coefficients(terms=tuple(event_term(k) for k in event_times),
                                    estimate=self.coefficients.estimate[order],
                                    vcov=self.coefficients.vcov[np.ix_(order, order)], df=None,
                                    alpha=self.alpha)
        pretrend = None
        if self.placebos_test is not None:
            pretrend = replace(self.placebos_test,
                               terms=tuple(event_term(k) for k in event_times if k < 0))
        sample = self._labelled_sample()
        return EventStudyResult(
            estimator=self.estimator,
            estimand=("effect l (event time l - 1) and placebo l (event time -l - 1) of "
                      "de Chaisemartin & D'Haultfoeuille (2024)"
                      + (", normalised by the cumulated treatment change" if self.normalized
                         else "")),
            outcome=self.outcome, event_time=tuple(event_times), coefficients=coefficients,
            reference_period=-1, pretrend=pretrend, inference=self.inference,
            inference_text=self.inference_text, sample=sample, provenance=self.provenance,
            specification=self.specification)

    def _labelled_sample(self) -> dict[str, Any]:
        """The sample facts for the report views (keys the shared summaries label)."""
        shared = {"rows", "units", "periods", "clusters"}
        return {(k if k in shared else _SAMPLE_LABELS.get(k, k)): v
                for k, v in self.sample.items()}

    # ------------------------------------------------------------------ display
    def summary(self) -> Summary:
        """The result's summary: ``print()`` it, or show it in JupyterLab."""
        facts = [("Estimator", self.estimator), ("Estimand", self.estimand),
                 ("Outcome", self.outcome), ("Treatment", self.treatment),
                 ("Normalised effects", "yes" if self.normalized else "no")]
        spec = self.specification
        if getattr(spec, "controls", None):
            facts.append(("Controls", ", ".join(spec.controls)))  # type: ignore[union-attr]
        if getattr(spec, "linear_trends", False):
            facts.append(("Unit-specific linear trends", "yes"))
        facts += [(_SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        table = _summary_table(self.coefficients)
        table["Switchers"] = [f"{n:,}" for n in self.switchers]
        table["N"] = [f"{n:,}" for n in self.observations]
        notes = [str(test) for test in (self.effects_test, self.effects_equal_test,
                                        self.placebos_test) if test is not None]
        if self.accumulated_periods is not None:
            notes.append("Average number of periods over which a treatment's effect is "
                         f"accumulated: {self.accumulated_periods:.4f}")
        notes += [f"Left out: {text}" for text in self.exclusions]
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts), table=table,
                       notes=tuple(notes))

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The effects and placebos by event time (see
        :func:`~evalkit.plots.intertemporal.plot_intertemporal_effects`)."""
        from evalkit.plots.intertemporal import plot_intertemporal_effects

        return plot_intertemporal_effects(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
