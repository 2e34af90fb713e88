"""Indicator tracking from a params file: series, progress, gaps and trends. No display here.

For each indicator the params measure, the counts are summed by period over three kinds
of area: the whole territory of the data (e.g. the region), the territory of interest
(``indicators.focus``, e.g. the communes of a programme) and the rest, and each group
(``indicators.group_by``, e.g. the departments: a column, or a level of the territorial
referential whose codes and names are attached to the territories). Each area's value comes with its
sampling confidence interval (Wilson for proportions, exact Poisson for rates).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.data import file_sha256
from evalkit.data.csv_format import ReadFormat
from evalkit.data.io import load_table_with_format
from evalkit.errors import DataError, TerritoryError
from evalkit.indicators.attainment import attainment_table
from evalkit.indicators.definitions import Indicator, load_indicators
from evalkit.indicators.progress import ProgressAssessment, assess_progress
from evalkit.indicators.rates import compare_to_reference, proportion_ci, rate_ci
from evalkit.indicators.trends import interrupted_time_series, mann_kendall
from evalkit.reports.params.schema import MeasureSection, PolicyParams, load_params
from evalkit.territories import LEVEL_NAMES, infer_level, normalize_codes, referential_for

__all__ = ["Tracking", "IndicatorTracking", "track", "territorial_groups", "ALL", "FOCUS",
           "REST"]

ALL, FOCUS, REST = "all", "focus", "rest"


@dataclass(frozen=True)
class IndicatorTracking:
    """Everything a report shows about one indicator.

    Attributes
    ----------
    indicator
        Its definition (labels, unit, direction, baseline, targets).
    kind
        ``proportion``, ``rate`` or ``value``: how its interval is computed.
    series
        One row per area and period: ``area`` (``all``, ``focus``, ``rest`` or a
        group code), ``area_name``, ``period``, ``numerator``, ``denominator``,
        ``value``, ``conf_low``, ``conf_high``.
    long_term, short_term
        Progress of the whole territory's series toward the target (or its trend).
    focus_gap
        The territory of interest against the rest in the latest period (one row), or
        ``None``.
    group_gaps
        Each group against the rest of the territory in the latest period, or ``None``.
    trend
        Mann-Kendall test and Sen's slope of the whole territory's series.
    break_at_start
        Interrupted time series at the policy's start of the gap between the territory
        of interest and the rest (or of the whole territory without a focus), or
        ``None``.
    """

    indicator: Indicator
    kind: str
    series: pd.DataFrame
    long_term: ProgressAssessment
    short_term: ProgressAssessment
    focus_gap: pd.DataFrame | None
    group_gaps: pd.DataFrame | None
    trend: Any
    break_at_start: Any

    def area(self, area: str) -> pd.Series:
        """The values of one area, indexed by period."""
        rows = self.series.loc[self.series["area"] == area]
        return pd.Series(rows["value"].to_numpy(), index=rows["period"].to_numpy(),
                         name=self.indicator.code)


@dataclass(frozen=True)
class Tracking:
    """The tracking part of a report, computed from one params file."""

    params: PolicyParams
    data: pd.DataFrame
    data_sha256: str
    indicators: tuple[IndicatorTracking, ...]
    attainment: pd.DataFrame
    run_date: str
    read_format: ReadFormat | None = None  # how the data file was read (None: Parquet)

    @property
    def language(self) -> str:
        return self.params.language


def _kind(measure: MeasureSection) -> str:
    if measure.kind:
        return measure.kind
    return "proportion" if measure.denominator else "value"


def _aggregate(frame: pd.DataFrame, measure: MeasureSection, period: str,
               by: str | None) -> pd.DataFrame:
    columns = [measure.numerator] + ([measure.denominator] if measure.denominator else [])
    keys = [by, period] if by else [period]
    grouped = frame.groupby(keys, sort=True)[columns].sum(min_count=1).reset_index()
    grouped = grouped.rename(columns={period: "period", measure.numerator: "numerator"})
    if measure.denominator:
        grouped = grouped.rename(columns={measure.denominator: "denominator"})
    else:
        grouped["denominator"] = np.nan
    if by:
        grouped = grouped.rename(columns={by: "area"})
        grouped["area"] = grouped["area"].astype(str)
    return grouped


def _with_intervals(table: pd.DataFrame, kind: str, scale: float, alpha: float) -> pd.DataFrame:
    table = table.dropna(subset=["numerator"]).copy()
    if kind == "value":
        table["value"] = table["numerator"] if table["denominator"].isna().all() else (
            scale * table["numerator"] / table["denominator"])
        table["conf_low"] = np.nan
        table["conf_high"] = np.nan
        return table
    table = table.loc[table["denominator"] > 0]
    num = table["numerator"].to_numpy(dtype=float)
    den = table["denominator"].to_numpy(dtype=float)
    if kind == "proportion":
        ci = proportion_ci(np.round(num), np.round(den), method="wilson", alpha=alpha)
        factor = scale
    else:
        ci = rate_ci(np.round(num), den, per=scale, method="exact", alpha=alpha)
        factor = 1.0
    table["value"] = factor * np.asarray(ci["estimate"], dtype=float)
    table["conf_low"] = factor * np.asarray(ci["conf_low"], dtype=float)
    table["conf_high"] = factor * np.asarray(ci["conf_high"], dtype=float)
    return table


def _series(frame: pd.DataFrame, params: PolicyParams, measure: MeasureSection,
            focus: np.ndarray | None, alpha: float,
            groups_in: tuple[str | None, str | None] = (None, None)) -> pd.DataFrame:
    section = params.indicators
    kind, scale = _kind(measure), float(measure.scale)
    parts = []
    whole = _aggregate(frame, measure, section.period, None).assign(area=ALL)
    parts.append(whole.assign(area_name=""))
    if focus is not None:
        parts.append(_aggregate(frame.loc[focus], measure, section.period, None)
                     .assign(area=FOCUS, area_name=""))
        parts.append(_aggregate(frame.loc[~focus], measure, section.period, None)
                     .assign(area=REST, area_name=""))
    group_by, group_name = groups_in
    if group_by:
        groups = _aggregate(frame, measure, section.period, group_by)
        names = {}
        if group_name:
            names = (frame[[group_by, group_name]].drop_duplicates()
                     .assign(key=lambda f: f[group_by].astype(str))
                     .set_index("key")[group_name].astype(str).to_dict())
        groups["area_name"] = groups["area"].map(names).fillna(groups["area"])
        parts.append(groups)
    table = pd.concat(parts, ignore_index=True)
    table = _with_intervals(table, kind, scale, alpha)
    table["period"] = table["period"].astype(int)
    return table[["area", "area_name", "period", "numerator", "denominator", "value",
                  "conf_low", "conf_high"]].reset_index(drop=True)


def _gaps(series: pd.DataFrame, kind: str, scale: float, areas: list[str], reference: str,
          alpha: float, exclude: bool) -> pd.DataFrame | None:
    if kind == "value":
        return None
    latest = series["period"].max()
    now = series.loc[series["period"] == latest].set_index("area")
    present = [a for a in areas if a in now.index]
    if not present or reference not in now.index:
        return None
    ref = now.loc[reference]
    gap = compare_to_reference(
        now.loc[present, "numerator"].to_numpy(dtype=float).round(),
        now.loc[present, "denominator"].to_numpy(dtype=float),
        np.full(len(present), round(float(ref["numerator"]))),
        np.full(len(present), float(ref["denominator"])),
        kind=kind, per=scale if kind == "rate" else 1.0, alpha=alpha,
        exclude_territory=exclude)
    table = gap.tidy().reset_index(drop=True)
    table.insert(0, "area", present)
    table.insert(1, "area_name", now.loc[present, "area_name"].to_numpy())
    table.insert(2, "period", int(latest))
    if kind == "proportion":
        for column in [c for c in table.columns if c in (
                "estimate", "value", "reference", "difference", "difference_low",
                "difference_high", "conf_low", "conf_high")]:
            table[column] = table[column] * scale
    return table


def _its_series(series: pd.DataFrame, has_focus: bool) -> pd.Series:
    """The series whose break at the policy's start is tested.

    With a territory of interest, the gap between it and the rest of the territory
    (a comparative interrupted time series: shocks common to both cancel out); else
    the whole territory's series.
    """
    values = series.set_index(["area", "period"])["value"]
    areas = set(series["area"])
    if has_focus and {FOCUS, REST} <= areas:
        gap = values.loc[FOCUS] - values.loc[REST]
        return gap.dropna().sort_index()
    return values.loc[ALL].sort_index()


def _long(series: pd.DataFrame, code: str) -> pd.DataFrame:
    rows = series.loc[series["area"] == ALL]
    return pd.DataFrame({"indicator": code, "period": rows["period"].to_numpy(),
                         "value": rows["value"].to_numpy()})


def territorial_groups(data: pd.DataFrame, params: PolicyParams
                        ) -> tuple[pd.DataFrame, str | None, str | None]:
    """The data and the (group, name) columns, with the referential's help when needed.

    Without ``indicators.territory_level``, ``pad_codes`` or a ``group_by`` that names
    a level of the referential rather than a column, the data are used as they are.
    Otherwise the territory codes are checked against the referential (and padded on
    request), and a ``group_by`` level is read from the data's ``<level>_code`` column
    or attached from the referential with its names.
    """
    section = params.indicators
    group, name = section.group_by, section.group_name
    level_group = group is not None and group not in data.columns and group in LEVEL_NAMES
    column = section.territory
    if section.territory_level is None and not level_group and not section.pad_codes:
        _check_code_format(data, column, params)
        return data, group, name
    level = section.territory_level
    where = f"indicators.territory (column {column!r} of {params.data_path.name})"
    try:
        if level is None:
            referential, level = infer_level(data[column], pad=section.pad_codes)
        else:
            referential = referential_for(level, data[column])
        codes = referential.check(data, column, level, pad=section.pad_codes)
    except TerritoryError as exc:
        raise TerritoryError(f"{where}: {exc.message}", exc.problems) from None
    data = data.copy()
    data[column] = codes
    if not level_group:
        return data, group, name
    levels = referential.levels
    if group not in levels or levels.index(group) <= levels.index(level):
        above = levels[levels.index(level) + 1:]
        raise TerritoryError(f"indicators.group_by: must be a column of "
                             f"{params.data_path.name} or a level of the {referential.country} "
                             f"referential above {level!r} ({', '.join(map(repr, above))}); "
                             f"got {group!r}")
    code_column = f"{group}_code"
    if code_column in data.columns:
        spec = referential.level(group)
        try:
            data[code_column] = normalize_codes(data[code_column], spec.family,
                                                column=code_column, pad=section.pad_codes)
        except TerritoryError as exc:
            raise TerritoryError(f"indicators.group_by={group!r}: {exc.message}",
                                 exc.problems) from None
    else:
        above = referential.territories(level).set_index("code")[group]
        data[code_column] = data[column].map(above)
    if name is None:
        name = f"{group}_name"
        if name not in data.columns:
            names = referential.territories(group).set_index("code")["name"]
            data[name] = data[code_column].map(names)
    return data, code_column, name


def _check_code_format(data: pd.DataFrame, column: str, params: PolicyParams) -> None:
    """Territory codes that lost their leading zeros are an error even when the params do
    not name their level: when the codes, zero-padded, are those of a level of the
    referential, they are checked against that level's code family (not against the
    referential's list, which a table of former communes may not match)."""
    try:
        referential, level = infer_level(data[column], pad=True)
    except TerritoryError:
        return  # not territorial codes the referential knows: nothing to say
    try:
        normalize_codes(data[column], referential.level(level).family, column=column)
    except TerritoryError as exc:
        where = f"indicators.territory (column {column!r} of {params.data_path.name})"
        raise TerritoryError(f"{where}: {exc.message}", exc.problems) from None


