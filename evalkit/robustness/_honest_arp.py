r"""The conditional and hybrid moment-inequality tests of Andrews, Roth & Pakes (ARP).

Testing :math:`H_0: \theta = l'\tau_{post} = \bar\theta` under
:math:`\delta \in \{A\delta \le d\}` amounts to testing the moment inequalities
:math:`E[\tilde Y(\bar\theta) - \tilde X\tau] \le 0` for some nuisance :math:`\tau`, with
:math:`\tilde Y(\bar\theta) = A\hat\beta - d - a\bar\theta` (Rambachan & Roth 2023,
section 5.2). The statistic is the value of the linear program

.. math:: \hat\eta = \min_{\eta, \tau} \eta \quad\text{s.t.}\quad
          \tilde Y - \tilde X\tau \le \eta\,\sigma, \qquad \sigma_j = \sqrt{\Sigma_{jj}},

whose dual is :math:`\max_\gamma \gamma'\tilde Y` over the polytope
:math:`\{\gamma \ge 0,\ \sigma'\gamma = 1,\ \tilde X'\gamma = 0\}`. The polytope has few
vertices (about one per post-period for the restrictions of Rambachan & Roth), so they
are enumerated once (see :mod:`evalkit.robustness._honest_vertices`): :math:`\hat\eta` is the
largest :math:`\gamma'\tilde Y` over the vertices, which makes the test a few matrix
products, vectorised over the tested values :math:`\bar\theta`, where the package solves
linear programs at each of them. Conditioning on the optimal
vertex :math:`\gamma_*` and on :math:`S = \tilde Y - \Sigma\gamma_*\hat\eta/\gamma_*'\Sigma\gamma_*`
(ARP 2023, section 4 and appendix D), :math:`\hat\eta` is normal truncated to the
values :math:`[v^{lo}, v^{up}]` for which :math:`\gamma_*` stays optimal; these follow
from the other vertices in closed form (the same interval as the package's primal
formulas, and as its bisection on the dual in degenerate cases). The test rejects when
:math:`\hat\eta/\sigma_*` exceeds ``max(0, c)`` with ``c`` the truncated normal's
:math:`1-\alpha` quantile. The least-favourable hybrid ("C-LF") first rejects when
:math:`\hat\eta` exceeds the :math:`1-\kappa` quantile of :math:`\hat\eta` under the
least favourable null (simulated), and then runs the conditional test at level
:math:`(\alpha-\kappa)/(1-\kappa)` with :math:`v^{up}` capped by that quantile.

References
----------
Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment
inequalities. *Review of Economic Studies*, 90(6), 2763-2791.
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends.
*Review of Economic Studies*, 90(5), 2555-2591.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from evalkit.errors import EstimationError
from evalkit.robustness._honest_constraints import ConstraintSet
from evalkit.robustness._honest_rng import r_normal_draws
from evalkit.robustness._honest_vertices import dual_vertices

__all__ = ["MomentProblem", "build_problem", "accepts", "truncation"]


@dataclass(frozen=True)
class MomentProblem:
    """One set of moment inequalities ready to be tested at many values of theta."""

    y0: np.ndarray        # moments at theta = 0 (rows used by the test)
    slope: np.ndarray     # y(theta) = y0 - slope * theta
    sigma: np.ndarray     # covariance of the moments
    vertices: np.ndarray  # dual vertices, one per row
    floor: np.ndarray     # per vertex: lowest critical value on the eta scale
    lf_cv: float | None   # least-favourable critical value (hybrid only)
    cap_at_lf: bool       # whether v_up is capped at lf_cv in the second stage


def _null_basis(l_vec: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the vectors orthogonal to ``l_vec`` (columns)."""
    _, _, vt = np.linalg.svd(l_vec[None, :])
    return vt[1:].T


