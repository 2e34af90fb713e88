r"""The fixed-length confidence interval (FLCI) under :math:`\Delta^{SD}(M)`.

Armstrong & Kolesár (2018) and Rambachan & Roth (2023, section 5.1): among affine
estimators :math:`\hat\theta = l'\hat\beta_{post} + v'\hat\beta_{pre}` (here with the
pre-period weights written as :math:`v = Dw`, :math:`w_1 = v_1, w_j = w_{j-1} + v_j`),
choose the one whose interval :math:`\hat\theta \pm \chi` is shortest, where

.. math:: \chi = \sigma_v \, \mathrm{cv}_\alpha(\bar b_v / \sigma_v), \qquad
          \bar b_v = M\Big(c_l + \sum_{k} \big|\textstyle\sum_{j \le k} w_j\big|\Big),

:math:`\sigma_v` is the estimator's standard deviation, :math:`\bar b_v` its largest bias
over :math:`\Delta^{SD}(M)` (finite only when :math:`\sum_j w_j = \sum_t t\,l_t`), and
:math:`\mathrm{cv}_\alpha(t)` the :math:`1-\alpha` quantile of :math:`|N(t, 1)|`. The
half-length is a convex function of :math:`w` (the perspective of the convex,
increasing :math:`\mathrm{cv}_\alpha` composed with a convex bias and a norm), so it is
minimised directly, with the absolute values as epigraph variables. The reference
package searches instead over the standard deviation with an inner conic program and
a simulated folded-normal quantile (10^6 draws); both aim at the same optimum.

References
----------
Armstrong, T. B. and Kolesár, M. (2018). Optimal inference in a class of regression
models. *Econometrica*, 86(2), 655-683.
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends.
*Review of Economic Studies*, 90(5), 2555-2591.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from evalkit.errors import EstimationError

__all__ = ["FLCI", "folded_normal_quantile", "optimal_flci"]


@dataclass(frozen=True)
class FLCI:
    """The optimal fixed-length interval: centre, half-length and the estimator's weights."""

    center: float
    half_length: float
    pre_weights: np.ndarray   # v, the weights on the pre-period coefficients
    std_error: float
    max_bias: float

    @property
    def conf_low(self) -> float:
        return self.center - self.half_length

    @property
    def conf_high(self) -> float:
        return self.center + self.half_length


def folded_normal_quantile(t: float, alpha: float) -> float:
    """``c`` with ``P(|N(t, 1)| <= c) = 1 - alpha``, i.e. ``Phi(c - t) - Phi(-c - t)``."""
    t = abs(float(t))
    # special.ndtri is stats.norm.ppf without its argument handling (called per iterate)
    one_sided = float(special.ndtri(1 - alpha))
    low = max(one_sided, t + one_sided)
    high = t + float(special.ndtri(1 - alpha / 2)) + 1.0

    def excess(c: float) -> float:  # P(|N(t,1)| > c) - alpha, decreasing in c
        return special.ndtr(t - c) + special.ndtr(-c - t) - alpha

    if excess(low) <= 0:
        return float(low)
    return float(optimize.brentq(excess, low, high, xtol=1e-14, rtol=1e-15))


def _cv_slope(t: float, c: float) -> float:
    """d cv / dt from the implicit function theorem."""
    # the ratio of normal densities, their common factor cancelled
    up, down = math.exp(-0.5 * (c - t) ** 2), math.exp(-0.5 * (c + t) ** 2)
    return (up - down) / (up + down)


