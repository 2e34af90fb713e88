r"""Two-way fixed-effects regression (unit and period effects), computed in numpy.

The slopes come from the within regression (Frisch-Waugh-Lovell): the outcome and the
regressors are projected off the unit and period indicators by
:class:`evalkit.did.within.TwoWayWithin` (exact for the usual panel shapes), then
regressed on each other by weighted least squares. The results are those of
:class:`linearmodels.PanelOLS` with ``entity_effects=True, time_effects=True`` (the
test suite checks agreement to :math:`10^{-10}` on balanced, unbalanced, weighted and
clustered panels) at a small fraction of the time and memory.

Regressors come in two blocks: *indicators*, mutually exclusive 0/1 columns given by
one code per row (a treatment dummy, event-time or cohort-by-period dummies), and
ordinary columns (covariates). The indicator block is never formed as a matrix: its
projection is described by unit and period effects (:meth:`TwoWayWithin.indicator_effects`),
and the cross-products, residuals and cluster scores are assembled from group sums.
Ten million rows with a dozen event-time dummies therefore take memory for a few
vectors, not for the design.

The covariance follows the convention of Stata's ``reghdfe`` and R's ``fixest``, so
that evalkit reproduces the numbers those tools print:

- classical: :math:`\hat\sigma^2 = SSR/(N-K)`;
- ``HC0``: White's estimator; ``HC1``: the same times :math:`N/(N-K)`;
- cluster-robust: times :math:`\frac{G}{G-1}\frac{N-1}{N-K}`, t with :math:`G-1` df,

where :math:`K` counts the slopes and the fixed effects that are not nested within the
clusters (unit and period effects count :math:`U + T - 1` when neither is nested).
With weights :math:`w`, this is weighted least squares: the sums of squares and scores
carry :math:`w` (the residuals and regressors scaled by :math:`\sqrt w`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg

from evalkit.did.within import TwoWayWithin, compact_codes, is_nested, pair_sums
from evalkit.errors import EstimationError, InputError
from evalkit.inference.covariance import VcovChoice, cluster_correction

__all__ = ["PanelFit", "Indicators", "fit_twoway", "check_fixed_effects_vcov"]

#: A regressor is absorbed by the fixed effects when less than this share of its norm
#: is left after the projection (the projection is exact to rounding error).
ABSORBED_TOL = 1e-9
#: A regressor is collinear with the ones before it when the share of its (within)
#: variance that they do not explain is below this.
COLLINEAR_TOL = 1e-10
#: Rows at once when robust (HC) scores are accumulated.
_CHUNK = 1 << 16


@dataclass(frozen=True)
class PanelFit:
    """Slopes of a two-way fixed-effects regression and their covariance.

    Attributes
    ----------
    params, vcov
        Slope estimates (indicators first, then the other regressors) and their
        covariance, with the small-sample convention of the module documentation.
    df
        Degrees of freedom of the t reference distribution.
    n_obs, n_clusters
        Rows used; number of clusters (cluster-robust inference only).
    n_params
        :math:`K`, the parameters counted in the small-sample factor.
    """

    params: np.ndarray
    vcov: np.ndarray
    df: float | None
    n_obs: int
    n_clusters: int | None
    n_params: int


@dataclass(frozen=True)
class Indicators:
    """Mutually exclusive 0/1 regressors, given by one column number per row.

    Attributes
    ----------
    codes
        For each row, the indicator that equals 1 there (``0 .. len(names) - 1``), or
        ``-1`` when all are 0.
    names
        The regressors' names.
    """

    codes: np.ndarray
    names: tuple[str, ...]


def _dense(x: pd.DataFrame | np.ndarray | None, names: Sequence[str] | None, n: int,
           overwrite: bool) -> tuple[np.ndarray, list[str], bool]:
    """The ordinary regressors as a C-ordered float array; whether it may be overwritten."""
    if x is None:
        return np.empty((n, 0)), [], True
    if isinstance(x, pd.DataFrame):
        return (np.array(x.to_numpy(dtype=float), dtype=float, order="C"),
                [str(c) for c in x.columns], True)
    array = np.asarray(x)
    if array.ndim == 1:
        array = array[:, None]
    labels = [str(v) for v in names] if names is not None else [
        f"x{j}" for j in range(array.shape[1])]
    if len(labels) != array.shape[1]:
        raise InputError(f"names: must give one name per column of x ({array.shape[1]}); got "
                         f"{len(labels)}")
    owned = (overwrite and array.dtype == np.float64 and array.flags.c_contiguous
             and array.flags.writeable)
    return (array if owned else np.array(array, dtype=float, order="C")), labels, owned


class _Design:
    r"""The within-transformed regressors: indicators kept implicit, other columns explicit.

    Indicator column :math:`j` transforms to :math:`D_j - \alpha_{a(r)j} - \beta_{b(r)j}`
    (see :meth:`TwoWayWithin.indicator_effects`); cross-products come from group sums,
    and scores from blocks of rows rebuilt on the fly, so that no (rows x regressors)
    matrix is ever formed for them.
    """

    def __init__(self, within: TwoWayWithin, indicators: Indicators | None,
                 dense: np.ndarray, weights: np.ndarray | None) -> None:
        (self.a, self.n_a), (self.b, self.n_b) = within.factors
        self.a_totals = np.bincount(self.a, weights=weights, minlength=self.n_a).astype(float)
        self.w = weights
        self.n = within.n_obs
        self.m = 0 if indicators is None else len(indicators.names)
        self.dense = dense  # already within-transformed
        self.p = dense.shape[1]
        self.k = self.m + self.p
        if self.m:
            assert indicators is not None
            codes = np.asarray(indicators.codes)
            if codes.shape != (self.n,) or codes.min() < -1 or codes.max() >= self.m:
                raise InputError(f"indicators: one code per row in -1..{self.m - 1} is needed")
            self.shifted = codes.astype(np.intp) + 1  # 0: no indicator; j + 1: column j
            self.alpha, self.beta, self.mean_a, self.sums_b = within.indicator_effects(
                self.shifted, self.m)
            self.column_weight = self.indicator_sums(None)
        self._fitted_a: np.ndarray | None = None
        self._fitted_b: np.ndarray | None = None

    def _wv(self, v: np.ndarray) -> np.ndarray:
        return v if self.w is None else self.w * v

    def indicator_sums(self, v: np.ndarray | None) -> np.ndarray:
        """:math:`D'Wv` (``v`` = 1 when ``None``)."""
        values = self.w if v is None else self._wv(v)
        return np.bincount(self.shifted, weights=values, minlength=self.m + 1)[1:].astype(float)

    def raw_norms2(self) -> np.ndarray:
        """Weighted squared norms of the untransformed indicators (0 for the others)."""
        norms = np.zeros(self.k)
        if self.m:
            norms[:self.m] = self.column_weight
        return norms

    def gram(self) -> np.ndarray:
        """:math:`Z'WZ`."""
        g = np.zeros((self.k, self.k))
        m = self.m
        if m:
            n_a_alpha = np.zeros((m, m))  # N_A' alpha, in blocks of A levels
            for start in range(0, self.n_a, _CHUNK):
                rows = slice(start, start + _CHUNK)
                n_a_alpha += (self.mean_a[rows] * self.a_totals[rows, None]).T @ self.alpha[rows]
            g[:m, :m] = np.diag(self.column_weight) - n_a_alpha - self.sums_b.T @ self.beta
        if self.p:
            x = self.dense
            if m:
                for j in range(self.p):
                    g[:m, m + j] = self.indicator_sums(x[:, j])
                g[m:, :m] = g[:m, m:].T
            g[m:, m:] = x.T @ x if self.w is None else x.T @ (x * self.w[:, None])
        return (g + g.T) / 2

    def cross(self, v: np.ndarray) -> np.ndarray:
        """:math:`Z'Wv` for a transformed vector ``v``."""
        out = np.zeros(self.k)
        if self.m:
            out[:self.m] = self.indicator_sums(v)
        if self.p:
            out[self.m:] = self.dense.T @ self._wv(v)
        return out

    def residuals(self, zy: np.ndarray, coef: np.ndarray, rows: slice) -> np.ndarray:
        r""":math:`\tilde y - Z b` on a block of rows."""
        e = zy[rows].copy()
        if self.m:
            assert self._fitted_a is not None and self._fitted_b is not None
            e -= np.concatenate([[0.0], coef[:self.m]])[self.shifted[rows]]
            e += self._fitted_a[self.a[rows]]
            e += self._fitted_b[self.b[rows]]
        if self.p:
            e -= self.dense[rows] @ coef[self.m:]
        return e

    def rows(self, rows: slice) -> np.ndarray:
        """The transformed regressors of a block of rows."""
        n = len(range(*rows.indices(self.n)))
        block = np.empty((n, self.k))
        if self.m:
            np.negative(self.alpha[self.a[rows]], out=block[:, :self.m])
            block[:, :self.m] -= self.beta[self.b[rows]]
            shifted = self.shifted[rows]
            hit = np.flatnonzero(shifted)
            block.reshape(-1)[hit * self.k + shifted[hit] - 1] += 1.0
        if self.p:
            block[:, self.m:] = self.dense[rows]
        return block

    def _block_scores(self, rows: slice, local: np.ndarray, u: np.ndarray,
                      by_a: bool) -> np.ndarray:
        r"""Cluster sums of :math:`w e Z` for the whole clusters in a block of rows.

        ``local`` gives the first row of each cluster within the block. With ``by_a``
        (the clusters are the levels of A, e.g. clustering by unit), the indicator part
        comes from group sums, :math:`\sum D_r w_r e_r - \alpha_g \sum w_r e_r -
        \sum_r w_r e_r \beta_{b(r)}`, without rebuilding the rows.
        """
        n_local = local.size
        if not by_a or not self.m:
            block = self.rows(rows)
            block *= u[:, None]
            return np.add.reduceat(block, local, axis=0)
        scores = np.empty((n_local, self.k))
        size = rows.stop - rows.start
        cluster = np.repeat(np.arange(n_local), np.diff(np.append(local, size)))
        cells = cluster * (self.m + 1) + self.shifted[rows]
        direct = np.bincount(cells, weights=u, minlength=n_local * (self.m + 1))
        scores[:, :self.m] = direct.reshape(n_local, self.m + 1)[:, 1:]
        totals = np.add.reduceat(u, local)
        scores[:, :self.m] -= totals[:, None] * self.alpha[self.a[rows][local]]
        by_b = np.bincount(cluster * self.n_b + self.b[rows], weights=u,
                           minlength=n_local * self.n_b).reshape(n_local, self.n_b)
        scores[:, :self.m] -= by_b @ self.beta
        if self.p:
            scores[:, self.m:] = np.add.reduceat(self.dense[rows] * u[:, None], local, axis=0)
        return scores

    def accumulate(self, zy: np.ndarray, coef: np.ndarray, clusters: np.ndarray | None,
                   meat: bool) -> tuple[float, np.ndarray, int]:
        r"""The weighted sum of squared residuals and, with ``meat``, the score outer products.

        :math:`\sum_g s_g s_g'` with :math:`s_g = \sum_{r \in g} w_r e_r Z_r` over the
        clusters (each row its own cluster when ``clusters`` is ``None``). Rows are
        processed in blocks of whole clusters, so that nothing of the size of the design
        is formed. Returns the sum of squares, the meat and the number of clusters.
        """
        if self.m:
            c = coef[:self.m]
            self._fitted_a, self._fitted_b = self.alpha @ c, self.beta @ c
        out = np.zeros((self.k, self.k))
        ssr = 0.0
        if clusters is not None and self.n > 1 and not bool(np.all(clusters[1:] >= clusters[:-1])):
            e = np.concatenate([self.residuals(zy, coef, slice(s, s + _CHUNK))
                                for s in range(0, self.n, _CHUNK)])
            u = self._wv(e)
            scores = self._cluster_scores(clusters, u)
            return float(e @ u), scores.T @ scores, scores.shape[0]
        if clusters is None:  # each row its own cluster
            starts = None
            edges = np.append(np.arange(0, self.n, _CHUNK), self.n)
        else:  # clusters in contiguous runs of rows: blocks of whole clusters
            starts = np.concatenate([[0], np.flatnonzero(np.diff(clusters)) + 1])
            edges = np.unique(starts[np.searchsorted(starts, np.arange(0, self.n, _CHUNK),
                                                     side="right") - 1])
            edges = np.append(edges, self.n)
        by_a = starts is not None and self.m > 0 and self._clusters_are_a(starts)
        position = 0
        for begin, end in zip(edges[:-1], edges[1:], strict=True):
            rows = slice(int(begin), int(end))
            e = self.residuals(zy, coef, rows)
            u = self._wv(e)
            ssr += float(e @ u)
            if not meat:
                continue
            if starts is None:
                scores = self.rows(rows)
                scores *= u[:, None]
            else:
                stop = int(np.searchsorted(starts, end, side="left"))
                scores = self._block_scores(rows, starts[position:stop] - begin, u, by_a)
                position = stop
            out += scores.T @ scores
        return ssr, out, self.n if starts is None else int(starts.size)

    def _clusters_are_a(self, starts: np.ndarray) -> bool:
        """True when the clusters are the levels of A (same runs of rows)."""
        a = self.a
        if self.n < 2 or not bool(np.all(a[1:] >= a[:-1])):
            return False
        a_starts = np.concatenate([[0], np.flatnonzero(np.diff(a)) + 1])
        return bool(np.array_equal(a_starts, starts))

    def _cluster_scores(self, clusters: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Cluster sums of :math:`w e Z` from pair sums, for clusters in any row order."""
        g, n_g = compact_codes(clusters)
        scores = np.zeros((n_g, self.k))
        if self.m:
            direct = pair_sums(g, self.shifted, u, n_g, self.m + 1)
            scores[:, :self.m] = (direct.toarray() if sp.issparse(direct) else direct)[:, 1:]
            for level, n_level, effects in ((self.a, self.n_a, self.alpha),
                                            (self.b, self.n_b, self.beta)):
                scores[:, :self.m] -= np.asarray(pair_sums(g, level, u, n_g, n_level) @ effects)
        if self.p:
            order = sp.csc_matrix((u, g, np.arange(self.n + 1)), shape=(n_g, self.n))
            scores[:, self.m:] = np.asarray(order @ self.dense)
        return scores

    def column(self, j: int) -> np.ndarray | None:
        """The untransformed indicator column ``j`` (``None`` for the others)."""
        return (self.shifted == j + 1).astype(float) if j < self.m else None


