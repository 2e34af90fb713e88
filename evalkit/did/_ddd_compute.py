"""Numerics of the triple-difference estimators (pure numpy).

Units are sorted by (enabling group, eligibility), so that each of the four subgroups
of a comparison is a contiguous slice of the unit axis:

- subgroup 4: eligible units of the enabling group g (the treated),
- subgroup 3: ineligible units of g,
- subgroup 2: eligible units of the comparison group c,
- subgroup 1: ineligible units of c.

A DDD cell is the sum of three two-group DiDs of subgroup 4, against 3 and 2, minus
the one against 1 (Ortiz-Villavicencio & Sant'Anna 2025, eq. 3.5 for the doubly robust
version). Each DiD is the panel estimator of Sant'Anna & Zhao (2020) (R ``DRDID``'s
``drdid_panel``, ``reg_did_panel``, ``std_ipw_did_panel``): the propensity score of
subgroup 4 against the comparison subgroup by logit, the outcome regression of the
outcome change on the comparison subgroup by least squares, both on the covariates of
the base period. Influence functions are returned on the whole sample scale: for unit
i, ``psi_i = n * phi_i`` with ``att_hat - att = (1/n) sum psi_i + o_p(n^-1/2)``.

Fits that share a design (the same two subgroups and the same covariate values) are
computed once and reused by every period (the propensity scores and the inverse
Gram matrices of the outcome regressions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

from evalkit.did._cs_attgt import _rc_2x2  # the repeated cross-section 2x2s of R's DRDID

__all__ = ["TRIM_LEVEL", "Layout", "CellPlan", "DDDFit", "plan_cells", "estimate_cells",
           "estimate_cells_unbalanced", "ComparisonError"]

TRIM_LEVEL = 0.995  # comparison units with a propensity score at least this get no weight
_PS_CLIP = 1 - 1e-6
_MAX_ITER = 50


class ComparisonError(Exception):
    """A two-group comparison that cannot be estimated; the caller names the cell."""


@dataclass(frozen=True)
class Layout:
    """Where each (group, eligibility) subgroup lies on the sorted unit axis.

    ``start[j, q]`` and ``stop[j, q]`` bound the units of group ``groups[j]`` with
    eligibility ``q`` (0 or 1); ``groups`` are the enabling groups in increasing order,
    ``inf`` the never-enabled ones last.
    """

    groups: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def slice(self, group: int, eligible: int) -> slice:
        return slice(int(self.start[group, eligible]), int(self.stop[group, eligible]))

    def size(self, group: int, eligible: int) -> int:
        return int(self.stop[group, eligible] - self.start[group, eligible])


@dataclass
class CellPlan:
    """The ATT(g,t) cells: group index, period index, base period index, and the
    comparison groups (indices) of each; plus the reference cells (universal base)."""

    cohorts: list[int] = field(default_factory=list)
    periods: list[int] = field(default_factory=list)
    bases: list[int] = field(default_factory=list)
    comparisons: list[tuple[int, ...]] = field(default_factory=list)
    reference: list[tuple[int, int]] = field(default_factory=list)


def plan_cells(period_values: np.ndarray, groups: np.ndarray, treated: np.ndarray, *,
               base_period: str, control_group: str) -> CellPlan:
    """Cells of R ``triplediff::ddd`` with multiple periods.

    ``groups`` are the enabling groups (``inf`` never), ``treated`` the indices of those
    that get cells. Post-treatment cells (t >= g) compare t with the last period before
    g; pre-treatment cells compare t with t - 1 (``"varying"``) or with the last period
    before g (``"universal"``, whose own cell is the reference).
    """
    plan = CellPlan()
    n_periods = period_values.size
    for j in treated:
        g = groups[j]
        before = np.flatnonzero(period_values < g)
        last_before = int(before[-1])
        first = 1 if base_period == "varying" else 0
        for t in range(first, n_periods):
            base = last_before if (base_period == "universal" or period_values[t] >= g) else t - 1
            if base == t:
                plan.reference.append((int(j), t))
                continue
            latest = period_values[max(t, base)]
            if control_group == "never_treated":
                comparison = tuple(int(c) for c in np.flatnonzero(np.isinf(groups)))
            else:
                comparison = tuple(int(c) for c in np.flatnonzero(groups > latest) if c != j)
            if not comparison:
                continue
            plan.cohorts.append(int(j))
            plan.periods.append(t)
            plan.bases.append(base)
            plan.comparisons.append(comparison)
    return plan


# ============================================================================ nuisances
def _logit(x_treat: np.ndarray, x_comp: np.ndarray, w_treat: np.ndarray,
           w_comp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted logit of 1{treated} on [treated; comparison] (covariates by row).

    Returns the fitted scores of the treated and of the comparison units and the inverse
    of the information matrix ``(X' diag(w p (1-p)) X)^-1`` (R's ``vcov(glm)``).
    """
    p1 = x_treat.shape[0]
    beta = np.zeros(p1)
    total_t, total_c = w_treat.sum(), w_comp.sum()
    beta[0] = np.log(total_t / total_c)
    for _ in range(_MAX_ITER):
        pt = expit(beta @ x_treat)
        pc = expit(beta @ x_comp)
        grad = x_treat @ (w_treat * (1 - pt)) - x_comp @ (w_comp * pc)
        vt, vc = w_treat * pt * (1 - pt), w_comp * pc * (1 - pc)
        info = (x_treat * vt) @ x_treat.T + (x_comp * vc) @ x_comp.T
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError as err:
            raise ComparisonError("the propensity score's design is singular") from err
        beta = beta + step
        if np.max(np.abs(step)) <= 1e-10 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise ComparisonError("the propensity score did not converge (perfect separation "
                              "of the two subgroups by the covariates?)")
    pt = expit(beta @ x_treat)
    pc = expit(beta @ x_comp)
    vt, vc = w_treat * pt * (1 - pt), w_comp * pc * (1 - pc)
    info = (x_treat * vt) @ x_treat.T + (x_comp * vc) @ x_comp.T
    if not np.all(np.isfinite(beta)) or np.linalg.cond(info) > 1e14:
        raise ComparisonError("the propensity score's information matrix is singular "
                              "(perfect separation of the two subgroups by the covariates?)")
    return np.minimum(pt, _PS_CLIP), np.minimum(pc, _PS_CLIP), np.linalg.inv(info)


