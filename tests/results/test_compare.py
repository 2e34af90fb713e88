"""compare(): several results side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evalkit
from evalkit import InputError, callaway_santanna, compare, synthetic_did, wild_cluster_bootstrap
from evalkit.inference import Placebo
from evalkit.results import Comparison, Summary
from evalkit.results.compare import COMPARISON_COLUMNS


@pytest.fixture(scope="module")
def cs(mpdta_panel):
    return callaway_santanna(mpdta_panel)


def test_exported_from_evalkit_and_results():
    assert evalkit.compare is compare is evalkit.results.compare


def test_one_column_per_result_and_terms_aligned(mpdta_twfe, mpdta_event_study, cs):
    overall = cs.overall()
    table = compare(mpdta_twfe, overall, mpdta_event_study, cs.event_study(),
                    names=["TWFE", "CS overall", "TWFE ES", "CS ES"])
    assert isinstance(table, Comparison)
    assert table.names == ("TWFE", "CS overall", "TWFE ES", "CS ES")
    frame = table.to_frame()
    assert tuple(frame.columns) == COMPARISON_COLUMNS
    # the terms of both event studies share rows; each keeps its own numbers
    wide = table.wide()
    assert list(wide.columns) == ["TWFE", "CS overall", "TWFE ES", "CS ES"]
    assert wide.loc["treated", "TWFE"] == mpdta_twfe.estimate
    assert np.isnan(wide.loc["treated", "CS overall"])
    assert wide.loc["ATT", "CS overall"] == overall.estimate
    for term in mpdta_event_study.estimates.index:
        assert wide.loc[term, "TWFE ES"] == mpdta_event_study.estimates[term]
    assert wide.loc["e+2", "CS ES"] == cs.event_study().estimates["e+2"]
    # the intervals and observations are the results' own
    row = frame.set_index(["name", "term"]).loc[("TWFE", "treated")]
    low, high = mpdta_twfe.conf_int().loc["treated"]
    assert (row["conf_low"], row["conf_high"], row["n_obs"]) == (low, high, 2500)
    assert row["std_error"] == mpdta_twfe.std_error and row["alpha"] == 0.05
    assert table.tidy().equals(frame)


def test_rendering_shows_every_number(mpdta_twfe, cs, kielmc_did):
    table = compare(mpdta_twfe, cs.overall(), kielmc_did)
    assert table.names == ("(1)", "(2)", "(3)")
    summary = table.summary()
    assert isinstance(summary, Summary)
    text, html, latex = str(table), table._repr_html_(), summary.as_latex()
    for shown in ("-0.0365", "(0.0133)", "[-0.0626, -0.0105]", "-0.0400", "2,500", "321",
                  "Two-way fixed effects (TWFE)", "95%"):
        assert shown in text and shown in html, shown
    assert "-0.0365" in latex and r"\begin{tabular}{lrrr}" in latex
    assert html.startswith("<div class='evalkit-summary'>")
    assert "(1): cluster-robust by 'countyreal'" in text


def test_a_result_without_intervals_or_standard_errors(mpdta_panel, mpdta_twfe):
    boot = wild_cluster_bootstrap(mpdta_twfe, mpdta_panel, n_draws=99, random_state=1)
    from evalkit import bacon_decomposition

    table = compare(mpdta_twfe, boot, bacon_decomposition(mpdta_panel), names=["a", "b", "c"])
    frame = table.to_frame().set_index(["name", "term"])
    assert frame.loc[("b", "treated"), "conf_low"] == boot.interval[0]
    bacon_rows = frame.loc["c"]
    assert bacon_rows["std_error"].isna().all() and bacon_rows["alpha"].isna().all()
    assert len(bacon_rows) == bacon_decomposition(mpdta_panel).n_comparisons


def test_levels_and_methods_are_each_results(mpdta_twfe):
    sdid_panel = evalkit.Panel(evalkit.datasets.load_prop99(), unit="state", time="Year",
                               outcome="cigsale", treatment="treated")
    sdid = synthetic_did(sdid_panel, inference=Placebo(n_draws=20, random_state=1)).with_alpha(0.1)
    frame = compare(mpdta_twfe, sdid).to_frame()
    assert frame["alpha"].tolist() == [0.05, 0.1]
    assert frame["method"].tolist() == ["Two-way fixed effects (TWFE)",
                                        "Synthetic difference-in-differences"]
    assert "90%" in str(compare(mpdta_twfe, sdid))


def test_the_results_are_not_changed(mpdta_twfe, cs):
    before = (mpdta_twfe.tidy(), cs.tidy())
    table = compare(mpdta_twfe, cs)
    frame = table.to_frame()
    frame.loc[0, "estimate"] = 99.0
    assert table.to_frame().loc[0, "estimate"] == mpdta_twfe.estimate
    pd.testing.assert_frame_equal(mpdta_twfe.tidy(), before[0])
    pd.testing.assert_frame_equal(cs.tidy(), before[1])


def test_bad_arguments_are_all_reported(mpdta_twfe):
    with pytest.raises(InputError, match="must be at least one evalkit result"):
        compare()
    with pytest.raises(InputError) as error:
        compare(mpdta_twfe, "twfe", names=["a"])
    assert len(error.value.problems) == 2
    assert "results[1]: must be an evalkit result" in str(error.value)
    assert "names=['a']: must be 2 non-empty strings" in str(error.value)
    with pytest.raises(InputError, match=r"must be distinct; got duplicates \['a'\]"):
        compare(mpdta_twfe, mpdta_twfe, names=["a", "a"])
    with pytest.raises(InputError, match="must be a list of strings"):
        compare(mpdta_twfe, names="a")
