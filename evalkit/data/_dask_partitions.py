"""What a Dask worker does with one partition of a panel (every partition holds whole units).

Two passes, both run where the partition is:

- :func:`inspect_partition` runs the row and unit checks of :class:`~evalkit.data.panel.Panel`
  stage by stage (missing values and types; finite, positive and 0/1 values; one row per
  unit and period, a treatment timing fixed within each unit) and returns what it found
  as :class:`Finding` records -- counts and a few examples named by unit and period, since
  a row's position inside a partition means nothing to the user -- together with the facts
  the whole panel is described by (rows, units, periods, cohorts, cluster labels, a content
  digest). Nothing is worded here: the partitions' findings are added up and worded once
  (:mod:`evalkit.data._dask_findings`).
- :func:`partition_block` builds the partition's :class:`~evalkit.data.panel.Panel` (through
  ``Panel._part``: the same checks again, which now pass) and its block of whole units, laid
  out on the periods of the whole panel.

Every function here is imported by name on the workers: keep them at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.data.checks import SHOW, float_values
from evalkit.data.panel import (
    _ESTIMATED,
    Panel,
    PanelSpec,
    _is_never,
    _numeric_roles,
    _period_label,
)
from evalkit.data.unit_blocks import UnitBlock, panel_block

__all__ = ["Finding", "CohortFacts", "PartitionReport", "inspect_partition",
           "too_large_rows", "partition_block", "STAGES"]

_DISTINCT = 100  # distinct offending values kept per partition (to count them across partitions)

# The stages of Panel's checks: a later stage is only reported when no earlier one failed
STAGES = {"missing": 1, "non_numeric": 1,
          "non_finite": 2, "too_large": 2, "not_positive": 2, "not_binary": 2,
          "duplicates": 3, "first_treated_varies": 3, "switches_off": 3, "cluster_varies": 3}


@dataclass
class Finding:
    """One problem with one column in one partition, before it is worded.

    ``count`` is the number of rows (units, pairs, values) at fault, ``total`` the rows
    looked at, ``examples`` a few of them, sorted: ``(unit, period)`` rows, units, pairs
    or values. ``detail`` holds what a particular check adds (the largest value ...).
    """

    count: int
    total: int = 0
    examples: list = field(default_factory=list)
    detail: dict = field(default_factory=dict)


@dataclass
class CohortFacts:
    """The units of one partition first treated in one period (before the panel's end is
    known): how many, whether any is observed before it, and the first few."""

    units: int
    observed_before: bool
    examples: list


@dataclass
class PartitionReport:
    """What :func:`inspect_partition` found in one partition."""

    rows_read: int
    rows: int = 0
    dropped: int = 0
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    units: int = 0
    periods: np.ndarray = field(default_factory=lambda: np.empty(0))
    cohorts: dict[float, CohortFacts] = field(default_factory=dict)
    cluster_labels: np.ndarray | None = None
    largest: dict[str, float] = field(default_factory=dict)
    whole_periods: bool = True
    digest: int = 0


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _sorted(items: list) -> list:
    try:
        return sorted(items, key=lambda item: tuple((v is None, v) for v in item)
                      if isinstance(item, tuple) else (item is None, item))
    except TypeError:  # values that do not compare (mixed types): as they come
        return items


def _rows(frame: pd.DataFrame, spec: PanelSpec, where: np.ndarray) -> list:
    """The first few rows at ``where`` as ``(unit, period)`` pairs, sorted."""
    units = frame[spec.unit].to_numpy()
    times = frame[spec.time].to_numpy()
    pairs = [(_plain(units[i]), _plain(times[i])) for i in where]
    return _sorted(pairs)[:SHOW]


def _rows_finding(frame: pd.DataFrame, spec: PanelSpec, mask: np.ndarray) -> Finding:
    where = np.flatnonzero(mask)
    return Finding(count=int(where.size), total=int(mask.size),
                   examples=_rows(frame, spec, where))


def _drop_missing(frame: pd.DataFrame, spec: PanelSpec) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """With ``missing="drop"``, the rows kept and how many were dropped (as Panel drops)."""
    checked = [c for c in frame.columns if c != spec.first_treated]
    nulls = frame[checked].isna()
    if spec.missing != "drop" or not nulls.to_numpy().any():
        return frame, 0, nulls
    keep = ~nulls.to_numpy().any(axis=1)
    return frame.loc[keep], int((~keep).sum()), nulls.loc[keep]


def inspect_partition(frame: pd.DataFrame, spec: PanelSpec) -> PartitionReport:
    """Check one partition of whole units as :class:`Panel` checks its data (see module)."""
    frame = frame.loc[:, list(spec.columns)]
    report = PartitionReport(rows_read=len(frame))
    frame, report.dropped, nulls = _drop_missing(frame, spec)
    report.rows = len(frame)
    if frame.empty:
        return report
    found = report.findings
    if spec.missing != "drop":
        for column in nulls.columns:
            if nulls[column].any():
                found["missing", column] = _rows_finding(frame, spec, nulls[column].to_numpy())
    numeric = _numeric_roles(spec)
    for column, _ in numeric:
        series = frame[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            found["non_numeric", column] = _non_numeric(frame, spec, series)
    if found:
        return report

    values = {column: float_values(frame[column]) for column, _ in numeric}
    for column, role in numeric:
        if column == spec.first_treated:
            continue  # an infinite first-treatment period means never treated
        infinite = np.isinf(values[column])
        if infinite.any():
            found["non_finite", column] = _rows_finding(frame, spec, infinite)
        if role in _ESTIMATED:
            finite = values[column][np.isfinite(values[column])]
            report.largest[column] = float(np.abs(finite).max()) if finite.size else 0.0
    if spec.weights:
        w = values[spec.weights]
        bad = np.isfinite(w) & (w <= 0)
        if bad.any():
            found["not_positive", spec.weights] = _rows_finding(frame, spec, bad)
    if spec.treatment:
        d = values[spec.treatment]
        bad_values = np.unique(d[np.isfinite(d) & (d != 0) & (d != 1)])
        if bad_values.size:
            found["not_binary", spec.treatment] = Finding(
                count=int(bad_values.size), examples=[_period_label(v) for v in bad_values[:SHOW]])
    if found:
        return report
    _units_and_facts(frame, spec, values, report)
    return report


def _non_numeric(frame: pd.DataFrame, spec: PanelSpec, series: pd.Series) -> Finding:
    """The values of a column that are not numbers, each with a few rows holding it."""
    try:
        converted = pd.to_numeric(series, errors="coerce")
        bad = (series.notna() & converted.isna()).to_numpy()
    except (TypeError, ValueError):
        bad = series.notna().to_numpy()
    where = np.flatnonzero(bad)
    texts = pd.Series(series.to_numpy()[where]).astype(str)
    distinct = pd.unique(texts)
    shown = []
    for value in sorted(distinct[:_DISTINCT])[:SHOW]:
        at = where[(texts == value).to_numpy()]
        shown.append((value, _rows(frame, spec, at)[:3]))
    return Finding(count=int(where.size), total=int(series.size), examples=shown, detail={
        "dtype": str(series.dtype), "distinct": set(distinct[:_DISTINCT]),
        "more_distinct": bool(distinct.size > _DISTINCT),
        "dates": bool(pd.api.types.is_datetime64_any_dtype(series)),
        "sample": series.dropna().astype(str).head(3).tolist(),
        "texts": texts.head(1000).tolist()})


def _units_and_facts(frame: pd.DataFrame, spec: PanelSpec, values: dict[str, np.ndarray],
                     report: PartitionReport) -> None:
    """The unit checks of Panel (one row per unit and period, a fixed treatment timing, a
    cluster fixed within unit) and the partition's facts."""
    found = report.findings
    codes, units = pd.factorize(frame[spec.unit], sort=True)
    units = np.asarray(units)
    time = values[spec.time]
    order = np.lexsort((time, codes))
    codes, time = codes[order], time[order]
    new_unit = codes[1:] != codes[:-1]
    starts = np.flatnonzero(np.r_[True, new_unit])

    repeated = ~new_unit & (time[1:] == time[:-1])  # row i + 1 repeats row i's pair
    if repeated.any():
        in_pair = np.r_[repeated, False] | np.r_[False, repeated]
        firsts = np.flatnonzero(in_pair & ~np.r_[False, repeated])  # each repeated pair once
        pairs = [(_plain(units[codes[i]]), _period_label(time[i])) for i in firsts[:SHOW]]
        found["duplicates", spec.unit] = Finding(count=int(firsts.size),
                                                 total=int(in_pair.sum()), examples=pairs)
    if spec.first_treated:
        g = values[spec.first_treated][order]
        changed = (g[1:] != g[:-1]) & ~new_unit
        never = _is_never(g)
        changed &= ~(never[1:] & never[:-1])
        _unit_finding(found, ("first_treated_varies", spec.first_treated), codes[1:][changed],
                      units)
        first = g[starts]
        cohort = np.where(_is_never(first), np.nan, first)
    else:
        d = values[spec.treatment][order]
        first = np.minimum.reduceat(np.where(d == 1, time, np.inf), starts)
        off = (time >= first[codes]) & (d == 0)
        _unit_finding(found, ("switches_off", spec.treatment), codes[off], units)
        cohort = np.where(np.isinf(first), np.nan, first)
    if spec.cluster and spec.cluster != spec.unit:
        labels = frame[spec.cluster].to_numpy()[order]
        varies = (labels[1:] != labels[:-1]) & ~new_unit
        _unit_finding(found, ("cluster_varies", spec.cluster), codes[1:][varies], units)
    if found:
        return

    report.units = int(units.size)
    report.periods = np.unique(time)
    report.whole_periods = bool(np.all(np.mod(time, 1) == 0))
    first_period = time[starts]
    for value in np.unique(cohort[~np.isnan(cohort)]):
        members = np.flatnonzero(cohort == value)
        report.cohorts[float(value)] = CohortFacts(
            units=int(members.size), observed_before=bool((first_period[members] < value).any()),
            examples=[_plain(units[i]) for i in members[:SHOW]])
    if spec.cluster:
        report.cluster_labels = np.asarray(pd.unique(frame[spec.cluster]))
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    report.digest = int(hashes.sum(dtype=np.uint64))


