"""Callaway & Sant'Anna (2021) on a panel held by an engine, from sums over blocks of units.

:func:`estimate_blocks` computes what the in-memory path of
:func:`~evalkit.did.callaway_santanna.callaway_santanna` computes from its arrays -- every
cell's ATT(g,t), the cohort shares, the Gram matrix of the influence-function moments
``M = [psi; w 1{G = g}]`` and the multiplier-bootstrap draws -- by a few passes of
:meth:`EnginePanel.map_blocks` (the functions of :mod:`evalkit.did._cs_block_passes`),
each bringing back sums:

1. per cohort: units, summed weights and weighted outcome changes between each cell's
   two periods; with covariates also ``X'WX`` in each base period and ``X'W dY`` for each
   change (which give every outcome regression); and the facts the checks need;
2. with a propensity score (inverse probability weighting, doubly robust): one pass per
   Newton step of the logit, for every distinct design at once (deviance, gradient and
   Hessian: R's and the in-memory iterations, from the same start, with the same step
   halving and stopping rule), then one pass for what depends on the fitted scores
   (trimming, the comparison weights and their sums with the residuals);
3. the units' influence-function rows, reduced to ``M M'`` (or to sums within clusters,
   or, for the bootstrap without clusters, brought back and put in the in-memory order:
   units sorted by cohort, then by identifier).

Results equal the in-memory ones up to the order of the sums (about 1e-15 relative).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit._validation import Problems
from evalkit.data.unit_blocks import EnginePanel, sum_blocks
from evalkit.did import _cs_block_passes as passes
from evalkit.did._cs_attgt import (
    _SEPARATION,
    CellEstimates,
    CellPlan,
    _check_design,
    _check_weights,
    _num,
    check_covariate_gram,
    no_units,
)
from evalkit.did._cs_plan import plan_sample
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.multiplier import make_generator, multiplier_draws

if TYPE_CHECKING:
    from evalkit.did.callaway_santanna import _Options

__all__ = ["BlockSample", "check_engine_options", "estimate_blocks"]


@dataclass
class BlockSample:
    """The estimation sample's facts, as the in-memory sample states them.

    ``clusters`` are the clusters of the sample (positions in the panel's
    ``cluster_labels``) in the in-memory order, ``None`` without clustering.
    """

    plan: CellPlan
    n: int
    rows: int
    notes: list[str]
    cohort_sizes: dict[str, int]
    treated_units: int
    comparison_units: int
    clusters: np.ndarray | None = None
    n_clusters: int | None = None


def check_engine_options(panel: EnginePanel, opts: _Options) -> None:
    """Refuse, all at once, the options an engine's panel cannot honour.

    Raises
    ------
    InputError
        ``data_type="repeated_cross_section"``; ``unbalanced="keep"`` on an unbalanced
        panel; covariates or a cluster column the engine was not told to hand over.
    """
    kind = type(panel).__name__
    where = f"on a panel held by an engine ({kind})"
    problems = Problems()
    if opts.data_type == "repeated_cross_section":
        problems.add(f"data_type='repeated_cross_section': not available {where}; estimate "
                     "repeated cross-sections on an in-memory evalkit.Panel")
    if opts.unbalanced == "keep" and not panel.is_balanced:
        problems.add(f"unbalanced='keep': not available {where}, and this panel is "
                     f"unbalanced ({panel.n_obs:,} rows for {panel.n_units:,} units x "
                     f"{panel.n_periods} periods); use unbalanced='drop_units' (the units "
                     "observed in every period) or an in-memory evalkit.Panel")
    undeclared = [c for c in opts.covariates if c not in panel.covariates]
    if undeclared:
        declared = ", ".join(map(repr, panel.covariates)) or "none"
        problems.add(f"covariates={list(opts.covariates)!r}: {', '.join(map(repr, undeclared))} "
                     f"{'is' if len(undeclared) == 1 else 'are'} not among the covariates the "
                     f"engine reads (declared: {declared}); declare them with "
                     f"{kind}(..., covariates=[...])")
    if not opts.unit_level and opts.cluster != panel.cluster:
        declared = repr(panel.cluster) if panel.cluster else "none declared"
        problems.add(f"cluster={opts.cluster!r}: {where} the clusters are the unit or the "
                     f"panel's declared cluster column ({declared}); declare it with "
                     f"{kind}(..., cluster={opts.cluster!r})")
    problems.raise_if_any(InputError, "Invalid arguments to callaway_santanna:")


def estimate_blocks(panel: EnginePanel, opts: _Options) -> tuple[
        BlockSample, tuple[CellEstimates, np.ndarray, np.ndarray, np.ndarray | None]]:
    """The sample's facts and ``(estimates, share, gram, draws)`` of the in-memory path."""
    plan, layout, notes = _plan(panel, opts)
    found = panel.map_blocks(passes.first_pass, layout)
    first = sum_blocks([sums for sums, _ in found])
    rest = [more for _, more in found]
    sample, invariant = _sample(panel, opts, plan, layout, first, rest, notes)
    cell_pair = _cell_pairs(plan, layout.pairs)
    if opts.covariates:
        estimates, terms = _covariate_cells(panel, opts, plan, layout, first, sample.n,
                                            invariant, cell_pair)
    else:
        estimates, terms = _mean_cells(plan, first, sample.n, cell_pair)
    share = first["weight"][plan.cohort_code] / sample.n
    gram, draws = _moments(panel, opts, layout, terms, sample)
    return sample, (estimates, share, gram, draws)