def optimal_flci(beta: np.ndarray, sigma: np.ndarray, n_pre: int, l_vec: np.ndarray, m: float,
                 alpha: float) -> FLCI:
    """The shortest fixed-length interval for ``l'tau_post`` under Delta^SD(M)."""
    n_post = l_vec.size
    pre = slice(0, n_pre)
    post = slice(n_pre, n_pre + n_post)
    scale = float(np.sqrt(l_vec @ sigma[post, post] @ l_vec))
    if not scale > 0:
        raise EstimationError("The parameter of interest has zero variance: the FLCI is not "
                              "defined.")
    s = sigma / scale**2
    m_n = float(m) / scale
    diff = np.eye(n_pre) - np.eye(n_pre, k=-1)          # v = D w
    quad = diff.T @ s[pre, pre] @ diff
    lin = diff.T @ s[pre, post] @ l_vec
    const_var = float(l_vec @ s[post, post] @ l_vec)
    t_vec = np.arange(1, n_post + 1, dtype=float)
    total = float(t_vec @ l_vec)
    const_bias = sum(abs(float(t_vec[:k] @ l_vec[n_post - k:])) for k in range(1, n_post + 1))
    const_bias -= total
    lower = np.tril(np.ones((n_pre, n_pre)))
    z = float(stats.norm.ppf(1 - alpha / 2))

    def variance(w: np.ndarray) -> float:
        return float(w @ quad @ w + 2 * lin @ w + const_var)

    # minimum-variance weights under the adding-up constraint (the M = 0 solution)
    kkt = np.block([[quad, np.ones((n_pre, 1))], [np.ones((1, n_pre)), np.zeros((1, 1))]])
    w_minvar = np.linalg.lstsq(kkt, np.concatenate([-lin, [total]]), rcond=None)[0][:n_pre]
    if m_n == 0:
        w = w_minvar
        h = np.sqrt(variance(w))
        return _result(beta, n_pre, l_vec, diff @ w, h * scale, z * h * scale, 0.0)

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        u, w = x[:n_pre], x[n_pre:]
        h = np.sqrt(max(variance(w), 1e-300))
        bias = m_n * (const_bias + u.sum())
        t = bias / h
        c = folded_normal_quantile(t, alpha)
        slope = _cv_slope(t, c)
        grad_u = np.full(n_pre, m_n * slope)
        grad_w = (c - t * slope) * (quad @ w + lin) / h
        return h * c, np.concatenate([grad_u, grad_w])

    constraints = [
        {"type": "ineq", "fun": lambda x: x[:n_pre] - lower @ x[n_pre:],
         "jac": lambda x: np.hstack([np.eye(n_pre), -lower])},
        {"type": "ineq", "fun": lambda x: x[:n_pre] + lower @ x[n_pre:],
         "jac": lambda x: np.hstack([np.eye(n_pre), lower])},
        {"type": "eq", "fun": lambda x: np.array([x[n_pre:].sum() - total]),
         "jac": lambda x: np.concatenate([np.zeros(n_pre), np.ones(n_pre)])[None, :]},
    ]
    w_minbias = np.zeros(n_pre)
    w_minbias[-1] = total
    best = None
    for w0 in (w_minbias, w_minvar):
        x0 = np.concatenate([np.abs(lower @ w0), w0])
        fit = optimize.minimize(objective, x0, jac=True, method="SLSQP", constraints=constraints,
                                options={"ftol": 1e-15, "maxiter": 2000})
        if best is None or fit.fun < best.fun:
            best = fit
    w = best.x[n_pre:]
    h = np.sqrt(variance(w))
    bias = m_n * (const_bias + float(np.abs(lower @ w).sum()))
    half = h * folded_normal_quantile(bias / h, alpha)
    return _result(beta, n_pre, l_vec, diff @ w, h * scale, half * scale, bias * scale)


def _result(beta: np.ndarray, n_pre: int, l_vec: np.ndarray, v: np.ndarray, sd: float,
            half: float, bias: float) -> FLCI:
    center = float(v @ beta[:n_pre] + l_vec @ beta[n_pre:n_pre + l_vec.size])
    v = np.array(v, dtype=float)
    v.setflags(write=False)
    return FLCI(center=center, half_length=float(half), pre_weights=v, std_error=float(sd),
                max_bias=float(bias))
