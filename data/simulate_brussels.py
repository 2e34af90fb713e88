"""Simulate yearly social-action indicators for the 19 municipalities of Brussels, 2012-2024.

Running ``python data/simulate_brussels.py`` (from the repository root or from ``data/``)
regenerates, byte for byte, the two files shipped beside this script:

- ``bruxelles_action_sociale.csv``: one row per municipality and year (19 municipalities
  x 13 years = 247 rows), with counts and their denominators;
- ``bruxelles_indicators.yaml``: the definitions of the three indicators (labels in
  French, Dutch and English, unit, direction, 2017 baseline, targets).

Only the municipalities' NIS codes and their French and Dutch names are real
(``belgique_communes.csv``, Statbel REFNIS, region ``04000``). **Everything else is
simulated**, populations included: they are of the order of the municipalities' real
populations but are not the official figures. Every row carries ``simulated = 1``.

The programme
-------------
A fictitious regional programme, the « Plan social de proximité » (in Dutch
« Sociaal Nabijheidsplan »), funds extra social workers in the CPAS/OCMW (public centres
for social welfare) of some municipalities to go and find the people entitled to help.
It is rolled out in two waves (staggered adoption):

- **2018**, 7 municipalities: Anderlecht (21001), Bruxelles/Brussel (21004), Forest/Vorst
  (21007), Molenbeek-Saint-Jean/Sint-Jans-Molenbeek (21012), Saint-Gilles/Sint-Gillis
  (21013), Saint-Josse-ten-Noode/Sint-Joost-ten-Node (21014), Schaerbeek/Schaarbeek
  (21015);
- **2021**, 5 municipalities: Etterbeek (21005), Evere (21006), Ixelles/Elsene (21009),
  Jette (21010), Koekelberg (21011);
- never, 7 municipalities: Auderghem/Oudergem (21002), Berchem-Sainte-Agathe/Sint-Agatha-
  Berchem (21003), Ganshoren (21008), Uccle/Ukkel (21016), Watermael-Boitsfort/
  Watermaal-Bosvoorde (21017), Woluwe-Saint-Lambert/Sint-Lambrechts-Woluwe (21018),
  Woluwe-Saint-Pierre/Sint-Pieters-Woluwe (21019).

The first wave is the poorer municipalities: the comparison municipalities are better
off, and the design rests on parallel trends (same expected yearly path, in points),
which hold here by construction.

True effects (in the programme municipalities, from their first year, constant)
-------------------------------------------------------------------------------
Added to the municipality's latent rate before the counts are drawn:

- recipients of the social integration income (revenu d'intégration sociale, RIS /
  leefloon) per 1,000 inhabitants aged 18-64: **-3.0 per 1,000** (support towards work
  and other incomes);
- non-take-up of the increased health-care reimbursement (intervention majorée, BIM /
  verhoogde tegemoetkoming), in percent of the people entitled to it: **-6.0 points**;
- food-aid recipients per 1,000 inhabitants: **no effect** (0).

The effects are the same in both waves and every year, so that every
difference-in-differences estimator (Callaway & Sant'Anna, Sun & Abraham, imputation,
two-way fixed effects) targets the same value, and the average effect on the treated
municipality-years is the effect itself.

How precisely (Callaway & Sant'Anna, never-treated comparisons, doubly robust without
covariates, unweighted: the average effect over the programme municipality-years;
multiplier bootstrap clustered by municipality, 999 draws, seed 20240101; the spread is
the standard deviation of the estimate over 20 seeds):

==========================  =========  =====================  =====================
indicator                   true       shipped data (SE)      spread over 20 seeds
==========================  =========  =====================  =====================
RIS per 1,000 aged 18-64    -3.0       -2.92 (0.61)           0.71
BIM non-take-up (points)    -6.0       -6.24 (0.38)           0.49
food aid (per 1,000)        0          +0.83 (0.65)           1.15
==========================  =========  =====================  =====================

On the RIS rate, the shipped data give -2.95 (0.65) with Sun & Abraham, -3.39 (0.38) with
the imputation estimator and -3.43 (0.39) with two-way fixed effects (9.6 % of its weight
on comparisons with already-treated municipalities; a wild cluster bootstrap interval of
-4.27 to -2.58). The seed (``SEED = 4``) was picked among 20 seeds tried, as a typical
draw: each shipped estimate lies within one spread of its true value, and the pre-trend
test does not reject (p = 0.69 in the report). With 19 municipalities that test rejects
far more often than its nominal 5 %: Callaway & Sant'Anna's joint test of the
pre-treatment effects gave p < 0.05 for 9 of the 20 seeds, although parallel trends hold
by construction. Few clusters make every test and interval here less reliable, which
the report says.

The model
---------
For municipality ``i`` and year ``t`` (all random draws from
``numpy.random.default_rng(SEED)``, in a fixed order, vectorised):

- a deprivation score per municipality (``DEPRIVATION``, 0 for the best off to 1 for
  the poorest), set by hand from the municipalities' well-known social geography;
- population: a plausible 2024 value (``POPULATION_2024``, rounded to the thousand),
  moved back at a municipality growth rate (mean +0.5 % a year, sd 0.3 %); inhabitants
  aged 18-64: ``Binomial(population, share)``, share about 65 % (sd 1.5 points);
- RIS: latent rate per 1,000 aged 18-64 = 12 + 70 x deprivation + a municipality effect
  (sd 3) + a common path (+1.0 a year, +1.5 in 2020, +2.0 in 2021, +1.0 in 2022: health
  crisis) + a municipality-year shock (sd 0.8);
  ``ris_recipients ~ Binomial(population_18_64, rate / 1000)``;
- BIM: entitled share of the population = 15 % + 30 % x deprivation + a municipality
  effect (sd 2 points) + 0.3 point a year; ``bim_entitled ~ Binomial(population, share)``;
  latent non-take-up = 30 % + 10 % x deprivation + a municipality effect (sd 3 points)
  - 0.4 point a year (automatic granting) + a municipality-year shock (sd 1.0 point);
  ``bim_not_taken_up ~ Binomial(bim_entitled, rate)``;
- food aid: per 1,000 inhabitants = (20 + 60 x deprivation) x a lognormal municipality
  effect (sd 0.15) + a common path (+4 by 2018, +10 in 2020, +19 by 2024: health crisis,
  then inflation) + a municipality-year shock (sd 1.5);
  ``food_aid_recipients ~ Poisson(population x rate / 1000)``.

The indicator definitions (YAML) take their 2017 baseline (the year before the plan)
from the simulated regional values (sum of counts over sum of denominators); the targets
are fixed numbers chosen so that the indicators fall in different progress categories
(see ``TARGETS``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "SEED",
    "YEARS",
    "WAVES",
    "TRUE_EFFECTS",
    "TARGETS",
    "PROGRAMME",
    "simulate",
    "indicator_definitions",
    "regional_values",
    "write_outputs",
]

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from simulated_outputs import (  # noqa: E402 - the helper beside this script
    definitions_document,
    print_summary,
    write_example,
)

MUNICIPALITIES_FILE = HERE / "belgique_communes.csv"
CSV_FILE = HERE / "bruxelles_action_sociale.csv"
YAML_FILE = HERE / "bruxelles_indicators.yaml"

SEED = 4
REGION_CODE = "04000"
YEARS = np.arange(2012, 2025)
BASELINE_YEAR = 2017

#: The fictitious programme's name.
PROGRAMME = {"fr": "Plan social de proximité", "nl": "Sociaal Nabijheidsplan",
             "en": "Local Social Action Plan"}

#: First year of the programme, by municipality (NIS code); the others never take part.
WAVES: dict[str, int] = {
    **dict.fromkeys(["21001", "21004", "21007", "21012", "21013", "21014", "21015"], 2018),
    **dict.fromkeys(["21005", "21006", "21009", "21010", "21011"], 2021),
}

#: Deprivation score (0: best off, 1: poorest), set by hand; it drives the levels only.
DEPRIVATION: dict[str, float] = {
    "21001": 0.85, "21002": 0.15, "21003": 0.35, "21004": 0.75, "21005": 0.45,
    "21006": 0.55, "21007": 0.65, "21008": 0.40, "21009": 0.45, "21010": 0.50,
    "21011": 0.70, "21012": 0.95, "21013": 0.75, "21014": 1.00, "21015": 0.80,
    "21016": 0.15, "21017": 0.15, "21018": 0.20, "21019": 0.05,
}

#: Simulated 2024 populations: of the order of the real ones, not the official figures.
POPULATION_2024: dict[str, int] = {
    "21001": 126_000, "21002": 35_000, "21003": 26_000, "21004": 196_000, "21005": 49_000,
    "21006": 43_000, "21007": 57_000, "21008": 25_000, "21009": 88_000, "21010": 53_000,
    "21011": 22_000, "21012": 98_000, "21013": 50_000, "21014": 27_000, "21015": 133_000,
    "21016": 85_000, "21017": 25_000, "21018": 58_000, "21019": 42_000,
}

#: True effects of the programme, added to the latent rate from the first year on.
TRUE_EFFECTS: dict[str, float] = {
    "ris_rate": -3.0,               # per 1,000 inhabitants aged 18-64
    "bim_non_take_up_rate": -6.0,   # percentage points
    "food_aid_rate": 0.0,           # per 1,000 inhabitants
}

#: Targets of the YAML definitions and the progress category they are meant to give
#: (growth from the 2017 baseline to 2024 against the growth the 2027 target requires).
TARGETS: dict[str, dict[str, object]] = {
    "ris_rate": {"targets": {2027: 50.0, 2030: 45.0}, "expected": "deterioration"},
    "bim_non_take_up_rate": {"targets": {2027: 26.0, 2030: 22.0}, "expected": "on_track"},
    "food_aid_rate": {"targets": {2027: 55.0, 2030: 50.0}, "expected": "deterioration"},
}

SOURCE = {
    "fr": "Données simulées — exemple evalkit (codes INS et noms des communes réels)",
    "nl": "Gesimuleerde gegevens — evalkit-voorbeeld (echte NIS-codes en gemeentenamen)",
    "en": "Simulated data — evalkit example (real NIS codes and municipality names)",
}

COLUMNS = [
    "nis_code", "nom_fr", "naam_nl", "year", "population", "population_18_64",
    "ris_recipients", "bim_entitled", "bim_not_taken_up", "food_aid_recipients",
    "ris_rate", "bim_non_take_up_rate", "food_aid_rate",
    "programme", "programme_start", "simulated",
]


def load_region(municipalities_file: Path = MUNICIPALITIES_FILE) -> pd.DataFrame:
    """The region's 19 municipalities (NIS code, French and Dutch names), sorted by code."""
    table = pd.read_csv(municipalities_file, dtype=str, keep_default_na=False)
    region = table[table["region_code"] == REGION_CODE]
    return region[["nis_code", "nom_fr", "naam_nl"]].sort_values(
        "nis_code", kind="stable").reset_index(drop=True)


