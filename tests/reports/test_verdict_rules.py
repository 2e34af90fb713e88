"""The rules behind the reports' verdicts: defaults, overrides from params, provenance."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.errors import InputError, ParamsError
from evalkit.indicators import ProgressThresholds
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.analysis.tracking import track
from evalkit.reports.params.rules import RULE_NAMES, RULE_SOURCES, RULE_UNITS, VerdictRules
from evalkit.reports.params.schema import RulesSection, load_params
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.sections import PolicyReport
from evalkit.reports.render.tracking_sections import TrackingReport

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _policy(tmp_path: Path, frame: pd.DataFrame, design: dict, language: str = "en",
            **sections) -> Path:
    frame.to_csv(tmp_path / "data.csv", index=False)
    params = {"policy": {"name": "Test", "description": "A test."}, "language": language,
              "data": {"file": "data.csv"}, "design": design, **sections}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def _shipped_with(tmp_path: Path, name: str, **sections) -> Path:
    """A shipped params file with sections replaced or added, its paths made absolute."""
    raw = yaml.safe_load((PARAMS / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["data"]["file"] = str((PARAMS / raw["data"]["file"]).resolve())
    if "indicators" in raw:
        raw["indicators"]["definitions"] = str(
            (PARAMS / raw["indicators"]["definitions"]).resolve())
    for key, value in sections.items():
        raw[key] = {**raw.get(key, {}), **value}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _panel(n_units: int, seed: int = 0) -> pd.DataFrame:
    """Parallel trends, an effect of 0.5 from period 4 for a third of the units."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        cohort = (0, 4, 6)[i % 3]
        for t in range(1, 9):
            treated = cohort and t >= cohort
            y = 1.0 + 0.1 * t + (0.5 if treated else 0.0) + rng.normal(0, 0.05)
            rows.append({"unit": i, "time": t, "y": y, "g": cohort})
    return pd.DataFrame(rows)


_TWFE = {"estimator": "twfe", "outcome": "y", "unit": "unit", "time": "time",
         "first_treated": "g"}


def _rules_rows(html: str) -> str:
    """The provenance's table of rules (the part after its introduction)."""
    start = html.index("verdicts of this report") if "verdicts" in html else html.index(
        "appréciations automatiques")
    return html[start:html.index("</table>", start)]


# ------------------------------------------------------------------ the rules object


def test_defaults_are_the_thresholds_the_reports_always_used():
    rules = VerdictRules()
    assert (rules.few_clusters, rules.few_treated_clusters, rules.webb_weights_max_clusters,
            rules.small_comparison, rules.small_comparison_observations) == (30, 10, 12, 10, 30)
    assert (rules.twfe_trust_weight, rules.twfe_trust_gap, rules.poor_fit_share,
            rules.honest_robust_breakdown) == (0.10, 1.0, 0.05, 1.0)
    assert rules.progress_thresholds() == ProgressThresholds()
    # the params section has the same defaults, and every rule has a unit and a source
    assert RulesSection().verdict_rules() == rules
    assert list(RulesSection.model_fields) == list(RULE_NAMES)
    assert set(RULE_UNITS) == set(RULE_SOURCES) == set(RULE_NAMES)


def test_the_rules_object_is_frozen_and_refuses_bad_values():
    with pytest.raises(AttributeError):
        VerdictRules().few_clusters = 5  # type: ignore[misc]
    with pytest.raises(InputError) as info:
        VerdictRules(few_clusters=-1, poor_fit_share=0.0, twfe_trust_gap=float("nan"),
                     progress_significant=0.001)
    message = str(info.value)
    assert "few_clusters=-1: must be a whole number, 0 or more; got -1" in message
    assert "poor_fit_share=0.0: must be a share above 0 and at most 1; got 0.0" in message
    assert "twfe_trust_gap=nan: must be a finite number" in message
    assert "progress_significant=0.001: must be greater than progress_moderate (0.005)" \
        in message


@pytest.mark.parametrize("name", ["incinerator", "minimum_wage", "territoires_engagement",
                                  "tobacco_control_california", "workers_compensation",
                                  "hauts_de_france_tracking"])
