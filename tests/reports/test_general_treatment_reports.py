"""Reports on the designs beyond one binary treatment that stays on, from their params files.

The shipped params files run the new estimators on their published applications; the
headline each report leads with is the reference package's number on those data:

- ``banking_deregulation``: de Chaisemartin & D'Haultfoeuille on Favara & Imbs (2015),
  average total effect 0.055063 (s.e. 0.0268082), as printed in the README of the
  authors' Python port py_did_multiplegt_dyn (effects=8, placebo=3, cluster="state_n",
  normalized, same_switchers);
- ``job_training``: the improved doubly robust 2x2 on the NSW panel, -901.2703
  (s.e. 393.6247), R DRDID ``drdid(..., panel = TRUE)`` with the seven covariates, as
  printed in the DRDID README example;
- ``minimum_wage_extended_twfe``: extended TWFE with ``lpop`` on mpdta, -0.0506270
  (s.e. 0.0124973), R etwfe 0.6.2 ``emfx(etwfe(lemp ~ lpop, ...))`` (its tests and
  README);
- ``assurance_recolte``: triple differences on Cai (2016), doubly robust, universal
  base, covariates hhsize and age: 0.0428592 (moderndid 0.4.1's ddd + agg_ddd, the
  call in tests/did/test_triple_differences.py; no R output on these data is printed);
- ``shale_employment``: continuous DiD on the fracking counties, ATT^o 0.042445
  (moderndid 0.4.1's cont_did, the call in tests/did/test_continuous.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import main
from evalkit.datasets import dataset_path
from evalkit.errors import DataError, ParamsError
from evalkit.reports import load_params
from evalkit.reports.analysis.evaluation import evaluate, load_data
from evalkit.reports.analysis.general_treatment import general_treatment_facts
from evalkit.reports.render.findings import key_findings

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"


@pytest.mark.parametrize(("policy", "label", "estimate", "std_error", "digits"), [
    ("banking_deregulation", "overall_chaisemartin_dhaultfoeuille", 0.055063, 0.0268082, 6),
    ("job_training", "effect_row", -901.2703, 393.6247, 4),
    ("minimum_wage_extended_twfe", "overall_extended_twfe", -0.0506270, 0.0124973, 6),
])
def test_the_headline_is_the_reference_packages_number(policy, label, estimate, std_error,
                                                      digits):
    ev = evaluate(PARAMS / f"{policy}.yaml")
    assert ev.headline.label_key == label
    assert ev.headline.estimate == pytest.approx(estimate, abs=0.5 * 10**-digits)
    if policy == "job_training":
        # DRDID's printed page divided the variance by n - 1 (DRDID 1.2.3 by n, as evalkit):
        # see tests/did/test_did_2x2_doubly_robust.py
        n = 16417
        assert ev.headline.std_error * (n / (n - 1)) ** 0.5 == pytest.approx(std_error,
                                                                            abs=0.5e-4)
    else:
        assert ev.headline.std_error == pytest.approx(std_error, abs=0.5 * 10**-digits)


def test_triple_differences_and_continuous_reports_lead_with_the_estimators_numbers():
    ddd = evaluate(PARAMS / "assurance_recolte.yaml")
    assert ddd.headline.label_key == "overall_triple_differences"
    assert ddd.headline.estimate == pytest.approx(0.0428592287, abs=1e-7)
    assert ddd.main.sample["clusters"] == 12  # clustered by county, as the params say
    assert ddd.dynamic is not None and ddd.dynamic.reference_period == -1
    assert set(ddd.robustness.honest) == {"relative_magnitude", "smoothness"}
    dose = evaluate(PARAMS / "shale_employment.yaml")
    assert dose.headline.label_key == "overall_continuous_did"
    assert dose.headline.estimate == pytest.approx(0.042445, abs=0.5e-6)
    assert dose.general.dose_response is not None
    assert dose.dynamic.reference_period == -1  # base_period: universal


def test_findings_say_what_the_number_is():
    ev = evaluate(PARAMS / "banking_deregulation.yaml")
    first = key_findings(ev)[0]
    assert "per unit of treatment received" in first
    assert ev.pretrend is not None  # the placebos' joint test
    assert any("pre-trend test" in f for f in key_findings(ev))


def test_data_facts_count_each_designs_groups():
    facts = load_data(load_params(PARAMS / "banking_deregulation.yaml")).facts
    assert facts["units"] == 1048
    # switchers and stayers add up to the counties (from the data: inter_bra's range by county)
    data = pd.read_csv(dataset_path("favara_imbs"))
    spread = data.groupby("county")["inter_bra"].agg(["min", "max"])
    changed = int((spread["min"] != spread["max"]).sum())
    assert dict(facts["groups"]) == {"switchers": changed, "stayers": 1048 - changed}
    facts = load_data(load_params(PARAMS / "assurance_recolte.yaml")).facts
    groups = dict(facts["groups"])
    assert sum(groups.values()) == facts["units"] == 3659
    cai = pd.read_csv(dataset_path("cai2016")).groupby("hhno")[["treatment", "sector"]].first()
    assert groups["treated_eligible"] == int(((cai.treatment == 1) & (cai.sector == 1)).sum())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return info.value.problems


HEAD = """\
policy:
  name: Test
  description: A test.
language: en
data:
  file: {data}
