"""Numerics of de Chaisemartin & D'Haultfoeuille's (2024) intertemporal event-study estimators.

Pure numpy on a dense group x period grid (periods are ranks ``1..T``; a cell that is not
observed holds ``NaN``). :func:`prepare` derives each group's baseline treatment, first change
and direction, applies the reference package's sample rules and sorts the groups by baseline
(then cluster), so that every sum over the groups of one baseline in one period is a
segment sum (``reduceat``); :func:`estimate_horizon` computes one effect or placebo (estimate,
influence function, counts). The variance is in :mod:`evalkit.did._dcdh_variance`. Every
step is vectorised over groups and cells; loops run over horizons and directions only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from evalkit.did._dcdh_controls import ControlFit, control_correction, lagged_controls
from evalkit.did._dcdh_variance import VarianceInputs, variance_influence

__all__ = ["Grid", "Prepared", "HorizonEstimate", "NoComparison", "prepare",
           "with_linear_trends", "estimate_horizon", "cumulated_horizon", "same_switchers_flag"]


class NoComparison(Exception):
    """No baseline treatment has groups that change treatment at different periods."""

    def __init__(self, baselines_dropped: tuple[tuple[float, int], ...]) -> None:
        super().__init__(baselines_dropped)
        self.baselines_dropped = baselines_dropped


@dataclass(frozen=True)
class Grid:
    """The panel as dense ``(groups, periods)`` arrays (``NaN`` where a cell is missing)."""

    outcome: np.ndarray
    treatment: np.ndarray
    weight: np.ndarray
    cluster: np.ndarray | None  # one integer code per group
    controls: np.ndarray | None = None  # (groups, periods, controls)


@dataclass(frozen=True)
class Prepared:
    """The grid after the sample rules, groups sorted by baseline (then cluster), with each
    group's design quantities (``first_change`` is 1-based, ``inf`` when the treatment never
    changes)."""

    y: np.ndarray
    d: np.ndarray
    w: np.ndarray
    keep: np.ndarray          # the input group of each row
    baseline: np.ndarray      # D_{g,1}
    base_code: np.ndarray     # dense code of the baseline (sorted)
    base_starts: np.ndarray   # first row of each baseline
    first_change: np.ndarray  # F_g
    direction: np.ndarray     # S_g: +1 switcher in, -1 switcher out, 0 never changes
    cohort: np.ndarray        # code of (baseline, F_g, D_{g,F_g}); -1 if never changes
    last_with_stayer: np.ndarray  # T_g, per group
    last_by_base: np.ndarray  # T_g, per baseline
    span: np.ndarray          # L_g
    cumulated: np.ndarray     # sum over s <= t of (D_{g,s} - D_{g,1}), observed cells
    cluster: np.ndarray | None
    cluster_runs: tuple[np.ndarray, np.ndarray] | None  # run starts, first run of baselines
    cells_dropped_both_sides: int
    baselines_dropped: tuple[tuple[float, int], ...]  # (baseline, units)
    cells_without_stayer: tuple[tuple[int, float], ...]  # (period rank, baseline)
    x: np.ndarray | None = None  # controls, (groups, periods, controls)
    units_without_outcome: int = 0

    def _segments(self) -> list[tuple[int, int]]:
        ends = np.r_[self.base_starts[1:], self.y.shape[0]]
        return list(zip(self.base_starts.tolist(), ends.tolist(), strict=True))

    def by_base(self, values: np.ndarray) -> np.ndarray:
        """Sums (counts of true cells) over the groups of each baseline:
        ``(baselines, periods)``."""
        boolean = values.dtype == bool
        if len(self.base_starts) > 32:
            if boolean:
                values = np.where(values, 1.0, 0.0)
            return np.add.reduceat(values, self.base_starts, axis=0)
        if boolean:
            return np.stack([np.count_nonzero(values[s:e], axis=0) for s, e in
                             self._segments()]).astype(float)
        return np.stack([values[s:e].sum(axis=0) for s, e in self._segments()])

    def row_dot(self, values: np.ndarray, by_base: np.ndarray) -> np.ndarray:
        """Each row of ``values`` dotted with its baseline's row of ``by_base``."""
        if len(self.base_starts) > 32:
            return np.einsum("ij,ij->i", values, by_base[self.base_code])
        out = np.empty(values.shape[0])
        for k, (start, end) in enumerate(self._segments()):
            np.dot(values[start:end], by_base[k], out=out[start:end])
        return out

    def clusters_by_base(self, cells: np.ndarray) -> np.ndarray:
        """Distinct clusters with a true cell, per baseline and period."""
        starts, base_runs = self.cluster_runs  # type: ignore[misc]
        any_in_run = np.logical_or.reduceat(cells, starts, axis=0)
        return np.add.reduceat(np.where(any_in_run, 1.0, 0.0), base_runs, axis=0)


