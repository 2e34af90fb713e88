r"""The imputation estimator of Borusyak, Jaravel & Spiess (2024) for staggered adoption.

Two public functions share one computation (:mod:`evalkit.did._imputation_compute`):

- :func:`imputation`: effects by event time, with the pre-trend test, as an
  :class:`~evalkit.results.EventStudyResult`;
- :func:`imputation_overall`: the average effect over every treated observation (the
  ATT), as a :class:`~evalkit.results.DiDResult`.

Both also take a panel held by an engine (an
:class:`~evalkit.data.unit_blocks.EnginePanel`: DuckDB, Dask), larger than memory: the
same numbers are then computed from sums over blocks of whole units, in three passes
over the data (:mod:`evalkit.did._imputation_blocks`).

Conventions: those of the authors' Stata command ``did_imputation`` (version of
22 November 2023) with its recommended ``leaveout`` option. Kyle Butts's R package
``didimputation`` gives the same estimates; its standard errors omit the leave-out
refinement, which makes them slightly smaller.

- the untreated observations :math:`\Omega_0` are the never-treated ones and the
  not-yet-treated ones, :math:`t < G_i - \text{anticipation}`; the model
  :math:`Y_{it}(0) = \alpha_i + \lambda_t + X_{it}'\gamma` is fitted on them by least
  squares (weighted by the panel's weights, if any);
- an estimand is a weighted average of the imputed effects
  :math:`\hat\tau_{it} = Y_{it} - \hat Y_{it}(0)`, each treated observation weighing
  equally, or by the panel's weights;
- standard errors are the conservative clustered ones of BJS Theorem 3: every
  observation carries the implicit weight :math:`v_{it}` of the linear estimator
  (:math:`v_{it} = w_{it}` on treated observations,
  :math:`v = -W_0 Z_0 (Z_0'W_0 Z_0)^{-1} Z_1' w` on untreated ones, computed exactly
  without forming any observations-sized matrix), the residuals are the step-1 residuals
  on untreated observations and, on treated ones, the leave-out residuals of the
  auxiliary model that averages effects within cohort x event-time cells (Section 4.3,
  equation (8), with the leave-out refinement of Supplementary Appendix A.9: the
  ``leaveout`` option that the Stata help recommends, with its default
  ``avgeffectsby(Ei t)``), and :math:`\hat V = \sum_c (\sum_{it \in c} v_{it}
  \tilde\varepsilon_{it})^2`, with no small-sample factor and normal critical values;
- the pre-trend test (Section 4.4; the ``pretrends()`` option) is a separate
  least-squares regression on untreated observations only of the outcome on the unit
  and period effects, the covariates and indicators of being 1, 2, ... periods before
  treatment; its coefficients have cluster-robust standard errors with the small-sample
  factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}` of evalkit's fixed-effects regressions,
  and the joint test is an F test with :math:`(P, G-1)` degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import EnginePanel
from evalkit.did import _imputation_blocks as blocks
from evalkit.did import _imputation_compute as compute
from evalkit.did.specs import ImputationOverallSpec, ImputationSpec
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.covariance import cluster_correction
from evalkit.inference.kinds import Clustered
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import (
    Coefficients,
    DiDResult,
    EventStudyResult,
    Provenance,
    WaldTest,
    event_term,
)

__all__ = ["imputation", "imputation_overall", "ESTIMATOR"]

ESTIMATOR = "Imputation (Borusyak, Jaravel & Spiess)"
AverageEffectsBy = Literal["cohort_event_time", "event_time"]
_GROUPINGS = ("cohort_event_time", "event_time")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_arguments(panel: Panel | EnginePanel, anticipation: int, cluster: str | None,
                     alpha: float, average_effects_by: str, problems: Problems) -> None:
    if not isinstance(panel, Panel | EnginePanel):
        raise InputError(f"panel: must be an evalkit Panel (see evalkit.data.Panel) or a panel "
                         f"held by an engine; got {type(panel).__name__}")
    check_alpha(alpha, problems)
    check_choice("average_effects_by", average_effects_by, _GROUPINGS, problems)
    if not _is_int(anticipation) or anticipation < 0:
        problems.add(f"anticipation={anticipation!r}: must be an integer >= 0 (the number of "
                     f"periods before treatment in which units may already react); got "
                     f"{anticipation!r}")
    elif anticipation >= panel.n_periods:
        problems.add(f"anticipation={anticipation!r}: must be smaller than the number of periods "
                     f"({panel.n_periods}); got {anticipation!r}")
    if cluster is not None and (not isinstance(cluster, str) or cluster not in panel.columns):
        problems.add(f"cluster={cluster!r}: must be one of the panel's columns "
                     f"({', '.join(map(repr, panel.columns))}), declared when building the "
                     f"Panel; got {cluster!r}")
    elif (cluster is not None and isinstance(panel, EnginePanel)
          and cluster not in (panel.unit, panel.cluster)):
        allowed = " or ".join(repr(c) for c in dict.fromkeys((panel.unit, panel.cluster)) if c)
        problems.add(f"cluster={cluster!r}: on a panel held by an engine, standard errors are "
                     f"clustered by the unit or by the cluster column declared when building "
                     f"the panel (constant within unit): {allowed}; got {cluster!r}")


# ---------------------------------------------------------------------------- the grid
def _grid_data(panel: Panel, cluster: str) -> compute.GridData:
    """The panel's columns on the units x periods grid (views when the panel is balanced)."""
    n_units, n_periods = panel.n_units, panel.n_periods
    unit_index = panel.unit_index
    if panel.is_balanced:
        observed = None

        def to_grid(values: np.ndarray) -> np.ndarray:
            return values.reshape(n_units, n_periods)
    else:
        flat = unit_index.astype(np.int64) * n_periods + panel.period_index
        observed = np.zeros(n_units * n_periods, dtype=bool)
        observed[flat] = True
        observed = observed.reshape(n_units, n_periods)

        def to_grid(values: np.ndarray) -> np.ndarray:
            grid = np.zeros(n_units * n_periods, dtype=values.dtype)
            grid[flat] = values
            return grid.reshape(n_units, n_periods)

    starts = np.searchsorted(unit_index, np.arange(n_units))
    event_time = panel.event_time()
    cohort_position = panel.period_index[starts] - event_time[starts]
    del event_time
    weights = to_grid(panel.values(panel.weights)) if panel.weights else None
    covariates = tuple(to_grid(panel.values(c)) for c in panel.covariates)
    if cluster == panel.unit:
        clusters = compute.Clusters("unit", None, n_units)
    else:
        codes, uniques = pd.factorize(panel.data[cluster], sort=True)
        grid = to_grid(codes.astype(np.int64))
        count = len(uniques)
        per_unit = codes[starts].astype(np.int64)
        check = grid == per_unit[:, None]
        nested = bool(check.all() if observed is None else (check | ~observed).all())
        clusters = (compute.Clusters("nested", per_unit, count) if nested
                    else compute.Clusters("cell", grid, count))
    return compute.GridData(outcome=to_grid(panel.values(panel.outcome)), observed=observed,
                            weights=weights, covariates=covariates,
                            cohort_position=cohort_position, clusters=clusters,
                            period_labels=panel.periods, covariate_names=panel.covariates)


