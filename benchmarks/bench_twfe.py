"""Benchmark two-way fixed effects at scale: the static TWFE and the TWFE event study.

Measures, for n units x 10 periods (balanced, simulated with known effects), given a
built Panel:

- ``twfe(panel)``: the static regression, clustered by unit;
- ``event_study(panel)``: every event time (13 dummies for the default cohorts),
  clustered by unit, with the pre-trend test;
- ``bacon_decomposition(panel)``: the Goodman-Bacon decomposition of the static
  coefficient (no target of its own);

each call's wall time (best of ``--repeat`` untraced runs) and peak memory
(tracemalloc, one traced run), the time to simulate the data and to build the Panel
(reported separately), and the machine's load average (the machine may be shared:
times grow with the load). ``--linearmodels`` also times the same static regression
through ``linearmodels.PanelOLS`` (what evalkit used before), for comparison.

Usage::

    python benchmarks/bench_twfe.py                        # 10k, 100k, 1M units
    python benchmarks/bench_twfe.py --sizes 100000         # chosen sizes
    python benchmarks/bench_twfe.py --repeat 3             # best of 3 timed runs
    python benchmarks/bench_twfe.py --sizes 100000 --linearmodels

The target (2 cores): 1M units x 10 periods (10 million rows) under 5 s for each call.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, simulated_panel, size_parser, time_call  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.did import bacon_decomposition, event_study, twfe  # noqa: E402

LIMIT_SECONDS = 5.0


def linearmodels_twfe(panel: Panel) -> float:
    """The static TWFE coefficient through linearmodels' PanelOLS, clustered by unit."""
    from linearmodels import PanelOLS

    index = pd.MultiIndex.from_arrays([panel.unit_index, panel.period_index],
                                      names=["unit", "time"])
    y = pd.Series(panel.values(panel.outcome), index=index, name="y")
    x = pd.DataFrame({"treated": panel.treated.to_numpy(dtype=float)}, index=index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = PanelOLS(y, x, entity_effects=True, time_effects=True).fit(
            cov_type="clustered", cluster_entity=True, debiased=False, auto_df=False,
            count_effects=False)
        return float(np.sqrt(fit.cov.iloc[0, 0]))


def run(n_units: int, n_periods: int, repeat: int, with_linearmodels: bool
        ) -> list[dict[str, object]]:
    panel, truth, simulated, built = simulated_panel(n_units, n_periods)
    calls = [("twfe", twfe), ("event_study", event_study),
             ("bacon_decomposition", bacon_decomposition)]
    if with_linearmodels:
        calls.append(("PanelOLS (static)", linearmodels_twfe))
    rows = []
    for name, fn in calls:
        times = [time_call(fn, panel)[1] for _ in range(repeat)]
        result, traced, peak = measure(fn, panel)
        best = min(times)
        if name == "twfe":
            check = f"beta {result.estimate:.4f} (se {result.std_error:.5f})"
        elif name == "event_study":
            index = result.event_time.index(0)
            check = (f"e0 {result.coefficients.estimate[index]:.4f} (true {truth[0]:.4f}); "
                     f"{len(result.event_time)} terms")
        elif name == "bacon_decomposition":
            check = f"{result.weight.size} comparisons, weights sum {result.weight.sum():.6f}"
        else:
            check = f"se {result:.5f}"
        rows.append({"units": n_units, "rows": panel.n_obs, "call": name,
                     "simulate_s": simulated, "panel_s": built, "estimate_s": best,
                     "traced_s": traced, "peak_bytes": peak, "check": check,
                     "ok": (best < LIMIT_SECONDS if n_units >= 1_000_000
                            and name in ("twfe", "event_study") else None)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--linearmodels", action="store_true",
                        help="also time the static regression through linearmodels' PanelOLS")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [row for n in args.sizes
            for row in run(n, args.periods, args.repeat, args.linearmodels)]
    print_table(rows, title=f"two-way fixed effects, {args.periods} periods; target for 1M units: "
                            f"{LIMIT_SECONDS:g} s per call")
    print(f"load average after: {load_average()}")
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
