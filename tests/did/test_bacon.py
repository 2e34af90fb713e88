"""bacon_decomposition: published outputs, Theorem 1 identities, 2x2 estimates by hand, invariances.

Reference values and where they come from
-----------------------------------------
1. Asjad Naqvi's "DiD" book, R chapter "Goodman-Bacon decomposition" (GitHub
   asjadnaqvi/DiD, docs/code_r/06_bacon_r.md, commit d73953a), prints for the data set
   ``dat4`` built in the page (3 units x 10 periods; unit 2 treated from period 5 with
   effect 2, unit 3 from period 8 with effect 4; ``y = id + tt + effect``)::

       bacon(y ~ D, dat4, id_var = "id", time_var = "tt")      # R bacondecomp
         treated untreated estimate    weight                     type
       2       5       Inf        2 0.3636364     Treated vs Untreated
       3       8       Inf        4 0.3181818     Treated vs Untreated
       6       8         5        4 0.1363636 Later vs Earlier Treated
       8       5         8        2 0.1818182 Earlier vs Later Treated
       weighted.mean(bgd$estimate, bgd$weight)   # [1] 2.909091
       feols(y ~ D | id + tt, dat4)              # DTRUE 2.90909

2. The same design run through Stata's ``bacondecomp Y D, ddetail`` (Statalist thread
   1751536, "Interpretation of Bacon decomposition graph (bacondecomp)", data with
   ``Y = 2 D`` for unit 2 and ``Y = 4 D`` for unit 3) prints, in single precision::

       Early_v_Late      2            .1818181841
       Late_v_Early      4            .1363636317
       Never_v_timing    2.933333323  .6818181841

3. Goodman-Bacon (2021), figure 2 (three units, 100 periods, an early group treated
   from period 34 and a late group from period 85): weights .365 (early vs untreated),
   .222 (late vs untreated), .278 (early vs late, before late is treated) and .135
   (late vs early, after early is treated); the R package bacondecomp checks the same
   numbers in tests/testthat/test_bacon_weights.R ("Weights from the paper").

4. mpdta (``evalkit.datasets.load_mpdta()``): the static TWFE coefficient -0.036549 as
   fixest prints it (see tests/did/test_twfe.py for the source). No published
   Goodman-Bacon decomposition of this mpdta was found (searches of R bacondecomp /
   Stata bacondecomp / Python tutorials found scripts that run it but no printed
   output, and one stored output for a different, synthetic "mpdta"), so the mpdta
   tests check the identities instead: the weights against the paper's formulas
   evaluated exactly (fractions) from the cohort sizes 20, 40, 131 and 309 counties
   and 5 years, every 2x2 estimate against pandas means and against evalkit's TWFE on
   the 2x2 subsample, and the weighted sum against evalkit's TWFE.
"""

from __future__ import annotations

import copy
import dataclasses
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from evalkit import DataError, InputError, Panel, twfe
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.did.bacon import bacon_decomposition
from evalkit.inference import Classical
from evalkit.plots.bacon import plot_bacon
from evalkit.results.bacon import COMPARISON_TYPES, BaconDecomposition
from evalkit.results.summary import Summary

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
SIM = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}
SMALL = {"unit": "id", "time": "tt", "outcome": "y", "first_treated": "g"}
EXACT = 1e-10


def _rows(result: BaconDecomposition) -> dict[tuple, tuple[float, float]]:
    """{(treated, control): (estimate, weight)}."""
    table = result.tidy()
    return {(t, c): (e, w) for t, c, e, w in
            table[["treated", "control", "estimate", "weight"]].itertuples(index=False)}


# --------------------------------------------------------------------------- published outputs
def _naqvi_dat4() -> pd.DataFrame:
    """dat4 of Naqvi's R chapter: y = id + tt + 2 D (unit 2, from 5) + 4 D (unit 3, from 8)."""
    frame = pd.DataFrame({"id": np.tile([1, 2, 3], 10), "tt": np.repeat(np.arange(1, 11), 3)})
    frame["g"] = frame["id"].map({1: 0, 2: 5, 3: 8})
    treated = (frame["g"] > 0) & (frame["tt"] >= frame["g"])
    effect = np.where(treated & (frame["id"] == 3), 4, np.where(treated, 2, 0))
    frame["y"] = frame["id"] + frame["tt"] + effect
    return frame