def _unit_finding(found: dict, key: tuple[str, str], codes: np.ndarray, units: np.ndarray) -> None:
    if codes.size:
        bad = np.unique(codes)
        found[key] = Finding(count=int(bad.size), examples=[_plain(units[i]) for i in bad[:SHOW]])


def too_large_rows(frame: pd.DataFrame, spec: PanelSpec,
                   limits: dict[str, float]) -> dict[str, Finding]:
    """The rows whose value in a column exceeds its limit (in absolute value), by column."""
    frame, _, _ = _drop_missing(frame.loc[:, list(spec.columns)], spec)
    out = {}
    for column, limit in limits.items():
        values = float_values(frame[column])
        with np.errstate(invalid="ignore"):
            huge = np.isfinite(values) & (np.abs(values) > limit)
        if huge.any():
            finding = _rows_finding(frame, spec, huge)
            finding.detail["largest"] = float(np.abs(values[huge]).max())
            out[column] = finding
    return out


def partition_block(frame: pd.DataFrame, spec: PanelSpec, periods: np.ndarray,
                    cluster_labels: np.ndarray | None) -> UnitBlock | None:
    """The partition's units as one block on the whole panel's ``periods``.

    The partition's :class:`Panel` knows only the periods its own units are observed in:
    its wide arrays are placed on the rows of those periods among ``periods``. Cohorts are
    read again against the whole panel's last period (a unit first treated after it
    counts as never treated, as in :attr:`Panel.unit_cohorts`).
    """
    frame, _, _ = _drop_missing(frame.loc[:, list(spec.columns)], spec)
    if frame.empty:
        return None
    part = Panel._part(frame, spec)
    local = panel_block(part, np.arange(part.n_units), cluster_labels)
    rows = np.searchsorted(periods, part.periods)
    shape = (periods.size, part.n_units)

    def on_periods(wide: np.ndarray, fill: float | bool = np.nan) -> np.ndarray:
        out = np.full(wide.shape[:-2] + shape, fill, dtype=wide.dtype)
        out[..., rows, :] = wide
        return out

    starts = np.flatnonzero(np.r_[True, np.diff(part.unit_index) != 0])
    if spec.first_treated:
        first = part.values(spec.first_treated)[starts]
        cohort = np.where(_is_never(first), np.nan, first)
    else:
        treated = np.where(part.values(spec.treatment) == 1, part.values(spec.time), np.inf)
        first = np.minimum.reduceat(treated, starts)
        cohort = np.where(np.isinf(first), np.nan, first)
    cohort = np.where(cohort > periods[-1], np.nan, cohort)
    return UnitBlock(
        units=local.units, cohort=cohort, outcome=on_periods(local.outcome),
        observed=on_periods(local.observed, False),
        weights=None if local.weights is None else on_periods(local.weights),
        covariates=None if local.covariates is None else on_periods(local.covariates),
        cluster=local.cluster)
