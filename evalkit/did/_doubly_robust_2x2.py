r"""Numerics of the covariate-adjusted 2x2 difference-in-differences estimators.

Pure numpy, no pandas: every function takes arrays already checked at the boundary
(:mod:`evalkit.did._two_by_two_adjusted`) and returns the estimate of the average
treatment effect on the treated with its influence function. The estimators are those
of Sant'Anna & Zhao (2020) as implemented by R's ``DRDID`` (version 1.2.3):

=============================  =====================  ========================
method                         panel (two periods)    repeated cross-sections
=============================  =====================  ========================
``doubly_robust``              ``drdid_imp_panel``    ``drdid_imp_rc``
``doubly_robust_traditional``  ``drdid_panel``        ``drdid_rc``
``outcome_regression``         ``reg_did_panel``      ``reg_did_rc``
``inverse_probability``        ``std_ipw_did_panel``  ``std_ipw_did_rc``
=============================  =====================  ========================

Conventions shared with ``DRDID``: the weights are rescaled to mean one; the
covariate matrix ``x`` holds the intercept as its first column; fitted propensity
scores are capped at ``1 - 1e-6``; comparison observations whose propensity score is
at least ``trim_level`` (0.995) get weight zero; the standard error is
:math:`\sqrt{\sum_i (\psi_i - \bar\psi)^2} / n` for the influence function
:math:`\psi`. In ``drdid_rc`` the pre-period comparison regression's estimation effect
enters the influence function as DRDID writes it (with the sign of the post-period's);
kept so, it reproduces the standard errors DRDID prints.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics*, 219(1), 101-122.
Graham, B. S., Pinto, C. C. and Egel, D. (2012). Inverse probability tilting for
moment condition models with missing data. *Review of Economic Studies*, 79(3), 1053-1079.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["Propensity", "PS_CAP", "TRIM_LEVEL", "fit_propensity", "estimate_panel",
           "estimate_repeated", "standard_error"]

#: Fitted propensity scores are capped here (``DRDID``: ``pmin(ps, 1 - 1e-6)``).
PS_CAP = 1.0 - 1e-6
#: Comparison observations with a propensity score at or above this are trimmed.
TRIM_LEVEL = 0.995


@dataclass(frozen=True)
class Propensity:
    """A fitted propensity score and what the estimators need of it."""

    score: np.ndarray          #: capped fitted probabilities
    keep: np.ndarray           #: 1.0, or 0.0 for a trimmed comparison observation
    converged: bool
    coefficients: np.ndarray
    #: Weights of the logit's information matrix ``X' diag(.) X`` in the influence
    #: function of the maximum likelihood fit: ``w p (1 - p)`` at the fitted scores.
    information: np.ndarray


def _gram(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (x * w[:, None]).T @ x


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares coefficients (normal equations; the design has full rank)."""
    return np.linalg.solve(_gram(x, w), (x * w[:, None]).T @ y)


def _logit(x: np.ndarray, d: np.ndarray, w: np.ndarray,
           max_iter: int = 100) -> tuple[np.ndarray, bool]:
    """Weighted logit maximum likelihood by Newton-Raphson with step halving."""

    def loglik(b: np.ndarray) -> float:
        index = x @ b
        # log(1 + e^v) computed stably as max(v, 0) + log1p(e^-|v|)
        softplus = np.maximum(index, 0.0) + np.log1p(np.exp(-np.abs(index)))
        return float(w @ (d * index - softplus))

    share = float(np.average(d, weights=w))
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(share / (1 - share))
    value = loglik(beta)
    for _ in range(max_iter):
        p = expit(x @ beta)
        try:
            step = np.linalg.solve(_gram(x, w * p * (1 - p)), x.T @ (w * (d - p)))
        except np.linalg.LinAlgError:
            return beta, False
        size = 1.0
        while size > 1e-10:
            candidate = beta + size * step
            new = loglik(candidate)
            if np.isfinite(new) and new >= value - 1e-12 * abs(value):
                break
            size /= 2
        else:
            return beta, False
        beta, value = candidate, new
        if np.max(np.abs(size * step)) <= 1e-10 * (1 + np.max(np.abs(beta))):
            return beta, True
    return beta, False


