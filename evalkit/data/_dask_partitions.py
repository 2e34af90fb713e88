"""What a Dask worker does with one partition of a panel (every partition holds whole units).

Two passes, both run where the partition is:

- :func:`prepare_partition` builds the partition's :class:`~evalkit.data.panel.Panel` (through
  ``Panel._part``: every row and unit check of Panel), reads from it the facts the whole
  panel is described by (rows, units, periods, cohorts, cluster labels, a content digest)
  and lays its units out as a block on its own periods. When ``Panel._part`` finds
  problems, :func:`find_problems` runs the same checks again, stage by stage, and returns
  what it found as :class:`Finding` records -- counts and a few examples named by unit and
  period, since a row's position inside a partition means nothing to the user. Nothing
  is worded here: the partitions' findings are added up and worded once
  (:mod:`evalkit.data._dask_findings`).
- :func:`finish_block` places that block on the periods of the whole panel, codes its
  clusters among the whole panel's labels and reads its cohorts against the whole panel's
  last period.

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
from evalkit.errors import DataError

__all__ = ["Finding", "CohortFacts", "PartitionReport", "Prepared", "prepare_partition",
           "report_of", "finish_block", "find_problems", "too_large_rows", "STAGES"]

_DISTINCT = 1000  # distinct offending values kept per partition (counted across partitions)

# The stages of Panel's checks: a later stage is only reported when no earlier one failed
STAGES = {"missing": 1, "non_numeric": 1,
          "non_finite": 2, "too_large": 2, "not_positive": 2, "not_binary": 2,
          "duplicates": 3, "first_treated_varies": 3, "switches_off": 3, "cluster_varies": 3,
          "as_panel": 3}


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


@dataclass
class Prepared:
    """A partition's report and, when its data passed every check, its units as a block on
    the partition's own periods, with each unit's first treatment period (``NaN`` when never
    treated, not yet read against the whole panel's last period) and cluster label."""

    report: PartitionReport
    block: UnitBlock | None = None
    periods: np.ndarray | None = None
    cohort: np.ndarray | None = None
    cluster: np.ndarray | None = None


def prepare_partition(frame: pd.DataFrame, spec: PanelSpec) -> Prepared:
    """Check a partition of whole units as :class:`Panel` checks a table, and lay it out
    (see the module docstring)."""
    frame = frame.loc[:, list(spec.columns)]
    report = PartitionReport(rows_read=len(frame))
    frame, report.dropped, _ = _drop_missing(frame, spec)
    report.rows = len(frame)
    if frame.empty:
        return Prepared(report)
    try:
        part = Panel._part(frame, spec)
    except DataError as error:
        report.findings, report.whole_periods = find_problems(frame, spec)
        if not report.findings:  # a check not mirrored by find_problems: Panel's own words
            report.findings["as_panel", ""] = Finding(len(error.problems),
                                                      examples=list(error.problems))
        return Prepared(report)

    codes = part.unit_index
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    units = part.units
    cluster = None
    if spec.cluster:
        labels = part.data[spec.cluster].to_numpy()
        if spec.cluster != spec.unit:
            varies = (labels[1:] != labels[:-1]) & (codes[1:] == codes[:-1])
            _unit_finding(report.findings, ("cluster_varies", spec.cluster), codes[1:][varies],
                          units)
            if report.findings:
                return Prepared(report)
        cluster = labels[starts]
        report.cluster_labels = np.asarray(pd.unique(cluster))

    cohort = _first_treated(part, spec, starts)
    first_period = part.periods[part.period_index[starts]]
    for value in np.unique(cohort[~np.isnan(cohort)]):
        members = np.flatnonzero(cohort == value)
        report.cohorts[float(value)] = CohortFacts(
            units=int(members.size), observed_before=bool((first_period[members] < value).any()),
            examples=[_plain(units[i]) for i in members[:SHOW]])
    for column, role in _numeric_roles(spec):
        if role in _ESTIMATED:
            values = part.values(column)
            report.largest[column] = float(np.abs(values).max()) if values.size else 0.0
    report.units = part.n_units
    report.periods = part.periods
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    report.digest = int(hashes.sum(dtype=np.uint64))
    block = panel_block(part, np.arange(part.n_units), None)
    return Prepared(report, block=block, periods=part.periods, cohort=cohort, cluster=cluster)


def report_of(prepared: Prepared) -> PartitionReport:
    """What the client needs of a prepared partition (its report, without the block)."""
    return prepared.report


def _first_treated(part: Panel, spec: PanelSpec, starts: np.ndarray) -> np.ndarray:
    """Each unit's first treatment period, ``NaN`` when never treated (Panel's reading,
    before the panel's last period is known)."""
    if spec.first_treated:
        first = part.values(spec.first_treated)[starts]
        return np.where(_is_never(first), np.nan, first)
    treated = np.where(part.values(spec.treatment) == 1, part.values(spec.time), np.inf)
    first = np.minimum.reduceat(treated, starts)
    return np.where(np.isinf(first), np.nan, first)


def finish_block(prepared: Prepared, periods: np.ndarray,
                 cluster_labels: np.ndarray | None) -> UnitBlock | None:
    """The prepared partition as a block of the whole panel: on its ``periods`` (the rows of
    periods where none of the partition's units is observed are empty), its clusters coded
    among ``cluster_labels``, and units first treated after the last period counted as
    never treated (as in :attr:`Panel.unit_cohorts`)."""
    local = prepared.block
    if local is None:
        return None
    rows = np.searchsorted(periods, prepared.periods)
    shape = (periods.size, local.n)

    def on_periods(wide: np.ndarray, fill: float | bool = np.nan) -> np.ndarray:
        if rows.size == periods.size:
            return wide
        out = np.full(wide.shape[:-2] + shape, fill, dtype=wide.dtype)
        out[..., rows, :] = wide
        return out

    cluster = None
    if cluster_labels is not None:
        cluster = np.searchsorted(cluster_labels, prepared.cluster).astype(np.intp)
    cohort = prepared.cohort
    return UnitBlock(
        units=local.units, cohort=np.where(cohort > periods[-1], np.nan, cohort),
        outcome=on_periods(local.outcome), observed=on_periods(local.observed, False),
        weights=None if local.weights is None else on_periods(local.weights),
        covariates=None if local.covariates is None else on_periods(local.covariates),
        cluster=cluster)


# ============================================================================ the problems
def find_problems(frame: pd.DataFrame,
                  spec: PanelSpec) -> tuple[dict[tuple[str, str], Finding], bool]:
    """Panel's checks of a partition's rows (``missing="drop"`` already applied), stage by
    stage, as :class:`Finding` records; and whether every period is a whole number."""
    found: dict[tuple[str, str], Finding] = {}
    if spec.missing != "drop":
        nulls = frame[[c for c in frame.columns if c != spec.first_treated]].isna()
        for column in nulls.columns:
            if nulls[column].any():
                found["missing", column] = _rows_finding(frame, spec, nulls[column].to_numpy())
    numeric = _numeric_roles(spec)
    for column, _ in numeric:
        series = frame[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            found["non_numeric", column] = _non_numeric(frame, spec, series)
    if found:
        return found, True

    values = {column: float_values(frame[column]) for column, _ in numeric}
    for column, _ in numeric:
        if column == spec.first_treated:
            continue  # an infinite first-treatment period means never treated
        infinite = np.isinf(values[column])
        if infinite.any():
            found["non_finite", column] = _rows_finding(frame, spec, infinite)
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
        return found, True
    _unit_problems(frame, spec, values, found)
    return found, bool(np.all(np.mod(values[spec.time], 1) == 0))


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
        "dates": bool(pd.api.types.is_datetime64_any_dtype(series)),
        "sample": series.dropna().astype(str).head(3).tolist(),
        "texts": texts.head(1000).tolist()})


def _unit_problems(frame: pd.DataFrame, spec: PanelSpec, values: dict[str, np.ndarray],
                   found: dict[tuple[str, str], Finding]) -> None:
    """The unit checks of Panel (one row per unit and period, a treatment timing that does
    not change within a unit) and the engines' own: a cluster fixed within each unit."""
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
    else:
        d = values[spec.treatment][order]
        first = np.minimum.reduceat(np.where(d == 1, time, np.inf), starts)
        off = (time >= first[codes]) & (d == 0)
        _unit_finding(found, ("switches_off", spec.treatment), codes[off], units)
    if spec.cluster and spec.cluster != spec.unit:
        labels = frame[spec.cluster].to_numpy()[order]
        varies = (labels[1:] != labels[:-1]) & ~new_unit
        _unit_finding(found, ("cluster_varies", spec.cluster), codes[1:][varies], units)


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
