"""The inference kinds, their registry and the helper for renamed arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evalkit
from evalkit import (
    Bootstrap,
    Classical,
    Clustered,
    EvalkitDeprecationWarning,
    InputError,
    Jackknife,
    MultiplierBootstrap,
    NoInference,
    Placebo,
    PlaceboInSpace,
    Robust,
)
from evalkit._deprecation import refuse_unknown, renamed
from evalkit.inference import (
    INFERENCE_KINDS,
    INFERENCE_REGISTRY,
    check_inference,
    inference_from_dict,
    register_inference,
    supported_inference,
)

EXAMPLES = [Classical(), Robust(), Robust("HC3"), Clustered(), Clustered("state"),
            MultiplierBootstrap(), MultiplierBootstrap(n_draws=99, random_state=3,
                                                       cluster="state", distribution="mammen"),
            Placebo(), Placebo(50, 1), Bootstrap(n_draws=20, random_state=2), Jackknife(),
            PlaceboInSpace(), PlaceboInSpace(max_pre_mspe_ratio=5.0), NoInference()]


@pytest.mark.parametrize("kind", EXAMPLES, ids=repr)
def test_to_dict_reads_back_to_the_same_kind(kind):
    data = kind.to_dict()
    assert data["kind"] == kind.name and INFERENCE_KINDS[kind.name] is type(kind)
    assert inference_from_dict(data) == kind


@pytest.mark.parametrize("kind, text", [
    (Classical(), "classical (homoskedastic)"),
    (Robust(), "heteroskedasticity-robust (HC1)"),
    (Robust("HC3"), "heteroskedasticity-robust (HC3)"),
    (Clustered(), "cluster-robust by the design's default cluster"),
    (MultiplierBootstrap(n_draws=999), "multiplier bootstrap (999 draws, Rademacher multipliers)"),
    (Placebo(200), "placebo (200 replications)"),
    (Bootstrap(50), "bootstrap (50 replications)"),
    (Jackknife(), "jackknife"),
    (PlaceboInSpace(), "placebo-in-space permutation over the donors"),
    (NoInference(), "none"),
])
def test_each_kind_describes_itself(kind, text):
    assert kind.describe() == text


def test_clustered_names_its_column_and_count():
    assert Clustered("state").describe(50) == "cluster-robust by 'state', 50 clusters"
    assert Clustered("state").cluster == "state"


@pytest.mark.parametrize("make, message", [
    (lambda: Robust("HC9"), "Robust(hc='HC9'): must be one of 'HC0', 'HC1', 'HC2', 'HC3'; "
                            "got 'HC9'"),
    (lambda: Clustered(3), "Clustered(cluster=3): must be a column name or None; got a int"),
    (lambda: Placebo(n_draws=0), "Placebo(n_draws=0): must be a positive integer; got 0"),
    (lambda: Bootstrap(random_state=-1), "Bootstrap(random_state=-1): must be None, a "
                                         "non-negative integer seed or a numpy Generator"),
    (lambda: PlaceboInSpace(-1.0), "PlaceboInSpace(max_pre_mspe_ratio=-1.0): must be None or a "
                                   "positive number; got -1.0"),
    (lambda: MultiplierBootstrap(n_draws=5), "MultiplierBootstrap(n_draws=5): must be an "
                                             "integer >= 10"),
    (lambda: MultiplierBootstrap(distribution="normal"), "MultiplierBootstrap(distribution="
                                                         "'normal'): must be one of"),
])
def test_invalid_fields_are_named(make, message):
    with pytest.raises(InputError) as info:
        make()
    assert message in str(info.value)


def test_from_dict_refuses_unknown_kinds_fields_and_recorded_generators():
    with pytest.raises(InputError, match=r"inference kind='hc1': must be one of 'classical', "
                                         r"'robust', 'cluster'"):
        inference_from_dict({"kind": "hc1"})
    with pytest.raises(InputError, match=r"Robust does not take these fields"):
        inference_from_dict({"kind": "robust", "cluster": "state"})
    with pytest.raises(InputError, match=r"must be a mapping with a 'kind' key"):
        inference_from_dict({"cluster": "state"})
    record = Placebo(random_state=np.random.default_rng(1)).to_dict()
    assert record["random_state"] == "numpy Generator"
    with pytest.raises(InputError, match=r"a recorded Generator cannot be rebuilt"):
        inference_from_dict(record)


def test_every_estimator_declares_its_kinds():
    import evalkit.synthetic  # noqa: F401  (registers the synthetic estimators)

    for name in ("did_2x2", "twfe", "event_study", "sun_abraham", "callaway_santanna",
                 "imputation", "imputation_overall", "synthetic_did", "synthetic_control"):
        getattr(evalkit, name)
    assert INFERENCE_REGISTRY["twfe"] == (Classical, Robust, Clustered)
    assert INFERENCE_REGISTRY["did_2x2"] == (Classical, Robust, Clustered)
    assert INFERENCE_REGISTRY["callaway_santanna"] == (Clustered, MultiplierBootstrap)
    assert INFERENCE_REGISTRY["imputation"] == (Clustered,)
    assert INFERENCE_REGISTRY["synthetic_did"] == (Placebo, Bootstrap, Jackknife, NoInference)
    assert INFERENCE_REGISTRY["synthetic_control"] == (PlaceboInSpace, NoInference)


def test_check_inference_names_the_argument_the_allowed_kinds_and_what_it_got():
    assert check_inference("twfe", Robust("HC0")) == Robust("HC0")
    with pytest.raises(InputError) as info:
        check_inference("twfe", Placebo())
    assert info.value.problems == (
        "inference=Placebo(n_draws=200, random_state=None): must be one of Classical(), "
        "Robust(), Clustered() for twfe; got a Placebo",)
    with pytest.raises(InputError) as info:
        check_inference("imputation", "cluster")
    assert info.value.problems == ("inference='cluster': must be one of Clustered() for "
                                   "imputation; got 'cluster' (a str)",)


def test_the_registry_refuses_unknown_estimators_and_conflicting_registrations():
    with pytest.raises(InputError, match=r"estimator='nope': must be one of"):
        supported_inference("nope")
    with pytest.raises(InputError, match=r"estimator='twfe': already registered with "
                                         r"Classical, Robust, Clustered"):
        register_inference("twfe", Classical)
    with pytest.raises(InputError, match=r"at least one inference kind"):
        register_inference("another")
    assert register_inference("twfe", Classical, Robust, Clustered) == (
        Classical, Robust, Clustered)  # the same declaration again is harmless


def test_every_estimator_refuses_a_kind_it_does_not_support(mpdta_panel):
    from evalkit import callaway_santanna, imputation, synthetic_control, synthetic_did

    calls = [(evalkit.twfe, MultiplierBootstrap()), (evalkit.event_study, Jackknife()),
             (evalkit.sun_abraham, Placebo()), (callaway_santanna, Robust()),
             (imputation, Classical()), (evalkit.imputation_overall, Robust()),
             (synthetic_did, Clustered()), (synthetic_control, Placebo())]
    for function, kind in calls:
        with pytest.raises(InputError) as info:
            function(mpdta_panel, inference=kind)
        assert f"inference={kind!r}: must be one of" in str(info.value), function.__name__


def test_renamed_warns_once_with_the_new_spelling_and_refuses_both():
    default = object()
    given = {"vcov": "robust"}
    with pytest.warns(EvalkitDeprecationWarning) as record:
        value = renamed("f", given, "vcov", "inference", default, default,
                        convert=lambda v: Robust())
    assert value == Robust() and given == {} and len(record) == 1
    assert str(record[0].message) == ("vcov='robust' is deprecated: use "
                                      "inference=Robust(hc='HC1')")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert renamed("f", {}, "vcov", "inference", Classical(), default) == Classical()
    with pytest.raises(InputError) as info:
        renamed("f", {"vcov": "robust"}, "vcov", "inference", Classical(), default)
    assert info.value.problems == ("vcov='robust' and inference=Classical(): must be given "
                                   "once; vcov is the deprecated spelling of inference, give "
                                   "only inference",)
    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'vcv'"):
        refuse_unknown("f", {"vcv": 1})


def test_evalkit_deprecation_warning_is_a_future_warning():
    assert issubclass(EvalkitDeprecationWarning, FutureWarning)
    assert "EvalkitDeprecationWarning" in evalkit.errors.__doc__


def test_multiplier_bootstrap_old_field_names_warn_and_give_the_same_object():
    with pytest.warns(EvalkitDeprecationWarning, match=r"n_boot=99 is deprecated: use "
                                                       r"n_draws=99"):
        old = MultiplierBootstrap(n_boot=99, random_state=1)
    assert old == MultiplierBootstrap(n_draws=99, random_state=1)
    with pytest.warns(EvalkitDeprecationWarning, match=r"MultiplierBootstrap.n_boot is "
                                                       r"deprecated: use MultiplierBootstrap"):
        assert old.n_boot == 99
    with pytest.warns(EvalkitDeprecationWarning, match=r"weights='mammen' is deprecated: use "
                                                       r"distribution='mammen'"):
        old = MultiplierBootstrap(weights="mammen")
    assert old == MultiplierBootstrap(distribution="mammen")
    with pytest.warns(EvalkitDeprecationWarning, match=r"MultiplierBootstrap.weights is "
                                                       r"deprecated: use MultiplierBootstrap"
                                                       r".distribution"):
        assert old.weights == "mammen"
    with pytest.raises(InputError, match=r"n_boot=99 and n_draws=50: must be given once"):
        MultiplierBootstrap(n_draws=50, n_boot=99)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'draws'"):
        MultiplierBootstrap(draws=99)


def test_clustered_old_field_name_warns():
    with pytest.warns(EvalkitDeprecationWarning, match=r"column='state' is deprecated: use "
                                                       r"cluster='state'"):
        old = Clustered(column="state")
    assert old == Clustered("state") == Clustered(cluster="state")
    with pytest.raises(InputError, match=r"column='a' and cluster='b': must be given once"):
        Clustered("b", column="a")


@pytest.mark.parametrize(("make", "old", "new"), [
    (lambda: Clustered("state"), "column", "cluster"),
    (lambda: MultiplierBootstrap(n_draws=99, distribution="mammen"), "weights", "distribution"),
])
def test_former_attribute_names_read_with_a_warning(make, old, new):
    kind = make()
    with pytest.warns(EvalkitDeprecationWarning, match=rf"\.{old} is deprecated: use .*\.{new}"):
        assert getattr(kind, old) == getattr(kind, new)
