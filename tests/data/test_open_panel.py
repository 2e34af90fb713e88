"""open_panel: a panel held where its data fit, with the same results wherever it is held."""

from __future__ import annotations

import gc
import glob
import tempfile
from pathlib import Path

import numpy as np
import pytest

from evalkit import callaway_santanna
from evalkit.data import DuckDBPanel, Panel, open_panel
from evalkit.data.open_panel import engine_for
from evalkit.datasets import load_mpdta
from evalkit.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "data" / "mpdta_parquet"  # data/mpdta.csv's rows, one Parquet file a year
ROLES = {"unit": "countyreal", "time": "year", "outcome": "lemp",
         "first_treated": "first.treat"}


def test_the_engine_follows_the_source(tmp_path):
    assert engine_for(FOLDER) == "duckdb"
    assert engine_for(FOLDER, scheduler="tcp://host:8786") == "dask"
    assert engine_for(ROOT / "data" / "mpdta.csv") == "memory"
    assert engine_for(tmp_path / "panel.duckdb") == "duckdb"
    assert engine_for(FOLDER, "memory") == "memory"
    with pytest.raises(InputError, match="a DuckDB database"):
        engine_for(tmp_path / "panel.duckdb", "dask")
    with pytest.raises(InputError, match="engine='spark': must be one of"):
        engine_for(FOLDER, "spark")


def test_each_source_gives_the_same_estimate():
    frame = load_mpdta()
    expected = callaway_santanna(Panel(frame, **ROLES)).overall()
    in_memory = open_panel(frame, **ROLES)
    from_csv = open_panel(ROOT / "data" / "mpdta.csv", **ROLES)
    folder_in_memory = open_panel(FOLDER, engine="memory", **ROLES)
    out_of_core = open_panel(FOLDER, **ROLES)
    assert isinstance(in_memory, Panel) and isinstance(from_csv, Panel)
    assert isinstance(folder_in_memory, Panel) and isinstance(out_of_core, DuckDBPanel)
    for panel in (in_memory, from_csv, folder_in_memory, out_of_core):
        result = callaway_santanna(panel).overall()
        np.testing.assert_allclose([result.estimate, result.std_error],
                                   [expected.estimate, expected.std_error], rtol=0, atol=1e-10)


def test_a_sample_is_kept_by_the_engine_as_in_memory():
    frame = load_mpdta()
    kept = frame[frame["year"].isin([2003, 2004, 2005])]
    expected = callaway_santanna(Panel(kept, **ROLES)).overall()
    before = set(glob.glob(str(Path(tempfile.gettempdir()) / "evalkit-duckdb-*")))
    panel = open_panel(FOLDER, sample={"year": [2003, 2004, 2005]}, **ROLES)
    assert (panel.n_obs, panel.n_periods) == (1500, 3)
    result = callaway_santanna(panel).overall()
    np.testing.assert_allclose(result.estimate, expected.estimate, rtol=0, atol=1e-10)
    in_memory = open_panel(frame, sample={"year": [2003, 2004, 2005]}, **ROLES)
    assert (in_memory.n_obs, in_memory.n_periods) == (1500, 3)
    del panel
    gc.collect()  # its connection and spill folder go with it
    assert set(glob.glob(str(Path(tempfile.gettempdir()) / "evalkit-duckdb-*"))) <= before


def test_a_database_needs_its_table(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    database = tmp_path / "panel.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE counties AS SELECT * FROM read_csv_auto(?)",
                           [str(ROOT / "data" / "mpdta.csv")])
    panel = open_panel(database, table="counties", sample={"first.treat": [0, 2004]}, **ROLES)
    assert panel.n_units == 309 + 20  # never treated and the 2004 cohort of mpdta
    with pytest.raises(InputError, match="needs the table"):
        open_panel(database, sample={"year": 2003}, **ROLES)


def test_bad_sources_are_named(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        open_panel(tmp_path / "missing", **ROLES)
    with pytest.raises(InputError, match="must be a DataFrame or the path"):
        open_panel(42, **ROLES)
    with pytest.raises(InputError, match="already in memory"):
        open_panel(load_mpdta(), engine="duckdb", **ROLES)
