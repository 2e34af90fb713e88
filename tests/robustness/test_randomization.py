"""randomization_inference and permutation_test: brute force, invariances, errors, output.

The reference values are brute-force computations in the test itself: every distinct
rearrangement of the treatment labels across units is written back into the data, the
estimator (did_2x2 or twfe) is re-run on it, and its estimate or t statistic recorded.
Under exact enumeration the vectorised permutation distribution must equal that list
(to 1e-10) and the p-value must be the exact share of assignments at least as extreme.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, DataError, InputError, Panel, did_2x2, twfe
from evalkit.inference import Classical, NoInference, PlaceboInSpace, Robust
from evalkit.results.randomization import RandomizationResult
from evalkit.robustness.randomization import permutation_test, randomization_inference

DESCRIPTION = {"unit": "unit", "time": "time", "outcome": "y", "first_treated": "g"}
COHORTS = [2002, 2002, 2003, 0, 0, 0]  # 6 units: 6! / (2! 1! 3!) = 60 assignments


def _panel_frame(seed: int = 0, cohorts=COHORTS, effect: float = 0.5,
                 drop: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(len(cohorts))]
    frame = pd.DataFrame([(u, t, g) for u, g in zip(units, cohorts, strict=True)
                          for t in range(2000, 2005)], columns=["unit", "time", "g"])
    treated = (frame["g"] > 0) & (frame["time"] >= frame["g"])
    frame["x"] = rng.normal(size=len(frame))
    frame["y"] = (frame["unit"].str[1:].astype(int) * 0.3 + 0.1 * (frame["time"] - 2000)
                  + effect * treated + 0.3 * frame["x"] + rng.normal(size=len(frame)))
    if drop:
        frame = frame.drop(index=[4, 17]).reset_index(drop=True)  # unbalanced
    return frame


def _distinct_arrangements(labels):
    return sorted(set(itertools.permutations(labels)))


def _twfe_brute_force(frame: pd.DataFrame, statistic: str, **panel_options) -> list[float]:
    units = sorted(frame["unit"].unique())
    cohorts = frame.groupby("unit")["g"].first().loc[units].tolist()
    out = []
    for arrangement in _distinct_arrangements(cohorts):
        mapping = dict(zip(units, arrangement, strict=True))
        permuted = frame.assign(g=frame["unit"].map(mapping))
        fit = twfe(Panel(permuted, **DESCRIPTION, **panel_options))
        out.append(fit.estimate if statistic == "estimate"
                   else float(fit.tidy(terms="effect")["statistic"].iloc[0]))
    return out


def _exact_p(values, observed) -> float:
    values = np.abs(np.asarray(values))
    return float(np.mean(values >= abs(observed) * (1 - 1e-9)))


# --------------------------------------------------------------------------- brute force
@pytest.mark.parametrize(("statistic", "covariates"), [("estimate", ()), ("t", ("x",))])
def test_twfe_enumeration_equals_a_brute_force_loop(statistic, covariates):
    frame = _panel_frame(1)
    panel = Panel(frame, **DESCRIPTION, covariates=covariates)
    result = twfe(panel)
    ri = randomization_inference(result, panel, statistic=statistic)
    expected = _twfe_brute_force(frame, statistic, covariates=covariates)
    assert ri.enumerated and ri.n_assignments == 60 == ri.n_draws == len(expected)
    np.testing.assert_allclose(np.sort(ri.distribution), np.sort(expected), rtol=1e-10,
                               atol=1e-12)
    observed = (result.estimate if statistic == "estimate"
                else float(result.tidy(terms="effect")["statistic"].iloc[0]))
    assert ri.observed == pytest.approx(observed, rel=1e-10)
    assert ri.p_value == _exact_p(expected, observed)
    assert ri.n_treated_units == 3 and ri.n_units == 6


def test_did_2x2_enumeration_equals_a_brute_force_loop_over_units():
    rng = np.random.default_rng(2)
    counties = np.arange(8)
    treated = np.isin(counties, [1, 4, 6]).astype(int)  # choose(8, 3) = 56 assignments
    frame = pd.DataFrame({"county": np.repeat(counties, 6), "treated": np.repeat(treated, 6),
                          "post": np.tile([0, 0, 0, 1, 1, 1], 8)})
    frame["y"] = (rng.normal(size=8)[frame["county"]] + 0.4 * frame["post"]
                  + 0.6 * frame["treated"] * frame["post"] + rng.normal(size=len(frame)))
    result = did_2x2(frame, outcome="y", treated="treated", post="post",
                     inference=Clustered("county"))
    ri = randomization_inference(result, frame, statistic="t")
    expected = []
    for arrangement in _distinct_arrangements(treated.tolist()):
        permuted = frame.assign(treated=np.repeat(arrangement, 6))
        fit = did_2x2(permuted, outcome="y", treated="treated", post="post",
                      inference=Clustered("county"))
        expected.append(float(fit.tidy(terms="effect")["statistic"].iloc[0]))
    assert ri.enumerated and ri.n_draws == 56 and ri.unit == "county"
    np.testing.assert_allclose(np.sort(ri.distribution), np.sort(expected), rtol=1e-10)
    assert ri.p_value == _exact_p(expected, ri.observed)
    assert ri.estimate == pytest.approx(result.estimate, rel=1e-12)


def test_did_2x2_rows_as_units_for_repeated_cross_sections():
    frame = pd.DataFrame({"treated": [1, 1, 0, 0, 1, 0, 0, 1], "post": [0, 1, 0, 1, 1, 0, 1, 0],
                          "y": [1.0, 3.2, 0.9, 1.5, 2.9, 1.1, 1.6, 1.2]})
    result = did_2x2(frame, outcome="y", treated="treated", post="post")
    ri = randomization_inference(result, frame)
    assert ri.enumerated and ri.n_assignments == 70 and ri.unit is None
    expected = []
    for arrangement in _distinct_arrangements(frame["treated"].tolist()):
        permuted = frame.assign(treated=list(arrangement))
        cells = permuted.groupby(["treated", "post"])["y"].mean()
        if len(cells) < 4:  # a group without an observation before or after: no estimate
            continue
        expected.append(cells[1, 1] - cells[1, 0] - cells[0, 1] + cells[0, 0])
    assert ri.n_undefined == 70 - len(expected)
    finite = ri.distribution[np.isfinite(ri.distribution)]
    np.testing.assert_allclose(np.sort(finite), np.sort(expected), rtol=1e-10, atol=1e-12)
    assert ri.p_value == pytest.approx(_exact_p(expected, ri.observed), abs=1e-15)


def test_permutation_test_matches_a_brute_force_loop():
    outcome = np.array([3.1, 0.2, 0.5, 2.8, 0.1, 0.7, 0.3])
    labels = np.array([1, 0, 0, 1, 0, 0, 0])

    def difference(assignment):
        return outcome[assignment == 1].mean() - outcome[assignment == 0].mean()

    result = permutation_test(difference, labels, alternative="greater", name="difference")
    values = [difference(np.array(a)) for a in _distinct_arrangements(labels.tolist())]
    assert result.enumerated and result.n_draws == 21
    assert result.p_value == np.mean(np.array(values) >= difference(labels) - 1e-12)
    assert result.p_value == result.minimum_p_value == 1 / 21
    assert result.n_treated_units == 2


# --------------------------------------------------------------------------- properties
def test_enumeration_is_reproducible_and_ignores_the_seed():
    panel = Panel(_panel_frame(3), **DESCRIPTION)
    result = twfe(panel)
    first = randomization_inference(result, panel, random_state=1)
    second = randomization_inference(result, panel, random_state=99)
    assert first.enumerated and first.random_state is None
    np.testing.assert_array_equal(first.distribution, second.distribution)
    assert first.p_value == second.p_value


def test_row_order_and_unit_relabelling_change_nothing_under_enumeration():
    frame = _panel_frame(4)
    panel = Panel(frame, **DESCRIPTION)
    base = randomization_inference(twfe(panel), panel, statistic="t")
    shuffled = frame.sample(frac=1.0, random_state=5)
    shuffled["unit"] = shuffled["unit"].map(lambda u: f"zz-{u[::-1]}")
    other_panel = Panel(shuffled, **DESCRIPTION)
    other = randomization_inference(twfe(other_panel), other_panel, statistic="t")
    assert other.p_value == base.p_value
    np.testing.assert_allclose(np.sort(other.distribution), np.sort(base.distribution),
                               rtol=1e-10)


def test_row_order_does_not_matter_with_random_permutations():
    cohorts = [2002] * 6 + [2003] * 5 + [0] * 9
    frame = _panel_frame(5, cohorts=cohorts, drop=False)
    panel = Panel(frame, **DESCRIPTION)
    base = randomization_inference(twfe(panel), panel, n_draws=199, random_state=8)
    shuffled_panel = Panel(frame.sample(frac=1.0, random_state=2), **DESCRIPTION)
    other = randomization_inference(twfe(shuffled_panel), shuffled_panel, n_draws=199,
                                    random_state=8)
    assert not base.enumerated and base.n_draws == 199
    np.testing.assert_allclose(other.distribution, base.distribution, rtol=1e-10)
    assert other.p_value == base.p_value


def test_seeded_permutations_are_reproducible_and_seeds_differ():
    cohorts = [2002] * 6 + [2003] * 5 + [0] * 9
    panel = Panel(_panel_frame(6, cohorts=cohorts, drop=False), **DESCRIPTION)
    result = twfe(panel)
    first = randomization_inference(result, panel, n_draws=99, random_state=3)
    again = randomization_inference(result, panel, n_draws=99, random_state=3)
    other = randomization_inference(result, panel, n_draws=99, random_state=4)
    assert first.random_state == 3
    np.testing.assert_array_equal(first.distribution, again.distribution)
    assert not np.array_equal(first.distribution, other.distribution)


def test_a_strong_effect_gets_the_smallest_possible_p_value():
    frame = _panel_frame(7, effect=50.0)
    panel = Panel(frame, **DESCRIPTION)
    exact = randomization_inference(twfe(panel), panel)
    assert exact.p_value == exact.minimum_p_value == 1 / 60
    cohorts = [2002] * 6 + [2003] * 5 + [0] * 9
    big = Panel(_panel_frame(7, cohorts=cohorts, effect=50.0, drop=False), **DESCRIPTION)
    drawn = randomization_inference(twfe(big), big, n_draws=199, random_state=1)
    assert drawn.p_value == drawn.minimum_p_value == 1 / 200


def test_shifting_the_outcome_changes_nothing():
    frame = _panel_frame(8)
    panel = Panel(frame, **DESCRIPTION)
    shifted = Panel(frame.assign(y=frame["y"] + 1000.0), **DESCRIPTION)
    base = randomization_inference(twfe(panel), panel, statistic="t")
    other = randomization_inference(twfe(shifted), shifted, statistic="t")
    assert other.p_value == base.p_value
    np.testing.assert_allclose(other.distribution, base.distribution, rtol=1e-8)


def test_the_callers_data_are_not_modified():
    frame = _panel_frame(9)
    before = frame.copy(deep=True)
    panel = Panel(frame, **DESCRIPTION)
    randomization_inference(twfe(panel), panel)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- bad input
def test_every_bad_option_is_reported_at_once(mpdta_panel, mpdta_twfe):
    with pytest.raises(InputError) as info:
        randomization_inference(mpdta_twfe, mpdta_panel, statistic="z", n_draws=0,
                                random_state="x", unit=3)
    problems = "\n".join(info.value.problems)
    for text in ("statistic='z': must be one of 'estimate', 't'", "n_draws=0: must be an "
                 "integer >= 1", "random_state='x'", "unit=3"):
        assert text in problems


def test_treatment_varying_within_a_unit_is_refused():
    frame = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3, 4, 4], "treated": [1, 0, 0, 0, 1, 1, 0, 0],
                          "post": [0, 1] * 4, "y": np.arange(8.0) ** 1.5})
    result = did_2x2(frame, outcome="y", treated="treated", post="post")
    with pytest.raises(DataError, match=r"unit='id': the treated group \('treated'\) must be "
                                        r"the same on every row of a unit"):
        randomization_inference(result, frame, unit="id")
    with pytest.raises(DataError, match=r"unit='region': no such column"):
        randomization_inference(result, frame, unit="region")


def test_studentizing_a_result_with_hc3_errors_is_refused_clearly():
    frame = _panel_frame(1).assign(post=lambda f: (f["time"] >= 2002).astype(int),
                                   treated=lambda f: (f["g"] > 0).astype(int))
    result = did_2x2(frame, outcome="y", treated="treated", post="post", inference=Robust("HC3"))
    with pytest.raises(InputError, match="statistic='t'.*'HC3'"):
        randomization_inference(result, frame, statistic="t", unit="unit")


def test_other_data_are_refused(mpdta_twfe):
    panel = Panel(_panel_frame(1), **DESCRIPTION)
    with pytest.raises(DataError, match="not the data this result was estimated from"):
        randomization_inference(mpdta_twfe, panel)


def test_permutation_test_validates_its_input():
    with pytest.raises(InputError) as info:
        permutation_test("mean", [1, 1, 1], n_draws=-5, alternative="both")  # type: ignore
    problems = "\n".join(info.value.problems)
    assert "statistic: must be a function" in problems and "n_draws=-5" in problems
    assert "alternative='both'" in problems
    with pytest.raises(InputError, match="at least two different labels"):
        permutation_test(np.mean, [1, 1, 1])


# --------------------------------------------------------------------------- the result
def test_result_is_immutable_and_renders():
    panel = Panel(_panel_frame(2), **DESCRIPTION)
    ri = randomization_inference(twfe(panel), panel)
    assert isinstance(ri, RandomizationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ri.p_value = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        ri.distribution[0] = 1.0
    tidy = ri.tidy()
    assert tidy.loc[0, "p_value"] == ri.p_value and tidy.loc[0, "n_assignments"] == 60
    assert list(tidy.columns[7:]) == ["observed", "statistic_kind", "n_draws", "enumerated",
                                      "n_assignments", "alternative"]
    assert tidy.loc[0, "n_draws"] == ri.n_draws == 60
    text = str(ri)
    assert "all 60 distinct assignments enumerated (exact)" in text
    assert "first-treatment periods (treatment cohorts) permuted across units" in text
    assert "Randomization p" in ri._repr_html_()
    assert r"\begin{tabular}" in ri.summary().as_latex()
    assert ri.provenance.function == "evalkit.robustness.randomization_inference"
    ax = ri.plot().axes[0]
    assert ax.get_xlabel() == "Estimate of treated"
    assert any("At least as extreme" in t.get_text() for t in ax.get_legend().get_texts())


def test_mpdta_static_twfe_randomization_p_value_is_small(mpdta_panel, mpdta_twfe):
    """mpdta: 500 counties, 4 cohorts; the analytic p-value is 0.006 (fixest)."""
    ri = randomization_inference(mpdta_twfe, mpdta_panel, n_draws=999, random_state=2024)
    assert ri.observed == pytest.approx(-0.036549, abs=5e-7)
    assert not ri.enumerated and ri.n_draws == 999
    assert ri.p_value < 0.05


@pytest.mark.parametrize("inference", [Classical(), Robust(), Robust("HC0")],
                         ids=["classical", "robust", "HC0"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_studentized_statistic_uses_the_results_own_standard_errors(inference, weights):
    """The observed t statistic is the estimator's, for every standard-error formula."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"treated": rng.integers(0, 2, n), "post": rng.integers(0, 2, n),
                          "x": rng.normal(size=n), "w": rng.uniform(0.5, 2.0, n)})
    frame["y"] = 0.5 * frame["treated"] * frame["post"] + frame["x"] + rng.normal(size=n)
    result = did_2x2(frame, outcome="y", treated="treated", post="post", covariates="x",
                     weights=weights, inference=inference)
    ri = randomization_inference(result, frame, statistic="t", n_draws=9, random_state=0)
    assert ri.observed == pytest.approx(result.coefficients.statistic[3], rel=1e-12)
    panel = Panel(_panel_frame(3), **DESCRIPTION, covariates="x")
    fit = twfe(panel, inference=inference)
    ri = randomization_inference(fit, panel, statistic="t")
    assert ri.observed == pytest.approx(fit.coefficients.statistic[0], rel=1e-12)


def test_synthetic_control_randomization_is_its_placebo_in_space_test():
    # Abadie, Diamond & Hainmueller (2010, section 2.3): moving the treatment to every
    # unit enumerates the assignments of one treated unit; the statistic is the post/pre
    # RMSPE ratio and the p-value the treated unit's rank over the number of units.
    from evalkit.data import Panel
    from evalkit.datasets import load_prop99
    from evalkit.robustness.randomization import randomization_inference
    from evalkit.synthetic.synthetic_control import synthetic_control

    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    fit = synthetic_control(panel, inference=PlaceboInSpace())
    result = randomization_inference(fit)
    assert result.enumerated and result.n_assignments == 39 == result.n_units
    assert result.p_value == fit.placebo.p_value == fit.placebo.rank / 39
    assert result.observed == fit.placebo.observed
    assert result.estimate == fit.average_effect
    np.testing.assert_array_equal(np.sort(result.distribution),
                                  np.sort(fit.placebo.statistics().to_numpy()))
    assert "RMSPE" in result.statistic_label
    with pytest.raises(InputError, match=r"inference=PlaceboInSpace\(\)"):
        randomization_inference(synthetic_control(panel, inference=NoInference()))
