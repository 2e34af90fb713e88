"""The share of the applications, selections and money that reaches priority neighbourhoods.

In France, the *quartiers prioritaires de la politique de la ville* (QPV) are the
neighbourhoods the city policy (programme 147) targets; a call for projects records, for
each application, whether its project targets one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.programmes._grouping import group_sums, ratio
from evalkit.programmes.applications import Applications

__all__ = ["PriorityShare", "priority_share"]


@dataclass(frozen=True)
class PriorityShare:
    """What share reaches priority neighbourhoods, by group. Build it with
    :func:`priority_share`.

    Attributes
    ----------
    by
        The groups' columns (the caller's column names).
    measures
        What is shared out: ``applications`` and ``selected`` (counts), and, when
        declared, ``granted`` and ``paid`` (amounts).
    table
        One row per group: the ``by`` columns, then for each measure ``m``: ``m`` (the
        total), ``m_priority`` (of the applications targeting a priority neighbourhood),
        ``m_unknown`` (of the applications whose flag is missing) and ``m_share``
        (= m_priority / (m - m_unknown): the share among the applications whose flag is
        known; missing where that is zero).
    """

    by: tuple[str, ...]
    measures: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per group and measure: the ``by`` columns, ``measure``, ``total``,
        ``priority``, ``unknown`` and ``share``."""
        frames = []
        for m in self.measures:
            part = self.table[list(self.by)].copy()
            part["measure"] = m
            part["total"] = self.table[m].to_numpy(dtype=float)
            part["priority"] = self.table[f"{m}_priority"].to_numpy(dtype=float)
            part["unknown"] = self.table[f"{m}_unknown"].to_numpy(dtype=float)
            part["share"] = self.table[f"{m}_share"].to_numpy()
            frames.append(part)
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> str:
        """The overall shares, and how many applications have no flag."""
        t = self.table
        parts = []
        for m in self.measures:
            total, unknown = float(t[m].sum()), float(t[f"{m}_unknown"].sum())
            priority = float(t[f"{m}_priority"].sum())
            known = total - unknown
            share = f"{priority / known:.1%}" if known > 0 else "no share"
            parts.append(f"{m} {share}")
        unknown = int(t["applications_unknown"].sum())
        return (f"Share reaching priority neighbourhoods"
                f"{' by ' + ', '.join(self.by) if self.by else ''}: " + "; ".join(parts)
                + f". {unknown:,} applications without the flag are left out of the shares.")

    def __str__(self) -> str:
        return self.summary()


def priority_share(applications: Applications, *,
                   by: Sequence[str] | str | None = None) -> PriorityShare:
    """The share of the applications, of the selected ones and of the amounts granted and
    paid that target priority neighbourhoods.

    For each measure ``m`` (applications, selected, granted, paid) and group of ``by``:
    ``m_share = m_priority / (m - m_unknown)``, a ratio of sums over the applications
    whose priority flag is known; those without it are counted apart in ``m_unknown``.

    Parameters
    ----------
    applications
        The applications, with ``priority`` declared.
    by
        What to group by (see :func:`~evalkit.programmes.selection.selection_rates`);
        ``None`` (default) for the whole table.

    Returns
    -------
    PriorityShare

    Raises
    ------
    InputError
        When ``priority`` was not declared, or for an unknown ``by``.
    """
    applications.require("priority_share", "priority")
    roles = applications.group_roles(by)
    frame = applications.data
    flag = frame["priority"]
    unknown = flag.isna().to_numpy()
    priority = flag.fillna(False).to_numpy(dtype=bool)
    values = {"applications": np.ones(len(frame), dtype=np.int64),
              "selected": frame["selected"].fillna(False).to_numpy(dtype=bool).astype(np.int64)}
    if applications.has("granted"):
        values["granted"] = frame["granted"].to_numpy()
    if applications.has("payments"):
        values["paid"] = frame["paid"].to_numpy()
    work = pd.DataFrame({r: frame[r] for r in roles}, index=frame.index)
    columns = []
    for m, v in values.items():
        work[m] = v
        work[f"{m}_priority"] = np.where(priority, v, 0)
        work[f"{m}_unknown"] = np.where(unknown, v, 0)
        columns += [m, f"{m}_priority", f"{m}_unknown"]
    table = group_sums(work, roles, columns)
    for m in values:
        share = ratio(table[f"{m}_priority"], table[m] - table[f"{m}_unknown"])
        table.insert(table.columns.get_loc(f"{m}_unknown") + 1, f"{m}_share", share)
    labels = {r: applications.column_names()[r] for r in roles}
    return PriorityShare(by=tuple(labels.values()), measures=tuple(values),
                         table=table.rename(columns=labels))
