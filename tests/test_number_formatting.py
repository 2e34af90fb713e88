"""The one number formatter (evalkit.formatting): every character the reports print.

Expected strings are written out by hand, character by character: U+2212 MINUS SIGN,
U+202F NARROW NO-BREAK SPACE (French thousands and before %), U+00A0 NO-BREAK SPACE
(before a French colon).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

import evalkit._formatting as legacy
from evalkit import formatting
from evalkit.errors import InputError
from evalkit.formatting import (
    LOCALES,
    MINUS,
    NNBSP,
    colon,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
)


def test_the_characters():
    assert MINUS == "\u2212" and NNBSP == "\u202f"
    assert LOCALES == {"en": "en_GB", "fr": "fr_FR", "nl": "nl_BE"}


@pytest.mark.parametrize(
    ("value", "language", "decimals", "expected"),
    [
        # thousands
        (1234567.891, "en", 2, "1,234,567.89"),
        (1234567.891, "fr", 2, "1\u202f234\u202f567,89"),
        (999.0, "fr", 0, "999"),
        (1000.0, "fr", 0, "1\u202f000"),
        (2024, "fr", 0, "2\u202f024"),
        # negatives: the minus sign in both languages
        (-11863.9033, "en", 0, "\u221211,864"),
        (-11863.9033, "fr", 0, "\u221211\u202f864"),
        (-0.25, "fr", 2, "\u22120,25"),
        # rounding: of the number as stored, half to even
        (0.0365, "en", 3, "0.036"),  # stored 0.036499999...
        (0.0366, "fr", 3, "0,037"),
        (0.0355, "en", 3, "0.035"),  # stored 0.035499999...
        (2.5, "en", 0, "2"),  # exactly half: to even
        (3.5, "en", 0, "4"),
        (0.125, "fr", 2, "0,12"),
        (999.96, "fr", 1, "1\u202f000,0"),  # rounding adds a digit, and a separator
        # zero, and what rounds to zero, carries no sign
        (0.0, "fr", 1, "0,0"),
        (-0.0, "en", 1, "0.0"),
        (-0.0004, "en", 3, "0.000"),
        # numpy and plain integers
        (np.float64(-3.25), "fr", 1, "\u22123,2"),
        (np.int64(-45384), "fr", 0, "\u221245\u202f384"),
        (7, "en", 2, "7.00"),
    ],
)
def test_format_number(value, language, decimals, expected):
    assert format_number(value, language, decimals) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(float("nan"), "en", "n/a"), (float("nan"), "fr", "n.d."), (None, "en", "n/a"),
     (None, "fr", "n.d."), (np.float64("nan"), "fr", "n.d."), (pd.NA, "en", "n/a"),
     (math.inf, "fr", "∞"), (-math.inf, "en", "\u2212∞")],
)
def test_missing_and_infinite_values(value, language, expected):
    assert format_number(value, language) == expected


def test_signed():
    assert format_number(2.5, "en", 1, signed=True) == "+2.5"
    assert format_number(-2.5, "fr", 1, signed=True) == "\u22122,5"
    assert format_number(0.0, "en", 1, signed=True) == "0.0"
    assert format_percent(1.44, "fr", 1, signed=True) == f"+1,4{NNBSP}%"


def test_grouping_from_five_digits():
    # CLDR's minimum grouping digits: 2 groups from 10 000 on, as plot axes do
    assert format_number(2024, "fr", 0, min_grouping_digits=2) == "2024"
    assert format_number(-9999.5, "fr", 1, min_grouping_digits=2) == "\u22129999,5"
    assert format_number(45384, "fr", 0, min_grouping_digits=2) == "45\u202f384"
    assert format_number(12500, "en", 0, min_grouping_digits=2) == "12,500"


def test_percent():
    assert format_percent(21.04, "fr", 1) == f"21,0{NNBSP}%"
    assert format_percent(-3.56, "en", 1) == f"{MINUS}3.6%"
    assert format_percent(1234.5, "fr", 0) == f"1{NNBSP}234{NNBSP}%"
    assert format_percent(12.0, "en", 0) == "12%"
    # missing values keep the percent sign, as the reports always wrote them
    assert format_percent(float("nan"), "fr", 1) == f"n.d.{NNBSP}%"
    assert format_percent(float("nan"), "en", 1) == "n/a%"


def test_intervals_levels_p_values_and_colons():
    assert format_interval(-0.0641, -0.0159, "fr", 3) == "[\u22120,064 ; \u22120,016]"
    assert format_interval(-0.0641, -0.0159, "en", 3) == "\u22120.064 to \u22120.016"
    # the decimals are raised to what the width warrants: 2.13 to 2.42 needs two
    assert format_interval(2.13, 2.42, "en", 1) == "2.13 to 2.42"
    assert format_level(0.05, "fr") == f"95{NNBSP}%"
    assert format_level(0.025, "en") == "97.5%"
    assert format_level(0.001, "en") == "99.9%"
    assert format_p_value(0.0004, "en") == "< 0.001"
    assert format_p_value(0.0004, "fr") == "< 0,001"
    assert format_p_value(0.1811, "fr") == "0,181"
    assert colon("fr") == "\u00a0:" and colon("en") == ":"


def test_bad_language_and_decimals_are_refused():
    with pytest.raises(InputError, match="language='xx': must be a language "
                                         r"\(en, fr, nl ...\) or a locale Babel knows"):
        format_number(1.0, "xx")
    with pytest.raises(InputError, match="decimals=-1"):
        format_number(1.0, "en", -1)
    with pytest.raises(InputError, match="decimals=1.5"):
        format_percent(1.0, "en", 1.5)  # type: ignore[arg-type]


def test_where_cldr_is_overridden():
    # The module docstring lists these: if Babel's data changed, the overrides (and
    # their documentation) must be revisited.
    fr, en = Locale.parse("fr_FR"), Locale.parse("en_GB")
    assert fr.number_symbols["latn"]["minusSign"] == "-"  # evalkit: U+2212
    assert en.number_symbols["latn"]["minusSign"] == "-"
    assert fr.percent_formats[None].pattern == "#,##0\u00a0%"  # evalkit: U+202F
    # ... and what is taken from CLDR as it is
    assert fr.number_symbols["latn"]["group"] == NNBSP
    assert fr.number_symbols["latn"]["decimal"] == ","
    assert en.number_symbols["latn"]["group"] == "," and en.number_symbols["latn"]["decimal"] == "."


def test_the_old_module_forwards():
    assert legacy.format_number is format_number and legacy.MINUS is MINUS
    assert set(legacy.__all__) == set(formatting.__all__)


def _reference(value: float, language: str, decimals: int) -> str:
    """The formatter the reports used before Babel: Python's own rounding and grouping."""
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and float(text.replace(",", "")) != 0
    if language == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return (MINUS if negative else "") + text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
       st.sampled_from(["en", "fr"]), st.integers(min_value=0, max_value=8))
def test_same_text_as_python_formatting(value, language, decimals):
    assert format_number(value, language, decimals) == _reference(value, language, decimals)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
       st.integers(min_value=0, max_value=4))
def test_percent_rounds_like_the_number(value, decimals):
    number = format_number(value, "fr", decimals)
    assert format_percent(value, "fr", decimals) == f"{number}{NNBSP}%"


def test_rounding_is_exact_for_very_large_numbers():
    assert format_number(1e30, "en", 0) == "1,000,000,000,000,000,019,884,624,838,656"
    assert format_number(1e30, "en", 0).replace(",", "") == str(int(Decimal(1e30)))
