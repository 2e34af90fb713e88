"""The evaluation notebook's steps: each computes and shows one section of the report.

The steps (``PolicyReport.begin`` ... ``conclude``) must give the report that
``PolicyReport.from_params`` gives, accept params keys as options with the file's
checks, recompute only what an option changes, and be what the shipped notebook runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evalkit.did import twfe
from evalkit.errors import ParamsError
from evalkit.inference import Clustered, Robust
from evalkit.reports import PolicyReport, load_params

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shown(monkeypatch):
    """The HTML each step displays, in order (the notebook's outputs)."""
    outputs: list[str] = []
    monkeypatch.setattr(PolicyReport, "_display", staticmethod(outputs.append))
    return outputs


def _without_dates(markup: str) -> str:
    """The markup with its run dates masked: as recorded (ISO 8601) and as shown in the
    provenance table, in the report's locale (``5 décembre 2026, 21:39 UTC``)."""
    markup = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "DATE", markup)
    return re.sub(r"<td>[^<]*\d\d:\d\d UTC</td>", "<td>DATE</td>", markup)


def _steps(report: PolicyReport) -> None:
    report.load_data()
    report.map_territories()
    report.estimate()
    report.effects_over_time()
    report.compare_estimators()
    report.check_robustness()
    report.track_indicators()
    report.conclude()


@pytest.mark.parametrize("policy", ["minimum_wage", "incinerator", "territoires_engagement"])
def test_the_steps_show_the_sections_of_the_one_shot_report(policy, shown):
    params = load_params(ROOT / "params" / f"{policy}.yaml")
    _steps(PolicyReport.begin(params))
    whole = PolicyReport.from_params(params)
    expected = [whole.data_html(), whole.maps_html(), whole.estimate_html(), whole.dynamics_html(),
                whole.staggered_html(), whole.sensitivity_html(), whole.indicators_html(),
                whole.findings_html(), whole.provenance_html()]
    assert [_without_dates(h) for h in shown] == [_without_dates(h) for h in expected if h]


def test_the_params_own_sections_as_options_recompute_nothing(shown):
    params = load_params(ROOT / "params" / "minimum_wage.yaml")
    report = PolicyReport.begin(params)
    data, panel = report.load_data(data=params.data, design=params.design)
    estimation = report.estimate(design=params.design, inference=params.inference)
    report.effects_over_time(event_study=params.event_study)
    report.compare_estimators(staggered=params.staggered)
    assert report.estimate() is estimation
    assert report.load_data()[1] is panel


def test_an_option_changes_the_estimate_as_the_library_call_does(shown):
    params = load_params(ROOT / "params" / "territoires_engagement.yaml")
    report = PolicyReport.begin(params)
    _, panel = report.load_data()
    clustered = report.estimate()
    assert clustered.main.inference == Clustered(cluster=params.inference.cluster)
    robust = report.estimate(inference={"kind": "robust", "cluster": None})
    expected = twfe(panel, inference=Robust(), alpha=0.05)
    assert robust.main.inference == Robust()
    assert robust.main.std_error == pytest.approx(expected.std_error, rel=1e-12)
    assert robust.main.estimate == pytest.approx(clustered.main.estimate, rel=1e-12)
    assert report.params.inference.kind == "robust"
    assert params.inference.kind == "cluster"  # the loaded params are never changed
    assert "heteroskedasticity" in shown[-1] or "hétéroscédasticité" in shown[-1]


def test_a_later_step_follows_an_earlier_option(shown):
    params = load_params(ROOT / "params" / "minimum_wage.yaml")
    report = PolicyReport.begin(params)
    report.estimate(design={"estimator": "imputation"})
    evaluation = report.conclude()
    assert evaluation.headline.label_key == "overall_imputation"
    changed = PolicyReport.from_params(params.with_options(design={"estimator": "imputation"}))
    assert evaluation.headline == changed.evaluation.headline
    assert shown[-2] == changed.findings_html()  # the key findings follow the option


def test_a_bad_option_names_its_key(shown):
    report = PolicyReport.begin(load_params(ROOT / "params" / "minimum_wage.yaml"))
    with pytest.raises(ParamsError, match=r"design\.estimator: must be one of"):
        report.estimate(design={"estimator": "ols"})
    with pytest.raises(ParamsError, match=r"inference\.cluster: only used when"):
        report.estimate(inference={"kind": "robust"})
    with pytest.raises(ParamsError, match=r"estimater: not a section"):
        report.estimate(estimater={"kind": "robust"})


def test_the_shipped_notebook_is_the_steps_in_report_order():
    notebook = json.loads((ROOT / "notebooks" / "evaluation.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "code" and "remove" not in c["metadata"].get("tags", []))
    calls = re.findall(r"report\.(\w+)\(", code)
    assert calls == ["introduce", "load_data", "map_territories", "estimate", "effects_over_time",
                     "compare_estimators", "check_robustness", "track_indicators", "conclude",
                     "headline"]
    assert "show_" not in code
    explained = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert all("remove" in c["metadata"].get("tags", []) for c in explained)
    assert len(explained) >= 8  # each step is explained for the reader of the notebook


def test_the_tracking_steps_show_the_sections_of_the_one_shot_report(monkeypatch):
    from evalkit.reports import TrackingReport

    shown: list[str] = []
    monkeypatch.setattr(TrackingReport, "_display", staticmethod(shown.append))
    params = load_params(ROOT / "params" / "hauts_de_france_tracking.yaml")
    report = TrackingReport.begin(params)
    report.describe_data(indicators=params.indicators)
    report.assess_targets()
    report.follow_indicators()
    report.conclude()
    whole = TrackingReport.from_params(params)
    expected = [whole.data_html(), whole.attainment_html(), whole.indicators_html(),
                whole.summary_html(), whole.provenance_html()]
    assert [_without_dates(h) for h in shown] == [_without_dates(h) for h in expected]
    later = report.describe_data(indicators={"policy_start": 2020})
    assert later.params.indicators.policy_start == 2020
    assert params.indicators.policy_start == 2019


def test_the_shipped_tracking_notebook_is_the_steps_in_report_order():
    notebook = json.loads((ROOT / "notebooks" / "tracking.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    calls = re.findall(r"report\.(\w+)\(", code)
    assert calls == ["introduce", "describe_data", "assess_targets", "follow_indicators",
                     "conclude", "headline"]
    assert "show_" not in code
