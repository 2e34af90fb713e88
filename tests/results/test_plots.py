"""Plots are plain functions over results that return matplotlib figures."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from evalkit import InputError, plot_event_study, plot_group_means


def test_plot_event_study_one_result(mpdta_event_study):
    figure = plot_event_study(mpdta_event_study, title="Minimum wage and teen employment")
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_title() == "Minimum wage and teen employment"
    assert list(ax.get_xticks()) == [-4, -3, -2, -1, 0, 1, 2, 3]  # reference period included
    (legend,) = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"Pre-trend test p-value {mpdta_event_study.pretrend.p_value:.3f}" in legend


def test_plot_event_study_several_results_on_given_axes(mpdta_event_study):
    figure = Figure()
    ax = figure.add_subplot()
    narrower = mpdta_event_study.with_alpha(0.1)
    returned = plot_event_study({"95%": mpdta_event_study, "90%": narrower}, ax=ax,
                                show_pretrend=False)
    assert returned is figure
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["95%", "90%"]
    # the points are dodged sideways, not drawn on top of each other
    xs = [np.asarray(container.lines[0].get_xdata()) for container in ax.containers]
    assert len(xs) == 2 and np.all(xs[0] < xs[1])
    np.testing.assert_allclose((xs[0] + xs[1]) / 2, mpdta_event_study.event_time)


def test_plot_event_study_rejects_other_objects(mpdta_twfe):
    with pytest.raises(InputError, match=r"results: must be an EventStudyResult"):
        plot_event_study(mpdta_twfe)
    with pytest.raises(InputError, match=r"got list"):
        plot_event_study([])


def test_plot_group_means(kielmc_did, mpdta_twfe):
    figure = plot_group_means(kielmc_did, labels={"before": "1978", "after": "1981"})
    (ax,) = figure.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1978", "1981"]
    assert ax.get_ylabel() == "rprice"
    with pytest.raises(InputError, match=r"result: must carry group means"):
        plot_group_means(mpdta_twfe)


def test_result_plot_method(mpdta_event_study):
    assert isinstance(mpdta_event_study.plot(), Figure)