def _symmetric_root(sigma: np.ndarray) -> np.ndarray:
    """``V diag(sqrt(max(lambda, 0))) V'``, the root ``mvtnorm::rmvnorm`` multiplies by."""
    vals, vecs = np.linalg.eigh((sigma + sigma.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def least_favourable_cv(sigma: np.ndarray, vertices: np.ndarray, kappa: float, draws: int,
                        seed: int) -> float:
    """The ``1 - kappa`` quantile of the LP value when every moment has mean zero.

    Simulated from ``draws`` normal vectors (ARP 2023, section 5.2), generated exactly
    as the package's ``.compute_least_favorable_cv`` generates them (R's
    ``set.seed(seed)``, ``mvtnorm::rmvnorm`` with its eigen root, filled by row) and
    summarised by the same quantile (R's type 7, numpy's default).
    """
    if vertices.shape[0] == 0:
        return np.inf
    m = sigma.shape[0]
    z = r_normal_draws(draws * m, seed).reshape(draws, m)
    eta = (z @ _symmetric_root(sigma) @ vertices.T).max(axis=1)
    return float(np.quantile(eta, 1 - kappa))


def build_problem(beta: np.ndarray, sigma: np.ndarray, cset: ConstraintSet, n_pre: int,
                  l_vec: np.ndarray, *, hybrid: bool, kappa: float, draws: int,
                  seed: int) -> MomentProblem:
    """Put one polyhedral restriction into the form the test needs.

    With one post-period there is no nuisance parameter and the package's
    no-nuisance test (``.testInIdentifiedSet``) is followed: its critical value is
    floored at the moment's ``d`` rather than at zero, and its hybrid does not cap the
    truncation at the least-favourable critical value.
    """
    A, d, rows = cset.A, cset.d, cset.rows
    n_post = l_vec.size
    a_post = A[:, n_pre:]
    if n_post == 1:
        slope = a_post[:, 0] / l_vec[0]
        x = np.zeros((A.shape[0], 0))
    else:
        slope = a_post @ (l_vec / (l_vec @ l_vec))
        x = a_post @ _null_basis(l_vec)
    y0 = (A @ beta - d)[rows]
    sig = (A @ sigma @ A.T)[np.ix_(rows, rows)]
    sd = np.sqrt(np.clip(np.diag(sig), 0, None))
    if np.any(sd <= 0):
        raise EstimationError("A moment of the restriction has zero variance: check that the "
                              "covariance matrix of the event-study coefficients is not "
                              "degenerate.")
    vertices = dual_vertices(sd, x[rows])
    floor = -(vertices @ d[rows]) if n_post == 1 else np.zeros(vertices.shape[0])
    lf_cv = least_favourable_cv(sig, vertices, kappa, draws, seed) if hybrid else None
    return MomentProblem(y0=y0, slope=slope[rows], sigma=sig, vertices=vertices, floor=floor,
                         lf_cv=lf_cv, cap_at_lf=n_post > 1)


def truncated_normal_quantile(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Quantile ``p`` of the standard normal truncated to ``[lo, hi]``, accurate in the tails."""
    lo, hi = np.broadcast_arrays(np.atleast_1d(np.asarray(lo, float)),
                                 np.atleast_1d(np.asarray(hi, float)))
    upper = lo > 0  # work in the lower tail, where the normal cdf keeps its precision
    a = np.where(upper, -hi, lo)
    b = np.where(upper, -lo, hi)
    q = np.where(upper, 1 - p, p)
    log_fa, log_fb = special.log_ndtr(a), special.log_ndtr(b)
    # log(F(a) + q (F(b) - F(a))) computed without cancellation
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mass = log_fb + np.log1p(-np.exp(np.minimum(log_fa - log_fb, 0)))
        target = np.logaddexp(log_fa, np.log(q) + log_mass)
    x = special.ndtri_exp(np.minimum(target, 0.0))
    x = np.clip(x, a, b)
    out = np.where(upper, -x, x)
    same = lo >= hi
    out[same] = lo[same]
    return out


def _optimal(problem: MomentProblem, theta: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per theta: the moments ``y``, the optimal vertex, ``eta``, ``Sigma gamma*`` and the
    variance ``gamma*' Sigma gamma*``."""
    y = problem.y0[:, None] - problem.slope[:, None] * theta[None, :]      # m x n
    values = problem.vertices @ y                                           # v x n
    best = np.argmax(values, axis=0)
    eta = values[best, np.arange(theta.size)]
    sg = problem.vertices[best] @ problem.sigma                             # n x m
    var = np.einsum("ij,ij->i", problem.vertices[best], sg)
    return y, best, eta, sg, var


def _bounds(vertices: np.ndarray, y: np.ndarray, eta: np.ndarray, sg: np.ndarray,
            var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``v_lo, v_up``: the values of eta (S held fixed) over which the optimal vertex stays
    optimal, from every other vertex in closed form."""
    b = sg / var[:, None]                                     # n x m
    s = y.T - b * eta[:, None]                                # n x m
    p = s @ vertices.T                                        # n x v : v's
    one_minus = 1.0 - b @ vertices.T                          # n x v : 1 - v'b
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = p / one_minus
    active = np.abs(one_minus) > 1e-9
    v_lo = np.where(active & (one_minus > 0), bound, -np.inf).max(axis=1)
    v_up = np.where(active & (one_minus < 0), bound, np.inf).min(axis=1)
    return v_lo, v_up


def truncation(problem: MomentProblem, theta: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``eta``, its variance ``gamma*' Sigma gamma*``, ``v_lo`` and ``v_up`` at each theta
    (before the hybrid's cap; ``nan`` bounds where the variance is zero)."""
    theta = np.atleast_1d(np.asarray(theta, float))
    y, _, eta, sg, var = _optimal(problem, theta)
    v_lo, v_up = np.full(theta.size, np.nan), np.full(theta.size, np.nan)
    live = var > np.finfo(float).eps
    v_lo[live], v_up[live] = _bounds(problem.vertices, y[:, live], eta[live], sg[live],
                                     var[live])
    return eta, var, v_lo, v_up


def accepts(problem: MomentProblem, theta: np.ndarray, alpha: float, kappa: float) -> np.ndarray:
    """Whether the conditional (``lf_cv is None``) or hybrid test accepts each theta."""
    theta = np.atleast_1d(np.asarray(theta, float))
    if problem.vertices.shape[0] == 0:  # the moments can always be met: nothing is rejected
        return np.ones(theta.size, dtype=bool)
    y, best, eta, sg, var = _optimal(problem, theta)
    reject = np.zeros(theta.size, dtype=bool)
    hybrid = problem.lf_cv is not None
    size = alpha
    if hybrid:
        reject |= eta > problem.lf_cv
        size = (alpha - kappa) / (1 - kappa)
    flat = var <= np.finfo(float).eps
    reject |= flat & (eta > 0)
    live = ~reject & ~flat
    if not live.any():
        return ~reject
    eta, sg, var = eta[live], sg[live], var[live]
    v_lo, v_up = _bounds(problem.vertices, y[:, live], eta, sg, var)
    if hybrid and problem.cap_at_lf:
        v_up = np.minimum(v_up, problem.lf_cv)
    sd_b = np.sqrt(var)
    stat, z_lo, z_up = eta / sd_b, v_lo / sd_b, v_up / sd_b
    inside = (z_lo <= stat) & (stat <= z_up)
    crit = np.maximum(problem.floor[best[live]] / sd_b,
                      truncated_normal_quantile(1 - size, z_lo, z_up))
    reject[np.flatnonzero(live)] = inside & (stat > crit)
    return ~reject


def union_accepts(problems: list[MomentProblem], alpha: float,
                  kappa: float) -> Callable[[np.ndarray], np.ndarray]:
    """Accept theta when any of the pieces of a union of polyhedra accepts it."""
    def accept(theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_1d(np.asarray(theta, float))
        out = np.zeros(theta.size, dtype=bool)
        for problem in problems:
            todo = ~out
            if not todo.any():
                break
            out[todo] = accepts(problem, theta[todo], alpha, kappa)
        return out
    return accept


def normal_quantile(p: float) -> float:
    return float(stats.norm.ppf(p))
