"""The simulated Brussels example (``data/bruxelles_action_sociale.csv``, its indicators).

The expected values come from ``data/BRUXELLES.md`` and the docstring of
``data/simulate_brussels.py``: the 19 municipalities of the Brussels-Capital Region
(region 04000 of ``data/belgique_communes.csv``) x 2012-2024, a fictitious plan in 7
municipalities from 2018 and 5 from 2021, constant true effects of -3.0 per 1,000 on the
social integration income (RIS) rate, -6.0 points on the BIM non-take-up, none on food aid.
The estimator is the one of ``params/bruxelles_plan_social.yaml``: Callaway & Sant'Anna,
never-treated comparisons, multiplier bootstrap clustered by municipality (999 draws,
seed 20240101).
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import evalkit as ek

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SCRIPT = DATA / "simulate_brussels.py"
CSV = DATA / "bruxelles_action_sociale.csv"
YAML = DATA / "bruxelles_indicators.yaml"
PARAMS = ROOT / "params" / "bruxelles_plan_social.yaml"

WAVE_2018 = {"21001", "21004", "21007", "21012", "21013", "21014", "21015"}
WAVE_2021 = {"21005", "21006", "21009", "21010", "21011"}
TRUE = {"ris_rate": -3.0, "bim_non_take_up_rate": -6.0, "food_aid_rate": 0.0}
COUNTS = [("ris_recipients", "population_18_64"), ("bim_not_taken_up", "bim_entitled"),
          ("bim_entitled", "population"), ("population_18_64", "population")]



@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("simulate_brussels", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ek.load_table(CSV)


def test_regenerating_gives_the_shipped_files(script, tmp_path):
    csv_file, yaml_file = tmp_path / "x.csv", tmp_path / "x.yaml"
    script.write_outputs(csv_file, yaml_file)
    assert csv_file.read_bytes() == CSV.read_bytes()
    assert yaml_file.read_bytes() == YAML.read_bytes()


def test_running_the_script_twice_gives_the_same_file(tmp_path):
    # the script writes beside itself: run a copy, twice, and compare the hashes
    for name in ("simulate_brussels.py", "simulated_outputs.py", "belgique_communes.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    digests = []
    for _ in range(2):
        subprocess.run([sys.executable, str(tmp_path / "simulate_brussels.py")], check=True,
                       capture_output=True, cwd=tmp_path)
        out = tmp_path / "bruxelles_action_sociale.csv"
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1] == hashlib.sha256(CSV.read_bytes()).hexdigest()


def test_the_19_municipalities_with_their_real_codes_and_names(frame):
    reference = pd.read_csv(DATA / "belgique_communes.csv", dtype=str)
    region = reference[reference["region_code"] == "04000"].set_index("nis_code")
    municipalities = frame.groupby("nis_code")[["nom_fr", "naam_nl"]].first()
    assert len(municipalities) == 19
    assert municipalities.index.tolist() == [f"210{i:02d}" for i in range(1, 20)]
    assert (municipalities["nom_fr"] == region.loc[municipalities.index, "nom_fr"]).all()
    assert (municipalities["naam_nl"] == region.loc[municipalities.index, "naam_nl"]).all()
    # two by hand (Statbel REFNIS)
    assert tuple(municipalities.loc["21004"]) == ("Bruxelles", "Brussel")
    assert tuple(municipalities.loc["21014"]) == ("Saint-Josse-ten-Noode",
                                                  "Sint-Joost-ten-Node")


def test_shape_years_and_labels(frame):
    assert frame.shape == (247, 16)
    assert sorted(frame["year"].unique()) == list(range(2012, 2025))
    assert not frame.duplicated(["nis_code", "year"]).any()
    assert (frame["simulated"] == 1).all()


def test_counts_are_integers_within_their_denominators(frame):
    for num, den in COUNTS + [("food_aid_recipients", "population")]:
        for column in (num, den):
            assert pd.api.types.is_integer_dtype(frame[column]), column
            assert (frame[column] >= 0).all(), column
        assert (frame[num] <= frame[den]).all(), (num, den)
    rate = (1000 * frame["ris_recipients"] / frame["population_18_64"]).round(2)
    assert (rate == frame["ris_rate"]).all()


def test_waves_are_as_documented(frame):
    municipalities = frame.groupby("nis_code")[["programme", "programme_start"]].first()
    start = municipalities["programme_start"]
    assert set(start[start == 2018].index) == WAVE_2018
    assert set(start[start == 2021].index) == WAVE_2021
    assert start.isna().sum() == 7
    assert (municipalities["programme"] == start.notna().astype(int)).all()


@pytest.mark.parametrize("outcome", sorted(TRUE))
def test_the_params_estimator_recovers_the_true_effect(frame, outcome):
    panel = ek.Panel(frame.assign(g=frame["programme_start"].fillna(0).astype(int)),
                     unit="nis_code", time="year", outcome=outcome, first_treated="g")
    result = ek.callaway_santanna(
        panel, control_group="never_treated",
        inference=ek.MultiplierBootstrap(n_draws=999, random_state=20240101)).overall()
    low, high = result.conf_int().iloc[0]
    assert low <= TRUE[outcome] <= high
    # the estimates stated in data/BRUXELLES.md and the script's docstring
    stated = {"ris_rate": -2.92, "bim_non_take_up_rate": -6.24, "food_aid_rate": 0.83}
    assert result.estimate == pytest.approx(stated[outcome], abs=0.005)
    if outcome == "food_aid_rate":
        assert low < 0 < high  # no effect, and the data do not claim one
    else:
        assert high < 0  # a real effect, told apart from zero


def test_indicator_definitions_have_labels_in_three_languages():
    document = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    codes = [d["code"] for d in document["indicators"]]
    assert codes == ["ris_rate", "bim_non_take_up_rate", "food_aid_rate"]
    for definition in document["indicators"]:
        assert set(definition["label"]) == {"fr", "nl", "en"}
        assert "SIMULATED" in definition["notes"]
    # baseline = the simulated regional value of 2017 (sum of counts / sum of denominators)
    ris = document["indicators"][0]["baseline"]
    assert ris == {"period": 2017, "value": 58.0}


def test_indicator_definitions_load():
    from evalkit.indicators.definitions import load_indicators

    labels = {i.code: i.label for i in load_indicators(YAML)}
    assert labels["ris_rate"]["nl"].startswith("Leefloongerechtigden")


def test_shipped_params_hold_french_and_dutch_texts():
    raw = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    for section, key in (("policy", "name"), ("policy", "description"),
                         ("design", "outcome_label"), ("indicators", "focus_label")):
        assert set(raw[section][key]) == {"fr", "nl"}, (section, key)


def test_shipped_params_validate():
    from evalkit.cli import main
    from evalkit.reports import load_params

    params = load_params(PARAMS)
    assert params.policy.name.startswith("« Plan social de proximité »")
    assert params.design.estimator == "callaway_santanna"
    assert main(["validate", str(PARAMS)]) == 0
