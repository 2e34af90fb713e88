"""Multiplier draws summed in groups of draws and blocks of clusters equal the direct sums.

``multiplier_draws`` sums each group of draws as (one - zero) * sum of the scores whose
indicator is 1, plus zero * the total, block of clusters by block of clusters. The
reference here draws the multipliers themselves with the same generator calls (the
draws a seed gives do not depend on how they are summed) and multiplies directly.

In double precision the draws equal the reference to rounding. In single precision (the
default) each product is rounded to about 7 digits, so the draws are within a few 1e-6 of
their standard deviation; the standard errors and band critical values they give are
then checked against the double-precision ones at the digits they are reported to.
"""

from __future__ import annotations

import numpy as np
import pytest

import evalkit.inference.multiplier as multiplier
from evalkit.inference.multiplier import multiplier_draws


def _direct(scores: np.ndarray, n_draws: int, seed: int, distribution: str) -> np.ndarray:
    """The draws as the multipliers times the scores, one generator call per chunk."""
    rng = np.random.default_rng(seed)
    m, n = scores.shape
    chunk = max(1, min(n_draws, multiplier._CHUNK_ELEMENTS // n))
    out = np.empty((n_draws, m))
    for start in range(0, n_draws, chunk):
        stop = min(n_draws, start + chunk)
        out[start:stop] = multiplier._multipliers(rng, (stop - start, n), distribution) @ scores.T
    return out / n


SHAPES = [(1, 13, 7), (5, 1001, 999), (27, 20_003, 250), (3, 4_096, 40)]


def _small_groups(monkeypatch, n: int) -> None:
    # small groups and blocks, so that every path (several groups, a last partial group,
    # several blocks, a last partial block, n a multiple of 8 or not) is taken
    monkeypatch.setattr(multiplier, "_CHUNK_ELEMENTS", 3 * n)
    monkeypatch.setattr(multiplier, "_GROUP_BYTES", 12 * n)
    monkeypatch.setattr(multiplier, "_BLOCK_ELEMENTS", 12 * 257)


def _scores(m: int, n: int) -> np.ndarray:
    # columns of different sizes and means far from zero
    rng = np.random.default_rng(0)
    return rng.normal(size=(m, n)) * np.arange(1, m + 1)[:, None] + 5.0 * np.arange(m)[:, None]


# In double precision the draws equal the direct products to rounding, relative to the
# scores' mean absolute size; in single precision each product is rounded to about 7
# digits, summed over blocks of clusters: within 1e-5 of a draw's standard deviation.
BOUNDS = {"double": (1e-13, lambda s: np.abs(s).sum(axis=1) / s.shape[1]),
          "single": (1e-5, lambda s: np.sqrt((s ** 2).sum(axis=1)) / s.shape[1])}


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("distribution", ["rademacher", "mammen"])
@pytest.mark.parametrize(("m", "n", "n_draws"), SHAPES)
def test_grouped_sums_equal_the_direct_products_to_their_precision(monkeypatch, precision,
                                                                   distribution, m, n,
                                                                   n_draws):
    _small_groups(monkeypatch, n)
    scores = _scores(m, n)
    got = multiplier_draws(scores, n_draws=n_draws, rng=np.random.default_rng(42),
                           distribution=distribution, precision=precision)
    want = _direct(scores, n_draws, 42, distribution)
    bound, size = BOUNDS[precision]
    assert got.shape == (n_draws, m)
    assert np.max(np.abs(got - want) / size(scores)) < bound


@pytest.mark.parametrize("distribution", ["rademacher", "mammen"])
def test_single_precision_leaves_standard_errors_and_band_critical_values_unchanged(
        distribution):
    """At 200,000 clusters and 999 draws, in the default groups and blocks: standard errors
    to 1e-5 (relative) and the sup-t critical value to 1e-4, beyond the 4 significant
    digits and 2 decimals a report prints."""
    scores = _scores(30, 200_000)
    draws = {precision: multiplier_draws(scores, n_draws=999, rng=np.random.default_rng(7),
                                         distribution=distribution, precision=precision)
             for precision in ("single", "double")}
    se = {k: multiplier.bootstrap_standard_errors(v) for k, v in draws.items()}
    assert np.max(np.abs(se["single"] - se["double"]) / se["double"]) < 1e-5
    critical = {k: multiplier.sup_t_critical_value(draws[k], se[k], 0.05) for k in draws}
    assert abs(critical["single"] - critical["double"]) < 1e-4


def test_draws_do_not_depend_on_the_number_of_threads(monkeypatch):
    scores = _scores(4, 10_001)
    one = multiplier_draws(scores, n_draws=99, rng=np.random.default_rng(3))
    monkeypatch.setattr(multiplier.os, "cpu_count", lambda: 1)
    assert np.array_equal(multiplier_draws(scores, n_draws=99, rng=np.random.default_rng(3)),
                          one)


def test_rademacher_multipliers_are_plus_or_minus_one_and_balanced():
    values = multiplier._multipliers(np.random.default_rng(1), (200, 1000), "rademacher")
    assert set(np.unique(values)) == {-1.0, 1.0}
    assert abs(values.mean()) < 0.01  # 200,000 fair signs: sd of the mean 0.0022


def test_mammen_multipliers_have_mean_zero_and_unit_variance():
    values = multiplier._multipliers(np.random.default_rng(1), (400, 1000), "mammen")
    root5 = np.sqrt(5.0)
    assert set(np.round(np.unique(values), 12)) == {round((1 - root5) / 2, 12),
                                                    round((1 + root5) / 2, 12)}
    assert abs(values.mean()) < 0.01 and abs(values.var() - 1.0) < 0.01


def test_an_unknown_precision_is_refused():
    from evalkit.errors import InputError

    with pytest.raises(InputError, match=r"precision='half'\): must be 'single' or 'double'"):
        multiplier_draws(_scores(2, 16), n_draws=10, rng=np.random.default_rng(0),
                         precision="half")