def test_reproduces_r_bacondecomp_output_printed_in_naqvi_did_book():
    result = bacon_decomposition(Panel(_naqvi_dat4(), **SMALL))
    rows = _rows(result)
    assert set(rows) == {(5, "never"), (8, "never"), (8, 5), (5, 8)}
    expected = {(5, "never"): (2, 0.3636364), (8, "never"): (4, 0.3181818),  # printed 7 d.p.
                (8, 5): (4, 0.1363636), (5, 8): (2, 0.1818182)}
    for key, (estimate, weight) in expected.items():
        assert rows[key][0] == pytest.approx(estimate, abs=1e-12)  # printed as integers
        assert rows[key][1] == pytest.approx(weight, abs=5e-8)
    assert result.weighted_sum == pytest.approx(2.909091, abs=5e-7)  # printed 6 d.p.
    assert result.twfe_estimate == pytest.approx(2.90909, abs=5e-6)  # fixest, printed 5 d.p.
    kinds = {(t, c): k for t, c, k in result.tidy()[["treated", "control", "comparison"]]
             .itertuples(index=False)}
    assert kinds == {(5, "never"): "never_treated", (8, "never"): "never_treated",
                     (8, 5): "earlier_as_control", (5, 8): "later_as_control"}


def test_reproduces_stata_bacondecomp_summary_from_statalist():
    data = _naqvi_dat4()
    data["y"] = data["y"] - data["id"] - data["tt"]  # Stata example: Y = 0 + effect * D
    result = bacon_decomposition(Panel(data, **SMALL))
    weights, estimates = result.type_weights, result.type_estimates
    # Stata stores these in single precision: agreement to ~1e-8 is all the print allows
    assert weights["later_as_control"] == pytest.approx(.1818181841, abs=5e-8)  # Early_v_Late
    assert estimates["later_as_control"] == pytest.approx(2, abs=1e-12)
    assert weights["earlier_as_control"] == pytest.approx(.1363636317, abs=5e-8)  # Late_v_Early
    assert estimates["earlier_as_control"] == pytest.approx(4, abs=1e-12)
    assert weights["never_treated"] == pytest.approx(.6818181841, abs=5e-8)  # Never_v_timing
    assert estimates["never_treated"] == pytest.approx(2.933333323, abs=5e-8)


def test_reproduces_the_weights_of_figure_2_of_the_paper():
    rng = np.random.default_rng(2021)
    frame = pd.DataFrame({"id": np.repeat([1, 2, 3], 100), "tt": np.tile(np.arange(1, 101), 3)})
    frame["g"] = frame["id"].map({1: 0, 2: 34, 3: 85})
    frame["y"] = rng.normal(size=len(frame))  # the weights do not depend on the outcome
    rows = _rows(bacon_decomposition(Panel(frame, **SMALL)))
    assert round(rows[(34, "never")][1], 3) == 0.365  # early vs untreated
    assert round(rows[(85, "never")][1], 3) == 0.222  # late vs untreated
    assert round(rows[(34, 85)][1], 3) == 0.278  # early vs late, before late is treated
    assert round(rows[(85, 34)][1], 3) == 0.135  # late vs early, after early is treated


# --------------------------------------------------------------------------- hand-worked example
def _hand_example() -> pd.DataFrame:
    """5 periods; cohorts 2 (1 unit), 3 (2 units), 5 (1 unit) and 2 never-treated units.

    y = unit effect + period effect + effect, with effects: cohort 2 dynamic (1, 2, 3, 4
    in periods 2..5), cohort 3 constant 2, cohort 5 equal to 5 in period 5.
    """
    cohorts = {1: 2, 2: 3, 3: 3, 4: 5, 5: 0, 6: 0}
    frame = pd.DataFrame({"id": np.repeat(list(cohorts), 5), "tt": np.tile(np.arange(1, 6), 6)})
    frame["g"] = frame["id"].map(cohorts)
    on = (frame["g"] > 0) & (frame["tt"] >= frame["g"])
    effect = np.select([on & (frame["g"] == 2), on & (frame["g"] == 3), on & (frame["g"] == 5)],
                       [1 + frame["tt"] - 2, 2, 5], 0)
    frame["y"] = 10 * frame["id"] + frame["tt"] ** 2 + effect
    return frame


