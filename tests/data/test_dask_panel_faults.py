"""DaskPanel when its cluster goes away: an EngineError naming Dask and what it was doing,
after at most ``timeout`` seconds, never a hang or a raw distributed traceback.

This module closes its own cluster (a real LocalCluster of two worker processes).
"""

from __future__ import annotations

import threading
import time

import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from _dask_panels import outcome_sum_after, random_panel, whole_block  # noqa: E402

from evalkit.data.dask_panel import DaskPanel  # noqa: E402
from evalkit.errors import EngineError  # noqa: E402

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def cluster():
    local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None)
    yield local
    if local.status.name != "closed":  # the test closes it
        local.close()


def test_a_cluster_gone_is_an_engine_error(cluster):
    df, described = random_panel(9, n_units=40)
    with distributed.Client(cluster, set_as_default=False) as client:
        panel = DaskPanel(dd.from_pandas(df, npartitions=2), client=client, timeout=2,
                          **described)
        # no worker left: waited for `timeout` seconds, then an EngineError
        cluster.scale(0)
        while client.nthreads():
            time.sleep(0.1)
        start = time.monotonic()
        with pytest.raises(EngineError, match=r"Dask failed while running outcome_sum_after on "
                                              r"the panel's 2 blocks: no worker .* for 2 s"):
            panel.map_blocks(outcome_sum_after, 0.0)
        assert time.monotonic() - start < 30

        # the whole cluster closed while computing
        cluster.scale(1)
        start = time.monotonic()
        client.wait_for_workers(1, timeout=60)
        threading.Timer(1.0, cluster.close).start()
        # (closing, it loses its workers first, then its scheduler: either is reported)
        with pytest.raises(EngineError, match="Dask failed while running outcome_sum_after.*"
                                              "(lost or the cluster was closed|no worker)"):
            panel.map_blocks(outcome_sum_after, 3.0)
        assert time.monotonic() - start < 60
        with pytest.raises(EngineError, match="Dask failed while running whole_block"):
            panel.map_blocks(whole_block)  # and at once afterwards
