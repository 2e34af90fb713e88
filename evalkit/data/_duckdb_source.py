"""Where a DuckDB panel's SQL runs, and where its rows come from.

A :class:`Runner` runs statements on the panel's own in-memory connection, on a
connection the caller gave, or -- for a relation given without its connection -- through
the relation itself (``relation.query``), and turns DuckDB's exceptions into
:class:`~evalkit.errors.EngineError` naming what was being done. :func:`open_source`
makes the source readable under one name on that connection, and says how an error message
can point at one of its rows (a :class:`Locator`).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.data.checks import ROWS_COUNTED, SHOW, rows_text
from evalkit.data.parquet_files import (
    check_parquet_schemas,
    file_labels,
    is_glob,
    parquet_files,
)
from evalkit.errors import DataError, EngineError, InputError

__all__ = ["Runner", "Source", "Locator", "open_source", "ident", "literal", "unique_name",
           "engine_error", "ROW", "FILE"]

ROW = "__evalkit_row"  # each row's place in its file, table or data frame (from 0)
FILE = "__evalkit_file"  # the Parquet file a row comes from
DATABASE_SUFFIXES = (".duckdb", ".db")
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
ACCEPTED = ("a DuckDB relation; a path to a Parquet file, to a folder of Parquet files or a "
            "glob such as 'data/*.parquet'; a path to a DuckDB database file (.duckdb, .db) "
            "with table= naming the table; or a pandas, polars or pyarrow table")


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def engine_error(error: Exception, doing: str) -> EngineError:
    import duckdb

    text = str(error).strip() or type(error).__name__
    if isinstance(error, duckdb.OutOfMemoryException):
        return EngineError(f"DuckDB ran out of memory while {doing}:", [
            text, "give it more memory (memory_limit='8GB'), or a folder on a disk with "
            "free space to spill to (temp_directory=...)"])
    return EngineError(f"DuckDB failed while {doing}:", [text])


class Runner:
    """Runs a panel's SQL on one connection (or through one relation).

    Parameters
    ----------
    connection
        The connection, or ``None`` when ``relation`` is given without one.
    relation, name
        A relation read as ``name`` in every statement, when the panel has no
        connection of its own.
    """

    def __init__(self, connection: Any = None, *, relation: Any = None,
                 name: str | None = None) -> None:
        self.connection = connection
        self.relation = relation
        self.name = name

    def _relation(self, sql: str, doing: str) -> Any:
        import duckdb

        try:
            if self.relation is not None and self.connection is None:
                return self.relation.query(self.name, sql)
            return self.connection.sql(sql)
        except duckdb.Error as error:
            raise engine_error(error, doing) from None

    def run(self, sql: str, doing: str) -> None:
        """Run a statement that returns nothing the panel needs."""
        import duckdb

        try:
            if self.relation is not None and self.connection is None:
                self.relation.query(self.name, sql)
            else:
                self.connection.execute(sql).fetchall()
        except duckdb.Error as error:
            raise engine_error(error, doing) from None

    def rows(self, sql: str, doing: str) -> list[tuple[Any, ...]]:
        """The rows of a (small) query."""
        import duckdb

        relation = self._relation(sql, doing)
        try:
            return relation.fetchall()
        except duckdb.Error as error:
            raise engine_error(error, doing) from None

    def array(self, sql: str, doing: str) -> np.ndarray:
        """The one column of a query as a numpy array (text as an object array)."""
        import duckdb

        relation = self._relation(sql, doing)
        try:
            return relation.to_arrow_table().column(0).to_numpy()
        except duckdb.Error as error:
            raise engine_error(error, doing) from None

    def columns(self, table: str, doing: str) -> tuple[list[str], list[str]]:
        """The names and DuckDB types of ``table``'s columns (bound, not run)."""
        relation = self._relation(f"SELECT * FROM {table}", doing)
        return list(relation.columns), [str(t) for t in relation.types]

    def reader(self, sql: str, rows: int, doing: str) -> Any:
        """A pyarrow ``RecordBatchReader`` streaming the query ``rows`` rows at a time."""
        import duckdb

        relation = self._relation(sql, doing)
        try:
            return relation.to_arrow_reader(rows)
        except duckdb.Error as error:
            raise engine_error(error, doing) from None

    def setting(self, name: str) -> Any:
        return self.rows(f"SELECT current_setting({literal(name)})", "reading a setting")[0][0]