def test_hand_worked_three_cohort_example():
    frame = _hand_example()
    result = bacon_decomposition(Panel(frame, **SMALL))
    rows = _rows(result)

    # 2x2 estimates from the effects by hand (unit and period effects cancel):
    estimates = {
        (2, "never"): 2.5,  # mean of 1, 2, 3, 4
        (3, "never"): 2.0,
        (5, "never"): 5.0,
        (2, 3): 1.0,  # periods 1-2: cohort 2 gains 1, cohort 3 untreated
        (2, 5): 2.0,  # periods 1-4: mean of 1, 2, 3
        (3, 5): 2.0,  # periods 1-4
        (3, 2): 0.0,  # periods 2-5: cohort 3 gains 2; cohort 2 goes from 1 to mean(2,3,4) = 3
        (5, 2): 3.0,  # periods 2-5: cohort 5 gains 5; cohort 2 from mean(1,2,3) = 2 to 4
        (5, 3): 5.0,  # periods 3-5: cohort 5 gains 5; cohort 3 stays at 2
    }
    assert set(rows) == set(estimates)
    for key, value in estimates.items():
        assert rows[key][0] == pytest.approx(value, abs=EXACT)

    # weights from the paper's equations (10e)-(10g), in exact fractions:
    # shares n = 1/6, 1/3, 1/6, 1/3 (cohorts 2, 3, 5, never); D = 4/5, 3/5, 1/5
    n = {2: Fraction(1, 6), 3: Fraction(1, 3), 5: Fraction(1, 6), "never": Fraction(1, 3)}
    d = {2: Fraction(4, 5), 3: Fraction(3, 5), 5: Fraction(1, 5)}

    def s_ku(k):  # (10e)
        nku = n[k] / (n[k] + n["never"])
        return (n[k] + n["never"]) ** 2 * nku * (1 - nku) * d[k] * (1 - d[k])

    def s_kl_k(k, j):  # (10f): k earlier, j (the paper's l) later, before j is treated
        nkj = n[k] / (n[k] + n[j])
        return (((n[k] + n[j]) * (1 - d[j])) ** 2 * nkj * (1 - nkj)
                * (d[k] - d[j]) / (1 - d[j]) * (1 - d[k]) / (1 - d[j]))

    def s_kl_l(k, j):  # (10g): j treated, k (already treated) as control
        nkj = n[k] / (n[k] + n[j])
        return ((n[k] + n[j]) * d[k]) ** 2 * nkj * (1 - nkj) * (d[j] / d[k]) * (d[k] - d[j]) / d[k]

    numerators = {(2, "never"): s_ku(2), (3, "never"): s_ku(3), (5, "never"): s_ku(5),
                  (2, 3): s_kl_k(2, 3), (2, 5): s_kl_k(2, 5), (3, 5): s_kl_k(3, 5),
                  (3, 2): s_kl_l(2, 3), (5, 2): s_kl_l(2, 5), (5, 3): s_kl_l(3, 5)}
    assert s_ku(2) == Fraction(2, 225)  # (1/2)^2 (1/3)(2/3) (4/5)(1/5), worked on paper
    # V^D: the variance of D after two-way demeaning, computed directly with pandas
    frame["D"] = ((frame["g"] > 0) & (frame["tt"] >= frame["g"])).astype(float)
    demeaned = (frame["D"] - frame.groupby("id")["D"].transform("mean")
                - frame.groupby("tt")["D"].transform("mean") + frame["D"].mean())
    variance = float((demeaned ** 2).mean())
    assert float(sum(numerators.values())) == pytest.approx(variance, abs=1e-15)  # Theorem 1
    assert result.treatment_variance == pytest.approx(variance, abs=1e-15)
    for key, numerator in numerators.items():
        assert rows[key][1] == pytest.approx(float(numerator) / variance, abs=EXACT)

    assert result.weighted_sum == pytest.approx(twfe(Panel(frame, **SMALL)).estimate, abs=EXACT)
    assert result.already_treated_weight == pytest.approx(
        float(numerators[(3, 2)] + numerators[(5, 2)] + numerators[(5, 3)]) / variance, abs=EXACT)


