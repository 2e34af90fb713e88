"""Benchmark reading a large administration-style CSV: load_table against pandas.read_csv.

The file is written in a temporary folder (deleted afterwards) the way French
administrations publish data: Windows-1252 text, ``;`` between columns, decimal commas,
commune codes with leading zeros and Corsican codes (``01001``, ``2A004``), accented
names. It is read twice, alternately, ``--repeat`` times each (best time kept):

- ``pandas.read_csv`` given the right options (``sep=";"``, ``decimal=","``,
  ``encoding="cp1252"``, ``dtype={"commune_code": str}``);
- :func:`evalkit.load_table` told nothing: it detects the format from the file's first
  256 kB and reads it with the same options.

Target: ``load_table`` within 1.5x of ``pandas.read_csv`` on a 1 GB file.

Usage::

    python benchmarks/bench_read_csv.py              # 1 GB
    python benchmarks/bench_read_csv.py --megabytes 100 --repeat 3
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import format_bytes, load_average, print_table, time_call  # noqa: E402

ROW_BYTES = 47  # about, for the columns written below


def write_file(path: Path, megabytes: float, seed: int = 1) -> int:
    """Write about ``megabytes`` MB of rows to ``path``; return the number of rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    departments = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
    names = np.array(["Abbécourt", "Ajaccio", "Bastia", "Lille", "Amiens", "Château-Thierry",
                      "Saint-Quentin", "Évreux", "Beauvais", "Hénin-Beaumont"])
    rows_total = int(megabytes * 1e6 / ROW_BYTES)
    chunk = 1_000_000
    written = 0
    with path.open("w", encoding="cp1252", newline="") as handle:
        while written < rows_total:
            n = min(chunk, rows_total - written)
            dep = rng.integers(0, len(departments), n)
            code = [departments[d] + f"{c:03d}" for d, c in zip(dep, rng.integers(1, 999, n),
                                                               strict=True)]
            frame = pd.DataFrame({
                "commune_code": code,
                "commune_nom": names[rng.integers(0, len(names), n)],
                "year": rng.integers(2010, 2024, n),
                "population": rng.integers(50, 200_000, n),
                "poverty_rate": np.round(rng.uniform(2, 40, n), 2),
                "budget_eur": np.round(rng.uniform(0, 1e6, n), 2),
                "neet_rate": np.round(rng.uniform(0, 30, n), 3),
            })
            frame.to_csv(handle, sep=";", decimal=",", index=False, header=written == 0)
            written += n
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1024.0,
                        help="size of the file written (default: 1024, i.e. 1 GB)")
    parser.add_argument("--repeat", type=int, default=2, help="reads of each kind (best kept)")
    args = parser.parse_args()

    import pandas as pd

    from evalkit import load_table
    from evalkit.data.io import detect_format

    folder = Path(tempfile.mkdtemp(prefix="evalkit-bench-read-"))
    try:
        path = folder / "communes.csv"
        start = time.perf_counter()
        rows = write_file(path, args.megabytes)
        print(f"wrote {rows:,} rows, {format_bytes(path.stat().st_size)}, in "
              f"{time.perf_counter() - start:.1f} s; load average {load_average()}")
        found, detect_seconds = time_call(detect_format, path)
        print(f"detected in {detect_seconds * 1000:.1f} ms: {found.summary()}")
        options = {"sep": ";", "decimal": ",", "encoding": "cp1252",
                   "dtype": {"commune_code": str}}
        times: dict[str, list[float]] = {"pandas.read_csv": [], "load_table": []}
        shapes = {}
        for _ in range(args.repeat):
            frame, seconds = time_call(pd.read_csv, path, **options)
            times["pandas.read_csv"].append(seconds)
            shapes["pandas.read_csv"] = frame.shape
            del frame
            frame, seconds = time_call(load_table, path)
            times["load_table"].append(seconds)
            shapes["load_table"] = frame.shape
            assert frame["commune_code"].iloc[0].__class__ is str
            del frame
        best = {name: min(values) for name, values in times.items()}
        print_table([{"reader": name, "file_bytes": path.stat().st_size, "rows": rows,
                      "best_seconds": best[name],
                      "ratio": best[name] / best["pandas.read_csv"]}
                     for name in times], title="Reading a ';'/decimal-comma cp1252 CSV")
        if shapes["load_table"] != shapes["pandas.read_csv"]:
            raise SystemExit(f"different shapes: {shapes}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
