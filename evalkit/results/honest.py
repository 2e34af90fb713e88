r"""The result of a HonestDiD sensitivity analysis: robust confidence sets against M."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.errors import InputError
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import interval_frame, level
from evalkit.results.contract import TIDY_CORE_COLUMNS, Specification, no_interval_error
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from, format_number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HonestDiDResult", "TIDY_COLUMNS", "RESTRICTION_LABELS", "METHOD_LABELS"]

TIDY_COLUMNS = (*TIDY_CORE_COLUMNS, "m", "includes_zero", "method", "restriction")

#: The restrictions in words, as the summary states them.
RESTRICTION_LABELS: Mapping[str, str] = {
    "relative_magnitude": "relative magnitudes, Delta^RM(Mbar): each post-treatment change in "
                          "the trend difference is at most Mbar times the largest "
                          "pre-treatment one",
    "smoothness": "smoothness, Delta^SD(M): the slope of the trend difference changes by at "
                  "most M between consecutive periods",
}

#: The inference methods, with the reference package's names.
METHOD_LABELS: Mapping[str, str] = {
    "hybrid": "C-LF",
    "conditional": "Conditional",
    "flci": "FLCI",
}

_METHOD_WORDS = {
    "hybrid": "conditional-least-favourable hybrid test (Andrews, Roth & Pakes), inverted",
    "conditional": "conditional test (Andrews, Roth & Pakes), inverted",
    "flci": "fixed-length confidence interval (Armstrong & Kolesar)",
}


@dataclass(frozen=True)
class HonestDiDResult:
    r"""Confidence sets for an event-study parameter that allow parallel trends to fail.

    Produced by :func:`evalkit.robustness.honest_did`. For each value of M (written
    :math:`\bar M` for relative magnitudes) the interval
    ``[conf_low[i], conf_high[i]]`` covers :math:`\theta = l'\tau_{post}` with
    probability at least :math:`1 - \alpha` as long as the difference in trends lies in
    the restriction set of that size (Rambachan & Roth 2023). The original interval
    assumes exact parallel trends. The breakdown value is the smallest M whose interval
    includes zero: how large a violation the conclusion "the effect is not zero" can
    survive.

    Attributes
    ----------
    restriction
        ``"relative_magnitude"`` or ``"smoothness"`` (see :data:`RESTRICTION_LABELS`).
    method
        ``"hybrid"`` (the package's C-LF), ``"conditional"`` or ``"flci"``.
    parameter
        :math:`\theta` in words.
    weights
        :math:`l`, one weight per post-period coefficient.
    pre_event_times, post_event_times
        The event times of the coefficients used (the reference period lies between).
    m_values, conf_low, conf_high
        The values of M and the robust interval at each (read-only arrays).
    estimate, std_error
        :math:`l'\hat\beta_{post}` and its standard error.
    original_conf_low, original_conf_high
        The interval under parallel trends, :math:`l'\hat\beta_{post} \pm z_{1-\alpha/2}`
        se (the package's ``constructOriginalCS``).
    alpha
        Significance level.
    breakdown_value
        Smallest M whose robust interval includes zero (0.0 if already at M = 0;
        ``None`` if no M tried does).
    estimator, outcome
        The event study analysed.
    provenance
        The source's specification and data fingerprint plus this analysis's options.
    specification
        What the sensitivity analysis was asked, typed (a
        :class:`~evalkit.results.contract.Specification`; ``None`` for a result built
        by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    restriction: str
    method: str
    parameter: str
    weights: np.ndarray
    pre_event_times: tuple[int, ...]
    post_event_times: tuple[int, ...]
    m_values: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    estimate: float
    std_error: float
    original_conf_low: float
    original_conf_high: float
    alpha: float
    breakdown_value: float | None
    estimator: str
    outcome: str | None
    provenance: Provenance
    specification: Specification | None = None

    def __post_init__(self) -> None:
        for name in ("weights", "m_values", "conf_low", "conf_high"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name)))
        object.__setattr__(self, "pre_event_times", tuple(int(k) for k in self.pre_event_times))
        object.__setattr__(self, "post_event_times",
                           tuple(int(k) for k in self.post_event_times))
        n = self.m_values.size
        if self.conf_low.shape != (n,) or self.conf_high.shape != (n,):
            raise InputError(f"m_values, conf_low and conf_high must have the same length; got "
                             f"{n}, {self.conf_low.size}, {self.conf_high.size}")
        if self.restriction not in RESTRICTION_LABELS or self.method not in METHOD_LABELS:
            raise InputError(f"restriction={self.restriction!r}, method={self.method!r}: "
                             f"restriction must be one of {tuple(RESTRICTION_LABELS)} and "
                             f"method one of {tuple(METHOD_LABELS)}")

    @property
    def m_name(self) -> str:
        """``"Mbar"`` for relative magnitudes, ``"M"`` for smoothness."""
        return "Mbar" if self.restriction == "relative_magnitude" else "M"

    @property
    def method_label(self) -> str:
        """The method under the reference package's name (C-LF, Conditional, FLCI)."""
        return METHOD_LABELS[self.method]

    # ------------------------------------------------------------------ the contract
    @property
    def terms(self) -> tuple[str, ...]:
        """The intervals' names: ``"Original"``, then ``"Mbar = 0.5"`` (or ``"M = ..."``)."""
        return ("Original", *(f"{self.m_name} = {m:g}" for m in self.m_values))

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """The original interval and the robust interval at each M.

        Columns ``lower`` and ``upper``, indexed by term (:attr:`terms`). Only the
        result's own level is available (``alpha=None`` or ``alpha == self.alpha``):
        see :meth:`with_alpha`.
        """
        if level(alpha, self.alpha, "conf_int") != self.alpha:
            raise self._fixed_level(alpha)
        return interval_frame(self.terms, [self.original_conf_low, *self.conf_low],
                              [self.original_conf_high, *self.conf_high])

    def with_alpha(self, alpha: float) -> HonestDiDResult:
        """The same analysis at level ``1 - alpha``: only at the result's own level.

        Each robust interval solves an optimisation over the event study's full
        coefficient vector and covariance matrix, which this result does not hold, so
        another level raises :class:`~evalkit.errors.InputError`: run
        :func:`evalkit.did.honest_did` again with ``alpha``. ``with_alpha(self.alpha)``
        returns this result.
        """
        if level(alpha, self.alpha, "with_alpha") != self.alpha:
            raise self._fixed_level(alpha)
        return self

    def _fixed_level(self, alpha: object) -> Exception:
        return no_interval_error(
            "HonestDiDResult", alpha, f"its robust intervals were computed at alpha="
            f"{self.alpha!r} from the event study's coefficients and covariance, which it "
            f"does not hold; run honest_did(event_study, ..., alpha={alpha!r}) instead")

    @property
    def statistic(self) -> float:
        """:math:`l'\\hat\\beta_{post}` over its standard error."""
        return float(self.estimate / self.std_error) if self.std_error > 0 else float("nan")

    @property
    def p_value(self) -> float:
        """Two-sided normal p-value of :math:`\\theta = 0` under exact parallel trends."""
        return float(2 * stats.norm.sf(abs(self.statistic)))

    # ------------------------------------------------------------------ tables
    def tidy(self, include_original: bool = True) -> pd.DataFrame:
        """One row per value of M, after a first row for the original interval.

        Columns: ``term`` (``"Original"``, ``"Mbar = 0.5"`` ...), ``estimate`` and
        ``std_error`` (of :math:`\\theta`, the same on every row), ``statistic`` and
        ``p_value`` (the original interval's test; missing for the robust intervals,
        which are not test inversions with a p-value), ``conf_low``, ``conf_high``, then
        ``m`` (missing for the original interval), ``includes_zero``, ``method``
        (``"Original"`` or the package's name of the method) and ``restriction``.
        """
        n = self.m_values.size
        frame = pd.DataFrame({
            "term": list(self.terms[1:]),
            "estimate": np.full(n, self.estimate),
            "std_error": np.full(n, self.std_error),
            "statistic": np.full(n, np.nan),
            "p_value": np.full(n, np.nan),
            "conf_low": self.conf_low.copy(),
            "conf_high": self.conf_high.copy(),
            "m": self.m_values.copy(),
            "includes_zero": (self.conf_low <= 0) & (self.conf_high >= 0),
            "method": self.method_label,
            "restriction": self.restriction,
        }, columns=list(TIDY_COLUMNS))
        if include_original:
            first = pd.DataFrame([{
                "term": "Original", "estimate": self.estimate, "std_error": self.std_error,
                "statistic": self.statistic, "p_value": self.p_value,
                "conf_low": self.original_conf_low, "conf_high": self.original_conf_high,
                "m": np.nan,
                "includes_zero": self.original_conf_low <= 0 <= self.original_conf_high,
                "method": "Original", "restriction": "none (parallel trends)"}],
                columns=list(TIDY_COLUMNS))
            frame = pd.concat([first, frame], ignore_index=True)
        return frame

    def _breakdown_text(self) -> str:
        if self.breakdown_value is None:
            return (f"above every {self.m_name} tried (the interval excludes zero up to "
                    f"{self.m_name} = {format_number(float(self.m_values.max()))} and beyond)")
        if self.breakdown_value == 0:
            return f"0 (the interval includes zero already at {self.m_name} = 0)"
        return format_number(self.breakdown_value)

    def summary(self) -> Summary:
        """The analysis's summary: ``print()`` it, or show it in JupyterLab."""
        level = f"{100 * (1 - self.alpha):g}%"
        facts = [("Event study", self.estimator)]
        if self.outcome:
            facts.append(("Outcome", self.outcome))
        facts += [("Parameter", self.parameter),
                  ("Restriction", RESTRICTION_LABELS[self.restriction]),
                  ("Method", f"{self.method_label}: {_METHOD_WORDS[self.method]}"),
                  ("Pre-periods used", ", ".join(map(str, self.pre_event_times))),
                  ("Post-periods used", ", ".join(map(str, self.post_event_times))),
                  ("Estimate (std. error)", f"{format_number(self.estimate)} "
                                            f"({format_number(self.std_error)})"),
                  ("Confidence level", level),
                  (f"Breakdown value of {self.m_name}", self._breakdown_text())]
        labels = list(self.terms)
        table = pd.DataFrame({
            "Lower": [self.original_conf_low, *self.conf_low.tolist()],
            "Upper": [self.original_conf_high, *self.conf_high.tolist()],
            "Includes 0": [self.original_conf_low <= 0 <= self.original_conf_high,
                           *((self.conf_low <= 0) & (self.conf_high >= 0)).tolist()],
        }, index=pd.Index(labels, name=f"{level} interval"), dtype=object)
        notes = (
            "Original: the interval under exact parallel trends. Each robust interval is "
            "valid whenever the violation of parallel trends lies in the restriction set "
            "of that size (Rambachan & Roth 2023).",
            f"Breakdown value: the smallest {self.m_name} whose robust interval includes zero.",
            f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
            f"{self.provenance.data_fingerprint[:16]}...",
        )
        return Summary(title=f"HonestDiD sensitivity analysis ({self.method_label}, "
                             f"{'relative magnitudes' if self.m_name == 'Mbar' else 'smoothness'})",
                       facts=facts_from(facts), table=table, notes=notes)

    def plot(self, *, ax: Axes | None = None, title: str | None = None,
             labels: Mapping[str, str] | None = None, language: str = "en") -> Figure:
        """The sensitivity plot (see :func:`evalkit.plots.honest.plot_honest_did`)."""
        from evalkit.plots.honest import plot_honest_did

        return plot_honest_did(self, ax=ax, title=title, labels=labels, language=language)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
