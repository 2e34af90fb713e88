"""Designs beyond one binary treatment that stays on: intensity, switching, dose, target group.

``design.estimator`` chooses one of

- ``chaisemartin_dhaultfoeuille``: a treatment that varies in intensity and may switch on and
  off (de Chaisemartin & D'Haultfoeuille 2024); the headline is the average total effect
  per unit of treatment, the event study its effects and placebos;
- ``continuous_did``: a continuous dose (Callaway, Goodman-Bacon & Sant'Anna 2024); the
  headline is the overall average effect of the dose on the treated, or the average causal
  response, the figure the dose-response curve, the event study by exposure time;
- ``triple_differences``: a policy aimed at the eligible units of the treated groups
  (Ortiz-Villavicencio & Sant'Anna 2025); the headline is the overall effect, the event
  study its effects by time since treatment.

The estimator's own checks apply: a design its data do not support is an error in the
params' terms, never a silent gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille
from evalkit.did.continuous import continuous_did
from evalkit.did.triple_differences import triple_differences
from evalkit.errors import DataError
from evalkit.reports.params.schema import (
    DoseResponseSection,
    IntertemporalSection,
    PolicyParams,
    StaggeredSection,
)
from evalkit.results import DiDResult, EventStudyResult

__all__ = ["GeneralTreatmentAnalysis", "analyse_general_treatment", "general_treatment_facts"]


@dataclass(frozen=True)
class GeneralTreatmentAnalysis:
    """The results of a design beyond one binary, absorbing treatment.

    Attributes
    ----------
    result
        The estimator's full result (``summary()``, ``tidy()``, ``plot()``).
    overall
        Its headline effect.
    event_study
        Its effects by time since treatment, or ``None`` when it has none.
    dose_response
        For ``continuous_did``: the result whose ``plot()`` draws the effect against the
        dose; else ``None``.
    """

    result: Any
    overall: DiDResult
    event_study: EventStudyResult | None
    dose_response: Any | None = None


def _cluster(params: PolicyParams) -> str | None:
    """The clustering column when it is not the unit (the estimators cluster by unit)."""
    inference = params.inference
    if inference.kind == "cluster" and inference.cluster not in (None, params.design.unit):
        return inference.cluster
    return None


def _settings(params: PolicyParams) -> StaggeredSection:
    return params.staggered or StaggeredSection()


def analyse_general_treatment(params: PolicyParams, data: pd.DataFrame,
                              alpha: float) -> GeneralTreatmentAnalysis:
    """Run the design's estimator on the rows the params keep."""
    d = params.design
    if d.estimator == "chaisemartin_dhaultfoeuille":
        o = params.intertemporal or IntertemporalSection()
        result = chaisemartin_dhaultfoeuille(
            data, outcome=d.outcome, unit=d.unit, time=d.time, treatment=d.treatment,
            effects=o.effects, placebos=o.placebos, normalized=o.normalized,
            same_switchers=o.same_switchers, controls=tuple(d.covariates), weights=d.weights,
            cluster=_cluster(params), alpha=alpha,
            # rows without an outcome still say when a unit's treatment changed
            missing="outcome_gaps")
        return GeneralTreatmentAnalysis(result, result.overall(), result.event_study())
    if d.estimator == "continuous_did":
        o = params.dose_response or DoseResponseSection()
        s = _settings(params)
        common = dict(outcome=d.outcome, unit=d.unit, time=d.time, dose=d.dose,
                      first_treated=d.first_treated, target=o.target, degree=o.degree,
                      num_knots=o.knots, control_group=s.control_group or "not_yet_treated",
                      base_period=s.base_period, anticipation=s.anticipation,
                      # staggered.n_draws: 0 asks for no band (continuous_did's draws
                      # then go unused)
                      uniform_band=s.n_draws > 0, n_draws=s.n_draws or 999,
                      random_state=s.random_state, alpha=alpha)
        # the curves over the dose and the event study by exposure, in one fit
        result = continuous_did(data, aggregation="event_time", **common)
        return GeneralTreatmentAnalysis(result, result.overall(), result.event_study(),
                                        dose_response=result)
    s = _settings(params)
    data, first_treated = _first_treated(params, data)
    result = triple_differences(
        data, outcome=d.outcome, unit=d.unit, time=d.time, first_treated=first_treated,
        eligible=d.eligible, covariates=tuple(d.covariates), method=s.method,
        control_group=s.control_group or "never_treated", base_period=s.base_period,
        weights=d.weights, cluster=_cluster(params), n_draws=s.n_draws,
        random_state=s.random_state, alpha=alpha)
    event_study = result.event_study() if len(result.tidy()) > 1 else None
    return GeneralTreatmentAnalysis(result, result.overall(), event_study)


