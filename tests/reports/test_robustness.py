"""The robustness part of evaluation reports: HonestDiD sensitivity and the wild bootstrap."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.sections import PolicyReport
from evalkit.robustness.honest import honest_did
from evalkit.robustness.wild import wild_cluster_bootstrap

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _policy(tmp_path: Path, frame: pd.DataFrame, design: dict, **sections) -> Path:
    frame.to_csv(tmp_path / "data.csv", index=False)
    params = {"policy": {"name": "Test", "description": "A test."}, "language": "en",
              "data": {"file": "data.csv"}, "design": design, **sections}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def _regional_panel(n_departments: int = 8, communes: int = 6, seed: int = 3) -> pd.DataFrame:
    """Communes nested in departments; half the departments treated from period 5."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_departments):
        shock = rng.normal(0, 0.3, 8)
        for c in range(communes):
            unit = d * 100 + c
            for t in range(1, 9):
                treated = int(d % 2 == 0 and t >= 5)
                y = 2.0 + 0.1 * t + shock[t - 1] + 0.8 * treated + rng.normal(0, 0.2)
                rows.append({"commune": unit, "department": d, "year": 2010 + t, "y": y,
                             "treated": treated})
    return pd.DataFrame(rows)


def test_few_clusters_bring_the_wild_bootstrap_into_the_findings(tmp_path):
    path = _policy(tmp_path, _regional_panel(),
                   {"estimator": "twfe", "outcome": "y", "unit": "commune", "time": "year",
                    "treatment": "treated"},
                   inference={"kind": "cluster", "cluster": "department"})
    ev = evaluate(path)
    wild = ev.robustness.wild
    assert wild is not None and wild.n_clusters == 8 and wild.n_treated_clusters == 4
    assert wild.distribution == "webb"  # 8 clusters: Webb's six-point weights
    # The report's bootstrap is exactly the library's, with the params' seed and draws.
    again = wild_cluster_bootstrap(ev.main, ev.panel, cluster="department", distribution="webb",
                                   n_draws=9999, random_state=20240101, alpha=0.05)
    assert wild.p_value == again.p_value and wild.interval == again.interval
    findings = key_findings(ev)
    sentence = next(s for s in findings if "wild cluster bootstrap" in s)
    assert "8, of which 4 with treated units" in sentence
    html = PolicyReport(ev).sensitivity_html()
    assert "Inference with few clusters" in html and "Webb weights" in html


def test_wild_bootstrap_can_be_turned_off_and_is_skipped_with_many_clusters(tmp_path):
    frame = _regional_panel()
    design = {"estimator": "twfe", "outcome": "y", "unit": "commune", "time": "year",
              "treatment": "treated"}
    ev = evaluate(_policy(tmp_path, frame, design,
                          inference={"kind": "cluster", "cluster": "department"},
                          sensitivity={"wild_bootstrap": "never"}))
    assert ev.robustness.wild is None
    assert not any("wild cluster bootstrap" in s for s in key_findings(ev))
    # minimum wage: 500 county clusters, 191 treated: no bootstrap needed
    ev = evaluate(PARAMS / "minimum_wage.yaml")
    assert ev.robustness.wild is None and ev.robustness.clusters == 500


def test_a_single_treated_cluster_is_not_bootstrapped(tmp_path):
    frame = _regional_panel()
    frame["treated"] = ((frame["department"] == 0) & (frame["year"] >= 2015)).astype(int)
    ev = evaluate(_policy(tmp_path, frame,
                          {"estimator": "twfe", "outcome": "y", "unit": "commune",
                           "time": "year", "treatment": "treated"},
                          inference={"kind": "cluster", "cluster": "department"}))
    assert ev.robustness.wild is None
    assert any("only 1 cluster contains treated units" in n for n in ev.robustness.notes)


def test_sensitivity_examines_the_headline_event_study():
    ev = evaluate(PARAMS / "territoires_engagement.yaml")
    rob = ev.robustness
    assert rob.honest_source == ev.dynamic.estimator
    expected = honest_did(ev.dynamic, restriction="relative_magnitude",
                          m_values=[0, 0.5, 1, 1.5, 2], parameter="average", alpha=0.05)
    got = rob.honest["relative_magnitude"]
    np.testing.assert_allclose(got.conf_low, expected.conf_low)
    np.testing.assert_allclose(got.conf_high, expected.conf_high)
    assert "smoothness" in rob.honest
    findings = key_findings(ev)
    assert any(s.startswith(("Solidité", "Fragilité")) for s in findings)
    html = PolicyReport(ev).sensitivity_html()
    assert "Ampleurs relatives" in html and "Régularité" in html
    assert html.count("data:image/png;base64,") == 2


def test_callaway_santanna_with_varying_base_is_examined_with_a_universal_base():
    ev = evaluate(PARAMS / "minimum_wage.yaml")
    assert ev.dynamic.reference_period is None  # varying base period: no single reference
    rob = ev.robustness
    assert "Callaway" in rob.honest_source
    result = rob.honest["relative_magnitude"]
    assert result.pre_event_times == (-4, -3, -2) and result.post_event_times == (0, 1, 2, 3)


def test_sensitivity_can_be_turned_off(tmp_path):
    frame = _regional_panel()
    ev = evaluate(_policy(tmp_path, frame,
                          {"estimator": "event_study", "outcome": "y", "unit": "commune",
                           "time": "year", "treatment": "treated"},
                          sensitivity={"honest_did": False}))
    assert ev.robustness.honest == {}
    assert PolicyReport(ev).sensitivity_html() == ""
