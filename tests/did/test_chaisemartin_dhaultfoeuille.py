"""de Chaisemartin & D'Haultfoeuille (2024): reference values, identities, known truth.

Reference: the favara_imbs example printed by the authors' package. The call

    DidMultiplegtDyn(df=favara_imbs, outcome="Dl_vloans_b", group="county", time="year",
                     treatment="inter_bra", effects=8, placebo=3, cluster="state_n",
                     normalized=True, same_switchers=True, effects_equal=True)

and its table are printed in the README of py_did_multiplegt_dyn (github.com/anzonyquispe/
py_did_multiplegt_dyn, README.md, section "Example"; the same table is in its
testing_package.ipynb), the Python version of the Stata/R did_multiplegt_dyn. Each value is
asserted to the digits printed there (half a unit of the last printed digit).

Variants without printed output (no normalisation, no clustering, weights, only never
switchers, the joint tests) are cross-checked against moderndid 0.4.1 ``did_multiplegt``
(a port validated against R DIDmultiplegtDYN) on the same data, at 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import Panel
from evalkit.datasets import load_favara_imbs, load_mpdta
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille
from evalkit.did.chaisemartin_dhaultfoeuille_spec import IntertemporalEffectsSpec
from evalkit.errors import EstimationError
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.contract import TIDY_CORE_COLUMNS, MultiEffectResult, Result

FAVARA = dict(outcome="Dl_vloans_b", unit="county", time="year", treatment="inter_bra",
              missing="outcome_gaps")

# README of py_did_multiplegt_dyn: (estimate, SE, N, switchers), printed as shown
README = {
    "effect_1": ("0.0240393", "0.0184241", 3368, 773),
    "effect_2": ("0.0116702", "0.0106714", 2604, 773),
    "effect_3": ("0.0143443", "0.00828821", 2031, 773),
    "effect_4": ("0.0115211", "0.00819515", 1541, 773),
    "effect_5": ("0.0161627", "0.00684205", 1412, 773),
    "effect_6": ("0.0133861", "0.00625129", 1293, 773),
    "effect_7": ("0.00981002", "0.00495722", 1248, 773),
    "effect_8": ("0.0100838", "0.00430933", 1248, 773),
    "average_total_effect": ("0.055063", "0.0268082", 9861, 6184),
    "placebo_1": ("0.0303785", "0.0264052", 2335, 764),
    "placebo_2": ("-0.0217763", "0.0253522", 957, 497),
    "placebo_3": ("-0.0137113", "0.0263437", 511, 358),
}


def _half_unit(printed: str) -> float:
    return 0.5 * 10.0 ** -len(printed.split(".")[1])


@pytest.fixture(scope="module")
def favara() -> pd.DataFrame:
    return load_favara_imbs()


def test_reproduces_the_printed_normalized_same_switchers_table(favara):
    result = chaisemartin_dhaultfoeuille(favara, **FAVARA, effects=8, placebos=3,
                                         cluster="state_n", normalized=True,
                                         same_switchers=True, effects_equal=True)
    table = result.tidy().set_index("term")
    for term, (estimate, se, n_obs, switchers) in README.items():
        row = table.loc[term]
        assert abs(row["estimate"] - float(estimate)) <= _half_unit(estimate), term
        assert abs(row["std_error"] - float(se)) <= _half_unit(se), term
        assert row["observations"] == n_obs, term
        assert row["switchers"] == switchers, term
    # the printed intervals: effect_1 LB -0.0120712, UB 0.0601498 (normal, 95%)
    low, high = result.conf_int().loc["effect_1"]
    assert abs(low - -0.0120712) <= 0.5e-7 and abs(high - 0.0601498) <= 0.5e-7
    # moderndid 0.4.1 on the same call: effects-equal p = 0.0739295898, placebos p = 0.5336510223
    assert abs(result.effects_equal_test.p_value - 0.0739295898) <= 1e-9
    assert abs(result.placebos_test.p_value - 0.5336510223) <= 1e-9


# moderndid 0.4.1 did_multiplegt(load_favara_imbs(), yname="Dl_vloans_b", idname="county",
# tname="year", dname="inter_bra", **options): effects, SEs, placebos, placebo SEs,
# (average total effect, SE, N, switchers), effects-equal p-value, joint placebo p-value
CROSS_CHECK = {
    "effects=8, placebo=3, cluster='state_n'": (
        dict(effects=8, placebos=3, cluster="state_n"),
        [0.0434814192, 0.0387111927, 0.0812709533, 0.0705944994, 0.1475951777, 0.163106475,
         0.1565034252, 0.1858269952],
        [0.0354980654, 0.0453123272, 0.0494488505, 0.0656584064, 0.0660418718, 0.0775310081,
         0.079084613, 0.0794132556],
        [0.0548087671, -0.0718342993, -0.1094780003], [0.0511117854, 0.0707986896, 0.1036486338],
        (0.0478284101, 0.024673348, 10598, 6921), None, 0.4068314366),
    "effects=5, placebo=2": (
        dict(effects=5, placebos=2),
        [0.0434814192, 0.0387111927, 0.0812709533, 0.0705944994, 0.1475951777],
        [0.0248708168, 0.0238648538, 0.0310076201, 0.0353725823, 0.0398265555],
        [0.0548087671, -0.0718342993], [0.0390625989, 0.0508396517],
        (0.0345707321, 0.0123460163, 8202, 4525), None, 0.1227929476),
    "effects=5, placebo=2, weightsname='w1', cluster='state_n'": (
        dict(effects=5, placebos=2, weights="w1", cluster="state_n"),
        [0.0450775681, 0.0673974891, 0.1166175296, 0.1145666366, 0.160792507],
        [0.0489690265, 0.0535846122, 0.0625019667, 0.0702249247, 0.0738334688],
        [-0.0288611448, 0.0583415815], [0.06372065, 0.1059724042],
        (0.047878684, 0.0268536251, 8202, 4525), None, 0.7615310873),
    "effects=3, placebo=2, only_never_switchers=True": (
        dict(effects=3, placebos=2, only_never_switchers=True),
        [0.1087431991, 0.129298047, 0.1399941692], [0.0372122457, 0.0394806649, 0.0425359229],
        [0.0432563478, -0.1017322791], [0.0526438755, 0.0677815381],
        (0.0573164769, 0.0170566035, 3828, 2715), None, 0.2217449342),
    "effects=4, placebo=2, normalized=True, effects_equal=True": (
        dict(effects=4, placebos=2, normalized=True, effects_equal=True),
        [0.0197345458, 0.0088024195, 0.0123220326, 0.0080251252],
        [0.0112879083, 0.0054265559, 0.0047012726, 0.0040211264],
        [0.0248274294, -0.0197654306], [0.0176946859, 0.0139886881],
        (0.0266075303, 0.0115294408, 7169, 3620), 0.3906027294, 0.1227929476),
    # xformla="~Dl_hpi": moderndid drops the 324 rows whose control is missing, as
    # missing="outcome_gaps" does
    "effects=3, placebo=2, cluster='state_n', xformla='~Dl_hpi'": (
        dict(effects=3, placebos=2, cluster="state_n", controls=["Dl_hpi"]),
        [0.0381024681, 0.0305128642, 0.0720705197], [0.0364251073, 0.0464610807, 0.0499264897],
        [0.0511959685, -0.0715547955], [0.050661192, 0.0704378847],
        (0.0218816967, 0.0188139361, 6028, 2634), None, 0.3726326367),
    "effects=3, placebo=2, weightsname='w1', normalized=True, xformla='~Dl_hpi'": (
        dict(effects=3, placebos=2, weights="w1", normalized=True, controls="Dl_hpi"),
        [0.0224034191, 0.0167891472, 0.0191867463], [0.0168612201, 0.0094235853, 0.0077750048],
        [-0.0146257021, 0.0169364537], [0.0247057816, 0.0206267451],
        (0.0377651814, 0.017821296, 6028, 2634), None, 0.6165544167),
}


@pytest.mark.parametrize("case", list(CROSS_CHECK))
def test_agrees_with_moderndid_on_the_variants(favara, case):
    options, effects, ses, placebos, placebo_ses, ate, equal_p, placebo_p = CROSS_CHECK[case]
    result = chaisemartin_dhaultfoeuille(favara, **FAVARA, **options)
    n_effects = len(effects)
    est, se = result.estimates.to_numpy(), result.std_errors.to_numpy()
    np.testing.assert_allclose(est[:n_effects], effects, rtol=0, atol=1e-9)
    np.testing.assert_allclose(se[:n_effects], ses, rtol=0, atol=1e-9)
    np.testing.assert_allclose(est[n_effects:-1], placebos, rtol=0, atol=1e-9)
    np.testing.assert_allclose(se[n_effects:-1], placebo_ses, rtol=0, atol=1e-9)
    assert abs(est[-1] - ate[0]) <= 1e-9 and abs(se[-1] - ate[1]) <= 1e-9
    assert (result.observations[-1], result.switchers[-1]) == ate[2:]
    if equal_p is not None:
        assert abs(result.effects_equal_test.p_value - equal_p) <= 1e-9
    assert abs(result.placebos_test.p_value - placebo_p) <= 1e-9


def _both_sides_panel(n_units: int = 600, n_periods: int = 7, seed: int = 21) -> pd.DataFrame:
    """Treatment 0, 1 or 2 that switches up and down; units starting at 1 may cross their
    baseline (first up, then below it, or the reverse)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 3, size=n_units).clip(0, 2)
    first = rng.integers(2, n_periods + 3, size=n_units)
    step = np.where(base == 0, 1, np.where(base == 2, -1, rng.choice([-1, 1], size=n_units)))
    cross = first + rng.integers(1, 4, size=n_units)
    t = np.arange(1, n_periods + 1)[None, :]
    d = np.where(t >= first[:, None], (base + step)[:, None], base[:, None])
    d = np.where((t >= cross[:, None]) & (base == 1)[:, None], (base - step)[:, None], d)
    y = rng.normal(size=n_units)[:, None] + 0.2 * t + 0.4 * d + rng.normal(size=d.shape)
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "time": np.tile(np.arange(1, n_periods + 1), n_units),
                         "y": y.ravel(), "d": d.ravel().astype(float)})


