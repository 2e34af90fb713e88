"""The result shared by every event-study estimator: effects by time relative to treatment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._validation import Problems, check_alpha
from evalkit.errors import InputError
from evalkit.results._interval import level
from evalkit.results.band import UniformBand
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.contract import LevelledSpecification
from evalkit.results.did_result import SAMPLE_LABELS, _summary_table
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.inference.kinds import Inference

__all__ = ["EventStudyResult", "event_term"]


def event_term(k: int) -> str:
    """The coefficient name for event time ``k`` (periods relative to first treatment)."""
    return f"e{k:+d}" if k else "e0"


@dataclass(frozen=True)
class EventStudyResult:
    """Treatment effects by event time (periods since first treatment), with inference.

    Every event-study estimator in evalkit returns this type, so that plots, tables,
    reports and sensitivity analyses work with any of them, and several can be
    drawn together (see :func:`evalkit.plots.plot_event_study`).

    Event time ``k`` is the number of periods since a unit's first treatment
    period: ``k = 0`` is the first treated period, ``k = -1`` the last period
    before. Coefficients at ``k < 0`` (leads) measure differences in trends
    before treatment; they should be close to zero under parallel trends.

    Attributes
    ----------
    estimator
        Name of the method, e.g. ``"TWFE event study"``.
    estimand
        The quantity each coefficient estimates, in words.
    outcome
        The outcome column.
    event_time
        The event times with an estimated coefficient, in increasing order.
    coefficients
        The event-time coefficients (terms ``e-4 ... e+3``) with their covariance.
    reference_period
        The omitted event time (normalised to zero), or ``None``.
    pretrend
        Joint Wald test that all pre-treatment coefficients are zero, or ``None``
        when there is no pre-treatment coefficient to test.
    binned
        Whether the first and last event times pool every more distant period.
    inference, inference_text, sample, provenance
        As in :class:`~evalkit.results.DiDResult`.
    band_critical_value
        Critical value of the simultaneous (uniform) confidence band over all event
        times, when the estimator provides one (e.g. from a multiplier bootstrap):
        the band is ``estimate +/- band_critical_value * std_error`` and covers every
        coefficient at once with probability ``1 - alpha``. ``None`` otherwise. With
        ``band``, it is computed from it at ``alpha`` (any value given is replaced).
    band
        The bootstrap statistics behind the band (:class:`~evalkit.results.band.UniformBand`),
        which let :meth:`with_alpha` move the band to another level with the intervals.
    specification
        What the estimator was asked, typed (a
        :class:`~evalkit.results.contract.LevelledSpecification`; ``None`` for a result
        built by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    estimator: str
    estimand: str
    outcome: str
    event_time: tuple[int, ...]
    coefficients: Coefficients
    reference_period: int | None
    pretrend: WaldTest | None
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    provenance: Provenance
    binned: bool = False
    band_critical_value: float | None = None
    band: UniformBand | None = field(default=None, repr=False, compare=False)
    specification: LevelledSpecification | None = None

    def __post_init__(self) -> None:
        if self.band is not None:
            object.__setattr__(self, "band_critical_value",
                               self.band.critical_value(self.coefficients.alpha))
        object.__setattr__(self, "event_time", tuple(int(k) for k in self.event_time))
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        if len(self.event_time) != len(self.coefficients.terms):
            raise InputError("event_time and coefficients must have the same length")

    @property
    def alpha(self) -> float:
        return self.coefficients.alpha

    @property
    def n_obs(self) -> int:
        return int(self.sample["rows"])

    @property
    def estimates(self) -> pd.Series:
        """The event-time coefficients, indexed by term (``e-4 ... e+3``)."""
        return self.coefficients.series("estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their standard errors, indexed by term."""
        return self.coefficients.series("std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise confidence intervals of the event-time coefficients.

        Parameters
        ----------
        alpha
            Significance level (default: the result's ``alpha``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by term; the omitted reference
            period has no row. The simultaneous band is in :meth:`tidy`.
        """
        return self.coefficients.intervals(level(alpha, self.alpha, "conf_int"))

    @property
    def pre_periods(self) -> tuple[int, ...]:
        return tuple(k for k in self.event_time if k < 0)

    @property
    def post_periods(self) -> tuple[int, ...]:
        return tuple(k for k in self.event_time if k >= 0)

    def with_alpha(self, alpha: float) -> EventStudyResult:
        """The same result with confidence intervals, and the simultaneous band, at level
        ``1 - alpha``."""
        problems = Problems()
        check_alpha(alpha, problems)
        if self.band is None and self.band_critical_value is not None:
            problems.add(f"alpha={alpha!r}: this result's simultaneous band was given by its "
                         "critical value alone, without the bootstrap statistics that would "
                         "give it at another level; re-estimate with alpha instead")
        problems.raise_if_any(InputError, "Invalid arguments to with_alpha:")
        # __post_init__ recomputes the band's critical value at the new level
        return replace(self, coefficients=self.coefficients.with_alpha(alpha),
                       provenance=self.provenance.with_alpha(alpha),
                       specification=(None if self.specification is None
                                      else self.specification.with_alpha(alpha)))

    def average_effect(self, event_times: tuple[int, ...] | None = None) -> dict[str, float]:
        """Equally weighted average of event-time effects (default: all post-treatment ones).

        Returns the estimate, its standard error (from the coefficients'
        covariance), the confidence interval and the p-value.
        """
        ks = self.post_periods if event_times is None else tuple(event_times)
        missing = [k for k in ks if k not in self.event_time]
        if not ks or missing:
            raise InputError(f"event_times={event_times!r}: must be event times with an estimate "
                             f"({', '.join(map(str, self.event_time))}); got {event_times!r}")
        w = np.array([1.0 / len(ks) if k in ks else 0.0 for k in self.event_time])
        est = float(w @ self.coefficients.estimate)
        se = float(np.sqrt(w @ self.coefficients.vcov @ w))
        crit = self.coefficients.critical_value
        df = self.coefficients.df
        p = float(2 * (stats.t.sf(abs(est / se), df) if df else stats.norm.sf(abs(est / se))))
        return {"estimate": est, "std_error": se, "conf_low": est - crit * se,
                "conf_high": est + crit * se, "p_value": p}

    def tidy(self, include_reference: bool = True) -> pd.DataFrame:
        """One row per event time.

        Columns: ``event_time, term, estimate, std_error, statistic, p_value,
        conf_low, conf_high``, then ``band_low, band_high`` (the simultaneous band)
        when the result has one. With ``include_reference`` the omitted reference
        period appears with estimate 0 and missing inference, as plots show it.
        """
        table = self.coefficients.tidy()
        table.insert(0, "event_time", list(self.event_time))
        if self.band_critical_value is not None:
            half = self.band_critical_value * table["std_error"]
            table["band_low"] = table["estimate"] - half
            table["band_high"] = table["estimate"] + half
        if include_reference and self.reference_period is not None:
            ref = {c: np.nan for c in table.columns}
            ref.update(event_time=self.reference_period, term=event_term(self.reference_period),
                       estimate=0.0)
            table = pd.concat([table, pd.DataFrame([ref])], ignore_index=True)
            table = table.sort_values("event_time", kind="stable").reset_index(drop=True)
        table["event_time"] = table["event_time"].astype(int)
        return table

    def summary(self) -> Summary:
        facts = [("Estimator", self.estimator), ("Estimand", self.estimand),
                 ("Outcome", self.outcome),
                 ("Reference period", "none" if self.reference_period is None
                  else f"{self.reference_period} (normalised to 0)"),
                 ("Endpoints binned", "yes" if self.binned else "no")]
        facts += [(SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        if self.band_critical_value is not None:
            facts.append(("Uniform band critical value", f"{self.band_critical_value:.4f}"))
        notes = [f"Pre-trend test (all leads = 0): {self.pretrend}" if self.pretrend else
                 "Pre-trend test: not available (no pre-treatment coefficient besides the "
                 "reference period)."]
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts),
                       table=_summary_table(self.coefficients), notes=tuple(notes))

    def plot(self, ax: Axes | None = None, **options: Any) -> Figure:
        """Plot the coefficients with confidence intervals (see :func:`plot_event_study`)."""
        from evalkit.plots.event_study import plot_event_study

        return plot_event_study(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
