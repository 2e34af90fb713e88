"""Smoke tests of the indicator plots: a Figure, the texts passed in, no pyplot state."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from evalkit.errors import InputError
from evalkit.indicators.rates import compare_to_reference
from evalkit.indicators.status import ProgressStatus
from evalkit.plots.indicators import plot_gap_ranking, plot_indicator, plot_small_multiples

matplotlib.use("Agg")


@dataclass(frozen=True)
class _Point:
    period: int
    value: float


@dataclass(frozen=True)
class _Indicator:  # the attributes the plots read, as evalkit.indicators.Indicator has them
    code: str = "taux_chomage"
    label: tuple = (("fr", "Taux de chômage"), ("en", "Unemployment rate"))
    unit: str = "%"
    direction: str = "lower_is_better"
    baseline: _Point | None = _Point(2015, 10.0)
    targets: tuple = (_Point(2022, 8.0), _Point(2027, 7.0))

    def __getattribute__(self, name):  # label as a mapping, like the real class
        value = object.__getattribute__(self, name)
        return dict(value) if name == "label" else value


@dataclass(frozen=True)
class _Assessment:
    status: ProgressStatus = ProgressStatus.ON_TRACK


def _texts(fig: Figure) -> str:
    parts = []
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.get_yticklabels()]
        if ax.get_legend():
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    parts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(fig, name, None) is not None:
            parts.append(getattr(fig, name).get_text())
    return " | ".join(parts)


@pytest.fixture(autouse=True)
def _no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def _series() -> pd.Series:
    return pd.Series(np.linspace(10, 8.2, 9), index=range(2015, 2024))


def test_plot_indicator_uses_labels_status_and_band():
    s = _series()
    band = pd.DataFrame({"conf_low": s - 0.4, "conf_high": s + 0.4})
    fig = plot_indicator(s, indicator=_Indicator(), assessment=_Assessment(), band=band,
                         policy_start=2018, reference=s + 0.5, language="fr",
                         labels={"series": "Observé", "target": "Cible", "baseline": "Référence",
                                 "policy_start": "Début du dispositif", "period": "Année",
                                 "value": "Valeur", "status": "Statut", "band": "IC 95 %",
                                 "reference": "Région"})
    assert isinstance(fig, Figure)
    text = _texts(fig)
    for expected in ("Taux de chômage", "Observé (Statut\u00a0: En bonne voie)", "Cible",
                     "Début du dispositif", "IC 95 %", "Région", "Valeur (%)", "Année"):
        assert expected in text
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("Observé")][0]
    assert matplotlib.colors.to_hex(line.get_color()) == "#2da44e"
    # the legend is below the plotting area, not over the curves
    (legend,) = fig.legends
    assert fig.axes[0].get_legend() is None
    fig.draw_without_rendering()
    box = legend.get_window_extent()
    assert box.y1 <= fig.axes[0].get_window_extent().y0


def test_the_status_and_unit_words_can_come_from_the_caller():
    # A report in a language the plots do not know (a new catalogue, e.g. German) passes
    # its own words for the status and the unit; without them, the built-in ones are used.
    s = _series()
    fig = plot_indicator(s, indicator=_Indicator(), assessment=_Assessment(), language="de",
                         labels={"series": "Beobachtet", "status": "Status",
                                 "status_name": "Auf Kurs", "unit": "Prozent",
                                 "value": "Wert"})
    text = _texts(fig)
    assert "Beobachtet (Status: Auf Kurs)" in text and "Wert (Prozent)" in text
    plain = _texts(plot_indicator(s, indicator=_Indicator(), assessment=_Assessment()))
    assert "Observed (Status: On track)" in plain and "Value (%)" in plain


def test_plot_indicator_minimal_and_errors():
    fig = plot_indicator(_series(), title="T")
    assert "T" in _texts(fig) and "Observed" in _texts(fig)
    with pytest.raises(InputError, match="keys must be among"):
        plot_indicator(_series(), labels={"serie": "x"})
    with pytest.raises(InputError, match="band"):
        plot_indicator(_series(), band=pd.DataFrame({"low": [1]}))


def test_small_multiples_one_panel_per_territory():
    rows = [{"territory": t, "period": p, "value": 9 + i - 0.2 * (p - 2015),
             "conf_low": 8 + i, "conf_high": 11 + i}
            for i, t in enumerate(["Ain", "Aisne", "Allier", "Alpes"]) for p in range(2015, 2024)]
    fig = plot_small_multiples(pd.DataFrame(rows), indicator=_Indicator(), ncols=3,
                               policy_start=2018, labels={"target": "Cible"})
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(visible) == 4
    assert visible[0].get_shared_y_axes().joined(visible[0], visible[3])
    # the legend sits in the fifth, empty, slot: over no panel
    (spare,) = [ax for ax in fig.axes if ax.get_visible() and not ax.axison]
    assert spare.get_legend() is not None and not spare.lines
    text = _texts(fig)
    assert "Cible" in text and "Allier" in text and "Unemployment rate" in text
    with pytest.raises(InputError, match="missing \\['value'\\]"):
        plot_small_multiples(pd.DataFrame({"territory": ["a"], "period": [1]}))


def test_gap_ranking_highlights_distinguishable_gaps():
    gap = compare_to_reference(pd.Series([30, 12, 22], index=["Nord", "Sud", "Est"]),
                               [200, 150, 200], [300, 300, 300], [3000, 3000, 3000],
                               kind="proportion", exclude_territory=False)
    fig = plot_gap_ranking(gap.tidy(), labels={"difference": "Écart à la région",
                                               "distinguishable": "Écart significatif"})
    text = _texts(fig)
    assert "Écart à la région" in text and "Écart significatif" in text
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["Sud", "Est", "Nord"]  # ranked by difference
    assert isinstance(plot_gap_ranking(gap), Figure)  # a Gap is accepted too