def _tilting(x: np.ndarray, d: np.ndarray, w: np.ndarray, start: np.ndarray,
             max_iter: int = 200) -> tuple[np.ndarray, bool]:
    r"""Inverse probability tilting for the ATT (Graham, Pinto & Egel 2012).

    Minimises :math:`\ell(\gamma) = -\frac1n\sum_i w_i\,[D_i x_i'\gamma -
    (1 - D_i)\exp(x_i'\gamma)]`, whose first-order condition balances the covariates:
    the comparison group reweighted by :math:`\exp(x'\gamma)` has the treated group's
    covariate totals. Newton steps with backtracking (``DRDID`` uses a trust region;
    the minimiser is the same).
    """
    n = x.shape[0]
    control = w * (1 - d)

    def loss(g: np.ndarray) -> float:
        index = x @ g
        with np.errstate(over="ignore"):
            return float(-np.sum(w * d * index - control * np.exp(index)) / n)

    gamma, value = start.copy(), loss(start)
    if not np.isfinite(value):
        gamma = np.zeros_like(start)
        value = loss(gamma)
    for _ in range(max_iter):
        e = np.exp(x @ gamma)
        gradient = -x.T @ (w * d - control * e) / n
        hessian = _gram(x, control * e) / n
        if np.max(np.abs(gradient)) <= 1e-12 * (1 + np.sum(w * d) / n):
            return gamma, True
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return gamma, False
        size = 1.0
        while size > 1e-10:
            candidate = gamma - size * step
            new = loss(candidate)
            if np.isfinite(new) and new <= value + 1e-4 * size * float(gradient @ -step):
                break
            size /= 2
        else:
            return gamma, False
        gamma, value = candidate, new
        if np.max(np.abs(size * step)) <= 1e-11 * (1 + np.max(np.abs(gamma))):
            return gamma, True
    return gamma, False


def fit_propensity(x: np.ndarray, d: np.ndarray, w: np.ndarray, *, tilting: bool,
                   trim_level: float = TRIM_LEVEL) -> Propensity:
    """The logit propensity score, by maximum likelihood or (``tilting``) by inverse
    probability tilting started from it, capped and with its trimming indicator."""
    beta, converged = _logit(x, d, w)
    if tilting and converged:
        beta, converged = _tilting(x, d, w, beta)
    score = np.minimum(expit(x @ beta), PS_CAP)
    keep = np.where(d == 1, 1.0, (score < trim_level).astype(float))
    return Propensity(score, keep, converged, beta, w * score * (1 - score))


def standard_error(influence: np.ndarray) -> float:
    """``DRDID``'s analytic standard error: the root of the influence function's
    (population) variance over ``n``."""
    n = influence.shape[0]
    return float(np.sqrt(np.sum((influence - influence.mean()) ** 2)) / n)


def _linear_representation(x: np.ndarray, residual_weight: np.ndarray,
                           weight: np.ndarray, direction: np.ndarray) -> np.ndarray:
    r"""Each observation's contribution to a weighted least squares fit, projected on
    ``direction``: :math:`w_i e_i x_i' (X'WX/n)^{-1} m`."""
    n = x.shape[0]
    return residual_weight * (x @ np.linalg.solve(_gram(x, weight) / n, direction))


