r"""The 2x2 and TWFE estimates (and t statistics) under many assignments at once.

Only the treatment regressors change from one assignment to the next; everything else
is partialled out once (Frisch-Waugh-Lovell):

- 2x2: :math:`Y = b_0 + b_1 D + b_2 P + \delta\,DP + X'\gamma`; the fixed columns
  :math:`Z = [1, P, X]` are projected out of :math:`Y` once and, per assignment, out of
  the two changing columns :math:`D` and :math:`DP`; then :math:`DP` is projected off
  :math:`D` and :math:`\hat\delta = \check x'W\tilde y / \check x'W\check x`.
- TWFE: the outcome is within-transformed once; per assignment the treatment dummy
  :math:`D_{it} = 1\{t \ge G_i\}` is within-transformed (a block of assignments at a
  time, as the columns of one matrix) and projected off the transformed covariates.

The residuals :math:`e` and the FWL regressor :math:`\check x` give the t statistic with
the same standard-error formula as the estimator (classical, HC0/HC1 or cluster-robust,
with the same small-sample factor): the variance is :math:`c \sum_g (\sum_{i\in g} w_i
\check x_i e_i)^2 / (\check x'W\check x)^2`. Blocks of assignments are sized so that the
(rows x assignments) matrices stay near 4 million numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import linalg

__all__ = ["PermutationDesign", "permuted_statistics", "ABSORBED_TOL"]

#: An assignment whose tested regressor keeps less than this share of its norm after
#: the projection has no estimate (NaN).
ABSORBED_TOL = 1e-10


@dataclass(frozen=True)
class PermutationDesign:
    """A regression whose treatment regressors follow the assignment of labels to units.

    Attributes
    ----------
    y
        The outcome with the fixed part partialled out.
    columns
        ``columns(assignments)`` for a (block x units) array of label codes returns the
        raw tested regressor and the other changing regressor (or ``None``), each
        (rows x block).
    partial
        Projects the fixed part (fixed effects, constant, covariates) out of a
        (rows x block) array; returns a new array.
    weights
        Regression weights, or ``None``.
    vcov_kind, clusters, n_clusters, n_params
        The standard-error formula of the estimator: ``"classical"``, ``"HC0"``,
        ``"HC1"`` or ``"cluster"`` (with the cluster code of each row), and :math:`K`.
    """

    y: np.ndarray
    columns: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]
    partial: Callable[[np.ndarray], np.ndarray]
    weights: np.ndarray | None
    vcov_kind: str
    clusters: np.ndarray | None
    n_clusters: int | None
    n_params: int

    @property
    def n_obs(self) -> int:
        return int(self.y.size)

    def variance_factor(self) -> float:
        n, k = self.n_obs, self.n_params
        if self.vcov_kind == "cluster":
            g = int(self.n_clusters or 0)
            return g / (g - 1) * (n - 1) / (n - k)
        if self.vcov_kind == "HC1":
            return n / (n - k)
        return 1.0


def projector(z: np.ndarray, weights: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """``v -> v - Z (Z'WZ)^{-1} Z'W v`` for (rows x block) ``v``."""
    wz = z if weights is None else z * weights[:, None]
    factor = linalg.cho_factor(z.T @ wz, lower=True, check_finite=False)

    def apply(v: np.ndarray) -> np.ndarray:
        return v - z @ linalg.cho_solve(factor, wz.T @ v, check_finite=False)

    return apply


def _sum_w(w: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column sums of ``w * a * b``."""
    return np.einsum("ij,ij->j", a, b) if w is None else np.einsum("i,ij,ij->j", w, a, b)


def permuted_statistics(design: PermutationDesign, assignments: np.ndarray, *,
                        studentize: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The estimate (and t statistic) for each row of ``assignments`` (one block)."""
    w = design.weights
    raw, other_raw = design.columns(assignments)
    raw_norm = _sum_w(w, raw, raw)
    tested = design.partial(raw)
    y = design.y[:, None]
    if other_raw is not None:
        other = design.partial(other_raw)
        oo = _sum_w(w, other, other)
        with np.errstate(divide="ignore", invalid="ignore"):
            tested -= other * (_sum_w(w, other, tested) / oo)
            y = y - other * (_sum_w(w, other, np.broadcast_to(y, other.shape)) / oo)
    xx = _sum_w(w, tested, tested)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = _sum_w(w, tested, np.broadcast_to(design.y[:, None], tested.shape)) / xx
    undefined = ~(xx > ABSORBED_TOL * raw_norm)
    estimate[undefined] = np.nan
    if not studentize:
        return estimate, None
    residual = y - tested * estimate
    if design.vcov_kind == "classical":
        ssr = _sum_w(w, residual, residual)
        variance = ssr / (design.n_obs - design.n_params) / xx
    else:
        scores = tested * residual if w is None else tested * residual * w[:, None]
        if design.vcov_kind == "cluster":
            assert design.clusters is not None and design.n_clusters is not None
            n = design.n_obs
            indicator = sp.csr_matrix((np.ones(n), (design.clusters, np.arange(n))),
                                      shape=(design.n_clusters, n))
            scores = np.asarray(indicator @ scores)
        variance = np.einsum("ij,ij->j", scores, scores) / (xx * xx)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / np.sqrt(variance * design.variance_factor())
    return estimate, statistic
