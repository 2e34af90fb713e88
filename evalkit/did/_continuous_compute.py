"""Numerics of difference-in-differences with a continuous dose (pure numpy).

Units are held sorted by a code: ``0 .. K-1`` the treated cohorts (in the order of their
first treated period), ``K`` the units never treated. Each cell ``(g, t)`` compares the
change of the outcome from its base period ``b`` to ``t`` of cohort ``g`` with that of its
comparison units; among the cohort's units the change is regressed on a B-spline in
the dose. Every estimate is asymptotically linear; its influence function on the ``n``
units (scaled so that the estimate less its target is ``(1/n) sum_i psi_i``) gives the
analytic variance and the multiplier bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evalkit.did._continuous_spline import spline_basis

__all__ = ["Design", "Cells", "CohortFit", "plan_cells", "fit_cells", "aggregate",
           "Curves", "dose_curves"]


@dataclass
class Design:
    """The balanced panel as arrays: ``y`` is ``n x T``, units sorted by ``code``."""

    y: np.ndarray
    starts: np.ndarray  # K + 2 boundaries of each code's rows
    dose: np.ndarray  # per unit (0 for the never treated)
    cohort_position: np.ndarray  # K positions of the cohorts on the period grid

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_cohorts(self) -> int:
        return int(self.cohort_position.size)

    def rows(self, code: int) -> slice:
        return slice(int(self.starts[code]), int(self.starts[code + 1]))

    def size(self, code: int) -> int:
        return int(self.starts[code + 1] - self.starts[code])


@dataclass
class Cells:
    """The group-time cells: their cohort, period, base period and comparison units."""

    cohort: np.ndarray  # code of the cohort
    period: np.ndarray  # position of t
    base: np.ndarray  # position of the base period
    event: np.ndarray  # t - g (positions)
    control: np.ndarray  # cells x (K + 1): which codes are comparison units
    n_control: np.ndarray = field(default_factory=lambda: np.zeros(0))
    control_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    att: np.ndarray = field(default_factory=lambda: np.zeros(0))
    acrt: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def size(self) -> int:
        return int(self.cohort.size)

    def of(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.cohort == code)


def plan_cells(design: Design, n_periods: int, *, control_group: str, base_period: str,
               anticipation: int) -> tuple[Cells, list[tuple[int, int]]]:
    """Every cell with a base period in the panel; the cells without comparison units are
    returned apart (cohort code, period position)."""
    k = design.n_cohorts
    cohort, period, base = [], [], []
    for code, g in enumerate(design.cohort_position):
        main_base = int(g) - anticipation - 1
        for t in range(n_periods):
            if base_period == "varying":
                b = t - 1 if t < g - anticipation else main_base
            else:
                b = main_base
                if t == b:
                    continue
            if b < 0 or t == b:
                continue
            cohort.append(code)
            period.append(t)
            base.append(b)
    cohort_a = np.asarray(cohort, dtype=np.int64)
    period_a = np.asarray(period, dtype=np.int64)
    base_a = np.asarray(base, dtype=np.int64)
    control = np.zeros((cohort_a.size, k + 1), dtype=bool)
    control[:, k] = design.size(k) > 0
    if control_group == "not_yet_treated":
        latest = np.maximum(period_a, base_a) + anticipation
        later = design.cohort_position[None, :] > latest[:, None]
        later[np.arange(cohort_a.size), cohort_a] = False
        control[:, :k] = later
    sizes = np.diff(design.starts)
    n_control = control.astype(float) @ sizes
    empty = n_control == 0
    dropped = [(int(c), int(t)) for c, t in zip(cohort_a[empty], period_a[empty], strict=True)]
    keep = ~empty
    cells = Cells(cohort=cohort_a[keep], period=period_a[keep], base=base_a[keep],
                  event=period_a[keep] - design.cohort_position[cohort_a[keep]],
                  control=control[keep], n_control=n_control[keep])
    return cells, dropped


@dataclass
class CohortFit:
    """One cohort's cells: outcome changes and, with a spline, its regression on the dose."""

    cells: np.ndarray  # indices of the cohort's cells
    dy: np.ndarray  # n_g x cells
    interior: np.ndarray = field(default_factory=lambda: np.zeros(0))
    low: float = 0.0
    high: float = 0.0
    x: np.ndarray | None = None  # n_g x k: intercept and basis
    bread: np.ndarray | None = None  # (X'X / n_g)^-1
    coef: np.ndarray | None = None  # k x cells
    resid: np.ndarray | None = None  # n_g x cells
    slope_rows: np.ndarray | None = None  # n_g x k: derivative of the basis (0 intercept)


