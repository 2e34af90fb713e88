"""DuckDBPanel refuses what Panel refuses, with Panel's messages, found by SQL.

For a pandas source the rows are counted as Panel counts them, so the whole error must be
Panel's, word for word (only the name of a column's type differs: DuckDB's ``VARCHAR``
for pandas' ``object``). Parquet sources name the file and the row in it; sources that
number no rows (a relation) name the unit and period.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit import DataError, InputError, Panel
from evalkit.data.duckdb_panel import DuckDBPanel
from tests.data.engine_panels import random_panel

FIRST = {"unit": "unit", "time": "year", "outcome": "y", "first_treated": "g"}
TREATMENT = {"unit": "unit", "time": "year", "outcome": "y", "treatment": "D"}


def _error(build, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        build(*args, **kwargs).close()
    return info.value


def _typeless(text: str) -> str:
    return re.sub(r"dtype [^\s,)]+", "dtype T", text)


def assert_panel_error(frame: pd.DataFrame, **roles) -> InputError:
    """DuckDBPanel raises Panel's error (same class, heading and problems)."""
    expected = _error(Panel, frame, **roles)
    got = _error(DuckDBPanel, frame, **roles)
    assert type(got) is type(expected)
    assert got.message == expected.message
    assert [_typeless(p) for p in got.problems] == [_typeless(p) for p in expected.problems]
    return got


def _frame(seed: int = 1, **options) -> pd.DataFrame:
    return random_panel(seed, units=30, text_units=True, **options)


# --------------------------------------------------------------------------- the description
@pytest.mark.parametrize("roles", [
    {"unit": "unit", "time": "year", "outcome": "y"},
    {**FIRST, "treatment": "D"},
    {**FIRST, "unit": "", "missing": "skip"},
])
def test_description_errors(roles):
    error = assert_panel_error(_frame(), **roles)
    assert error.message == "Invalid panel description:"


def test_missing_columns_list_the_columns_there_are():
    error = assert_panel_error(_frame(), **{**FIRST, "outcome": "emp"}, covariates=["pop"])
    assert error.problems[0].startswith("outcome='emp': no such column in the data; the "
                                        "columns are: 'unit', 'year', 'y', 'g', 'w', 'region'")
    assert "__evalkit" not in str(error)  # the row numbers evalkit adds are not the data's


def test_no_rows():
    error = assert_panel_error(_frame().iloc[:0], **FIRST)
    assert "must have at least one row" in error.problems[0]


def test_block_units_must_be_positive():
    with pytest.raises(InputError, match=r"block_units=0: must be a positive whole number"):
        DuckDBPanel(_frame(), **FIRST, block_units=0)


# --------------------------------------------------------------------------- row checks
def test_values_that_are_not_numbers_are_shown_with_their_rows():
    frame = _frame()
    frame["y"] = frame["y"].round(2).astype(str)
    frame.loc[[3, 8, 9], "y"] = ["1,5", "n/a", "1,5"]
    error = assert_panel_error(frame, **FIRST)
    assert ("outcome='y': must be a numeric column; got dtype VARCHAR, with 3 of 150 rows "
            "holding values that are not numbers: '1,5' (rows 4 and 10), 'n/a' (row 9)") \
        in error.problems[0]  # rows counted from 1: positions 3, 9 and 8
    assert "decimal comma" in error.problems[0]


def test_numbers_stored_as_text_and_dates():
    frame = _frame()
    frame["y"] = frame["y"].astype(str)
    error = assert_panel_error(frame, **FIRST)
    assert "(numbers stored as text, values such as" in error.problems[0]
    frame["year"] = pd.to_datetime(frame["year"].astype(str) + "-01-01")
    error = _error(DuckDBPanel, frame, **FIRST)  # DuckDB writes the time of day too
    first = frame.loc[0, "year"].strftime("%Y-%m-%d 00:00:00")
    assert error.problems[1].startswith("time='year': must be a numeric column; got dtype "
                                        f"TIMESTAMP (dates, values such as ['{first}', ")
    assert error.problems[1].endswith("]); use a number such as the year")


def test_missing_values_are_counted_with_their_first_rows():
    frame = _frame()
    frame.loc[[1, 5, 9], "y"] = np.nan
    frame["region"] = frame["region"].astype(object)
    frame.loc[[0, 2, 4, 6, 8, 10, 12], "region"] = None
    error = assert_panel_error(frame, **FIRST, cluster="region")
    assert error.problems[0] == (
        "outcome='y': 3 of 150 rows have a missing value (rows 2, 6 and 10; data row 1 is "
        "the first row after the header; drop them first, or pass missing='drop')")
    assert error.problems[1].startswith("cluster='region': 7 of 150 rows have a missing value "
                                        "(rows 1, 3, 5, 7, 9 and 2 more;")


