"""Benchmark aggregating every French commune to departments.

Measures ``aggregate(table, "commune_code", "departement", by=["year"], rates=...)`` on
a table of every commune of the referential (34,875) x ``--years`` years, with
``--indicators`` rates each recomputed from its own numerator and denominator (so
twice as many count columns), and 0.1 % of the numerators missing (so that the
missing values are named). The referential is loaded once before timing (it is cached
for the process; its first load is reported separately). Reports the wall time (best
of ``--repeat`` untraced runs), the peak memory (one traced run) and the load average
(the machine may be shared: times grow with the load).

Usage::

    python benchmarks/bench_aggregate.py                  # 20 years x 20 indicators
    python benchmarks/bench_aggregate.py --repeat 5

The target (2 cores): 35,000 communes x 20 years x 20 indicators to departments under 1 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, time_call  # noqa: E402

from evalkit.territories import Referential, aggregate  # noqa: E402

LIMIT_SECONDS = 1.0


def commune_table(years: int, indicators: int, seed: int = 1) -> pd.DataFrame:
    """Every commune x ``years`` years, with a numerator and a denominator per indicator."""
    codes = np.asarray(Referential.france().codes("commune"))
    rng = np.random.default_rng(seed)
    n = len(codes) * years
    data: dict[str, object] = {
        "commune_code": pd.array(np.repeat(codes, years), dtype="str"),
        "year": np.tile(np.arange(2005, 2005 + years), len(codes)),
    }
    for i in range(indicators):
        den = rng.integers(10, 5_000, n)
        num = rng.binomial(den, 0.15).astype(float)
        num[rng.random(n) < 0.001] = np.nan
        data[f"num_{i}"] = num
        data[f"den_{i}"] = den
    return pd.DataFrame(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3,
                        help="untraced timed runs; the best is reported (default 3)")
    args = parser.parse_args()

    start = time.perf_counter()
    Referential.france()
    loaded = time.perf_counter() - start
    table = commune_table(args.years, args.indicators)
    rates = {f"rate_{i}": (f"num_{i}", f"den_{i}", 100) for i in range(args.indicators)}

    def run() -> object:
        return aggregate(table, "commune_code", "departement", by=["year"], rates=rates)

    result, _, peak = measure(run)
    best = min(time_call(run)[1] for _ in range(args.repeat))
    print_table([{
        "communes": table["commune_code"].nunique(), "years": args.years,
        "indicators": args.indicators, "rows": len(table), "output_rows": len(result.table),
        "seconds": best, "peak": peak, "referential_load_s": loaded,
        "under_1s": best < LIMIT_SECONDS,
    }], title=f"aggregate to departments (load average {load_average()})")


if __name__ == "__main__":
    main()
