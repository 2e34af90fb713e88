"""Selection rates of calls for projects, and the share of the amounts asked that was granted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.programmes._grouping import group_sums, long_table, ratio
from evalkit.programmes.applications import Applications

__all__ = ["SelectionRates", "selection_rates"]

_COUNTS = ("applications", "decided", "undecided", "selected")
_AMOUNTS = ("requested", "requested_decided", "requested_selected", "granted")


@dataclass(frozen=True)
class SelectionRates:
    """Applications, decisions and amounts by group. Build it with :func:`selection_rates`.

    Attributes
    ----------
    by
        The groups' columns (the caller's column names; ``year`` is the year of application).
    table
        One row per group: the ``by`` columns, ``applications``, ``decided``,
        ``undecided`` (no decision yet: counted apart, in no rate), ``selected``,
        ``selection_rate`` (= selected / decided), ``requested`` (every application),
        ``requested_decided``, ``requested_selected``; with grants: ``granted``,
        ``granted_to_requested`` (= granted / requested_decided: the share of what the
        decided applications asked that was granted) and ``granted_to_requested_selected``
        (= granted / requested_selected: the share of their request the selected ones
        received). A rate is missing where its denominator is zero; shares are 0-1.
    """

    by: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)

    @property
    def measures(self) -> tuple[str, ...]:
        """The table's columns other than the groups'."""
        return tuple(c for c in self.table.columns if c not in self.by)

    def tidy(self) -> pd.DataFrame:
        """One row per group and measure: the ``by`` columns, ``measure`` and ``value``."""
        return long_table(self.table, self.by, self.measures)

    def summary(self) -> str:
        """The overall rates, and the range of the selection rate over the groups."""
        t = self.table
        decided, selected = int(t["decided"].sum()), int(t["selected"].sum())
        lines = [f"Selection by {', '.join(self.by) or 'all applications'}: "
                 f"{int(t['applications'].sum()):,} applications, {selected:,} selected of "
                 f"{decided:,} decided ({_share(selected, decided)}); "
                 f"{int(t['undecided'].sum()):,} without a decision yet, counted apart."]
        if "granted" in t:
            granted, asked = float(t["granted"].sum()), float(t["requested_decided"].sum())
            lines.append(f"Granted {granted:,.2f} of the {asked:,.2f} requested by decided "
                         f"applications ({_share(granted, asked)}).")
        rates = t["selection_rate"].dropna()
        if self.by and len(rates) > 1:
            lines.append(f"Selection rate from {rates.min():.1%} to {rates.max():.1%} over "
                         f"{len(rates)} groups.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole > 0 else "no rate"


def selection_rates(applications: Applications, *,
                    by: Sequence[str] | str | None = "call") -> SelectionRates:
    """How many applications were selected, and how much of the amounts asked was granted.

    For each group of ``by``:

    - ``selection_rate`` = selected / decided: the applications still without a decision
      are left out of the rate (they are counted apart in ``undecided``), so the rate of
      a call still under review is the rate among the applications already decided;
    - ``granted_to_requested`` = granted / requested by the decided applications;
    - ``granted_to_requested_selected`` = granted / requested by the selected ones.

    Each rate is a ratio of sums over the group, never a mean of rates.

    Parameters
    ----------
    applications
        The applications.
    by
        What to group by: any of ``call``, ``applicant_type``, ``territory``,
        ``priority``, ``year`` (of application), declared roles or their column names;
        ``None`` for the whole table.

    Returns
    -------
    SelectionRates

    Raises
    ------
    InputError
        For a ``by`` that is not a role declared (or its column).
    """
    roles = applications.group_roles(by)
    frame = applications.data
    decided = frame["decided"].to_numpy()
    selected = frame["selected"].fillna(False).to_numpy(dtype=bool)
    requested = frame["requested"].to_numpy()
    work = pd.DataFrame({r: frame[r] for r in roles}, index=frame.index)
    work["applications"] = 1
    work["decided"] = decided.astype(np.int64)
    work["undecided"] = (~decided).astype(np.int64)
    work["selected"] = selected.astype(np.int64)
    work["requested"] = requested
    work["requested_decided"] = np.where(decided, requested, 0.0)
    work["requested_selected"] = np.where(selected, requested, 0.0)
    amounts = list(_AMOUNTS[:3])
    if applications.has("granted"):
        work["granted"] = frame["granted"].to_numpy()
        amounts.append("granted")
    table = group_sums(work, roles, [*_COUNTS, *amounts])
    table.insert(len(roles) + len(_COUNTS), "selection_rate",
                 ratio(table["selected"], table["decided"]))
    if "granted" in table:
        table["granted_to_requested"] = ratio(table["granted"], table["requested_decided"])
        table["granted_to_requested_selected"] = ratio(table["granted"],
                                                       table["requested_selected"])
    labels = {r: applications.column_names()[r] for r in roles}
    return SelectionRates(by=tuple(labels.values()), table=table.rename(columns=labels))
