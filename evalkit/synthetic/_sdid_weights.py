r"""Unit and time weights of synthetic difference-in-differences, for many designs at once.

A *design* says which rows of the outcome matrix ``Y`` (``N x T``, pre-periods first)
serve as controls and how the treated rows are averaged: the estimate itself uses the
actual controls and treated units; the placebo and bootstrap standard errors use
hundreds of re-drawn designs, whose weights are computed here together.

Following Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, Algorithm 1) and
the reference implementation (R package ``synthdid``, ``synthdid_estimate``):

- unit weights :math:`\omega` solve (paper, equation 4)
  :math:`\min \sum_{t \le T_0} (\omega_0 + \sum_i \omega_i Y_{it} - \bar Y_{tr,t})^2
  + \zeta^2 T_0 \lVert\omega\rVert^2` over the simplex, the intercept :math:`\omega_0`
  profiled out by demeaning each unit's pre-period series;
- time weights :math:`\lambda` solve (paper, equation 6)
  :math:`\min \sum_{i \in co} (\lambda_0 + \sum_t \lambda_t Y_{it} - \bar Y_{i,post})^2
  + \zeta_\lambda^2 N_0 \lVert\lambda\rVert^2`, the intercept profiled out by
  centring each period over the controls, with the reference's "infinitesimal" ridge
  :math:`\zeta_\lambda = 10^{-6}\hat\sigma`;
- each is computed in two stages: 100 Frank-Wolfe iterations from the start, then
  the solution is sparsified (weights at most a quarter of the largest set to zero,
  the rest renormalised) and Frank-Wolfe runs again from there for up to ``max_iter``
  iterations, stopping when an iteration lowers the objective by no more than
  ``min_decrease^2``;
- synthetic control (``"sc"``) uses the same unit-weight problem without intercept
  and with :math:`\zeta = 10^{-6}\hat\sigma`, and no time weights (:math:`\lambda = 0`);
  difference-in-differences (``"did"``) uses uniform weights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from evalkit.synthetic._simplex import (
    BatchGram,
    SharedGram,
    SimplexLeastSquares,
    frank_wolfe,
)

__all__ = ["Method", "Designs", "Regularisation", "Prepared", "WeightFit", "noise_level",
           "regularisation", "prepare", "with_gram", "actual_design", "fit_weights", "effects",
           "uniform_weights"]

Method = Literal["sdid", "sc", "did"]

#: Above this many units the unit-weight solver computes Gram columns on the fly
#: instead of holding the ``N x N`` Gram matrix (8 * 5792**2 bytes = 256 MiB).
_GRAM_LIMIT = 5792


@dataclass(frozen=True)
class Designs:
    """``B`` designs on the rows of ``Y``.

    Attributes
    ----------
    controls
        ``(B, n)`` row indices of the controls of each design (repetitions allowed);
        entries where ``mask`` is False are padding.
    mask
        ``(B, n)`` which entries of ``controls`` are real.
    treated
        ``(B, N)`` weights averaging the rows of ``Y`` into the treated mean (each row
        sums to one).
    """

    controls: np.ndarray
    mask: np.ndarray
    treated: np.ndarray

    @property
    def size(self) -> int:
        return int(self.controls.shape[0])

    def control_counts(self, n_units: int) -> np.ndarray:
        """``(B, N)`` how many times each row of ``Y`` is a control in each design."""
        counts = np.zeros((self.size, n_units))
        np.add.at(counts, (np.nonzero(self.mask)[0], self.controls[self.mask]), 1.0)
        return counts


@dataclass(frozen=True)
class Regularisation:
    """The tuning of the weight problems, fixed from the full sample.

    As in the reference implementation, re-drawn designs (placebo, bootstrap) reuse
    the values computed on the actual data.
    """

    noise_level: float
    zeta_omega: float
    zeta_lambda: float
    min_decrease: float
    max_iter: int
    max_iter_pre_sparsify: int = 100


@dataclass(frozen=True)
class WeightFit:
    """Weights of each design: ``omega`` (``B x n``, on ``controls``), ``lam`` (``B x T0``)."""

    omega: np.ndarray
    lam: np.ndarray
    iterations: dict[str, np.ndarray]


def noise_level(y: np.ndarray, n_control: int, n_pre: int) -> float:
    """Standard deviation (n - 1 denominator) of the controls' pre-period first differences.

    :math:`\\hat\\sigma` of Algorithm 1 (the reference's ``sd(apply(Y[1:N0, 1:T0], 1,
    diff))``); NaN with fewer than two pre-periods.
    """
    diffs = np.diff(y[:n_control, :n_pre], axis=1)
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def regularisation(method: Method, y: np.ndarray, n_control: int, n_pre: int, *,
                   max_iter: int, sigma: float | None = None) -> Regularisation:
    """Noise level, ridge parameters and stopping rule of Algorithm 1 (reference defaults).

    ``zeta_omega = (N_tr T_post)^(1/4) sigma`` for SDID (paper, equation 5) and
    ``1e-6 sigma`` for synthetic control; ``zeta_lambda = 1e-6 sigma``;
    ``min_decrease = 1e-5 sigma``. ``sigma`` defaults to :func:`noise_level`.
    """
    n_units, n_periods = y.shape
    if sigma is None:
        sigma = noise_level(y, n_control, n_pre)
    eta_omega = ((n_units - n_control) * (n_periods - n_pre)) ** 0.25 if method == "sdid" else 1e-6
    return Regularisation(noise_level=sigma, zeta_omega=eta_omega * sigma,
                          zeta_lambda=1e-6 * sigma, min_decrease=1e-5 * sigma,
                          max_iter=max_iter)


def actual_design(n_units: int, n_control: int) -> Designs:
    """The design of the data themselves: controls ``0..N0-1``, treated rows averaged."""
    controls = np.arange(n_control)[None, :]
    treated = np.zeros((1, n_units))
    treated[0, n_control:] = 1.0 / (n_units - n_control)
    return Designs(controls=controls, mask=np.ones_like(controls, dtype=bool), treated=treated)


def uniform_weights(mask: np.ndarray) -> np.ndarray:
    return mask / mask.sum(axis=1, keepdims=True)


def _sparsify(x: np.ndarray) -> np.ndarray:
    """The reference's ``sparsify_function``: zero weights <= max/4, renormalise."""
    out = np.where(x <= x.max(axis=1, keepdims=True) / 4.0, 0.0, x)
    return out / out.sum(axis=1, keepdims=True)


