"""The two-way fixed-effects event study: leads and lags of treatment."""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit._deprecation import refuse_unknown, renamed
from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import EnginePanel
from evalkit.did._panel_regression import Indicators, PanelFit, fit_twoway
from evalkit.did._twoway_blocks import event_study_fit, event_times_observed
from evalkit.did.specs import EventStudySpec
from evalkit.did.twfe import _check_panel, cluster_codes, covariate_matrix, panel_sample_facts
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.covariance import VcovChoice, resolve_vcov, vcov_to_inference
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import Coefficients, EventStudyResult, Provenance, event_term

__all__ = ["event_study"]

ESTIMAND = ("difference in outcome trends between units k periods from their first treatment "
            "and comparison units, relative to the reference period (k < 0: pre-trends; "
            "k >= 0: treatment effects under parallel trends and homogeneous effects)")


def _check_window(window: tuple[int, int] | None, reference: int, bin_endpoints: bool,
                  available: np.ndarray) -> tuple[int, int]:
    lo, hi = int(available.min()), int(available.max())
    if window is not None:
        if (not isinstance(window, tuple | list) or len(window) != 2
                or not all(isinstance(v, int | np.integer) for v in window)
                or window[0] > -1 or window[1] < 0):
            raise InputError(f"window={window!r}: must be two integers (first, last) with "
                             f"first <= -1 and last >= 0, e.g. (-4, 3); got {window!r}")
        lo, hi = int(window[0]), int(window[1])
    elif bin_endpoints:
        raise InputError("bin_endpoints=True: needs a window saying where the endpoints are, "
                         "e.g. window=(-4, 3)")
    if not isinstance(reference, int | np.integer) or reference >= 0:
        raise InputError(f"reference={reference!r}: must be a negative integer (a period before "
                         f"treatment, usually -1); got {reference!r}")
    if not lo <= reference <= hi:
        raise InputError(f"reference={reference!r}: must lie in the window ({lo}, {hi}); "
                         f"got {reference!r}")
    return lo, hi


def _window_event_times(available: np.ndarray, lo: int, hi: int, reference: int,
                        bin_endpoints: bool) -> list[int]:
    """The event times with an indicator: those observed in the window (pooled at its ends
    when binned), the reference left out."""
    inside = (np.clip(available, lo, hi) if bin_endpoints
              else available[(available >= lo) & (available <= hi)])
    observed = [int(e) for e in np.unique(inside)]
    if reference not in observed:
        raise DataError(f"reference={reference}: no treated unit is observed at event time "
                        f"{reference}; choose another reference period")
    event_times = [e for e in observed if e != reference]
    if not any(e >= 0 for e in event_times):
        raise DataError("No treated unit is observed after treatment in the window.")
    return event_times


def _fit_in_memory(panel: Panel, choice: VcovChoice, k: np.ndarray, treated_rows: np.ndarray,
                   lo: int, hi: int, event_times: list[int], bin_endpoints: bool) -> PanelFit:
    if bin_endpoints:
        np.clip(k, lo, hi, out=k)
        keep = None
    else:
        inside = (k >= lo) & (k <= hi)
        keep = None if bool(np.all(inside[treated_rows])) else ~treated_rows | inside
    kept_k = k if keep is None else k[keep]
    kept_treated = treated_rows if keep is None else treated_rows[keep]
    # the event-time dummies, as one column number per row (-1: none), then the covariates
    column = np.full(hi - lo + 1, -1, dtype=np.int64)
    column[np.array(event_times) - lo] = np.arange(len(event_times))
    dummies = Indicators(np.where(kept_treated, column[kept_k - lo], -1),
                         tuple(event_term(e) for e in event_times))

    def kept(values: np.ndarray) -> np.ndarray:
        return values if keep is None else values[keep]

    clusters = kept(cluster_codes(panel, choice.column)) if choice.kind == "cluster" else None
    weights = kept(panel.values(panel.weights)) if panel.weights else None
    return fit_twoway(kept(panel.values(panel.outcome)), covariate_matrix(panel, keep),
                      kept(panel.unit_index), kept(panel.period_index), vcov=choice,
                      clusters=clusters, weights=weights, names=list(panel.covariates),
                      indicators=dummies, overwrite_x=True)


_DEFAULT_INFERENCE = Clustered()
register_inference("event_study", Classical, Robust, Clustered)


