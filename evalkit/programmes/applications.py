"""Applications to calls for projects, their decisions and their payments, checked once.

A call for projects (*appel à projets*) receives applications: each has an identifier,
the call, a date, an applicant (an association, a commune, a public body, a company), a
territory, whether it targets a priority neighbourhood (*quartier prioritaire de la
politique de la ville*, QPV) and the amount requested; then a decision (selected or not,
the amount granted, the decision date); then payments, often in instalments. The tables
name their columns as they like and declare them by role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.data.checks import non_numeric_problem
from evalkit.errors import DataError, InputError
from evalkit.programmes._application_rows import (
    APPLICATIONS,
    PAYMENTS,
    ApplicationRows,
    PaymentRows,
    attach_payments,
)
from evalkit.programmes._grouping import roles_of
from evalkit.programmes._row_rules import RowProblems, check_on_invalid
from evalkit.territories import FAMILIES

__all__ = ["APPLICATION_ROLES", "PAYMENT_ROLES", "GROUP_ROLES", "EXCLUSION_RULES",
           "ApplicationsSpec", "Applications"]

#: The roles of the applications table's columns.
APPLICATION_ROLES: tuple[str, ...] = (
    "id", "call", "date", "applicant", "applicant_type", "territory", "priority",
    "requested", "selected", "granted", "decision_date")
#: The roles of the payments table's columns.
PAYMENT_ROLES: tuple[str, ...] = ("payment_id", "payment_date", "payment_amount")
#: What the tables of calls for projects may group by (``year`` is the year of application).
GROUP_ROLES: tuple[str, ...] = ("call", "applicant_type", "territory", "priority", "year")

#: The rules a row may break, each with what it means. With ``on_invalid="exclude"`` the
#: rows breaking them are set aside and listed in :attr:`Applications.excluded` under these
#: keys (stable: a report translates them).
EXCLUSION_RULES: dict[str, str] = {
    "missing_id": "The row has no application identifier.",
    "duplicate_id": "The application identifier appears on several rows; every copy is "
                    "set aside.",
    "missing_call": "The application names no call for projects.",
    "missing_applicant": "The application names no applicant.",
    "missing_date": "The row has no date (of application, or of payment).",
    "unreadable_date": "A date (of application, of decision or of payment) cannot be read.",
    "unreadable_flag": "A yes/no value (priority neighbourhood, selected) cannot be read.",
    "missing_amount": "The amount requested, or the amount of a payment, is missing.",
    "non_finite_amount": "An amount is infinite.",
    "negative_amount": "An amount is negative.",
    "grant_above_requested": "The amount granted is above the amount requested.",
    "grant_without_selection": "An amount is granted to an application that was not "
                               "selected (rejected, or not decided yet).",
    "decision_before_application": "The decision is dated before the application.",
    "malformed_code": "The territorial code is not a code of its family.",
    "lost_leading_zeros": "The territorial code lost its leading zeros (read the column "
                          "as text, or pass pad=True).",
    "unknown_code": "The territorial code is unknown to the referential.",
    "unknown_application": "The payment's identifier is no application of the table.",
    "application_excluded": "The payment's application was itself set aside.",
    "payment_without_decision": "The payment is for an application without a positive "
                                "decision (rejected, or not decided yet).",
    "payment_before_decision": "The payment is dated before the decision on its "
                               "application.",
    "payment_before_application": "The payment is dated before its application (whose "
                                  "decision date is not known).",
    "payments_above_grant": "The payments of an application add up to more than its "
                            "grant; every payment of that application is set aside.",
}



@dataclass(frozen=True)
class ApplicationsSpec:
    """Which column of the tables is what: the description of :class:`Applications`.

    Attributes
    ----------
    columns
        ``(role, column)`` pairs of the applications table, in the order of
        :data:`APPLICATION_ROLES`.
    payment_columns
        ``(role, column)`` pairs of the payments table (empty without payments).
    territory_family
        The code family of ``territory``, if the codes are checked.
    on_invalid
        ``"raise"`` or ``"exclude"``.
    """

    columns: tuple[tuple[str, str], ...]
    payment_columns: tuple[tuple[str, str], ...]
    territory_family: str | None
    on_invalid: str

    def column(self, role: str) -> str:
        """The caller's column that plays ``role``."""
        found = dict((*self.columns, *self.payment_columns))
        if role not in found:
            raise InputError(f"role={role!r}: must be one of the roles declared "
                             f"({', '.join(map(repr, found))}); got {role!r}")
        return found[role]

    def has(self, *roles: str) -> bool:
        """Whether every one of ``roles`` was declared."""
        found = {r for r, _ in (*self.columns, *self.payment_columns)}
        return all(r in found for r in roles)


