"""Open a panel from where its data are: in memory, in DuckDB, or on a Dask cluster.

The choice the README's "Data larger than memory" section describes, in one function:
a table in memory or a data file becomes a :class:`~evalkit.data.panel.Panel`; a folder
of Parquet files or a DuckDB database becomes a
:class:`~evalkit.data.duckdb_panel.DuckDBPanel` (out of core), or a
:class:`~evalkit.data.dask_panel.DaskPanel` on a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import EnginePanel
from evalkit.errors import InputError

__all__ = ["open_panel", "engine_for", "DATABASE_SUFFIXES"]

DATABASE_SUFFIXES = (".duckdb", ".db")
Engine = Literal["auto", "memory", "duckdb", "dask"]
_ENGINES = ("auto", "memory", "duckdb", "dask")


def engine_for(path: str | Path, engine: Engine = "auto", *,
               scheduler: str | None = None) -> str:
    """The engine a data file or folder is read with: ``"memory"``, ``"duckdb"`` or ``"dask"``.

    With ``engine="auto"``: a folder (of Parquet files) goes to DuckDB, or to Dask when a
    ``scheduler`` is given; a DuckDB database to DuckDB; any other file into memory.
    """
    if engine not in _ENGINES:
        raise InputError(f"engine={engine!r}: must be one of {', '.join(map(repr, _ENGINES))}; "
                         f"got {engine!r}")
    p = Path(path)
    database = p.suffix.lower() in DATABASE_SUFFIXES
    if engine == "dask" and database:
        raise InputError(f"engine='dask': a DuckDB database ({p.name}) is read by DuckDB; "
                         "use engine='duckdb' (or export the table to Parquet files for Dask)")
    if engine != "auto":
        return engine
    if p.is_dir():
        return "dask" if scheduler else "duckdb"
    return "duckdb" if database else "memory"


def _sample_mask_sql(sample: Mapping[str, Any]) -> Any:
    import duckdb

    expression = None
    for column, wanted in sample.items():
        values = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        term = duckdb.ColumnExpression(column).isin(*[duckdb.ConstantExpression(v)
                                                      for v in values])
        expression = term if expression is None else expression & term
    return expression


def open_panel(source: Any, *, unit: str, time: str, outcome: str,
               treatment: str | None = None, first_treated: str | None = None,
               covariates: Sequence[str] | str = (), weights: str | None = None,
               cluster: str | None = None, missing: Literal["error", "drop"] = "error",
               engine: Engine = "auto", table: str | None = None,
               sample: Mapping[str, Any] | None = None, scheduler: str | None = None,
               client: Any = None) -> Panel | EnginePanel:
    """The panel of ``source``, held where it fits.

    Parameters
    ----------
    source
        A pandas DataFrame (a :class:`Panel`), a path to a data file (read into memory
        unless it is a DuckDB database), a folder of Parquet files, or a DuckDB database
        file (``table`` names the table).
    unit, time, outcome, treatment, first_treated, covariates, weights, cluster, missing
        As for :class:`Panel`.
    engine
        ``"auto"`` (see :func:`engine_for`), ``"memory"``, ``"duckdb"`` or ``"dask"``.
    sample
        Keep only the rows where each named column equals the value given, or one of the
        values of a list (applied by the engine).
    scheduler, client
        For Dask: the address of the scheduler (``"tcp://host:port"``), or a connected
        ``distributed.Client``.

    Returns
    -------
    Panel or EnginePanel
        A :class:`Panel` in memory, a ``DuckDBPanel`` or a ``DaskPanel``; every
        estimator that accepts engine panels (``callaway_santanna``, ``twfe``,
        ``event_study``, ``imputation``) gives the same results on each.
    """
    roles: dict[str, Any] = {"unit": unit, "time": time, "outcome": outcome,
                             "treatment": treatment, "first_treated": first_treated,
                             "covariates": covariates, "weights": weights, "cluster": cluster,
                             "missing": missing}
    sample = dict(sample or {})
    if isinstance(source, pd.DataFrame):
        if engine not in ("auto", "memory"):
            raise InputError(f"engine={engine!r}: a DataFrame is already in memory; give a "
                             "Parquet folder or a DuckDB database to use an engine")
        return Panel(_sampled(source, sample), **roles)
    if not isinstance(source, str | Path):
        raise InputError(f"source: must be a DataFrame or the path of a data file, a Parquet "
                         f"folder or a DuckDB database; got {type(source).__name__}")
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError(f"source={str(source)!r}: no such file or folder")
    chosen = engine_for(path, engine, scheduler=scheduler or (client and "client"))
    if chosen == "memory":
        if path.is_dir():
            import pyarrow.parquet as pq

            frame = pq.read_table(path).to_pandas()
        else:
            from evalkit.data.io import load_table

            frame = load_table(path)
        return Panel(_sampled(frame, sample), **roles)
    if chosen == "duckdb":
        from evalkit.data.duckdb_panel import DuckDBPanel

        if not sample:
            return DuckDBPanel(path, table=table, **roles)
        import shutil
        import tempfile
        import weakref

        import duckdb

        from evalkit.data.parquet_files import parquet_files

        database = path.suffix.lower() in DATABASE_SUFFIXES
        if database and table is None:
            raise InputError(f"table: a DuckDB database ({path.name}) needs the table "
                             "holding the panel")
        spill = tempfile.mkdtemp(prefix="evalkit-duckdb-")
        connection = duckdb.connect(str(path) if database else ":memory:", read_only=database,
                                    config={"temp_directory": spill})
        try:
            relation = (connection.table(table) if database else
                        connection.read_parquet([str(f) for f in parquet_files(path)]))
            panel = DuckDBPanel(relation.filter(_sample_mask_sql(sample)),
                                connection=connection, **roles)
        except BaseException:
            connection.close()
            shutil.rmtree(spill, ignore_errors=True)
            raise
        # the panel does not own a connection it is given: close it with the panel
        weakref.finalize(panel, _release, panel._release, connection, spill)
        return panel
    from evalkit.data.dask_panel import DaskPanel

    if client is None:
        import distributed

        client = distributed.Client(scheduler, timeout="10s") if scheduler else None
    if not sample:
        return DaskPanel(path, client=client, **roles)
    import dask.dataframe as dd

    frame = dd.read_parquet(str(path))
    for column, wanted in sample.items():
        values = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        frame = frame[frame[column].isin(values)]
    return DaskPanel(frame, client=client, **roles)


def _release(panel_release: Any, connection: Any, spill: str) -> None:
    import shutil

    panel_release()  # the panel's tables first, on the connection still open
    connection.close()
    shutil.rmtree(spill, ignore_errors=True)


def _sampled(frame: pd.DataFrame, sample: Mapping[str, Any]) -> pd.DataFrame:
    for column, wanted in sample.items():
        values = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        frame = frame.loc[frame[column].isin(values)]
    return frame