def _check_pre_periods(data: compute.GridData, anticipation: int) -> None:
    position = data.cohort_position
    if data.observed is None:
        first = np.zeros(position.shape)
    else:
        first = np.argmax(data.observed, axis=1).astype(float)
    with np.errstate(invalid="ignore"):
        has_pre = ~np.isnan(position) & (first < position - anticipation)
    if not has_pre.any():
        raise compute.no_pre_period_error(anticipation)


def _clusters_used(design: compute.Design) -> int:
    clusters = design.data.clusters
    kept = design.solver.unit_weight > 0
    if clusters.kind == "unit":
        return int(kept.sum())
    if clusters.kind == "nested":
        return int(np.unique(clusters.codes[kept]).size)  # type: ignore[index]
    used = (design.w0 > 0) | (design.w1 > 0)
    return int(np.unique(clusters.codes[used]).size)  # type: ignore[index]


Design = compute.Design | blocks.BlockDesign


def _fit(panel: Panel | EnginePanel, anticipation: int, cluster: str | None, *,
         leads: bool = True) -> tuple[Design, str, int]:
    """Step 1 and its checks; ``leads=False``: the pre-trend test will not be asked for
    (an engine's panel then spares its computations)."""
    column = cluster or panel.cluster_column
    design: Design
    if isinstance(panel, EnginePanel):
        design = blocks.prepare(panel, anticipation, column, leads=leads)
        n_clusters = design.n_clusters
    else:
        data = _grid_data(panel, column)
        _check_pre_periods(data, anticipation)
        design = compute.prepare(data, anticipation)
        n_clusters = _clusters_used(design)
    if n_clusters < 2:
        raise DataError(f"cluster={column!r}: cluster-robust standard errors need at least 2 "
                        f"clusters among the observations used; got {n_clusters}")
    return design, column, n_clusters


