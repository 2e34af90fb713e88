"""Reports for one treated unit: synthetic DiD and synthetic control, with placebo inference."""

from pathlib import Path

import pytest
import yaml

from evalkit.data import Panel
from evalkit.datasets import load_prop99
from evalkit.errors import ParamsError
from evalkit.inference import Placebo
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.params.schema import load_params
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.sections import PolicyReport
from evalkit.synthetic.synthetic_did import synthetic_did

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _variant(tmp_path: Path, **changes) -> Path:
    raw = yaml.safe_load((PARAMS / "tobacco_control_california.yaml").read_text("utf-8"))
    raw["data"]["file"] = str(PARAMS.parent / "data" / "california_prop99_long.csv")
    for section, values in changes.items():
        if isinstance(values, dict):
            raw.setdefault(section, {}).update(values)
        else:
            raw[section] = values
    path = tmp_path / "tobacco.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    path = _variant(tmp_path_factory.mktemp("synthetic"),
                    synthetic={"n_draws": 30, "leave_one_out": False})
    return evaluate(path)


def test_headline_is_the_library_estimate_with_the_params_seed(evaluation):
    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    expected = synthetic_did(panel, method="sdid",
                             inference=Placebo(n_draws=30, random_state=20240101))
    h = evaluation.headline
    assert h.estimate == expected.estimate and h.std_error == expected.std_error
    assert (h.conf_low, h.conf_high) == tuple(expected.conf_int().loc["treated"])
    # Arkhangelsky et al. (2021), Table 1: SDID -15.6, SC -19.6, DID -27.3.
    estimates = {m: round(r.estimate, 1) for m, r in evaluation.synthetic.estimates.items()}
    assert estimates == {"sdid": -15.6, "sc": -19.6, "did": -27.3}
    assert evaluation.dynamic is None  # no event study: no HonestDiD, no wild bootstrap
    assert evaluation.robustness.honest == {} and evaluation.robustness.wild is None


def test_findings_state_the_fit_the_placebo_test_and_the_three_estimators(evaluation):
    findings = key_findings(evaluation)
    assert findings[0].startswith("Estimated effect of the policy on per-capita cigarette sales")
    assert "followed California closely" in findings[1]
    placebo = evaluation.synthetic.control.placebo
    assert f"p-value {placebo.p_value:.3f}" in findings[2] and "39 units" in findings[2]
    assert "synthetic difference-in-differences" in findings[3]


def test_section_shows_estimates_weights_and_placebo_plots(evaluation):
    html = PolicyReport(evaluation).dynamics_html()
    assert "Synthetic difference-in-differences" in html and "Main donors" in html
    assert html.count("data:image/png;base64,") == 4  # SDID, trajectories, placebos, ratios
    assert "Placebo test (rank of the treated unit)" in html


def test_french_report_and_bootstrap_with_one_treated_unit(tmp_path):
    path = _variant(tmp_path, language="fr",
                    synthetic={"n_draws": 20, "inference": "bootstrap",
                               "placebo_in_space": False, "leave_one_out": False})
    ev = evaluate(path)
    assert ev.synthetic.main.se_method == "placebo"
    assert any("placebo standard errors are shown instead" in n for n in ev.synthetic.notes)
    findings = key_findings(ev)
    assert findings[0].startswith("Effet estimé de la politique")
    assert "−15,6" in findings[0]
    assert "Contrôle synthétique" in PolicyReport(ev).dynamics_html()


def test_synthetic_section_only_with_synthetic_estimators(tmp_path):
    path = _variant(tmp_path, design={"estimator": "twfe"})
    with pytest.raises(ParamsError, match="synthetic: only allowed with the synthetic"):
        load_params(path)
