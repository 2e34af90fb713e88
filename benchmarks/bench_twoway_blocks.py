"""Benchmark TWFE and the TWFE event study read in blocks of whole units, beside in memory.

For n units x 10 periods (balanced, simulated with known effects), given a built Panel,
measures ``twfe`` and ``event_study`` (every event time, clustered by unit) on:

- the Panel itself (the in-memory path);
- ``SplitPanel(panel, --blocks)``: the same data read as blocks of whole units, the path
  a panel held by an engine (DuckDB, Dask) takes, from sums over units;

each call's wall time (best of ``--repeat`` untraced runs) and peak memory (tracemalloc,
one traced run), the largest difference between the two paths' coefficients and
standard errors, and the time one pass over the blocks takes only to cut them out of
the Panel (``read_s``: what a SplitPanel adds and an engine replaces by its own reads;
the static TWFE makes three passes, the event study four). The machine may be shared:
the load average is printed before and after.

Usage::

    python benchmarks/bench_twoway_blocks.py                      # 1M units, 8 blocks
    python benchmarks/bench_twoway_blocks.py --sizes 100000 --blocks 4 --repeat 3
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, memory_and_blocks, print_table, size_parser  # noqa: E402

from evalkit.did import event_study, twfe  # noqa: E402


def run(n_units: int, n_periods: int, n_blocks: int, repeat: int) -> list[dict[str, object]]:
    calls = (("twfe", twfe), ("event_study", event_study))
    return memory_and_blocks(calls, n_units, n_periods, n_blocks, repeat)


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.set_defaults(sizes=[1_000_000])
    parser.add_argument("--blocks", type=int, default=8, help="blocks of the SplitPanel (8)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes
            for row in run(n, args.periods, args.blocks, args.repeat)]
    print_table(rows, title=f"TWFE and event study, in memory and in blocks, "
                            f"{args.periods} periods")
    print(f"load average after: {load_average()}")
    return 0 if all(float(row.get("max_gap") or 0) < 1e-10 for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
