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
from evalkit.data.checks import ROWS_COUNTED, float_values, non_numeric_problem, rows_text
from evalkit.errors import DataError, InputError
from evalkit.programmes._readers import (
    DATE_SPELLINGS,
    read_codes,
    read_dates,
    read_flags,
    read_text,
)
from evalkit.programmes._row_rules import RowProblems, check_on_invalid
from evalkit.territories import FAMILIES
from evalkit.territories.codes import PAD_HINT

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

_CENT = 0.005  # amounts are compared to the half cent: a sum of instalments may round
_YES_NO = "expected yes or no: oui/non, yes/no, true/false, vrai/faux or 1/0"
_APPLICATIONS, _PAYMENTS = "applications", "payments"


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
        by = (by,) if isinstance(by, str) else tuple(by)
        names = self.column_names()
        of_column = {c: r for r, c in names.items()}
        roles, problems = [], []
        for name in by:
            if name in names:
                roles.append(name)
            elif name in of_column:
                roles.append(of_column[name])
            else:
                problems.append(f"by={name!r}: must be one of {', '.join(map(repr, names))} "
                                f"(or their columns); got {name!r}")
        if problems:
            raise InputError("Cannot group the applications:", problems)
        return tuple(dict.fromkeys(roles))

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
            for table in (_APPLICATIONS, _PAYMENTS):
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
    apps = _Applications(data, spec, pad, found)
    pays = _Payments(payments, spec, apps, found) if payments is not None else None
    if spec.on_invalid == "raise":
        found.raise_if_any("The applications cannot be used as they are:")
    keep = ~found.mask(_APPLICATIONS, len(data))
    if not keep.any():
        raise DataError("Every application breaks a rule; none would be left:",
                        found.messages(_APPLICATIONS))
    frame = apps.frame(keep)
    if pays is None:
        payment_frame = pd.DataFrame({"row": pd.Series(dtype=np.int64),
                                      "id": pd.Series(dtype=object),
                                      "date": pd.Series(dtype="datetime64[ns]"),
                                      "year": pd.Series(dtype=np.int64),
                                      "amount": pd.Series(dtype=float)})
    else:
        kept = ~found.mask(_PAYMENTS, pays.n)
        if pays.n and not kept.any():
            raise DataError("Every payment breaks a rule; none would be left:",
                            found.messages(_PAYMENTS))
        payment_frame = pays.frame(kept)
        _attach_payments(frame, payment_frame, pays.application[kept], keep)
    return frame, payment_frame, found.excluded((_APPLICATIONS, _PAYMENTS))


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


class _Checker:
    """Words each rule broken by some rows of one table, and records it."""

    def __init__(self, found: RowProblems, table: str, noun: str, data: pd.DataFrame,
                 columns: dict[str, str]) -> None:
        self.found, self.table, self.noun, self.data = found, table, noun, data
        self.columns, self.n = columns, len(data)

    def __call__(self, rule: str, role: str, mask: np.ndarray, what: str, *,
                 shown: str = "", hint: str = "") -> None:
        if not mask.any():
            return
        column = self.columns[role]
        where = np.flatnonzero(mask)
        values = f"{shown}; " if shown else ""
        message = (f"{role}={column!r}: {where.size:,} of {self.n:,} {self.noun} {what} "
                   f"({values}{rows_text(where)}; {ROWS_COUNTED})" + (f"; {hint}" if hint
                                                                      else ""))
        self.found.add(self.table, rule, column, where, self.data[column].iloc[where], message)

    def values(self, role: str, mask: np.ndarray, limit: int = 5) -> str:
        """The first distinct offending values of ``role``'s column, quoted."""
        raw = self.data[self.columns[role]].iloc[np.flatnonzero(mask)]
        return ", ".join(repr(str(v)) for v in pd.unique(raw.astype(str))[:limit])


def _amounts(check: _Checker, role: str, *, required: bool) -> np.ndarray:
    """An amount column as floats (NaN where missing), after its checks."""
    values = float_values(check.data[check.columns[role]])
    if required:
        check("missing_amount", role, np.isnan(values), "have no amount",
              hint="every row needs its amount")
    check("non_finite_amount", role, np.isinf(values), "have an infinite amount")
    negative = values < 0
    check("negative_amount", role, negative, "have a negative amount",
          shown=f"down to {float(values[negative].min()):,.2f}" if negative.any() else "",
          hint="amounts must be zero or more")
    return values


def _dates(check: _Checker, role: str, *, required: bool) -> np.ndarray:
    days, missing, unreadable = read_dates(check.data[check.columns[role]])
    if required:
        check("missing_date", role, missing, "have no date")
    check("unreadable_date", role, unreadable, "have a date that cannot be read",
          shown=check.values(role, unreadable), hint=f"expected {DATE_SPELLINGS}")
    return days


