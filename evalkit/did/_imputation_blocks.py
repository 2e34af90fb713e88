r"""The imputation estimator of Borusyak, Jaravel & Spiess (2024) on a panel held by an engine.

The same numbers as :mod:`evalkit.did._imputation_compute` (to rounding), read from an
:class:`~evalkit.data.unit_blocks.EnginePanel` in three passes of
:meth:`~evalkit.data.unit_blocks.EnginePanel.map_blocks` over blocks of whole units. Every
pass returns sums whose size depends on the number of periods ``T`` (and, with a
cluster column, on the number of clusters), never on the number of units:

1. *design*: per unit, the weights :math:`W_i` of its untreated cells; summed over units,
   the Gram blocks of the period effects and slopes once the unit effects are
   eliminated (:class:`~evalkit.did._imputation_compute.ReducedSystem`: the unit-demeaned
   untreated cells), the right-hand sides of the step-1 fit and of the lead indicators
   of the pre-trend test, and the counts of the sample. The ``T x T`` system then gives
   the period effects and slopes of step 1, and the leads residualised on the effects;
2. *effects*: per unit, its effect :math:`\hat\alpha_i` (closed form, given the period
   effects) and so its residuals and imputed effects; summed by event time, the treated
   weights, the weighted effects, the right-hand sides of the implicit-weight systems
   :math:`v = -W_0 Z_0 (Z_0'W_0 Z_0)^{-1} Z_1'w` of every event-time average, the sums
   of the leave-out averages (by cohort and event time; with a cluster column, by
   cluster, cohort and event time, clusters coded by
   :attr:`~evalkit.data.unit_blocks.EnginePanel.cluster_labels` so that a cluster's
   sums add up across blocks) and the Gram matrix and right-hand side of the pre-trend
   test's leads. The estimates, the leave-out averages and the lead coefficients
   follow, and the implicit-weight systems are solved;
3. *scores*: per unit, the BJS (Theorem 3) score :math:`\sum_t v_{it}\tilde\varepsilon_{it}`
   of every estimand (and the pre-trend test's raw scores); clustered by unit, their
   cross-products summed over units; by a cluster column, their sums per cluster.

Clustered by unit, the variance needs only :math:`\sum_i S_i S_i'`: the results then carry,
as their ``scores``, a square factor :math:`R` with :math:`R'R = \sum_i S_i S_i'` (every
covariance the estimator reports is such a cross-product). A cluster column must be
constant within unit (checked by the engine); any other clustering is refused by the
caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import linalg

from evalkit.data.unit_blocks import EnginePanel, UnitBlock, sum_blocks
from evalkit.did import _imputation_compute as compute
from evalkit.did._imputation_compute import (
    SINGLE_CLUSTER_SHARE,
    EffectEstimates,
    Grouping,
    LeadEstimates,
    ReducedSystem,
    _full_rank_prefix,
    _times,
)
from evalkit.errors import EstimationError

__all__ = ["BlockDesign", "PendingEffects", "PendingLeads", "prepare", "available_effect_times",
           "available_lead_count", "identified_lead_count", "estimate_effects", "estimate_leads",
           "with_scores"]

_SINGULAR = 1e-12  # a pivot or eigenvalue below this share of the largest variance is zero


# ---------------------------------------------------------------------------- what blocks get
@dataclass(frozen=True)
class _Setup:
    """What every block function needs to lay out a block (small, sent to the workers)."""

    periods: np.ndarray
    anticipation: int
    n_covariates: int
    by_unit: bool      # clusters are the units; else the panel's cluster column
    n_clusters: int    # the number of cluster labels (cluster column only)
    with_leads: bool   # prepare the pre-trend test

    @property
    def n_periods(self) -> int:
        return int(self.periods.size)

    @property
    def n_leads(self) -> int:
        """Leads that can exist: 1 .. T - 1 - anticipation periods before treatment
        (none when the pre-trend test is not asked for)."""
        return max(self.n_periods - 1 - self.anticipation, 0) if self.with_leads else 0

    @property
    def n_event_times(self) -> int:
        """Event times that an imputed cell can have: -anticipation .. T - 2 - anticipation."""
        return self.n_periods - 1


@dataclass(frozen=True)
class _Fit:
    """Step 1 and the leads residualised on the effects (from pass 1)."""

    active: np.ndarray        # T: periods with untreated cells
    period_effect: np.ndarray  # T
    slopes: np.ndarray         # q
    lead_period: np.ndarray    # T x L
    lead_slopes: np.ndarray    # q x L


@dataclass(frozen=True)
class _Scoring:
    """The estimands whose scores pass 3 computes."""

    columns: np.ndarray       # J: event-time positions (event time + anticipation)
    totals: np.ndarray        # J: treated weight of each
    period: np.ndarray        # T x J: implicit-weight systems' period effects
    slopes: np.ndarray        # q x J
    average: np.ndarray       # J x T: leave-out average by cohort position (by unit)
    denominator: np.ndarray   # J x T: sum of squared cluster weights by cohort position
    gamma: np.ndarray         # P: lead coefficients (P = 0 without the pre-trend test)


def _cohort_positions(periods: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """Each unit's first treated period as a position among the periods (NaN: never).

    The convention of :meth:`Panel.event_time`: with equally spaced periods,
    ``ceil((G - first) / step)``; otherwise the position among the observed periods,
    ``-1`` when treated before the first one.
    """
    steps = np.diff(periods)
    if periods.size > 1 and np.allclose(steps, steps[0]):
        position = (cohort - periods[0]) / steps[0]
        return np.where(np.isnan(position), np.nan, np.ceil(position - 1e-9))
    position = np.searchsorted(periods, cohort).astype(float)
    position[cohort < periods[0]] = -1.0
    position[np.isnan(cohort)] = np.nan
    return position


class _Cells:
    """A block on the ``units x periods`` grid, as the in-memory estimator lays out a panel."""

    def __init__(self, block: UnitBlock, setup: _Setup) -> None:
        n_periods, a = setup.n_periods, setup.anticipation
        self.position = _cohort_positions(setup.periods, np.asarray(block.cohort, dtype=float))
        self.has_cohort = ~np.isnan(self.position)
        observed = np.ascontiguousarray(block.observed.T)
        with np.errstate(invalid="ignore"):
            not_yet = np.arange(n_periods, dtype=float)[None, :] < (self.position - a)[:, None]
        untreated = (~self.has_cohort)[:, None] | not_yet
        self.treated = ~untreated & observed
        self.untreated = untreated & observed
        del untreated, not_yet
        if block.weights is None:
            self.weight = observed.astype(float)
        else:
            self.weight = np.where(observed, block.weights.T, 0.0)
        self.w0 = np.where(self.untreated, self.weight, 0.0)
        self.unit_weight = self.w0.sum(axis=1)
        self.kept = self.unit_weight > 0
        self.safe_weight = np.where(self.kept, self.unit_weight, 1.0)
        self.y = np.where(observed, block.outcome.T, 0.0)
        q = setup.n_covariates
        self.covariates = tuple(np.where(observed, block.covariates[k].T, 0.0)  # type: ignore[index]
                                for k in range(q))
        self.unit_x = (np.column_stack([(self.w0 * x).sum(axis=1) for x in self.covariates])
                       if q else np.zeros((self.y.shape[0], 0)))
        self._anticipation = a
        self._leads: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def lead_cells(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, columns and weights of lead ``j`` (0 = one period before the window):
        the untreated cells of treated units ``j + 1`` periods before it."""
        if j not in self._leads:
            with np.errstate(invalid="ignore"):
                column = self.position - self._anticipation - (j + 1)
                rows = np.flatnonzero(column >= 0)  # NaN (never treated) compares False
            cols = column[rows].astype(np.intp)
            keep = self.untreated[rows, cols]
            rows, cols = rows[keep], cols[keep]
            self._leads[j] = (rows, cols, self.w0[rows, cols])
        return self._leads[j]

    def lead_weights(self, count: int) -> np.ndarray:
        """``n x count``: each unit's weight at leads ``0 .. count-1`` (0 without the cell)."""
        out = np.zeros((self.n, count))
        for j in range(count):
            rows, _, w = self.lead_cells(j)
            out[rows, j] = w
        return out

    def per_unit_leads(self, count: int) -> np.ndarray:
        """``n x count``: each unit's weight at leads ``0 .. count-1``, divided by its W."""
        return self.lead_weights(count) / self.safe_weight[:, None]

    def reduced_rhs(self, per_unit: np.ndarray, r_period: np.ndarray, r_cov: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """The block's share of the reduced right-hand sides (unit part eliminated)."""
        return r_period - self.w0.T @ per_unit, r_cov - self.unit_x.T @ per_unit

    def unit_effects(self, per_unit: np.ndarray, period: np.ndarray, slopes: np.ndarray
                     ) -> np.ndarray:
        """Unit effects given the period effects and slopes (as the in-memory solver)."""
        fitted = _times(self.w0, period)
        if self.covariates:
            fitted += _times(self.unit_x, slopes)
        fitted /= self.safe_weight[:, None]
        unit = np.subtract(per_unit, fitted, order="C")
        unit[~self.kept] = 0.0
        return unit

    def step_one(self, fit: _Fit) -> tuple[np.ndarray, np.ndarray]:
        """Residuals of the observed cells (imputed effects on treated ones), and w0 times them."""
        per_unit = ((self.w0 * self.y).sum(axis=1) / self.safe_weight)[:, None]
        unit = self.unit_effects(per_unit, fit.period_effect[:, None], fit.slopes[:, None])[:, 0]
        residual = np.subtract(self.y, unit[:, None])
        residual -= fit.period_effect[None, :]
        for g, x in zip(fit.slopes, self.covariates, strict=True):
            residual -= g * x
        return residual, self.w0 * residual

    def lead_units(self, fit: _Fit, count: int) -> np.ndarray:
        """Unit effects of the leads' systems (``n x count``)."""
        return self.unit_effects(self.per_unit_leads(count), fit.lead_period[:, :count],
                                 fit.lead_slopes[:, :count])


# ---------------------------------------------------------------------------- pass 1: design
def _design_sums(block: UnitBlock, setup: _Setup) -> dict[str, Any]:
    """Gram blocks, step-1 and lead right-hand sides, counts (one block)."""
    c = _Cells(block, setup)
    n_periods, n_leads, q = setup.n_periods, setup.n_leads, setup.n_covariates
    w0 = c.w0
    out: dict[str, Any] = {}
    out["period_weight"] = w0.sum(axis=0)
    out["cross"] = (w0 / c.safe_weight[:, None]).T @ w0
    gram_tx = np.zeros((n_periods, q))
    gram_xx = np.zeros((q, q))
    demeaned = [x - (c.unit_x[:, k] / c.safe_weight)[:, None] for k, x in enumerate(c.covariates)]
    for k, d in enumerate(demeaned):
        gram_tx[:, k] = (w0 * d).sum(axis=0)
        wd = w0 * d
        for m in range(k, q):
            gram_xx[k, m] = gram_xx[m, k] = float((wd * demeaned[m]).sum())
    out["gram_tx"], out["gram_xx"] = gram_tx, gram_xx
    block_weight = float(c.unit_weight.sum())
    x_sum = c.unit_x.sum(axis=0)
    mean = x_sum / block_weight if block_weight > 0 else np.zeros(q)
    out["x_spread"] = (block_weight, x_sum,
                       np.array([float((w0 * (x - mean[k]) ** 2).sum())
                                 for k, x in enumerate(c.covariates)]))
    # step 1: the outcome's right-hand sides
    wy = w0 * c.y
    per_unit = (wy.sum(axis=1) / c.safe_weight)[:, None]
    r_cov = np.array([float((w0 * x * c.y).sum()) for x in c.covariates]).reshape(-1, 1)
    s_period, s_cov = c.reduced_rhs(per_unit, wy.sum(axis=0)[:, None], r_cov)
    out["y_period"], out["y_cov"] = s_period[:, 0], s_cov[:, 0]
    # the leads' right-hand sides
    r_period = np.zeros((n_periods, n_leads))
    r_cov = np.zeros((q, n_leads))
    lead_total = np.zeros(n_leads)
    for j in range(n_leads):
        rows, cols, w = c.lead_cells(j)
        r_period[:, j] = np.bincount(cols, weights=w, minlength=n_periods)
        for k, x in enumerate(c.covariates):
            r_cov[k, j] = float(w @ x[rows, cols])
        lead_total[j] = w.sum()
    out["lead_period"], out["lead_cov"] = c.reduced_rhs(c.per_unit_leads(n_leads), r_period, r_cov)
    out["lead_total"] = lead_total
    # the sample
    kept, treated = c.kept, c.treated
    ever = treated.any(axis=1)
    out["counts"] = np.array([
        (c.has_cohort & c.untreated.any(axis=1)).sum(),  # treated units with a pre-period
        c.untreated.sum(), kept.sum(), (~kept & ever).sum(), (kept & ever).sum()], dtype=float)
    out["treated_by_period"] = treated[kept].sum(axis=0).astype(float)
    if not setup.by_unit:
        out["cluster_units"] = np.bincount(block.cluster[kept],  # type: ignore[index]
                                           minlength=setup.n_clusters).astype(float)
    return out


def _treated_units(block: UnitBlock, setup: _Setup, active: np.ndarray) -> dict[str, np.ndarray]:
    """Units with a treated cell that has a unit effect and a period effect (one block)."""
    c = _Cells(block, setup)
    imputed = c.treated & c.kept[:, None] & active[None, :]
    return {"units": np.array([imputed.any(axis=1).sum()], dtype=float)}


# ---------------------------------------------------------------------------- pass 2: effects
def _effect_sums(block: UnitBlock, setup: _Setup, fit: _Fit) -> dict[str, Any]:
    """Sums by event time of the imputed effects, their systems and leave-out pieces."""
    c = _Cells(block, setup)
    n_periods, n_times, n_leads = setup.n_periods, setup.n_event_times, setup.n_leads
    a = setup.anticipation
    residual, wr = c.step_one(fit)
    imputed = c.treated & c.kept[:, None] & fit.active[None, :]
    out: dict[str, Any] = {"treated_units": np.array([imputed.any(axis=1).sum()], dtype=float)}
    rows, cols = np.nonzero(imputed)
    del imputed
    column = (cols - c.position[rows] + a).astype(np.intp)  # event time + anticipation
    w = c.weight[rows, cols]
    effect = residual[rows, cols]
    out["count"] = np.bincount(column, minlength=n_times).astype(float)
    out["total"] = np.bincount(column, weights=w, minlength=n_times)
    out["weighted_effect"] = np.bincount(column, weights=w * effect, minlength=n_times)
    per_unit = np.zeros((c.n, n_times))
    per_unit[rows, column] = w / c.safe_weight[rows]
    r_period = np.bincount(cols * n_times + column, weights=w,
                           minlength=n_periods * n_times).reshape(n_periods, n_times)
    r_cov = np.array([np.bincount(column, weights=w * x[rows, cols], minlength=n_times)
                      for x in c.covariates]).reshape(len(c.covariates), n_times)
    out["effect_period"], out["effect_cov"] = c.reduced_rhs(per_unit, r_period, r_cov)
    del per_unit
    cohort = c.position[rows].astype(np.intp)
    if setup.by_unit:  # each unit is its own cluster: one cell per unit and event time
        key = column * n_periods + cohort
        size = n_times * n_periods
        squared = w * w
        out["denominator"] = np.bincount(key, weights=squared, minlength=size)
        out["numerator"] = np.bincount(key, weights=squared * effect, minlength=size)
        largest = np.zeros(size)
        np.maximum.at(largest, key, squared)
        out["largest"] = largest
    else:
        key = (block.cluster[rows].astype(np.int64) * n_times + column) * n_periods + cohort  # type: ignore[index]
        keys, inverse = np.unique(key, return_inverse=True)
        out["cluster_cells"] = (keys, np.bincount(inverse, weights=w),
                                np.bincount(inverse, weights=w * effect))
    # the pre-trend test: Gram of the residualised leads, pieces of its right-hand side
    # gram[j, l] = sum of w over lead j's cells, minus that of w times lead l's fit there
    weights = c.lead_weights(n_leads)
    unit = c.unit_effects(weights / c.safe_weight[:, None], fit.lead_period, fit.lead_slopes)
    by_period = np.zeros((n_leads, n_periods))
    by_covariate = np.zeros((n_leads, setup.n_covariates))
    cell_residual = np.zeros(n_leads)
    for j in range(n_leads):
        lead_rows, lead_cols, lead_w = c.lead_cells(j)
        by_period[j] = np.bincount(lead_cols, weights=lead_w, minlength=n_periods)
        for k, x in enumerate(c.covariates):
            by_covariate[j, k] = float(lead_w @ x[lead_rows, lead_cols])
        cell_residual[j] = float(wr[lead_rows, lead_cols].sum())
    out["lead_gram"] = (np.diag(weights.sum(axis=0)) - weights.T @ unit
                        - by_period @ fit.lead_period - by_covariate @ fit.lead_slopes)
    out["lead_cell_residual"] = cell_residual
    out["lead_unit_residual"] = unit.T @ wr.sum(axis=1)
    out["residual_period"] = wr.sum(axis=0)
    out["residual_cov"] = np.array([float((wr * x).sum()) for x in c.covariates])
    return out


# ---------------------------------------------------------------------------- pass 3: scores
def _score_sums(block: UnitBlock, setup: _Setup, fit: _Fit, scoring: _Scoring
                ) -> dict[str, np.ndarray]:
    """Each unit's scores of every estimand: their cross-products, or sums by cluster."""
    c = _Cells(block, setup)
    residual, wr = c.step_one(fit)
    # untreated cells: -w0 (alpha_v + beta_v + X gamma_v) e, the unit term vanishing
    scores = _untreated_scores(c, wr, scoring.period, scoring.slopes)
    if setup.by_unit:  # treated cells: w / total times the leave-out residual
        target = np.full(setup.n_event_times, -1, dtype=np.intp)
        target[scoring.columns] = np.arange(scoring.columns.size)
        rows, cols = np.nonzero(c.treated & c.kept[:, None] & fit.active[None, :])
        j = target[(cols - c.position[rows] + setup.anticipation).astype(np.intp)]
        keep = j >= 0
        rows, cols, j = rows[keep], cols[keep], j[keep]
        w = c.weight[rows, cols]
        cohort = c.position[rows].astype(np.intp)
        denominator = scoring.denominator[j, cohort]
        factor = denominator / (denominator - w * w)
        resid = (residual[rows, cols] - scoring.average[j, cohort]) * factor
        scores[rows, j] += w / scoring.totals[j] * resid  # one cell per unit and estimand
    count = scoring.gamma.size
    if count:
        scores = np.hstack([scores, _lead_scores(c, wr, fit, scoring.gamma)])
    if setup.by_unit:
        return {"cross": scores.T @ scores}
    codes = block.cluster
    return {"clusters": np.column_stack([
        np.bincount(codes, weights=scores[:, j], minlength=setup.n_clusters)  # type: ignore[arg-type]
        for j in range(scores.shape[1])]).reshape(setup.n_clusters, scores.shape[1])}


def _untreated_scores(c: _Cells, weighted_residual: np.ndarray, period: np.ndarray,
                      slopes: np.ndarray) -> np.ndarray:
    per_unit = _times(weighted_residual, -period)
    if c.covariates:
        unit_x = np.column_stack([(weighted_residual * x).sum(axis=1) for x in c.covariates])
        per_unit -= _times(unit_x, slopes)
    return per_unit


def _lead_scores(c: _Cells, wr: np.ndarray, fit: _Fit, gamma: np.ndarray) -> np.ndarray:
    """Raw scores of the pre-trend test's leads (before the inverse of their Gram matrix)."""
    count = gamma.size
    unit = c.lead_units(fit, count)
    period, slopes = fit.lead_period[:, :count], fit.lead_slopes[:, :count]
    # w0 * residuals of the test regression: w0 (eps - L gamma + Z theta_L gamma)
    test_wr = np.add((unit @ gamma)[:, None], (period @ gamma)[None, :])
    for g, x in zip(slopes @ gamma, c.covariates, strict=True):
        test_wr += g * x
    test_wr *= c.w0
    test_wr += wr
    for j in range(count):
        rows, cols, w = c.lead_cells(j)
        test_wr[rows, cols] -= w * gamma[j]
    raw = _untreated_scores(c, test_wr, period, slopes)
    for j in range(count):
        rows, cols, _ = c.lead_cells(j)
        raw[rows, j] += test_wr[rows, cols]
    return raw


# ---------------------------------------------------------------------------- the design
@dataclass
class BlockDesign:
    """The fitted model of untreated outcomes and the sums every estimand reuses."""

    panel: EnginePanel
    setup: _Setup
    fit: _Fit
    system: ReducedSystem
    sums: dict[str, np.ndarray]
    cluster_cells: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    untreated_cells: int
    treated_units: int
    dropped_units: int
    dropped_cells: int
    kept_units: int
    n_clusters: int
    lead_rhs: np.ndarray

    @property
    def anticipation(self) -> int:
        return self.setup.anticipation


def _gather(panel: EnginePanel, function: Any, *args: Any, apart: tuple[str, ...] = ()
            ) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Sums over blocks, key by key; the keys in ``apart`` are listed block by block."""
    results = panel.map_blocks(function, *args)
    kept = {key: [r[key] for r in results if key in r] for key in apart}
    summed = sum_blocks([{k: v for k, v in r.items() if k not in apart} for r in results])
    return summed, kept


def _spread(parts: list[tuple[float, np.ndarray, np.ndarray]], q: int) -> np.ndarray:
    """Weighted sums of squares around the overall mean, from each block's (Chan et al.)."""
    total = sum(p[0] for p in parts)
    mean = sum(p[1] for p in parts) / total if q else np.zeros(0)
    out = np.zeros(q)
    for weight, x_sum, m2 in parts:
        out += m2
        if weight > 0:
            out += weight * (x_sum / weight - mean) ** 2
    return out


def prepare(panel: EnginePanel, anticipation: int, cluster: str, *, leads: bool = True
            ) -> BlockDesign:
    """Steps 1 and 2 on an engine's panel: passes 1 and 2 (see the module docstring).

    ``cluster`` is the panel's unit or its cluster column; ``leads=False`` skips what
    only the pre-trend test needs (no lead is then available). Raises the errors of
    :func:`evalkit.did.imputation._check_pre_periods` and
    :func:`evalkit.did._imputation_compute.prepare`, in the same order.
    """
    by_unit = cluster == panel.unit
    labels = panel.cluster_labels
    setup = _Setup(periods=panel.periods, anticipation=int(anticipation),
                   n_covariates=len(panel.covariates), by_unit=by_unit,
                   n_clusters=0 if by_unit or labels is None else int(labels.size),
                   with_leads=leads)
    sums, apart = _gather(panel, _design_sums, setup, apart=("x_spread",))
    has_pre, untreated_cells, kept_units, dropped_units, imputable = (
        int(v) for v in sums["counts"])
    if has_pre == 0:
        raise compute.no_pre_period_error(anticipation)
    no_period = sums["period_weight"] <= 0
    if imputable == 0:
        raise compute.no_imputed_cell_error(anticipation)
    q = setup.n_covariates
    gram_tt = np.diag(sums["period_weight"]) - sums["cross"]
    system = ReducedSystem(gram_tt, sums["gram_tx"], sums["gram_xx"],
                           _spread(apart["x_spread"], q), ~no_period)
    fe_ok, all_ok = system.identified()
    if no_period.any() and not (fe_ok and all_ok):
        # which error comes first depends on the exact count of imputable units
        counted, _ = _gather(panel, _treated_units, setup, ~no_period)
        if counted["units"][0] == 0:
            raise compute.no_imputed_cell_error(anticipation)
    compute.check_identified(system, panel.covariates)

    period, slopes = system.solve(sums["y_period"][:, None], sums["y_cov"][:, None])
    lead_period, lead_slopes = system.solve(sums["lead_period"], sums["lead_cov"])
    fit = _Fit(active=~no_period, period_effect=period[:, 0], slopes=slopes[:, 0],
               lead_period=lead_period, lead_slopes=lead_slopes)
    effects, apart = _gather(panel, _effect_sums, setup, fit, apart=("cluster_cells",))
    treated_units = int(effects["treated_units"][0])
    if treated_units == 0:
        raise compute.no_imputed_cell_error(anticipation)
    dropped_cells = int(sums["treated_by_period"][no_period].sum()) if no_period.any() else 0
    if by_unit:
        n_clusters = kept_units
        cluster_cells = None
    else:
        n_clusters = int((sums["cluster_units"] > 0).sum())
        cluster_cells = _add_keyed(apart["cluster_cells"])
    lead_rhs = (effects["lead_cell_residual"]
                - (effects["lead_unit_residual"] + lead_period.T @ effects["residual_period"]))
    for k in range(q):
        lead_rhs -= lead_slopes[k] * effects["residual_cov"][k]
    effects["lead_gram"] = (effects["lead_gram"] + effects["lead_gram"].T) / 2
    return BlockDesign(panel=panel, setup=setup, fit=fit, system=system,
                       sums={**effects, "lead_total": sums["lead_total"]},
                       cluster_cells=cluster_cells, untreated_cells=untreated_cells,
                       treated_units=treated_units, dropped_units=dropped_units,
                       dropped_cells=dropped_cells, kept_units=kept_units,
                       n_clusters=n_clusters, lead_rhs=lead_rhs)


def _add_keyed(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add up sums keyed by (cluster, event time, cohort) that several blocks hold."""
    keys = np.concatenate([p[0] for p in parts])
    unique, inverse = np.unique(keys, return_inverse=True)
    return (unique, np.bincount(inverse, weights=np.concatenate([p[1] for p in parts])),
            np.bincount(inverse, weights=np.concatenate([p[2] for p in parts])))


def available_effect_times(design: BlockDesign) -> list[int]:
    """Event times (>= -anticipation) with at least one imputed treated cell, sorted."""
    a = design.anticipation
    return [int(column) - a for column in np.flatnonzero(design.sums["total"] > 0)]


def available_lead_count(design: BlockDesign) -> int:
    """Number of consecutive leads 1, 2, ... that have untreated observations."""
    present = design.sums["lead_total"] > 0
    return int(np.argmin(present)) if not present.all() else int(present.size)


def identified_lead_count(design: BlockDesign, available: int) -> int:
    """Largest number of leads (1..available) that the test regression identifies."""
    if available == 0:
        return 0
    return _full_rank_prefix(design.sums["lead_gram"][:available, :available])


# ---------------------------------------------------------------------------- estimands
@dataclass(frozen=True)
class PendingEffects:
    """Event-time averages whose scores pass 3 has yet to compute."""

    event_times: tuple[int, ...]
    estimates: np.ndarray
    weight_totals: np.ndarray
    cell_counts: np.ndarray
    scoring: _Scoring
    treated_scores: np.ndarray | None  # clusters x J, with a cluster column


@dataclass(frozen=True)
class PendingLeads:
    """Pre-trend test coefficients whose scores pass 3 has yet to compute."""

    leads: LeadEstimates  # with empty scores
    inverse_gram: np.ndarray


def estimate_effects(design: BlockDesign, event_times: list[int] | tuple[int, ...],
                     grouping: Grouping) -> PendingEffects:
    """Average imputed effect at each event time; the leave-out averages of its residuals."""
    setup, sums = design.setup, design.sums
    n_periods, n_times, a = setup.n_periods, setup.n_event_times, setup.anticipation
    n_targets = len(event_times)
    columns = np.array([int(e) + a for e in event_times], dtype=np.intp)
    totals = np.zeros(n_targets)
    estimates = np.zeros(n_targets)
    average = np.zeros((n_targets, n_periods))
    denominator = np.zeros((n_targets, n_periods))
    treated_scores = None if setup.by_unit else np.zeros((setup.n_clusters, n_targets))
    for j, (e, column) in enumerate(zip(event_times, columns, strict=True)):
        total = float(sums["total"][column]) if 0 <= column < n_times else 0.0
        if total <= 0:
            raise EstimationError(f"No treated observation at event time {e}.")
        totals[j] = total
        estimates[j] = float(sums["weighted_effect"][column]) / total
        if setup.by_unit:
            average[j], denominator[j] = _unit_leave_out(design, int(column), grouping, int(e))
        else:
            treated_scores[:, j] = _cluster_leave_out(  # type: ignore[index]
                design, int(column), grouping, int(e)) / total
    period, slopes = design.system.solve(sums["effect_period"][:, columns] / totals,
                                         sums["effect_cov"][:, columns] / totals)
    counts = sums["count"][columns].astype(np.int64)
    scoring = _Scoring(columns=columns, totals=totals, period=period, slopes=slopes,
                       average=average, denominator=denominator, gamma=np.zeros(0))
    return PendingEffects(tuple(int(e) for e in event_times), estimates, totals, counts, scoring,
                          treated_scores)


def _unit_leave_out(design: BlockDesign, column: int, grouping: Grouping, event_time: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Leave-out averages and denominators by cohort position, each unit its own cluster."""
    n_periods = design.setup.n_periods
    part = slice(column * n_periods, (column + 1) * n_periods)
    denominator = design.sums["denominator"][part]
    numerator = design.sums["numerator"][part]
    largest = design.sums["largest"][part]
    if grouping == "event_time":
        present = denominator > 0
        denominator = np.where(present, denominator.sum(), 0.0)
        numerator = np.where(present, numerator.sum(), 0.0)
        largest = np.where(present, largest.max(), 0.0)
    alone = largest > SINGLE_CLUSTER_SHARE * denominator
    if alone.any():
        raise compute.single_cluster_error(design.setup.periods[np.flatnonzero(alone)], grouping,
                                           event_time)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1),
                           0.0)
    return average, denominator


