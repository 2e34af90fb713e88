"""A Parquet source's files, and the check that they agree on the columns used."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit import DataError
from evalkit.data.parquet_files import check_parquet_schemas, file_labels, parquet_files


def _write(path, **columns) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


def test_a_folder_is_read_with_its_sub_folders_without_hidden_files(tmp_path):
    for name in ("b.parquet", "a.parquet", "2024/c.parquet", "_tmp/d.parquet", ".e.parquet"):
        _write(tmp_path / name, x=[1])
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert parquet_files(tmp_path) == [tmp_path / "2024/c.parquet", tmp_path / "a.parquet",
                                       tmp_path / "b.parquet"]
    assert parquet_files(str(tmp_path / "a.parquet")) == [tmp_path / "a.parquet"]
    assert parquet_files(str(tmp_path / "*.parquet")) == [  # a glob leaves .e.parquet out too
        tmp_path / "a.parquet", tmp_path / "b.parquet"]
    assert parquet_files(str(tmp_path / "**" / "c.parquet")) == [tmp_path / "2024/c.parquet"]
    assert file_labels(parquet_files(tmp_path)) == ["2024/c.parquet", "a.parquet", "b.parquet"]


def test_nothing_to_read(tmp_path):
    with pytest.raises(DataError, match=r"Cannot read .*nowhere: no such file or folder"):
        parquet_files(tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"the folder holds no \.parquet file"):
        parquet_files(tmp_path)
    with pytest.raises(DataError, match=r"no file matches this pattern"):
        parquet_files(str(tmp_path / "*.parquet"))


def test_files_that_agree_give_the_types(tmp_path):
    _write(tmp_path / "a.parquet", unit=[1], y=[1.0], extra=["a"])
    _write(tmp_path / "b.parquet", unit=[2], y=[2.0])  # an unused column may be missing
    files = parquet_files(tmp_path)
    assert check_parquet_schemas(files, ["unit", "y", "absent"]) == {"unit": "int64",
                                                                     "y": "double"}


def test_files_that_disagree_are_named_with_their_columns_and_types(tmp_path):
    _write(tmp_path / "a.parquet", unit=[1], y=[1.0], w=[1.0])
    _write(tmp_path / "b.parquet", unit=[2], y=[2], w=[1.0])
    _write(tmp_path / "c.parquet", unit=["3"], y=[3])
    with pytest.raises(DataError) as info:
        check_parquet_schemas(parquet_files(tmp_path), ["unit", "y", "w"])
    assert info.value.message.startswith("The 3 Parquet files do not agree on the columns")
    assert info.value.problems == (
        "column 'unit' has different types: int64 in a.parquet, b.parquet; string in "
        "c.parquet",
        "column 'y' has different types: double in a.parquet; int64 in b.parquet, c.parquet",
        "column 'w' is in a.parquet, b.parquet but not in c.parquet",
    )


def test_a_damaged_footer(tmp_path):
    (tmp_path / "a.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match=r"Cannot read .*a\.parquet as parquet: it is not a "
                                        r"valid Parquet file"):
        check_parquet_schemas([tmp_path / "a.parquet"], ["unit"])
