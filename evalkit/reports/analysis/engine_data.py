"""Data held by an engine in a report: which engine, the panel, and what the report can show.

A params file whose ``data.file`` names a folder of Parquet files or a DuckDB database is
estimated out of core (DuckDB), or on the Dask cluster of ``evalkit run-all
--scheduler`` (the runner passes its address to the report's kernel in
:data:`SCHEDULER_VARIABLE`). The estimators that run on such panels give the report's
headline and comparisons; the sections that need every row in memory (maps, the TWFE
decomposition, Sun & Abraham, the wild bootstrap) are omitted with a remark saying why.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from evalkit.data.open_panel import engine_for, open_panel
from evalkit.data.unit_blocks import EnginePanel, UnitBlock
from evalkit.reports.analysis.notes import Note
from evalkit.reports.params import PolicyParams

__all__ = ["SCHEDULER_VARIABLE", "ENGINE_ESTIMATORS", "report_engine", "engine_panel",
           "data_sha256", "held_by_engine", "engine_name", "in_memory_only", "engine_baseline"]

#: The environment variable holding the Dask scheduler's address for a report's kernel.
SCHEDULER_VARIABLE = "EVALKIT_SCHEDULER"

#: The headline estimators a report can run on data held by an engine.
ENGINE_ESTIMATORS = ("callaway_santanna", "imputation", "twfe", "event_study")


def report_engine(params: PolicyParams) -> str:
    """``"memory"``, ``"duckdb"`` or ``"dask"``: where the report holds its data."""
    return engine_for(params.data_path, params.data.engine,
                      scheduler=os.environ.get(SCHEDULER_VARIABLE) or None)


def engine_panel(params: PolicyParams, engine: str,
                 covariates: list[str] | None = None) -> EnginePanel:
    """The panel of the params' data, held by ``engine`` (``"duckdb"`` or ``"dask"``);
    ``covariates`` replaces ``design.covariates`` when given."""
    d = params.design
    cluster = params.inference.cluster if params.inference.kind == "cluster" else None
    panel = open_panel(params.data_path, unit=d.unit, time=d.time, outcome=d.outcome,
                       treatment=d.treatment, first_treated=d.first_treated,
                       covariates=d.covariates if covariates is None else covariates,
                       weights=d.weights,
                       cluster=cluster if cluster != d.unit else None, engine=engine,
                       table=params.data.table, sample=params.data.sample or None,
                       scheduler=os.environ.get(SCHEDULER_VARIABLE) or None)
    assert isinstance(panel, EnginePanel)
    return panel


def data_sha256(path: Path) -> str:
    """The SHA-256 of a data file, or of a folder's files (their names relative to it and
    their bytes, in name order)."""
    digest = hashlib.sha256()
    if not path.is_dir():
        files = [(path.name, path)]
    else:
        files = sorted((f.relative_to(path).as_posix(), f) for f in path.rglob("*")
                       if f.is_file())
    for name, file in files:
        digest.update(name.encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def held_by_engine(panel: object) -> bool:
    """Whether a report's panel stays in an engine."""
    return isinstance(panel, EnginePanel)


def engine_name(panel: EnginePanel) -> str:
    """The engine's name as a report writes it."""
    return {"duckdb": "DuckDB", "dask": "Dask", "memory": "memory"}.get(panel.engine,
                                                                        panel.engine)


def in_memory_only(panel: EnginePanel, params: PolicyParams, subject: str) -> Note:
    """The remark that ``subject`` needs every row in memory, which these data are not."""
    return Note("why_engine_in_memory_only", subject,
                (("engine", engine_name(panel)), ("file", params.data.file)))


def _pre_treatment_sums(block: UnitBlock, periods: np.ndarray) -> dict[str, np.ndarray]:
    before = block.observed & (periods[:, None] < block.cohort[None, :])
    return {"sum": np.array(block.outcome[before].sum()), "rows": np.array(before.sum())}


def engine_baseline(panel: EnginePanel) -> float | None:
    """The treated units' mean outcome before their treatment (as the in-memory report's
    baseline), summed by the engine."""
    sums = panel.reduce(_pre_treatment_sums, panel.periods)
    return float(sums["sum"] / sums["rows"]) if sums["rows"] > 0 else None