def test_shipped_params_use_the_default_rules(name):
    params = load_params(PARAMS / f"{name}.yaml")
    assert params.verdict_rules == VerdictRules()
    assert params.rules.set_by_params == frozenset()


# ------------------------------------------------------------------ params


def test_bad_rules_are_refused_naming_their_keys(tmp_path):
    path = _policy(tmp_path, _panel(9), _TWFE, rules={
        "few_cluster": 40, "few_treated_clusters": -1, "small_comparison": 2.5,
        "twfe_trust_weight": 1.5, "poor_fit_share": 0, "twfe_trust_gap": "one",
        "webb_weights_max_clusters": True, "progress_on_track": 0.5})
    with pytest.raises(ParamsError) as info:
        load_params(path)
    problems = info.value.problems
    text = "\n".join(problems)
    unknown = next(p for p in problems if p.startswith("rules.few_cluster:"))
    assert "unknown key; the keys allowed here are few_clusters, few_treated_clusters" in unknown
    assert "did you mean 'few_clusters'?" in unknown
    assert "rules.few_treated_clusters: must be at least 0; got -1" in text
    assert any(p.startswith("rules.small_comparison: ") and "got 2.5" in p for p in problems)
    assert "rules.twfe_trust_weight: must be at most 1" in text
    assert "rules.poor_fit_share: must be greater than 0" in text
    assert any(p.startswith("rules.twfe_trust_gap: must be a number") for p in problems)
    assert any(p.startswith("rules.webb_weights_max_clusters: ") for p in problems)
    assert ("rules.progress_on_track=0.5: must be greater than rules.progress_acceleration "
            "(0.6); got 0.5") in text


def test_rules_set_by_the_params_are_known_as_such(tmp_path):
    path = _policy(tmp_path, _panel(9), _TWFE, rules={"few_clusters": 30, "poor_fit_share": 0.1})
    params = load_params(path)
    # a rule written in the file is set by it, even at its default value
    assert params.rules.set_by_params == {"few_clusters", "poor_fit_share"}
    assert params.verdict_rules == VerdictRules(poor_fit_share=0.1)


# ------------------------------------------------------------------ verdicts


def test_few_clusters_rule_above_the_cluster_count_turns_on_the_warning(tmp_path):
    default = evaluate(_policy(tmp_path, _panel(90), _TWFE))
    assert default.main.sample["clusters"] == 90
    assert not any("clusters" in f for f in key_findings(default))
    assert default.robustness.wild is None
    table = _rules_rows(PolicyReport(default).provenance_html())
    assert "Few clusters" in table and "<td>params file</td>" not in table

    ev = evaluate(_policy(tmp_path, _panel(90), _TWFE, rules={"few_clusters": 100},
                          sensitivity={"n_draws": 199}))
    findings = key_findings(ev)
    assert any(f.startswith("Only 90 clusters for the standard errors") for f in findings)
    assert ev.robustness.wild is not None  # auto: few clusters now
    assert ev.robustness.wild.distribution == "rademacher"
    assert ev.headline == default.headline  # the estimate itself does not move
    rows = _rules_rows(PolicyReport(ev).provenance_html()).split("<tr>")
    row = next(r for r in rows if "Few clusters (warning" in r)
    assert "<td>100</td>" in row and "<td>params file</td>" in row
    other = next(r for r in rows if "Small comparison group" in r)
    assert "<td>default</td>" in other


def test_webb_rule_chooses_the_bootstrap_weights(tmp_path):
    frame = _panel(30)
    design = {**_TWFE, "unit": "unit"}
    sensitivity = {"n_draws": 199, "wild_bootstrap": "always"}
    ev = evaluate(_policy(tmp_path, frame, design, sensitivity=sensitivity))
    assert ev.robustness.wild is not None and ev.robustness.wild.distribution == "rademacher"
    assert ev.robustness.clusters == 30
    ev = evaluate(_policy(tmp_path, frame, design, sensitivity=sensitivity,
                          rules={"webb_weights_max_clusters": 30}))
    assert ev.robustness.wild.distribution == "webb"
    row = next(r for r in _rules_rows(PolicyReport(ev).provenance_html()).split("<tr>")
               if "with Webb" in r)
    assert "<td>30</td>" in row and "<td>params file</td>" in row


