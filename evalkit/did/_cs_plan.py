"""Which cohorts and periods Callaway & Sant'Anna's cells use, from the cohorts alone.

Shared by the in-memory estimator and the one on panels held by an engine: both know
the distinct cohorts and their sizes before reading any outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.did._cs_attgt import CellPlan, _num, plan_cells
from evalkit.errors import DataError

__all__ = ["SamplePlan", "plan_sample"]


@dataclass(frozen=True)
class SamplePlan:
    """The cells, the periods kept, and the cohorts whose units are dropped.

    ``early_limit``: units first treated by this period have no pre-treatment period and
    are dropped; ``notes`` say what was dropped and why.
    """

    plan: CellPlan
    period_keep: np.ndarray
    early_limit: float
    notes: tuple[str, ...]


def plan_sample(periods_all: np.ndarray, values: np.ndarray, counts: np.ndarray, *,
                anticipation: int, control_group: str, base_period: str) -> SamplePlan:
    """Plan the cells from the distinct cohorts ``values`` (sorted, ``inf`` for units never
    treated) and their unit ``counts``, as R's ``att_gt`` does.

    Raises
    ------
    DataError
        No cohort with a pre-treatment period, no never-treated units for
        ``control_group="never_treated"``, fewer than two periods before the last cohort,
        or no cohort with both a pre-treatment period and comparison units.
    """
    notes: list[str] = []
    delta = anticipation
    limit = float(periods_all[0] + delta)
    values, counts = values[counts > 0], counts[counts > 0]
    early = np.isfinite(values) & (values <= limit)
    if early.any():
        when = (f"in or before the first period, {_num(periods_all[0])}" if delta == 0 else
                f"by period {_num(periods_all[0] + delta)} (first period plus anticipation)")
        notes.append(f"{int(counts[early].sum()):,} units first treated {when} (cohorts "
                     f"{', '.join(map(_num, values[early]))}) were dropped: they have no "
                     "pre-treatment period to compare with")
    present = values[~early]
    if present.size == 0 or not np.isfinite(present).any():
        raise DataError("No cohort is left with a pre-treatment period: every treated unit is "
                        f"first treated by period {_num(periods_all[0] + delta)} (the first "
                        "period plus anticipation)")
    never = bool(np.isinf(present).any())
    latest = float(np.max(present[np.isfinite(present)]))
    if not never and control_group == "never_treated":
        raise DataError(
            "control_group='never_treated': the panel has no never-treated units (units "
            "first treated after the last period count as never treated); use "
            "control_group='not_yet_treated' to compare cohorts with units treated later")
    period_keep = np.ones(periods_all.size, dtype=bool)
    if not never:
        period_keep = periods_all < latest - delta
        notes.append(f"No never-treated units: as in R's did, periods from "
                     f"{_num(latest - delta)} on are dropped and cohort {_num(latest)} "
                     "serves only as comparison units")
        if period_keep.sum() < 2:
            raise DataError("control_group='not_yet_treated': without never-treated units, "
                            f"fewer than two periods precede the last cohort ({_num(latest)})"
                            ", so no comparison is possible")
    periods = periods_all[period_keep]
    cohorts = present[np.isfinite(present) & (present > periods[0] + delta)]
    if not never:
        cohorts = cohorts[cohorts < latest]
    if cohorts.size == 0:
        raise DataError("No cohort has both a pre-treatment period and comparison units")
    plan = plan_cells(periods, present, cohorts, anticipation=delta, base_period=base_period,
                      control_group=control_group)
    return SamplePlan(plan=plan, period_keep=period_keep, early_limit=limit,
                      notes=tuple(notes))
