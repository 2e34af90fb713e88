"""Benchmark HonestDiD and the synthetic control's placebos.

Measures each call's wall time (best of ``--repeat`` runs) and the machine's load
average (the machine may be shared: times grow with the load):

- ``honest_did`` on TWFE event studies of simulated panels of 2,000 units with 5, 10
  and 20 pre-periods and as many post-periods (yearly data over 11, 21 and 41 years),
  10 values of M with the breakdown value, for relative magnitudes (conditional-least-
  favourable hybrid) and smoothness (FLCI), for the first and the average
  post-treatment effect; targets: both restrictions in under 5 s at 10 x 10 and under
  30 s at 20 x 20;
- ``synthetic_control`` on Proposition 99 (39 states x 31 years) with placebos in space
  and leave-one-out: the default predictors (the outcome in every pre-period) and
  Abadie, Diamond & Hainmueller's three outcome years with V optimised.

Usage::

    python benchmarks/bench_sensitivity.py
    python benchmarks/bench_sensitivity.py --repeat 3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, print_table, time_call  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.simulate import simulate_staggered_panel  # noqa: E402
from evalkit.datasets import load_prop99  # noqa: E402
from evalkit.did import event_study  # noqa: E402
from evalkit.inference.kinds import PlaceboInSpace  # noqa: E402
from evalkit.robustness import honest_did  # noqa: E402
from evalkit.robustness._honest_vertices import _cached_rays  # noqa: E402
from evalkit.synthetic import synthetic_control  # noqa: E402

#: (pre-periods, post-periods) -> target in seconds for both restrictions together
HONEST_SIZES = {(5, 5): None, (10, 10): 5.0, (20, 20): 30.0}


def _event_study(n_pre: int, n_post: int):
    """TWFE event study of 2,000 simulated units with n_pre + n_post + 1 yearly periods."""
    periods = n_pre + n_post + 1
    data = simulate_staggered_panel(2_000, periods, cohorts=(n_pre + 2, n_pre + 4),
                                    seed=1).data
    panel = Panel(data, unit="unit", time="period", outcome="y", first_treated="first_treated")
    return event_study(panel, window=(-n_pre - 1, n_post - 1), reference=-1)


def run_honest(repeat: int) -> list[dict[str, object]]:
    rows = []
    for (n_pre, n_post), target in HONEST_SIZES.items():
        es = _event_study(n_pre, n_post)
        for parameter in ("first", "average"):
            total = 0.0
            for restriction in ("relative_magnitude", "smoothness"):
                def call(r=restriction, p=parameter, es=es):
                    _cached_rays.cache_clear()  # time the vertex enumeration too
                    return honest_did(es, restriction=r, parameter=p)
                result, seconds = min((time_call(call) for _ in range(repeat)),
                                      key=lambda pair: pair[1])
                total += seconds
                rows.append({"call": f"honest_did {restriction}, {parameter}",
                             "size": f"{len(result.pre_event_times)} pre, "
                                     f"{len(result.post_event_times)} post, "
                                     f"{len(result.m_values)} M",
                             "seconds": seconds,
                             "check": f"breakdown {result.breakdown_value:.4g}"})
            rows.append({"call": f"  both restrictions, {parameter}",
                         "size": f"{n_pre} pre, {n_post} post", "seconds": total,
                         "check": "" if target is None else f"target < {target:g} s: "
                                  f"{'met' if total < target else 'MISSED'}"})
    return rows


def run_synthetic_control(repeat: int) -> list[dict[str, object]]:
    panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                  treatment="treated")
    rows = []
    for label, predictors in (("every pre-period outcome", None),
                              ("1975, 1980, 1988; V optimised", [1975, 1980, 1988])):
        call = lambda p=predictors: synthetic_control(  # noqa: E731
            panel, predictors=p, inference=PlaceboInSpace(), leave_one_out=True)
        result, seconds = min((time_call(call) for _ in range(repeat)),
                              key=lambda pair: pair[1])
        rows.append({"call": f"synthetic_control, placebos + leave-one-out ({label})",
                     "size": "39 states x 31 years", "seconds": seconds,
                     "check": f"effect {result.average_effect:.2f}; placebo p "
                              f"{result.placebo.p_value:.3f}"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per call (best kept)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = run_honest(args.repeat) + run_synthetic_control(args.repeat)
    print_table(rows, title="HonestDiD and synthetic control placebos")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
