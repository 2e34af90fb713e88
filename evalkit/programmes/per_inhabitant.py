"""Amounts of a budget per inhabitant by territory, with the referential's legal populations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.programmes.credit_lines import CreditLines
from evalkit.territories import Referential

__all__ = ["PerInhabitant", "per_inhabitant"]

_FRENCH_LEVELS = ("commune", "epci", "departement", "region")


@dataclass(frozen=True)
class PerInhabitant:
    """An amount per inhabitant by territory. Build it with :func:`per_inhabitant`.

    Attributes
    ----------
    amount
        The amount role summed (e.g. ``cp_paid``).
    level
        The territorial level of the rows.
    year
        The year counted, or ``None`` for every year of the lines.
    table
        One row per territory of ``level`` with at least one line: ``code``, ``name``,
        ``amount``, ``population`` (legal population from the referential),
        ``per_inhabitant`` (= ``amount / population``) and
        ``communes_without_population`` (communes of the territory the INSEE file gives
        no population for: the population is understated by theirs).
    without_territory
        ``(lines, amount)`` of the lines without a territorial code, left out.
    unassigned
        Codes that belong to no territory of ``level`` (their lines are left out).
    """

    amount: str
    level: str
    year: int | None
    table: pd.DataFrame = field(repr=False)
    without_territory: tuple[int, float] = (0, 0.0)
    unassigned: tuple[str, ...] = ()

    def tidy(self) -> pd.DataFrame:
        """The table with ``level``, ``amount_role`` and ``year`` columns added."""
        out = self.table.copy()
        out.insert(0, "level", self.level)
        out["amount_role"] = self.amount
        out["year"] = self.year
        return out

    #: What the rows left out without a territory are, in the summary.
    _LEFT_OUT = "lines"
    #: How the summary names the amount.
    _AMOUNT = "{amount}"

    def summary(self) -> str:
        """What was divided by what, and what was left out."""
        t = self.table
        lines = [self._AMOUNT.format(amount=self.amount)
                 + f" per inhabitant by {self.level}"
                 + (f" in {self.year}" if self.year is not None else "")
                 + f": {len(t)} territories"
                 + (f", from {t['per_inhabitant'].min():,.2f} to "
                    f"{t['per_inhabitant'].max():,.2f} per inhabitant." if len(t) else ".")]
        if self.without_territory[0]:
            lines.append(f"{self.without_territory[0]:,} {self._LEFT_OUT} without a territory "
                         f"({self.without_territory[1]:,.2f}) are left out.")
        if self.unassigned:
            lines.append(f"Codes in no {self.level}, left out: {', '.join(self.unassigned)}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def per_inhabitant(lines: CreditLines, *, level: str = "departement", amount: str = "cp_paid",
                   year: int | None = None,
                   referential: Referential | None = None) -> PerInhabitant:
    """An amount of the budget divided by the legal population, by territory.

    The lines' amounts are summed by territorial code, each code is placed in its
    territory of ``level`` with the referential, and the sum of each territory is
    divided by its legal population: ``per_inhabitant = sum(amount) / population``.

    Parameters
    ----------
    lines
        The credit lines, with ``territory`` declared and ``territory_family`` one of
        ``commune``, ``epci``, ``departement``, ``region`` (the French referential has the
        legal populations; the Belgian one has none).
    level
        The level of the result, at or above the lines' own.
    amount
        The amount role to divide (default ``cp_paid``).
    year
        Only the lines of that year (default: every line).
    referential
        Default: :meth:`Referential.france`.

    Raises
    ------
    InputError
        Territory or amount not declared, a family without populations, a level below
        the lines' own, or a year without lines.
    """
    family = lines.spec.territory_family
    if not lines.spec.territory or family not in _FRENCH_LEVELS:
        raise InputError("per_inhabitant needs territorial codes of a French level: declare "
                         "territory= and territory_family= (commune, epci, departement or "
                         f"region) when building the CreditLines; got territory_family="
                         f"{family!r}")
    if amount not in lines.amounts:
        raise InputError(f"amount={amount!r}: must be one of the amounts declared "
                         f"({', '.join(map(repr, lines.amounts))}); got {amount!r}")
    referential = referential or Referential.france()
    _check_level(family, level, referential)
    frame = lines.data
    if year is not None:
        if year not in lines.years:
            raise InputError(f"year={year!r}: must be a year of the credit lines "
                             f"({', '.join(map(str, lines.years))}); got {year!r}")
        frame = frame.loc[frame["year"] == year]
    no_code = frame["territory"].isna().to_numpy()
    without = (int(no_code.sum()), float(frame.loc[no_code, amount].sum()))
    sums = frame.loc[~no_code].groupby("territory")[amount].sum()
    table, unassigned = _per_inhabitant_table(sums, family, level, referential)
    return PerInhabitant(amount=amount, level=level, year=year, table=table,
                         without_territory=without, unassigned=unassigned)


def _check_level(family: str, level: str, referential: Referential) -> None:
    """An :class:`InputError` unless ``level`` is a level of the referential at or above
    the codes' own ``family``."""
    referential.level(level)
    levels = referential.levels
    if levels.index(level) < levels.index(family):
        raise InputError(f"level={level!r}: must be {family!r} or a level above it "
                         f"({', '.join(map(repr, levels[levels.index(family):]))}); "
                         f"got {level!r}")


def _per_inhabitant_table(sums: pd.Series, family: str, level: str,
                          referential: Referential) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Amounts summed by code of ``family`` -> the table of :class:`PerInhabitant` at
    ``level`` (sorted by code), and the codes that belong to no territory of ``level``."""
    if level == family:
        parent = pd.Series(sums.index, index=sums.index)
    else:
        lookup = (referential.table.dropna(subset=[f"{family}_code"])
                  .drop_duplicates(f"{family}_code").set_index(f"{family}_code")[f"{level}_code"])
        parent = lookup.reindex(sums.index)
    unassigned = tuple(sorted(sums.index[parent.isna().to_numpy()]))
    totals = sums.groupby(parent.to_numpy(), dropna=True).sum()
    population = referential.population(level).set_index("code")
    table = pd.DataFrame({"code": totals.index.astype(str), "amount": totals.to_numpy()})
    found = population.reindex(table["code"])
    table.insert(1, "name", found["name"].to_numpy())
    table["population"] = found["population"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pop = table["population"].to_numpy()
        table["per_inhabitant"] = np.where(pop > 0, table["amount"] / np.where(pop > 0, pop, 1),
                                           np.nan)
    table["communes_without_population"] = found["communes_without_population"].to_numpy()
    return table.sort_values("code").reset_index(drop=True), unassigned
