"""Simulated calls for projects in Hauts-de-France, for examples, tests and benchmarks.

The geography is real (the communes of the Aisne, Nord, Oise, Pas-de-Calais and Somme,
with their INSEE codes and names), and so are the names of the calls' kind (the yearly
call for projects of the city policy, the Micro-Folies); everything else is simulated:
the applicants, their applications, the decisions, the amounts and the payments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.territories import Referential

__all__ = ["SIMULATED_APPLICATION_ROLES", "simulate_applications",
           "simulate_application_payments"]

_DEPARTMENTS = ("02", "59", "60", "62", "80")
_TYPES = ("association", "commune", "établissement public", "entreprise")
_TYPE_SHARES = (0.72, 0.14, 0.09, 0.05)
_MEDIAN_REQUEST = {"association": 9_000.0, "commune": 28_000.0, "établissement public": 22_000.0,
                   "entreprise": 12_000.0}
_MICRO_FOLIES = "Micro-Folies"

#: The roles of the simulated tables' columns::
#:
#:     Applications(simulate_applications(), payments=simulate_application_payments(),
#:                  **SIMULATED_APPLICATION_ROLES)
SIMULATED_APPLICATION_ROLES: dict[str, str] = {
    "id": "dossier", "call": "appel", "date": "date_depot", "applicant": "porteur",
    "applicant_type": "type_porteur", "territory": "commune", "territory_family": "commune",
    "priority": "qpv", "requested": "montant_demande", "selected": "retenu",
    "granted": "montant_accorde", "decision_date": "date_decision",
    "payment_id": "dossier", "payment_date": "date_paiement", "payment_amount": "montant",
}


def simulate_applications(*, years: Sequence[int] = (2021, 2022, 2023, 2024),
                          per_year: int = 700, as_of: str = "2024-10-31",
                          seed: int = 2024) -> pd.DataFrame:
    """Applications to simulated calls for projects in Hauts-de-France (all values simulated).

    Each year has a call for projects of the city policy (*appel à projets politique de
    la ville <year>*, applications from October of the year before to January, decided
    by each department's committees from March to June) and, in the last two years, a
    rolling *Micro-Folies* call (digital museums, asked for by communes and public
    bodies, decided two to five months after the application). Applicants are
    associations (most of them, many funded several years running: one funded the year
    before is more likely to be selected again), communes, public bodies and companies,
    located in real communes of the five departments (larger communes are more likely).
    About 55% of the projects target a priority neighbourhood (QPV), about two in three
    decided applications are selected, and a grant is at most the amount requested.
    Decisions later than ``as_of`` are not known yet: those applications are undecided.
    Everything but the geography is simulated.

    Parameters
    ----------
    years
        The calls' years, increasing.
    per_year
        About how many applications each city-policy call receives (a region receives a
        few hundred to a couple of thousand).
    as_of
        The day the tables are extracted: later decisions and payments are not in them.
    seed
        Seed of the random generator (the same arguments give the same tables).

    Returns
    -------
    pandas.DataFrame
        One row per application: ``dossier`` (identifier), ``appel`` (the call),
        ``date_depot`` (``"2024-01-15"``), ``porteur`` (the applicant's name),
        ``type_porteur``, ``commune`` (INSEE code), ``qpv`` (``"oui"``/``"non"``),
        ``montant_demande``, ``retenu`` (``"oui"``, ``"non"``, missing: not decided),
        ``montant_accorde`` (0 when rejected, missing when undecided), ``date_decision``
        (see :data:`SIMULATED_APPLICATION_ROLES`).
    """
    return _simulate(years, per_year, as_of, seed)[0]


def simulate_application_payments(*, years: Sequence[int] = (2021, 2022, 2023, 2024),
                                  per_year: int = 700, as_of: str = "2024-10-31",
                                  seed: int = 2024) -> pd.DataFrame:
    """The payments of :func:`simulate_applications`' grants (same arguments, same grants).

    A small grant (under 5,000) is paid at once, one to four months after the decision;
    a larger one in two instalments: an advance of 50 to 80% one to three months after
    the decision, and the balance nine to fifteen months after it, once the project has
    reported (about one balance in twelve is never paid: the project spent less). Only
    payments made by ``as_of`` are listed. All values are simulated.

    Returns
    -------
    pandas.DataFrame
        One row per payment: ``dossier``, ``date_paiement`` (``"2024-05-02"``) and
        ``montant``.
    """
    return _simulate(years, per_year, as_of, seed)[1]


def _check(years: Sequence[int], per_year: int, as_of: str) -> tuple[list[int], np.datetime64]:
    years = [int(y) for y in years]
    if not years or sorted(set(years)) != years:
        raise InputError(f"years={years!r}: must be increasing distinct years; got {years!r}")
    if isinstance(per_year, bool) or not isinstance(per_year, int | np.integer) or per_year < 10:
        raise InputError(f"per_year={per_year!r}: must be a whole number, 10 or more; got "
                         f"{per_year!r}")
    try:
        day = np.datetime64(pd.Timestamp(as_of).normalize().to_datetime64(), "D")
    except (TypeError, ValueError):
        raise InputError(f"as_of={as_of!r}: must be a date such as '2024-10-31'; got "
                         f"{as_of!r}") from None
    return years, day


def _communes() -> pd.DataFrame:
    """The communes of Hauts-de-France with a population, and their drawing weights."""
    table = Referential.france().table
    table = table.loc[table["departement_code"].isin(_DEPARTMENTS)
                      & table["population"].notna()]
    out = table[["commune_code", "commune_name", "departement_code", "population"]]
    out = out.sort_values("commune_code").reset_index(drop=True)
    weight = out["population"].to_numpy(dtype=float) ** 1.25  # larger communes more likely
    return out.assign(weight=weight / weight.sum())


def _simulate(years: Sequence[int], per_year: int, as_of: str,
              seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    years, cutoff = _check(years, per_year, as_of)
    rng = np.random.default_rng(seed)
    communes = _communes()
    codes = communes["commune_code"].to_numpy(dtype=object)
    names = communes["commune_name"].to_numpy(dtype=object)
    weights = communes["weight"].to_numpy()
    pool = _Pool(rng, per_year, codes, names, weights)
    frames = []
    for year in years:
        frames.append(pool.city_policy_call(year))
    if len(years) >= 2:
        frames.append(pool.micro_folies(years[-2:]))
    apps = pd.concat(frames, ignore_index=True)
    apps = _decide(apps, rng, cutoff)
    payments = _payments(apps, rng, cutoff)
    out = pd.DataFrame({
        "dossier": apps["id"], "appel": apps["call"],
        "date_depot": _text(apps["date"].to_numpy()), "porteur": apps["applicant"],
        "type_porteur": apps["type"], "commune": apps["code"],
        "qpv": np.where(apps["priority"].to_numpy(), "oui", "non"),
        "montant_demande": apps["requested"],
        "retenu": pd.Series(apps["selected_text"].to_numpy(), dtype=object),
        "montant_accorde": apps["granted"],
        "date_decision": pd.Series(_text(apps["decision"].to_numpy()), dtype=object)})
    return out, payments


class _Pool:
    """The region's applicants, kept from one year to the next."""

    def __init__(self, rng: np.random.Generator, per_year: int, codes: np.ndarray,
                 names: np.ndarray, weights: np.ndarray) -> None:
        self.rng, self.per_year = rng, per_year
        self.codes, self.names, self.weights = codes, names, weights
        n = int(per_year * _TYPE_SHARES[0] * 1.6)  # associations that may apply
        home = rng.choice(len(codes), size=n, p=weights)
        self.assoc_home = home
        self.assoc_name = np.array([f"Association simulée n° {i + 1:05d} ({names[h]})"
                                    for i, h in enumerate(home)], dtype=object)
        self.assoc_activity = rng.beta(2.0, 2.0, size=n)  # how often each one applies
        self.assoc_priority = rng.uniform(size=n) < 0.6
        self.funded_last_year = np.zeros(n, dtype=bool)
        self.counter = 0

    def _ids(self, prefix: str, n: int) -> np.ndarray:
        start = self.counter
        self.counter += n
        return np.array([f"{prefix}-{i:06d}" for i in range(start + 1, start + n + 1)],
                        dtype=object)

    def city_policy_call(self, year: int) -> pd.DataFrame:
        rng, n_total = self.rng, int(self.rng.poisson(self.per_year))
        n_assoc = int(round(n_total * _TYPE_SHARES[0]))
        activity = self.assoc_activity * np.where(self.funded_last_year, 1.6, 1.0)
        chosen = rng.choice(len(activity), size=min(n_assoc, len(activity)), replace=False,
                            p=activity / activity.sum())
        others = n_total - len(chosen)
        kinds = rng.choice(np.arange(1, 4), size=others,
                           p=np.array(_TYPE_SHARES[1:]) / sum(_TYPE_SHARES[1:]))
        where = rng.choice(len(self.codes), size=others, p=self.weights)
        other_names = _names(kinds, self.names[where])
        start = np.datetime64(f"{year - 1}-10-01")
        days = rng.integers(0, 123, size=n_total)  # October to the end of January
        frame = pd.DataFrame({
            "id": self._ids(f"PV{year}", n_total),
            "call": f"Appel à projets politique de la ville {year}",
            "date": start + days.astype("timedelta64[D]"),
            "applicant": np.r_[self.assoc_name[chosen], other_names.astype(object)],
            "type": np.r_[np.full(len(chosen), _TYPES[0], dtype=object),
                          np.array(_TYPES, dtype=object)[kinds]],
            "code": np.r_[self.codes[self.assoc_home[chosen]], self.codes[where]],
            "priority": np.r_[self.assoc_priority[chosen] ^ (rng.uniform(size=len(chosen)) < 0.1),
                              rng.uniform(size=others) < 0.45],
            "returning": np.r_[self.funded_last_year[chosen], np.zeros(others, dtype=bool)],
            "_assoc": np.r_[chosen, np.full(others, -1)],
        })
        median = frame["type"].map(_MEDIAN_REQUEST).to_numpy(dtype=float)
        frame["requested"] = np.maximum(1_000.0, np.round(
            median * rng.lognormal(0.0, 0.7, size=n_total), -2))
        frame["p_select"] = np.where(frame["returning"], 0.8, 0.62)
        department = np.searchsorted(np.array(_DEPARTMENTS), frame["code"].str[:2].to_numpy())
        # each department's committees: spring, early summer, and a late one in November
        offsets = np.array([0, 60, 235], dtype="timedelta64[D]")
        committees = (np.datetime64(f"{year}-03-15") + offsets
                      + rng.integers(0, 40, size=(len(_DEPARTMENTS), 1)).astype("timedelta64[D]"))
        wave = rng.choice(3, size=n_total, p=[0.62, 0.3, 0.08])
        frame["decision"] = committees[department, wave].astype("datetime64[ns]")
        # who is funded this year (the associations' memory for next year)
        frame["_draw"] = rng.uniform(size=n_total)
        funded = frame["_draw"].to_numpy() < frame["p_select"].to_numpy()
        self.funded_last_year = np.zeros(len(activity), dtype=bool)
        self.funded_last_year[frame["_assoc"].to_numpy()[funded & (frame["_assoc"] >= 0)
                                                         .to_numpy()]] = True
        return frame

    def micro_folies(self, years: Sequence[int]) -> pd.DataFrame:
        rng = self.rng
        n = max(5, int(rng.poisson(self.per_year * 0.06)))
        where = rng.choice(len(self.codes), size=n, p=self.weights)
        public = rng.uniform(size=n) < 0.2
        start = np.datetime64(f"{years[0]}-01-15")
        span = int((np.datetime64(f"{years[-1]}-09-30") - start) / np.timedelta64(1, "D"))
        date = start + rng.integers(0, span, size=n).astype("timedelta64[D]")
        frame = pd.DataFrame({
            "id": self._ids("MF", n), "call": _MICRO_FOLIES, "date": date,
            "applicant": _names(np.where(public, 2, 1), self.names[where]),
            "type": np.where(public, _TYPES[2], _TYPES[1]).astype(object),
            "code": self.codes[where],
            "priority": rng.uniform(size=n) < 0.4,
            "returning": False, "_assoc": -1})
        frame["requested"] = np.round(80_000.0 * rng.lognormal(0.0, 0.35, size=n), -2)
        frame["p_select"] = 0.55
        frame["decision"] = (frame["date"].to_numpy()
                             + rng.integers(60, 150, size=n).astype("timedelta64[D]"))
        frame["_draw"] = rng.uniform(size=n)
        return frame


def _names(kinds: np.ndarray, places: np.ndarray) -> np.ndarray:
    """The names of applicants other than associations: a commune is named after itself,
    a public body or a company after its commune (simulated)."""
    places = places.astype(str)
    vowel = np.isin(np.char.upper(places.astype("U1")), list("AEIOUYÉÈÊÎÔ"))
    commune = np.where(vowel, np.char.add("Commune d'", places),
                       np.char.add("Commune de ", places))
    body = np.char.add(np.char.add("Établissement public simulé (", places), ")")
    company = np.char.add(np.char.add("Entreprise simulée (", places), ")")
    return np.select([kinds == 1, kinds == 2], [commune, body], company).astype(object)


def _decide(apps: pd.DataFrame, rng: np.random.Generator, cutoff: np.datetime64) -> pd.DataFrame:
    """Decisions (those after ``cutoff`` not known yet) and grants."""
    n = len(apps)
    decision = apps["decision"].to_numpy().astype("datetime64[D]")
    known = decision <= cutoff
    selected = apps["_draw"].to_numpy() < apps["p_select"].to_numpy()
    requested = apps["requested"].to_numpy()
    full = rng.uniform(size=n) < 0.4
    granted = np.where(full, requested,
                       np.floor(requested * rng.uniform(0.4, 0.95, size=n) / 100.0) * 100.0)
    granted = np.maximum(granted, np.minimum(requested, 500.0))
    out = apps.copy()
    out["selected_text"] = np.where(~known, None, np.where(selected, "oui", "non"))
    out["granted"] = np.where(~known, np.nan, np.where(selected, granted, 0.0))
    out["decision"] = np.where(known, decision, np.datetime64("NaT"))
    return out


def _payments(apps: pd.DataFrame, rng: np.random.Generator, cutoff: np.datetime64) -> pd.DataFrame:
    granted = apps["granted"].to_numpy()
    paid = (apps["selected_text"].to_numpy() == "oui") & (granted > 0)
    ids = apps["id"].to_numpy()[paid]
    grant = granted[paid]
    decision = apps["decision"].to_numpy()[paid].astype("datetime64[D]")
    n = len(grant)
    single = grant < 5_000.0
    advance_share = np.where(single, 1.0, rng.uniform(0.5, 0.8, size=n))
    advance = np.round(grant * advance_share, 2)
    advance_day = decision + np.where(single, rng.integers(30, 120, size=n),
                                      rng.integers(30, 90, size=n)).astype("timedelta64[D]")
    balance = np.round(grant - advance, 2)
    balance_day = decision + rng.integers(270, 450, size=n).astype("timedelta64[D]")
    balance_paid = ~single & (rng.uniform(size=n) > 1 / 12)
    frame = pd.DataFrame({
        "dossier": np.r_[ids, ids[balance_paid]],
        "date": np.r_[advance_day, balance_day[balance_paid]],
        "montant": np.r_[advance, balance[balance_paid]]})
    frame = frame.loc[frame["date"].to_numpy() <= cutoff]
    frame = frame.sort_values(["date", "dossier"], kind="stable").reset_index(drop=True)
    return pd.DataFrame({"dossier": frame["dossier"].to_numpy(dtype=object),
                         "date_paiement": _text(frame["date"].to_numpy()),
                         "montant": frame["montant"].to_numpy()})


def _text(days: np.ndarray) -> np.ndarray:
    """Days as ``"2024-03-15"`` text, missing ones as ``None``."""
    days = np.asarray(days).astype("datetime64[D]")
    out = np.datetime_as_string(days, unit="D").astype(object)
    out[np.isnat(days)] = None
    return out
