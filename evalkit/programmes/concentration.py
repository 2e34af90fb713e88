"""How concentrated the money of calls for projects is on a few beneficiaries.

Three measures over the beneficiaries' totals :math:`x_1, \\dots, x_n` (each applicant's
sum over its applications; only applicants with a positive amount are beneficiaries):

- the share of the ``k`` largest: :math:`\\sum_{r \\le k} x_{[r]} / \\sum_i x_i`, with
  :math:`x_{[1]} \\ge x_{[2]} \\ge \\dots`; when ``k >= n`` it is 1;
- the Gini coefficient, :math:`G = \\sum_i \\sum_j |x_i - x_j| / (2 n^2 \\bar{x})
  = 2 \\sum_i i\\, x_{(i)} / (n \\sum_i x_i) - (n + 1) / n` with
  :math:`x_{(1)} \\le \\dots \\le x_{(n)}`. The convention is the population one, without
  the small-sample factor :math:`n / (n - 1)`: equal amounts give 0, and one holder of
  everything among ``n`` gives :math:`(n - 1) / n` (0 with a single beneficiary), so a
  Gini over few beneficiaries stays below 1 however unequal they are;
- the Herfindahl-Hirschman index, :math:`HHI = \\sum_i s_i^2` with
  :math:`s_i = x_i / \\sum_j x_j`, on the 0-1 scale (competition authorities multiply
  by 10,000): :math:`1 / n` when the amounts are equal, 1 for a single beneficiary; its
  inverse :math:`1 / HHI` is the equivalent number of beneficiaries (as many equal ones
  would give the same index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError
from evalkit.programmes._grouping import long_table
from evalkit.programmes.applications import Applications

__all__ = ["Concentration", "concentration", "gini_coefficient", "herfindahl_index"]


def _amounts(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0 or not np.isfinite(x).all() or (x < 0).any() or x.sum() <= 0:
        raise InputError(f"{name}: must be finite amounts, zero or more, with a positive sum; "
                         f"got {x.size} values summing to {x.sum() if x.size else 0}")
    return x


def gini_coefficient(values: Sequence[float] | np.ndarray) -> float:
    """The Gini coefficient of amounts (zeros included), population convention.

    :math:`G = 2 \\sum_i i\\, x_{(i)} / (n \\sum_i x_i) - (n + 1) / n` over the ``n``
    values sorted in increasing order: 0 for equal amounts, :math:`(n - 1) / n` when one
    value holds everything (see the module's description).

    Examples
    --------
    >>> gini_coefficient([0, 0, 0, 10])
    0.75
    """
    x = np.sort(_amounts(values, "values"))
    n = x.size
    return float(2.0 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n)


def herfindahl_index(values: Sequence[float] | np.ndarray) -> float:
    """The Herfindahl-Hirschman index of amounts, :math:`\\sum_i s_i^2`, on the 0-1 scale.

    Examples
    --------
    >>> herfindahl_index([1, 1, 2])
    0.375
    """
    x = _amounts(values, "values")
    s = x / x.sum()
    return float(np.sum(s * s))


@dataclass(frozen=True)
class Concentration:
    """How concentrated an amount is on its beneficiaries. Build it with
    :func:`concentration`.

    Attributes
    ----------
    amount
        ``"granted"`` or ``"paid"``.
    by
        The groups' columns (the caller's column names).
    top
        The ``k`` of the top-``k`` shares.
    table
        One row per group of applications: the ``by`` columns, ``beneficiaries``
        (applicants with a positive amount), ``amount`` (their total), ``top_<k>_share``
        for each ``k`` (1 when ``k`` is at least the number of beneficiaries), ``gini``,
        ``hhi`` (0-1 scale) and ``equivalent_beneficiaries`` (= 1 / hhi). A group without
        any beneficiary has 0 of both and missing measures.
    beneficiaries
        One row per group and beneficiary, largest first: the ``by`` columns,
        ``applicant``, ``amount``, ``share`` (of the group's total) and ``rank`` (1 for
        the largest; ties ordered by applicant).
    """

    amount: str
    by: tuple[str, ...]
    top: tuple[int, ...]
    table: pd.DataFrame = field(repr=False)
    beneficiaries: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per group and measure: the ``by`` columns, ``measure`` and ``value``."""
        measures = [c for c in self.table.columns if c not in self.by]
        return long_table(self.table, self.by, measures)

    def summary(self) -> str:
        """The measures of the largest group (or of the whole table)."""
        t = self.table.loc[self.table["beneficiaries"] > 0]
        if not len(t):
            return f"No beneficiary with a positive amount {self.amount}."
        row = t.loc[t["amount"].idxmax()]
        where = (", ".join(f"{c}={row[c]}" for c in self.by) + ": ") if self.by else ""
        tops = ", ".join(f"top {k} {row[f'top_{k}_share']:.1%}" for k in self.top)
        head = (f"Concentration of the amount {self.amount}"
                + (f" by {', '.join(self.by)} ({len(t)} groups; the largest shown)"
                   if self.by else ""))
        return (f"{head}: {where}{int(row['beneficiaries']):,} beneficiaries share "
                f"{row['amount']:,.2f}; {tops}; Gini {row['gini']:.3f} (population "
                f"convention); HHI {row['hhi']:.4f}, as concentrated as "
                f"{row['equivalent_beneficiaries']:,.1f} equal beneficiaries.")

    def __str__(self) -> str:
        return self.summary()


