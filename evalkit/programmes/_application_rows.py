"""Reading and checking the rows of applications and payments, each rule broken recorded.

:class:`~evalkit.programmes.applications.Applications` reads its tables with these: every
row is read, each rule broken by some rows is recorded (with the column, the rows and the
offending values) in a :class:`~evalkit.programmes._row_rules.RowProblems`, and the caller
then raises or keeps the valid rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit.data.checks import ROWS_COUNTED, float_values, rows_text
from evalkit.programmes._readers import (
    DATE_SPELLINGS,
    read_codes,
    read_dates,
    read_flags,
    read_text,
)
from evalkit.programmes._row_rules import RowProblems
from evalkit.territories import FAMILIES
from evalkit.territories.codes import PAD_HINT

if TYPE_CHECKING:
    from evalkit.programmes.applications import ApplicationsSpec

__all__ = ["APPLICATIONS", "PAYMENTS", "ApplicationRows", "PaymentRows", "attach_payments"]

#: The names of the two tables, as the ``table`` column of an excluded table says them.
APPLICATIONS, PAYMENTS = "applications", "payments"
_CENT = 0.005  # amounts are compared to the half cent: a sum of instalments may round
_YES_NO = "expected yes or no: oui/non, yes/no, true/false, vrai/faux or 1/0"


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


class ApplicationRows:
    """The applications table read and checked (every row; the caller keeps the valid)."""

    def __init__(self, data: pd.DataFrame, spec: ApplicationsSpec, pad: bool,
                 found: RowProblems) -> None:
        columns = dict(spec.columns)
        check = _Checker(found, APPLICATIONS, "applications", data, columns)
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


class PaymentRows:
    """The payments table read and checked against the applications."""

    def __init__(self, data: pd.DataFrame, spec: ApplicationsSpec, apps: ApplicationRows,
                 found: RowProblems) -> None:
        columns = dict(spec.payment_columns)
        check = _Checker(found, PAYMENTS, "payments", data, columns)
        self.n = len(data)
        ids = read_text(data[columns["payment_id"]])
        no_id = pd.isna(ids)
        check("missing_id", "payment_id", no_id, "have no application identifier")
        self.ids = ids
        self.date = _dates(check, "payment_date", required=True)
        self.amount = _amounts(check, "payment_amount", required=True)
        # which application each payment is for: the first copy of each identifier; with
        # on_invalid="exclude", only the applications kept
        excluded_apps = found.mask(APPLICATIONS, len(apps.ids))
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
            ok = linked & ~found.mask(PAYMENTS, self.n)
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


def attach_payments(frame: pd.DataFrame, payments: pd.DataFrame, application: np.ndarray,
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
