r"""Wooldridge's extended two-way fixed-effects (ETWFE) estimator.

A two-way fixed-effects regression goes wrong under staggered adoption because one
treatment coefficient is asked to fit effects that differ by cohort and period.
Wooldridge (2021) saturates it instead: one indicator per treated cohort-by-period cell,
with cohort and period effects (and covariates demeaned within cohort, interacted with
everything), so that each cell's coefficient is that cell's average effect, ATT(g,t).
The regression is solved from cohort-by-period sums
(:mod:`evalkit.did._extended_twfe_compute`), so it runs on millions of rows in seconds.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import Panel
from evalkit.did._extended_twfe_compute import CellDesign, CellFit, Collinear, fit_cells
from evalkit.did.extended_twfe_spec import ExtendedTWFESpec
from evalkit.did.twfe import cluster_codes, covariate_matrix
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.covariance import resolve_vcov
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import Coefficients, Provenance
from evalkit.results.extended_twfe import ExtendedTWFEResult
from evalkit.results.group_time import cell_term

__all__ = ["extended_twfe", "CONTROL_GROUPS"]

CONTROL_GROUPS = ("not_yet_treated", "never_treated")
ESTIMATOR = "Extended two-way fixed effects (Wooldridge)"
ESTIMAND = ("ATT(g,t): the average effect of the treatment on the units of cohort g (first "
            "treated in period g) in period t, one coefficient per treated cohort-by-period "
            "cell of the saturated regression")
_SHOW = 8

_DEFAULT_INFERENCE = Clustered()
register_inference("extended_twfe", Classical, Robust, Clustered)


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOW])
    return shown + (f" and {len(items) - _SHOW} more" if len(items) > _SHOW else "")


def _compact(codes: np.ndarray) -> tuple[np.ndarray, int]:
    present = np.bincount(codes) > 0
    if present.all():
        return codes, int(present.size)
    new = np.cumsum(present) - 1
    return new[codes], int(present.sum())


def _nested(inner: np.ndarray, n_inner: int, outer: np.ndarray) -> bool:
    """True when every level of ``inner`` lies within one level of ``outer``."""
    return _constant_within(outer, inner, n_inner)


def _collinear_message(dropped: list[tuple[int, int]], labels: list[str],
                       covariates: tuple[str, ...], x: np.ndarray | None,
                       cohort: np.ndarray, period: np.ndarray) -> str:
    named = sorted({a for _, a in dropped if a > 0})
    if named and x is not None:
        parts = []
        for a in named:
            values = x[:, a - 1]
            where = ("constant" if np.ptp(values) == 0 else
                     "constant within each cohort" if _constant_within(values, cohort) else
                     "constant within each period" if _constant_within(values, period) else
                     "a combination of the fixed effects and the other covariates")
            parts.append(f"{covariates[a - 1]!r} ({where})")
        return ("covariates: collinear with the cohort and period fixed effects (or with each "
                "other) once interacted as the saturated regression requires: "
                + ", ".join(parts) + "; drop them from the panel's covariates")
    return ("The saturated regression is not identified: collinear columns "
            + _listed([labels[c] for c, _ in dropped]))


def _constant_within(values: np.ndarray, codes: np.ndarray, size: int | None = None) -> bool:
    """True when ``values`` is the same on all rows with the same code."""
    representative = np.zeros(int(codes.max()) + 1 if size is None else size,
                              dtype=values.dtype)
    representative[codes] = values
    return bool(np.array_equal(representative[codes], values))


def _check_cells(panel: Panel, control_group: str, cohort_levels: np.ndarray,
                 period_levels: np.ndarray, treated_cohorts: np.ndarray, group: np.ndarray,
                 cohort_code: np.ndarray, period_code: np.ndarray, in_cell: np.ndarray,
                 reference: np.ndarray | None) -> None:
    """Raise a DataError naming the cohort-by-period cells the regression needs but lacks."""
    n_cohorts, n_periods = cohort_levels.size, period_levels.size
    observed = np.bincount(group, minlength=n_cohorts * n_periods).reshape(n_cohorts,
                                                                           n_periods)
    missing: list[str] = []
    unidentified: list[str] = []
    for c, g in enumerate(cohort_levels):
        if g not in treated_cohorts:
            continue
        for p, t in enumerate(period_levels):
            needed = (t >= g) if control_group == "not_yet_treated" else True
            if needed and observed[c, p] == 0:
                missing.append(f"(cohort {_label(g)}, period {_label(t)})")
        if control_group == "not_yet_treated" and not observed[c, period_levels < g].any():
            unidentified.append(f"cohort {_label(g)} has no observation before treatment")
    if reference is not None:  # never-treated controls: each cohort's period g - 1
        seen = np.bincount(cohort_code[reference], minlength=n_cohorts) > 0
        for c, g in enumerate(cohort_levels):
            if g in treated_cohorts and not seen[c]:
                unidentified.append(f"cohort {_label(g)} has no observation in its reference "
                                    "period (the last before treatment)")
    comparison = np.bincount(period_code[~in_cell], minlength=n_periods) > 0
    unidentified += [f"period {_label(t)} has no comparison observation (every unit "
                     "observed then is treated)" for t in period_levels[~comparison]]
    if missing or unidentified:
        parts = []
        if missing:
            parts.append("cohort-by-period cells with no observation, whose effects the "
                         "saturated regression estimates: " + _listed(missing))
        parts += unidentified
        raise DataError(f"{panel.first_treated or panel.treatment}: the cohort-by-period "
                        "structure does not identify the effects: " + "; ".join(parts))


def _covariate_slopes(fit: CellFit, covariates: tuple[str, ...], labels: list[str],
                      n_cohorts: int, alpha: float) -> Coefficients:
    """The covariates' coefficients as etwfe (``fe = "feo"``) reports them.

    For each covariate: its slope in the comparison cohort and the first period (fixest's
    ``lpop``), the other cohorts' and the later periods' differences from it
    (``first.treat::2004:lpop``, ``year::2004:lpop``), and its interaction with each cell
    (``.Dtreat:first.treat::2004:year::2004:lpop_dm``).
    """
    m = 1 + len(covariates)
    n_columns = fit.coefficients.size // m
    reference = n_cohorts - 1  # the never-treated (or the control) cohort sorts last
    rows: list[np.ndarray] = []
    names: list[str] = []
    for j, name in enumerate(covariates, start=1):
        def unit(column: int, slot: int = j) -> np.ndarray:
            row = np.zeros(fit.coefficients.size)
            row[column * m + slot] = 1.0
            return row

        rows.append(unit(reference))
        names.append(name)
        for column in range(n_columns):
            if column == reference:
                continue
            rows.append(unit(column) - unit(reference) if column < n_cohorts else unit(column))
            names.append(f"{labels[column]}:{name}")
    mapping = np.array(rows)
    return Coefficients(names, mapping @ fit.coefficients, mapping @ fit.vcov @ mapping.T,
                        fit.df, alpha)


def extended_twfe(
    panel: Panel,
    *,
    control_group: Literal["not_yet_treated", "never_treated"] = "not_yet_treated",
    inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
) -> ExtendedTWFEResult:
    r"""Estimate Wooldridge's extended two-way fixed-effects regression (R ``etwfe``).

    Fits by (weighted) least squares the regression saturated in treated
    cohort-by-period cells,

    .. math:: Y_{it} = \alpha_{g(i)} + \lambda_t + \sum_{(g,s) \in \mathcal{C}}
              D^{gs}_{it}\,\big(\tau_{gs} + \dot X_{it}'\delta_{gs}\big)
              + X_{it}'\beta + \sum_g C^g_i X_{it}'\beta_g + \sum_s T^s_t X_{it}'\gamma_s
              + \varepsilon_{it},

    with :math:`D^{gs}_{it} = 1\{g(i) = g, t = s\}`, cohort effects :math:`\alpha_g`
    (cohort :math:`g(i)`: unit :math:`i`'s first treatment period), period effects
    :math:`\lambda_t`, the panel's covariates :math:`X` with cohort- and period-specific
    slopes (``C``, ``T`` indicators), and :math:`\dot X_{it} = X_{it} - \bar X_{g(i)}`
    demeaned within cohort. The treated cells :math:`\mathcal{C}` are, with
    ``control_group="not_yet_treated"`` (R ``cgroup = "notyet"``), every period from the
    cohort's treatment on (:math:`s \ge g`), so that the not-yet-treated and the
    never-treated periods form the comparison; with ``"never_treated"`` (``cgroup =
    "never"``), every period but :math:`g-1`, so that only the never-treated units
    compare and the cells before treatment are placebo effects relative to :math:`g-1`.

    The estimate of each cell, :math:`\widehat{ATT}(g,s) = \hat\tau_{gs} +
    \bar{\dot X}_{gs}'\hat\delta_{gs}` (the effect averaged over the cell's rows, as
    ``emfx`` does; without covariates, :math:`\hat\tau_{gs}`), estimates

    .. math:: ATT(g,s) = E[Y_{is}(g) - Y_{is}(\infty) \mid g(i) = g]

    under parallel trends (conditional on :math:`X`) and no anticipation. With a
    balanced panel, cohort effects give the same estimates as unit effects (Wooldridge
    2021, the two-way Mundlak regression): without covariates, the not-yet-treated
    version equals the imputation estimator's cell effects (Borusyak, Jaravel & Spiess
    2024) and the never-treated version Sun & Abraham's (2021) cohort-by-event-time
    coefficients.

    Standard errors: by default clustered by the panel's cluster column (else its unit),
    with fixest's small-sample factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}`, :math:`K`
    counting the coefficients and the cohort and period effects (not those nested in the
    clusters), t tests with :math:`G-1` degrees of freedom. :meth:`~evalkit.results.
    ExtendedTWFEResult.aggregate` averages the cells as ``emfx`` does.

    Parameters
    ----------
    panel
        The panel (:class:`evalkit.data.Panel`): its outcome, treatment timing,
        covariates (demeaned within cohort and interacted as above) and weights.
    control_group
        ``"not_yet_treated"`` (default) or ``"never_treated"``. Without never-treated
        units, ``"not_yet_treated"`` compares with the last-treated cohort before its
        treatment and leaves out the periods from then on (as ``etwfe``).
    inference
        ``Clustered()`` (default: the panel's cluster column, else its unit),
        ``Clustered("column")``, ``Robust()`` (HC1), ``Robust("HC0")`` or ``Classical()``.
    alpha
        Significance level of the confidence intervals.

    Returns
    -------
    ExtendedTWFEResult
        The ATT(g,t) with their covariance; ``overall()``, ``aggregate(kind)`` and
        ``event_study()``.

    Raises
    ------
    InputError
        For invalid arguments (all reported at once).
    DataError
        Without never-treated units under ``"never_treated"``; without any comparison
        group (every unit treated in the same period); when a cohort-by-period cell that
        the regression needs has no observation (naming it).
    EstimationError
        When a covariate is collinear with the fixed effects once interacted (naming it).

    References
    ----------
    Wooldridge, J. M. (2021). Two-way fixed effects, the two-way Mundlak regression, and
    difference-in-differences estimators. SSRN 3906345 (Empirical Economics, 2025).

    McDermott, G. (2023). etwfe: Extended two-way fixed effects. R package.
    """
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    problems = Problems()
    check_choice("control_group", control_group, CONTROL_GROUPS, problems)
    check_alpha(alpha, problems)
    try:
        inference = check_inference("extended_twfe", inference)
    except InputError as error:
        problems.extend(error.problems or (str(error),))
    if isinstance(inference, Robust) and inference.hc in ("HC2", "HC3"):
        problems.add(f"inference={inference!r}: must be Classical(), Robust() (HC1), "
                     f"Robust('HC0') or Clustered() (leverage corrections are not available "
                     f"with fixed effects); got {inference!r}")
    problems.raise_if_any(InputError, "Invalid arguments to extended_twfe:")
    choice = resolve_vcov(inference, default_cluster=panel.cluster_column)

    periods = panel.periods
    unit_cohort = panel.unit_cohorts.to_numpy()
    always = ~np.isnan(unit_cohort) & (unit_cohort <= periods[0])
    unit_cohort = np.where(always, np.nan, unit_cohort) if always.any() else unit_cohort
    treated_cohorts = np.unique(unit_cohort[~np.isnan(unit_cohort) & ~always])
    never = np.isnan(unit_cohort) & ~always
    row_unit = panel.unit_index
    keep = ~always[row_unit]
    period_index = panel.period_index
    event = panel.event_time()
    control_cohort: float | None = None
    if control_group == "never_treated":
        if not never.any():
            raise DataError("control_group='never_treated': the panel has no never-treated "
                            "unit; use control_group='not_yet_treated' to compare with the "
                            "units not yet treated")
    elif not never.any():
        if treated_cohorts.size < 2:
            raise DataError(
                "The panel has no comparison group: every unit is treated from period "
                f"{_label(treated_cohorts[0])} on and none is never treated, so no unit "
                "shows what would have happened without treatment")
        control_cohort = float(treated_cohorts[-1])
        keep &= panel.values(panel.time) < control_cohort
        treated_cohorts = treated_cohorts[:-1]
    if not treated_cohorts.size:
        raise DataError("The panel has no treated unit with an untreated period before "
                        "treatment; nothing to estimate")

    is_treated_row = np.isin(unit_cohort, treated_cohorts)[row_unit]
    if control_group == "never_treated":
        cells_rows = keep & is_treated_row & (event != -1)
    else:
        cells_rows = keep & is_treated_row & (event >= 0)

    # codes of the kept rows: cohorts (never-treated last), periods, cells
    every_row = bool(keep.all())

    def kept(values: np.ndarray) -> np.ndarray:
        return values if every_row else values[keep]

    unit_key = np.where(np.isnan(unit_cohort), np.inf, unit_cohort)  # never-treated last
    cohort_levels, unit_code = np.unique(unit_key[~always], return_inverse=True)
    unit_codes = np.zeros(panel.n_units, dtype=np.int64)
    unit_codes[~always] = unit_code
    cohort_code, n_present = _compact(kept(unit_codes[row_unit]))
    if n_present < cohort_levels.size:  # a cohort left out with the periods dropped
        cohort_levels = cohort_levels[np.bincount(kept(unit_codes[row_unit]),
                                                  minlength=cohort_levels.size) > 0]
    period_code, n_periods = _compact(kept(period_index))
    period_levels = periods[np.flatnonzero(np.bincount(kept(period_index)) > 0)]
    n_cohorts = int(cohort_levels.size)
    group = cohort_code.astype(np.int64) * n_periods + period_code
    in_cell = kept(cells_rows)
    reference = (kept(keep & is_treated_row & (event == -1))
                 if control_group == "never_treated" else None)
    _check_cells(panel, control_group, cohort_levels, period_levels, treated_cohorts, group,
                 cohort_code, period_code, in_cell, reference)

    present = np.bincount(group[in_cell], minlength=n_cohorts * n_periods) > 0
    cell_group = np.flatnonzero(present)
    cell = np.where(in_cell, (np.cumsum(present) - 1)[group], -1)
    design = CellDesign(cohort=cohort_code, period=period_code, cell=cell,
                        n_cohorts=n_cohorts, n_periods=n_periods, n_cells=int(cell_group.size))
    x = covariate_matrix(panel, None if every_row else keep)
    weights = kept(panel.values(panel.weights)) if panel.weights else None
    clusters = n_clusters = None
    cohort_nested = period_nested = False
    if choice.kind == "cluster":
        clusters, n_clusters = _compact(kept(cluster_codes(panel, choice.column)))
        cohort_nested = _nested(cohort_code, n_cohorts, clusters)
        period_nested = _nested(period_code, n_periods, clusters)
    labels = ([f"cohort {_label(g)}" for g in cohort_levels]
              + [f"period {_label(t)}" for t in period_levels[1:]]
              + [cell_term(cohort_levels[s // n_periods], period_levels[s % n_periods])
                 for s in cell_group])
    try:
        fit = fit_cells(kept(panel.values(panel.outcome)), x, design, kind=choice.kind,
                        clusters=clusters, n_clusters=n_clusters, weights=weights,
                        cohort_nested=cohort_nested, period_nested=period_nested)
    except Collinear as collinear:
        raise EstimationError(_collinear_message(collinear.dropped, labels, panel.covariates,
                                                 x, cohort_code, period_code)) from None
    cell_cohorts = cohort_levels[cell_group // n_periods]
    cell_periods = period_levels[cell_group % n_periods]
    cell_events = np.zeros(cell_group.size, dtype=np.int64)
    cell_events[cell[in_cell]] = kept(event)[in_cell]
    terms = [cell_term(g, t) for g, t in zip(cell_cohorts, cell_periods, strict=True)]
    coefficients = Coefficients(terms, fit.effects, fit.effects_vcov, fit.df, alpha)
    slopes = (_covariate_slopes(fit, panel.covariates, labels, n_cohorts, alpha)
              if panel.covariates else None)

    units_used = np.zeros(panel.n_units, dtype=bool)
    units_used[kept(row_unit)] = True
    sample: dict[str, int] = {
        "rows": fit.n_obs, "units": int(units_used.sum()), "periods": n_periods,
        "treated_units": int((units_used & np.isin(unit_cohort, treated_cohorts)).sum()),
        "control_units": int((units_used & ~np.isin(unit_cohort, treated_cohorts)).sum()),
        "treated_rows": int(in_cell.sum())}
    if always.any():
        sample["always_treated_units_dropped"] = int(always.sum())
    if fit.n_clusters is not None:
        sample["clusters"] = fit.n_clusters
    specification = ExtendedTWFESpec(
        panel=panel.specification, control_group=control_group,
        inference=choice.to_inference(), alpha=alpha,
        cohorts=tuple(float(g) for g in treated_cohorts), control_cohort=control_cohort,
        always_treated_dropped=int(always.sum()))
    covariates = (f"; covariates {', '.join(panel.covariates)} demeaned within cohort and "
                  "interacted with the cells, cohorts and periods" if panel.covariates else "")
    return ExtendedTWFEResult(
        estimator=ESTIMATOR, estimand=ESTIMAND + covariates, outcome=panel.outcome,
        cohorts=cell_cohorts, periods=cell_periods, event_times=cell_events,
        coefficients=coefficients, cell_weights=fit.cell_weights,
        covariate_coefficients=slopes,
        control_group=control_group, inference=choice.to_inference(),
        inference_text=(f"{choice.describe(fit.n_clusters)}, small-sample factor as fixest "
                        f"(K = {fit.n_params} parameters)"),
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, fit.n_obs),
        specification=specification)
