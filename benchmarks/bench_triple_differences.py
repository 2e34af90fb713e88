"""Benchmark triple_differences at scale: n units x 10 periods, staggered, doubly robust with
one covariate, analytic standard errors.

Simulates (seed 1) units in groups enabled in periods 4 to 8 or never, half of them
eligible, a covariate ``x`` that shifts trends, eligibility and the effect, in long form
(n x periods rows). Times (untraced, best of --repeat) the call on the DataFrame --
checks, the balanced panel, every ATT(g,t) with its influence function, the data
fingerprint -- plus ``overall()`` and ``event_study()``, then measures its peak memory
in one more call under tracemalloc (``traced_s``: that call's time, slowed by tracing).

Usage::

    python benchmarks/bench_triple_differences.py                  # 10k, 100k, 1M units
    python benchmarks/bench_triple_differences.py --sizes 100000 --repeat 3
    python benchmarks/bench_triple_differences.py --sizes 10000 --peer-python /tmp/mdid/bin/python

``--peer-python PATH`` also runs moderndid's ``ddd`` (the same options) in that interpreter,
on the same data written once to a Parquet file, and prints both times and estimates. The
overall effects differ when several groups are enabled: moderndid weighs groups by their
eligible units, R's triplediff (and evalkit) by all their units (here about the same,
eligibility being independent of the group); the first cell agrees.

The requirement (2 cores): 1M units x 10 periods under 10 s and 4 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import (  # noqa: E402
    format_bytes,
    load_average,
    measure,
    print_table,
    size_parser,
    time_call,
)

from evalkit.did.triple_differences import triple_differences  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 10.0, 4 * (1 << 30)
OPTIONS = dict(outcome="y", unit="unit", time="period", first_treated="group",
               eligible="eligible", covariates=["x"])

PEER = """
import json, sys, time, warnings
import polars as pl
import moderndid as did
warnings.filterwarnings("ignore")
data = pl.read_parquet(sys.argv[1])
start = time.perf_counter()
r = did.ddd(data=data, yname="y", tname="period", idname="unit", gname="group",
            pname="eligible", xformla="~ x", control_group="nevertreated",
            base_period="varying", est_method="dr")
overall = did.agg_ddd(r, type="simple", boot=False, cband=False)
seconds = time.perf_counter() - start
first = [i for i, (g, t) in enumerate(zip(r.groups, r.times)) if t >= g][0]
print(json.dumps({"seconds": seconds, "first_cell": float(r.att[first]),
                  "overall": float(overall.overall_att)}))
"""


def simulate(n_units: int, n_periods: int = 10, seed: int = 1) -> pd.DataFrame:
    """Long panel: groups enabled in periods 4..8 (or never, 0), eligibility, covariate."""
    rng = np.random.default_rng(seed)
    groups = np.array([4, 5, 6, 7, 8, 0])
    group = groups[rng.choice(6, size=n_units, p=[0.12, 0.12, 0.12, 0.12, 0.12, 0.4])]
    x = rng.normal(size=n_units)
    eligible = (rng.uniform(size=n_units) < 1 / (1 + np.exp(-0.5 * x))).astype(np.int8)
    period = np.arange(1, n_periods + 1)
    base = rng.normal(size=n_units) + 0.5 * x
    trend = 0.3 + 0.2 * x + 0.4 * eligible
    effect = (eligible * (group > 0))[:, None] * (period[None, :] >= group[:, None]) * (
        1.0 + 0.1 * x[:, None])
    y = base[:, None] + trend[:, None] * period[None, :] + effect + rng.normal(
        size=(n_units, n_periods))
    return pd.DataFrame({
        "unit": np.repeat(np.arange(n_units, dtype=np.int64), n_periods),
        "period": np.tile(period, n_units), "group": np.repeat(group, n_periods),
        "eligible": np.repeat(eligible, n_periods), "x": np.repeat(x, n_periods),
        "y": y.ravel()})


def estimate(data: pd.DataFrame):
    """What is timed: the group-time effects and the two usual aggregations."""
    result = triple_differences(data, **OPTIONS)
    return result, result.overall(), result.event_study()


def peer(python: str, data: pd.DataFrame) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ddd.parquet"
        data.to_parquet(path)
        done = subprocess.run([python, "-c", PEER, str(path)], capture_output=True, text=True,
                              timeout=3600)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(n_units: int, n_periods: int, repeat: int, peer_python: str | None) -> dict:
    data = simulate(n_units, n_periods)
    times = [time_call(estimate, data)[1] for _ in range(repeat)]
    (result, overall, _), traced, peak = measure(estimate, data)
    post = np.flatnonzero(result.period >= result.cohort)[0]
    row = {"units": n_units, "periods": n_periods, "rows": len(data),
           "cells": len(result.coefficients.terms), "seconds": min(times), "traced_s": traced,
           "peak_bytes": peak,
           "first_cell": round(float(result.estimate[post]), 4),
           "overall": round(overall.estimate, 4),
           "ok": (min(times) < LIMIT_SECONDS and peak < LIMIT_BYTES
                  if n_units >= 1_000_000 else None)}
    if peer_python:
        other = peer(peer_python, data)
        row.update(peer_seconds=other["seconds"], peer_first_cell=round(other["first_cell"], 4),
                   peer_overall=round(other["overall"], 4))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--peer-python", metavar="PATH", default=None,
                        help="a Python with moderndid installed, to time its ddd on the same "
                             "data")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [run(n, args.periods, args.repeat, args.peer_python) for n in args.sizes]
    print_table(rows, title="triple_differences (doubly robust, one covariate, analytic s.e.,"
                " never-enabled comparisons) + overall() + event_study()")
    print(f"load average after: {load_average()}")
    print(f"limits for 1M units: {LIMIT_SECONDS} s, {format_bytes(LIMIT_BYTES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
