"""Benchmark the wild cluster bootstrap and randomization inference at scale.

Measures, on simulated staggered panels (balanced, ``--periods`` periods, units spread
over 50 states):

- ``wild_cluster_bootstrap(twfe(panel), panel)``: 9,999 Rademacher draws, clustered by
  state (50 clusters), with the confidence interval by test inversion; the target is
  1M rows (100k units x 10 periods) well under 2 s;
- ``randomization_inference(twfe(panel), panel)``: 999 random permutations of the cohorts
  across units, for the estimate and for the t statistic; the target is 100k rows
  (10k units x 10 periods) in a few seconds;

each call's wall time (best of ``--repeat`` untraced runs; the TWFE fit itself is done
once beforehand and not timed) and peak memory (tracemalloc, one traced run), and the
machine's load average (the machine may be shared: times grow with the load).

Usage::

    python benchmarks/bench_wild_bootstrap.py                 # defaults below
    python benchmarks/bench_wild_bootstrap.py --sizes 100000  # units for the bootstrap
    python benchmarks/bench_wild_bootstrap.py --repeat 3
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, size_parser, time_call  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.simulate import simulate_staggered_panel  # noqa: E402
from evalkit.did import twfe  # noqa: E402
from evalkit.robustness.randomization import randomization_inference  # noqa: E402
from evalkit.robustness.wild import wild_cluster_bootstrap  # noqa: E402

WILD_LIMIT_SECONDS = 2.0  # 1M rows, 50 clusters, 9,999 draws
RI_LIMIT_SECONDS = 5.0    # 100k rows, 999 permutations
N_STATES = 50


def state_panel(n_units: int, n_periods: int) -> tuple[Panel, float]:
    """A simulated staggered panel with units spread over 50 states; seconds to build it."""
    start = time.perf_counter()
    data = simulate_staggered_panel(n_units, n_periods, seed=1).data
    data["state"] = data["unit"] % N_STATES
    panel = Panel(data, unit="unit", time="period", outcome="y", first_treated="first_treated",
                  cluster="state")
    panel.fingerprint  # noqa: B018 - computed once per panel; part of building it
    return panel, time.perf_counter() - start


def run_wild(n_units: int, n_periods: int, repeat: int) -> dict[str, object]:
    panel, built = state_panel(n_units, n_periods)
    result = twfe(panel)
    call = lambda: wild_cluster_bootstrap(result, panel, random_state=1)  # noqa: E731
    best = min(time_call(call)[1] for _ in range(repeat))
    boot, traced, peak = measure(call)
    return {"call": "wild_cluster_bootstrap", "rows": panel.n_obs, "clusters": boot.n_clusters,
            "draws": boot.n_draws, "panel_s": built, "seconds": best, "traced_s": traced,
            "peak_bytes": peak,
            "check": f"p {boot.p_value:.4f}; CI {boot.interval[0]:.4f}..{boot.interval[1]:.4f}",
            "ok": best < WILD_LIMIT_SECONDS if panel.n_obs >= 1_000_000 else None}


def run_randomization(n_units: int, n_periods: int, repeat: int) -> list[dict[str, object]]:
    panel, built = state_panel(n_units, n_periods)
    result = twfe(panel)
    rows = []
    for statistic in ("estimate", "t"):
        call = lambda s=statistic: randomization_inference(  # noqa: E731
            result, panel, statistic=s, random_state=1)
        best = min(time_call(call)[1] for _ in range(repeat))
        ri, traced, peak = measure(call)
        rows.append({"call": f"randomization_inference ({statistic})", "rows": panel.n_obs,
                     "units": panel.n_units, "draws": ri.n_draws, "panel_s": built,
                     "seconds": best, "traced_s": traced, "peak_bytes": peak,
                     "check": f"p {ri.p_value:.4f}",
                     "ok": best < RI_LIMIT_SECONDS if panel.n_obs >= 100_000 else None})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.set_defaults(sizes=[100_000])
    parser.add_argument("--ri-units", type=int, default=10_000,
                        help="units for randomization inference (default 10000)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [run_wild(n, args.periods, args.repeat) for n in args.sizes]
    rows += run_randomization(args.ri_units, args.periods, args.repeat)
    print_table(rows, title=f"wild cluster bootstrap (targets: {WILD_LIMIT_SECONDS:g} s for 1M "
                            f"rows) and randomization inference ({RI_LIMIT_SECONDS:g} s for "
                            "100k rows)")
    print(f"load average after: {load_average()}")
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
