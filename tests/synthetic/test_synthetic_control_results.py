"""SyntheticControlResult, PlaceboTest and LeaveOneOut: immutability, tables, summary, plots."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from evalkit import InputError, NoInference, Panel
from evalkit.datasets import load_prop99
from evalkit.plots.synthetic_control import plot_synthetic_control
from evalkit.synthetic.synthetic_control import synthetic_control


@pytest.fixture(scope="module")
def panel() -> Panel:
    return Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                 treatment="treated")


@pytest.fixture(scope="module")
def result(panel):
    return synthetic_control(panel, leave_one_out=True)


def test_result_is_immutable(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.outcome = "x"
    for array in (result.donor_weights, result.predictor_weights, result.treated_outcome,
                  result.synthetic_outcome, result.placebo.gaps, result.leave_one_out.gaps):
        assert not array.flags.writeable
    weights = result.weights
    weights.iloc[0] = 99
    assert result.weights.iloc[0] != 99


def test_numbers_agree_with_each_other(result):
    traj = result.trajectories
    np.testing.assert_allclose(traj["gap"], traj["treated"] - traj["synthetic"])
    assert result.treatment_start == 1989
    assert result.pre_rmspe == pytest.approx(np.sqrt(np.mean(result.gap[:19] ** 2)))
    assert result.rmspe_ratio == pytest.approx(result.post_rmspe / result.pre_rmspe)
    assert result.placebo.observed == pytest.approx(result.rmspe_ratio)
    np.testing.assert_allclose(result.placebo.gaps[0], result.gap)
    balance = result.balance
    assert list(balance.columns) == ["treated", "synthetic", "donor_average", "v"]
    # the shipped data hold single-precision values (90.09999847)
    assert balance.loc["cigsale (1988)", "treated"] == pytest.approx(90.1, abs=1e-5)


def test_tidy_tables(result):
    effect = result.tidy()
    assert effect["term"].tolist() == ["treated"]
    assert effect.loc[0, "estimate"] == result.average_effect
    assert effect.loc[0, "p_value"] == result.p_value
    gaps = result.tidy("gaps")
    assert list(gaps.columns) == ["period", "treated", "synthetic", "gap", "post_treatment"]
    assert gaps["post_treatment"].sum() == 12
    assert list(result.tidy("weights").columns) == ["donor", "weight"]
    assert result.tidy("balance").shape == (19, 5)
    placebo = result.tidy("placebo")
    assert placebo["treated"].sum() == 1 and placebo["rank"].min() == 1
    assert len(result.tidy("leave_one_out")) == 6
    with pytest.raises(InputError, match="table='coefficients'"):
        result.tidy("coefficients")


def test_missing_parts_are_explained(panel):
    bare = synthetic_control(panel, inference=NoInference())
    assert bare.p_value is None
    with pytest.raises(InputError, match=r"inference=PlaceboInSpace\(\)"):
        bare.tidy("placebo")
    with pytest.raises(InputError, match=r"inference=PlaceboInSpace\(\)"):
        bare.plot("placebo")
    with pytest.raises(InputError, match="leave_one_out=True"):
        bare.plot("leave_one_out")
    assert "Placebo" not in str(bare)


def test_summary_renders_in_text_html_and_latex(result):
    text = str(result)
    assert "Synthetic control" in text and "Utah 0.394" in text
    assert "rank 3 of 39" in text and "-19.5136" in text
    assert "<table>" in result._repr_html_()
    assert r"\begin{tabular}" in result.summary().as_latex()


def test_placebo_exclusion_rule(result):
    with pytest.raises(InputError, match="max_pre_mspe_ratio"):
        result.placebo.excluding_poor_fits(0.5)
    trimmed = result.placebo.excluding_poor_fits(5)
    keep = trimmed.included
    assert keep[0] and keep.sum() == trimmed.n_units == 32
    assert np.all(trimmed.pre_rmspe[keep] ** 2 <= 5 * trimmed.pre_rmspe[0] ** 2)
    assert len(trimmed.statistics()) == 32
    assert result.placebo.gaps_frame().shape == (31, 39)


@pytest.mark.parametrize("kind", ["trajectories", "gaps", "placebo", "ratios", "leave_one_out"])
def test_every_plot_kind(result, kind):
    fig = result.plot(kind, title="Proposition 99")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Proposition 99"


def test_plot_arguments_are_checked(result):
    with pytest.raises(InputError, match="kind='map'"):
        plot_synthetic_control(result, kind="map")
    with pytest.raises(InputError, match="keys must be among"):
        result.plot(labels={"colour": "x"})
    with pytest.raises(InputError, match="SyntheticControlResult"):
        plot_synthetic_control(object())
    fig = result.plot("gaps", labels={"gap": "Écart"})
    assert "Écart" in fig.axes[0].get_ylabel()


def test_provenance_records_the_specification(result):
    spec = result.provenance.specification
    assert spec["treated_unit"] == "California"
    assert spec["fit_periods"][0] == 1970 and len(spec["predictors"]) == 19
    assert spec["v"] == "optimize"
    assert spec["inference"] == {"kind": "placebo_in_space", "max_pre_mspe_ratio": None}
    assert result.provenance.function == "evalkit.synthetic.synthetic_control"
