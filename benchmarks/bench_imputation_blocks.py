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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, memory_and_blocks, print_table, size_parser  # noqa: E402

from evalkit.did.imputation import imputation, imputation_overall  # noqa: E402


def run(n_units: int, n_periods: int, n_blocks: int, repeat: int) -> list[dict[str, object]]:
    calls = (("event study", imputation), ("overall ATT", imputation_overall))
    return memory_and_blocks(calls, n_units, n_periods, n_blocks, repeat)


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
