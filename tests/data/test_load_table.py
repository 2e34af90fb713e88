"""load_table: CSV, Parquet and Excel files in, a fresh DataFrame out; clear errors otherwise."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit import DataError, load_table
from evalkit.data import SUPPORTED_SUFFIXES, file_sha256
from evalkit.errors import InputError

TABLE = pd.DataFrame({
    "code": ["01001", "02002", "2A004", "59350"],
    "year": [2019, 2019, 2020, 2020],
    "value": [0.5, 1.25, -3.0, 10.0],
    "ky": [1, 0, 1, 0],
})


def _write(frame: pd.DataFrame, path) -> None:
    name = str(path)
    if name.endswith(".parquet") or name.endswith(".pq"):
        frame.to_parquet(path, index=False)
    elif name.endswith((".xlsx", ".xlsm")):
        frame.to_excel(path, index=False)
    elif name.endswith(".tsv"):
        frame.to_csv(path, sep="\t", index=False)
    else:
        frame.to_csv(path, index=False)


@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz", "t.txt", "t.tsv", "t.parquet", "t.pq",
                                  "t.xlsx", "T.CSV"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    _write(TABLE, path)
    text_format = not name.endswith((".parquet", ".pq"))
    # text formats need to be told that codes are text, to keep their leading zeros
    frame = load_table(path, dtype={"code": str}) if text_format else load_table(path)
    pd.testing.assert_frame_equal(frame, TABLE, check_dtype=False)
    assert frame["code"].tolist() == ["01001", "02002", "2A004", "59350"]
    assert isinstance(frame.index, pd.RangeIndex)


def test_excel_sheet_by_name_and_position(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        TABLE.to_excel(writer, sheet_name="first", index=False)
        TABLE.assign(value=TABLE["value"] * 2).to_excel(writer, sheet_name="second", index=False)
    assert load_table(path)["value"].tolist() == TABLE["value"].tolist()
    assert load_table(path, sheet="second")["value"].tolist() == (TABLE["value"] * 2).tolist()
    assert load_table(path, sheet=1)["value"].tolist() == (TABLE["value"] * 2).tolist()
    with pytest.raises(DataError, match=r"Cannot read .*book.xlsx as excel: .*'third'"):
        load_table(path, sheet="third")


def test_sample_filter_and_columns(tmp_path):
    path = tmp_path / "t.csv"
    _write(TABLE, path)
    kentucky = load_table(path, sample={"ky": 1})
    assert kentucky["value"].tolist() == [0.5, -3.0]
    assert list(kentucky.index) == [0, 1]  # fresh RangeIndex
    several = load_table(path, sample={"year": [2020], "ky": (0, 1)}, columns=["value"])
    assert list(several.columns) == ["value"]
    assert several["value"].tolist() == [-3.0, 10.0]


def test_read_options_are_passed_to_pandas(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b\n1,5;2\n3,0;4\n")
    frame = load_table(path, sep=";", decimal=",")
    assert frame["a"].tolist() == [1.5, 3.0]


def test_unsupported_extension(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{}")
    with pytest.raises(DataError) as info:
        load_table(path)
    message = str(info.value)
    assert "t.json: unsupported file extension" in message
    for suffix in (".csv", ".parquet", ".xlsx"):
        assert suffix in message


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope.csv: the file does not exist"):
        load_table(tmp_path / "nope.csv")


def test_missing_requested_column_lists_the_columns(tmp_path):
    path = tmp_path / "t.csv"
    _write(TABLE, path)
    with pytest.raises(DataError) as info:
        load_table(path, columns=["value", "population"], sample={"state": "KY"})
    message = str(info.value)
    assert "has no column 'population', 'state'" in message
    assert "its columns are: 'code', 'year', 'value', 'ky'" in message


def test_sample_that_keeps_nothing(tmp_path):
    path = tmp_path / "t.csv"
    _write(TABLE, path)
    with pytest.raises(DataError, match=r"no row is left after keeping only \{'ky': 7\}"):
        load_table(path, sample={"ky": 7})


def test_unparseable_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_text("this is not a parquet file")
    with pytest.raises(DataError, match=r"Cannot read .*broken.parquet as parquet"):
        load_table(path)


def test_supported_suffixes_are_documented():
    assert set(SUPPORTED_SUFFIXES.values()) == {"csv", "tsv", "parquet", "excel"}
    doc = load_table.__doc__
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in doc


def test_file_sha256(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # SHA-256("abc"), FIPS 180-2, Appendix B.1
    assert file_sha256(path) == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    with pytest.raises(InputError, match=r"path=.*must be an existing file"):
        file_sha256(tmp_path / "nope")


@pytest.mark.parametrize("header", [
    "a,b,c", "\ufeffyear,\"name, long\",x", "a,a,b,a.1,a", "ünïcode,é", "single",
])
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".csv.gz"])
def test_read_columns_names_columns_as_pandas_does(tmp_path, header, suffix):
    import gzip

    from evalkit.data.io import read_columns

    text = header.replace(",", "\t") if suffix == ".tsv" else header
    text += "\n" + ("1\t" if suffix == ".tsv" else "1,") * (header.count(",")) + "1\n"
    path = tmp_path / f"table{suffix}"
    if suffix.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    expected = [str(c) for c in pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",",
                                            nrows=0).columns]
    assert read_columns(path) == expected


def test_checking_a_params_file_does_not_import_pandas():
    # Report processes check params before their kernel is ready: pandas would add
    # about 0.4 s to every report for nothing.
    import subprocess
    import sys

    code = ("import sys; import evalkit.reports.run.execute, evalkit.data.io; "
            "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
