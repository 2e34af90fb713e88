r"""Vertices of the dual polytope of the ARP test, by double description on its cone.

The conditional and hybrid tests of :mod:`evalkit.robustness._honest_arp` need every vertex of

.. math:: Q = \{\gamma \in \mathbb{R}^m : \gamma \ge 0,\ \sigma'\gamma = 1,\ X'\gamma = 0\},

with :math:`m` moments, :math:`\sigma > 0` their standard deviations and :math:`X` the
nuisance directions. Since :math:`\sigma > 0`, the vertices of :math:`Q` are the extreme
rays of the pointed cone :math:`C = \{\gamma \ge 0 : X'\gamma = 0\}` scaled to
:math:`\sigma'\gamma = 1`, and :math:`C` depends on :math:`X` only: one cone serves every
value of M and every piece of a restriction that share their nuisance directions.

Enumerating candidate bases (``comb(m, k)`` of them) grows combinatorially with the
number of post-periods, although these polytopes have few vertices (the relative-
magnitude and smoothness pieces have about one per post-period) because they are very
degenerate: most vertices have two non-zero coordinates. The extreme rays are found
instead by the double description method in its null-space form (Motzkin et al. 1953;
Fukuda & Prodon 1996; Wagner 2004): a basis of the null space of :math:`X'` with an
identity block spans a simplicial cone that already satisfies the sign constraints of
that block; the remaining sign constraints (as many as the rank of :math:`X`) are added
one at a time, each keeping the rays that satisfy it and combining every adjacent pair
of rays on either side of it. Adjacency is decided by the combinatorial test (no other
ray is zero on every constraint on which both are zero), which is exact given the zero
pattern, so degenerate vertices cost nothing extra.

References
----------
Motzkin, T. S., Raiffa, H., Thompson, G. L. and Thrall, R. M. (1953). The double
description method. *Contributions to the Theory of Games II*, 51-73.
Fukuda, K. and Prodon, A. (1996). Double description method revisited. *Combinatorics
and Computer Science*, LNCS 1120, 91-111.
Wagner, C. (2004). Nullspace approach to determine the elementary modes of chemical
reaction systems. *Journal of Physical Chemistry B*, 108(7), 2425-2431.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import linalg

from evalkit.errors import EstimationError

__all__ = ["extreme_rays", "dual_vertices", "MAX_RAYS"]

#: The most rays the enumeration may hold at once before it gives up.
MAX_RAYS = 200_000

_ZERO = 1e-9  # a coordinate of a ray (scaled to max |.| = 1) below this is zero


def _row_space(x: np.ndarray) -> np.ndarray:
    """Orthonormal basis (rows) of the space spanned by the columns of ``x``, transposed."""
    if x.size == 0:
        return np.zeros((0, x.shape[0]))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    if s.size == 0 or s[0] <= 0:
        return np.zeros((0, x.shape[0]))
    rank = int(np.sum(s > s[0] * max(x.shape) * np.finfo(float).eps * 100))
    return u[:, :rank].T


def _null_space_start(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A null-space basis of ``b`` with an identity block, and which rows are left to check.

    Returns ``(rays, free, pivots)``: ``rays`` is ``m x (m - r)`` with the identity on the
    rows ``free``; the rows ``pivots`` (``r`` of them) may still be negative.
    """
    r, m = b.shape
    _, _, order = linalg.qr(b, mode="economic", pivoting=True)
    pivots, free = np.sort(order[:r]), np.sort(order[r:])
    rays = np.zeros((m, m - r))
    rays[free, np.arange(m - r)] = 1.0
    rays[pivots] = -np.linalg.solve(b[:, pivots], b[:, free])
    return rays, free, pivots


