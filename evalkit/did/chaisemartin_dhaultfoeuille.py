r"""de Chaisemartin & D'Haultfoeuille (2024): event-study effects of a treatment that may be
non-binary and may switch on and off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.data.panel import frame_fingerprint
from evalkit.did import _dcdh_compute as compute
from evalkit.did import _dcdh_variance as variance
from evalkit.did._dcdh_controls import fit_controls
from evalkit.did._dcdh_input import Design, read_design
from evalkit.errors import EstimationError, InputError
from evalkit.inference.kinds import Clustered
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.intertemporal import AVERAGE_TOTAL_EFFECT, IntertemporalEffectsResult
from evalkit.results.provenance import Provenance

__all__ = ["chaisemartin_dhaultfoeuille"]

#: The directions of the first change that ``switchers=`` keeps.
DIRECTIONS: dict[str, tuple[int, ...]] = {"both": (1, -1), "in": (1,), "out": (-1,)}

ESTIMATOR = "de Chaisemartin & D'Haultfoeuille (2024) event-study DID"
ESTIMAND = ("DID_l, l = 1, 2, ...: the average effect, on the units whose treatment has "
            "changed (switchers), of having had their treatment path instead of keeping their "
            "baseline treatment, l periods after their first change (l = 1: the period of the "
            "change), relative to units with the same baseline treatment whose treatment has "
            "not changed yet{normalised}; placebos DID^pl_l compare the same units l periods "
            "before the change")


def _label(value: object) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _baseline_dropped(treatment: str, value: float, n_units: int) -> str:
    return (f"the units with baseline {treatment}={_label(value)} ({n_units:,}): they all "
            "change treatment in the same period (or none does), so none can serve as a "
            "comparison for another")


def _exclusions(design: Design, prepared: compute.Prepared, treatment: str) -> list[str]:
    out = []
    if prepared.units_without_outcome:
        out.append(f"{prepared.units_without_outcome:,} units whose outcome is never observed")
    if prepared.cells_dropped_both_sides:
        out.append(f"{prepared.cells_dropped_both_sides:,} unit-periods after the unit's "
                   f"treatment had been both above and below its baseline value (kept with "
                   "keep_both_sides=True)")
    out += [_baseline_dropped(treatment, value, n_units)
            for value, n_units in prepared.baselines_dropped]
    by_base: dict[float, list[str]] = {}
    for rank, value in prepared.cells_without_stayer:
        by_base.setdefault(value, []).append(_label(design.periods[rank - 1]))
    for value, periods in by_base.items():
        shown = ", ".join(periods[:8]) + (f" and {len(periods) - 8} more" if len(periods) > 8
                                         else "")
        out.append(f"baseline {treatment}={_label(value)} in periods {shown}: every unit with "
                   "this baseline has changed treatment by then, so no comparison is left")
    unmatched = np.isfinite(prepared.first_change) & (
        prepared.first_change > prepared.last_with_stayer)
    if unmatched.any():
        pairs = sorted({(float(b), int(f)) for b, f in zip(
            prepared.baseline[unmatched], prepared.first_change[unmatched], strict=True)})
        shown = "; ".join(f"baseline {_label(b)}, first change in {_label(design.periods[f - 1])}"
                          for b, f in pairs[:6])
        out.append(f"{int(unmatched.sum()):,} switchers whose baseline has no unit left that "
                   f"has not changed treatment at their first change ({shown})")
    return out


def _horizon_limits(p: compute.Prepared, directions: tuple[int, ...], trends: bool
                    ) -> tuple[int, int]:
    switchers = np.isfinite(p.first_change) & np.isin(p.direction, directions)
    if not switchers.any():
        return 0, 0
    reach = p.last_with_stayer[switchers] - p.first_change[switchers] + 1
    before = p.first_change[switchers] - 2 - trends
    return int(max(reach.max(), 0)), int(max(np.minimum(reach, before).max(), 0))


def _test(estimates: np.ndarray, cov: np.ndarray, terms: list[str], equal: bool,
          hypothesis: str) -> WaldTest | None:
    found = variance.wald(estimates, cov, equal=equal)
    if found is None:
        return None
    statistic, dof, p_value = found
    return WaldTest(statistic=statistic, df=(dof,), p_value=p_value, distribution="chi2",
                    terms=tuple(terms), hypothesis=hypothesis)


def chaisemartin_dhaultfoeuille(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    effects: int = 1,
    placebos: int = 0,
    normalized: bool = False,
    controls: Sequence[str] | str = (),
    weights: str | None = None,
    cluster: str | None = None,
    same_switchers: bool = False,
    only_never_switchers: bool = False,
    switchers: Literal["both", "in", "out"] = "both",
    linear_trends: bool = False,
    effects_equal: bool = False,
    keep_both_sides: bool = False,
    alpha: float = 0.05,
    missing: Literal["error", "drop", "outcome_gaps"] = "error",
) -> IntertemporalEffectsResult:
    r"""Event-study effects of a treatment that may be non-binary and switch on and off.

    de Chaisemartin & D'Haultfoeuille (2024) compare, for each unit ("group") :math:`g` whose
    treatment changes, its outcome evolution from the period before its first treatment change
    :math:`F_g - 1` to :math:`F_g - 1 + \ell` with that of the units with the same baseline
    treatment :math:`D_{g,1}` whose treatment has not changed yet at :math:`F_g - 1 + \ell`:

    .. math::

        \mathrm{DID}_{g,\ell} = Y_{g,F_g-1+\ell} - Y_{g,F_g-1}
            - \frac{\sum_{g': D_{g',1} = D_{g,1},\, F_{g'} > F_g - 1 + \ell}
                    N_{g',F_g-1+\ell}\,(Y_{g',F_g-1+\ell} - Y_{g',F_g-1})}
                   {\sum_{g': D_{g',1} = D_{g,1},\, F_{g'} > F_g - 1 + \ell} N_{g',F_g-1+\ell}}

    and average them over the switchers for which a comparison exists
    (:math:`F_g - 1 + \ell \le T_g`, the last period at which some unit with the same baseline
    has not changed treatment), with :math:`S_g = +1` for a first change upwards and
    :math:`-1` downwards:

    .. math::

        \mathrm{DID}_\ell = \frac{\sum_g N_{g,F_g-1+\ell}\, S_g\, \mathrm{DID}_{g,\ell}}
                                 {\sum_g N_{g,F_g-1+\ell}}.

    It estimates the average effect, on the switchers, of having experienced their actual
    treatment path rather than keeping their baseline treatment, :math:`\ell` periods after
    their first change, under parallel trends for units with the same baseline treatment and no
    anticipation. Placebo :math:`\mathrm{DID}^{pl}_\ell` replaces
    :math:`Y_{\cdot,F_g-1+\ell} - Y_{\cdot,F_g-1}` by :math:`Y_{\cdot,F_g-1-\ell} -
    Y_{\cdot,F_g-1}` (same units, same comparisons). Normalised effects divide
    :math:`\mathrm{DID}_\ell` by the switchers' average cumulated treatment change
    :math:`\delta_\ell = \sum_{k=0}^{\ell-1} S_g (D_{g,F_g+k} - D_{g,1})` (averaged as above).
    The average total effect per unit of treatment is

    .. math::

        \hat\delta = \frac{\sum_\ell w_\ell\, \mathrm{DID}_\ell}
                          {\sum_\ell w_\ell\, \overline{S_g (D_{g,F_g-1+\ell} - D_{g,1})}},
        \qquad w_\ell \propto \sum_g N_{g,F_g-1+\ell}.

    Standard errors are analytic, from each unit's influence function (outcome changes
    centred on their cohort's mean, as the reference package does), summed by cluster
    (the unit by default). The joint tests are chi-squared Wald tests on the covariance of
    the influence functions. Reproduces R ``DIDmultiplegtDYN`` / Stata ``did_multiplegt_dyn``
    to the digits they print (see the tests), without their ``trends_nonparam``,
    ``continuous``, ``predict_het`` and bootstrap options.

    Periods are the distinct values of ``time`` in increasing order, taken as consecutive
    (as the reference does): a period missing for every unit must be added (with a missing
    outcome) by the caller if it should count as a period. Units need not be observed in every
    period.

    Parameters
    ----------
    data
        One row per unit and period. Never modified.
    outcome
        Numeric outcome column.
    unit
        The units (groups) whose treatment may change: any labels.
    time
        Numeric period column.
    treatment
        Numeric treatment column: binary, discrete or continuous; may go up and down.
    effects
        Number of effects :math:`\mathrm{DID}_1 \dots \mathrm{DID}_L` (at most what the data
        allow; the error says the maximum).
    placebos
        Number of placebos (at most ``effects`` and what the data allow).
    normalized
        Divide each effect and placebo by :math:`\delta_\ell`: the effect per unit of
        cumulated treatment change.
    controls
        Numeric control columns: each outcome change is taken net of the controls' change
        times coefficients estimated, separately for each baseline treatment, on the
        first differences of the units whose treatment has not changed yet, with period
        fixed effects (the reference's ``controls``); the standard errors account for the
        estimated coefficients.
    weights
        Column of cell weights :math:`N_{g,t}` (e.g. populations); default: each row counts 1.
    cluster
        Column by which to cluster the standard errors (each unit in one cluster); default:
        the unit.
    same_switchers
        Use for every effect (and placebo) only the switchers for which all ``effects`` can be
        estimated, so that the effects are comparable over :math:`\ell`.
    only_never_switchers
        Compare switchers only with units whose treatment never changes.
    switchers
        ``"both"`` (default); ``"in"``: only the switchers whose treatment first moves above
        their baseline; ``"out"``: only those whose treatment first moves below it (the
        others still serve as comparisons until they switch).
    linear_trends
        Allow a linear trend of its own for each unit (the reference's ``trends_lin``): the
        outcome (and controls) are first-differenced, effect :math:`\ell` is the sum of the
        effects 1 to :math:`\ell` on the differenced outcome, all from the switchers that
        reach :math:`\ell` (so ``same_switchers`` has no further effect); units whose first
        change is in the second period are left out, and there is no average total effect.
    effects_equal
        Also test that all effects are equal.
    keep_both_sides
        Keep the periods after a unit's treatment has been both above and below its baseline
        (the reference package drops them; its ``dont_drop_larger_lower``).
    alpha
        Significance level: intervals at level ``1 - alpha``.
    missing
        ``"error"`` (default) names the rows with missing values; ``"drop"`` drops them;
        ``"outcome_gaps"`` keeps the rows whose only missing value is the outcome: their
        treatment still counts (it defines the first change), their outcome is a gap, as in
        the reference packages (rows with other missing values are dropped).

    Returns
    -------
    IntertemporalEffectsResult
        Terms ``effect_1 ... effect_L``, ``placebo_1 ... placebo_P``,
        ``average_total_effect``; :meth:`~IntertemporalEffectsResult.event_study` and
        :meth:`~IntertemporalEffectsResult.overall` give the report views.

    Raises
    ------
    InputError
        An option is invalid, or more effects or placebos than the data allow (the message
        says the maximum).
    DataError
        A column is missing or not numeric, values are missing, duplicated unit-period rows,
        a unit in several clusters, or a treatment that never changes.
    EstimationError
        No switcher can be compared with a unit of the same baseline treatment.

    References
    ----------
    de Chaisemartin, C. and D'Haultfoeuille, X. (2024). Difference-in-differences estimators of
    intertemporal treatment effects. *Review of Economics and Statistics*, 106(6), 1723-1736.

    de Chaisemartin, C., Ciccia, D., D'Haultfoeuille, X., Knau, F., Malezieux, M. and Sow, D.
    (2024). Estimators and variance estimators computed by the did_multiplegt_dyn command.

    Examples
    --------
    >>> from evalkit.datasets import load_favara_imbs
    >>> result = chaisemartin_dhaultfoeuille(
    ...     load_favara_imbs(), outcome="Dl_vloans_b", unit="county", time="year",
    ...     treatment="inter_bra", effects=8, placebos=3, cluster="state_n",
    ...     missing="outcome_gaps")
    >>> round(float(result.estimates["effect_1"]), 4)
    0.0435
    """
    design = read_design(data, outcome=outcome, unit=unit, time=time, treatment=treatment,
                         effects=effects, placebos=placebos, normalized=normalized,
                         controls=controls, weights=weights, cluster=cluster,
                         same_switchers=same_switchers,
                         only_never_switchers=only_never_switchers, switchers=switchers,
                         linear_trends=linear_trends,
                         effects_equal=effects_equal, keep_both_sides=keep_both_sides,
                         alpha=alpha, missing=missing)
    try:
        prepared = compute.prepare(design.grid, keep_both_sides=keep_both_sides)
    except compute.NoComparison as nothing:
        raise EstimationError("No switcher can be compared with units of the same baseline "
                              "treatment", [_baseline_dropped(treatment, value, n_units)
                                            for value, n_units in nothing.baselines_dropped]
                              ) from None
    exclusions = _exclusions(design, prepared, treatment)
    if not (np.isfinite(prepared.first_change) & (prepared.direction != 0)).any():
        raise EstimationError("No switcher can be compared with units of the same baseline "
                              "treatment", exclusions)
    directions = DIRECTIONS[design.specification.switchers]
    if linear_trends:
        before = prepared.keep.size
        prepared = compute.with_linear_trends(prepared)
        if prepared.keep.size < before:
            exclusions.append(f"{before - prepared.keep.size:,} units whose treatment first "
                              f"changes in the second period ({_label(design.periods[1])}): "
                              "with linear_trends=True their trend cannot be estimated")
    max_effects, max_placebos = _horizon_limits(prepared, directions, linear_trends)
    if max_effects == 0:
        which = {"both": "", "in": " whose treatment first moves up (switchers='in')",
                 "out": " whose treatment first moves down (switchers='out')"}[
                     design.specification.switchers]
        raise EstimationError(f"No switcher{which} can be compared with units of the same "
                              "baseline treatment", exclusions)
    problems = []
    if effects > max_effects:
        problems.append(f"effects={effects!r}: must be at most {max_effects}, the largest number "
                        "of effects the data allow (the longest span from a first treatment "
                        "change to the last period with a comparison unit); got "
                        f"{effects!r}")
    if placebos > max_placebos:
        problems.append(f"placebos={placebos!r}: must be at most {max_placebos}, the largest "
                        "number of placebos the data allow (periods observed before a first "
                        f"change, with comparison units); got {placebos!r}")
    if problems:
        raise InputError("More effects or placebos than the data allow:", problems)

    fit = None
    if design.specification.controls:
        fit = fit_controls(prepared, prepared.x)
        names = design.specification.controls
        if fit.empty:
            values = ", ".join(_label(prepared.baseline[prepared.base_starts[k]])
                               for k in fit.empty)
            raise EstimationError("The controls cannot be used:", [
                f"controls={list(names)!r}: the units with baseline {treatment}={values} have "
                "no period before their first change with every control's change observed; "
                "drop these controls or these units"])
        for k in fit.collinear:
            exclusions.append(
                f"some of the controls {list(names)!r} for the units with baseline "
                f"{treatment}={_label(prepared.baseline[prepared.base_starts[k]])}: their "
                "changes are collinear among the units that have not changed treatment yet")
    eligible = (compute.same_switchers_flag(prepared, effects, 0, only_never_switchers)
                if same_switchers and not linear_trends else None)
    found: dict[str, compute.HorizonEstimate] = {}
    for kind, count in (("effect", effects), ("placebo", placebos)):
        for lag in range(1, count + 1):
            options = dict(placebo=kind == "placebo", directions=directions,
                           only_never=only_never_switchers, controls=fit)
            h = (compute.cumulated_horizon(prepared, lag, **options) if linear_trends else
                 compute.estimate_horizon(prepared, lag, eligible=eligible, **options))
            if h is None:
                raise EstimationError(f"{kind} {lag} cannot be estimated: no switcher has a "
                                      "comparison unit at that horizon", exclusions)
            found[f"{kind}_{lag}"] = h
    return _result(design, prepared, found, exclusions)


def _result(design: Design, prepared: compute.Prepared,
            found: dict[str, compute.HorizonEstimate],
            exclusions: list[str]) -> IntertemporalEffectsResult:
    spec = design.specification
    n_groups = prepared.keep.size
    terms = list(found)
    scale = np.array([h.delta if spec.normalized else 1.0 for h in found.values()])
    estimates = [h.estimate / s for h, s in zip(found.values(), scale, strict=True)]
    influences = [h.influence / s for h, s in zip(found.values(), scale, strict=True)]
    switchers = [h.switchers for h in found.values()]
    weighted = [h.switchers_weighted for h in found.values()]
    observations = [h.observations for h in found.values()]
    effect_list = [found[t] for t in terms if t.startswith("effect_")]
    ate = None if spec.linear_trends else variance.average_total_effect(effect_list)
    accumulated = None
    if ate is not None:
        estimate, influence, _, accumulated = ate
        terms.append(AVERAGE_TOTAL_EFFECT)
        estimates.append(estimate)
        influences.append(influence)
        switchers.append(sum(h.switchers for h in effect_list))
        weighted.append(float(sum(h.switchers_weighted for h in effect_list)))
        observations.append(int(np.logical_or.reduce([h.counted for h in effect_list]).sum()))
    cov = variance.covariance(influences, n_groups, prepared.cluster)
    coefficients = Coefficients(terms=tuple(terms), estimate=np.array(estimates), vcov=cov,
                                df=None, alpha=spec.alpha)
    est = np.array(estimates)
    e_idx = [i for i, t in enumerate(terms) if t.startswith("effect_")]
    p_idx = [i for i, t in enumerate(terms) if t.startswith("placebo_")]
    effects_test = _test(est[e_idx], cov[np.ix_(e_idx, e_idx)], [terms[i] for i in e_idx],
                         False, "Effects all zero")
    equal_test = (_test(est[e_idx], cov[np.ix_(e_idx, e_idx)], [terms[i] for i in e_idx], True,
                        "Effects all equal") if spec.effects_equal else None)
    placebo_test = (_test(est[p_idx], cov[np.ix_(p_idx, p_idx)], [terms[i] for i in p_idx],
                          False, "Placebos all zero") if p_idx else None)
    switcher_units = np.isfinite(prepared.first_change) & (prepared.direction != 0)
    n_clusters = (n_groups if prepared.cluster is None
                  else int(np.unique(prepared.cluster).size))
    sample = {"rows": design.n_rows, "units": n_groups,
              "switchers": int(switcher_units.sum()),
              "never_switchers": int((~np.isfinite(prepared.first_change)).sum()),
              "periods": len(design.periods), "clusters": n_clusters}
    column = spec.cluster
    inference_text = ("analytic, from the units' influence functions (de Chaisemartin & "
                      f"D'Haultfoeuille 2024), clustered by {column!r} ({n_clusters:,} "
                      "clusters)")
    return IntertemporalEffectsResult(
        estimator=ESTIMATOR, estimand=ESTIMAND.format(normalised=(
            ", divided by the switchers' average cumulated treatment change (normalised)"
            if spec.normalized else "")),
        outcome=spec.outcome, treatment=spec.treatment, normalized=spec.normalized,
        coefficients=coefficients, switchers=tuple(int(s) for s in switchers),
        switchers_weighted=tuple(float(w) for w in weighted),
        observations=tuple(int(o) for o in observations), accumulated_periods=accumulated,
        effects_test=effects_test, effects_equal_test=equal_test, placebos_test=placebo_test,
        exclusions=tuple(exclusions), inference=Clustered(column), inference_text=inference_text,
        sample=sample,
        provenance=Provenance(spec.function, spec.to_dict(), frame_fingerprint(design.frame),
                              design.n_rows),
        specification=spec)