def _cluster_leave_out(design: BlockDesign, column: int, grouping: Grouping, event_time: int
                       ) -> np.ndarray:
    r"""Treated cells' part of each cluster's score, times the event time's treated weight.

    :math:`\sum_{g} f_{cg} (P_{cg} - \bar\tau_g \Omega_{cg})` with :math:`\Omega_{cg}` and
    :math:`P_{cg}` the cluster's weight and weighted effects in group :math:`g`, the
    leave-out average :math:`\bar\tau_g` and factor :math:`f_{cg}` of
    :func:`evalkit.did._imputation_compute._leave_out_residuals`.
    """
    setup = design.setup
    n_periods, n_times = setup.n_periods, setup.n_event_times
    keys, omega, weighted = design.cluster_cells  # type: ignore[misc]
    cohort = keys % n_periods
    rest = keys // n_periods
    at = (rest % n_times) == column
    cluster = rest[at] // n_times
    cohort, omega, weighted = cohort[at], omega[at], weighted[at]
    if grouping == "event_time":
        cluster, inverse = np.unique(cluster, return_inverse=True)
        omega = np.bincount(inverse, weights=omega)
        weighted = np.bincount(inverse, weights=weighted)
        group = np.zeros(cluster.size, dtype=np.intp)
    else:
        group = cohort.astype(np.intp)
    denominator = np.bincount(group, weights=omega ** 2, minlength=n_periods)
    numerator = np.bincount(group, weights=omega * weighted, minlength=n_periods)
    own = omega ** 2
    cell_denominator = denominator[group]
    alone = own > SINGLE_CLUSTER_SHARE * cell_denominator
    if alone.any():
        raise compute.single_cluster_error(setup.periods[np.unique(group[alone])], grouping,
                                           event_time)
    average = numerator[group] / cell_denominator
    factor = cell_denominator / (cell_denominator - own)
    return np.bincount(cluster.astype(np.intp), weights=factor * (weighted - average * omega),
                       minlength=setup.n_clusters)