def test_nothing_left_after_dropping_missing_rows():
    frame = _frame()
    frame["w"] = np.nan
    assert_panel_error(frame, **FIRST, weights="w", missing="drop")


def test_infinite_too_large_and_non_positive_values():
    frame = _frame()
    frame.loc[[2, 7], "y"] = [np.inf, -np.inf]
    frame.loc[4, "x0"] = 1e160
    frame.loc[[0, 1, 6], "w"] = [0.0, -1.0, 0.0]
    error = assert_panel_error(frame, **FIRST, covariates=["x0"], weights="w")
    assert [p.split(":")[0] for p in error.problems] == [
        "outcome='y'", "covariates='x0'", "weights='w'"]
    assert "got inf or -inf in 2 of 150 rows (rows 3 and 8;" in error.problems[0]
    assert "got values up to 1e+160 in 1 of 150 rows (row 5;" in error.problems[1]
    assert "must be strictly positive; 3 rows are not (rows 1, 2 and 7;" in error.problems[2]


def test_treatment_other_than_zero_and_one():
    frame = _frame()
    frame.loc[[0, 1], "D"] = [2, 7]
    error = assert_panel_error(frame, **TREATMENT)
    assert error.problems == ("treatment='D': must contain only 0 and 1; got values such as "
                              "[2, 7]",)


# --------------------------------------------------------------------------- unit checks
def test_duplicate_unit_period_pairs():
    frame = _frame()
    error = assert_panel_error(pd.concat([frame, frame.iloc[[0, 5, 5]]]), **FIRST)
    pairs = [f"({frame.loc[i, 'unit']!r}, {frame.loc[i, 'year']})" for i in (0, 5)]
    # row 0 twice and row 5 three times: 2 pairs on 2 + 3 rows
    assert "2 unit-period pairs appear on more than one row (5 rows), e.g. " in \
        error.problems[0]
    assert all(pair in error.problems[0] for pair in pairs)


def test_duplicates_of_numeric_units_say_codes_may_have_been_read_as_numbers():
    frame = random_panel(2, units=30)
    error = _error(DuckDBPanel, pd.concat([frame, frame.iloc[[0]]]), **FIRST)
    assert "1 unit-period pairs appear on more than one row (2 rows)" in error.problems[0]
    assert "The column 'unit' was read as numbers (dtype BIGINT)" in error.problems[0]


def test_duplicates_spread_over_two_parquet_files(tmp_path):
    frame = _frame()
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "a.parquet")
    pq.write_table(pa.Table.from_pandas(frame.iloc[[7]], preserve_index=False),
                   folder / "b.parquet")
    error = _error(DuckDBPanel, folder, **FIRST)
    pair = f"({frame.loc[7, 'unit']!r}, {frame.loc[7, 'year']})"
    assert ("unit='unit', time='year': 1 unit-period pairs appear on more than one row "
            f"(2 rows), e.g. {pair}; the panel needs one row per unit and period") \
        == error.problems[0]


def test_first_treated_changing_within_a_unit_and_a_duplicate_together():
    frame = _frame()
    treated = frame.index[frame["g"] == frame["year"].min() + 2][0]
    frame.loc[treated, "g"] = 0
    error = assert_panel_error(pd.concat([frame, frame.iloc[[3]]]), **FIRST)
    assert len(error.problems) == 2
    assert "must be the same on every row of a unit; it changes within 1 units, e.g. " \
           f"{frame.loc[treated, 'unit']!r}" in error.problems[1]


def test_treatment_switching_off():
    frame = _frame()
    on = frame.index[(frame["D"] == 1) & (frame["year"] == frame["year"].max())][:2]
    frame.loc[on, "D"] = 0
    error = assert_panel_error(frame, **TREATMENT)
    assert "must be absorbing (once 1, a unit stays treated), but it switches back to 0 in " \
           "2 units" in error.problems[0]


def test_cluster_changing_within_a_unit():
    frame = _frame()
    unit = frame.loc[0, "unit"]
    frame.loc[(frame["unit"] == unit).to_numpy().nonzero()[0][:1], "region"] = "elsewhere"
    error = _error(DuckDBPanel, frame, **FIRST, cluster="region")
    assert isinstance(error, DataError)
    assert error.problems == (f"cluster='region': must be constant within each unit (units are "
                              f"the draws of a panel); it changes within 1 units, e.g. "
                              f"{unit!r}",)