# moderndid 0.4.1 did_multiplegt(_both_sides_panel() written to CSV, yname="y", idname="unit",
# tname="time", dname="d", effects=3, placebo=2, **options), printed to 10 decimals:
# effects, SEs, placebos, placebo SEs, average total effect and SE, switchers
BOTH_SIDES = {
    "default": ({}, [0.2436847609, 0.2402280247, 0.1844181746],
                [0.0707256126, 0.0861267675, 0.1068130766], [-0.0909796776, -0.3082153408],
                [0.0778618673, 0.1190150206], (0.2290661113, 0.0678173804), (465, 335, 236)),
    "switchers='out'": (dict(switchers="out"), [0.3353437759, 0.2289094222, 0.2149572979],
                        [0.0976060345, 0.1263493726, 0.1543154313],
                        [-0.0109148911, -0.3703503729], [0.1067131501, 0.1574785615],
                        (0.2749385643, 0.094699407), (239, 169, 111)),
    "keep_bidirectional_switchers=True": (
        dict(keep_both_sides=True), [0.2436847609, 0.2118193162, 0.0291644167],
        [0.0707256126, 0.0808033862, 0.0920960871], [-0.0909796776, -0.3029868741],
        [0.0778618673, 0.1099529389], (0.2223519308, 0.081968485), (465, 383, 309)),
    "switchers='in', keep_bidirectional_switchers=True": (
        dict(switchers="in", keep_both_sides=True), [0.1467533246, 0.1907844148, 0.0190293189],
        [0.106450535, 0.1173108183, 0.1362270564], [-0.1808301602, -0.2767242616],
        [0.1197807428, 0.1756447617], (0.1544370365, 0.1212230885), (226, 186, 158)),
}


