"""Files as administrations publish them: separators, decimal marks, thousands, encodings,
title lines, missing-value markers and territorial codes, detected without being told.

Every expected value is written out from the file's text in the test: ``1 234,5`` is
1234.5, ``02001`` stays ``"02001"``.
"""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from evalkit import DataError, load_table
from evalkit.data.code_columns import code_columns, is_code_column
from evalkit.data.io import detect_format, load_table_with_format, read_columns
from evalkit.errors import InputError

ROWS = [("02001", "Abbécourt", "12,5"), ("2A004", "Ajaccio", "0,25"), ("59350", "Lille", "")]


def _write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


# =========================================================== separators
@pytest.mark.parametrize(("separator", "name"), [(",", "t.csv"), (";", "t.csv"),
                                                  ("\t", "t.csv"), ("\t", "t.tsv"),
                                                  (";", "t.txt"), (",", "t.tsv")])
def test_each_separator_is_detected(tmp_path, separator, name):
    path = tmp_path / name
    # a quoted value holding the other separators must not change the count of fields
    _write(path, separator.join(["code", "nom", "y"]) + "\n"
           + "\n".join(separator.join([c, f'"{n}, ; x"', "7"]) for c, n, _ in ROWS) + "\n")
    read = load_table_with_format(path)
    assert read.read_format.separator == separator
    assert read.frame["code"].tolist() == ["02001", "2A004", "59350"]
    assert read.frame["nom"].tolist() == ["Abbécourt, ; x", "Ajaccio, ; x", "Lille, ; x"]
    assert read.frame["y"].tolist() == [7, 7, 7]


# =========================================================== decimals and thousands
@pytest.mark.parametrize(("separator", "values", "expected", "decimal", "thousands"), [
    (";", ["12,5", "0,25", "-3"], [12.5, 0.25, -3.0], ",", None),
    (",", ["12.5", "0.25", "-3"], [12.5, 0.25, -3.0], ".", None),
    (";", ["1 234,5", "12,25", "1 000 000"], [1234.5, 12.25, 1e6], ",", " "),
    (";", ["1\u00a0234,5", "12,25", "1\u00a0000\u00a0000"], [1234.5, 12.25, 1e6], ",", "\u00a0"),
    (";", ["1\u202f234,5", "12,25", "7"], [1234.5, 12.25, 7.0], ",", "\u202f"),
    (";", ["1.234,5", "12,25", "1.000.000"], [1234.5, 12.25, 1e6], ",", "."),
    ("\t", ["1,234.5", "12.25", "1,000,000"], [1234.5, 12.25, 1e6], ".", ","),
    ("\t", ["1 234.5", "12.25", "3"], [1234.5, 12.25, 3.0], ".", " "),
    # '1.234' next to a decimal comma elsewhere: the dot separates thousands
    (";", ["1.234", "2.500", "0,5"], [1234.0, 2500.0, 0.5], ",", "."),
])
def test_each_decimal_and_thousands_combination(tmp_path, separator, values, expected,
                                                decimal, thousands):
    path = tmp_path / "t.csv"
    _write(path, f"commune_code{separator}taux\n" + "".join(
        f"0200{i}{separator}{v}\n" for i, v in enumerate(values)))
    read = load_table_with_format(path)
    assert (read.read_format.decimal, read.read_format.thousands) == (decimal, thousands)
    assert read.frame["taux"].astype(float).tolist() == pytest.approx(expected)
    assert read.frame["commune_code"].tolist() == ["02000", "02001", "02002"]


def test_integers_with_thousands_stay_integers(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "code;population\n02001;1 234\n02002;56\n")
    frame = load_table(path)
    assert frame["population"].tolist() == [1234, 56]
    assert frame["population"].dtype == "int64"


