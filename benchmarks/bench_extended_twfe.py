"""Benchmark Wooldridge's extended TWFE at scale: n units x 10 periods, staggered adoption.

Measures, for each size, given a built Panel, ``extended_twfe(panel)`` (not-yet-treated
controls, one coefficient per treated cohort-by-period cell, standard errors clustered by
unit) followed by ``overall()``: wall time (best of ``--repeat`` untraced runs) and peak
memory (tracemalloc, one traced run), plus the time to simulate the data and to build the
Panel (reported separately) and the machine's load average (the machine may be shared:
times grow with the load).

With ``--peer-python PATH``, moderndid's ``etwfe`` + ``emfx(type="simple")`` runs in that
interpreter (a subprocess) on the same simulated data, written once to a Parquet file in a
temporary folder, and both times and both overall ATTs are printed side by side
(``--peer-pythonpath`` adds a folder to the peer's ``PYTHONPATH``, e.g. where pyfixest,
which moderndid's etwfe needs, is installed).

Usage::

    python benchmarks/bench_extended_twfe.py                   # 10k, 100k, 1M units
    python benchmarks/bench_extended_twfe.py --sizes 1000000 --repeat 2
    python benchmarks/bench_extended_twfe.py --sizes 100000 --peer-python /path/to/python
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, size_parser, time_call  # noqa: E402

from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.simulate import simulate_staggered_panel  # noqa: E402
from evalkit.did.extended_twfe import extended_twfe  # noqa: E402

PEER = """
import json, sys, time
import pandas as pd
from moderndid import emfx, etwfe
data = pd.read_parquet(sys.argv[1])
start = time.perf_counter()
fit = etwfe(data=data, yname="y", tname="period", gname="first_treated",
            vcov={"CRV1": "unit"})
overall = emfx(fit, type="simple")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "att": float(overall.overall_att),
                  "se": float(overall.overall_se)}))
"""


def _fit(panel: Panel) -> tuple[float, float]:
    overall = extended_twfe(panel).overall()
    return overall.estimate, overall.std_error


def _peer(python: str, pythonpath: str | None, data_file: Path) -> dict[str, float] | str:
    environment = dict(os.environ)
    if pythonpath:
        environment["PYTHONPATH"] = pythonpath
    done = subprocess.run([python, "-c", PEER, str(data_file)], capture_output=True, text=True,
                          env=environment, timeout=3600, check=False)
    if done.returncode != 0:
        return "failed: " + (done.stderr.strip().splitlines() or ["no message"])[-1][:120]
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(n_units: int, n_periods: int, repeat: int, peer: str | None,
        peer_path: str | None) -> dict[str, object]:
    import time

    start = time.perf_counter()
    simulated = simulate_staggered_panel(n_units, n_periods, seed=1)
    simulate_s = time.perf_counter() - start
    start = time.perf_counter()
    panel = Panel(simulated.data, unit="unit", time="period", outcome="y",
                  first_treated="first_treated")
    panel.fingerprint  # noqa: B018 - computed once per panel; part of building it
    built = time.perf_counter() - start
    times = [time_call(_fit, panel)[1] for _ in range(repeat)]
    (att, se), traced, peak = measure(_fit, panel)
    truth = simulated.effects  # the true overall ATT: cells weighted by their units
    sizes = truth["cohort"].map(simulated.cohort_sizes).to_numpy(dtype=float)
    true_att = float(truth["effect"].to_numpy() @ sizes / sizes.sum())
    row: dict[str, object] = {
        "units": n_units, "rows": panel.n_obs, "simulate_s": simulate_s, "panel_s": built,
        "estimate_s": min(times), "traced_s": traced, "peak_bytes": peak,
        "att": f"{att:.5f} ({se:.5f})",
        "true_att": f"{true_att:.5f}"}
    if peer:
        with tempfile.TemporaryDirectory() as folder:
            data_file = Path(folder) / "panel.parquet"
            simulated.data.to_parquet(data_file, index=False)
            outcome = _peer(peer, peer_path, data_file)
        if isinstance(outcome, str):
            row["peer"] = outcome
        else:
            row["peer_s"] = outcome["seconds"]
            row["peer_att"] = f"{outcome['att']:.5f} ({outcome['se']:.5f})"
    return row


def main(argv: list[str] | None = None) -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--peer-python", default=None,
                        help="a Python with moderndid (and pyfixest) to run its etwfe too")
    parser.add_argument("--peer-pythonpath", default=None,
                        help="PYTHONPATH for the peer (e.g. where pyfixest is installed)")
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    rows = [run(n, args.periods, args.repeat, args.peer_python, args.peer_pythonpath)
            for n in args.sizes]
    print_table(rows, title=f"Extended TWFE (Wooldridge 2021), not-yet-treated controls, "
                            f"clustered by unit, {args.periods} periods")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