def estimate_leads(design: BlockDesign, count: int) -> PendingLeads:
    """The pre-trend test regression of BJS (2024, Section 4.4), as
    :func:`evalkit.did._imputation_compute.estimate_leads`."""
    gram = design.sums["lead_gram"][:count, :count]
    if _full_rank_prefix(gram) < count:
        raise compute.collinear_leads_error(count)
    gamma = np.linalg.solve(gram, design.lead_rhs[:count])
    n_active_units = design.kept_units
    periods_nested = (n_active_units if design.setup.by_unit else design.n_clusters) == 1
    leads = LeadEstimates(tuple(-design.anticipation - j - 1 for j in range(count)), gamma,
                          np.zeros((0, count)), design.untreated_cells, design.n_clusters,
                          True, periods_nested, n_active_units,
                          int(design.system.periods.size))
    return PendingLeads(leads, np.linalg.inv(gram))


def with_scores(design: BlockDesign, effects: PendingEffects, leads: PendingLeads | None
                ) -> tuple[EffectEstimates, LeadEstimates | None]:
    """Pass 3: the cluster scores of the effects (and of the leads), as the in-memory ones.

    Clustered by a column, the scores are the clusters' sums; by unit, a factor
    :math:`R` of :math:`\\sum_i S_i S_i'` (``R'R``), which gives the same covariances.
    """
    n_effects = len(effects.event_times)
    gamma = np.zeros(0) if leads is None else leads.leads.estimates
    scoring = replace(effects.scoring, gamma=gamma)
    sums, _ = _gather(design.panel, _score_sums, design.setup, design.fit, scoring)
    n_leads = gamma.size
    transform = np.eye(n_effects + n_leads)
    if n_leads:
        transform[n_effects:, n_effects:] = leads.inverse_gram  # type: ignore[union-attr]
    if design.setup.by_unit:
        scores = _factor(transform.T @ sums["cross"] @ transform)
    else:
        raw = sums["clusters"]
        raw[:, :n_effects] += effects.treated_scores  # type: ignore[operator]
        scores = np.hstack([raw[:, :n_effects], _times(raw[:, n_effects:], transform[
            n_effects:, n_effects:])]) if n_leads else raw
    effect_estimates = EffectEstimates(effects.event_times, effects.estimates,
                                       effects.weight_totals, effects.cell_counts,
                                       scores[:, :n_effects])
    if leads is None:
        return effect_estimates, None
    lead = leads.leads
    return effect_estimates, LeadEstimates(
        lead.event_times, lead.estimates, scores[:, n_effects:], lead.n_obs, lead.n_clusters,
        lead.units_nested, lead.periods_nested, lead.n_units, lead.n_periods)


def _factor(cross: np.ndarray) -> np.ndarray:
    """A square ``R`` with ``R'R = cross`` (upper Cholesky factor; eigenvalues if singular).

    With the Cholesky factor, the leading columns of ``R`` depend on the leading block
    of ``cross`` only, so the effects' covariance is as accurate as its own sums. A
    singular ``cross`` (fewer units than estimands) is factored through its
    eigenvalues, those of rounding below zero set to zero, so that ``R`` keeps its rank.
    """
    cross = (cross + cross.T) / 2
    scale = float(np.max(np.diag(cross), initial=0.0))
    try:
        factor = linalg.cholesky(cross, lower=False, check_finite=False)
        if np.min(np.diag(factor) ** 2, initial=np.inf) > _SINGULAR * scale:
            return factor
    except linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(cross)
    values = np.where(values > _SINGULAR * scale, values, 0.0)
    return np.sqrt(values)[:, None] * vectors.T
