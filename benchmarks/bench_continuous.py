"""Benchmark continuous_did at scale: n units x 10 periods, staggered timing, continuous dose.

Each size is simulated once (fixed seed): cohorts first treated in periods 4 to 10 and
never-treated units, doses uniform on [0.5, 2] with an effect d + 0.5 d^2 from the first
treated period on. Timed: ``continuous_did`` from the DataFrame (checks, the cells, the
spline fits, ATT^o, ACRT^o and the curves on R's default grid of 90 doses) with analytic
standard errors, and with ``--bootstrap`` also the uniform bands (multiplier bootstrap);
``--event-time`` adds the event study. Peak memory by tracemalloc.

With ``--peer-python`` (an interpreter with moderndid installed), moderndid's ``cont_did``
runs on the same data (written once to a Parquet file in a temporary directory) in a
subprocess, with the same options (cubic spline, one knot, not-yet-treated comparisons,
``biters`` = the bootstrap draws, at least 100), up to ``--peer-max-units`` units.

Usage::

    python benchmarks/bench_continuous.py                          # 10k, 100k, 1M units
    python benchmarks/bench_continuous.py --sizes 1000000 --bootstrap 999
    python benchmarks/bench_continuous.py --sizes 100000 --peer-python /tmp/mdid/bin/python

The requirement (2 cores): 1M units x 10 periods under 10 s and 4 GB (analytic).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _measure import (  # noqa: E402
    format_bytes,
    load_average,
    measure,
    print_table,
    size_parser,
    time_call,
)

from evalkit.did.continuous import continuous_did  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 10.0, 4 * (1 << 30)
COLUMNS = {"outcome": "y", "unit": "unit", "time": "period", "dose": "dose",
           "first_treated": "first_treated"}

PEER = r"""
import json, sys, time, warnings
import polars as pl
from moderndid import cont_did
warnings.simplefilter("ignore")
path, biters, aggregation = sys.argv[1], int(sys.argv[2]), sys.argv[3]
frame = pl.read_parquet(path)
start = time.perf_counter()
result = cont_did(data=frame, yname="y", tname="period", idname="unit", dname="dose",
                  gname="first_treated", target_parameter="slope", aggregation=aggregation,
                  degree=3, num_knots=1, control_group="notyettreated", biters=biters,
                  cband=True, random_state=1)
seconds = time.perf_counter() - start
if aggregation == "dose":
    out = {"att": result.overall_att, "acrt": result.overall_acrt}
else:
    out = {"att": float("nan"), "acrt": result.overall_att.overall_att}
print(json.dumps({"seconds": seconds, **{k: float(v) for k, v in out.items()}}))
"""


def simulate(n_units: int, n_periods: int, seed: int = 1) -> pd.DataFrame:
    """A balanced panel in long form, sorted by unit and period."""
    rng = np.random.default_rng(seed)
    starts = np.arange(4, n_periods + 1)
    g = np.where(rng.random(n_units) < 0.3, 0, rng.choice(starts, size=n_units))
    dose = np.where(g > 0, rng.uniform(0.5, 2.0, n_units), 0.0)
    t = np.arange(1, n_periods + 1)
    effect = (t[None, :] >= g[:, None]) & (g[:, None] > 0)
    y = (rng.normal(size=n_units)[:, None] + 0.1 * t[None, :]
         + effect * (dose + 0.5 * dose ** 2)[:, None]
         + rng.normal(size=(n_units, n_periods)))
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "period": np.tile(t, n_units),
                         "first_treated": np.repeat(g, n_periods),
                         "dose": np.repeat(dose, n_periods), "y": y.reshape(-1)})


def estimate(frame: pd.DataFrame, n_draws: int, aggregation: str):
    return continuous_did(frame, **COLUMNS, target="slope", aggregation=aggregation, degree=3,
                          num_knots=1, uniform_band=bool(n_draws),
                          n_draws=max(n_draws, 10), random_state=1)


def peer_run(python: str, path: Path, n_draws: int, aggregation: str) -> dict:
    out = subprocess.run([python, "-c", PEER, str(path), str(max(n_draws, 100)),
                          "eventstudy" if aggregation == "event_time" else "dose"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n_units: int, n_periods: int, repeat: int, n_draws: int, aggregation: str,
        peer: str | None, peer_max: int) -> dict[str, object]:
    frame = simulate(n_units, n_periods)
    times = [time_call(estimate, frame, n_draws, aggregation)[1] for _ in range(repeat)]
    result, traced, peak = measure(estimate, frame, n_draws, aggregation)
    best = min(times) if times else traced
    row: dict[str, object] = {
        "units": n_units, "periods": n_periods, "rows": len(frame), "n_draws": n_draws,
        "evalkit_s": best, "peak_bytes": peak, "ATT^o": round(result.overall_att, 4),
        "ACRT^o": round(result.overall_acrt, 4),
        "ok": (best < LIMIT_SECONDS and peak < LIMIT_BYTES
               if n_units >= 1_000_000 and not n_draws else None)}
    if peer and n_units <= peer_max:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "panel.parquet"
            frame.to_parquet(path)
            other = peer_run(peer, path, n_draws, aggregation)
        row.update({"moderndid_s": other["seconds"], "md_ATT^o": round(other["att"], 4),
                    "md_ACRT^o": round(other["acrt"], 4)})
    return row


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N_DRAWS",
                        help="also compute the uniform bands with this many bootstrap draws")
    parser.add_argument("--event-time", action="store_true",
                        help="aggregation='event_time' (the event study as well)")
    parser.add_argument("--peer-python", default=None,
                        help="a Python with moderndid installed, to run cont_did alongside")
    parser.add_argument("--peer-max-units", type=int, default=100_000,
                        help="largest size the peer is run at (default 100000)")
    args = parser.parse_args(argv)
    aggregation = "event_time" if args.event_time else "dose"
    print(f"load average before: {load_average()}")
    rows = [run(n, args.periods, args.repeat, args.bootstrap, aggregation, args.peer_python,
                args.peer_max_units) for n in args.sizes]
    kind = f"bootstrap bands, {args.bootstrap} draws" if args.bootstrap else "analytic s.e."
    print_table(rows, title=f"continuous_did (cubic spline, one knot, aggregation="
                f"{aggregation!r}, {kind})")
    print(f"load average after: {load_average()}")
    print(f"limits for 1M units (analytic): {LIMIT_SECONDS} s, {format_bytes(LIMIT_BYTES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