def test_ambiguous_decimal_mark_says_which_column_and_how_to_state_it(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "code;montant;annee\n02001;1.234;2020\n02002;2.500;2021\n")
    with pytest.raises(DataError) as info:
        load_table(path)
    message = str(info.value)
    assert "the decimal mark is ambiguous" in message
    assert "The column 'montant' writes numbers such as '1.234'" in message
    assert 'data.read.decimal: "."' in message and "decimal=','" in message
    with pytest.raises(DataError, match="ambiguous"):
        detect_format(path)
    # stated, either way, and the numbers follow
    assert load_table(path, decimal=",")["montant"].tolist() == [1234, 2500]
    assert load_table(path, decimal=".")["montant"].tolist() == [1.234, 2.5]
    # a comma-separated file writes decimal points: no ambiguity there
    _write(path, "code,montant\n02001,1.234\n02002,2.500\n")
    assert load_table(path)["montant"].tolist() == [1.234, 2.5]


# =========================================================== encodings
@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"),
    ("latin-1", "latin-1")])
def test_each_encoding_is_detected(tmp_path, encoding, expected):
    path = tmp_path / "t.csv"
    # '€' exists in cp1252 only (0x80), '\x81' is a byte cp1252 leaves undefined: Latin-1
    extra = {"cp1252": "€", "latin-1": "\x81"}.get(encoding, "€")
    _write(path, f"code;nom\n02001;Abbécourt{extra}\n", encoding)
    read = load_table_with_format(path)
    assert read.read_format.encoding == expected
    assert read.frame["nom"].tolist() == [f"Abbécourt{extra}"]
    assert read_columns(path) == ["code", "nom"]  # a BOM is not part of the first name


def test_a_later_byte_that_is_not_utf8_falls_back_without_an_error(tmp_path, monkeypatch):
    import evalkit.data.io

    monkeypatch.setattr(evalkit.data.io, "SAMPLE_BYTES", 64)
    path = tmp_path / "t.csv"
    _write(path, "code;nom\n" + "02001;Abbecourt\n" * 10 + "02002;Aizelles é\n", "cp1252")
    assert detect_format(path).encoding == "utf-8"  # the first 64 bytes are plain ASCII
    read = load_table_with_format(path)
    assert read.read_format.encoding == "cp1252"
    assert read.frame["nom"].iloc[-1] == "Aizelles é"


# =========================================================== title lines, markers
def test_title_lines_above_the_header_are_skipped(tmp_path):
    path = tmp_path / "insee.csv"
    _write(path, "Taux de pauvreté en 2020\nSource : Insee, Filosofi\n\nChamp : communes;;\n"
                 "CODGEO;LIBGEO;TP60\n02001;Abbécourt;12,5\n2A004;Ajaccio;20,1\n", "cp1252")
    read = load_table_with_format(path)
    assert read.read_format.header_row == 5 and read.read_format.title_rows == 4
    assert read.frame.columns.tolist() == ["CODGEO", "LIBGEO", "TP60"]
    assert read.frame["CODGEO"].tolist() == ["02001", "2A004"]
    assert read.frame["TP60"].tolist() == [12.5, 20.1]
    assert read_columns(path) == ["CODGEO", "LIBGEO", "TP60"]


def test_missing_value_markers_leave_numeric_columns_numeric(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "code;a;b;c;nom\n01001;s;1,5;nd;x\n01002;2;n.d.;secret;-\n01003;3;-;;S\n"
                 "01004;4;2,5;12;y\n")
    frame = load_table(path)
    assert frame["a"].tolist()[1:] == [2, 3, 4] and pd.isna(frame["a"].iloc[0])
    assert frame["b"].iloc[[0, 3]].tolist() == [1.5, 2.5] and frame["b"].iloc[1:3].isna().all()
    assert frame["c"].iloc[3] == 12 and frame["c"].iloc[:3].isna().all()
    assert frame["nom"].tolist() == ["x", "-", "S", "y"]  # a text column keeps its values
    # other markers stated: 's' is then a value, and the column stays text
    stated = load_table(path, missing=["nd"])
    assert stated["a"].tolist() == ["s", "2", "3", "4"]


def test_a_marker_far_below_the_sample_still_reads_as_missing(tmp_path, monkeypatch):
    import evalkit.data.io

    monkeypatch.setattr(evalkit.data.io, "SAMPLE_BYTES", 40)
    path = tmp_path / "t.csv"
    _write(path, "code;y\n" + "01001;1,5\n" * 20 + "01002;secret\n")
    frame = load_table(path)
    assert frame["y"].iloc[:20].tolist() == [1.5] * 20 and pd.isna(frame["y"].iloc[20])


