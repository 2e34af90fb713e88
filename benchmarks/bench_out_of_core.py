"""Benchmark the estimators on a panel held out of core: 100M rows in a folder of Parquet files.

The panel (N units x 10 periods, default N = 10M: 100M rows) is written once, chunk by
chunk, by ``make_parquet_panel.py`` under ``--data-dir`` and reused (see its docstring:
a staggered design with known effects, rows dealt at random to 20 files). Each run is
a FRESH subprocess, measured from outside: its wall time (interpreter start included)
and the peak of the resident memory of its whole process tree (the process, DuckDB's
memory inside it, the Dask scheduler, nannies and workers, the Spark JVM and its Python
workers), polled every 0.1 s with psutil. The process also reports the time of each
step (building the panel, the estimate, the aggregations) and the estimates.

Runs (``--runs``):

``duckdb-cs``
    ``DuckDBPanel(folder, ...)``, then ``callaway_santanna(panel)`` (doubly robust,
    never-treated comparisons, analytic standard errors), ``.overall()`` and
    ``.event_study()``.
``duckdb-twfe``
    ``DuckDBPanel(folder, ...)``, then ``twfe(panel)`` (standard errors clustered by unit).
``dask-cs``
    A ``dask.distributed.LocalCluster`` of ``--workers`` worker processes (one thread
    each, ``--worker-memory`` each), ``DaskPanel(folder, ...)``, then the same as
    ``duckdb-cs``; one run per number of workers.
``memory-cs``
    For reference: the whole folder read into pandas, a ``Panel``, the same estimate.
``peer-spark``
    moderndid's ``att_gt`` (doubly robust, never-treated, analytic s.e.) on a Spark
    DataFrame of the same folder, ``aggte`` simple and dynamic, on a local Spark of
    ``--workers`` cores (``local[k]``; one JVM whose heap is ``--worker-memory``), in
    ``--peer-python``. moderndid 0.4.1 has no Dask backend: a DataFrame larger than
    memory goes to its Spark backend, which keeps the rows on the executors (an
    environment for it: ``python3.12 -m venv /tmp/mdid-spark && /tmp/mdid-spark/bin/pip
    install "moderndid[spark]==0.4.1"``; Spark 4 needs Java 17 or later).
``peer-memory``
    moderndid's ``att_gt`` and ``aggte`` on the folder read into polars, in memory.

A run stopped by ``--timeout`` or by ``--memory-cap`` (the whole tree's resident memory)
is reported as such. Resident memory summed over processes counts twice the pages they
share (the libraries each Dask worker loads): for several processes it is an upper
bound. Run one benchmark at a time: the measurements assume a quiet machine, and the
load average is printed beside each run.

Usage::

    python benchmarks/bench_out_of_core.py --runs duckdb-cs duckdb-twfe
    python benchmarks/bench_out_of_core.py --runs dask-cs --workers 1 2
    python benchmarks/bench_out_of_core.py --runs peer-spark --workers 1 2 \\
        --peer-python /tmp/mdid-spark/bin/python
    python benchmarks/bench_out_of_core.py --units 1000000 --runs duckdb-cs dask-cs \\
        memory-cs peer-spark peer-memory --peer-python /tmp/mdid-spark/bin/python

The targets (2 cores, 24 GB): 100M rows in under 2 minutes and 6 GB for each DuckDB run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import format_bytes, load_average, print_table  # noqa: E402
from make_parquet_panel import DEFAULT_DIR, ensure_panel  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 120.0, 6 * (1 << 30)
RUNS = ("duckdb-cs", "duckdb-twfe", "dask-cs", "memory-cs", "peer-spark", "peer-memory")
BY_WORKERS = ("dask-cs", "peer-spark")
MARK = "RESULT "
DIGITS = ("overall", "overall_se", "e0")  # shown with 6 decimals
COLUMNS = ("run", "workers", "load_before", "wall_s", "peak_bytes", "import_s", "cluster_s",
           "panel_s", "estimate_s", "aggregate_s", "cells", "overall", "overall_se", "e0",
           "overall_truth", "e0_truth", "ok")

PEER = r"""
import json, os, sys, time, warnings
spec = json.loads(sys.argv[1])
warnings.simplefilter("ignore")
start = time.perf_counter()
import moderndid as did
steps = {"import_s": time.perf_counter() - start}
start = time.perf_counter()
if spec["kind"] == "peer-spark":
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master(f"local[{spec['workers']}]")
             .config("spark.driver.memory", spec["worker_memory"])
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.local.dir", spec["scratch"]).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    data = spark.read.parquet(spec["folder"])
else:
    import polars as pl
    data = pl.read_parquet(os.path.join(spec["folder"], "*.parquet"))
