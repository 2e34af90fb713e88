"""Classes of a choropleth: rounded breaks, labels in fr and en, colours legible in grey."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.errors import InputError
from evalkit.maps import classify, nice_breaks, relative_luminance
from evalkit.maps.classes import _BLUES, _ORANGES, NO_DATA_COLOUR, NO_DATA_HATCH


def test_quantile_breaks_are_rounded_to_a_nice_step():
    # 1..10 in two classes: the median 5.5; the narrowest gap of [1, 5.5, 10] is 4.5,
    # the largest nice step no larger than half of it is 2, and 5.5 rounds to 6.
    classes = classify(np.arange(1, 11), n_classes=2)
    assert classes.breaks == (6.0,)
    assert classes.labels == ("1 to 6", "6 to 10")
    assert classes.counts == (5, 5)  # 1..5 below 6, 6..10 from 6 on
    # [12.34, 15.87] within [8.1, 21]: narrowest gap 3.53, step 1
    rounded, step = nice_breaks([12.34, 15.87], [8.1, 21.0])
    assert step == 1.0 and list(rounded) == [12.0, 16.0]


def test_signed_values_are_cut_at_zero_with_labels_in_french_and_english():
    values = [-2.5, -1.0, 0.5, 3.0]
    # one class a side; [-2.5, 0, 3]: narrowest gap 2.5, step 1, no decimals; the lowest
    # and highest values are rounded outward (-2.5 -> -3, 3 -> 3)
    fr = classify(values, n_classes=2, language="fr")
    assert fr.signed and fr.breaks == (0.0,)
    assert fr.labels == ("\u22123 à 0", "0 à 3")
    assert fr.colours == (_BLUES[1][0], _ORANGES[1][0]) and fr.hatches == ("", "////")
    en = classify(values, n_classes=2, language="en", decimals=1)
    assert en.labels == ("\u22122.5 to 0.0", "0.0 to 3.0")
    fr = classify([1200.5, 15000.25, 30000.0], n_classes=2, language="fr", decimals=1)
    assert fr.labels[0].startswith("1\u202f200,5 à")  # narrow no-break space, comma


def test_class_of_each_value_and_missing_values():
    classes = classify(np.arange(1, 11), n_classes=2)
    assert list(classes.assign([1, 5.99, 6, 10, np.nan])) == [0, 0, 1, 1, -1]


@pytest.mark.parametrize("n", range(2, 8))
def test_sequential_colours_get_darker_class_after_class_in_grey(n):
    luminance = [relative_luminance(c) for c in _BLUES[n]]
    assert all(a - b > 0.04 for a, b in zip(luminance, luminance[1:], strict=False))
    # "no data" is light grey like the lightest class, told apart by its hatching
    assert NO_DATA_HATCH and relative_luminance(NO_DATA_COLOUR) > 0.7


def test_signed_colours_darken_away_from_zero_and_the_sides_differ_by_pattern():
    classes = classify(np.linspace(-10, 10, 101), n_classes=6)
    assert len(classes) == 6 and classes.breaks[2] == 0.0
    luminance = [relative_luminance(c) for c in classes.colours]
    negative, positive = luminance[:3], luminance[3:]
    assert negative == sorted(negative) and len(set(negative)) == 3  # darker further below 0
    assert positive == sorted(positive, reverse=True) and len(set(positive)) == 3
    assert classes.hatches == ("", "", "", "////", "////", "////")


def test_bad_class_options():
    with pytest.raises(InputError, match="n_classes=9"):
        classify([1, 2, 3], n_classes=9)
    with pytest.raises(InputError, match="no value to map"):
        classify([np.nan])


def test_values_piled_at_their_maximum_still_make_classes():
    # quantiles of [1, 2, 5, 5, 5, 5] at 1/3 and 2/3 (linear, positions 5/3 and 10/3):
    # 2 + 2/3 x 3 = 4 and 5; 5 is the highest value and makes no class. [1, 4, 5]: the
    # narrowest gap is 1, the step 0.5, so one decimal.
    classes = classify([1, 2, 5, 5, 5, 5], n_classes=3)
    assert classes.breaks == (4.0,) and classes.counts == (2, 4)
    assert classes.labels == ("1.0 to 4.0", "4.0 to 5.0")