def test_small_comparison_rule_drives_its_finding(tmp_path):
    # 90 units, a third never treated: 30 comparison units
    assert not any("comparison group is small" in f
                   for f in key_findings(evaluate(_policy(tmp_path, _panel(90), _TWFE))))
    ev = evaluate(_policy(tmp_path, _panel(90), _TWFE, rules={"small_comparison": 31}))
    assert any("The comparison group is small (30 never-treated units)" in f
               for f in key_findings(ev))


def test_twfe_trust_weight_rule_changes_the_twfe_verdict(tmp_path):
    # Goodman-Bacon on mpdta: 5.4% of the TWFE weight on already-treated comparisons
    ev = evaluate(_shipped_with(tmp_path, "minimum_wage", staggered={"n_draws": 0},
                                sensitivity={"honest_did": False},
                                rules={"twfe_trust_weight": 0.05}))
    findings = key_findings(ev)
    assert any("5.4% of its weight" in f and "should not be relied upon" in f for f in findings)
    assert "5%" in _rules_rows(PolicyReport(ev).provenance_html())


def test_poor_fit_rule_changes_the_synthetic_control_verdict(tmp_path):
    ev = evaluate(_shipped_with(tmp_path, "tobacco_control_california",
                                synthetic={"placebo_in_space": False, "leave_one_out": False,
                                           "n_draws": 20},
                                rules={"poor_fit_share": 0.001}))
    findings = key_findings(ev)
    assert any(f.startswith("Caution: before the policy, the synthetic comparison followed")
               for f in findings)
    rows = _rules_rows(PolicyReport(ev).provenance_html())
    assert "Loose synthetic control fit" in rows and "0.1%" in rows and "params file" in rows
    assert "Few clusters" not in rows  # only the rules the report applied


def test_progress_bands_come_from_the_rules_and_are_listed_in_french(tmp_path):
    default = {i.indicator.code: i.long_term.status
               for i in track(PARAMS / "hauts_de_france_tracking.yaml").indicators}
    # the NEET share falls by 1.6% a year where 1.5% is required: a ratio near 1.07
    assert default["neet_rate"] == "on_track"
    tracking = track(_shipped_with(tmp_path, "hauts_de_france_tracking",
                                   rules={"progress_on_track": 1.2}))
    changed = {i.indicator.code: i.long_term.status for i in tracking.indicators}
    assert changed["neet_rate"] == "acceleration_needed"
    assert {k: v for k, v in changed.items() if k != "neet_rate"} == {
        k: v for k, v in default.items() if k != "neet_rate"}
    rows = _rules_rows(TrackingReport(tracking).provenance_html()).split("<tr>")
    on_track = next(r for r in rows if "En bonne voie" in r)
    assert "<td>1,2</td>" in on_track and "<td>fichier de paramètres</td>" in on_track
    moderate = next(r for r in rows if "Progrès modérés" in r)
    assert "0,5\u202f% par an" in moderate and "<td>valeur par défaut</td>" in moderate


def test_honest_breakdown_rule_decides_between_robust_and_fragile(tmp_path):
    # HonestDiD on the shipped French panel: the effect holds up to Mbar = 1.15
    default = [f for f in key_findings(evaluate(PARAMS / "territoires_engagement.yaml"))
               if f.startswith(("Solidité", "Fragilité"))]
    assert len(default) == 1 and default[0].startswith("Solidité")
    ev = evaluate(_shipped_with(tmp_path, "territoires_engagement",
                                rules={"honest_robust_breakdown": 1.5}))
    changed = [f for f in key_findings(ev) if f.startswith(("Solidité", "Fragilité"))]
    assert len(changed) == 1 and changed[0].startswith("Fragilité")
    row = next(r for r in _rules_rows(PolicyReport(ev).provenance_html()).split("<tr>")
               if "Mbar" in r)
    assert "<td>1,5</td>" in row and "<td>fichier de paramètres</td>" in row