class _Applications:
    """The applications table read and checked (every row; the caller keeps the valid)."""

    def __init__(self, data: pd.DataFrame, spec: ApplicationsSpec, pad: bool,
                 found: RowProblems) -> None:
        columns = dict(spec.columns)
        check = _Checker(found, _APPLICATIONS, "applications", data, columns)
        self.spec, self.columns = spec, columns
        ids = read_text(data[columns["id"]])
        no_id = pd.isna(ids)
        check("missing_id", "id", no_id, "have no identifier",
              hint="every application needs one")
        duplicated = ~no_id & pd.Series(ids).duplicated(keep=False).to_numpy()
        check("duplicate_id", "id", duplicated, "share their identifier with another row",
              shown=check.values("id", duplicated),
              hint="each application must appear once (every copy is listed)")
        self.ids, self.first = ids, ~no_id & ~pd.Series(ids).duplicated().to_numpy()
        self.text = {}
        for role, rule, what in (("call", "missing_call", "name no call for projects"),
                                 ("applicant", "missing_applicant", "name no applicant")):
            self.text[role] = read_text(data[columns[role]])
            check(rule, role, pd.isna(self.text[role]), what)
        if "applicant_type" in columns:
            self.text["applicant_type"] = read_text(data[columns["applicant_type"]])
        self.date = _dates(check, "date", required=True)
        self.decision_date = (_dates(check, "decision_date", required=False)
                              if "decision_date" in columns else None)
        if "territory" in columns:
            self.territory = self._territory(check, data[columns["territory"]], pad)
        self.flags = {}
        for role in ("priority", "selected"):
            if role in columns:
                flags, bad = read_flags(data[columns[role]])
                check("unreadable_flag", role, bad, "have a yes/no value that cannot be read",
                      shown=check.values(role, bad), hint=_YES_NO)
                self.flags[role], self.flags[f"{role}_bad"] = flags, bad
        self.requested = _amounts(check, "requested", required=True)
        self.granted = None
        if "granted" in columns:
            granted = _amounts(check, "granted", required=False)
            comparable = np.isfinite(self.requested) & (self.requested >= 0)
            above = comparable & (granted > self.requested + _CENT)
            pairs = [f"{g:,.2f} for {r:,.2f} requested" for g, r in
                     zip(granted[above][:3], self.requested[above][:3], strict=True)]
            check("grant_above_requested", "granted", above,
                  "have an amount granted above the amount requested",
                  shown=", ".join(pairs))
            not_selected = (self.flags["selected"] != 1.0) & ~self.flags["selected_bad"]
            check("grant_without_selection", "granted", (granted > 0) & not_selected,
                  "have an amount granted but were not selected (rejected, or not decided "
                  "yet)", hint=f"the decision is in {columns['selected']!r}")
            self.granted = np.where(np.isnan(granted), 0.0, granted)
        if self.decision_date is not None:
            before = self.decision_date < self.date  # NaT compares False
            check("decision_before_application", "decision_date", before,
                  "are decided before the date of application",
                  hint=f"the date of application is in {columns['date']!r}")

    def _territory(self, check: _Checker, values: pd.Series, pad: bool) -> np.ndarray:
        family = self.spec.territory_family
        codes, malformed, lost, unknown = read_codes(values, family, pad=pad)
        if family is not None:
            label = FAMILIES[family].label
            check("malformed_code", "territory", malformed, f"have a code that is not {label}",
                  shown=check.values("territory", malformed))
            check("lost_leading_zeros", "territory", lost,
                  "have a code that lost its leading zeros",
                  shown=check.values("territory", lost),
                  hint=f"read the column as text, or ask for zero-padding: {PAD_HINT}")
            check("unknown_code", "territory", unknown,
                  "have a code unknown to the French referential (INSEE official geography)",
                  shown=check.values("territory", unknown),
                  hint="check the code, or whether the commune has merged since")
        return codes

    def frame(self, keep: np.ndarray) -> pd.DataFrame:
        """The valid applications under their role names."""
        positions = np.flatnonzero(keep)
        date = self.date[keep]
        out: dict[str, object] = {"row": positions, "id": self.ids[keep],
                                  "call": self.text["call"][keep], "date": date,
                                  "year": pd.DatetimeIndex(date).year.to_numpy(np.int64),
                                  "applicant": self.text["applicant"][keep]}
        if "applicant_type" in self.text:
            out["applicant_type"] = self.text["applicant_type"][keep]
        if "territory" in self.columns:
            out["territory"] = self.territory[keep]
        if "priority" in self.flags:
            out["priority"] = _booleans(self.flags["priority"][keep])
        out["requested"] = self.requested[keep]
        selected = self.flags["selected"][keep]
        out["selected"] = _booleans(selected)
        out["decided"] = ~np.isnan(selected)
        if self.granted is not None:
            out["granted"] = self.granted[keep]
        funding = pd.DatetimeIndex(date).year.to_numpy(np.int64)
        if self.decision_date is not None:
            decision = self.decision_date[keep]
            out["decision_date"] = decision
            known = ~np.isnat(decision)
            funding = np.where(known, pd.DatetimeIndex(decision).year.fillna(0)
                               .to_numpy(np.int64), funding)
        out["funding_year"] = funding
        return pd.DataFrame(out)


