"""How long applications wait: from application to decision, and from decision to payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.programmes.applications import Applications

__all__ = ["DELAYS", "Delays", "delays"]

#: Each delay measured: (name, from, to).
DELAYS: tuple[tuple[str, str, str], ...] = (
    ("application_to_decision", "application", "decision"),
    ("decision_to_first_payment", "decision", "first payment"),
    ("decision_to_last_payment", "decision", "last payment"),
    ("application_to_first_payment", "application", "first payment"),
)
# Why an application is not counted in a delay (every application falls in one place).
_APART = ("undecided", "not_selected", "without_decision_date", "unpaid")
_COUNTED = len(_APART)  # the code of "counted"
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Delays:
    """Delays in days by group. Build it with :func:`delays`.

    Attributes
    ----------
    by
        The groups' columns (the caller's column names).
    threshold
        The number of days ``share_above`` is measured against.
    table
        One row per group and delay (``measure``, see :data:`DELAYS`): the ``by``
        columns, ``measure``, ``applications`` (every application of the group),
        ``counted`` (those the delay is measured on), the applications counted apart:
        ``undecided`` (no decision yet), ``not_selected`` (no payment to wait for),
        ``without_decision_date`` (decided, date not known) and ``unpaid`` (selected,
        nothing paid yet), so that ``applications = counted + undecided + not_selected +
        without_decision_date + unpaid``; then over the counted ones, in days: ``median``,
        ``q1`` and ``q3`` (quartiles, linear interpolation between order statistics:
        numpy's default, Hyndman and Fan's type 7), ``mean``, ``above`` (how many took
        more than ``threshold`` days) and ``share_above`` (= above / counted).
    """

    by: tuple[str, ...]
    threshold: float
    table: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per group, delay and statistic: the ``by`` columns, ``measure``,
        ``statistic`` and ``value``."""
        stats = [c for c in self.table.columns if c not in (*self.by, "measure")]
        return self.table.melt(id_vars=[*self.by, "measure"], value_vars=stats,
                               var_name="statistic", value_name="value")

    def summary(self) -> str:
        """Each delay's median and share above the threshold over every group."""
        lines = [f"Delays in days{' by ' + ', '.join(self.by) if self.by else ''} "
                 f"(share above {self.threshold:g} days):"]
        t = self.table
        for name, start, end in DELAYS:
            part = t.loc[t["measure"] == name]
            if not len(part):
                continue
            counted = int(part["counted"].sum())
            apart = ", ".join(f"{int(part[a].sum()):,} {a.replace('_', ' ')}" for a in _APART
                              if part[a].sum())
            if self.by:
                medians = part["median"].dropna()
                value = (f"median from {medians.min():g} to {medians.max():g} days over "
                         f"{len(medians)} groups" if len(medians) else "no delay measured")
            else:
                value = (f"median {part['median'].iloc[0]:g} days, "
                         f"{part['share_above'].iloc[0]:.1%} above" if counted
                         else "no delay measured")
            lines.append(f"- {start} to {end}: {counted:,} measured, {value}"
                         + (f"; apart: {apart}" if apart else "") + ".")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def delays(applications: Applications, *, by: Sequence[str] | str | None = None,
           threshold: float = 90) -> Delays:
    """Days from application to decision, from decision to the first and the last payment,
    and from application to the first payment.

    Each delay is the number of days between two dates of an application (the day of
    payment minus the day of decision ...). An application the delay cannot be measured
    on is counted apart, never dropped silently: not decided yet, not selected (for the
    delays to payment), decided without a known date, or selected and not paid yet.

    Parameters
    ----------
    applications
        The applications, with ``decision_date`` declared for the delays from the
        decision, and payments for the delays to payment (the delays that cannot be
        measured are left out of the table).
    by
        What to group by (see :func:`~evalkit.programmes.selection.selection_rates`);
        ``None`` (default) for the whole table.
    threshold
        A number of days: ``share_above`` is the share of delays longer than it
        (default 90, about three months).

    Returns
    -------
    Delays

    Raises
    ------
    InputError
        When neither ``decision_date`` nor payments were declared, for a bad
        ``threshold`` or an unknown ``by``.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
            or not np.isfinite(threshold) or threshold < 0:
        raise InputError(f"threshold={threshold!r}: must be a number of days, zero or more; "
                         f"got {threshold!r}")
    has_decision, has_payments = applications.has("decision_date"), applications.has("payments")
    if not (has_decision or has_payments):
        raise InputError("delays needs decision_date= or payments= (with payment_id=, "
                         "payment_date= and payment_amount=) declared when building the "
                         "Applications")
    roles = list(applications.group_roles(by))
    frame = applications.data
    n = len(frame)
    if roles:
        group = frame.groupby(roles, sort=True, dropna=False, observed=True).ngroup().to_numpy()
        keys = (frame[roles].assign(_g=group).drop_duplicates("_g").sort_values("_g")
                .drop(columns="_g").reset_index(drop=True))
    else:
        group = np.zeros(n, dtype=np.int64)
        keys = pd.DataFrame(index=range(1))
    measured = _measures(frame, has_decision, has_payments)
    parts = []
    for m, (name, days, where) in enumerate(measured):
        part = _statistics(group, len(keys), days, where, threshold)
        part.insert(0, "measure", name)
        part.insert(0, "_m", m)
        parts.append(pd.concat([keys, part], axis=1))
    table = pd.concat(parts, ignore_index=True)
    table["_g"] = np.tile(np.arange(len(keys)), len(measured))
    table = (table.sort_values(["_g", "_m"], kind="stable").drop(columns=["_g", "_m"])
             .reset_index(drop=True))
    labels = {r: applications.column_names()[r] for r in roles}
    return Delays(by=tuple(labels.values()), threshold=float(threshold),
                  table=table.rename(columns=labels))


def _measures(frame: pd.DataFrame, has_decision: bool,
              has_payments: bool) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each delay measurable: its name, the days (NaN where not counted), and where each
    application falls (an index of :data:`_APART`, or ``_COUNTED``)."""
    applied = frame["date"].to_numpy()
    decided = frame["decided"].to_numpy()
    selected = frame["selected"].fillna(False).to_numpy(dtype=bool)
    out = []
    base = np.where(~decided, 0, _COUNTED)  # undecided, else counted (refined below)
    if has_decision:
        decision = frame["decision_date"].to_numpy()
        no_date = np.isnat(decision)
        where = np.where(decided & no_date, 2, base)
        out.append(("application_to_decision", (decision - applied) / _DAY, where))
    if has_payments:
        paid = frame["payments"].to_numpy() > 0
        pay_base = np.where(~decided, 0, np.where(~selected, 1, _COUNTED))
        first = frame["first_payment"].to_numpy()
        last = frame["last_payment"].to_numpy()
        if has_decision:
            where = np.where(pay_base != _COUNTED, pay_base,
                             np.where(no_date, 2, np.where(~paid, 3, _COUNTED)))
            out.append(("decision_to_first_payment", (first - decision) / _DAY, where))
            out.append(("decision_to_last_payment", (last - decision) / _DAY, where))
        where = np.where(pay_base != _COUNTED, pay_base, np.where(~paid, 3, _COUNTED))
        out.append(("application_to_first_payment", (first - applied) / _DAY, where))
    return [(name, np.where(where == _COUNTED, days, np.nan), where)
            for name, days, where in out]