# --------------------------------------------------------------------------- mpdta
@pytest.fixture(scope="module")
def mpdta_bacon(mpdta_panel) -> BaconDecomposition:
    return bacon_decomposition(mpdta_panel)


def test_mpdta_weights_sum_to_one_and_rebuild_the_twfe_coefficient(mpdta_bacon, mpdta_twfe):
    assert mpdta_bacon.weight.sum() == pytest.approx(1.0, abs=EXACT)
    assert (mpdta_bacon.weight > 0).all()
    assert mpdta_bacon.weighted_sum == pytest.approx(mpdta_twfe.estimate, abs=EXACT)
    assert mpdta_bacon.twfe_estimate == pytest.approx(mpdta_twfe.estimate, abs=EXACT)
    assert mpdta_bacon.weighted_sum == pytest.approx(-0.036549, abs=5e-7)  # fixest, 6 d.p.


def test_mpdta_comparisons_and_their_exact_weights(mpdta_bacon, mpdta):
    rows = _rows(mpdta_bacon)
    assert mpdta_bacon.n_comparisons == 9
    assert set(rows) == {(2004, "never"), (2006, "never"), (2007, "never"), (2004, 2006),
                         (2004, 2007), (2006, 2007), (2006, 2004), (2007, 2004), (2007, 2006)}
    # cohort sizes (counties) as the data give them, and the treated shares of 5 years
    sizes = mpdta.loc[mpdta["year"] == 2003, "first.treat"].value_counts()
    assert sizes.to_dict() == {0: 309, 2007: 131, 2006: 40, 2004: 20}
    n = {g: Fraction(int(c), 500) for g, c in sizes.items()}
    d = {2004: Fraction(4, 5), 2006: Fraction(2, 5), 2007: Fraction(1, 5)}

    def share(a, b):
        return n[a] / (n[a] + n[b])

    numerators = {}
    for k in d:
        m = share(k, 0)
        numerators[(k, "never")] = (n[k] + n[0]) ** 2 * m * (1 - m) * d[k] * (1 - d[k])
        for j in d:  # j: the paper's l
            if k < j:  # k earlier
                m = share(k, j)
                numerators[(k, j)] = (((n[k] + n[j]) * (1 - d[j])) ** 2 * m * (1 - m)
                                      * (d[k] - d[j]) / (1 - d[j]) * (1 - d[k]) / (1 - d[j]))
                numerators[(j, k)] = (((n[k] + n[j]) * d[k]) ** 2 * m * (1 - m)
                                      * (d[j] / d[k]) * (d[k] - d[j]) / d[k])
    total = sum(numerators.values())  # = V^D by Theorem 1
    assert float(total) == pytest.approx(mpdta_bacon.treatment_variance, abs=1e-15)
    for key, numerator in numerators.items():
        assert rows[key][1] == pytest.approx(float(numerator / total), abs=EXACT)


def _pandas_2x2(frame: pd.DataFrame, row: pd.Series, *, unit: str, time: str, outcome: str,
                cohort: str) -> float:
    """A 2x2 DiD from pandas means: the change of mean outcome of the treated cohort from
    before to after its first treated period, minus the same change for the control group,
    over the periods that the comparison type uses."""
    g = frame[cohort]
    first = frame[time].min()
    is_never = g.isna() | (g == 0) | (g > frame[time].max())
    if row["control"] == "never":
        controls = is_never
    elif row["control"] == "always":
        controls = ~is_never & (g <= first)
    else:
        controls = g == row["control"]
    window = pd.Series(True, index=frame.index)
    if row["comparison"] == "later_as_control":
        window = frame[time] < row["control"]
    elif row["comparison"] == "earlier_as_control":
        window = frame[time] >= row["control"]
    after = frame[time] >= row["treated"]

    def change(members: pd.Series) -> float:
        cells = frame.loc[members & window]
        return (cells.loc[after, outcome].mean() - cells.loc[~after, outcome].mean())

    return change(g == row["treated"]) - change(controls)