@dataclass(frozen=True)
class HorizonEstimate:
    """One effect or placebo (unnormalised): the estimate, its influence function, counts."""

    estimate: float
    influence: np.ndarray        # per group (rows of Prepared)
    switchers: int
    switchers_weighted: float
    observations: int
    delta: float                 # average cumulated treatment change (normalisation)
    dose_change: float           # average treatment change at the horizon (average total effect)
    counted: np.ndarray          # cells used, (groups, periods) booleans


def _accumulate(values: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op.accumulate`` along the periods, one column at a time (faster for few periods)."""
    out = values.copy()
    for t in range(1, out.shape[1]):
        op(out[:, t - 1], out[:, t], out=out[:, t])
    return out


def _prev_observed(obs: np.ndarray) -> np.ndarray:
    """Column index of each cell's previous observed cell in its row (-1: none)."""
    last = _accumulate(np.where(obs, np.arange(obs.shape[1])[None, :], -1), np.maximum)
    prev = np.full_like(last, -1)
    prev[:, 1:] = last[:, :-1]
    return prev


def _first_changes(d: np.ndarray, obs: np.ndarray):
    n_g, n_t = d.shape
    rows = np.arange(n_g)
    baseline = d[rows, np.argmax(obs, axis=1)]
    prev = _prev_observed(obs)
    prev_d = np.where(prev >= 0, d[rows[:, None], np.maximum(prev, 0)], np.nan)
    changed = obs & (prev >= 0) & (d != prev_d)
    has_change = changed.any(axis=1)
    col = np.argmax(changed, axis=1)
    first_change = np.where(has_change, col + 1.0, np.inf)
    last_col = n_t - 1 - np.argmax(obs[:, ::-1], axis=1)
    span = np.where(has_change, last_col - col + 1.0, 0.0)
    direction = np.where(has_change, np.sign(d[rows, col] - prev_d[rows, col]), 0.0)
    treat_at_change = np.where(has_change, d[rows, col], np.nan)
    return baseline, first_change, span, direction, treat_at_change


def prepare(grid: Grid, keep_both_sides: bool = False) -> Prepared:
    """Baseline, first change, direction; the reference package's sample rules.

    1. cells after a group's treatment has been both above and below its baseline are dropped
       (unless ``keep_both_sides``);
    2. baselines whose groups all change treatment at the same period (or never) are dropped;
    3. (period, baseline) cells without any group whose treatment has not changed yet are
       dropped.

    Groups whose outcome is never observed are left out first.
    """
    has_outcome = ~np.isnan(grid.outcome).all(axis=1)
    if not has_outcome.all():
        rows = np.flatnonzero(has_outcome)
        if rows.size == 0:
            raise NoComparison(())
        inner = prepare(Grid(grid.outcome[rows], grid.treatment[rows], grid.weight[rows],
                             None if grid.cluster is None else grid.cluster[rows],
                             None if grid.controls is None else grid.controls[rows]),
                        keep_both_sides)
        return replace(inner, keep=rows[inner.keep],
                       units_without_outcome=int(has_outcome.size - rows.size))
    y, d, w = grid.outcome, grid.treatment, grid.weight
    n_t = d.shape[1]
    obs = ~np.isnan(d)
    baseline, first_change, span, direction, treat_at_change = _first_changes(d, obs)
    dropped_both = 0
    if not keep_both_sides:
        above = _accumulate(obs & (d > baseline[:, None]), np.logical_or)
        below = _accumulate(obs & (d < baseline[:, None]), np.logical_or)
        both = above & below & obs
        dropped_both = int(both.sum())
        obs &= ~both

    values, base_code = np.unique(baseline, return_inverse=True)
    f_zero = np.where(np.isfinite(first_change), first_change, 0.0)
    f_min = np.full(len(values), np.inf)
    f_max = np.full(len(values), -np.inf)
    np.minimum.at(f_min, base_code, f_zero)
    np.maximum.at(f_max, base_code, f_zero)
    good = f_max > f_min
    per_base = np.bincount(base_code, minlength=len(values))
    baselines_dropped = tuple((float(v), int(n)) for v, n in
                              zip(values[~good], per_base[~good], strict=True))
    sel = np.flatnonzero(good[base_code])
    if sel.size == 0:
        raise NoComparison(baselines_dropped)
    cluster = None if grid.cluster is None else grid.cluster[sel]
    keys = (base_code[sel],) if cluster is None else (cluster, base_code[sel])
    sel = sel[np.lexsort(keys)]
    cluster = None if grid.cluster is None else grid.cluster[sel]

    obs = obs[sel]
    baseline, first_change = baseline[sel], first_change[sel]
    direction, treat_at_change, span = direction[sel], treat_at_change[sel], span[sel]
    values, base_code = np.unique(baseline, return_inverse=True)
    base_starts = np.flatnonzero(np.r_[True, base_code[1:] != base_code[:-1]])
    periods = np.arange(1, n_t + 1)
    # (period, baseline) cells without a group whose treatment has not changed yet
    stayer = obs & (first_change[:, None] > periods[None, :])
    has_stayer = np.logical_or.reduceat(stayer, base_starts, axis=0)
    lacking = np.logical_or.reduceat(obs, base_starts, axis=0) & ~has_stayer
    cells_without = tuple((int(t) + 1, float(values[b])) for b, t in zip(*np.nonzero(lacking),
                                                                          strict=True))
    obs &= has_stayer[base_code]

    yk, dk = y[sel], d[sel]
    y_out = np.where(obs, yk, np.nan)
    d_out = np.where(obs, dk, np.nan)
    w_out = np.where(obs & ~np.isnan(yk), w[sel], 0.0)  # weights are finite
    f_trunc = np.where(np.isfinite(first_change), first_change, n_t + 1.0)
    last_by_base = np.maximum.reduceat(f_trunc, base_starts) - 1.0
    switcher = np.isfinite(first_change)
    cohort = np.full(sel.size, -1, dtype=np.int64)
    if switcher.any():
        _, at_change = np.unique(treat_at_change[switcher], return_inverse=True)
        key = ((base_code[switcher] * (n_t + 1) + first_change[switcher].astype(np.int64))
               * (int(at_change.max()) + 1) + at_change.ravel())
        cohort[switcher] = np.unique(key, return_inverse=True)[1].ravel()
    runs = _cluster_runs(base_code, cluster)
    cumulated = _accumulate(np.where(obs, d_out - baseline[:, None], 0.0), np.add)
    x = (None if grid.controls is None
         else np.where(obs[:, :, None], grid.controls[sel], np.nan))
    return Prepared(y=y_out, d=d_out, w=w_out, keep=sel, baseline=baseline, base_code=base_code,
                    base_starts=base_starts, first_change=first_change, direction=direction,
                    cohort=cohort, last_with_stayer=last_by_base[base_code],
                    last_by_base=last_by_base, span=span, cumulated=cumulated,
                    cluster=cluster, cluster_runs=runs, cells_dropped_both_sides=dropped_both,
                    baselines_dropped=baselines_dropped, cells_without_stayer=cells_without,
                    x=x)


def _cluster_runs(base_code: np.ndarray, cluster: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Starts of the runs of (baseline, cluster) rows, and the first run of each baseline."""
    if cluster is None:
        return None
    new_run = np.r_[True, (base_code[1:] != base_code[:-1]) | (cluster[1:] != cluster[:-1])]
    starts = np.flatnonzero(new_run)
    run_base = base_code[starts]
    return starts, np.flatnonzero(np.r_[True, run_base[1:] != run_base[:-1]])


def with_linear_trends(p: Prepared) -> Prepared:
    """The sample of the estimators with group-specific linear trends (the reference's
    ``trends_lin``): groups whose first change is in the second period are left out, the
    outcome (and the controls) are first-differenced and the first period is dropped."""
    rows = np.flatnonzero(p.first_change != 2)
    base_values, base_code = np.unique(p.base_code[rows], return_inverse=True)
    base_starts = np.flatnonzero(np.r_[True, base_code[1:] != base_code[:-1]])
    f_trunc = np.where(np.isfinite(p.first_change[rows]), p.first_change[rows],
                       p.y.shape[1] + 1.0)
    last_by_base = np.maximum.reduceat(f_trunc, base_starts) - 1.0
    y = np.full_like(p.y[rows], np.nan)
    y[:, 1:] = p.y[rows, 1:] - p.y[rows, :-1]
    d = p.d[rows].copy()
    d[:, 0] = np.nan
    w = np.where(np.isnan(y), 0.0, p.w[rows])
    x = None
    if p.x is not None:
        x = np.full_like(p.x[rows], np.nan)
        x[:, 1:] = p.x[rows, 1:] - p.x[rows, :-1]
    cluster = None if p.cluster is None else p.cluster[rows]
    return replace(p, y=y, d=d, w=w, x=x, keep=p.keep[rows], baseline=p.baseline[rows],
                   base_code=base_code, base_starts=base_starts,
                   first_change=p.first_change[rows], direction=p.direction[rows],
                   cohort=p.cohort[rows], last_with_stayer=last_by_base[base_code],
                   last_by_base=last_by_base, span=p.span[rows], cumulated=p.cumulated[rows],
                   cluster=cluster, cluster_runs=_cluster_runs(base_code, cluster))


def _lagged_difference(y: np.ndarray, lag: int, placebo: bool) -> np.ndarray:
    """Effect: ``Y_t - Y_{t-lag}``; placebo: ``Y_{t-2 lag} - Y_{t-lag}`` (``NaN`` off-grid)."""
    out = np.full_like(y, np.nan)
    if placebo:
        if 2 * lag < y.shape[1]:
            np.subtract(y[:, :-2 * lag], y[:, lag:-lag], out=out[:, 2 * lag:])
    elif lag < y.shape[1]:
        np.subtract(y[:, lag:], y[:, :-lag], out=out[:, lag:])
    return out


def _not_changed_yet(p: Prepared, valid: np.ndarray, only_never: bool) -> np.ndarray:
    periods = np.arange(1, p.y.shape[1] + 1)[None, :]
    never = valid & (p.first_change[:, None] > periods)
    if only_never:
        never &= ~np.isfinite(p.first_change)[:, None]
    return never


def _target(p: Prepared, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's cell ``F_g - 1 + lag`` (0-based column) and whether it is on the grid."""
    target = p.first_change - 1 + lag
    inside = np.isfinite(target) & (target >= 1) & (target <= p.y.shape[1])
    return inside, np.where(inside, target, 1).astype(np.int64) - 1


def same_switchers_flag(p: Prepared, n_effects: int, n_placebos: int, only_never: bool
                        ) -> np.ndarray:
    """Switchers for which every effect 1..n_effects (and placebo 1..n_placebos) is estimable."""
    n_t = p.y.shape[1]
    rows = np.arange(p.y.shape[0])
    flag = np.isfinite(p.first_change) & (p.first_change - 1 + n_effects <= p.last_with_stayer)
    for lag in list(range(1, n_effects + 1)) + [-q for q in range(1, n_placebos + 1)]:
        diff = np.full_like(p.y, np.nan)
        if 0 < lag < n_t:
            diff[:, lag:] = p.y[:, lag:] - p.y[:, :-lag]
        elif 0 < -lag < n_t:
            diff[:, :lag] = p.y[:, :lag] - p.y[:, -lag:]
        valid = ~np.isnan(diff)
        pool = p.by_base(np.where(_not_changed_yet(p, valid, only_never), p.w, 0.0))
        inside, col = _target(p, lag)
        flag &= inside & (pool[p.base_code, col] > 0) & valid[rows, col]
    return flag


def estimate_horizon(p: Prepared, lag: int, *, placebo: bool, directions: tuple[int, ...],
                     only_never: bool, eligible: np.ndarray | None,
                     controls: ControlFit | None = None) -> HorizonEstimate | None:
    """Effect ``lag`` (or placebo ``lag``) pooled over switchers in and out, unnormalised.

    Returns ``None`` when no switcher reaches the horizon. ``eligible`` restricts the
    switchers (same-switchers option); ``controls``: outcome changes net of the controls'.
    """
    y, w, b = p.y, p.w, p.base_code
    n_g, n_t = y.shape
    rows = np.arange(n_g)
    diff = _lagged_difference(y, lag, placebo)
    valid = ~np.isnan(diff)
    dx_lag = None
    if controls is not None:
        dx_lag = lagged_controls(p.x, lag, placebo)
        diff -= np.einsum("gtj,gj->gt", dx_lag, controls.theta[b])
    diff0 = np.where(np.isnan(diff), 0.0, diff)
    del diff
    never = _not_changed_yet(p, valid, only_never)
    weighted = np.where(never, w, 0.0)          # N_{g,t} of the comparison cells
    weighted_diff = weighted * diff0
    n_control = p.by_base(weighted)
    inside, col = _target(p, lag)
    base_ok = inside & (p.span >= lag) & (n_control[b, col] > 0) & valid[rows, col]
    if placebo:
        base_ok &= ~np.isnan(y[rows, col])
    if eligible is not None:
        base_ok &= eligible
    w_target, diff_target = w[rows, col], diff0[rows, col]
    shared = VarianceInputs.build(p, lag, never, weighted, weighted_diff, n_control)

    counted = valid & (diff0 == 0)
    passes = []
    for sign in directions:
        idx = np.flatnonzero(base_ok & (p.direction == sign))
        if idx.size == 0:
            continue
        n_weighted = float(w_target[idx].sum())
        safe_n = max(n_weighted, 1e-10)
        n_treated = np.bincount(b[idx] * n_t + col[idx], weights=w_target[idx],
                                minlength=n_control.size).reshape(n_control.shape)
        ratio = np.divide(n_treated, n_control, out=np.zeros_like(n_control),
                          where=n_control > 0)
        influence = -p.row_dot(weighted_diff, ratio)
        influence[idx] += w_target[idx] * diff_target[idx]
        influence *= n_g / safe_n
        estimate = float(influence.sum() / n_g)
        used = shared.control_cells & (ratio != 0)[b]
        used[idx, col[idx]] |= w_target[idx] != 0
        counted |= used
        del used
        total_w = w_target[idx].sum()
        delta = (float((w_target[idx] * sign * p.cumulated[idx, col[idx]]).sum() / total_w)
                 if total_w > 0 else np.nan)
        dose = float((w_target[idx] * sign * (p.d[idx, col[idx]] - p.baseline[idx])).sum()
                     / safe_n)
        var_influence = variance_influence(p, shared, idx, col[idx], w_target[idx],
                                           diff_target[idx], ratio, n_g / safe_n)
        if controls is not None:
            var_influence -= control_correction(p, controls, dx_lag, lag, weighted, ratio, idx,
                                                col[idx], w_target[idx], safe_n)
        passes.append((sign, idx.size, safe_n, estimate, delta, dose, var_influence))

    if not passes:
        return None
    total = sum(pa[2] for pa in passes)
    shares = [pa[2] / total for pa in passes]
    return HorizonEstimate(
        estimate=sum(s * pa[0] * pa[3] for s, pa in zip(shares, passes, strict=True)),
        influence=sum(s * pa[0] * pa[6] for s, pa in zip(shares, passes, strict=True)),
        switchers=sum(pa[1] for pa in passes), switchers_weighted=total,
        observations=int(counted.sum()),
        delta=sum(s * pa[4] for s, pa in zip(shares, passes, strict=True)),
        dose_change=sum(s * pa[5] for s, pa in zip(shares, passes, strict=True)),
        counted=counted)


def cumulated_horizon(p: Prepared, lag: int, *, placebo: bool, directions: tuple[int, ...],
                      only_never: bool, controls: ControlFit | None = None
                      ) -> HorizonEstimate | None:
    """With linear trends: effect (placebo) ``lag`` is the sum of the effects (placebos)
    1..lag on the first-differenced outcome, all from the switchers that reach ``lag``; each
    direction of change enters only if it has switchers at every step."""
    eligible = same_switchers_flag(p, lag, lag if placebo else 0, only_never)
    parts = []
    for sign in directions:
        steps = [estimate_horizon(p, k, placebo=placebo, directions=(sign,),
                                  only_never=only_never, eligible=eligible, controls=controls)
                 for k in range(1, lag + 1)]
        if all(step is not None for step in steps):
            parts.append((sum(s.estimate for s in steps), sum(s.influence for s in steps),
                          steps[-1]))
    if not parts:
        return None
    total = sum(last.switchers_weighted for _, _, last in parts)
    shares = [last.switchers_weighted / total for _, _, last in parts]
    counted = np.logical_or.reduce([last.counted for _, _, last in parts])
    return HorizonEstimate(
        estimate=sum(s * e for s, (e, _, _) in zip(shares, parts, strict=True)),
        influence=sum(s * i for s, (_, i, _) in zip(shares, parts, strict=True)),
        switchers=sum(last.switchers for _, _, last in parts), switchers_weighted=total,
        observations=int(counted.sum()),
        delta=sum(s * last.delta for s, (_, _, last) in zip(shares, parts, strict=True)),
        dose_change=sum(s * last.dose_change for s, (_, _, last) in zip(shares, parts,
                                                                        strict=True)),
        counted=counted)