def _adjacent_pairs(zeros: np.ndarray, positive: np.ndarray, negative: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i in positive, j in negative) of adjacent rays, by the combinatorial test.

    ``zeros`` is ``(n_rays, n_constraints)``: where each ray is zero on the constraints
    processed so far. Rays ``i`` and ``j`` are adjacent when no third ray is zero on every
    constraint on which both are.
    """
    if positive.size == 0 or negative.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    z = zeros.astype(np.float64)
    nonzero = 1.0 - z
    keep_i, keep_j = [], []
    for i in positive:
        common = z[i] * z[negative]                    # (n_neg, n_constraints)
        # rays zero on every common constraint: nonzero @ common' == 0
        covering = (nonzero @ common.T) < 0.5          # (n_rays, n_neg)
        count = covering.sum(axis=0)                   # includes i and j themselves
        adjacent = count == 2
        keep_i.append(np.full(int(adjacent.sum()), i))
        keep_j.append(negative[adjacent])
    return np.concatenate(keep_i), np.concatenate(keep_j)


def _extreme_rays(b: np.ndarray) -> np.ndarray:
    """Extreme rays (rows, max |.| = 1) of ``{g >= 0 : b g = 0}``."""
    r, m = b.shape
    if r == 0:
        return np.eye(m)
    rays, free, pivots = _null_space_start(b)
    rays = rays.T                                       # one ray per row from here on
    rays /= np.abs(rays).max(axis=1, keepdims=True)
    processed = list(free)
    for p in pivots:
        values = rays[:, p]
        positive = np.flatnonzero(values > _ZERO)
        negative = np.flatnonzero(values < -_ZERO)
        zero = np.flatnonzero(np.abs(values) <= _ZERO)
        zeros = np.abs(rays[:, processed]) <= _ZERO
        i, j = _adjacent_pairs(zeros, positive, negative)
        combined = rays[i] * (-values[j])[:, None] + rays[j] * values[i][:, None]
        common = np.zeros(combined.shape, dtype=bool)
        common[:, processed] = zeros[i] & zeros[j]
        combined[common] = 0.0
        combined[:, p] = 0.0
        kept = rays[np.concatenate([positive, zero])]
        kept[np.abs(kept[:, p]) <= _ZERO, p] = 0.0
        rays = np.vstack([kept, combined])
        rays /= np.abs(rays).max(axis=1, keepdims=True)
        if rays.shape[0] > MAX_RAYS:
            raise EstimationError(
                f"The conditional test's dual polytope has more than {MAX_RAYS:,} vertices to "
                "enumerate: restrict the event window to fewer post-periods.")
        processed.append(p)
    rays[np.abs(rays) <= _ZERO] = 0.0
    return np.clip(rays, 0.0, None)


@lru_cache(maxsize=256)
def _cached_rays(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    x = np.frombuffer(data, dtype=np.float64).reshape(shape)
    rays = _extreme_rays(_row_space(x))
    # a canonical order, so that the result does not depend on the enumeration's path
    rays = rays[np.lexsort(np.round(rays, 9).T[::-1])]
    rays.setflags(write=False)
    return rays


def extreme_rays(x: np.ndarray) -> np.ndarray:
    r"""Extreme rays of :math:`\{\gamma \ge 0 : X'\gamma = 0\}`, one per row (max |.| = 1).

    Parameters
    ----------
    x
        ``(m, p)`` array whose columns :math:`\gamma` must be orthogonal to.

    Returns
    -------
    numpy.ndarray
        ``(n_rays, m)`` read-only array of non-negative rays, in lexicographic order.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    return _cached_rays(x.tobytes(), x.shape)


def dual_vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray:
    r"""Vertices of :math:`\{\gamma \ge 0: \sigma'\gamma = 1, X'\gamma = 0\}`, one per row.

    Parameters
    ----------
    sd
        ``(m,)`` positive standard deviations of the moments.
    x
        ``(m, p)`` nuisance directions (rows: moments).
    """
    rays = extreme_rays(x)
    if rays.shape[0] == 0:
        return np.zeros((0, sd.size))
    return rays / (rays @ sd)[:, None]
