"""The simulated Hauts-de-France indicator example (``data/hauts_de_france_indicators.*``).

The expected values come from ``data/HAUTS_DE_FRANCE.md`` and from the docstring of
``data/simulate_hauts_de_france.py``: 3,782 communes x 2013-2024, a programme in the 205
communes of five mining-basin EPCIs from 2019, true effects -1.5 - 0.3 * (year - 2019)
points on the poverty rate (-2.25 on average over 2019-2024), -2.0 points on the NEET
share, +0.2 point on the brevet success rate, none on food aid. Tolerances are four times
the spread of each estimate over 20 simulation seeds (0.10 point for poverty, 0.08 for
NEET), rounded up.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

yaml = pytest.importorskip("yaml")

DATA = Path(__file__).resolve().parents[2] / "data"
SCRIPT = DATA / "simulate_hauts_de_france.py"
CSV = DATA / "hauts_de_france_indicators.csv"
YAML = DATA / "hauts_de_france_indicators.yaml"
README = DATA / "HAUTS_DE_FRANCE.md"

POLICY_EPCIS = {"246200364", "246200299", "200072460", "200044618", "245901152"}
COUNTS = [
    ("poor_households", "households"),
    ("neet_16_25", "young_16_25"),
    ("food_aid_recipients", "population"),
    ("school_success_passed", "school_success_candidates"),
]


def _load_script():
    spec = importlib.util.spec_from_file_location("simulate_hauts_de_france", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"commune_code": str, "departement_code": str,
                                   "epci_code": str})


def _did(frame: pd.DataFrame, num: str, den: str, scale: float = 100.0) -> tuple[float, float]:
    """Weighted 2x2 difference-in-differences on commune rates, 2019-2024 vs 2013-2018.

    Per commune, the change of the rate (pooled counts) between the two periods; then the
    programme communes' mean change minus the others', each weighted by the denominator,
    with a heteroskedasticity-robust standard error (communes are independent).
    """
    periods = frame.assign(post=frame["year"] >= 2019)
    sums = periods.groupby(["commune_code", "post"])[[num, den]].sum().unstack()
    sums = sums[(sums[den] > 0).all(axis=1)]
    rate = scale * sums[num] / sums[den]
    change = (rate[True] - rate[False]).to_numpy()
    weight = sums[den].sum(axis=1).to_numpy(dtype=float)
    policy = (frame.groupby("commune_code")["policy"].first().loc[sums.index] == 1).to_numpy()
    means, variances = [], []
    for group in (policy, ~policy):
        w = weight[group] / weight[group].sum()
        mean = float(w @ change[group])
        means.append(mean)
        variances.append(float(w**2 @ (change[group] - mean) ** 2))
    return means[0] - means[1], float(np.sqrt(sum(variances)))


def test_regenerating_gives_the_shipped_files(script, tmp_path):
    csv_file, yaml_file = tmp_path / "x.csv", tmp_path / "x.yaml"
    script.write_outputs(csv_file, yaml_file)
    assert csv_file.read_bytes() == CSV.read_bytes()
    assert yaml_file.read_bytes() == YAML.read_bytes()


def test_shape_and_geography(frame):
    assert frame.shape == (45_384, 23)
    assert frame["commune_code"].nunique() == 3782
    assert sorted(frame["departement_code"].unique()) == ["02", "59", "60", "62", "80"]
    assert sorted(frame["year"].unique()) == list(range(2013, 2025))
    assert not frame.duplicated(["commune_code", "year"]).any()
    assert (frame.groupby("commune_code").size() == 12).all()
    assert frame["commune_code"].str.fullmatch(r"\d{5}").all()
    population_2021 = frame.loc[frame["year"] == 2021, "population"].sum()
    assert 5.9e6 < population_2021 < 6.1e6
    assert frame.loc[frame["population_imputed"] == 1, "commune_code"].unique().tolist() == [
        "60694"
    ]


def test_counts_are_integers_within_their_denominators(frame):
    for num, den in COUNTS + [("young_16_25", "population"),
                              ("school_success_candidates", "population")]:
        for column in (num, den):
            assert pd.api.types.is_integer_dtype(frame[column]), column
            assert (frame[column] >= 0).all(), column
        assert (frame[num] <= frame[den]).all(), (num, den)
    assert (frame["population"] >= 1).all()
    assert (frame["households"] >= 1).all()


def test_every_row_is_labelled_simulated(frame):
    assert (frame["simulated"] == 1).all()


def test_policy_set_and_start_are_as_documented(frame):
    communes = frame.groupby("commune_code").first()
    in_policy = communes["epci_code"].isin(POLICY_EPCIS)
    assert (communes["policy"] == in_policy.astype(int)).all()
    assert int(in_policy.sum()) == 205
    assert (communes.loc[in_policy, "policy_start"] == 2019).all()
    assert communes.loc[~in_policy, "policy_start"].isna().all()
    assert (communes.loc[in_policy, "mining_basin"] == 1).all()
    assert int(communes["mining_basin"].sum()) == 287
    readme = README.read_text(encoding="utf-8")
    for code in POLICY_EPCIS:
        assert code in readme
    assert "205 communes" in readme and "2019" in readme


def test_budget_only_in_the_programme(frame):
    active = (frame["policy"] == 1) & (frame["year"] >= 2019)
    for column in ("budget_planned_eur", "budget_consumed_eur"):
        assert frame.loc[active, column].notna().all()
        assert frame.loc[~active, column].isna().all()
    budget = frame.loc[active]
    assert (budget["budget_consumed_eur"] <= budget["budget_planned_eur"]).all()
    assert (budget["budget_consumed_eur"] >= 0).all()


def test_did_recovers_the_poverty_effect(frame):
    estimate, se = _did(frame, "poor_households", "households")
    assert abs(estimate - (-2.25)) < 0.4  # 4 x 0.10, the spread over seeds
    assert abs(estimate - (-2.25)) < 4 * se
    assert se < 0.2


def test_did_recovers_the_neet_effect(frame):
    estimate, se = _did(frame, "neet_16_25", "young_16_25")
    assert abs(estimate - (-2.0)) < 0.32  # 4 x 0.08
    assert abs(estimate - (-2.0)) < 4 * se


def test_small_school_effect_is_not_distinguishable_from_noise(frame):
    estimate, se = _did(frame, "school_success_passed", "school_success_candidates")
    assert estimate - 1.96 * se < 0 < estimate + 1.96 * se


def test_no_effect_on_food_aid(frame):
    estimate, se = _did(frame, "food_aid_recipients", "population", scale=1000)
    assert abs(estimate) < 1.96 * se


def test_yaml_definitions(script, frame):
    document = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    indicators = document["indicators"]
    codes = [item["code"] for item in indicators]
    assert codes == ["poverty_rate", "neet_rate", "food_aid_rate", "school_success_rate",
                     "budget_consumption_rate"]
    fields = {"code", "label", "unit", "direction", "source", "level", "baseline", "targets",
              "bounded", "notes"}
    regional = script.regional_values(frame)
    for item in indicators:
        assert set(item) == fields, item["code"]
        assert set(item["label"]) == {"fr", "en"}
        assert item["direction"] in {"higher_is_better", "lower_is_better"}
        assert item["level"] == "commune"
        assert "simulated" in item["notes"].lower()
        assert "Simulated data" in item["source"] and "Données simulées" in item["source"]
        assert item["bounded"] is (item["unit"] == "percentage")
        period, value = item["baseline"]["period"], item["baseline"]["value"]
        assert value == round(float(regional.loc[period, item["code"]]), 1)
        for target in item["targets"]:
            assert set(target) == {"period", "value"}
            assert target["period"] in (2027, 2030)
    assert [item["code"] for item in indicators if not item["targets"]] == [
        "school_success_rate"
    ]


def test_targets_give_different_progress_categories(frame):
    """Growth from the baseline to 2024 against the growth the 2027 target requires
    (compound annual rates, as in Eurostat's method for the SDG indicators)."""
    document = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    regional = _load_script().regional_values(frame)
    ratios = {}
    for item in document["indicators"]:
        if not item["targets"]:
            continue
        start, base = item["baseline"]["period"], item["baseline"]["value"]
        latest = float(regional.loc[2024, item["code"]])
        target = item["targets"][0]
        actual = (latest / base) ** (1 / (2024 - start)) - 1
        required = (target["value"] / base) ** (1 / (target["period"] - start)) - 1
        ratios[item["code"]] = actual / required
    assert ratios["neet_rate"] >= 1.0 and ratios["budget_consumption_rate"] >= 1.0  # on track
    assert 0.6 <= ratios["poverty_rate"] < 0.95  # progress, but acceleration needed
    assert ratios["food_aid_rate"] < 0  # deterioration
