"""The files of a Parquet folder, and the check that they agree on their columns' types."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit.data.parquet_files import check_parquet_schemas, parquet_files
from evalkit.errors import DataError, InputError


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns or {"id": [1, 2], "y": [0.5, 1.5]})


def test_a_folder_lists_its_parquet_files_recursively_in_order(tmp_path):
    (tmp_path / "2002").mkdir()
    frame().to_parquet(tmp_path / "b.parquet")
    frame().to_parquet(tmp_path / "2002" / "a.pq")
    frame().to_parquet(tmp_path / "_metadata.parquet")  # written beside the data by Spark/Dask
    (tmp_path / ".hidden").mkdir()
    frame().to_parquet(tmp_path / ".hidden" / "c.parquet")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / "notes.txt").write_text("not data")
    assert parquet_files(tmp_path) == [tmp_path / "2002" / "a.pq", tmp_path / "b.parquet"]
    assert parquet_files(tmp_path / "b.parquet") == [tmp_path / "b.parquet"]


def test_no_file_or_no_parquet_file(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        parquet_files(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("not data")
    with pytest.raises(DataError, match="holds no Parquet file"):
        parquet_files(tmp_path)


def test_files_that_agree_give_each_column_type(tmp_path):
    for name in ("a", "b"):
        frame().to_parquet(tmp_path / f"{name}.parquet", index=False)
    # large_string and string hold the same values: not a disagreement
    pq.write_table(pa.table({"id": pa.array([3], pa.int64()), "y": [2.5],
                             "name": pa.array(["x"], pa.large_string())}), tmp_path / "c.parquet")
    files = parquet_files(tmp_path)
    assert check_parquet_schemas(files, ["id", "y"]) == {"id": "int64", "y": "double"}
    # a column in no file is left to the caller (who lists the columns there are)
    assert check_parquet_schemas(files, ["id", "absent"]) == {"id": "int64"}


def test_files_that_disagree_are_named_with_their_types(tmp_path):
    frame().to_parquet(tmp_path / "a.parquet", index=False)
    frame(id=["1", "2"], y=[0.5, 1.5]).to_parquet(tmp_path / "b.parquet", index=False)
    frame(id=[3, 4]).to_parquet(tmp_path / "c.parquet", index=False)  # no y
    with pytest.raises(DataError) as error:
        check_parquet_schemas(parquet_files(tmp_path), ["id", "y"])
    assert error.value.problems == (
        "column 'id': int64 in 2 files: a.parquet, c.parquet; string in b.parquet",
        "column 'y': double in 2 files: a.parquet, b.parquet; missing in c.parquet")
    assert str(tmp_path.resolve()) in error.value.message  # the folder, named once
    # columns=None: every column of every file
    with pytest.raises(DataError, match="column 'id'"):
        check_parquet_schemas(parquet_files(tmp_path), None)


def test_a_file_that_is_not_parquet_is_named(tmp_path):
    frame().to_parquet(tmp_path / "a.parquet", index=False)
    (tmp_path / "b.parquet").write_bytes(b"id,y\n1,0.5\n")  # a CSV with the wrong name
    with pytest.raises(DataError) as error:
        check_parquet_schemas(parquet_files(tmp_path), ["id"])
    (problem,) = error.value.problems
    assert problem.startswith("b.parquet: not a readable Parquet file (")
