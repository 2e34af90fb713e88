"""Peak memory of building a Panel and estimating Callaway & Sant'Anna, against the data's size.

The data are the 4 columns a staggered design needs (unit, period, outcome, first
treatment period), simulated as ``bench_callaway_santanna.py`` simulates them: 1M units x
10 periods make 10 million rows, about 305 MB in memory. Each run happens in a process
of its own, in which:

- the frame is simulated and everything else the simulation made is released (the
  allocator is asked to return freed memory to the system, so that memory freed earlier
  cannot hide a peak);
- a warm-up call on a small panel imports and initialises everything that is not timed;
- the call is measured end to end: building the validated ``Panel`` (with its data
  fingerprint, awaited), then ``callaway_santanna`` (doubly robust, never-treated
  comparisons, analytic standard errors) with ``overall()`` and ``event_study()``.

Peak memory is the largest resident size reached during the call, above the resident
size just before it (``VmHWM`` from ``/proc/self/status`` after ``/proc/self/clear_refs``
reset it, as ``bench_matrix.py`` measures it): whatever allocates it, and whatever the
Panel and the result keep. The build and the estimate are measured from the same
starting size, so the call's peak is the larger of the two. The ratio divides the peak by
the frame's ``memory_usage(deep=True).sum()``. Linux only.

Usage::

    python benchmarks/bench_panel_memory.py                    # 1M units, 3 runs
    python benchmarks/bench_panel_memory.py --units 100000 --repeat 5

Target (2 cores): at 1M units x 10 periods, the build under 0.4 s, build and estimate
under 1 s, and a peak under 1.5 times the data's size.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import format_bytes, load_average, print_table  # noqa: E402

LIMIT_RATIO, LIMIT_BUILD, LIMIT_TOTAL = 1.5, 0.4, 1.0


def _status(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(key + r":\s+(\d+) kB", text).group(1)) * 1024


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as reset:
        reset.write("5")


def _release() -> None:
    """Collect garbage and hand freed memory back to the system."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # pragma: no cover - not glibc
        pass


def frame(n_units: int, n_periods: int):
    """The 4 columns of the simulated staggered panel, as a DataFrame of their own."""
    from evalkit.data.simulate import simulate_staggered_panel

    sim = simulate_staggered_panel(n_units, n_periods, seed=1)
    return sim.data[["unit", "period", "y", "first_treated"]].copy()


def call(data):
    """What is measured: the validated Panel, the group-time effects, two aggregations."""
    from evalkit.data.panel import Panel

    start = time.perf_counter()
    panel = Panel(data, unit="unit", time="period", outcome="y", first_treated="first_treated")
    panel.fingerprint  # noqa: B018 - awaited: part of building the panel
    built = time.perf_counter() - start
    return panel, built


def estimate(panel):
    from evalkit.did.callaway_santanna import callaway_santanna

    result = callaway_santanna(panel)
    return result, result.overall(), result.event_study()


def child(n_units: int, n_periods: int) -> dict[str, float]:
    """One measured run, in this (fresh) process."""
    data = frame(n_units, n_periods)
    size = int(data.memory_usage(deep=True).sum())
    warm, _ = call(frame(200, n_periods))
    estimate(warm)
    del warm
    _release()
    before = _status("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    panel, built = call(data)
    peak_build = _status("VmHWM") - before
    _reset_peak()
    start_estimate = time.perf_counter()
    result, overall, dynamic = estimate(panel)
    end = time.perf_counter()
    peak = max(peak_build, _status("VmHWM") - before)
    return {"data_bytes": size, "build_s": built, "estimate_s": end - start_estimate,
            "total_s": end - start, "peak_build_bytes": peak_build, "peak_bytes": peak,
            "kept_bytes": _status("VmRSS") - before, "overall": float(overall.estimate),
            "cells": len(result.coefficients.terms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs, each in a fresh process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.units, args.periods)))
        return 0
    print(f"load average before: {load_average()}")
    rows = []
    for run in range(args.repeat):
        out = subprocess.run([sys.executable, __file__, "--child", "--units", str(args.units),
                              "--periods", str(args.periods)], capture_output=True, text=True,
                             check=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"run": run + 1, "units": args.units, "periods": args.periods,
                     "data": format_bytes(got["data_bytes"]), "build_s": got["build_s"],
                     "estimate_s": got["estimate_s"], "total_s": got["total_s"],
                     "peak_build": got["peak_build_bytes"], "peak": got["peak_bytes"],
                     "ratio": got["peak_bytes"] / got["data_bytes"],
                     "kept_bytes": got["kept_bytes"], "overall": round(got["overall"], 6)})
    print_table(rows, title="Panel build (with its fingerprint) + callaway_santanna + overall()"
                " + event_study(): peak resident memory above the size before the call")
    best_build = min(r["build_s"] for r in rows)
    best_total = min(r["total_s"] for r in rows)
    worst_ratio = max(r["ratio"] for r in rows)
    print(f"load average after: {load_average()}")
    print(f"best build {best_build:.3f} s (target {LIMIT_BUILD} s), best end to end "
          f"{best_total:.3f} s (target {LIMIT_TOTAL} s), largest peak {worst_ratio:.2f} x the "
          f"data (target {LIMIT_RATIO} x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