class Applications:
    """Applications to calls for projects, with their decisions and payments, validated once.

    The caller's tables are never modified: the object keeps its own copy of the columns
    it uses, under their role names. Every problem is reported at once, naming the
    column, the rows (counted from 1 as the data rows of a file) and the rule broken;
    with ``on_invalid="exclude"`` the rows breaking a rule are set aside instead and
    listed in :attr:`excluded`.

    Parameters
    ----------
    data
        The applications, one row per application.
    id
        Column of application identifiers (read as text; each must appear once).
    call
        Column of the call for projects each application answers.
    date
        Column of application dates (datetimes, or text such as ``2024-03-15`` or
        ``15/03/2024``).
    applicant
        Column of the applicant's identifier or name: the beneficiary followed over
        calls and years.
    applicant_type
        Column of the applicant's type (association, commune, public body, company ...).
    territory
        Column of territorial codes (a missing code is kept).
    territory_family
        The family of ``territory``'s codes (``commune``, ``epci``, ``departement``,
        ``region``, ``nis``): codes are checked against it, French ones against
        :meth:`Referential.france`.
    priority
        Column saying whether the application targets a priority neighbourhood (QPV):
        booleans, 0/1, or text oui/non, yes/no, true/false, vrai/faux. Missing: not known.
    requested
        Column of the amount requested.
    selected
        Column of the decision: selected or not (booleans, 0/1 or yes/no text, as for
        ``priority``); missing means no decision yet.
    granted
        Column of the amount granted (missing counts as zero).
    decision_date
        Column of decision dates (missing: not known).
    payments
        The payments, one row per payment (a grant is often paid in instalments).
    payment_id, payment_date, payment_amount
        Columns of the payments table: the application's identifier, the date and the
        amount of each payment. All three are needed with ``payments``.
    on_invalid
        ``"raise"`` (default): a row breaking a rule of :data:`EXCLUSION_RULES` is an
        error; ``"exclude"``: such rows are set aside and listed in :attr:`excluded`.
        Problems of declaration (a column missing or declared twice, a non-numeric amount
        column) always raise, and so does a table whose every row would be set aside.
    pad
        Zero-pad territorial codes that lost their leading zeros.

    Raises
    ------
    DataError
        Listing every problem: missing columns (with the columns the table has), a column
        declared twice, non-numeric amount columns, and each rule of
        :data:`EXCLUSION_RULES` broken (with ``on_invalid="raise"``).
    InputError
        For an unknown ``on_invalid``, ``territory_family`` or a table that is not a
        DataFrame.

    Examples
    --------
    >>> table = pd.DataFrame({"dossier": ["A1", "A2"], "appel": ["AAP 2024"] * 2,
    ...                       "depot": ["2024-01-10", "2024-01-12"], "porteur": ["x", "y"],
    ...                       "demande": [10000.0, 5000.0], "retenu": ["oui", "non"],
    ...                       "accorde": [8000.0, 0.0]})
    >>> apps = Applications(table, id="dossier", call="appel", date="depot",
    ...                     applicant="porteur", requested="demande", selected="retenu",
    ...                     granted="accorde")
    >>> apps.data[["id", "selected", "granted"]].to_dict("list")
    {'id': ['A1', 'A2'], 'selected': [True, False], 'granted': [8000.0, 0.0]}
    """

    __slots__ = ("_spec", "_frame", "_payments", "_excluded")

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        id: str,  # the field's word for an application's identifier
        call: str,
        date: str,
        applicant: str,
        applicant_type: str | None = None,
        territory: str | None = None,
        territory_family: str | None = None,
        priority: str | None = None,
        requested: str,
        selected: str,
        granted: str | None = None,
        decision_date: str | None = None,
        payments: pd.DataFrame | None = None,
        payment_id: str | None = None,
        payment_date: str | None = None,
        payment_amount: str | None = None,
        on_invalid: str = "raise",
        pad: bool = False,
    ) -> None:
        declared = {"id": id, "call": call, "date": date, "applicant": applicant,
                    "applicant_type": applicant_type, "territory": territory,
                    "priority": priority, "requested": requested, "selected": selected,
                    "granted": granted, "decision_date": decision_date}
        paid = {"payment_id": payment_id, "payment_date": payment_date,
                "payment_amount": payment_amount}
        spec = ApplicationsSpec(
            columns=tuple((r, c) for r, c in declared.items() if c is not None),
            payment_columns=tuple((r, c) for r, c in paid.items() if c is not None),
            territory_family=territory_family, on_invalid=check_on_invalid(on_invalid))
        frame, payment_frame, excluded = _build(data, payments, spec, pad=pad)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_payments", payment_frame)
        object.__setattr__(self, "_excluded", excluded)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Applications is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        excluded = f", {len(self._excluded)} exclusions" if len(self._excluded) else ""
        return (f"Applications({len(self._frame)} applications, {len(self._payments)} "
                f"payments, calls={len(self.calls)}{excluded})")

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------------ reading

    @property
    def spec(self) -> ApplicationsSpec:
        """The description the applications were built from."""
        return self._spec

    @property
    def data(self) -> pd.DataFrame:
        """The applications kept, under their role names (a copy).

        Columns: ``row`` (0-based position in the caller's table), ``id``, ``call``,
        ``date`` (the day of application), ``year`` (of application), ``applicant``, the
        optional ``applicant_type``, ``territory``, ``priority`` (nullable boolean),
        ``requested``, ``selected`` (nullable boolean: missing = no decision yet),
        ``decided`` (bool), the optional ``granted`` (0 where missing) and
        ``decision_date``, ``funding_year`` (the year of the decision date, or of the
        application without one); with payments: ``paid`` (their sum), ``payments``
        (their count), ``first_payment`` and ``last_payment`` (dates, NaT if none).
        """
        return self._frame.copy()

    @property
    def payments_data(self) -> pd.DataFrame:
        """The payments kept (a copy): ``row`` (0-based position in the caller's payments
        table), ``id``, ``date``, ``year`` and ``amount``; empty without payments."""
        return self._payments.copy()

    @property
    def excluded(self) -> pd.DataFrame:
        """The rows set aside (``on_invalid="exclude"``), one per (row, rule broken):
        ``table`` (``"applications"`` or ``"payments"``), ``row`` (1-based, as in the
        messages), ``rule`` (a key of :data:`EXCLUSION_RULES`), ``column`` (the caller's
        column), ``value`` (the offending value as text) and ``message``."""
        return self._excluded.copy()

    @property
    def has_payments(self) -> bool:
        """Whether a payments table was given."""
        return bool(self._spec.payment_columns)

    @property
    def calls(self) -> tuple[str, ...]:
        """The calls for projects, in order."""
        return tuple(sorted(self._frame["call"].unique()))

    @property
    def years(self) -> tuple[int, ...]:
        """The years of application, in order."""
        return tuple(int(y) for y in np.unique(self._frame["year"]))

    def has(self, *roles: str) -> bool:
        """Whether every one of ``roles`` was declared (``payments`` for a payments table)."""
        return all(self.has_payments if r == "payments" else self._spec.has(r) for r in roles)

    def require(self, what: str, *roles: str) -> None:
        """An :class:`InputError` saying that ``what`` needs ``roles`` declared."""
        missing = [r for r in roles if not self.has(r)]
        if missing:
            raise InputError(f"{what} needs {', '.join(missing)}: declare "
                             f"{' and '.join(f'{r}=' for r in missing)} when building the "
                             "Applications")

    def group_roles(self, by: Sequence[str] | str | None) -> tuple[str, ...]:
        """The roles of ``by`` (among :data:`GROUP_ROLES`), given as roles or as the
        table's own column names.

        Raises
        ------
        InputError
            For a name that is neither a declared role to group by nor its column.
        """
        if by is None:
            return ()
        return roles_of(by, self.column_names(), "applications")

    def column_names(self) -> dict[str, str]:
        """Role -> the name a result gives its column, for the roles one may group by
        (the caller's column; ``year`` stays ``year``)."""
        declared = dict(self._spec.columns)
        return {r: ("year" if r == "year" else declared[r]) for r in GROUP_ROLES
                if r == "year" or r in declared}

    # ------------------------------------------------------------------ summary

    def summary(self) -> str:
        """How many applications, decisions and payments; what was set aside and why."""
        frame = self._frame
        decided = int(frame["decided"].sum())
        selected = int(frame["selected"].fillna(False).sum())
        lines = [f"{len(frame):,} applications to {len(self.calls)} calls "
                 f"({', '.join(map(str, self.years))}): {decided:,} decided, {selected:,} "
                 f"selected, {len(frame) - decided:,} without a decision yet."]
        if self.has_payments:
            lines.append(f"{len(self._payments):,} payments.")
        if len(self._excluded):
            for table in (APPLICATIONS, PAYMENTS):
                part = self._excluded.loc[self._excluded["table"] == table]
                if len(part):
                    counts = part["rule"].value_counts(sort=False)
                    lines.append(f"Excluded: {part['row'].nunique():,} rows of the {table} "
                                 "table (by rule: " + ", ".join(
                                     f"{rule} {n:,}" for rule, n in counts.items()) + ").")
        return "\n".join(lines)


