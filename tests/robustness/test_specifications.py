"""The checks on fitted results read the results' typed specifications, and record their own.

The wild cluster bootstrap and randomization inference rebuild a regression from what
the estimator was asked: they must read it from ``result.specification`` (typed, public),
never from the provenance dictionary. Each check's result carries its own typed
specification (:mod:`evalkit.robustness.specs`) with the checked result's as ``source``.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from evalkit import (
    Clustered,
    InputError,
    Panel,
    did_2x2,
    event_study,
    honest_did,
    randomization_inference,
    synthetic_control,
    twfe,
    wild_cluster_bootstrap,
)
from evalkit.datasets import load_kielmc, load_mpdta, load_prop99
from evalkit.did.specs import TWFESpec, TwoByTwoSpec
from evalkit.results import Provenance
from evalkit.robustness import (
    HonestDiDSpec,
    PermutationTestSpec,
    PlaceboRandomizationSpec,
    RandomizationSpec,
    WildBootstrapSpec,
    honest_did_from_estimates,
    permutation_test,
)

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


@functools.cache
def _panel() -> Panel:
    return Panel(load_mpdta(), **MPDTA)


@functools.cache
def _twfe():
    return twfe(_panel())


@functools.cache
def _two_by_two():
    return did_2x2(load_kielmc(), outcome="rprice", treated="nearinc", post="y81")


def _without_provenance_record(result):
    """The same result with an empty provenance dictionary (only the typed record left)."""
    old = result.provenance
    return dataclasses.replace(result, provenance=Provenance(
        old.function, {}, old.data_fingerprint, old.n_obs))


# --------------------------------------------------------------------------- reading
def test_the_wild_bootstrap_reads_the_typed_specification_not_the_dictionary():
    result = _twfe()
    assert isinstance(result.specification, TWFESpec)
    expected = wild_cluster_bootstrap(result, _panel(), n_draws=99, random_state=3)
    bare = wild_cluster_bootstrap(_without_provenance_record(result), _panel(), n_draws=99,
                                  random_state=3)
    assert bare.p_value == expected.p_value and bare.interval == expected.interval
    np.testing.assert_array_equal(bare.t_draws, expected.t_draws)


def test_randomization_reads_the_typed_specification_not_the_dictionary():
    result = _two_by_two()
    assert isinstance(result.specification, TwoByTwoSpec)
    assert result.specification.cluster is None
    expected = randomization_inference(result, load_kielmc(), n_draws=49, random_state=1)
    bare = randomization_inference(_without_provenance_record(result), load_kielmc(),
                                   n_draws=49, random_state=1)
    assert bare.p_value == expected.p_value
    np.testing.assert_array_equal(bare.distribution, expected.distribution)


def test_the_clustering_column_is_read_from_the_typed_inference():
    result = did_2x2(load_kielmc(), outcome="rprice", treated="nearinc", post="y81",
                     inference=Clustered("cbd"))
    assert result.specification.inference == Clustered("cbd")
    assert result.specification.cluster == "cbd"
    boot = wild_cluster_bootstrap(result, load_kielmc(), n_draws=99, random_state=0)
    assert boot.cluster == "cbd" and boot.specification.cluster == "cbd"


def test_a_result_without_a_specification_is_refused_clearly():
    bare = dataclasses.replace(_twfe(), specification=None)
    with pytest.raises(InputError, match="this DiDResult has none"):
        wild_cluster_bootstrap(bare, _panel(), n_draws=9)
    with pytest.raises(InputError, match="this DiDResult has none"):
        randomization_inference(bare, _panel(), n_draws=9)


def test_a_result_of_another_estimator_is_refused_by_its_specification():
    overall = _twfe()
    es_overall = dataclasses.replace(overall, specification=event_study(_panel()).specification)
    with pytest.raises(InputError, match="supports results of evalkit.did.did_2x2 and "
                                         "evalkit.did.twfe; got a result of "
                                         "evalkit.did.event_study"):
        wild_cluster_bootstrap(es_overall, _panel(), n_draws=9)


# --------------------------------------------------------------------------- recording
def test_the_wild_bootstrap_records_a_typed_specification():
    boot = wild_cluster_bootstrap(_twfe(), _panel(), distribution="webb", n_draws=99,
                                  random_state=3)
    spec = boot.specification
    assert isinstance(spec, WildBootstrapSpec)
    assert spec.source == _twfe().specification
    assert (spec.cluster, spec.distribution, spec.n_draws, spec.random_state) == (
        "countyreal", "webb", 99, 3)
    record = boot.provenance.to_dict()["specification"]
    assert record == spec.to_dict()
    assert record["result"] == {"function": "evalkit.did.twfe",
                                "specification": _twfe().provenance.to_dict()["specification"]}
    assert "n_boot" not in record and "weights" not in record
    assert boot.with_alpha(0.1).specification.alpha == 0.1


def test_randomization_records_a_typed_specification():
    result = randomization_inference(_two_by_two(), load_kielmc(), statistic="t", n_draws=49,
                                     random_state=1)
    spec = result.specification
    assert isinstance(spec, RandomizationSpec)
    assert spec.source == _two_by_two().specification
    assert (spec.statistic, spec.n_draws, spec.random_state, spec.unit) == ("t", 49, 1, None)
    assert result.provenance.to_dict()["specification"] == spec.to_dict()
    assert "n_perm" not in spec.to_dict()


def test_a_synthetic_control_placebo_test_records_its_source():
    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    fit = synthetic_control(panel)
    result = randomization_inference(fit)
    assert isinstance(result.specification, PlaceboRandomizationSpec)
    assert result.specification.source == fit.specification
    assert result.provenance.to_dict()["specification"] == result.specification.to_dict()


def test_a_permutation_test_records_a_typed_specification():
    result = permutation_test(lambda labels: float(np.sum(labels[:2])), [1, 0, 0, 1, 0],
                              n_draws=5, random_state=0, alternative="greater")
    spec = result.specification
    assert isinstance(spec, PermutationTestSpec)
    assert (spec.n_draws, spec.alternative) == (5, "greater")
    assert result.provenance.to_dict()["specification"] == spec.to_dict()


def test_honest_did_records_its_source_and_options():
    es = event_study(_panel())
    result = honest_did(es, m_values=[0, 1], n_draws=100)
    spec = result.specification
    assert isinstance(spec, HonestDiDSpec)
    assert spec.source == es.specification and spec.function == "evalkit.robustness.honest_did"
    assert spec.n_draws == 100 and spec.m_values == (0.0, 1.0)
    assert result.provenance.to_dict()["specification"] == spec.to_dict()
    assert spec.to_dict()["source"]["function"] == "evalkit.did.event_study"
    direct = honest_did_from_estimates(es.coefficients.estimate, es.coefficients.vcov,
                                       num_pre_periods=3, num_post_periods=4, m_values=[0, 1])
    assert direct.specification.source is None
    assert direct.specification.function == "evalkit.robustness.honest_did_from_estimates"
    assert "source" not in direct.provenance.specification
