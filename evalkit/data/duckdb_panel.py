"""A panel held by DuckDB: validated and read out of core, where the data are stored.

:class:`DuckDBPanel` reads a panel larger than memory from Parquet files, a DuckDB
database or a DuckDB relation. DuckDB checks it (the checks and messages of
:class:`~evalkit.data.panel.Panel`, as SQL), groups its rows by unit into a temporary
unit-wide table (one pass), and streams that table as blocks of whole units
(:class:`~evalkit.data.unit_blocks.UnitBlock`) to the estimators, which add up what each
block gives. Beyond its memory limit DuckDB spills to disk.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from evalkit.data._duckdb_checks import check_columns, check_description, check_rows
from evalkit.data._duckdb_source import Source, open_source, unique_name
from evalkit.data._duckdb_units import Layout, build_unit_table, check_units
from evalkit.data.panel import PanelSpec, _as_tuple
from evalkit.data.unit_blocks import EnginePanel, UnitBlock
from evalkit.errors import InputError

__all__ = ["DuckDBPanel"]


class DuckDBPanel(EnginePanel):
    """A panel of units over periods, held and validated by DuckDB, read in blocks of units.

    The description is :class:`~evalkit.data.panel.Panel`'s (the same keywords), and so
    are the checks and their messages: they run in DuckDB, as SQL, and only the first
    few offending rows or values of a problem are fetched to name them. The estimators
    that accept an engine panel (``callaway_santanna``, ``twfe``, ``event_study``,
    ``imputation``) read it through :meth:`map_blocks`, and give the results they give
    on the same data in a ``Panel``.

    Parameters
    ----------
    source
        Where the rows are: a ``duckdb.DuckDBPyRelation``; a path (``str`` or
        ``Path``) to a Parquet file, to a folder of Parquet files (its sub-folders
        too) or a glob such as ``"exports/*.parquet"``; a path to a DuckDB database
        file (``.duckdb``, ``.db``), opened read-only, with ``table=`` naming the
        table (or view) to read; or a pandas, polars or pyarrow table.
    unit, time, outcome, treatment, first_treated, covariates, weights, cluster, missing
        The description, as for :class:`~evalkit.data.panel.Panel`. A ``cluster``
        column must be constant within each unit.
    table
        The table of a DuckDB database file (``"panel"`` or ``"schema.panel"``).
    connection
        A DuckDB connection to run on (a relation must be read on the connection it
        was made on). By default the panel opens its own in-memory connection and
        closes it with the panel; a relation given without a connection is read on its
        own connection.
    memory_limit
        How much memory the panel's own connection may use (``"4GB"``, or a number of
        bytes); DuckDB's default (80% of the machine's memory) otherwise.
    temp_directory
        Where the panel's own connection spills beyond ``memory_limit``; by default a
        fresh folder among the system's temporary files, removed when the panel closes.
    block_units
        How many units a block holds (500,000 by default: for 10 periods about 40 MB
        per variable).

    Raises
    ------
    InputError
        An invalid description or option, or a source of another kind.
    DataError
        What :class:`Panel` refuses (missing columns, no rows, values that are not
        numbers, missing or infinite values, duplicated unit-period rows, a treatment
        that switches off, no treated or no comparison units ...), a cluster that changes
        within a unit, missing files, Parquet files that disagree on the columns' types,
        or an unknown table.
    EngineError
        DuckDB failed (out of memory, a file it cannot read): the message says what it
        was doing.

    Notes
    -----
    The panel holds a DuckDB connection and a temporary table: :meth:`close` it, or use
    it in a ``with`` block, to free them at once (they are freed when the panel is
    garbage collected otherwise). Its :attr:`fingerprint` is a SHA-256 digest of the
    description and of a content digest computed by DuckDB: the number of rows kept and
    the sum, over those rows, of DuckDB's ``hash`` of the row's values (numbers as
    doubles). It does not depend on the order of the rows or on how they are split into
    files; it may change with DuckDB's version (whose hash function may change).

    Examples
    --------
    >>> from evalkit.datasets import load_mpdta
    >>> with DuckDBPanel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...                  first_treated="first.treat") as panel:
    ...     panel.n_units, panel.n_periods, panel.n_treated_units
    (500, 5, 191)
    """

    engine = "duckdb"

    def __init__(
        self,
        source: Any,
        *,
        unit: str,
        time: str,
        outcome: str,
        treatment: str | None = None,
        first_treated: str | None = None,
        covariates: Sequence[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        missing: Literal["error", "drop"] = "error",
        table: str | None = None,
        connection: Any = None,
        memory_limit: str | int | None = None,
        temp_directory: str | Path | None = None,
        block_units: int = 500_000,
    ) -> None:
        spec = PanelSpec(unit=unit, time=time, outcome=outcome, treatment=treatment,
                         first_treated=first_treated, covariates=_as_tuple(covariates),
                         weights=weights, cluster=cluster, missing=missing)
        check_description(spec)
        if isinstance(block_units, bool) or not isinstance(block_units, int | np.integer) \
                or block_units < 1:
            raise InputError(f"block_units={block_units!r}: must be a positive whole number of "
                             f"units; got {block_units!r}")
        source_ = open_source(source, table=table, connection=connection,
                              memory_limit=memory_limit, temp_directory=temp_directory,
                              columns=spec.columns, unit=unit, time=time)
        self._source: Source | None = source_
        self._release = weakref.finalize(self, source_.release)
        try:
            names, types = source_.runner.columns(source_.table, "reading the data's columns")
            column_types = {n: t for n, t in zip(names, types, strict=True)
                            if n not in source_.internal}
            names = list(column_types)
            check_columns(spec, names)
            rows = check_rows(source_, spec, column_types, names)
            name = unique_name("units")
            source_.cleanup.append(lambda: source_.runner.run(
                f"DROP TABLE IF EXISTS {name}", "cleaning up"))
            layout = build_unit_table(source_, spec, column_types, rows, name)
            facts = check_units(source_, spec, column_types, rows, layout)
        except BaseException:
            self.close()
            raise
        self._spec, self._facts, self._layout = spec, facts, layout
        self._block_units = int(block_units)
        self._ordered = bool(source_.runner.setting("preserve_insertion_order"))

    # ------------------------------------------------------------------ the data
    def map_blocks(self, function: Callable[..., Any], *args: Any) -> list[Any]:
        """``function(block, *args)`` for each block of :attr:`block_units` whole units.

        The blocks are read from the unit-wide table in the order of the units (the
        order of :class:`~evalkit.data.unit_blocks.SplitPanel`'s blocks), one at a time,
        in this process; the results come back in that order.
        """
        source = self._open()
        layout = self._layout
        order = "" if self._ordered else " ORDER BY _unit"
        reader = source.runner.reader(f"SELECT {layout.select()} FROM {layout.table}{order}",
                                       self._block_units, "reading the units in blocks")
        out = []
        with reader:
            for batch in _batches(reader):
                out.append(function(_block(batch, layout, self._facts.cluster_labels), *args))
        return out

    @property
    def block_units(self) -> int:
        """How many units a block holds (the last block may hold fewer)."""
        return self._block_units

    # ------------------------------------------------------------------ the connection
    @property
    def closed(self) -> bool:
        return self._source is None or self._source.released

    def close(self) -> None:
        """Drop the panel's temporary table and views, and close its own connection.

        A connection given to the panel stays open. Reading blocks afterwards raises
        an InputError; the facts (periods, units, cohorts ...) stay readable.
        """
        self._release()

    def __enter__(self) -> DuckDBPanel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> Any:
        raise TypeError("a DuckDBPanel holds a DuckDB connection and cannot be pickled or "
                        "copied; build it again from its source where it is needed")

    def _open(self) -> Source:
        if self.closed:
            raise InputError("this DuckDBPanel is closed: its data were released by close(); "
                             "build it again from its source")
        assert self._source is not None
        return self._source


def _batches(reader: Any) -> Any:
    """The reader's record batches, its failures raised as EngineError (DuckDB's errors
    may reach Python through pyarrow's stream, as pyarrow's exceptions)."""
    from evalkit.data._duckdb_source import engine_error

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except Exception as error:  # only the engine runs here, never the block function
            raise engine_error(error, "reading the units in blocks") from None
        yield batch


def _block(batch: Any, layout: Layout, labels: np.ndarray | None) -> UnitBlock:
    """A record batch of the unit-wide table as a :class:`UnitBlock` (T x n arrays)."""
    n, T = batch.num_rows, layout.n_periods

    def column(name: str) -> np.ndarray:
        return batch.column(name).to_numpy(zero_copy_only=False)

    def wide(stem: str, dtype: type = float) -> np.ndarray:
        out = np.empty((T, n), dtype=dtype)
        for j in range(T):
            out[j] = column(f"{stem}{j}")
        return out

    weights = wide("w_") if layout.weights else None
    covariates = None
    if layout.covariates:
        covariates = np.empty((layout.covariates, T, n))
        for k in range(layout.covariates):
            covariates[k] = wide(f"x{k}_")
    cluster = None
    if labels is not None:
        cluster = np.searchsorted(labels, column("_cluster")).astype(np.intp, copy=False)
    return UnitBlock(units=column("_unit"), cohort=np.asarray(column("_cohort"), dtype=float),
                     outcome=wide("y_"), observed=wide("o_", bool), weights=weights,
                     covariates=covariates, cluster=cluster)
