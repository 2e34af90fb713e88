"""Benchmark the imputation estimator (Borusyak, Jaravel & Spiess) at scale: n units x 10 periods.

Measures, for each size, given a built Panel:

- ``imputation(panel)``: every event-time effect with its conservative clustered
  standard errors (BJS Theorem 3, leave-out residuals) plus the pre-trend test with
  every identified lead;
- ``imputation_overall(panel)``: the ATT over every treated observation, with its
  standard error;

each call's wall time (best of ``--repeat`` untraced runs) and peak memory (tracemalloc,
one traced run), plus the time to simulate the data and to build the Panel, and the
machine's load average (the machine may be shared: times grow with the load).

Usage::

    python benchmarks/bench_imputation.py                   # 10k, 100k, 1M units
    python benchmarks/bench_imputation.py --sizes 100000    # chosen sizes
    python benchmarks/bench_imputation.py --repeat 3        # best of 3 timed runs

The requirement (2 cores): 1M units x 10 periods (10 million rows), with standard
errors, under 10 s and 4 GB.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import (  # noqa: E402
    format_bytes,
    load_average,
    measure,
    print_table,
    simulated_panel,
    size_parser,
    time_call,
)

from evalkit.did.imputation import imputation, imputation_overall  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 10.0, 4 * (1 << 30)


def run(n_units: int, n_periods: int, repeat: int) -> list[dict[str, object]]:
    panel, truth, simulated, built = simulated_panel(n_units, n_periods)
    rows = []
    for name, fn in (("event study", imputation), ("overall ATT", imputation_overall)):
        times = [time_call(fn, panel)[1] for _ in range(repeat)]
        result, traced, peak = measure(fn, panel)
        best = min(times)
        if name == "event study":
            index = result.event_time.index(0)
            check = (f"e0 {result.coefficients.estimate[index]:.4f} "
                     f"(se {result.coefficients.std_error[index]:.4f}, true {truth[0]:.4f}); "
                     f"{len(result.event_time)} terms")
        else:
            check = f"ATT {result.estimate:.4f} (se {result.std_error:.4f})"
        rows.append({"units": n_units, "periods": n_periods, "rows": panel.n_obs, "call": name,
                     "simulate_s": simulated, "panel_s": built, "estimate_s": best,
                     "traced_s": traced, "peak_bytes": peak, "check": check,
                     "ok": (best < LIMIT_SECONDS and peak < LIMIT_BYTES
                            if n_units >= 1_000_000 else None)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes for row in run(n, args.periods, args.repeat)]
    print_table(rows, title=f"imputation (BJS 2024), {args.periods} periods; limits for 1M units: "
                            f"{LIMIT_SECONDS:g} s, {format_bytes(LIMIT_BYTES)}")
    print(f"load average after: {load_average()}")
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