def test_mpdta_each_2x2_is_a_difference_of_mean_changes(mpdta_bacon, mpdta):
    for _, row in mpdta_bacon.tidy().iterrows():
        expected = _pandas_2x2(mpdta, row, unit="countyreal", time="year", outcome="lemp",
                               cohort="first.treat")
        assert row["estimate"] == pytest.approx(expected, abs=EXACT), (row["treated"],
                                                                       row["control"])


def test_mpdta_each_2x2_is_the_twfe_coefficient_on_its_subsample(mpdta_bacon, mpdta):
    """The 2x2 estimate is the TWFE regression on the two groups and the periods used."""
    for _, row in mpdta_bacon.tidy().iterrows():
        g = mpdta["first.treat"]
        control = (g == 0) if row["control"] == "never" else (g == row["control"])
        keep = (g == row["treated"]) | control
        if row["comparison"] == "later_as_control":
            keep &= mpdta["year"] < row["control"]
        elif row["comparison"] == "earlier_as_control":
            keep &= mpdta["year"] >= row["control"]
        sub = twfe(Panel(mpdta.loc[keep], **MPDTA), inference=Classical())
        assert row["estimate"] == pytest.approx(sub.estimate, abs=EXACT)


def test_mpdta_summaries_by_type(mpdta_bacon):
    kinds = mpdta_bacon.by_type()
    assert kinds["comparison"].tolist() == ["never_treated", "later_as_control",
                                            "earlier_as_control"]
    assert kinds["n_comparisons"].tolist() == [3, 3, 3]
    assert kinds["weight"].sum() == pytest.approx(1.0, abs=EXACT)
    assert (kinds["weight"] * kinds["estimate"]).sum() == pytest.approx(
        mpdta_bacon.twfe_estimate, abs=EXACT)
    assert mpdta_bacon.already_treated_weight == pytest.approx(
        mpdta_bacon.type_weights["earlier_as_control"], abs=EXACT)
    assert mpdta_bacon.sample == {"rows": 2500, "units": 500, "periods": 5,
                                  "treatment_cohorts": 3, "never_treated_units": 309,
                                  "always_treated_units": 0}


# --------------------------------------------------------------------------- simulated panels
def _simulated(case: str) -> pd.DataFrame:
    if case == "never_treated":
        return simulate_staggered_panel(240, 8, cohorts=(3, 5, 7), seed=1).data
    if case == "no_never_treated":
        return simulate_staggered_panel(240, 8, cohorts=(2, 4, 6, 8),
                                        shares=(0.1, 0.3, 0.2, 0.4, 0.0), seed=2).data
    if case == "unequal_cohorts":
        return simulate_staggered_panel(301, 10, cohorts=(2, 3, 6, 9, 10),
                                        shares=(0.02, 0.5, 0.08, 0.1, 0.05, 0.25), seed=3).data
    data = simulate_staggered_panel(240, 8, cohorts=(3, 6), seed=4).data
    data.loc[data["unit"] <= 30, "first_treated"] = 1  # always treated (from the first period)
    if case == "always_treated_no_never":
        data = data.loc[data["first_treated"] > 0]
    elif case == "irregular_periods":  # periods 1, 4, 9, ... and cohorts on the same scale
        data = data.assign(period=data["period"] ** 2,
                           first_treated=data["first_treated"] ** 2)
    return data


CASES = ["never_treated", "no_never_treated", "unequal_cohorts", "always_treated",
         "always_treated_no_never", "irregular_periods"]


