"""Callaway & Sant'Anna (2021): group-time average treatment effects with staggered adoption."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._deprecation import refuse_unknown, warn_renamed
from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import EnginePanel
from evalkit.did._cs_aggregate import AggregationBasis
from evalkit.did._cs_attgt import (
    OVERLAP_LIMIT,
    TRIM_LEVEL,
    CellPlan,
    panel_cells,
    plan_cells,
    rc_cells,
)
from evalkit.did._cs_blocks import check_engine_options, estimate_blocks
from evalkit.did.specs import CallawaySantAnnaSpec
from evalkit.errors import DataError, InputError
from evalkit.inference.kinds import Clustered
from evalkit.inference.multiplier import MultiplierBootstrap, make_generator, multiplier_draws
from evalkit.inference.registry import register_inference
from evalkit.results import Coefficients, Provenance, WaldTest
from evalkit.results.group_time import GroupTimeResult, cell_term

__all__ = ["callaway_santanna"]

CONTROL_GROUPS = ("never_treated", "not_yet_treated")
METHODS = ("doubly_robust", "outcome_regression", "inverse_probability")
BASE_PERIODS = ("varying", "universal")
DATA_TYPES = ("panel", "repeated_cross_section")
UNBALANCED = ("drop_units", "keep")

ESTIMAND = ("ATT(g,t): the average effect in period t of the treatment on the units first "
            "treated in period g (cells with t < g: pseudo-effects before treatment)")


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


# ============================================================================ validation
@dataclass(frozen=True)
class _Options:
    control_group: str
    method: str
    covariates: tuple[str, ...]
    anticipation: int
    base_period: str
    data_type: str
    unbalanced: str
    bootstrap: MultiplierBootstrap | None
    cluster: str
    unit_level: bool
    alpha: float


def _validate(panel: Panel | EnginePanel, control_group, method, covariates, anticipation,
              base_period, data_type, unbalanced, inference, cluster, alpha) -> _Options:
    if not isinstance(panel, Panel | EnginePanel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel) or a "
                         f"panel held by an engine; got {type(panel).__name__}")
    problems = Problems()
    check_choice("control_group", control_group, CONTROL_GROUPS, problems)
    check_choice("method", method, METHODS, problems)
    check_choice("base_period", base_period, BASE_PERIODS, problems)
    check_choice("data_type", data_type, DATA_TYPES, problems)
    check_choice("unbalanced", unbalanced, UNBALANCED, problems)
    check_alpha(alpha, problems)
    if isinstance(anticipation, bool) or not isinstance(anticipation, int | np.integer) or (
            anticipation < 0):
        problems.add(f"anticipation={anticipation!r}: must be an integer >= 0 (the number of "
                     f"periods before treatment in which units may react); got {anticipation!r}")
    names = panel.covariates if covariates is None else (
        (covariates,) if isinstance(covariates, str) else covariates)
    try:
        names = tuple(names)
    except TypeError:
        problems.add(f"covariates={covariates!r}: must be None or a sequence of column names")
        names = ()
    frame = panel.data if isinstance(panel, Panel) else None  # an engine's are numeric
    roles = {panel.unit: "unit", panel.time: "time", panel.outcome: "outcome"}
    for name in names:
        if not isinstance(name, str) or name not in panel.columns:
            problems.add(f"covariates={list(names)!r}: {name!r} is not a column of the panel "
                         f"(its columns are {', '.join(map(repr, panel.columns))}); declare "
                         "covariates with Panel(..., covariates=[...])")
        elif name in roles:
            problems.add(f"covariates={list(names)!r}: {name!r} is the panel's {roles[name]} "
                         "column and cannot be a covariate")
        elif frame is not None and not pd.api.types.is_numeric_dtype(frame[name]):
            problems.add(f"covariates={list(names)!r}: {name!r} must be numeric; got dtype "
                         f"{frame[name].dtype}")
    if all(isinstance(n, str) for n in names) and len(set(names)) != len(names):
        problems.add(f"covariates={list(names)!r}: a covariate is listed twice")
    bootstrap, chosen_by_kind = None, None
    if isinstance(inference, MultiplierBootstrap):
        bootstrap, chosen_by_kind = inference, inference.cluster
        problems.extend(inference.problems())
    elif isinstance(inference, Clustered):
        chosen_by_kind = inference.cluster
    else:
        problems.add(f"inference={inference!r}: must be one of Clustered(), "
                     "MultiplierBootstrap() for callaway_santanna (e.g. "
                     f"MultiplierBootstrap(n_draws=999, random_state=1)); got {inference!r}")
    chosen = [c for c in (cluster, chosen_by_kind) if c is not None]
    for name in chosen:
        if not isinstance(name, str) or name not in panel.columns:
            problems.add(f"cluster={name!r}: must be one of the panel's columns "
                         f"({', '.join(map(repr, panel.columns))}); declare it with "
                         f"Panel(..., cluster={name!r})")
    if len(set(chosen)) > 1:
        problems.add(f"cluster={cluster!r} and inference={inference!r}: name the clustering "
                     "column once (or twice the same)")
    problems.raise_if_any(InputError, "Invalid arguments to callaway_santanna:")
    column = chosen[0] if chosen else panel.cluster_column
    return _Options(control_group=control_group, method=method, covariates=names,
                    anticipation=int(anticipation), base_period=base_period,
                    data_type=data_type, unbalanced=unbalanced, bootstrap=bootstrap,
                    cluster=column, unit_level=column == panel.unit, alpha=float(alpha))


# ============================================================================ the sample
@dataclass
class _Sample:
    """The estimation sample as arrays, and what was done to get it."""

    plan: CellPlan
    n: int
    rows: int
    notes: list[str] = field(default_factory=list)
    # panel path: T x n outcomes and units sorted by cohort code
    outcome_by_period: np.ndarray | None = None
    covariates_by_period: np.ndarray | None = None
    # cross-section path: per observation
    y: np.ndarray | None = None
    period: np.ndarray | None = None
    row_codes: np.ndarray | None = None
    ids: np.ndarray | None = None
    row_weights: np.ndarray | None = None
    row_covariates: np.ndarray | None = None
    # per identifier (unit, or observation with repeated cross-sections)
    codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    weights: np.ndarray | None = None
    clusters: np.ndarray | None = None
    n_clusters: int | None = None
    cohort_sizes: dict[str, int] = field(default_factory=dict)
    treated_units: int = 0
    comparison_units: int = 0


def _event_positions(periods: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions of cohorts on the period grid (as :meth:`Panel.event_time`)."""
    steps = np.diff(periods)
    if periods.size > 1 and np.allclose(steps, steps[0]):
        return np.ceil((values - periods[0]) / steps[0] - 1e-9).astype(np.int64)
    return np.searchsorted(periods, values).astype(np.int64)