@pytest.mark.parametrize("case", list(BOTH_SIDES))
def test_switchers_in_and_out_and_crossing_the_baseline_agree_with_moderndid(case):
    options, effects, ses, placebos, placebo_ses, ate, switchers = BOTH_SIDES[case]
    result = chaisemartin_dhaultfoeuille(_both_sides_panel(), outcome="y", unit="unit",
                                         time="time", treatment="d", effects=3, placebos=2,
                                         **options)
    est, se = result.estimates.to_numpy(), result.std_errors.to_numpy()
    np.testing.assert_allclose(est, [*effects, *placebos, ate[0]], rtol=0, atol=1e-9)
    np.testing.assert_allclose(se, [*ses, *placebo_ses, ate[1]], rtol=0, atol=1e-9)
    assert result.switchers[:3] == switchers
    dropped = [text for text in result.exclusions if "both above and below" in text]
    assert bool(dropped) != options.get("keep_both_sides", False)


# moderndid 0.4.1 did_multiplegt(..., trends_lin=True, **options): effects, SEs, placebos,
# placebo SEs, switchers and observations of the effects
LINEAR_TRENDS = {
    "favara_imbs, effects=3, placebo=2, cluster='state_n'": (
        "favara", dict(effects=3, placebos=2, cluster="state_n"),
        [0.090058598, 0.1285224529, 0.1583365391], [0.0699286316, 0.1167933481, 0.1698131454],
        [0.0761285012, 0.2009316175], [0.1239804891, 0.1863582855], (896, 896, 896),
        (2777, 2224, 1790)),
    "favara_imbs, effects=4, placebo=1, normalized=True": (
        "favara", dict(effects=4, placebos=1, normalized=True),
        [0.0407949969, 0.0291682163, 0.0239604018, 0.0148965586],
        [0.0242509089, 0.0202662417, 0.0193474886, 0.0191663164], [0.041711522],
        [0.0441977827], (896, 896, 896, 896), (2777, 2224, 1790, 1662)),
    "_both_sides_panel(), effects=2, placebo=1": (
        "both", dict(effects=2, placebos=1), [0.1711437048, -0.0598911578],
        [0.1347298906, 0.2530991724], [-0.0978057977], [0.1469272351], (382, 260),
        (1819, 1256)),
}