def _rank_problems(gram: np.ndarray, norms2: np.ndarray) -> tuple[list[int], list[int]]:
    """The regressors the fixed effects absorb, and those that repeat earlier ones."""
    left = np.diag(gram)
    absorbed = [j for j in range(gram.shape[0])
                if not left[j] > ABSORBED_TOL**2 * max(norms2[j], np.finfo(float).tiny)]
    collinear = []
    kept: list[int] = []
    chol = np.zeros_like(gram)
    scale = 1.0 / np.sqrt(np.where(left > 0, left, 1.0))
    corr = gram * scale[:, None] * scale[None, :]
    for j in range(gram.shape[0]):  # Cholesky in the given order, skipping redundant columns
        if j in absorbed:
            continue
        row = (linalg.solve_triangular(chol[np.ix_(kept, kept)], corr[kept, j], lower=True)
               if kept else np.zeros(0))
        pivot = corr[j, j] - row @ row
        if pivot < COLLINEAR_TOL:
            collinear.append(j)
            continue
        chol[j, kept] = row
        chol[j, j] = np.sqrt(pivot)
        kept.append(j)
    return absorbed, collinear


def _rank_error(names: list[str], absorbed: list[int], collinear: list[int],
                where: Callable[[int], str | None]) -> EstimationError:
    """The error naming the absorbed and collinear regressors; ``where(j)`` says where an
    absorbed one is constant ("constant within each unit", ...; ``None``: unknown)."""
    parts = []
    if absorbed:
        described = []
        for j in absorbed:
            place = where(j)
            described.append(names[j] if place is None else f"{names[j]} ({place})")
        parts.append("absorbed by the unit and period fixed effects: " + ", ".join(described)
                     + "; their effect cannot be separated from the fixed effects")
    if collinear:
        parts.append("collinear with the regressors before them (in the order "
                     + ", ".join(names) + "): " + ", ".join(names[j] for j in collinear))
    return EstimationError("The regressors are " + "; and ".join(parts)
                           + ". Drop these covariates.")


