"""Influence functions, covariances and tests of the intertemporal event-study estimators.

The variance follows the reference implementation (R ``DIDmultiplegtDYN`` / Stata
``did_multiplegt_dyn``; de Chaisemartin, Ciccia, D'Haultfoeuille, Knau, Malezieux & Sow 2024,
"Estimators and variance estimators computed by the did_multiplegt_dyn command"): in each
group's influence function a switcher's outcome change is centred on the mean change of its
cohort (same baseline treatment, first-change period and treatment at that period) and a
comparison group's on the mean change of the comparison groups of the same period and
baseline, each scaled by ``sqrt(n / (n - 1))`` for a mean over ``n`` groups (or clusters);
a cohort or comparison pool of one borrows the pooled mean of switchers and comparisons of
that period and baseline. Standard errors and covariances sum the influence functions by
cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.did._dcdh_compute import HorizonEstimate, Prepared

__all__ = ["VarianceInputs", "variance_influence", "cluster_sums", "covariance",
           "average_total_effect", "wald"]


def _dof_factor(n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(n / (n - 1.0))


@dataclass(frozen=True)
class VarianceInputs:
    """What the variance of one horizon shares between switchers in and out."""

    control_cells: np.ndarray    # comparison cells with a positive weight
    weighted: np.ndarray         # N_{g,t} on comparison cells, else 0
    weighted_diff: np.ndarray    # N_{g,t} (outcome change) on comparison cells, else 0
    control_n: np.ndarray        # (baselines, periods): comparison groups (or clusters)
    control_w: np.ndarray        # their total weight
    control_d: np.ndarray        # their weighted outcome changes
    in_time: np.ndarray          # (baselines, periods): cells the variance counts

    @classmethod
    def build(cls, p: Prepared, lag: int, never: np.ndarray, weighted: np.ndarray,
              weighted_diff: np.ndarray, n_control: np.ndarray) -> VarianceInputs:
        control = never & (p.w != 0)
        count = (p.by_base(control) if p.cluster is None else p.clusters_by_base(control))
        periods = np.arange(1, p.y.shape[1] + 1)[None, :]
        last = p.last_by_base[:, None]
        in_time = (last - 1 >= lag) & (periods >= lag + 1) & (periods <= last)
        return cls(control, weighted, weighted_diff, count, n_control,
                   p.by_base(weighted_diff), in_time)


def variance_influence(p: Prepared, v: VarianceInputs, idx: np.ndarray, col: np.ndarray,
                       w_target: np.ndarray, diff_target: np.ndarray, ratio: np.ndarray,
                       scale: float) -> np.ndarray:
    """Each group's influence function, outcome changes centred (see the module docstring).

    ``idx``, ``col``: the switchers of one direction and their target cells; ``ratio``:
    switchers' over comparison groups' weight, per baseline and period.
    """
    n_g, n_t = p.y.shape
    b = p.base_code
    pos = w_target != 0
    sw, sc, sw_w, sw_d = idx[pos], col[pos], w_target[pos], diff_target[pos]
    # switchers' cohorts
    cohort = p.cohort[sw]
    size = int(p.cohort.max()) + 1
    c_weight = np.bincount(cohort, weights=sw_w, minlength=size)
    c_diff = np.bincount(cohort, weights=sw_w * sw_d, minlength=size)
    if p.cluster is None:
        c_count = np.bincount(cohort, minlength=size).astype(float)
    else:
        n_cl = int(p.cluster.max()) + 1
        pairs = np.unique(cohort * n_cl + p.cluster[sw])
        c_count = np.bincount(pairs // n_cl, minlength=size).astype(float)
    s_n = c_count[cohort]
    s_mean = c_diff[cohort] / c_weight[cohort]
    # switchers and comparison groups pooled, per baseline and period
    key = b[sw] * n_t + sc
    shape = v.control_w.shape
    u_w = v.control_w + np.bincount(key, weights=sw_w, minlength=v.control_w.size
                                    ).reshape(shape)
    u_d = v.control_d + np.bincount(key, weights=sw_w * sw_d, minlength=v.control_w.size
                                    ).reshape(shape)
    if p.cluster is None:
        u_n = v.control_n + np.bincount(key, minlength=v.control_w.size).reshape(shape)
    else:
        cells = v.control_cells.copy()
        cells[sw, sc] = True
        u_n = p.clusters_by_base(cells)
    c_mean = np.divide(v.control_d, v.control_w, out=np.zeros(shape), where=v.control_w > 0)
    u_mean = np.divide(u_d, u_w, out=np.zeros(shape), where=u_w > 0)
    # comparison cells: centre and scale per baseline and period
    c_n = v.control_n
    borrow = (c_n == 1) & (u_n >= 2)
    centre = np.where(c_n >= 2, c_mean, np.where(borrow, u_mean, 0.0))
    factor = np.where(c_n > 1, _dof_factor(c_n), np.where(borrow, _dof_factor(u_n), 1.0))
    m = -ratio * factor * v.in_time
    out = p.row_dot(v.weighted_diff, m) - p.row_dot(v.weighted, m * centre)
    # switcher cells
    u_at, um_at = u_n[b[sw], sc], u_mean[b[sw], sc]
    s_centre = np.where(s_n >= 2, s_mean, np.where(u_at >= 2, um_at, 0.0))
    s_factor = np.where(s_n > 1, _dof_factor(s_n), np.where(u_at >= 2, _dof_factor(u_at), 1.0))
    out[sw] += sw_w * s_factor * (sw_d - s_centre) * v.in_time[b[sw], sc]
    return scale * out


def cluster_sums(influence: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Influence functions summed within clusters (rows: clusters; groups alone without)."""
    influence = np.asarray(influence, dtype=float).reshape(len(influence), -1)
    if cluster is None:
        return influence
    n_c = int(cluster.max()) + 1
    if n_c <= 1:
        return influence
    return np.stack([np.bincount(cluster, weights=influence[:, j], minlength=n_c)
                     for j in range(influence.shape[1])], axis=1)