def _prepare(panel: Panel, opts: _Options) -> _Sample:
    notes: list[str] = []
    periods_all = panel.periods
    delta = opts.anticipation
    unit_cohort = panel.unit_cohorts.to_numpy(dtype=float)
    cohort = np.where(np.isnan(unit_cohort), np.inf, unit_cohort)
    early = np.isfinite(cohort) & (cohort <= periods_all[0] + delta)
    keep_unit = ~early
    if early.any():
        dropped = np.unique(cohort[early])
        when = (f"in or before the first period, {_label(periods_all[0])}" if delta == 0 else
                f"by period {_label(periods_all[0] + delta)} (first period plus anticipation)")
        notes.append(f"{int(early.sum()):,} units first treated {when} (cohorts "
                     f"{', '.join(map(_label, dropped))}) were dropped: they have no "
                     "pre-treatment period to compare with")
    if not keep_unit.any() or not np.isfinite(cohort[keep_unit]).any():
        raise DataError("No cohort is left with a pre-treatment period: every treated unit is "
                        f"first treated by period {_label(periods_all[0] + delta)} (the first "
                        "period plus anticipation)")
    never = bool(np.isinf(cohort[keep_unit]).any())
    period_keep = np.ones(periods_all.size, dtype=bool)
    latest = float(np.max(cohort[keep_unit & np.isfinite(cohort)]))
    if not never and opts.control_group == "never_treated":
        raise DataError(
            "control_group='never_treated': the panel has no never-treated units (units "
            "first treated after the last period count as never treated); use "
            "control_group='not_yet_treated' to compare cohorts with units treated later")
    if not never:
        period_keep = periods_all < latest - delta
        notes.append(f"No never-treated units: as in R's did, periods from "
                     f"{_label(latest - delta)} on are dropped and cohort {_label(latest)} "
                     "serves only as comparison units")
        if period_keep.sum() < 2:
            raise DataError("control_group='not_yet_treated': without never-treated units, "
                            f"fewer than two periods precede the last cohort ({_label(latest)})"
                            ", so no comparison is possible")
    periods = periods_all[period_keep]
    present = np.unique(cohort[keep_unit])
    cohorts = present[np.isfinite(present) & (present > periods[0] + delta)]
    if not never:
        cohorts = cohorts[cohorts < latest]
    if cohorts.size == 0:
        raise DataError("No cohort has both a pre-treatment period and comparison units")
    plan = plan_cells(periods, present, cohorts, anticipation=delta,
                      base_period=opts.base_period, control_group=opts.control_group)
    unit_codes = np.searchsorted(present, cohort)

    use_rc = opts.data_type == "repeated_cross_section" or (
        not panel.is_balanced and opts.unbalanced == "keep")
    sample = (_cross_sections(panel, opts, plan, keep_unit, period_keep, unit_codes, notes)
              if use_rc else
              _balanced(panel, opts, plan, keep_unit, period_keep, unit_codes, notes))
    sizes = np.bincount(sample.codes, minlength=present.size)
    sample.cohort_sizes = {(_label(g) if np.isfinite(g) else "never"): int(s)
                           for g, s in zip(present, sizes, strict=True) if s}
    used = plan.control.any(axis=0)
    sample.comparison_units = int(sizes[used].sum())
    sample.treated_units = int(sizes[plan.cohort_code].sum())
    return sample


