"""Target attainment tables, in the style of the French budget performance reports.

The annual performance reports (projets et rapports annuels de performances) show,
for each indicator, the values realised in recent years, the target for the year
under review, and the later target: "Réalisation 2022 | Réalisation 2023 | Cible
2024 | Cible 2027". :func:`attainment_table` builds that table from indicator
definitions and a long data table, as codes and numbers; the report layer words and
renders it (:mod:`evalkit.reports.render.attainment`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import pandas as pd

from evalkit._moved import moved_names
from evalkit.errors import DataError, InputError
from evalkit.indicators.definitions import Indicator, _as_sequence

__all__ = ["Attainment", "attainment_table", "interpolated_target"]


class Attainment(StrEnum):
    """Whether an indicator reached its target for the period under review."""

    REACHED = "reached"
    NOT_REACHED = "not_reached"
    #: no target for the period (none defined, and none interpolated)
    NO_TARGET = "no_target"
    #: a target, but no value observed for the period
    NO_DATA = "no_data"


def interpolated_target(indicator: Indicator, period: int) -> float | None:
    """The target for ``period``, interpolated linearly between defined points.

    The points are the baseline and the targets. A target defined for ``period``
    is returned as is; between two points the value lies on the straight line
    joining them; before the baseline (or the first target without a baseline)
    and after the last target there is none.
    """
    exact = indicator.target_for(period)
    if exact is not None:
        return exact.value
    points = [(t.period, t.value) for t in indicator.targets]
    if indicator.baseline is not None:
        points.insert(0, (indicator.baseline.period, indicator.baseline.value))
    for (p0, v0), (p1, v1) in zip(points, points[1:], strict=False):
        if p0 < period < p1:
            return v0 + (v1 - v0) * (period - p0) / (p1 - p0)
    return None


def attainment_table(
    indicators: Indicator | Sequence[Indicator],
    data: pd.DataFrame,
    *,
    periods: Sequence[int] | None = None,
    interpolate: bool = False,
) -> pd.DataFrame:
    """One row per indicator: realised values, the target for the last period, and attainment.

    Parameters
    ----------
    indicators
        The definitions.
    data
        Long table with columns ``indicator`` (the code), ``period`` and ``value``.
    periods
        The periods whose realised values are shown; the last one is the period
        under review. Default: the last three periods observed in ``data``.
    interpolate
        When no target is defined for the period under review, take the value on
        the straight line between the surrounding points (the baseline and the
        targets; see :func:`interpolated_target`) instead of leaving it empty.

    Returns
    -------
    pandas.DataFrame
        Codes and numbers, in this order of columns:

        - ``code``, ``label_fr``, ``label_en``, ``label_nl``: the definition's code and
          labels (``label_nl``: the French label when the definition has none in Dutch,
          see :meth:`~evalkit.indicators.definitions.Indicator.label_in`);
        - ``unit``, ``direction``: the definition's codes (``"percentage"``,
          ``"lower_is_better"`` ...);
        - ``baseline_period`` (``Int64``), ``baseline_value``: the baseline, or
          missing;
        - ``realised_<p>`` for each period ``p`` of ``periods``: the value observed,
          NaN if none;
        - ``target_<last>``: the target for the period under review, NaN if none;
        - ``attainment``: an :class:`Attainment` value (``"reached"``,
          ``"not_reached"``, ``"no_target"``, ``"no_data"``), in the indicator's
          direction;
        - ``next_target_period`` (``Int64``), ``next_target_value``: the first
          target after the last period, or missing.

        :func:`evalkit.reports.render.attainment.attainment_html` renders it for a
        report, in English or French.
    """
    defs = _as_sequence(indicators)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in ("indicator", "period", "value") if c not in data.columns]
    if missing:
        raise DataError(f"data: must have the columns 'indicator', 'period', 'value'; "
                        f"missing {', '.join(map(repr, missing))}")
    if periods is None:
        observed = sorted(pd.unique(data["period"].dropna()).tolist())
        if not observed:
            raise DataError("data: holds no period; give periods=[...] explicitly")
        periods = [int(p) for p in observed[-3:]]
    else:
        periods = list(periods)
        bad = [p for p in periods if isinstance(p, bool) or not isinstance(p, int)]
        if not periods or bad:
            raise InputError(f"periods={periods!r}: must be a non-empty list of integer periods; "
                             f"got {periods!r}")
        periods = sorted(periods)
    last = periods[-1]
    realised_cols = [f"realised_{p}" for p in periods]
    target_col = f"target_{last}"
    rows = []
    for ind in defs:
        subset = data[data["indicator"] == ind.code]
        observed = dict(zip(subset["period"].astype(int), subset["value"].astype(float),
                            strict=True))
        row: dict[str, object] = {
            "code": ind.code, "label_fr": ind.label["fr"], "label_en": ind.label["en"],
            "label_nl": ind.label_in("nl"),
            "unit": ind.unit, "direction": ind.direction,
            "baseline_period": ind.baseline.period if ind.baseline else pd.NA,
            "baseline_value": ind.baseline.value if ind.baseline else math.nan,
        }
        for p, column in zip(periods, realised_cols, strict=True):
            row[column] = observed.get(p, math.nan)
        exact = ind.target_for(last)
        target = exact.value if exact else (interpolated_target(ind, last) if interpolate
                                            else None)
        row[target_col] = math.nan if target is None else target
        realised = observed.get(last, math.nan)
        if target is None:
            status = Attainment.NO_TARGET
        elif math.isnan(realised):
            status = Attainment.NO_DATA
        elif ind.is_reached(realised, target):
            status = Attainment.REACHED
        else:
            status = Attainment.NOT_REACHED
        row["attainment"] = status.value
        nxt = ind.next_target(last)
        row["next_target_period"] = nxt.period if nxt else pd.NA
        row["next_target_value"] = nxt.value if nxt else math.nan
        rows.append(row)
    columns = ["code", "label_fr", "label_en", "label_nl", "unit", "direction", "baseline_period",
               "baseline_value", *realised_cols, target_col, "attainment",
               "next_target_period", "next_target_value"]
    table = pd.DataFrame(rows, columns=columns)
    for column in ("baseline_period", "next_target_period"):
        table[column] = table[column].astype("Int64")
    for column in ("baseline_value", *realised_cols, target_col, "next_target_value"):
        table[column] = table[column].astype(float)
    return table


__getattr__ = moved_names(__name__, {}, {
    "attainment_html": "evalkit.reports.render.attainment.attainment_html(table, language)"})
