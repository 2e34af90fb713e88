"""The unit-wide table of a panel held by DuckDB, and the checks made on it.

One aggregation pass over the rows groups them by unit, with one aggregate per period and
column (``first(y) FILTER (WHERE time = p)``): a temporary table with one row per unit,
sorted by unit, holding for each period the unit's outcome (``NULL`` where the unit has
no row for the period), weight and covariates, and for each unit its number of rows, its
first period, its cohort and whether its treatment timing or its cluster changes across
its rows. A unit with more rows than periods observed has unit-period pairs on several
rows. The unit-level and whole-design checks of :class:`~evalkit.data.panel.Panel` then
run on that table (one row per unit, a small fraction of the data), as do the facts a
panel records; :class:`~evalkit.data.duckdb_panel.DuckDBPanel` streams it as blocks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from evalkit._validation import Problems
from evalkit.data._duckdb_checks import RowFacts, kind_of, number
from evalkit.data._duckdb_source import Source, ident, literal
from evalkit.data.checks import SHOW, numbers_read_as_codes
from evalkit.data.panel import _MISMATCH, PanelSpec, _period_label, _plain
from evalkit.data.unit_blocks import PanelFacts
from evalkit.errors import DataError

__all__ = ["Layout", "build_unit_table", "check_units", "period_sql"]

NEVER = "CAST('inf' AS DOUBLE)"  # the cohort of a unit never treated


@dataclass(frozen=True)
class Layout:
    """The unit-wide table: its name and what its columns hold."""

    table: str
    periods: np.ndarray
    covariates: int  # p: columns x{k}_{j} for k < p
    weights: bool  # columns w_{j}
    cluster: str | None  # "_cluster" (a column of its own) or "_unit" (clusters are units)

    @property
    def n_periods(self) -> int:
        return int(self.periods.size)

    def select(self) -> str:
        """The SELECT list a block is read from."""
        last = literal(repr(float(self.periods[-1])))
        columns = ["_unit", f"CASE WHEN _cohort <= CAST({last} AS DOUBLE) THEN _cohort END "
                   "AS _cohort"]
        if self.cluster:
            columns.append(f"{self.cluster} AS _cluster")
        for j in range(self.n_periods):
            columns += [f"y_{j} IS NOT NULL AS o_{j}", f"y_{j}"]
            columns += [f"w_{j}"] if self.weights else []
            columns += [f"x{k}_{j}" for k in range(self.covariates)]
        return ", ".join(columns)


def period_sql(column: str, duckdb_type: str, period: float) -> str:
    """The SQL condition ``column = period`` (integers compared as integers)."""
    if kind_of(duckdb_type) == "integer":
        return f"{ident(column)} = {int(period)}"
    return f"{number(column)} = CAST({literal(repr(float(period)))} AS DOUBLE)"


def _timing_sql(spec: PanelSpec) -> tuple[str, str]:
    """Each unit's cohort (``inf`` when never treated) and whether its timing is wrong."""
    if spec.first_treated:
        g = number(spec.first_treated)
        # every never-treated spelling (missing, NaN, 0, inf) is the same value
        never = f"{ident(spec.first_treated)} IS NULL OR isnan({g}) OR isinf({g}) OR {g} = 0"
        cohort = f"CASE WHEN {never} THEN {NEVER} ELSE {g} END"
        return f"min({cohort})", f"min({cohort}) <> max({cohort})"
    d, t = number(spec.treatment), number(spec.time)
    first_on = f"min({t}) FILTER (WHERE {d} = 1)"
    return (f"coalesce({first_on}, {NEVER})",
            f"coalesce(max({t}) FILTER (WHERE {d} = 0) >= {first_on}, false)")


