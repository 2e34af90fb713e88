"""Old argument names of the synthetic estimators: each warns, names its new spelling, gives
the same numbers as the new one, and is refused together with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import (
    Bootstrap,
    EvalkitDeprecationWarning,
    InputError,
    Jackknife,
    NoInference,
    Panel,
    Placebo,
    PlaceboInSpace,
    synthetic_control,
    synthetic_did,
)
from evalkit.synthetic.synthetic_did import synthetic_did_comparison


def _panel(n_treated: int = 2) -> Panel:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame([(u, t, rng.normal() + 0.1 * t, int(u < n_treated and t >= 6))
                          for u in range(8) for t in range(9)],
                         columns=["unit", "time", "y", "d"])
    return Panel(frame, unit="unit", time="time", outcome="y", treatment="d")


@pytest.mark.parametrize("old, kind, spelling", [
    ({"se": "placebo", "n_reps": 30, "random_state": 1}, Placebo(30, 1),
     "se='placebo', n_reps=30, random_state=1 is deprecated: use "
     "inference=Placebo(n_draws=30, random_state=1)"),
    ({"se": "bootstrap", "n_reps": 20, "random_state": 2}, Bootstrap(20, 2),
     "se='bootstrap', n_reps=20, random_state=2 is deprecated: use "
     "inference=Bootstrap(n_draws=20, random_state=2)"),
    ({"se": "jackknife"}, Jackknife(), "se='jackknife' is deprecated: use "
                                       "inference=Jackknife()"),
    ({"se": None}, NoInference(), "se=None is deprecated: use inference=NoInference()"),
    ({"n_reps": 25, "random_state": 3}, Placebo(25, 3),
     "n_reps=25, random_state=3 is deprecated: use inference=Placebo(n_draws=25, "
     "random_state=3)"),
])
def test_synthetic_did_se_n_reps_random_state(old, kind, spelling):
    panel = _panel()
    with pytest.warns(EvalkitDeprecationWarning) as record:
        before = synthetic_did(panel, **old)
    assert str(record[0].message) == spelling
    after = synthetic_did(panel, inference=kind)
    assert before.estimate == after.estimate
    assert before.std_error == after.std_error or (np.isnan(before.std_error)
                                                   and np.isnan(after.std_error))
    assert before.inference == after.inference == kind
    assert before.inference_text == after.inference_text


def test_synthetic_did_old_and_new_together_are_refused():
    with pytest.raises(InputError) as info:
        synthetic_did(_panel(), se="jackknife", inference=Jackknife())
    assert ("se='jackknife' and inference=Jackknife(): must be given once; se are the "
            "deprecated spelling of inference") in str(info.value)
    with pytest.raises(InputError, match=r"n_reps=0: must be a positive integer"), \
            pytest.warns(EvalkitDeprecationWarning, match=r"n_reps=0 is deprecated"):
        synthetic_did(_panel(), n_reps=0)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'reps'"):
        synthetic_did(_panel(), reps=3)


def test_synthetic_did_comparison_old_spelling():
    with pytest.warns(EvalkitDeprecationWarning, match=r"se='jackknife' is deprecated"):
        before = synthetic_did_comparison(_panel(), se="jackknife")
    pd.testing.assert_frame_equal(before,
                                  synthetic_did_comparison(_panel(), inference=Jackknife()))


def _toy() -> Panel:
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 10)).cumsum(axis=1)
    rows = [(f"d{i}", t, y[i, t], 0) for i in range(6) for t in range(10)]
    rows += [("tr", t, 0.4 * y[1, t] + 0.6 * y[3, t] - 2.0 * (t >= 7), int(t >= 7))
             for t in range(10)]
    frame = pd.DataFrame(rows, columns=["unit", "t", "y", "d"])
    return Panel(frame, unit="unit", time="t", outcome="y", treatment="d")


@pytest.mark.parametrize("old, kind, spelling", [
    ({"placebo": False}, NoInference(), "placebo=False is deprecated: use "
                                        "inference=NoInference()"),
    ({"placebo": True}, PlaceboInSpace(), "placebo=True is deprecated: use "
                                          "inference=PlaceboInSpace()"),
    ({"max_pre_mspe_ratio": 5.0}, PlaceboInSpace(5.0),
     "max_pre_mspe_ratio=5.0 is deprecated: use inference=PlaceboInSpace("
     "max_pre_mspe_ratio=5.0)"),
])
def test_synthetic_control_placebo(old, kind, spelling):
    panel = _toy()
    with pytest.warns(EvalkitDeprecationWarning) as record:
        before = synthetic_control(panel, v="equal", **old)
    assert str(record[0].message) == spelling
    after = synthetic_control(panel, v="equal", inference=kind)
    np.testing.assert_array_equal(before.donor_weights, after.donor_weights)
    assert before.inference == after.inference == kind
    assert (before.placebo is None) == (after.placebo is None)
    if after.placebo is not None:
        assert before.placebo.p_value == after.placebo.p_value
    assert f"Inference: {kind.describe()}" in str(after.summary()) or \
        kind.describe() in str(after.summary())


def test_synthetic_control_old_and_new_together_are_refused():
    with pytest.raises(InputError, match=r"placebo=False and inference=NoInference\(\): must "
                                         r"be given once"):
        synthetic_control(_toy(), placebo=False, inference=NoInference())
