"""Benchmark the calls for projects: 100,000 applications and their payments.

Simulates about ``--applications`` applications over four yearly calls (plus a
Micro-Folies call) in Hauts-de-France with ``simulate_applications`` and their payments
(about one per application), then measures building ``Applications`` (every check,
territorial codes against the referential) and each table: selection rates by call and
by applicant type and year, grants per inhabitant by department (granted and paid), the
share reaching priority neighbourhoods by call, concentration by call, beneficiaries
over the years and delays by call. The referential is loaded before timing. Reports, per
step, the wall time (best of ``--repeat`` untraced runs) and the peak memory (one traced
run), and the total of the tables with and without building the applications.

Usage::

    python benchmarks/bench_calls.py                    # 100,000 applications
    python benchmarks/bench_calls.py --applications 20000 --repeat 5

The target (2 cores): every table in under 2 s in total, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, measure, print_table, time_call  # noqa: E402

from evalkit.programmes import (  # noqa: E402
    SIMULATED_APPLICATION_ROLES,
    Applications,
    beneficiaries_over_years,
    concentration,
    delays,
    grants_per_inhabitant,
    priority_share,
    selection_rates,
    simulate_application_payments,
    simulate_applications,
)
from evalkit.territories import Referential  # noqa: E402

LIMIT_SECONDS = 2.0
LIMIT_BYTES = 2 << 30
YEARS = (2021, 2022, 2023, 2024)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000,
                        help="about how many applications (default 100000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="untraced timed runs per step; the best is reported (default 3)")
    args = parser.parse_args()

    Referential.france()
    start = time.perf_counter()
    per_year = round(args.applications / (len(YEARS) * 1.015))  # + the Micro-Folies call
    table = simulate_applications(years=YEARS, per_year=per_year, seed=1)
    paid = simulate_application_payments(years=YEARS, per_year=per_year, seed=1)
    simulated = time.perf_counter() - start

    def build() -> Applications:
        return Applications(table, payments=paid, **SIMULATED_APPLICATION_ROLES)

    apps, build_seconds, build_peak = _best(build, args.repeat)
    steps = {
        "selection_rates by call": lambda: selection_rates(apps, by="call"),
        "selection_rates by type, year": lambda: selection_rates(
            apps, by=["applicant_type", "year"]),
        "grants_per_inhabitant granted": lambda: grants_per_inhabitant(
            apps, level="departement"),
        "grants_per_inhabitant paid": lambda: grants_per_inhabitant(
            apps, level="departement", amount="paid"),
        "priority_share by call": lambda: priority_share(apps, by="call"),
        "concentration by call": lambda: concentration(apps, by="call"),
        "beneficiaries_over_years": lambda: beneficiaries_over_years(apps),
        "delays by call": lambda: delays(apps, by="call"),
    }
    rows = [{"step": "Applications (build and check)", "seconds": build_seconds,
             "peak": build_peak}]
    for name, step in steps.items():
        _, seconds, peak = _best(step, args.repeat)
        rows.append({"step": name, "seconds": seconds, "peak": peak})
    tables = sum(r["seconds"] for r in rows[1:])
    rows.append({"step": "every table", "seconds": tables,
                 "peak": max(r["peak"] for r in rows[1:])})
    rows.append({"step": "build + every table", "seconds": tables + build_seconds,
                 "peak": max(r["peak"] for r in rows)})
    print(f"{len(table):,} applications, {len(paid):,} payments ({args.applications:,} asked; "
          f"simulated in {simulated:.1f} s); load average {load_average()}")
    print_table(rows)
    peak = max(r["peak"] for r in rows)
    print(f"every table under {LIMIT_SECONDS:g} s: {tables < LIMIT_SECONDS}; "
          f"with the build: {tables + build_seconds < LIMIT_SECONDS}; "
          f"peak under 2 GB: {peak < LIMIT_BYTES}")


def _best(step, repeat: int) -> tuple[object, float, int]:
    """``(result, best untraced seconds, traced peak bytes)``."""
    result, _, peak = measure(step)
    best = min(time_call(step)[1] for _ in range(repeat))
    return result, best, peak


if __name__ == "__main__":
    main()
