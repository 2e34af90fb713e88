r"""The fixed-effect term of the wild cluster bootstrap with unit and period effects.

With the fixed effects :math:`F = [A\; B]` (indicators of the factor with more levels,
:math:`A`, and of the other, :math:`B`) partialled out, the bootstrap needs, for every
pair of clusters :math:`(g, h)`,

.. math:: T_{gh} = (a\odot 1_g)'\,F(F'WF)^{-}F'W\,(\tilde u\odot 1_h)

(:mod:`evalkit.inference.wild_draws`). By the partitioned inverse of :math:`F'WF`,
with :math:`\alpha_g = A'(a\odot 1_g)`, :math:`\beta_g = B'(a\odot 1_g)` and the same
sums :math:`\gamma_h, \delta_h` of :math:`w\tilde u` over the rows of :math:`h`,

.. math:: T_{gh} = \alpha_g' W_A^{-1}\gamma_h + r_g(a)'\,L^{+} r_h(w\tilde u), \qquad
          r_g = \beta_g - C'W_A^{-1}\alpha_g, \qquad L = W_B - C'W_A^{-1}C,

where :math:`W_A, W_B` hold the (weighted) row counts of the levels and :math:`C` the
(weighted) counts of the (A level, B level) cells; :math:`L` is the Laplacian that the
within transformation solves (:mod:`evalkit.did.within`). When the levels of
:math:`A` are nested within the clusters (units within clusters: the usual case), the
:math:`\alpha` terms vanish exactly (:math:`\tilde u` sums to zero within every unit)
and :math:`T = R(a)\,L^{+} R(w\tilde u)'` has the rank of the period effects. Nothing
of size rows x clusters is formed: the sums are (clusters x levels) tables.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from evalkit.did.within import is_nested, pair_sums
from evalkit.errors import EstimationError

__all__ = ["TwoWayClusterTerms", "MAX_SMALL_FACTOR_LEVELS"]

#: The factor with fewer levels (usually the periods) must have at most this many.
MAX_SMALL_FACTOR_LEVELS = 5000


def _dense(matrix: np.ndarray | sp.spmatrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


class TwoWayClusterTerms:
    """:math:`T` for unit and period fixed effects, given the clusters.

    Parameters
    ----------
    a_codes, n_a, b_codes, n_b
        Compact codes and level counts of the factor with more levels (A) and of the
        other one (B), as :attr:`evalkit.did.within.TwoWayWithin.factors` gives them.
    clusters, n_clusters
        Cluster code of each row.
    weights
        Regression weights, or ``None``.
    """

    def __init__(self, a_codes: np.ndarray, n_a: int, b_codes: np.ndarray, n_b: int,
                 clusters: np.ndarray, n_clusters: int, weights: np.ndarray | None) -> None:
        if n_b > MAX_SMALL_FACTOR_LEVELS:
            raise EstimationError(
                f"The wild cluster bootstrap with two-way fixed effects supports panels whose "
                f"smaller dimension (units or periods) has at most {MAX_SMALL_FACTOR_LEVELS:,} "
                f"levels; this one has {n_b:,}.")
        self.a, self.n_a, self.b, self.n_b = a_codes, n_a, b_codes, n_b
        self.g, self.n_g = clusters, n_clusters
        self.a_nested = is_nested(a_codes, clusters)
        self.a_totals = np.bincount(a_codes, weights=weights, minlength=n_a).astype(float)
        b_totals = np.bincount(b_codes, weights=weights, minlength=n_b).astype(float)
        self.cells = pair_sums(a_codes, b_codes, weights, n_a, n_b)  # C, A x B
        scaled = (self.cells.multiply(1.0 / self.a_totals[:, None]) if sp.issparse(self.cells)
                  else self.cells / self.a_totals[:, None])
        laplacian = -_dense(self.cells.T @ scaled)
        laplacian[np.diag_indices_from(laplacian)] += b_totals
        self.pinv = np.linalg.pinv((laplacian + laplacian.T) / 2, hermitian=True)
        self.cells_scaled = scaled  # W_A^{-1} C

    def _by_a(self, values: np.ndarray) -> sp.csr_matrix:
        """Cluster x A-level sums of ``values`` (sparse)."""
        matrix = sp.csr_matrix((values, (self.g, self.a)), shape=(self.n_g, self.n_a))
        matrix.sum_duplicates()
        return matrix

    def _r(self, values: np.ndarray) -> np.ndarray:
        r = _dense(pair_sums(self.g, self.b, values, self.n_g, self.n_b))
        if not self.a_nested:
            r = r - _dense(self._by_a(values) @ self.cells_scaled)
        return r

    def left(self, a: np.ndarray) -> np.ndarray:
        return self._r(a)

    def right(self, weighted_u: np.ndarray) -> np.ndarray:
        return self._r(weighted_u) @ self.pinv

    def dense(self, a: np.ndarray, weighted_u: np.ndarray) -> np.ndarray | None:
        if self.a_nested:
            return None
        by_a = self._by_a(a)
        other = self._by_a(weighted_u).multiply(1.0 / self.a_totals[None, :])
        return _dense(by_a @ other.T)