@pytest.mark.parametrize("case", CASES)
def test_simulated_panels_rebuild_the_twfe_coefficient_exactly(case):
    data = _simulated(case)
    panel = Panel(data, **SIM)
    result = bacon_decomposition(panel)
    assert result.weight.sum() == pytest.approx(1.0, abs=EXACT)
    assert (result.weight >= 0).all()
    expected = twfe(panel, inference=Classical()).estimate
    assert result.weighted_sum == pytest.approx(expected, abs=EXACT)
    assert result.twfe_estimate == pytest.approx(expected, abs=EXACT)
    for _, row in result.tidy().iterrows():
        by_hand = _pandas_2x2(data, row, unit="unit", time="period", outcome="y",
                              cohort="first_treated")
        assert row["estimate"] == pytest.approx(by_hand, abs=EXACT), (row["treated"],
                                                                      row["control"])


@pytest.mark.parametrize(("case", "kinds", "always", "never"), [
    ("never_treated", {"never_treated", "later_as_control", "earlier_as_control"}, 0, 60),
    ("no_never_treated", {"later_as_control", "earlier_as_control"}, 0, 0),
    ("always_treated", set(COMPARISON_TYPES), 30, None),
    ("always_treated_no_never", {"later_as_control", "earlier_as_control", "always_treated"},
     30, 0),
])
def test_comparison_types_follow_the_groups_present(case, kinds, always, never):
    result = bacon_decomposition(Panel(_simulated(case), **SIM))
    assert set(result.comparison) == kinds
    assert result.sample["always_treated_units"] == always
    if never is not None:
        assert result.sample["never_treated_units"] == never
    if always:
        rows = result.tidy()
        vs_always = rows.loc[rows["comparison"] == "always_treated"]
        assert (vs_always["control"] == "always").all()
        assert result.already_treated_weight == pytest.approx(
            result.type_weights["earlier_as_control"] + result.type_weights["always_treated"],
            abs=EXACT)


def test_a_zero_one_treatment_column_gives_the_same_decomposition():
    data = _simulated("never_treated")
    by_cohort = bacon_decomposition(Panel(data, **SIM))
    description = {**SIM, "first_treated": None, "treatment": "treated"}
    by_indicator = bacon_decomposition(Panel(data, **description))
    pd.testing.assert_frame_equal(by_cohort.tidy(), by_indicator.tidy(), rtol=0, atol=1e-14)


def test_treatment_after_the_last_period_counts_as_never_treated():
    data = _simulated("never_treated")
    late = data.loc[data["first_treated"] == 0, "unit"].unique()[:10]
    data.loc[data["unit"].isin(late), "first_treated"] = 99
    result = bacon_decomposition(Panel(data, **SIM))
    assert result.sample["never_treated_units"] == 60
    assert 99 not in result.treated


# --------------------------------------------------------------------------- invariances
def _reference() -> tuple[pd.DataFrame, BaconDecomposition]:
    data = _simulated("unequal_cohorts")
    return data, bacon_decomposition(Panel(data, **SIM))


def test_row_order_and_unit_labels_do_not_matter():
    data, reference = _reference()
    shuffled = data.sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuffled["unit"] = "county-" + (10_000 - shuffled["unit"]).astype(str)
    result = bacon_decomposition(Panel(shuffled, **SIM))
    pd.testing.assert_frame_equal(result.tidy(), reference.tidy(), rtol=0, atol=1e-12)
    assert result.twfe_estimate == pytest.approx(reference.twfe_estimate, abs=1e-12)


@pytest.mark.parametrize("shift", [-1000.0, 3.5, 1e6])
def test_adding_a_constant_to_the_outcome_changes_nothing(shift):
    data, reference = _reference()
    result = bacon_decomposition(Panel(data.assign(y=data["y"] + shift), **SIM))
    np.testing.assert_allclose(result.estimate, reference.estimate, rtol=0,
                               atol=1e-12 * max(1.0, abs(shift)))
    np.testing.assert_array_equal(result.weight, reference.weight)


