"""Old argument names of the inference functions: each warns, names its new spelling, gives
the same numbers as the new one, and is refused together with it."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit import EvalkitDeprecationWarning, InputError, randomization_inference
from evalkit import wild_cluster_bootstrap as wild
from evalkit.robustness import permutation_test


def test_wild_cluster_bootstrap_n_boot_and_weights(mpdta_twfe, mpdta_panel):
    with pytest.warns(EvalkitDeprecationWarning) as record:
        old = wild(mpdta_twfe, mpdta_panel, n_boot=99, weights="webb", random_state=1,
                   conf_int=False)
    assert [str(r.message) for r in record] == [
        "n_boot=99 is deprecated: use n_draws=99",
        "weights='webb' is deprecated: use distribution='webb'"]
    new = wild(mpdta_twfe, mpdta_panel, n_draws=99, distribution="webb", random_state=1,
               conf_int=False)
    assert old.p_value == new.p_value and old.n_draws == new.n_draws == 99
    # the result's former attribute names still read, with a warning naming the new one
    with pytest.warns(EvalkitDeprecationWarning,
                      match=r"WildBootstrapResult.n_boot is deprecated: use "
                            r"WildBootstrapResult.n_draws"):
        assert old.n_boot == 99
    with pytest.warns(EvalkitDeprecationWarning, match=r"WildBootstrapResult.distribution"):
        assert old.weights == old.distribution == "webb"
    with pytest.raises(InputError, match=r"n_boot=99 and n_draws=50: must be given once"):
        wild(mpdta_twfe, mpdta_panel, n_boot=99, n_draws=50)


def test_randomization_inference_n_perm(mpdta_twfe, mpdta_panel):
    with pytest.warns(EvalkitDeprecationWarning, match=r"n_perm=50 is deprecated: use "
                                                       r"n_draws=50"):
        old = randomization_inference(mpdta_twfe, mpdta_panel, n_perm=50, random_state=1)
    new = randomization_inference(mpdta_twfe, mpdta_panel, n_draws=50, random_state=1)
    assert old.p_value == new.p_value
    with pytest.raises(InputError, match=r"n_perm=50 and n_draws=60: must be given once"):
        randomization_inference(mpdta_twfe, mpdta_panel, n_perm=50, n_draws=60)


def test_permutation_test_n_perm():
    labels = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    values = np.arange(8.0)

    def statistic(assignment: np.ndarray) -> float:
        return float(values[assignment == 1].mean() - values[assignment == 0].mean())

    with pytest.warns(EvalkitDeprecationWarning, match=r"n_perm=10 is deprecated"):
        old = permutation_test(statistic, labels, n_perm=10, random_state=2)
    new = permutation_test(statistic, labels, n_draws=10, random_state=2)
    assert old.p_value == new.p_value
    with pytest.raises(InputError, match=r"n_perm=10 and n_draws=20: must be given once"):
        permutation_test(statistic, labels, n_perm=10, n_draws=20)


def test_multiplier_draws_n_boot_and_weights():
    from evalkit.inference.multiplier import multiplier_draws

    scores = np.arange(12.0).reshape(2, 6)
    with pytest.warns(EvalkitDeprecationWarning) as record:
        old = multiplier_draws(scores, n_boot=30, rng=np.random.default_rng(4),
                               weights="mammen")
    assert [str(r.message) for r in record] == [
        "n_boot=30 is deprecated: use n_draws=30",
        "weights='mammen' is deprecated: use distribution='mammen'"]
    new = multiplier_draws(scores, n_draws=30, rng=np.random.default_rng(4),
                           distribution="mammen")
    np.testing.assert_array_equal(old, new)
    with pytest.raises(InputError, match=r"n_boot=30 and n_draws=40: must be given once"):
        multiplier_draws(scores, n_boot=30, n_draws=40, rng=np.random.default_rng(4))
    with pytest.raises(TypeError, match=r"missing required keyword argument: 'n_draws'"):
        multiplier_draws(scores, rng=np.random.default_rng(4))
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'draws'"):
        multiplier_draws(scores, draws=3, rng=np.random.default_rng(4))


def test_weight_chunks_n_boot_and_weights():
    from evalkit.inference.wild_draws import weight_chunks

    with pytest.warns(EvalkitDeprecationWarning) as record:
        old = next(weight_chunks(5, n_boot=8, weights="webb", enumerate_all=False,
                                 rng=np.random.default_rng(2)))
    assert [str(r.message) for r in record] == [
        "n_boot=8 is deprecated: use n_draws=8",
        "weights='webb' is deprecated: use distribution='webb'"]
    new = next(weight_chunks(5, n_draws=8, distribution="webb", enumerate_all=False,
                             rng=np.random.default_rng(2)))
    np.testing.assert_array_equal(old, new)
    with pytest.raises(InputError, match=r"weights='webb' and distribution='rademacher': "
                                         r"must be given once"):
        weight_chunks(5, n_draws=8, weights="webb", distribution="rademacher",
                      enumerate_all=False, rng=None)
    with pytest.raises(TypeError, match=r"missing required keyword argument: 'distribution'"):
        weight_chunks(5, n_draws=8, enumerate_all=False, rng=None)
