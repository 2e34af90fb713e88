"""Multiplier draws summed in groups of draws and blocks of clusters equal the direct sums.

``multiplier_draws`` sums each group of draws as (one - zero) * sum of the scores whose
indicator is 1, plus zero * the total, block of clusters by block of clusters. The
reference here draws the multipliers themselves with the same generator calls (the
draws a seed gives do not depend on how they are summed) and multiplies directly.
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


@pytest.mark.parametrize("distribution", ["rademacher", "mammen"])
@pytest.mark.parametrize(("m", "n", "n_draws"), [(1, 13, 7), (5, 1001, 999), (27, 20_003, 250)])
def test_grouped_sums_equal_the_direct_products(monkeypatch, distribution, m, n, n_draws):
    # small groups and blocks, so that every path (several groups, a last partial group,
    # several blocks, a last partial block, n not a multiple of 8) is taken
    monkeypatch.setattr(multiplier, "_CHUNK_ELEMENTS", 3 * n)
    monkeypatch.setattr(multiplier, "_GROUP_BYTES", 12 * n)
    monkeypatch.setattr(multiplier, "_BLOCK_ELEMENTS", 12 * 257)
    scores = np.random.default_rng(0).normal(size=(m, n)) * np.arange(1, m + 1)[:, None]
    got = multiplier_draws(scores, n_draws=n_draws, rng=np.random.default_rng(42),
                           distribution=distribution)
    want = _direct(scores, n_draws, 42, distribution)
    scale = np.abs(scores).sum(axis=1) / n
    assert got.shape == (n_draws, m)
    assert np.max(np.abs(got - want) / scale) < 1e-13


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