@dataclass
class _Design:
    """What a comparison (subgroup 4 against one subgroup, at one base period) reuses."""

    x_treat: np.ndarray  # p1 x n4, intercept first
    x_comp: np.ndarray  # p1 x nk
    w_treat: np.ndarray
    w_comp: np.ndarray
    w_control: np.ndarray  # the comparison units' weights in the DiD (odds, trimmed)
    ps_treat_term: np.ndarray | None = None  # w (1 - p) of the treated
    ps_comp_term: np.ndarray | None = None  # w p of the comparison units
    info_inverse: np.ndarray | None = None
    gram_inverse: np.ndarray | None = None  # (X_k' W_k X_k)^-1
    or_shift: np.ndarray | None = None  # (X_k' W_k X_k)^-1 (m1 / S_t - m3 / S_c)
    trimmed: int = 0


def _design(x_treat, x_comp, w_treat, w_comp, method: str) -> _Design:
    if method == "outcome_regression":
        d = _Design(x_treat, x_comp, w_treat, w_comp, w_control=w_comp)
    else:
        ps_treat, ps_comp, info_inverse = _logit(x_treat, x_comp, w_treat, w_comp)
        w_control = np.where(ps_comp < TRIM_LEVEL, w_comp * ps_comp / (1 - ps_comp), 0.0)
        d = _Design(x_treat, x_comp, w_treat, w_comp, w_control=w_control,
                    ps_treat_term=w_treat * (1 - ps_treat), ps_comp_term=w_comp * ps_comp,
                    info_inverse=info_inverse,
                    trimmed=int(np.count_nonzero(ps_comp >= TRIM_LEVEL)))
    if d.w_control.sum() <= 0:
        raise ComparisonError("no comparison unit is left with weight after trimming")
    if method != "inverse_probability":
        gram = (x_comp * w_comp) @ x_comp.T
        if np.linalg.cond(gram) > 1e14:
            raise ComparisonError("the outcome regression's design is singular (a covariate "
                                  "is constant among the comparison units)")
        d.gram_inverse = np.linalg.inv(gram)
        d.or_shift = d.gram_inverse @ (x_treat @ w_treat / w_treat.sum()
                                       - x_comp @ d.w_control / d.w_control.sum())
    return d