# --------------------------------------------------------------------------- the design
def test_no_treated_unit_with_units_treated_after_the_end():
    frame = _frame()
    frame["g"] = np.where(frame["g"] > 0, frame["year"].max() + 3, 0)
    error = assert_panel_error(frame, **FIRST)
    assert "no unit is treated during the observed periods (" in error.problems[0]


@pytest.mark.parametrize("case", ["no pre-period", "same period", "never untreated"])
def test_designs_without_comparison(case):
    frame = _frame()
    first = frame["year"].min()
    if case == "no pre-period":
        frame["g"] = np.where(frame["g"] > 0, first, 0)
    elif case == "same period":
        frame["g"] = first + 2
    else:
        frame["g"] = np.where(frame["unit"] < "u5", first - 1, first)
    error = assert_panel_error(frame, **FIRST)
    assert error.message == "The data do not support a difference-in-differences design:"


def test_no_treated_unit_with_a_treatment_column():
    frame = _frame()
    frame["D"] = 0
    assert_panel_error(frame, **TREATMENT)


# --------------------------------------------------------------------------- sources
def test_rows_of_parquet_files_are_named_by_file_and_row(tmp_path):
    frame = _frame()
    frame.loc[[1, 120], "y"] = np.nan
    frame.loc[121, "x0"] = np.inf
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate([slice(0, 100), slice(100, 150)]):
        pq.write_table(pa.Table.from_pandas(frame.iloc[rows], preserve_index=False),
                       folder / f"part-{i}.parquet")
    error = _error(DuckDBPanel, folder, **FIRST)
    assert error.problems == (
        "outcome='y': 2 of 150 rows have a missing value (row 2 of part-0.parquet, row 21 of "
        "part-1.parquet; row 1 is the first row of its file; drop them first, or pass "
        "missing='drop')",)
    error = _error(DuckDBPanel, folder / "part-1.parquet", **FIRST, covariates=["x0"],
                   missing="drop")
    assert "(row 22 of part-1.parquet; row 1 is the first row of its file)" in \
        error.problems[0]


def test_rows_of_a_relation_are_named_by_unit_and_period():
    frame = _frame()
    frame.loc[[4], "y"] = np.nan
    relation = duckdb.sql("SELECT * FROM frame")
    error = _error(DuckDBPanel, relation, **FIRST)
    assert error.problems == (
        f"outcome='y': 1 of 150 rows have a missing value (row ({frame.loc[4, 'unit']!r}, "
        f"{frame.loc[4, 'year']}); rows are named by their unit and period: the data number "
        "no rows; drop them first, or pass missing='drop')",)


def test_a_database_file_needs_an_existing_table(tmp_path):
    path = tmp_path / "data.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE panel AS SELECT 1 AS unit")
        con.execute("CREATE TABLE other AS SELECT 1 AS unit")
    with pytest.raises(InputError, match=r"table=None: .* \(the tables of data.duckdb: "
                                         r"'other', 'panel'\)"):
        DuckDBPanel(path, **FIRST)
    with pytest.raises(DataError, match=r"it has no table 'panels'; its tables are: 'other', "
                                        r"'panel'"):
        DuckDBPanel(path, **FIRST, table="panels")
    with pytest.raises(DataError, match=r"the file does not exist"):
        DuckDBPanel(tmp_path / "nothing.duckdb", **FIRST, table="panel")


@pytest.mark.parametrize(("source", "error", "pattern"), [
    ({"unit": [1]}, InputError, r"source: must be a DuckDB relation; a path to a Parquet file.*"
                                r"got dict"),
    ("missing-folder", DataError, r"missing-folder: no such file or folder"),
    ("empty", DataError, r"the folder holds no \.parquet file"),
    ("empty/*.parquet", DataError, r"no file matches this pattern"),
    ("table.csv", InputError, r"got a \.csv file \(read it with evalkit\.load_table"),
])
def test_sources_that_cannot_be_read(source, error, pattern, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "table.csv").write_text("unit,year\n1,2000\n")
    with pytest.raises(error, match=pattern):
        DuckDBPanel(source, **FIRST)
    with pytest.raises(InputError, match=r"table='panel': only for a DuckDB database file"):
        DuckDBPanel(_frame(), **FIRST, table="panel")
