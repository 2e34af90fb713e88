"""Benchmark did_2x2's doubly robust methods at scale: panels and repeated cross-sections.

Simulates, with a fixed seed, a two-period panel of n units (2n rows, ``unit=`` given) and
a repeated cross-section of 2n rows (``unit=None``), each with three covariates that move
both the chance of treatment and the trend (the effect is 2). Times ``did_2x2`` end to end
from the DataFrame (checks, pairing of the units, propensity score, outcome regressions,
influence-function standard error) for the improved and the traditional doubly robust
estimators, and measures the peak memory of the call (tracemalloc).

The peer is moderndid's ``drdid`` (a Python port of R's DRDID), run in its own
interpreter on the same data written once to Parquet: give it with ``--peer-python``
(a Python with ``moderndid`` and ``pyarrow``). Both times and both estimates are printed
side by side.

Usage::

    python benchmarks/bench_did_2x2_doubly_robust.py                       # 10k, 100k, 1M
    python benchmarks/bench_did_2x2_doubly_robust.py --sizes 1000000 --repeat 2
    python benchmarks/bench_did_2x2_doubly_robust.py --sizes 100000 \
        --peer-python /tmp/mdid/bin/python

Target (2 cores): 1M units x 2 periods and 2M cross-section rows, 3 covariates, each
under 10 s and 4 GB.
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

from evalkit.did.two_by_two import did_2x2  # noqa: E402

LIMIT_SECONDS, LIMIT_BYTES = 10.0, 4 * (1 << 30)
COVARIATES = ["x1", "x2", "x3"]
PEER_METHOD = {"doubly_robust": "imp", "doubly_robust_traditional": "trad"}

PEER = r"""
import json, sys, time, warnings
import pandas as pd
from moderndid.drdid.drdid import drdid
warnings.simplefilter("ignore")
path, panel, method = sys.argv[1], sys.argv[2] == "panel", sys.argv[3]
data = pd.read_parquet(path)
start = time.perf_counter()
result = drdid(data=data, yname="y", tname="period", treatname="d",
               idname="id" if panel else None, xformla="~ x1 + x2 + x3", panel=panel,
               est_method=method)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "att": float(result.att), "se": float(result.se)}))
"""


def simulated(n_units: int, *, panel: bool, seed: int = 1) -> pd.DataFrame:
    """Two periods; three covariates shift the trend and the propensity score."""
    rng = np.random.default_rng(seed)
    n = n_units if panel else 2 * n_units
    x = rng.normal(size=(n, 3))
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(0.5 - x @ [0.6, -0.4, 0.3]))).astype(np.int64)
    base = 1 + x @ [1.0, 0.5, -0.5] + d + rng.normal(size=n)
    trend = 1 + x @ [0.8, -0.4, 0.2] + 2.0 * d
    if panel:
        columns = {"id": np.repeat(np.arange(n), 2), "period": np.tile([0, 1], n),
                   "d": np.repeat(d, 2)}
        columns.update({f"x{j + 1}": np.repeat(x[:, j], 2) for j in range(3)})
        y = np.column_stack([base + rng.normal(size=n), base + trend + rng.normal(size=n)])
        columns["y"] = y.ravel()
        return pd.DataFrame(columns)
    period = (rng.uniform(size=n) < 0.5).astype(np.int64)
    columns = {"id": np.arange(n), "period": period, "d": d}
    columns.update({f"x{j + 1}": x[:, j] for j in range(3)})
    columns["y"] = base + period * trend + rng.normal(size=n)
    return pd.DataFrame(columns)


def evalkit_run(frame: pd.DataFrame, panel: bool, method: str):
    return did_2x2(frame, outcome="y", treated="d", post="period", covariates=COVARIATES,
                   method=method, unit="id" if panel else None)


def peer_run(python: str, path: Path, panel: bool, method: str) -> dict:
    out = subprocess.run([python, "-c", PEER, str(path), "panel" if panel else "rc",
                          PEER_METHOD[method]], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--peer-python", default=None,
                        help="a Python with moderndid (and pyarrow), run side by side")
    parser.add_argument("--methods", nargs="+", default=list(PEER_METHOD),
                        choices=list(PEER_METHOD), help="methods to time")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}", flush=True)
    rows = []
    for n in args.sizes:
        for panel in (True, False):
            frame = simulated(n, panel=panel)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "data.parquet"
                if args.peer_python:
                    frame.to_parquet(path)
                for method in args.methods:
                    ours, theirs, peer = [], [], None
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        result = evalkit_run(frame, panel, method)
                        ours.append(time.perf_counter() - start)
                        if args.peer_python:
                            peer = peer_run(args.peer_python, path, panel, method)
                            theirs.append(peer["seconds"])
                    _, _, peak = measure(evalkit_run, frame, panel, method)
                    best = min(ours)
                    row = {"design": "panel" if panel else "cross-sections",
                           "units": n if panel else None, "rows": len(frame),
                           "method": method, "evalkit_s": best, "peak_bytes": peak,
                           "ATT": f"{result.estimate:.6f}", "s.e.": f"{result.std_error:.6f}",
                           "ok": (best < LIMIT_SECONDS and peak < LIMIT_BYTES
                                  if len(frame) >= 2_000_000 else None)}
                    if peer is not None:
                        row.update({"moderndid_s": min(theirs),
                                    "moderndid ATT": f"{peer['att']:.6f}",
                                    "moderndid s.e.": f"{peer['se']:.6f}",
                                    "speed-up": f"{min(theirs) / best:.1f}x"})
                    rows.append(row)
                    print(row, flush=True)
            del frame
    print_table(rows, title="did_2x2, doubly robust, 3 covariates, analytic standard errors")
    print(f"load average after: {load_average()}")
    print(f"limits at 1M units / 2M rows: {LIMIT_SECONDS} s, {format_bytes(LIMIT_BYTES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