# ============================================================================ the sample
def _plan(panel: EnginePanel, opts: _Options) -> tuple[CellPlan, passes.Layout, list[str]]:
    """The cells, from the panel's cohorts (as the in-memory ``_prepare``), and how to
    read the blocks."""
    facts = panel._facts
    values = np.append(np.asarray(facts.cohorts, dtype=float), np.inf)
    counts = np.append(np.asarray(facts.cohort_units, dtype=np.int64),
                       int(facts.never_treated_units))
    order = np.argsort(values, kind="stable")
    planned = plan_sample(panel.periods, values[order], counts[order],
                          anticipation=opts.anticipation, control_group=opts.control_group,
                          base_period=opts.base_period)
    plan, notes, limit = planned.plan, list(planned.notes), planned.early_limit
    periods = plan.periods
    pairs = np.unique(np.stack([plan.cell_period, plan.cell_base], axis=1), axis=0)
    cell_pair = _cell_pairs(plan, pairs)
    needed = np.zeros((plan.group_values.size, pairs.shape[0]), dtype=bool)
    for k, pair in enumerate(cell_pair):
        needed[plan.control[k], pair] = True
        needed[plan.cohort_code[plan.cell_cohort[k]], pair] = True
    clustered = not opts.unit_level
    labels = panel.cluster_labels if clustered else None
    layout = passes.Layout(
        group_values=plan.group_values, early_limit=float(limit), n_periods=int(periods.size),
        balanced=panel.is_balanced, weighted=panel.weights is not None,
        covariates=tuple(panel.covariates.index(c) for c in opts.covariates),
        clustered=clustered, n_clusters=0 if labels is None else int(labels.size),
        pairs=pairs.astype(np.intp), needed=needed,
        bases=np.unique(plan.cell_base).astype(np.intp) if opts.covariates else
        np.zeros(0, dtype=np.intp))
    return plan, layout, notes


def _cell_pairs(plan: CellPlan, pairs: np.ndarray) -> np.ndarray:
    """Each cell's position among the distinct ``(t, b)`` pairs (sorted)."""
    key = plan.cell_period * (plan.periods.size + 1) + plan.cell_base
    pair_key = pairs[:, 0] * (plan.periods.size + 1) + pairs[:, 1]
    return np.searchsorted(pair_key, key)


