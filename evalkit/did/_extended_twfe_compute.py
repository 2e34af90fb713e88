r"""Numerics of the extended two-way fixed-effects regression, from cohort-by-period sums.

Every regressor of the saturated regression of :func:`evalkit.did.extended_twfe` is a
*cell-level* column (a cohort indicator, a period indicator, a treated cohort-by-period
indicator) times one of :math:`z_r = (1, x_r - \bar x)`, the constant or a (centred)
covariate. Row :math:`r` of the design is therefore :math:`a_{s(r)} \otimes z_r`, where
:math:`s(r)` is the row's cohort-by-period group and :math:`a_s` the group's row of the
small cell-level design :math:`A` (groups x columns). The cross-products follow from the
groups' sums of :math:`w z z'` and :math:`w z y`,

.. math:: X'WX = \sum_s a_s a_s' \otimes \textstyle\sum_{r \in s} w_r z_r z_r', \qquad
          X'Wy = \sum_s a_s \otimes \textstyle\sum_{r \in s} w_r z_r y_r,

and the cluster scores from the sums of :math:`w e z` by cluster and group, so that ten
million rows cost a few passes of ``bincount`` and no (rows x regressors) matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from evalkit.errors import EstimationError

__all__ = ["CellDesign", "CellFit", "Collinear", "fit_cells", "COLLINEAR_TOL"]

#: A column is collinear with those before it when the share of its variance that they
#: leave unexplained is below this.
COLLINEAR_TOL = 1e-10


@dataclass(frozen=True)
class CellDesign:
    """Which cohort, period and treated cell each row belongs to (rows already selected).

    Attributes
    ----------
    cohort, period
        Codes ``0 .. n_cohorts - 1`` and ``0 .. n_periods - 1`` of each row.
    cell
        The treated cohort-by-period cell of each row (``0 .. n_cells - 1``), or -1.
    n_cohorts, n_periods, n_cells
        The numbers of codes.
    """

    cohort: np.ndarray
    period: np.ndarray
    cell: np.ndarray
    n_cohorts: int
    n_periods: int
    n_cells: int

    @property
    def n_groups(self) -> int:
        return self.n_cohorts * self.n_periods

    def group(self) -> np.ndarray:
        """Each row's cohort-by-period group, ``cohort * n_periods + period``."""
        return self.cohort.astype(np.int64) * self.n_periods + self.period

    def cell_matrix(self, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cell-level design ``A`` (groups x columns) and each cell's group.

        Columns: the cohort indicators, the period indicators but the first, the cells.
        """
        g, t, q = self.n_cohorts, self.n_periods, self.n_cells
        a = np.zeros((self.n_groups, g + t - 1 + q))
        s = np.arange(self.n_groups)
        a[s, s // t] = 1.0
        later = s % t > 0
        a[s[later], g + s[later] % t - 1] = 1.0
        cell_group = np.full(q, -1, dtype=np.int64)
        treated = self.cell >= 0
        cell_group[self.cell[treated]] = group[treated]
        a[cell_group, g + t - 1 + np.arange(q)] = 1.0
        return a, cell_group


class Collinear(Exception):  # noqa: N818 - a signal to the caller, who names the columns
    """Raised by :func:`fit_cells` with the (column, slot) pairs that are collinear."""

    def __init__(self, dropped: list[tuple[int, int]]) -> None:
        super().__init__(f"{len(dropped)} collinear columns")
        self.dropped = dropped


@dataclass(frozen=True)
class CellFit:
    """The fitted saturated regression and the average effect in each treated cell.

    Attributes
    ----------
    effects, effects_vcov
        The average effect of the treatment on the rows of each cell (its indicator's
        coefficient plus its covariate interactions at the cell's covariate means) and
        their covariance.
    cell_weights
        Each cell's number of rows (or sum of weights).
    coefficients, vcov
        Every coefficient: blocks of ``1 + k`` (constant, covariates) per cell-level column.
    df
        Degrees of freedom of the t distribution of the coefficients' tests.
    n_obs, n_clusters, n_params
        Rows, clusters (``None`` unless clustered), parameters counted in the small-sample
        factor (coefficients and fixed effects not nested in the clusters).
    """

    effects: np.ndarray
    effects_vcov: np.ndarray
    cell_weights: np.ndarray
    coefficients: np.ndarray
    vcov: np.ndarray
    df: float | None
    n_obs: int
    n_clusters: int | None
    n_params: int


def _group_sums(group: np.ndarray, n_groups: int, z: list[np.ndarray | None],
                weights: np.ndarray | None) -> np.ndarray:
    """``sum w z_a z_b`` by group, (groups x m x m); ``z[0] is None`` stands for ones."""
    m = len(z)
    out = np.empty((n_groups, m, m))
    for a in range(m):
        for b in range(a, m):
            values = weights
            for v in (z[a], z[b]):
                if v is not None:
                    values = v if values is None else values * v
            out[:, a, b] = out[:, b, a] = np.bincount(group, weights=values, minlength=n_groups)
    return out


def _independent(gram: np.ndarray, order: list[int]) -> list[int]:
    """The columns (in ``order``) that are collinear with the ones before them."""
    diag = np.diag(gram).copy()
    scale = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
    corr = gram * scale[:, None] * scale[None, :]
    kept: list[int] = []
    dropped: list[int] = []
    chol = np.zeros_like(gram)
    for j in order:
        if not diag[j] > 0:
            dropped.append(j)
            continue
        row = (linalg.solve_triangular(chol[np.ix_(kept, kept)], corr[kept, j], lower=True)
               if kept else np.zeros(0))
        pivot = corr[j, j] - row @ row
        if pivot < COLLINEAR_TOL:
            dropped.append(j)
            continue
        chol[j, kept] = row
        chol[j, j] = np.sqrt(pivot)
        kept.append(j)
    return dropped


def _cluster_cross(clusters: np.ndarray, n_clusters: int, design: CellDesign,
                   group: np.ndarray, u: list[np.ndarray]) -> np.ndarray:
    r""":math:`U'U`, with :math:`U` the (clusters x groups*m) sums of :math:`w e z_a`."""
    m, t = len(u), design.n_periods
    width = design.n_groups * m
    order = np.argsort(clusters, kind="stable") if not bool(
        np.all(clusters[1:] >= clusters[:-1])) else None
    sorted_clusters = clusters if order is None else clusters[order]
    sorted_cohort = design.cohort if order is None else design.cohort[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(sorted_clusters)) + 1])
    low = np.minimum.reduceat(sorted_cohort, starts)
    high = np.maximum.reduceat(sorted_cohort, starts)
    if np.array_equal(low, high):
        # every cluster within one cohort: per cohort, a dense (clusters x periods*m) block
        ids = sorted_clusters[starts]
        cluster_cohort = np.zeros(n_clusters, dtype=np.int64)
        cluster_cohort[ids] = low
        by_cohort = np.argsort(cluster_cohort, kind="stable")
        position = np.empty(n_clusters, dtype=np.int64)
        position[by_cohort] = np.arange(n_clusters)
        counts = np.bincount(cluster_cohort, minlength=design.n_cohorts)
        key = (position[clusters] * t + design.period) * m
        dense = np.zeros(n_clusters * t * m)
        for a in range(m):
            dense += np.bincount(key + a, weights=u[a], minlength=dense.size)
        dense = dense.reshape(n_clusters, t * m)
        out = np.zeros((width, width))
        edges = np.concatenate([[0], np.cumsum(counts)])
        for c in range(design.n_cohorts):  # a handful of cohorts, each a BLAS product
            block = dense[edges[c]:edges[c + 1]]
            span = slice(c * t * m, (c + 1) * t * m)
            out[span, span] = block.T @ block
        return out
    columns = np.concatenate([group * m + a for a in range(m)])
    matrix = sp.csr_matrix((np.concatenate(u), (np.tile(clusters, m), columns)),
                           shape=(n_clusters, width))
    return np.asarray((matrix.T @ matrix).todense())


def fit_cells(
    y: np.ndarray,
    x: np.ndarray | None,
    design: CellDesign,
    *,
    kind: str,
    clusters: np.ndarray | None,
    n_clusters: int | None,
    weights: np.ndarray | None,
    cohort_nested: bool,
    period_nested: bool,
) -> CellFit:
    """Fit the saturated regression.

    ``kind`` is ``"classical"``, ``"HC0"``, ``"HC1"`` or ``"cluster"``. Coefficients come in
    blocks of ``1 + k`` per cell-level column (cohorts, periods but the first, cells):
    the column itself, then its products with the centred covariates.

    Raises
    ------
    Collinear
        With the (column, slot) pairs collinear with the ones before them, in the order:
        the cell-level columns, then each covariate's products.
    """
    n = int(y.size)
    k = 0 if x is None else x.shape[1]
    m = 1 + k
    group = design.group()
    n_groups = design.n_groups
    total = float(n if weights is None else weights.sum())
    z: list[np.ndarray | None] = [None]
    for j in range(k):
        assert x is not None
        column = x[:, j]
        centre = (column.mean() if weights is None else column @ weights / total)
        z.append(column - centre)
    zz = _group_sums(group, n_groups, z, weights)
    wy = y if weights is None else weights * y
    zy = np.stack([np.bincount(group, weights=wy if v is None else wy * v, minlength=n_groups)
                   for v in z], axis=1)
    a, cell_group = design.cell_matrix(group)
    n_columns = a.shape[1]
    p = n_columns * m
    gram = np.einsum("sl,sL,sab->laLb", a, a, zz).reshape(p, p)
    cross = np.einsum("sl,sa->la", a, zy).reshape(p)

    fixed = design.n_cohorts + design.n_periods - 1
    order = [c * m for c in range(n_columns)] + [c * m + j for j in range(1, m)
                                                 for c in range(n_columns)]
    dropped = _independent(gram, order)
    if dropped:
        raise Collinear([(j // m, j % m) for j in dropped])

    factor = linalg.cho_factor(gram, lower=True, check_finite=False)
    theta = linalg.cho_solve(factor, cross, check_finite=False)
    bread = linalg.cho_solve(factor, np.eye(p), check_finite=False)
    by_group = a @ theta.reshape(n_columns, m)  # each group's coefficients on z
    e = y - by_group[group, 0]
    for j in range(1, m):
        e -= z[j] * by_group[group, j]  # type: ignore[operator]
    we = e if weights is None else weights * e

    slopes = p - fixed
    counted = [size for size, nested in ((design.n_cohorts, cohort_nested),
                                         (design.n_periods, period_nested)) if not nested]
    n_params = slopes + sum(counted) - (1 if len(counted) == 2 else 0)
    if kind != "cluster":
        n_params = p
    if n <= n_params:
        raise EstimationError(f"No residual degrees of freedom: {n} observations for "
                              f"{n_params} parameters (cell effects and fixed effects).")
    kron = np.kron(a, np.eye(m))  # (groups*m) x p
    df: float | None
    if kind == "classical":
        vcov = bread * float(e @ we) / (n - n_params)
        df = float(n - n_params)
    elif kind == "cluster":
        assert clusters is not None and n_clusters is not None
        u = [we if v is None else we * v for v in z]
        meat = kron.T @ _cluster_cross(clusters, n_clusters, design, group, u) @ kron
        correction = n_clusters / (n_clusters - 1) * (n - 1) / (n - n_params)
        vcov = bread @ meat @ bread * correction
        df = float(n_clusters - 1)
    else:
        squared = we * e if weights is None else weights * we * e
        meat_groups = _group_sums(group, n_groups, z, squared)
        meat = np.einsum("sl,sL,sab->laLb", a, a, meat_groups).reshape(p, p)
        vcov = bread @ meat @ bread * (n / (n - n_params) if kind == "HC1" else 1.0)
        df = float(n - n_params)
    vcov = (vcov + vcov.T) / 2

    # the cell effects: coefficient + interactions at the cell's mean covariates
    q = design.n_cells
    mapping = np.zeros((q, p))
    cell_weight = zz[cell_group, 0, 0]
    for c in range(q):
        column = fixed + c
        mapping[c, column * m] = 1.0
        for j in range(1, m):
            mapping[c, column * m + j] = zz[cell_group[c], 0, j] / cell_weight[c]
    effects = mapping @ theta
    effects_vcov = mapping @ vcov @ mapping.T
    return CellFit(effects=effects, effects_vcov=(effects_vcov + effects_vcov.T) / 2,
                   cell_weights=cell_weight, coefficients=theta, vcov=vcov, df=df, n_obs=n,
                   n_clusters=n_clusters, n_params=n_params)
