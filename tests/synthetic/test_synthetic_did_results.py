"""SyntheticDiDResult: immutable, re-inferable, tidy, rendered three ways, and plotted."""

from __future__ import annotations

import dataclasses
import functools
import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from evalkit import InputError, NoInference, Panel, Placebo
from evalkit.datasets import load_prop99
from evalkit.plots.synthetic_did import plot_synthetic_did, plot_synthetic_did_units
from evalkit.results.synthetic_did import SyntheticDiDResult
from evalkit.synthetic.synthetic_did import synthetic_did

TIDY = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high",
        "method", "inference", "n_draws"]


@functools.cache
def _result(method: str = "sdid") -> SyntheticDiDResult:
    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    return synthetic_did(panel, method=method, inference=Placebo(n_draws=50, random_state=12345))


def test_result_is_immutable():
    result = _result()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.estimate = 0.0  # type: ignore[misc]
    for name in ("omega", "lam", "replicates", "treated_path", "control_units"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(result, name)[0] = 0
    with pytest.raises(TypeError):
        result.iterations["omega"] = (0, 0)  # type: ignore[index]
    weights = result.unit_weights
    weights.iloc[0] = 99.0
    assert result.unit_weights.iloc[0] != 99.0
    paths = result.trajectories
    paths.iloc[0, 0] = 99.0
    assert result.trajectories.iloc[0, 0] != 99.0


def test_weights_and_paths_are_labelled():
    result = _result()
    weights = result.unit_weights
    assert weights.index.name == "state" and weights.index[0] == "Nevada"
    assert weights.is_monotonic_decreasing and len(weights) == 38
    time = result.time_weights
    assert time.index.name == "Year" and list(time.index) == list(range(1970, 1989))
    paths = result.trajectories
    assert list(paths.columns) == ["treated", "synthetic_control"]
    assert paths.index[0] == 1970 and paths.index[-1] == 2000
    assert result.treatment_start == 1989
    assert list(result.treated_units) == ["California"]
    assert (result.n_control, result.n_pre, result.n_treated, result.n_post) == (38, 19, 1, 12)
    effects = result.control_effects
    assert effects["omega"] @ effects["effect"] == pytest.approx(result.estimate, abs=1e-10)


def test_with_alpha_changes_the_interval_not_the_estimate():
    result = _result()
    other = result.with_alpha(0.1)
    assert type(other) is SyntheticDiDResult
    assert (other.alpha, result.alpha) == (0.1, 0.05)
    assert other.estimate == result.estimate and other.std_error == result.std_error
    width = lambda r: float(r.conf_int()["upper"].iloc[0] - r.conf_int()["lower"].iloc[0])  # noqa: E731
    assert width(other) < width(result)
    assert other.provenance.specification["alpha"] == 0.1
    assert "90%" in other.summary().as_text()
    with pytest.raises(InputError, match=r"alpha=0: must be a number strictly between 0 and 1"):
        result.with_alpha(0)


def test_tidy_has_one_row_with_the_standard_columns():
    table = _result().tidy()
    assert list(table.columns) == TIDY
    row = table.iloc[0]
    assert row["term"] == "treated" and row["method"] == "sdid"
    assert row["inference"] == "placebo" and row["n_draws"] == 50
    low, high = _result().conf_int().iloc[0]
    assert (row["conf_low"], row["conf_high"]) == (low, high)


def test_summary_renders_as_text_html_and_latex():
    result = _result()
    text = str(result)
    assert text.startswith(" " * 5) and "Synthetic difference-in-differences" in text
    for piece in ("-15.6038", "placebo (Algorithm 4), 50 replications", "Nevada 0.124",
                  "1988 0.427", "Comparison units", "38", "Treatment starts:", "1989"):
        assert piece in text
    assert "<table>" in result._repr_html_()
    assert r"\begin{tabular}" in result.summary().as_latex()
    assert "Time weights" not in str(_result("sc"))


def test_without_inference_the_interval_is_missing():
    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    result = synthetic_did(panel, method="did", inference=NoInference())
    assert np.isnan(result.std_error) and np.isnan(result.p_value)
    assert result.n_draws == 0 and result.inference_text == "none"
    assert result.inference == NoInference()
    assert result.conf_int().isna().all(axis=None)
    assert "Standard errors:            none" in str(result)


def test_provenance_records_the_specification():
    record = _result().provenance.to_dict()
    json.dumps(record)
    assert record["function"] == "evalkit.synthetic.synthetic_did"
    spec = record["specification"]
    assert spec["method"] == "sdid" and spec["max_iter"] == 10_000
    assert spec["inference"] == {"kind": "placebo", "n_draws": 50, "random_state": 12345}
    assert spec["panel"]["unit"] == "state"
    assert record["n_obs"] == 1209


# --------------------------------------------------------------------------- plots
def test_trajectory_plot_draws_both_paths_the_time_weights_and_the_effect():
    result = _result()
    figure = result.plot(title="Proposition 99")
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_title() == "Proposition 99"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["California", "Synthetic control"]
    assert "Estimated effect: -15.60" in labels and "Time weights" in labels
    treated = ax.get_lines()[0]
    np.testing.assert_allclose(treated.get_ydata(), result.treated_path)
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) == 3  # the three years with positive time weights
    (arrow,) = [c for c in ax.texts if c.arrow_patch is not None]
    assert arrow.xy[1] == pytest.approx(result.treated_path[19:].mean())


def test_trajectory_plot_of_synthetic_control_has_no_time_weights():
    figure = plot_synthetic_did(_result("sc"), treated_label="CA", control_label="SC")
    (ax,) = figure.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["CA", "SC"] and "Time weights" not in labels


def test_units_plot_on_given_axes():
    figure = Figure()
    ax = figure.add_subplot()
    returned = plot_synthetic_did_units(_result(), ax=ax, title="Contributions")
    assert returned is figure
    assert len(ax.get_xticklabels()) == 38
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Estimated effect: -15.60", "95% confidence interval"]
    assert isinstance(_result().plot_units(), Figure)


def test_plots_reject_other_objects():
    with pytest.raises(InputError, match=r"result: must be a SyntheticDiDResult"):
        plot_synthetic_did("not a result")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"result: must be a SyntheticDiDResult"):
        plot_synthetic_did_units(None)  # type: ignore[arg-type]
