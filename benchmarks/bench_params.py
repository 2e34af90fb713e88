"""Benchmark how fast hostile or mistaken params files are refused.

Each file is checked with ``load_params`` (time: best of ``--repeat`` untraced calls;
peak memory: one traced call) and must be refused with a message, quickly and without
exhausting memory:

- a "billion laughs": nine levels of aliases each repeating the previous one nine
  times (under 1 KB on disk, 387 million values once expanded);
- a 50 MB file (sparse), refused on its size before it is read;
- a list of 10,001 values (one more than a params file may hold);
- 5,000 nested brackets;
- an integer of 5,000 digits;
- a valid params file, for comparison.

Target: each refusal in under 1 s (a params file is read once per run).

Usage::

    python benchmarks/bench_params.py
    python benchmarks/bench_params.py --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, time_call  # noqa: E402

from evalkit.datasets import dataset_path  # noqa: E402
from evalkit.errors import ParamsError  # noqa: E402
from evalkit.reports import load_params  # noqa: E402

VALID = f"""\
policy:
  name: Minimum wage
  description: Staggered increases
language: en
data:
  file: {dataset_path("mpdta")}
design:
  estimator: event_study
  outcome: lemp
  unit: countyreal
  time: year
  first_treated: first.treat
"""

TARGET_SECONDS = 1.0


def _laughs() -> str:
    names = "abcdefghi"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _files(folder: Path) -> dict[str, Path]:
    texts = {
        "billion laughs": _laughs(),
        "10,001 values": "policy:\n  name: [" + ", ".join(["1"] * 10_001) + "]\n",
        "5,000 nested brackets": "a: " + "[" * 5_000 + "]" * 5_000 + "\n",
        "integer of 5,000 digits": "policy:\n  name: " + "9" * 5_000 + "\n",
        "valid params file": VALID,
    }
    paths = {}
    for i, (name, text) in enumerate(texts.items()):
        paths[name] = folder / f"{i}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    huge = folder / "huge.yaml"
    with huge.open("wb") as stream:
        stream.write(b"policy: [unclosed\n")
        stream.truncate(50_000_000)
    paths["50 MB file"] = huge
    return paths


def _check(path: Path) -> str:
    try:
        load_params(path)
    except ParamsError:
        return "refused"
    return "accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, path in _files(Path(folder)).items():
            best = float("inf")
            for _ in range(args.repeat):  # untraced: tracemalloc slows the parser
                outcome, seconds = time_call(_check, path)
                best = min(best, seconds)
            _, _, peak = measure(_check, path)
            rows.append({"file": name, "outcome": outcome, "seconds": best, "peak": peak,
                         "target_s": None if name == "valid params file" else TARGET_SECONDS})
    print_table(rows, title="load_params on hostile files (best of repeats)")


if __name__ == "__main__":
    main()
