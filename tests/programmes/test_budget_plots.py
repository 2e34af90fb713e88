"""The budget execution plots draw the numbers of their results, in the words they are given.

The consumption curve is the hand-computed example of test_consumption_curve.py: at the
end of June 2024, CP paid 60 of 240 allocated (25%), projected year end 75% of the
allocation, range 50% to 100% over the previous years. The execution rates are those of
the three schemes below (sums over the year, computed by hand).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.formatting import NNBSP
from evalkit.plots.programmes import (
    CURVE_LABELS,
    RATES_LABELS,
    month_abbreviations,
    plot_consumption_curve,
    plot_execution_rates,
)
from evalkit.programmes import CreditLines, consumption_curve, execution_rates
from tests.programmes.test_consumption_curve import lines as curve_lines
from tests.programmes.test_consumption_curve import table as curve_table

matplotlib.use("Agg")

FRENCH_CURVE = {"consumed": "CP mandatés à date", "linear": "Trajectoire linéaire",
                "previous": "Profil moyen des années précédentes",
                "projection": "Projection en fin d'année",
                "range": "Fourchette des années précédentes",
                "unbounded": "Fourchette sans borne haute", "month": "Mois",
                "rate": "Part des CP ouverts"}
ENGLISH_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov",
                  "Dec"]


@pytest.fixture(autouse=True)
def _no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before



def _line(fig: Figure, label: str):
    (line,) = [x for x in fig.axes[0].get_lines() if x.get_label() == label]
    return line


def _texts(fig: Figure) -> list[str]:
    fig.savefig(__import__("io").BytesIO(), format="png")  # lays out every text
    ax = fig.axes[0]
    parts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    parts += [t.get_text() for t in ax.texts]
    parts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    if ax.get_legend():
        parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [p for p in parts if p]


def test_the_curve_draws_the_rates_the_references_and_the_projection():
    curve = consumption_curve(curve_lines(), year=2024, as_of_month=6)
    fig = plot_consumption_curve(curve)
    assert isinstance(fig, Figure)
    table = curve.curve
    paid = _line(fig, CURVE_LABELS["consumed"])
    # months 1 to 6 only; rates = CP paid to date / 240: 0, 40, 40, 40, 60, 60 over 240
    assert paid.get_xdata().tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(paid.get_ydata(), table["rate"].iloc[:6])
    np.testing.assert_allclose(paid.get_ydata(), np.array([0, 40, 40, 40, 60, 60]) / 240)
    assert paid.get_linestyle() == "-"
    linear = _line(fig, CURVE_LABELS["linear"])
    np.testing.assert_allclose(linear.get_ydata(), np.arange(1, 13) / 12)
    assert linear.get_linestyle() == "--"
    previous = _line(fig, CURVE_LABELS["previous"])
    np.testing.assert_allclose(previous.get_ydata(), table["previous_rate"])
    assert previous.get_linestyle() == ":"
    # the projection in December: 0.75, its error bar from 0.5 to 1.0
    ax = fig.axes[0]
    (marker,) = [x for x in ax.get_lines() if x.get_marker() == "D"]
    assert marker.get_xdata().tolist() == [12] and marker.get_ydata().tolist() == [0.75]
    (bar,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose(bar.get_segments()[0], [[12, 0.5], [12, 1.0]])
    # the wedge: from 25% at the end of June to 50%..100% in December
    (wedge,) = [c for c in ax.collections if c.get_label() == CURVE_LABELS["range"]]
    corners = {tuple(np.round(p, 9)) for p in wedge.get_paths()[0].vertices}
    assert {(6.0, 0.25), (12.0, 0.5), (12.0, 1.0)} <= corners
    texts = _texts(fig)
    assert [t.get_text() for t in ax.get_xticklabels()] == ENGLISH_MONTHS
    assert "40%" in texts and "100%" in texts  # the y axis in percent
    for label in ("consumed", "linear", "previous", "projection", "range", "month", "rate"):
        assert CURVE_LABELS[label] in texts


def test_french_labels_leave_no_english_word():
    curve = consumption_curve(curve_lines(), year=2024, as_of_month=5)  # unbounded range
    fig = plot_consumption_curve(curve, labels=FRENCH_CURVE, language="fr",
                                 title="BOP 0147-HDF")
    texts = _texts(fig)
    for english in CURVE_LABELS.values():
        assert english not in texts
    assert not set(ENGLISH_MONTHS) & set(texts)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == month_abbreviations("fr")
    assert month_abbreviations("fr")[:2] == ["janv.", "févr."]
    assert f"40{NNBSP}%" in texts  # French percent: narrow no-break space
    for french in FRENCH_CURVE.values():
        assert french in texts
    assert "BOP 0147-HDF" in texts


def test_an_unbounded_range_reaches_the_top_and_says_so():
    # at the end of May, 2023 had paid nothing: its share is 0, so high is infinite
    curve = consumption_curve(curve_lines(), year=2024, as_of_month=5)
    assert np.isinf(curve.projection["high_rate"].iloc[0])
    fig = plot_consumption_curve(curve)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [CURVE_LABELS["unbounded"]]
    (bar,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert bar.get_segments()[0][1][1] == pytest.approx(ax.get_ylim()[1])


def test_without_previous_years_no_projection_is_drawn():
    frame = pd.DataFrame({"month": ["2024-01", "2024-03"], "bop": ["B", "B"],
                          "cp": [100.0, 0.0], "paid": [0.0, 30.0]})
    lines = CreditLines(frame, month="month", bop="bop", cp_allocated="cp", cp_paid="paid")
    fig = plot_consumption_curve(consumption_curve(lines, year=2024))
    labels = [x.get_label() for x in fig.axes[0].get_lines()]
    assert CURVE_LABELS["consumed"] in labels
    assert CURVE_LABELS["previous"] not in labels and CURVE_LABELS["projection"] not in labels
    np.testing.assert_allclose(_line(fig, CURVE_LABELS["consumed"]).get_ydata(), [0, 0, 0.3])


def test_a_level_is_chosen_among_the_curves_levels():
    table = curve_table()
    other = table.assign(bop="0147-IDF", cp_mandates=table["cp_mandates"] / 2)
    both = curve_lines(pd.concat([table, other], ignore_index=True))
    curve = consumption_curve(both, year=2024, as_of_month=6, by="bop")
    fig = plot_consumption_curve(curve, "0147-IDF")
    assert fig.axes[0].get_title() == "0147-IDF"
    expected = curve.curve.loc[curve.curve["bop"] == "0147-IDF", "rate"].iloc[:6]
    np.testing.assert_allclose(_line(fig, CURVE_LABELS["consumed"]).get_ydata(), expected)
    same = plot_consumption_curve(curve, {"bop": "0147-IDF"})
    np.testing.assert_allclose(_line(same, CURVE_LABELS["consumed"]).get_ydata(), expected)
    with pytest.raises(InputError, match="the curve has 2 levels of bop; pass level="):
        plot_consumption_curve(curve)
    with pytest.raises(InputError, match="level='0147-XXX': must be a level of the curve"):
        plot_consumption_curve(curve, "0147-XXX")
    whole = consumption_curve(both, year=2024)
    with pytest.raises(InputError, match="the curve is of the whole budget"):
        plot_consumption_curve(whole, "0147-IDF")


def test_bad_arguments_are_refused():
    curve = consumption_curve(curve_lines(), year=2024, as_of_month=6)
    with pytest.raises(InputError, match="keys must be among"):
        plot_consumption_curve(curve, labels={"title": "x"})
    with pytest.raises(InputError, match="curve: must be a ConsumptionCurve"):
        plot_consumption_curve(curve.curve)
    with pytest.raises(InputError, match="language='xx'"):
        plot_consumption_curve(curve, language="xx")


# ---------------------------------------------------------------------- execution rates

def rates_lines() -> CreditLines:
    # per scheme (AE allocated, AE committed, CP allocated, CP paid) over 2024:
    #   A: 100, 80, 100, 50  -> AE commitment 0.8, CP consumption 0.5
    #   B: 200, 100, 200, 150 -> 0.5, 0.75
    #   C: 50, 50, 50, 10    -> 1.0, 0.2
    # the allocation in January, half of each movement in February, half in August
    totals = {"A": (100, 80, 100, 50), "B": (200, 100, 200, 150), "C": (50, 50, 50, 10)}
    rows = []
    for scheme, (ae, committed, cp, paid) in totals.items():
        rows.append(("2024-01", scheme, ae, 0.0, cp, 0.0))
        rows.append(("2024-02", scheme, 0.0, committed / 2, 0.0, paid / 2))
        rows.append(("2024-08", scheme, 0.0, committed / 2, 0.0, paid / 2))
    frame = pd.DataFrame(rows, columns=["mois", "dispositif", "ae", "ae_eng", "cp", "cp_mand"])
    return CreditLines(frame, month="mois", scheme="dispositif", ae_allocated="ae",
                       ae_committed="ae_eng", cp_allocated="cp", cp_paid="cp_mand")


def _bars(fig: Figure) -> list[float]:
    return [p.get_width() for p in fig.axes[0].patches]


def test_execution_rates_are_drawn_sorted_with_the_whole_allocation():
    fig = plot_execution_rates(execution_rates(rates_lines(), by="scheme"))
    ax = fig.axes[0]
    # sorted by CP consumption, lowest at the bottom: C (0.2), A (0.5), B (0.75)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "A", "B"]
    # AE commitment bars first (1.0, 0.8, 0.5), then CP consumption (0.2, 0.5, 0.75)
    np.testing.assert_allclose(_bars(fig), [1.0, 0.8, 0.5, 0.2, 0.5, 0.75])
    (line,) = [x for x in ax.get_lines() if x.get_label() == RATES_LABELS["allocation"]]
    assert list(line.get_xdata()) == [1.0, 1.0]
    texts = _texts(fig)
    for key in ("ae_commitment_rate", "cp_consumption_rate", "allocation", "rate"):
        assert RATES_LABELS[key] in texts
    assert "100%" in texts


def test_a_table_by_quarter_is_read_at_its_last_quarter():
    # the last quarter of 2024 in the lines is Q3 (August): the rates to date are the
    # year's; in Q1 only half of each movement was made
    by_quarter = execution_rates(rates_lines(), by="scheme", period="quarter")
    fig = plot_execution_rates(by_quarter, rates=["cp_consumption_rate"])
    np.testing.assert_allclose(_bars(fig), [0.2, 0.5, 0.75])
    table = by_quarter.table
    fig = plot_execution_rates(table.loc[table["quarter"] == 1], rates=["cp_consumption_rate"])
    np.testing.assert_allclose(_bars(fig), [0.1, 0.25, 0.375])  # half of each, by hand


def test_names_french_words_and_sorting_by_another_rate():
    rates = execution_rates(rates_lines(), by="scheme")
    french = {"ae_commitment_rate": "AE engagées / AE ouvertes",
              "cp_consumption_rate": "CP mandatés / CP ouverts",
              "allocation": "Totalité des crédits ouverts", "rate": "Taux d'exécution à date"}
    fig = plot_execution_rates(rates, sort_by="ae_commitment_rate", labels=french,
                               language="fr", names={"A": "adultes-relais", "C": "parrainage"})
    ax = fig.axes[0]
    # by AE commitment: B (0.5), A (0.8), C (1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "adultes-relais", "parrainage"]
    texts = _texts(fig)
    for key, english in RATES_LABELS.items():
        if key != "whole_budget":
            assert english not in texts
    assert f"100{NNBSP}%" in texts


def test_whole_budget_rates_and_bad_arguments():
    fig = plot_execution_rates(execution_rates(rates_lines()))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Whole budget"]
    # whole budget: AE 230 / 350, CP 210 / 350
    np.testing.assert_allclose(_bars(fig), [230 / 350, 210 / 350])
    rates = execution_rates(rates_lines(), by="scheme")
    with pytest.raises(InputError, match="the table has none of these rates"):
        plot_execution_rates(rates, rates=["ae_payment_rate"])
    with pytest.raises(InputError, match="year=2023: must be a year of the table"):
        plot_execution_rates(rates, year=2023)
    with pytest.raises(InputError, match="sort_by='x'"):
        plot_execution_rates(rates, sort_by="x")
    with pytest.raises(InputError, match="rates_table: must be an ExecutionRates"):
        plot_execution_rates([1, 2])


def test_user_words_are_drawn_literally():
    # a "$" in a translation or a title is a dollar sign, never mathtext (which would
    # refuse to draw this one)
    broken = r"share $\notacommand{ in % $"
    curve = consumption_curve(curve_lines(), year=2024, as_of_month=6)
    fig = plot_consumption_curve(curve, labels={"rate": broken}, title="cost in $ (2020 $)")
    assert broken in _texts(fig) and "cost in $ (2020 $)" in _texts(fig)
    fig = plot_execution_rates(execution_rates(rates_lines(), by="scheme"),
                               labels={"rate": broken}, names={"A": "$A$"})
    assert broken in _texts(fig) and "$A$" in _texts(fig)
