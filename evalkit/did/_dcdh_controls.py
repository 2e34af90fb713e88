"""Control variables of the intertemporal event-study estimators.

With controls, the outcome changes are replaced by their residuals from the controls'
changes (de Chaisemartin & D'Haultfoeuille 2024, section 4; the reference package's
``controls`` option): for each baseline treatment :math:`d`, among the cells of groups with
:math:`D_{g,1} = d` whose treatment has not changed yet,

.. math::

    \\hat\\theta_d = \\Big(\\sum N_{g,t} \\widetilde{\\Delta X}_{g,t}
        \\widetilde{\\Delta X}_{g,t}'\\Big)^{-1} \\sum N_{g,t} \\widetilde{\\Delta X}_{g,t}
        \\Delta Y_{g,t},

with first differences :math:`\\Delta` and :math:`\\widetilde{\\Delta X}` centred within
period (period fixed effects). Effect :math:`\\ell` then uses
:math:`Y_{g,t} - Y_{g,t-\\ell} - \\hat\\theta_{D_{g,1}}'(X_{g,t} - X_{g,t-\\ell})`, and each
group's influence function gains the term that carries the estimation error of
:math:`\\hat\\theta` (as the reference implementation computes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import lapack

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.did._dcdh_compute import Prepared

__all__ = ["ControlFit", "fit_controls", "lagged_controls", "control_correction"]


@dataclass(frozen=True)
class ControlFit:
    """The coefficients of the controls for each baseline, and each group's influence on
    its baseline's coefficients."""

    theta: np.ndarray        # (baselines, controls)
    influence: np.ndarray    # (groups, controls)
    collinear: tuple[int, ...]  # baselines where some controls were left out
    empty: tuple[int, ...]   # baselines without a comparison cell with every control change


def _invert(matrix: np.ndarray) -> tuple[np.ndarray, int]:
    """Inverse of a symmetric matrix by pivoted Cholesky, dependent columns set to zero."""
    size = matrix.shape[0]
    factor, pivot, rank, _ = lapack.dpstrf(matrix)
    inverse = np.zeros((size, size))
    if rank > 0:
        block, _ = lapack.dpotri(np.triu(factor[:rank, :rank]))
        kept = pivot[:rank] - 1
        inverse[np.ix_(kept, kept)] = np.triu(block) + np.triu(block, 1).T
    return inverse, int(rank)


def _period_means(t: np.ndarray, w: np.ndarray, values: np.ndarray, n_t: int) -> np.ndarray:
    total = np.bincount(t, weights=w, minlength=n_t)
    sums = np.stack([np.bincount(t, weights=w * v, minlength=n_t) for v in values.T], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / total[:, None]


def fit_controls(p: Prepared, x: np.ndarray) -> ControlFit:
    """The coefficients of the controls ``x`` (groups, periods, controls) per baseline."""
    n_g, n_t, n_x = x.shape
    periods = np.arange(1, n_t + 1)[None, :]
    dy = np.full((n_g, n_t), np.nan)
    dy[:, 1:] = p.y[:, 1:] - p.y[:, :-1]
    dx = np.full_like(x, np.nan)
    dx[:, 1:] = x[:, 1:] - x[:, :-1]
    stayer = (periods < p.first_change[:, None]) & ~np.isnan(dy)
    sample = stayer & ~np.isnan(dx).any(axis=2)
    count = p.by_base(stayer)
    n_control = p.by_base(np.where(stayer, p.w, 0.0)).sum(axis=1)
    theta = np.zeros((len(p.base_starts), n_x))
    influence = np.zeros((n_g, n_x))
    collinear, empty = [], []
    ends = np.r_[p.base_starts[1:], n_g]
    for k, (start, end) in enumerate(zip(p.base_starts, ends, strict=True)):
        g, t = np.nonzero(sample[start:end])
        if g.size == 0:
            empty.append(k)
            continue
        g += start
        w, y, dxs = p.w[g, t], dy[g, t], dx[g, t]
        centred = dxs - _period_means(t, w, dxs, n_t)[t]
        root = np.sqrt(w)[:, None]
        inverse, rank = _invert((centred * root).T @ (centred * root))
        if rank < n_x:
            collinear.append(k)
        theta[k] = inverse @ ((centred * root).T @ (y * root[:, 0]))
        # each group's score against a period fixed-effects fit of the outcome changes
        fit = w > 0
        fitted = np.full(g.size, np.nan)
        if fit.any():
            weight = np.bincount(t[fit], weights=w[fit], minlength=n_t)
            x_mean = _period_means(t[fit], w[fit], dxs[fit], n_t)
            y_mean = np.bincount(t[fit], weights=w[fit] * y[fit], minlength=n_t)
            with np.errstate(invalid="ignore", divide="ignore"):
                y_mean = y_mean / weight
            r = np.sqrt(w[fit])
            beta = np.linalg.lstsq((dxs[fit] - x_mean[t[fit]]) * r[:, None],
                                   (y[fit] - y_mean[t[fit]]) * r, rcond=None)[0]
            fitted = y_mean[t] - x_mean[t] @ beta + dxs @ beta
        n = count[k, t]
        enough = n >= 2
        kappa = np.where(enough, np.sqrt(np.where(enough, n, 2) / (np.where(enough, n, 2) - 1)),
                         1.0)
        with np.errstate(invalid="ignore"):
            residual = kappa * (y - fitted * enough)
        scores = np.nan_to_num(w[:, None] * centred * residual[:, None]) / n_control[k]
        per_group = np.stack([np.bincount(g - start, weights=s, minlength=end - start)
                              for s in scores.T], axis=1)
        influence[start:end] = per_group @ (inverse * w.sum() * n_g).T
    return ControlFit(theta=theta, influence=influence, collinear=tuple(collinear),
                      empty=tuple(empty))


def lagged_controls(x: np.ndarray, lag: int, placebo: bool) -> np.ndarray:
    """The controls' change over the horizon's periods, as the outcome's."""
    out = np.full_like(x, np.nan)
    if placebo:
        if 2 * lag < x.shape[1]:
            out[:, 2 * lag:] = x[:, :-2 * lag] - x[:, lag:-lag]
    elif lag < x.shape[1]:
        out[:, lag:] = x[:, lag:] - x[:, :-lag]
    return out


def control_correction(p: Prepared, fit: ControlFit, dx_lag: np.ndarray, lag: int,
                       weighted: np.ndarray, ratio: np.ndarray, idx: np.ndarray,
                       col: np.ndarray, w_target: np.ndarray, n_weighted: float) -> np.ndarray:
    """The term each group's influence function loses for the estimated coefficients."""
    b = p.base_code
    last = p.last_by_base[:, None]
    periods = np.arange(1, p.y.shape[1] + 1)[None, :]
    keep = (last - 2 >= lag) & (periods >= lag + 1) & (periods <= last)
    coef = -weighted * (ratio * keep)[b]
    coef[idx, col] += w_target * keep[b[idx], col]
    dxl = np.nan_to_num(dx_lag)
    ends = np.r_[p.base_starts[1:], p.y.shape[0]]
    m = np.stack([np.einsum("gt,gtj->j", coef[s:e], dxl[s:e])
                  for s, e in zip(p.base_starts, ends, strict=True)]) / n_weighted
    return np.einsum("gj,gj->g", fit.influence, m[b]) - float(np.sum(m * fit.theta))