def _sample(panel: EnginePanel, opts: _Options, plan: CellPlan, layout: passes.Layout,
            first: dict[str, np.ndarray], rest: list[dict[str, np.ndarray]],
            notes: list[str]) -> tuple[BlockSample, bool]:
    """The sample's facts and notes, checked as in memory (in the same order); also
    whether the covariates are the same in every period (then one design serves every
    period of a cell's comparison)."""
    sizes = np.rint(first["units"]).astype(np.int64)
    n = int(sizes.sum())
    if not layout.balanced:
        incomplete = int(round(float(first["incomplete"][0])))
        if incomplete:
            notes.append(f"{incomplete:,} units not observed in every period were dropped "
                         "(unbalanced='drop_units'; unbalanced='keep' uses them, with the "
                         "repeated cross-section estimators)")
        if n == 0:
            raise DataError("unbalanced='drop_units': no unit is observed in every period; "
                            "use unbalanced='keep' (on an in-memory evalkit.Panel)")
    if layout.weighted and first["weights_vary"][0] > 0:
        notes.append(f"weights={panel.weights!r} vary within units; each unit's weight in "
                     "the first period is used")
    invariant = bool(opts.covariates) and _check_covariates(first, rest, opts.covariates, n,
                                                            layout.n_periods)
    clusters, n_clusters = None, None
    if layout.clustered:
        clusters = _cluster_order(first["cluster_units"], rest)
        n_clusters = int(clusters.size)
        if n_clusters < 2:
            raise DataError("cluster: at least 2 clusters are needed for clustered standard "
                            f"errors; the estimation sample has {n_clusters}")
    used = plan.control.any(axis=0)
    sample = BlockSample(
        plan=plan, n=n, rows=n * layout.n_periods, notes=notes,
        cohort_sizes={(_num(g) if np.isfinite(g) else "never"): int(s)
                      for g, s in zip(plan.group_values, sizes, strict=True) if s},
        treated_units=int(sizes[plan.cohort_code].sum()),
        comparison_units=int(sizes[used].sum()), clusters=clusters, n_clusters=n_clusters)
    return sample, invariant


def _cluster_order(units_per_cluster: np.ndarray, rest: list[dict[str, np.ndarray]]
                   ) -> np.ndarray:
    """The sample's clusters in the in-memory order: by their first unit (the order in
    which the in-memory panel's rows, sorted by unit, first show them)."""
    codes = np.concatenate([r["cluster_codes"] for r in rest])
    first_units = np.concatenate([r["cluster_first"] for r in rest])
    rank = pd.factorize(first_units, sort=True)[0]  # the unit order of evalkit.Panel
    first = np.full(units_per_cluster.size, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, rank)
    present = np.flatnonzero(units_per_cluster > 0)
    return present[np.argsort(first[present], kind="stable")]


def _check_covariates(first: dict[str, np.ndarray], rest: list[dict[str, np.ndarray]],
                      names: Sequence[str], n: int, n_periods: int) -> bool:
    """The in-memory check of the covariates (constant or collinear ones named), from
    sums; returns whether no covariate varies over time within a unit."""
    if first["covariate_bad"][0] > 0:
        raise DataError(f"covariates={list(names)!r}: contain missing or infinite values")
    invariant = bool(first["covariate_vary"][0] == 0)
    which = "first" if invariant else "all"
    count = n if invariant else n * n_periods
    largest = np.max(np.stack([r["covariate_max"] for r in rest]), axis=0)
    check_covariate_gram(count, first[f"covariate_{which}_sum"],
                         first[f"covariate_{which}_cross"], np.maximum(largest, 1e-300), names)
    return invariant


# ============================================================================ the cells
def _mean_cells(plan: CellPlan, first: dict[str, np.ndarray], n: int,
                cell_pair: np.ndarray) -> tuple[CellEstimates, passes.MeanTerms]:
    """Differences in mean changes, from the per-cohort sums of weighted changes."""
    changes = first["changes"]
    weight = first["weight"]
    k_all = plan.n_cells
    treated = plan.cohort_code[plan.cell_cohort]
    means = np.empty((2, k_all))
    factors = np.empty((2, k_all))
    for k in range(k_all):
        pair = cell_pair[k]
        total_t = float(weight[treated[k]])
        total_c = float(weight[plan.control[k]].sum())
        if not total_t > 0:
            raise no_units(plan.label(k), "treated")
        if not total_c > 0:
            raise no_units(plan.label(k), "comparison")
        means[0, k] = float(changes[treated[k], pair]) / total_t
        means[1, k] = float(changes[plan.control[k], pair].sum()) / total_c
        factors[0, k] = n / total_t
        factors[1, k] = -n / total_c
    estimates = CellEstimates(att=means[0] - means[1], trimmed=np.zeros(k_all, dtype=np.int64))
    terms = passes.MeanTerms(treated=treated, control=plan.control, pair=cell_pair,
                             mean_treated=means[0], mean_control=means[1],
                             factor_treated=factors[0], factor_control=factors[1])
    return estimates, terms


@dataclass(frozen=True)
class _Evaluation:
    """The logit at given coefficients: deviance, gradient, Hessian, largest |index|."""

    deviance: float
    gradient: np.ndarray
    hessian: np.ndarray
    largest: float


_Newton = Generator[np.ndarray, _Evaluation, tuple[bool, np.ndarray, _Evaluation]]


