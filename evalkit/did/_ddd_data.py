"""From the caller's long table to the arrays of the triple-difference estimators.

Every check names what is wrong: the column, and the rows, units, periods or
(enabling group x eligibility) cells concerned. The caller's DataFrame is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.data.checks import (
    ROWS_COUNTED,
    SHOW,
    float_values,
    missing_problem,
    non_finite_problem,
    non_numeric_problem,
    rows_text,
    too_large_problem,
)
from evalkit.did._ddd_compute import Layout
from evalkit.errors import DataError

__all__ = ["Arrays", "read_table"]

_MISMATCH = "The data do not fit the triple-difference design:"


def label(value: float) -> str:
    value = float(value)
    if np.isinf(value):
        return "never"
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _listed(values, limit: int = SHOW) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit:,} more" if len(values) > limit else "")


@dataclass
class Arrays:
    """The estimation sample: units sorted by (enabling group, eligibility)."""

    periods: np.ndarray  # period values (sorted)
    groups: np.ndarray  # enabling groups (sorted, inf = never)
    layout: Layout
    outcome: np.ndarray  # periods x units
    covariates: np.ndarray | None  # (1 or periods) x p x units
    weights: np.ndarray  # per unit, mean one
    group_code: np.ndarray  # per unit: index into groups
    eligible: np.ndarray  # per unit: 0/1
    clusters: np.ndarray | None
    n_clusters: int | None
    rows: int
    notes: list[str] = field(default_factory=list)
    # unbalanced panel kept: one entry per observation
    row_outcome: np.ndarray | None = None
    row_period: np.ndarray | None = None
    row_unit: np.ndarray | None = None
    row_covariates: np.ndarray | None = None  # p x rows
    row_weights: np.ndarray | None = None


def _columns(data: pd.DataFrame, roles: dict[str, str], missing: str
             ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """The used columns as float arrays (cluster: codes), with every problem named."""
    problems = Problems()
    for column, role in roles.items():
        if column not in data.columns:
            problems.add(f"{role}={column!r}: no such column in the data; the columns are: "
                         f"{describe_columns(data.columns)}")
    problems.raise_if_any(DataError, _MISMATCH)
    if len(data) == 0:
        raise DataError(_MISMATCH, ["data: must have at least one row; got none"])
    positions = np.arange(len(data))
    nulls = np.column_stack([data[c].isna().to_numpy() for c in roles])
    keep = None
    if nulls.any():
        if missing == "drop":
            keep = ~nulls.any(axis=1)
            positions = positions[keep]
            if not keep.any():
                raise DataError(_MISMATCH, ["missing='drop': no row is left; every row has a "
                                            "missing value in a column the design uses"])
        else:
            for i, (column, role) in enumerate(roles.items()):
                if nulls[:, i].any():
                    problems.add(missing_problem(f"{role}={column!r}", nulls[:, i], positions))
    dropped = 0 if keep is None else int((~keep).sum())
    values: dict[str, np.ndarray] = {}
    for column, role in roles.items():
        series = data[column] if keep is None else data[column][keep]
        if role in ("cluster", "unit"):
            values[column] = pd.factorize(series)[0]
            continue
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            problems.add(non_numeric_problem(f"{role}={column!r}", series, positions))
            continue
        v = float_values(series)
        found = [non_finite_problem(f"{role}={column!r}", v, positions)] if role != (
            "first_treated") else []
        if role in ("outcome", "covariates", "weights"):
            found.append(too_large_problem(f"{role}={column!r}", v, positions))
        problems.extend(p for p in found if p)
        values[column] = v
    problems.raise_if_any(DataError, _MISMATCH)
    return values, positions, dropped


def _not_constant(name: str, role: str, codes: np.ndarray, values: np.ndarray,
                  unit_labels: np.ndarray, first: np.ndarray) -> str | None:
    """A problem naming the units whose ``values`` vary over their rows (``first``: each
    unit's first row)."""
    varies = np.zeros(first.size, dtype=bool)
    varies[codes[values[first][codes] != values]] = True
    if not varies.any():
        return None
    bad = np.flatnonzero(varies)
    return (f"{role}={name!r}: must be constant within each unit; it varies over time for "
            f"{bad.size:,} unit{'s' if bad.size > 1 else ''} ({_listed(unit_labels[bad])})")


def read_table(data: pd.DataFrame, *, outcome: str, unit: str, time: str, first_treated: str,
               eligible: str, covariates: tuple[str, ...], weights: str | None,
               cluster: str | None, missing: str, control_group: str,
               unbalanced: str = "drop_units") -> Arrays:
    """Check the table and build the balanced panel the estimators use."""
    roles = {outcome: "outcome", unit: "unit", time: "time", first_treated: "first_treated",
             eligible: "eligible"}
    roles.update({c: "covariates" for c in covariates})
    if weights:
        roles[weights] = "weights"
    if cluster and cluster not in roles:
        roles[cluster] = "cluster"
    values, positions, dropped = _columns(data, roles, missing)
    notes: list[str] = []
    if dropped:
        notes.append(f"missing='drop': {dropped:,} rows with a missing value were dropped")
    problems = Problems()
    q = values[eligible]
    other = np.unique(q[(q != 0) & (q != 1)])
    if other.size:
        where = np.flatnonzero((q != 0) & (q != 1))
        problems.add(f"eligible={eligible!r}: must contain only 0 and 1; got values such as "
                     f"{[float(x) for x in other[:SHOW]]} ({rows_text(positions[where])}; "
                     f"{ROWS_COUNTED})")
    elif np.unique(q).size < 2:
        level = int(q[0])
        problems.add(f"eligible={eligible!r}: has a single level ({level}): every unit is "
                     f"{'eligible' if level else 'ineligible'}, so there is no third "
                     "difference; use did_2x2 or callaway_santanna")
    g = values[first_treated]
    if weights is not None:
        w = values[weights]
        where = np.flatnonzero(w <= 0)
        if where.size:
            problems.add(f"weights={weights!r}: must be strictly positive; {where.size:,} rows "
                         f"are not ({rows_text(positions[where])}; {ROWS_COUNTED})")
    problems.raise_if_any(DataError, _MISMATCH)

    unit_codes = values[unit]
    unit_series = data[unit] if len(positions) == len(data) else data[unit].iloc[positions]
    unit_labels = pd.unique(unit_series)
    unit_labels = np.asarray(unit_labels, dtype=object)
    n_all = unit_labels.size
    codes, found = pd.factorize(values[time])  # a hash, not a sort of every row
    order = np.argsort(found)
    period_values = np.asarray(found, dtype=float)[order]
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    period_codes = rank[codes]
    n_periods = period_values.size
    if n_periods < 2:
        raise DataError(_MISMATCH, [f"time={time!r}: at least two periods are needed; got "
                                    f"{_listed(map(label, period_values))}"])
    cell = unit_codes.astype(np.int64) * n_periods + period_codes
    counts = np.bincount(cell, minlength=n_all * n_periods)
    if counts.max() > 1:
        twice = np.flatnonzero(counts > 1)
        pairs = [f"({unit_labels[c // n_periods]!r}, {label(period_values[c % n_periods])})"
                 for c in twice[:SHOW]]
        raise DataError(_MISMATCH, [f"unit={unit!r}, time={time!r}: each unit must have at "
                                    f"most one row per period; {twice.size:,} (unit, period) "
                                    f"pairs have several ({_listed(pairs)})"])
    g = np.where((g == 0) | (g > period_values[-1]), np.inf, g)
    # codes number the units in order of first appearance: a new code starts a unit
    first = np.flatnonzero(np.r_[True, np.diff(np.maximum.accumulate(unit_codes)) > 0])
    for name, role, v in ((first_treated, "first_treated", g), (eligible, "eligible", q),
                          *(((weights, "weights", values[weights]),) if weights else ()),
                          *(((cluster, "cluster", values[cluster].astype(float)),)
                            if cluster and cluster != unit else ())):
        found = _not_constant(name, role, unit_codes, v, unit_labels, first)
        if found:
            problems.add(found)
    problems.raise_if_any(DataError, _MISMATCH)

    unit_g, unit_q = g[first], q[first].astype(np.int64)
    groups_all = np.unique(unit_g)
    # every (enabling group x eligibility) cell must have units in every period
    gq = np.searchsorted(groups_all, unit_g) * 2 + unit_q
    per_period = np.bincount(gq[unit_codes] * n_periods + period_codes,
                             minlength=groups_all.size * 2 * n_periods).reshape(-1, n_periods)
    empty = []
    for k in range(per_period.shape[0]):
        absent = np.flatnonzero(per_period[k] == 0)
        if absent.size:
            grp, qq = groups_all[k // 2], k % 2
            what = (f"no unit at all (group {label(grp)} has no "
                    f"{'eligible' if qq else 'ineligible'} units)" if absent.size == n_periods else
                    f"no row in period{'s' if absent.size > 1 else ''} "
                    f"{_listed(map(label, period_values[absent]))}")
            empty.append(f"(first_treated={label(grp)}, eligible={qq}): {what}")
    if empty:
        raise DataError(_MISMATCH, [
            f"first_treated={first_treated!r}, eligible={eligible!r}: every enabling group "
            "must have eligible and ineligible units in every period (each DDD compares the "
            f"four subgroups); empty cells: {'; '.join(empty[:10])}"
            + (f" and {len(empty) - 10} more" if len(empty) > 10 else "")])

    # a balanced panel: units observed in every period
    counts_by_unit = np.bincount(unit_codes, minlength=n_all)
    complete = counts_by_unit == n_periods
    keep_all = unbalanced == "keep" and not complete.all()
    if keep_all:
        complete[:] = True
    elif not complete.all():
        notes.append(f"{int((~complete).sum()):,} units not observed in every period were "
                     "dropped (balanced panel, as R triplediff's default "
                     "allow_unbalanced_panel=FALSE)")
    early = complete & (unit_g <= period_values[0])
    if early.any():
        notes.append(f"{int(early.sum()):,} units of groups enabled in the first period "
                     f"({_listed(map(label, np.unique(unit_g[early])))}) were dropped: they "
                     "have no period before treatment")
    keep_unit = complete & ~early
    period_keep = np.ones(n_periods, dtype=bool)
    if control_group == "not_yet_treated" and not np.isinf(unit_g[keep_unit]).any():
        latest = float(unit_g[keep_unit].max())
        period_keep = period_values < latest
        notes.append(f"No never-enabled group: periods from {label(latest)} on are dropped and "
                     f"group {label(latest)} serves only as comparison (as R triplediff)")
    if not keep_unit.any():
        raise DataError(_MISMATCH, ["no unit is observed in every period"])
    groups = np.unique(unit_g[keep_unit])
    code = np.searchsorted(groups, unit_g)
    order_key = code * 2 + unit_q
    units = np.flatnonzero(keep_unit)
    units = units[np.argsort(order_key[units], kind="stable")]
    sorted_key = order_key[units]
    bounds = np.searchsorted(sorted_key, np.arange(groups.size * 2 + 1))
    start = bounds[:-1].reshape(groups.size, 2)
    stop = bounds[1:].reshape(groups.size, 2)
    for j, grp in enumerate(groups):
        if (stop[j] - start[j]).min() == 0 and not keep_all:
            qq = int(np.argmin(stop[j] - start[j]))
            raise DataError(_MISMATCH, [
                f"(first_treated={label(grp)}, eligible={qq}): no unit is observed in every "
                "period; a balanced panel is needed"])
    position = np.full(n_all, -1, dtype=np.int64)
    position[units] = np.arange(units.size)
    rows = keep_unit[unit_codes] & period_keep[period_codes]
    target_unit = position[unit_codes[rows]]
    period_map = np.cumsum(period_keep) - 1
    target_period = period_map[period_codes[rows]]
    n_kept_periods = int(period_keep.sum())

    w = np.ones(units.size) if weights is None else values[weights][first[units]]
    w = w / w.mean()
    clusters, n_clusters = None, None
    if cluster and cluster != unit:
        labels, clusters = np.unique(values[cluster][first[units]], return_inverse=True)
        n_clusters = int(labels.size)
        if n_clusters < 2:
            raise DataError(_MISMATCH, [f"cluster={cluster!r}: at least 2 clusters are needed; "
                                        f"the estimation sample has {n_clusters}"])
    arrays = Arrays(periods=period_values[period_keep], groups=groups,
                    layout=Layout(groups=groups, start=start, stop=stop), outcome=np.empty(0),
                    covariates=None, weights=w, group_code=code[units],
                    eligible=unit_q[units], clusters=clusters, n_clusters=n_clusters,
                    rows=int(rows.sum()), notes=notes)
    if keep_all:
        notes.append(f"The panel is unbalanced ({int((counts_by_unit < n_periods).sum()):,} "
                     "units miss periods); each DiD uses the observations of its two periods "
                     "as repeated cross-sections, with influence functions summed by unit (R "
                     "triplediff's allow_unbalanced_panel=TRUE)")
        arrays.row_outcome = values[outcome][rows]
        arrays.row_period = target_period
        arrays.row_unit = target_unit
        arrays.row_weights = w[target_unit]
        if covariates:
            arrays.row_covariates = np.stack([values[c][rows] for c in covariates])
        return arrays

    def matrix(v: np.ndarray) -> np.ndarray:
        out = np.empty((n_kept_periods, units.size))
        out[target_period, target_unit] = v[rows]
        return out

    arrays.outcome = matrix(values[outcome])
    if covariates:
        mats = [matrix(values[c]) for c in covariates]
        if all(bool(np.all(m == m[:1])) for m in mats):
            arrays.covariates = np.stack([m[0] for m in mats])[None]
        else:
            arrays.covariates = np.stack(mats, axis=1)
    return arrays
