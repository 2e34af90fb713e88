"""Credit lines: a budget table whose columns are declared by their role, checked once.

A budget table has one row per movement (or per month) of a budget line: where it sits
in the budget's hierarchy (programme, operational budget, action, sub-action, scheme),
the territory it concerns, its date, and its amounts in the State's vocabulary:
commitment authorisations (AE) and payment credits (CP), allocated (ouverts),
committed (engagés, *engagements juridiques*) and paid (mandatés). Other budgets (a
region's, a Brussels commission's) name their columns as they like and declare them
under the same roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.data.checks import (
    ROWS_COUNTED,
    float_values,
    non_finite_problem,
    non_numeric_problem,
    rows_text,
)
from evalkit.errors import DataError, InputError, TerritoryError
from evalkit.territories import FAMILIES, Referential, normalize_codes

__all__ = ["LEVEL_ROLES", "AMOUNT_ROLES", "CreditLinesSpec", "CreditLines"]

#: The roles of the budget's hierarchy, from the widest to the finest.
LEVEL_ROLES: tuple[str, ...] = ("programme", "bop", "action", "sub_action", "scheme")
#: The amount roles: AE and CP, allocated, committed and paid.
AMOUNT_ROLES: tuple[str, ...] = ("ae_allocated", "ae_committed", "ae_paid",
                                 "cp_allocated", "cp_committed", "cp_paid")
#: Names the results use for their own columns; a level column may not take one.
RESERVED: tuple[str, ...] = ("year", "quarter", "month", "row", *AMOUNT_ROLES)
_DATE_FORMATS = ("%Y-%m", "%Y-%m-%d", "%d/%m/%Y", "%m/%Y", "%Y%m")
_FRENCH_LEVELS = ("commune", "epci", "departement", "region")


@dataclass(frozen=True)
class CreditLinesSpec:
    """Which column of a budget table is what: the description of :class:`CreditLines`.

    Attributes
    ----------
    month
        The column of dates or months of the movements.
    levels
        ``(role, column)`` pairs of the hierarchy declared, in the order of
        :data:`LEVEL_ROLES`.
    territory
        The column of territorial codes, if any.
    territory_family
        The code family of ``territory`` (``commune``, ``epci``, ``departement``,
        ``region``, ``nis``), if the codes are checked.
    amounts
        ``(role, column)`` pairs of the amounts declared, in the order of
        :data:`AMOUNT_ROLES`.
    negative
        The amount roles allowed to be negative (withdrawals, cancellations).
    budget_year
        The only year the dates may fall in, if one was given.
    """

    month: str
    levels: tuple[tuple[str, str], ...]
    territory: str | None
    territory_family: str | None
    amounts: tuple[tuple[str, str], ...]
    negative: tuple[str, ...]
    budget_year: int | None

    def column(self, role: str) -> str:
        """The table's column that plays ``role`` (a level, ``territory`` or an amount)."""
        found = dict((*self.levels, *self.amounts))
        if self.territory:
            found["territory"] = self.territory
        if role not in found:
            raise InputError(f"role={role!r}: must be one of the roles declared "
                             f"({', '.join(map(repr, found))}); got {role!r}")
        return found[role]