def _backend(design: Design) -> Any:
    """The module that computes on ``design``: on the grid, or in passes over blocks."""
    return blocks if isinstance(design, blocks.BlockDesign) else compute


def _with_scores(design: Design, effects: Any, leads: Any) -> tuple[Any, Any]:
    """Effects and leads with their cluster scores: on an engine's panel, one last pass
    over the data computes them all (the grid's estimates carry them already)."""
    if isinstance(design, blocks.BlockDesign):
        return blocks.with_scores(design, effects, leads)
    return effects, leads


def _sample(panel: Panel | EnginePanel, design: Design, n_clusters: int, treated_rows: int
            ) -> dict[str, int]:
    kept = (design.kept_units if isinstance(design, blocks.BlockDesign)
            else int((design.solver.unit_weight > 0).sum()))
    return {"rows": design.untreated_cells + treated_rows, "units": kept,
            "periods": panel.n_periods, "treated_units": design.treated_units,
            "control_units": panel.n_never_treated_units, "clusters": n_clusters,
            "treated_rows": treated_rows, "control_rows": design.untreated_cells,
            "always_treated_units_dropped": design.dropped_units,
            "treated_rows_without_untreated_period": design.dropped_cells}


_DEFAULT_INFERENCE = Clustered()
register_inference("imputation", Clustered)
register_inference("imputation_overall", Clustered)


def _cluster(function: str, inference: Any, deprecated: dict[str, Any]) -> str | None:
    """The clustering column asked for, given the deprecated ``cluster=`` too."""
    inference = renamed(function, deprecated, "cluster", "inference", inference,
                        _DEFAULT_INFERENCE, convert=Clustered)
    refuse_unknown(function, deprecated)
    return check_inference(function, inference).cluster


def _inference(column: str, n_clusters: int, average_effects_by: str) -> str:
    cells = "cohort x event time" if average_effects_by == "cohort_event_time" else "event time"
    return (f"conservative cluster-robust (Borusyak, Jaravel & Spiess 2024, Theorem 3; "
            f"leave-out residuals averaged by {cells}), clustered by {column!r}, "
            f"{n_clusters:,} clusters")


def _weighting(panel: Panel | EnginePanel) -> str:
    return (f"weighted by {panel.weights!r}" if panel.weights
            else "each treated observation weighing equally")