def covariance(influences: list[np.ndarray], n_groups: int,
               cluster: np.ndarray | None) -> np.ndarray:
    """Covariance of estimators from their influence functions (clustered sums)."""
    sums = cluster_sums(np.column_stack(influences), cluster)
    return sums.T @ sums / n_groups ** 2


def average_total_effect(horizons: list[HorizonEstimate]
                         ) -> tuple[float, np.ndarray, float, float] | None:
    """The average total effect per unit of treatment: the effects averaged with weights
    proportional to their (weighted) switchers, divided by the same average of the treatment
    changes. Returns the estimate, its influence function, that denominator and the average
    number of periods over which effects are accumulated (``None`` if the denominator is 0)."""
    n_sw = np.array([h.switchers_weighted for h in horizons])
    if not len(horizons) or n_sw.sum() <= 0:
        return None
    weights = n_sw / n_sw.sum()
    denominator = float(weights @ np.array([h.dose_change for h in horizons]))
    if denominator == 0:
        return None
    estimate = float(weights @ np.array([h.estimate for h in horizons])) / denominator
    influence = sum(wt * h.influence for wt, h in zip(weights, horizons, strict=True))
    accumulated = float(weights @ np.array([h.delta for h in horizons]))
    return estimate, influence / denominator, denominator, accumulated


def wald(estimates: np.ndarray, cov: np.ndarray, equal: bool = False
         ) -> tuple[float, int, float] | None:
    """Chi-squared test that the estimates are all zero (``equal``: all equal); ``None``
    when their covariance is singular."""
    k = len(estimates)
    if equal:
        if k < 2:
            return None
        contrast = np.eye(k - 1, k) - np.ones((k - 1, k)) / k
        estimates = contrast @ estimates
        cov = contrast @ cov @ contrast.T
        cov = (cov + cov.T) / 2
    dof = len(estimates)
    if dof < 1:
        return None
    eigenvalues = np.linalg.eigvalsh(cov)
    if eigenvalues.max() <= 0 or (eigenvalues > 1e-12 * eigenvalues.max()).sum() < dof:
        return None
    statistic = float(estimates @ np.linalg.pinv(cov) @ estimates)
    return statistic, dof, float(stats.chi2.sf(statistic, dof))
