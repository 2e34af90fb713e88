"""DuckDBPanel: the blocks DuckDB hands out are exactly those of the same data in a Panel.

The reference is ``SplitPanel(Panel(data, **roles))``: an in-memory panel read as blocks.
Every source kind (pandas, polars, pyarrow, a relation, a Parquet file, a folder of
Parquet files, a DuckDB database file) must give the same units, cohorts, outcomes,
observed cells, weights, covariates, cluster codes and facts, whatever the order of the
rows and however they are split into files.
"""

from __future__ import annotations

import copy
import gc

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit import EngineError, InputError, Panel
from evalkit.data.duckdb_panel import DuckDBPanel
from evalkit.data.unit_blocks import SplitPanel
from evalkit.datasets import load_mpdta
from tests.data.engine_panels import assert_same_blocks, concatenated, random_panel

FIRST = {"unit": "unit", "time": "year", "outcome": "y", "first_treated": "g"}
TREATMENT = {"unit": "unit", "time": "year", "outcome": "y", "treatment": "D"}
MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


def _write_folder(frame: pd.DataFrame, folder, parts: int = 3) -> None:
    """Rows in ``parts`` Parquet files, cut at random rows (a unit's rows spread over files)."""
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        pq.write_table(pa.Table.from_pandas(frame.iloc[chunk], preserve_index=False),
                       folder / f"part-{i}.parquet")


def _write_database(frame: pd.DataFrame, path, table: str = "panel") -> None:
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")


def _source(kind: str, frame: pd.DataFrame, tmp_path):
    """``frame`` as a source of the given kind, and the keywords it needs."""
    if kind == "pandas":
        return frame, {}
    if kind == "polars":
        return pl.from_pandas(frame), {}
    if kind == "pyarrow":
        return pa.Table.from_pandas(frame, preserve_index=False), {}
    if kind == "parquet file":
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "p.parquet")
        return tmp_path / "p.parquet", {}
    if kind == "parquet folder":
        _write_folder(frame, tmp_path / "parts")
        return str(tmp_path / "parts"), {}
    if kind == "parquet glob":
        _write_folder(frame, tmp_path / "parts")
        return str(tmp_path / "parts" / "part-*.parquet"), {}
    if kind == "duckdb file":
        _write_database(frame, tmp_path / "panel.duckdb")
        return tmp_path / "panel.duckdb", {"table": "panel"}
    raise AssertionError(kind)


SOURCES = ["pandas", "polars", "pyarrow", "parquet file", "parquet folder", "parquet glob",
           "duckdb file"]


# --------------------------------------------------------------------------- the blocks
@pytest.mark.parametrize("kind", SOURCES)
def test_every_source_gives_the_blocks_of_the_panel(kind, tmp_path):
    """Unbalanced, text unit ids, covariates, weights, a cluster; blocks of 7 units."""
    frame = random_panel(1, units=45, balanced=False, text_units=True)
    roles = {**FIRST, "covariates": ["x0", "x1"], "weights": "w", "cluster": "region"}
    source, options = _source(kind, frame, tmp_path)
    with DuckDBPanel(source, **roles, **options, block_units=7) as panel:
        assert_same_blocks(panel, SplitPanel(Panel(frame, **roles), 4))
        assert [block.n for block in panel.map_blocks(lambda b: b)] == [7] * 6 + [3]


@pytest.mark.parametrize(("seed", "balanced", "text_units", "timing", "extra"), [
    (2, True, False, FIRST, {}),
    (3, False, False, FIRST, {"covariates": "x0"}),
    (4, True, True, TREATMENT, {"weights": "w"}),
    (5, False, False, TREATMENT, {"cluster": "region", "covariates": ["x1", "x0"]}),
    (6, False, True, FIRST, {"cluster": "unit"}),
])
def test_random_panels_match_the_panel(seed, balanced, text_units, timing, extra):
    frame = random_panel(seed, units=30 + seed, balanced=balanced, text_units=text_units)
    roles = {**timing, **extra}
    with DuckDBPanel(frame, **roles, block_units=10) as panel:
        assert_same_blocks(panel, SplitPanel(Panel(frame, **roles), 2))


@pytest.mark.parametrize("kind", ["pandas", "parquet folder"])
def test_missing_drop_drops_the_same_rows(kind, tmp_path):
    frame = random_panel(7, units=30, holes=9)
    frame["g"] = frame["g"].where(frame["g"] > 0)  # never treated, spelt as missing
    roles = {**FIRST, "covariates": ["x0"], "missing": "drop"}
    source, options = _source(kind, frame, tmp_path)
    with DuckDBPanel(source, **roles, **options) as panel:
        reference = SplitPanel(Panel(frame, **roles), 3)
        assert_same_blocks(panel, reference)
        assert panel.dropped_rows == 9  # the 9 holes in y; a missing g drops no row