@pytest.mark.parametrize("scale", [-2.0, 0.001, 1000.0])
def test_scaling_the_outcome_scales_the_estimates_not_the_weights(scale):
    data, reference = _reference()
    result = bacon_decomposition(Panel(data.assign(y=data["y"] * scale), **SIM))
    np.testing.assert_allclose(result.estimate, scale * reference.estimate, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_array_equal(result.weight, reference.weight)
    assert result.twfe_estimate == pytest.approx(scale * reference.twfe_estimate, rel=1e-12)


def test_the_caller_data_is_never_mutated(mpdta):
    before = copy.deepcopy(mpdta)
    bacon_decomposition(Panel(mpdta, **MPDTA)).plot()
    pd.testing.assert_frame_equal(mpdta, before)


# --------------------------------------------------------------------------- the result object
def test_result_is_immutable(mpdta_bacon):
    with pytest.raises(dataclasses.FrozenInstanceError):
        mpdta_bacon.twfe_estimate = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        mpdta_bacon.estimate[0] = 0.0
    with pytest.raises(ValueError):
        mpdta_bacon.weight[0] = 0.0
    with pytest.raises(TypeError):
        mpdta_bacon.sample["rows"] = 0  # type: ignore[index]
    table = mpdta_bacon.tidy()
    table.loc[0, "estimate"] = 99.0
    assert mpdta_bacon.tidy().loc[0, "estimate"] != 99.0


def test_result_rejects_inconsistent_construction(mpdta_bacon):
    with pytest.raises(InputError, match="one entry per comparison"):
        dataclasses.replace(mpdta_bacon, weight=mpdta_bacon.weight[:-1])
    with pytest.raises(InputError, match="comparison: must contain only"):
        dataclasses.replace(mpdta_bacon, comparison=("vs_nobody",) * mpdta_bacon.n_comparisons)


def test_tidy_columns_and_labels(mpdta_bacon):
    table = mpdta_bacon.tidy()
    assert list(table.columns) == ["term", "estimate", "std_error", "statistic", "p_value",
                                   "conf_low", "conf_high", "treated", "control", "comparison",
                                   "type", "weight"]
    assert table["term"].tolist()[0] == f"{table.loc[0, 'treated']} vs {table.loc[0, 'control']}"
    assert table[["std_error", "conf_low", "conf_high"]].isna().all(axis=None)
    assert table["type"].tolist()[0] == COMPARISON_TYPES["never_treated"]
    assert table.loc[table["comparison"] == "earlier_as_control", "type"].unique().tolist() == [
        "Later vs earlier treated (earlier already treated)"]


def test_summary_text_html_and_latex(mpdta_bacon):
    summary = mpdta_bacon.summary()
    assert isinstance(summary, Summary)
    text = str(mpdta_bacon)
    assert "Goodman-Bacon decomposition of the TWFE coefficient" in text
    assert "TWFE coefficient:" in text and "-0.036549" in text
    assert "Weight on already-treated controls: 5.4%" in text
    assert "All comparisons (TWFE coefficient)" in text
    assert "Later vs earlier treated (earlier already treated)" in summary.as_html()
    assert mpdta_bacon._repr_html_() == summary.as_html()
    assert r"\begin{tabular}" in summary.as_latex()
    detail = mpdta_bacon.summary(detail=True)
    assert len(detail.table) == 9 and "2007 vs 2004" in detail.table.index


def test_provenance(mpdta_bacon, mpdta_panel):
    record = mpdta_bacon.provenance
    assert record.function == "evalkit.did.bacon_decomposition"
    assert record.data_fingerprint == mpdta_panel.fingerprint
    assert record.n_obs == 2500
    assert record.to_dict()["specification"]["panel"]["outcome"] == "lemp"


# --------------------------------------------------------------------------- plot
def test_plot_returns_a_figure_with_the_given_labels(mpdta_bacon):
    labels = {"never_treated": "Traitées vs jamais traitées",
              "later_as_control": "Précoces vs tardives",
              "earlier_as_control": "Tardives vs précoces (déjà traitées)",
              "twfe": "Coefficient TWFE", "already_treated": "Poids des témoins déjà traités",
              "xlabel": "Poids", "ylabel": "Estimation 2x2"}
    figure = plot_bacon(mpdta_bacon, title="Salaire minimum", labels=labels)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_title() == "Salaire minimum"
    assert ax.get_xlabel() == "Poids" and ax.get_ylabel() == "Estimation 2x2"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == [labels["never_treated"], labels["later_as_control"],
                          labels["earlier_as_control"]]
    assert legend[3].startswith("Coefficient TWFE = \u22120.03655")  # as the axes write minus
    texts = [t.get_text() for t in figure.findobj(Text)]
    assert "Poids des témoins déjà traités: 5.4%" in texts
    # nine points, at (weight, estimate)
    points = np.vstack([c.get_offsets() for c in ax.collections])
    assert points.shape == (9, 2)
    assert sorted(points[:, 0]) == pytest.approx(sorted(mpdta_bacon.weight))


def test_plot_method_draws_on_given_axes():
    result = bacon_decomposition(Panel(_simulated("always_treated"), **SIM))
    figure = Figure()
    ax = figure.add_subplot()
    assert result.plot(ax=ax) is figure
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert COMPARISON_TYPES["always_treated"] in legend


def test_plot_rejects_bad_input(mpdta_bacon, mpdta_twfe):
    with pytest.raises(InputError, match="decomposition: must be a BaconDecomposition"):
        plot_bacon(mpdta_twfe)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="keys must be among 'never_treated'"):
        plot_bacon(mpdta_bacon, labels={"treated": "x"})


