"""Benchmark synthetic difference-in-differences at scale, with placebo standard errors.

Measures, for n units x 40 periods (balanced, block adoption, outcomes from a two-factor
model with a known effect; the last ``--treated`` units treated over the last quarter of
the periods), given a built Panel:

- ``synthetic_did(panel, inference=NoInference())``: the estimate alone (unit and time weights);
- ``synthetic_did(panel, inference=Placebo(n_draws=200))``: with the placebo standard error,
  which re-estimates both weight problems for 200 placebo assignments;

each call's wall time (best of ``--repeat`` untraced runs) and peak memory (tracemalloc,
one traced run with ``--memory``), the Frank-Wolfe iterations of the estimate (the
reference caps the second stage at 10,000), and the machine's load average (the
machine may be shared: times grow with the load).

Usage::

    python benchmarks/bench_synthetic_did.py                         # 1000 and 5000 units
    python benchmarks/bench_synthetic_did.py --sizes 1000 --repeat 3
    python benchmarks/bench_synthetic_did.py --sizes 1000 --treated 50 --method sc

The target (2 cores): SDID on 1,000 units x 40 periods with 200 placebo replications
under 60 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, size_parser, time_call  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.inference.kinds import NoInference, Placebo  # noqa: E402
from evalkit.synthetic.synthetic_did import synthetic_did  # noqa: E402

LIMIT_SECONDS = 60.0
EFFECT = 2.0


def block_panel(n_units: int, n_periods: int, n_treated: int, seed: int = 1) -> Panel:
    """A balanced panel from a two-factor model, the last units treated in the last quarter."""
    rng = np.random.default_rng(seed)
    n_pre = n_periods - max(1, n_periods // 4)
    loadings = rng.normal(size=(n_units, 2))
    loadings[-n_treated:] += 0.5  # the treated units differ from the average control
    factors = rng.normal(0, 0.5, size=(n_periods, 2)).cumsum(axis=0)
    y = (10.0 + rng.normal(0, 3, (n_units, 1)) + np.linspace(0, 5, n_periods)[None, :]
         + loadings @ factors.T + rng.normal(0, 1, (n_units, n_periods)))
    treated = ((np.arange(n_units) >= n_units - n_treated)[:, None]
               & (np.arange(n_periods) >= n_pre)[None, :])
    y += EFFECT * treated
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                          "period": np.tile(np.arange(n_periods), n_units),
                          "y": y.ravel(), "treated": treated.ravel().astype(np.int8)})
    return Panel(frame, unit="unit", time="period", outcome="y", treatment="treated")


def run(n_units: int, n_periods: int, n_treated: int, method: str, n_reps: int, repeat: int,
        memory: bool) -> list[dict[str, object]]:
    start = time.perf_counter()
    panel = block_panel(n_units, n_periods, n_treated)
    built = time.perf_counter() - start
    calls = [("estimate", {"inference": NoInference()}),
             (f"placebo x{n_reps}", {"inference": Placebo(n_draws=n_reps, random_state=1)})]
    rows = []
    for name, options in calls:
        results = [time_call(synthetic_did, panel, method=method, **options)
                   for _ in range(repeat)]
        result = results[0][0]
        best = min(seconds for _, seconds in results)
        peak = measure(synthetic_did, panel, method=method, **options)[2] if memory else None
        iterations = ", ".join(f"{k} {v[0]}+{v[1]}" for k, v in result.iterations.items())
        rows.append({
            "units": n_units, "periods": n_periods, "treated": n_treated, "method": method,
            "call": name, "panel_s": built, "seconds": best, "peak_bytes": peak,
            "estimate": f"{result.estimate:.3f} (true {EFFECT:g})",
            "std_error": None if np.isnan(result.std_error) else f"{result.std_error:.3f}",
            "iterations": iterations,
            "ok": (best < LIMIT_SECONDS if n_units == 1_000 and method == "sdid"
                   and name.startswith("placebo") else None)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.set_defaults(sizes=[1_000, 5_000], periods=40)
    parser.add_argument("--treated", type=int, default=1, help="treated units (default 1)")
    parser.add_argument("--reps", type=int, default=200, help="placebo replications (200)")
    parser.add_argument("--method", choices=["sdid", "sc", "did"], default="sdid")
    parser.add_argument("--memory", action="store_true",
                        help="also measure peak memory (one more, traced, run per call)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes
            for row in run(n, args.periods, args.treated, args.method, args.reps, args.repeat,
                           args.memory)]
    print_table(rows, title=f"synthetic_did, {args.periods} periods; target for 1,000 units "
                            f"with {args.reps} placebo replications: {LIMIT_SECONDS:g} s")
    print(f"load average after: {load_average()}")
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
