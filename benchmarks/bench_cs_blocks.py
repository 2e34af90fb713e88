"""Benchmark callaway_santanna on a panel read as blocks of units, beside the in-memory path.

For each size (n units x 10 periods, doubly robust, no covariates, analytic standard
errors, with ``overall()`` and ``event_study()``): the in-memory estimator on the
``Panel``, and the block estimator on ``SplitPanel(panel, k)`` for each ``k`` asked (the
reference of the engines: the time includes building every block's arrays from the
panel at each pass, as an engine reads its data). Reports wall times, peak memory
(tracemalloc) and the largest difference of the ATT(g,t) and standard errors.

Usage::

    python benchmarks/bench_cs_blocks.py                         # 1M units, 1 and 8 blocks
    python benchmarks/bench_cs_blocks.py --sizes 100000 --blocks 1 4 16
    python benchmarks/bench_cs_blocks.py --repeat 3 --covariates  # with a covariate
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _measure import (  # noqa: E402
    load_average,
    measure,
    print_table,
    simulated_panel,
    size_parser,
    time_call,
)

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.unit_blocks import SplitPanel  # noqa: E402
from evalkit.did.callaway_santanna import callaway_santanna  # noqa: E402


def estimate(panel, covariates: bool):
    """What is timed: the group-time effects and the two usual aggregations."""
    result = callaway_santanna(panel, covariates=["x"] if covariates else ())
    return result, result.overall(), result.event_study()


def _with_covariate(panel: Panel) -> Panel:
    data = panel.data.copy()
    rng = np.random.default_rng(7)
    data["x"] = rng.normal(size=panel.n_units)[panel.unit_index]
    return Panel(data, unit=panel.unit, time=panel.time, outcome=panel.outcome,
                 first_treated=panel.first_treated, covariates=["x"])


def run(n_units: int, n_periods: int, blocks: list[int], repeat: int,
        covariates: bool) -> list[dict[str, object]]:
    panel = simulated_panel(n_units, n_periods)[0]
    if covariates:
        panel = _with_covariate(panel)
    rows = []
    reference = None
    for label, target in [("memory", panel)] + [
            (f"SplitPanel({k})", SplitPanel(panel, k)) for k in blocks]:
        times = [time_call(estimate, target, covariates)[1] for _ in range(repeat)]
        (result, overall, _), traced, peak = measure(estimate, target, covariates)
        if reference is None:
            reference = result
        rows.append({
            "units": n_units, "periods": n_periods, "panel": label,
            "cells": len(result.coefficients.terms),
            "seconds": min(times) if times else traced, "peak_bytes": peak,
            "overall": round(overall.estimate, 5),
            "max_diff": float(max(np.max(np.abs(result.estimate - reference.estimate)),
                                  np.max(np.abs(result.std_error - reference.std_error))))})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.set_defaults(sizes=[1_000_000])
    parser.add_argument("--blocks", type=int, nargs="+", default=[1, 8],
                        help="numbers of blocks of the SplitPanel (default: 1 8)")
    parser.add_argument("--covariates", action="store_true",
                        help="with one time-invariant covariate (doubly robust with a logit)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes
            for row in run(n, args.periods, args.blocks, args.repeat, args.covariates)]
    what = "one covariate" if args.covariates else "no covariates"
    print_table(rows, title=f"callaway_santanna (doubly robust, {what}, analytic s.e.) + "
                "overall() + event_study(): in memory and on blocks")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