# ----------------------------------------------------------------------------- panel
def estimate_panel(method: str, dy: np.ndarray, d: np.ndarray, x: np.ndarray,
                   w: np.ndarray, ps: Propensity | None) -> tuple[float, np.ndarray]:
    """ATT and influence function from two-period panel data (one row per unit).

    ``dy`` is each unit's change in outcome, ``d`` its group (1 treated), ``x`` its
    covariates with the intercept first, ``w`` its weight (mean one).
    """
    control = d == 0
    if method == "outcome_regression":
        beta = _wls(x[control], dy[control], w[control])
        fitted = x @ beta
        mean_d = np.mean(w * d)
        att = float(np.mean(w * d * (dy - fitted)) / mean_d)
        direction = np.mean((w * d)[:, None] * x, axis=0)
        ols_part = _linear_representation(x, w * (1 - d) * (dy - fitted), w * (1 - d),
                                          direction)
        return att, (w * d * (dy - fitted - att) - ols_part) / mean_d
    assert ps is not None  # the boundary fits it for every other method
    p, keep = ps.score, ps.keep
    odds = p / (1 - p)
    if method == "doubly_robust":
        beta = _wls(x[control], dy[control], (w * odds)[control])
        residual = dy - x @ beta
        summand = keep * (d - (1 - d) * odds) * residual
        mean_d = np.mean(w * d)
        att = float(np.mean(w * summand) / mean_d)
        return att, w * keep * (summand - d * att) / mean_d
    w_treat = keep * w * d
    w_cont = keep * w * odds * (1 - d)
    score = w * (d - p)
    if method == "inverse_probability":
        eta_t = np.sum(w_treat * dy) / np.sum(w_treat)
        eta_c = np.sum(w_cont * dy) / np.sum(w_cont)
        direction = np.mean((w_cont * (dy - eta_c))[:, None] * x, axis=0)
        ps_part = _linear_representation(x, score, ps.information, direction)
        inf = (w_treat * (dy - eta_t) / np.mean(w_treat)
               - (w_cont * (dy - eta_c) + ps_part) / np.mean(w_cont))
        return float(eta_t - eta_c), inf
    # doubly_robust_traditional
    beta = _wls(x[control], dy[control], w[control])
    residual = dy - x @ beta
    eta_t = np.sum(w_treat * residual) / np.sum(w_treat)
    eta_c = np.sum(w_cont * residual) / np.sum(w_cont)
    ols_residual = w * (1 - d) * residual
    ols_weight = w * (1 - d)
    inf_treat = (w_treat * (residual - eta_t)
                 - _linear_representation(x, ols_residual, ols_weight,
                                          np.mean(w_treat[:, None] * x, axis=0))
                 ) / np.mean(w_treat)
    ps_direction = np.mean((w_cont * (residual - eta_c))[:, None] * x, axis=0)
    inf_cont = (w_cont * (residual - eta_c)
                + _linear_representation(x, score, ps.information, ps_direction)
                - _linear_representation(x, ols_residual, ols_weight,
                                         np.mean(w_cont[:, None] * x, axis=0))
                ) / np.mean(w_cont)
    return float(eta_t - eta_c), inf_treat - inf_cont


