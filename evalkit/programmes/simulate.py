"""A simulated operational budget of programme 147 in Hauts-de-France, for examples and tests.

Every amount is simulated: the geography (the five departments of Hauts-de-France and
their legal populations) and the names of the schemes are real, the money is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.territories import Referential

__all__ = ["SIMULATED_ROLES", "simulate_programme_lines"]

_DEPARTMENTS = ("02", "59", "60", "62", "80")
#: Share of the envelope each scheme receives.
_SCHEMES = {"adultes-relais": 0.45, "écoles de la deuxième chance": 0.25,
            "cordées de la réussite": 0.15, "parrainage": 0.15}
# Monthly shapes (before noise): commitments follow the calls for projects (spring),
# payments rise through the year with the usual December peak.
_COMMIT_SHAPE = np.array([2, 6, 12, 16, 16, 14, 10, 6, 6, 5, 4, 3], dtype=float)
_PAY_SHAPE = np.array([1, 3, 6, 8, 9, 9, 7, 5, 9, 10, 12, 21], dtype=float)
_LAGGING = "parrainage"  # pays at 60% of the usual pace in the last year: an alert to read

#: The roles of the simulated table's columns: ``CreditLines(data, **SIMULATED_ROLES)``.
SIMULATED_ROLES: dict[str, str] = {
    "month": "mois", "programme": "programme", "bop": "bop", "scheme": "dispositif",
    "territory": "departement", "territory_family": "departement",
    "ae_allocated": "ae_ouvertes", "ae_committed": "ae_engagees",
    "cp_allocated": "cp_ouverts", "cp_paid": "cp_mandates",
}


def simulate_programme_lines(*, years: Sequence[int] = (2021, 2022, 2023, 2024),
                             as_of_month: int = 9, envelope: float = 30e6,
                             seed: int = 147) -> pd.DataFrame:
    """Monthly credit lines of a simulated BOP of programme 147 in Hauts-de-France.

    One row per year, department, scheme and month: the year's allocation (AE and CP)
    on the January row, then the AE committed and the CP paid in each month. The
    envelope is shared between the departments by legal population and between the
    schemes by fixed shares, with 5% noise; commitments follow a spring profile and
    payments an end-of-year profile, each year with its own noise. The last year stops
    at ``as_of_month``, and in it ``parrainage`` pays at 60% of the usual pace, so that
    the projection flags it. All amounts are simulated.

    Parameters
    ----------
    years
        The budget years, in order; the last one is followed up to ``as_of_month``.
    as_of_month
        The last month of the last year.
    envelope
        The BOP's yearly AE envelope in euros (CP are 95% of it).
    seed
        Seed of the random generator (the same seed gives the same table).

    Returns
    -------
    pandas.DataFrame
        Columns ``mois`` (``"2024-03"``), ``programme``, ``bop``, ``dispositif``,
        ``departement``, ``ae_ouvertes``, ``ae_engagees``, ``cp_ouverts``, ``cp_mandates``
        (see :data:`SIMULATED_ROLES`).
    """
    years = [int(y) for y in years]
    if not years or sorted(set(years)) != years:
        raise InputError(f"years={years!r}: must be increasing distinct years; got {years!r}")
    if isinstance(as_of_month, bool) or not isinstance(as_of_month, int) \
            or not 1 <= as_of_month <= 12:
        raise InputError(f"as_of_month={as_of_month!r}: must be a month from 1 to 12; got "
                         f"{as_of_month!r}")
    rng = np.random.default_rng(seed)
    population = Referential.france().population("departement").set_index("code")["population"]
    weights = population.reindex(list(_DEPARTMENTS)).to_numpy(dtype=float)
    weights = weights / weights.sum()
    frames = []
    for year in years:
        last = year == years[-1]
        months = np.arange(1, (as_of_month if last else 12) + 1)
        for d, department in enumerate(_DEPARTMENTS):
            for scheme, share in _SCHEMES.items():
                ae = envelope * weights[d] * share * rng.lognormal(0.0, 0.05)
                cp = 0.95 * ae
                commit = _profile(_COMMIT_SHAPE, rng) * ae * rng.uniform(0.93, 1.0)
                pace = 0.6 if last and scheme == _LAGGING else 1.0
                pay = _profile(_PAY_SHAPE, rng) * cp * rng.uniform(0.88, 0.99) * pace
                n = len(months)
                frames.append(pd.DataFrame({
                    "mois": [f"{year}-{m:02d}" for m in months],
                    "programme": "147", "bop": "0147-HDF", "dispositif": scheme,
                    "departement": department,
                    "ae_ouvertes": np.r_[ae, np.zeros(n - 1)],
                    "ae_engagees": commit[:n], "cp_ouverts": np.r_[cp, np.zeros(n - 1)],
                    "cp_mandates": pay[:n]}))
    table = pd.concat(frames, ignore_index=True)
    amounts = ["ae_ouvertes", "ae_engagees", "cp_ouverts", "cp_mandates"]
    table[amounts] = table[amounts].round(2)
    return table


def _profile(shape: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Twelve monthly shares summing to 1: the shape with Dirichlet noise."""
    return rng.dirichlet(shape * 4.0)
