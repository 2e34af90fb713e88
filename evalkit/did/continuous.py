"""Difference-in-differences with a continuous dose (Callaway, Goodman-Bacon & Sant'Anna)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_alpha, check_choice, describe_columns
from evalkit.data.panel import frame_fingerprint
from evalkit.did._continuous_compute import (
    aggregate,
    control_influence,
    dose_curves,
    fit_cells,
    plan_cells,
)
from evalkit.did._continuous_data import Prepared, prepare
from evalkit.did._continuous_dose_indicator import aggregate_dose_indicator, check_dose_range
from evalkit.did._continuous_spline import quantile_knots
from evalkit.did.continuous_spec import ContinuousDiDSpec
from evalkit.errors import DataError, InputError
from evalkit.inference.kinds import Clustered
from evalkit.inference.multiplier import (
    make_generator,
    multiplier_draws,
    seed_problem,
    sup_t_statistics,
)
from evalkit.results.band import UniformBand
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.dose_response import OVERALL_TERMS, DoseResponseResult
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.provenance import Provenance

__all__ = ["continuous_did"]

ESTIMATOR = "Continuous-dose DiD (Callaway, Goodman-Bacon & Sant'Anna)"
_MIN_DRAWS = 10


def _is_int(value: object, minimum: int) -> bool:
    return (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= minimum)


def _label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _validate(data, columns: dict[str, object], target, aggregation, degree, num_knots,
              control_group, base_period, anticipation, uniform_band, n_draws, random_state,
              alpha, dose_grid, level_event_study) -> np.ndarray | None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame (one row per unit and period); "
                         f"got {type(data).__name__}")
    problems = Problems()
    for role, name in columns.items():
        if not isinstance(name, str) or name not in data.columns:
            problems.add(f"{role}={name!r}: must be a column of data (its columns are "
                         f"{describe_columns(data.columns)}); got {name!r}")
    names = [n for n in columns.values() if isinstance(n, str)]
    if len(set(names)) < len(names):
        problems.add(f"outcome, unit, time, dose, first_treated = {names!r}: must be five "
                     "different columns")
    check_choice("target", target, ("level", "slope"), problems)
    check_choice("aggregation", aggregation, ("dose", "event_time"), problems)
    check_choice("control_group", control_group, ("not_yet_treated", "never_treated"),
                 problems)
    check_choice("base_period", base_period, ("varying", "universal"), problems)
    check_alpha(alpha, problems)
    check_choice("level_event_study", level_event_study, ("binary", "dose_as_indicator"),
                 problems)
    if level_event_study == "dose_as_indicator" and (target, aggregation) != ("level",
                                                                             "event_time"):
        problems.add(f"level_event_study={level_event_study!r}: applies to the level event "
                     "study only, so needs target='level' and aggregation='event_time'; got "
                     f"target={target!r}, aggregation={aggregation!r}")
    if not _is_int(degree, 1):
        problems.add(f"degree={degree!r}: must be an integer >= 1 (3 for a cubic spline); "
                     f"got {degree!r}")
    if not _is_int(num_knots, 0):
        problems.add(f"num_knots={num_knots!r}: must be an integer >= 0 (interior knots of "
                     f"the spline); got {num_knots!r}")
    if not _is_int(anticipation, 0):
        problems.add(f"anticipation={anticipation!r}: must be an integer >= 0 (periods "
                     f"before treatment in which units may react); got {anticipation!r}")
    if not isinstance(uniform_band, bool):
        problems.add(f"uniform_band={uniform_band!r}: must be True or False; got "
                     f"{uniform_band!r}")
    if not _is_int(n_draws, _MIN_DRAWS):
        problems.add(f"n_draws={n_draws!r}: must be an integer >= {_MIN_DRAWS} (999 is "
                     f"customary); got {n_draws!r}")
    seed = seed_problem("continuous_did", random_state)
    if seed:
        problems.add(seed)
    grid = None
    if dose_grid is not None:
        try:
            grid = np.unique(np.asarray(dose_grid, dtype=float).reshape(-1))
        except (TypeError, ValueError):
            grid = None
            problems.add(f"dose_grid={dose_grid!r}: must be None or a sequence of doses; got "
                         f"{type(dose_grid).__name__}")
        if grid is not None and (grid.size == 0 or not np.all(np.isfinite(grid))
                                 or np.any(grid < 0)):
            problems.add(f"dose_grid={dose_grid!r}: must hold at least one finite dose >= 0; "
                         f"got {grid.size} values")
    problems.raise_if_any(InputError, "Invalid arguments to continuous_did:")
    return grid


def _spline_checks(prepared: Prepared, degree: int, knots: np.ndarray, cohorts: np.ndarray,
                   target: str) -> bool:
    """Whether a spline is fitted; errors naming the cohorts that cannot fit it."""
    design = prepared.design
    doses = [np.unique(design.dose[design.rows(c)]) for c in range(design.n_cohorts)]
    distinct = np.unique(np.concatenate(doses)) if doses else np.zeros(0)
    if distinct.size <= 1:
        if target == "slope":
            raise DataError(
                "target='slope': every treated unit has the same dose"
                f"{f' ({_label(distinct[0])})' if distinct.size else ''}, so the dose response "
                "has no slope to estimate; use target='level' (the binary comparison)")
        return False
    short = []
    for code, values in enumerate(doses):
        inside = int(((knots > values.min()) & (knots < values.max())).sum())
        needed = 1 + degree + inside
        if values.size < needed:
            short.append(f"cohort {_label(cohorts[code])} has {values.size} distinct doses "
                         f"for {needed} coefficients (intercept, degree {degree}, {inside} "
                         "interior knots)")
    if short:
        raise DataError("Too few distinct doses for the spline in the dose: "
                        + "; ".join(short) + "; lower degree or num_knots")
    return True


def _draws(scores: np.ndarray, n: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    return multiplier_draws(scores, n_draws=n_draws, rng=rng, scale=n)


def _event_study(prepared, cells, fits, target, unit, inference, text, sample, provenance,
                 specification, reference, band_draws) -> EventStudyResult:
    design = prepared.design
    events = np.unique(cells.event)
    weights = (cells.event[:, None] == events[None, :]).astype(float)
    indicator = specification.level_event_study == "dose_as_indicator"
    if indicator:
        theta, psi = aggregate_dose_indicator(design, cells, weights)
    else:
        theta, psi = aggregate(design, cells, fits, weights, slope=target == "slope")
    n = design.n
    vcov = psi.T @ psi / n ** 2
    terms = [event_term(int(e)) for e in events]
    coefficients = Coefficients(terms, theta, vcov, None, specification.alpha)
    band = None
    if band_draws is not None:
        draws = band_draws(psi.T)
        band = UniformBand(sup_t_statistics(draws, coefficients.std_error))
    leads = [event_term(int(e)) for e in events if e < 0]
    pretrend: WaldTest | None = None
    if leads:
        pretrend = coefficients.wald_test(leads, hypothesis="All pre-treatment event-time "
                                          "effects are zero")
    what = ("ATT" if target == "level" else "ACRT")
    estimand = (f"the {what} of the cells e = t - g periods after first treatment, averaged "
                "over the doses and over the cohorts observed then with weights "
                "proportional to cohort size (e < 0: pseudo-effects before treatment)")
    if indicator:
        estimand = ("the cells' doubly robust DiD with the dose in place of the treatment "
                    "indicator (R contdid's level event study: the dose-weighted change of the "
                    "cohort less the change of the comparison units and of the cohort weighted "
                    "by 1 - dose), e = t - g periods after first treatment, averaged over the "
                    "cohorts observed then with weights proportional to cohort size (e < 0: "
                    "pseudo-effects before treatment)")
    return EventStudyResult(
        estimator=f"{ESTIMATOR}: event study of the {what}",
        estimand=estimand,
        outcome=specification.outcome, event_time=tuple(int(e) for e in events),
        coefficients=coefficients, reference_period=reference, pretrend=pretrend,
        inference=inference, inference_text=text, sample=sample, provenance=provenance,
        band=band, specification=specification)


def continuous_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    dose: str,
    first_treated: str,
    target: Literal["level", "slope"] = "level",
    aggregation: Literal["dose", "event_time"] = "dose",
    degree: int = 3,
    num_knots: int = 0,
    control_group: Literal["not_yet_treated", "never_treated"] = "not_yet_treated",
    base_period: Literal["varying", "universal"] = "varying",
    anticipation: int = 0,
    uniform_band: bool = True,
    n_draws: int = 999,
    random_state: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    dose_grid: Sequence[float] | np.ndarray | None = None,
    level_event_study: Literal["binary", "dose_as_indicator"] = "binary",
) -> DoseResponseResult:
    r"""Difference-in-differences with a continuous, time-invariant dose and staggered timing.

    Each unit receives a dose :math:`D \ge 0` (0: untreated) from its first treated period
    :math:`G` on. For doses :math:`d > 0`, with potential outcomes :math:`Y_t(d)`, the
    level and slope effects on the units that got dose :math:`d` are

    .. math::

        ATT(d \mid d) = E[Y_t(d) - Y_t(0) \mid D = d], \qquad
        ACRT(d \mid d) = \frac{\partial ATT(l \mid d)}{\partial l}\Big|_{l = d}.

    Under parallel trends each group-time cell :math:`(g, t)` identifies
    :math:`ATT_{g,t}(d) = E[Y_t - Y_b \mid G = g, D = d] - E[Y_t - Y_b \mid C]`, the
    outcome change from the base period :math:`b = g - 1 - \delta` (anticipation
    :math:`\delta`; pre-treatment cells with ``base_period="varying"`` use :math:`t - 1`)
    of the cohort's units at dose :math:`d` less that of the comparison units :math:`C`
    (never treated, and with ``"not_yet_treated"`` the cohorts first treated after
    :math:`\max(t, b) + \delta`). The first term is a regression of the change on a
    B-spline in the dose among the cohort's units (boundary knots at its smallest and
    largest dose, interior knots at quantiles of all treated doses); :math:`ACRT_{g,t}(d)`
    is its derivative. The overall averages over the treated units' doses are
    :math:`ATT^o = E[ATT(D \mid D) \mid D > 0]` (the binary comparison of the cohort with
    its comparison units) and :math:`ACRT^o = E[ACRT(D \mid D) \mid D > 0]`.

    With ``aggregation="dose"`` the curves and overall numbers average the post-treatment
    cells (:math:`t \ge g`): each cohort weighs its share of treated units, split evenly
    over its post-treatment periods (R ``contdid::cont_did``, ``aggregation="dose"``).
    With ``aggregation="event_time"``, the cells' :math:`ATT_{g,t}` (level) or
    :math:`ACRT_{g,t}` (slope) are averaged over the cohorts observed at each event time
    :math:`e = t - g`, weighted by cohort size. Standard errors are analytic, from the
    influence functions at the unit level (including the estimation of the cohort
    shares); the uniform bands over the doses (and over event times) are sup-t bands
    from the multiplier bootstrap of the same influence functions.

    Parameters
    ----------
    data
        A balanced panel in long form, one row per unit and period (not modified).
    outcome, unit, time
        The outcome, unit identifier and (numeric) period columns.
    dose
        The dose: constant within a unit (it may be 0 before treatment), >= 0; the doses
        of never-treated units are set to 0.
    first_treated
        The first treated period (a period of ``time``), 0 or missing for units never
        treated (later than the last period: never treated too).
    target
        ``"level"`` (ATT) or ``"slope"`` (ACRT): the headline number of :meth:`overall` and
        what the event study averages.
    aggregation
        ``"dose"`` (curves over the dose) or ``"event_time"`` (an event study as well).
    degree, num_knots
        Degree of the B-spline in the dose and number of interior knots (R's ``degree``,
        ``num_knots``).
    control_group
        ``"not_yet_treated"`` (R's default) or ``"never_treated"``.
    base_period
        ``"varying"`` or ``"universal"`` (the period before treatment for every cell; its
        event time, -1 less anticipation, is then the reference normalised to zero).
    anticipation
        Periods before treatment in which units may already react.
    uniform_band, n_draws, random_state
        Whether to compute uniform bands by the multiplier bootstrap (Rademacher
        multipliers, one per unit), with how many draws and which seed.
    alpha
        Significance level of intervals and bands.
    dose_grid
        Doses at which the curves are evaluated; default the 10th to 99th percentiles of
        the treated units' doses, by steps of one (R's default ``dvals``). The doses are
        sorted and each is kept once.
    level_event_study
        The cells :math:`ATT_{g,t}` of the level event study (``target="level"``,
        ``aggregation="event_time"`` only). ``"binary"`` (default): the cohort's mean
        outcome change less that of its comparison units, the event study of
        :math:`ATT^o` (Callaway & Sant'Anna's). ``"dose_as_indicator"``: what R
        ``contdid::cont_did(target_parameter="level", aggregation="eventstudy")``
        computes (0.1.0 and later), the doubly robust DiD of ``DRDID::drdid_panel``
        with the dose in place of the 0/1 treatment indicator. Without covariates, over
        the units of cell :math:`(g, t)` (cohort :math:`g` with dose :math:`D`, comparison
        units with :math:`D = 0`), with :math:`\Delta Y` the outcome change from the
        base period and :math:`m_0` its mean among the comparison units,

        .. math::

            ATT_{g,t} = \frac{\sum D (\Delta Y - m_0)}{\sum D}
                      - \frac{\sum (1 - D)(\Delta Y - m_0)}{\sum (1 - D)},

        a dose-weighted effect less the cohort's effects weighted by :math:`1 - D`
        (the second sum includes the cohort's units); it needs doses in :math:`[0, 1]`.
        Both are zero when the dose has no effect; they coincide when every treated
        dose is 1, and otherwise estimate different things.

    Returns
    -------
    DoseResponseResult
        The curves with pointwise standard errors and uniform bands, :math:`ATT^o` and
        :math:`ACRT^o`. :meth:`~DoseResponseResult.overall` is :math:`ATT^o` (target
        ``"level"``) or :math:`ACRT^o` (``"slope"``) as a
        :class:`~evalkit.results.DiDResult`, whatever the aggregation (as R, whose event
        study reports the dose aggregation's overall number); with
        ``aggregation="event_time"``, :meth:`~DoseResponseResult.event_study` is an
        :class:`~evalkit.results.EventStudyResult` (with ``base_period="universal"`` its
        reference period is -1 less anticipation, normalised to zero).

    Raises
    ------
    InputError
        Unknown options or columns.
    DataError
        Missing or non-numeric values (naming rows), negative doses (above 1 with
        ``level_event_study="dose_as_indicator"``, naming rows), a dose or first
        treated period that varies within a unit, an unbalanced panel, no comparison
        units, too few distinct doses for the spline (naming the counts), a dose constant
        among the treated with ``target="slope"``.

    Notes
    -----
    With a single dose level ``ATT^o`` and the level event study are Callaway &
    Sant'Anna's (2021) binary ones (outcome regression without covariates); ``ACRT`` is
    then undefined (an error with ``target="slope"``; missing otherwise).

    Differences from R's ``contdid`` 0.1.0: the curves at ``dose_grid`` use the cohort's
    spline basis (R evaluates the basis with boundary knots at the grid's range); the
    standard errors are analytic (R's come from the bootstrap); the influence function
    of :math:`ACRT^o` is scaled by the number of treated units of a cell (R scales it by
    all units of the cell, which understates its standard error) and includes the
    estimation of the cohort shares; comparison cohorts must be untreated in both
    periods of a cell, anticipation included (R: after the cell's period); the knots
    and the default grid are quantiles of the treated units' doses (R: of every unit
    with a positive dose in the first period, never-treated ones included). R's level
    event study is ``level_event_study="dose_as_indicator"`` (its overall ATT then
    averages those cells over cohorts and post-treatment periods; :meth:`overall` stays
    :math:`ATT^o`).

    References
    ----------
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-
    differences with a continuous treatment. NBER Working Paper 32117.
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Event studies with a
    continuous treatment. *AEA Papers and Proceedings*, 114, 601-605.
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. *Journal of Econometrics*, 225(2), 200-230.
    """
    columns = {"outcome": outcome, "unit": unit, "time": time, "dose": dose,
               "first_treated": first_treated}
    grid = _validate(data, columns, target, aggregation, degree, num_knots, control_group,
                     base_period, anticipation, uniform_band, n_draws, random_state, alpha,
                     dose_grid, level_event_study)
    prepared = prepare(data, outcome=outcome, unit=unit, time=time, dose=dose,
                       first_treated=first_treated, anticipation=int(anticipation))
    if level_event_study == "dose_as_indicator":
        check_dose_range(data, dose, first_treated, time)
    design = prepared.design
    notes = list(prepared.notes)
    never = design.size(design.n_cohorts)
    if design.n_cohorts == 0:
        raise DataError(f"first_treated={first_treated!r}: no treated unit has a period before "
                        "its first treated period; nothing to estimate")
    if control_group == "never_treated" and never == 0:
        raise DataError("control_group='never_treated': no unit is never treated (first_treated "
                        "0 or missing); use control_group='not_yet_treated'")
    knots = quantile_knots(prepared.all_treated_doses, int(num_knots))
    spline = _spline_checks(prepared, int(degree), knots, prepared.cohorts, target)
    cells, dropped = plan_cells(design, prepared.periods.size, control_group=control_group,
                                base_period=base_period, anticipation=int(anticipation))
    if dropped:
        listed = ", ".join(f"({_label(prepared.cohorts[c])}, {_label(prepared.periods[t])})"
                           for c, t in dropped[:5])
        notes.append(f"{len(dropped)} cells (cohort, period) have no comparison unit and are "
                     f"not estimated: {listed}{' ...' if len(dropped) > 5 else ''}")
    post = cells.event >= 0
    if not post.any():
        raise DataError("No cohort has a post-treatment period with comparison units: no unit "
                        "is untreated (never treated, or not yet treated) when another is "
                        "treated")
    fits = fit_cells(design, cells, degree=int(degree), knots=knots if spline else None)
    weights = np.zeros((cells.size, 1))
    for code in range(design.n_cohorts):
        own = cells.of(code)
        own = own[post[own]]
        weights[own, 0] = 1.0 / max(own.size, 1)
    n = design.n
    att, psi_att = aggregate(design, cells, fits, weights, slope=False)
    if spline:
        acrt, psi_acrt = aggregate(design, cells, fits, weights, slope=True)
    else:
        acrt, psi_acrt = np.array([np.nan]), np.zeros((n, 1))
        notes.append("Every treated unit has the same dose: ACRT and the curves are not "
                     "estimated; ATT^o is the binary comparison")
    psi = np.column_stack([psi_att, psi_acrt])
    vcov = psi.T @ psi / n ** 2
    if not spline:
        vcov[1, :] = vcov[:, 1] = np.nan
    rng = make_generator(random_state) if uniform_band else None

    def band_draws(scores: np.ndarray) -> np.ndarray:
        return _draws(scores, n, int(n_draws), rng)

    treated_doses = design.dose[design.starts[0]:design.starts[design.n_cohorts]]
    if grid is None:
        # R's default dvals; doses shared by many units give the same quantile several
        # times, and each dose is evaluated once
        grid = (np.unique(np.quantile(treated_doses, np.arange(0.10, 0.995, 0.01))) if spline
                else np.zeros(0))
    if spline and grid.size:
        used = weights[:, 0] > 0
        sizes = np.diff(design.starts)[:design.n_cohorts].astype(float)
        cohort_used = np.array([used[cells.of(c)].any() for c in range(design.n_cohorts)])
        share = np.where(cohort_used, sizes / sizes[cohort_used].sum(), 0.0)
        control_psi = control_influence(design, cells, share[cells.cohort, None] * weights)
        curves = dose_curves(design, cells, fits, weights, control_psi, grid, int(degree),
                             draw=band_draws if uniform_band else None)
        att_curve, acrt_curve = curves.att, curves.acrt
        att_se, acrt_se = np.sqrt(curves.att_variance), np.sqrt(curves.acrt_variance)
        att_band = acrt_band = None
        if uniform_band:
            att_band = UniformBand(sup_t_statistics(curves.att_draws, att_se))
            acrt_band = UniformBand(sup_t_statistics(curves.acrt_draws, acrt_se))
    else:
        grid = np.zeros(0)
        att_curve = acrt_curve = att_se = acrt_se = np.zeros(0)
        att_band = acrt_band = None

    specification = ContinuousDiDSpec(
        outcome=outcome, unit=unit, time=time, dose=dose, first_treated=first_treated,
        target=target, aggregation=aggregation, degree=int(degree), num_knots=int(num_knots),
        knots=tuple(float(k) for k in knots), control_group=control_group,
        base_period=base_period, anticipation=int(anticipation),
        dose_grid=tuple(float(d) for d in grid), uniform_band=uniform_band,
        n_draws=int(n_draws),
        random_state=(int(random_state) if _is_int(random_state, 0) else None),
        alpha=float(alpha), level_event_study=level_event_study)
    fingerprint = frame_fingerprint(data[[unit, time, outcome, dose, first_treated]])
    provenance = Provenance(specification.function, specification.to_dict(), fingerprint,
                            prepared.rows)
    # the standard errors are analytic, clustered by unit, whether or not a bootstrap
    # draws the uniform bands (the text below says so)
    inference = Clustered(unit)
    text = ("analytic, from the influence functions at the unit level (including the "
            "estimation of the cohort shares)")
    if uniform_band and (grid.size or aggregation == "event_time"):
        text += (f"; uniform bands from a multiplier bootstrap ({int(n_draws):,} draws, "
                 "Rademacher multipliers, one per unit)")
    sample = {"rows": prepared.rows, "units": n, "periods": int(prepared.periods.size),
              "treated_units": int(design.starts[design.n_cohorts]),
              "control_units": int(never), "Cohorts": int(design.n_cohorts),
              "Group-time cells": int(cells.size),
              "Distinct treated doses": int(np.unique(treated_doses).size)}
    event = None
    if aggregation == "event_time":
        reference = -1 - int(anticipation) if base_period == "universal" else None
        event = _event_study(prepared, cells, fits, target, unit, inference, text, sample,
                             provenance, specification, reference,
                             band_draws if uniform_band else None)
    if spline:
        estimand = ("ATT(d) and ACRT(d): the average effect of dose d on the units that got "
                    "it, and its derivative in d, averaged over post-treatment cohorts and "
                    "periods (cohort weights proportional to size); ATT^o and ACRT^o average "
                    "them over the treated units' doses")
    else:
        estimand = ("ATT^o: the average effect of their (single) dose on the treated units, "
                    "averaged over post-treatment cohorts and periods (cohort weights "
                    "proportional to size)")
    return DoseResponseResult(
        estimator=ESTIMATOR, estimand=estimand, outcome=outcome, target=target,
        aggregation=aggregation, dose_grid=grid, att_curve=att_curve, att_curve_se=att_se,
        acrt_curve=acrt_curve, acrt_curve_se=acrt_se,
        overall_coefficients=Coefficients(OVERALL_TERMS, np.array([att[0], acrt[0]]), vcov,
                                          None, float(alpha)),
        inference=inference, inference_text=text, sample=sample, provenance=provenance,
        att_band=att_band, acrt_band=acrt_band, event_study_result=event, notes=tuple(notes),
        specification=specification)

