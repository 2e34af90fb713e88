"""Benchmark Callaway & Sant'Anna with covariates, side by side with diff-diff.

Doubly robust, never-treated comparisons, analytic standard errors, the overall and the
event-study aggregations, with one and with three time-invariant covariates, on a
simulated staggered panel of n units x 10 periods. evalkit is timed end to end: building
the validated ``Panel`` from the frame, then the estimate and both aggregations.

The peer runs in its own interpreter on the same data (written once to Parquet): give it
with ``--peer-python`` (a Python with ``diff-diff`` installed, for example
``python3.11 -m venv /tmp/peers && /tmp/peers/bin/pip install diff-diff pyarrow``). It is
timed the same way: ``CallawaySantAnna(estimation_method="dr").fit(..., aggregate="all")``
on the frame. Runs are interleaved (evalkit, peer, evalkit, peer ...).

The two trim propensity scores differently: R's ``did`` (which evalkit follows) drops
comparison units whose score is at least 0.995, diff-diff clips every score to
``[pscore_trim, 1 - pscore_trim]``, 0.01 by default. The peer is run with
``--peer-trim`` (1e-6 by default) so that its clipping does not explain a difference; the
table gives the gap between the two overall effects and between their standard errors.

Usage::

    python benchmarks/bench_cs_covariates.py --sizes 1000000 --peer-python /tmp/peers/bin/python
    python benchmarks/bench_cs_covariates.py --sizes 100000 --repeat 2

Target (2 cores): evalkit at most 0.25x diff-diff's time at 1M units, with one and with
three covariates.
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
from _measure import load_average, measure, print_table, size_parser  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.simulate import simulate_staggered_panel  # noqa: E402
from evalkit.did.callaway_santanna import callaway_santanna  # noqa: E402

PEER = r"""
import json, sys, time, warnings
import pandas as pd
from diff_diff import CallawaySantAnna
warnings.simplefilter("ignore")
path, covariates, trim = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
frame = pd.read_parquet(path)
start = time.perf_counter()
result = CallawaySantAnna(control_group="never_treated", estimation_method="dr",
                          pscore_trim=trim).fit(
    frame, outcome="y", unit="unit", time="period", first_treat="first_treated",
    covariates=covariates, aggregate="all")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "overall": float(result.overall_att),
                  "overall_se": float(result.overall_se)}))
"""


def frame_with_covariates(n_units: int, n_periods: int, seed: int = 1):
    """The simulated panel's frame with two more time-invariant covariates."""
    sim = simulate_staggered_panel(n_units, n_periods, seed=seed, covariate_trend=0.2)
    frame = sim.data
    rng = np.random.default_rng(seed + 1)
    units = frame["unit"].to_numpy()
    for name in ("x2", "x3"):
        frame[name] = rng.normal(size=n_units)[units % n_units]
    return frame


def evalkit_run(frame, covariates: list[str]):
    """What is timed: the Panel built from the frame, the estimate, both aggregations."""
    panel = Panel(frame, unit="unit", time="period", outcome="y",
                  first_treated="first_treated", covariates=covariates)
    result = callaway_santanna(panel, covariates=covariates)
    return result.overall(), result.event_study()


def peer_run(python: str, path: Path, covariates: list[str], trim: float) -> dict:
    out = subprocess.run([python, "-c", PEER, str(path), json.dumps(covariates), str(trim)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = size_parser(__doc__)
    parser.add_argument("--peer-python", default=None,
                        help="a Python with diff-diff installed, to run it side by side")
    parser.add_argument("--peer-trim", type=float, default=1e-6,
                        help="diff-diff's pscore_trim (its default is 0.01)")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        frame = frame_with_covariates(n, args.periods)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "panel.parquet"
            if args.peer_python:
                frame.to_parquet(path)
            for covariates in (["x"], ["x", "x2", "x3"]):
                ours, theirs, answer, peer = [], [], None, None
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    answer = evalkit_run(frame, covariates)
                    ours.append(time.perf_counter() - start)
                    if args.peer_python:
                        peer = peer_run(args.peer_python, path, covariates, args.peer_trim)
                        theirs.append(peer["seconds"])
                _, _, peak = measure(evalkit_run, frame, covariates)
                overall = answer[0]
                row = {"units": f"{n:,}", "covariates": len(covariates),
                       "evalkit s": f"{min(ours):.2f}" + (
                           f" ({', '.join(f'{t:.2f}' for t in ours)})" if len(ours) > 1 else ""),
                       "peak": peak, "ATT": f"{overall.estimate:.6f}",
                       "s.e.": f"{overall.std_error:.6f}"}
                if peer is not None:
                    row.update({"diff-diff s": f"{min(theirs):.2f}",
                                "ratio": f"{min(ours) / min(theirs):.2f}",
                                "diff-diff ATT": f"{peer['overall']:.6f}",
                                "ATT gap": f"{abs(overall.estimate - peer['overall']):.1e}",
                                "s.e. gap": f"{abs(overall.std_error - peer['overall_se']):.1e}"})
                rows.append(row)
                print(row, flush=True)
    print(f"load average {load_average()}")
    print_table(rows)


if __name__ == "__main__":
    main()
