"""Data as they come: broken files and hostile values give a DataError that says what is wrong.

Each test feeds one kind of bad input (infinite or overflowing numbers, an empty table, a
damaged file, codes read as numbers, a workbook whose data are on another sheet, text in
a numeric column, invalid bootstrap settings) and checks that the error names the file,
the column, the rows or the value at fault, and what to do, and never shows a reader's
exception or the good values.
"""

from __future__ import annotations

import gzip
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

from evalkit import DataError, InputError, Panel, did_2x2, load_table, twfe
from evalkit.data.io import read_columns, read_header
from evalkit.inference import MultiplierBootstrap

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
KIELMC = {"outcome": "rprice", "treated": "nearinc", "post": "y81"}


def _message(info: pytest.ExceptionInfo) -> str:
    return str(info.value)


# =========================================================== 1. infinite and huge numbers
@pytest.mark.parametrize("bad", [np.inf, -np.inf])
@pytest.mark.parametrize(("column", "role", "extra"), [
    ("lemp", "outcome", {}),
    ("lpop", "covariates", {"covariates": ["lpop"]}),
    ("w", "weights", {"weights": "w"}),
    ("year", "time", {}),
])
def test_infinite_values_name_the_column_the_rows_and_their_count(mpdta, bad, column, role,
                                                                  extra):
    mpdta["w"] = 1.0
    mpdta["year"] = mpdta["year"].astype(float)
    mpdta.loc[[3, 7, 8], column] = bad
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA, **extra)
    message = _message(info)
    assert f"{role}={column!r}: must hold finite numbers; got inf or -inf in 3 of 2,500 rows " \
           "(rows 4, 8 and 9; data row 1 is the first row after the header)" in message
    assert "SVD" not in message and "Traceback" not in message


def test_infinite_treatment_is_named_once(mpdta):
    g = mpdta["first.treat"]
    mpdta["D"] = ((g > 0) & (mpdta["year"] >= g)).astype(float)
    mpdta.loc[10, "D"] = np.inf
    with pytest.raises(DataError) as info:
        Panel(mpdta, unit="countyreal", time="year", outcome="lemp", treatment="D")
    (problem,) = info.value.problems
    assert problem.startswith("treatment='D': must hold finite numbers; got inf or -inf in 1 of "
                              "2,500 rows (row 11;")


@pytest.mark.parametrize("huge", [1e308, -1e200, 1e154])
def test_values_whose_squares_overflow_are_too_large_to_estimate_with(mpdta, huge):
    mpdta.loc[[0, 1], "lemp"] = huge
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = _message(info)
    assert "outcome='lemp': must be at most 2.68e+152 in absolute value; got values up to " \
           f"{abs(huge):.3g} in 2 of 2,500 rows (rows 1 and 2;" in message
    assert "too large to estimate with" in message and "rescale" in message


def test_large_but_safe_values_are_accepted(mpdta):
    mpdta["lemp"] = mpdta["lemp"] * 1e100  # squares summed over 2,500 rows stay finite
    assert np.isfinite(twfe(Panel(mpdta, **MPDTA)).estimate)


def test_first_treated_infinite_still_means_never_treated(mpdta):
    mpdta["first.treat"] = mpdta["first.treat"].replace(0, np.inf)
    assert Panel(mpdta, **MPDTA).n_never_treated_units == 309


def test_rows_are_counted_in_the_callers_data_after_dropping_missing_rows(mpdta):
    mpdta.loc[[0, 1], "lpop"] = np.nan
    mpdta.loc[5, "lemp"] = np.inf
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA, covariates=["lpop"], missing="drop")
    assert "got inf or -inf in 1 of 2,498 rows (row 6;" in _message(info)


def test_missing_values_name_their_rows(mpdta):
    mpdta.loc[[1, 5, 9], "lemp"] = np.nan
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    assert "outcome='lemp': 3 of 2500 rows have a missing value (rows 2, 6 and 10;" \
        in _message(info)


@pytest.mark.parametrize(("column", "role", "extra"), [
    ("rprice", "outcome", {}), ("age", "covariates", {"covariates": ["age"]}),
    ("w", "weights", {"weights": "w"}), ("nearinc", "treated", {}), ("y81", "post", {}),
])
def test_did_2x2_rejects_infinite_values(kielmc, column, role, extra):
    kielmc["w"] = 1.0
    kielmc[column] = kielmc[column].astype(float)
    kielmc.loc[[4, 20], column] = np.inf
    with pytest.raises(DataError) as info:
        did_2x2(kielmc, **KIELMC, **extra)
    problems = info.value.problems
    assert f"{role}={column!r}: must hold finite numbers; got inf or -inf in 2 of 321 rows " \
           "(rows 5 and 21;" in problems[0]
    assert len(problems) == 1  # not also "must contain only 0 and 1" or "not positive"


