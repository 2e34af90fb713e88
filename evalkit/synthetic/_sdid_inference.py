r"""Standard errors of synthetic difference-in-differences (Arkhangelsky et al. 2021, section 5).

- **Placebo** (Algorithm 4): among the controls only, ``N_tr`` units drawn at random
  play the treated; the estimator (weights re-estimated) is applied to each such
  placebo panel; the variance is that of the placebo estimates. The only method
  available with a single treated unit; it assumes homoskedasticity across units.
- **Bootstrap** (Algorithm 2): units are drawn with replacement; draws without a
  treated or without a control unit are discarded and drawn again; the estimator
  (weights re-estimated) is applied to each bootstrap panel.
- **Jackknife** (Algorithm 3): each unit is left out in turn, the weights are *not*
  re-estimated (the remaining unit weights are renormalised to sum to one). Undefined
  with one treated unit.

Placebo and bootstrap variances are :math:`\frac1B\sum_b(\hat\tau^{(b)} - \bar\tau)^2`
(the reference's ``sqrt((B - 1)/B) * sd(...)``); the jackknife variance is
:math:`\frac{N-1}{N}\sum_i(\hat\tau^{(-i)} - \bar\tau)^2`. As in the reference
implementation (R package ``synthdid``, ``R/vcov.R``), the re-drawn problems keep the
regularisation of the full sample and start their weights from the full-sample
weights (renormalised over the units drawn).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.synthetic._sdid_weights import (
    Designs,
    Method,
    Prepared,
    Regularisation,
    effects,
    fit_weights,
)

__all__ = ["Replicates", "placebo_replicates", "bootstrap_replicates", "jackknife_replicates",
           "replicate_std_error"]

_CHUNK_ELEMENTS = 1 << 18  # designs x controls held at once by the weight solver


@dataclass(frozen=True)
class Replicates:
    """Replicate estimates and the standard error they give.

    ``discarded`` counts bootstrap draws thrown away for lacking a treated or a control
    unit.
    """

    estimates: np.ndarray
    std_error: float
    discarded: int = 0


def replicate_std_error(estimates: np.ndarray) -> float:
    """``sqrt((B - 1) / B) * sd``: the standard deviation with denominator ``B``."""
    return float(np.std(estimates, ddof=0))


def _start_from(omega_units: np.ndarray, designs: Designs) -> np.ndarray:
    """The full-sample unit weights of each design's controls, renormalised.

    Designs whose controls all had zero weight start from uniform weights (the
    reference's ``sum_normalize``).
    """
    start = np.where(designs.mask, omega_units[designs.controls], 0.0)
    total = start.sum(axis=1, keepdims=True)
    uniform = designs.mask / designs.mask.sum(axis=1, keepdims=True)
    return np.where(total > 0, start / np.where(total > 0, total, 1.0), uniform)


def _estimate_designs(method: Method, prepared: Prepared, designs: Designs,
                      reg: Regularisation, omega_units: np.ndarray,
                      lam: np.ndarray) -> np.ndarray:
    chunk = max(1, _CHUNK_ELEMENTS // max(1, designs.controls.shape[1]))
    out = np.empty(designs.size)
    for start in range(0, designs.size, chunk):
        rows = slice(start, start + chunk)
        part = Designs(designs.controls[rows], designs.mask[rows], designs.treated[rows])
        fit = fit_weights(method, prepared, part, reg,
                          omega_start=_start_from(omega_units, part),
                          lambda_start=np.broadcast_to(lam, (part.size, lam.size)).copy())
        out[rows] = effects(prepared.y, prepared.n_pre, part, fit.omega, fit.lam)
    return out


def placebo_replicates(method: Method, prepared: Prepared, n_control: int,
                       reg: Regularisation, omega: np.ndarray, lam: np.ndarray, *,
                       n_draws: int, rng: np.random.Generator) -> Replicates:
    """Algorithm 4: ``n_draws`` placebo treatments among the controls, weights re-estimated.

    Requires more controls than treated units (checked by the caller).
    """
    n_units = prepared.y.shape[0]
    n_treated = n_units - n_control
    n_placebo_control = n_control - n_treated
    order = rng.permuted(np.tile(np.arange(n_control), (n_draws, 1)), axis=1)
    # every unit is a variable of every design; those not drawn as controls are masked
    controls = np.broadcast_to(np.arange(n_units), (n_draws, n_units))
    mask = np.zeros((n_draws, n_units), dtype=bool)
    np.put_along_axis(mask, order[:, :n_placebo_control], True, axis=1)
    treated = np.zeros((n_draws, n_units))
    np.put_along_axis(treated, order[:, n_placebo_control:], 1.0 / n_treated, axis=1)
    designs = Designs(controls=controls, mask=mask, treated=treated)
    omega_units = np.zeros(n_units)
    omega_units[:n_control] = omega
    estimates = _estimate_designs(method, prepared, designs, reg, omega_units, lam)
    estimates.setflags(write=False)
    return Replicates(estimates=estimates, std_error=replicate_std_error(estimates))


def bootstrap_replicates(method: Method, prepared: Prepared, n_control: int,
                         reg: Regularisation, omega: np.ndarray, lam: np.ndarray, *,
                         n_draws: int, rng: np.random.Generator) -> Replicates:
    """Algorithm 2: ``n_draws`` bootstrap panels of units drawn with replacement.

    Draws without a treated or without a control unit are discarded and replaced, so
    that every replicate is defined (the reference's ``bootstrap_sample``).
    """
    n_units = prepared.y.shape[0]
    kept: list[np.ndarray] = []
    n_kept = 0
    discarded = 0
    while n_kept < n_draws:
        draws = np.sort(rng.integers(0, n_units, size=(n_draws - n_kept, n_units)), axis=1)
        n0 = (draws < n_control).sum(axis=1)
        valid = (n0 > 0) & (n0 < n_units)
        discarded += int((~valid).sum())
        kept.append(draws[valid])
        n_kept += int(valid.sum())
    draws = np.concatenate(kept)
    n0 = (draws < n_control).sum(axis=1)
    width = int(n0.max())
    mask = np.arange(width)[None, :] < n0[:, None]
    controls = np.where(mask, draws[:, :width], 0)
    treated = np.zeros((n_draws, n_units))
    rows, cols = np.nonzero(draws >= n_control)
    np.add.at(treated, (rows, draws[rows, cols]), 1.0)
    treated /= treated.sum(axis=1, keepdims=True)
    designs = Designs(controls=controls, mask=mask, treated=treated)
    omega_units = np.zeros(n_units)
    omega_units[:n_control] = omega
    estimates = _estimate_designs(method, prepared, designs, reg, omega_units, lam)
    estimates.setflags(write=False)
    return Replicates(estimates=estimates, std_error=replicate_std_error(estimates),
                      discarded=discarded)


def jackknife_replicates(y: np.ndarray, n_control: int, n_pre: int, omega: np.ndarray,
                         lam: np.ndarray) -> Replicates:
    """Algorithm 3: leave each unit out, weights fixed (unit weights renormalised).

    Requires at least two treated units and two controls with positive weight
    (checked by the caller).
    """
    n_units = y.shape[0]
    n_treated = n_units - n_control
    contrast = y[:, n_pre:].mean(axis=1) - y[:, :n_pre] @ lam
    treated_sum = contrast[n_control:].sum()
    weighted = omega @ contrast[:n_control]
    without_control = (treated_sum / n_treated
                       - (weighted - omega * contrast[:n_control]) / (1.0 - omega))
    without_treated = (treated_sum - contrast[n_control:]) / (n_treated - 1) - weighted
    estimates = np.concatenate([without_control, without_treated])
    deviation = estimates - estimates.mean()
    std_error = float(np.sqrt((n_units - 1) / n_units * np.sum(deviation ** 2)))
    estimates.setflags(write=False)
    return Replicates(estimates=estimates, std_error=std_error)