def build_unit_table(source: Source, spec: PanelSpec, types: Mapping[str, str],
                     rows: RowFacts, name: str) -> Layout:
    """Find the periods, then make the unit-wide table (one aggregation pass)."""
    runner, table = source.runner, source.table
    periods = runner.array(f"SELECT DISTINCT {number(spec.time)} AS t FROM {table} WHERE "
                            f"{rows.keep} ORDER BY t", "finding the periods")
    periods = np.asarray(periods, dtype=float)
    cohort, timing = _timing_sql(spec)
    columns = [f"{ident(spec.unit)} AS _unit", "count(*) AS _rows",
               f"min({number(spec.time)}) AS _first_period", f"{cohort} AS _cohort",
               f"{timing} AS _timing_bad"]
    cluster = None
    if spec.cluster and spec.cluster != spec.unit:
        c = ident(spec.cluster)
        columns += [f"min({c}) AS _cluster", f"min({c}) <> max({c}) AS _cluster_bad"]
        cluster = "_cluster"
    elif spec.cluster:
        cluster = "_unit"
    for j, period in enumerate(periods):
        where = f"FILTER (WHERE {period_sql(spec.time, types[spec.time], period)})"
        columns.append(f"first({number(spec.outcome)}) {where} AS y_{j}")
        if spec.weights:
            columns.append(f"first({number(spec.weights)}) {where} AS w_{j}")
        columns += [f"first({number(c)}) {where} AS x{k}_{j}"
                    for k, c in enumerate(spec.covariates)]
    unit = ident(spec.unit)
    runner.run(f"CREATE TEMP TABLE {name} AS SELECT {', '.join(columns)} FROM {table} WHERE "
                f"{rows.keep} GROUP BY {unit} ORDER BY {unit}",
                "grouping the rows by unit (the unit-wide table)")
    return Layout(table=name, periods=periods, covariates=len(spec.covariates),
                  weights=bool(spec.weights), cluster=cluster)


def check_units(source: Source, spec: PanelSpec, types: Mapping[str, str], rows: RowFacts,
                layout: Layout) -> PanelFacts:
    """The unit-level and whole-design checks of :class:`Panel`, then the panel's facts."""
    runner, wide, periods = source.runner, layout.table, layout.periods
    T, last = layout.n_periods, f"CAST({literal(repr(float(periods[-1])))} AS DOUBLE)"

    def query(sql: str) -> list[tuple]:
        return runner.rows(sql, "checking the units")

    seen = " + ".join(f"CAST(y_{j} IS NOT NULL AS BIGINT)" for j in range(T))
    cluster_bad = ("count(*) FILTER (WHERE _cluster_bad)" if layout.cluster == "_cluster"
                   else "0")
    units, n_obs, extra, timing_bad, clusters_bad, treated, after_end, with_pre = query(
        f"SELECT count(*), sum(_rows), sum(_rows - ({seen})), "
        f"count(*) FILTER (WHERE _timing_bad), {cluster_bad}, "
        f"count(*) FILTER (WHERE _cohort <= {last}), "
        f"count(*) FILTER (WHERE isfinite(_cohort) AND _cohort > {last}), "
        f"count(*) FILTER (WHERE _cohort <= {last} AND _cohort > _first_period) FROM {wide}")[0]

    def first_units(condition: str) -> str:
        found = query(f"SELECT _unit FROM {wide} WHERE {condition} ORDER BY _unit LIMIT {SHOW}")
        return ", ".join(repr(_plain(u)) for (u,) in found)

    problems = Problems()
    if extra:  # more rows than periods observed: unit-period pairs on several rows
        problems.add(_duplicates(source, spec, types, rows, layout.periods))
    if timing_bad and spec.first_treated:
        problems.add(f"first_treated={spec.first_treated!r}: must be the same on every row "
                     f"of a unit; it changes within {timing_bad} units, e.g. "
                     f"{first_units('_timing_bad')}")
    elif timing_bad:
        problems.add(f"treatment={spec.treatment!r}: must be absorbing (once 1, a unit stays "
                     f"treated), but it switches back to 0 in {timing_bad} units, e.g. "
                     f"{first_units('_timing_bad')}")
    if clusters_bad:
        problems.add(f"cluster={spec.cluster!r}: must be constant within each unit (units are "
                     f"the draws of a panel); it changes within {clusters_bad} units, e.g. "
                     f"{first_units('_cluster_bad')}")
    problems.raise_if_any(DataError, _MISMATCH)

    cohorts = query(f"SELECT _cohort, count(*) FROM {wide} WHERE _cohort <= {last} "
                    "GROUP BY _cohort ORDER BY _cohort")
    cohort_values = np.array([g for g, _ in cohorts], dtype=float)
    never = int(units) - int(treated)
    if not treated:
        late = (f" ({after_end} units are first treated only after the last period, "
                f"{_period_label(periods[-1])})" if after_end else "")
        problems.add(f"{'treatment' if spec.treatment else 'first_treated'}="
                     f"{spec.treatment or spec.first_treated!r}: no unit is treated during the "
                     f"observed periods{late}")
    else:
        if not with_pre:
            more = f" and {treated - SHOW} more" if treated > SHOW else ""
            problems.add(f"no pre-treatment period: every treated unit "
                         f"({first_units(f'_cohort <= {last}')}{more}) is already treated in "
                         "the first period it is observed, so there is nothing to compare "
                         "before and after")
        if never == 0 and cohort_values.size < 2:
            problems.add("no untreated comparison units: every unit is treated from the same "
                         f"period ({_period_label(cohort_values[0])}), so no unit can serve as "
                         "a comparison; a difference-in-differences design needs never-treated "
                         "or later-treated units")
        elif never == 0 and not (cohort_values > periods[0]).any():
            problems.add("no untreated comparison units: no unit is ever untreated")
    problems.raise_if_any(DataError, "The data do not support a difference-in-differences design:")

    labels = None
    if layout.cluster:
        labels = np.sort(runner.array(f"SELECT DISTINCT {layout.cluster} FROM {wide}",
                                       "listing the clusters"))
    return PanelFacts(
        periods=periods, n_units=int(units), n_obs=int(n_obs), cohorts=cohort_values,
        cohort_units=np.array([n for _, n in cohorts], dtype=np.int64),
        never_treated_units=never, treated_after_end=int(after_end), cluster_labels=labels,
        fingerprint=fingerprint(spec, rows.digest), dropped_rows=rows.rows - rows.kept)