def test_did_2x2_rejects_values_too_large_to_estimate_with(kielmc):
    kielmc.loc[3, "rprice"] = 1e308
    with pytest.raises(DataError, match=r"outcome='rprice': must be at most .*\(row 4;.*too "
                                        r"large to estimate with"):
        did_2x2(kielmc, **KIELMC)


# =========================================================== 2. tables without rows
def test_panel_on_an_empty_table_says_it_has_no_rows(mpdta):
    with pytest.raises(DataError) as info:
        Panel(mpdta.iloc[:0], **MPDTA)
    (problem,) = info.value.problems
    assert problem.startswith("data: must have at least one row (one per unit and period); "
                              "got a table with its columns ('year', 'countyreal'")
    assert problem.endswith("but no rows")


def test_panel_on_a_header_without_rows_is_not_called_non_numeric(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("countyreal,year,lemp,first.treat\n")
    with pytest.raises(DataError) as info:
        Panel(pd.read_csv(path), **MPDTA)
    assert "no rows" in _message(info) and "numeric" not in _message(info)
    with pytest.raises(DataError) as info:
        load_table(path)
    assert _message(info) == (f"{path} has a header but no data rows: there is nothing to "
                              "analyse below its column names.")


def test_panel_where_every_row_is_dropped(mpdta):
    mpdta["lemp"] = np.nan
    with pytest.raises(DataError, match=r"missing='drop': no row is left; each of the 2,500 "
                                        r"rows has a missing value"):
        Panel(mpdta, **MPDTA, missing="drop")


def test_did_2x2_on_an_empty_table(kielmc):
    with pytest.raises(DataError, match=r"data: must have at least one row"):
        did_2x2(kielmc.iloc[:0], **KIELMC)


def test_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for read in (load_table, read_columns):
        with pytest.raises(DataError, match=r"empty.csv as csv: the file is empty: it has no "
                                            r"header and no rows"):
            read(empty)
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame({"a": []}).to_excel(writer, sheet_name="header", index=False)
    with pytest.raises(DataError) as info:
        load_table(book, sheet="header")
    assert "book.xlsx, sheet 'header', has a header but no data rows" in _message(info)
    assert "other sheets are 'data'" in _message(info)
    parquet = tmp_path / "none.parquet"
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(parquet)
    with pytest.raises(DataError, match=r"none.parquet has columns but no data rows"):
        load_table(parquet)


# =========================================================== 3. bootstrap settings
@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"n_draws": 0}, "MultiplierBootstrap(n_draws=0): must be an integer >= 10 (999 is "
                    "customary); got 0"),
    ({"n_draws": -3}, "MultiplierBootstrap(n_draws=-3): must be an integer >= 10"),
    ({"n_draws": 999.0}, "got 999.0 (a float)"),
    ({"n_draws": True}, "got True (a bool)"),
    ({"random_state": -1}, "MultiplierBootstrap(random_state=-1): must be None, a "
                           "non-negative integer seed or a numpy Generator; got -1"),
    ({"random_state": 1.5}, "got 1.5 (a float)"),
    ({"cluster": ""}, "MultiplierBootstrap(cluster=''): must be a column name or None; got ''"),
    ({"cluster": 3}, "MultiplierBootstrap(cluster=3): must be a column name or None; got 3"),
    ({"distribution": "normal"}, "MultiplierBootstrap(distribution='normal'): must be one of "
                            "'rademacher', 'mammen'; got 'normal'"),
    ({"distribution": ["mammen"]}, "got a list"),
])
def test_invalid_bootstrap_settings_are_refused_when_created(kwargs, expected):
    with pytest.raises(InputError) as info:
        MultiplierBootstrap(**kwargs)
    assert expected in _message(info)
    assert info.value.message == "Invalid MultiplierBootstrap:"


def test_every_invalid_bootstrap_setting_is_listed():
    with pytest.raises(InputError) as info:
        MultiplierBootstrap(n_draws=0, random_state=-1, cluster="", distribution="normal")
    assert len(info.value.problems) == 4


def test_valid_bootstrap_settings():
    boot = MultiplierBootstrap(n_draws=np.int64(10), random_state=np.random.default_rng(1),
                               cluster="state", distribution="mammen")
    assert boot.problems() == []


# =========================================================== 4. damaged files
def _mpdta_gzip(mpdta: pd.DataFrame) -> bytes:
    return gzip.compress(mpdta.to_csv(index=False).encode())


