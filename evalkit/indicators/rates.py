"""Proportions and rates by territory, with confidence intervals, and gaps to a reference.

Every function is vectorised over territories: pass one number, a NumPy array or a
pandas Series per argument (a Series' index names the territories). Intervals come from
statsmodels' implementations of the classical methods:

- proportions: Wilson (1927) score interval or Clopper & Pearson (1934) exact interval;
- rates (counts over a population): Garwood (1936) exact Poisson interval or Wald;
- gaps between a territory and its reference: two-sample intervals and tests for the
  difference and the ratio (Newcombe 1998; Li, Tang & Wong 2014; Gart & Nam 1988).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as _score_test_proportions,
)

from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import frame_fingerprint
from evalkit.errors import InputError
from evalkit.indicators.specs import GapSpec
from evalkit.results.contract import interval_frame, level
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["proportion_ci", "rate_ci", "compare_to_reference", "Gap"]

ArrayLike = float | int | np.ndarray | pd.Series | list


# --------------------------------------------------------------------------- validation
def _as_arrays(named: dict[str, ArrayLike], problems: Problems
               ) -> tuple[dict[str, np.ndarray], pd.Index | None]:
    """Turn each argument into a 1-d float array of a common length; find territory names."""
    arrays: dict[str, np.ndarray] = {}
    index: pd.Index | None = None
    for name, value in named.items():
        if isinstance(value, pd.Series) and index is None:
            index = value.index
        try:
            array = np.atleast_1d(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            problems.add(f"{name}: must be numbers (a number, an array or a Series); got "
                         f"{type(value).__name__}")
            continue
        if array.ndim != 1:
            problems.add(f"{name}: must be one-dimensional; got shape {array.shape}")
            continue
        if np.isnan(array).any():
            problems.add(f"{name}: must not contain missing values; got "
                         f"{int(np.isnan(array).sum())} missing")
        arrays[name] = array
    lengths = {name: len(a) for name, a in arrays.items() if len(a) != 1}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        problems.add(f"the arguments must have one value per territory (or a single value); "
                     f"got different lengths: {described}")
    n = max(lengths.values(), default=1)
    if index is not None and len(index) != n:
        index = None
    if not problems:
        arrays = {k: np.broadcast_to(a, (n,)).copy() for k, a in arrays.items()}
    return arrays, index


def _check_counts(arrays: dict[str, np.ndarray], problems: Problems, *names: str) -> None:
    for name in names:
        a = arrays.get(name)
        if a is not None and (a < 0).any():
            problems.add(f"{name}: counts must be non-negative; got {a[a < 0][:3].tolist()}")


def _check_not_above(arrays: dict[str, np.ndarray], problems: Problems, low: str, high: str,
                     what: str) -> None:
    a, b = arrays.get(low), arrays.get(high)
    if a is not None and b is not None and a.shape == b.shape and (a > b).any():
        where = np.flatnonzero(a > b)[:3].tolist()
        problems.add(f"{low}: must not exceed {high} ({what}); got {low} > {high} at "
                     f"positions {where}")


def _check_positive(arrays: dict[str, np.ndarray], problems: Problems, name: str) -> None:
    a = arrays.get(name)
    if a is not None and (a <= 0).any():
        where = np.flatnonzero(a <= 0)[:3].tolist()
        problems.add(f"{name}: must be strictly positive; got zero or negative values at "
                     f"positions {where}")


def _check_per(per: float, problems: Problems) -> None:
    if isinstance(per, bool) or not isinstance(per, int | float) or not per > 0:
        problems.add(f"per={per!r}: must be a positive number (1000 gives rates per 1,000 "
                     f"inhabitants); got {per!r}")


def _territories(index: pd.Index | None, n: int) -> pd.Index:
    return index if index is not None else pd.RangeIndex(n, name="territory")


# --------------------------------------------------------------------------- one sample
def proportion_ci(
    successes: ArrayLike,
    trials: ArrayLike,
    *,
    method: Literal["wilson", "exact"] = "wilson",
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Proportions with their confidence intervals, one row per territory.

    The estimate is :math:`\hat p = x / n`. The Wilson (1927) score interval is

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n}
              + \frac{z^2}{4n^2}}}{1 + z^2 / n}, \qquad z = \Phi^{-1}(1 - \alpha/2);

    the exact interval of Clopper & Pearson (1934) inverts the binomial test:
    :math:`[B(\alpha/2; x, n - x + 1),\ B(1 - \alpha/2; x + 1, n - x)]`, with
    :math:`B(q; a, b)` the beta quantile (0 when :math:`x = 0`, 1 when :math:`x = n`).
    Wilson's interval is recommended for routine use (good coverage, never outside
    [0, 1]); the exact interval is conservative (coverage at least :math:`1-\alpha`).

    Parameters
    ----------
    successes
        Number of successes per territory (non-negative).
    trials
        Number of trials per territory (strictly positive, at least ``successes``).
    method
        ``"wilson"`` or ``"exact"`` (Clopper-Pearson).
    alpha
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    pandas.DataFrame
        Columns ``successes``, ``trials``, ``estimate``, ``conf_low``, ``conf_high``,
        indexed by territory (the index of the Series given, else 0, 1, ...).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209-212.
    Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. *Biometrika* 26(4), 404-413.

    Examples
    --------
    >>> proportion_ci([12, 40], [100, 250]).round(4)  # doctest: +NORMALIZE_WHITESPACE
               successes  trials  estimate  conf_low  conf_high
    territory
    0               12.0   100.0      0.12    0.0700     0.1981
    1               40.0   250.0      0.16    0.1198     0.2105
    """
    problems = Problems()
    check_choice("method", method, ("wilson", "exact"), problems)
    check_alpha(alpha, problems)
    arrays, index = _as_arrays({"successes": successes, "trials": trials}, problems)
    _check_counts(arrays, problems, "successes", "trials")
    _check_positive(arrays, problems, "trials")
    _check_not_above(arrays, problems, "successes", "trials", "successes are among the trials")
    problems.raise_if_any(InputError, "Invalid arguments to proportion_ci:")
    x, n = arrays["successes"], arrays["trials"]
    low, high = proportion_confint(x, n, alpha=alpha,
                                   method="wilson" if method == "wilson" else "beta")
    return pd.DataFrame({"successes": x, "trials": n, "estimate": x / n,
                         "conf_low": np.asarray(low, dtype=float),
                         "conf_high": np.asarray(high, dtype=float)},
                        index=_territories(index, len(x)))