def _booleans(flags: np.ndarray) -> pd.arrays.BooleanArray:
    missing = np.isnan(flags)
    return pd.arrays.BooleanArray(np.where(missing, 0.0, flags).astype(bool), missing)


class _Payments:
    """The payments table read and checked against the applications."""

    def __init__(self, data: pd.DataFrame, spec: ApplicationsSpec, apps: _Applications,
                 found: RowProblems) -> None:
        columns = dict(spec.payment_columns)
        check = _Checker(found, _PAYMENTS, "payments", data, columns)
        self.n = len(data)
        ids = read_text(data[columns["payment_id"]])
        no_id = pd.isna(ids)
        check("missing_id", "payment_id", no_id, "have no application identifier")
        self.ids = ids
        self.date = _dates(check, "payment_date", required=True)
        self.amount = _amounts(check, "payment_amount", required=True)
        # which application each payment is for: the first copy of each identifier; with
        # on_invalid="exclude", only the applications kept
        excluded_apps = found.mask(_APPLICATIONS, len(apps.ids))
        if spec.on_invalid == "raise":
            usable = apps.first
        else:
            usable = apps.first & ~excluded_apps
        index = pd.Index(apps.ids[usable])
        application = np.full(self.n, -1, dtype=np.int64)
        where = index.get_indexer(pd.Index(ids))
        application[where >= 0] = np.flatnonzero(usable)[where[where >= 0]]
        anywhere = pd.Index(apps.ids[~pd.isna(apps.ids)]).unique()
        unknown = ~no_id & (anywhere.get_indexer(pd.Index(ids)) < 0)
        check("unknown_application", "payment_id", unknown,
              "are for an identifier that is no application of the table",
              shown=check.values("payment_id", unknown))
        check("application_excluded", "payment_id", ~no_id & ~unknown & (application < 0),
              "are for an application that was itself set aside",
              shown=check.values("payment_id", ~no_id & ~unknown & (application < 0)))
        linked = application >= 0
        at = np.maximum(application, 0)
        selected = apps.flags["selected"][at]
        without = linked & (selected != 1.0) & ~apps.flags["selected_bad"][at]
        check("payment_without_decision", "payment_id", without,
              "are for an application without a positive decision (rejected, or not "
              "decided yet)", shown=check.values("payment_id", without))
        if apps.decision_date is not None:
            decided_on = np.where(linked, apps.decision_date[at], np.datetime64("NaT"))
        else:
            decided_on = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
        before = linked & (self.date < decided_on)
        check("payment_before_decision", "payment_date", before,
              "are dated before the decision on their application",
              hint=f"the decision date is in the applications' "
                   f"{apps.columns.get('decision_date')!r}")
        early = linked & np.isnat(decided_on) & (self.date < apps.date[at])
        check("payment_before_application", "payment_date", early,
              "are dated before their application (whose decision date is not known)")
        if apps.granted is not None:
            ok = linked & ~found.mask(_PAYMENTS, self.n)
            paid = np.bincount(application[ok], weights=self.amount[ok],
                               minlength=len(apps.ids))
            over_app = paid > apps.granted + _CENT
            over = ok & over_app[at]
            shown = ", ".join(f"{apps.ids[a]!r}: {paid[a]:,.2f} paid for {apps.granted[a]:,.2f}"
                              f" granted" for a in np.flatnonzero(over_app)[:3])
            check("payments_above_grant", "payment_amount", over,
                  "add up, per application, to more than the amount granted", shown=shown,
                  hint="every payment of those applications is listed")
        self.application = application

    def frame(self, keep: np.ndarray) -> pd.DataFrame:
        date = self.date[keep]
        return pd.DataFrame({"row": np.flatnonzero(keep), "id": self.ids[keep], "date": date,
                             "year": pd.DatetimeIndex(date).year.to_numpy(np.int64),
                             "amount": self.amount[keep]})


def _attach_payments(frame: pd.DataFrame, payments: pd.DataFrame, application: np.ndarray,
                     keep: np.ndarray) -> None:
    """Add each application's ``paid``, ``payments``, ``first_payment``, ``last_payment``."""
    position = np.cumsum(keep) - 1  # caller's row -> row of the frame (for rows kept)
    at = position[application]
    n = len(frame)
    frame["paid"] = np.bincount(at, weights=payments["amount"].to_numpy(), minlength=n)
    frame["payments"] = np.bincount(at, minlength=n).astype(np.int64)
    days = payments["date"].to_numpy().astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, at, days)
    np.maximum.at(last, at, days)
    none = frame["payments"].to_numpy() == 0
    frame["first_payment"] = np.where(none, np.datetime64("NaT"), first.astype("datetime64[ns]"))
    frame["last_payment"] = np.where(none, np.datetime64("NaT"), last.astype("datetime64[ns]"))
