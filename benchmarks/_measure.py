"""Time a call and measure its peak memory; print results as a table.

Shared by the benchmark scripts::

    from _measure import measure, print_table

    result, seconds, peak = measure(callaway_santanna, panel)
    print_table([{"units": 1_000_000, "seconds": seconds, "peak": peak}])

Peak memory is measured with :mod:`tracemalloc`: the largest amount of memory allocated
*during* the call (on top of what was allocated before it) by Python and by numpy, whose
buffers tracemalloc sees. Memory kept alive by the result counts; memory that existed
before the call does not. Tracing slows allocation-heavy Python code a little: for the
most exact times, time separate untraced calls with :func:`time_call`.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["measure", "time_call", "print_table", "format_bytes", "load_average",
           "memory_and_blocks"]

T = TypeVar("T")


def measure(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float, int]:
    """Call ``fn(*args, **kwargs)`` once under tracemalloc.

    Returns ``(result, seconds, peak_bytes)``.

    ``peak_bytes`` is the peak of memory allocated during the call, above what was
    allocated before it.
    """
    gc.collect()
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not already:
            tracemalloc.stop()
    return result, seconds, int(peak - baseline)


def time_call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """Call ``fn(*args, **kwargs)`` untraced; return ``(result, seconds)``."""
    gc.collect()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def format_bytes(count: float) -> str:
    """Bytes in a readable unit: ``'1.23 GB'``, ``'45.6 MB'``."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if abs(count) >= size:
            return f"{count / size:.2f} {unit}"
    return f"{int(count)} B"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (``'n/a'`` where unavailable)."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):  # pragma: no cover - platform dependent
        return "n/a"


def print_table(rows: Sequence[Mapping[str, Any]], title: str | None = None) -> str:
    """Print (and return) rows of results as an aligned text table.

    Values named ``*bytes`` or ``peak*`` are shown with :func:`format_bytes`; floats with
    3 decimals; integers with thousands separators.
    """
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for row in rows for k in row))

    def cell(name: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, int | float) and (name.endswith("bytes") or name.startswith("peak")):
            return format_bytes(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.3f}"
        return str(value)

    cells = [[cell(c, row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [] if title is None else [title]
    lines.append("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    text = "\n".join(lines)
    print(text)
    return text


def simulated_panel(n_units: int, n_periods: int, seed: int = 1) -> tuple[Any, Any, float, float]:
    """Simulate a staggered panel and build its Panel (checks and fingerprint included).

    Returns ``(panel, true_event_effects, simulate_seconds, panel_seconds)``; the
    simulated frame itself is released so that it does not weigh on the measurements.
    """
    from evalkit.data.panel import Panel
    from evalkit.data.simulate import simulate_staggered_panel

    start = time.perf_counter()
    sim = simulate_staggered_panel(n_units, n_periods, seed=seed)
    simulated = time.perf_counter() - start
    start = time.perf_counter()
    panel = Panel(sim.data, unit="unit", time="period", outcome="y",
                  first_treated="first_treated")
    panel.fingerprint  # noqa: B018 - computed once per panel; part of building it
    built = time.perf_counter() - start
    truth = sim.true_event_effects()
    del sim
    return panel, truth, simulated, built


def size_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line every scale benchmark shares: ``--sizes``, ``--periods``, ``--repeat``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="numbers of units (default: 10000 100000 1000000)")
    parser.add_argument("--periods", type=int, default=10, help="number of periods (default 10)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="untraced timed runs per size; the best is reported (default 1)")
    return parser


def _units_in(block: Any) -> dict[str, Any]:
    import numpy as np

    return {"units": np.array([block.n], dtype=float)}


def _coefficient_gap(a: Any, b: Any) -> float:
    import numpy as np

    ca, cb = a.coefficients, b.coefficients
    return float(max(np.max(np.abs(ca.estimate - cb.estimate)),
                     np.max(np.abs(ca.std_error - cb.std_error))))


def memory_and_blocks(calls: Sequence[tuple[str, Callable[..., Any]]], n_units: int,
                      n_periods: int, n_blocks: int, repeat: int) -> list[dict[str, Any]]:
    """Each call on a simulated ``Panel`` and on the same panel read as ``n_blocks`` blocks
    of whole units (``SplitPanel``): best time, traced peak, and the largest difference
    between the two paths' coefficients and standard errors (``max_gap``).

    ``read_s`` is the time one pass over the blocks takes only to cut them out of the
    panel (what a ``SplitPanel`` adds and an engine replaces by its own reads).
    """
    from evalkit.data.unit_blocks import SplitPanel

    panel, _, simulated, built = simulated_panel(n_units, n_periods)
    split = SplitPanel(panel, n_blocks)
    start = time.perf_counter()
    split.reduce(_units_in)
    read = time.perf_counter() - start
    rows: list[dict[str, Any]] = []
    for name, fn in calls:
        results = {}
        for source, data in (("memory", panel), (f"{n_blocks} blocks", split)):
            best = min(time_call(fn, data)[1] for _ in range(repeat))
            result, _, peak = measure(fn, data)
            results[source] = result
            rows.append({"units": n_units, "rows": panel.n_obs, "call": name,
                         "data": source, "simulate_s": simulated, "panel_s": built,
                         "read_s": None if source == "memory" else read,
                         "estimate_s": best, "peak_bytes": peak})
        rows[-1]["max_gap"] = f"{_coefficient_gap(*results.values()):.1e}"
    return rows