def _check_rank(gram: np.ndarray, norms2: np.ndarray, names: list[str],
                column: Callable[[int], np.ndarray | None],
                unit_codes: np.ndarray, time_codes: np.ndarray) -> None:
    """Name the regressors the fixed effects absorb or that repeat earlier ones."""
    absorbed, collinear = _rank_problems(gram, norms2)
    if not absorbed and not collinear:
        return

    def where(j: int) -> str | None:
        values = column(j)
        if values is None:
            return None
        return ("constant within each unit" if _constant_within(values, unit_codes)
                else "constant within each period" if _constant_within(values, time_codes)
                else "a sum of unit and period effects")

    raise _rank_error(names, absorbed, collinear, where)


def _constant_within(values: np.ndarray, codes: np.ndarray) -> bool:
    representative = np.zeros(int(codes.max()) + 1)
    representative[codes] = values
    return bool(np.array_equal(representative[codes], values))


def _rank_suspect(gram: np.ndarray, norms2: np.ndarray) -> bool:
    left = np.diag(gram)
    if np.any(~(left > ABSORBED_TOL**2 * np.maximum(norms2, np.finfo(float).tiny))):
        return True
    scale = 1.0 / np.sqrt(left)
    return bool(np.linalg.eigvalsh(gram * scale[:, None] * scale[None, :])[0] < COLLINEAR_TOL)


