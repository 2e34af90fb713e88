r"""Sun & Abraham (2021): the interaction-weighted event-study estimator.

The two-way fixed-effects event study pools cohorts, so that with effects that differ
across cohorts each event-time coefficient mixes in the effects of other event times.
Sun & Abraham estimate one coefficient per cohort and event time, relative to a clean
control cohort, then average them with the cohorts' shares: the
*interaction-weighted* (IW) estimator. The regression is a two-way fixed-effects
regression with cohort-by-event-time indicators (:mod:`evalkit.did._panel_regression`),
so it runs on millions of rows in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import Panel
from evalkit.did._panel_regression import Indicators, PanelFit, fit_twoway
from evalkit.did.specs import SunAbrahamSpec
from evalkit.did.twfe import cluster_codes, covariate_matrix
from evalkit.errors import DataError, InputError
from evalkit.inference.covariance import resolve_vcov, vcov_to_inference
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import Coefficients, EventStudyResult, Provenance, event_term

__all__ = ["sun_abraham", "fit_interactions", "InteractionFit", "CONTROL_COHORTS"]

CONTROL_COHORTS = ("never_treated", "last_treated")
ESTIMATOR = "Sun-Abraham interaction-weighted event study"
ESTIMAND = ("average effect k periods after first treatment on the cohorts observed k periods "
            "after treatment, weighting each cohort by its share of those units, relative to "
            "the reference period and the control cohort (k < 0: pre-trends)")
DELTA_METHOD = ("event-time effects by the delta method from the cohort-by-event-time "
                "coefficients, cohort shares treated as fixed (as fixest's sunab)")


@dataclass(frozen=True)
class InteractionFit:
    """The cohort-by-event-time regression behind the interaction-weighted estimates.

    Attributes
    ----------
    cohorts, event_times
        The cohort (first treatment period) and event time of each interaction
        coefficient, cohort by cohort.
    fit
        The regression: interaction coefficients first, then the covariates.
    cell_weights
        The weight of each interaction cell: its number of rows (units observed at that
        event time), or its sum of sampling weights.
    aggregation
        The (event times x interactions) matrix of cohort shares: row ``k`` averages
        the coefficients at ``estimated_event_times[k]``.
    estimated_event_times
        The event times of the aggregated estimates.
    rows
        Rows of the panel used (boolean mask).
    left_out
        Treated cohorts left out because they are not observed at a reference period.
    """

    cohorts: np.ndarray
    event_times: np.ndarray
    fit: PanelFit
    cell_weights: np.ndarray
    aggregation: np.ndarray
    estimated_event_times: tuple[int, ...]
    rows: np.ndarray
    left_out: tuple[float, ...]

    @property
    def n_interactions(self) -> int:
        return int(self.cohorts.size)


def _references(reference: int | Sequence[int], problems: Problems) -> tuple[int, ...]:
    values = [reference] if isinstance(reference, int | np.integer) else reference
    if isinstance(reference, bool | str) or not isinstance(values, Sequence) or not values or \
            not all(isinstance(v, int | np.integer) and not isinstance(v, bool) and v < 0
                    for v in values):
        problems.add(f"reference={reference!r}: must be a negative integer (a period before "
                     "treatment, usually -1) or a sequence of them; got "
                     f"{reference!r}")
        return ()
    return tuple(dict.fromkeys(int(v) for v in values))


def _window(window: tuple[int, int] | None, problems: Problems) -> tuple[int, int] | None:
    if window is None:
        return None
    if (not isinstance(window, tuple | list) or len(window) != 2
            or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                       for v in window) or window[0] > -1 or window[1] < 0):
        problems.add(f"window={window!r}: must be two integers (first, last) with first <= -1 "
                     f"and last >= 0, e.g. (-4, 3); got {window!r}")
        return None
    return int(window[0]), int(window[1])


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


_DEFAULT_INFERENCE = Clustered()
register_inference("sun_abraham", Classical, Robust, Clustered)


def _renamed_arguments(function: str, control_group: str, inference: object,
                       deprecated: dict[str, Any]) -> tuple[str, Any]:
    """``control_group`` and ``inference``, given ``control_cohort=`` and ``vcov=`` too."""
    control_group = renamed(function, deprecated, "control_cohort", "control_group",
                            control_group, "never_treated" if control_group == "never_treated"
                            else None)
    inference = renamed(function, deprecated, "vcov", "inference", inference,
                        _DEFAULT_INFERENCE, convert=vcov_to_inference)
    refuse_unknown(function, deprecated)
    return control_group, check_inference("sun_abraham", inference)


def fit_interactions(
    panel: Panel,
    *,
    control_group: Literal["never_treated", "last_treated"] = "never_treated",
    window: tuple[int, int] | None = None,
    reference: int | Sequence[int] = -1,
    inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
    **deprecated: Any,
) -> InteractionFit:
    r"""Fit the cohort-by-event-time regression of :func:`sun_abraham`, without aggregating.

    Step 1 of the interaction-weighted estimator: the coefficients
    :math:`\hat\delta_{e\ell}`, estimates of :math:`CATT_{e,\ell}` (the average effect
    :math:`\ell` periods after treatment on cohort :math:`e`), with their covariance,
    and the cohort shares that :func:`sun_abraham` averages them with.

    Parameters
    ----------
    panel, control_group, window, reference, inference
        As in :func:`sun_abraham`.

    Returns
    -------
    InteractionFit
        The cohort and event time of every coefficient, the regression, the cells'
        weights and the aggregation matrix.

    Raises
    ------
    InputError, DataError
        As :func:`sun_abraham`.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. *Journal of Econometrics*, 225(2),
    175-199.
    """
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    control_group, inference = _renamed_arguments("fit_interactions", control_group, inference,
                                                  deprecated)
    problems = Problems()
    check_choice("control_group", control_group, CONTROL_COHORTS, problems)
    references = _references(reference, problems)
    bounds = _window(window, problems)
    if bounds is not None and references and not all(
            bounds[0] <= r <= bounds[1] for r in references):
        problems.add(f"reference={reference!r}: must lie in the window {bounds}; got "
                     f"{reference!r}")
    problems.raise_if_any(InputError, "Invalid arguments to sun_abraham:")
    choice = resolve_vcov(inference, default_cluster=panel.cluster_column)

    # cohorts as small integer codes (never-treated: -1), looked up per row
    unit_cohort = panel.unit_cohorts.to_numpy()
    treated_cohorts = np.unique(unit_cohort[~np.isnan(unit_cohort)])
    unit_code = np.full(panel.n_units, -1, dtype=np.intp)
    is_treated_unit = ~np.isnan(unit_cohort)
    unit_code[is_treated_unit] = np.searchsorted(treated_cohorts, unit_cohort[is_treated_unit])
    code = unit_code[panel.unit_index]
    n_cohorts = treated_cohorts.size
    period = panel.values(panel.time)
    rel = panel.event_time()
    keep = np.ones(panel.n_obs, dtype=bool)
    if control_group == "never_treated":
        if is_treated_unit.all():
            raise DataError(
                "control_group='never_treated': the panel has no never-treated units (every "
                "unit is treated by the last period); use control_group='last_treated' to "
                "compare with the last-treated cohort before its treatment")
        control = code < 0
    else:
        if n_cohorts < 2:
            raise DataError(
                "control_group='last_treated': needs at least two treated cohorts (the last "
                f"one serves as control); the panel has {n_cohorts}")
        control = code == n_cohorts - 1
        keep = (code >= 0) & (period < treated_cohorts[-1])  # never-treated left out too
    treated = keep & ~control

    event = np.zeros(panel.n_obs, dtype=np.int64)
    event[treated] = rel[treated]
    if bounds is not None:
        keep &= ~treated | ((event >= bounds[0]) & (event <= bounds[1]))
        treated &= keep
    at_reference = np.zeros(panel.n_obs, dtype=bool)
    for r in references:  # one or two reference event times
        at_reference |= event == r
    at_reference &= treated
    seen = np.bincount(code[treated], minlength=n_cohorts) > 0
    normalised = np.bincount(code[at_reference], minlength=n_cohorts) > 0
    left_out = tuple(float(g) for g in treated_cohorts[seen & ~normalised])
    if not normalised.any():
        raise DataError(
            f"reference={reference!r}: no treated cohort is observed at event time "
            f"{' or '.join(map(str, references))} (no pre-period to compare with); choose "
            "another reference period")
    if left_out:
        gone = np.append(seen & ~normalised, False)[code]  # code -1 reads the appended False
        keep &= ~gone
        treated &= ~gone
    cells = treated & ~at_reference

    # one indicator per (cohort, event time) cell, cohort by cohort
    cell_code = code[cells]
    cell_event = event[cells]
    low = int(cell_event.min()) if cell_event.size else 0
    span = (int(cell_event.max()) - low + 1) if cell_event.size else 1
    key = cell_code * span + (cell_event - low)
    present = np.flatnonzero(np.bincount(key, minlength=n_cohorts * span))
    if not np.any(present % span + low >= 0):
        raise DataError("No treated cohort is observed after treatment"
                        + (f" in the window {bounds}" if bounds else "") + ".")
    column = np.full(n_cohorts * span, -1, dtype=np.int64)
    column[present] = np.arange(present.size)
    codes = np.full(panel.n_obs, -1, dtype=np.int64)
    codes[cells] = column[key]
    cell_cohorts = treated_cohorts[present // span]
    cell_events = present % span + low
    names = tuple(f"g{_label(g)}:{event_term(int(e))}"
                  for g, e in zip(cell_cohorts, cell_events, strict=True))

    every_row = bool(keep.all())

    def kept(values: np.ndarray) -> np.ndarray:
        return values if every_row else values[keep]

    weights = kept(panel.values(panel.weights)) if panel.weights else None
    clusters = kept(cluster_codes(panel, choice.column)) if choice.kind == "cluster" else None
    fit = fit_twoway(kept(panel.values(panel.outcome)), covariate_matrix(
        panel, None if every_row else keep), kept(panel.unit_index), kept(panel.period_index),
        vcov=choice, clusters=clusters, weights=weights, names=list(panel.covariates),
        indicators=Indicators(kept(codes), names), overwrite_x=True)

    cell_weights = np.bincount(codes[cells], weights=None if weights is None else
                               panel.values(panel.weights)[cells], minlength=present.size)
    estimated = tuple(int(e) for e in np.unique(cell_events))
    aggregation = np.zeros((len(estimated), present.size))
    for i, e in enumerate(estimated):  # one row per event time (a handful), not per unit
        at = cell_events == e
        aggregation[i, at] = cell_weights[at] / cell_weights[at].sum()
    return InteractionFit(cohorts=cell_cohorts, event_times=cell_events, fit=fit,
                          cell_weights=cell_weights.astype(float), aggregation=aggregation,
                          estimated_event_times=estimated, rows=keep, left_out=left_out)


def sun_abraham(
    panel: Panel,
    *,
    control_group: Literal["never_treated", "last_treated"] = "never_treated",
    window: tuple[int, int] | None = None,
    reference: int | Sequence[int] = -1,
    inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    **deprecated: Any,
) -> EventStudyResult:
    r"""Estimate the Sun & Abraham (2021) interaction-weighted event study.

    Step 1 fits, by least squares with unit and period fixed effects,

    .. math:: Y_{it} = \alpha_i + \lambda_t + \sum_{e \notin C} \sum_{\ell \notin R}
              \delta_{e\ell}\, \mathbf{1}\{E_i = e\}\, \mathbf{1}\{t - E_i = \ell\}
              + X_{it}'\gamma + \varepsilon_{it}

    where :math:`E_i` is unit :math:`i`'s cohort (first treatment period), :math:`C`
    the control cohort, :math:`R` the reference event times and :math:`X_{it}` the
    panel's covariates (entering linearly, with common slopes). Under parallel trends
    and no anticipation, :math:`\delta_{e\ell}` estimates
    :math:`CATT_{e,\ell}`, the average effect :math:`\ell` periods after treatment on
    cohort :math:`e`. Step 2 averages them at each event time,

    .. math:: \hat\nu_\ell = \sum_e \widehat{\Pr}(E_i = e \mid E_i \in [-\ell, T - \ell])
              \,\hat\delta_{e\ell},

    weighting each cohort by its share of the treated units observed at event time
    :math:`\ell` (its number of rows in the cell, or its sum of sampling weights when
    the panel has weights). Unlike the two-way fixed-effects event study
    (:func:`evalkit.did.event_study`), :math:`\hat\nu_\ell` is not contaminated by the
    effects at other event times when effects differ across cohorts.

    Standard errors come from the covariance of the :math:`\hat\delta_{e\ell}` (by
    default clustered by the panel's cluster column, else its unit, with the
    ``fixest`` small-sample factor) by the delta method, :math:`\operatorname{Var}
    \hat\nu = A \hat V_\delta A'` with :math:`A` the matrix of cohort shares,
    *treating the shares as fixed*, as ``fixest``'s ``sunab``/``aggregate`` do (Sun &
    Abraham also give a variance with a term for the estimation of the shares; it is
    usually small, and omitting it makes the intervals slightly narrower). The
    pre-trend test is the joint Wald test that all aggregated leads
    (:math:`\ell < 0`, references excluded) are zero.

    With no covariates, never-treated controls and a balanced panel,
    :math:`\hat\nu_\ell` equals Callaway & Sant'Anna's event-study aggregation of
    group-time effects with a universal base period :math:`-1` exactly.

    Parameters
    ----------
    panel
        The validated panel (its covariates and weights are used).
    control_group
        ``"never_treated"`` (default): units never treated during the observed
        periods are the controls. ``"last_treated"``: the last-treated cohort is the
        control, and every period from its first treatment period on is dropped (as in
        the paper when no unit is never treated); never-treated units, if any, are
        then left out, so that the control group is that cohort alone.
    window
        ``(first, last)``: the event times to estimate; rows of treated cohorts
        outside it are dropped from the regression (the other cells keep their own
        indicators, so nothing is pooled). Default: every event time in the data.
    reference
        The excluded event time(s), normalised to zero: a negative integer (default
        -1) or a sequence of them. Cohorts never observed at a reference event time
        (e.g. treated before the first period) cannot be normalised and are left out;
        the result's specification lists them.
    inference
        ``Clustered()`` (default: by the panel's cluster column, else its unit),
        ``Clustered("column")``, ``Robust()`` (HC1), ``Robust("HC0")`` ... or
        ``Classical()``: the covariance of the interaction coefficients.
        (``control_cohort=`` and ``vcov=`` are the deprecated spellings of
        ``control_group=`` and ``inference=``.)
    alpha
        Significance level for confidence intervals.

    Returns
    -------
    EventStudyResult
        Aggregated effects by event time (estimator
        ``"Sun-Abraham interaction-weighted event study"``); the reference period is the
        first of ``reference``.

    Raises
    ------
    InputError
        For an unknown ``control_group``, a reference that is not a negative
        integer, a malformed window or one that does not contain the reference.
    DataError
        With ``control_group="never_treated"`` and no never-treated unit (use
        ``"last_treated"``); with ``"last_treated"`` and fewer than two cohorts; when
        no treated cohort is observed at the reference period (no pre-period) or after
        treatment.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. *Journal of Econometrics*, 225(2),
    175-199.
    Berge, L. (2018). Efficient estimation of maximum likelihood models with multiple
    fixed-effects: the R package FENmlm (``fixest``: ``sunab``).

    Examples
    --------
    >>> from evalkit import Panel
    >>> from evalkit.datasets import load_mpdta
    >>> panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...               first_treated="first.treat")
    >>> result = sun_abraham(panel)
    >>> result.event_time
    (-4, -3, -2, 0, 1, 2, 3)
    """
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    control_group, inference = _renamed_arguments("sun_abraham", control_group, inference,
                                                  deprecated)
    problems = Problems()
    check_alpha(alpha, problems)
    problems.raise_if_any(InputError, "Invalid arguments to sun_abraham:")
    interactions = fit_interactions(panel, control_group=control_group, window=window,
                                    reference=reference, inference=inference)
    choice = resolve_vcov(inference, default_cluster=panel.cluster_column)
    fit = interactions.fit
    m = interactions.n_interactions
    shares = interactions.aggregation
    terms = [event_term(e) for e in interactions.estimated_event_times]
    coefficients = Coefficients(terms, shares @ fit.params[:m],
                                shares @ fit.vcov[:m, :m] @ shares.T, fit.df, alpha)
    leads = [event_term(e) for e in interactions.estimated_event_times if e < 0]
    pretrend = (coefficients.wald_test(leads, hypothesis="All pre-treatment effects are zero")
                if leads else None)
    references = (reference,) if isinstance(reference, int | np.integer) else tuple(reference)
    rows = interactions.rows
    units_used = np.zeros(panel.n_units, dtype=bool)
    units_used[panel.unit_index[rows]] = True
    unit_cohort = panel.unit_cohorts.to_numpy()
    is_control = (np.isnan(unit_cohort) if control_group == "never_treated"
                  else unit_cohort == np.nanmax(unit_cohort))
    sample: dict[str, int] = {
        "rows": int(np.count_nonzero(rows)), "units": int(units_used.sum()),
        "periods": int(np.count_nonzero(np.bincount(panel.period_index[rows]))),
        "treated_units": int((units_used & ~is_control).sum()),
        "control_units": int((units_used & is_control).sum())}
    if fit.n_clusters is not None:
        sample["clusters"] = fit.n_clusters
    specification = SunAbrahamSpec(
        panel=panel.specification, control_group=control_group,
        window=None if window is None else (int(window[0]), int(window[1])),
        reference=tuple(int(r) for r in references), inference=choice.to_inference(),
        alpha=alpha, cohorts=tuple(float(g) for g in np.unique(interactions.cohorts)),
        cohorts_left_out=tuple(interactions.left_out))
    return EventStudyResult(
        estimator=ESTIMATOR,
        estimand=ESTIMAND,
        outcome=panel.outcome,
        event_time=interactions.estimated_event_times,
        coefficients=coefficients,
        reference_period=int(references[0]),
        pretrend=pretrend,
        inference=choice.to_inference(),
        inference_text=f"{choice.describe(fit.n_clusters)}; {DELTA_METHOD}",
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, sample["rows"]),
        specification=specification,
    )