def _newton(start: _Evaluation, max_iter: int = 100) -> _Newton:
    """The in-memory ``_logit`` (Newton's method with step halving), asking for each
    evaluation it needs: yields coefficients, receives the logit there; returns whether
    it converged, the coefficients and the last evaluation."""
    beta = np.zeros(start.gradient.size)
    current = start
    deviance = start.deviance
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(current.hessian, current.gradient)
        except np.linalg.LinAlgError:
            return False, beta, current
        if not np.all(np.isfinite(beta + step)):  # it never becomes finite again
            return False, beta, current
        new_deviance = np.inf
        for _ in range(30):
            trial = yield beta + step
            new_deviance = trial.deviance
            if new_deviance <= deviance + 1e-12 * abs(deviance):
                break
            step = step / 2
        else:  # no step accepted: the halved step is taken
            trial = yield beta + step
        current = trial
        beta = beta + step
        small_step = np.max(np.abs(step)) <= 1e-12 * (1.0 + np.max(np.abs(beta)))
        if small_step or abs(deviance - new_deviance) <= 1e-12 * (abs(new_deviance) + 0.1):
            return bool(np.all(np.isfinite(beta))), beta, current
        deviance = new_deviance
    return False, beta, current


@dataclass
class _DesignSums:
    """The distinct designs of the cells and their sums from the first pass."""

    designs: passes.Designs
    first_cell: np.ndarray  # D: the cell that first uses it (its label names errors)
    units: np.ndarray  # D
    xwx_treated: np.ndarray  # D x q x q, normalised weights
    xwx_control: np.ndarray


def _designs(plan: CellPlan, layout: passes.Layout, first: dict[str, np.ndarray],
             invariant: bool) -> tuple[_DesignSums, np.ndarray]:
    """One design per treated cohort, comparison cohorts and base-period covariates (one
    for all periods when no covariate varies over time), as the in-memory cache."""
    keys: dict[tuple[int, bytes, int], int] = {}
    cell_design = np.empty(plan.n_cells, dtype=np.intp)
    treated, control, base, first_cell = [], [], [], []
    for k in range(plan.n_cells):
        code = int(plan.cohort_code[plan.cell_cohort[k]])
        b = int(plan.cell_base[k])
        key = (code, plan.control[k].tobytes(), -1 if invariant else b)
        if key not in keys:
            keys[key] = len(treated)
            treated.append(code)
            control.append(plan.control[k])
            base.append(b)
            first_cell.append(k)
        cell_design[k] = keys[key]
    treated_a = np.asarray(treated, dtype=np.intp)
    control_a = np.asarray(control, dtype=bool).reshape(len(treated), -1)
    member = control_a.copy()
    member[np.arange(treated_a.size), treated_a] = True
    units = member.astype(float) @ first["units"]
    mean_weight = (member.astype(float) @ first["weight"]) / units
    position = np.searchsorted(layout.bases, np.asarray(base, dtype=np.intp))
    xwx = first["xwx"]
    xwx_treated = np.stack([xwx[t, b] for t, b in zip(treated_a, position, strict=True)])
    xwx_control = np.stack([xwx[c, b].sum(axis=0) for c, b in zip(control_a, position,
                                                                  strict=True)])
    xwx_treated /= mean_weight[:, None, None]
    xwx_control /= mean_weight[:, None, None]
    designs = passes.Designs(treated=treated_a, control=control_a,
                             base=np.asarray(base, dtype=np.intp), mean_weight=mean_weight)
    return _DesignSums(designs=designs, first_cell=np.asarray(first_cell), units=units,
                       xwx_treated=xwx_treated, xwx_control=xwx_control), cell_design


def _separation(cell: str, names: Sequence[str]) -> EstimationError:
    return EstimationError(
        f"{cell}: the covariates {', '.join(map(repr, names))} separate the treated from "
        "the comparison units (the propensity score is 0 or 1 for some of them), so "
        "they cannot be compared; use fewer covariates or another comparison group")


def _captured(check, *args) -> EstimationError | None:
    try:
        check(*args)
    except EstimationError as error:
        return error
    return None


