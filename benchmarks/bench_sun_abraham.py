"""Benchmark the Sun & Abraham interaction-weighted event study at scale: n units x 10 periods.

Measures, for each size, given a built Panel, ``sun_abraham(panel)`` (every cohort by
event-time interaction, 27 for the default cohorts, clustered by unit; delta-method
standard errors and the pre-trend test): wall time (best of ``--repeat`` untraced
runs) and peak memory (tracemalloc, one traced run), plus the time to simulate the data
and to build the Panel (reported separately) and the machine's load average (the
machine may be shared: times grow with the load).

Usage::

    python benchmarks/bench_sun_abraham.py                  # 10k, 100k, 1M units
    python benchmarks/bench_sun_abraham.py --sizes 100000   # chosen sizes
    python benchmarks/bench_sun_abraham.py --repeat 3       # best of 3 timed runs
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, simulated_panel, size_parser, time_call  # noqa: E402

from evalkit.did.sun_abraham import sun_abraham  # noqa: E402


def run(n_units: int, n_periods: int, repeat: int) -> dict[str, object]:
    panel, truth, simulated, built = simulated_panel(n_units, n_periods)
    times = [time_call(sun_abraham, panel)[1] for _ in range(repeat)]
    result, traced, peak = measure(sun_abraham, panel)
    post = [k for k in result.event_time if k >= 0]
    error = max(abs(result.coefficients.estimate[result.event_time.index(k)] - truth[k])
                for k in post)
    return {"units": n_units, "rows": panel.n_obs, "simulate_s": simulated, "panel_s": built,
            "estimate_s": min(times), "traced_s": traced, "peak_bytes": peak,
            "check": f"{len(result.event_time)} event times; max |error| after treatment "
                     f"{error:.4f}"}


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [run(n, args.periods, args.repeat) for n in args.sizes]
    print_table(rows, title=f"Sun & Abraham (2021) interaction-weighted event study, "
                            f"{args.periods} periods")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