def _balanced(panel, opts, plan, keep_unit, period_keep, unit_codes, notes) -> _Sample:
    """Units x periods arrays of a balanced panel (dropping incomplete units if needed)."""
    n_all, t_all = panel.n_units, panel.n_periods
    y = panel.values(panel.outcome)
    if panel.is_balanced:
        rows = None
        if keep_unit.all() and period_keep.all():
            matrix = y.reshape(n_all, t_all)
        else:
            matrix = y.reshape(n_all, t_all)[keep_unit][:, period_keep]
        units = np.flatnonzero(keep_unit)
    else:
        rows = keep_unit[panel.unit_index] & period_keep[panel.period_index]
        counts = np.bincount(panel.unit_index[rows], minlength=n_all)
        complete = keep_unit & (counts == int(period_keep.sum()))
        incomplete = int((keep_unit & ~complete).sum())
        if incomplete:
            notes.append(f"{incomplete:,} units not observed in every period were dropped "
                         "(unbalanced='drop_units'; unbalanced='keep' uses them, with the "
                         "repeated cross-section estimators)")
        if not complete.any():
            raise DataError("unbalanced='drop_units': no unit is observed in every period; "
                            "use unbalanced='keep'")
        rows &= complete[panel.unit_index]
        matrix = y[rows].reshape(-1, int(period_keep.sum()))
        units = np.flatnonzero(complete)

    def by_unit(values: np.ndarray) -> np.ndarray:
        if rows is None:
            full = values.reshape(n_all, t_all)
            return full if units.size == n_all and period_keep.all() else (
                full[units][:, period_keep])
        return values[rows].reshape(units.size, -1)

    codes = unit_codes[units]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    weights = None
    if panel.weights:
        w = by_unit(panel.values(panel.weights))
        if np.any(w != w[:, :1]):
            notes.append(f"weights={panel.weights!r} vary within units; each unit's weight in "
                         "the first period is used")
        weights = np.ascontiguousarray(w[order, 0])
    covariates = None
    if opts.covariates:
        # periods x covariates x units; when none varies over time, one period holds them
        # all (1 x p x n): the checks and the cells then read n values, not T x n
        matrices = [by_unit(panel.values(c)) for c in opts.covariates]  # units x periods
        if all(bool(np.all(m == m[:, :1])) for m in matrices):
            covariates = np.stack([m[:, 0][order] for m in matrices])[None]
            _check_covariates(covariates[0], opts.covariates)
        else:
            covariates = np.stack([m.T[:, order] for m in matrices], axis=1)
            _check_covariates(np.concatenate(covariates, axis=1), opts.covariates)
    clusters, n_clusters = None, None
    if not opts.unit_level:
        codes_rows = pd.factorize(panel.data[opts.cluster])[0].astype(float)
        per_unit = by_unit(codes_rows)
        if np.any(per_unit != per_unit[:, :1]):
            raise DataError(f"cluster={opts.cluster!r}: must be constant within each unit "
                            "(units are the sampling draws of a panel); it varies over time")
        clusters, n_clusters = _recode(per_unit[order, 0])
    outcome = np.ascontiguousarray(matrix.T[:, order])
    return _Sample(plan=plan, n=int(units.size), rows=int(units.size * outcome.shape[0]),
                   notes=notes, outcome_by_period=outcome, covariates_by_period=covariates,
                   codes=sorted_codes, weights=weights, clusters=clusters,
                   n_clusters=n_clusters)


