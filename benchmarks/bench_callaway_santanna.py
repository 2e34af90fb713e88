"""Benchmark callaway_santanna at scale: n units x 10 periods, doubly robust, no covariates.

Measures, for each size, the estimator call given a built Panel -- the ATT(g,t) with
analytic standard errors, plus ``overall()`` and ``event_study()`` -- its wall time and its
peak memory (tracemalloc), and separately the time to simulate the data and to build
the Panel (including its data fingerprint, computed once per panel).

Usage::

    python benchmarks/bench_callaway_santanna.py                  # 10k, 100k, 1M units
    python benchmarks/bench_callaway_santanna.py --sizes 100000   # chosen sizes
    python benchmarks/bench_callaway_santanna.py --repeat 3       # best of 3 timed runs
    python benchmarks/bench_callaway_santanna.py --sizes 100000 --bootstrap 999

The requirement (2 cores, 24 GB): 1M units x 10 periods under 1.2 s and 1.5 GB.
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

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.did.callaway_santanna import callaway_santanna  # noqa: E402
from evalkit.inference.kinds import Clustered  # noqa: E402
from evalkit.inference.multiplier import MultiplierBootstrap  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 1.2, 1.5 * (1 << 30)


def estimate(panel: Panel, n_draws: int = 0):
    """What is timed: the group-time effects and the two usual aggregations."""
    inference = (MultiplierBootstrap(n_draws=n_draws, random_state=1) if n_draws
                 else Clustered())
    result = callaway_santanna(panel, inference=inference)
    return result, result.overall(), result.event_study()


def run(n_units: int, n_periods: int, repeat: int, n_draws: int = 0) -> dict[str, object]:
    panel, _, simulated, built = simulated_panel(n_units, n_periods)
    times = [time_call(estimate, panel, n_draws)[1] for _ in range(repeat)]
    (result, overall, dynamic), traced, peak = measure(estimate, panel, n_draws)
    best = min(times) if times else traced
    return {"units": n_units, "periods": n_periods, "rows": panel.n_obs, "n_draws": n_draws,
            "cells": len(result.coefficients.terms), "simulate_s": simulated,
            "panel_s": built, "estimate_s": best, "traced_s": traced, "peak_bytes": peak,
            "overall": round(overall.estimate, 4), "e0": round(dynamic.coefficients.estimate[
                dynamic.event_time.index(0)], 4),
            "ok": (best < LIMIT_SECONDS and peak < LIMIT_BYTES
                   if n_units >= 1_000_000 and not n_draws else None)}


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N_DRAWS",
                        help="use the multiplier bootstrap with this many draws instead of "
                             "analytic standard errors")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [run(n, args.periods, args.repeat, args.bootstrap) for n in args.sizes]
    kind = f"bootstrap, {args.bootstrap} draws" if args.bootstrap else "analytic s.e."
    print_table(rows, title=f"callaway_santanna (doubly robust, no covariates, {kind})"
                " + overall() + event_study()")
    print(f"load average after: {load_average()}")
    print(f"limits for 1M units: {LIMIT_SECONDS} s, {format_bytes(LIMIT_BYTES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
