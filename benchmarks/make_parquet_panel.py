"""Write a large simulated staggered panel as a folder of Parquet files, chunk by chunk.

The panel is the one ``benchmarks/bench_callaway_santanna.py`` simulates, made to be
written at any size without ever holding it in memory: N units x T periods, a quarter of
the units first treated in each of the 4th, 6th and 8th periods and a quarter never
treated, effects of 1, 2 and 3 at the first treated period growing by 0.5 a period,
parallel trends with unit effects that differ by cohort, normal noise. Columns:

``unit`` (int64, 1..N), ``year`` (int32, ``first_year`` .. ``first_year + T - 1``),
``y`` (float64), ``first_treat`` (int32, the first treated year, 0 = never treated).

Units are drawn in chunks, each from its own random stream derived from the seed and the
chunk's position (the same seed and chunk size give the same panel). With
``layout="scattered"`` (the default) the rows of each chunk are shuffled and dealt at
random to the files, so that a unit's rows lie in several files and in no order: an
engine has to gather them. ``layout="by_unit"`` writes whole units in order (the files
split the unit range), as a table sorted by unit would be.

The folder holds ``part-00.parquet`` ... and ``_manifest.json`` (the parameters, the
cohort sizes and the true effects); readers of Parquet folders (DuckDB, Dask, Spark)
skip files whose name starts with an underscore. A folder whose manifest matches the
parameters asked for is reused as it is.

Usage::

    python benchmarks/make_parquet_panel.py --units 10000000      # 100M rows, ~1.5 GB
    python benchmarks/make_parquet_panel.py --units 1000000 --data-dir /tmp/panels
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = 1  # bumped whenever the simulation changes, so that old folders are rebuilt
COHORTS = (4, 6, 8)  # first treated periods (1-based), a quarter of the units each
EFFECTS = {4: 1.0, 6: 2.0, 8: 3.0}  # effect at the first treated period
SLOPE = 0.5  # growth of the effect per period since treatment
DEFAULT_DIR = "/tmp/evalkit-bench-parquet"
SCHEMA = pa.schema([("unit", pa.int64()), ("year", pa.int32()), ("y", pa.float64()),
                    ("first_treat", pa.int32())])


def folder_name(n_units: int, n_periods: int, seed: int, layout: str) -> str:
    """The sub-folder of the data directory that holds one panel."""
    return f"panel-{n_units}u-{n_periods}p-seed{seed}-{layout}"


def truth(n_periods: int, first_year: int, cohort_sizes: dict[int, int]) -> dict[str, Any]:
    """The true effects: overall (every treated unit-period alike) and by event time.

    The overall effect is what ``overall()`` estimates (Callaway & Sant'Anna's simple
    aggregation: cells weighted by their cohort's size); the event-time effects average
    the cohorts observed at that event time, weighted by their sizes.
    """
    cells = [(g, t, EFFECTS[g] + SLOPE * (t - g)) for g in COHORTS
             for t in range(1, n_periods + 1) if t >= g]
    weight = {g: cohort_sizes[first_year - 1 + g] for g in COHORTS}
    total = sum(weight[g] for g, _, _ in cells)
    overall = sum(weight[g] * effect for g, _, effect in cells) / total
    event: dict[str, float] = {}
    for e in sorted({t - g for g, t, _ in cells}):
        here = [(weight[g], effect) for g, t, effect in cells if t - g == e]
        event[str(e)] = sum(w * v for w, v in here) / sum(w for w, _ in here)
    return {"overall": overall, "event_time": event}


def _chunk(first_unit: int, n: int, n_periods: int, first_year: int, lam: np.ndarray,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Simulate ``n`` whole units, numbered from ``first_unit``; rows unit by unit."""
    counts = np.full(len(COHORTS) + 1, n // (len(COHORTS) + 1))
    counts[: n - counts.sum()] += 1  # the remainder goes to the first cohorts
    cohort = rng.permutation(np.repeat([*COHORTS, 0], counts))
    alpha = rng.normal(size=n) + 0.5 * np.where(cohort > 0, cohort / n_periods, 0.0)
    period = np.arange(1, n_periods + 1)
    treated = (cohort[:, None] > 0) & (period[None, :] >= cohort[:, None])
    beta = np.zeros(n)
    for g in COHORTS:
        beta[cohort == g] = EFFECTS[g]
    effect = np.where(treated, beta[:, None] + SLOPE * (period[None, :] - cohort[:, None]), 0.0)
    y = alpha[:, None] + lam[None, :] + effect + rng.normal(size=(n, n_periods))
    first_treat = np.where(cohort > 0, first_year - 1 + cohort, 0).astype(np.int32)
    return {"unit": np.repeat(np.arange(first_unit, first_unit + n, dtype=np.int64), n_periods),
            "year": np.tile((first_year - 1 + period).astype(np.int32), n),
            "y": y.reshape(-1),
            "first_treat": np.repeat(first_treat, n_periods)}


def write_panel(folder: Path, n_units: int, n_periods: int = 10, *, seed: int = 1,
                n_files: int = 20, chunk_units: int = 500_000, layout: str = "scattered",
                first_year: int = 2011) -> dict[str, Any]:
    """Write the panel into ``folder`` (created; replaced if it exists); return its manifest."""
    if layout not in ("scattered", "by_unit"):
        raise ValueError(f"layout={layout!r}: must be 'scattered' or 'by_unit'")
    start = time.perf_counter()
    folder = Path(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    lam = np.cumsum(np.random.default_rng([seed, 0]).normal(0.1, 0.3, size=n_periods))
    writers = [pq.ParquetWriter(partial / f"part-{k:02d}.parquet", SCHEMA)
               for k in range(n_files)]
    sizes = dict.fromkeys([first_year - 1 + g for g in COHORTS] + [0], 0)
    rows_per_file = np.zeros(n_files, dtype=np.int64)
    try:
        for index, first in enumerate(range(1, n_units + 1, chunk_units)):
            n = min(chunk_units, n_units + 1 - first)
            rng = np.random.default_rng([seed, 1 + index])
            columns = _chunk(first, n, n_periods, first_year, lam, rng)
            g, count = np.unique(columns["first_treat"][::n_periods], return_counts=True)
            for value, c in zip(g.tolist(), count.tolist(), strict=True):
                sizes[value] += c
            if layout == "scattered":
                order = rng.permutation(n * n_periods)
                target = rng.integers(n_files, size=n * n_periods)
                order = order[np.argsort(target[order], kind="stable")]
                target = target[order]
            else:
                order = np.arange(n * n_periods)
                target = (columns["unit"] - 1) * n_files // n_units
            bounds = np.searchsorted(target, np.arange(n_files + 1))
            for k in range(n_files):
                rows = order[bounds[k]:bounds[k + 1]]
                if rows.size:
                    writers[k].write_table(pa.table(
                        {name: values[rows] for name, values in columns.items()}, schema=SCHEMA))
                    rows_per_file[k] += rows.size
            del columns, order, target
    finally:
        for writer in writers:
            writer.close()
    manifest = {
        "format": FORMAT, "n_units": n_units, "n_periods": n_periods, "seed": seed,
        "n_files": n_files, "layout": layout, "chunk_units": chunk_units,
        "first_year": first_year,
        "rows": n_units * n_periods, "rows_per_file": rows_per_file.tolist(),
        "columns": {"unit": "unit", "time": "year", "outcome": "y",
                    "first_treated": "first_treat"},
        "cohort_sizes": {str(k): v for k, v in sorted(sizes.items())},
        "truth": truth(n_periods, first_year, sizes),
        "bytes": sum(p.stat().st_size for p in partial.glob("*.parquet")),
        "seconds_to_write": round(time.perf_counter() - start, 1),
    }
    (partial / "_manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a panel folder, or ``None`` when it has none (or an unreadable one)."""
    try:
        return json.loads((Path(folder) / "_manifest.json").read_text())
    except (OSError, ValueError):
        return None


def ensure_panel(data_dir: Path | str, n_units: int, n_periods: int = 10, *, seed: int = 1,
                 n_files: int = 20, layout: str = "scattered", chunk_units: int = 500_000,
                 log: Any = print) -> tuple[Path, dict[str, Any]]:
    """The folder of the panel asked for under ``data_dir``, written if not already there."""
    folder = Path(data_dir) / folder_name(n_units, n_periods, seed, layout)
    wanted = {"format": FORMAT, "n_units": n_units, "n_periods": n_periods, "seed": seed,
              "n_files": n_files, "layout": layout, "chunk_units": chunk_units}
    manifest = read_manifest(folder)
    if manifest is not None and all(manifest.get(k) == v for k, v in wanted.items()):
        log(f"reusing {folder} ({manifest['rows']:,} rows, {manifest['bytes'] / 2**30:.2f} GB)")
        return folder, manifest
    log(f"writing {n_units:,} units x {n_periods} periods to {folder} ...")
    manifest = write_panel(folder, n_units, n_periods, seed=seed, n_files=n_files,
                           chunk_units=chunk_units, layout=layout)
    log(f"written in {manifest['seconds_to_write']} s ({manifest['bytes'] / 2**30:.2f} GB)")
    return folder, manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000_000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--layout", choices=("scattered", "by_unit"), default="scattered")
    parser.add_argument("--data-dir", default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    folder, manifest = ensure_panel(args.data_dir, args.units, args.periods, seed=args.seed,
                                    n_files=args.files, layout=args.layout)
    print(json.dumps({k: manifest[k] for k in ("rows", "cohort_sizes", "truth")}, indent=1))
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
