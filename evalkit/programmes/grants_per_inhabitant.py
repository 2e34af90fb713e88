"""Grants per inhabitant by territory, with the referential's legal populations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError
from evalkit.programmes.applications import Applications
from evalkit.programmes.per_inhabitant import (
    PerInhabitant,
    _check_level,
    _per_inhabitant_table,
)
from evalkit.territories import Referential

__all__ = ["GrantsPerInhabitant", "grants_per_inhabitant"]

_FRENCH_LEVELS = ("commune", "epci", "departement", "region")


@dataclass(frozen=True)
class GrantsPerInhabitant(PerInhabitant):
    """Amounts granted or paid per inhabitant by territory. Build it with
    :func:`grants_per_inhabitant`.

    Attributes
    ----------
    amount
        ``"granted"`` or ``"paid"``.
    level
        The territorial level of the rows.
    year
        The year counted (of the decision for ``granted``, of the payment for ``paid``),
        or ``None`` for every year.
    table
        One row per territory of ``level`` with a selected application (``granted``) or a
        payment (``paid``): ``code``, ``name``,
        ``amount``, ``population`` (legal population from the referential),
        ``per_inhabitant`` (= ``amount / population``) and
        ``communes_without_population`` (communes of the territory without a legal
        population in the INSEE file: the population is understated by theirs).
    without_territory
        ``(applications, amount)`` of the applications without a territorial code, left out.
    unassigned
        Codes that belong to no territory of ``level`` (their amounts are left out).
    """

    _LEFT_OUT = "applications"
    _AMOUNT = "Amount {amount}"


def grants_per_inhabitant(applications: Applications, *,
                          level: Literal["commune", "epci", "departement", "region"]
                          = "departement",
                          amount: Literal["granted", "paid"] = "granted",
                          year: int | None = None,
                          referential: Referential | None = None) -> GrantsPerInhabitant:
    """The amounts granted (or paid) divided by the legal population, by territory.

    The amounts are summed by the applications' territorial code, each code is placed in
    its territory of ``level`` with the referential, and each territory's sum is divided
    by its legal population: ``per_inhabitant = sum(amount) / population`` (the same
    division as :func:`~evalkit.programmes.per_inhabitant.per_inhabitant` for budgets).
    Only territories with an amount appear.

    Parameters
    ----------
    applications
        The applications, with ``territory`` declared and ``territory_family`` one of
        ``commune``, ``epci``, ``departement``, ``region``.
    level
        The level of the result, at or above the codes' own.
    amount
        ``"granted"`` (needs ``granted``; the grants of the selected applications, each
        in the year of its decision, or of its application when the decision date is not
        known) or ``"paid"`` (needs
        payments; a payment counts in the year it was made).
    year
        Only that year (default: every year).
    referential
        Default: :meth:`Referential.france`.

    Returns
    -------
    GrantsPerInhabitant

    Raises
    ------
    InputError
        Territory or the amount not declared, a family without populations, a level
        below the codes' own, an unknown ``amount``, or a year without amounts.
    """
    problems = Problems()
    check_choice("amount", amount, ("granted", "paid"), problems)
    problems.raise_if_any(InputError, "Cannot compute grants per inhabitant:")
    family = applications.spec.territory_family
    if not applications.has("territory") or family not in _FRENCH_LEVELS:
        raise InputError("grants_per_inhabitant needs territorial codes of a French level: "
                         "declare territory= and territory_family= (commune, epci, "
                         f"departement or region) when building the Applications; got "
                         f"territory_family={family!r}")
    applications.require(f"amount={amount!r}", "granted" if amount == "granted" else "payments")
    referential = referential or Referential.france()
    _check_level(family, level, referential)
    frame = applications.data
    codes = frame["territory"].to_numpy(dtype=object)
    if amount == "granted":
        values = frame["granted"].to_numpy()
        keep = frame["selected"].fillna(False).to_numpy(dtype=bool)
        if year is not None:
            keep &= frame["funding_year"].to_numpy() == year
    else:
        payments = applications.payments_data
        at = pd.Index(frame["id"]).get_indexer(payments["id"])
        codes = codes[at]
        values = payments["amount"].to_numpy()
        keep = np.ones(len(payments), dtype=bool) if year is None else (
            payments["year"].to_numpy() == year)
    if year is not None and not keep.any():
        years = np.unique(frame["funding_year"] if amount == "granted" else payments["year"])
        raise InputError(f"year={year!r}: must be a year with amounts {amount} "
                         f"({', '.join(map(str, years))}); got {year!r}")
    codes, values = codes[keep], values[keep]
    no_code = pd.isna(codes)
    if amount == "granted":
        without_count = int(no_code.sum())
    else:  # applications (not payments) without a territory
        without_count = int(pd.Series(payments["id"].to_numpy()[keep][no_code]).nunique())
    without = (without_count, float(values[no_code].sum()))
    sums = pd.Series(values[~no_code]).groupby(codes[~no_code]).sum()
    table, unassigned = _per_inhabitant_table(sums, family, level, referential)
    return GrantsPerInhabitant(amount=amount, level=level, year=year, table=table,
                               without_territory=without, unassigned=unassigned)
