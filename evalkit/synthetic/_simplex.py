r"""Frank-Wolfe for many ridge-penalised least-squares problems on the unit simplex at once.

Each problem ``p`` of a batch is

.. math:: \min_{x \in \Delta^n} \; \frac{1}{m_p}\lVert A_p x - b_p \rVert^2
          + \zeta_p^2 \lVert x \rVert^2,
          \qquad \Delta^n = \{x : x_j \ge 0, \textstyle\sum_j x_j = 1\},

given in Gram form: the solver only sees :math:`G_p = A_p'A_p` (through a
:class:`GramAccess`), :math:`c_p = A_p'b_p` and :math:`b_p'b_p`. It runs the
Frank-Wolfe iteration with exact line search of the reference implementation of
synthetic difference-in-differences (R package ``synthdid``, ``fw.step`` and
``sc.weight.fw`` in ``R/solver.R``; Arkhangelsky et al. 2021), step for step:

1. ``g = A'(Ax - b) + eta x`` with ``eta = m zeta^2`` (half the gradient, scaled by m);
2. ``i = argmin g`` (the first one on ties), direction ``d = e_i - x``;
3. step ``s = clip(-g'd / (|A d|^2 + eta |d|^2), 0, 1)``, ``x <- x + s d``;
4. stop before iteration ``t > 2`` when the objective fell by no more than
   ``min_decrease^2`` in the last iteration, or after ``max_iter`` iterations.

The reference recomputes ``A x`` and ``A'(Ax - b)`` at every iteration (``O(m n)``).
Here, because a Frank-Wolfe step moves towards a single vertex, ``G x`` is updated
in ``O(n)`` from one column of ``G`` (``G x' = (1 - s) G x + s G e_i``) and recomputed
exactly every ``refresh`` iterations so that rounding cannot drift; the problems of a
batch advance together, as rows of 2-D arrays, and finished problems leave the batch.
Iterates agree with the reference to rounding.

The Gram expansion ``|Ax - b|^2 = x'Gx - 2c'x + b'b`` loses digits to cancellation
when ``b`` and the columns of ``A`` are large and alike. Callers should therefore
shift the data first: on the simplex, subtracting one vector ``v`` from ``b`` and from
every column of ``A`` changes neither ``A x - b`` nor the iterates (it adds a constant
to every coordinate of the gradient and leaves ``A d`` unchanged, since ``1'd = 0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

_HUGE = 1e200

__all__ = ["GramAccess", "BatchGram", "SharedGram", "SimplexLeastSquares", "FrankWolfeResult",
           "frank_wolfe"]


class GramAccess(Protocol):
    """Read access to the Gram matrices :math:`G_p` of a batch of problems."""

    def column(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """``G_p[:, pos_k]`` for each problem ``p = rows[k]``: shape ``(len(rows), n)``."""

    def matvec(self, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``G_p x_k`` for each problem ``p = rows[k]``: shape ``(len(rows), n)``."""