def _rows(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``coefficients @ x`` for a few rows of x, without BLAS (small, memory bound)."""
    out = coefficients[0] * x[0]
    for k in range(1, x.shape[0]):
        out += coefficients[k] * x[k]
    return out


def _did(d: _Design, dy_treat: np.ndarray, dy_comp: np.ndarray
         ) -> tuple[float, np.ndarray, np.ndarray]:
    """One two-group DiD and ``phi`` (the influence function over n) of its units."""
    wt, wc = d.w_treat, d.w_control
    if d.gram_inverse is not None:
        beta = d.gram_inverse @ (d.x_comp @ (d.w_comp * dy_comp))
        r_treat = dy_treat - _rows(beta, d.x_treat)
        r_comp = dy_comp - _rows(beta, d.x_comp)
    else:
        r_treat, r_comp = dy_treat, dy_comp
    s_t, s_c = wt.sum(), wc.sum()
    att_t = float(np.sum(wt * r_treat)) / s_t
    att_c = float(np.sum(wc * r_comp)) / s_c
    e_comp = r_comp - att_c
    phi_t = wt * (r_treat - att_t) / s_t
    phi_c = wc * e_comp
    if d.info_inverse is not None:
        a = d.info_inverse @ (d.x_comp @ phi_c) / s_c
        phi_t -= d.ps_treat_term * _rows(a, d.x_treat)
        phi_c -= d.ps_comp_term * (s_c * _rows(a, d.x_comp))
    phi_c /= -s_c
    if d.or_shift is not None:
        phi_c -= (d.w_comp * r_comp) * _rows(d.or_shift, d.x_comp)
    return att_t - att_c, phi_t, phi_c


# ============================================================================ cells
@dataclass
class DDDFit:
    """ATT(g,t), the influence functions (cells x units) and what the notes report."""

    att: np.ndarray
    psi: np.ndarray
    trimmed: int
    gmm_cells: int
    comparisons: dict[tuple[int, int], float]  # (cell, comparison group) -> DDD
    gmm_std_error: np.ndarray  # R's GMM standard error of pooled cells (NaN elsewhere)


def estimate_cells(*args, **kwargs) -> DDDFit:
    """Estimate every cell of a plan (see :func:`_estimate_cells`), with BLAS on one thread:
    the products here are small and memory bound, and BLAS threads only wait for cores."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _estimate_cells(*args, **kwargs)


def _estimate_cells(outcome: np.ndarray, covariates: np.ndarray | None, weights: np.ndarray,
                   layout: Layout, plan: CellPlan, *, method: str, psi: np.ndarray,
                   describe) -> DDDFit:
    """Estimate every cell of ``plan`` into ``psi`` (cells x units, zero-filled).

    ``outcome`` is periods x units; ``covariates`` periods x p x units (one period when
    they do not vary) or None; ``weights`` per unit, mean one. ``describe(cell, group)``
    names a comparison in error messages.
    """
    n = outcome.shape[1]
    ones = None
    designs: dict[tuple, _Design] = {}
    att = np.empty(len(plan.cohorts))
    trimmed = 0
    gmm_cells = 0
    ddd_by_comparison: dict[tuple[int, int], float] = {}
    gmm_se = np.full(len(plan.cohorts), np.nan)

    def x_of(sl: slice, base: int) -> np.ndarray:
        if covariates is None:
            return np.ones((1, sl.stop - sl.start))
        period = base if covariates.shape[0] > 1 else 0
        return np.vstack([np.ones((1, sl.stop - sl.start)), covariates[period][:, sl]])

    for cell, (j, t, base, comps) in enumerate(zip(plan.cohorts, plan.periods, plan.bases,
                                                   plan.comparisons, strict=True)):
        key_base = base if covariates is not None and covariates.shape[0] > 1 else -1
        treat = layout.slice(j, 1)
        dy_treat = outcome[t, treat] - outcome[base, treat]
        columns, estimates = [], []
        for c in comps:
            column = np.zeros(n) if len(comps) > 1 else psi[cell]
            total = 0.0
            for sign, (grp, q) in ((1.0, (j, 0)), (1.0, (c, 1)), (-1.0, (c, 0))):
                other = layout.slice(grp, q)
                key = (j, grp, q, key_base)
                d = designs.get(key)
                try:
                    if d is None:
                        d = _design(x_of(treat, base), x_of(other, base), weights[treat],
                                    weights[other], method)
                        designs[key] = d
                        trimmed += d.trimmed
                    dy_other = outcome[t, other] - outcome[base, other]
                    value, phi_t, phi_o = _did(d, dy_treat, dy_other)
                except ComparisonError as err:
                    raise ComparisonError(f"{describe(cell, c, grp, q)}: {err}") from None
                total += sign * value
                column[treat] += sign * n * phi_t
                column[other] += sign * n * phi_o
            columns.append(column)
            estimates.append(total)
            ddd_by_comparison[(cell, c)] = total
        if len(comps) == 1:
            att[cell] = estimates[0]
            continue
        # optimal GMM combination of the comparison groups (their eq. 4.11)
        gmm_cells += 1
        stacked = np.column_stack(columns)
        omega = np.atleast_2d(np.cov(stacked, rowvar=False))
        inverse = np.linalg.pinv(omega)
        ones = np.ones(len(comps))
        w = inverse @ ones / (ones @ inverse @ ones)
        att[cell] = float(w @ np.array(estimates))
        psi[cell] = stacked @ w
        gmm_se[cell] = np.sqrt(1.0 / (n * inverse.sum()))
    return DDDFit(att=att, psi=psi, trimmed=trimmed, gmm_cells=gmm_cells,
                  comparisons=ddd_by_comparison, gmm_std_error=gmm_se)


# ============================================================================ unbalanced
def estimate_cells_unbalanced(y: np.ndarray, period: np.ndarray, unit: np.ndarray,
                              subgroup: np.ndarray, covariates: np.ndarray | None,
                              weights: np.ndarray, plan: CellPlan, *, method: str,
                              psi: np.ndarray, label, names: tuple[str, ...]) -> DDDFit:
    """Every cell of ``plan`` from the observations of an unbalanced panel.

    Each of the three DiDs of a cell uses the observations of its two subgroups in the
    two periods as repeated cross-sections (R ``triplediff``'s ``ddd_rc``, with the
    estimators of ``DRDID``'s ``reg_did_rc``, ``std_ipw_did_rc`` and ``drdid_rc``); the
    influence functions of a unit's observations are summed (R's
    ``allow_unbalanced_panel=TRUE``). Per observation: outcome ``y``, period index
    ``period``, unit position ``unit``, ``subgroup`` = 2 * group index + eligibility of
    its unit, ``covariates`` (p x rows) and ``weights``. ``label(cell)`` names a cell.
    """
    n_units = psi.shape[1]
    by_period = [np.flatnonzero(period == t) for t in range(int(period.max()) + 1)]
    att = np.empty(len(plan.cohorts))
    trimmed = 0
    gmm_cells = 0
    ddd_by_comparison: dict[tuple[int, int], float] = {}
    gmm_se = np.full(len(plan.cohorts), np.nan)
    for cell, (j, t, base, comps) in enumerate(zip(plan.cohorts, plan.periods, plan.bases,
                                                   plan.comparisons, strict=True)):
        rows_all = np.concatenate([by_period[t], by_period[base]])
        columns, estimates = [], []
        for c in comps:
            column = np.zeros(n_units) if len(comps) > 1 else psi[cell]
            total = 0.0
            for sign, other in ((1.0, 2 * j), (1.0, 2 * c + 1), (-1.0, 2 * c)):
                rows = rows_all[(subgroup[rows_all] == 2 * j + 1) | (subgroup[rows_all] == other)]
                d = (subgroup[rows] == 2 * j + 1).astype(float)
                post = (period[rows] == t).astype(float)
                x = np.ones((rows.size, 1)) if covariates is None else np.column_stack(
                    [np.ones(rows.size), covariates[:, rows].T])
                value, inf, cut, _ = _rc_2x2(method, y[rows], post, d, x, weights[rows],
                                             label(cell), names)
                trimmed += int(cut)
                total += sign * value
                column += np.bincount(unit[rows], weights=sign * (n_units / rows.size) * inf,
                                      minlength=n_units)
            columns.append(column)
            estimates.append(total)
            ddd_by_comparison[(cell, c)] = total
        if len(comps) == 1:
            att[cell] = estimates[0]
            continue
        gmm_cells += 1
        stacked = np.column_stack(columns)
        inverse = np.linalg.pinv(np.atleast_2d(np.cov(stacked, rowvar=False)))
        ones = np.ones(len(comps))
        w = inverse @ ones / (ones @ inverse @ ones)
        att[cell] = float(w @ np.array(estimates))
        psi[cell] = stacked @ w
        gmm_se[cell] = np.sqrt(1.0 / (n_units * inverse.sum()))
    return DDDFit(att=att, psi=psi, trimmed=trimmed, gmm_cells=gmm_cells,
                  comparisons=ddd_by_comparison, gmm_std_error=gmm_se)