def concentration(applications: Applications, *,
                  amount: Literal["granted", "paid"] = "granted",
                  by: Sequence[str] | str | None = None,
                  top: Sequence[int] = (1, 5, 10)) -> Concentration:
    """The share of the largest beneficiaries, the Gini coefficient and the
    Herfindahl-Hirschman index of the amounts granted (or paid).

    Each applicant's amounts are summed over its applications in the group (a
    beneficiary is an applicant with a positive total), then the measures of the
    module's description are computed over those totals, group by group.

    Parameters
    ----------
    applications
        The applications.
    amount
        ``"granted"`` (needs ``granted``) or ``"paid"`` (needs payments).
    by
        What to group by (see :func:`~evalkit.programmes.selection.selection_rates`);
        ``None`` (default) for the whole table.
    top
        The ``k`` of the shares of the ``k`` largest beneficiaries (positive integers).

    Returns
    -------
    Concentration

    Raises
    ------
    InputError
        For an unknown ``amount`` or ``by``, an amount not declared, or a bad ``top``.
    """
    problems = Problems()
    check_choice("amount", amount, ("granted", "paid"), problems)
    top_ks = (top,) if isinstance(top, int) else tuple(top)
    if not top_ks or not all(isinstance(k, int | np.integer) and not isinstance(k, bool)
                             and k >= 1 for k in top_ks) or len(set(top_ks)) < len(top_ks):
        problems.add(f"top={top!r}: must be distinct positive integers such as (1, 5, 10); "
                     f"got {top!r}")
    problems.raise_if_any(InputError, "Cannot compute the concentration:")
    applications.require(f"amount={amount!r}", "granted" if amount == "granted" else "payments")
    roles = list(applications.group_roles(by))
    frame = applications.data
    value = "granted" if amount == "granted" else "paid"
    if roles:
        group = frame.groupby(roles, sort=True, dropna=False, observed=True).ngroup().to_numpy()
        keys = (frame[roles].assign(_g=group).drop_duplicates("_g").sort_values("_g")
                .drop(columns="_g").reset_index(drop=True))
    else:
        group = np.zeros(len(frame), dtype=np.int64)
        keys = pd.DataFrame(index=range(1))
    n_groups = len(keys)
    per = (pd.DataFrame({"_g": group, "applicant": frame["applicant"].to_numpy(),
                         "amount": frame[value].to_numpy()})
           .groupby(["_g", "applicant"], sort=False)["amount"].sum().reset_index())
    per = per.loc[per["amount"].to_numpy() > 0]
    per = per.sort_values(["_g", "amount", "applicant"], ascending=[True, False, True],
                          kind="stable").reset_index(drop=True)
    g = per["_g"].to_numpy()
    x = per["amount"].to_numpy()
    n = np.bincount(g, minlength=n_groups)
    total = np.bincount(g, weights=x, minlength=n_groups).astype(float)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    rank = np.arange(len(per)) - starts[g] + 1  # 1 = the largest
    with np.errstate(divide="ignore", invalid="ignore"):
        share = x / total[g]
        ascending = n[g] - rank + 1  # i of x_(i), the values in increasing order
        gini = (2.0 * np.bincount(g, weights=ascending * x, minlength=n_groups)
                / (n * total) - (n + 1) / n)
        hhi = np.bincount(g, weights=share * share, minlength=n_groups)
        table = keys.copy()
        table["beneficiaries"] = n
        table["amount"] = total
        for k in top_ks:
            table[f"top_{k}_share"] = (np.bincount(g, weights=np.where(rank <= k, x, 0.0),
                                                   minlength=n_groups) / total)
        table["gini"] = gini
        table["hhi"] = hhi
        table["equivalent_beneficiaries"] = 1.0 / hhi
    empty = n == 0
    measures = [f"top_{k}_share" for k in top_ks] + ["gini", "hhi", "equivalent_beneficiaries"]
    table.loc[empty, measures] = np.nan
    beneficiaries = keys.iloc[g].reset_index(drop=True)
    beneficiaries["applicant"] = per["applicant"].to_numpy()
    beneficiaries["amount"] = x
    beneficiaries["share"] = share
    beneficiaries["rank"] = rank.astype(np.int64)
    labels = {r: applications.column_names()[r] for r in roles}
    return Concentration(amount=amount, by=tuple(labels.values()),
                         top=tuple(int(k) for k in top_ks), table=table.rename(columns=labels),
                         beneficiaries=beneficiaries.rename(columns=labels))
