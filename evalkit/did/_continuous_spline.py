"""B-spline bases in the dose and their derivatives (pure numpy).

The basis is that of R's ``splines2::bSpline(x, degree, knots, Boundary.knots)`` without
the intercept column: with ``m`` interior knots it has ``degree + m`` columns. Outside
the boundary knots the end polynomial pieces are continued.
"""

from __future__ import annotations

import numpy as np

__all__ = ["spline_basis", "quantile_knots"]


def quantile_knots(doses: np.ndarray, num_knots: int) -> np.ndarray:
    """Interior knots at the ``1/(m+1), ..., m/(m+1)`` quantiles of the doses (R's type 7,
    as ``contdid::choose_knots_quantile``)."""
    if num_knots <= 0:
        return np.zeros(0)
    probs = np.linspace(0.0, 1.0, num_knots + 2)[1:-1]
    return np.quantile(np.asarray(doses, dtype=float), probs)


def spline_basis(x: np.ndarray, interior: np.ndarray, low: float, high: float, degree: int,
                 derivative: bool = False) -> np.ndarray:
    """The B-spline basis (or its first derivative) at ``x``, first column dropped.

    Parameters
    ----------
    x
        Points of evaluation.
    interior
        Interior knots, strictly between ``low`` and ``high``, increasing.
    low, high
        Boundary knots (``low < high``).
    degree
        Polynomial degree (>= 1).
    derivative
        Return the derivative of every basis function instead of its value.

    Returns
    -------
    numpy.ndarray
        ``len(x) x (degree + len(interior))``.
    """
    x = np.asarray(x, dtype=float)
    knots = np.concatenate([np.full(degree + 1, low), np.asarray(interior, dtype=float),
                            np.full(degree + 1, high)])
    n_basis = knots.size - degree - 1
    # the knot span of each point, clipped to the first and last non-empty spans, so that
    # points outside [low, high] continue the end pieces and x == high is in the last span
    span = np.searchsorted(knots, x, side="right") - 1
    span = np.clip(span, degree, n_basis - 1)
    values = np.zeros((x.size, knots.size - 1))
    values[np.arange(x.size), span] = 1.0
    last = degree - 1 if derivative else degree
    for p in range(1, last + 1):
        width_left = knots[p:p + knots.size - 1 - p] - knots[:knots.size - 1 - p]
        width_right = knots[p + 1:] - knots[1:knots.size - p]
        left = np.divide(x[:, None] - knots[None, :knots.size - 1 - p], width_left,
                         out=np.zeros((x.size, knots.size - 1 - p)), where=width_left > 0)
        right = np.divide(knots[None, p + 1:] - x[:, None], width_right,
                          out=np.zeros((x.size, knots.size - 1 - p)), where=width_right > 0)
        values = left * values[:, :-1] + right * values[:, 1:]
    if derivative:
        p = degree
        width_left = knots[p:p + n_basis] - knots[:n_basis]
        width_right = knots[p + 1:p + 1 + n_basis] - knots[1:n_basis + 1]
        first = np.divide(p, width_left, out=np.zeros(n_basis), where=width_left > 0)
        second = np.divide(p, width_right, out=np.zeros(n_basis), where=width_right > 0)
        padded = np.concatenate([values, np.zeros((x.size, 1))], axis=1)[:, :n_basis + 1]
        values = first * padded[:, :n_basis] - second * padded[:, 1:n_basis + 1]
    return values[:, 1:n_basis]