def _first_treated(params: PolicyParams, data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The triple difference's first-treated column: ``design.first_treated``, or built
    from ``design.treated`` (0/1) and ``design.start`` (a new frame; the caller's is kept).

    Raises
    ------
    DataError
        When ``design.treated`` holds values other than 0 and 1 (naming rows).
    """
    d = params.design
    if d.first_treated is not None:
        return data, d.first_treated
    values = pd.to_numeric(data[d.treated], errors="coerce").to_numpy(dtype=float)
    wrong = np.flatnonzero(~np.isin(values, (0.0, 1.0)))
    if wrong.size:
        shown = ", ".join(str(int(i) + 1) for i in wrong[:5]) + (" ..." if wrong.size > 5 else "")
        raise DataError(f"design.treated={d.treated!r}: must be 0 or 1 on every row (1 for the "
                        f"units of the treated groups); {wrong.size} rows are not (rows "
                        f"{shown}, counted from 1 in the data as read, e.g. "
                        f"{data[d.treated].iloc[wrong[0]]!r})")
    name = f"{d.treated} from {_label(d.start)}"
    return data.assign(**{name: np.where(values == 1, d.start, 0)}), name


def general_treatment_facts(params: PolicyParams, data: pd.DataFrame) -> dict[str, object]:
    """What the report says of the data of such a design: its size and its groups.

    ``groups`` lists ``(message key, number of units)`` pairs: switchers and units whose
    treatment never changes; treated and untreated units with the dose range; the four
    groups of a triple difference.
    """
    d = params.design
    units = data[d.unit]
    periods = np.sort(pd.unique(data[d.time].dropna()))
    facts: dict[str, object] = {
        "rows": len(data), "units": int(units.nunique()), "periods": len(periods),
        "first_period": _label(periods[0]) if len(periods) else "",
        "last_period": _label(periods[-1]) if len(periods) else ""}
    by_unit = data.groupby(d.unit, sort=False)
    if d.estimator == "chaisemartin_dhaultfoeuille":
        spread = by_unit[d.treatment].agg(["min", "max"])
        switchers = int((spread["min"] != spread["max"]).sum())
        facts["groups"] = [("switchers", switchers), ("stayers", len(spread) - switchers)]
        return facts
    if d.estimator == "continuous_did":
        dose = by_unit[d.dose].first()
        treated = dose[dose > 0]
        facts["groups"] = [("treated_units", len(treated)),
                           ("control_units", int((dose == 0).sum()))]
        if len(treated):
            facts["dose_range"] = (float(treated.min()), float(treated.max()))
        return facts
    if d.first_treated is None:
        first = by_unit[d.treated].first().fillna(0) * float(d.start)
    else:
        first = pd.to_numeric(by_unit[d.first_treated].first(), errors="coerce").fillna(0)
    eligible = by_unit[d.eligible].first()
    treated = first > 0
    facts["groups"] = [
        ("treated_eligible", int((treated & (eligible == 1)).sum())),
        ("treated_ineligible", int((treated & (eligible != 1)).sum())),
        ("untreated_eligible", int((~treated & (eligible == 1)).sum())),
        ("untreated_ineligible", int((~treated & (eligible != 1)).sum()))]
    return facts


def _label(value: object) -> object:
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() else number
