"""Fieller's confidence set for a ratio against its closed form, the inversion identity and
its coverage by simulation.

Closed form (Fieller 1954; evalkit.programmes.fieller): r is in the set iff
(a - r b)^2 <= c^2 (v_aa - 2 r v_ab + r^2 v_bb), i.e. A r^2 - 2 B r + C <= 0 with
A = b^2 - c^2 v_bb, B = a b - c^2 v_ab, C = a^2 - c^2 v_aa, D = B^2 - A C and roots
(B +- sqrt(D)) / A. The hand-computed cases choose the variances as multiples of 1 / c^2
so that c^2 v is a round number whatever the critical value c.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from evalkit.errors import InputError
from evalkit.programmes import RatioInterval, fieller_interval
from evalkit.programmes.fieller import fieller_bounds

Z = stats.norm.ppf(0.975)  # 1.959964 (R: qnorm(0.975))
C2 = Z * Z


# ------------------------------------------------------------------ hand-computed cases
def test_bounded_without_numerator_variance():
    # a = 10, b = 2, c^2 v_bb = 1, v_aa = v_ab = 0:
    # A = 4 - 1 = 3, B = 20, C = 100, D = 400 - 300 = 100, roots (20 -+ 10) / 3 = 10/3, 10.
    # Inversion: b's interval is 2 -+ 1 = [1, 3], and 10/3, 10/1 are its images.
    r = fieller_interval(10.0, 2.0, var_denominator=1 / C2)
    assert r.kind == "bounded" and r.is_finite
    assert r.low == pytest.approx(10 / 3, rel=1e-12)
    assert r.high == pytest.approx(10.0, rel=1e-12)
    assert r.ratio == 5.0
    assert r.leading == pytest.approx(3.0, rel=1e-12)
    assert r.discriminant == pytest.approx(100.0, rel=1e-12)
    assert r.critical_value == pytest.approx(1.959963984540054, abs=1e-12)
    assert "rejects zero" in r.condition
    assert r.as_text() == "[3.333, 10]"


def test_bounded_with_covariance():
    # a = 6, b = 3, c^2 v_aa = 4, c^2 v_bb = 1, c^2 v_ab = 1 (1 <= 4 x 1: a covariance):
    # A = 9 - 1 = 8, B = 18 - 1 = 17, C = 36 - 4 = 32, D = 289 - 256 = 33,
    # roots (17 -+ sqrt(33)) / 8 = 1.40692..., 2.84307...
    r = fieller_interval(6.0, 3.0, var_numerator=4 / C2, var_denominator=1 / C2,
                         covariance=1 / C2)
    assert r.kind == "bounded"
    assert r.low == pytest.approx((17 - math.sqrt(33)) / 8, rel=1e-12)
    assert r.high == pytest.approx((17 + math.sqrt(33)) / 8, rel=1e-12)
    assert r.discriminant == pytest.approx(33.0, rel=1e-12)
    assert r.contains(2.0) and not r.contains(1.4) and not r.contains(2.9)


def test_exclusive_without_numerator_variance():
    # a = 10, b = 1, c^2 v_bb = 4: A = 1 - 4 = -3, B = 10, C = 100, D = 100 + 300 = 400,
    # roots (10 -+ 20) / (-3) = 10/3 and -10: the set is (-inf, -10] U [10/3, +inf).
    # Inversion: b's interval is 1 -+ 2 = [-1, 3], which holds 0; 10/-1 = -10, 10/3.
    r = fieller_interval(10.0, 1.0, var_denominator=4 / C2)
    assert r.kind == "exclusive" and not r.is_finite
    assert r.low == pytest.approx(-10.0, rel=1e-12)
    assert r.high == pytest.approx(10 / 3, rel=1e-12)
    assert r.leading == pytest.approx(-3.0, rel=1e-12)
    assert r.contains(-11.0) and r.contains(10.0) and not r.contains(0.0)
    assert r.as_text() == "(-inf, -10] U [3.333, +inf)"
    assert "excludes the ratios between low and high" in r.condition


def test_exclusive_with_covariance():
    # a = 4, b = 1, c^2 v_aa = 4, c^2 v_bb = 4, c^2 v_ab = 2 (4 <= 16):
    # A = 1 - 4 = -3, B = 4 - 2 = 2, C = 16 - 4 = 12, D = 4 + 36 = 40,
    # roots (2 -+ sqrt(40)) / (-3): (sqrt(40) - 2)/3 = 1.44152..., -(2 + sqrt(40))/3.
    r = fieller_interval(4.0, 1.0, var_numerator=4 / C2, var_denominator=4 / C2,
                         covariance=2 / C2)
    assert r.kind == "exclusive"
    assert r.low == pytest.approx(-(2 + math.sqrt(40)) / 3, rel=1e-12)
    assert r.high == pytest.approx((math.sqrt(40) - 2) / 3, rel=1e-12)
    assert r.contains(r.ratio)


def test_unbounded():
    # a = 1, b = 1, c^2 v_aa = 4, c^2 v_bb = 4, v_ab = 0:
    # A = -3, B = 1, C = 1 - 4 = -3, D = 1 - 9 = -8 <= 0: every r satisfies the inequality.
    r = fieller_interval(1.0, 1.0, var_numerator=4 / C2, var_denominator=4 / C2)
    assert r.kind == "unbounded"
    assert (r.low, r.high) == (-math.inf, math.inf)
    assert r.discriminant == pytest.approx(-8.0, rel=1e-12)
    assert r.contains(1e12) and r.as_text() == "(-inf, +inf)"
    assert "whole real line" in r.condition


def test_student_t_critical_value():
    # df = 10: c = t(0.975; 10) = 2.228139 (R: qt(0.975, 10), printed to 6 decimals); the
    # same case as the first test with c^2 v_bb = 1 gives the same set [10/3, 10].
    c = stats.t.ppf(0.975, 10)
    assert c == pytest.approx(2.228139, abs=5e-7)
    r = fieller_interval(10.0, 2.0, var_denominator=1 / c**2, df=10)
    assert r.critical_value == c
    assert r.df == 10.0
    assert (r.low, r.high) == pytest.approx((10 / 3, 10.0), rel=1e-12)
    # at the normal critical value (smaller), the same variance gives a narrower set
    narrower = fieller_interval(10.0, 2.0, var_denominator=1 / c**2)
    assert r.low < narrower.low < narrower.high < r.high


def test_level():
    # level 0.9: c = z(0.95) = 1.644854 (R: qnorm(0.95)); c^2 v_bb = 1 again gives [10/3, 10].
    c = stats.norm.ppf(0.95)
    assert c == pytest.approx(1.644854, abs=5e-7)
    r = fieller_interval(10.0, 2.0, var_denominator=1 / c**2, level=0.9)
    assert (r.low, r.high) == pytest.approx((10 / 3, 10.0), rel=1e-12)


def test_boundary_is_a_half_line():
    # c = 1, a = 2, b = 1, v_bb = 1: A = 1 - 1 = 0 exactly, B = 2, C = 4, so the inequality
    # is linear: -4 r + 4 <= 0, r >= 1. Inversion: b's interval [0, 2] gives 2/x in [1, inf).
    kind, low, high, leading, _ = fieller_bounds(2.0, 1.0, 0.0, 1.0, 0.0, 1.0)
    assert (int(kind), float(low), float(high), float(leading)) == (1, -math.inf, 1.0, 0.0)
    # a = -2: B = -2, C = 4: 4 r + 4 <= 0, r <= -1.
    kind, low, high, _, _ = fieller_bounds(-2.0, 1.0, 0.0, 1.0, 0.0, 1.0)
    assert (int(kind), float(low), float(high)) == (1, -1.0, math.inf)


def test_negative_ratio_bounded():
    # a = -10, b = 2, c^2 v_bb = 1: images of [1, 3] by -10/x: [-10, -10/3].
    r = fieller_interval(-10.0, 2.0, var_denominator=1 / C2)
    assert r.kind == "bounded"
    assert (r.low, r.high) == pytest.approx((-10.0, -10 / 3), rel=1e-12)


# ------------------------------------------------------------------ the inversion identity
def test_without_numerator_variance_it_inverts_the_denominator_interval():
    # With v_aa = v_ab = 0, the set is {a / x : x in [b - c s, b + c s]}: bounded between
    # a / (b - c s) and a / (b + c s) when that interval excludes 0, else the complement of
    # the interval between them (their min and max in both cases).
    rng = np.random.default_rng(20240514)
    n = 300
    a = rng.choice([-1.0, 1.0], n) * rng.uniform(0.1, 50.0, n)
    b = rng.normal(0.0, 3.0, n)
    s = rng.uniform(0.05, 3.0, n)
    levels = rng.choice([0.8, 0.9, 0.95, 0.99], n)
    kinds = set()
    for ai, bi, si, li in zip(a, b, s, levels, strict=True):
        r = fieller_interval(float(ai), float(bi), var_denominator=float(si) ** 2,
                             level=float(li))
        c = stats.norm.ppf((1 + li) / 2)
        b_low, b_high = bi - c * si, bi + c * si
        images = sorted([ai / b_low, ai / b_high])
        assert r.kind == ("bounded" if b_low * b_high > 0 else "exclusive")
        assert (r.low, r.high) == pytest.approx(images, rel=1e-9)
        kinds.add(r.kind)
    assert kinds == {"bounded", "exclusive"}  # both shapes were exercised


# ------------------------------------------------------------------ coverage
def _covers(kind: np.ndarray, low: np.ndarray, high: np.ndarray, value: float) -> np.ndarray:
    return np.where(kind == 0, (low <= value) & (value <= high),
                    np.where(kind == 1, (value <= low) | (value >= high), True))


N_DRAWS = 20_000
# Binomial tolerance: 4 standard deviations of a proportion 0.95 over 20,000 draws,
# 4 x sqrt(0.95 x 0.05 / 20000) = 0.0062.
TOLERANCE = 4 * math.sqrt(0.95 * 0.05 / N_DRAWS)


def test_coverage_with_known_variances_and_a_denominator_close_to_zero():
    # alpha = 1, beta = 0.2 with sd(b) = 0.2: the denominator is one standard error from
    # zero, so its interval often holds zero (about 83% of the draws here). With known variances,
    # a - rho b ~ N(0, v_aa - 2 rho v_ab + rho^2 v_bb) exactly, so Fieller's set covers
    # rho = alpha / beta with probability 0.95 exactly; the delta method's interval
    # a/b -+ c sqrt(v_aa - 2 r v_ab + r^2 v_bb) / |b| does not (about 0.86 here).
    rng = np.random.default_rng(7)
    alpha, beta, v_aa, v_bb, v_ab = 1.0, 0.2, 0.25, 0.04, 0.05
    draws = rng.multivariate_normal([alpha, beta], [[v_aa, v_ab], [v_ab, v_bb]], N_DRAWS)
    a, b = draws[:, 0], draws[:, 1]
    rho = alpha / beta
    kind, low, high, _, _ = fieller_bounds(a, b, v_aa, v_bb, v_ab, Z)
    fieller = _covers(kind, low, high, rho).mean()
    assert fieller == pytest.approx(0.95, abs=TOLERANCE)
    assert (kind != 0).mean() > 0.5  # most sets were not bounded: the hard case was tested
    r = a / b
    half = Z * np.sqrt(v_aa - 2 * r * v_ab + r**2 * v_bb) / np.abs(b)
    delta = ((r - half <= rho) & (rho <= r + half)).mean()
    assert delta < 0.90  # the delta method fails here, and the coverage check can tell


def test_public_function_agrees_with_the_vectorised_core():
    rng = np.random.default_rng(11)
    draws = rng.multivariate_normal([1.0, 0.3], [[0.25, 0.05], [0.05, 0.04]], 500)
    kind, low, high, _, _ = fieller_bounds(draws[:, 0], draws[:, 1], 0.25, 0.04, 0.05, Z)
    names = np.array(["bounded", "exclusive", "unbounded"])
    for i, (ai, bi) in enumerate(draws):
        r = fieller_interval(float(ai), float(bi), var_numerator=0.25, var_denominator=0.04,
                             covariance=0.05)
        assert r.kind == names[kind[i]]
        assert (r.low, r.high) == (low[i], high[i])


def test_exact_coverage_with_estimated_variances_and_student_t():
    # n = 6 pairs (x, y) from a bivariate normal; a, b their means, the variances and
    # covariance of the means estimated from the sample (divided by n), df = n - 1 = 5.
    # Then (a - rho b) / se(a - rho b) is exactly Student t(5) (Fieller's theorem), so
    # the set covers rho with probability 0.95; with the normal critical value instead,
    # coverage falls to about 0.90.
    rng = np.random.default_rng(2024)
    n = 6
    mean = np.array([2.0, 0.5])
    cov = np.array([[1.0, 0.3], [0.3, 0.8]])
    samples = rng.multivariate_normal(mean, cov, (N_DRAWS, n))
    a, b = samples[:, :, 0].mean(axis=1), samples[:, :, 1].mean(axis=1)
    dx = samples[:, :, 0] - a[:, None]
    dy = samples[:, :, 1] - b[:, None]
    v_aa = (dx**2).sum(axis=1) / (n - 1) / n
    v_bb = (dy**2).sum(axis=1) / (n - 1) / n
    v_ab = (dx * dy).sum(axis=1) / (n - 1) / n
    rho = mean[0] / mean[1]
    t = stats.t.ppf(0.975, n - 1)
    kind, low, high, _, _ = fieller_bounds(a, b, v_aa, v_bb, v_ab, t)
    covered = _covers(kind, low, high, rho)
    assert covered.mean() == pytest.approx(0.95, abs=TOLERANCE)
    # the closed form agrees with the defining inequality draw by draw
    inequality = (a - rho * b) ** 2 <= t**2 * (v_aa - 2 * rho * v_ab + rho**2 * v_bb)
    assert np.array_equal(covered, inequality)
    kind_z, low_z, high_z, _, _ = fieller_bounds(a, b, v_aa, v_bb, v_ab, Z)
    assert _covers(kind_z, low_z, high_z, rho).mean() < 0.95 - 3 * TOLERANCE


# ------------------------------------------------------------------ the object and bad input
def test_result_is_frozen_and_says_what_it_is():
    r = fieller_interval(10.0, 1.0, var_denominator=4 / C2, df=30)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.low = 0.0  # type: ignore[misc]
    assert isinstance(r, RatioInterval)
    text = r.summary()
    assert "95% Fieller confidence set" in text and "Student t with 30 df" in text
    assert np.array_equal(r.contains(np.array([-20.0, 0.0, 5.0])), [True, False, True])


@pytest.mark.parametrize(("kwargs", "names"), [
    ({"numerator": math.nan, "denominator": 1.0, "var_denominator": 1.0}, ["numerator=nan"]),
    ({"numerator": 1.0, "denominator": "2", "var_denominator": 1.0}, ["denominator='2'"]),
    ({"numerator": 1.0, "denominator": 1.0, "var_denominator": -1.0},
     ["var_denominator=-1.0"]),
    ({"numerator": 1.0, "denominator": 1.0, "var_numerator": -0.1, "var_denominator": 1.0,
      "level": 1.0}, ["var_numerator=-0.1", "level=1.0"]),
    ({"numerator": 1.0, "denominator": 1.0, "var_denominator": 1.0, "df": 0},
     ["df=0"]),
    ({"numerator": 1.0, "denominator": 1.0, "var_numerator": 1.0, "var_denominator": 1.0,
      "covariance": 2.0}, ["covariance=2.0"]),
    ({"numerator": 1.0, "denominator": 0.0, "var_denominator": 0.0},
     ["denominator=0 with var_denominator=0"]),
    ({"numerator": True, "denominator": 1.0, "var_denominator": 1.0}, ["numerator=True"]),
])
def test_bad_input_names_the_argument(kwargs, names):
    with pytest.raises(InputError) as caught:
        fieller_interval(**kwargs)
    assert len(caught.value.problems) == len(names)
    for name, problem in zip(names, caught.value.problems, strict=True):
        assert problem.startswith(name)
