"""A Parquet source given as a file, a folder or a glob: its files, and whether they agree.

A panel too large for memory is often written as a folder of Parquet files (one per
year, per region, or per chunk of a larger export). Engines read them as one table,
which only works when the files hold the same columns with the same types. The check
here reads each file's footer (its schema, a few kilobytes; never its rows) and names
the files that disagree, with each file's column and type.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from evalkit.data.checks import SHOW
from evalkit.data.read_errors import unreadable
from evalkit.errors import DataError

__all__ = ["parquet_files", "check_parquet_schemas", "is_glob", "file_labels"]

_GLOB_CHARACTERS = "*?["


def is_glob(path: str | Path) -> bool:
    """Whether ``path`` is a pattern (``data/*.parquet``, ``data/**/part-?.parquet``)."""
    return any(character in str(path) for character in _GLOB_CHARACTERS)


def parquet_files(path: str | Path) -> list[Path]:
    """The Parquet files of ``path``, sorted by name.

    Parameters
    ----------
    path
        A Parquet file; a folder, whose ``.parquet`` files are all read, in its
        sub-folders too (files whose name starts with ``.`` or ``_``, such as Spark's
        ``_SUCCESS`` or Dask's ``_metadata``, are left out); or a glob pattern such as
        ``"exports/2024-*.parquet"`` (``**`` matches any sub-folders).

    Raises
    ------
    DataError
        Nothing at ``path``, a folder without Parquet files, or a pattern that matches
        no file.
    """
    text = str(path)
    if is_glob(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise DataError(f"Cannot read {text}: no file matches this pattern.")
        return files
    found = Path(text)
    if found.is_file():
        return [found]
    if found.is_dir():
        files = sorted(p for p in found.rglob("*.parquet") if p.is_file() and not any(
            part.startswith((".", "_")) for part in p.relative_to(found).parts))
        if not files:
            raise DataError(f"Cannot read {text}: the folder holds no .parquet file (its "
                            "sub-folders included).")
        return files
    raise DataError(f"Cannot read {text}: no such file or folder.")


def check_parquet_schemas(files: Sequence[Path], columns: Sequence[str]) -> dict[str, str]:
    """Check that ``files`` agree on ``columns``: each is in every file or in none, with
    one type.

    Only the files' footers are read (with pyarrow).

    Parameters
    ----------
    files
        The Parquet files read together as one table.
    columns
        The columns that are used; the others may differ between files.

    Returns
    -------
    dict
        The type of each of ``columns`` found in the files (a pyarrow type name such as
        ``"int64"``, ``"double"`` or ``"string"``).

    Raises
    ------
    DataError
        A file that is not a valid Parquet file; or files that disagree, naming for
        each column concerned the files that lack it, or each type with the files that
        hold it.
    """
    import pyarrow.parquet as pq

    names = file_labels(files)
    types: dict[str, dict[str, list[str]]] = {c: {} for c in columns}  # column -> type -> files
    lacking: dict[str, list[str]] = {c: [] for c in columns}
    for file, name in zip(files, names, strict=True):
        try:
            schema = pq.read_schema(file)
        except Exception as error:  # pyarrow raises several kinds on a damaged footer
            raise unreadable(Path(file), "parquet", error) from None
        for column in columns:
            index = schema.get_field_index(column)
            if index < 0:
                lacking[column].append(name)
            else:
                types[column].setdefault(str(schema.field(index).type), []).append(name)
    problems = []
    for column in columns:
        holding = [n for found in types[column].values() for n in found]
        if lacking[column] and holding:
            problems.append(f"column {column!r} is in {_listed(holding)} but not in "
                            f"{_listed(lacking[column])}")
        if len(types[column]) > 1:
            each = "; ".join(f"{kind} in {_listed(found)}"
                             for kind, found in types[column].items())
            problems.append(f"column {column!r} has different types: {each}")
    if problems:
        raise DataError(f"The {len(files)} Parquet files do not agree on the columns the "
                        "panel uses (each file must hold them with the same types; rewrite "
                        "the files that differ):", problems)
    return {column: next(iter(found)) for column, found in types.items() if found}


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOW])
    more = f" and {len(names) - SHOW} more files" if len(names) > SHOW else ""
    return f"{shown}{more}"


def file_labels(files: Sequence[Path]) -> list[str]:
    """The files' names, relative to the folder they share (enough to tell them apart,
    without a machine's absolute paths)."""
    paths = [Path(f) for f in files]
    if len(paths) == 1:
        return [paths[0].name]
    parents = [p.parent.resolve() for p in paths]
    common = parents[0]
    for parent in parents[1:]:
        while common != parent and common not in parent.parents:
            common = common.parent
    return [str(p.resolve().relative_to(common)) for p in paths]