def simulate(region: pd.DataFrame | None = None, *, seed: int = SEED) -> pd.DataFrame:
    """Simulate the municipality x year table (see the module docstring for the model)."""
    if region is None:
        region = load_region()
    rng = np.random.default_rng(seed)
    codes = region["nis_code"].to_numpy()
    n, n_years = len(codes), len(YEARS)
    t = (YEARS - YEARS[0])[None, :]
    start = np.array([WAVES.get(code, 0) for code in codes])
    treated = ((start[:, None] > 0) & (YEARS[None, :] >= start[:, None])).astype(float)
    score = np.array([DEPRIVATION[code] for code in codes])

    # population and inhabitants aged 18-64
    growth = rng.normal(0.005, 0.003, n)
    pop_2024 = np.array([POPULATION_2024[code] for code in codes], dtype=float)
    population = np.rint(pop_2024[:, None] * np.exp(growth[:, None] * (YEARS - 2024)[None, :]))
    adult_share = np.clip(rng.normal(0.655, 0.015, n), 0.6, 0.72)
    adults = rng.binomial(population.astype(np.int64), adult_share[:, None])

    # social integration income (RIS / leefloon), per 1,000 aged 18-64
    ris_common = 1.0 * t + np.array([0, 0, 0, 0, 0, 0, 0, 0, 1.5, 2.0, 1.0, 0, 0])[None, :]
    ris_level = 12 + 70 * score + rng.normal(0, 3, n)
    ris_rate = (ris_level[:, None] + ris_common
                + rng.normal(0, 0.8, (n, n_years)) + TRUE_EFFECTS["ris_rate"] * treated)
    ris = rng.binomial(adults, np.clip(ris_rate, 1, 500) / 1000)

    # increased reimbursement (BIM / verhoogde tegemoetkoming): entitled, not taking it up
    entitled_share = np.clip(0.15 + 0.30 * score + rng.normal(0, 0.02, n), 0.05, 0.6)
    entitled = rng.binomial(population.astype(np.int64),
                            entitled_share[:, None] + 0.003 * t)
    ntu_level = 30 + 10 * score + rng.normal(0, 3, n)
    ntu_rate = (ntu_level[:, None] - 0.4 * t + rng.normal(0, 1.0, (n, n_years))
                + TRUE_EFFECTS["bim_non_take_up_rate"] * treated)
    not_taken = rng.binomial(entitled, np.clip(ntu_rate, 1, 99) / 100)

    # food aid, per 1,000 inhabitants (no effect of the programme)
    food_common = np.array([0, 0.8, 1.6, 2.4, 3.2, 4.0, 4.0, 5.0, 10.0, 9.0, 13.0, 16.0,
                            19.0])[None, :]
    food_level = (20 + 60 * score) * np.exp(rng.normal(0, 0.15, n))
    food_rate = (food_level[:, None] + food_common + rng.normal(0, 1.5, (n, n_years))
                 + TRUE_EFFECTS["food_aid_rate"] * treated)
    food = rng.poisson(population * np.clip(food_rate, 0, None) / 1000)

    frame = pd.DataFrame({
        "nis_code": np.repeat(codes, n_years),
        "nom_fr": np.repeat(region["nom_fr"].to_numpy(), n_years),
        "naam_nl": np.repeat(region["naam_nl"].to_numpy(), n_years),
        "year": np.tile(YEARS, n),
        "population": population.ravel().astype(np.int64),
        "population_18_64": adults.ravel(),
        "ris_recipients": ris.ravel(),
        "bim_entitled": entitled.ravel(),
        "bim_not_taken_up": not_taken.ravel(),
        "food_aid_recipients": food.ravel(),
        "programme": np.repeat((start > 0).astype(int), n_years),
        "programme_start": pd.array(np.repeat(np.where(start > 0, start, np.nan), n_years),
                                    dtype="Int64"),
        "simulated": 1,
    })
    frame["ris_rate"] = np.round(1000 * frame["ris_recipients"] / frame["population_18_64"], 2)
    frame["bim_non_take_up_rate"] = np.round(
        100 * frame["bim_not_taken_up"] / frame["bim_entitled"], 2)
    frame["food_aid_rate"] = np.round(1000 * frame["food_aid_recipients"]
                                      / frame["population"], 2)
    return frame[COLUMNS]


