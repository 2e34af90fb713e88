"""Benchmark DaskPanel: a Parquet folder validated, partitioned by unit and read on a cluster.

Writes n units x 10 periods (balanced, simulated: unit, period, first_treated, x, y) to a
temporary folder of Parquet files, one file per period -- the way yearly exports arrive,
so that every unit's rows are spread over every file and the shuffle by unit has work to
do. Then, on a ``LocalCluster`` of 1 then 2 worker processes (one thread each), measures:

- ``build``: ``DaskPanel(folder, ...)``: the footers' schemas compared, the rows read and
  shuffled on the unit column, every partition checked (Panel's checks), the blocks built
  and kept in the workers' memory (the first build is shown apart: it includes the
  workers' first imports of the Parquet reader and of evalkit);
- ``pass``: one ``map_blocks`` pass over every block (per-period sums of the outcome and
  the counts of observed units, as the estimators' sufficient statistics are read);
- ``worker_rss``: the workers' resident memory after the pass (all workers together);

and, as the in-memory reference, ``pandas.read_parquet`` + ``Panel`` + the same pass on
``SplitPanel``. The cluster's start is not counted. The machine may be shared: the load
average is printed beside the figures.

Usage::

    python benchmarks/bench_dask_panel.py                         # 1M units, 1 and 2 workers
    python benchmarks/bench_dask_panel.py --units 100000 --workers 2
    python benchmarks/bench_dask_panel.py --npartitions 16 --repeat 2
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, print_table, time_call  # noqa: E402

DESCRIBED = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}


def period_sums(block) -> dict[str, np.ndarray]:
    """Per-period outcome sums and observed units of a block (run on the workers)."""
    return {"y": np.nansum(block.outcome, axis=1), "n": block.observed.sum(axis=1)}


def write_folder(folder: Path, units: int, periods: int, seed: int = 1) -> int:
    """One Parquet file per period; return the number of rows written."""
    from evalkit.data.simulate import simulate_staggered_panel

    data = simulate_staggered_panel(units, periods, seed=seed).data
    data = data[["unit", "period", "first_treated", "x", "y"]]
    folder.mkdir(parents=True)
    for period, rows in data.groupby("period", sort=True):
        rows.to_parquet(folder / f"period={period:02d}.parquet", index=False)
    return len(data)


def workers_rss(client) -> int:
    import psutil

    return int(sum(client.run(lambda: psutil.Process().memory_info().rss).values()))


def run_cluster(folder: Path, workers: int, npartitions: int | None, repeat: int) -> dict:
    import distributed

    from evalkit.data.dask_panel import DaskPanel

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.run(lambda: __import__("evalkit.data._dask_partitions"))  # imports not timed
        builds, passes = [], []
        for _ in range(repeat):
            panel = None  # its blocks released: wait until the cluster holds nothing, so that
            while any(client.has_what().values()):  # no result is reused
                time.sleep(0.05)
            panel, seconds = time_call(DaskPanel, folder, client=client, npartitions=npartitions,
                                       **DESCRIBED)
            builds.append(seconds)
            total, seconds = time_call(panel.reduce, period_sums)
            passes.append(seconds)
        rss = workers_rss(client)
        return {"engine": f"dask, {workers} worker{'s' * (workers > 1)}", "units": panel.n_units,
                "rows": panel.n_obs, "blocks": panel.n_blocks, "first_build_s": builds[0],
                "build_s": min(builds), "pass_s": min(passes), "worker_rss_bytes": rss,
                "check": float(total["y"].sum())}


def run_memory(folder: Path, repeat: int) -> dict:
    import pandas as pd

    from evalkit.data.panel import Panel
    from evalkit.data.unit_blocks import SplitPanel

    build = passes = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        panel = Panel(pd.read_parquet(folder), **DESCRIBED)
        build = min(build, time.perf_counter() - start)
        total, seconds = time_call(SplitPanel(panel, 8).reduce, period_sums)
        passes = min(passes, seconds)
    return {"engine": "pandas + Panel (in memory)", "units": panel.n_units, "rows": panel.n_obs,
            "blocks": 8, "first_build_s": None, "build_s": build, "pass_s": passes,
            "worker_rss_bytes": None, "check": float(total["y"].sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000, help="units (default 1M)")
    parser.add_argument("--periods", type=int, default=10, help="periods (default 10)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="cluster sizes to run (default: 1 2)")
    parser.add_argument("--npartitions", type=int, default=None,
                        help="partitions of the panel (default: one per file)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="timed builds and passes on each cluster; the first build (workers "
                             "importing pyarrow, the first shuffle) is shown apart, the best "
                             "kept (default 2)")
    parser.add_argument("--no-memory", action="store_true", help="skip the in-memory reference")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="evalkit-bench-dask-"))
    try:
        folder = tmp / "panel"
        start = time.perf_counter()
        rows = write_folder(folder, args.units, args.periods)
        print(f"wrote {rows:,} rows in {args.periods} Parquet files "
              f"({sum(f.stat().st_size for f in folder.iterdir()) / 1e6:.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s")
        results = [run_cluster(folder, n, args.npartitions, args.repeat) for n in args.workers]
        if not args.no_memory:
            results.append(run_memory(folder, args.repeat))
        checks = {round(r.pop("check"), 6) for r in results}
        print_table(results, title=f"DaskPanel, {args.units:,} units x {args.periods} periods "
                                   f"(load average {load_average()})")
        if len(checks) != 1:
            raise SystemExit(f"the engines disagree on the outcome's sum: {checks}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