def test_truncated_gzip(tmp_path, mpdta):
    path = tmp_path / "panel.csv.gz"
    data = _mpdta_gzip(mpdta)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError) as info:
        load_table(path)
    assert _message(info).startswith(f"Cannot read {path} as csv: the file is truncated")
    assert isinstance(info.value.__cause__, EOFError)


def test_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "panel.csv.gz"
    path.write_text("a,b\n1,2\n")
    for read in (load_table, read_columns):
        with pytest.raises(DataError, match=r"panel.csv.gz as csv: it is not a valid gzip file"):
            read(path)


def test_damaged_gzip_data(tmp_path, mpdta):
    path = tmp_path / "panel.csv.gz"
    data = bytearray(_mpdta_gzip(mpdta))
    data[100:110] = bytes(10)
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"panel.csv.gz as csv: it is a damaged gzip file"):
        load_table(path)


@pytest.mark.parametrize("content", ["garbage", "truncated"])
def test_damaged_parquet(tmp_path, mpdta, content):
    path = tmp_path / "panel.parquet"
    mpdta.to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(b"PAR1 not really" if content == "garbage" else data[: len(data) // 2])
    for read in (load_table, read_columns):
        with pytest.raises(DataError) as info:
            read(path)
        assert _message(info).startswith(f"Cannot read {path} as parquet: it is not a valid "
                                         "Parquet file")


@pytest.mark.parametrize("content", ["text", "zip", "truncated"])
def test_damaged_workbook(tmp_path, mpdta, content):
    path = tmp_path / "panel.xlsx"
    mpdta.head(50).to_excel(path, index=False)
    if content == "text":
        path.write_text("this is not a workbook")
    elif content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    else:
        path.write_bytes(path.read_bytes()[:500])
    for read in (load_table, read_columns):
        with pytest.raises(DataError) as info:
            read(path)
        message = _message(info)
        assert message.startswith(f"Cannot read {path} as excel: it is not a valid Excel "
                                  "workbook")
        assert "engine" not in message


def test_file_in_windows_1252(tmp_path):
    # Windows-1252 is detected; stated wrongly, the error says what is wrong and how to fix it
    path = tmp_path / "communes.csv"
    path.write_bytes("commune,année\nAbbécourt,2020\n".encode("cp1252"))
    assert load_table(path)["commune"].tolist() == ["Abbécourt"]
    assert read_columns(path) == ["commune", "année"]
    for read in (load_table, read_columns):
        with pytest.raises(DataError) as info:
            read(path, encoding="utf-8")
        message = _message(info)
        assert message.startswith(f"Cannot read {path} as csv: it is not utf-8 text")
        assert "0xe9" in message and "encoding=..." in message
    assert load_table(path, encoding="cp1252")["commune"].tolist() == ["Abbécourt"]


def test_line_with_too_many_fields(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(DataError, match=r"t.csv as csv: line 3 has 3 fields where the header "
                                        r"has 2"):
        load_table(path)


def test_reader_messages_name_the_file_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError) as info:
        load_table("bad.parquet")
    assert str(tmp_path) not in _message(info)
    assert _message(info).startswith("Cannot read bad.parquet as parquet")


# =========================================================== 5. codes read as numbers
CODES = "code,year,y,g\n01,2000,1.0,0\n1,2000,2.0,0\n02,2000,1.5,2001\n02,2001,1.0,2001\n" \
        "01,2001,1.2,0\n1,2001,2.1,0\n"


def test_codes_read_as_numbers_are_named_when_they_collide(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text(CODES)
    with pytest.raises(DataError) as info:  # read as numbers, as pandas does without help
        Panel(pd.read_csv(path), unit="code", time="year", outcome="y", first_treated="g")
    (problem,) = info.value.problems
    assert "2 unit-period pairs appear on more than one row" in problem
    assert "The column 'code' was read as numbers (dtype int64), so codes like 01 and 1, if " \
           "the file writes both, became equal: territorial codes must be read as text" \
        in problem
    assert "dtype={'code': str}" in problem
    panel = Panel(load_table(path, dtype={"code": str}), unit="code", time="year", outcome="y",
                  first_treated="g")
    assert sorted(panel.units) == ["01", "02", "1"]
    # a column named 'code' is read as text without being told
    assert load_table(path)["code"].tolist() == ["01", "1", "02", "02", "01", "1"]


def test_duplicates_of_text_codes_do_not_blame_numbers(mpdta):
    mpdta["countyreal"] = mpdta["countyreal"].astype(str)
    with pytest.raises(DataError) as info:
        Panel(pd.concat([mpdta, mpdta.iloc[[0]]]), **MPDTA)
    assert "read as numbers" not in _message(info)


# =========================================================== 6. workbooks with several sheets
def test_missing_column_of_a_workbook_says_which_sheet_was_read(tmp_path, mpdta):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Notes": ["Source: INSEE"]}).to_excel(writer, sheet_name="Lisez-moi",
                                                            index=False)
        mpdta.head(20).to_excel(writer, sheet_name="Données", index=False)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Méta", index=False)
    with pytest.raises(DataError) as info:
        load_table(path, columns=["lemp"])
    message = _message(info)
    assert "has no column 'lemp'; its columns are: 'Notes' (read from sheet 'Lisez-moi', the " \
           "first, as no sheet was chosen; the workbook's other sheets are 'Données', 'Méta'" \
        in message
    assert "e.g. sheet='Données' or sheet=1" in message
    assert load_table(path, sheet="Données", columns=["lemp"]).shape == (20, 1)
    header = read_header(path)
    assert (header.sheet, header.sheets) == ("Lisez-moi", ("Lisez-moi", "Données", "Méta"))
    with pytest.raises(DataError, match=r"it has no sheet at position 5 \(positions start at "
                                        r"0\); its 3 sheets are 'Lisez-moi', 'Données', 'Méta'"):
        load_table(path, sheet=5)


def test_semicolon_separated_file_is_recognised_in_the_message(tmp_path, mpdta):
    # detected when reading; stated wrongly, the message says what the file seems to use
    path = tmp_path / "semi.csv"
    mpdta.head(5).to_csv(path, sep=";", index=False)
    assert load_table(path, columns=["lemp"]).shape == (5, 1)
    with pytest.raises(DataError) as info:
        load_table(path, columns=["lemp"], sep=",")
    assert "The file seems to separate its columns with ';', not ','" in _message(info)
    assert "sep=';'" in _message(info)


# =========================================================== 7. text in a numeric column
def test_non_numeric_column_shows_the_bad_values_and_their_rows(mpdta):
    good = mpdta["lemp"].astype(str).iloc[0]
    mpdta["lemp"] = mpdta["lemp"].astype(object)
    mpdta.loc[[7, 30], "lemp"] = "n.d."
    mpdta.loc[9, "lemp"] = "8,5"
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = _message(info)
    assert "outcome='lemp': must be a numeric column; got dtype object, with 3 of 2,500 rows " \
           "holding values that are not numbers: 'n.d.' (rows 8 and 31), '8,5' (row 10)" \
        in message
    assert "decimal=','" in message
    assert good not in message


def test_decimal_commas_read_as_text_in_a_2x2_design(tmp_path, kielmc):
    path = tmp_path / "kielmc.csv"
    kielmc.to_csv(path, sep=";", decimal=",", index=False)
    with pytest.raises(DataError) as info:
        did_2x2(load_table(path, sep=";", decimal="."), **KIELMC)
    assert "outcome='rprice': must be a numeric column" in _message(info)
    assert "decimal=','" in _message(info)
    for frame in (load_table(path, sep=";", decimal=","), load_table(path)):  # stated, detected
        assert did_2x2(frame, **KIELMC).estimate == pytest.approx(
            did_2x2(kielmc, **KIELMC).estimate)


def test_many_distinct_bad_values_are_summarised(mpdta):
    mpdta["year"] = "Y" + mpdta["year"].astype(str)
    with pytest.raises(DataError) as info:
        Panel(mpdta, **MPDTA)
    message = _message(info)
    assert "2,500 of 2,500 rows holding values that are not numbers: 'Y2003' (rows 1, 6, 11 " \
           "and 497 more)" in message


# =========================================================== reading only what is needed
@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz", "t.parquet"])
def test_reading_some_columns_gives_what_a_full_read_gives(tmp_path, mpdta, name):
    path = tmp_path / name
    if name.endswith("parquet"):
        mpdta.to_parquet(path, index=False)
    else:
        mpdta.to_csv(path, index=False)
    narrow = load_table(path, columns=["lemp", "year"], sample={"treat": 1})
    full = load_table(path)
    expected = full.loc[full["treat"] == 1, ["lemp", "year"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(narrow, expected)
    with pytest.raises(DataError, match=r"its columns are: 'year', 'countyreal', 'lpop', "
                                        r"'lemp', 'first.treat', 'treat'"):
        load_table(path, columns=["lemp", "nope"])


def test_no_file_content_beyond_the_offending_values(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("unit,year,y,g\nA,1,SECRET-1,0\nA,2,2.5,0\nB,1,1.0,2\nB,2,oops,2\n")
    with pytest.raises(DataError) as info:
        Panel(load_table(path), unit="unit", time="year", outcome="y", first_treated="g")
    message = _message(info)
    assert "'SECRET-1' (row 1), 'oops' (row 4)" in message
    assert "2.5" not in message and os.sep + "tmp" not in message