# ---------------------------------------------------------------------------- event study
def imputation(
    panel: Panel | EnginePanel,
    *,
    window: tuple[int, int] | None = None,
    horizons: Sequence[int] | None = None,
    pretrend_periods: int | None = None,
    anticipation: int = 0,
    inference: Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    average_effects_by: AverageEffectsBy = "cohort_event_time",
    **deprecated: Any,
) -> EventStudyResult:
    r"""Estimate event-study effects with the imputation estimator of Borusyak, Jaravel & Spiess.

    Three steps:

    1. fit :math:`Y_{it} = \alpha_i + \lambda_t + X_{it}'\gamma + \varepsilon_{it}` by least
       squares on the untreated observations :math:`\Omega_0` only: never-treated units
       and not-yet-treated periods, :math:`t < G_i - a` with :math:`G_i` the first
       treated period and :math:`a` the anticipation;
    2. impute :math:`\hat Y_{it}(0) = \hat\alpha_i + \hat\lambda_t + X_{it}'\hat\gamma` for
       every treated observation and take :math:`\hat\tau_{it} = Y_{it} - \hat Y_{it}(0)`;
    3. average: the effect :math:`k` periods after treatment starts is

       .. math:: \hat\tau_k = \sum_{it:\, t - G_i = k} \omega_{it} \hat\tau_{it} \Big/
                 \sum_{it:\, t - G_i = k} \omega_{it}

       with :math:`\omega_{it} = 1`, or the panel's weights (which then also weight
       step 1, as Stata's ``[aw=]``).

    Under parallel trends and no anticipation beyond :math:`a`, :math:`\hat\tau_k` is
    unbiased for the average effect on the units treated :math:`k` periods earlier,
    whatever the heterogeneity of effects across cohorts and over time, and it is the
    efficient linear unbiased estimator when errors are homoskedastic and serially
    uncorrelated (BJS 2024, Theorem 2). Units treated in
    every period they are observed have no untreated observation from which to learn
    their unit effect: they are dropped, and their number is recorded in
    ``sample["always_treated_units_dropped"]`` (treated observations in periods without
    any untreated observation are dropped likewise and counted in
    ``sample["treated_rows_without_untreated_period"]``).

    The pre-treatment coefficients (event times :math:`-a-1, -a-2, \ldots`) come from
    the paper's separate pre-trend test (Section 4.4): on :math:`\Omega_0` only,
    regress :math:`Y_{it}` on the unit and period effects, the covariates and the
    indicators :math:`\mathbf{1}\{t - G_i = -a-j\}` for :math:`j = 1..P`; the reference is
    every untreated observation more than :math:`P` periods before treatment and every
    never-treated observation, hence ``reference_period=None``. They never change the
    post-treatment estimates, which always assume parallel trends.

    Parameters
    ----------
    panel
        The validated panel, in memory or held by an engine (an
        :class:`~evalkit.data.unit_blocks.EnginePanel`, with the same results); its
        covariates enter step 1 linearly, its weights (if any) weight step 1 and the
        averages.
    window
        ``(first, last)``: the event times to estimate, as in
        :func:`~evalkit.did.event_study` (0 = first treated period). It stands for
        ``horizons`` = every event time from ``max(first, -anticipation)`` to ``last``
        with imputed treated observations, and ``pretrend_periods`` =
        ``max(0, -anticipation - first)`` leads (event times ``first .. -anticipation-1``),
        or every identified one when the window reaches every pre-treatment period. Give
        either ``window`` or the finer ``horizons``/``pretrend_periods``. Default: every
        event time.
    horizons
        Event times to report (0 = first treated period), when they are not a range;
        each must have treated observations. Default: every event time from
        ``-anticipation`` on.
    pretrend_periods
        Number :math:`P` of leads in the pre-trend test; 0 skips the test. Default: as
        many as the untreated observations identify (with never-treated units, all the
        pre-treatment periods but the earliest).
    anticipation
        Number of periods before :math:`G_i` in which units may already react: those
        observations are treated as treated, and their effects are reported at event
        times ``-anticipation .. -1``.
    inference
        ``Clustered()`` (default: the panel's cluster column, else its unit, clustering
        by unit as ``did_imputation``) or ``Clustered("column")``: the conservative
        cluster-robust standard errors of the paper. (``cluster="column"`` is the
        deprecated spelling of ``inference=Clustered("column")``.) On a panel held by an
        engine, the column must be the unit or the panel's cluster column (constant
        within unit); any other is refused with an ``InputError``.
    alpha
        Significance level; confidence intervals use normal critical values.
    average_effects_by
        Cells within which the auxiliary model averages the imputed effects to form
        the residuals of treated observations: ``"cohort_event_time"`` (the paper's and
        ``did_imputation``'s default, ``avgeffectsby(Ei t)``) or ``"event_time"``
        (pooling cohorts, ``avgeffectsby(K)``: use it when some cohorts have a single
        cluster; standard errors are then more conservative if effects differ across
        cohorts).

    Returns
    -------
    EventStudyResult
        Leads then effects, with their joint covariance; ``pretrend`` is the F test
        that the leads are all zero, with :math:`(P, G-1)` degrees of freedom
        (:math:`P` leads, :math:`G` clusters; when :math:`P \ge G` the leads' covariance
        has rank :math:`r < P` and the test keeps :math:`r` constraints, as Stata's
        ``test``). The summary states the estimand, the clusters and the sample, with
        the units dropped for lack of untreated observations.

    Raises
    ------
    InputError
        For invalid arguments (each named, with what was expected).
    DataError
        No pre-treatment observation for any treated unit, a horizon without treated
        observations, more leads than pre-treatment periods, fewer than 2 clusters.
    EstimationError
        Effects not identified (untreated observations not linking all units and
        periods, covariates absorbed by the fixed effects, collinear leads), or a group
        of the auxiliary model with a single cluster.

    See Also
    --------
    imputation_overall : the average effect over every treated observation.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. *Review of Economic Studies*, 91(6), 3253-3285.
    Borusyak, K. (2023). ``did_imputation``: Stata module (version of 22 November 2023).
    Butts, K. (2021). ``didimputation``: R package.

    Examples
    --------
    >>> from evalkit import Panel
    >>> from evalkit.datasets import load_mpdta
    >>> panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...               first_treated="first.treat")
    >>> result = imputation(panel)
    >>> result.event_time
    (-3, -2, -1, 0, 1, 2, 3)
    """
    cluster = _cluster("imputation", inference, deprecated)
    problems = Problems()
    _check_arguments(panel, anticipation, cluster, alpha, average_effects_by,
                     problems)
    if horizons is not None:
        if isinstance(horizons, str | bytes) or not isinstance(horizons, Sequence | np.ndarray) \
                or not all(_is_int(h) for h in horizons) or len(horizons) == 0:
            problems.add(f"horizons={horizons!r}: must be a non-empty sequence of integers (event "
                         f"times, 0 = first treated period); got {horizons!r}")
        elif len(set(int(h) for h in horizons)) != len(horizons):
            problems.add(f"horizons={list(horizons)!r}: must not repeat an event time")
    if pretrend_periods is not None and (not _is_int(pretrend_periods) or pretrend_periods < 0):
        problems.add(f"pretrend_periods={pretrend_periods!r}: must be None (as many leads as "
                     f"identified) or an integer >= 0 (0 skips the test); got "
                     f"{pretrend_periods!r}")
    if window is not None:
        _check_window(window, horizons, pretrend_periods, problems)
    problems.raise_if_any(InputError, "Invalid arguments to imputation:")

    no_leads = pretrend_periods == 0 or (window is not None and anticipation + window[0] >= 0)
    design, column, n_clusters = _fit(panel, anticipation, cluster, leads=not no_leads)
    backend = _backend(design)
    available = backend.available_effect_times(design)
    if window is not None:
        horizons, pretrend_periods = _window_options(design, window, anticipation, available)
    if horizons is None:
        chosen = available
    else:
        chosen = sorted(int(h) for h in horizons)
        missing = [h for h in chosen if h not in available]
        if missing:
            hint = (" (pre-treatment coefficients come from the pre-trend test: see "
                    "pretrend_periods)" if min(missing) < -anticipation else "")
            raise DataError(f"horizons={list(horizons)!r}: every horizon must be an event time "
                            f"with imputed treated observations ({_ranges(available)}); "
                            f"{missing} have none{hint}")
    effects = backend.estimate_effects(design, chosen, average_effects_by)

    n_leads = _lead_count(design, pretrend_periods, anticipation)
    leads = backend.estimate_leads(design, n_leads) if n_leads else None
    effects, leads = _with_scores(design, effects, leads)
    estimate, vcov = effects.estimates, effects.scores.T @ effects.scores
    event_times = list(effects.event_times)
    pretrend = None
    if leads is not None:
        lead_estimate, lead_vcov, cross = _lead_inference(leads, effects, len(panel.covariates))
        estimate = np.concatenate([lead_estimate, estimate])
        vcov = np.block([[lead_vcov, cross], [cross.T, vcov]])
        event_times = sorted(leads.event_times) + event_times
        pretrend = _pretrend_test(lead_estimate, lead_vcov,
                                  [event_term(k) for k in sorted(leads.event_times)],
                                  leads.n_clusters)
    terms = [event_term(k) for k in event_times]
    coefficients = Coefficients(terms, estimate, vcov, None, alpha)
    sample = _sample(panel, design, n_clusters, int(effects.cell_counts.sum()))
    specification = ImputationSpec(
        panel=panel.specification, horizons=tuple(effects.event_times),
        pretrend_periods=n_leads, anticipation=anticipation, inference=Clustered(column),
        average_effects_by=average_effects_by, alpha=alpha)
    estimand = (f"average over treated observations k periods after their first treatment "
                f"({_weighting(panel)}) of the imputed effect Y_it - Y_it(0), Y_it(0) from unit "
                f"and period effects fitted on untreated observations (k >= "
                f"{-anticipation}); for k < {-anticipation}: coefficients of the pre-trend "
                f"test regression on untreated observations, relative to every earlier and "
                f"never-treated observation")
    return EventStudyResult(
        estimator=ESTIMATOR, estimand=estimand, outcome=panel.outcome,
        event_time=tuple(event_times), coefficients=coefficients, reference_period=None,
        pretrend=pretrend, inference=Clustered(column),
        inference_text=_inference(column, n_clusters, average_effects_by),
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, sample["rows"]),
        specification=specification)


