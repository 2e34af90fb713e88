"""Shared fixtures: the shipped datasets, a validated mpdta panel and results computed once.

Data frames are handed out as fresh copies, so that no test can change what another
sees. Panels and results are immutable and therefore shared across a session.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

from evalkit import Classical, Panel, did_2x2, event_study, twfe
from evalkit.datasets import load_injury, load_kielmc, load_mpdta


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which BLAS kernels computed this run's numbers (``make test-blas`` varies them)."""
    import scipy.linalg  # noqa: F401 - loads scipy's own OpenBLAS too
    from threadpoolctl import threadpool_info

    wanted = os.environ.get("OPENBLAS_CORETYPE")
    lines = [f"BLAS: {info['internal_api']} {info['version']}, "
             f"{info.get('architecture') or 'unknown'} kernel, {info['num_threads']} thread(s) "
             f"({Path(info['filepath']).name})"
             for info in threadpool_info() if info["user_api"] == "blas"]
    if wanted:
        lines.append(f"OPENBLAS_CORETYPE={wanted} requested")
    return lines


@functools.cache
def _mpdta() -> pd.DataFrame:
    return load_mpdta()


@functools.cache
def _kielmc() -> pd.DataFrame:
    return load_kielmc()


@functools.cache
def _injury() -> pd.DataFrame:
    return load_injury()


@pytest.fixture
def mpdta() -> pd.DataFrame:
    """The R ``did`` package's ``mpdta`` (2,500 rows), a fresh copy for each test."""
    return _mpdta().copy()


@pytest.fixture
def kielmc() -> pd.DataFrame:
    """Wooldridge's KIELMC (321 house sales), a fresh copy for each test."""
    return _kielmc().copy()


@pytest.fixture
def injury() -> pd.DataFrame:
    """Wooldridge's INJURY (7,150 claims), a fresh copy for each test."""
    return _injury().copy()


MPDTA_DESCRIPTION = {"unit": "countyreal", "time": "year", "outcome": "lemp",
                     "first_treated": "first.treat"}


@pytest.fixture(scope="session")
def mpdta_panel() -> Panel:
    """``Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    first_treated="first.treat")``."""
    return Panel(_mpdta(), **MPDTA_DESCRIPTION)


@pytest.fixture(scope="session")
def mpdta_twfe(mpdta_panel):
    """``twfe(mpdta_panel)`` with the default inference (clustered by county)."""
    return twfe(mpdta_panel)


@pytest.fixture(scope="session")
def mpdta_event_study(mpdta_panel):
    """``event_study(mpdta_panel)``: every event time -4..3, reference -1, clustered by county."""
    return event_study(mpdta_panel)


@pytest.fixture(scope="session")
def kielmc_did():
    """Wooldridge Example 13.3, column (1): rprice on nearinc, y81 and their product."""
    return did_2x2(_kielmc(), outcome="rprice", treated="nearinc", post="y81",
                   inference=Classical())
