"""Numerics of de Chaisemartin & D'Haultfoeuille's (2024) intertemporal event-study estimators.

Pure numpy on a dense group x period grid (periods are ranks ``1..T``; a cell that is not
observed holds ``NaN``). :func:`prepare` derives each group's baseline treatment, first change
and direction and applies the reference package's sample rules; :func:`estimate_horizon`
computes one effect or placebo (estimate, influence function, counts); :func:`average_total_effect`
and :func:`wald` finish the table. Every step is vectorised over groups and cells.

The variance follows the reference implementation (R ``DIDmultiplegtDYN`` / Stata
``did_multiplegt_dyn``, "Estimators and variance estimators computed by the did_multiplegt_dyn
command", de Chaisemartin et al. 2024): each group's influence function centres the switchers'
outcome changes on their cohort mean (same baseline treatment, first-change period and treatment
at that period) and the controls' changes on the mean of the controls of the same period and
baseline, with a small-sample factor ``sqrt(n / (n - 1))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Grid", "Prepared", "HorizonEstimate", "prepare", "estimate_horizon",
           "same_switchers_flag", "average_total_effect", "wald", "cluster_sums"]


@dataclass(frozen=True)
class Grid:
    """The panel as dense ``(groups, periods)`` arrays (``NaN`` where a cell is missing)."""

    outcome: np.ndarray
    treatment: np.ndarray
    weight: np.ndarray
    cluster: np.ndarray | None  # one integer code per group


@dataclass(frozen=True)
class Prepared:
    """The grid after the sample rules, with each group's design quantities (``F`` is 1-based,
    ``inf`` for a group whose treatment never changes)."""

    y: np.ndarray
    d: np.ndarray
    w: np.ndarray
    keep: np.ndarray          # groups kept (index into the input groups)
    baseline: np.ndarray      # D_{g,1}
    base_code: np.ndarray     # dense code of the baseline
    first_change: np.ndarray  # F_g
    direction: np.ndarray     # S_g: +1 switcher in, -1 switcher out, 0 never changes
    treat_at_change: np.ndarray  # D_{g,F_g}
    last_with_stayer: np.ndarray  # T_g
    span: np.ndarray          # L_g
    cluster: np.ndarray | None
    cells_dropped_both_sides: int
    baselines_dropped: tuple[tuple[float, int], ...]  # (baseline, units)
    cells_without_stayer: tuple[tuple[int, float], ...]  # (period rank, baseline)


@dataclass(frozen=True)
class HorizonEstimate:
    """One effect or placebo: the estimate, its influence function and counts."""

    estimate: float
    unnormalized: float
    influence: np.ndarray        # per group, of the (possibly normalised) estimate
    influence_raw: np.ndarray    # per group, of the unnormalised estimate
    switchers: int
    switchers_weighted: float
    observations: int
    delta: float                 # average cumulated treatment change (normalisation)
    dose_change: float           # average treatment change at the horizon (average total effect)
    counted: np.ndarray          # cells used, (groups, periods) booleans


def _prev_observed(obs: np.ndarray) -> np.ndarray:
    """Column index of each cell's previous observed cell in its row (-1: none)."""
    n_t = obs.shape[1]
    idx = np.where(obs, np.arange(n_t)[None, :], -1)
    last = np.maximum.accumulate(idx, axis=1)
    prev = np.full_like(last, -1)
    prev[:, 1:] = last[:, :-1]
    return prev


def _segment_sum(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=size)