def _check_window(window: object, horizons: object, pretrend_periods: object,
                  problems: Problems) -> None:
    if (not isinstance(window, tuple | list) or len(window) != 2
            or not all(_is_int(w) for w in window) or window[0] > window[1]):
        problems.add(f"window={window!r}: must be two integers (first, last) with first <= "
                     f"last, e.g. (-4, 3); got {window!r}")
    if horizons is not None or pretrend_periods is not None:
        problems.add(f"window={window!r}: give either window or horizons/pretrend_periods "
                     f"(the finer spelling), not both; got horizons={horizons!r}, "
                     f"pretrend_periods={pretrend_periods!r}")


def _window_options(design: Design, window: Sequence[int], anticipation: int,
                    available: list[int]) -> tuple[list[int], int | None]:
    """``horizons`` and ``pretrend_periods`` that a ``window=(first, last)`` stands for."""
    first, last = int(window[0]), int(window[1])
    horizons = [h for h in available if max(first, -anticipation) <= h <= last]
    if not horizons:
        raise DataError(f"window={tuple(window)!r}: must contain an event time with imputed "
                        f"treated observations ({_ranges(available)}); got {tuple(window)!r}")
    leads = max(0, -anticipation - first)
    # a window reaching every pre-treatment period asks for every identified lead
    return horizons, (None if leads >= _backend(design).available_lead_count(design) else leads)


