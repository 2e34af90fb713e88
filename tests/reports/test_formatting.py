"""Numbers in reports are written the way each language writes them."""

import pytest

from evalkit._formatting import (
    MINUS,
    NNBSP,
    decimals_for,
    format_number,
    format_p_value,
    format_percent,
)


@pytest.mark.parametrize(
    ("value", "language", "decimals", "expected"),
    [
        (-11863.9033, "en", 0, f"{MINUS}11,864"),
        (-11863.9033, "fr", 0, f"{MINUS}11{NNBSP}864"),
        (1234567.891, "fr", 2, f"1{NNBSP}234{NNBSP}567,89"),
        (0.0366, "en", 3, "0.037"),
        (0.0366, "fr", 3, "0,037"),
        (-0.0004, "en", 3, "0.000"),  # rounds to zero: no minus sign
        (0.0, "fr", 1, "0,0"),
    ],
)
def test_format_number(value, language, decimals, expected):
    assert format_number(value, language, decimals) == expected


def test_signed_and_percent():
    assert format_number(2.5, "en", 1, signed=True) == "+2.5"
    assert format_percent(21.04, "fr", 1) == f"21,0{NNBSP}%"
    assert format_percent(-3.56, "en", 1) == f"{MINUS}3.6%"


def test_p_values():
    assert format_p_value(0.0004, "en") == "< 0.001"
    assert format_p_value(0.0004, "fr") == "< 0,001"
    assert format_p_value(0.1811, "fr") == "0,181"


@pytest.mark.parametrize(("se", "expected"), [(7456.65, 0), (0.0133, 3), (0.069, 3), (0.5, 2)])
def test_decimals_follow_the_standard_error(se, expected):
    assert decimals_for(se) == expected


def test_missing_values_are_spelled_out():
    assert format_number(float("nan"), "en") == "n/a"
    assert format_number(float("nan"), "fr") == "n.d."
