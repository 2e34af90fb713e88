"""The estimators beyond one binary treatment, in one run, beside moderndid where asked.

Runs in turn, each in its own process and on its own simulated data (see each script):

- ``bench_chaisemartin_dhaultfoeuille.py`` (a treatment switching on and off; peer
  moderndid's ``did_multiplegt``),
- ``bench_continuous.py`` (a continuous dose; peer ``cont_did``),
- ``bench_triple_differences.py`` (peer ``ddd``),
- ``bench_did_2x2_doubly_robust.py`` (panel and repeated cross-sections; peer ``drdid``),
- ``bench_extended_twfe.py`` (peer ``etwfe`` + ``emfx``, which needs pyfixest),

with the same ``--sizes`` and ``--repeat``, printing each script's table after the
machine's load average. ``--peer-python`` (an interpreter with moderndid 0.4, which needs
Python 3.12 or later) adds the peers at the same sizes: keep those to 100k units or so
(at 1M units moderndid needs minutes, or more memory than the machine has).

Usage::

    python benchmarks/bench_beyond_binary.py --sizes 1000000
    python benchmarks/bench_beyond_binary.py --sizes 100000 --peer-python /path/to/python3.12

Requirement (2 cores): 1M units x 10 periods, each estimator with analytic standard
errors, under 10 s and 4 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_chaisemartin_dhaultfoeuille.py", "bench_continuous.py",
           "bench_triple_differences.py", "bench_did_2x2_doubly_robust.py",
           "bench_extended_twfe.py")


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--peer-pythonpath", default=None,
                        help="added to the extended TWFE peer's PYTHONPATH (pyfixest)")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, default=list(SCRIPTS))
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    for script in args.only:
        command = [sys.executable, str(HERE / script), "--sizes", *map(str, args.sizes),
                   "--repeat", str(args.repeat)]
        if args.peer_python:
            command += ["--peer-python", args.peer_python]
            if script == "bench_continuous.py":
                command += ["--peer-max-units", str(max(args.sizes))]
            if script == "bench_extended_twfe.py" and args.peer_pythonpath:
                command += ["--peer-pythonpath", args.peer_pythonpath]
        print(f"\n## {script}  (load average before: {_load()})", flush=True)
        done = subprocess.run(command, env=env, cwd=HERE.parent, check=False)
        if done.returncode:
            print(f"{script} exited with status {done.returncode}", flush=True)
    print(f"\nload average after: {_load()}")


if __name__ == "__main__":
    main()
