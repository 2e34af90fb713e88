"""Plain-language findings are generated from the results, in the report's language."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit._formatting import MINUS, NNBSP
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.render.findings import key_findings

PARAMS = Path(__file__).resolve().parents[2] / "params"


def write_policy(tmp_path: Path, frame: pd.DataFrame, design: dict, language: str = "en",
                 **sections) -> Path:
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    params = {"policy": {"name": "Test policy", "description": "A test."},
              "language": language, "data": {"file": "data.csv"}, "design": design, **sections}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def staggered_panel(n_units: int, pre_trend: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        cohort = (0, 4, 6)[i % 3]
        for t in range(1, 9):
            treated = cohort and t >= cohort
            trend = pre_trend * t if cohort else 0.0
            y = 1.0 + 0.1 * t + trend + (0.5 if treated else 0.0) + rng.normal(0, 0.05)
            rows.append({"unit": i, "time": t, "y": y, "g": cohort})
    return pd.DataFrame(rows)


def test_incinerator_findings_state_the_effect_and_its_interval():
    findings = key_findings(evaluate(PARAMS / "incinerator.yaml"))
    # Wooldridge Table 13.2 col. (3): -14,177.93 (4,987.27), classical standard errors.
    assert f"{MINUS}14,178" in findings[0]
    assert "95% confidence interval" in findings[0]
    assert "excludes zero" in findings[0]
    assert "single period before the change" in findings[1]


def test_french_findings_use_french_number_formatting():
    findings = key_findings(evaluate(PARAMS / "workers_compensation.yaml"))
    # Wooldridge eq. (13.12): 0.191; exp(0.191) - 1 = 21.0%.
    assert "0,191" in findings[0]
    assert f"21,0{NNBSP}%" in findings[0]
    assert "intervalle de confiance à 95" in findings[0]
    assert "hausse" in findings[0]


def test_staggered_policy_leads_with_callaway_santanna_and_judges_twfe():
    ev = evaluate(PARAMS / "minimum_wage.yaml")
    findings = key_findings(ev)
    # R did 2.x, aggte(type = "simple") on mpdta: -0.0400; pre-test of parallel trends p = 0.168.
    assert ev.headline.estimate == pytest.approx(-0.0400, abs=5e-5)
    assert "−0.040" in findings[0]
    assert "pre-trend test p-value 0.168" in findings[1]
    # Goodman-Bacon: 5.4% of the TWFE weight on already-treated controls; TWFE -0.0365.
    assert any("5.4% of its weight" in f and "can be trusted" in f for f in findings)
    assert set(ev.staggered.event_studies) == {"callaway_santanna", "sun_abraham", "imputation",
                                               "twfe"}
    assert ev.staggered.notes == ()


def test_twfe_is_not_trusted_when_dynamic_effects_contaminate_it(tmp_path):
    from evalkit.data.simulate import simulate_staggered_panel

    sim = simulate_staggered_panel(600, 8, cohorts=(3, 5, 7), shares=(0.3, 0.3, 0.3, 0.1),
                                   dynamic_slope=1.0, noise_sd=0.2, seed=3)
    path = write_policy(tmp_path, sim.data, {"estimator": "callaway_santanna", "outcome": "y",
                                             "unit": "unit", "time": "period",
                                             "first_treated": "first_treated"},
                        staggered={"n_draws": 0})
    ev = evaluate(path)
    findings = key_findings(ev)
    assert ev.headline.estimate == pytest.approx(sim.true_overall_effect(), abs=0.1)
    assert abs(ev.main.estimate - sim.true_overall_effect()) > 0.3  # TWFE is far off
    assert any("should not be relied upon" in f for f in findings)


def test_insignificant_effect_is_called_indistinguishable_from_zero(tmp_path):
    kielmc = pd.read_csv(PARAMS.parent / "data" / "kielmc.csv")
    path = write_policy(tmp_path, kielmc, {"estimator": "did_2x2", "outcome": "rprice",
                                           "treated": "nearinc", "post": "y81"},
                        inference={"kind": "classical"})
    findings = key_findings(evaluate(path))
    # Wooldridge Example 13.3: -11,863.90 (7,456.65), two-sided p = 0.113.
    assert f"{MINUS}11,864" in findings[0]
    assert "includes zero" in findings[0]
    assert "p-value 0.113" in findings[0]


def test_rejected_pretrends_and_few_clusters_are_flagged(tmp_path):
    path = write_policy(tmp_path, staggered_panel(12, pre_trend=0.2),
                        {"estimator": "event_study", "outcome": "y", "unit": "unit",
                         "time": "time", "first_treated": "g"}, language="fr")
    findings = key_findings(evaluate(path))
    assert any(f.startswith("Attention") and "tendances" in f for f in findings)
    assert any("Seulement 12 grappes" in f for f in findings)
    assert any("petit (4 unités" in f for f in findings)


def test_parallel_panel_is_not_flagged(tmp_path):
    path = write_policy(tmp_path, staggered_panel(90, pre_trend=0.0),
                        {"estimator": "twfe", "outcome": "y", "unit": "unit", "time": "time",
                         "first_treated": "g"})
    ev = evaluate(path)
    findings = key_findings(ev)
    assert ev.headline.estimate == pytest.approx(0.5, abs=0.02)
    assert "evolved similarly" in findings[1]
    assert not any("clusters" in f for f in findings)
