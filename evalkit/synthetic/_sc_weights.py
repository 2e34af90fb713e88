r"""Donor weights of a synthetic control: least squares on the unit simplex, solved exactly.

Given the predictors of the treated unit :math:`X_1` (``k``) and of the donors
:math:`X_0` (``k x J``), and non-negative predictor weights :math:`v`, the synthetic
control weights solve (Abadie, Diamond & Hainmueller 2010, equation 3)

.. math:: W^* = \arg\min_{W \in \Delta^J} \sum_m v_m (X_{1m} - X_{0m} W)^2,
          \qquad \Delta^J = \{W : W_j \ge 0, \textstyle\sum_j W_j = 1\}.

Because the weights sum to one, :math:`X_1 - X_0 W = -\sum_j W_j (X_{0j} - X_1)`, so
the problem is to find the point of smallest norm in the convex hull of the points
:math:`p_j = \operatorname{diag}(\sqrt v)(X_{0j} - X_1)`. This module solves it with
Wolfe's (1976) minimum-norm-point algorithm, an active-set method that terminates
in finitely many steps with the exact optimum (to rounding): weights of donors outside
the final active set are exactly zero, and no tolerance on a penalty or an interior
barrier blurs them (the R Synth package's interior-point solver ``ipop`` stops at a
margin of 5e-4).

Reference: Wolfe, P. (1976). Finding the nearest point in a polytope. *Mathematical
Programming*, 11, 128-149.
"""

from __future__ import annotations

import numpy as np

__all__ = ["synthetic_weights", "min_norm_point"]

_MAX_MAJOR = 10_000


def _affine_minimizer(points: np.ndarray) -> np.ndarray:
    """Coefficients (summing to one) of the point of least norm in the affine hull."""
    n = points.shape[1]
    if n == 1:
        return np.ones(1)
    base = points[:, 0]
    directions = points[:, 1:] - base[:, None]
    z = np.linalg.lstsq(directions, -base, rcond=None)[0]
    return np.concatenate(([1.0 - z.sum()], z))


def min_norm_point(points: np.ndarray, *, start: np.ndarray | None = None,
                   tol: float = 1e-12) -> np.ndarray:
    """Convex-combination weights of the point of least Euclidean norm in a polytope.

    Parameters
    ----------
    points
        ``(k, n)`` array whose columns span the polytope.
    start
        Optional weights of a previous solution (a warm start): their support is
        used as the first active set.
    tol
        Relative optimality tolerance of Wolfe's stopping rule
        ``|x|^2 - min_j x'p_j <= tol * max_j |p_j|^2``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` non-negative weights summing to one.
    """
    n = points.shape[1]
    norms = np.einsum("ij,ij->j", points, points)
    scale = max(float(norms.max()), np.finfo(float).tiny)
    eps = 1e-14
    if start is not None and np.any(start > 0):
        active = list(np.flatnonzero(start > 0))
        lam = start[active] / start[active].sum()
        active, lam = _minor_cycles(points, active, lam, eps)
    else:
        first = int(np.argmin(norms))
        active, lam = [first], np.ones(1)
    x = points[:, active] @ lam
    for _ in range(_MAX_MAJOR):
        gaps = points.T @ x
        j = int(np.argmin(gaps))
        if x @ x - gaps[j] <= tol * scale or j in active:
            break
        active.append(j)
        lam = np.append(lam, 0.0)
        active, lam = _minor_cycles(points, active, lam, eps)
        x = points[:, active] @ lam
    weights = np.zeros(n)
    weights[active] = lam
    weights /= weights.sum()
    return weights


def _minor_cycles(points: np.ndarray, active: list[int], lam: np.ndarray,
                  eps: float) -> tuple[list[int], np.ndarray]:
    """Wolfe's minor cycles: move towards the affine minimiser, dropping points that hit 0."""
    while True:
        alpha = _affine_minimizer(points[:, active])
        if np.all(alpha > eps):
            return active, alpha
        falling = alpha <= eps
        step = lam[falling] / (lam[falling] - alpha[falling])
        theta = float(np.min(step)) if step.size else 1.0
        lam = lam + theta * (alpha - lam)
        keep = lam > eps
        if not keep.any():  # pragma: no cover - cannot happen with theta <= 1
            keep[np.argmax(lam)] = True
        active = [a for a, k in zip(active, keep, strict=True) if k]
        lam = lam[keep]
        lam = lam / lam.sum()


def _face(points: np.ndarray, weights: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the points on the supporting face of the optimum (where ties live)."""
    x = points @ weights
    norms = np.einsum("ij,ij->j", points, points)
    scale = max(float(norms.max()), np.finfo(float).tiny)
    return np.flatnonzero(points.T @ x - x @ x <= tol * scale)


def synthetic_weights(x0: np.ndarray, x1: np.ndarray, v: np.ndarray | None = None, *,
                      z0: np.ndarray | None = None, z1: np.ndarray | None = None,
                      start: np.ndarray | None = None) -> np.ndarray:
    r"""Donor weights :math:`W \in \Delta^J` minimising :math:`\sum_m v_m (x_{1m} - x_{0m}W)^2`.

    The fitted predictors :math:`X_0 W^*` are unique, but the weights need not be:
    when the treated unit's predictors lie inside the convex hull of the donors'
    (typically with few predictors), many weightings fit them equally well and the
    answer of a solver depends on its path and on the order of the donors (Abadie &
    L'Hour 2021, section 2, discuss this lack of uniqueness). When outcomes ``z0``,
    ``z1`` are given, ties are broken by the pre-period fit: among the weightings
    that minimise the predictor discrepancy, the one with the smallest
    :math:`\lVert z_1 - z_0 W\rVert^2` is returned (it is the value the outer
    problem of Abadie, Diamond & Hainmueller 2010 would pick). The tie-break is a
    second Wolfe run restricted to the donors on the optimal face, with the predictor
    discrepancy weighted 10^6 times more than the outcome fit; when the optimal face
    holds only the solution's own donors (the weights are unique), the first, exact,
    solution is returned unchanged.

    Parameters
    ----------
    x0
        ``(k, J)`` donor predictors (one column per donor).
    x1
        ``(k,)`` treated predictors.
    v
        ``(k,)`` non-negative predictor weights (default: all one).
    z0, z1
        ``(f, J)`` and ``(f,)`` pre-period outcomes of the donors and of the treated
        unit, used only to break ties.
    start
        Optional previous weights to warm-start the active sets.
    """
    points = x0 - x1[:, None]
    if v is not None:
        points = points * np.sqrt(v)[:, None]
    weights = min_norm_point(points, start=start)
    if z0 is None or z1 is None:
        return weights
    face = _face(points, weights, 1e-9)
    if face.size <= np.count_nonzero(weights):
        return weights
    outcome_points = z0[:, face] - z1[:, None]
    primary = np.einsum("ij,ij->j", points[:, face], points[:, face]).max()
    secondary = np.einsum("ij,ij->j", outcome_points, outcome_points).max()
    if secondary <= 0:
        return weights
    penalty = np.sqrt(1e6 * secondary / max(primary, np.finfo(float).tiny))
    stacked = np.vstack([penalty * points[:, face], outcome_points])
    broken = np.zeros_like(weights)
    warm = start[face] if start is not None and np.any(start[face] > 0) else None
    broken[face] = min_norm_point(stacked, start=warm, tol=1e-14)
    return broken
