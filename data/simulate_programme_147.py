"""Simulate the follow-up files of programme 147 ("politique de la ville") in Hauts-de-France.

Running ``python data/simulate_programme_147.py`` (from the repository root or from
``data/``) regenerates, byte for byte, the files shipped beside this script:

- ``bop147_hauts_de_france.csv``: the monthly credit lines of a simulated operational
  budget (BOP) of programme 147 for the five departments of Hauts-de-France, 2021 to
  September 2024, for four schemes the prefecture runs ("adultes-relais", "écoles de la
  deuxième chance", "cordées de la réussite", "parrainage"). Written as a State
  accounting export usually is: ``;`` separators, decimal commas, Windows-1252.

- ``appels_a_projets_hauts_de_france.csv``: the applications to the city policy's calls
  for projects 2021-2024 and to the "Micro-Folies" call (2023-2024), from real communes
  of the region, with their decisions (some still awaited); ``;`` separators, decimal
  commas, UTF-8, as a grants platform exports them;
- ``paiements_subventions_hauts_de_france.csv``: the payments of those grants, one row
  per instalment.

Only the departments, the communes, their legal populations (INSEE) and the schemes'
names are real.
**Every amount is simulated** (:func:`evalkit.programmes.simulate_programme_lines`):
the envelope is shared by population, commitments follow a spring profile and payments
an end-of-year profile; in 2024 "parrainage" pays at 60% of its usual pace, which the
year-end projection flags. Four lines break a rule on purpose, as real exports
sometimes do, so that the report shows what it excludes and alerts on: a negative
allocation, an unknown department code, an unreadable month and a line without a
department. The applications (:func:`evalkit.programmes.simulate_applications`) have
three such rows too: an application entered twice, a grant above the amount requested
and a payment to an application that was turned down.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from evalkit.programmes import simulate_programme_lines  # noqa: E402

CREDIT_LINES = HERE / "bop147_hauts_de_france.csv"
APPLICATIONS = HERE / "appels_a_projets_hauts_de_france.csv"
PAYMENTS = HERE / "paiements_subventions_hauts_de_france.csv"


def credit_lines():  # noqa: ANN201 - a pandas DataFrame
    """The simulated credit lines with the four lines that break a rule."""
    import pandas as pd

    table = simulate_programme_lines(years=(2021, 2022, 2023, 2024), as_of_month=9,
                                     envelope=30e6, seed=147)
    table.insert(0, "ligne", [f"L{i + 1:05d}" for i in range(len(table))])
    odd = pd.DataFrame([
        # an allocation entered with the wrong sign
        {"mois": "2024-02", "dispositif": "adultes-relais", "departement": "59",
         "ae_ouvertes": -12500.0, "ae_engagees": 0.0, "cp_ouverts": -12500.0,
         "cp_mandates": 0.0},
        # a department code that does not exist
        {"mois": "2024-05", "dispositif": "parrainage", "departement": "99",
         "ae_ouvertes": 0.0, "ae_engagees": 4200.0, "cp_ouverts": 0.0, "cp_mandates": 0.0},
        # a month that cannot be read
        {"mois": "2024-13", "dispositif": "cordées de la réussite", "departement": "80",
         "ae_ouvertes": 0.0, "ae_engagees": 0.0, "cp_ouverts": 0.0, "cp_mandates": 3100.0},
        # a payment booked without its department (kept, and alerted on)
        {"mois": "2024-06", "dispositif": "écoles de la deuxième chance", "departement": None,
         "ae_ouvertes": 0.0, "ae_engagees": 0.0, "cp_ouverts": 0.0, "cp_mandates": 8750.0},
    ])
    odd.insert(0, "ligne", [f"L{len(table) + i + 1:05d}" for i in range(len(odd))])
    odd["programme"], odd["bop"] = "147", "0147-HDF"
    table = pd.concat([table, odd[table.columns]], ignore_index=True)
    table["simulated"] = 1
    return table


def applications():  # noqa: ANN201 - two pandas DataFrames
    """The simulated applications and payments, with the three rows that break a rule."""
    import pandas as pd

    from evalkit.programmes import (
        SIMULATED_APPLICATION_ROLES,
        simulate_application_payments,
        simulate_applications,
    )

    apps = simulate_applications(seed=2024)
    pays = simulate_application_payments(seed=2024)
    roles = SIMULATED_APPLICATION_ROLES
    id_, selected, granted, requested = (roles["id"], roles["selected"], roles["granted"],
                                         roles["requested"])
    chosen = apps.loc[apps[selected].astype(str).isin(["1", "oui", "True"])]
    refused = apps.loc[apps[selected].astype(str).isin(["0", "non", "False"])]
    twice = apps.loc[[chosen.index[3]]]                      # an application entered twice
    apps = pd.concat([apps, twice], ignore_index=True)
    above = chosen.index[10]                                  # a grant above the request
    apps.loc[above, granted] = apps.loc[above, requested] + 1500.0
    refused_id = refused[id_].iloc[0]                         # a payment to a refusal
    paid = pays.iloc[[0]].copy()
    paid[roles["payment_id"]] = refused_id
    pays = pd.concat([pays, paid], ignore_index=True)
    apps["simulated"] = 1
    pays["simulated"] = 1
    return apps, pays


def main() -> None:
    table = credit_lines()
    table.to_csv(CREDIT_LINES, sep=";", decimal=",", index=False, encoding="cp1252",
                 lineterminator="\r\n", float_format="%.2f")
    print(f"wrote {CREDIT_LINES.name}: {len(table)} lines")
    apps, pays = applications()
    for frame, path in ((apps, APPLICATIONS), (pays, PAYMENTS)):
        frame.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8",
                     lineterminator="\n", float_format="%.2f")
        print(f"wrote {path.name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
