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
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.errors import DataError, InputError
from evalkit.programmes import _line_rules as rules
from evalkit.programmes._grouping import roles_of
from evalkit.territories import FAMILIES

__all__ = ["LEVEL_ROLES", "AMOUNT_ROLES", "EXCLUSION_RULES", "OnInvalid", "CreditLinesSpec",
           "CreditLines"]

#: The roles of the budget's hierarchy, from the widest to the finest.
LEVEL_ROLES: tuple[str, ...] = ("programme", "bop", "action", "sub_action", "scheme")
#: The amount roles: AE and CP, allocated, committed and paid.
AMOUNT_ROLES: tuple[str, ...] = ("ae_allocated", "ae_committed", "ae_paid",
                                 "cp_allocated", "cp_committed", "cp_paid")
#: Names the results use for their own columns; a level column may not take one.
RESERVED: tuple[str, ...] = ("year", "quarter", "month", "row", *AMOUNT_ROLES)

#: What to do with rows that break a rule: raise (listing every problem) or set them aside.
OnInvalid = Literal["raise", "exclude"]

#: The rules a line can break, by stable key (the ``rule`` of :attr:`CreditLines.excluded`),
#: in the order they are checked and listed.
EXCLUSION_RULES: dict[str, str] = {
    "missing_level": "A level of the budget's hierarchy (programme, BOP, action, "
                     "sub-action, scheme) has no value.",
    "malformed_code": "The territorial code is not a code of its family (for a commune, "
                      "five characters: the department, then three digits).",
    "unknown_code": "The territorial code is well formed but unknown to the referential.",
    "missing_date": "The line has no date.",
    "unreadable_date": "The date cannot be read as a date or a month.",
    "outside_budget_year": "The date falls outside the budget year declared.",
    "non_finite_amount": "An amount is infinite.",
    "negative_amount": "An amount is negative where it must be zero or more (withdrawals "
                       "and cancellations are declared with negative=).",
    "no_amount": "The line has no amount in any of the amount columns.",
}


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
    on_invalid
        What to do with lines that break a rule of :data:`EXCLUSION_RULES` (a missing
        hierarchy value, a malformed or unknown territorial code, a missing, unreadable
        or out-of-year date, an infinite or negative amount, no amount at all):
        ``"raise"`` (the default) raises one error listing every problem;
        ``"exclude"`` sets those lines aside, builds the lines from the others and lists
        what was set aside in :attr:`excluded`. Problems with a whole column (missing,
        declared twice, not numbers, codes that lost their leading zeros or Corsican codes
        read as numbers) always raise.

    Raises
    ------
    DataError
        Listing every problem, each naming the column and the rows (counted from 1 as
        the data rows of a file): columns missing (with the columns the table has),
        no amount declared, a column declared twice, amount columns that are not
        numbers, codes that lost their leading zeros; and, unless
        ``on_invalid="exclude"``, the lines breaking a rule of :data:`EXCLUSION_RULES`.
        With ``on_invalid="exclude"``, when every line breaks a rule.

    Examples
    --------
    >>> table = pd.DataFrame({"mois": ["2024-01", "2024-03"], "dispositif": ["parrainage"] * 2,
    ...                       "cp_ouverts": [100.0, 0.0], "cp_mandates": [0.0, 40.0]})
    >>> lines = CreditLines(table, month="mois", scheme="dispositif",
    ...                     cp_allocated="cp_ouverts", cp_paid="cp_mandates")
    >>> lines.levels, lines.amounts
    (('scheme',), ('cp_allocated', 'cp_paid'))
    >>> table.loc[1, "cp_mandates"] = -40.0
    >>> lines = CreditLines(table, month="mois", scheme="dispositif",
    ...                     cp_allocated="cp_ouverts", cp_paid="cp_mandates",
    ...                     on_invalid="exclude")
    >>> lines.excluded[["row", "rule", "column", "value"]].to_dict("records")
    [{'row': 2, 'rule': 'negative_amount', 'column': 'cp_mandates', 'value': '-40'}]
    """

    __slots__ = ("_spec", "_frame", "_excluded")

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
        on_invalid: OnInvalid = "raise",
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
        frame, excluded = _validate(data, spec, pad=pad, on_invalid=on_invalid)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_excluded", excluded)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"CreditLines is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        excluded = self.excluded_rows
        aside = f", {excluded} rows excluded" if excluded else ""
        return (f"CreditLines({len(self._frame)} lines, levels="
                f"{[r for r, _ in self._spec.levels]}, amounts={list(self.amounts)}{aside})")

    def summary(self) -> str:
        """What the lines hold, and how many rows were set aside, by rule."""
        years = self.years
        span = str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"
        text = [f"{len(self._frame):,} credit lines, {span}; levels: "
                f"{', '.join(self.levels) or 'none'}; amounts: {', '.join(self.amounts)}."]
        if self.excluded_rows:
            counts = self._excluded["rule"].value_counts()
            by_rule = ", ".join(f"{rule} {int(counts[rule]):,}" for rule in EXCLUSION_RULES
                                if rule in counts.index)
            twice = (" (a row breaking two rules counts in both)"
                     if len(self._excluded) > self.excluded_rows else "")
            text.append(f"{self.excluded_rows:,} rows of the table were excluded, by rule "
                        f"broken: {by_rule}{twice}; see .excluded.")
        return "\n".join(text)

    def __str__(self) -> str:
        return self.summary()

    @property
    def excluded(self) -> pd.DataFrame:
        """The rows set aside with ``on_invalid="exclude"`` (a copy; empty otherwise).

        One row per row of the caller's table and rule it breaks (a row breaking two
        rules appears twice): ``row`` (counted from 1, as the data rows of a file),
        ``rule`` (a key of :data:`EXCLUSION_RULES`), ``column`` (the caller's column;
        for ``no_amount``, the amount columns joined by ``", "``), ``value`` (the
        offending value as text, missing when the value is missing) and ``message`` (the
        problem in English). Sorted by row, then in the order of :data:`EXCLUSION_RULES`.
        """
        return self._excluded.copy()

    @property
    def excluded_rows(self) -> int:
        """How many rows of the caller's table were set aside."""
        return int(self._excluded["row"].nunique())

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
        return roles_of(by, self.column_names(), "credit lines", "levels")

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