def _check_dof(n_obs: int, k: int) -> None:
    if n_obs <= k:
        raise EstimationError(f"No residual degrees of freedom: {n_obs} observations for "
                              f"{k} parameters (slopes and fixed effects).")


def check_fixed_effects_vcov(vcov: VcovChoice) -> None:
    """Refuse the standard errors a fixed-effects regression does not compute (HC2, HC3)."""
    if vcov.kind in ("HC2", "HC3"):
        given = vcov.to_inference()
        raise InputError(f"inference={given!r}: with fixed effects, must be Classical(), "
                         f"Robust() (HC1), Robust(hc='HC0') or Clustered(); got {given!r}")


def fit_twoway(
    y: np.ndarray,
    x: pd.DataFrame | np.ndarray | None,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    *,
    vcov: VcovChoice,
    clusters: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    names: Sequence[str] | None = None,
    indicators: Indicators | None = None,
    overwrite_x: bool = False,
) -> PanelFit:
    """Regress ``y`` on indicators and ``x`` with unit and period fixed effects.

    Parameters
    ----------
    y
        Outcome, one value per row.
    x
        Ordinary regressors (no constant), one column per coefficient: a DataFrame
        (its column names name the regressors), a (rows x k) array, or ``None``.
    unit_codes, time_codes
        Non-negative integer codes of each row's unit and period.
    vcov
        The resolved standard-error choice (``HC2``/``HC3`` are not available here).
    clusters
        Integer cluster codes, required for cluster-robust standard errors.
    weights
        Optional positive weights.
    names
        Names of the columns of an array ``x``.
    indicators
        Mutually exclusive 0/1 regressors, placed before ``x`` in the coefficients.
    overwrite_x
        Let the within transformation overwrite an array ``x`` (a C-contiguous float
        array that the caller will not use again), saving a copy.

    Raises
    ------
    EstimationError
        When a regressor is absorbed by the fixed effects or collinear with the others
        (naming it), or when no residual degrees of freedom are left.
    """
    check_fixed_effects_vcov(vcov)
    if vcov.kind == "cluster" and clusters is None:
        raise InputError("clusters: cluster codes are needed for cluster-robust standard errors")
    y = np.asarray(y, dtype=float)
    unit_codes = np.asarray(unit_codes)
    time_codes = np.asarray(time_codes)
    n_obs = int(y.size)
    dense, dense_names, owned = _dense(x, names, n_obs, overwrite_x)
    labels = ([] if indicators is None else list(indicators.names)) + dense_names
    if not labels:
        raise InputError("x, indicators: at least one regressor is needed; got none")
    w = None if weights is None else np.asarray(weights, dtype=float)
    within = TwoWayWithin(unit_codes, time_codes, w)

    dense_norms2 = (np.einsum("ij,ij->j", dense, dense) if w is None
                    else np.einsum("ij,ij,i->j", dense, dense, w))
    # the untransformed ordinary columns, to say where an absorbed one is constant
    original = (x if isinstance(x, pd.DataFrame) or not owned
                else dense.copy() if dense.size <= 5_000_000 else None)
    dense = within.transform(dense, overwrite=True)
    zy = within.transform(y)
    design = _Design(within, indicators, dense, w)
    norms2 = design.raw_norms2()
    norms2[design.m:] = dense_norms2
    gram = design.gram()

    def column(j: int) -> np.ndarray | None:
        if j < design.m:
            return design.column(j)
        if original is None:
            return None
        if isinstance(original, pd.DataFrame):
            return original.iloc[:, j - design.m].to_numpy(dtype=float)
        return np.asarray(original, dtype=float).reshape(n_obs, -1)[:, j - design.m]

    try:
        factor = linalg.cho_factor(gram, lower=True, check_finite=False)
        ok = bool(np.all(np.diag(factor[0]) > 0))
    except linalg.LinAlgError:
        ok = False
    if not ok or _rank_suspect(gram, norms2):
        _check_rank(gram, norms2, labels, column, unit_codes, time_codes)
        if not ok:  # pragma: no cover - a failure the checks above did not name
            raise EstimationError("The regressors are collinear with each other or with the "
                                  "fixed effects: " + ", ".join(labels) + ".")
    params = linalg.cho_solve(factor, design.cross(zy), check_finite=False)
    bread = linalg.cho_solve(factor, np.eye(len(labels)), check_finite=False)

    slopes = len(labels)
    n_units, n_periods = within.n_units, within.n_periods
    df: float | None
    n_clusters = None
    if vcov.kind == "cluster":
        assert clusters is not None  # checked above
        clusters = np.asarray(clusters)
        _, meat, n_clusters = design.accumulate(zy, params, clusters, meat=True)
        counted = [n for n, codes in ((n_units, unit_codes), (n_periods, time_codes))
                   if not (codes is clusters or is_nested(codes, clusters))]
        k = slopes + sum(counted) - (1 if len(counted) == 2 else 0)
        _check_dof(n_obs, k)
        cov = bread @ meat @ bread * cluster_correction(n_obs, k, n_clusters)
        df = float(n_clusters - 1)
    else:
        k = slopes + n_units + n_periods - 1
        _check_dof(n_obs, k)
        ssr, meat, _ = design.accumulate(zy, params, None, meat=vcov.kind != "classical")
        if vcov.kind == "classical":
            cov = bread * ssr / (n_obs - k)
        else:
            cov = bread @ meat @ bread
            if vcov.kind == "HC1":
                cov = cov * n_obs / (n_obs - k)
        df = float(n_obs - k)
    return PanelFit(params=params, vcov=(cov + cov.T) / 2, df=df, n_obs=n_obs,
                    n_clusters=n_clusters, n_params=k)