def regional_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Regional value of each indicator by year: sum of counts over sum of denominators."""
    totals = frame.groupby("year")[[
        "population", "population_18_64", "ris_recipients", "bim_entitled",
        "bim_not_taken_up", "food_aid_recipients",
    ]].sum().astype(float)
    return pd.DataFrame({
        "ris_rate": 1000 * totals["ris_recipients"] / totals["population_18_64"],
        "bim_non_take_up_rate": 100 * totals["bim_not_taken_up"] / totals["bim_entitled"],
        "food_aid_rate": 1000 * totals["food_aid_recipients"] / totals["population"],
    })


_DEFINITIONS = [
    {
        "code": "ris_rate",
        "label": {"fr": "Bénéficiaires du revenu d'intégration sociale pour 1 000 habitants "
                        "de 18 à 64 ans",
                  "nl": "Leefloongerechtigden per 1 000 inwoners van 18 tot 64 jaar",
                  "en": "Social integration income recipients per 1,000 inhabitants "
                        "aged 18-64"},
        "unit": "per_1000", "direction": "lower_is_better", "bounded": False,
        "note": "1000 * ris_recipients / population_18_64 (RIS / leefloon paid by the "
                "CPAS / OCMW).",
    },
    {
        "code": "bim_non_take_up_rate",
        "label": {"fr": "Non-recours à l'intervention majorée (part des ayants droit)",
                  "nl": "Niet-gebruik van de verhoogde tegemoetkoming (aandeel van de "
                        "rechthebbenden)",
                  "en": "Non-take-up of the increased health-care reimbursement (share of "
                        "those entitled)"},
        "unit": "percentage", "direction": "lower_is_better", "bounded": True,
        "note": "bim_not_taken_up / bim_entitled.",
    },
    {
        "code": "food_aid_rate",
        "label": {"fr": "Bénéficiaires de l'aide alimentaire pour 1 000 habitants",
                  "nl": "Ontvangers van voedselhulp per 1 000 inwoners",
                  "en": "Food-aid recipients per 1,000 inhabitants"},
        "unit": "per_1000", "direction": "lower_is_better", "bounded": False,
        "note": "1000 * food_aid_recipients / population.",
    },
]


def indicator_definitions(frame: pd.DataFrame) -> dict:
    """The YAML document: one definition per indicator, baselines from ``frame``."""
    return definitions_document(_DEFINITIONS, TARGETS, regional_values(frame),
                                source=f"{SOURCE['fr']} / {SOURCE['nl']}", level="municipality",
                                real="the NIS codes and municipality names",
                                baseline_year=lambda code: BASELINE_YEAR)


def write_outputs(csv_file: Path = CSV_FILE, yaml_file: Path = YAML_FILE,
                  *, seed: int = SEED) -> pd.DataFrame:
    """Simulate and write the CSV and YAML files; return the simulated frame."""
    frame = simulate(seed=seed)
    header = ("# Indicator definitions for data/bruxelles_action_sociale.csv.\n"
              "# SIMULATED data (real NIS codes and municipality names only).\n"
              "# Generated by data/simulate_brussels.py: do not edit by hand.\n")
    write_example(frame, indicator_definitions(frame), csv_file, yaml_file, header=header)
    return frame


def main() -> None:
    start = time.perf_counter()
    frame = write_outputs()
    print_summary(frame, regional_values(frame), CSV_FILE, YAML_FILE,
                  time.perf_counter() - start)


if __name__ == "__main__":
    main()