steps["panel_s"] = time.perf_counter() - start
mark = time.perf_counter()
result = did.att_gt(data=data, yname="y", tname="year", idname="unit", gname="first_treat",
                    est_method="dr", control_group="nevertreated", boot=False, cband=False)
steps["estimate_s"] = time.perf_counter() - mark
mark = time.perf_counter()
simple = did.aggte(result, type="simple")
dynamic = did.aggte(result, type="dynamic")
steps["aggregate_s"] = time.perf_counter() - mark
e0 = [float(a) for e, a in zip(dynamic.event_times, dynamic.att_by_event) if e == 0][0]
print("RESULT " + json.dumps({**steps, "cells": int(len(result.att_gt)),
                             "overall": float(simple.overall_att),
                             "overall_se": float(simple.overall_se), "e0": e0}), flush=True)
"""


# -- what a fresh process runs ------------------------------------------------------------

def _columns(spec: dict[str, Any]) -> dict[str, str]:
    return dict(spec["columns"])


def _open_panel(spec: dict[str, Any], steps: dict[str, float]) -> tuple[Any, Any]:
    """The panel of the run, and the Dask client to close (or ``None``)."""
    kind, folder = spec["kind"], spec["folder"]
    if kind.startswith("duckdb"):
        from evalkit.data.duckdb_panel import DuckDBPanel

        options = ({"memory_limit": spec["duckdb_memory"]} if spec.get("duckdb_memory")
                   else {})
        return DuckDBPanel(folder, **_columns(spec), **options), None
    if kind == "memory-cs":
        import pandas as pd

        from evalkit.data.panel import Panel

        return Panel(pd.read_parquet(folder), **_columns(spec)), None
    from dask.distributed import Client, LocalCluster

    from evalkit.data.dask_panel import DaskPanel

    mark = time.perf_counter()
    cluster = LocalCluster(n_workers=spec["workers"], threads_per_worker=1, processes=True,
                           memory_limit=spec["worker_memory"], dashboard_address=None,
                           local_directory=spec["scratch"])
    client = Client(cluster)
    steps["cluster_s"] = time.perf_counter() - mark
    return DaskPanel(folder, **_columns(spec), client=client), client


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the panel, estimate, aggregate: each step timed; the estimates returned."""
    mark = time.perf_counter()
    from evalkit.did.callaway_santanna import callaway_santanna
    from evalkit.did.twfe import twfe

    steps: dict[str, float] = {"import_s": time.perf_counter() - mark}
    mark = time.perf_counter()
    panel, client = _open_panel(spec, steps)
    steps["panel_s"] = time.perf_counter() - mark - steps.get("cluster_s", 0.0)
    try:
        mark = time.perf_counter()
        if spec["kind"].endswith("twfe"):
            result = twfe(panel)
            steps["estimate_s"] = time.perf_counter() - mark
            return {**steps, "cells": 1, "overall": float(result.estimate),
                    "overall_se": float(result.std_error)}
        result = callaway_santanna(panel)
        steps["estimate_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        overall, dynamic = result.overall(), result.event_study()
        steps["aggregate_s"] = time.perf_counter() - mark
        return {**steps, "cells": len(result.coefficients.terms),
                "overall": float(overall.estimate), "overall_se": float(overall.std_error),
                "e0": float(dynamic.coefficients.estimate[dynamic.event_time.index(0)])}
    finally:
        if client is not None:
            client.close()
            client.cluster.close()


# -- measuring a process tree from outside ------------------------------------------------

def _tree_rss(process: Any) -> int:
    import psutil

    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _stop(process: subprocess.Popen, tree: list[Any]) -> None:
    """End the run's process group, then any member of its tree left (by their ids)."""
    import psutil

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        for member in tree:
            try:
                member.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            time.sleep(1)


def measured(command: list[str], *, env: dict[str, str], cwd: str, timeout: float,
             memory_cap: float) -> dict[str, Any]:
    """Run ``command`` in its own session; its wall time, peak tree RSS and its result."""
    import psutil

    out_path, err_path = Path(cwd) / "stdout.txt", Path(cwd) / "stderr.txt"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd,
                                   start_new_session=True)
        watched = psutil.Process(process.pid)
        peak, status, tree = 0, "ok", [watched]
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
            peak = max(peak, _tree_rss(watched))
            elapsed = time.perf_counter() - start
            if peak > memory_cap or elapsed > timeout:
                status = (f"stopped at {format_bytes(peak)}" if peak > memory_cap
                          else f"stopped after {elapsed:.0f} s")
                _stop(process, tree)
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        _stop(process, tree)  # whatever the run left behind (a worker, a JVM)
    lines = out_path.read_text().splitlines()
    found = [json.loads(line[len(MARK):]) for line in lines if line.startswith(MARK)]
    if status == "ok" and (process.returncode or not found):
        tail = err_path.read_text().strip().splitlines()[-3:]
        status = f"failed ({process.returncode}): " + " | ".join(tail)
    return {"wall_s": seconds, "peak_bytes": peak, "status": status,
            **(found[-1] if found else {})}


