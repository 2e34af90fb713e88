"""Triple differences (Ortiz-Villavicencio & Sant'Anna 2025): reference values and identities.

Reference values
----------------
No output of R ``triplediff`` itself on the shipped data is printed anywhere we could
find: the paper's application (Figure 5) and moderndid's documented example of it run
the *unbalanced*-panel estimator (``allow_unbalanced_panel=TRUE``) with bootstrap
standard errors, which evalkit does not implement. The values below were printed by
moderndid 0.4.1 (``moderndid.didtriple``, a line-by-line port of R ``triplediff`` 0.2,
whose own tests compare it with R), with the exact calls written beside them; they are
checked to 1e-7 (estimates) and 1e-6 (standard errors), tighter than any printed digit.
moderndid departs from R in one place, the cohort weights of aggregations with several
enabling groups (eligible units only, where R's ``compute_aggregation`` takes every unit
of the group, ``mean(weights * (first_treat == g))``); evalkit follows R, so aggregations
are compared with moderndid only with one enabling group (Cai 2016), where both agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ddd_fixtures import CAI, STAGGERED, cai2016, cai2016_two_periods, staggered_panel

from evalkit.did import callaway_santanna, did_2x2
from evalkit.did.triple_differences import triple_differences
from evalkit.results import DiDResult, EventStudyResult

CONTROLS = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}
METHODS = {"dr": "doubly_robust", "reg": "outcome_regression", "ipw": "inverse_probability"}


@pytest.fixture(scope="module")
def cai():
    return cai2016()


# ---------------------------------------------------------------- Cai (2016), 2000-2008
# moderndid 0.4.1, on load_cai2016() restricted to the 3,298 households seen in all nine
# years (what R's ddd does with an unbalanced panel and allow_unbalanced_panel=FALSE):
#   did.ddd(data=d, yname="checksaving_ratio", tname="year", idname="hhno", gname="g",
#           pname="sector", xformla="~ hhsize + age", control_group="nevertreated",
#           base_period="universal", est_method=M)
# with g = 2003 if treatment == 1 else 0; r.att and r.se printed to 10 decimals.
CAI_UNIVERSAL = {
    "dr": ([-0.0564431148, -0.0374666655, 0.0003910306, 0.0225427894, 0.0432071746,
            0.0322649152, 0.048836063, 0.1099133996],
           [0.0199056929, 0.0210764547, 0.0220813374, 0.0209549419, 0.0248116397,
            0.0236269943, 0.0271613796, 0.0275578925]),
    "reg": ([-0.0568325804, -0.0376180823, 0.0003405622, 0.0226179449, 0.0427700048,
             0.0318965368, 0.0486089023, 0.1095103022],
            [0.0199535837, 0.0211068504, 0.0221221686, 0.0209619742, 0.0247943497,
             0.023654403, 0.027198088, 0.0275821849]),
    "ipw": ([-0.0553192499, -0.0366635555, 0.0009407014, 0.0221155647, 0.0422323144,
             0.0334720374, 0.051206544, 0.1122624706],
            [0.0197012018, 0.0212492196, 0.0221960575, 0.0210598806, 0.0250718598,
             0.0237153883, 0.0273524817, 0.0274779806]),
}
# the same with base_period="varying": the two pre-treatment cells change
CAI_VARYING_PRE = {"dr": ([0.0189782856, 0.0374720487], [0.024570703, 0.0210752815]),
                   "ipw": ([0.0186589776, 0.0366688486], [0.0245006614, 0.0212481049])}
# did.agg_ddd(r, type="simple" / "eventstudy", boot=False, cband=False), est_method="dr",
# universal: overall_att, overall_se
CAI_DR_SIMPLE = (0.0428592287421692, 0.015718058728822582)


@pytest.mark.parametrize("short", ["dr", "reg", "ipw"])
def test_cai2016_cells_reproduce_the_reference(cai, short):
    result = triple_differences(cai, **CAI, covariates=["hhsize", "age"],
                                method=METHODS[short], base_period="universal")
    estimates, std_errors = CAI_UNIVERSAL[short]
    assert list(result.estimates.index) == [f"ATT(2003,{t})" for t in
                                            (2000, 2001, *range(2003, 2009))]
    np.testing.assert_allclose(result.estimates, estimates, rtol=0, atol=1e-7)
    np.testing.assert_allclose(result.std_errors, std_errors, rtol=0, atol=1e-6)
    assert result.sample["units"] == 3298
    assert any("361 units not observed in every period" in n for n in result.notes)


@pytest.mark.parametrize("short", ["dr", "ipw"])
def test_cai2016_varying_base_period(cai, short):
    result = triple_differences(cai, **CAI, covariates=["hhsize", "age"],
                                method=METHODS[short], base_period="varying")
    estimates, std_errors = CAI_VARYING_PRE[short]
    np.testing.assert_allclose(result.estimates.iloc[:2], estimates, rtol=0, atol=1e-7)
    np.testing.assert_allclose(result.std_errors.iloc[:2], std_errors, rtol=0, atol=1e-6)
    # post-treatment cells do not depend on the base period option
    np.testing.assert_allclose(result.estimates.iloc[2:], CAI_UNIVERSAL[short][0][2:],
                               rtol=0, atol=1e-7)


def test_cai2016_aggregations(cai):
    result = triple_differences(cai, **CAI, covariates=["hhsize", "age"],
                                base_period="universal")
    overall = result.overall()
    assert isinstance(overall, DiDResult)
    assert overall.estimate == pytest.approx(CAI_DR_SIMPLE[0], abs=1e-7)
    assert overall.std_error == pytest.approx(CAI_DR_SIMPLE[1], abs=1e-6)
    study = result.event_study()
    assert isinstance(study, EventStudyResult)
    assert study.event_time == (-3, -2, 0, 1, 2, 3, 4, 5)
    assert study.reference_period == -1
    # one enabling group: the event-study coefficients are the cells themselves, and its
    # average over e >= 0 is R's eventstudy overall_att (the same number as simple here)
    np.testing.assert_allclose(study.coefficients.estimate, CAI_UNIVERSAL["dr"][0], atol=1e-7)
    np.testing.assert_allclose(study.coefficients.std_error, CAI_UNIVERSAL["dr"][1], atol=1e-6)
    average = study.average_effect()
    assert average["estimate"] == pytest.approx(CAI_DR_SIMPLE[0], abs=1e-7)
    assert average["std_error"] == pytest.approx(CAI_DR_SIMPLE[1], abs=1e-6)
    assert study.pretrend is not None and study.pretrend.df == (2,)
    by_cohort = result.by_cohort().coefficients.series("estimate")
    assert by_cohort["cohort 2003"] == pytest.approx(CAI_DR_SIMPLE[0], abs=1e-7)
    by_period = result.by_period().coefficients.series("estimate")
    assert by_period["period 2008"] == pytest.approx(CAI_UNIVERSAL["dr"][0][-1], abs=1e-7)


# ---------------------------------------------------------------- Cai (2016), unbalanced
# moderndid 0.4.1, on load_cai2016() as shipped (3,659 households, unbalanced), the
# application's call (moderndid's triple DiD example, its get_group(..., treat_period=2003)
# being g here):
#   did.ddd(data=df, yname="checksaving_ratio", tname="year", idname="hhno", gname="group",
#           pname="sector", xformla="~ hhsize + age", control_group="nevertreated",
#           base_period="universal", est_method=M, allow_unbalanced_panel=True)
#   did.agg_ddd(r, type="eventstudy", boot=False, cband=False) -> overall_att, overall_se
# (moderndid's documentation prints other numbers for this call, -0.0545 ... 0.1309 and
# 0.0548, from another version and with bootstrap standard errors; 0.4.1 gives these.)
CAI_UNBALANCED = {
    "dr": ([-0.0598673501, -0.0263655557, 0.0117566309, 0.0339166432, 0.052462351,
            0.0494403, 0.0885202961, 0.1553289086],
           [0.0246025414, 0.0209957087, 0.0213533046, 0.0225502095, 0.0283485001,
            0.0301368953, 0.0356441003, 0.0392765283],
           (0.06523752162835172, 0.02224286992093634)),
    "reg": ([-0.0541366866, -0.0245532209, 0.0097273769, 0.0289952838, 0.0451306724,
             0.0410198246, 0.0739913966, 0.1399397141],
            [0.0245140551, 0.0210002159, 0.0213786643, 0.0224466738, 0.0281317042,
             0.0297739152, 0.0351075221, 0.0386181296],
            (0.05646737807976656, 0.021943018164380542)),
    "ipw": ([-0.0501099586, -0.0246140998, 0.0108838405, 0.0313321223, 0.0530218458,
             0.0459347676, 0.0726072122, 0.1329802632],
            [0.0219919856, 0.0206326173, 0.0208802697, 0.0203700859, 0.0243406018,
             0.0226452249, 0.0260854567, 0.0264503892],
            (0.057793341933166896, 0.015126855891635359)),
}


@pytest.mark.parametrize("short", ["dr", "reg", "ipw"])
def test_cai2016_unbalanced_panel_reproduces_the_reference(cai, short):
    result = triple_differences(cai, **CAI, covariates=["hhsize", "age"],
                                method=METHODS[short], base_period="universal",
                                unbalanced="keep")
    estimates, std_errors, (average, average_se) = CAI_UNBALANCED[short]
    np.testing.assert_allclose(result.estimates, estimates, rtol=0, atol=1e-7)
    np.testing.assert_allclose(result.std_errors, std_errors, rtol=0, atol=1e-6)
    assert result.sample["units"] == 3659
    effect = result.event_study().average_effect()
    assert effect["estimate"] == pytest.approx(average, abs=1e-7)
    assert effect["std_error"] == pytest.approx(average_se, abs=1e-6)


def test_a_balanced_panel_is_the_same_whatever_unbalanced_says():
    data = staggered_panel()
    a = triple_differences(data, **STAGGERED, covariates=["x"])
    b = triple_differences(data, **STAGGERED, covariates=["x"], unbalanced="keep")
    pd.testing.assert_series_equal(a.estimates, b.estimates)


# ---------------------------------------------------------------- two periods, 2002-2003
# moderndid 0.4.1 (the two-period path, R's att_dr / reg / ipw with sd(inf_func)/sqrt(n)):
#   did.ddd(data=d2, yname="checksaving_ratio", tname="year", idname="hhno", gname="g",
#           pname="sector", xformla="~ hhsize0 + age0", est_method=M)
# d2 = cai2016_two_periods(); r.att, r.se printed in full. Without covariates
# (xformla omitted, est_method="reg"): 0.008728075131132246, 0.021023805578591622.
TWO_PERIODS = {"dr": (0.007245094729793077, 0.02062204533982009),
               "reg": (0.007146267545481779, 0.02067686120879448),
               "ipw": (0.007710259858551838, 0.020733857040010264),
               None: (0.008728075131132246, 0.021023805578591622)}


@pytest.mark.parametrize("short", ["dr", "reg", "ipw", None])
def test_two_periods_reproduce_the_reference(short):
    data = cai2016_two_periods()
    covariates = ["hhsize0", "age0"] if short else []
    result = triple_differences(data, **CAI, covariates=covariates,
                                method=METHODS[short or "reg"])
    (term,) = result.estimates.index
    assert term == "ATT(2003,2003)"
    estimate, std_error = TWO_PERIODS[short]
    assert result.estimates.iloc[0] == pytest.approx(estimate, abs=1e-8)
    assert result.std_errors.iloc[0] == pytest.approx(std_error, abs=1e-7)
    assert "n - 1" in result.inference_text


# ---------------------------------------------------------------- staggered, GMM pooling
# moderndid 0.4.1 on staggered_panel() (tests/did/ddd_fixtures.py; numpy PCG64, seed
# 20250509, passed as polars):
#   did.ddd(data=d, yname="y", tname="t", idname="id", gname="g", pname="q",
#           xformla="~ x", control_group=CG, base_period="varying", est_method=M)
# r.att, r.se rounded to 10 decimals; cells (3,2..6), (4,2..6), (5,2..6).
STAGGERED_REF = {
    ("nevertreated", "reg"): (
        [-0.2754695013, 1.3587280345, 1.4615425082, 2.1221126151, 2.7299331632, 0.0789674166,
         0.0636740718, 0.4927091382, 1.0373829434, 1.7351697332, 0.0623389207, 0.0215996335,
         -0.0273632873, 0.9829570279, 1.512257748],
        [0.302754021, 0.3187623136, 0.3019217394, 0.2906584198, 0.3130774159, 0.350390011,
         0.3484800224, 0.335413847, 0.3590460165, 0.3428086665, 0.3637737747, 0.3473363837,
         0.3225250512, 0.3484693753, 0.3588641234]),
    ("notyettreated", "dr"): (
        [-0.2754012683, 1.2624774968, 1.4378885671, 2.0972468335, 2.7239197817, 0.1384383567,
         0.1492080034, 0.4543239203, 0.9407285793, 1.6649558812, 0.1500649755, -0.0431225861,
         -0.0404413439, 0.9587703652, 1.5700887211],
        [0.2546311336, 0.2615411596, 0.2695797358, 0.289674717, 0.3113607766, 0.3035525307,
         0.300989634, 0.3086596581, 0.3557901229, 0.3420040705, 0.3299288597, 0.3179002982,
         0.3151306961, 0.3467177134, 0.3500017387]),
    ("notyettreated", "ipw"): (
        [-0.2745256099, 1.2794581215, 1.4511036897, 2.1225917502, 2.7559060383, 0.1383398339,
         0.1518850846, 0.4525383238, 0.9394722172, 1.6637619588, 0.1608211739, -0.0680502189,
         -0.0238363014, 0.9510465981, 1.5529320572],
        [0.2562870566, 0.2636968251, 0.2712679924, 0.28996776, 0.3166995593, 0.3037190854,
         0.2972629248, 0.3125782811, 0.3556206952, 0.3488538547, 0.3348152756, 0.324712452,
         0.3140952475, 0.3432570944, 0.3446465939]),
}


@pytest.mark.parametrize(("control_group", "short"), list(STAGGERED_REF))
def test_staggered_cells_reproduce_the_reference(control_group, short):
    result = triple_differences(staggered_panel(), **STAGGERED, covariates=["x"],
                                method=METHODS[short], control_group=CONTROLS[control_group])
    estimates, std_errors = STAGGERED_REF[(control_group, short)]
    # the logit is solved to 1e-10 here and by statsmodels' default tolerance there
    np.testing.assert_allclose(result.estimates, estimates, rtol=0, atol=1e-7)
    np.testing.assert_allclose(result.std_errors, std_errors, rtol=0, atol=1e-6)
    if control_group == "notyettreated":
        assert any("GMM" in n for n in result.notes)


# ---------------------------------------------------------------- identities
def test_without_covariates_ddd_is_the_difference_of_two_did():
    """Two periods, no covariates: DDD = DiD(eligible) - DiD(ineligible), exactly."""
    data = cai2016_two_periods()
    data["enabled"] = (data["g"] == 2003).astype(int)
    data["after"] = (data["year"] == 2003).astype(int)
    ddd = triple_differences(data, **CAI, method="outcome_regression")
    parts = [did_2x2(data.loc[data["sector"] == q], outcome="checksaving_ratio",
                     treated="enabled", post="after").estimate for q in (1, 0)]
    assert ddd.estimates.iloc[0] == pytest.approx(parts[0] - parts[1], abs=1e-12)
    for method in ("doubly_robust", "inverse_probability"):
        other = triple_differences(data, **CAI, method=method)
        assert other.estimates.iloc[0] == pytest.approx(ddd.estimates.iloc[0], abs=1e-12)


def test_without_covariates_staggered_cells_are_differences_of_callaway_santanna():
    from evalkit.data.panel import Panel

    data = staggered_panel()
    ddd = triple_differences(data, **STAGGERED, method="outcome_regression")
    cells = []
    for q in (1, 0):
        part = data.loc[data["q"] == q]
        panel = Panel(part, unit="id", time="t", outcome="y", first_treated="g")
        cells.append(callaway_santanna(panel, method="outcome_regression").estimates)
    np.testing.assert_allclose(ddd.estimates, (cells[0] - cells[1]).loc[ddd.estimates.index],
                               rtol=0, atol=1e-12)


def test_covariates_matter_so_ddd_is_not_the_difference_of_two_did():
    data = staggered_panel(n=2000)
    ddd = triple_differences(data, **STAGGERED, covariates=["x"])
    naive = triple_differences(data, **STAGGERED)
    assert np.max(np.abs(ddd.estimates - naive.estimates)) > 0.05


def test_one_comparison_group_gives_the_same_cells_under_both_controls(cai):
    never = triple_differences(cai, **CAI, covariates=["hhsize", "age"])
    not_yet = triple_differences(cai, **CAI, covariates=["hhsize", "age"],
                                 control_group="not_yet_treated")
    pd.testing.assert_series_equal(never.estimates, not_yet.estimates, rtol=0, atol=1e-14)


def test_known_truth_is_recovered():
    data = staggered_panel(n=6000, seed=7)
    for method in METHODS.values():
        result = triple_differences(data, **STAGGERED, covariates=["x"], method=method,
                                    control_group="not_yet_treated")
        table = result.tidy()
        truth = np.where(table["period"] >= table["cohort"],
                         1.0 + 0.5 * (table["period"] - table["cohort"]), 0.0)
        z = (table["estimate"] - truth) / table["std_error"]
        assert np.all(np.abs(z) < 4), (method, z.round(2).tolist())
        overall = result.overall()
        sizes = {3: 0.25, 4: 0.2, 5: 0.2}
        post = table["period"] >= table["cohort"]
        weight = table.loc[post, "cohort"].map(sizes)
        expected = float((truth[post] * weight).sum() / weight.sum())
        assert abs(overall.estimate - expected) < 4 * overall.std_error