def fit_cells(design: Design, cells: Cells, *, degree: int, knots: np.ndarray | None
              ) -> list[CohortFit]:
    """Comparison means, binary ATT and (with ``knots`` not None) the spline fits."""
    totals = np.stack([design.y[design.rows(h)].sum(axis=0)
                       for h in range(design.n_cohorts + 1)])  # codes x T
    changes = totals[:, cells.period] - totals[:, cells.base]  # codes x cells
    cells.control_mean = (cells.control.T * changes).sum(axis=0) / cells.n_control
    cells.att = np.zeros(cells.size)
    cells.acrt = np.full(cells.size, np.nan)
    fits = []
    for code in range(design.n_cohorts):
        own = cells.of(code)
        y = design.y[design.rows(code)]
        dy = y[:, cells.period[own]] - y[:, cells.base[own]]
        cells.att[own] = dy.mean(axis=0) - cells.control_mean[own]
        fit = CohortFit(cells=own, dy=dy)
        if knots is not None and own.size:
            dose = design.dose[design.rows(code)]
            fit.low, fit.high = float(dose.min()), float(dose.max())
            fit.interior = knots[(knots > fit.low) & (knots < fit.high)]
            basis = spline_basis(dose, fit.interior, fit.low, fit.high, degree)
            x = np.column_stack([np.ones(dose.size), basis])
            slope_rows = np.column_stack([
                np.zeros(dose.size),
                spline_basis(dose, fit.interior, fit.low, fit.high, degree, derivative=True)])
            gram = x.T @ x / dose.size
            fit.bread = np.linalg.inv(gram)
            fit.x, fit.slope_rows = x, slope_rows
            fit.coef = fit.bread @ (x.T @ dy) / dose.size
            fit.resid = dy - x @ fit.coef
            cells.acrt[own] = slope_rows.mean(axis=0) @ fit.coef
        fits.append(fit)
    return fits


def _deviations(fit: CohortFit, cells: Cells, slope: bool) -> np.ndarray:
    """Per unit of the cohort and cell: the cell estimate's influence, unscaled."""
    if not slope:
        return fit.dy - fit.dy.mean(axis=0)
    z = fit.x @ (fit.bread @ fit.slope_rows.mean(axis=0))
    return (fit.slope_rows @ fit.coef - cells.acrt[fit.cells]) + fit.resid * z[:, None]


