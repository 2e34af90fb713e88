"""Every estimator that has a Python peer, side by side with it: the benchmark matrix.

For each size, one simulated staggered panel (n units x 10 periods, three cohorts and
never-treated units, a unit-level covariate) is written to Parquet; synthetic DiD, which
is meant for few treated units and a modest pool of comparison units, gets its own block
panel (n units x 40 periods, the last 1 % of units treated over the last quarter).
Every call then runs in a process of its own, evalkit and each peer alike, and
alternately (evalkit, peers, evalkit, peers ...):

- the data are read from Parquet and a warm-up call is made on the first and last 0.5 %
  of the units (imports, just-in-time compilation and caches are not timed);
- one call on the whole panel is timed end to end from the DataFrame: for evalkit,
  building the validated ``Panel`` and the estimate; for a peer, its ``fit`` on the frame;
- its peak memory is the largest resident size reached during the call, above the
  resident size just before it (``/proc/self/status``, after ``/proc/self/clear_refs``),
  measured the same way for every tool, whatever allocates the memory (numpy, Rust or
  numba code).

Each row prints the best time of ``--repeat`` runs of each tool, the fastest peer, the
ratio evalkit / fastest peer, both peaks and one number from each result (the overall or
event-time-0 effect) to show that they estimate the same thing. A ratio above 0.25 is
marked as a gap. Synthetic DiD is measured at ``--block-sizes`` units (1,000 and 5,000 by
default) x 40 periods with 200 placebo draws: a donor pool of 100,000 units is not its use.

Peers run in their own interpreter: give it with ``--peer-python`` (diff-diff 3.13 and
pyfixest 0.60 were measured; pyfixest's ``did2s`` took 15 s at 5,000 units and is not
among the peers; ``python3.11 -m venv /tmp/peers && /tmp/peers/bin/pip install
diff-diff pyfixest pyarrow``). A peer missing from that interpreter is skipped.

Usage::

    python benchmarks/bench_matrix.py --peer-python /tmp/peers/bin/python
    python benchmarks/bench_matrix.py --sizes 100000 --repeat 2 --peer-python ...
    python benchmarks/bench_matrix.py --rows cs_dr_never twfe --peer-python ...
    python benchmarks/bench_matrix.py --markdown matrix.md --peer-python ...

Target (2 cores): evalkit at most 0.25x the fastest peer's time on every row.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _measure import format_bytes, load_average  # noqa: E402

from evalkit.data.simulate import simulate_staggered_panel  # noqa: E402

TARGET = 0.25

# Run in a fresh interpreter: {setup} imports, {call} is the body of call(frame) -> float.
HARNESS = r'''
import gc, json, re, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import pandas as pd

def _status(key):
    return int(re.search(key + r":\s+(\d+) kB", open("/proc/self/status").read()).group(1)) * 1024

{setup}

def call(frame):
{call}

frame = pd.read_parquet(sys.argv[1])
units = np.sort(frame["unit"].unique())
k = max(units.size // 200, 100)  # the first and the last units: some treated, some not
call(frame[frame["unit"].isin(np.r_[units[:k], units[-k:]])].reset_index(drop=True))
gc.collect()
before = _status("VmRSS")
with open("/proc/self/clear_refs", "w") as reset:
    reset.write("5")
start = time.perf_counter()
value = call(frame)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "peak": _status("VmHWM") - before, "value": float(value)}}))
'''

EVALKIT_SETUP = """
from evalkit import Panel
from evalkit.did import (callaway_santanna, event_study, imputation, imputation_overall,
                         sun_abraham, twfe)
from evalkit.inference.kinds import NoInference, Placebo
from evalkit.synthetic.synthetic_did import synthetic_did

def panel(frame, covariates=()):
    return Panel(frame, unit="unit", time="period", outcome="y",
                 first_treated="first_treated", covariates=list(covariates))
"""

DIFF_DIFF_SETUP = """
from diff_diff import CallawaySantAnna, ImputationDiD, SunAbraham, SyntheticDiD
"""

PYFIXEST_SETUP = """
import pyfixest as pf

def with_event_time(frame):
    out = frame.copy()
    out["rel"] = np.where(out["first_treated"] > 0, out["period"] - out["first_treated"], -1000)
    return out