def test_mpdta_facts():
    """The numbers Panel states for mpdta (tests/data/test_panel.py: 500 units, 191
    treated, cohorts 2004: 20, 2006: 40, 2007: 131)."""
    with DuckDBPanel(load_mpdta(), **MPDTA) as panel:
        assert (panel.n_obs, panel.n_units, panel.n_periods) == (2500, 500, 5)
        assert panel.is_balanced and panel.is_staggered
        assert panel.cohort_sizes.to_dict() == {2004: 20, 2006: 40, 2007: 131, "never": 309}
        np.testing.assert_array_equal(panel.periods, [2003.0, 2004.0, 2005.0, 2006.0, 2007.0])
        assert panel.periods.dtype == float
        assert panel.cluster_labels is None and panel.cluster_column == "countyreal"
        assert "500 units x 5 periods, 2500 rows, 191 treated; engine duckdb" in repr(panel)


def test_units_treated_after_the_last_period_are_never_treated():
    frame = random_panel(8, units=30)
    late = frame["g"] > frame["year"].max()
    assert late.any()
    with DuckDBPanel(frame, **FIRST) as panel:
        assert panel.describe()["treated_after_last_period"] == frame.loc[late, "unit"].nunique()
        assert np.isnan(concatenated(panel)["cohort"][:]).sum() == \
            panel.n_never_treated_units


@pytest.mark.parametrize("never", [0, np.nan, np.inf])
def test_never_treated_spellings(never):
    frame = random_panel(9, units=30)
    frame["g"] = frame["g"].astype(float).where(frame["g"] > 0, never)
    with DuckDBPanel(frame, **FIRST) as panel:
        assert_same_blocks(panel, SplitPanel(Panel(frame, **FIRST)))


# --------------------------------------------------------------------------- fingerprint
def test_fingerprint_ignores_row_order_and_files_but_not_values(tmp_path):
    frame = random_panel(10, units=30)
    with DuckDBPanel(frame, **FIRST) as panel:
        fingerprint = panel.fingerprint
    assert len(fingerprint) == 64
    _write_folder(frame.sample(frac=1.0, random_state=1), tmp_path / "parts", parts=4)
    with DuckDBPanel(tmp_path / "parts", **FIRST) as shuffled:
        assert shuffled.fingerprint == fingerprint
    changed = frame.copy()
    changed.loc[0, "y"] += 1e-9
    with DuckDBPanel(changed, **FIRST) as panel:
        assert panel.fingerprint != fingerprint
    with DuckDBPanel(frame, **{**FIRST, "covariates": ["x0"]}) as panel:  # another description
        assert panel.fingerprint != fingerprint


def test_the_callers_data_are_never_changed():
    frame = random_panel(11, units=30)
    before = copy.deepcopy(frame)
    DuckDBPanel(frame, **FIRST).close()
    pd.testing.assert_frame_equal(frame, before)


# ------------------------------------------------------------------ relations, connections
def test_a_relation_is_read_on_its_own_connection():
    frame = random_panel(12, units=30)
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE panel AS SELECT * FROM frame")
    relation = con.sql("SELECT * FROM panel WHERE year > 2000")
    reference = SplitPanel(Panel(frame, **FIRST))
    with DuckDBPanel(relation, **FIRST) as panel:
        assert_same_blocks(panel, reference)
    with DuckDBPanel(relation, **FIRST, connection=con) as panel:
        assert_same_blocks(panel, reference)
    temporary = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
    assert temporary == [(0,)]  # the panels dropped their unit tables
    assert con.execute("SELECT count(*) FROM panel").fetchall() == [(len(frame),)]  # still open
    with pytest.raises(InputError, match=r"relation was made on another connection"):
        DuckDBPanel(relation, **FIRST, connection=duckdb.connect())


def test_close_releases_and_blocks_are_refused_afterwards(tmp_path):
    frame = random_panel(13, units=30)
    con = duckdb.connect()
    panel = DuckDBPanel(frame, **FIRST, connection=con)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() \
        == [(1,)]
    panel.close()
    panel.close()  # twice is harmless
    assert panel.closed
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() \
        == [(0,)]
    assert panel.n_units == 30  # the facts stay
    with pytest.raises(InputError, match=r"this DuckDBPanel is closed"):
        panel.map_blocks(len)
    DuckDBPanel(frame, **FIRST, connection=con)  # dropped when collected
    gc.collect()
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() \
        == [(0,)]
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() \
        == [(0,)]


