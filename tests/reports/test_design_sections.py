"""Every report section follows what the design supports, and says why it omits a comparison.

A Callaway & Sant'Anna design whose comparison units are the units not yet treated needs
no never-treated units; the comparisons the report adds (the TWFE event study, Sun &
Abraham, the Goodman-Bacon decomposition, the imputation estimator, HonestDiD, the wild
bootstrap) run only as the design allows, and an omission is stated, with its reason,
in the report's language and in the params' terms (``event_study.bin_endpoints: true``,
never ``bin_endpoints=True``).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.data import Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did import twfe
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.params.terms import (
    EVENT_STUDY_TERMS,
    STAGGERED_TERMS,
    SYNTHETIC_TERMS,
    params_wording,
)
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.sections import PolicyReport

DATA = Path(__file__).resolve().parents[2] / "data"
SECTIONS = ("findings_html", "data_html", "estimate_html", "dynamics_html", "staggered_html",
            "sensitivity_html", "provenance_html")
PYTHON_ARGUMENTS = ("bin_endpoints=", "window=", "control_group=", "control_cohort=", "alpha=",
                    "=True", "=False")


def _policy(tmp_path: Path, frame: pd.DataFrame, design: dict, language: str = "en",
            **sections) -> Path:
    frame.to_csv(tmp_path / "data.csv", index=False)
    params = {"policy": {"name": "Test", "description": "A test."}, "language": language,
              "data": {"file": "data.csv"}, "design": design, **sections}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def _all_treated(seed: int = 1) -> pd.DataFrame:
    """Three cohorts (periods 3, 5, 7) covering every unit: no never-treated unit."""
    sim = simulate_staggered_panel(150, 8, cohorts=(3, 5, 7), shares=(0.3, 0.3, 0.4, 0.0),
                                   noise_sd=0.5, seed=seed)
    return sim.data


def _design(estimator: str = "callaway_santanna", **more) -> dict:
    return {"estimator": estimator, "outcome": "y", "unit": "unit", "time": "period",
            "first_treated": "first_treated", **more}


_STAGGERED = {"control_group": "not_yet_treated", "n_draws": 0}


def _report(path: Path) -> tuple[PolicyReport, str]:
    report = PolicyReport(evaluate(path))
    html = "".join(getattr(report, name)() for name in SECTIONS)
    return report, html


def _no_python_arguments(html: str) -> None:
    for argument in PYTHON_ARGUMENTS:
        assert argument not in html, argument


@pytest.mark.parametrize("language", ["en", "fr"])
def test_not_yet_treated_design_without_never_treated_units_is_reported(tmp_path, language):
    path = _policy(tmp_path, _all_treated(), _design(), language, staggered=_STAGGERED)
    report, html = _report(path)
    ev = report.evaluation
    assert ev.panel.n_never_treated_units == 0
    # the headline is Callaway & Sant'Anna's, comparing with units not yet treated
    panel = Panel(ev.data, unit="unit", time="period", outcome="y",
                  first_treated="first_treated")
    expected = callaway_santanna(panel, control_group="not_yet_treated").overall()
    assert ev.headline.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert ev.staggered.control_group == "not_yet_treated"
    # the TWFE event study is omitted (not identified), Sun & Abraham compare with the
    # last-treated cohort; imputation, Bacon, HonestDiD all ran
    assert "twfe" not in ev.staggered.event_studies
    assert set(ev.staggered.event_studies) == {"callaway_santanna", "sun_abraham", "imputation"}
    assert ev.staggered.bacon is not None
    assert "Callaway" in ev.robustness.honest_source and ev.robustness.honest
    dynamics = report.dynamics_html()
    staggered = report.staggered_html()
    if language == "en":
        assert ("The event study with unit and period fixed effects (TWFE) is omitted: every "
                "unit is eventually treated, so there is no never-treated comparison group"
                in dynamics)
        assert "compares the other cohorts with the last one (first treated in 7)" in staggered
        findings = key_findings(ev)
        assert any(f.startswith("Every unit is eventually treated") for f in findings)
        assert not any("never-treated units)" in f for f in findings)  # no "small (0 ...)"
    else:
        assert ("(TWFE) n&#39;apparaît pas dans ce rapport : toutes les unités finissent par "
                "être traitées" in dynamics)
        assert "compare les autres cohortes à la dernière (entrée en 7)" in staggered
        assert any(f.startswith("Toutes les unités finissent par être traitées")
                   for f in key_findings(ev))
    # the advice names the params keys, never Python arguments
    assert "event_study.window" in dynamics and "event_study.bin_endpoints: true" in dynamics
    _no_python_arguments(html)


def test_mpdta_without_its_never_treated_counties(tmp_path):
    mpdta = pd.read_csv(DATA / "mpdta.csv")
    frame = mpdta[mpdta["first.treat"] != 0]
    path = _policy(tmp_path, frame,
                   {"estimator": "callaway_santanna", "outcome": "lemp", "unit": "countyreal",
                    "time": "year", "first_treated": "first.treat"}, "fr",
                   staggered={"control_group": "not_yet_treated", "n_draws": 0},
                   inference={"kind": "cluster", "cluster": "countyreal"})
    report, html = _report(path)
    ev = report.evaluation
    panel = Panel(frame, unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    expected = callaway_santanna(panel, control_group="not_yet_treated").overall()
    assert ev.headline.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert "la dernière cohorte (2007)" in report.staggered_html()
    assert "(de -4 à 3)" in report.dynamics_html()
    _no_python_arguments(html)


def test_twfe_headline_without_never_treated_units_omits_its_event_study(tmp_path):
    path = _policy(tmp_path, _all_treated(), _design("twfe"), staggered=_STAGGERED)
    report, html = _report(path)
    ev = report.evaluation
    assert ev.dynamic is None and ev.pretrend is None
    dynamics = report.dynamics_html()
    assert dynamics.startswith("<h2>Effects over time")
    assert "is omitted: every unit is eventually treated" in dynamics
    assert any(f.startswith("Trends before the policy are not checked") for f in key_findings(ev))
    # the sensitivity analysis examines Callaway & Sant'Anna's event study instead
    assert "Callaway" in ev.robustness.honest_source
    _no_python_arguments(html)


def test_binned_endpoints_make_the_twfe_event_study_identified(tmp_path):
    path = _policy(tmp_path, _all_treated(), _design("twfe"), staggered=_STAGGERED,
                   event_study={"window": [-3, 3], "bin_endpoints": True})
    ev = evaluate(path)
    assert ev.dynamic is not None and ev.dynamic.binned
    assert ev.staggered.event_studies["twfe"] is ev.dynamic
    dynamics = PolicyReport(ev).dynamics_html()
    assert "identified only by pooling the relative periods beyond event_study.window " \
           "([-3, 3])" in dynamics


def test_a_window_that_bins_nothing_is_explained(tmp_path):
    path = _policy(tmp_path, _all_treated(), _design(), "fr", staggered=_STAGGERED,
                   event_study={"window": [-6, 5], "bin_endpoints": True})
    report, html = _report(path)
    assert "twfe" not in report.evaluation.staggered.event_studies
    assert ("event_study.window ([-6, 5]) couvre toutes les périodes relatives des données"
            in report.dynamics_html())
    _no_python_arguments(html)


@pytest.mark.parametrize("event_study", [None, {"window": [-6, 5], "bin_endpoints": True}])
def test_event_study_headline_without_never_treated_units_fails_in_params_terms(
        tmp_path, event_study):
    sections = {"event_study": event_study} if event_study else {}
    path = _policy(tmp_path, _all_treated(), _design("event_study"), **sections)
    with pytest.raises(EstimationError) as caught:
        evaluate(path)
    message = str(caught.value)
    assert message.startswith("design.estimator: event_study cannot be estimated")
    assert "event_study.window" in message and "design.estimator: callaway_santanna" in message
    for argument in PYTHON_ARGUMENTS:
        assert argument not in message


def test_never_treated_control_group_without_never_treated_units(tmp_path):
    frame = _all_treated()
    staggered = {"control_group": "never_treated", "n_draws": 0}
    # the headline cannot be computed: an error naming the params keys
    with pytest.raises(DataError) as caught:
        evaluate(_policy(tmp_path, frame, _design(), staggered=staggered))
    message = str(caught.value)
    assert message.startswith("staggered.control_group: never_treated: the panel has no "
                              "never-treated units")
    assert "use staggered.control_group: not_yet_treated" in message
    assert "control_group='" not in message
    # a comparison: omitted, with the reason in the report's language
    report, html = _report(_policy(tmp_path, frame, _design("twfe"), "fr", staggered=staggered))
    assert "callaway_santanna" not in report.evaluation.staggered.event_studies
    assert ("L&#39;estimateur de Callaway et Sant&#39;Anna n&#39;apparaît pas dans ce "
            "rapport : staggered.control_group vaut never_treated" in report.staggered_html())
    _no_python_arguments(html)


def test_covariates_the_fixed_effects_absorb_leave_the_comparisons_running(tmp_path):
    mpdta = pd.read_csv(DATA / "mpdta.csv")
    path = _policy(tmp_path, mpdta,
                   {"estimator": "callaway_santanna", "outcome": "lemp", "unit": "countyreal",
                    "time": "year", "first_treated": "first.treat", "covariates": ["lpop"]},
                   staggered={"n_draws": 0})
    report, html = _report(path)
    ev = report.evaluation
    panel = Panel(mpdta, unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    # lpop is constant within each county: TWFE is the same regression without it
    assert ev.main.estimate == pytest.approx(twfe(panel).estimate, rel=1e-12)
    assert set(ev.staggered.event_studies) == {"callaway_santanna", "sun_abraham", "imputation",
                                               "twfe"}
    assert ev.staggered.bacon is not None and ev.staggered.remarks == ()
    # the headline keeps the covariate
    with_lpop = Panel(mpdta, unit="countyreal", time="year", outcome="lemp",
                      first_treated="first.treat", covariates=["lpop"])
    expected = callaway_santanna(with_lpop, control_group="never_treated").overall()
    assert ev.headline.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert "(lpop) are already accounted for" in report.estimate_html()
    _no_python_arguments(html)


def test_a_weighted_design_omits_the_decomposition_and_says_why(tmp_path):
    frame = simulate_staggered_panel(150, 8, cohorts=(3, 5), shares=(0.3, 0.3, 0.4),
                                     noise_sd=0.5, seed=2).data
    path = _policy(tmp_path, frame, _design(weights="weight"), "fr",
                   staggered={"n_draws": 0})
    report, html = _report(path)
    assert report.evaluation.staggered.bacon is None
    assert ("La décomposition de Goodman-Bacon n&#39;apparaît pas dans ce rapport : elle "
            "décompose la régression non pondérée, et le plan d&#39;évaluation est pondéré "
            "(design.weights: weight)." in report.staggered_html())
    _no_python_arguments(html)


def test_design_limits_are_remarks_but_genuine_errors_stop_the_report(tmp_path, monkeypatch):
    import evalkit.reports.analysis.staggered as staggered

    path = _policy(tmp_path, _all_treated(), _design(), staggered=_STAGGERED)

    def not_identified(*args, **kwargs):
        raise EstimationError("No untreated observation at horizon 3; choose anticipation=0 "
                              "or fewer horizons.")

    monkeypatch.setattr(staggered, "imputation", not_identified)
    report = PolicyReport(evaluate(path))
    assert ("The imputation estimator (Borusyak, Jaravel &amp; Spiess) is omitted: No untreated "
            "observation at horizon 3; choose staggered.anticipation: 0 or fewer horizons."
            in report.staggered_html())

    def invalid(*args, **kwargs):
        raise InputError("Invalid arguments to imputation:", ["anticipation=-1: must be >= 0"])

    monkeypatch.setattr(staggered, "imputation", invalid)
    with pytest.raises(InputError) as caught:
        evaluate(path)
    assert "staggered.anticipation: -1: must be >= 0" in str(caught.value)

    def bug(*args, **kwargs):
        raise TypeError("imputation() got an unexpected keyword argument")

    monkeypatch.setattr(staggered, "imputation", bug)
    with pytest.raises(TypeError):
        evaluate(path)


def test_library_messages_are_worded_with_params_keys():
    message = ("The fully dynamic event study is not identified without never-treated units: "
               "event time, period and unit effects are collinear. Bin the endpoints "
               "(bin_endpoints=True with a window) or use an estimator for staggered adoption.")
    worded = params_wording(message, EVENT_STUDY_TERMS)
    assert "(event_study.bin_endpoints: true and event_study.window)" in worded
    assert "(design.estimator: callaway_santanna, sun_abraham or imputation)" in worded
    assert params_wording("bin_endpoints=True: needs a window saying where the endpoints are, "
                          "e.g. window=(-4, 3)", EVENT_STUDY_TERMS) == (
        "event_study.bin_endpoints: true: needs a window saying where the endpoints are, e.g. "
        "event_study.window: [-4, 3]")
    assert params_wording("alpha=0.05: must be between 0 and 1; cluster='dep': absent",
                          STAGGERED_TERMS) == (
        "inference.confidence_level: 0.95: must be between 0 and 1; inference.cluster: dep: "
        "absent")
    assert params_wording("se='placebo' needs more comparison units than treated units; use "
                          "se='bootstrap'", SYNTHETIC_TERMS) == (
        "synthetic.inference: placebo needs more comparison units than treated units; "
        "use synthetic.inference: bootstrap")
    assert params_wording("The panel cannot be used for sdid with inference=Placebo():",
                          SYNTHETIC_TERMS) == (
        "The panel cannot be used for sdid with synthetic.inference: placebo:")
    assert params_wording("inference=Placebo() needs more comparison units than treated units; "
                          "use inference=Bootstrap() or inference=Jackknife().",
                          SYNTHETIC_TERMS) == (
        "synthetic.inference: placebo needs more comparison units than treated units; "
        "use synthetic.inference: bootstrap or synthetic.inference: jackknife.")
    # names that are no params key, and words that merely contain one, stay as they are
    assert params_wording("control_cohort='last_treated'; subwindow=3", EVENT_STUDY_TERMS) == \
        "control_cohort='last_treated'; subwindow=3"


def test_remarks_keep_their_english_notes_for_exploring(tmp_path):
    ev = evaluate(_policy(tmp_path, _all_treated(), _design(), "fr", staggered=_STAGGERED))
    assert all(isinstance(n, str) for n in ev.staggered.notes)
    assert ev.staggered.notes[0].startswith("Every unit is eventually treated")
    assert np.isfinite(ev.headline.estimate)