@dataclass(frozen=True)
class Locator:
    """How an error message points at rows of the source.

    ``columns`` are SQL expressions that order the rows as the source holds them and
    name each one; ``kind`` says what they are: a row number (``"row"``: a data frame's
    row; ``"table"``: a database table's row), a file and a row in it (``"file"``), or,
    when the source numbers no rows (a relation, a database view), the row's unit and
    period (``"pair"``).
    """

    columns: tuple[str, ...]
    kind: str
    files: dict[str, str] = field(default_factory=dict)  # a file's path -> its name in messages
    table: str | None = None

    @property
    def key(self) -> str:
        """The SQL value that orders and names a row (a struct of :attr:`columns`)."""
        return f"row({', '.join(self.columns)})"

    @property
    def counted(self) -> str:
        """How the rows of a message are counted."""
        if self.kind == "row":
            return ROWS_COUNTED
        if self.kind == "table":
            return f"row 1 is the first row of table {self.table!r}"
        if self.kind == "file":
            return "row 1 is the first row of its file"
        return "rows are named by their unit and period: the data number no rows"

    def listed(self, found: Sequence[Any], total: int, limit: int = SHOW) -> str:
        """The rows ``found`` (keys, the first of ``total``) as a user reads them."""
        keys = [tuple(k.values()) if isinstance(k, dict) else tuple(k) for k in found][:limit]
        if self.kind in ("row", "table"):
            return rows_text(np.array([k[0] for k in keys], dtype=np.int64), limit, total)
        more = total - len(keys)
        tail = f" and {more:,} more" if more else ""
        if self.kind == "file":
            parts: list[tuple[str, list[int]]] = []
            for file, row in keys:
                name = self.files.get(file, Path(file).name)
                if parts and parts[-1][0] == name:
                    parts[-1][1].append(int(row))
                else:
                    parts.append((name, [int(row)]))
            text = ", ".join(f"{rows_text(np.array(rows), len(rows))} of {name}"
                             for name, rows in parts)
            return f"{text}{tail}"
        pairs = ", ".join(f"({_plain(u)!r}, {_plain(t)})" for u, t in keys)
        noun = "row" if len(keys) == 1 and not more else "rows"
        return f"{noun} {pairs}{tail}"

    def where(self, found: Sequence[Any], total: int) -> str:
        """``listed`` and how the rows are counted, as Panel's messages say it."""
        return f"{self.listed(found, total)}; {self.counted}"


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Source:
    """The data of a panel, readable as :attr:`table` in :attr:`runner`."""

    runner: Runner
    table: str
    locator: Locator
    internal: tuple[str, ...]  # columns evalkit added (row numbers), not the data's
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    released: bool = False

    def release(self) -> None:
        """Drop what the panel made (temporary tables, views, registrations) and close
        the connection when the panel opened it. Safe to call more than once."""
        if self.released:
            return
        self.released = True
        for step in reversed(self.cleanup):
            try:
                step()
            except Exception:  # noqa: S110 - the connection may be closed already
                pass


def unique_name(stem: str) -> str:
    return f"evalkit_{stem}_{secrets.token_hex(6)}"


