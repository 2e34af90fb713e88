"""User text in plots is drawn as written: a ``$`` is a dollar sign, never mathtext.

Labels come from params files (``outcome_label``), indicator definitions, territory
names in the data and translations; matplotlib would read ``$...$`` in them as
mathematics (and fail to draw the figure when it does not parse).
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from evalkit import NoInference, Panel
from evalkit.datasets import load_prop99
from evalkit.did import bacon_decomposition
from evalkit.plots import (
    plot_bacon,
    plot_event_study,
    plot_gap_ranking,
    plot_group_means,
    plot_honest_did,
    plot_indicator,
    plot_randomization,
    plot_small_multiples,
    plot_synthetic_control,
    plot_synthetic_did,
    plot_synthetic_did_units,
)
from evalkit.plots._labels import draw_literally
from evalkit.robustness import honest_did
from evalkit.robustness.randomization import randomization_inference
from evalkit.synthetic.synthetic_control import synthetic_control
from evalkit.synthetic.synthetic_did import synthetic_did

matplotlib.use("Agg")

DOLLARS = "cost in $ (2020 $)"
MATH = "50% of $x$"
BROKEN = r"share $\notacommand{ in % $"  # mathtext would refuse to draw it
USER_TEXTS = (DOLLARS, MATH, BROKEN)


def _drawn(fig: Figure) -> list[Text]:
    fig.savefig(io.BytesIO(), format="png")  # draws every text: a mathtext error raises
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def assert_literal(fig: Figure, *expected: str) -> None:
    """Each expected text is drawn, exactly as given, as plain text."""
    texts = _drawn(fig)
    for wanted in expected:
        found = [t for t in texts if wanted in t.get_text()]
        assert found, f"{wanted!r} is not drawn; drawn: {[t.get_text() for t in texts]}"
        for text in found:
            assert not text.get_parse_math() and not text.get_usetex()
            # what matplotlib renders: the string itself, not mathtext (flag False)
            assert text._preprocess_math(text.get_text()) == (text.get_text(), False)
    for text in texts:  # nothing else of the user's is left to the mathtext parser
        if "$" in text.get_text():
            assert not text.get_parse_math()


@pytest.fixture(scope="module")
def prop99() -> Panel:
    return Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                 treatment="treated")


def test_event_study_labels(mpdta_event_study):
    fig = plot_event_study({DOLLARS: mpdta_event_study}, title=MATH, xlabel=BROKEN,
                           ylabel=DOLLARS, pretrend_label=MATH)
    assert_literal(fig, DOLLARS, MATH, BROKEN)
    (ax,) = fig.axes
    assert ax.get_title() == MATH and ax.get_xlabel() == BROKEN
    assert ax.get_ylabel() == DOLLARS  # short enough not to be wrapped


def test_group_means_labels(kielmc_did):
    labels = {"treated": DOLLARS, "comparison": MATH, "counterfactual": BROKEN,
              "before": "$1978", "after": "1981 $"}
    fig = plot_group_means(kielmc_did, labels=labels, ylabel=MATH, title=BROKEN)
    assert_literal(fig, DOLLARS, MATH, BROKEN, "$1978", "1981 $")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$1978", "1981 $"]


def test_bacon_and_honest_labels(mpdta_panel, mpdta_event_study):
    fig = plot_bacon(bacon_decomposition(mpdta_panel), title=DOLLARS,
                     labels={"xlabel": MATH, "ylabel": BROKEN, "already_treated": "$ share"})
    assert_literal(fig, DOLLARS, MATH, BROKEN, "$ share")
    honest = honest_did(mpdta_event_study, m_values=[0, 1])
    fig = plot_honest_did(honest, title=MATH, labels={
        "original": DOLLARS, "robust": "{method} in $", "ylabel": "{level} $x$ {unknown}"})
    assert_literal(fig, DOLLARS, MATH, f"{honest.method_label} in $", "95% $x$ {unknown}")


def test_indicator_plots_labels_and_territory_names():
    class Indicator:
        label = {"en": MATH, "fr": MATH}
        unit = "$ per inhabitant"
        baseline = None
        targets = ()

    series = pd.Series([1.0, 2.0, 3.0], index=[2020, 2021, 2022])
    fig = plot_indicator(series, indicator=Indicator(), policy_start=2021,
                         labels={"series": DOLLARS, "policy_start": BROKEN})
    assert_literal(fig, MATH, DOLLARS, BROKEN, "$ per inhabitant")

    frame = pd.DataFrame({"territory": [DOLLARS] * 3 + [BROKEN] * 3,
                          "period": [2020, 2021, 2022] * 2, "value": np.arange(6.0)})
    fig = plot_small_multiples(frame, indicator=Indicator(), labels={"period": "$ year"})
    assert_literal(fig, DOLLARS, BROKEN, MATH, "$ year")

    gaps = pd.DataFrame({"territory": [DOLLARS, MATH, BROKEN], "difference": [-1.0, 0.5, 2.0],
                         "conf_low": [-2.0, -0.5, 1.0], "conf_high": [0.0, 1.5, 3.0]})
    fig = plot_gap_ranking(gaps, title=MATH, labels={"difference": DOLLARS})
    assert_literal(fig, DOLLARS, MATH, BROKEN)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [DOLLARS, MATH, BROKEN]


def test_synthetic_plots_labels(prop99):
    sdid = synthetic_did(prop99, method="sdid", inference=NoInference())
    fig = plot_synthetic_did(sdid, title=DOLLARS, treated_label=MATH, control_label=BROKEN,
                             ylabel="packs ($)", effect_label="effect: {value} $")
    assert_literal(fig, DOLLARS, MATH, BROKEN, "packs ($)", "effect: ")
    fig = plot_synthetic_did_units(sdid, title=MATH, ylabel=DOLLARS, interval_label=BROKEN)
    assert_literal(fig, MATH, DOLLARS)
    sc = synthetic_control(prop99, inference=NoInference())
    fig = plot_synthetic_control(sc, title=BROKEN,
                                 labels={"outcome": DOLLARS, "synthetic": MATH})
    assert_literal(fig, BROKEN, DOLLARS, MATH)


def test_randomization_title(mpdta_panel, mpdta_twfe):
    ri = randomization_inference(mpdta_twfe, mpdta_panel, n_draws=99, random_state=1)
    assert_literal(plot_randomization(ri, title=DOLLARS), DOLLARS)


def test_numbers_keep_their_format_and_a_callers_other_axes_are_left_alone(
        mpdta_event_study):
    fig = Figure()
    mine, theirs = fig.subplots(1, 2)
    theirs.set_title("$x^2$")  # the caller's own axes: mathtext on purpose
    plot_event_study(mpdta_event_study, ax=mine, title=MATH)
    assert theirs.title.get_parse_math()
    assert not mine.title.get_parse_math()
    # numeric tick labels stay matplotlib's (e.g. its "1e6" offset uses mathtext)
    assert all(t.get_parse_math() for t in mine.get_yticklabels())
    fig.savefig(io.BytesIO(), format="png")


def test_draw_literally_on_a_figure_covers_figure_texts():
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label=BROKEN)
    ax.legend(title=MATH)
    fig.suptitle(DOLLARS)
    fig.text(0.1, 0.1, BROKEN)
    ax.annotate(MATH, (0.5, 0.5))
    ax.barh([DOLLARS, MATH], [1, 2])  # category ticks
    draw_literally(fig)
    assert_literal(fig, DOLLARS, MATH, BROKEN)