def event_study(
    panel: Panel | EnginePanel,
    *,
    window: tuple[int, int] | None = None,
    reference: int = -1,
    bin_endpoints: bool = False,
    inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    **deprecated: Any,
) -> EventStudyResult:
    r"""Estimate a dynamic (event-study) two-way fixed-effects regression.

    Fits, with unit and period fixed effects (by the within transformation; the
    estimates equal linearmodels' ``PanelOLS``),

    .. math:: Y_{it} = \alpha_i + \lambda_t + \sum_{k \ne r} \beta_k \mathbf{1}\{t - G_i = k\}
              + X_{it}'\gamma + \varepsilon_{it}

    where :math:`G_i` is unit :math:`i`'s first treatment period, :math:`r` the
    reference event time (default -1, the last period before treatment) and
    never-treated units have all indicators at zero. :math:`\beta_k` for
    :math:`k \ge 0` estimates the effect :math:`k` periods after treatment starts;
    :math:`\beta_k` for :math:`k < 0` should be zero under parallel trends, which a
    joint Wald test checks. With staggered adoption and effects that differ across
    cohorts, these coefficients can be contaminated by other periods' effects (Sun &
    Abraham 2021); compare with the estimators for staggered adoption, such as
    :func:`evalkit.did.sun_abraham.sun_abraham`.

    Parameters
    ----------
    panel
        The validated panel. A panel held by an engine
        (:class:`~evalkit.data.unit_blocks.EnginePanel`) is read in blocks of whole
        units, from which only sums come back (the same results); it clusters by the
        unit or by its declared cluster column.
    window
        ``(first, last)`` event times to estimate, e.g. ``(-4, 3)``; default: every
        event time in the data.
    reference
        The event time normalised to zero (negative; default -1).
    bin_endpoints
        If true, the first and last event times of the window pool every more
        distant period (``k <= first`` and ``k >= last``). If false, observations of
        treated units outside the window are dropped from the sample.
    inference
        As in :func:`evalkit.did.twfe`; default ``Clustered()``: clustered by the
        panel's cluster column, else its unit. (``vcov=`` is its deprecated spelling.)
    alpha
        Significance level for confidence intervals.

    Returns
    -------
    EventStudyResult
        With the joint pre-trend test in ``pretrend`` (F test with G-1 denominator
        degrees of freedom under clustering).

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. *Journal of Econometrics*, 225(2),
    175-199. Freyaldenhoven, S., Hansen, C., Pérez, J. P. and Shapiro, J. M. (2021).
    Visualization, identification, and estimation in the linear panel event-study
    design. NBER Working Paper 29170.
    """
    inference = renamed("event_study", deprecated, "vcov", "inference", inference,
                        _DEFAULT_INFERENCE, convert=vcov_to_inference)
    refuse_unknown("event_study", deprecated)
    check_inference("event_study", inference)
    _check_panel(panel, alpha, "event_study")
    choice = resolve_vcov(inference, default_cluster=panel.cluster_column)
    if isinstance(panel, EnginePanel):
        available = event_times_observed(panel)
    else:
        rel = panel.event_time()
        treated_rows = ~np.isnan(rel)
        # event times are whole numbers: count them instead of sorting millions of rows
        k = np.zeros(panel.n_obs, dtype=np.int64)
        k[treated_rows] = rel[treated_rows]
        offset = int(k[treated_rows].min())
        available = np.flatnonzero(np.bincount(k[treated_rows] - offset)) + offset
    lo, hi = _check_window(window, reference, bin_endpoints, available)

    if panel.n_never_treated_units == 0 and not bin_endpoints:
        raise EstimationError(
            "The fully dynamic event study is not identified without never-treated units: "
            "event time, period and unit effects are collinear. Bin the endpoints "
            "(bin_endpoints=True with a window) or use an estimator for staggered adoption.")
    event_times = _window_event_times(available, lo, hi, reference, bin_endpoints)
    m = len(event_times)
    if isinstance(panel, EnginePanel):
        fit = event_study_fit(panel, choice, (lo, hi), event_times, bin_endpoints)
    else:
        fit = _fit_in_memory(panel, choice, k, treated_rows, lo, hi, event_times,
                             bin_endpoints)
    n_rows = fit.n_obs
    coefficients = Coefficients([event_term(e) for e in event_times], fit.params[:m],
                                fit.vcov[:m, :m], fit.df, alpha)
    leads = [event_term(e) for e in event_times if e < 0]
    pretrend = (coefficients.wald_test(leads, hypothesis="All pre-treatment coefficients are zero")
                if leads else None)
    sample = panel_sample_facts(panel, fit.n_clusters)
    sample["rows"] = n_rows
    specification = EventStudySpec(panel=panel.specification, window=(lo, hi),
                                   reference=reference, bin_endpoints=bin_endpoints,
                                   inference=choice.to_inference(), alpha=alpha)
    return EventStudyResult(
        estimator="TWFE event study",
        estimand=ESTIMAND,
        outcome=panel.outcome,
        event_time=tuple(event_times),
        coefficients=coefficients,
        reference_period=reference,
        pretrend=pretrend,
        inference=choice.to_inference(),
        inference_text=choice.describe(fit.n_clusters),
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, n_rows),
        binned=bin_endpoints,
        specification=specification,
    )
