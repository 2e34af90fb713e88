r"""Predictor weights V of a synthetic control and the nested optimisation that chooses them.

Abadie, Diamond & Hainmueller (2010, section 2.3) weight the predictors by a
diagonal, non-negative, normalised matrix :math:`V` and choose it so that the
resulting synthetic control best reproduces the treated unit's outcomes over a
pre-treatment "optimisation period":

.. math:: V^* = \arg\min_{V} \frac1{|F|}\sum_{t \in F}
          \big(Z_{1t} - Z_{0t} W^*(V)\big)^2, \qquad
          W^*(V) = \arg\min_{W \in \Delta^J} (X_1 - X_0W)'V(X_1 - X_0W).

As in the R Synth package (Abadie, Diamond & Hainmueller 2011, ``synth()``), the
predictors are first divided by their standard deviation across the units of the
fit (treated and donors, ``n - 1`` denominator), :math:`V` is parametrised as
:math:`v = |p| / \sum|p|`, and the outer problem is solved by Nelder-Mead from two
starting points, equal weights and the "regression-based" weights (the squared
coefficients of a regression of the fit-period outcomes on the scaled predictors,
summed over periods), keeping the better. The inner problem is solved exactly (see
:mod:`evalkit.synthetic._sc_weights`).

When the predictors are exactly the outcome in each period of the optimisation
period (evalkit's default), the outer problem has a closed-form solution: weights
proportional to the predictors' variances (on the scaled predictors, i.e. equal
weights on the raw outcomes) make the inner objective equal to the outer one, so
:math:`W^*` minimises the pre-period MSPE itself and no search is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from evalkit.synthetic._sc_weights import synthetic_weights

__all__ = ["WeightsFit", "fit_weights", "predictor_scale", "SEARCH_XATOL", "SEARCH_FATOL"]

_MAX_EVALUATIONS_PER_PREDICTOR = 200
#: Nelder-Mead's stopping tolerances: on ``v`` (absolute) and on the loss, which is the
#: optimisation-period MSPE divided by the MSPE of equal donor weights.
SEARCH_XATOL = 1e-6
SEARCH_FATOL = 1e-9


@dataclass(frozen=True)
class WeightsFit:
    """The donor weights of one fit and how they were obtained (internal)."""

    weights: np.ndarray
    v: np.ndarray
    fit_mspe: float
    v_method: str


def predictor_scale(x: np.ndarray) -> np.ndarray:
    """Standard deviation of each predictor across units (1 where it does not vary)."""
    scale = x.std(axis=1, ddof=1) if x.shape[1] > 1 else np.ones(x.shape[0])
    return np.where(scale > 0, scale, 1.0)


def _mspe(z1: np.ndarray, z0: np.ndarray, weights: np.ndarray) -> float:
    residual = z1 - z0 @ weights
    return float(residual @ residual / residual.size)


def _regression_start(x_scaled: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    """Synth's regression-based starting V: squared coefficients of Z on the scaled X."""
    design = np.column_stack([np.ones(x_scaled.shape[1]), x_scaled.T])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return None
    beta = np.linalg.lstsq(design, z.T, rcond=None)[0][1:]
    start = np.einsum("ij,ij->i", beta, beta)
    total = start.sum()
    return start / total if total > 0 else None


def fit_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray, *,
                v: str | np.ndarray, standardize: bool,
                predictors_are_fit_outcomes: bool) -> WeightsFit:
    """Donor weights for one treated unit.

    Parameters
    ----------
    x1, x0
        Predictors of the treated unit ``(k,)`` and of the donors ``(k, J)``.
    z1, z0
        Outcomes over the optimisation period: ``(f,)`` and ``(f, J)``.
    v
        ``"optimize"``, ``"equal"`` or an array of ``k`` non-negative weights.
    standardize
        Divide each predictor by its standard deviation across the units of the fit.
    predictors_are_fit_outcomes
        The predictors are the outcome in each optimisation period, in order, and
        nothing else (enables the closed-form V).
    """
    scale = predictor_scale(np.column_stack([x0, x1])) if standardize else np.ones(x1.size)
    xs0, xs1 = x0 / scale[:, None], x1 / scale
    if isinstance(v, np.ndarray):
        weights = synthetic_weights(xs0, xs1, v, z0=z0, z1=z1)
        return WeightsFit(weights, v, _mspe(z1, z0, weights), "given")
    if v == "equal":
        equal = np.full(x1.size, 1.0 / x1.size)
        weights = synthetic_weights(xs0, xs1, equal, z0=z0, z1=z1)
        return WeightsFit(weights, equal, _mspe(z1, z0, weights), "equal")
    if predictors_are_fit_outcomes or x1.size == 1:
        implied = scale ** 2 / np.sum(scale ** 2)
        weights = synthetic_weights(xs0, xs1, implied, z0=z0, z1=z1)
        how = ("closed form (predictors = optimisation-period outcomes)"
               if predictors_are_fit_outcomes else "single predictor")
        return WeightsFit(weights, implied, _mspe(z1, z0, weights), how)
    return _optimize_v(xs1, xs0, z1, z0)


def _optimize_v(xs1: np.ndarray, xs0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> WeightsFit:
    k = xs1.size
    reference = max(_mspe(z1, z0, np.full(z0.shape[1], 1.0 / z0.shape[1])),
                    np.finfo(float).tiny)
    previous: dict[str, np.ndarray | None] = {"w": None}

    def loss(p: np.ndarray) -> float:
        total = np.abs(p).sum()
        if not np.isfinite(total) or total <= 0:
            return np.inf
        weights = synthetic_weights(xs0, xs1, np.abs(p) / total, z0=z0, z1=z1,
                                    start=previous["w"])
        previous["w"] = weights
        return _mspe(z1, z0, weights) / reference

    starts = [np.full(k, 1.0 / k)]
    regression = _regression_start(np.column_stack([xs0, xs1]), np.column_stack([z0, z1]))
    if regression is not None:
        starts.append(regression)
    options = {"xatol": SEARCH_XATOL, "fatol": SEARCH_FATOL,
               "maxfev": _MAX_EVALUATIONS_PER_PREDICTOR * k}
    found = [optimize.minimize(loss, start, method="Nelder-Mead", options=options)
             for start in starts]
    best = min(found, key=lambda result: result.fun)
    v = np.abs(best.x) / np.abs(best.x).sum()
    weights = synthetic_weights(xs0, xs1, v, z0=z0, z1=z1)
    return WeightsFit(weights, v, _mspe(z1, z0, weights),
                      "optimised (nested, Nelder-Mead from equal and regression-based V)")