"""


def _cs(method: str, control: str, covariates: tuple[str, ...] = ()) -> tuple[str, str]:
    ours = f"""
    result = callaway_santanna(panel(frame, {covariates!r}), method={method!r},
                               control_group={control!r}, covariates={list(covariates)!r})
    result.event_study()
    return result.overall().estimate"""
    short = {"doubly_robust": "dr", "inverse_probability": "ipw",
             "outcome_regression": "reg"}[method]
    theirs = f"""
    result = CallawaySantAnna(control_group={control!r}, estimation_method={short!r}).fit(
        frame, outcome="y", unit="unit", time="period", first_treat="first_treated",
        covariates={list(covariates) or None!r}, aggregate="all")
    return result.overall_att"""
    return ours, theirs


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    evalkit: str
    peers: dict[str, str] = field(default_factory=dict)
    data: str = "staggered"  # or "block" (synthetic DiD)


def _rows() -> list[Row]:
    rows = []
    for method in ("doubly_robust", "inverse_probability", "outcome_regression"):
        for control in ("never_treated", "not_yet_treated"):
            ours, theirs = _cs(method, control)
            key = f"cs_{method.split('_')[0][:3]}_{control.split('_')[0]}"
            rows.append(Row(key, f"Callaway & Sant'Anna, {method.replace('_', ' ')}, "
                                 f"{control.replace('_', '-')} comparisons, simple and "
                                 "event-study aggregations", ours, {"diff-diff": theirs}))
    ours, theirs = _cs("doubly_robust", "never_treated", ("x",))
    rows.append(Row("cs_dr_covariate", "Callaway & Sant'Anna, doubly robust, one covariate, "
                    "never-treated comparisons, both aggregations", ours, {"diff-diff": theirs}))
    rows.append(Row("twfe", "TWFE, static, clustered by unit", """
    return twfe(panel(frame)).estimate""", {"pyfixest": """
    model = pf.feols("y ~ treated | unit + period", data=frame, vcov={"CRV1": "unit"})
    return model.coef()["treated"]"""}))
    rows.append(Row("event_study", "TWFE event study, every event time, clustered by unit", """
    return event_study(panel(frame)).estimates["e0"]""", {"pyfixest": """
    model = pf.feols("y ~ i(rel, ref=-1) | unit + period", data=with_event_time(frame),
                     vcov={"CRV1": "unit"})
    return model.coef()["rel::0"]"""}))
    rows.append(Row("sun_abraham", "Sun & Abraham, every event time, clustered by unit", """
    return sun_abraham(panel(frame)).estimates["e0"]""", {"diff-diff": """
    result = SunAbraham().fit(frame, outcome="y", unit="unit", time="period",
                              first_treat="first_treated")
    return result.event_study_effects[0]["effect"]"""}))
    rows.append(Row("imputation_overall", "Imputation (Borusyak, Jaravel & Spiess), overall "
                    "ATT with its standard error", """
    return imputation_overall(panel(frame)).estimate""", {"diff-diff": """
    result = ImputationDiD().fit(frame, outcome="y", unit="unit", time="period",
                                 first_treat="first_treated")
    return result.overall_att"""}))
    rows.append(Row("imputation", "Imputation, every event time with standard errors", """
    return imputation(panel(frame)).estimates["e0"]""", {"diff-diff": """
    result = ImputationDiD().fit(frame, outcome="y", unit="unit", time="period",
                                 first_treat="first_treated")
    study = result.aggregate("event_study")
    return study.att[list(study.event_time).index(0)]"""}))
    rows.append(Row("synthetic_did", "Synthetic DiD, estimate and placebo standard error "
                    "(200 draws)", """
    data = Panel(frame, unit="unit", time="period", outcome="y", treatment="treated")
    return synthetic_did(data, inference=Placebo(n_draws=200, random_state=1)).estimate""",
                    {"diff-diff": """
    ever = frame.groupby("unit")["treated"].transform("max")
    result = SyntheticDiD(variance_method="placebo", n_bootstrap=200, seed=1).fit(
        frame.assign(ever=ever), outcome="y", treatment="ever", unit="unit", time="period",
        post_periods=sorted(frame.loc[frame["treated"] == 1, "period"].unique()))
    return result.att"""}, data="block"))
    return rows


SETUPS = {"evalkit": EVALKIT_SETUP, "diff-diff": DIFF_DIFF_SETUP, "pyfixest": PYFIXEST_SETUP}


def staggered_frame(n_units: int, n_periods: int = 10) -> pd.DataFrame:
    return simulate_staggered_panel(n_units, n_periods, seed=1, covariate_trend=0.2).data


def block_frame(n_units: int, n_periods: int = 40, treated_share: float = 0.01,
                seed: int = 1) -> pd.DataFrame:
    """A two-factor model, the last units treated over the last quarter (effect 2)."""
    rng = np.random.default_rng(seed)
    n_treated = max(1, int(n_units * treated_share))
    n_pre = n_periods - n_periods // 4
    loadings = rng.normal(size=(n_units, 2))
    loadings[-n_treated:] += 0.5
    factors = rng.normal(0, 0.5, size=(n_periods, 2)).cumsum(axis=0)
    y = (10.0 + rng.normal(0, 3, (n_units, 1)) + np.linspace(0, 5, n_periods)[None, :]
         + loadings @ factors.T + rng.normal(0, 1, (n_units, n_periods)))
    treated = ((np.arange(n_units) >= n_units - n_treated)[:, None]
               & (np.arange(n_periods) >= n_pre)[None, :])
    y += 2.0 * treated
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                         "period": np.tile(np.arange(n_periods), n_units),
                         "y": y.ravel(), "treated": treated.ravel().astype(np.int8)})


def run_one(python: str, tool: str, body: str, path: Path) -> dict | None:
    code = HARNESS.format(setup=SETUPS[tool], call=body.strip("\n"))
    out = subprocess.run([python, "-c", code, str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"    {tool}: failed: {last}", flush=True)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[1_000, 5_000],
                        help="units of the synthetic DiD panel, one per size")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rows", nargs="+", default=None, help="row keys to run")
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--markdown", default=None, help="also write the table to this file")
    args = parser.parse_args()
    rows = [r for r in _rows() if args.rows is None or r.key in args.rows]
    table = []
    with tempfile.TemporaryDirectory() as folder:
        for i, n in enumerate(args.sizes):
            paths = {}
            for kind in sorted({r.data for r in rows}):
                units = n if kind == "staggered" else args.block_sizes[i]
                frame = staggered_frame(units) if kind == "staggered" else block_frame(units)
                paths[kind] = (Path(folder) / f"{kind}_{units}.parquet", units)
                frame.to_parquet(paths[kind][0])
                del frame
            for row in rows:
                path, units = paths[row.data]
                print(f"{units:,} units: {row.key}", flush=True)
                runs: dict[str, list[dict]] = {"evalkit": []}
                for _ in range(args.repeat):
                    runs["evalkit"].append(run_one(sys.executable, "evalkit", row.evalkit, path))
                    for peer, body in row.peers.items() if args.peer_python else ():
                        runs.setdefault(peer, []).append(
                            run_one(args.peer_python, peer, body, path))
                best = {tool: min((r for r in done if r), key=lambda r: r["seconds"])
                        for tool, done in runs.items() if any(done)}
                ours = best.get("evalkit")
                peers = {k: v for k, v in best.items() if k != "evalkit"}
                fastest = min(peers, key=lambda k: peers[k]["seconds"]) if peers else None
                line = {"estimator": row.label, "units": f"{units:,}",
                        "evalkit": f"{ours['seconds']:.2f} s" if ours else "failed",
                        "evalkit peak": format_bytes(ours["peak"]) if ours else ""}
                if fastest:
                    theirs = peers[fastest]
                    ratio = ours["seconds"] / theirs["seconds"] if ours else float("nan")
                    others = ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in peers.items()
                                       if k != fastest)
                    line.update({
                        "fastest peer": f"{fastest} {theirs['seconds']:.2f} s"
                                        + (f" ({others})" if others else ""),
                        "peer peak": format_bytes(theirs["peak"]),
                        "ratio": f"{ratio:.2f}" + (" (gap)" if ratio > TARGET else ""),
                        "effect (evalkit / peer)": f"{ours['value']:.4f} / "
                                                   f"{theirs['value']:.4f}" if ours else ""})
                print("    " + json.dumps(line), flush=True)
                table.append(line)
    print(f"load average {load_average()}")
    columns = list(dict.fromkeys(k for line in table for k in line))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(line.get(c, "")) for c in columns) + " |" for line in table]
    print("\n".join(lines))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
