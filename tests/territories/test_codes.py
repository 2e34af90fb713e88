"""Territorial code families: valid codes, malformed ones, numbers that lost their zeros, padding.

Every expected code below is written by hand from the rules of the INSEE official
geography (commune = department + 3 digits; overseas 97x + 2 digits; Corsica 2A/2B since
1976) and of Statbel's REFNIS (5 digits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, InputError, TerritoryError
from evalkit.territories import CODE_FAULTS, FAMILIES, code_family, code_faults, normalize_codes


def problems(values, family, **kw) -> tuple[str, ...]:
    with pytest.raises(TerritoryError) as info:
        normalize_codes(values, family, **kw)
    return info.value.problems


@pytest.mark.parametrize(("family", "codes"), [
    ("commune", ["01001", "02001", "2A004", "2B033", "59350", "97101", "97611"]),
    ("departement", ["01", "02", "19", "21", "2A", "2B", "95", "971", "976"]),
    ("region", ["01", "32", "84", "94"]),
    ("epci", ["200067551", "246200364"]),
    ("nis", ["21004", "11002", "02000", "10000"]),
])
def test_valid_codes_pass_unchanged(family, codes):
    out = normalize_codes(pd.Series(codes), family)
    assert out.tolist() == codes


@pytest.mark.parametrize(("family", "bad"), [
    ("commune", ["2C004", "123456", "ABCDE", "96001", "00001"]),
    ("departement", ["00", "96", "977", "2C", "A2"]),
    ("region", ["321", "AB"]),
    ("epci", ["2000675511", "ABCDEFGHI"]),
    ("nis", ["210041", "2100A"]),
])
def test_malformed_codes_are_listed(family, bad):
    (problem,) = problems(pd.Series(bad), family, column="code")
    assert problem.startswith(f"column 'code': {len(bad)} distinct codes not ")
    for code in bad:
        assert repr(code) in problem


def test_malformed_rows_are_the_table_index_labels():
    codes = pd.Series(["02001", "2C004", "59350", "XYZ12"], index=[5, 6, 7, 8])
    found = problems(codes, "commune", column="commune_code")
    assert found == ("column 'commune_code': 2 distinct codes not an INSEE commune code "
                     "(5 characters: the department, 01..95, 2A or 2B, then 3 digits; overseas "
                     "971..976 then 2 digits): '2C004', 'XYZ12' at rows 6, 8",)


def test_numbers_that_lost_their_zeros_name_the_column_and_say_how_to_fix_it():
    # Abbécourt is INSEE 02001: read as a number it becomes 2001.
    codes = pd.Series([2001, 59350, 2002], name="commune_code")
    (problem,) = problems(codes, "commune")
    assert problem.startswith("column 'commune_code': 2 distinct codes that arrived as numbers "
                              "and lost their leading zeros ('2001' for '02001', '2002' for "
                              "'02002')")
    assert "Read the column as text (e.g. dtype={'commune_code': str})" in problem
    assert "pad=True" in problem and "pad_codes: true" in problem


def test_text_that_lost_its_zeros_is_detected_too():
    (problem,) = problems(pd.Series(["2", "59"], name="departement_code"), "departement")
    assert "1 distinct code of digits that lost their leading zeros ('2' for '02')" in problem


@pytest.mark.parametrize(("family", "given", "expected"), [
    ("commune", [2001, 59350], ["02001", "59350"]),
    ("commune", ["2001", "2A004"], ["02001", "2A004"]),
    ("departement", [2, 59, 971], ["02", "59", "971"]),      # 971 keeps its three digits
    ("departement", ["2", "2A", "976"], ["02", "2A", "976"]),
    ("region", [1, 32], ["01", "32"]),
    ("epci", [20006755], ["020006755"]),
    ("nis", [2000, 21004], ["02000", "21004"]),              # Flemish Region, Brussels
])
def test_zero_padding_on_request(family, given, expected):
    assert normalize_codes(pd.Series(given), family, pad=True).tolist() == expected


def test_floats_from_a_spreadsheet_are_padded_and_missing_values_stay_missing():
    out = normalize_codes(pd.Series([2001.0, np.nan, 59350.0]), "commune", pad=True)
    assert out.iloc[0] == "02001" and pd.isna(out.iloc[1]) and out.iloc[2] == "59350"
    out = normalize_codes(pd.Series(["2001.0", None]), "commune", pad=True)
    assert out.iloc[0] == "02001" and pd.isna(out.iloc[1])


def test_numbers_with_decimals_are_malformed():
    (problem,) = problems(pd.Series([32.5]), "region", column="region_code")
    assert "(numbers with decimals): '32.5' at row 0" in problem


@pytest.mark.parametrize(("family", "value"), [("commune", 20004), ("departement", 20)])
def test_corsica_cannot_be_recovered_from_a_number(family, value):
    # Ajaccio is 2A004: as a number it could only have been written 20004 by hand;
    # 2A or 2B cannot be told from it, even with pad=True.
    found = problems(pd.Series([value], name="code"), family, pad=True)
    assert len(found) == 1 and "2A and 2B" in found[0] and "cannot be recovered" in found[0]


def test_numbers_already_at_full_width_are_accepted_as_text():
    out = normalize_codes(pd.Series([59350, 62001]), "commune")
    assert out.tolist() == ["59350", "62001"]


def test_input_is_not_mutated():
    codes = pd.Series([2001, 59350], name="commune_code")
    before = codes.copy()
    normalize_codes(codes, "commune", pad=True)
    pd.testing.assert_series_equal(codes, before)


def test_unknown_family_and_wrong_argument():
    with pytest.raises(InputError, match="family='canton': must be one of 'commune'"):
        code_family("canton")
    with pytest.raises(InputError, match="codes: must be a pandas Series"):
        normalize_codes(["02001"], "commune")  # type: ignore[arg-type]
    assert set(FAMILIES) == {"commune", "departement", "region", "epci", "nis"}


def test_territory_error_is_a_data_error():
    assert issubclass(TerritoryError, DataError)


def test_code_faults_name_each_row_normalize_codes_refuses():
    # By the rules above: 59350 valid; 2001 is 02001 without its zero; 20004 could be
    # 2A004 or 2B004; "ABCDE" and 32.5 are no commune code; the missing value is no fault.
    codes = pd.Series([59350, 2001, 20004, "ABCDE", None, 32.5, 2001], index=list("abcdefg"),
                      name="commune_code", dtype=object)
    faults = code_faults(codes, "commune")
    assert faults.index.tolist() == list("abcdefg") and faults.name == "commune_code"
    assert faults.fillna("").tolist() == ["", "lost_zeros", "corsica", "malformed", "",
                                          "malformed", "lost_zeros"]
    assert set(faults.dropna()) <= set(CODE_FAULTS)
    # with padding, 2001 becomes 02001: no longer a fault; Corsica stays one
    padded = code_faults(codes, "commune", pad=True)
    assert padded.fillna("").tolist() == ["", "", "corsica", "malformed", "", "malformed", ""]


@pytest.mark.parametrize(("family", "codes"), [
    ("departement", pd.Series(["02", "2", "96", "2A", None, "20"])),
    ("region", pd.Series([32.0, 1.0, 32.5, np.nan])),
    ("nis", pd.Series(["21004", "2100A", "2000"])),
])
@pytest.mark.parametrize("pad", [False, True])
def test_code_faults_agree_with_normalize_codes(family, codes, pad):
    # the rows without a fault are exactly those normalize_codes accepts
    faults = code_faults(codes, family, pad=pad)
    fine = codes[faults.isna()]
    normalize_codes(fine, family, pad=pad)  # no error
    for position in np.flatnonzero(faults.notna().to_numpy()):
        with pytest.raises(TerritoryError):
            normalize_codes(codes.iloc[[position]], family, pad=pad)


def test_code_faults_leave_the_input_alone_and_check_their_arguments():
    codes = pd.Series([2001, 59350])
    before = codes.copy()
    code_faults(codes, "commune")
    pd.testing.assert_series_equal(codes, before)
    with pytest.raises(InputError, match="codes: must be a pandas Series"):
        code_faults(["02001"], "commune")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="family='canton'"):
        code_faults(codes, "canton")
