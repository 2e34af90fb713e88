"""Trends and breaks in an indicator's series.

- :func:`mann_kendall`: is there a monotonic trend? (Mann 1945; Kendall 1975), with
  Sen's (1968) slope and the Hamed & Rao (1998) or Yue & Wang (2004) corrections for
  serial correlation;
- :func:`interrupted_time_series`: did the level or the slope change when the policy
  started? Segmented regression (Wagner et al. 2002) with Newey & West (1987) standard
  errors.

A series is a pandas Series indexed by period, or any sequence of numbers. When the
index is numeric (years, say) it is used as the time axis, so that slopes are per
unit of the index (per year); otherwise observations are taken as equally spaced,
0, 1, 2, ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import frame_fingerprint
from evalkit.errors import InputError
from evalkit.indicators.specs import InterruptedTimeSeriesSpec, MannKendallSpec
from evalkit.results.coefficients import Coefficients
from evalkit.results.contract import interval_frame, level
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["mann_kendall", "MannKendallResult", "interrupted_time_series", "ITSResult",
           "default_hac_lags"]


# --------------------------------------------------------------------------- input
def _series(series: Any, problems: Problems, name: str = "series") -> pd.Series | None:
    if isinstance(series, pd.DataFrame):
        problems.add(f"{name}: must be a Series or a sequence of numbers; got a DataFrame "
                     f"(select one column)")
        return None
    try:
        s = pd.Series(series, dtype=float) if not isinstance(series, pd.Series) \
            else series.astype(float)
    except (TypeError, ValueError):
        problems.add(f"{name}: must contain numbers; got {type(series).__name__}")
        return None
    if not s.index.is_unique:
        problems.add(f"{name}: its index (the periods) must not repeat; got duplicated "
                     f"periods {s.index[s.index.duplicated()].unique()[:3].tolist()}")
    return s


def _time_axis(index: pd.Index) -> np.ndarray:
    """The index when numeric (years ...), otherwise 0, 1, 2, ... in order."""
    if pd.api.types.is_numeric_dtype(index) and not pd.api.types.is_bool_dtype(index):
        return np.asarray(index, dtype=float)
    return np.arange(len(index), dtype=float)


def _fingerprint(s: pd.Series) -> str:
    """SHA-256 of a series as used: its periods and values, in order."""
    return frame_fingerprint(pd.DataFrame({"period": s.index, "value": s.to_numpy(dtype=float)}))


def _sorted(s: pd.Series) -> pd.Series:
    try:
        return s.sort_index()
    except TypeError:
        return s


# --------------------------------------------------------------------------- Mann-Kendall
#: The term of a Mann-Kendall result's tables: Sen's slope.
SEN_TERM = "sen_slope"


@dataclass(frozen=True)
class MannKendallResult:
    """The Mann-Kendall trend test and Sen's slope of one series.

    The result's estimate is Sen's slope (term ``"sen_slope"``), with its rank-based
    interval; it has no standard error (``std_error`` is missing), and its test
    statistic is ``z``.

    Attributes
    ----------
    s
        Mann-Kendall statistic :math:`S`.
    variance
        Variance of :math:`S` under no trend, corrected for ties and, when asked, for
        serial correlation.
    z
        Standardised statistic with continuity correction.
    p_value
        Two-sided p-value.
    tau
        Kendall's tau-b between the values and time.
    trend
        ``"increasing"``, ``"decreasing"`` or ``"no trend"`` at level ``alpha``.
    slope, slope_low, slope_high
        Sen's slope (per unit of time) and its rank-based confidence interval.
    intercept
        Intercept of the Sen line, :math:`\\mathrm{median}(y) - b\\,\\mathrm{median}(t)`.
    n
        Number of non-missing observations.
    correction
        ``"none"``, ``"hamed_rao"`` or ``"yue_wang"``.
    variance_ratio
        :math:`n / n^*`, the factor applied to the variance by the correction (1 without).
    alpha
        Significance level.
    lags
        The autocorrelation lags the correction was asked to use (``None``: all).
    series
        The series tested: sorted by period, missing values dropped (a copy).
    provenance
        The options, the fingerprint of the series and the evalkit version.
    """

    s: float
    variance: float
    z: float
    p_value: float
    tau: float
    trend: str
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    n: int
    correction: str
    variance_ratio: float
    alpha: float
    lags: int | None
    series: pd.Series = field(repr=False, compare=False)
    provenance: Provenance = field(repr=False, compare=False)


    @property
    def specification(self) -> MannKendallSpec:
        """What the function was asked (typed); ``provenance.specification`` is its
        dictionary view."""
        return MannKendallSpec(**self.provenance.to_dict()["specification"])

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", self.series.copy())

    # ------------------------------------------------------------------ the contract
    @property
    def estimate(self) -> float:
        """Sen's slope (the same as :attr:`slope`)."""
        return self.slope

    @property
    def std_error(self) -> float:
        """Missing: Sen's slope has a rank-based interval, not a standard error."""
        return float("nan")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """The rank-based confidence interval of Sen's slope.

        Parameters
        ----------
        alpha
            Significance level (default: the result's ``alpha``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, one row indexed by the term ``"sen_slope"``.
        """
        alpha = level(alpha, self.alpha, "MannKendallResult.conf_int")
        at = self if alpha == self.alpha else self.with_alpha(alpha)
        return interval_frame([SEN_TERM], [at.slope_low], [at.slope_high])

    def with_alpha(self, alpha: float) -> MannKendallResult:
        """The test at significance level ``alpha``, as :func:`mann_kendall` gives it.

        The interval of Sen's slope and the trend verdict move to the new level. With
        ``correction="hamed_rao"`` the autocorrelation lags kept are those significant at
        level ``alpha``, so the variance, ``z`` and the p-value may change as well.
        """
        alpha = level(alpha, self.alpha, "MannKendallResult.with_alpha")
        return _mann_kendall(self.series, correction=self.correction, lags=self.lags,
                             alpha=alpha, provenance=self.provenance.with_alpha(alpha))

    def lines(self) -> pd.DataFrame:
        """The series and the Sen line by period (for plots).

        Columns ``observed``; ``sen``, the line :math:`a + b\\,t`; ``sen_low`` and
        ``sen_high``, the lines through the same centre point
        :math:`(\\mathrm{median}(t), \\mathrm{median}(y))` with the interval's slopes.
        The time axis :math:`t` is the numeric index, else 0, 1, 2, ...
        """
        t = _time_axis(self.series.index)
        y = self.series.to_numpy(dtype=float)
        centre_t, centre_y = float(np.median(t)), float(np.median(y))
        return pd.DataFrame({
            "observed": y,
            "sen": self.intercept + self.slope * t,
            "sen_low": centre_y + self.slope_low * (t - centre_t),
            "sen_high": centre_y + self.slope_high * (t - centre_t),
        }, index=self.series.index)

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row, the term ``"sen_slope"``.

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``
        (Sen's slope, no standard error, ``z``, the test's p-value and the slope's
        interval), then ``trend, s, variance, z, tau, slope, intercept, n, correction``.
        """
        return pd.DataFrame([{
            "term": SEN_TERM, "estimate": self.slope, "std_error": np.nan,
            "statistic": self.z, "p_value": self.p_value,
            "conf_low": self.slope_low, "conf_high": self.slope_high,
            "trend": self.trend, "s": self.s, "variance": self.variance, "z": self.z,
            "tau": self.tau, "slope": self.slope, "intercept": self.intercept, "n": self.n,
            "correction": self.correction,
        }])

    def summary(self) -> Summary:
        """The test as a summary: ``print()`` it, or show it in JupyterLab."""
        level = f"{100 * (1 - self.alpha):g}%"
        table = pd.DataFrame({"estimate": [self.slope],
                              f"conf_low ({level})": [self.slope_low],
                              f"conf_high ({level})": [self.slope_high]},
                             index=pd.Index(["Sen's slope"], name=""))
        corrections = {"none": "none", "hamed_rao": "Hamed & Rao (1998)",
                       "yue_wang": "Yue & Wang (2004)"}
        facts = facts_from([
            ("Trend", self.trend), ("Observations", self.n), ("S", self.s),
            ("Var(S)", self.variance), ("z", self.z), ("p-value (two-sided)", self.p_value),
            ("Kendall's tau", self.tau),
            ("Serial correlation correction", corrections[self.correction]),
            ("n / n*", self.variance_ratio),
        ])
        return Summary("Mann-Kendall trend test", facts, table)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The series with its Sen line and the slope's interval (see
        :func:`~evalkit.plots.trends.plot_trend`)."""
        from evalkit.plots.trends import plot_trend

        return plot_trend(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _mk_s(y: np.ndarray) -> float:
    i, j = np.triu_indices(len(y), k=1)
    return float(np.sign(y[j] - y[i]).sum())


def _ties_term(y: np.ndarray) -> float:
    _, counts = np.unique(y, return_counts=True)
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def _acf(x: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelations at lags 0..nlags (denominator n at every lag)."""
    d = x - x.mean()
    n = len(x)
    acov = np.correlate(d, d, "full")[n - 1:] / n
    return acov[: nlags + 1] / acov[0]


def _sen(t: np.ndarray, y: np.ndarray, variance: float, alpha: float
         ) -> tuple[float, float, float, float]:
    i, j = np.triu_indices(len(y), k=1)
    dt = t[j] - t[i]
    slopes = np.sort((y[j] - y[i])[dt != 0] / dt[dt != 0])
    slope = float(np.median(slopes))
    m = len(slopes)
    c = stats.norm.ppf(1 - alpha / 2) * math.sqrt(variance)
    # Gilbert (1987, sec. 16.5): the limits are the M1-th and (M2 + 1)-th ordered slopes,
    # M1 = (N' - C) / 2, M2 = (N' + C) / 2, rounded to the nearest rank (1-based).
    low_rank = int(np.round((m - c) / 2)) - 1
    high_rank = int(np.round((m + c) / 2))
    low = float(slopes[min(max(low_rank, 0), m - 1)])
    high = float(slopes[min(max(high_rank, 0), m - 1)])
    intercept = float(np.median(y) - slope * np.median(t))
    return slope, low, high, intercept


def mann_kendall(
    series: pd.Series | np.ndarray | list[float],
    *,
    correction: Literal["none", "hamed_rao", "yue_wang"] = "none",
    lags: int | None = None,
    alpha: float = 0.05,
) -> MannKendallResult:
    r"""Mann-Kendall test of a monotonic trend, with Sen's slope.

    For observations :math:`y_1, \dots, y_n` in time order,

    .. math::
        S = \sum_{i<j} \operatorname{sign}(y_j - y_i), \qquad
        \operatorname{Var}(S) = \frac{n(n-1)(2n+5) - \sum_g t_g(t_g-1)(2t_g+5)}{18},

    :math:`t_g` the size of the :math:`g`-th group of tied values (Mann 1945; Kendall
    1975). The statistic :math:`z = (S - \operatorname{sign}(S)) / \sqrt{\operatorname
    {Var}(S)}` (continuity correction; 0 when :math:`S = 0`) is compared with the
    standard normal for a two-sided p-value. Kendall's tau is the tau-b between the
    values and time (equal to :math:`S / \binom{n}{2}` without ties).

    Serial correlation inflates the variance of :math:`S`; the corrections multiply
    :math:`\operatorname{Var}(S)` by :math:`n / n^*`:

    - ``"hamed_rao"`` (Hamed & Rao 1998): :math:`n/n^* = 1 + \frac{2}{n(n-1)(n-2)}
      \sum_{k=1}^{L} (n-k)(n-k-1)(n-k-2)\, \rho_k`, with :math:`\rho_k` the lag-:math:`k`
      autocorrelation of the ranks of the series detrended by Sen's slope, keeping only
      the lags significant at level ``alpha`` (:math:`|\rho_k| > z_{1-\alpha/2}/\sqrt n`);
    - ``"yue_wang"`` (Yue & Wang 2004): :math:`n/n^* = 1 + 2 \sum_{k=1}^{L}
      (1 - k/n)\, r_k`, with :math:`r_k` the autocorrelations of the detrended series.

    :math:`L` is ``lags`` (default :math:`n - 1`, all lags, as in the ``pymannkendall``
    package; Hamed & Rao suggest 3). The autocorrelations are taken in observation order.

    Sen's slope (Sen 1968) is the median of the :math:`N'` pairwise slopes
    :math:`(y_j - y_i)/(t_j - t_i)`; its confidence interval is the
    :math:`M_1`-th and :math:`(M_2+1)`-th ordered slopes, :math:`M_{1,2} = (N' \mp C)/2`,
    :math:`C = z_{1-\alpha/2}\sqrt{\operatorname{Var}(S)}` (Gilbert 1987, sec. 16.5),
    using the variance after correction. It agrees with
    :func:`scipy.stats.theilslopes` when there is no correction.

    Parameters
    ----------
    series
        The values, in time order when not a Series (a Series is sorted by its index).
        Missing values are dropped.
    correction
        ``"none"``, ``"hamed_rao"`` or ``"yue_wang"``.
    lags
        Number of autocorrelation lags the correction uses (default all, ``n - 1``).
    alpha
        Significance level of the test and of the slope's interval.

    Returns
    -------
    MannKendallResult

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13, 245-259.
    Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. London: Griffin.
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau.
    *JASA* 63, 1379-1389.
    Gilbert, R. O. (1987). *Statistical Methods for Environmental Pollution Monitoring*.
    New York: Van Nostrand Reinhold.
    Hamed, K. H. & Rao, A. R. (1998). A modified Mann-Kendall trend test for
    autocorrelated data. *Journal of Hydrology* 204, 182-196.
    Yue, S. & Wang, C. Y. (2004). The Mann-Kendall test modified by effective sample size
    to detect trend in serially correlated hydrological series. *Water Resources
    Management* 18, 201-218.
    """
    problems = Problems()
    check_choice("correction", correction, ("none", "hamed_rao", "yue_wang"), problems)
    check_alpha(alpha, problems)
    if lags is not None and (isinstance(lags, bool) or not isinstance(lags, int) or lags < 1):
        problems.add(f"lags={lags!r}: must be a positive integer or None (all lags); got "
                     f"{lags!r}")
    s = _series(series, problems)
    if s is not None and not problems:
        s = _sorted(s).dropna()
        if len(s) < 3:
            problems.add(f"series: must have at least 3 non-missing values; got {len(s)}")
    problems.raise_if_any(InputError, "Invalid arguments to mann_kendall:")
    assert s is not None
    provenance = Provenance("evalkit.indicators.mann_kendall",
                            {"correction": correction, "lags": lags, "alpha": alpha},
                            _fingerprint(s), len(s))
    return _mann_kendall(s, correction=correction, lags=lags, alpha=alpha,
                         provenance=provenance)


def _mann_kendall(s: pd.Series, *, correction: str, lags: int | None, alpha: float,
                  provenance: Provenance) -> MannKendallResult:
    """The test of a checked series (sorted, without missing values)."""
    y = s.to_numpy(dtype=float)
    t = _time_axis(s.index)
    n = len(y)

    score = _mk_s(y)
    variance = (n * (n - 1) * (2 * n + 5) - _ties_term(y)) / 18.0
    ratio = 1.0
    if correction != "none":
        slope0, *_ = _sen(t, y, max(variance, 1e-300), alpha)
        detrended = y - slope0 * t
        n_lags = n - 1 if lags is None else min(lags, n - 1)
        if correction == "hamed_rao":
            rho = _acf(stats.rankdata(detrended), n_lags)[1:]
            k = np.arange(1, n_lags + 1)
            bound = stats.norm.ppf(1 - alpha / 2) / math.sqrt(n)
            keep = np.abs(rho) > bound
            ratio = 1 + 2 / (n * (n - 1) * (n - 2)) * float(
                np.sum(((n - k) * (n - k - 1) * (n - k - 2) * rho)[keep]))
        else:
            rho = _acf(detrended, n_lags)[1:]
            k = np.arange(1, n_lags + 1)
            ratio = 1 + 2 * float(np.sum((1 - k / n) * rho))
        variance *= ratio
    if variance > 0:
        z = (score - np.sign(score)) / math.sqrt(variance)
    else:
        z = 0.0
    p_value = float(2 * stats.norm.sf(abs(z)))
    n_pairs = n * (n - 1) / 2
    ties_y = float(np.sum([c * (c - 1) / 2 for c in np.unique(y, return_counts=True)[1]]))
    denominator = math.sqrt(n_pairs * (n_pairs - ties_y)) if n_pairs > ties_y else float("nan")
    tau = score / denominator if denominator else float("nan")
    trend = "no trend"
    if p_value < alpha:
        trend = "increasing" if z > 0 else "decreasing"
    slope, low, high, intercept = _sen(t, y, max(variance, 0.0), alpha)
    return MannKendallResult(
        s=score, variance=float(variance), z=float(z), p_value=p_value, tau=float(tau),
        trend=trend, slope=slope, slope_low=low, slope_high=high, intercept=intercept,
        n=n, correction=correction, variance_ratio=float(ratio), alpha=alpha, lags=lags,
        series=s, provenance=provenance)


# --------------------------------------------------------------------------- ITS
def default_hac_lags(n: int) -> int:
    r"""Newey & West's (1994) rule for the HAC truncation lag:
    :math:`L = \lfloor 4 (n/100)^{2/9} \rfloor`."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


@dataclass(frozen=True)
class ITSResult:
    """Segmented regression of an interrupted time series.

    Attributes
    ----------
    coefficients
        ``intercept``, ``pre_slope``, ``level_change`` and ``slope_change`` with their
        HAC covariance (normal reference distribution).
    start
        The first period of the policy (as given).
    start_time
        Its position on the time axis.
    hac_lags
        Newey-West truncation lag used.
    n, n_pre, n_post
        Observations in all, before and from the start.
    fitted
        Fitted values, indexed by period.
    counterfactual
        The pre-period line extended over the whole series (what the series would have
        done without a change of level or slope), indexed by period.
    observed
        The series used.
    r_squared
        Coefficient of determination of the regression.
    provenance
        The options, the fingerprint of the series and the evalkit version.
    """

    coefficients: Coefficients
    start: Any
    start_time: float
    hac_lags: int
    n: int
    n_pre: int
    n_post: int
    fitted: pd.Series
    counterfactual: pd.Series
    observed: pd.Series
    r_squared: float
    provenance: Provenance = field(repr=False, compare=False)


    @property
    def specification(self) -> InterruptedTimeSeriesSpec:
        """What the function was asked (typed); ``provenance.specification`` is its
        dictionary view."""
        return InterruptedTimeSeriesSpec(**self.provenance.to_dict()["specification"])

    def _term(self, name: str) -> dict[str, float]:
        row = self.tidy().set_index("term").loc[name]
        return {k: float(row[k]) for k in ("estimate", "std_error", "p_value", "conf_low",
                                            "conf_high")}

    @property
    def level_change(self) -> dict[str, float]:
        """Change in level at the start: estimate, std_error, p_value, conf_low, conf_high."""
        return self._term("level_change")

    @property
    def slope_change(self) -> dict[str, float]:
        """Change in slope from the start: estimate, std_error, p_value, conf_low, conf_high."""
        return self._term("slope_change")

    @property
    def pre_slope(self) -> dict[str, float]:
        """Slope before the start: estimate, std_error, p_value, conf_low, conf_high."""
        return self._term("pre_slope")

    @property
    def post_slope(self) -> float:
        """Slope from the start (pre-period slope plus its change)."""
        est = self.coefficients.estimate
        return float(est[1] + est[3])

    # ------------------------------------------------------------------ the contract
    @property
    def alpha(self) -> float:
        """Significance level of the intervals."""
        return self.coefficients.alpha

    @property
    def estimates(self) -> pd.Series:
        """The four coefficients, indexed by term."""
        return self.coefficients.series("estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Their Newey-West standard errors, indexed by term."""
        return self.coefficients.series("std_error")

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Confidence intervals of the coefficients (normal quantiles).

        Parameters
        ----------
        alpha
            Significance level (default: the result's ``alpha``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by term (``intercept``,
            ``pre_slope``, ``level_change``, ``slope_change``).
        """
        return self.coefficients.intervals(
            level(alpha, self.alpha, "ITSResult.conf_int"))

    def with_alpha(self, alpha: float) -> ITSResult:
        """The same regression with confidence intervals at level ``1 - alpha``."""
        alpha = level(alpha, self.alpha, "ITSResult.with_alpha")
        return replace(self, coefficients=self.coefficients.with_alpha(alpha),
                       provenance=self.provenance.with_alpha(alpha))

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row per coefficient.

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``;
        terms ``intercept``, ``pre_slope``, ``level_change`` and ``slope_change``.
        """
        return self.coefficients.tidy()

    def lines(self) -> pd.DataFrame:
        """Observed, fitted and counterfactual values by period (for plots)."""
        return pd.DataFrame({"observed": self.observed, "fitted": self.fitted,
                             "counterfactual": self.counterfactual})

    def summary(self) -> Summary:
        """The regression as a summary: ``print()`` it, or show it in JupyterLab."""
        table = self.tidy().set_index("term")
        facts = facts_from([
            ("Policy start", str(self.start)), ("Observations", self.n),
            ("Before / from the start", f"{self.n_pre} / {self.n_post}"),
            ("Standard errors", f"Newey-West (HAC), {self.hac_lags} lags"),
            ("R-squared", self.r_squared),
            ("Confidence level", f"{100 * (1 - self.coefficients.alpha):g}%"),
        ])
        notes = ("y = intercept + pre_slope * t + level_change * post + "
                 "slope_change * (t - start) * post",)
        return Summary("Interrupted time series (segmented regression)", facts, table, notes)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The observed, fitted and counterfactual lines with the policy's start (see
        :func:`~evalkit.plots.trends.plot_interrupted_time_series`)."""
        from evalkit.plots.trends import plot_interrupted_time_series

        return plot_interrupted_time_series(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def interrupted_time_series(
    series: pd.Series | np.ndarray | list[float],
    start: Any,
    *,
    hac_lags: int | None = None,
    alpha: float = 0.05,
) -> ITSResult:
    r"""Segmented regression of a series interrupted by a policy starting at ``start``.

    The model (Wagner et al. 2002) is

    .. math:: y_t = \beta_0 + \beta_1 t + \beta_2\, \mathrm{post}_t
              + \beta_3 (t - t_0)\, \mathrm{post}_t + \varepsilon_t,
              \qquad \mathrm{post}_t = 1\{t \ge t_0\},

    fitted by ordinary least squares: :math:`\beta_1` is the slope before the policy,
    :math:`\beta_2` the change in level at its start :math:`t_0` and :math:`\beta_3` the
    change in slope. Standard errors are Newey & West's (1987) heteroskedasticity- and
    autocorrelation-consistent estimator with Bartlett weights and ``hac_lags`` lags,
    by default :math:`L = \lfloor 4 (n/100)^{2/9} \rfloor` (Newey & West 1994), as
    ``statsmodels``' ``OLS.fit(cov_type="HAC", cov_kwds={"maxlags": L})``; intervals
    and p-values use the normal distribution. The counterfactual is
    :math:`\hat\beta_0 + \hat\beta_1 t`.

    Parameters
    ----------
    series
        The values by period (a Series indexed by period, sorted by its index; missing
        values are dropped).
    start
        The first period under the policy: a value of the index (a numeric index is used
        as the time axis; otherwise periods are numbered 0, 1, ... in order and
        ``start`` must be one of them).
    hac_lags
        Newey-West truncation lag (default: the rule above).
    alpha
        Significance level of the intervals.

    Returns
    -------
    ITSResult

    Raises
    ------
    InputError
        With fewer than 3 observations before or from the start.

    References
    ----------
    Wagner, A. K., Soumerai, S. B., Zhang, F. & Ross-Degnan, D. (2002). Segmented
    regression analysis of interrupted time series studies in medication use research.
    *Journal of Clinical Pharmacy and Therapeutics* 27, 299-309.
    Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite,
    heteroskedasticity and autocorrelation consistent covariance matrix.
    *Econometrica* 55, 703-708.
    Newey, W. K. & West, K. D. (1994). Automatic lag selection in covariance matrix
    estimation. *Review of Economic Studies* 61, 631-653.
    """
    problems = Problems()
    check_alpha(alpha, problems)
    if hac_lags is not None and (isinstance(hac_lags, bool) or not isinstance(hac_lags, int)
                                 or hac_lags < 0):
        problems.add(f"hac_lags={hac_lags!r}: must be a non-negative integer or None; got "
                     f"{hac_lags!r}")
    s = _series(series, problems)
    t0: float | None = None
    if s is not None and not problems:
        s = _sorted(s).dropna()
        t = _time_axis(s.index)
        numeric = pd.api.types.is_numeric_dtype(s.index)
        if numeric:
            try:
                t0 = float(start)
            except (TypeError, ValueError):
                problems.add(f"start={start!r}: must be a period on the series' numeric "
                             f"index; got {start!r}")
        elif start in s.index:
            t0 = float(s.index.get_loc(start))
        else:
            problems.add(f"start={start!r}: must be one of the series' periods; got {start!r}")
        if t0 is not None:
            n_pre, n_post = int((t < t0).sum()), int((t >= t0).sum())
            if n_pre < 3 or n_post < 3:
                problems.add(f"start={start!r}: needs at least 3 observations before and 3 "
                             f"from the start; got {n_pre} before and {n_post} from it")
    problems.raise_if_any(InputError, "Invalid arguments to interrupted_time_series:")
    assert s is not None and t0 is not None
    y = s.to_numpy(dtype=float)
    t = _time_axis(s.index)
    post = (t >= t0).astype(float)
    design = np.column_stack([np.ones_like(t), t, post, (t - t0) * post])
    n = len(y)
    lags = default_hac_lags(n) if hac_lags is None else hac_lags
    fit = sm.OLS(y, design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    given_start = start.item() if isinstance(start, np.generic) else start
    provenance = Provenance("evalkit.indicators.interrupted_time_series",
                            {"start": given_start, "hac_lags": hac_lags, "alpha": alpha},
                            _fingerprint(s), n)
    params = np.asarray(fit.params)
    coefficients = Coefficients(("intercept", "pre_slope", "level_change", "slope_change"),
                                params, np.asarray(fit.cov_params()), df=None, alpha=alpha)
    return ITSResult(
        coefficients=coefficients, start=start, start_time=t0, hac_lags=lags, n=n,
        n_pre=int((post == 0).sum()), n_post=int(post.sum()),
        fitted=pd.Series(design @ params, index=s.index, name="fitted"),
        counterfactual=pd.Series(params[0] + params[1] * t, index=s.index,
                                 name="counterfactual"),
        observed=s.rename("observed"),
        r_squared=float(fit.rsquared),
        provenance=provenance,
    )