@pytest.mark.parametrize("case", list(LINEAR_TRENDS))
def test_linear_trends_agree_with_moderndid(favara, case):
    data, options, effects, ses, placebos, placebo_ses, switchers, n_obs = LINEAR_TRENDS[case]
    if data == "favara":
        result = chaisemartin_dhaultfoeuille(favara, **FAVARA, **options, linear_trends=True)
    else:
        result = chaisemartin_dhaultfoeuille(_both_sides_panel(), outcome="y", unit="unit",
                                             time="time", treatment="d", **options,
                                             linear_trends=True)
    np.testing.assert_allclose(result.estimates, [*effects, *placebos], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.std_errors, [*ses, *placebo_ses], rtol=0, atol=1e-9)
    assert result.switchers[:len(effects)] == switchers
    assert result.observations[:len(effects)] == n_obs
    assert "average_total_effect" not in result.estimates.index
    assert any("first changes in the second period" in text for text in result.exclusions)


# ============================================================================ identities
@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    frame = load_mpdta()
    frame["D"] = ((frame["year"] >= frame["first.treat"]) & (frame["first.treat"] > 0)).astype(int)
    return frame


def test_binary_staggered_effects_are_callaway_santanna_not_yet_treated(mpdta):
    """With a binary absorbing treatment, DID_l is the cohort-size-weighted average of
    ATT(g, g + l - 1) with not-yet-treated comparisons (base period g - 1): Callaway &
    Sant'Anna's event study e = l - 1; placebo 1 is minus their e = -1 (varying base)."""
    result = chaisemartin_dhaultfoeuille(mpdta, outcome="lemp", unit="countyreal", time="year",
                                         treatment="D", effects=4, placebos=2)
    cs = callaway_santanna(Panel(mpdta, unit="countyreal", time="year", outcome="lemp",
                                 first_treated="first.treat"),
                           control_group="not_yet_treated").event_study().estimates
    for lag in range(1, 5):
        assert abs(result.estimates[f"effect_{lag}"] - cs[f"e+{lag - 1}" if lag > 1 else "e0"]
                   ) <= 1e-12
    assert abs(result.estimates["placebo_1"] + cs["e-1"]) <= 1e-12


