"""The checks that moved to ``evalkit.robustness`` keep their old imports for one release."""

from __future__ import annotations

import pytest

import evalkit
import evalkit.did
import evalkit.inference
import evalkit.robustness


@pytest.mark.parametrize(("old", "name"), [
    (evalkit.did, "honest_did"),
    (evalkit.did, "honest_did_from_estimates"),
    (evalkit.inference, "wild_cluster_bootstrap"),
    (evalkit.inference, "randomization_inference"),
    (evalkit.inference, "permutation_test"),
])
def test_old_import_warns_with_the_new_place(old, name):
    with pytest.warns(FutureWarning, match=rf"import it from evalkit\.robustness .*{name}"):
        found = getattr(old, name)
    assert found is getattr(evalkit.robustness, name)
    assert name not in old.__all__


def test_top_level_names_are_the_robustness_ones():
    for name in ("honest_did", "wild_cluster_bootstrap", "randomization_inference"):
        assert getattr(evalkit, name) is getattr(evalkit.robustness, name)


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        evalkit.did.nothing  # noqa: B018