def _cross_sections(panel, opts, plan, keep_unit, period_keep, unit_codes, notes) -> _Sample:
    """Per-observation arrays: true repeated cross-sections, or an unbalanced panel kept."""
    rows = keep_unit[panel.unit_index] & period_keep[panel.period_index]
    unit = panel.unit_index[rows]
    period_map = np.cumsum(period_keep) - 1
    period = period_map[panel.period_index[rows]]
    row_codes = unit_codes[unit]
    if opts.data_type == "repeated_cross_section":
        ids = np.arange(unit.size)
        codes = row_codes
    else:
        ids_of_unit = np.full(panel.n_units, -1)
        kept_units = np.unique(unit)
        ids_of_unit[kept_units] = np.arange(kept_units.size)
        ids = ids_of_unit[unit]
        codes = unit_codes[kept_units]
        notes.append("unbalanced='keep': the panel is unbalanced; each ATT(g,t) uses the "
                     "repeated cross-section estimators on the observations of its two "
                     "periods, with influence functions summed by unit (R's "
                     "allow_unbalanced_panel=TRUE)")
    n = int(ids.max()) + 1
    row_weights = panel.values(panel.weights)[rows] if panel.weights else None
    weights = None
    if row_weights is not None:
        weights = np.bincount(ids, weights=row_weights, minlength=n) / np.bincount(ids,
                                                                                minlength=n)
    covariates = None
    if opts.covariates:
        covariates = np.stack([panel.values(c)[rows] for c in opts.covariates])
        _check_covariates(covariates, opts.covariates)
    clusters, n_clusters = None, None
    if not opts.unit_level:
        codes_rows = pd.factorize(panel.data[opts.cluster])[0][rows]
        first = np.full(n, -1)
        first[ids] = codes_rows
        if np.any(first[ids] != codes_rows):
            raise DataError(f"cluster={opts.cluster!r}: must be constant within each unit; it "
                            "varies over time")
        clusters, n_clusters = _recode(first.astype(float))
    y = np.ascontiguousarray(panel.values(panel.outcome)[rows])
    return _Sample(plan=plan, n=n, rows=int(rows.sum()), notes=notes, y=y, period=period,
                   row_codes=row_codes, ids=ids, row_weights=row_weights,
                   row_covariates=covariates, codes=codes, weights=weights,
                   clusters=clusters, n_clusters=n_clusters)


def _recode(values: np.ndarray) -> tuple[np.ndarray, int]:
    labels, codes = np.unique(values, return_inverse=True)
    if labels.size < 2:
        raise DataError(f"cluster: at least 2 clusters are needed for clustered standard errors; "
                        f"the estimation sample has {labels.size}")
    return codes.astype(np.intp), int(labels.size)