def rate_ci(
    events: ArrayLike,
    population: ArrayLike,
    *,
    per: float = 1000,
    method: Literal["exact", "wald"] = "exact",
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Rates (events per ``per`` inhabitants) with their confidence intervals.

    The count of events :math:`X` is treated as Poisson with mean :math:`\lambda N`,
    :math:`N` the population; the rate is :math:`\hat\lambda = X / N`, reported per
    ``per`` inhabitants. The exact interval of Garwood (1936) uses chi-squared quantiles:

    .. math:: \left[\frac{\chi^2_{\alpha/2}(2X)}{2N},\
              \frac{\chi^2_{1-\alpha/2}(2X + 2)}{2N}\right]

    (lower limit 0 when :math:`X = 0`), as computed by
    ``statsmodels.stats.rates.confint_poisson(method="exact-c")``; the Wald interval is
    :math:`\hat\lambda \pm z \sqrt{X}/N`, which is poor for small counts (it collapses to
    a point at :math:`X = 0`) and is offered only for comparison with published figures.

    Parameters
    ----------
    events
        Number of events per territory (non-negative).
    population
        Population (or person-time) at risk per territory (strictly positive).
    per
        Rates are expressed per this many inhabitants (1000 by default).
    method
        ``"exact"`` (Garwood) or ``"wald"``.
    alpha
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    pandas.DataFrame
        Columns ``events``, ``population``, ``estimate``, ``conf_low``, ``conf_high``
        (the last three per ``per`` inhabitants), indexed by territory.

    References
    ----------
    Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika*
    28(3/4), 437-442.
    """
    problems = Problems()
    check_choice("method", method, ("exact", "wald"), problems)
    check_alpha(alpha, problems)
    _check_per(per, problems)
    arrays, index = _as_arrays({"events": events, "population": population}, problems)
    _check_counts(arrays, problems, "events")
    _check_positive(arrays, problems, "population")
    problems.raise_if_any(InputError, "Invalid arguments to rate_ci:")
    x, n = arrays["events"], arrays["population"]
    low, high = sm_rates.confint_poisson(x, n, method="exact-c" if method == "exact" else "wald",
                                         alpha=alpha)
    low = np.clip(np.asarray(low, dtype=float), 0, None)
    return pd.DataFrame({"events": x, "population": n, "estimate": per * x / n,
                         "conf_low": per * low, "conf_high": per * np.asarray(high, dtype=float)},
                        index=_territories(index, len(x)))


# --------------------------------------------------------------------------- two samples
@dataclass(frozen=True)
class Gap:
    """The gap between each territory and its reference, with its uncertainty.

    On the result contract, each territory is a term (its label as text) whose estimate
    is the difference to the reference, with the difference's interval; the difference
    has no standard error (its interval is not symmetric) and its statistic is the
    score test's. Note that :attr:`estimate` (a field) is the territory's own value
    while :attr:`estimates` (the contract's) are the differences.

    Attributes
    ----------
    territory
        Territory labels.
    kind
        ``"proportion"`` or ``"rate"``.
    estimate, reference
        The territory's value and the reference's (the rest of the reference when the
        territory was excluded from it); rates per ``per`` inhabitants.
    difference, difference_low, difference_high
        ``estimate - reference`` and its confidence interval.
    ratio, ratio_low, ratio_high
        ``estimate / reference`` and its confidence interval.
    p_value
        Two-sided p-value of the test of no difference.
    statistic
        The score statistic of that test (0 where neither sample has an event).
    events, trials, reference_events, reference_trials
        The counts compared, as given to :func:`compare_to_reference` (one value per
        territory): they let :meth:`with_alpha` recompute the intervals.
    alpha, per, exclude_territory, method
        The options the gap was computed with.
    provenance
        The options, the fingerprint of the counts and the evalkit version.
    """

    territory: tuple
    kind: str
    estimate: np.ndarray
    reference: np.ndarray
    difference: np.ndarray
    difference_low: np.ndarray
    difference_high: np.ndarray
    ratio: np.ndarray
    ratio_low: np.ndarray
    ratio_high: np.ndarray
    p_value: np.ndarray
    alpha: float
    per: float
    exclude_territory: bool
    statistic: np.ndarray = field(repr=False)
    events: np.ndarray = field(repr=False)
    trials: np.ndarray = field(repr=False)
    reference_events: np.ndarray = field(repr=False)
    reference_trials: np.ndarray = field(repr=False)
    provenance: Provenance = field(repr=False, compare=False)
    method: dict = field(default_factory=dict)


    @property
    def specification(self) -> GapSpec:
        """What the function was asked (typed); ``provenance.specification`` is its
        dictionary view."""
        return GapSpec(**self.provenance.to_dict()["specification"])

    def __post_init__(self) -> None:
        for name in ("estimate", "reference", "difference", "difference_low", "difference_high",
                     "ratio", "ratio_low", "ratio_high", "p_value", "statistic", "events",
                     "trials", "reference_events", "reference_trials"):
            array = np.array(getattr(self, name), dtype=float, copy=True)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "territory", tuple(self.territory))

    @property
    def distinguishable(self) -> np.ndarray:
        """Whether the difference's confidence interval excludes zero (a real gap)."""
        return (self.difference_low > 0) | (self.difference_high < 0)

    # ------------------------------------------------------------------ the contract
    @property
    def terms(self) -> list[str]:
        """The territories' labels as text: the terms of the result's tables."""
        return [str(t) for t in self.territory]

    @property
    def estimates(self) -> pd.Series:
        """The differences to the reference, indexed by term (the territory)."""
        return pd.Series(self.difference, index=pd.Index(self.terms, name="term"),
                         name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Missing: the difference's interval is a score interval, not estimate ± z SE."""
        return pd.Series(np.nan, index=pd.Index(self.terms, name="term"), name="std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Confidence intervals of the differences.

        Parameters
        ----------
        alpha
            Significance level (default: the result's ``alpha``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by term (the territory).
        """
        alpha = level(alpha, self.alpha, "Gap.conf_int")
        at = self if alpha == self.alpha else self.with_alpha(alpha)
        return interval_frame(self.terms, at.difference_low, at.difference_high)

    def with_alpha(self, alpha: float) -> Gap:
        """The gaps with the intervals of the difference and the ratio at level
        ``1 - alpha``, computed from the kept counts as :func:`compare_to_reference`
        does; the estimates and the test do not depend on the level."""
        alpha = level(alpha, self.alpha, "Gap.with_alpha")
        x1, n1, x0, n0 = _compared(self.events, self.trials, self.reference_events,
                                   self.reference_trials, self.exclude_territory)
        d_low, d_high, r_low, r_high = _intervals(self.kind, x1, n1, x0, n0, alpha)
        scale = self.per if self.kind == "rate" else 1.0
        return replace(self, difference_low=scale * d_low, difference_high=scale * d_high,
                       ratio_low=r_low, ratio_high=r_high, alpha=alpha,
                       provenance=self.provenance.with_alpha(alpha))

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row per territory.

        Columns: ``term`` (the territory's label as text), ``estimate`` (the
        difference), ``std_error`` (missing), ``statistic``, ``p_value``, ``conf_low``,
        ``conf_high`` (the difference's interval), then ``territory``, ``value`` (the
        territory's value), ``reference``, ``difference``, ``ratio``, ``ratio_conf_low``,
        ``ratio_conf_high`` and ``distinguishable``.
        """
        return pd.DataFrame({
            "term": self.terms,
            "estimate": self.difference,
            "std_error": np.full(len(self.territory), np.nan),
            "statistic": self.statistic,
            "p_value": self.p_value,
            "conf_low": self.difference_low,
            "conf_high": self.difference_high,
            "territory": list(self.territory),
            "value": self.estimate,
            "reference": self.reference,
            "difference": self.difference,
            "ratio": self.ratio,
            "ratio_conf_low": self.ratio_low,
            "ratio_conf_high": self.ratio_high,
            "distinguishable": self.distinguishable,
        })

    def summary(self) -> Summary:
        """The gaps as a summary table: ``print()`` it, or show it in JupyterLab."""
        table = self.tidy().set_index("territory")[[
            "value", "reference", "difference", "conf_low", "conf_high", "ratio",
            "ratio_conf_low", "ratio_conf_high", "p_value", "distinguishable"]]
        unit = "proportion" if self.kind == "proportion" else f"rate per {self.per:,g}"
        level = f"{100 * (1 - self.alpha):g}%"
        facts = facts_from([
            ("Measure", unit),
            ("Territories", len(self.territory)),
            ("Reference", "excluding the territory" if self.exclude_territory
             else "including the territory"),
            ("Confidence level", level),
            ("Difference interval", self.method.get("difference", "")),
            ("Ratio interval", self.method.get("ratio", "")),
            ("Test", self.method.get("test", "")),
            ("Distinguishable gaps", int(self.distinguishable.sum())),
        ])
        notes = ("A gap is called distinguishable when its confidence interval for the "
                 "difference excludes zero.",)
        return Summary("Gaps to the reference", facts, table, notes)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The territories ranked by their gap, with its interval (see
        :func:`~evalkit.plots.indicators.plot_gap_ranking`)."""
        from evalkit.plots.indicators import plot_gap_ranking

        return plot_gap_ranking(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _compared(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray,
              exclude_territory: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The counts compared: the reference without the territory when it is excluded."""
    if exclude_territory:
        return x1, n1, x0 - x1, n0 - n1
    return x1, n1, x0, n0


def _intervals(kind: str, x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray,
               alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intervals of the difference (unscaled) and of the ratio at level ``1 - alpha``."""
    if kind == "proportion":
        d_low, d_high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb",
                                                   compare="diff", alpha=alpha)
        r_low, r_high = confint_proportions_2indep(x1, n1, x0, n0, method="log-adjusted",
                                                   compare="ratio", alpha=alpha)
    else:
        d_low, d_high = sm_rates.confint_poisson_2indep(x1, n1, x0, n0, method="mover",
                                                        compare="diff", alpha=alpha)
        r_low, r_high = sm_rates.confint_poisson_2indep(x1, n1, x0, n0, method="mover",
                                                        compare="ratio", alpha=alpha)
    return tuple(np.asarray(a, dtype=float)  # type: ignore[return-value]
                 for a in (d_low, d_high, r_low, r_high))


def compare_to_reference(
    events: ArrayLike,
    trials: ArrayLike,
    reference_events: ArrayLike,
    reference_trials: ArrayLike,
    *,
    kind: Literal["proportion", "rate"],
    exclude_territory: bool = True,
    per: float = 1000,
    alpha: float = 0.05,
) -> Gap:
    r"""Compare each territory with its reference (department, region, France).

    With :math:`\hat\theta_1 = x_1 / n_1` for the territory and
    :math:`\hat\theta_0 = x_0 / n_0` for the reference, the gap is reported as a
    difference :math:`\hat\theta_1 - \hat\theta_0` and a ratio
    :math:`\hat\theta_1 / \hat\theta_0`, each with a confidence interval for two
    independent samples, and a two-sided score test of :math:`\theta_1 = \theta_0`:

    - ``kind="proportion"`` (binomial counts): difference by Newcombe's (1998) hybrid
      score interval (built from the two Wilson intervals), ratio by the log interval
      with 0.5 added to the counts (Gart & Nam 1988, ``"log-adjusted"``), test by the
      score statistic (Miettinen & Nurminen 1985) --
      ``statsmodels.stats.proportion.confint_proportions_2indep`` and
      ``test_proportions_2indep``;
    - ``kind="rate"`` (Poisson counts over populations): difference and ratio by the
      MOVER intervals built from the score intervals of each rate (Li, Tang & Wong
      2014), test by the score statistic -- ``statsmodels.stats.rates.
      confint_poisson_2indep`` and ``test_poisson_2indep``.

    A gap is *distinguishable* when the interval for the difference excludes zero; a
    report should not describe a territory as above or below its reference otherwise.

    **Overlapping samples.** When the territory is part of its reference (a commune
    within its department), the two samples overlap and the two-sample methods, which
    assume independent samples, understate the uncertainty of the difference and bias
    it towards zero. With ``exclude_territory=True`` (the default) the territory is
    subtracted from the reference before comparing, :math:`x_0 \leftarrow x_0 - x_1`
    and :math:`n_0 \leftarrow n_0 - n_1`: the territory is then compared with *the rest
    of* its reference, and ``reference`` in the result is that rest. Pass
    ``exclude_territory=False`` when the reference does not contain the territory
    (e.g. a neighbouring region or a national figure published without it).

    Parameters
    ----------
    events, trials
        Counts and denominators of each territory (trials for proportions, population
        for rates).
    reference_events, reference_trials
        The reference's counts and denominators: one value per territory, or a single
        value shared by all.
    kind
        ``"proportion"`` or ``"rate"``.
    exclude_territory
        Subtract the territory from its reference before comparing (see above).
    per
        For rates, the estimates and differences are per this many inhabitants.
    alpha
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    Gap

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions. *Statistics in Medicine* 17, 873-890.
    Gart, J. J. & Nam, J. (1988). Approximate interval estimation of the ratio of
    binomial parameters. *Biometrics* 44, 323-338.
    Miettinen, O. & Nurminen, M. (1985). Comparative analysis of two rates.
    *Statistics in Medicine* 4, 213-226.
    Li, H. Q., Tang, M. L. & Wong, W. K. (2014). Confidence intervals for ratio of two
    Poisson rates using the method of variance estimates recovery. *Computational
    Statistics* 29, 869-889.
    """
    problems = Problems()
    check_choice("kind", kind, ("proportion", "rate"), problems)
    check_alpha(alpha, problems)
    _check_per(per, problems)
    if not isinstance(exclude_territory, bool):
        problems.add(f"exclude_territory={exclude_territory!r}: must be True or False; got "
                     f"{exclude_territory!r}")
    arrays, index = _as_arrays({"events": events, "trials": trials,
                                "reference_events": reference_events,
                                "reference_trials": reference_trials}, problems)
    _check_counts(arrays, problems, "events", "trials", "reference_events", "reference_trials")
    _check_positive(arrays, problems, "trials")
    if kind == "proportion":
        _check_not_above(arrays, problems, "events", "trials", "events are among the trials")
        _check_not_above(arrays, problems, "reference_events", "reference_trials",
                         "events are among the trials")
    if exclude_territory is True and not problems:
        _check_not_above(arrays, problems, "events", "reference_events",
                         "the territory is part of its reference; pass "
                         "exclude_territory=False if it is not")
        _check_not_above(arrays, problems, "trials", "reference_trials",
                         "the territory is part of its reference; pass "
                         "exclude_territory=False if it is not")
    problems.raise_if_any(InputError, "Invalid arguments to compare_to_reference:")

    given = arrays["events"], arrays["trials"], arrays["reference_events"], \
        arrays["reference_trials"]
    x1, n1, x0, n0 = _compared(*given, exclude_territory)
    if (n0 <= 0).any():
        where = np.flatnonzero(n0 <= 0)[:3].tolist()
        what = "once the territory is subtracted" if exclude_territory else ""
        raise InputError("Invalid arguments to compare_to_reference:",
                         [f"reference_trials: must be strictly positive {what}; got zero or "
                          f"negative values at positions {where}".replace("  ", " ")])
    territory = tuple(_territories(index, len(x1)))
    scale = per if kind == "rate" else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p0 = x1 / n1, x0 / n0
        ratio = p1 / p0
    d_low, d_high, r_low, r_high = _intervals(kind, x1, n1, x0, n0, alpha)
    if kind == "proportion":
        methods = {"difference": "Newcombe hybrid score", "ratio": "log, adjusted (Gart & Nam)",
                   "test": "score (Miettinen & Nurminen)"}
        with np.errstate(divide="ignore", invalid="ignore"):
            test = _score_test_proportions(x1, n1, x0, n0, method="score", compare="diff")
    else:
        methods = {"difference": "MOVER score (Li, Tang & Wong)",
                   "ratio": "MOVER score (Li, Tang & Wong)", "test": "score"}
        with np.errstate(divide="ignore", invalid="ignore"):
            test = sm_rates.test_poisson_2indep(x1, n1, x0, n0, method="score", compare="diff")
    no_event = (x1 + x0) == 0
    p_value = np.where(no_event, 1.0, np.asarray(test.pvalue, dtype=float))
    statistic = np.where(no_event, 0.0, np.asarray(test.statistic, dtype=float))
    counts = pd.DataFrame(dict(zip(("events", "trials", "reference_events",
                                    "reference_trials"), given, strict=True)))
    counts.insert(0, "territory", list(territory))
    provenance = Provenance("evalkit.indicators.compare_to_reference",
                            {"kind": kind, "exclude_territory": exclude_territory, "per": per,
                             "alpha": alpha}, frame_fingerprint(counts), len(territory))
    return Gap(
        territory=territory,
        kind=kind,
        estimate=scale * p1,
        reference=scale * p0,
        difference=scale * (p1 - p0),
        difference_low=scale * d_low,
        difference_high=scale * d_high,
        ratio=ratio,
        ratio_low=r_low,
        ratio_high=r_high,
        p_value=p_value,
        alpha=alpha,
        per=per,
        exclude_territory=exclude_territory,
        statistic=statistic,
        events=given[0],
        trials=given[1],
        reference_events=given[2],
        reference_trials=given[3],
        provenance=provenance,
        method=methods,
    )
