"""Choropleth figures: the join by codes, the legend beside the map, labels and alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from evalkit.errors import BoundaryError, InputError
from evalkit.maps import (
    DEFAULT_ALT,
    alt_text,
    load_boundaries,
    map_estimates,
    map_gaps,
    map_territories,
    map_values,
)


@pytest.fixture
def boundaries(lambert_gpkg):
    return load_boundaries(lambert_gpkg, key="code_insee", level="commune", outline="dep")


def _legend_texts(fig):
    legend_ax = fig.axes[1]
    return [t.get_text() for legend in [*legend_ax.artists, legend_ax.get_legend()]
            if legend is not None for t in legend.get_texts()]


def test_a_value_map_joins_codes_that_lost_their_zeros(boundaries):
    values = pd.Series([10.0, 20.0, 30.0], index=[2001, 2002, 59001])  # 59002 has none
    fig = map_values(values, boundaries, title="Taux (%), 2024", language="fr", n_classes=3,
                     highlight=["02001"], labels={"no_data": "Données manquantes"})
    d = fig.evalkit_map
    assert (d.n, d.with_value, d.lowest, d.highest) == (4, 3, ("A", 10.0), ("C", 30.0))
    texts = _legend_texts(fig)
    assert "Données manquantes" in texts
    # three values in three classes: breaks at the terciles 16.67 and 23.33, rounded to
    # a step of 2 (narrowest gap 6.67): 16 and 24; highest class first in the legend
    assert texts[:3] == ["24 à 30", "16 à 24", "10 à 16"]
    assert fig.axes[0].axison is False  # no frame
    map_box, legend_box = (ax.get_position() for ax in fig.axes[:2])
    assert legend_box.x0 >= map_box.x1  # the legend is beside the map, never over it
    # a French map is described in French (the sentences of ALT["fr"])
    assert alt_text(fig) == ("Carte « Taux (%), 2024 » : 3 territoires sur 4 ont une valeur, "
                             "de 10 (A) à 30 (C), en 3 classes ; 1 sans donnée.")
    assert alt_text(fig, templates=DEFAULT_ALT).startswith(
        "Map of Taux (%), 2024: 3 of 4 territories have a value, from 10 (A) to 30 (C)")
    plt.close(fig)


def test_the_input_values_are_not_changed(boundaries):
    values = pd.Series([1.0, 2.0], index=["02001", "59001"])
    before = values.copy()
    plt.close(map_values(values, boundaries))
    pd.testing.assert_series_equal(values, before)


def test_gaps_and_estimates_mark_those_distinguishable_from_zero(boundaries):
    gaps = pd.DataFrame({"area": ["02001", "02002", "59001"], "difference": [-2.0, 0.5, 3.0],
                         "conf_low": [-3.0, -0.5, 1.0], "conf_high": [-1.0, 1.5, 5.0]})
    fig = map_gaps(gaps, boundaries, title="Gap", labels={"marked": "Significatif"})
    assert fig.evalkit_map.marked == 2  # -2 [-3, -1] and 3 [1, 5]; 0.5 [-0.5, 1.5] is not
    assert fig.evalkit_map.n == 3  # only the territories with a value
    assert "Significatif" in _legend_texts(fig)
    plt.close(fig)
    estimates = gaps.rename(columns={"area": "unit", "difference": "estimate"})
    fig = map_estimates(estimates, boundaries, language="fr")
    # signed classes: [-2, 0, 1.75, 3], narrowest gap 1.25, step 0.5: one decimal
    # without a title, the map is named after the column it draws
    assert alt_text(fig) == ("Carte « estimate » : de \u22122,0 (A) à +3,0 (C) sur 3 "
                             "territoires ; 2 différents de zéro, entourés.")
    assert "Différent de zéro" in _legend_texts(fig)  # the French legend by default
    plt.close(fig)


def test_a_programme_map_counts_its_territories(boundaries):
    fig = map_territories([2001, 2002], boundaries, language="fr",
                          labels={"selected": "Communes du programme"})
    assert "Communes du programme (2)" in _legend_texts(fig)
    assert fig.evalkit_map.with_value == 2
    plt.close(fig)


def test_bad_map_input(boundaries):
    with pytest.raises(BoundaryError, match="the table has e.g. '75056'"):
        map_values(pd.Series([1.0], index=["75056"]), boundaries)
    with pytest.raises(InputError, match="labels: keys must be among"):
        map_values(pd.Series([1.0], index=["02001"]), boundaries, labels={"nodata": "x"})
    with pytest.raises(InputError, match="one value per territory"):
        map_values(pd.Series([1.0, 2.0], index=["02001", 2001]), boundaries)