def _check_covariates(values: np.ndarray, names: Sequence[str]) -> None:
    """Name the covariates that are constant or collinear with the ones before them.

    ``values`` holds one row per covariate.
    """
    if not np.all(np.isfinite(values)):
        raise DataError(f"covariates={list(names)!r}: contain missing or infinite values")
    # the Gram matrix of the design [1, X], each column scaled by its largest magnitude,
    # from the sums and cross-products of X (the design itself is never built)
    scale = np.maximum(np.abs(values).max(axis=1), 1e-300)
    p = values.shape[0]
    gram = np.empty((p + 1, p + 1))
    gram[0, 0] = values.shape[1]
    gram[0, 1:] = gram[1:, 0] = values.sum(axis=1) / scale
    gram[1:, 1:] = np.einsum("ji,ki->jk", values, values) / np.outer(scale, scale)
    redundant, rank = [], 1
    for j in range(1, gram.shape[0]):
        eig = np.linalg.eigvalsh(gram[: j + 1, : j + 1])
        new_rank = int(np.sum(eig > eig.max() * 1e-10))
        if new_rank == rank:
            redundant.append(names[j - 1])
        rank = new_rank
    if redundant:
        raise DataError(f"covariates={list(names)!r}: the design is singular: "
                        f"{', '.join(map(repr, redundant))} "
                        f"{'is' if len(redundant) == 1 else 'are'} constant or a linear "
                        "combination of the intercept and the covariates before; drop "
                        f"{'it' if len(redundant) == 1 else 'them'}")


# ============================================================================ estimation
def _estimate(sample: _Sample, opts: _Options):
    plan = sample.plan
    k, c = plan.n_cells, plan.cohorts.size
    moments = np.zeros((k + c, sample.n))
    if sample.outcome_by_period is not None:
        estimates = panel_cells(sample.outcome_by_period, sample.codes, sample.weights, plan,
                                moments[:k], method=opts.method,
                                covariates=sample.covariates_by_period,
                                covariate_names=opts.covariates)
    else:
        estimates = rc_cells(sample.y, sample.period, sample.row_codes, sample.ids, sample.n,
                             sample.row_weights, plan, moments[:k], method=opts.method,
                             covariates=sample.row_covariates, covariate_names=opts.covariates)
    for j, code in enumerate(plan.cohort_code):
        member = sample.codes == code
        moments[k + j] = member if sample.weights is None else member * sample.weights
    share = moments[k:].sum(axis=1) / sample.n
    if sample.clusters is None:
        scores = moments
        gram = moments @ moments.T
    else:
        scores = np.empty((k + c, sample.n_clusters))
        for r in range(k + c):
            scores[r] = np.bincount(sample.clusters, weights=moments[r],
                                    minlength=sample.n_clusters)
        del moments
        g = sample.n_clusters
        gram = scores @ scores.T * (g / (g - 1))
    draws = None
    if opts.bootstrap is not None:
        rng = make_generator(opts.bootstrap.random_state)
        draws = multiplier_draws(scores, n_draws=int(opts.bootstrap.n_draws), rng=rng,
                                 distribution=opts.bootstrap.distribution, scale=sample.n)
    return estimates, share, gram, draws


def _resolved(opts: _Options) -> Clustered | MultiplierBootstrap:
    """The inference kind used, its clustering column filled in."""
    if opts.bootstrap is None:
        return Clustered(opts.cluster)
    return replace(opts.bootstrap, cluster=opts.cluster)


def _inference_text(sample: _Sample, opts: _Options) -> str:
    who = "observation" if opts.data_type == "repeated_cross_section" else "unit"
    if sample.clusters is None:
        level = f"at the {who} level"
    else:
        level = (f"clustered by {opts.cluster!r} ({sample.n_clusters:,} clusters; influence "
                 "functions summed within clusters)")
    if opts.bootstrap is None:
        if sample.clusters is None:
            return (f"analytic, from the influence functions {level}, as R's did with "
                    "bstrap=FALSE")
        return f"analytic, from the influence functions {level}, variance times G/(G-1)"
    unit = "cluster" if sample.clusters is not None else who
    return (f"{opts.bootstrap.describe()}, one multiplier per {unit}, {level}; standard "
            "errors from the interquartile range of the draws, as R's did; covariances for "
            "joint tests from the influence functions")


