r"""The restricted wild cluster bootstrap-t, from cluster-level sums (numpy only).

The model is the weighted least-squares regression :math:`y = X\beta + F\gamma + u`
with weights :math:`w`, where :math:`F` holds fixed effects that have already been
partialled out of :math:`y` and :math:`X` (Frisch-Waugh-Lovell): the functions below
receive :math:`\tilde y = M_F y` and :math:`\tilde X = M_F X` (or the raw data when
there are no fixed effects). The hypothesis is :math:`H_0: \beta_j = \beta_0`.

Restricted bootstrap (WCR; Cameron, Gelbach & Miller 2008)
    The restricted residuals are :math:`\tilde u(\beta_0) = M_{\tilde X_{-j}}(\tilde y -
    \beta_0 \tilde x_j) = Q - \beta_0 P`, linear in :math:`\beta_0`. Draw :math:`b`
    builds :math:`y^*_b = X_{-j}\tilde\beta_{-j} + \beta_0 x_j + F\tilde\gamma +
    v_{c(i)b}\,\tilde u_i` with one weight :math:`v_{gb}` per cluster, re-estimates the
    *whole* model (fixed effects included) and forms the cluster-robust
    :math:`t^*_b = (\hat\beta^*_{jb} - \beta_0)/\mathrm{se}^*_b`.

No regression is re-run (Roodman, MacKinnon, Nielsen & Webb 2019, section 3)
    With :math:`a = W\tilde X(\tilde X'W\tilde X)^{-1}e_j`, the bootstrap numerator is
    :math:`\sum_g v_g\, d_g` with :math:`d_g = \sum_{i\in g} a_i\tilde u_i`, and the score
    of cluster :math:`g` is :math:`s_g = \sum_h K_{gh} v_h`, where
    :math:`K_{gh} = (a\odot 1_g)'\,M\,(\tilde u\odot 1_h)` and :math:`M = M_F -
    P_{\tilde X}` is the residual maker of the full regression (weighted metric). Hence

    .. math:: K = \operatorname{diag}(d) - S_X(a)\,(\tilde X'W\tilde X)^{-1} S_X(w\tilde u)'
              - \text{(fixed-effect term)},

    with :math:`S_X(\cdot)` the cluster sums of the regressors times a vector. The
    fixed-effect term is :math:`(a\odot 1_g)' F(F'WF)^{-}F'W(\tilde u\odot 1_h)`; it
    vanishes for fixed effects nested within the clusters and is computed from
    cluster-by-level sums otherwise (:mod:`evalkit.robustness._wild_fe`). Including it
    makes the bootstrap *exactly* the bootstrap of the regression with the fixed
    effects as dummy variables -- the convention of ``fwildclusterboot``'s projected
    fixed effect (its ``fe`` argument) and of ``boottest``: the bootstrap residuals are
    projected off the fixed effects again in every draw, which matters when a fixed
    effect (e.g. the period) is not nested within the clusters.

    Since :math:`\tilde u(\beta_0)` is linear in :math:`\beta_0`, each draw is summarised
    by five numbers (numerator :math:`A_b - \beta_0 B_b`; squared score norm
    :math:`CC_b - 2\beta_0 CD_b + \beta_0^2 DD_b`), so the p-value at any other null --
    and the confidence interval by test inversion -- costs :math:`O(B)`.

p-value
    Two-sided symmetric, as ``boottest`` and ``fwildclusterboot``:
    :math:`p = \frac1B\sum_b 1\{|t^*_b| > |t|\}`; bootstrap statistics equal to
    :math:`|t|` up to a relative :data:`TIE_TOLERANCE` count as ties, not exceedances
    (under full enumeration the all-ones and all-minus-ones vectors reproduce
    :math:`\pm t` exactly).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import scipy.sparse as sp
from scipy import linalg, stats

from evalkit._deprecation import refuse_unknown, renamed
from evalkit.errors import EstimationError

__all__ = ["WildWeights", "WILD_WEIGHTS", "ClusterTerms", "WildDraws", "BootstrapCore",
           "restricted_core", "weight_chunks", "bootstrap_draws", "p_value", "invert_p_value",
           "TIE_TOLERANCE"]

WildWeights = Literal["rademacher", "webb"]
WILD_WEIGHTS: tuple[str, ...] = ("rademacher", "webb")
#: Relative tolerance under which a bootstrap |t*| equal to |t| counts as a tie.
TIE_TOLERANCE = 1e-9
_CHUNK_ELEMENTS = 1 << 22  # weights held at once (clusters x draws)
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


class ClusterTerms(Protocol):
    """The fixed-effect term of :math:`K` as ``left(a) @ right(u).T`` (+ a dense part)."""

    def left(self, a: np.ndarray) -> np.ndarray: ...

    def right(self, weighted_u: np.ndarray) -> np.ndarray: ...

    def dense(self, a: np.ndarray, weighted_u: np.ndarray) -> np.ndarray | None: ...


@dataclass(frozen=True)
class WildDraws:
    """Per-draw summaries from which the bootstrap t statistics follow for any null.

    :math:`t^*_b(\\beta_0) = (A_b - \\beta_0 B_b) / \\sqrt{c\\,(CC_b - 2\\beta_0 CD_b +
    \\beta_0^2 DD_b)}` with the small-sample factor :math:`c`.
    """

    a: np.ndarray
    b: np.ndarray
    cc: np.ndarray
    cd: np.ndarray
    dd: np.ndarray
    scale: float

    def __post_init__(self) -> None:
        for name in ("a", "b", "cc", "cd", "dd"):
            array = np.array(getattr(self, name), dtype=float)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def n_draws(self) -> int:
        return int(self.a.size)

    def t_stats(self, null: float) -> np.ndarray:
        """Bootstrap t statistics under :math:`H_0: \\beta_j = ` ``null``."""
        variance = self.cc - 2.0 * null * self.cd + null * null * self.dd
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.a - null * self.b) / np.sqrt(self.scale * np.clip(variance, 0, None))


@dataclass(frozen=True)
class BootstrapCore:
    """Everything the draws need: the estimate, its analytic inference and :math:`K`."""

    estimate: float
    std_error: float
    scale: float
    n_clusters: int
    diag_q: np.ndarray
    diag_p: np.ndarray
    left: np.ndarray          # G x r
    right_q: np.ndarray       # G x r
    right_p: np.ndarray       # G x r
    dense_q: np.ndarray | None
    dense_p: np.ndarray | None

    def statistic(self, null: float) -> float:
        return (self.estimate - null) / self.std_error

    def scores(self, v: np.ndarray, which: Literal["q", "p"]) -> np.ndarray:
        """:math:`K v` for a (clusters x draws) block of weights."""
        diag, right, dense = ((self.diag_q, self.right_q, self.dense_q) if which == "q"
                              else (self.diag_p, self.right_p, self.dense_p))
        out = diag[:, None] * v
        if self.left.shape[1]:
            out -= self.left @ (right.T @ v)
        if dense is not None:
            out -= dense @ v
        return out


def _cluster_sums(indicator: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    return np.asarray(indicator @ values)


def restricted_core(
    y: np.ndarray,
    x: np.ndarray,
    column: int,
    clusters: np.ndarray,
    n_clusters: int,
    *,
    weights: np.ndarray | None = None,
    n_params: int | None = None,
    fixed_effects: ClusterTerms | None = None,
) -> BootstrapCore:
    """Prepare the restricted wild cluster bootstrap of coefficient ``column``.

    Parameters
    ----------
    y, x
        Outcome and regressors (rows x k), with any fixed effects already partialled
        out (weighted by ``weights``).
    column
        The tested coefficient.
    clusters, n_clusters
        Cluster code of each row (``0 .. n_clusters - 1``, all present).
    weights
        Regression weights (``None``: ordinary least squares).
    n_params
        :math:`K` in the small-sample factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`
        (default: the number of columns of ``x``).
    fixed_effects
        The fixed-effect term of :math:`K` (see the module documentation), or ``None``.
    """
    n, k = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    wx = x * w[:, None]
    gram = x.T @ wx
    try:
        factor = linalg.cho_factor(gram, lower=True, check_finite=False)
    except linalg.LinAlgError:  # pragma: no cover - the estimators checked the rank
        raise EstimationError("The regressors are collinear; the wild bootstrap needs the "
                              "regression to be identified.") from None
    inverse = linalg.cho_solve(factor, np.eye(k), check_finite=False)
    coef = inverse @ (wx.T @ y)
    a = wx @ inverse[:, column]  # W X (X'WX)^{-1} e_j
    indicator = sp.csr_matrix((np.ones(n), (clusters, np.arange(n))), shape=(n_clusters, n))

    residual = y - x @ coef
    scores = _cluster_sums(indicator, a * residual)
    k_count = k if n_params is None else n_params
    scale = n_clusters / (n_clusters - 1) * (n - 1) / (n - k_count)
    std_error = float(np.sqrt(scale * scores @ scores))
    if not np.isfinite(std_error) or std_error <= 0:
        raise EstimationError("The cluster-robust standard error of the tested coefficient is "
                              "zero; the bootstrap t statistic is undefined.")

    keep = [c for c in range(k) if c != column]
    xr = x[:, keep]
    target = x[:, column]
    if keep:
        wxr = wx[:, keep]
        gram_r = linalg.cho_factor(xr.T @ wxr, lower=True, check_finite=False)
        q = y - xr @ linalg.cho_solve(gram_r, wxr.T @ y, check_finite=False)
        p = target - xr @ linalg.cho_solve(gram_r, wxr.T @ target, check_finite=False)
    else:
        q, p = np.array(y, dtype=float), np.array(target, dtype=float)

    left = _cluster_sums(indicator, x * a[:, None])          # S_X(a), G x k
    wq, wp = w * q, w * p
    right_q = _cluster_sums(indicator, x * wq[:, None]) @ inverse
    right_p = _cluster_sums(indicator, x * wp[:, None]) @ inverse
    dense_q = dense_p = None
    if fixed_effects is not None:
        fe_left = fixed_effects.left(a)
        left = np.hstack([left, fe_left])
        right_q = np.hstack([right_q, fixed_effects.right(wq)])
        right_p = np.hstack([right_p, fixed_effects.right(wp)])
        dense_q = fixed_effects.dense(a, wq)
        dense_p = fixed_effects.dense(a, wp)
    return BootstrapCore(
        estimate=float(coef[column]), std_error=std_error, scale=float(scale),
        n_clusters=n_clusters,
        diag_q=_cluster_sums(indicator, a * q), diag_p=_cluster_sums(indicator, a * p),
        left=left, right_q=right_q, right_p=right_p, dense_q=dense_q, dense_p=dense_p)


def _enumeration(n_clusters: int, start: int, stop: int) -> np.ndarray:
    """Sign vectors ``start .. stop - 1`` of the 2^G (column m: bit g of m set -> -1)."""
    m = np.arange(start, stop, dtype=np.int64)
    bits = (m[None, :] >> np.arange(n_clusters, dtype=np.int64)[:, None]) & 1
    return 1.0 - 2.0 * bits


def weight_chunks(n_clusters: int, *, n_draws: int | None = None,
                  distribution: WildWeights | None = None, enumerate_all: bool,
                  rng: np.random.Generator | None, **deprecated: Any) -> Iterator[np.ndarray]:
    """Blocks of (clusters x draws) bootstrap weights, never all held at once.

    With ``enumerate_all`` (Rademacher only), the 2^G sign vectors in a fixed order
    (the first is all ones, i.e. the original sample); otherwise ``n_draws`` random draws
    of the ``distribution`` (``"rademacher"`` or ``"webb"``). Both are required;
    ``n_boot=`` and ``weights=`` are their deprecated spellings.
    """
    n_draws = renamed("weight_chunks", deprecated, "n_boot", "n_draws", n_draws, None)
    distribution = renamed("weight_chunks", deprecated, "weights", "distribution",
                           distribution, None)
    refuse_unknown("weight_chunks", deprecated)
    missing = [name for name, value in (("n_draws", n_draws), ("distribution", distribution))
               if value is None]
    if missing:
        raise TypeError(f"weight_chunks() missing required keyword argument: {missing[0]!r}")
    return _weight_chunks(n_clusters, n_draws, distribution, enumerate_all,  # type: ignore[arg-type]
                          rng)


def _weight_chunks(n_clusters: int, n_draws: int, distribution: WildWeights,
                   enumerate_all: bool, rng: np.random.Generator | None
                   ) -> Iterator[np.ndarray]:
    total = 2 ** n_clusters if enumerate_all else n_draws
    chunk = max(1, min(total, _CHUNK_ELEMENTS // max(n_clusters, 1)))
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        if enumerate_all:
            yield _enumeration(n_clusters, start, stop)
        elif distribution == "rademacher":
            assert rng is not None
            yield rng.integers(0, 2, size=(n_clusters, stop - start)).astype(float) * 2.0 - 1.0
        else:
            assert rng is not None
            yield _WEBB[rng.integers(0, 6, size=(n_clusters, stop - start))]


def bootstrap_draws(core: BootstrapCore, chunks: Iterator[np.ndarray]) -> WildDraws:
    """The per-draw summaries :class:`WildDraws` for blocks of bootstrap weights."""
    parts: list[tuple[np.ndarray, ...]] = []
    for v in chunks:
        c = core.scores(v, "q")
        d = core.scores(v, "p")
        parts.append((core.diag_q @ v, core.diag_p @ v, np.einsum("gb,gb->b", c, c),
                      np.einsum("gb,gb->b", c, d), np.einsum("gb,gb->b", d, d)))
    a, b, cc, cd, dd = (np.concatenate(p) for p in zip(*parts, strict=True))
    return WildDraws(a=a, b=b, cc=cc, cd=cd, dd=dd, scale=core.scale)


def p_value(draws: WildDraws, statistic: float, null: float) -> float:
    """Share of bootstrap draws with :math:`|t^*| > |t|` (ties within tolerance excluded)."""
    t_star = np.abs(draws.t_stats(null))
    threshold = abs(statistic) * (1.0 + TIE_TOLERANCE) + np.finfo(float).tiny
    return float(np.count_nonzero(t_star > threshold)) / draws.n_draws


def invert_p_value(p_at: Callable[[float], float], estimate: float, std_error: float,
                   alpha: float, tolerance: float) -> tuple[float, float]:
    """The interval of null values whose bootstrap p-value is at least ``alpha``.

    From the estimate (p-value near 1), step outward by doubling multiples of the
    standard error until the p-value falls below ``alpha``, then bisect that bracket
    until it is narrower than ``tolerance``; each endpoint is the midpoint of its final
    bracket, so it lies within ``tolerance / 2`` of the crossing. Returns infinite
    endpoints when no rejection is found within :math:`2^{60}` standard errors.
    """
    critical = float(stats.norm.ppf(1 - alpha / 2))
    ends = []
    for sign in (-1.0, 1.0):
        inside, outside = estimate, None
        for k in range(61):
            candidate = estimate + sign * critical * std_error * 2.0 ** k
            if p_at(candidate) < alpha:
                outside = candidate
                break
            inside = candidate
        if outside is None:
            ends.append(sign * np.inf)
            continue
        while abs(outside - inside) > tolerance:
            middle = 0.5 * (inside + outside)
            if middle in (inside, outside):  # pragma: no cover - at floating-point resolution
                break
            if p_at(middle) >= alpha:
                inside = middle
            else:
                outside = middle
        ends.append(0.5 * (inside + outside))
    return ends[0], ends[1]