def _lead_count(design: Design, pretrend_periods: int | None, anticipation: int) -> int:
    """The number of leads of the pre-trend test: as asked, or every identified one.

    Each lead is residualised on the effects separately, so whether the first ``P``
    leads are identified only needs the ``P x P`` block of their Gram matrix.
    """
    backend = _backend(design)
    available = backend.available_lead_count(design)
    if pretrend_periods is None:
        return backend.identified_lead_count(design, available)
    if pretrend_periods > available:
        window = " (before the anticipation window)" if anticipation else ""
        raise DataError(f"pretrend_periods={pretrend_periods!r}: must be at most {available}, "
                        f"the number of periods observed before treatment{window} for treated "
                        f"units; got {pretrend_periods!r}")
    identified = backend.identified_lead_count(design, int(pretrend_periods))
    if pretrend_periods > identified:
        raise DataError(f"pretrend_periods={pretrend_periods!r}: must be at most {identified}: "
                        f"with more leads, the lead indicators cover every untreated observation "
                        f"of the treated units and are collinear with their unit effects; got "
                        f"{pretrend_periods!r}")
    return int(pretrend_periods)


def _lead_inference(leads: compute.LeadEstimates, effects: compute.EffectEstimates,
                    n_covariates: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lead estimates in event-time order, their covariance and their covariance with the effects.

    The leads' cluster-robust covariance carries the small-sample factor
    G/(G-1) (N-1)/(N-K) of :func:`evalkit.inference.cluster_correction`, where K counts
    the leads, the slopes and the fixed effects not nested in the clusters (evalkit's
    convention for its TWFE regressions). As in ``did_imputation``, which multiplies the
    leads' scores by the square root of its test regression's small-sample factor, the
    same scaled scores give the leads' covariance with the effects.
    """
    counted = [n for n, nested in ((leads.n_units, leads.units_nested),
                                   (leads.n_periods, leads.periods_nested)) if not nested]
    n_params = len(leads.event_times) + n_covariates + sum(counted) - (len(counted) == 2)
    if leads.n_obs <= n_params:
        raise EstimationError(f"The pre-trend test regression has no residual degrees of "
                              f"freedom ({leads.n_obs} untreated observations for {n_params} "
                              f"parameters); test fewer leads (pretrend_periods).")
    factor = cluster_correction(leads.n_obs, n_params, leads.n_clusters)
    order = np.argsort(leads.event_times)
    gram = leads.scores.T @ leads.scores
    lead_vcov = factor * gram[np.ix_(order, order)]
    cross = np.sqrt(factor) * (leads.scores.T @ effects.scores)[order]
    return leads.estimates[order], lead_vcov, cross


def _pretrend_test(estimate: np.ndarray, vcov: np.ndarray, terms: list[str], n_clusters: int
                   ) -> WaldTest:
    """F test that every lead is zero: W / r against F(r, G - 1), as Stata's ``test, df()``.

    ``r`` is the rank of the leads' covariance: with more leads than clusters it is
    below the number of leads, and, as Stata's ``test`` drops collinear constraints, the
    test then has ``r`` numerator degrees of freedom.
    """
    rank = int(np.linalg.matrix_rank(vcov))
    stat = float(estimate @ np.linalg.pinv(vcov) @ estimate) / rank
    df_denominator = float(n_clusters - 1)
    return WaldTest(statistic=stat, df=(float(rank), df_denominator),
                    p_value=float(stats.f.sf(stat, rank, df_denominator)), distribution="F",
                    terms=tuple(terms), rank=rank,
                    hypothesis="All pre-trend test leads are zero (BJS 2024, Section 4.4)")


def _ranges(values: Sequence[int]) -> str:
    if not values:
        return "none"
    return ", ".join(map(str, values))


# ---------------------------------------------------------------------------- overall ATT
def imputation_overall(
    panel: Panel | EnginePanel,
    *,
    anticipation: int = 0,
    inference: Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    average_effects_by: AverageEffectsBy = "cohort_event_time",
    **deprecated: Any,
) -> DiDResult:
    r"""Estimate the average effect on all treated observations by imputation (BJS 2024).

    The estimand is the average treatment effect on the treated observations,

    .. math:: \tau = \sum_{it \in \Omega_1} \omega_{it} \tau_{it} \Big/
              \sum_{it \in \Omega_1} \omega_{it},

    over every treated unit and period (including the anticipation window), with
    :math:`\omega_{it} = 1` or the panel's weights. It is estimated by the average of
    the imputed effects :math:`\hat\tau_{it} = Y_{it} - \hat Y_{it}(0)`, where
    :math:`\hat Y_{it}(0)` comes from unit and period effects (and covariates) fitted on
    the untreated observations only; see :func:`imputation` for the three steps, the
    treatment of units treated in every period, and the standard errors (BJS Theorem
    3, leave-out residuals; ``did_imputation`` without ``horizons()``).

    Equivalently, it is the average of the event-time effects of :func:`imputation`
    weighted by their numbers of treated observations (or their total weight).

    Parameters
    ----------
    panel, anticipation, inference, alpha, average_effects_by
        As in :func:`imputation`.

    Returns
    -------
    DiDResult
        The effect is the ``"ATT"`` coefficient; inference uses normal critical values.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. *Review of Economic Studies*, 91(6), 3253-3285.
    """
    cluster = _cluster("imputation_overall", inference, deprecated)
    problems = Problems()
    _check_arguments(panel, anticipation, cluster, alpha,
                     average_effects_by, problems)
    problems.raise_if_any(InputError, "Invalid arguments to imputation_overall:")
    design, column, n_clusters = _fit(panel, anticipation, cluster, leads=False)
    backend = _backend(design)
    event_times = backend.available_effect_times(design)
    effects, _ = _with_scores(design, backend.estimate_effects(design, event_times,
                                                               average_effects_by), None)
    share = effects.weight_totals / effects.weight_totals.sum()
    estimate = float(share @ effects.estimates)
    score = effects.scores @ share
    coefficients = Coefficients(["ATT"], [estimate], [[float(score @ score)]], None, alpha)
    sample = _sample(panel, design, n_clusters, int(effects.cell_counts.sum()))
    specification = ImputationOverallSpec(
        panel=panel.specification, anticipation=anticipation, inference=Clustered(column),
        average_effects_by=average_effects_by, alpha=alpha)
    estimand = (f"average effect of treatment on every treated observation (the ATT, "
                f"{_weighting(panel)}): the mean of Y_it - Y_it(0), Y_it(0) imputed from unit "
                f"and period effects fitted on untreated observations")
    return DiDResult(
        estimator=ESTIMATOR, estimand=estimand, outcome=panel.outcome,
        coefficients=coefficients, effect_term="ATT",
        inference=Clustered(column),
        inference_text=_inference(column, n_clusters, average_effects_by), sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, sample["rows"]),
        specification=specification)