def _pretest(result_cells, cohort: np.ndarray, period: np.ndarray, att: np.ndarray,
             terms: list[str], notes: list[str]) -> WaldTest | None:
    pre = np.flatnonzero(cohort > period)
    if pre.size == 0:
        return None
    variance = np.diag(result_cells.vcov)
    pre = pre[variance[pre] > 1e-14 * max(float(variance.max()), 1e-300)]
    if pre.size == 0:
        notes.append("The pre-test of parallel trends is not reported: the pre-treatment "
                     "cells have no variance")
        return None
    cov = result_cells.vcov[np.ix_(pre, pre)]
    if 1.0 / np.linalg.cond(cov, 1) <= np.finfo(float).eps:
        notes.append("The pre-test of parallel trends is not reported: the covariance of the "
                     "pre-treatment cells is singular")
        return None
    b = att[pre]
    statistic = float(b @ np.linalg.solve(cov, b))
    return WaldTest(statistic=statistic, df=(int(pre.size),),
                    p_value=float(stats.chi2.sf(statistic, pre.size)), distribution="chi2",
                    terms=tuple(terms[i] for i in pre),
                    hypothesis="Every pre-treatment ATT(g,t) is zero", rank=int(pre.size))


_DEFAULT_INFERENCE = Clustered()
register_inference("callaway_santanna", Clustered, MultiplierBootstrap)


def _legacy_inference(inference: Any, deprecated: dict[str, Any]) -> tuple[Any, str | None]:
    """``inference``, given the deprecated ``inference="analytic"`` and ``cluster=`` too."""
    if isinstance(inference, str) and inference == "analytic":
        warn_renamed("inference='analytic'", "inference=Clustered()")
        inference = _DEFAULT_INFERENCE
    cluster = deprecated.pop("cluster", None)
    if cluster is not None:
        new = (f"inference=MultiplierBootstrap(..., cluster={cluster!r})"
               if isinstance(inference, MultiplierBootstrap) else
               f"inference=Clustered({cluster!r})")
        warn_renamed(f"cluster={cluster!r}", new)
    refuse_unknown("callaway_santanna", deprecated)
    return inference, cluster