# --------------------------------------------------------------------------- bad input
def test_unbalanced_panel_is_refused_with_the_number_of_incomplete_units(mpdta):
    rows = mpdta.index[(mpdta["countyreal"].isin([8001, 8019, 8023])) & (mpdta["year"] == 2005)]
    with pytest.raises(DataError) as info:
        bacon_decomposition(Panel(mpdta.drop(rows), **MPDTA))
    message = str(info.value)
    assert "needs a balanced panel" in message
    assert "3 of 500 units are incomplete, e.g. 8001, 8019, 8023" in message


def test_covariates_and_weights_are_refused_together(mpdta):
    mpdta["w"] = 1.0
    with pytest.raises(DataError) as info:
        bacon_decomposition(Panel(mpdta, **MPDTA, covariates=["lpop"], weights="w"))
    assert len(info.value.problems) == 2
    assert "covariate-adjusted version of Goodman-Bacon 2021, section 5, is not provided" in str(
        info.value)
    assert "sampling weights 'w'" in str(info.value)


@pytest.mark.parametrize("value", [None, "mpdta", pd.DataFrame()])
def test_non_panel_input_is_refused(value):
    with pytest.raises(InputError, match="panel: must be an evalkit.Panel"):
        bacon_decomposition(value)  # type: ignore[arg-type]


def test_compute_core_without_identifying_variation_reports_no_comparison():
    """Only never- and always-treated groups: V^D = 0, so nothing to decompose."""
    from evalkit.did._bacon_compute import decompose

    parts = decompose(np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 1.0]]), np.array([3, 2]),
                      np.array([0, 3]))
    assert parts.weight.size == 0 and np.isnan(parts.treatment_variance)


@pytest.mark.slow
def test_large_panel_weights_still_sum_to_one():
    """Vectorised over cohorts: 100,000 units x 10 periods (one million rows); its speed is
    measured by benchmarks/bench_twfe.py."""
    data = simulate_staggered_panel(100_000, 10, cohorts=(3, 5, 7, 9), seed=5).data
    result = bacon_decomposition(Panel(data, **SIM))
    assert result.weight.sum() == pytest.approx(1.0, abs=EXACT)


def test_the_plot_writes_the_already_treated_share_in_the_reports_language(mpdta_bacon):
    # 5.4% of the weight on already-treated controls (mpdta, as the summary says)
    fig = mpdta_bacon.plot(labels={"already_treated": "Poids des témoins déjà traités"},
                           language="fr")
    texts = [t.get_text() for ax in fig.axes for inset in ax.child_axes for t in inset.texts]
    assert "Poids des témoins déjà traités: 5,4\u202f%" in texts