def track(params: PolicyParams | str | Path) -> Tracking:
    """Compute the tracking of every indicator the params measure."""
    if not isinstance(params, PolicyParams):
        params = load_params(params)
    section = params.indicators
    if section is None:
        raise DataError(f"{params.params_path}: has no indicators section to track")
    alpha = round(1 - params.inference.confidence_level, 10)
    loaded = load_table_with_format(params.data_path, **params.data.load_options(),
                                    sample=params.data.sample or None)
    data = loaded.frame
    data, *groups_in = territorial_groups(data, params)
    definitions = {ind.code: ind for ind in load_indicators(params.definitions_path)}
    focus = None
    if section.focus:
        focus = np.ones(len(data), dtype=bool)
        for column, value in section.focus.items():
            values = value if isinstance(value, list) else [value]
            focus &= data[column].isin(values).to_numpy()
        if not focus.any() or focus.all():
            raise DataError(f"indicators.focus={section.focus!r}: must select some rows but not "
                            f"all of them; it selects {int(focus.sum())} of {len(data)}")
    thresholds = params.verdict_rules.progress_thresholds()
    tracked = []
    long_rows = []
    for code, measure in section.measures.items():
        indicator = definitions[code]
        kind, scale = _kind(measure), float(measure.scale)
        series = _series(data, params, measure, focus, alpha, tuple(groups_in))
        whole = series.loc[series["area"] == ALL].set_index("period")["value"]
        long_term = assess_progress(indicator, whole, horizon="long", thresholds=thresholds)
        short_term = assess_progress(indicator, whole, horizon="short", thresholds=thresholds)
        focus_gap = (_gaps(series, kind, scale, [FOCUS], REST, alpha, exclude=False)
                     if focus is not None else None)
        groups = sorted(set(series["area"]) - {ALL, FOCUS, REST})
        group_gaps = (_gaps(series, kind, scale, groups, ALL, alpha, exclude=True)
                      if groups else None)
        trend = mann_kendall(whole) if whole.size >= 4 else None
        its_series = _its_series(series, focus is not None)
        its = None
        if section.policy_start is not None:
            before = int((its_series.index < section.policy_start).sum())
            after = int((its_series.index >= section.policy_start).sum())
            if before >= 3 and after >= 3:
                its = interrupted_time_series(its_series, section.policy_start, alpha=alpha)
        tracked.append(IndicatorTracking(indicator, kind, series, long_term, short_term,
                                         focus_gap, group_gaps, trend, its))
        long_rows.append(_long(series, code))
    long_data = pd.concat(long_rows, ignore_index=True)
    attainment = attainment_table([t.indicator for t in tracked], long_data, interpolate=True)
    return Tracking(params=params, data=data, data_sha256=file_sha256(params.data_path),
                    indicators=tuple(tracked), attainment=attainment,
                    run_date=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                    read_format=loaded.read_format)