def prepare(grid: Grid, keep_both_sides: bool = False) -> Prepared:
    """Baseline, first change, direction; the reference package's sample rules.

    1. cells after a group's treatment has been both above and below its baseline are dropped
       (unless ``keep_both_sides``);
    2. baselines whose groups all change treatment at the same period (or never) are dropped;
    3. (period, baseline) cells without any group whose treatment has not changed yet are
       dropped.
    """
    y, d, w = grid.outcome, grid.treatment, grid.weight
    n_g, n_t = d.shape
    obs = ~np.isnan(d)
    rows = np.arange(n_g)
    first_col = np.argmax(obs, axis=1)
    baseline = d[rows, first_col]
    prev = _prev_observed(obs)
    prev_d = np.where(prev >= 0, d[rows[:, None], np.maximum(prev, 0)], np.nan)
    changed = obs & (prev >= 0) & (d != prev_d)
    has_change = changed.any(axis=1)
    change_col = np.argmax(changed, axis=1)
    first_change = np.where(has_change, change_col + 1.0, np.inf)
    last_col = n_t - 1 - np.argmax(obs[:, ::-1], axis=1)
    span = np.where(has_change, last_col - change_col + 1.0, 0.0)
    step = d[rows, change_col] - prev_d[rows, change_col]
    direction = np.where(has_change, np.sign(step), 0.0)

    dropped_both = 0
    if not keep_both_sides:
        above = np.logical_or.accumulate(obs & (d > baseline[:, None]), axis=1)
        below = np.logical_or.accumulate(obs & (d < baseline[:, None]), axis=1)
        both = above & below & obs
        dropped_both = int(both.sum())
        if dropped_both:
            obs = obs & ~both
    treat_at_change = np.where(has_change, d[rows, change_col], np.nan)

    # baselines without variation in the first-change period
    values, base_code = np.unique(baseline, return_inverse=True)
    f_zero = np.where(np.isfinite(first_change), first_change, 0.0)
    f_min = np.full(len(values), np.inf)
    f_max = np.full(len(values), -np.inf)
    np.minimum.at(f_min, base_code, f_zero)
    np.maximum.at(f_max, base_code, f_zero)
    good_base = f_max > f_min
    keep = good_base[base_code]
    units_per_base = np.bincount(base_code, minlength=len(values))
    baselines_dropped = tuple((float(v), int(n)) for v, n in
                              zip(values[~good_base], units_per_base[~good_base], strict=True))

    sel = np.flatnonzero(keep)
    obs = obs[sel]
    baseline, first_change = baseline[sel], first_change[sel]
    direction, treat_at_change, span = direction[sel], treat_at_change[sel], span[sel]
    values, base_code = np.unique(baseline, return_inverse=True)
    n_b = len(values)
    periods = np.arange(1, n_t + 1)
    # (period, baseline) cells without a group that has not changed treatment yet
    stayer = obs & (first_change[:, None] > periods[None, :])
    key = base_code[:, None] * n_t + np.arange(n_t)[None, :]
    has_stayer = np.bincount(key.ravel(), weights=stayer.ravel(), minlength=n_b * n_t) > 0
    present = np.bincount(key.ravel(), weights=obs.ravel(), minlength=n_b * n_t) > 0
    lacking = present & ~has_stayer
    cells_without = tuple((int(k % n_t) + 1, float(values[k // n_t]))
                          for k in np.flatnonzero(lacking))
    obs = obs & has_stayer[key]

    yk, dk, wk = y[sel], d[sel], w[sel]
    ok = obs & ~np.isnan(yk) & ~np.isnan(dk)
    y_out = np.where(obs, yk, np.nan)
    d_out = np.where(obs, dk, np.nan)
    w_out = np.where(ok, np.nan_to_num(wk), 0.0)
    f_trunc = np.where(np.isfinite(first_change), first_change, n_t + 1.0)
    f_top = np.full(n_b, -np.inf)
    np.maximum.at(f_top, base_code, f_trunc)
    last_with_stayer = f_top[base_code] - 1.0
    return Prepared(y=y_out, d=d_out, w=w_out, keep=sel, baseline=baseline, base_code=base_code,
                    first_change=first_change, direction=direction,
                    treat_at_change=treat_at_change, last_with_stayer=last_with_stayer,
                    span=span, cluster=None if grid.cluster is None else grid.cluster[sel],
                    cells_dropped_both_sides=dropped_both, baselines_dropped=baselines_dropped,
                    cells_without_stayer=cells_without)


def _lagged_difference(y: np.ndarray, lag: int, placebo: bool) -> np.ndarray:
    """Effect: ``Y_t - Y_{t-lag}``; placebo: ``Y_{t-2 lag} - Y_{t-lag}`` (``NaN`` off-grid)."""
    out = np.full_like(y, np.nan)
    if placebo:
        if 2 * lag < y.shape[1]:
            out[:, 2 * lag:] = y[:, :-2 * lag] - y[:, lag:-lag]
    elif lag < y.shape[1]:
        out[:, lag:] = y[:, lag:] - y[:, :-lag]
    return out


def _controls(p: Prepared, valid: np.ndarray, only_never: bool) -> np.ndarray:
    """1 for a cell of a group whose treatment has not changed yet (with a valid difference)."""
    n_t = p.y.shape[1]
    periods = np.arange(1, n_t + 1)[None, :]
    never = valid & (p.first_change[:, None] > periods)
    if only_never:
        never &= ~np.isfinite(p.first_change)[:, None]
    return never.astype(float)


def same_switchers_flag(p: Prepared, n_effects: int, n_placebos: int, only_never: bool
                        ) -> np.ndarray:
    """Switchers for which every effect 1..n_effects (and placebo 1..n_placebos) is estimable."""
    n_g, n_t = p.y.shape
    rows = np.arange(n_g)
    periods = np.arange(1, n_t + 1)[None, :]
    key = p.base_code[:, None] * n_t + np.arange(n_t)[None, :]
    size = (p.base_code.max() + 1) * n_t
    flag = (p.first_change - 1 + n_effects) <= p.last_with_stayer
    lags = list(range(1, n_effects + 1)) + [-q for q in range(1, n_placebos + 1)]
    for lag in lags:
        diff = np.full_like(p.y, np.nan)
        if lag > 0 and lag < n_t:
            diff[:, lag:] = p.y[:, lag:] - p.y[:, :-lag]
        elif lag < 0 and -lag < n_t:
            diff[:, :lag] = p.y[:, :lag] - p.y[:, -lag:]
        valid = ~np.isnan(diff)
        ctrl = valid & (p.first_change[:, None] > periods)
        if only_never:
            ctrl &= ~np.isfinite(p.first_change)[:, None]
        pool = _segment_sum(key.ravel(), (ctrl * p.w).ravel(), size)
        target = p.first_change - 1 + lag
        inside = np.isfinite(target) & (target >= 1) & (target <= n_t)
        col = np.where(inside, target, 1).astype(int) - 1
        reached = inside & (pool[key[rows, col]] > 0) & valid[rows, col]
        flag &= reached
    return flag & np.isfinite(p.first_change)


def _count_unique(keys: np.ndarray, clusters: np.ndarray, size: int) -> np.ndarray:
    pairs = np.unique(np.stack([keys, clusters]), axis=1)
    return np.bincount(pairs[0], minlength=size).astype(float)


def _dof_factor(n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(n / (n - 1.0))


def estimate_horizon(p: Prepared, lag: int, *, placebo: bool, directions: tuple[int, ...],
                     only_never: bool, eligible: np.ndarray | None) -> HorizonEstimate | None:
    """Effect ``lag`` (or placebo ``lag``) pooled over switchers in and out.

    Returns ``None`` when no switcher reaches the horizon. ``eligible`` restricts the
    switchers (same-switchers option).
    """
    y, d, w = p.y, p.d, p.w
    n_g, n_t = y.shape
    rows = np.arange(n_g)
    periods = np.arange(1, n_t + 1)[None, :]
    diff = _lagged_difference(y, lag, placebo)
    valid = ~np.isnan(diff)
    diff0 = np.where(valid, diff, 0.0)
    never = _controls(p, valid, only_never)
    n_b = int(p.base_code.max()) + 1
    key = (p.base_code[:, None] * n_t + np.arange(n_t)[None, :]).ravel()
    size = n_b * n_t
    n_control = _segment_sum(key, (never * w).ravel(), size)
    n_control_cell = n_control[key].reshape(n_g, n_t)

    target = p.first_change - 1 + lag
    inside = np.isfinite(target) & (target >= 1) & (target <= n_t)
    col = np.where(inside, target, 1).astype(int) - 1
    base = inside & (p.span >= lag) & (n_control_cell[rows, col] > 0) & valid[rows, col]
    if placebo:
        base &= ~np.isnan(y[rows, col])
    if eligible is not None:
        base &= eligible
    w_target = w[rows, col]

    counted = np.zeros((n_g, n_t), dtype=bool)
    passes = []
    for sign in directions:
        sw = base & (p.direction == sign)
        n_weighted = float(w_target[sw].sum())
        n_switchers = int(sw.sum())
        if n_switchers == 0:
            continue
        safe_n = max(n_weighted, 1e-10)
        n_treated = _segment_sum(key[rows[sw] * n_t + col[sw]], w_target[sw], size)
        ratio = np.divide(n_treated, n_control, out=np.zeros(size), where=n_control > 0)
        ratio_cell = ratio[key].reshape(n_g, n_t)
        dist = np.zeros((n_g, n_t))
        dist[rows[sw], col[sw]] = 1.0
        coef = np.where(valid, w * (dist - ratio_cell * never), 0.0)
        term = coef * diff0
        influence_point = (n_g / safe_n) * term.sum(axis=1)
        estimate = float(influence_point.sum() / n_g)
        counted |= valid & ((term != 0) | (diff0 == 0))

        # normalisation: cumulated change of treatment from F_g to F_g - 1 + lag
        window = (periods >= p.first_change[:, None]) & (periods <= target[:, None])
        cum = np.where(window & ~np.isnan(d), d - p.baseline[:, None], 0.0).sum(axis=1)
        delta = float((w_target[sw] * sign * cum[sw]).sum() / w_target[sw].sum()) \
            if w_target[sw].sum() > 0 else np.nan
        dose = float((w_target[sw] * sign * (d[rows[sw], col[sw]] - p.baseline[sw])).sum()
                     / safe_n)

        influence = _variance_influence(p, lag, sw, col, dist, coef, diff0, never, valid, key,
                                        size, n_g / safe_n)
        passes.append((sign, n_switchers, safe_n, estimate, delta, dose, influence))

    if not passes:
        return None
    total = sum(pa[2] for pa in passes)
    shares = [pa[2] / total for pa in passes]
    unnorm = sum(s * pa[0] * pa[3] for s, pa in zip(shares, passes, strict=True))
    delta = sum(s * pa[4] for s, pa in zip(shares, passes, strict=True))
    dose = sum(s * pa[5] for s, pa in zip(shares, passes, strict=True))
    influence = sum(s * pa[0] * pa[6] for s, pa in zip(shares, passes, strict=True))
    return HorizonEstimate(estimate=unnorm, unnormalized=unnorm, influence=influence,
                           influence_raw=influence, switchers=sum(pa[1] for pa in passes),
                           switchers_weighted=total, observations=int(counted.sum()),
                           delta=delta, dose_change=dose, counted=counted)


def _variance_influence(p: Prepared, lag: int, sw: np.ndarray, col: np.ndarray,
                        dist: np.ndarray, coef: np.ndarray, diff0: np.ndarray,
                        never: np.ndarray, valid: np.ndarray, key: np.ndarray, size: int,
                        scale: float) -> np.ndarray:
    """Each group's influence function with centred outcome changes (see module docstring)."""
    n_g, n_t = diff0.shape
    w = p.w
    rows = np.arange(n_g)
    periods = np.arange(1, n_t + 1)[None, :]
    wdiff = diff0 * w
    # switchers: cohort = (baseline, first change, treatment at the change)
    sw_idx = np.flatnonzero(sw & (w[rows, col] != 0))
    s_dof = np.zeros(n_g)
    s_mean = np.zeros(n_g)
    if sw_idx.size:
        cohort = np.stack([p.base_code[sw_idx].astype(float), p.first_change[sw_idx],
                           p.treat_at_change[sw_idx]])
        _, c_code = np.unique(cohort, axis=1, return_inverse=True)
        c_code = c_code.ravel()
        n_c = int(c_code.max()) + 1
        ws = np.bincount(c_code, weights=w[sw_idx, col[sw_idx]], minlength=n_c)
        ds = np.bincount(c_code, weights=wdiff[sw_idx, col[sw_idx]], minlength=n_c)
        if p.cluster is None:
            dof = np.bincount(c_code, minlength=n_c).astype(float)
        else:
            dof = _count_unique(c_code, p.cluster[sw_idx], n_c)
        s_dof[sw_idx] = dof[c_code]
        s_mean[sw_idx] = ds[c_code] / ws[c_code]
    # controls and union by (period, baseline)
    is_control = (never == 1) & (w != 0)
    is_union = is_control.copy()
    is_union[sw_idx, col[sw_idx]] = True
    flat_c = is_control.ravel()
    flat_u = is_union.ravel()
    wr, dr = w.ravel(), wdiff.ravel()
    c_w = _segment_sum(key[flat_c], wr[flat_c], size)
    c_d = _segment_sum(key[flat_c], dr[flat_c], size)
    u_w = _segment_sum(key[flat_u], wr[flat_u], size)
    u_d = _segment_sum(key[flat_u], dr[flat_u], size)
    if p.cluster is None:
        c_n = np.bincount(key[flat_c], minlength=size).astype(float)
        u_n = np.bincount(key[flat_u], minlength=size).astype(float)
    else:
        cl = np.broadcast_to(p.cluster[:, None], (n_g, n_t)).ravel()
        c_n = _count_unique(key[flat_c], cl[flat_c], size)
        u_n = _count_unique(key[flat_u], cl[flat_u], size)
    c_mean = np.divide(c_d, c_w, out=np.zeros(size), where=c_w > 0)
    u_mean = np.divide(u_d, u_w, out=np.zeros(size), where=u_w > 0)

    e_hat = np.zeros((n_g, n_t))
    factor = np.ones((n_g, n_t))
    # control cells (before the group's first change)
    before = periods < p.first_change[:, None]
    cn = np.where(is_control, c_n[key].reshape(n_g, n_t), 9999.0)
    un = u_n[key].reshape(n_g, n_t)
    use_c = before & (cn >= 2)
    use_u = before & (cn == 1) & (un >= 2)
    e_hat = np.where(use_c, c_mean[key].reshape(n_g, n_t), e_hat)
    e_hat = np.where(use_u, u_mean[key].reshape(n_g, n_t), e_hat)
    factor = np.where(before & (cn > 1), _dof_factor(cn), factor)
    factor = np.where(use_u, _dof_factor(un), factor)
    # switcher cells (the target period)
    if sw_idx.size:
        c = col[sw_idx]
        sd = s_dof[sw_idx]
        u_at = u_n[key[sw_idx * n_t + c]]
        e_sw = np.where(sd >= 2, s_mean[sw_idx],
                        np.where(u_at >= 2, u_mean[key[sw_idx * n_t + c]], 0.0))
        f_sw = np.where(sd > 1, _dof_factor(sd), np.where(u_at >= 2, _dof_factor(u_at), 1.0))
        e_hat[sw_idx, c] = e_sw
        factor[sw_idx, c] = f_sw
    keep_group = (p.last_with_stayer - 1) >= lag
    in_time = (periods >= lag + 1) & (periods <= p.last_with_stayer[:, None])
    term = np.where(valid & in_time, coef * factor * (diff0 - e_hat), 0.0)
    return scale * keep_group * term.sum(axis=1)


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


def average_total_effect(horizons: list[HorizonEstimate], n_groups: int,
                         cluster: np.ndarray | None) -> tuple[float, float, float] | None:
    """delta: the effects averaged with weights proportional to their (weighted) switchers,
    divided by the same average of the treatment changes; its standard error and the average
    number of periods over which effects are accumulated."""
    n_sw = np.array([h.switchers_weighted for h in horizons])
    if not len(horizons) or n_sw.sum() <= 0:
        return None
    weights = n_sw / n_sw.sum()
    effects = np.array([h.unnormalized for h in horizons])
    doses = np.array([h.dose_change for h in horizons])
    denominator = float(weights @ doses)
    if denominator == 0:
        return None
    estimate = float(weights @ effects) / denominator
    influence = sum(wt * h.influence_raw for wt, h in zip(weights, horizons, strict=True))
    sums = cluster_sums(influence / denominator, cluster)
    std_error = float(np.sqrt(np.sum(sums ** 2)) / n_groups)
    return estimate, std_error, denominator


def covariance(influences: list[np.ndarray], n_groups: int,
               cluster: np.ndarray | None) -> np.ndarray:
    """Covariance of estimators from their influence functions (clustered sums)."""
    sums = cluster_sums(np.column_stack(influences), cluster)
    return sums.T @ sums / n_groups ** 2


def wald(estimates: np.ndarray, cov: np.ndarray, equal: bool = False
         ) -> tuple[float, int, float] | None:
    """Chi-squared test that the estimates are all zero (``equal``: all equal)."""
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
    eig = np.linalg.eigvalsh(cov)
    if (eig > 1e-10).sum() < dof:
        return None
    statistic = float(estimates @ np.linalg.pinv(cov) @ estimates)
    return statistic, dof, float(stats.chi2.sf(statistic, dof))
