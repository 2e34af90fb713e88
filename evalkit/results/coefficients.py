"""A table of estimated coefficients with their covariance and the inference it implies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.errors import InputError
from evalkit.results._interval import interval_frame

__all__ = ["Coefficients", "WaldTest", "TIDY_COLUMNS"]

TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


def _frozen(values: Sequence[float] | np.ndarray, ndim: int = 1) -> np.ndarray:
    array = np.array(values, dtype=float, copy=True)
    if array.ndim != ndim:
        raise InputError(f"expected a {ndim}-dimensional array; got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Coefficients:
    """Point estimates, their covariance matrix and the reference distribution.

    Parameters
    ----------
    terms
        Names of the coefficients.
    estimate
        Point estimates.
    vcov
        Their estimated covariance matrix.
    df
        Degrees of freedom of the t reference distribution, or ``None`` for the
        standard normal.
    alpha
        Significance level: confidence intervals have coverage ``1 - alpha``.
    std_errors
        Standard errors to use instead of the square roots of ``vcov``'s diagonal, when
        they come from elsewhere (e.g. a bootstrap); ``vcov`` still serves joint tests.
    """

    terms: tuple[str, ...]
    estimate: np.ndarray
    vcov: np.ndarray
    df: float | None
    alpha: float = 0.05
    std_errors: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple(str(t) for t in self.terms))
        object.__setattr__(self, "estimate", _frozen(self.estimate))
        object.__setattr__(self, "vcov", _frozen(self.vcov, ndim=2))
        k = len(self.terms)
        if self.estimate.shape != (k,) or self.vcov.shape != (k, k):
            raise InputError(f"terms, estimate and vcov disagree: {k} terms, estimate shape "
                             f"{self.estimate.shape}, vcov shape {self.vcov.shape}")
        if self.std_errors is not None:
            object.__setattr__(self, "std_errors", _frozen(self.std_errors))
            if self.std_errors.shape != (k,):
                raise InputError(f"std_errors: must have one value per term ({k}); got shape "
                                 f"{self.std_errors.shape}")

    @property
    def std_error(self) -> np.ndarray:
        """Standard errors: ``std_errors`` when given, else the root of ``vcov``'s diagonal."""
        if self.std_errors is not None:
            return self.std_errors.copy()
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    @property
    def statistic(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.estimate / self.std_error

    @property
    def critical_value(self) -> float:
        """Two-sided critical value of the reference distribution at level ``alpha``."""
        q = 1 - self.alpha / 2
        return float(stats.t.ppf(q, self.df) if self.df else stats.norm.ppf(q))

    @property
    def p_value(self) -> np.ndarray:
        z = np.abs(self.statistic)
        return 2 * (stats.t.sf(z, self.df) if self.df else stats.norm.sf(z))

    @property
    def conf_low(self) -> np.ndarray:
        return self.estimate - self.critical_value * self.std_error

    @property
    def conf_high(self) -> np.ndarray:
        return self.estimate + self.critical_value * self.std_error

    def index(self, term: str) -> int:
        try:
            return self.terms.index(term)
        except ValueError:
            raise InputError(f"term={term!r}: must be one of {', '.join(map(repr, self.terms))}; "
                             f"got {term!r}") from None

    def series(self, column: Literal["estimate", "std_error"]) -> pd.Series:
        """The estimates or their standard errors as a Series indexed by term."""
        return pd.Series(getattr(self, column), name=column,
                         index=pd.Index(self.terms, name="term"))

    def intervals(self, alpha: float) -> pd.DataFrame:
        """Pointwise confidence intervals at level ``1 - alpha``: columns ``lower`` and
        ``upper``, indexed by term."""
        other = self.with_alpha(alpha)
        return interval_frame(other.terms, other.conf_low, other.conf_high)

    def with_alpha(self, alpha: float) -> Coefficients:
        """The same estimates with intervals at another significance level."""
        return Coefficients(self.terms, self.estimate, self.vcov, self.df, alpha, self.std_errors)

    def tidy(self) -> pd.DataFrame:
        """One row per term: estimate, std. error, statistic, p-value and confidence interval."""
        return pd.DataFrame({
            "term": list(self.terms),
            "estimate": self.estimate,
            "std_error": self.std_error,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "conf_low": self.conf_low,
            "conf_high": self.conf_high,
        }, columns=list(TIDY_COLUMNS))

    def wald_test(self, terms: Sequence[str], *, hypothesis: str = "") -> WaldTest:
        """Joint Wald test that the named coefficients are all zero.

        The statistic is :math:`W = b' V^{-1} b` for the sub-vector ``b`` and its
        covariance ``V``. With ``df`` set (t inference), the F form
        ``W / q`` with ``(q, df)`` degrees of freedom is used, as Stata's ``test``
        does; otherwise ``W`` is compared with a chi-squared(q) distribution.
        """
        idx = [self.index(t) for t in terms]
        if not idx:
            raise InputError("terms: must name at least one coefficient to test; got none")
        b = self.estimate[idx]
        v = self.vcov[np.ix_(idx, idx)]
        stat = float(b @ np.linalg.pinv(v) @ b)
        q = len(idx)
        rank = int(np.linalg.matrix_rank(v))
        if self.df:
            return WaldTest(statistic=stat / q, df=(q, float(self.df)), p_value=float(
                stats.f.sf(stat / q, q, self.df)), distribution="F", terms=tuple(terms),
                hypothesis=hypothesis, rank=rank)
        return WaldTest(statistic=stat, df=(q,), p_value=float(stats.chi2.sf(stat, q)),
                        distribution="chi2", terms=tuple(terms), hypothesis=hypothesis, rank=rank)


@dataclass(frozen=True)
class WaldTest:
    """The outcome of a joint Wald test.

    Attributes
    ----------
    statistic
        The F statistic (``distribution == "F"``) or the chi-squared statistic.
    df
        Degrees of freedom: ``(q,)`` for chi-squared, ``(q, denominator)`` for F.
    p_value
        Probability of a statistic at least this large under the null hypothesis.
    terms
        The coefficients tested jointly equal to zero.
    """

    statistic: float
    df: tuple[float, ...]
    p_value: float
    distribution: str
    terms: tuple[str, ...]
    hypothesis: str = ""
    rank: int | None = None

    def __str__(self) -> str:
        dfs = ", ".join(f"{d:g}" for d in self.df)
        return (f"{self.hypothesis or 'Joint test'}: {self.distribution}({dfs}) = "
                f"{self.statistic:.4f}, p-value = {self.p_value:.4f}")
