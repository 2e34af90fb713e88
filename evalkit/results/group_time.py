"""The result of a group-time estimator: ATT(g,t) for every cohort and period, and their
aggregations (overall, by event time, by cohort, by calendar period)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems
from evalkit.errors import InputError
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import level
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.contract import LevelledSpecification, coefficients_at_level
from evalkit.results.did_result import SAMPLE_LABELS, DiDResult, _summary_table
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.provenance import Provenance, _thaw
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.did._cs_aggregate import Aggregate, AggregationBasis
    from evalkit.inference.kinds import Inference

__all__ = ["GroupTimeResult", "AggregationSpec", "cell_term"]

_WEIGHTS_NOTE = "; the estimation of the cohort-share weights is part of the influence function"


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def cell_term(cohort: float, period: float) -> str:
    """The term naming ATT(g,t), e.g. ``"ATT(2004,2006)"``."""
    return f"ATT({_label(cohort)},{_label(period)})"


def _optional_int(name: str, value: object, problems: Problems, minimum: int | None = None):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or (
            minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        problems.add(f"{name}={value!r}: must be None or an integer{bound}; got {value!r}")


@dataclass(frozen=True)
class AggregationSpec:
    """How an aggregated result was obtained: the group-time estimator's specification and
    the aggregation applied to its ATT(g,t).

    The ``specification`` of the results of :meth:`GroupTimeResult.overall`,
    :meth:`~GroupTimeResult.by_cohort`, :meth:`~GroupTimeResult.by_period` and
    :meth:`~GroupTimeResult.event_study`.

    Attributes
    ----------
    source
        What the group-time estimator was asked (e.g. a
        :class:`~evalkit.did.specs.CallawaySantAnnaSpec`).
    aggregation
        ``"simple"``, ``"group"``, ``"calendar"`` or ``"dynamic"`` (R ``aggte``'s types).
    min_event_time, max_event_time, balance_event_time
        For ``"dynamic"``: the options of :meth:`GroupTimeResult.event_study`.
    """

    source: LevelledSpecification
    aggregation: Literal["simple", "group", "calendar", "dynamic"]
    min_event_time: int | None = None
    max_event_time: int | None = None
    balance_event_time: int | None = None

    @property
    def function(self) -> str:
        """The group-time estimator, e.g. ``"evalkit.did.callaway_santanna"``."""
        return self.source.function

    @property
    def alpha(self) -> float:
        """The significance level of the intervals (the source's)."""
        return self.source.alpha

    def with_alpha(self, alpha: float) -> AggregationSpec:
        """The same aggregation of the source at significance level ``alpha``."""
        return replace(self, source=self.source.with_alpha(alpha))

    def to_dict(self) -> dict[str, Any]:
        """The source's dictionary with the aggregation added, as provenance records it."""
        out = self.source.to_dict()
        out["aggregation"] = self.aggregation
        if self.aggregation == "dynamic":
            out.update(min_event_time=self.min_event_time, max_event_time=self.max_event_time,
                       balance_event_time=self.balance_event_time)
        return out


@dataclass(frozen=True)
class GroupTimeResult:
    """Group-time average treatment effects ATT(g,t), with inference and aggregations.

    ATT(g,t) is the average effect, in period t, of the treatment on the units first
    treated in period g (the cohort g). Cells with t < g are pseudo-effects before
    treatment that should be close to zero under parallel trends; :attr:`pretrend` tests
    them jointly. The aggregations return the usual result types:
    :meth:`overall` and :meth:`by_cohort`, :meth:`by_period` a
    :class:`~evalkit.results.DiDResult`, :meth:`event_study` an
    :class:`~evalkit.results.EventStudyResult`.

    Attributes
    ----------
    estimator, estimand, outcome
        Names of the method, the quantity estimated and the outcome column.
    cohort, period, event_time
        For each cell: its cohort g, its period t and t - g in periods (read-only).
    coefficients
        The ATT(g,t) (terms ``"ATT(g,t)"``) with their influence-function covariance and,
        with the bootstrap, bootstrap standard errors.
    band_critical_value
        Critical value of the uniform (sup-t) band over all cells (bootstrap only).
    pretrend
        Wald test that every pre-treatment ATT(g,t) is zero (R ``did``'s pre-test), or
        ``None`` when there is nothing to test.
    inference
        The inference kind that produced the standard errors (an
        :data:`~evalkit.inference.Inference`, its clustering column filled in).
    inference_text
        How standard errors were computed, in words.
    sample
        Facts about the data used (rows, units, periods, treated and comparison units).
    cohort_sizes
        Units in each cohort and never treated (``"never"``), in the estimation sample.
    notes
        What was done to the data or the estimates on the way (dropped units, trimmed
        propensity scores ...); also printed in the summary.
    provenance
        The specification, data fingerprint and evalkit version.
    reference_cells
        ``(cohort, period)`` of the cells normalised to zero (universal base period).
    specification
        What the estimator was asked, typed (a
        :class:`~evalkit.results.contract.LevelledSpecification`; ``None`` for a result
        built by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    estimator: str
    estimand: str
    outcome: str
    cohort: np.ndarray
    period: np.ndarray
    event_time: np.ndarray
    coefficients: Coefficients
    band_critical_value: float | None
    pretrend: WaldTest | None
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    cohort_sizes: Mapping[str, int]
    notes: tuple[str, ...]
    provenance: Provenance
    basis: AggregationBasis = field(repr=False, compare=False)
    reference_cells: tuple[tuple[float, float], ...] = ()
    specification: LevelledSpecification | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cohort", read_only_copy(self.cohort))
        object.__setattr__(self, "period", read_only_copy(self.period))
        object.__setattr__(self, "event_time", read_only_copy(self.event_time, np.int64))
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        object.__setattr__(self, "cohort_sizes", MappingProxyType(dict(self.cohort_sizes)))
        object.__setattr__(self, "notes", tuple(self.notes))
        if not self.cohort.size == self.period.size == len(self.coefficients.terms):
            raise InputError("cohort, period and coefficients must describe the same cells")

    # ------------------------------------------------------------------ the cells
    @property
    def alpha(self) -> float:
        return self.coefficients.alpha

    @property
    def estimate(self) -> np.ndarray:
        return self.coefficients.estimate.copy()

    @property
    def std_error(self) -> np.ndarray:
        return self.coefficients.std_error

    @property
    def estimates(self) -> pd.Series:
        """The ATT(g,t), indexed by term (``"ATT(g,t)"``)."""
        return self.coefficients.series("estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their standard errors, indexed by term."""
        return self.coefficients.series("std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise confidence intervals of the ATT(g,t).

        Parameters
        ----------
        alpha
            Significance level (default: the result's ``alpha``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by term; reference cells (universal
            base period) have no row. The uniform band is in :meth:`tidy`.
        """
        return self.coefficients.intervals(level(alpha, self.alpha, "conf_int"))

    @property
    def n_obs(self) -> int:
        return int(self.sample["rows"])

    def with_alpha(self, alpha: float) -> GroupTimeResult:
        """The same result with intervals (and uniform band) at level ``1 - alpha``."""
        level(alpha, self.alpha, "with_alpha")  # checked before the band is computed
        return coefficients_at_level(
            self, alpha, band_critical_value=self.basis.cells(alpha).band_critical_value)

    def tidy(self, include_reference: bool = True) -> pd.DataFrame:
        """One row per ATT(g,t).

        Columns: ``term, cohort, period, event_time, estimate, std_error, statistic,
        p_value, conf_low, conf_high``, then ``band_low, band_high`` (the uniform band)
        with the bootstrap. With a universal base period and ``include_reference``,
        the reference cells appear with estimate 0 and missing inference.
        """
        table = self.coefficients.tidy()
        table.insert(1, "cohort", self.cohort)
        table.insert(2, "period", self.period)
        table.insert(3, "event_time", self.event_time)
        if self.band_critical_value is not None:
            half = self.band_critical_value * table["std_error"]
            table["band_low"] = table["estimate"] - half
            table["band_high"] = table["estimate"] + half
        if include_reference and self.reference_cells:
            rows = []
            for g, t in self.reference_cells:
                row = {c: np.nan for c in table.columns}
                row.update(term=cell_term(g, t), cohort=g, period=t, estimate=0.0,
                           event_time=self._reference_event_time)
                rows.append(row)
            table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
            table = table.sort_values(["cohort", "period"], kind="stable").reset_index(drop=True)
        table["event_time"] = table["event_time"].astype(int)
        return table

    @property
    def _reference_event_time(self) -> int:
        spec = self.provenance.specification
        return -1 - int(spec.get("anticipation", 0))

    # ------------------------------------------------------------------ aggregations
    def overall(self) -> DiDResult:
        """Overall ATT: post-treatment ATT(g,t) averaged with weights proportional to
        cohort size (R ``aggte(type = "simple")``)."""
        agg = self.basis.simple(self.alpha)
        estimand = ("average effect on the treated over every post-treatment cohort and "
                    "period: the ATT(g,t) with t >= g averaged with weights proportional "
                    "to cohort size (Callaway & Sant'Anna 2021, simple aggregation)")
        return self._did_result(agg, ("ATT",), "overall (simple aggregation)", estimand,
                                {"aggregation": "simple"})

    def by_cohort(self) -> DiDResult:
        """ATT of each cohort over its post-treatment periods (terms ``"cohort g"``); the
        effect term ``"ATT"`` averages them with weights proportional to cohort size
        (R ``aggte(type = "group")``)."""
        agg = self.basis.group(self.alpha)
        terms = tuple(f"cohort {_label(k)}" if k is not None else "ATT" for k in agg.keys)
        estimand = ("average effect on each cohort over its post-treatment periods; 'ATT' "
                    "averages the cohorts with weights proportional to their size "
                    "(Callaway & Sant'Anna 2021, group aggregation)")
        return self._did_result(agg, terms, "by cohort", estimand, {"aggregation": "group"})

    def by_period(self) -> DiDResult:
        """ATT in each calendar period over the cohorts treated by then, weighted by cohort
        size (terms ``"period t"``); ``"ATT"`` is their plain average over periods
        (R ``aggte(type = "calendar")``)."""
        agg = self.basis.calendar(self.alpha)
        terms = tuple(f"period {_label(k)}" if k is not None else "ATT" for k in agg.keys)
        estimand = ("average effect in each period on the cohorts already treated, weighted "
                    "by cohort size; 'ATT' averages the periods equally (Callaway & "
                    "Sant'Anna 2021, calendar aggregation)")
        return self._did_result(agg, terms, "by calendar period", estimand,
                                {"aggregation": "calendar"})

    def event_study(self, *, min_event_time: int | None = None,
                    max_event_time: int | None = None,
                    balance_event_time: int | None = None) -> EventStudyResult:
        """Effects by event time e = t - g, averaged over cohorts with weights proportional
        to cohort size (R ``aggte(type = "dynamic")``).

        Event time is counted in periods: with irregularly spaced periods, in positions
        on the period grid (R differences the period values themselves).

        Parameters
        ----------
        min_event_time, max_event_time
            Keep event times in this range (R's ``min_e``, ``max_e``).
        balance_event_time
            Keep only the cohorts observed at least this many periods after treatment,
            and the event times where all of them are observed (R's ``balance_e``), so
            that the composition of cohorts does not change with e.

        Returns
        -------
        EventStudyResult
            With the uniform band's critical value under the bootstrap. Its
            :meth:`~EventStudyResult.average_effect` (equal weights on e >= 0) is R's
            overall dynamic effect; with the bootstrap, the bootstrap version is also
            stated in the sample facts of the summary.
        """
        problems = Problems()
        _optional_int("min_event_time", min_event_time, problems)
        _optional_int("max_event_time", max_event_time, problems)
        _optional_int("balance_event_time", balance_event_time, problems, minimum=0)
        problems.raise_if_any(InputError, "Invalid arguments to event_study:")
        options = {"min_e": min_event_time, "max_e": max_event_time,
                   "balance_e": balance_event_time}
        available = self.basis.event_times(**options)
        if available.size == 0:
            raise InputError(
                f"min_event_time={min_event_time!r}, max_event_time={max_event_time!r}, "
                f"balance_event_time={balance_event_time!r}: no event time is left; the "
                f"cells have event times {sorted(set(self.event_time.tolist()))}")
        agg = self.basis.dynamic(self.alpha, **options)
        keep = [i for i, k in enumerate(agg.keys) if k is not None]
        events = [int(agg.keys[i]) for i in keep]
        se = None if agg.std_errors is None else agg.std_errors[keep]
        coefficients = Coefficients([event_term(e) for e in events], agg.estimate[keep],
                                    agg.vcov[np.ix_(keep, keep)], None, self.alpha, se)
        leads = [event_term(e) for e in events if e < 0]
        pretrend = (coefficients.wald_test(leads, hypothesis="All pre-treatment event-time "
                                           "effects are zero") if leads else None)
        sample = dict(self.sample)
        if agg.std_errors is not None and None in agg.keys:
            i = agg.keys.index(None)
            sample["Average effect, event times >= 0 (bootstrap)"] = (
                f"{agg.estimate[i]:.4f} (std. error {agg.std_errors[i]:.4f})")
        reference = None
        if self.reference_cells:
            reference = self._reference_event_time
            if reference in events:  # pragma: no cover - reference cells are not estimated
                reference = None
        spec = {"aggregation": "dynamic", "min_event_time": min_event_time,
                "max_event_time": max_event_time, "balance_event_time": balance_event_time}
        specification = self._aggregation(spec)
        return EventStudyResult(
            estimator=f"{self.estimator}: event study",
            estimand=("average effect e periods after first treatment over the cohorts "
                      "observed then, weighted by cohort size (e < 0: pseudo-effects before "
                      "treatment); Callaway & Sant'Anna 2021, dynamic aggregation"),
            outcome=self.outcome, event_time=tuple(events), coefficients=coefficients,
            reference_period=reference, pretrend=pretrend,
            inference=self.inference,
            inference_text=self.inference_text + _WEIGHTS_NOTE, sample=sample,
            provenance=self._provenance(spec, specification), band=agg.band,
            specification=specification)

    def _aggregation(self, extra: dict[str, Any]) -> AggregationSpec | None:
        if self.specification is None:
            return None
        return AggregationSpec(self.specification, **extra)

    def _provenance(self, extra: dict[str, object],
                    specification: AggregationSpec | None) -> Provenance:
        if specification is not None:
            spec = specification.to_dict()
        else:  # a result built by hand: from its provenance record
            spec = _thaw(self.provenance.specification)
            spec.update(extra)
        return Provenance(self.provenance.function, spec, self.provenance.data_fingerprint,
                          self.provenance.n_obs, self.provenance.evalkit_version)

    def _did_result(self, agg: Aggregate, terms: tuple[str, ...], what: str, estimand: str,
                    extra: dict[str, Any]) -> DiDResult:
        specification = self._aggregation(extra)
        coefficients = Coefficients(terms, agg.estimate, agg.vcov, None, self.alpha,
                                    agg.std_errors)
        return DiDResult(estimator=f"{self.estimator}: {what}", estimand=estimand,
                         outcome=self.outcome, coefficients=coefficients, effect_term="ATT",
                         inference=self.inference,
            inference_text=self.inference_text + _WEIGHTS_NOTE, sample=dict(self.sample),
                         provenance=self._provenance(extra, specification),
                         specification=specification)

    # ------------------------------------------------------------------ rendering
    def summary(self) -> Summary:
        spec = self.provenance.specification
        facts: list[tuple[str, object]] = [
            ("Estimator", self.estimator), ("Estimand", self.estimand),
            ("Outcome", self.outcome), ("Method", str(spec.get("method_description", ""))),
            ("Comparison units", str(spec.get("control_group", "")).replace("_", " ")),
            ("Base period", str(spec.get("base_period", ""))),
            ("Anticipation periods", int(spec.get("anticipation", 0)))]
        facts += [(SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts.append(("Cohort sizes", ", ".join(f"{k}: {v:,}"
                                                 for k, v in self.cohort_sizes.items())))
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        if self.band_critical_value is not None:
            facts.append(("Uniform band critical value", f"{self.band_critical_value:.4f}"))
        table = _summary_table(self.coefficients)
        if self.band_critical_value is not None:
            half = self.band_critical_value * self.coefficients.std_error
            table[f"[{100 * (1 - self.alpha):g}% band"] = self.coefficients.estimate - half
            table["band upper]"] = self.coefficients.estimate + half
        notes = [f"Pre-test of parallel trends (every pre-treatment ATT(g,t) = 0): "
                 f"{self.pretrend}" if self.pretrend else
                 "Pre-test of parallel trends: not available (no pre-treatment cell to test)."]
        notes += [f"Note: {n}" for n in self.notes]
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts), table=table,
                       notes=tuple(notes))

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The ATT(g,t) by period, one series per cohort (see
        :func:`~evalkit.plots.coefficients.plot_group_time`)."""
        from evalkit.plots.coefficients import plot_group_time

        return plot_group_time(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
