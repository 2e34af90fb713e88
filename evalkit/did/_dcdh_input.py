"""Reading and checking the data of :func:`~evalkit.did.chaisemartin_dhaultfoeuille`.

Every problem with the options or the data is collected and raised at once; the data end up
as the dense unit x period grid of :mod:`evalkit.did._dcdh_compute`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_alpha, check_choice, describe_columns
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
from evalkit.did._dcdh_compute import Grid
from evalkit.did.chaisemartin_dhaultfoeuille_spec import IntertemporalEffectsSpec
from evalkit.errors import DataError, InputError
from evalkit.inference.kinds import Clustered

__all__ = ["Design", "read_design"]

#: What to do with missing values (see :func:`~evalkit.did.chaisemartin_dhaultfoeuille`).
MISSING = ("error", "drop", "outcome_gaps")

_CALL = "Invalid arguments to chaisemartin_dhaultfoeuille:"
_DATA = "The data do not fit chaisemartin_dhaultfoeuille:"


@dataclass(frozen=True)
class Design:
    """The checked data: the grid, the period labels, the columns used and the specification."""

    grid: Grid
    periods: np.ndarray
    units: np.ndarray
    frame: pd.DataFrame
    n_rows: int
    specification: IntertemporalEffectsSpec


def _is_count(value: object, low: int) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | np.integer)
            and value >= low)


def _check_options(options: dict[str, Any], problems: Problems) -> None:
    for name, low in (("effects", 1), ("placebos", 0)):
        value = options[name]
        if not _is_count(value, low):
            problems.add(f"{name}={value!r}: must be an integer >= {low}; got {value!r}")
    if (_is_count(options["effects"], 1) and _is_count(options["placebos"], 0)
            and options["placebos"] > options["effects"]):
        problems.add(f"placebos={options['placebos']!r}: must be at most effects="
                     f"{options['effects']!r} (placebo l uses the comparisons of effect l); "
                     f"got {options['placebos']!r}")
    for name in ("normalized", "same_switchers", "only_never_switchers", "effects_equal",
                 "keep_both_sides", "linear_trends"):
        if not isinstance(options[name], bool | np.bool_):
            problems.add(f"{name}={options[name]!r}: must be True or False; got "
                         f"{options[name]!r}")
    check_alpha(options["alpha"], problems)
    check_choice("switchers", options["switchers"], ("both", "in", "out"), problems)
    check_choice("missing", options["missing"], MISSING, problems)
    for name in ("outcome", "unit", "time", "treatment"):
        if not isinstance(options[name], str) or not options[name]:
            problems.add(f"{name}={options[name]!r}: must be a column name; got "
                         f"{options[name]!r}")
    for name in ("weights", "cluster"):
        if options[name] is not None and (not isinstance(options[name], str)
                                          or not options[name]):
            problems.add(f"{name}={options[name]!r}: must be a column name or None; got "
                         f"{options[name]!r}")
    controls = options["controls"]
    if isinstance(controls, str):
        controls = (controls,)
    if not isinstance(controls, list | tuple) or not all(
            isinstance(c, str) and c for c in controls):
        problems.add(f"controls={options['controls']!r}: must be a column name or a list of "
                     f"column names; got {options['controls']!r}")
    else:
        options["controls"] = tuple(dict.fromkeys(controls))


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    try:
        codes, labels = pd.factorize(series, sort=True)
    except TypeError:  # labels of mixed types
        codes, labels = pd.factorize(series, sort=False)
    return codes.astype(np.int64), np.asarray(labels)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def read_design(data: object, **options: Any) -> Design:
    """Check the options and the data (every problem at once) and build the grid."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    problems = Problems()
    _check_options(options, problems)
    problems.raise_if_any(InputError, _CALL)

    roles = {options["outcome"]: "outcome", options["unit"]: "unit", options["time"]: "time",
             options["treatment"]: "treatment"}
    for name in ("weights", "cluster"):
        if options[name] is not None:
            roles.setdefault(options[name], name)
    for column in options["controls"]:
        roles.setdefault(column, "controls")
    named = [(name, options[name]) for name in ("outcome", "unit", "time", "treatment",
                                                "weights", "cluster")]
    named += [("controls", column) for column in options["controls"]]
    for name, column in named:
        if column is not None and column not in data.columns:
            problems.add(f"{name}={column!r}: no such column in the data; the columns are: "
                         f"{describe_columns(data.columns)}")
    problems.raise_if_any(DataError, _DATA)
    if len(data) == 0:
        raise DataError(_DATA, ["data: must have at least one row (one per unit and period); "
                                "got no rows"])

    frame = data.loc[:, list(roles)]
    positions = np.arange(len(frame))
    nulls = frame.isna().to_numpy()
    if options["missing"] == "outcome_gaps":
        nulls[:, list(roles).index(options["outcome"])] = False
    if nulls.any():
        if options["missing"] in ("drop", "outcome_gaps"):
            keep = ~nulls.any(axis=1)
            frame, positions = frame.loc[keep], positions[keep]
            if frame.empty:
                raise DataError(_DATA, ["missing='drop': no row is left; every row has a "
                                        "missing value in a column the design uses"])
        else:
            for j, (column, role) in enumerate(roles.items()):
                if nulls[:, j].any():
                    problems.add(missing_problem(f"{role}={column!r}", nulls[:, j], positions))
    numeric = [(c, r) for c, r in roles.items() if r in ("outcome", "time", "treatment",
                                                        "weights", "controls")]
    for column, role in numeric:
        if not (pd.api.types.is_numeric_dtype(frame[column])
                or pd.api.types.is_bool_dtype(frame[column])):
            problems.add(non_numeric_problem(f"{role}={column!r}", frame[column], positions))
    problems.raise_if_any(DataError, _DATA)

    values = {column: float_values(frame[column]) for column, _ in numeric}
    for column, role in numeric:
        found = [non_finite_problem(f"{role}={column!r}", values[column], positions)]
        if role != "time":
            found.append(too_large_problem(f"{role}={column!r}", values[column], positions))
        problems.extend(p for p in found if p)
    if options["weights"] is not None:
        w = values[options["weights"]]
        bad = np.flatnonzero(np.isfinite(w) & (w < 0))
        if bad.size:
            problems.add(f"weights={options['weights']!r}: must be >= 0; {bad.size:,} rows are "
                         f"negative ({rows_text(positions[bad])}; {ROWS_COUNTED})")
    problems.raise_if_any(DataError, _DATA)

    unit_code, units = _factorize(frame[options["unit"]])
    period_code, periods = _factorize(frame[options["time"]])
    n_units, n_periods = len(units), len(periods)
    cell = unit_code * n_periods + period_code
    counts = np.bincount(cell, minlength=n_units * n_periods)
    if (counts > 1).any():
        dup = np.flatnonzero(counts[cell] > 1)
        pairs = sorted({(int(unit_code[i]), int(period_code[i])) for i in dup[:200]})
        shown = ", ".join(f"({_plain(units[u])!r}, {_plain(periods[t])!r})"
                          for u, t in pairs[:SHOW])
        problems.add(f"unit={options['unit']!r}, time={options['time']!r}: each unit must have "
                     f"at most one row per period; {int((counts > 1).sum()):,} unit-periods "
                     f"have several ({shown}; {rows_text(positions[dup])}; {ROWS_COUNTED}); "
                     "aggregate them first (e.g. weighted means)")
    cluster_code = None
    if options["cluster"] is not None and options["cluster"] != options["unit"]:
        codes, _ = _factorize(frame[options["cluster"]])
        low = np.full(n_units, np.iinfo(np.int64).max)
        high = np.full(n_units, -1)
        np.minimum.at(low, unit_code, codes)
        np.maximum.at(high, unit_code, codes)
        split = np.flatnonzero(low != high)
        if split.size:
            shown = ", ".join(repr(_plain(u)) for u in units[split[:SHOW]])
            problems.add(f"cluster={options['cluster']!r}: each unit must belong to one "
                         f"cluster; {split.size:,} units are in several ({shown})")
        cluster_code = np.unique(low, return_inverse=True)[1].ravel()
    treat = values[options["treatment"]]
    if not problems:
        first = np.full(n_units, np.nan)
        first[unit_code[::-1]] = treat[::-1]
        if np.all(treat == first[unit_code]):
            problems.add(f"treatment={options['treatment']!r}: never changes within a unit; "
                         "the estimator needs units whose treatment changes over time "
                         "(switchers)")
    problems.raise_if_any(DataError, _DATA)

    y = np.full((n_units, n_periods), np.nan)
    d = np.full((n_units, n_periods), np.nan)
    w = np.zeros((n_units, n_periods))
    y[unit_code, period_code] = values[options["outcome"]]
    d[unit_code, period_code] = treat
    w[unit_code, period_code] = (1.0 if options["weights"] is None
                                 else values[options["weights"]])
    x = None
    if options["controls"]:
        x = np.full((n_units, n_periods, len(options["controls"])), np.nan)
        for j, column in enumerate(options["controls"]):
            x[unit_code, period_code, j] = values[column]
    cluster = options["cluster"] or options["unit"]
    spec = IntertemporalEffectsSpec(
        outcome=options["outcome"], unit=options["unit"], time=options["time"],
        treatment=options["treatment"], controls=options["controls"],
        effects=int(options["effects"]),
        placebos=int(options["placebos"]), normalized=bool(options["normalized"]),
        weights=options["weights"], same_switchers=bool(options["same_switchers"]),
        only_never_switchers=bool(options["only_never_switchers"]),
        switchers=options["switchers"], linear_trends=bool(options["linear_trends"]),
        effects_equal=bool(options["effects_equal"]),
        keep_both_sides=bool(options["keep_both_sides"]), missing=options["missing"],
        inference=Clustered(cluster), alpha=float(options["alpha"]))
    return Design(grid=Grid(y, d, w, cluster_code, x), periods=periods, units=units, frame=frame,
                  n_rows=len(frame), specification=spec)