def callaway_santanna(
    panel: Panel | EnginePanel,
    *,
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    method: Literal["doubly_robust", "outcome_regression", "inverse_probability"] = (
        "doubly_robust"),
    covariates: Sequence[str] | None = None,
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
    data_type: Literal["panel", "repeated_cross_section"] = "panel",
    unbalanced: Literal["drop_units", "keep"] = "drop_units",
    inference: Clustered | MultiplierBootstrap = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    **deprecated: Any,
) -> GroupTimeResult:
    r"""Estimate group-time average treatment effects (Callaway & Sant'Anna 2021).

    With staggered adoption, units first treated in period :math:`g` form cohort
    :math:`g`. The group-time average treatment effect

    .. math:: ATT(g,t) = E[Y_t(g) - Y_t(0) \mid G = g]

    is identified, under parallel trends (conditional on covariates :math:`X`) from the
    base period :math:`b` on, by comparing cohort :math:`g`'s outcome change from
    :math:`b` to :math:`t` with that of comparison units :math:`C`:

    .. math:: ATT(g,t) = E[Y_t - Y_b \mid G = g] - E[\,E[Y_t - Y_b \mid X, C] \mid G = g]

    where :math:`b = g - 1 - \delta` for :math:`t \ge g` (:math:`\delta` periods of
    anticipation). Each cell is one 2x2 comparison estimated by outcome regression,
    normalised inverse probability weighting or the doubly robust estimator of Sant'Anna
    & Zhao (2020); without covariates all three are the difference in mean changes. The
    results, their influence functions and every aggregation reproduce R's ``did``
    package (``att_gt`` and ``aggte``; see the notes for the few deliberate differences).

    Parameters
    ----------
    panel
        The validated panel; its ``first_treated`` (or ``treatment``) defines the cohorts,
        its ``weights`` (if any) are sampling weights. A panel held by an engine (an
        :class:`~evalkit.data.unit_blocks.EnginePanel`: DuckDB, Dask, or a
        ``SplitPanel``) gives the same results, computed from sums over blocks of units
        (the bootstrap brings back one influence-function row per unit, or per cluster);
        there, ``data_type="repeated_cross_section"`` and, on an unbalanced panel,
        ``unbalanced="keep"`` are refused, and the covariates and the clustering column
        must be among those the panel declares.
    control_group
        ``"never_treated"``: units never treated during the panel (R's ``"nevertreated"``);
        ``"not_yet_treated"``: also units first treated after ``max(t, b) + anticipation``.
    method
        ``"doubly_robust"`` (R's ``"dr"``: ``DRDID::drdid_panel`` / ``drdid_rc``),
        ``"outcome_regression"`` (``"reg"``) or ``"inverse_probability"`` (``"ipw"``).
    covariates
        Pre-treatment covariates (panel columns) for conditional parallel trends; default
        the panel's covariates. With a balanced panel each cell uses their values in its
        base period, as R; with cross-sections or an unbalanced panel kept, each
        observation's own. An intercept is always included.
    anticipation
        Periods before treatment in which units may already react (R's ``anticipation``).
    base_period
        ``"varying"`` (R's default): pre-treatment cells compare t with t - 1;
        ``"universal"``: every cell compares with :math:`g - 1 - \delta`, whose cell is
        the reference normalised to zero. Post-treatment cells are the same.
    data_type
        ``"panel"``, or ``"repeated_cross_section"`` (every row a different draw; R's
        ``panel=FALSE``).
    unbalanced
        For an unbalanced panel: ``"drop_units"`` keeps the units observed in every
        period (R's default); ``"keep"`` uses every observation with the repeated
        cross-section estimators and influence functions summed by unit (R's
        ``allow_unbalanced_panel=TRUE``). A balanced panel is always estimated as a panel.
    inference
        ``Clustered()`` (default): analytic standard errors from the influence
        functions; or a :class:`~evalkit.inference.MultiplierBootstrap` (R's default
        ``bstrap=TRUE``), which also gives uniform (sup-t) bands. Either names the
        column to cluster on (constant within units; ``Clustered("state")``,
        ``MultiplierBootstrap(cluster="state")``); default the panel's cluster column,
        else the unit. Clustered analytic variances sum the influence functions within
        clusters and multiply by G/(G-1) (R's ``did`` clusters only in the bootstrap,
        without that factor). (``inference="analytic"`` and ``cluster=`` are the
        deprecated spellings of ``Clustered()`` and ``Clustered("column")``.)
    alpha
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    GroupTimeResult
        The ATT(g,t), the pre-test of parallel trends, and the aggregations
        :meth:`~GroupTimeResult.overall`, :meth:`~GroupTimeResult.event_study`,
        :meth:`~GroupTimeResult.by_cohort` and :meth:`~GroupTimeResult.by_period`.

    Raises
    ------
    InputError
        Unknown options (listing the allowed ones), covariates or cluster columns that
        are not numeric panel columns; on a panel held by an engine, the options above
        that it cannot honour.
    DataError
        No never-treated units with ``control_group="never_treated"``, singular
        covariates (naming them), a cluster that varies within units, fewer than two
        clusters.
    EstimationError
        A cell whose comparison cannot be estimated (no overlap after trimming, a
        covariate constant among the cell's units, empty groups in cross-sections).

    Notes
    -----
    Cohorts treated in the first period (or within the anticipation window) are dropped,
    with a note. Comparison units with a propensity score of 0.995 or more get no weight
    (DRDID's trimming), with a note saying how many. The pre-test is the Wald statistic
    of all pre-treatment ATT(g,t) with their influence-function covariance (chi-squared,
    one degree of freedom per cell), as R's ``att_gt``.

    Deliberate differences from R's ``did`` 2.1 / ``DRDID``:

    - the cohort aggregation's weight influence function uses each cohort's own
      indicator (the correction of R's pull request 223);
    - the doubly robust estimator for repeated cross-sections subtracts the estimation
      effect of the pre-period outcome regressions, which ``DRDID::drdid_rc`` adds: the
      influence function here equals the estimator's numerical derivative (point
      estimates are the same; standard errors differ in finite samples);
    - clustered analytic variances (and the pre-test under clustering) use cluster sums
      with G/(G-1); the bootstrap sums influence functions within clusters;
    - cells where a treated unit has a propensity score of 0.999 or more are estimated
      (with a note) where R reports NA; cells R cannot estimate otherwise raise an
      :class:`~evalkit.errors.EstimationError` naming the cell.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. *Journal of Econometrics*, 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
    estimators. *Journal of Econometrics*, 219(1), 101-122.
    """
    inference, cluster = _legacy_inference(inference, deprecated)
    opts = _validate(panel, control_group, method, covariates, anticipation, base_period,
                     data_type, unbalanced, inference, cluster, alpha)
    if isinstance(panel, EnginePanel):
        check_engine_options(panel, opts)
        sample, (estimates, share, gram, draws) = estimate_blocks(panel, opts)
    else:
        sample = _prepare(panel, opts)
        estimates, share, gram, draws = _estimate(sample, opts)
    plan = sample.plan
    notes = sample.notes
    if estimates.trimmed.any():
        cells = int(np.count_nonzero(estimates.trimmed))
        notes.append(f"{int(estimates.trimmed.sum()):,} comparison observations (over {cells} "
                     f"cells) had a propensity score of at least {TRIM_LEVEL} and were given "
                     "no weight (trimmed, as R's DRDID)")
    if estimates.weak_overlap:
        cells = ", ".join(f"{cell} ({count})" for cell, count in estimates.weak_overlap)
        notes.append(f"Weak overlap: treated units with a propensity score of at least "
                     f"{OVERLAP_LIMIT} in {cells}; R's did reports these cells as NA, they are "
                     "estimated here (comparison units above the trimming level get no weight)")
    cohort = plan.cohorts[plan.cell_cohort]
    period = plan.periods[plan.cell_period]
    cohort_position = _event_positions(plan.periods, plan.cohorts)
    event_time = plan.cell_period - cohort_position[plan.cell_cohort]
    basis = AggregationBasis(
        att=estimates.att, cell_cohort=plan.cell_cohort, cell_period=period,
        cell_event_time=event_time, cohorts=plan.cohorts, cohort_position=cohort_position,
        cohort_share=share, last_position=plan.periods.size - 1,
        first_cell_position=int(plan.cell_period.min()), gram=gram, n=float(sample.n),
        draws=draws)
    cells = basis.cells(opts.alpha)
    terms = [cell_term(g, t) for g, t in zip(cohort, period, strict=True)]
    pretrend = _pretest(cells, cohort, period, estimates.att, terms, notes)
    if cells.band_fallback:
        notes.append("The bootstrap uniform band was narrower than pointwise intervals (or "
                     "undefined); the pointwise normal critical value is reported, as R's did")
    if plan.reference:
        notes.append("Universal base period: the cells of period g - 1"
                     f"{' - anticipation' if opts.anticipation else ''} are the reference, "
                     "normalised to zero")
    coefficients = Coefficients(terms, estimates.att, cells.vcov, None, opts.alpha,
                                cells.std_errors)
    facts: dict[str, object] = {
        "rows": sample.rows, "units": sample.n, "periods": int(plan.periods.size),
        "treated_units": sample.treated_units, "control_units": sample.comparison_units,
    }
    if sample.n_clusters is not None:
        facts["clusters"] = sample.n_clusters
    specification = CallawaySantAnnaSpec(
        panel=panel.specification, control_group=opts.control_group,  # type: ignore[arg-type]
        method=opts.method, covariates=opts.covariates,  # type: ignore[arg-type]
        anticipation=opts.anticipation, base_period=opts.base_period,  # type: ignore[arg-type]
        data_type=opts.data_type, unbalanced=opts.unbalanced,  # type: ignore[arg-type]
        inference=_resolved(opts), alpha=opts.alpha)
    reference = tuple((float(plan.cohorts[ci]), float(plan.periods[t]))
                      for ci, t in plan.reference)
    return GroupTimeResult(
        estimator="Callaway & Sant'Anna (2021) group-time ATT",
        estimand=ESTIMAND, outcome=panel.outcome, cohort=cohort, period=period,
        event_time=event_time, coefficients=coefficients,
        band_critical_value=cells.band_critical_value, pretrend=pretrend,
        inference=_resolved(opts), inference_text=_inference_text(sample, opts), sample=facts,
        cohort_sizes=sample.cohort_sizes, notes=tuple(notes),
        provenance=Provenance(specification.function, specification.to_dict(), panel.fingerprint,
                              sample.rows),
        basis=basis, reference_cells=reference, specification=specification)
