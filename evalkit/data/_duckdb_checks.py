"""The row-by-row checks of a panel held by DuckDB, run as SQL where the data are.

The same checks as :class:`~evalkit.data.panel.Panel`'s, with the same messages: one
pass of aggregates counts what is wrong (missing values, ``inf``, values too large,
weights that are not positive, a treatment that is not 0/1) and fingerprints the rows;
only when something is wrong do small queries, each with a ``LIMIT``, fetch the first
offending rows and values for the message. The rows are never brought into Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit._validation import Problems, describe_columns
from evalkit.data._duckdb_source import Source, ident, literal
from evalkit.data.checks import (
    SHOW,
    missing_text,
    non_finite_text,
    non_numeric_text,
    too_large_limit,
    too_large_text,
)
from evalkit.data.panel import (
    _ESTIMATED,
    _MISMATCH,
    PanelSpec,
    _numeric_roles,
    _period_label,
    _roles,
)
from evalkit.errors import DataError, InputError

__all__ = ["check_description", "check_columns", "check_rows", "RowFacts", "kind_of", "number"]

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOATS = {"FLOAT", "DOUBLE"}
_TEMPORAL = ("DATE", "TIME", "TIMESTAMP", "INTERVAL")


def kind_of(duckdb_type: str) -> str:
    """``"integer"``, ``"float"``, ``"decimal"``, ``"boolean"``, ``"temporal"`` or
    ``"other"`` (text and anything else that does not hold numbers)."""
    name = duckdb_type.upper()
    if name in _INTEGERS:
        return "integer"
    if name in _FLOATS:
        return "float"
    if name.startswith("DECIMAL"):
        return "decimal"
    if name == "BOOLEAN":
        return "boolean"
    if name.startswith(_TEMPORAL):
        return "temporal"
    return "other"


def is_numeric(duckdb_type: str) -> bool:
    return kind_of(duckdb_type) in ("integer", "float", "decimal", "boolean")


def number(column: str) -> str:
    """The SQL of a numeric column's values as DOUBLE."""
    return f"CAST({ident(column)} AS DOUBLE)"


def missing_sql(column: str, duckdb_type: str) -> str:
    """The SQL condition of a missing value: NULL, or NaN in a floating-point column."""
    q = ident(column)
    return f"({q} IS NULL OR isnan({q}))" if kind_of(duckdb_type) == "float" else f"{q} IS NULL"


def check_description(spec: PanelSpec) -> None:
    """The description alone, as :class:`Panel` checks it (raises InputError)."""
    problems = Problems()
    for name in ("unit", "time", "outcome"):
        value = getattr(spec, name)
        if not isinstance(value, str) or not value:
            problems.add(f"{name}={value!r}: must be a column name; got {value!r}")
    if (spec.treatment is None) == (spec.first_treated is None):
        problems.add("treatment / first_treated: exactly one must be given (a 0/1 treatment "
                     "column, or the column of each unit's first treatment period); got "
                     f"treatment={spec.treatment!r}, first_treated={spec.first_treated!r}")
    if spec.missing not in ("error", "drop"):
        problems.add(f"missing={spec.missing!r}: must be 'error' or 'drop'; got {spec.missing!r}")
    problems.raise_if_any(InputError, "Invalid panel description:")


def check_columns(spec: PanelSpec, names: list[str]) -> None:
    """Every column the description names is in the data (listing those that are)."""
    roles = _roles(spec)
    absent = [c for c in spec.columns if c not in names]
    if absent:
        raise DataError(_MISMATCH, [
            f"{roles[c]}={c!r}: no such column in the data; the columns are: "
            f"{describe_columns(names)}" for c in absent])


@dataclass(frozen=True)
class RowFacts:
    """What the row checks established."""

    rows: int  # rows of the data
    kept: int  # rows the panel keeps (all of them, unless missing="drop")
    keep: str  # the SQL condition of a kept row
    digest: str  # rows kept and the sum of their hashes: an order-independent content digest


