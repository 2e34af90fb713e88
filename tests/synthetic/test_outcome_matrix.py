"""Synthetic methods refuse, naming the units, the panels they cannot use."""

import pandas as pd
import pytest

from evalkit import DataError, Panel, synthetic_control, synthetic_did
from evalkit.datasets import load_prop99
from evalkit.synthetic.matrix import outcome_matrix


def _panel(frame: pd.DataFrame) -> Panel:
    return Panel(frame, unit="state", time="Year", outcome="cigsale", treatment="treated")


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return load_prop99()


def test_matrix_puts_donors_first_and_pre_periods_first(prop99):
    m = outcome_matrix(_panel(prop99), method="synthetic control")
    assert m.y.shape == (39, 31) and m.n_control == 38 and m.n_pre == 19
    assert list(m.treated_units) == ["California"] and m.treatment_start == 1989
    assert not m.y.flags.writeable
    frame = prop99.set_index(["state", "Year"])["cigsale"]
    assert m.y[-1, 0] == frame[("California", 1970)]
    assert m.y[0, -1] == frame[(m.units[0], 2000)]


@pytest.mark.parametrize("estimator", [synthetic_control, synthetic_did])
def test_donor_with_missing_periods_is_named(prop99, estimator):
    frame = prop99[~((prop99["state"] == "Utah") & (prop99["Year"].isin([1980, 1995])))]
    with pytest.raises(DataError, match=r"donor unit\(s\) 'Utah' miss some of the 31 periods"):
        estimator(_panel(frame))


@pytest.mark.parametrize("estimator", [synthetic_control, synthetic_did])
def test_treated_unit_without_pre_period_is_named(prop99, estimator):
    frame = prop99.copy()
    frame.loc[frame["state"] == "California", "treated"] = 1  # treated from 1970 on
    with pytest.raises(DataError, match=r"no pre-treatment period: every treated unit "
                                        r"\('California'\) is already treated"):
        estimator(_panel(frame))
    # Another treated unit with a pre-period lets the panel pass; the synthetic methods
    # still refuse the one without (they need one treatment start with pre-periods).
    frame.loc[(frame["state"] == "Nevada") & (frame["Year"] >= 1989), "treated"] = 1
    with pytest.raises(DataError):
        estimator(_panel(frame))


def test_staggered_adoption_is_refused_with_a_way_out(prop99):
    frame = prop99.copy()
    frame.loc[(frame["state"] == "Nevada") & (frame["Year"] >= 1995), "treated"] = 1
    with pytest.raises(DataError, match=r"block adoption.*callaway_santanna"):
        synthetic_did(_panel(frame))