# ---------------------------------------------------------------------- validation

def _build(data: pd.DataFrame, payments: pd.DataFrame | None, spec: ApplicationsSpec, *,
           pad: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    _check_declaration(data, payments, spec)
    found = RowProblems(EXCLUSION_RULES)
    apps = ApplicationRows(data, spec, pad, found)
    pays = PaymentRows(payments, spec, apps, found) if payments is not None else None
    if spec.on_invalid == "raise":
        found.raise_if_any("The applications cannot be used as they are:")
    keep = ~found.mask(APPLICATIONS, len(data))
    if not keep.any():
        raise DataError("Every application breaks a rule; none would be left:",
                        found.messages(APPLICATIONS))
    frame = apps.frame(keep)
    if pays is None:
        payment_frame = pd.DataFrame({"row": pd.Series(dtype=np.int64),
                                      "id": pd.Series(dtype=object),
                                      "date": pd.Series(dtype="datetime64[ns]"),
                                      "year": pd.Series(dtype=np.int64),
                                      "amount": pd.Series(dtype=float)})
    else:
        kept = ~found.mask(PAYMENTS, pays.n)
        if pays.n and not kept.any():
            raise DataError("Every payment breaks a rule; none would be left:",
                            found.messages(PAYMENTS))
        payment_frame = pays.frame(kept)
        attach_payments(frame, payment_frame, pays.application[kept], keep)
    return frame, payment_frame, found.excluded((APPLICATIONS, PAYMENTS))


def _check_declaration(data: pd.DataFrame, payments: pd.DataFrame | None,
                       spec: ApplicationsSpec) -> None:
    problems = Problems()
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    if payments is not None and not isinstance(payments, pd.DataFrame):
        raise InputError(f"payments: must be a pandas DataFrame; got {type(payments).__name__}")
    tables = [("", data, spec.columns)]
    if payments is not None:
        tables.append(("payments ", payments, spec.payment_columns))
        missing = [r for r in PAYMENT_ROLES if not spec.has(r)]
        if missing:
            problems.add(f"payments: needs {', '.join(f'{r}=' for r in missing)} (the "
                         "columns of the application's identifier, the date and the amount "
                         "of each payment); got none")
    elif spec.payment_columns:
        role, column = spec.payment_columns[0]
        problems.add(f"{role}={column!r}: needs payments= (the table of payments); got none")
    for what, table, columns in tables:
        used: dict[str, str] = {}
        for role, column in columns:
            if not isinstance(column, str):
                problems.add(f"{role}={column!r}: must be a column name (text); got "
                             f"{type(column).__name__}")
                continue
            if column not in table.columns:
                problems.add(f"{role}={column!r}: must be a column of the {what}table; its "
                             f"columns are {describe_columns(table.columns)}")
            elif column in used:
                problems.add(f"{role}={column!r}: the column is already declared as "
                             f"{used[column]}; each role needs its own column")
            used.setdefault(column, role)
    family = spec.territory_family
    if family is not None and family not in FAMILIES:
        problems.add(f"territory_family={family!r}: must be one of "
                     f"{', '.join(map(repr, FAMILIES))}; got {family!r}")
    if family is not None and not spec.has("territory"):
        problems.add(f"territory_family={family!r}: needs territory= (the column of codes); "
                     "got none")
    problems.raise_if_any(DataError, "The applications cannot be used as they are:")
    for _, table, columns in tables:
        for role, column in columns:
            if role in ("requested", "granted", "payment_amount"):
                series = table[column]
                if not (pd.api.types.is_numeric_dtype(series.dtype)
                        and not pd.api.types.is_bool_dtype(series.dtype)):
                    problems.add(non_numeric_problem(f"{role}={column!r}", series,
                                                     np.arange(len(table))))
    problems.raise_if_any(DataError, "The applications cannot be used as they are:")
    if not len(data):
        raise DataError("The applications cannot be used as they are: the table has no rows")
