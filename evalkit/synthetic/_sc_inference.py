r"""Synthetic control fits for one unit, placebos in space and leave-one-out re-fits.

All the fits share one design: the outcome matrix ``y`` (donors first, the treated
unit last; pre-treatment periods first), the predictor matrix ``x`` (one column per
unit) and the options that choose the weights. A fit for *target* unit ``i`` with
donor *pool* ``P`` uses the columns ``P`` of ``x`` and rows ``P`` of ``y`` as donors.

- Placebo in space (Abadie, Diamond & Hainmueller 2010, section 4.3; Abadie 2021,
  section 6.1): every donor ``j`` in turn is treated as if it had been treated, with
  the other donors as its pool (the treated unit is never a donor: its post-period
  outcomes carry the treatment). The statistic is the ratio of post- to
  pre-treatment RMSPE of each unit's gap; the treated unit's rank among all units
  gives the permutation p-value.
- Leave one out (Abadie 2021, section 7): the treated unit is re-fitted once for each
  donor with positive weight, with that donor removed from the pool.

The gaps of all fits are computed at once as ``y[targets] - W @ y`` with ``W`` the
matrix of weights (one row per fit, zero outside the pool).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.synthetic._sc_predictor_weights import WeightsFit, fit_weights

__all__ = ["Design", "fit_unit", "placebo_fits", "leave_one_out_fits", "rmspe"]


@dataclass(frozen=True)
class Design:
    """What every fit of one analysis shares (internal)."""

    y: np.ndarray
    x: np.ndarray
    n_control: int
    n_pre: int
    fit_columns: np.ndarray
    v: str | np.ndarray
    standardize: bool
    predictors_are_fit_outcomes: bool

    @property
    def treated(self) -> int:
        return self.y.shape[0] - 1

    @property
    def donors(self) -> np.ndarray:
        return np.arange(self.n_control)


def fit_unit(design: Design, target: int, pool: np.ndarray) -> WeightsFit:
    """Weights of the synthetic control of unit ``target`` from the donors ``pool``."""
    z = design.y[:, design.fit_columns]
    return fit_weights(design.x[:, target], design.x[:, pool], z[target], z[pool].T,
                       v=design.v, standardize=design.standardize,
                       predictors_are_fit_outcomes=design.predictors_are_fit_outcomes)


def rmspe(gaps: np.ndarray, n_pre: int) -> tuple[np.ndarray, np.ndarray]:
    """Root mean squared gap before and after treatment, for each row of ``gaps``."""
    pre = np.sqrt(np.mean(gaps[..., :n_pre] ** 2, axis=-1))
    post = np.sqrt(np.mean(gaps[..., n_pre:] ** 2, axis=-1))
    return pre, post


@dataclass(frozen=True)
class ManyFits:
    """Several fits of the same design (internal): one row per fit."""

    targets: np.ndarray
    weights: np.ndarray  # (m, n_units): zero outside each fit's pool
    v: np.ndarray  # (m, k)
    gaps: np.ndarray  # (m, n_periods)


def _collect(design: Design, targets: np.ndarray, pools: list[np.ndarray],
             known: dict[int, WeightsFit] | None = None) -> ManyFits:
    n_units = design.y.shape[0]
    weights = np.zeros((targets.size, n_units))
    v = np.zeros((targets.size, design.x.shape[0]))
    for row, (target, pool) in enumerate(zip(targets, pools, strict=True)):
        fit = (known or {}).get(int(row)) or fit_unit(design, int(target), pool)
        weights[row, pool] = fit.weights
        v[row] = fit.v
    gaps = design.y[targets] - weights @ design.y
    return ManyFits(targets, weights, v, gaps)


def placebo_fits(design: Design, treated_fit: WeightsFit) -> ManyFits:
    """The treated unit's fit (first row) and one placebo fit per donor."""
    donors = design.donors
    targets = np.concatenate([[design.treated], donors])
    pools = [donors] + [np.delete(donors, j) for j in range(donors.size)]
    return _collect(design, targets, pools, known={0: treated_fit})


def leave_one_out_fits(design: Design, weights: np.ndarray) -> tuple[np.ndarray, ManyFits]:
    """Re-fits of the treated unit without each donor of positive weight, heaviest first."""
    donors = design.donors
    dropped = donors[weights > 0]
    dropped = dropped[np.argsort(-weights[dropped], kind="stable")]
    pools = [donors[donors != d] for d in dropped]
    targets = np.full(dropped.size, design.treated)
    return dropped, _collect(design, targets, pools)