_CANNOT = "The credit lines cannot be used as they are:"


def _validate(data: pd.DataFrame, spec: CreditLinesSpec, *, pad: bool,
              on_invalid: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines under their role names, and the rows set aside (see EXCLUSION_RULES)."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    if on_invalid not in ("raise", "exclude"):
        raise InputError(f"on_invalid={on_invalid!r}: must be one of 'raise', 'exclude'; got "
                         f"{on_invalid!r}")
    problems = Problems()
    _check_declaration(data, spec, problems)
    problems.raise_if_any(DataError, _CANNOT)
    if not len(data):
        raise DataError(f"{_CANNOT} the table has no rows")
    exclude = on_invalid == "exclude"

    found: list[str | rules.Broken] = []  # in the order checked: whole columns and rules
    out: dict[str, object] = {}
    for role, column in spec.levels:
        out[role] = rules.level_values(data[column], role, column, found)
    if spec.territory:
        out["territory"] = rules.territory_codes(data, spec, pad, exclude, found)
    out["year"], out["month"] = rules.months(data[spec.month], spec, found)
    any_amount = np.zeros(len(data), dtype=bool)
    readable = True
    for role, column in spec.amounts:
        values = rules.amount(data[column], role, column, spec, found)
        if values is None:
            readable = False
            continue
        any_amount |= ~np.isnan(values)
        out[role] = np.nan_to_num(values, nan=0.0)
    if readable:  # a column that is not numbers would make every line look empty
        rules.no_amount(~any_amount, spec, found)

    broken = [f for f in found if isinstance(f, rules.Broken)]
    whole = [f for f in found if isinstance(f, str)]
    if whole and exclude:
        raise DataError("The credit lines cannot be used as they are (these problems concern "
                        "whole columns, not rows that could be set aside):", whole)
    if found and not exclude:
        raise DataError(_CANNOT, [f if isinstance(f, str) else f.problem for f in found])
    out["row"] = np.arange(len(data))
    frame = pd.DataFrame(out)
    if broken:
        bad = np.zeros(len(data), dtype=bool)
        for b in broken:
            bad[b.where] = True
        if bad.all():
            raise DataError("The credit lines cannot be used as they are: every line breaks a "
                            "rule, so none would be left:", [b.problem for b in broken])
        frame = frame.loc[~bad].reset_index(drop=True)
    frame["year"] = frame["year"].astype(np.int64)
    frame["month"] = frame["month"].astype(np.int64)
    return frame, rules.excluded_table(broken, tuple(EXCLUSION_RULES))


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
