"""Benchmark chaisemartin_dhaultfoeuille at scale, side by side with moderndid.

A simulated panel of n units x 10 periods whose treatment switches on and off at random
dates (baseline 0 or 1, first change up or down by 1, a second change later for some units,
values 0, 1 or 2); 5 effects and 2 placebos with analytic standard errors clustered by unit,
plus ``overall()`` and ``event_study()``. evalkit is timed end to end from the DataFrame
(checks, grid, estimates, result); peak memory by tracemalloc on a separate call.

The peer runs in its own interpreter on the same data (written once to Parquet in a
temporary folder): give it with ``--peer-python`` (a Python with moderndid installed). It
is timed on ``moderndid.did_multiplegt(frame, yname="y", idname="unit", tname="period",
dname="d", effects=5, placebo=2)`` with the frame already read. Runs are interleaved.

Usage::

    python benchmarks/bench_chaisemartin_dhaultfoeuille.py                 # 10k, 100k, 1M
    python benchmarks/bench_chaisemartin_dhaultfoeuille.py --sizes 100000 --repeat 2
    python benchmarks/bench_chaisemartin_dhaultfoeuille.py --sizes 1000000 \\
        --peer-python /tmp/mdid/bin/python

The requirement (2 cores): 1M units x 10 periods under 10 s and 4 GB. A peer that fails
(moderndid 0.4.1 was killed for lack of memory at 1M units on a 24 GB machine) is reported
in the table instead of stopping the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _measure import format_bytes, load_average, measure, print_table, size_parser  # noqa: E402

from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 10.0, 4 * (1 << 30)
EFFECTS, PLACEBOS = 5, 2

PEER = r"""
import json, sys, time, warnings
import pandas as pd
import moderndid
warnings.simplefilter("ignore")
frame = pd.read_parquet(sys.argv[1])
start = time.perf_counter()
result = moderndid.did_multiplegt(frame, yname="y", idname="unit", tname="period", dname="d",
                                  effects=int(sys.argv[2]), placebo=int(sys.argv[3]))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "effect_1": float(result.effects.estimates[0]),
                  "se_1": float(result.effects.std_errors[0]),
                  "ate": float(result.ate.estimate)}))
"""


def simulate(n_units: int, n_periods: int, seed: int = 1) -> pd.DataFrame:
    """Treatment 0/1/2 switching on and off at random dates; Y = a_g + l_t + 0.5 D + e."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2, size=n_units)
    first = rng.integers(2, n_periods + 4, size=n_units)  # after the last period: never
    step = np.where(base == 0, 1, rng.choice([-1, 1], size=n_units))
    again = first + rng.integers(1, n_periods, size=n_units)
    second = rng.choice([-1, 1], size=n_units)  # back towards the baseline, or further
    t = np.arange(1, n_periods + 1)[None, :]
    d = np.where(t >= first[:, None], (base + step)[:, None], base[:, None])
    d = np.where(t >= again[:, None], np.clip(base + step + second * step, 0, 2)[:, None], d)
    y = (rng.normal(size=n_units)[:, None] + 0.1 * t + 0.5 * d
         + rng.normal(size=(n_units, n_periods)))
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "period": np.tile(np.arange(1, n_periods + 1), n_units),
                         "y": y.ravel(), "d": d.ravel().astype(float)})


def evalkit_run(frame: pd.DataFrame):
    """What is timed: the estimate from the DataFrame, and the two report views."""
    result = chaisemartin_dhaultfoeuille(frame, outcome="y", unit="unit", time="period",
                                         treatment="d", effects=EFFECTS, placebos=PLACEBOS)
    return result, result.overall(), result.event_study()


def peer_run(python: str, path: Path) -> dict:
    """The peer's time and estimates, or why it failed (e.g. killed for lack of memory)."""
    out = subprocess.run([python, "-c", PEER, str(path), str(EFFECTS), str(PLACEBOS)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        why = (f"killed by signal {-out.returncode}" if out.returncode < 0
               else (out.stderr.strip().splitlines() or ["failed"])[-1][:80])
        return {"failed": why}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--peer-python", default=None,
                        help="a Python with moderndid installed, to run it side by side")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = []
    for n in args.sizes:
        start = time.perf_counter()
        frame = simulate(n, args.periods)
        simulated = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "panel.parquet"
            if args.peer_python:
                frame.to_parquet(path)
            ours, theirs, peer, answer = [], [], None, None
            for _ in range(args.repeat):
                start = time.perf_counter()
                answer = evalkit_run(frame)
                ours.append(time.perf_counter() - start)
                if args.peer_python:
                    peer = peer_run(args.peer_python, path)
                    if "failed" not in peer:
                        theirs.append(peer["seconds"])
            _, traced, peak = measure(evalkit_run, frame)
        result, overall, _ = answer
        best = min(ours)
        row = {"units": n, "periods": args.periods, "rows": len(frame),
               "simulate_s": simulated, "evalkit_s": best, "traced_s": traced, "peak": peak,
               "effect_1": f"{result.estimates['effect_1']:.6f}",
               "se_1": f"{result.std_errors['effect_1']:.6f}",
               "ATE": f"{overall.estimate:.6f}"}
        if peer is not None and "failed" in peer:
            row["moderndid"] = peer["failed"]
        elif peer is not None:
            row.update({"moderndid_s": min(theirs), "ratio": f"{best / min(theirs):.3f}",
                        "moderndid effect_1": f"{peer['effect_1']:.6f}",
                        "moderndid se_1": f"{peer['se_1']:.6f}",
                        "moderndid ATE": f"{peer['ate']:.6f}"})
        if n >= 1_000_000:
            row["ok"] = best < LIMIT_SECONDS and peak < LIMIT_BYTES
        rows.append(row)
        print(row, flush=True)
    print_table(rows, title=f"chaisemartin_dhaultfoeuille ({EFFECTS} effects, {PLACEBOS} "
                "placebos, analytic s.e. by unit) + overall() + event_study()")
    print(f"load average after: {load_average()}")
    print(f"limits for 1M units: {LIMIT_SECONDS} s, {format_bytes(LIMIT_BYTES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