def _fit_logits(panel: EnginePanel, layout: passes.Layout, sums: _DesignSums
                ) -> list[tuple[bool, np.ndarray, _Evaluation]]:
    """Every design's propensity score, all iterating together: one pass per step."""
    count = sums.units.size
    runs: list[_Newton] = []
    outcome: list[Any] = [None] * count
    asked: dict[int, np.ndarray] = {}
    for d in range(count):
        t, c = sums.xwx_treated[d], sums.xwx_control[d]
        # at zero: p = 1/2, softplus = log 2 -- the sums of the first pass give it
        start = _Evaluation(deviance=2.0 * float(np.log(2.0)) * float(t[0, 0] + c[0, 0]),
                            gradient=0.5 * t[:, 0] - 0.5 * c[:, 0],
                            hessian=0.25 * (t + c), largest=0.0)
        runs.append(_newton(start))
        try:
            asked[d] = next(runs[d])
        except StopIteration as stop:
            outcome[d] = stop.value
    q = sums.xwx_treated.shape[1]
    while asked:
        active = np.zeros(count, dtype=bool)
        theta = np.zeros((count, q))
        for d, value in asked.items():
            active[d], theta[d] = True, value
        found = panel.map_blocks(passes.logit_pass, layout, sums.designs, active, theta)
        total = sum_blocks([s for s, _ in found])
        largest = np.max(np.stack([m["largest"] for _, m in found]), axis=0)
        again: dict[int, np.ndarray] = {}
        for d in asked:
            evaluation = _Evaluation(deviance=2.0 * float(total["deviance"][d]),
                                     gradient=total["gradient"][d],
                                     hessian=total["hessian"][d], largest=float(largest[d]))
            try:
                again[d] = runs[d].send(evaluation)
            except StopIteration as stop:
                outcome[d] = stop.value
        asked = again
    return outcome


def _covariate_cells(panel: EnginePanel, opts: _Options, plan: CellPlan,
                     layout: passes.Layout, first: dict[str, np.ndarray], n: int,
                     invariant: bool, cell_pair: np.ndarray
                     ) -> tuple[CellEstimates, passes.CovariateTerms]:
    """Outcome regression, inverse probability weighting or doubly robust cells."""
    names, method = opts.covariates, opts.method
    sums, cell_design = _designs(plan, layout, first, invariant)
    count = sums.units.size
    q = sums.xwx_treated.shape[1]
    labels = [plan.label(int(k)) for k in sums.first_cell]
    errors: list[EstimationError | None] = [None] * count
    control_of_cell = plan.control
    treated_of_cell = plan.cohort_code[plan.cell_cohort]
    mean_weight = sums.designs.mean_weight[cell_design]
    xwdy = first["xwdy"]
    k_all = plan.n_cells
    xpx_inv = np.zeros((count, q, q))
    beta = np.zeros((k_all, q))
    if method != "inverse_probability":
        wls = [_captured(_check_design, sums.xwx_control[d], labels[d], names,
                         "outcome regression on the comparison units") for d in range(count)]
        for d in range(count):
            if wls[d] is None:
                xpx_inv[d] = np.linalg.inv(sums.xwx_control[d])
        if method == "outcome_regression":
            _raise_first(wls)
        for k in range(k_all):
            xwdy_control = xwdy[control_of_cell[k], cell_pair[k]].sum(axis=0) / mean_weight[k]
            beta[k] = xpx_inv[cell_design[k]] @ xwdy_control
    scale = n / sums.units[cell_design]
    terms = {name: np.zeros(k_all) for name in ("eta_t", "eta_c", "f_t", "f_c")}
    projection = np.zeros((k_all, q))
    correction = np.zeros((k_all, q))
    trimmed = np.zeros(k_all, dtype=np.int64)
    weak: list[tuple[str, int]] = []
    theta = np.zeros((count, q))
    if method == "outcome_regression":
        for k in range(k_all):
            d = cell_design[k]
            xt_treat = sums.xwx_treated[d][:, 0]
            treat_sum = float(sums.xwx_treated[d][0, 0])
            treated_change = float(xwdy[treated_of_cell[k], cell_pair[k], 0]) / mean_weight[k]
            terms["eta_t"][k] = (treated_change - float(xt_treat @ beta[k])) / treat_sum
            terms["f_t"][k] = scale[k] / (treat_sum / sums.units[d])
            projection[k] = xpx_inv[d] @ xt_treat
        att = terms["eta_t"].copy()
    else:
        fits = _fit_logits(panel, layout, sums)
        for d, (converged, coefficients, last) in enumerate(fits):
            if not converged or last.largest > _SEPARATION:
                errors[d] = _separation(labels[d], names)
            else:
                theta[d] = coefficients
        active = np.array([e is None for e in errors])
        scores = sum_blocks(panel.map_blocks(
            passes.propensity_pass, layout, sums.designs, theta, active, cell_design,
            cell_pair, beta))
        hessian_inv_n = np.zeros((count, q, q))
        for d in np.flatnonzero(active):
            errors[d] = (_captured(_check_design, scores["hessian"][d], labels[d], names,
                                   "propensity score")
                         or _captured(_check_weights, scores["cont_sum"][d:d + 1], labels[d]))
            if errors[d] is None:
                hessian_inv_n[d] = np.linalg.inv(scores["hessian"][d]) * sums.units[d]
            if errors[d] is None and method == "doubly_robust":
                errors[d] = wls[d]
        _raise_first(errors)
        att = np.empty(k_all)
        for k in range(k_all):
            d = cell_design[k]
            m = sums.units[d]
            treat_sum, cont_sum = scores["treat_sum"][d], scores["cont_sum"][d]
            treat_mean, cont_mean = treat_sum / m, cont_sum / m
            eta_t = scores["treat_resid"][k] / treat_sum
            eta_c = scores["cont_resid"][k] / cont_sum
            m2 = (scores["xt_cont_resid"][k] - eta_c * scores["xt_cont"][d]) / m
            correction[k] = hessian_inv_n[d] @ m2
            if method == "doubly_robust":
                projection[k] = xpx_inv[d] @ (scores["xt_treat"][d] / treat_mean
                                              - scores["xt_cont"][d] / cont_mean)
            terms["eta_t"][k], terms["eta_c"][k] = eta_t, eta_c
            terms["f_t"][k], terms["f_c"][k] = scale[k] / treat_mean, scale[k] / cont_mean
            att[k] = eta_t - eta_c
            trimmed[k] = int(round(float(scores["trimmed"][d])))
            count_weak = int(round(float(scores["weak"][d])))
            if count_weak:
                weak.append((plan.label(k), count_weak))
    estimates = CellEstimates(att=att, trimmed=trimmed, weak_overlap=tuple(weak))
    cell_terms = passes.CovariateTerms(
        method=method, designs=sums.designs, theta=theta, design=cell_design, pair=cell_pair,
        beta=beta, projection=projection, correction=correction, eta_treated=terms["eta_t"],
        eta_control=terms["eta_c"], factor_treated=terms["f_t"], factor_control=terms["f_c"],
        scale=scale)
    return estimates, cell_terms