class CreditLines:
    """A budget table (credit lines) with its columns declared by role, validated once.

    The caller's table is never modified: the object keeps its own copy of the columns
    it uses, under their role names, with ``year``, ``month`` (1 to 12) and ``row`` (the
    0-based position of the line in the caller's table, shown from 1 in messages).

    Parameters
    ----------
    data
        The table, one row per movement or per month of a budget line.
    month
        Column of dates or months: datetimes, periods, or text such as ``2024-03``,
        ``2024-03-15``, ``15/03/2024``, ``03/2024`` or ``202403``.
    programme, bop, action, sub_action, scheme
        Columns of the budget's hierarchy: any subset (a region's budget may have no
        BOP). Their values are read as text.
    territory
        Column of territorial codes. A line without a code is kept (and reported by
        :func:`~evalkit.programmes.alerts.budget_alerts`).
    territory_family
        The family of ``territory``'s codes (``commune``, ``epci``, ``departement``,
        ``region``, ``nis``): the codes are normalised with
        :func:`~evalkit.territories.normalize_codes` and, for French families,
        checked against the referential.
    ae_allocated, ae_committed, ae_paid, cp_allocated, cp_committed, cp_paid
        Columns of the amounts: commitment authorisations (AE) and payment credits (CP)
        allocated, committed and paid. At least one. A missing amount is a movement of
        that kind that did not happen and counts as zero; a line with no amount at all
        is an error.
    negative
        Amount roles that may be negative (e.g. ``("ae_committed",)`` for withdrawn
        commitments). Every other amount must be zero or more.
    budget_year
        If given, every date must fall in that year.
    pad
        Zero-pad territorial codes that lost their leading zeros.

    Raises
    ------
    DataError
        Listing every problem, each naming the column and the rows (counted from 1 as
        the data rows of a file): columns missing (with the columns the table has),
        no amount declared, a column declared twice, non-numeric, infinite or negative
        amounts, lines without any amount, missing or unreadable dates, dates outside
        ``budget_year``, missing hierarchy values, malformed or unknown territorial
        codes.

    Examples
    --------
    >>> table = pd.DataFrame({"mois": ["2024-01", "2024-03"], "dispositif": ["parrainage"] * 2,
    ...                       "cp_ouverts": [100.0, 0.0], "cp_mandates": [0.0, 40.0]})
    >>> lines = CreditLines(table, month="mois", scheme="dispositif",
    ...                     cp_allocated="cp_ouverts", cp_paid="cp_mandates")
    >>> lines.levels, lines.amounts
    (('scheme',), ('cp_allocated', 'cp_paid'))
    """

    __slots__ = ("_spec", "_frame")

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        month: str,
        programme: str | None = None,
        bop: str | None = None,
        action: str | None = None,
        sub_action: str | None = None,
        scheme: str | None = None,
        territory: str | None = None,
        territory_family: str | None = None,
        ae_allocated: str | None = None,
        ae_committed: str | None = None,
        ae_paid: str | None = None,
        cp_allocated: str | None = None,
        cp_committed: str | None = None,
        cp_paid: str | None = None,
        negative: Sequence[str] = (),
        budget_year: int | None = None,
        pad: bool = False,
    ) -> None:
        declared_levels = {"programme": programme, "bop": bop, "action": action,
                           "sub_action": sub_action, "scheme": scheme}
        declared_amounts = {"ae_allocated": ae_allocated, "ae_committed": ae_committed,
                            "ae_paid": ae_paid, "cp_allocated": cp_allocated,
                            "cp_committed": cp_committed, "cp_paid": cp_paid}
        spec = CreditLinesSpec(
            month=month,
            levels=tuple((r, c) for r, c in declared_levels.items() if c is not None),
            territory=territory, territory_family=territory_family,
            amounts=tuple((r, c) for r, c in declared_amounts.items() if c is not None),
            negative=(negative,) if isinstance(negative, str) else tuple(negative),
            budget_year=budget_year)
        frame = _validate(data, spec, pad=pad)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_frame", frame)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"CreditLines is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        return (f"CreditLines({len(self._frame)} lines, levels="
                f"{[r for r, _ in self._spec.levels]}, amounts={list(self.amounts)})")

    @property
    def spec(self) -> CreditLinesSpec:
        """The description the lines were built from."""
        return self._spec

    @property
    def levels(self) -> tuple[str, ...]:
        """The hierarchy roles declared (plus ``territory`` when declared), widest first."""
        roles = tuple(r for r, _ in self._spec.levels)
        return (*roles, "territory") if self._spec.territory else roles

    @property
    def amounts(self) -> tuple[str, ...]:
        """The amount roles declared."""
        return tuple(r for r, _ in self._spec.amounts)

    @property
    def years(self) -> tuple[int, ...]:
        """The years the lines cover, in order."""
        return tuple(int(y) for y in np.unique(self._frame["year"]))

    @property
    def data(self) -> pd.DataFrame:
        """The lines under their role names (a copy: changing it never changes the lines)."""
        return self._frame.copy()

    def level_columns(self, by: Sequence[str] | str) -> tuple[str, ...]:
        """The roles of ``by``, given as roles or as the table's own column names.

        Raises
        ------
        InputError
            For a name that is neither a declared role nor its column.
        """
        by = (by,) if isinstance(by, str) else tuple(by)
        names = dict(self._spec.levels)
        if self._spec.territory:
            names["territory"] = self._spec.territory
        of_column = {c: r for r, c in names.items()}
        roles, problems = [], []
        for name in by:
            if name in names:
                roles.append(name)
            elif name in of_column:
                roles.append(of_column[name])
            else:
                problems.append(f"by={name!r}: must be one of the levels declared "
                                f"({', '.join(repr(r) for r in names)}) or their columns "
                                f"({', '.join(repr(c) for c in names.values())}); got {name!r}")
        if problems:
            raise InputError("Cannot group the credit lines:", problems)
        return tuple(dict.fromkeys(roles))

    def column_names(self) -> dict[str, str]:
        """Role -> the table's column name, for the levels and territory (to label results)."""
        names = dict(self._spec.levels)
        if self._spec.territory:
            names["territory"] = self._spec.territory
        return names

    def has(self, *roles: str) -> bool:
        """Whether every one of the amount ``roles`` was declared."""
        return all(r in self.amounts for r in roles)