def test_absorbing_binary_treatment_normalisation_and_average(mpdta):
    """Nobody switches back: delta_l = l, so normalised effects are DID_l / l, and the average
    total effect is the switcher-weighted mean of the effects (each treatment change is 1)."""
    kw = dict(outcome="lemp", unit="countyreal", time="year", treatment="D", effects=4)
    plain = chaisemartin_dhaultfoeuille(mpdta, **kw)
    normal = chaisemartin_dhaultfoeuille(mpdta, **kw, normalized=True)
    for lag in range(1, 5):
        term = f"effect_{lag}"
        assert abs(normal.estimates[term] - plain.estimates[term] / lag) <= 1e-12
        assert abs(normal.std_errors[term] - plain.std_errors[term] / lag) <= 1e-12
    weights = np.array(plain.switchers_weighted[:4])
    mean = weights @ plain.estimates.to_numpy()[:4] / weights.sum()
    assert abs(plain.estimates["average_total_effect"] - mean) <= 1e-12
    assert abs(plain.accumulated_periods - weights @ np.arange(1, 5) / weights.sum()) <= 1e-12


def _switching_panel(n_units: int, n_periods: int, beta: float, noise: float,
                     seed: int) -> pd.DataFrame:
    """Treatment 0/1/2 switching up and down at random dates; Y = a_g + l_t + beta D + e."""
    rng = np.random.default_rng(seed)
    base = rng.choice([0, 1], size=n_units)
    first = rng.integers(2, n_periods + 3, size=n_units)  # > n_periods: never changes
    up = np.where(base == 0, 1, rng.choice([-1, 1], size=n_units))
    back = rng.integers(1, n_periods + 1, size=n_units)  # periods until it moves again
    t = np.arange(1, n_periods + 1)[None, :]
    d = np.where(t >= first[:, None], base[:, None] + up[:, None], base[:, None])
    d = np.where(t >= (first + back)[:, None], base[:, None] + up[:, None] * 2, d)
    d = np.clip(d, 0, 2)
    a = rng.normal(size=n_units)[:, None]
    lam = rng.normal(size=n_periods)[None, :]
    y = a + lam + beta * d + noise * rng.normal(size=d.shape)
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "time": np.tile(np.arange(1, n_periods + 1), n_units) + 2000,
                         "y": y.ravel(), "d": d.ravel().astype(float)})


def test_controls_absorb_a_confounding_trend():
    """Y = a_g + l_t + beta D + gamma X with X trending differently by unit: without the
    control the effects are biased, with it they are beta x the treatment change exactly."""
    frame = _switching_panel(300, 7, beta=0.7, noise=0.0, seed=3)
    rng = np.random.default_rng(4)
    slope = rng.normal(size=300)[frame["unit"].to_numpy()]
    frame["x"] = slope * (frame["time"] - 2000) + rng.normal(size=len(frame))
    frame["y"] = frame["y"] + 2.0 * frame["x"]
    kw = dict(outcome="y", unit="unit", time="time", treatment="d", effects=3, placebos=2)
    adjusted = chaisemartin_dhaultfoeuille(frame, **kw, controls=["x"])
    assert abs(adjusted.estimates["average_total_effect"] - 0.7) <= 1e-9
    assert abs(adjusted.estimates["placebo_1"]) <= 1e-9
    assert np.all(np.isfinite(adjusted.std_errors)) and np.all(adjusted.std_errors > 0)
    naive = chaisemartin_dhaultfoeuille(frame, **kw)
    assert abs(naive.estimates["average_total_effect"] - 0.7) > 1e-3
    assert adjusted.specification.controls == ("x",)