class _RowChecks:
    def __init__(self, source: Source, spec: PanelSpec, types: Mapping[str, str],
                 names: list[str]) -> None:
        self.source, self.spec, self.types, self.names = source, spec, types, names
        self.roles = _roles(spec)
        self.numeric = _numeric_roles(spec)
        self.checked = [c for c in spec.columns if c != spec.first_treated]
        self.problems = Problems()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.source.runner.rows(sql, "checking the data")

    def located(self, condition: str, count: int) -> str:
        """The first rows where ``condition`` holds, as a message shows them."""
        locator = self.source.locator
        found = self.query(f"SELECT {locator.key} AS k FROM {self.source.table} WHERE "
                           f"{condition} ORDER BY k LIMIT {SHOW}")
        return locator.where([row[0] for row in found], count)

    def run(self) -> RowFacts:
        spec, types = self.spec, self.types
        missing = {c: missing_sql(c, types[c]) for c in self.checked}
        keep = (" AND ".join(f"NOT {m}" for m in missing.values())
                if spec.missing == "drop" else "TRUE")
        numbers_ok = all(is_numeric(types[c]) for c, _ in self.numeric)
        aggregates = {"rows": "count(*)", "kept": f"count(*) FILTER (WHERE {keep})"}
        aggregates |= {f"missing {i}": f"count(*) FILTER (WHERE {m})"
                       for i, m in enumerate(missing.values())}
        if numbers_ok:
            aggregates |= self.value_aggregates(keep)
        names = list(aggregates)
        found = dict(zip(names, self.query(
            f"SELECT {', '.join(aggregates.values())} FROM {self.source.table}")[0],
            strict=True))
        rows, kept = int(found["rows"]), int(found["kept"] or 0)
        if rows == 0:
            raise DataError(_MISMATCH, [
                "data: must have at least one row (one per unit and period); got a table with "
                f"its columns ({describe_columns(self.names)}) but no rows"])
        if spec.missing == "drop" and kept == 0:
            raise DataError(_MISMATCH, [
                f"missing='drop': no row is left; each of the {rows:,} rows has a missing "
                f"value in a column the panel uses ({', '.join(map(repr, self.checked))})"])
        if spec.missing == "error":
            for i, (column, condition) in enumerate(missing.items()):
                count = int(found[f"missing {i}"])
                if count:
                    self.problems.add(missing_text(f"{self.roles[column]}={column!r}", count,
                                                   rows, self.located(condition, count)))
        for column, role in self.numeric:
            if not is_numeric(types[column]):
                self.problems.add(self.non_numeric(f"{role}={column!r}", column, keep, kept))
        self.problems.raise_if_any(DataError, _MISMATCH)
        self.value_problems(found, keep, kept)
        self.problems.raise_if_any(DataError, _MISMATCH)
        return RowFacts(rows=rows, kept=kept, keep=keep,
                        digest=f"{kept}:{int(found['hash'] or 0)}")

    # ------------------------------------------------------------------ numbers
    def value_aggregates(self, keep: str) -> dict[str, str]:
        spec, out = self.spec, {}
        for i, (column, role) in enumerate(self.numeric):
            if column == spec.first_treated:
                continue  # an infinite first-treatment period means never treated
            value = number(column)
            if kind_of(self.types[column]) == "float":
                out[f"inf {i}"] = f"count(*) FILTER (WHERE {keep} AND isinf({value}))"
            if role in _ESTIMATED:
                out[f"max {i}"] = (f"max(abs({value})) FILTER (WHERE {keep} AND "
                                   f"isfinite({value}))")
        if spec.weights:
            w = number(spec.weights)
            out["weights"] = f"count(*) FILTER (WHERE {keep} AND isfinite({w}) AND {w} <= 0)"
        if spec.treatment:
            d = number(spec.treatment)
            out["treatment"] = (f"count(*) FILTER (WHERE {keep} AND isfinite({d}) AND {d} <> 0 "
                                f"AND {d} <> 1)")
        numeric = {c for c, _ in self.numeric}
        hashed = ", ".join(number(c) if c in numeric else ident(c) for c in spec.columns)
        out["hash"] = f"sum(hash({hashed})) FILTER (WHERE {keep})"
        return out

    def value_problems(self, found: Mapping[str, Any], keep: str, kept: int) -> None:
        spec, problems = self.spec, self.problems
        limit = too_large_limit(kept)
        for i, (column, role) in enumerate(self.numeric):
            label, value = f"{role}={column!r}", number(column)
            count = int(found.get(f"inf {i}") or 0)
            if count:
                problems.add(non_finite_text(label, count, kept, self.located(
                    f"{keep} AND isinf({value})", count)))
            largest = found.get(f"max {i}")
            if largest is not None and float(largest) > limit:
                condition = (f"{keep} AND isfinite({value}) AND abs({value}) > "
                             f"CAST({literal(repr(limit))} AS DOUBLE)")
                count = int(self.query(f"SELECT count(*) FROM {self.source.table} WHERE "
                                       f"{condition}")[0][0])
                problems.add(too_large_text(label, limit, float(largest), count, kept,
                                            self.located(condition, count)))
        count = int(found.get("weights") or 0)
        if count:
            w = number(spec.weights)
            problems.add(f"weights={spec.weights!r}: must be strictly positive; {count} rows "
                         "are not (" + self.located(f"{keep} AND isfinite({w}) AND {w} <= 0",
                                                    count) + ")")
        if found.get("treatment"):
            d = number(spec.treatment)
            bad = self.query(f"SELECT DISTINCT {d} AS v FROM {self.source.table} WHERE {keep} "
                             f"AND isfinite({d}) AND {d} <> 0 AND {d} <> 1 ORDER BY v "
                             f"LIMIT {SHOW}")
            problems.add(f"treatment={spec.treatment!r}: must contain only 0 and 1; got values "
                         f"such as {[_period_label(v) for (v,) in bad]}")

    # ------------------------------------------------------------------ not numbers
    def non_numeric(self, label: str, column: str, keep: str, kept: int) -> str:
        """The message of a numeric role held by a column of another type."""
        duckdb_type, locator, table = self.types[column], self.source.locator, self.source.table
        q = ident(column)
        text = f"CAST({q} AS VARCHAR)"
        present = f"{keep} AND {q} IS NOT NULL"
        first = [v for (v,) in self.query(f"SELECT {text} FROM {table} WHERE {present} ORDER "
                                          f"BY {locator.key} LIMIT 3")]
        if kind_of(duckdb_type) == "temporal":
            return non_numeric_text(label, duckdb_type, [], count=0, total=kept, distinct=0,
                                    samples=first, counted=locator.counted, dates=True)
        bad = f"{present} AND TRY_CAST({text} AS DOUBLE) IS NULL"
        count, distinct = self.query(f"SELECT count(*), count(DISTINCT {text}) FROM {table} "
                                     f"WHERE {bad}")[0]
        if not count:
            return non_numeric_text(label, duckdb_type, [], count=0, total=kept, distinct=0,
                                    samples=first, counted=locator.counted)
        values = self.query(
            f"SELECT v, count(*), min(k, 3), min(k) AS m FROM (SELECT {text} AS v, "
            f"{locator.key} AS k FROM {table} WHERE {bad}) GROUP BY v ORDER BY m LIMIT {SHOW}")
        shown = [(value, locator.listed(rows, int(n), 3)) for value, n, rows, _ in values]
        samples = [v for (v,) in self.query(f"SELECT {text} FROM {table} WHERE {bad} "
                                            "LIMIT 1000")]
        return non_numeric_text(label, duckdb_type, shown, count=int(count), total=kept,
                                distinct=int(distinct), samples=samples,
                                counted=locator.counted)


def check_rows(source: Source, spec: PanelSpec, types: Mapping[str, str],
               names: list[str]) -> RowFacts:
    """Run the row checks (see the module docstring); raise a DataError listing every
    problem, as :class:`Panel` does."""
    return _RowChecks(source, spec, types, names).run()
