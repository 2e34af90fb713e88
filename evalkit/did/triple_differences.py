"""Triple differences (Ortiz-Villavicencio & Sant'Anna 2025): group-time ATT of the eligible
units of the groups that enable a treatment, with two periods or staggered adoption."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import frame_fingerprint
from evalkit.did._cs_aggregate import AggregationBasis
from evalkit.did._ddd_compute import (
    ComparisonError,
    estimate_cells,
    estimate_cells_unbalanced,
    plan_cells,
)
from evalkit.did._ddd_data import Arrays, label, read_table
from evalkit.did.callaway_santanna import _check_covariates, _event_positions, _pretest
from evalkit.did.triple_differences_spec import TripleDifferencesSpec
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.kinds import Clustered
from evalkit.inference.multiplier import (
    MultiplierBootstrap,
    make_generator,
    multiplier_draws,
    seed_problem,
)
from evalkit.results import Coefficients, Provenance
from evalkit.results.group_time import cell_term
from evalkit.results.triple_differences import TripleDifferencesResult

__all__ = ["triple_differences"]

CONTROL_GROUPS = ("never_treated", "not_yet_treated")
METHODS = ("doubly_robust", "outcome_regression", "inverse_probability")
BASE_PERIODS = ("varying", "universal")
MISSING = ("error", "drop")
UNBALANCED = ("drop_units", "keep")

ESTIMAND = ("ATT(g,t): the average effect in period t of the treatment on the eligible units "
            "of the groups that enable it from period g (cells with t < g: pseudo-effects "
            "before treatment)")


def _names(value, name: str, problems: Problems, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str) or not value:
        problems.add(f"{name}={value!r}: must be {'None or ' if optional else ''}a column name; "
                     f"got {type(value).__name__}")


def _validate(data, outcome, unit, time, first_treated, eligible, covariates, method,
              control_group, base_period, weights, cluster, n_draws, random_state, alpha,
              missing, unbalanced) -> tuple[str, ...]:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    problems = Problems()
    for name, value in (("outcome", outcome), ("unit", unit), ("time", time),
                        ("first_treated", first_treated), ("eligible", eligible)):
        _names(value, name, problems)
    _names(weights, "weights", problems, optional=True)
    _names(cluster, "cluster", problems, optional=True)
    check_choice("method", method, METHODS, problems)
    check_choice("control_group", control_group, CONTROL_GROUPS, problems)
    check_choice("base_period", base_period, BASE_PERIODS, problems)
    check_choice("missing", missing, MISSING, problems)
    check_choice("unbalanced", unbalanced, UNBALANCED, problems)
    check_alpha(alpha, problems)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 0 or (
            0 < n_draws < 2):
        problems.add(f"n_draws={n_draws!r}: must be 0 (analytic standard errors) or an integer "
                     f">= 2 (multiplier bootstrap draws); got {n_draws!r}")
    found = seed_problem("triple_differences", random_state)
    if found:
        problems.add(found.replace("triple_differences(random_state", "random_state", 1))
    names = (covariates,) if isinstance(covariates, str) else covariates
    try:
        names = tuple(names)
    except TypeError:
        problems.add(f"covariates={covariates!r}: must be a sequence of column names")
        names = ()
    roles = {outcome: "outcome", unit: "unit", time: "time", first_treated: "first_treated",
             eligible: "eligible"}
    for name in names:
        if not isinstance(name, str):
            problems.add(f"covariates={list(names)!r}: {name!r} is not a column name")
        elif name in roles:
            problems.add(f"covariates={list(names)!r}: {name!r} is the {roles[name]} column "
                         "and cannot be a covariate")
    if len(set(map(str, names))) != len(names):
        problems.add(f"covariates={list(names)!r}: a covariate is listed twice")
    roles_named = [v for v in (outcome, unit, time, first_treated, eligible) if isinstance(v, str)]
    if len(set(roles_named)) != len(roles_named):
        problems.add(f"outcome={outcome!r}, unit={unit!r}, time={time!r}, first_treated="
                     f"{first_treated!r}, eligible={eligible!r}: must be five different columns")
    problems.raise_if_any(InputError, "Invalid arguments to triple_differences:")
    return names


def _describe(arrays: Arrays, plan):
    def describe(cell: int, c: int, grp: int, q: int) -> str:
        g = arrays.groups[plan.cohorts[cell]]
        t = arrays.periods[plan.periods[cell]]
        base = arrays.periods[plan.bases[cell]]
        what = ("its ineligible units" if grp == plan.cohorts[cell] else
                f"the {'eligible' if q else 'ineligible'} units of "
                + ("the never-enabled groups" if np.isinf(arrays.groups[c]) else
                   f"group {label(arrays.groups[c])}"))
        return (f"{cell_term(g, t)} (base period {label(base)}): comparing the eligible units "
                f"of group {label(g)} with {what}")
    return describe


def triple_differences(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    eligible: str,
    covariates: Sequence[str] = (),
    method: Literal["doubly_robust", "outcome_regression", "inverse_probability"] = (
        "doubly_robust"),
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    base_period: Literal["varying", "universal"] = "varying",
    weights: str | None = None,
    cluster: str | None = None,
    n_draws: int = 0,
    random_state: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    missing: Literal["error", "drop"] = "error",
    unbalanced: Literal["drop_units", "keep"] = "drop_units",
) -> TripleDifferencesResult:
    r"""Triple-difference (DDD) group-time average treatment effects.

    A treatment reaches a unit when two conditions hold: its group (a state, a county)
    enables the treatment, from period :math:`S = g` on, and the unit is eligible,
    :math:`Q = 1` (women, tobacco farmers ...). The estimand is the average effect on the
    eligible units of the groups enabled in period :math:`g`:

    .. math:: ATT(g,t) = E[Y_t(g) - Y_t(\infty) \mid S = g, Q = 1].

    Under DDD parallel trends conditional on covariates :math:`X` (the difference in
    trends between eligible and ineligible units is the same in every group), with base
    period :math:`b` and comparison group :math:`c`,

    .. math::
        ATT(g,t) = DiD_X(g1, g0) + DiD_X(g1, c1) - DiD_X(g1, c0),

    where :math:`DiD_X(g1, s)` compares the outcome change from :math:`b` to :math:`t` of
    the eligible units of group :math:`g` with that of subgroup :math:`s`, reweighted (or
    regression-adjusted) to the covariates of the former (Ortiz-Villavicencio &
    Sant'Anna 2025, eq. 3.5). Each of the three is the panel estimator of Sant'Anna & Zhao
    (2020) by ``method``. This is not the difference of two DiDs (eligible minus
    ineligible), which is biased when covariates matter; without covariates, the two
    coincide. With several not-yet-treated comparison groups, their DDDs are combined by
    optimal GMM weights :math:`\hat w = \hat\Omega^{-1}1 / 1'\hat\Omega^{-1}1`
    (:math:`\hat\Omega` the covariance of their influence functions; eq. 4.11).

    Parameters
    ----------
    data
        Long panel: one row per unit and period. Only read.
    outcome, unit, time
        Columns of the outcome, the unit identifier and the period (numeric).
    first_treated
        Each unit's enabling group: the first period in which its group enables the
        treatment; 0 (or a period after the last) for never (R's ``gname``). Constant
        within units. With two periods it is the second period or 0.
    eligible
        The 0/1 column of eligibility (R's ``pname``), constant within units.
    covariates
        Covariates of the propensity scores and outcome regressions (R's ``xformla``),
        taken in each cell's base period. An intercept is always included.
    method
        ``"doubly_robust"`` (R's ``est_method="dr"``), ``"outcome_regression"``
        (``"reg"``) or ``"inverse_probability"`` (``"ipw"``).
    control_group
        ``"never_treated"`` (groups never enabled) or ``"not_yet_treated"`` (also groups
        enabled after ``max(t, b)``, combined by GMM).
    base_period
        ``"varying"``: pre-treatment cells compare t with t - 1; ``"universal"``: every
        cell compares with g - 1, whose cell is the reference normalised to zero.
        Post-treatment cells are the same.
    weights
        Column of sampling weights, constant within units (R's ``weightsname``).
    cluster
        Column to cluster the standard errors on, constant within units (default: the
        unit).
    n_draws
        0 (default): analytic standard errors from the influence functions; otherwise
        the number of multiplier bootstrap draws (Rademacher), which also give uniform
        bands.
    random_state
        Seed of the bootstrap.
    alpha
        Significance level of the intervals.
    missing
        ``"error"`` (default) names the rows with missing values; ``"drop"`` drops them.
    unbalanced
        For a panel where some units miss periods: ``"drop_units"`` (default, R's
        ``allow_unbalanced_panel=FALSE``) keeps the units observed in every period;
        ``"keep"`` (R's ``allow_unbalanced_panel=TRUE``) uses every observation: each DiD
        treats the observations of its two periods as repeated cross-sections (R
        ``DRDID``'s ``drdid_rc``, ``reg_did_rc``, ``std_ipw_did_rc``) and a unit's
        influence functions are summed. Covariates are then each observation's own.

    Returns
    -------
    TripleDifferencesResult
        The ATT(g,t), the pre-test of parallel trends, and the aggregations
        :meth:`~TripleDifferencesResult.overall`, :meth:`~TripleDifferencesResult.by_cohort`,
        :meth:`~TripleDifferencesResult.by_period` and
        :meth:`~TripleDifferencesResult.event_study` (R's ``agg_ddd``).

    Raises
    ------
    InputError
        Unknown options, badly typed arguments.
    DataError
        Missing columns or values (naming the rows), an eligibility column with one level
        or values other than 0/1, first_treated, eligible, weights or cluster varying
        within a unit (naming the units), an empty (enabling group x eligibility) cell in
        some period (naming the cells), no never-enabled group with
        ``control_group="never_treated"``.
    EstimationError
        A comparison that cannot be estimated (naming the cell and the subgroups).

    Notes
    -----
    As R ``triplediff::ddd`` (panel data): units not observed in every period are dropped
    (with a note), groups enabled in the first period are dropped, comparison units with a
    propensity score of 0.995 or more get no weight. Cell standard errors are
    :math:`\sqrt{\sum_i \psi_i^2} / n` (:math:`\psi` the influence function); with two
    periods R uses the standard deviation of :math:`\psi` (``n - 1``), and so does this
    function. Aggregations weight cohorts by the share of units in their enabling group
    (R's ``agg_ddd``), with the estimation of these weights in the influence function.
    Clustered analytic variances sum influence functions within clusters and multiply by
    G/(G-1).

    Deliberate differences from R ``triplediff`` 0.2: the overall ATT of
    :meth:`~TripleDifferencesResult.by_cohort` counts the estimation of the group weights
    with each group's own indicator (R reuses the indicators of the first cells, the
    slip corrected in R ``did``'s pull request 223; the two agree with one enabling
    group); cells where a logit cannot be fitted or a regression design is singular raise
    an :class:`~evalkit.errors.EstimationError` naming the cell, where R warns and drops
    the comparison.

    References
    ----------
    Ortiz-Villavicencio, M. and Sant'Anna, P. H. C. (2025). Better understanding triple
    differences estimators. arXiv:2505.09942.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
    estimators. *Journal of Econometrics*, 219(1), 101-122.
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. *Journal of Econometrics*, 225(2), 200-230.
    """
    names = _validate(data, outcome, unit, time, first_treated, eligible, covariates, method,
                      control_group, base_period, weights, cluster, n_draws, random_state,
                      alpha, missing, unbalanced)
    arrays = read_table(data, outcome=outcome, unit=unit, time=time,
                        first_treated=first_treated, eligible=eligible, covariates=names,
                        weights=weights, cluster=cluster, missing=missing,
                        control_group=control_group, unbalanced=unbalanced)
    groups, periods = arrays.groups, arrays.periods
    never = bool(np.isinf(groups).any())
    if control_group == "never_treated" and not never:
        raise DataError("control_group='never_treated': no group is never enabled (first_treated "
                        "0 or after the last period); use control_group='not_yet_treated'")
    # groups enabled within the periods kept (without never-enabled groups and with
    # not-yet-treated comparisons, the last one is past them: a comparison only)
    treated = [j for j, g in enumerate(groups) if periods[0] < g <= periods[-1]]
    if not treated:
        raise DataError("No enabling group has a period before treatment and comparison groups")
    if arrays.covariates is not None:
        _check_covariates(arrays.covariates.transpose(1, 0, 2).reshape(len(names), -1), names)
    elif arrays.row_covariates is not None:
        _check_covariates(arrays.row_covariates, names)
    plan = plan_cells(periods, groups, np.array(treated), base_period=base_period,
                      control_group=control_group)
    if not plan.cohorts:
        raise DataError("No ATT(g,t) cell has a comparison group")
    n = arrays.weights.size
    k, c = len(plan.cohorts), len(treated)
    moments = np.zeros((k + c, n))
    if arrays.row_outcome is not None:
        subgroup = 2 * arrays.group_code + arrays.eligible
        fit = estimate_cells_unbalanced(
            arrays.row_outcome, arrays.row_period, arrays.row_unit, subgroup[arrays.row_unit],
            arrays.row_covariates, arrays.row_weights, plan, method=method, psi=moments[:k],
            label=lambda cell: cell_term(groups[plan.cohorts[cell]],
                                         periods[plan.periods[cell]]),
            names=names)
    else:
        try:
            fit = estimate_cells(arrays.outcome, arrays.covariates, arrays.weights,
                                 arrays.layout, plan, method=method, psi=moments[:k],
                                 describe=_describe(arrays, plan))
        except ComparisonError as err:
            raise EstimationError(f"triple_differences: cannot estimate {err}") from None
    for r, j in enumerate(treated):
        moments[k + r] = (arrays.group_code == j) * arrays.weights
    share = moments[k:].sum(axis=1) / n
    scores = moments
    if arrays.clusters is None:
        gram = moments @ moments.T
        if periods.size == 2:  # R's two-period estimator: sd(psi) / sqrt(n)
            gram = gram * n / (n - 1)
    else:
        scores = np.vstack([np.bincount(arrays.clusters, weights=row, minlength=arrays.n_clusters)
                            for row in moments])
        gram = scores @ scores.T * (arrays.n_clusters / (arrays.n_clusters - 1))
    draws = None
    inference: Clustered | MultiplierBootstrap = Clustered(cluster or unit)
    if n_draws:
        inference = MultiplierBootstrap(n_draws=int(n_draws), random_state=random_state,
                                        cluster=cluster or unit)
        draws = multiplier_draws(scores, n_draws=int(n_draws),
                                 rng=make_generator(random_state), scale=n)
    return _result(data, arrays, plan, fit, treated, share, gram, draws, inference, names,
                   dict(outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                        eligible=eligible, method=method, control_group=control_group,
                        base_period=base_period, weights=weights, missing=missing,
                        unbalanced=unbalanced, alpha=float(alpha)))


def _inference_text(arrays: Arrays, inference, two_periods: bool) -> str:
    if arrays.clusters is None:
        level = "at the unit level"
    else:
        level = (f"clustered by {inference.cluster!r} ({arrays.n_clusters:,} clusters; "
                 "influence functions summed within clusters)")
    if isinstance(inference, MultiplierBootstrap):
        unit = "cluster" if arrays.clusters is not None else "unit"
        return (f"{inference.describe()}, one multiplier per {unit}, {level}; standard errors "
                "from the interquartile range of the draws")
    extra = ", variance times G/(G-1)" if arrays.clusters is not None else (
        ", standard deviation with n - 1 as R's two-period ddd" if two_periods else
        ", as R triplediff with boot=FALSE")
    return f"analytic, from the influence functions {level}{extra}"


def _result(data, arrays: Arrays, plan, fit, treated, share, gram, draws, inference, names,
            options) -> TripleDifferencesResult:
    groups, periods = arrays.groups, arrays.periods
    notes = list(arrays.notes)
    if fit.trimmed:
        notes.append(f"{fit.trimmed:,} comparison units (counted once per comparison) had a "
                     "propensity score of at least 0.995 and were given no weight (as R)")
    if fit.gmm_cells:
        notes.append(f"{fit.gmm_cells} cells pool several not-yet-treated comparison groups "
                     "with optimal GMM weights")
    cell_group = np.searchsorted(np.array(treated), np.array(plan.cohorts))
    cohort = groups[np.array(plan.cohorts)]
    period = periods[np.array(plan.periods)]
    cohorts = groups[np.array(treated)]
    cohort_position = _event_positions(periods, cohorts)
    event_time = np.array(plan.periods) - cohort_position[cell_group]
    basis = AggregationBasis(
        att=fit.att, cell_cohort=cell_group, cell_period=period, cell_event_time=event_time,
        cohorts=cohorts, cohort_position=cohort_position, cohort_share=share,
        last_position=periods.size - 1, first_cell_position=int(min(plan.periods)),
        gram=gram, n=float(arrays.weights.size), draws=draws)
    cells = basis.cells(options["alpha"])
    terms = [cell_term(g, t) for g, t in zip(cohort, period, strict=True)]
    pretrend = _pretest(cells, cohort, period, fit.att, terms, notes)
    if plan.reference:
        notes.append("Universal base period: the cells of period g - 1 are the reference, "
                     "normalised to zero")
    std_errors = cells.std_errors
    pooled = np.isfinite(fit.gmm_std_error)
    if std_errors is None and arrays.clusters is None and pooled.any():
        # R reports 1 / sqrt(n 1' Omega^-1 1) for cells pooling comparison groups
        std_errors = np.where(pooled, fit.gmm_std_error, np.sqrt(np.diag(cells.vcov)))
    coefficients = Coefficients(terms, fit.att, cells.vcov, None, options["alpha"],
                                std_errors)
    n = arrays.weights.size
    sizes = {}
    for j, g in enumerate(groups):
        for q in (1, 0):
            sizes[f"{label(g)}, {'eligible' if q else 'ineligible'}"] = arrays.layout.size(j, q)
    facts: dict[str, object] = {
        "rows": arrays.rows, "units": n, "periods": int(periods.size),
        "treated_units": int(sum(arrays.layout.size(j, 1) for j in treated)),
        "control_units": int(n - sum(arrays.layout.size(j, 1) for j in treated)),
    }
    if arrays.n_clusters is not None:
        facts["clusters"] = arrays.n_clusters
    specification = TripleDifferencesSpec(covariates=names, inference=inference, **options)
    reference = tuple((float(groups[j]), float(periods[t])) for j, t in plan.reference)
    return TripleDifferencesResult(
        estimator="Ortiz-Villavicencio & Sant'Anna (2025) triple differences, group-time ATT",
        estimand=ESTIMAND, outcome=options["outcome"], cohort=cohort, period=period,
        event_time=event_time, coefficients=coefficients,
        band_critical_value=cells.band_critical_value, pretrend=pretrend, inference=inference,
        inference_text=_inference_text(arrays, inference, periods.size == 2), sample=facts,
        cohort_sizes=sizes, notes=tuple(notes),
        provenance=Provenance(specification.function, specification.to_dict(),
                              frame_fingerprint(data), arrays.rows),
        basis=basis, reference_cells=reference, specification=specification)