# ---------------------------------------------------------------------- validation

def _validate(data: pd.DataFrame, spec: CreditLinesSpec, *, pad: bool) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    problems = Problems()
    _check_declaration(data, spec, problems)
    problems.raise_if_any(DataError, "The credit lines cannot be used as they are:")
    if not len(data):
        raise DataError("The credit lines cannot be used as they are: the table has no rows")

    positions = np.arange(len(data))
    out: dict[str, object] = {}
    for role, column in spec.levels:
        values = data[column]
        missing = values.isna().to_numpy()
        if missing.any():
            problems.add(f"{role}={column!r}: {int(missing.sum()):,} of {len(data):,} lines have "
                         f"no value ({rows_text(positions[missing])}; {ROWS_COUNTED}); every "
                         f"line must say which {role.replace('_', '-')} it belongs to")
        out[role] = _as_text(values, str)
    if spec.territory:
        out["territory"] = _territory(data, spec, pad, problems)
    years, months = _months(data[spec.month], spec, positions, problems)
    out["year"], out["month"] = years, months
    any_amount = np.zeros(len(data), dtype=bool)
    for role, column in spec.amounts:
        values = _amount(data[column], role, column, spec, positions, problems)
        if values is not None:
            any_amount |= ~np.isnan(values)
            out[role] = np.nan_to_num(values, nan=0.0)
    if not problems and not any_amount.all():
        empty = ~any_amount
        problems.add(f"{int(empty.sum()):,} lines have no amount in any of the columns "
                     f"{', '.join(repr(c) for _, c in spec.amounts)} "
                     f"({rows_text(positions[empty])}; {ROWS_COUNTED}); drop them or give "
                     "their amounts")
    problems.raise_if_any(DataError, "The credit lines cannot be used as they are:")
    out["row"] = positions
    frame = pd.DataFrame(out)
    frame["year"] = frame["year"].astype(np.int64)
    frame["month"] = frame["month"].astype(np.int64)
    return frame


def _check_declaration(data: pd.DataFrame, spec: CreditLinesSpec, problems: Problems) -> None:
    if not spec.amounts:
        problems.add("amounts: at least one of " + ", ".join(AMOUNT_ROLES)
                     + " must name a column; got none")
    roles = [("month", spec.month), *spec.levels, *spec.amounts]
    if spec.territory:
        roles.append(("territory", spec.territory))
    for role, column in roles:
        if not isinstance(column, str):
            problems.add(f"{role}={column!r}: must be a column name (text); got "
                         f"{type(column).__name__}")
        elif column not in data.columns:
            problems.add(f"{role}={column!r}: must be a column of the table; its columns are "
                         f"{describe_columns(data.columns)}")
    used: dict[str, str] = {}
    for role, column in roles:
        if isinstance(column, str) and column in used:
            problems.add(f"{role}={column!r}: the column is already declared as "
                         f"{used[column]}; each role needs its own column")
        used.setdefault(column, role)
    for role in spec.negative:
        if role not in AMOUNT_ROLES:
            problems.add(f"negative={role!r}: must name amount roles among "
                         f"{', '.join(map(repr, AMOUNT_ROLES))}; got {role!r}")
    if spec.territory_family is not None and spec.territory_family not in FAMILIES:
        problems.add(f"territory_family={spec.territory_family!r}: must be one of "
                     f"{', '.join(map(repr, FAMILIES))}; got {spec.territory_family!r}")
    if spec.territory_family is not None and not spec.territory:
        problems.add(f"territory_family={spec.territory_family!r}: needs territory= (the "
                     "column of codes); got none")
    if spec.budget_year is not None and (isinstance(spec.budget_year, bool)
                                         or not isinstance(spec.budget_year, int | np.integer)):
        problems.add(f"budget_year={spec.budget_year!r}: must be a year (an integer); got "
                     f"{spec.budget_year!r}")


