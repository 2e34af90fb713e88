"""The result of difference-in-differences with a continuous dose: curves over the dose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.errors import InputError
from evalkit.results._arrays import read_only_copy
from evalkit.results.band import UniformBand
from evalkit.results.coefficients import Coefficients
from evalkit.results.contract import TIDY_CORE_COLUMNS, LevelledSpecification, level
from evalkit.results.did_result import SAMPLE_LABELS, DiDResult, _summary_table
from evalkit.results.event_study import EventStudyResult
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from evalkit.inference.kinds import Inference

__all__ = ["DoseResponseResult", "OVERALL_TERMS", "dose_term"]

#: The terms of the two overall summaries.
OVERALL_TERMS = ("ATT^o", "ACRT^o")
_SHOWN_DOSES = 9  # curve points a summary lists


def dose_term(kind: str, dose: float) -> str:
    """The term of a curve's value at ``dose``, e.g. ``"ATT(d=0.25)"``."""
    return f"{kind}(d={dose:.6g})"


@dataclass(frozen=True)
class DoseResponseResult:
    r"""Dose-response curves ATT(d), ACRT(d) and their overall averages, with inference.

    Attributes
    ----------
    estimator, estimand, outcome
        The method, the quantity estimated in words, the outcome column.
    target
        ``"level"`` or ``"slope"``: which overall number :meth:`overall` reports and what
        the event study (if any) averages.
    aggregation
        ``"dose"`` or ``"event_time"``.
    dose_grid
        The doses at which the curves are evaluated.
    att_curve, acrt_curve
        :math:`ATT(d)` and :math:`ACRT(d)` on the grid (``acrt_curve`` missing when every
        treated unit has the same dose).
    att_curve_se, acrt_curve_se
        Their pointwise (analytic) standard errors.
    att_band, acrt_band
        The bootstrap sup-t statistics of the uniform bands over the grid, or ``None``.
    overall_coefficients
        :math:`ATT^o` and :math:`ACRT^o` (terms ``"ATT^o"``, ``"ACRT^o"``).
    event_study_result
        With ``aggregation="event_time"``, the event study (else ``None``).
    inference, inference_text, sample, notes, provenance, specification
        As in :class:`~evalkit.results.DiDResult`.
    """

    estimator: str
    estimand: str
    outcome: str
    target: Literal["level", "slope"]
    aggregation: Literal["dose", "event_time"]
    dose_grid: np.ndarray
    att_curve: np.ndarray
    att_curve_se: np.ndarray
    acrt_curve: np.ndarray
    acrt_curve_se: np.ndarray
    overall_coefficients: Coefficients
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    provenance: Provenance
    att_band: UniformBand | None = field(default=None, repr=False, compare=False)
    acrt_band: UniformBand | None = field(default=None, repr=False, compare=False)
    event_study_result: EventStudyResult | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    specification: LevelledSpecification | None = None

    def __post_init__(self) -> None:
        for name in ("dose_grid", "att_curve", "att_curve_se", "acrt_curve", "acrt_curve_se"):
            object.__setattr__(self, name, read_only_copy(np.asarray(getattr(self, name),
                                                                     dtype=float)))
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        object.__setattr__(self, "notes", tuple(self.notes))

    # ------------------------------------------------------------------ numbers
    @property
    def alpha(self) -> float:
        return self.overall_coefficients.alpha

    @property
    def overall_att(self) -> float:
        """:math:`ATT^o`, the average effect over the treated units' doses."""
        return float(self.overall_coefficients.estimate[0])

    @property
    def overall_acrt(self) -> float:
        """:math:`ACRT^o`, the average slope of the dose response (NaN with one dose)."""
        return float(self.overall_coefficients.estimate[1])

    def _band_value(self, band: UniformBand | None, alpha: float) -> float | None:
        return None if band is None else band.critical_value(alpha)

    def curve(self, kind: Literal["att", "acrt"] | None = None,
              alpha: float | None = None) -> pd.DataFrame:
        """One curve as a table: ``dose, estimate, std_error, conf_low, conf_high,
        band_low, band_high`` (the band missing without the bootstrap).

        ``kind`` defaults to the target's (``"att"`` for level, ``"acrt"`` for slope).
        """
        problems = Problems()
        kind = kind or ("att" if self.target == "level" else "acrt")
        check_choice("kind", kind, ("att", "acrt"), problems)
        problems.raise_if_any(InputError, "Invalid arguments to curve:")
        alpha = level(alpha, self.alpha, "curve")
        estimate, se = ((self.att_curve, self.att_curve_se) if kind == "att"
                        else (self.acrt_curve, self.acrt_curve_se))
        z = float(stats.norm.ppf(1 - alpha / 2))
        band = self._band_value(self.att_band if kind == "att" else self.acrt_band, alpha)
        half = np.full(se.shape, np.nan) if band is None else band * se
        return pd.DataFrame({"dose": self.dose_grid, "estimate": estimate, "std_error": se,
                             "conf_low": estimate - z * se, "conf_high": estimate + z * se,
                             "band_low": estimate - half, "band_high": estimate + half})

    def _curve_terms(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        terms, est, se = [], [], []
        for kind, e, s in (("ATT", self.att_curve, self.att_curve_se),
                           ("ACRT", self.acrt_curve, self.acrt_curve_se)):
            terms += [dose_term(kind, d) for d in self.dose_grid]
            est.append(e)
            se.append(s)
        if self.event_study_result is not None:  # then the event study's terms
            coefficients = self.event_study_result.coefficients
            terms += list(coefficients.terms)
            est.append(coefficients.estimate)
            se.append(coefficients.std_error)
        return terms, np.concatenate(est), np.concatenate(se)

    @property
    def estimates(self) -> pd.Series:
        """Overall ATT and ACRT, the curves' values (``"ATT(d=...)"``, ...), then the event
        study's coefficients (``"e-2"``, ...) when there is one."""
        terms, est, _ = self._curve_terms()
        return pd.Series(np.concatenate([self.overall_coefficients.estimate, est]),
                         index=pd.Index(list(OVERALL_TERMS) + terms, name="term"),
                         name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their pointwise standard errors."""
        terms, _, se = self._curve_terms()
        return pd.Series(np.concatenate([self.overall_coefficients.std_error, se]),
                         index=pd.Index(list(OVERALL_TERMS) + terms, name="term"),
                         name="std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Pointwise intervals of every term of :attr:`estimates` (columns ``lower``,
        ``upper``); the uniform bands are in :meth:`curve` and :meth:`tidy`."""
        alpha = level(alpha, self.alpha, "conf_int")
        z = float(stats.norm.ppf(1 - alpha / 2))
        est, se = self.estimates, self.std_errors
        return pd.DataFrame({"lower": est - z * se, "upper": est + z * se},
                            index=est.index)

    def with_alpha(self, alpha: float) -> DoseResponseResult:
        """The same result with intervals and bands at level ``1 - alpha``."""
        problems = Problems()
        check_alpha(alpha, problems)
        problems.raise_if_any(InputError, "Invalid arguments to with_alpha:")
        return replace(
            self, overall_coefficients=self.overall_coefficients.with_alpha(alpha),
            event_study_result=(None if self.event_study_result is None
                                else self.event_study_result.with_alpha(alpha)),
            provenance=self.provenance.with_alpha(alpha),
            specification=(None if self.specification is None
                           else self.specification.with_alpha(alpha)))

    # ------------------------------------------------------------------ views
    def overall(self) -> DiDResult:
        """The headline number as a :class:`~evalkit.results.DiDResult`: :math:`ATT^o`
        (target ``"level"``) or :math:`ACRT^o` (``"slope"``); both are its coefficients."""
        term = OVERALL_TERMS[0] if self.target == "level" else OVERALL_TERMS[1]
        if not np.isfinite(self.overall_coefficients.estimate[OVERALL_TERMS.index(term)]):
            raise InputError("overall: ACRT^o is not estimated (every treated unit has the "
                             "same dose, so the dose response has no slope)")
        what = ("average effect on the treated of their own doses, ATT^o = E[ATT(D|D) | D > 0]"
                if term == "ATT^o" else
                "average causal response on the treated, ACRT^o = E[ACRT(D|D) | D > 0]")
        coefficients = self.overall_coefficients
        if not np.isfinite(coefficients.estimate[1]):
            coefficients = Coefficients(coefficients.terms[:1], coefficients.estimate[:1],
                                        coefficients.vcov[:1, :1], None, coefficients.alpha)
        return DiDResult(estimator=f"{self.estimator}: overall", estimand=what,
                         outcome=self.outcome, coefficients=coefficients, effect_term=term,
                         inference=self.inference, inference_text=self.inference_text,
                         sample=self.sample, provenance=self.provenance,
                         specification=self.specification)

    def event_study(self) -> EventStudyResult:
        """The event study (``aggregation="event_time"`` only): ATT (level) or ACRT (slope)
        by periods since first treatment."""
        if self.event_study_result is None:
            raise InputError("event_study: this result has no event study; estimate with "
                             "continuous_did(..., aggregation='event_time')")
        return self.event_study_result

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row per term: the core columns, then ``kind`` (``overall``, ``att_curve``,
        ``acrt_curve``, ``event``), ``dose``, ``event_time``, ``band_low``, ``band_high``."""
        rows = self.overall_coefficients.tidy()
        rows["kind"] = "overall"
        rows["dose"] = np.nan
        rows["event_time"] = pd.NA
        parts = [rows]
        for kind, name, terms in (("att", "att_curve", "ATT"), ("acrt", "acrt_curve", "ACRT")):
            table = self.curve(kind)
            z = table["estimate"] / table["std_error"]
            parts.append(pd.DataFrame({
                "term": [dose_term(terms, d) for d in self.dose_grid],
                "estimate": table["estimate"], "std_error": table["std_error"],
                "statistic": z, "p_value": 2 * stats.norm.sf(np.abs(z)),
                "conf_low": table["conf_low"], "conf_high": table["conf_high"],
                "kind": name, "dose": table["dose"], "event_time": pd.NA,
                "band_low": table["band_low"], "band_high": table["band_high"]}))
        if self.event_study_result is not None:
            events = self.event_study_result.tidy(include_reference=False)
            events["kind"] = "event"
            events["dose"] = np.nan
            parts.append(events)
        table = pd.concat(parts, ignore_index=True)
        extra = [c for c in table.columns if c not in TIDY_CORE_COLUMNS]
        return table[list(TIDY_CORE_COLUMNS) + extra]

    def summary(self) -> Summary:
        facts: list[tuple[str, object]] = [
            ("Estimator", self.estimator), ("Estimand", self.estimand),
            ("Outcome", self.outcome), ("Target", "level (ATT)" if self.target == "level"
                                        else "slope (ACRT)"),
            ("Aggregation", "over the dose" if self.aggregation == "dose" else
             "by event time")]
        facts += [(SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        if self.event_study_result is not None:
            table = pd.concat([_summary_table(self.overall_coefficients),
                               _summary_table(self.event_study_result.coefficients)])
        else:
            step = max(1, self.dose_grid.size // _SHOWN_DOSES)
            shown = np.arange(0, self.dose_grid.size, step)
            kind = "att" if self.target == "level" else "acrt"
            estimate = self.att_curve if kind == "att" else self.acrt_curve
            se = self.att_curve_se if kind == "att" else self.acrt_curve_se
            curve = Coefficients([dose_term(kind.upper(), d) for d in self.dose_grid[shown]],
                                 estimate[shown], np.diag(se[shown] ** 2), None, self.alpha)
            table = pd.concat([_summary_table(self.overall_coefficients),
                               _summary_table(curve)])
        band = self._band_value(self.att_band if self.target == "level" else self.acrt_band,
                                self.alpha)
        notes = list(self.notes)
        if band is not None:
            notes.append(f"Uniform band over the doses: estimate +/- {band:.4f} x std. error "
                         "(see curve() and tidy()).")
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts), table=table,
                       notes=tuple(notes))

    def plot(self, **options: Any) -> Figure:
        """The dose-response curve with its intervals and band (see
        :func:`evalkit.plots.dose_response.plot_dose_response`), or the event study."""
        from evalkit.plots.dose_response import plot_dose_response

        return plot_dose_response(self, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