def _statistics(group: np.ndarray, n_groups: int, days: np.ndarray, where: np.ndarray,
                threshold: float) -> pd.DataFrame:
    out = pd.DataFrame({"applications": np.bincount(group, minlength=n_groups)})
    out["counted"] = np.bincount(group[where == _COUNTED], minlength=n_groups)
    for code, name in enumerate(_APART):
        out[name] = np.bincount(group[where == code], minlength=n_groups)
    counted = where == _COUNTED
    values = pd.Series(days[counted])
    grouped = values.groupby(group[counted])
    if counted.any():
        quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        quartiles = quartiles.reindex(index=range(n_groups), columns=[0.25, 0.5, 0.75])
    else:
        quartiles = pd.DataFrame(np.nan, index=range(n_groups), columns=[0.25, 0.5, 0.75])
    out["median"] = quartiles[0.5].to_numpy()
    out["q1"] = quartiles[0.25].to_numpy()
    out["q3"] = quartiles[0.75].to_numpy()
    out["mean"] = grouped.mean().reindex(range(n_groups)).to_numpy()
    above = np.bincount(group[counted], weights=(days[counted] > threshold),
                        minlength=n_groups).astype(np.int64)
    out["above"] = above
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_above"] = np.where(out["counted"] > 0, above / out["counted"], np.nan)
    return out
