"""Benchmark following a programme's budget over 1,000,000 credit lines.

A simulated budget (all amounts simulated): 3 operational budgets (BOP) x 8 schemes x
the 3,782 communes of Hauts-de-France drawn at random, one row per budget line and
month over 5 years (the last followed to September), 1,000,000 rows in all, as a file
reads them (months as text ``"2024-03"``, commune codes as text). Each line has its AE
and CP allocation in January and commitments and payments every month; ``parrainage``
pays at 60% of the usual pace in the year followed, so that the alerts have something
to say.

Measured, each on the same lines: building :class:`~evalkit.programmes.CreditLines`
(every check, commune codes against the referential), then every table and the
projection: execution rates by scheme (year) and by commune and quarter, the amounts
remaining to be paid by scheme, the consumption curve and its projection for the whole
budget and by scheme, the alerts by scheme, and CP paid per inhabitant by department.
For each step: the wall time (best of ``--repeat`` untraced runs) and the peak memory
(one traced run: memory allocated during the step, on top of what existed before it).
The totals are given with and without building the lines; the total peak is that of
one traced run of every step in a row, lines included; the largest resident size of the
whole process (Linux) is printed too. The referential is loaded once
before timing (its first load is reported apart). With ``--invalid``, that share of the
rows is corrupted (negative payments, unknown commune codes) and the lines are built
with ``on_invalid="exclude"``.

Usage::

    python benchmarks/bench_programmes.py                   # 1,000,000 lines
    python benchmarks/bench_programmes.py --rows 100000 --repeat 5
    python benchmarks/bench_programmes.py --invalid 0.01    # 1% of the rows set aside

The target (2 cores): every table and the projection in under 2 s in all, peak memory
under 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import format_bytes, load_average, measure, print_table, time_call  # noqa: E402

from evalkit.programmes import (  # noqa: E402
    CreditLines,
    budget_alerts,
    consumption_curve,
    execution_rates,
    per_inhabitant,
    remaining_to_pay,
)
from evalkit.territories import Referential  # noqa: E402

LIMIT_SECONDS = 2.0
LIMIT_BYTES = 2 << 30
DEPARTMENTS = ("02", "59", "60", "62", "80")
BOPS = ("0147-HDF-A", "0147-HDF-B", "0147-HDF-C")
SCHEMES = ("adultes-relais", "écoles de la deuxième chance", "cordées de la réussite",
           "parrainage", "quartiers d'été", "cités éducatives", "vacances apprenantes",
           "emplois francs")
# the same monthly shapes as evalkit.programmes.simulate: commitments in spring,
# payments rising to a December peak
COMMIT_SHAPE = np.array([2, 6, 12, 16, 16, 14, 10, 6, 6, 5, 4, 3], dtype=float)
PAY_SHAPE = np.array([1, 3, 6, 8, 9, 9, 7, 5, 9, 10, 12, 21], dtype=float)
LAGGING = "parrainage"
ROLES = {"month": "mois", "programme": "programme", "bop": "bop", "scheme": "dispositif",
         "territory": "commune", "territory_family": "commune",
         "ae_allocated": "ae_ouvertes", "ae_committed": "ae_engagees",
         "cp_allocated": "cp_ouverts", "cp_paid": "cp_mandates"}


def simulate(rows: int, years: int = 5, as_of_month: int = 9, seed: int = 147) -> pd.DataFrame:
    """``rows`` simulated credit lines (one per budget line and month), vectorised."""
    rng = np.random.default_rng(seed)
    table = Referential.france().table
    communes = table.loc[table["departement_code"].isin(DEPARTMENTS), "commune_code"]
    communes = communes.to_numpy(dtype=object)
    first = 2025 - years
    calendar = [(y, m) for y in range(first, 2025) for m in range(1, 13)
                if y < 2024 or m <= as_of_month]
    year_of = np.array([y for y, _ in calendar])
    month_of = np.array([m for _, m in calendar])
    n_lines = -(-rows // len(calendar))
    commune = rng.choice(communes, n_lines)
    bop = rng.integers(0, len(BOPS), n_lines)
    scheme = rng.integers(0, len(SCHEMES), n_lines)
    line = np.repeat(np.arange(n_lines), len(calendar))[:rows]  # each line's months in a row
    when = np.tile(np.arange(len(calendar)), n_lines)[:rows]
    month, year = month_of[when], year_of[when]
    envelope = rng.lognormal(9.0, 1.0, (n_lines, years))[line, year - first]  # per line-year
    commit = COMMIT_SHAPE[month - 1] / COMMIT_SHAPE.sum() * rng.uniform(0.8, 1.1, rows)
    pay = PAY_SHAPE[month - 1] / PAY_SHAPE.sum() * rng.uniform(0.85, 1.1, rows)
    lagging = (np.array(SCHEMES)[scheme[line]] == LAGGING) & (year == 2024)
    pay[lagging] *= 0.6  # pays at 60% of the usual pace in the year followed: an alert
    january = month == 1
    labels = np.array([f"{y}-{m:02d}" for y, m in calendar], dtype=object)
    return pd.DataFrame({
        "mois": pd.array(labels[when], dtype="str"),
        "programme": pd.array(np.full(rows, "147", dtype=object), dtype="str"),
        "bop": pd.array(np.array(BOPS, dtype=object)[bop[line]], dtype="str"),
        "dispositif": pd.array(np.array(SCHEMES, dtype=object)[scheme[line]], dtype="str"),
        "commune": pd.array(commune[line], dtype="str"),
        "ae_ouvertes": np.where(january, envelope, 0.0).round(2),
        "ae_engagees": (envelope * commit * 0.95).round(2),
        "cp_ouverts": np.where(january, 0.95 * envelope, 0.0).round(2),
        "cp_mandates": (envelope * pay * 0.95).round(2),
    })


def corrupt(data: pd.DataFrame, share: float, seed: int = 1) -> pd.DataFrame:
    """A copy with ``share`` of the rows broken: half negative payments, half unknown
    commune codes (59999 is no commune)."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(data), int(len(data) * share), replace=False)
    half = len(picked) // 2
    out = data.copy()
    out.loc[picked[:half], "cp_mandates"] = -1.0
    out.loc[picked[half:], "commune"] = "59999"
    return out


