"""The files of a Parquet dataset, and whether they agree on their columns and types.

A panel larger than memory is often stored as a folder of Parquet files written in
several goes (one per year, per region, per export). An engine reads them as one table,
so they must hold the same columns with the same types: a column written as integers in
one file and as text in another, or missing from a file, is reported here, naming the
files on each side, before any row is read. Only the files' footers are read (their
schemas, with pyarrow), which takes milliseconds whatever the files' sizes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from evalkit.errors import DataError, InputError

__all__ = ["PARQUET_SUFFIXES", "parquet_files", "check_parquet_schemas"]

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_SHOW = 5  # files listed on each side of a disagreement


def parquet_files(path: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files of ``path``: the file itself, or those of a folder (recursive).

    In a folder, files ending in ``.parquet``, ``.pq`` or ``.parq`` are taken, in sorted
    order; hidden files and those starting with ``_`` (``_SUCCESS``, ``_metadata``,
    written by Spark and Dask beside the data) are left out.

    Raises
    ------
    InputError
        ``path`` does not exist.
    DataError
        A folder holding no Parquet file.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise InputError(f"source={str(path)!r}: must be a Parquet file or a folder of Parquet "
                         f"files; no such file or folder")
    files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in PARQUET_SUFFIXES
                   and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts))
    if not files:
        raise DataError(f"The folder {str(p)!r} holds no Parquet file (files ending in "
                        f"{', '.join(PARQUET_SUFFIXES)}); write the data there as Parquet, or "
                        "give the path of one file")
    return files


def check_parquet_schemas(files: Sequence[str | os.PathLike[str]],
                          columns: Iterable[str] | None = None) -> dict[str, str]:
    """Check that Parquet files agree on the type of each of ``columns``.

    Each file's schema is read from its footer (no rows are read). A column missing from
    some files but not from others, or stored with different types, is a problem naming
    the files on each side; every problem is reported at once. A column missing from
    every file is left to the caller, who knows which columns exist.

    Parameters
    ----------
    files
        The Parquet files (e.g. from :func:`parquet_files`).
    columns
        The columns to compare; ``None`` compares every column.

    Returns
    -------
    dict
        The Arrow type of each column found, as text (``"int64"``, ``"string"``), in the
        order of the first file.

    Raises
    ------
    DataError
        A file that is not a readable Parquet file, or files that disagree.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = [Path(f) for f in files]
    names = _short_names(paths)
    schemas: dict[str, dict[str, str]] = {}
    unreadable = []
    for path, name in zip(paths, names, strict=True):
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as error:
            unreadable.append(f"{name}: not a readable Parquet file ({_reason(error)})")
            continue
        schemas[name] = {field.name: _kind(field.type) for field in schema}
    if unreadable:
        raise DataError(f"Cannot read the schema of {len(unreadable)} of the {len(paths)} "
                        f"Parquet files of {_where(paths)}:", unreadable)
    wanted = list(dict.fromkeys(
        c for schema in schemas.values() for c in schema)) if columns is None else list(columns)
    problems = []
    types: dict[str, str] = {}
    for column in wanted:
        sides: dict[str, list[str]] = {}
        for name, schema in schemas.items():
            sides.setdefault(schema.get(column, ""), []).append(name)
        if list(sides) == [""]:
            continue  # in no file: the caller reports it with the columns that exist
        if len(sides) == 1:
            types[column] = next(iter(sides))
            continue
        shown = "; ".join(f"{_as_type(kind)} in {_listed(holders)}"
                          for kind, holders in sorted(sides.items(), key=lambda s: -len(s[1])))
        problems.append(f"column {column!r}: {shown}")
    if problems:
        raise DataError(
            f"The Parquet files of {_where(paths)} do not agree on their columns' types, so "
            "they cannot be read as one table; rewrite the files that differ with the same "
            "columns and types:", problems)
    return types


def _kind(arrow_type: object) -> str:
    """An Arrow type as text; the 64-bit-offset variants (``large_string``) are the same
    values as their plain forms and read alike."""
    return str(arrow_type).replace("large_", "")


def _as_type(kind: str) -> str:
    return "missing" if kind == "" else kind


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOW])
    more = len(names) - _SHOW
    count = f"{len(names)} files: " if len(names) > 1 else ""
    return f"{count}{shown}" + (f" and {more} more" if more > 0 else "")


def _short_names(paths: list[Path]) -> list[str]:
    """Each file as the user finds it: its path inside the folder they share."""
    if len(paths) == 1:
        return [paths[0].name]
    try:
        common = Path(os.path.commonpath([p.resolve() for p in paths]))
        return [p.resolve().relative_to(common).as_posix() for p in paths]
    except ValueError:  # different drives
        return [str(p) for p in paths]


def _where(paths: list[Path]) -> str:
    if len(paths) == 1:
        return repr(str(paths[0].parent))
    try:
        return repr(os.path.commonpath([str(p.resolve()) for p in paths]))
    except ValueError:
        return "the source"


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]
