"""Aggregating a table of lower territories (communes) to a higher level (departments ...).

Counts are summed. A rate is recomputed from its summed numerator and denominator,
never averaged: the poverty rate of a department is ``100 * sum(poor households) /
sum(households)`` over its communes, which weights each commune by its households,
whereas the mean of the communes' rates would give a village of 50 households the
weight of a city of 50,000. Lower territories with a missing value are named, and
lower territories of the referential absent from the table are reported as coverage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.errors import DataError, InputError, TerritoryError
from evalkit.territories.referential import Referential, infer_level, referential_for

__all__ = ["Rate", "Aggregation", "aggregate"]


@dataclass(frozen=True)
class Rate:
    """A rate recomputed from its numerator and denominator: ``scale * sum(num) / sum(den)``.

    Attributes
    ----------
    numerator, denominator
        Columns of counts (e.g. ``poor_households``, ``households``).
    scale
        100 for a percentage, 1000 for a rate per thousand, 1 for a share.
    """

    numerator: str
    denominator: str
    scale: float = 1.0


RateSpec = Rate | tuple[str, str] | tuple[str, str, float]


def _as_rate(name: str, spec: RateSpec) -> Rate:
    if isinstance(spec, Rate):
        return spec
    if isinstance(spec, tuple) and len(spec) in (2, 3) and all(
            isinstance(s, str) for s in spec[:2]) and (
            len(spec) == 2 or (isinstance(spec[2], int | float) and not isinstance(spec[2], bool))):
        return Rate(*spec)  # type: ignore[arg-type]
    raise InputError(f"rates[{name!r}]: must be a Rate or a tuple (numerator, denominator[, "
                     f"scale]); got {spec!r}")


@dataclass(frozen=True)
class Aggregation:
    """A table aggregated to a higher territorial level. Build it with :func:`aggregate`.

    Attributes
    ----------
    level, to
        The level of the input's codes and the level aggregated to.
    by
        The other keys kept (e.g. ``("year",)``).
    counts
        The columns summed.
    rates
        The rates recomputed, by output column.
    table
        One row per territory of ``to`` and value of ``by`` present in the input:
        ``<to>_code``, ``<to>_name``, the ``by`` keys, each count, each rate, then
        ``territories`` (lower territories in the input), ``expected`` (lower territories
        the referential has there) and ``with_missing`` (lower territories with a
        missing value in at least one of the counts or rates' terms).
    incomplete
        One row per output row and variable with missing values: ``<to>_code``, the
        ``by`` keys, ``variable``, ``missing`` (how many lower territories) and
        ``territories`` (their codes). A count is summed over the lower territories
        that have it; a rate over those that have both its numerator and denominator.
    coverage
        One row per output row where lower territories of the referential are absent
        from the input: ``<to>_code``, the ``by`` keys, ``expected``, ``present``, ``absent``
        (their codes).
    unassigned
        Codes of the input that belong to no territory of ``to`` (Brussels
        municipalities have no province; four French island communes have no EPCI);
        their rows are left out.
    """

    level: str
    to: str
    by: tuple[str, ...]
    counts: tuple[str, ...]
    rates: Mapping[str, Rate]
    table: pd.DataFrame = field(repr=False)
    incomplete: pd.DataFrame = field(repr=False)
    coverage: pd.DataFrame = field(repr=False)
    unassigned: tuple[str, ...] = ()

    def tidy(self) -> pd.DataFrame:
        """One row per output row and variable: keys, ``variable``, ``kind`` (count or rate),
        ``value``."""
        keys = [f"{self.to}_code", f"{self.to}_name", *self.by]
        keys = [k for k in keys if k in self.table.columns]
        variables = [*self.counts, *self.rates]
        long = self.table.melt(id_vars=keys, value_vars=variables, var_name="variable",
                               value_name="value")
        long.insert(len(keys) + 1, "kind",
                    np.where(long["variable"].isin(list(self.rates)), "rate", "count"))
        return long

    def summary(self) -> str:
        """A few lines saying what was aggregated, and what is missing or absent."""
        n_lower = int(self.table["territories"].sum())
        lines = [f"Aggregated {self.level} to {self.to}"
                 + (f" by {', '.join(self.by)}" if self.by else "")
                 + f": {len(self.table)} rows from {n_lower} {self.level} rows; "
                 + f"{len(self.counts)} counts summed, {len(self.rates)} rates recomputed "
                 + "from their summed numerators and denominators."]
        if len(self.incomplete):
            rows = self.incomplete.drop_duplicates(
                [f"{self.to}_code", *self.by]).shape[0]
            lines.append(f"{rows} rows have lower territories with missing values "
                         f"(see .incomplete), e.g. {_first(self.incomplete, self.to)}.")
        else:
            lines.append("No missing values.")
        if len(self.coverage):
            absent = int((self.coverage["expected"] - self.coverage["present"]).sum())
            lines.append(f"{len(self.coverage)} rows lack lower territories that the referential "
                         f"has there ({absent} absences in all; see .coverage).")
        if self.unassigned:
            lines.append(f"{len(self.unassigned)} codes belong to no {self.to} and were left "
                         f"out: {', '.join(self.unassigned[:10])}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _first(incomplete: pd.DataFrame, to: str) -> str:
    row = incomplete.iloc[0]
    codes = ", ".join(row["territories"][:5])
    return f"{row[f'{to}_code']} {row['variable']}: {codes}"


def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    return table[column].to_numpy(dtype=float, na_value=np.nan)


def aggregate(
    table: pd.DataFrame,
    column: str,
    to: str,
    *,
    level: str | None = None,
    counts: Sequence[str] = (),
    rates: Mapping[str, RateSpec] | None = None,
    by: Sequence[str] = (),
    names: bool = True,
    language: str | None = None,
    pad: bool = False,
    referential: Referential | None = None,
) -> Aggregation:
    """Aggregate a table of lower territories to a higher level of the referential.

    Parameters
    ----------
    table
        One row per lower territory (and value of ``by``); not modified.
    column
        The column of territorial codes.
    to
        The level to aggregate to (``epci``, ``departement``, ``region``; ``province``,
        ``region``).
    level
        The level of ``column`` (default: the referential's lowest, ``commune`` or
        ``municipality``).
    counts
        Columns to sum.
    rates
        Output column -> :class:`Rate` or ``(numerator, denominator[, scale])``, e.g.
        ``{"poverty_rate": ("poor_households", "households", 100)}``.
    by
        Other keys kept apart (e.g. ``["year"]``).
    names
        Add ``<to>_name``.
    language
        Names' language for Belgium (``"fr"`` or ``"nl"``).
    pad
        Zero-pad codes that lost their leading zeros.
    referential
        Default: France for ``commune``, ``epci``, ``departement``; Belgium for
        ``municipality`` and ``province``; for ``region``, the country whose codes match.

    Returns
    -------
    Aggregation
        The aggregated table, the lower territories with missing values, the coverage.

    Raises
    ------
    TerritoryError
        Unknown codes or levels, or ``to`` not above ``level``.
    DataError
        Missing or non-numeric columns, missing keys, or a lower territory present
        twice for the same ``by`` values.
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table: must be a pandas DataFrame; got {type(table).__name__}")
    if referential is None:
        codes_given = table[column] if column in table.columns else None
        if level is None and to == "region" and codes_given is not None:
            referential = infer_level(codes_given, pad=pad)[0]  # France or Belgium
        else:
            referential = referential_for(level or ("municipality" if to == "province" else to),
                                          codes_given)
    level = level or referential.base
    referential.level(level)
    referential.level(to)
    levels = referential.levels
    if levels.index(to) <= levels.index(level):
        raise TerritoryError(f"to={to!r}: must be a level above {level!r} "
                             f"({', '.join(map(repr, levels[levels.index(level) + 1:]))}); "
                             f"got {to!r}")
    rate_specs = {name: _as_rate(name, spec) for name, spec in (rates or {}).items()}
    counts, by = tuple(counts), tuple(by)
    needed = list(dict.fromkeys([*counts, *(c for r in rate_specs.values()
                                           for c in (r.numerator, r.denominator))]))
    problems = [f"{c!r}: must be a column of the table" for c in [*needed, *by]
                if c not in table.columns]
    problems += [f"{c!r}: must be a numeric column (counts); got dtype {table[c].dtype}"
                 for c in needed if c in table.columns
                 and not pd.api.types.is_numeric_dtype(table[c].dtype)]
    clash = [name for name in rate_specs if name in (*counts, *by)]
    problems += [f"rates[{name!r}]: the output column is also a count or a key" for name in clash]
    if problems:
        raise DataError("Cannot aggregate this table:", problems)

    codes = referential.check(table, column, level, pad=pad)
    if codes.isna().any():
        rows = ", ".join(map(str, table.index[codes.isna().to_numpy()][:10]))
        raise DataError(f"Column {column!r}: {int(codes.isna().sum())} rows have no code "
                        f"(rows {rows}); each row must name its territory")
    known = referential.codes(level)
    code_ids, code_values = pd.factorize(codes)
    position = known.get_indexer(code_values)[code_ids]

    # lower territory -> territory of `to`
    targets = referential.codes(to)
    lookup = (referential.table.dropna(subset=[f"{level}_code"])
              .drop_duplicates(f"{level}_code").set_index(f"{level}_code")[f"{to}_code"])
    parent_of_known = targets.get_indexer(lookup.reindex(known).to_numpy())
    parent = parent_of_known[position]

    # the other keys
    if by:
        factors = []
        for key in by:
            ids, uniques = pd.factorize(table[key], sort=True)
            if (ids < 0).any():
                rows = ", ".join(map(str, table.index[ids < 0][:10]))
                raise DataError(f"Column {key!r}: {int((ids < 0).sum())} rows have no value "
                                f"(rows {rows}); every row needs its {key}")
            factors.append((ids, uniques))
        sizes = tuple(len(u) for _, u in factors)
        by_id = np.ravel_multi_index(tuple(ids for ids, _ in factors), sizes)
        n_by = int(np.prod(sizes))
    else:
        factors, sizes, by_id, n_by = [], (), np.zeros(len(table), dtype=np.int64), 1

    key = position.astype(np.int64) * n_by + by_id
    duplicated = pd.Series(key).duplicated(keep=False).to_numpy()
    if duplicated.any():
        shown = table.loc[duplicated, [column, *by]].drop_duplicates().head(5)
        examples = "; ".join(", ".join(f"{c}={v}" for c, v in row.items())
                             for row in shown.astype(str).to_dict("records"))
        raise DataError(f"Column {column!r}: {int(duplicated.sum())} rows repeat a territory "
                        f"for the same {', '.join(by) or 'table'} ({examples}); aggregate "
                        f"them first, or add the key that tells them apart to by=")

    assigned = parent >= 0
    unassigned = tuple(sorted(set(np.asarray(known)[position[~assigned]])))
    every = bool(assigned.all())
    rows = np.flatnonzero(assigned)
    group_raw = parent[rows].astype(np.int64) * n_by + by_id[rows]
    uniq, inverse = np.unique(group_raw, return_inverse=True)
    n_groups = len(uniq)
    group_target = uniq // n_by
    group_by = uniq % n_by

    out: dict[str, object] = {f"{to}_code": np.asarray(targets)[group_target]}
    if names:
        name_of = referential.territories(to, language=language).set_index("code")["name"]
        out[f"{to}_name"] = name_of.reindex(out[f"{to}_code"]).to_numpy()
    if by:
        parts = np.unravel_index(group_by, sizes)
        for i, (k, (_, uniques)) in enumerate(zip(by, factors, strict=True)):
            out[k] = np.asarray(uniques)[parts[i]]

    missing_rows: list[tuple[str, np.ndarray]] = []
    any_missing = np.zeros(len(rows), dtype=bool)
    values = {c: _numbers(table, c) if every else _numbers(table, c)[rows] for c in needed}
    for c in counts:
        v = values[c]
        ok = ~np.isnan(v)
        total = np.bincount(inverse, weights=np.where(ok, v, 0.0), minlength=n_groups)
        if not ok.all():
            present = np.bincount(inverse, weights=ok.astype(float), minlength=n_groups)
            total = np.where(present > 0, total, np.nan)
            missing_rows.append((c, ~ok))
            any_missing |= ~ok
        if pd.api.types.is_integer_dtype(table[c].dtype):
            total = total.astype(np.int64)
        out[c] = total
    for name, rate in rate_specs.items():
        num, den = values[rate.numerator], values[rate.denominator]
        ok = ~(np.isnan(num) | np.isnan(den))
        num_sum = np.bincount(inverse, weights=np.where(ok, num, 0.0), minlength=n_groups)
        den_sum = np.bincount(inverse, weights=np.where(ok, den, 0.0), minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = np.where(den_sum > 0, rate.scale * num_sum / den_sum, np.nan)
        if not ok.all():
            missing_rows.append((name, ~ok))
            any_missing |= ~ok

    present = np.bincount(inverse, minlength=n_groups)
    expected_per_target = np.bincount(parent_of_known[parent_of_known >= 0],
                                      minlength=len(targets))
    out["territories"] = present
    out["expected"] = expected_per_target[group_target]
    out["with_missing"] = np.bincount(inverse, weights=any_missing.astype(float),
                                      minlength=n_groups).astype(np.int64)
    result = pd.DataFrame(out)
    keys = result[[f"{to}_code", *by]]

    incomplete = _incomplete(keys, missing_rows, inverse, position[rows], np.asarray(known))
    coverage = _coverage(keys, present, out["expected"], group_target, inverse,
                         position[rows], parent_of_known, known)
    return Aggregation(level=level, to=to, by=by, counts=counts, rates=rate_specs,
                       table=result, incomplete=incomplete, coverage=coverage,
                       unassigned=unassigned)


def _incomplete(keys: pd.DataFrame, missing_rows: list[tuple[str, np.ndarray]],
                inverse: np.ndarray, row_position: np.ndarray,
                known: np.ndarray) -> pd.DataFrame:
    columns = [*keys.columns, "variable", "missing", "territories"]
    frames = []
    for variable, mask in missing_rows:
        groups, positions = inverse[mask], row_position[mask]
        order = np.lexsort((positions, groups))  # by group, then by code (codes are sorted)
        groups, positions = groups[order], positions[order]
        first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        listed = [tuple(known[chunk].tolist()) for chunk in np.split(positions, first[1:])]
        part = keys.iloc[groups[first]].reset_index(drop=True)
        part["variable"] = variable
        part["missing"] = [len(t) for t in listed]
        part["territories"] = listed
        frames.append(part)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return (pd.concat(frames, ignore_index=True)
            .sort_values([*keys.columns, "variable"], kind="stable").reset_index(drop=True))


def _coverage(keys: pd.DataFrame, present: np.ndarray, expected: np.ndarray,
              group_target: np.ndarray, inverse: np.ndarray, row_position: np.ndarray,
              parent_of_known: np.ndarray, known: pd.Index) -> pd.DataFrame:
    short = np.flatnonzero(present < expected)
    columns = [*keys.columns, "expected", "present", "absent"]
    if not len(short):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(present)])
    members = pd.Series(np.arange(len(known))).groupby(parent_of_known).agg(list)
    known_codes = np.asarray(known)
    absent = []
    for g in short:
        here = set(row_position[order[starts[g]:starts[g + 1]]].tolist())
        expected_here = members.get(int(group_target[g]), [])
        absent.append(tuple(sorted(known_codes[[m for m in expected_here if m not in here]])))
    frame = keys.iloc[short].reset_index(drop=True)
    frame["expected"] = expected[short]
    frame["present"] = present[short]
    frame["absent"] = absent
    return frame
