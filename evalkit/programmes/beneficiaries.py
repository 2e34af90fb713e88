"""Beneficiaries of calls for projects followed over the years: new, returning, back after a gap."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.programmes.applications import Applications

__all__ = ["BeneficiariesOverYears", "beneficiaries_over_years"]

_STATUSES = ("new", "returning", "back_after_gap")


@dataclass(frozen=True)
class BeneficiariesOverYears:
    """Who was funded each year, and how that changes. Build it with
    :func:`beneficiaries_over_years`.

    Attributes
    ----------
    table
        One row per year from the first to the last year with a beneficiary:
        ``year``, ``beneficiaries`` (applicants funded that year), ``new`` (never funded
        before in the data: every beneficiary of the first year is new by construction),
        ``returning`` (funded the previous year too), ``back_after_gap`` (funded before,
        but not the previous year), ``not_renewed`` (funded the previous year, not this
        one); with grants, the amounts ``granted``, ``granted_new``,
        ``granted_returning`` and ``granted_back_after_gap``.
        ``beneficiaries = new + returning + back_after_gap``.
    beneficiaries
        One row per beneficiary (sorted): ``applicant``, ``first_year``, ``last_year``,
        ``years_funded`` (how many distinct years), ``longest_run`` (most consecutive
        years), ``years`` (the years, as text such as ``"2021, 2022, 2024"``); with
        grants, ``granted`` (in all) and ``granted_<year>`` for each year.
    """

    table: pd.DataFrame = field(repr=False)
    beneficiaries: pd.DataFrame = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per year and measure: ``year``, ``measure`` and ``value``."""
        measures = [c for c in self.table.columns if c != "year"]
        return self.table.melt(id_vars=["year"], value_vars=measures, var_name="measure",
                               value_name="value")

    def summary(self) -> str:
        """The number of beneficiaries and how many come back, year by year."""
        parts = [f"{int(r.year)}: {int(r.beneficiaries):,} ({int(r.new):,} new, "
                 f"{int(r.returning):,} returning, {int(r.back_after_gap):,} back after a gap)"
                 for r in self.table.itertuples()]
        several = int((self.beneficiaries["years_funded"] > 1).sum())
        return (f"Beneficiaries by year of funding: {'; '.join(parts)}. "
                f"{len(self.beneficiaries):,} beneficiaries in all, {several:,} funded in more "
                "than one year.")

    def __str__(self) -> str:
        return self.summary()


def beneficiaries_over_years(applications: Applications) -> BeneficiariesOverYears:
    """Beneficiaries funded each year: new ones, returning ones, those back after a gap.

    A beneficiary is an applicant with a selected application (and, when grants are
    declared, a positive amount granted); it is funded in the year of the decision, or of
    the application when the decision date is not known (``funding_year``). For each
    year and beneficiary, the previous year it was funded decides its status: none
    (``new``), the year before (``returning``), an earlier one (``back_after_gap``).

    Parameters
    ----------
    applications
        The applications.

    Returns
    -------
    BeneficiariesOverYears
    """
    frame = applications.data
    funded = frame["selected"].fillna(False).to_numpy(dtype=bool)
    has_grants = applications.has("granted")
    if has_grants:
        funded &= frame["granted"].to_numpy() > 0
    work = pd.DataFrame({"applicant": frame["applicant"].to_numpy()[funded],
                         "year": frame["funding_year"].to_numpy()[funded],
                         "granted": (frame["granted"].to_numpy()[funded] if has_grants
                                     else np.zeros(int(funded.sum())))})
    per = (work.groupby(["applicant", "year"], sort=True)["granted"].sum().reset_index())
    year = per["year"].to_numpy()
    same = np.r_[False, per["applicant"].to_numpy()[1:] == per["applicant"].to_numpy()[:-1]]
    previous = np.where(same, np.r_[0, year[:-1]], 0)
    status = np.where(~same, 0, np.where(previous == year - 1, 1, 2))
    if len(per):
        years = np.arange(year.min(), year.max() + 1)
    else:
        years = np.array([], dtype=np.int64)
    at = year - (years[0] if len(years) else 0)
    n_years = len(years)
    table = pd.DataFrame({"year": years.astype(np.int64),
                          "beneficiaries": np.bincount(at, minlength=n_years)})
    for code, name in enumerate(_STATUSES):
        table[name] = np.bincount(at[status == code], minlength=n_years)
    # funded the previous year and not this one: those whose next funded year is not next
    nxt = np.r_[year[1:], 0]
    next_same = np.r_[same[1:], False]
    lapsed = ~(next_same & (nxt == year + 1)) & (year + 1 <= (years[-1] if n_years else 0))
    table["not_renewed"] = np.bincount(at[lapsed] + 1, minlength=n_years)[:n_years]
    if has_grants:
        amount = per["granted"].to_numpy()
        table["granted"] = np.bincount(at, weights=amount, minlength=n_years)
        for code, name in enumerate(_STATUSES):
            table[f"granted_{name}"] = np.bincount(
                at[status == code], weights=amount[status == code],
                minlength=n_years).astype(float)
    return BeneficiariesOverYears(table=table,
                                  beneficiaries=_per_beneficiary(per, years, has_grants))


def _per_beneficiary(per: pd.DataFrame, years: np.ndarray, has_grants: bool) -> pd.DataFrame:
    """One row per beneficiary from its (applicant, year, granted) rows, sorted."""
    applicant = per["applicant"].to_numpy()
    year = per["year"].to_numpy()
    same = np.r_[False, applicant[1:] == applicant[:-1]]
    consecutive = same & (year - np.r_[0, year[:-1]] == 1)
    run_id = np.cumsum(~consecutive)  # a new run starts at each break
    run_length = np.bincount(run_id)[run_id]
    grouped = pd.DataFrame({"applicant": applicant, "year": year,
                            "run": run_length}).groupby("applicant", sort=True)
    out = pd.DataFrame({"first_year": grouped["year"].min(), "last_year": grouped["year"].max(),
                        "years_funded": grouped["year"].size(),
                        "longest_run": grouped["run"].max()})
    amounts = per.pivot(index="applicant", columns="year", values="granted")
    amounts = amounts.reindex(index=out.index, columns=years)
    text = np.full(len(out), "", dtype=object)
    for y in years:  # a few years: the text is built column by column
        funded = amounts[y].notna().to_numpy()
        text = np.where(funded, text + np.where(text == "", "", ", ") + str(y), text)
    out["years"] = text
    if has_grants:
        out["granted"] = per.groupby("applicant", sort=True)["granted"].sum()
        for y in years:
            out[f"granted_{y}"] = amounts[y].fillna(0.0).to_numpy()
    out.index.name = "applicant"
    return out.reset_index()