def _spark_memory(text: str) -> str:
    """A memory size as Spark writes it: ``'8GB'`` -> ``'8192m'``."""
    from dask.utils import parse_bytes

    return f"{parse_bytes(text) // (1 << 20)}m"


def run(kind: str, workers: int | None, folder: Path, manifest: dict[str, Any],
        args: argparse.Namespace) -> dict[str, Any]:
    """One measured run in a fresh process; its row of the table."""
    peer = kind.startswith("peer")
    if peer and not args.peer_python:
        return {"run": kind, "workers": workers, "status": "skipped: no --peer-python"}
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as scratch:
        memory = (_spark_memory(args.worker_memory) if kind == "peer-spark"
                  else args.worker_memory)
        spec = {"kind": kind, "folder": str(folder), "columns": manifest["columns"],
                "workers": workers, "worker_memory": memory, "scratch": scratch,
                "duckdb_memory": args.duckdb_memory}
        if peer:
            command = [args.peer_python, "-c", PEER, json.dumps(spec)]
        else:
            command = [sys.executable, str(Path(__file__).resolve()), "--child",
                       json.dumps(spec)]
        env = dict(os.environ)
        if not peer:
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (root, env.get("PYTHONPATH")) if p)
        load = load_average()
        row = measured(command, env=env, cwd=scratch, timeout=args.timeout,
                       memory_cap=args.memory_cap * (1 << 30))
    truth = manifest["truth"]
    estimate = row.get("overall")
    return {"run": kind, "workers": workers, "load_before": load, **row,
            "overall_truth": None if kind.endswith("twfe") else round(truth["overall"], 4),
            "e0_truth": None if kind.endswith("twfe") else round(truth["event_time"]["0"], 4),
            "ok": (row["wall_s"] < LIMIT_SECONDS and row["peak_bytes"] < LIMIT_BYTES
                   if kind.startswith("duckdb") and estimate is not None else None)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=int, default=10_000_000,
                        help="number of units, 10 periods each (default 10000000)")
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=20, help="Parquet files (default 20)")
    parser.add_argument("--layout", choices=("scattered", "by_unit"), default="scattered")
    parser.add_argument("--data-dir", default=DEFAULT_DIR,
                        help=f"where the panels are written and reused (default {DEFAULT_DIR})")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS[:3]),
                        help="what to run, in this order (default duckdb-cs duckdb-twfe "
                             "dask-cs)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="Dask workers (Spark cores) of the cluster runs (default 1 2)")
    parser.add_argument("--worker-memory", default="8GB",
                        help="memory limit of each Dask worker, and the Spark JVM's heap")
    parser.add_argument("--duckdb-memory", default=None,
                        help="DuckDBPanel(memory_limit=...) of the DuckDB runs (default: its own)")
    parser.add_argument("--repeat", type=int, default=1, help="measured runs of each")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds after which a run is stopped (default 1800)")
    parser.add_argument("--memory-cap", type=float, default=18.0,
                        help="GB of the run's whole tree at which it is stopped (default 18)")
    parser.add_argument("--peer-python", default=None,
                        help="a Python with moderndid 0.4.1 (and pyspark for peer-spark)")
    parser.add_argument("--output", default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.child:
        print(MARK + json.dumps(child(json.loads(args.child))), flush=True)
        return 0
    folder, manifest = ensure_panel(args.data_dir, args.units, args.periods, seed=args.seed,
                                    n_files=args.files, layout=args.layout)
    rows = []
    for kind in args.runs:
        for workers in (args.workers if kind in BY_WORKERS else [None]):
            for _ in range(args.repeat):
                rows.append(run(kind, workers, folder, manifest, args))
                print(json.dumps(rows[-1]), flush=True)
    shown = [{k: (f"{row[k]:.6f}" if k in DIGITS and row.get(k) is not None else row.get(k))
              for k in COLUMNS} for row in rows]
    print_table(shown, title=f"{manifest['rows']:,} rows ({args.units:,} units x "
                f"{args.periods} periods) in {args.files} Parquet files ({args.layout}); "
                "peak = resident memory of the whole process tree")
    for row in rows:
        if row.get("status") != "ok":
            print(f"{row['run']} (workers {row['workers']}): {row.get('status')}")
    print(f"load average after: {load_average()}")
    print(f"targets (DuckDB runs): {LIMIT_SECONDS:.0f} s, {format_bytes(LIMIT_BYTES)}")
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