def test_without_noise_each_effect_is_beta_times_the_treatment_change():
    """Y = a_g + l_t + beta D exactly: DID_l = beta x the switchers' average signed
    treatment change at l, normalised effects beta x (that change / cumulated change), the
    average total effect beta, placebos 0."""
    frame = _switching_panel(300, 7, beta=0.7, noise=0.0, seed=3)
    result = chaisemartin_dhaultfoeuille(frame, outcome="y", unit="unit", time="time",
                                         treatment="d", effects=3, placebos=2)
    d = frame["d"].to_numpy().reshape(300, 7)
    changed = d != d[:, :1]
    first = np.where(changed.any(axis=1), changed.argmax(axis=1), 99)  # 0-based F_g
    for lag in range(1, 4):
        at = first + lag - 1
        used = at < 7  # never-changing units of both baselines remain until the last period
        rows = np.flatnonzero(used)
        sign = np.sign(d[rows, first[rows]] - d[rows, 0])
        change = np.mean(sign * (d[rows, at[rows]] - d[rows, 0]))
        assert abs(result.estimates[f"effect_{lag}"] - 0.7 * change) <= 1e-10
        assert result.switchers[lag - 1] == rows.size
    assert abs(result.estimates["average_total_effect"] - 0.7) <= 1e-10
    assert abs(result.estimates["placebo_1"]) <= 1e-10
    assert abs(result.estimates["placebo_2"]) <= 1e-10
    assert abs(result.estimates["effect_1"]) > 0.1


def test_linear_trends_remove_unit_specific_trends_exactly():
    """Y = a_g + b_g t + beta D without noise: with linear_trends, effect l is beta x the
    switchers' average signed treatment change at l (units first changing in the second
    period left out); without, the unit trends bias it."""
    frame = _switching_panel(300, 7, beta=0.7, noise=0.0, seed=3)
    slope = np.random.default_rng(9).normal(size=300)
    frame["y"] += slope[frame["unit"].to_numpy()] * (frame["time"] - 2000)
    kw = dict(outcome="y", unit="unit", time="time", treatment="d", effects=3, placebos=1)
    result = chaisemartin_dhaultfoeuille(frame, **kw, linear_trends=True)
    d = frame["d"].to_numpy().reshape(300, 7)
    changed = d != d[:, :1]
    first = np.where(changed.any(axis=1), changed.argmax(axis=1), 99)  # 0-based F_g
    for lag in range(1, 4):
        rows = np.flatnonzero((first >= 2) & (first + lag - 1 < 7))
        sign = np.sign(d[rows, first[rows]] - d[rows, 0])
        change = np.mean(sign * (d[rows, first[rows] + lag - 1] - d[rows, 0]))
        assert abs(result.estimates[f"effect_{lag}"] - 0.7 * change) <= 1e-10
    assert abs(result.estimates["placebo_1"]) <= 1e-10
    naive = chaisemartin_dhaultfoeuille(frame, **kw)
    assert abs(naive.estimates["placebo_1"]) > 1e-3
    with pytest.raises(EstimationError, match="not estimated with linear_trends=True"):
        result.overall()


def test_known_truth_recovered_within_the_standard_errors():
    frame = _switching_panel(4000, 8, beta=0.5, noise=1.0, seed=11)
    result = chaisemartin_dhaultfoeuille(frame, outcome="y", unit="unit", time="time",
                                         treatment="d", effects=4, placebos=2)
    ate, se = result.estimates["average_total_effect"], result.std_errors["average_total_effect"]
    assert 0 < se < 0.05
    assert abs(ate - 0.5) <= 4 * se
    for term in ("placebo_1", "placebo_2"):
        assert abs(result.estimates[term]) <= 4 * result.std_errors[term]


