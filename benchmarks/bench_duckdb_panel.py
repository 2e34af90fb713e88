"""Benchmark DuckDBPanel on a folder of Parquet files: checks, the unit table, one pass.

For each size, a folder of Parquet files (one file per million units, rows in unit and
period order; columns unit, period, y, first_treated, x) is written in a temporary
folder by a child process, then a fresh child process measures:

- ``build``: ``DuckDBPanel(folder, ...)``: the footers' check, the row checks (one
  pass of aggregates), the periods, the unit-wide table (one aggregation pass, written
  sorted by unit) and the unit and design checks;
- ``pass``: one full ``map_blocks`` pass (blocks of 500,000 units) adding up, per
  period, the outcome and the covariate of the observed units, the way an estimator
  gathers its sufficient statistics;
- ``cpu s``: the processor time of both (all threads), which depends less than the
  elapsed time on what else the machine runs: on an idle machine with two cores the
  elapsed time is about half of it;
- ``peak RSS``: the child process's peak resident memory (DuckDB's own memory included,
  which tracemalloc does not see).

Target: 10M units x 10 periods (100M rows) within 6 GB of peak memory, in well under a
minute (``--sizes 10000000 --memory-limit 4GB``).

Usage::

    python benchmarks/bench_duckdb_panel.py                          # 10k, 100k, 1M units
    python benchmarks/bench_duckdb_panel.py --sizes 10000000 --memory-limit 4GB
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, print_table, size_parser  # noqa: E402

UNITS_PER_FILE = 1_000_000


def write_folder(folder: Path, n_units: int, n_periods: int, seed: int = 1) -> None:
    """A staggered panel of ``n_units`` x ``n_periods`` in Parquet files under ``folder``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    periods = np.arange(2001, 2001 + n_periods, dtype=np.int64)
    cohorts = np.r_[0, periods[2::2]]
    for index, start in enumerate(range(0, n_units, UNITS_PER_FILE)):
        n = min(UNITS_PER_FILE, n_units - start)
        g = rng.choice(cohorts, size=n)
        effect = np.where((g > 0)[:, None] & (periods[None, :] >= g[:, None]), 1.0, 0.0)
        y = rng.normal(size=(n, n_periods)) + effect + rng.normal(size=n)[:, None]
        pq.write_table(pa.table({
            "unit": np.repeat(np.arange(start, start + n, dtype=np.int64), n_periods),
            "period": np.tile(periods, n),
            "y": y.ravel(),
            "first_treated": np.repeat(g, n_periods),
            "x": rng.normal(size=n * n_periods),
        }), folder / f"part-{index:04d}.parquet")


def period_sums(block) -> dict:
    """Per period: the outcome and the covariate summed over the observed units."""
    import numpy as np

    return {"y": np.nansum(block.outcome, axis=1), "x": np.nansum(block.covariates[0], axis=1),
            "n": block.observed.sum(axis=1).astype(float)}


def measure(folder: Path, memory_limit: str | None) -> dict:
    """Build the panel and make one pass, in this (fresh) process."""
    import resource
    import time

    from evalkit.data.duckdb_panel import DuckDBPanel

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    panel = DuckDBPanel(folder, unit="unit", time="period", outcome="y",
                        first_treated="first_treated", covariates=["x"],
                        memory_limit=memory_limit)
    built = time.perf_counter() - start
    start = time.perf_counter()
    sums = panel.reduce(period_sums)
    passed = time.perf_counter() - start
    assert int(sums["n"].sum()) == panel.n_obs
    panel.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"units": panel.n_units, "rows": panel.n_obs, "build s": built, "pass s": passed,
            "total s": built + passed, "cpu s": usage.ru_utime + usage.ru_stime - cpu,
            "peak RSS bytes": usage.ru_maxrss * 1024}


def main() -> None:
    parser = size_parser(__doc__)
    parser.add_argument("--memory-limit", default=None,
                        help="DuckDB's memory limit, e.g. 4GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--child", nargs=2, metavar=("ACTION", "FOLDER"), help="internal")
    args = parser.parse_args()
    if args.child:
        action, folder = args.child
        if action == "write":
            write_folder(Path(folder), args.sizes[0], args.periods)
        else:
            print(json.dumps(measure(Path(folder), args.memory_limit)))
        return

    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-duckdb-") as tmp:
            folder = Path(tmp) / "panel"
            common = [sys.executable, __file__, "--sizes", str(size), "--periods",
                      str(args.periods)]
            subprocess.run([*common, "--child", "write", str(folder)], check=True)
            best = None
            for _ in range(max(1, args.repeat)):
                extra = ["--memory-limit", args.memory_limit] if args.memory_limit else []
                out = subprocess.run([*common, *extra, "--child", "measure", str(folder)],
                                     check=True, capture_output=True, text=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                if best is None or result["total s"] < best["total s"]:
                    best = result
            rows.append(best)
    print_table(rows, title=f"DuckDBPanel on Parquet, {args.periods} periods, memory limit "
                            f"{args.memory_limit or 'DuckDB default'} (load average "
                            f"{load_average()})")


if __name__ == "__main__":
    main()