def open_source(source: Any, *, table: str | None, connection: Any,
                memory_limit: str | int | None, temp_directory: str | Path | None,
                columns: Sequence[str], unit: str, time: str) -> Source:
    """Make ``source`` readable under one name (see :class:`DuckDBPanel` for what it may be).

    ``columns`` are the columns the panel uses: the files of a Parquet source must agree
    on them.
    """
    import duckdb

    if connection is not None and not isinstance(connection, duckdb.DuckDBPyConnection):
        raise InputError(f"connection: must be a duckdb connection (duckdb.connect()); got "
                         f"{type(connection).__name__}")
    if connection is not None and (memory_limit is not None or temp_directory is not None):
        raise InputError("memory_limit / temp_directory: only for the panel's own connection; "
                         "with connection=..., set them on yours (SET memory_limit = '8GB')")
    path_like = isinstance(source, str | Path)
    is_database = path_like and Path(source).suffix.lower() in DATABASE_SUFFIXES
    if table is not None and not is_database:
        raise InputError(f"table={table!r}: only for a DuckDB database file (.duckdb, .db), "
                         "to name the table to read")
    pair = Locator((ident(unit), ident(time)), "pair")
    if isinstance(source, duckdb.DuckDBPyRelation):
        if connection is None:
            if memory_limit is not None or temp_directory is not None:
                raise InputError("memory_limit / temp_directory: a relation is read on its own "
                                 "connection; set them there (SET memory_limit = '8GB')")
            name = unique_name("source")
            return Source(Runner(relation=source, name=name), name, pair, ())
        runner, cleanup = Runner(connection), []
        name = unique_name("source")
        opened = Source(runner, name, pair, (), cleanup)
        try:
            connection.register(name, source)
            cleanup.append(lambda: connection.unregister(name))
            runner.columns(name, "reading the relation")
        except (duckdb.Error, EngineError):
            opened.release()
            raise InputError("source: the DuckDB relation was made on another connection than "
                             "connection=...; pass the connection it was made on, or none"
                             ) from None
        return opened
    if not path_like and not _is_frame(source):
        raise InputError(f"source: must be {ACCEPTED}; got {type(source).__name__}")

    if is_database and not Path(source).is_file():
        raise DataError(f"Cannot read {source}: the file does not exist.")
    database = Path(source) if is_database and connection is None else None
    runner, cleanup = _runner(connection, memory_limit, temp_directory, database)
    opened = Source(runner, "", pair, (), cleanup)
    try:
        if is_database:
            _open_database(opened, Path(source), table, attach=database is None)
        elif path_like:
            _open_parquet(opened, source, columns)
        else:
            _open_frame(opened, source)
    except BaseException:
        opened.release()
        raise
    return opened


def _is_frame(source: Any) -> bool:
    module = type(source).__module__.split(".")[0]
    return module in ("pandas", "polars", "pyarrow") and type(source).__name__ in (
        "DataFrame", "Table", "RecordBatch")


def _runner(connection: Any, memory_limit: str | int | None, temp_directory: str | Path | None,
            database: Path | None) -> tuple[Runner, list[Callable[[], None]]]:
    """The given connection, or the panel's own (closed, its spill folder removed, on
    release): in memory, or to ``database`` opened read-only."""
    import duckdb

    if connection is not None:
        return Runner(connection), []
    settings = {"preserve_insertion_order": "true"}
    if memory_limit is not None:
        if isinstance(memory_limit, bool) or not isinstance(memory_limit, str | int):
            raise InputError(f"memory_limit={memory_limit!r}: must be a size such as '4GB' "
                             f"or a number of bytes; got {memory_limit!r}")
        settings["memory_limit"] = (f"{memory_limit}B" if isinstance(memory_limit, int)
                                    else memory_limit)
    cleanup: list[Callable[[], None]] = []
    if temp_directory is None:  # spill next to the system's temporary files, not in the
        spill = tempfile.mkdtemp(prefix="evalkit-duckdb-")  # caller's working folder
        cleanup.append(lambda: shutil.rmtree(spill, ignore_errors=True))
    else:
        spill = str(temp_directory)
    settings["temp_directory"] = spill
    try:
        con = (duckdb.connect() if database is None else
               duckdb.connect(str(database), read_only=True))
    except duckdb.Error as error:
        for step in reversed(cleanup):
            step()
        raise engine_error(error, f"opening the DuckDB database {database.name}") from None
    cleanup.append(con.close)
    for name, value in settings.items():
        try:
            con.execute(f"SET {name} = {literal(value)}")
        except duckdb.Error as error:
            for step in reversed(cleanup):
                step()
            raise InputError(f"{name}={value!r}: DuckDB does not accept it ({error})") from None
    return Runner(con), cleanup