# ============================================================================ invariance
def _fit(frame: pd.DataFrame, **kw):
    options = dict(outcome="y", unit="unit", time="time", treatment="d", effects=3, placebos=2)
    options.update(kw)
    return chaisemartin_dhaultfoeuille(frame, **options)


def test_invariances_and_the_input_is_not_modified():
    frame = _switching_panel(400, 6, beta=0.3, noise=1.0, seed=5)
    copy = frame.copy(deep=True)
    ref = _fit(frame)
    pd.testing.assert_frame_equal(frame, copy)
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    relabelled = frame.assign(unit="u" + (frame["unit"] * 7 % 401).astype(str),
                              time=frame["time"] + 100)
    shifted = frame.assign(y=frame["y"] + 1234.5)
    for other in (shuffled, relabelled, shifted):
        result = _fit(other)
        np.testing.assert_allclose(result.estimates, ref.estimates, rtol=0, atol=1e-9)
        np.testing.assert_allclose(result.std_errors, ref.std_errors, rtol=0, atol=1e-9)
        assert result.switchers == ref.switchers and result.observations == ref.observations


# ============================================================================ contract
def test_result_contract_and_report_views(favara):
    result = chaisemartin_dhaultfoeuille(favara, **FAVARA, effects=5, placebos=3,
                                         cluster="state_n")
    assert isinstance(result, Result) and isinstance(result, MultiEffectResult)
    assert list(result.tidy().columns[:len(TIDY_CORE_COLUMNS)]) == list(TIDY_CORE_COLUMNS)
    assert isinstance(result.specification, IntertemporalEffectsSpec)
    assert result.provenance.function == "evalkit.did.chaisemartin_dhaultfoeuille"
    assert result.provenance.specification["cluster"] == "state_n"
    wider = result.with_alpha(0.1)
    assert wider.alpha == 0.1 and result.alpha == 0.05
    assert (wider.conf_int()["upper"] < result.conf_int()["upper"]).all()
    text = str(result)
    assert "DID_l" in text and "clustered by 'state_n'" in text and "Left out" in text
    assert "<table" in result._repr_html_()
    assert list(result.effects()["horizon"]) == [1, 2, 3, 4, 5]
    assert list(result.placebos()["horizon"]) == [1, 2, 3]

    overall = result.overall()
    assert isinstance(overall, DiDResult)
    assert overall.effect_term == "average_total_effect"
    assert overall.estimate == result.estimates["average_total_effect"]
    assert overall.std_error == result.std_errors["average_total_effect"]
    assert overall.conf_int().loc["average_total_effect", "lower"] < overall.estimate
    assert 0 < overall.p_value < 1

    study = result.event_study()
    assert isinstance(study, EventStudyResult)
    assert study.event_time == (-4, -3, -2, 0, 1, 2, 3, 4)
    assert study.reference_period == -1
    assert study.estimates["e-2"] == result.estimates["placebo_1"]
    assert study.estimates["e+4"] == result.estimates["effect_5"]
    assert study.pretrend.p_value == result.placebos_test.p_value
    assert set(study.pretrend.terms) == {"e-4", "e-3", "e-2"}


def test_honest_did_and_the_plots_accept_the_event_study(favara):
    from matplotlib.figure import Figure

    from evalkit.plots import plot_event_study
    from evalkit.robustness.honest import honest_did

    result = chaisemartin_dhaultfoeuille(favara, **FAVARA, effects=3, placebos=2,
                                         cluster="state_n")
    sensitivity = honest_did(result.event_study(), m_values=[0.0, 0.5])
    assert len(sensitivity.tidy()) >= 2
    assert isinstance(plot_event_study(result.event_study()), Figure)
    assert isinstance(result.plot(), Figure)