def steps(lines: CreditLines) -> dict[str, Callable[[], object]]:
    """Every table and the projection, each a call on the same lines."""
    year = lines.years[-1]
    return {
        "execution_rates by scheme": lambda: execution_rates(lines, by="scheme"),
        "execution_rates by commune, quarter": lambda: execution_rates(
            lines, by="territory", period="quarter"),
        "remaining_to_pay by scheme": lambda: remaining_to_pay(lines, by="scheme"),
        "consumption_curve, whole budget": lambda: consumption_curve(lines, year=year),
        "consumption_curve by scheme": lambda: consumption_curve(lines, year=year,
                                                                 by="scheme"),
        "budget_alerts by scheme": lambda: budget_alerts(lines, year=year, by="scheme"),
        "per_inhabitant by department": lambda: per_inhabitant(lines, level="departement",
                                                               year=year),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="number of credit lines (default 1000000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="untraced timed runs per step; the best is reported (default 3)")
    parser.add_argument("--invalid", type=float, default=0.0,
                        help="share of rows corrupted and set aside (default 0)")
    args = parser.parse_args()

    start = time.perf_counter()
    Referential.france()
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    data = simulate(args.rows)
    simulated = time.perf_counter() - start
    options: dict[str, object] = {}
    if args.invalid:
        data = corrupt(data, args.invalid)
        options["on_invalid"] = "exclude"

    def build() -> CreditLines:
        return CreditLines(data, **ROLES, **options)

    lines, _, build_peak = measure(build)
    build_seconds = min(time_call(build)[1] for _ in range(args.repeat))
    rows = [{"step": "CreditLines (checks included)", "seconds": build_seconds,
             "peak": build_peak}]
    for name, call in steps(lines).items():
        _, _, peak = measure(call)
        seconds = min(time_call(call)[1] for _ in range(args.repeat))
        rows.append({"step": name, "seconds": seconds, "peak": peak})
    tables = sum(r["seconds"] for r in rows[1:])

    def everything() -> None:
        built = build()
        for call in steps(built).values():
            call()

    _, _, total_peak = measure(everything)
    rows.append({"step": "total: tables and projection", "seconds": tables,
                 "peak": max(r["peak"] for r in rows[1:])})
    rows.append({"step": "total: lines built, then every table", "seconds": tables
                 + build_seconds, "peak": total_peak})
    print_table(rows, title=(f"{len(data):,} credit lines, {lines.excluded_rows:,} set aside "
                             f"(load average {load_average()}; referential load {loaded:.2f} "
                             f"s, simulation {simulated:.2f} s)"))
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB
    print(f"tables and projection under {LIMIT_SECONDS:.0f} s: {tables < LIMIT_SECONDS}; "
          f"with the lines built: {tables + build_seconds < LIMIT_SECONDS}; "
          f"peak under 2 GB: {total_peak < LIMIT_BYTES}; largest resident size of the whole "
          f"process (Python, libraries, the simulated table and every run): "
          f"{format_bytes(resident)}")


if __name__ == "__main__":
    main()