def _two_stage(problem: SimplexLeastSquares, start: np.ndarray, zeta: float,
               reg: Regularisation) -> tuple[np.ndarray, np.ndarray]:
    first = frank_wolfe(problem, start, zeta=zeta, max_iter=reg.max_iter_pre_sparsify,
                        min_decrease=reg.min_decrease)
    second = frank_wolfe(problem, _sparsify(first.x), zeta=zeta, max_iter=reg.max_iter,
                         min_decrease=reg.min_decrease)
    return second.x, np.stack([first.iterations, second.iterations], axis=1)


@dataclass(frozen=True)
class Prepared:
    """What every design shares: the data of the two weight problems, shifted once.

    Attributes
    ----------
    y
        The outcome matrix (``N x T``, controls first, pre-periods first).
    n_pre
        ``T0``.
    unit_factor
        ``T0 x N``: each unit's pre-period series (demeaned over the pre-periods when
        the unit weights have an intercept), minus the period's mean over all units (a
        shift common to all columns, see :mod:`~evalkit.synthetic._simplex`).
    unit_gram
        ``unit_factor' unit_factor`` when small enough to hold, else None.
    time_rows
        ``N x (T0 + 1)``: each unit's pre-period outcomes and post-period mean, centred
        by column over all units and by row (shifts that leave the time-weight
        problems unchanged).
    """

    y: np.ndarray
    n_pre: int
    unit_factor: np.ndarray
    unit_gram: np.ndarray | None
    time_rows: np.ndarray


def prepare(method: Method, y: np.ndarray, n_pre: int, *, store_gram: bool = True) -> Prepared:
    """Prepare the weight problems of ``method`` on ``y`` (once for all designs).

    ``store_gram``: hold the ``N x N`` Gram matrix of the unit-weight problems (when
    ``N`` is at most ``_GRAM_LIMIT``), which pays off when many designs share it (see
    :func:`with_gram`).
    """
    factor = y[:, :n_pre].T.copy()
    if method == "sdid":  # omega_0 profiled out: demean every unit's series over the pre-periods
        factor -= factor.mean(axis=0, keepdims=True)
    factor -= factor.mean(axis=1, keepdims=True)
    gram = factor.T @ factor if store_gram and factor.shape[1] <= _GRAM_LIMIT else None
    rows = np.column_stack([y[:, :n_pre], y[:, n_pre:].mean(axis=1)])
    rows -= rows.mean(axis=0, keepdims=True)
    rows -= rows.mean(axis=1, keepdims=True)
    return Prepared(y=y, n_pre=n_pre, unit_factor=factor, unit_gram=gram, time_rows=rows)


