"""Fixtures shared by the estimators' tests on panels held by an engine.

One two-worker ``LocalCluster`` serves every test of a test process (starting one takes
seconds); the builders hold each frame the way the engine would: DuckDB in blocks of 70
units, Dask in four partitions.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dask_client():
    """A client of a real local cluster of 2 worker processes (1 thread each)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="session")
def duckdb_engine():
    """Build a DuckDBPanel (blocks of 70 units) from a frame and a description."""
    duckdb_panel = pytest.importorskip("evalkit.data.duckdb_panel")
    return lambda frame, roles: duckdb_panel.DuckDBPanel(frame, **roles, block_units=70)


@pytest.fixture
def dask_engine(dask_client):
    """Build a DaskPanel (4 partitions) on the shared local cluster."""
    dask_panel = pytest.importorskip("evalkit.data.dask_panel")
    import dask.dataframe as dd

    return lambda frame, roles: dask_panel.DaskPanel(dd.from_pandas(frame, npartitions=4),
                                                     **roles, client=dask_client)