def _raise_first(errors: Sequence[EstimationError | None]) -> None:
    """The error of the first design (in cell order) that has one, as memory meets it."""
    for error in errors:
        if error is not None:
            raise error


# ============================================================================ moments
def _moments(panel: EnginePanel, opts: _Options, layout: passes.Layout,
             terms: passes.MeanTerms | passes.CovariateTerms,
             sample: BlockSample) -> tuple[np.ndarray, np.ndarray | None]:
    """``M M'`` (clustered: of the cluster sums, times G / (G - 1)) and the bootstrap
    draws of every row of ``M``, the multipliers drawn in the in-memory order."""
    code = sample.plan.cohort_code
    scores = None
    if sample.clusters is not None:
        total = sum_blocks(panel.map_blocks(passes.moment_pass, layout, terms, code,
                                            "clusters"))
        scores = total["scores"][:, sample.clusters]
        g = sample.n_clusters
        gram = scores @ scores.T * (g / (g - 1))
    elif opts.bootstrap is not None:
        parts = panel.map_blocks(passes.moment_pass, layout, terms, code, "rows")
        ids = np.concatenate([p["ids"] for p in parts])
        codes = np.concatenate([p["codes"] for p in parts])
        order = np.lexsort((pd.factorize(ids, sort=True)[0], codes))
        position = np.empty_like(order)
        position[order] = np.arange(order.size)  # where each unit goes
        scores = np.empty((parts[0]["rows"].shape[0], order.size))
        start = 0
        while parts:
            rows = parts.pop(0)["rows"]
            scores[:, position[start:start + rows.shape[1]]] = rows
            start += rows.shape[1]
        gram = scores @ scores.T
    else:
        gram = sum_blocks(panel.map_blocks(passes.moment_pass, layout, terms, code,
                                           "gram"))["gram"]
    draws = None
    if opts.bootstrap is not None:
        rng = make_generator(opts.bootstrap.random_state)
        draws = multiplier_draws(scores, n_draws=int(opts.bootstrap.n_draws), rng=rng,
                                 distribution=opts.bootstrap.distribution, scale=sample.n)
    return gram, draws