def _territory(data: pd.DataFrame, spec: CreditLinesSpec, pad: bool,
               problems: Problems) -> np.ndarray:
    column = spec.territory or ""
    family = spec.territory_family
    try:
        if family in _FRENCH_LEVELS:
            codes = Referential.france().check(data, column, family, pad=pad)
        elif family is not None:
            codes = normalize_codes(data[column], family, column=column, pad=pad)
        else:
            raw = data[column]
            return _as_text(raw, _code_text)
    except TerritoryError as error:
        problems.add(error.message.rstrip(":"))
        problems.extend(error.problems)
        return np.full(len(data), None, dtype=object)
    return codes.astype(object).where(codes.notna(), None).to_numpy(dtype=object)


def _as_text(values: pd.Series, convert) -> np.ndarray:
    """A column as an object array of text (``convert`` applied once per distinct value),
    missing values as ``None``."""
    ids, uniques = pd.factorize(values)
    texts = np.array([convert(v) for v in uniques] + [None], dtype=object)
    return texts[ids]  # the sentinel -1 picks the trailing None


def _code_text(value: object) -> str:
    """A code as text; a whole number read as a float (``59350.0``) loses its ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _months(values: pd.Series, spec: CreditLinesSpec, positions: np.ndarray,
            problems: Problems) -> tuple[np.ndarray, np.ndarray]:
    label = f"month={spec.month!r}"
    n = len(values)
    if isinstance(values.dtype, pd.PeriodDtype):
        dates = values.dt.to_timestamp()
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
    else:
        ids, uniques = pd.factorize(values)  # each distinct spelling is parsed once
        text = pd.Series([str(v).strip() for v in uniques], dtype=object)
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        for fmt in _DATE_FORMATS:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        dates = pd.Series(parsed.to_numpy()[ids], index=values.index)
        dates[ids < 0] = pd.NaT
    missing = values.isna().to_numpy()
    unreadable = dates.isna().to_numpy() & ~missing
    if missing.any():
        problems.add(f"{label}: {int(missing.sum()):,} of {n:,} lines have no date "
                     f"({rows_text(positions[missing])}; {ROWS_COUNTED}); every movement "
                     "needs its month")
    if unreadable.any():
        shown = ", ".join(repr(str(v)) for v in pd.unique(values[unreadable].astype(str))[:5])
        problems.add(f"{label}: {int(unreadable.sum()):,} of {n:,} lines have a date that "
                     f"cannot be read ({shown}; {rows_text(positions[unreadable])}; "
                     f"{ROWS_COUNTED}); expected a date or a month such as '2024-03', "
                     "'2024-03-15', '15/03/2024' or '03/2024'")
    years = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    months = dates.dt.month.to_numpy(dtype=float, na_value=np.nan)
    if spec.budget_year is not None:
        outside = ~np.isnan(years) & (years != spec.budget_year)
        if outside.any():
            found = sorted({int(y) for y in years[outside]})
            problems.add(f"{label}: {int(outside.sum()):,} of {n:,} lines are dated outside the "
                         f"budget year {spec.budget_year} (years {', '.join(map(str, found))}; "
                         f"{rows_text(positions[outside])}; {ROWS_COUNTED})")
    return np.nan_to_num(years), np.nan_to_num(months)


def _amount(series: pd.Series, role: str, column: str, spec: CreditLinesSpec,
            positions: np.ndarray, problems: Problems) -> np.ndarray | None:
    label = f"{role}={column!r}"
    if not (pd.api.types.is_numeric_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype)):
        problems.add(non_numeric_problem(label, series, positions))
        return None
    values = float_values(series)
    infinite = non_finite_problem(label, values, positions)
    if infinite:
        problems.add(infinite)
    if role not in spec.negative:
        negative = values < 0
        if negative.any():
            problems.add(f"{label}: must be zero or more; got {int(negative.sum()):,} negative "
                         f"amounts (down to {float(values[negative].min()):,.2f}; "
                         f"{rows_text(positions[negative])}; {ROWS_COUNTED}); if they are "
                         f"withdrawals or cancellations, pass negative=[{role!r}]")
    return values

