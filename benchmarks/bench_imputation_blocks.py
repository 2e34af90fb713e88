"""Benchmark the imputation estimator read in blocks of whole units, beside in memory.

For n units x 10 periods (balanced, simulated with known effects), given a built Panel,
measures ``imputation`` (every event time with its conservative clustered standard
errors, plus the pre-trend test with every identified lead) and ``imputation_overall``
(the ATT) on:

- the Panel itself (the in-memory path);
- ``SplitPanel(panel, --blocks)``: the same data read as blocks of whole units, the path
  a panel held by an engine (DuckDB, Dask) takes, from sums over units (three passes);

each call's wall time (best of ``--repeat`` untraced runs) and peak memory (tracemalloc,
one traced run), the largest difference between the two paths' estimates and standard
errors, and the time one pass over the blocks takes only to cut them out of the Panel
(``read_s``: what a SplitPanel adds and an engine replaces by its own reads). The
machine may be shared: the load average is printed before and after.

Usage::

    python benchmarks/bench_imputation_blocks.py                      # 1M units, 8 blocks
    python benchmarks/bench_imputation_blocks.py --sizes 100000 --blocks 4 --repeat 3
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import (  # noqa: E402
    load_average,
    measure,
    print_table,
    simulated_panel,
    size_parser,
    time_call,
)

from evalkit.data.unit_blocks import SplitPanel, UnitBlock  # noqa: E402
from evalkit.did.imputation import imputation, imputation_overall  # noqa: E402


def _nothing(block: UnitBlock) -> dict[str, np.ndarray]:
    return {"units": np.array([block.n], dtype=float)}


def _gap(a: object, b: object) -> float:
    ca, cb = a.coefficients, b.coefficients  # type: ignore[attr-defined]
    return float(max(np.max(np.abs(ca.estimate - cb.estimate)),
                     np.max(np.abs(ca.std_error - cb.std_error))))


def run(n_units: int, n_periods: int, n_blocks: int, repeat: int) -> list[dict[str, object]]:
    panel, _, simulated, built = simulated_panel(n_units, n_periods)
    split = SplitPanel(panel, n_blocks)
    start = time.perf_counter()
    split.reduce(_nothing)
    read = time.perf_counter() - start
    rows = []
    for name, fn in (("event study", imputation), ("overall ATT", imputation_overall)):
        results = {}
        for source, data in (("memory", panel), (f"{n_blocks} blocks", split)):
            best = min(time_call(fn, data)[1] for _ in range(repeat))
            result, _, peak = measure(fn, data)
            results[source] = result
            rows.append({"units": n_units, "rows": panel.n_obs, "call": name,
                         "data": source, "simulate_s": simulated, "panel_s": built,
                         "read_s": None if source == "memory" else read,
                         "estimate_s": best, "peak_bytes": peak})
        rows[-1]["max_gap"] = f"{_gap(*results.values()):.1e}"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.set_defaults(sizes=[1_000_000])
    parser.add_argument("--blocks", type=int, default=8, help="blocks of the SplitPanel (8)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes
            for row in run(n, args.periods, args.blocks, args.repeat)]
    print_table(rows, title=f"imputation (BJS 2024), in memory and in blocks, "
                            f"{args.periods} periods")
    print(f"load average after: {load_average()}")
    gaps = [float(row["max_gap"]) for row in rows if "max_gap" in row]  # type: ignore[arg-type]
    return 0 if all(gap < 1e-10 for gap in gaps) else 1


if __name__ == "__main__":
    raise SystemExit(main())