def _duplicates(source: Source, spec: PanelSpec, types: Mapping[str, str], rows: RowFacts,
                periods: np.ndarray) -> str:
    """Panel's message about unit-period pairs on more than one row (found in the rows)."""
    pairs = (f"SELECT {ident(spec.unit)} AS u, {number(spec.time)} AS t, count(*) AS n FROM "
             f"{source.table} WHERE {rows.keep} GROUP BY ALL HAVING count(*) > 1")
    doing = "finding the unit-period pairs on several rows"
    count, total = source.runner.rows(f"SELECT count(*), sum(n) FROM ({pairs})", doing)[0]
    first = source.runner.rows(f"{pairs} ORDER BY u, t LIMIT {SHOW}", doing)
    shown = ", ".join(f"({_plain(u)!r}, {_period_label(t)})" for u, t, _ in first)
    more = f" and {count - SHOW} more" if count > SHOW else ""
    if kind_of(types[spec.unit]) in ("integer", "float", "decimal"):
        why = ". " + numbers_read_as_codes(spec.unit, types[spec.unit])
    elif not np.all(np.mod(periods, 1) == 0):
        why = (f". The column {spec.time!r} was read as numbers, so periods written "
               "differently in the file (2020.1 and 2020.10) count as the same period")
    else:
        why = ""
    return (f"unit={spec.unit!r}, time={spec.time!r}: {count} unit-period pairs appear on "
            f"more than one row ({int(total)} rows), e.g. {shown}{more}; the panel needs one "
            f"row per unit and period{why}")


def fingerprint(spec: PanelSpec, digest: str) -> str:
    """SHA-256 of the description and of the content digest computed by DuckDB."""
    text = json.dumps({"spec": spec.to_dict(), "content": digest, "engine": "duckdb"},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