"""


def test_each_design_names_the_roles_it_needs(tmp_path):
    data = dataset_path("favara_imbs")
    text = HEAD.format(data=data) + ("design:\n  estimator: chaisemartin_dhaultfoeuille\n"
                                     "  outcome: Dl_vloans_b\n  unit: county\n  time: year\n"
                                     "  dose: inter_bra\n")
    problems = _problems(_write(tmp_path, "a", text))
    assert any(p.startswith("design.treatment: required with estimator "
                            "'chaisemartin_dhaultfoeuille'") for p in problems)
    assert any(p.startswith("design.dose: not used by estimator 'chaisemartin_dhaultfoeuille'")
               for p in problems)
    text = HEAD.format(data=dataset_path("fracking")) + (
        "design:\n  estimator: continuous_did\n  outcome: y\n  unit: i\n  time: t\n"
        "  first_treated: G\nintertemporal:\n  effects: 2\n")
    problems = _problems(_write(tmp_path, "b", text))
    assert any(p.startswith("design.dose: required with estimator 'continuous_did'")
               for p in problems)
    assert any(p.startswith("intertemporal: only used with estimator "
                            "'chaisemartin_dhaultfoeuille'") for p in problems)
    text = HEAD.format(data=dataset_path("cai2016")) + (
        "design:\n  estimator: triple_differences\n  outcome: checksaving_ratio\n"
        "  unit: hhno\n  time: year\n  start: 2003\n  eligible: sector\n")
    problems = _problems(_write(tmp_path, "c", text))
    assert any(p.startswith("design.treated: required with estimator 'triple_differences'")
               for p in problems)
    text = HEAD.format(data=dataset_path("mpdta")) + (
        "design:\n  estimator: twfe\n  outcome: lemp\n  unit: countyreal\n  time: year\n"
        "  first_treated: first.treat\n  dose: lpop\n  start: 2004\n")
    problems = _problems(_write(tmp_path, "d", text))
    assert any(p.startswith("design.dose: only used by estimator 'continuous_did'")
               for p in problems)
    assert any(p.startswith("design.start: only used by estimator 'triple_differences'")
               for p in problems)


def test_a_two_by_two_reads_after_from_two_periods_or_says_which_it_found(tmp_path):
    text = HEAD.format(data=dataset_path("mpdta")) + (
        "design:\n  estimator: did_2x2\n  method: doubly_robust\n  outcome: lemp\n"
        "  unit: countyreal\n  treated: treat\n  time: year\n")
    with pytest.raises(DataError, match=r"design.time='year': the 2x2 design reads the period "
                                        r"after the change from a column with exactly two "
                                        r"numeric periods; got 5 \(2003, 2004, 2005, 2006, "
                                        r"2007\)"):
        load_data(load_params(_write(tmp_path, "e", text)))


def test_treated_groups_given_as_zero_one_are_checked(tmp_path):
    frame = pd.read_csv(dataset_path("cai2016"))
    frame.loc[4, "treatment"] = 2
    frame.to_csv(tmp_path / "cai.csv", index=False)
    text = (PARAMS / "assurance_recolte.yaml").read_text(encoding="utf-8").replace(
        "../data/cai2016.csv", str(tmp_path / "cai.csv"))
    params = load_params(_write(tmp_path, "f", text))
    with pytest.raises(DataError, match=r"design.treated='treatment': must be 0 or 1 on every "
                                        r"row .*; 1 rows are not \(rows 5,"):
        evaluate(params)
    assert general_treatment_facts(params, frame)["units"] == 3659


@pytest.mark.notebook
def test_the_french_triple_difference_report_is_in_french(tmp_path):
    from tests.reports.test_shipped_reports import ENGLISH_WORDS, prose

    assert main(["run", str(PARAMS / "assurance_recolte.yaml"), "-o", str(tmp_path)]) == 0
    text = prose((tmp_path / "assurance_recolte.html").read_text(encoding="utf-8"))
    found = [w for w in ENGLISH_WORDS if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert found == []
    assert "Triple differences" not in text  # the estimator's name is translated
    assert "Triple différence (Ortiz-Villavicencio et Sant'Anna 2025)" in text
    assert re.findall(r"(?<![\w./:-])[\u2212-]?\d+\.\d+(?![\w.])", text) == []
    assert "Unités éligibles des groupes traités" in text


def test_a_doubly_robust_two_by_two_states_its_standard_errors_and_counts_units():
    from evalkit.reports.render.sections import PolicyReport

    ev = evaluate(PARAMS / "job_training.yaml")
    assert dict(ev.main.sample)["control_units"] == 15992  # CPS people, each seen twice
    assert not any("comparison group is small" in f for f in key_findings(ev))
    page = PolicyReport(ev).estimate_html()
    assert "from the estimator&#39;s influence function" in page or \
        "from the estimator's influence function" in page
    assert "HC1" not in page


def test_extended_twfe_joins_the_staggered_comparison():
    from evalkit.reports.render.sections import PolicyReport

    ev = evaluate(PARAMS / "minimum_wage_extended_twfe.yaml")
    assert set(ev.staggered.overall) == {"callaway_santanna", "imputation", "extended_twfe"}
    page = PolicyReport(ev).staggered_html()
    assert "Extended TWFE, Wooldridge (2021)" in page
    assert "Callaway &amp; Sant&#39;Anna (2021)" in page or "Callaway & Sant'Anna (2021)" in page