@dataclass(frozen=True)
class BatchGram:
    """One small dense Gram matrix per problem, ``gram`` of shape ``(B, n, n)``."""

    gram: np.ndarray

    def column(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return self.gram[rows, :, pos]

    def matvec(self, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.einsum("bij,bj->bi", self.gram[rows], x)


@dataclass(frozen=True)
class SharedGram:
    """Problems whose variables are columns of one shared factor ``F`` (``k x N``).

    Problem ``p`` uses the columns ``index[p]`` of ``F`` (repetitions allowed; padded
    entries point anywhere and must be masked out by the problem), so that
    ``G_p = F[:, index[p]]' F[:, index[p]]``; with ``index=None`` every problem has
    the ``N`` columns of ``F`` as variables (those it does not use are masked out).
    With ``gram`` (``F'F``, ``N x N``) given, a column is read from it; without it, it
    is computed as a product with ``F``.
    """

    factor: np.ndarray
    index: np.ndarray | None = None
    gram: np.ndarray | None = None

    def _unit(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return pos if self.index is None else self.index[rows, pos]

    def _select(self, rows: np.ndarray, full: np.ndarray) -> np.ndarray:
        return full if self.index is None else np.take_along_axis(full, self.index[rows], axis=1)

    def column(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        unit = self._unit(rows, pos)
        if self.gram is not None:
            if self.index is None:
                return self.gram[unit]
            return self.gram[unit[:, None], self.index[rows]]
        return self._select(rows, self.factor[:, unit].T @ self.factor)

    def matvec(self, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        if self.index is None:
            spread = x
        else:
            spread = np.zeros((rows.size, self.factor.shape[1]))
            np.add.at(spread, (np.arange(rows.size)[:, None], self.index[rows]), x)
        return self._select(rows, (spread @ self.factor.T) @ self.factor)


@dataclass(frozen=True)
class SimplexLeastSquares:
    """A batch of ``B`` problems with ``n`` variables each (fewer where ``mask`` is False).

    Attributes
    ----------
    gram
        Access to :math:`G_p = A_p'A_p`.
    cross
        :math:`c_p = A_p'b_p`, shape ``(B, n)``.
    target_sq
        :math:`b_p'b_p`, shape ``(B,)``.
    n_rows
        :math:`m_p`, the number of rows of :math:`A_p` (the loss is a mean over them).
    mask
        ``(B, n)``: which variables exist; the others stay at zero.
    """

    gram: GramAccess
    cross: np.ndarray
    target_sq: np.ndarray
    n_rows: np.ndarray
    mask: np.ndarray


@dataclass(frozen=True)
class FrankWolfeResult:
    """Solutions ``x`` (``B x n``), iterations run and final objective of each problem."""

    x: np.ndarray
    iterations: np.ndarray
    objective: np.ndarray


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def frank_wolfe(problem: SimplexLeastSquares, start: np.ndarray, *, zeta: np.ndarray | float,
                max_iter: int, min_decrease: float, refresh: int = 50) -> FrankWolfeResult:
    """Run the reference Frank-Wolfe iteration on every problem of the batch.

    Parameters
    ----------
    problem
        The batch of problems.
    start
        ``(B, n)`` starting points on the simplex (zero where ``mask`` is False).
    zeta
        Ridge parameter(s) :math:`\\zeta` (a number or one per problem).
    max_iter
        Iteration cap.
    min_decrease
        Stop once an iteration lowers the objective by no more than ``min_decrease**2``.
    refresh
        Recompute the gradient and the quadratic forms exactly every ``refresh``
        iterations (in between they are updated from one Gram column).
    """
    n_problems = start.shape[0]
    x = np.array(start, dtype=float, copy=True)
    zeta_sq = np.broadcast_to(np.asarray(zeta, dtype=float) ** 2, (n_problems,)).copy()
    threshold = float(min_decrease) ** 2
    iterations = np.zeros(n_problems, dtype=np.int64)
    objective = np.full(n_problems, np.nan)
    if n_problems == 0:
        return FrankWolfeResult(x=x, iterations=iterations, objective=objective)
    # A variable that does not exist gets a huge gradient (through c), so that it is never
    # chosen; it stays at zero and adds nothing to the products with x.
    cross = np.where(problem.mask, problem.cross, -_HUGE)

    live = np.arange(n_problems)
    xs, cr = x, cross
    zsq, bb, rows_m = zeta_sq, problem.target_sq.astype(float), problem.n_rows.astype(float)
    eta = rows_m * zsq

    def exact(live: np.ndarray, xs: np.ndarray, cr: np.ndarray, eta: np.ndarray):
        gx = problem.gram.matvec(live, xs)
        grad = gx - cr
        grad += eta[:, None] * xs
        return grad, _rowdot(xs, gx), _rowdot(xs, xs), _rowdot(cr, xs)

    grad, xgx, xx, cx = exact(live, xs, cr, eta)
    previous = np.full(n_problems, np.nan)
    current = np.full(n_problems, np.nan)
    t = 0
    while live.size and t < max_iter:
        t += 1
        at = np.arange(live.size)
        i = np.argmin(grad, axis=1)
        x_i, grad_i, c_i = xs[at, i], grad[at, i], cr[at, i]
        gx_i = grad_i + c_i - eta * x_i  # (G x)_i
        slope = grad_i - (xgx - cx + eta * xx)  # g'd with d = e_i - x
        dd = xx - 2.0 * x_i + 1.0  # |d|^2
        column = problem.gram.column(live, i)
        g_ii = column[at, i]
        dd_err = g_ii - 2.0 * gx_i + xgx  # |A d|^2
        moving = x_i != 1.0  # d = 0 only at the vertex e_i itself
        denom = np.where(moving, dd_err + eta * dd, 1.0)
        step = np.where(moving, np.clip(-slope / denom, 0.0, 1.0), 0.0)
        keep_share = 1.0 - step
        # x + s d
        xs *= keep_share[:, None]
        xs[at, i] = x_i + step * (1.0 - x_i)
        if t % refresh == 0:
            grad, xgx, xx, cx = exact(live, xs, cr, eta)
        else:
            # grad' = grad + s (G e_i - c - grad) + eta s e_i
            column -= cr
            column -= grad
            column *= step[:, None]
            grad += column
            grad[at, i] += eta * step
            xgx = keep_share ** 2 * xgx + 2.0 * step * keep_share * gx_i + step ** 2 * g_ii
            xx = keep_share ** 2 * xx + 2.0 * step * keep_share * x_i + step ** 2
            cx = keep_share * cx + step * c_i
        vals = zsq * xx + np.maximum(xgx - 2.0 * cx + bb, 0.0) / rows_m
        previous[live] = current[live]
        current[live] = vals
        iterations[live] = t
        keep = (t < 2) | (previous[live] - vals > threshold)
        if not keep.all():
            done = live[~keep]
            x[done] = xs[~keep]
            objective[done] = vals[~keep]
            live = live[keep]
            xs, cr, grad = xs[keep], cr[keep], grad[keep]
            zsq, bb, rows_m, eta = zsq[keep], bb[keep], rows_m[keep], eta[keep]
            xgx, xx, cx = xgx[keep], xx[keep], cx[keep]
    if live.size:
        x[live] = xs
        objective[live] = current[live]
    x[~problem.mask] = 0.0
    return FrankWolfeResult(x=x, iterations=iterations, objective=objective)