def test_spill_settings_and_an_error_of_duckdb_itself(tmp_path):
    frame = random_panel(14, units=30)
    with DuckDBPanel(frame, **FIRST, memory_limit="1GB", temp_directory=tmp_path) as panel:
        assert panel.n_units == 30
    with pytest.raises(InputError, match=r"memory_limit='1 apple': DuckDB does not accept it"):
        DuckDBPanel(frame, **FIRST, memory_limit="1 apple")
    with pytest.raises(InputError, match=r"only for the panel's own connection"):
        DuckDBPanel(frame, **FIRST, connection=duckdb.connect(), memory_limit="1GB")
    broken = tmp_path / "broken"
    _write_folder(frame, broken, parts=2)
    data = bytearray((broken / "part-1.parquet").read_bytes())
    footer = int.from_bytes(data[-8:-4], "little") + 8  # metadata, its length and "PAR1"
    data[4:len(data) - footer] = b"\xff" * (len(data) - footer - 4)
    (broken / "part-1.parquet").write_bytes(bytes(data))
    with pytest.raises(EngineError) as info:  # the footer is intact, the pages are not
        DuckDBPanel(broken, **FIRST)
    assert str(info.value).startswith("DuckDB failed while checking the data:")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_map_blocks_passes_arguments_and_reduce_adds_up():
    frame = random_panel(15, units=30)
    with DuckDBPanel(frame, **FIRST, block_units=8) as panel:
        sums = panel.reduce(_outcome_sum, 2.0)
        counts = panel.map_blocks(_units_in_block)
    expected = 2.0 * frame["y"].sum()
    assert sums["y"] == pytest.approx(expected, rel=1e-12)
    assert counts == [8, 8, 8, 6]


def _outcome_sum(block, scale):
    return {"y": np.array(scale * np.nansum(block.outcome))}


def _units_in_block(block):
    return block.n


def test_a_duckdb_panel_is_not_pickled():
    with DuckDBPanel(random_panel(16, units=30), **FIRST) as panel:
        with pytest.raises(TypeError, match=r"cannot be pickled"):
            copy.copy(panel)


def test_a_failing_function_leaves_the_panel_usable():
    frame = random_panel(17, units=30)
    with DuckDBPanel(frame, **FIRST, block_units=8) as panel:
        first = panel.map_blocks(_first_unit)[0]
        with pytest.raises(ZeroDivisionError):  # the function's own error, unchanged
            panel.map_blocks(_fails_after_first_block, first)
        assert panel.map_blocks(_units_in_block) == [8, 8, 8, 6]


def _first_unit(block):
    return block.units[0]


def _fails_after_first_block(block, first):
    return block.n if block.units[0] == first else 1 / 0


def test_blocks_keep_the_units_order_on_a_connection_that_does_not_keep_row_order():
    """Scanned in parallel (300,000 units: three of DuckDB's row groups), the unit table
    comes back out of order unless the panel asks for the order."""
    frame = random_panel(18, units=300_000, periods=2, covariates=0)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    with DuckDBPanel(frame, **FIRST, connection=con, block_units=50_000) as panel:
        units = np.concatenate(panel.map_blocks(_units))
    np.testing.assert_array_equal(units, np.sort(frame["unit"].unique()))


def _units(block):
    return block.units


def test_duckdb_running_out_of_memory_says_how_to_give_it_more():
    from evalkit.data._duckdb_source import engine_error

    error = engine_error(duckdb.OutOfMemoryException("Out of Memory Error: failed to "
                                                     "allocate"), "grouping the rows by unit")
    assert error.message == "DuckDB ran out of memory while grouping the rows by unit:"
    assert "memory_limit='8GB'" in error.problems[1] and "temp_directory" in error.problems[1]


def test_a_view_of_a_database_file_and_its_rows_named_by_unit_and_period(tmp_path):
    frame = random_panel(19, units=30)
    path = tmp_path / "panel.db"
    _write_database(frame, path)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA extracts")
        con.execute("CREATE VIEW extracts.recent AS SELECT * FROM panel WHERE year > 2000")
    with DuckDBPanel(path, **FIRST, table="extracts.recent") as panel:
        assert_same_blocks(panel, SplitPanel(Panel(frame, **FIRST)))
    with duckdb.connect(str(path)) as con:  # the file was only read
        assert con.execute("SELECT count(*) FROM panel").fetchall() == [(len(frame),)]


def test_the_own_connection_spills_in_a_folder_removed_on_close(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    panel = DuckDBPanel(random_panel(20, units=30), **FIRST)
    assert [p.name[:15] for p in tmp_path.iterdir()] == ["evalkit-duckdb-"]
    panel.close()
    assert list(tmp_path.iterdir()) == []


def test_a_database_file_read_on_a_connection_given_is_detached_on_close(tmp_path):
    frame = random_panel(21, units=30)
    _write_database(frame, tmp_path / "panel.duckdb")
    con = duckdb.connect()
    with DuckDBPanel(tmp_path / "panel.duckdb", **FIRST, table="PANEL", connection=con) as panel:
        assert_same_blocks(panel, SplitPanel(Panel(frame, **FIRST)))
    assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE "
                       "'evalkit%'").fetchall() == [(0,)]