def cohort_shares(design: Design, cells: Cells, weights: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Which cohorts each output uses (K x O) and its number of treated units (O)."""
    used = np.zeros((design.n_cohorts, weights.shape[1]), dtype=bool)
    for code in range(design.n_cohorts):
        used[code] = weights[cells.of(code)].sum(axis=0) > 0
    sizes = np.diff(design.starts)[:design.n_cohorts].astype(float)
    return used, sizes @ used


def aggregate(design: Design, cells: Cells, fits: list[CohortFit], weights: np.ndarray,
              *, slope: bool) -> tuple[np.ndarray, np.ndarray]:
    """Outputs ``sum_g p_g sum_c v_c theta_c`` and their influence functions (n x O).

    ``weights`` (cells x O) holds each output's ``v_c``, summing to one over the cells of
    each cohort it uses; a cohort's share ``p_g`` is its number of units over that of the
    cohorts the output uses (estimated: its influence enters too).
    """
    n = design.n
    estimate = cells.acrt if slope else cells.att
    used, treated = cohort_shares(design, cells, weights)
    treated_safe = np.where(treated > 0, treated, 1.0)
    sizes = np.diff(design.starts)[:design.n_cohorts].astype(float)
    share = sizes[:, None] * used / treated_safe
    by_cohort = np.zeros((design.n_cohorts, weights.shape[1]))
    for code in range(design.n_cohorts):
        own = cells.of(code)
        by_cohort[code] = np.nan_to_num(estimate[own]) @ weights[own]
    theta = (share * by_cohort).sum(axis=0)
    psi = np.zeros((n, weights.shape[1]))
    for code, fit in enumerate(fits):
        if not used[code].any():
            continue
        own = weights[fit.cells]
        psi[design.rows(code)] = (n / treated_safe) * (
            _deviations(fit, cells, slope) @ own + (by_cohort[code] - theta) * used[code])
    if not slope:
        psi += control_influence(design, cells, share[cells.cohort] * weights)
    return theta, psi


def control_influence(design: Design, cells: Cells, cell_weights: np.ndarray) -> np.ndarray:
    """The comparison means' part of the influence of ``sum_c W_c ATT_c`` (n x O)."""
    n, n_periods = design.y.shape
    factor = (n / cells.n_control)[:, None] * cell_weights  # cells x O
    move = np.zeros((cells.size, n_periods))
    move[np.arange(cells.size), cells.period] -= 1.0
    move[np.arange(cells.size), cells.base] += 1.0
    psi = np.zeros((n, cell_weights.shape[1]))
    for code in range(design.n_cohorts + 1):
        among = cells.control[:, code]
        if not among.any() or design.size(code) == 0:
            continue
        slope = move[among].T @ factor[among]  # T x O
        const = (cells.control_mean[among, None] * factor[among]).sum(axis=0)
        psi[design.rows(code)] = design.y[design.rows(code)] @ slope + const
    return psi


@dataclass
class Curves:
    """ATT(d) and ACRT(d) on a grid, with analytic variances and bootstrap draws."""

    att: np.ndarray
    acrt: np.ndarray
    att_variance: np.ndarray
    acrt_variance: np.ndarray
    att_draws: np.ndarray | None = None
    acrt_draws: np.ndarray | None = None


def dose_curves(design: Design, cells: Cells, fits: list[CohortFit], weights: np.ndarray,
                control_psi: np.ndarray, grid: np.ndarray, degree: int,
                draw=None) -> Curves:
    """The dose aggregation of the cells' curves at ``grid`` (``weights``: cells x 1).

    The influence of ATT(d) on unit i of cohort g is ``f_i . H_g(d) + c_i + kappa_g(d)``:
    ``f_i`` the regression's part (k numbers), ``c_i`` the comparison means' part (the
    same as for ATT^o), ``kappa_g`` the cohort share's part; ACRT(d) has no ``c_i``.
    Variances and bootstrap draws are computed from these factors, cohort by cohort,
    never from an n x grid matrix.
    """
    n = design.n
    used, treated = cohort_shares(design, cells, weights)
    total = float(treated[0])
    sizes = np.diff(design.starts)[:design.n_cohorts].astype(float)
    level_g, slope_g, bases = [], [], []
    for fit in fits:
        v = weights[fit.cells, 0]
        rows = np.column_stack([np.ones(grid.size),
                                spline_basis(grid, fit.interior, fit.low, fit.high, degree)])
        slopes = np.column_stack([np.zeros(grid.size), spline_basis(
            grid, fit.interior, fit.low, fit.high, degree, derivative=True)])
        beta = fit.coef @ v
        level_g.append(rows @ beta - cells.control_mean[fit.cells] @ v)
        slope_g.append(slopes @ beta)
        bases.append((rows, slopes))
    share = np.where(used[:, 0], sizes / total, 0.0)
    att = share @ np.array(level_g)
    acrt = share @ np.array(slope_g)
    att_sum = np.zeros(grid.size)
    acrt_sum = np.zeros(grid.size)
    att_draws = acrt_draws = None
    for code in range(design.n_cohorts + 1):
        c = control_psi[design.rows(code), 0]
        treated_code = code < design.n_cohorts and used[code, 0]
        if treated_code:
            fit = fits[code]
            factor = (n / total) * (fit.resid @ weights[fit.cells, 0])[:, None] * (
                fit.x @ fit.bread)
            kappa_att = (n / total) * (level_g[code] - att)
            kappa_acrt = (n / total) * (slope_g[code] - acrt)
            rows, slopes = bases[code]
            ff, fc, fs = factor.T @ factor, factor.T @ c, factor.sum(axis=0)
            count = design.size(code)
            att_sum += (np.einsum("gk,kl,gl->g", rows, ff, rows) + 2 * rows @ fc + c @ c
                        + 2 * kappa_att * (rows @ fs + c.sum()) + count * kappa_att ** 2)
            acrt_sum += (np.einsum("gk,kl,gl->g", slopes, ff, slopes)
                         + 2 * kappa_acrt * (slopes @ fs) + count * kappa_acrt ** 2)
        else:
            att_sum += c @ c
        if draw is not None and design.size(code):
            if treated_code:
                scores = np.column_stack([factor, c, np.ones(c.size)]).T
                d = draw(scores)  # draws x (k + 2), already divided by n
                k = factor.shape[1]
                part_att = d[:, :k] @ rows.T + d[:, [k]] + d[:, [k + 1]] * kappa_att
                part_acrt = d[:, :k] @ slopes.T + d[:, [k + 1]] * kappa_acrt
            else:
                d = draw(c[None, :])
                part_att = np.repeat(d, grid.size, axis=1)
                part_acrt = 0.0
            att_draws = part_att if att_draws is None else att_draws + part_att
            acrt_draws = part_acrt if acrt_draws is None else acrt_draws + part_acrt
    if isinstance(acrt_draws, float):
        acrt_draws = None
    return Curves(att=att, acrt=acrt, att_variance=att_sum / n ** 2,
                  acrt_variance=acrt_sum / n ** 2, att_draws=att_draws, acrt_draws=acrt_draws)