# ----------------------------------------------------------------- repeated cross-sections
def _ratio(weight: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
    """A weighted mean and its influence function: ``w (v - mean) / mean(w)``."""
    mean_w = np.mean(weight)
    estimate = float(np.mean(weight * values) / mean_w)
    return estimate, weight * (values - estimate) / mean_w


def estimate_repeated(method: str, y: np.ndarray, t: np.ndarray, d: np.ndarray,
                      x: np.ndarray, w: np.ndarray,
                      ps: Propensity | None) -> tuple[float, np.ndarray]:
    """ATT and influence function from repeated cross-sections (one row per observation,
    ``t`` = 1 after the change)."""
    cells = {(g, s): (d == g) & (t == s) for g in (0, 1) for s in (0, 1)}
    fits = {}

    def fit(g: int, s: int, weight: np.ndarray) -> np.ndarray:
        rows = cells[(g, s)]
        fits[(g, s)] = _wls(x[rows], y[rows], weight[rows])
        return x @ fits[(g, s)]

    if method == "outcome_regression":
        pre, post = fit(0, 0, w), fit(0, 1, w)
        after, inf_after = _ratio(w * d * t, y)
        before, inf_before = _ratio(w * d * (1 - t), y)
        change, inf_change = _ratio(w * d, post - pre)
        direction = np.mean((w * d)[:, None] * x, axis=0)
        ols_post = _linear_representation(x, w * (1 - d) * t * (y - post), w * (1 - d) * t,
                                          direction)
        ols_pre = _linear_representation(x, w * (1 - d) * (1 - t) * (y - pre),
                                         w * (1 - d) * (1 - t), direction)
        inf = inf_after - inf_before - (inf_change + (ols_post - ols_pre) / np.mean(w * d))
        return after - before - change, inf
    assert ps is not None
    p, keep = ps.score, ps.keep
    odds = p / (1 - p)
    w_cont = {s: keep * w * odds * (1 - d) * (t == s) for s in (0, 1)}
    if method == "inverse_probability":
        parts = {}
        for s in (0, 1):
            parts[("t", s)] = _ratio(keep * w * d * (t == s), y)
            parts[("c", s)] = _ratio(w_cont[s], y)
        att = (parts[("t", 1)][0] - parts[("t", 0)][0]) - (parts[("c", 1)][0]
                                                          - parts[("c", 0)][0])
        direction = sum((1 if s else -1) * np.mean(
            (w_cont[s] * (y - parts[("c", s)][0]))[:, None] * x, axis=0) / np.mean(w_cont[s])
            for s in (0, 1))
        ps_part = _linear_representation(x, w * (d - p), ps.information, direction)
        inf = (parts[("t", 1)][1] - parts[("t", 0)][1]) - (parts[("c", 1)][1]
                                                          - parts[("c", 0)][1] + ps_part)
        return att, inf
    improved = method == "doubly_robust"
    ow = w * odds if improved else w
    cont = {0: fit(0, 0, ow), 1: fit(0, 1, ow)}
    treat = {0: fit(1, 0, w), 1: fit(1, 1, w)}
    cont_y = np.where(t == 1, cont[1], cont[0])
    residual = y - cont_y
    trim = np.ones_like(w) if improved else keep
    w_treat = {s: trim * w * d * (t == s) for s in (0, 1)}
    w_d = trim * w * d
    parts = {}
    for s in (0, 1):
        parts[("t", s)] = _ratio(w_treat[s], residual)
        parts[("c", s)] = _ratio(w_cont[s], residual)
        parts[("d", s)] = _ratio(w_d, treat[s] - cont[s])
        parts[("dt", s)] = _ratio(w_treat[s], treat[s] - cont[s])
    att = ((parts[("t", 1)][0] - parts[("t", 0)][0]) - (parts[("c", 1)][0] - parts[("c", 0)][0])
           + (parts[("d", 1)][0] - parts[("dt", 1)][0]) - (parts[("d", 0)][0]
                                                             - parts[("dt", 0)][0]))
    inf = ((parts[("t", 1)][1] - parts[("t", 0)][1]) - (parts[("c", 1)][1] - parts[("c", 0)][1])
           + (parts[("d", 1)][1] - parts[("dt", 1)][1]) - (parts[("d", 0)][1]
                                                             - parts[("dt", 0)][1]))
    if improved:
        return att, inf
    # The traditional estimator's nuisance fits move the estimate: add their effect.
    score = w * (d - p)
    ps_direction = sum((1 if s else -1) * np.mean(
        (w_cont[s] * (residual - parts[("c", s)][0]))[:, None] * x, axis=0)
        / np.mean(w_cont[s]) for s in (0, 1))
    inf = inf - _linear_representation(x, score, ps.information, ps_direction)
    for s in (0, 1):
        sign = 1 if s else -1
        rows_c = (1 - d) * (t == s)
        rows_t = d * (t == s)
        m_treat = -np.mean((w_treat[s])[:, None] * x, axis=0) / np.mean(w_treat[s])
        m_cont = -np.mean((w_cont[s])[:, None] * x, axis=0) / np.mean(w_cont[s])
        moment = np.mean(((w_d / np.mean(w_d)) - w_treat[s] / np.mean(w_treat[s]))[:, None]
                         * x, axis=0)
        # DRDID's drdid_rc adds the comparison-cell regressions' effect through the
        # treated and comparison terms with the same sign in both periods; kept as is.
        ols_c = _linear_representation(x, w * rows_c * (y - cont[s]), w * rows_c,
                                       m_treat - m_cont - sign * moment)
        ols_t = _linear_representation(x, w * rows_t * (y - treat[s]), w * rows_t, moment)
        inf = inf + ols_c + sign * ols_t
    return att, inf