# =========================================================== stated options win
def test_stated_options_override_detection(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "titre\ncode;y;siret\n01001;1,5;123\n01002;2,5;045\n")
    read = load_table_with_format(path, sep=";", decimal=",", encoding="utf-8",
                                  header_row=2, text_columns=["siret"])
    assert read.read_format.stated == {"separator", "decimal", "encoding", "header_row",
                                       "text_columns"}
    assert read.read_format.detected == ("thousands", "missing", "sheet")
    assert read.frame["siret"].tolist() == ["123", "045"]
    assert read.frame["y"].tolist() == [1.5, 2.5]
    # a wrong statement is obeyed: the header line stated is 'titre'
    assert load_table(path, sep=";", header_row=1).columns.tolist()[0] == "titre"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"header_row": 0}, "header_row=0: must be the line"),
    ({"missing": "s"}, "missing='s': must be a list of texts"),
    ({"text_columns": [1]}, "text_columns=[1]: must be a list of texts"),
    ({"encoding": "klingon"}, "encoding='klingon': must be an encoding"),
])
def test_invalid_read_options(tmp_path, kwargs, expected):
    path = tmp_path / "t.csv"
    _write(path, "a,b\n1,2\n")
    with pytest.raises(InputError, match=re.escape(expected)):
        load_table(path, **kwargs)


# =========================================================== territorial codes
@pytest.mark.parametrize(("name", "is_code"), [
    ("commune_code", True), ("code_commune", True), ("CODGEO", True), ("depcom", True),
    ("DEP", True), ("reg", True), ("epci", True), ("epci_code", True), ("siren_epci", True),
    ("nis_code", True), ("CD_REFNIS", True), ("refnis", True), ("insee", True),
    ("CodeInsee", True), ("year", False), ("population", False), ("commune_nom", False),
    ("departement", False), ("encode", False), ("episode", False), (3, False)])
def test_code_column_names(name, is_code):
    assert is_code_column(name) is is_code


def test_shipped_codes_keep_their_leading_zeros():
    frame = load_table("data/hauts_de_france_indicators.csv", columns=[
        "commune_code", "departement_code", "epci_code", "commune_nom"])
    abbecourt = frame.loc[frame["commune_nom"] == "Abbécourt"].iloc[0]
    assert (abbecourt["commune_code"], abbecourt["departement_code"]) == ("02001", "02")
    assert abbecourt["epci_code"] == "200071785"
    assert code_columns(frame.columns) == ("commune_code", "departement_code", "epci_code")


# =========================================================== Excel
def _book(path, title_block: bool = True) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Données"
    if title_block:
        sheet["A1"] = "Population des communes"
        sheet.merge_cells("A1:C1")
        sheet["A2"] = "Source : Insee"
    sheet.append(["commune_code", "nom", "population"])
    sheet.append(["02001", "Abbécourt", 534])
    sheet.append(["2A004", "Ajaccio", "s"])
    sheet.append([1001, "Abergement", 776])  # a code the spreadsheet stored as a number
    book.create_sheet("Notes")["A1"] = "notes"
    book.save(path)


def test_excel_title_block_is_skipped_and_codes_are_text(tmp_path):
    path = tmp_path / "communes.xlsx"
    _book(path)
    read = load_table_with_format(path)
    assert read.read_format.header_row == 3  # rows 1-2: the title block
    assert read.frame.columns.tolist() == ["commune_code", "nom", "population"]
    assert read.frame["commune_code"].tolist() == ["02001", "2A004", "1001"]
    assert read.frame["population"].iloc[[0, 2]].tolist() == [534, 776]
    assert pd.isna(read.frame["population"].iloc[1])  # 's': a missing-value marker
    assert read_columns(path) == ["commune_code", "nom", "population"]
    assert load_table(path, header_row=1).columns[0] == "Population des communes"


def test_excel_missing_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "communes.xlsx"
    _book(path, title_block=False)
    assert load_table(path, sheet="Données").shape == (3, 3)
    with pytest.raises(DataError) as info:
        load_table(path, sheet="Data")
    assert "it has no sheet 'Data'; its sheets are 'Données', 'Notes'" in str(info.value)