def _open_frame(opened: Source, frame: Any) -> None:
    """A pandas, polars or pyarrow table, with each row's position added (from 0)."""
    module = type(frame).__module__.split(".")[0]
    if module == "pandas":
        numbered = frame.assign(**{ROW: np.arange(len(frame), dtype=np.int64)})
    elif module == "polars":
        numbered = frame.with_row_index(ROW)
    else:
        import pyarrow as pa

        table = pa.Table.from_batches([frame]) if isinstance(frame, pa.RecordBatch) else frame
        numbered = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    name = unique_name("source")
    connection = opened.runner.connection
    connection.register(name, numbered)
    opened.cleanup.append(lambda: connection.unregister(name))
    opened.table = name
    opened.locator = Locator((ident(ROW),), "row")
    opened.internal = (ROW,)


def _open_parquet(opened: Source, source: str | Path, columns: Sequence[str]) -> None:
    if not is_glob(source) and Path(source).is_file() and \
            Path(source).suffix.lower() not in PARQUET_SUFFIXES:
        raise InputError(f"source={str(source)!r}: must be {ACCEPTED}; got a "
                         f"{Path(source).suffix or 'suffix-less'} file (read it with "
                         "evalkit.load_table and pass the table)")
    files = parquet_files(source)
    check_parquet_schemas(files, columns)
    labels = dict(zip((str(f) for f in files), file_labels(files), strict=True))
    listed = ", ".join(literal(str(f)) for f in files)
    name = unique_name("source")
    opened.runner.run(
        f"CREATE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number), file_row_number AS "
        f"{ident(ROW)} FROM read_parquet([{listed}], filename = {literal(FILE)}, "
        "file_row_number = true, union_by_name = true)", "opening the Parquet files")
    opened.cleanup.append(lambda: opened.runner.run(f"DROP VIEW IF EXISTS {name}", "cleaning up"))
    opened.table = name
    opened.locator = Locator((ident(FILE), ident(ROW)), "file", files=labels)
    opened.internal = (FILE, ROW)


def _open_database(opened: Source, path: Path, table: str | None, *, attach: bool) -> None:
    """A table or view of a DuckDB database file: the connection's own database, or the
    file attached read-only to the connection given (and detached on release)."""
    import duckdb

    runner = opened.runner
    if attach:
        alias = unique_name("database")
        try:
            runner.connection.execute(f"ATTACH {literal(str(path))} AS {alias} (READ_ONLY)")
        except duckdb.Error as error:
            raise engine_error(error, f"opening the DuckDB database {path.name}") from None
        opened.cleanup.append(lambda: runner.run(f"DETACH {alias}", "cleaning up"))
    else:
        alias = runner.rows("SELECT current_database()", "opening the database")[0][0]
    found = runner.rows(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
        f"table_catalog = {literal(alias)} ORDER BY table_schema, table_name",
        f"listing the tables of {path.name}")
    names = {(n if s == "main" else f"{s}.{n}"): (s, n, kind) for s, n, kind in found}
    listed = ", ".join(map(repr, names)) or "none"
    if table is None:
        raise InputError(f"table=None: a DuckDB database file holds tables; name the one to "
                         f"read with table=... (the tables of {path.name}: {listed})")
    match = names.get(table) or next((v for k, v in names.items()
                                      if k.lower() == str(table).lower()), None)
    if match is None:
        raise DataError(f"Cannot read {path}: it has no table {table!r}; its tables are: "
                        f"{listed}.")
    schema, name_in_file, kind = match
    qualified = f"{ident(alias)}.{ident(schema)}.{ident(name_in_file)}"
    name = unique_name("source")
    if kind == "BASE TABLE":
        runner.run(f"CREATE TEMP VIEW {name} AS SELECT *, rowid AS {ident(ROW)} FROM "
                   f"{qualified}", f"opening table {table!r} of {path.name}")
        opened.locator = Locator((ident(ROW),), "table", table=str(table))
        opened.internal = (ROW,)
    else:
        runner.run(f"CREATE TEMP VIEW {name} AS SELECT * FROM {qualified}",
                   f"opening view {table!r} of {path.name}")
    opened.cleanup.append(lambda: runner.run(f"DROP VIEW IF EXISTS {name}", "cleaning up"))
    opened.table = name