def with_gram(prepared: Prepared) -> Prepared:
    """``prepared`` holding the unit-weight Gram matrix, if it is small enough to hold."""
    factor = prepared.unit_factor
    if prepared.unit_gram is not None or factor.shape[1] > _GRAM_LIMIT:
        return prepared
    return replace(prepared, unit_gram=factor.T @ factor)


def _unit_problem(prepared: Prepared, designs: Designs) -> SimplexLeastSquares:
    """The unit-weight problems: ``A`` = controls' pre-period series, ``b`` = treated mean."""
    factor = prepared.unit_factor
    n_units = factor.shape[1]
    target = designs.treated @ factor.T  # B x T0: b of each design
    every_unit = (designs.controls.shape[1] == n_units
                  and np.array_equal(designs.controls,
                                     np.broadcast_to(np.arange(n_units), designs.controls.shape)))
    cross = target @ factor
    if not every_unit:
        cross = np.take_along_axis(cross, designs.controls, axis=1)
    return SimplexLeastSquares(
        gram=SharedGram(factor=factor, index=None if every_unit else designs.controls,
                        gram=prepared.unit_gram),
        cross=np.where(designs.mask, cross, 0.0),
        target_sq=np.einsum("ij,ij->i", target, target),
        n_rows=np.full(designs.size, float(prepared.n_pre)),
        mask=designs.mask)


def _time_problem(prepared: Prepared, counts: np.ndarray) -> SimplexLeastSquares:
    """The time-weight problems: rows = controls, ``A`` = pre-periods, ``b`` = post mean.

    With ``counts`` (``B x N``) giving how often each unit is a control, the Gram
    matrix of the controls' rows centred over the controls (the intercept) is
    ``sum_k c_k z_k z_k' - n0 zbar zbar'``.
    """
    z = prepared.time_rows
    n_pre = prepared.n_pre
    n0 = counts.sum(axis=1)
    first = counts @ z
    second = np.einsum("bn,ni,nj->bij", counts, z, z, optimize=True)
    gram = second - first[:, :, None] * first[:, None, :] / n0[:, None, None]
    return SimplexLeastSquares(
        gram=BatchGram(np.ascontiguousarray(gram[:, :n_pre, :n_pre])),
        cross=np.ascontiguousarray(gram[:, :n_pre, n_pre]),
        target_sq=gram[:, n_pre, n_pre].copy(),
        n_rows=n0,
        mask=np.ones((counts.shape[0], n_pre), dtype=bool))


def fit_weights(method: Method, prepared: Prepared, designs: Designs, reg: Regularisation, *,
                omega_start: np.ndarray | None = None,
                lambda_start: np.ndarray | None = None) -> WeightFit:
    """Unit and time weights of every design (Algorithm 1, reference conventions).

    ``omega_start`` (``B x n``) and ``lambda_start`` (``B x T0``) are the starting
    points of the first Frank-Wolfe stage (uniform by default): the reference starts
    the re-drawn designs of its standard errors from the full-sample weights.
    """
    n_pre = prepared.n_pre
    b = designs.size
    uniform_omega = uniform_weights(designs.mask)
    iterations: dict[str, np.ndarray] = {}
    if method == "did":
        return WeightFit(omega=uniform_omega, lam=np.full((b, n_pre), 1.0 / n_pre),
                         iterations=iterations)
    omega0 = uniform_omega if omega_start is None else omega_start
    if method == "sc":
        lam = np.zeros((b, n_pre))
    else:
        lam0 = np.full((b, n_pre), 1.0 / n_pre) if lambda_start is None else lambda_start
        counts = designs.control_counts(prepared.y.shape[0])
        lam, iterations["lambda"] = _two_stage(_time_problem(prepared, counts), lam0,
                                               reg.zeta_lambda, reg)
    omega, iterations["omega"] = _two_stage(_unit_problem(prepared, designs), omega0,
                                            reg.zeta_omega, reg)
    return WeightFit(omega=omega, lam=lam, iterations=iterations)


def effects(y: np.ndarray, n_pre: int, designs: Designs, omega: np.ndarray,
            lam: np.ndarray) -> np.ndarray:
    """The weighted double difference of each design (paper, equation 1 / Algorithm 1).

    :math:`\\hat\\tau = (\\bar Y_{tr,post} - \\lambda'Y_{tr,pre})
    - \\sum_i \\omega_i (\\bar Y_{i,post} - \\lambda'Y_{i,pre})`.
    """
    contrast = y[:, n_pre:].mean(axis=1)[None, :] - lam @ y[:, :n_pre].T  # B x N
    treated = np.einsum("bn,bn->b", designs.treated, contrast)
    controls = np.take_along_axis(contrast, designs.controls, axis=1)
    return treated - np.einsum("bn,bn->b", np.where(designs.mask, omega, 0.0), controls)
