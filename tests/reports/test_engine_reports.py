"""Reports on data held by an engine: a Parquet folder or a DuckDB database as ``data.file``.

The report of ``params/minimum_wage_out_of_core.yaml`` reads ``data/mpdta_parquet`` (the
rows of ``data/mpdta.csv`` in five files) through DuckDB; its numbers must be those of
``params/minimum_wage.yaml``, which reads the CSV into memory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from evalkit.cli import main
from evalkit.reports import load_params
from evalkit.reports.analysis.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[2]
ATOL = 1e-10


@pytest.fixture(scope="module")
def both():
    memory = evaluate(ROOT / "params" / "minimum_wage.yaml")
    engine = evaluate(ROOT / "params" / "minimum_wage_out_of_core.yaml")
    return memory, engine


def _close(a, b) -> None:
    np.testing.assert_allclose(a, b, rtol=0, atol=ATOL)


def test_the_out_of_core_report_has_the_in_memory_numbers(both):
    memory, engine = both
    assert engine.panel.engine == "duckdb"
    _close(engine.headline.estimate, memory.headline.estimate)
    _close(engine.headline.std_error, memory.headline.std_error)  # 999 draws, same seed
    _close(engine.main.estimate, memory.main.estimate)  # static TWFE
    _close(engine.main.std_error, memory.main.std_error)
    for key in ("callaway_santanna", "imputation"):
        _close(engine.staggered.overall[key].estimate, memory.staggered.overall[key].estimate)
        _close(engine.staggered.overall[key].std_error,
               memory.staggered.overall[key].std_error)
        a, b = engine.staggered.event_studies[key].tidy(), memory.staggered.event_studies[
            key].tidy()
        _close(a["estimate"].to_numpy(), b["estimate"].to_numpy())
        _close(a["std_error"].to_numpy(), b["std_error"].to_numpy())
    _close(engine.dynamic.tidy()["estimate"].to_numpy(),
           memory.dynamic.tidy()["estimate"].to_numpy())
    assert engine.panel.describe() == memory.panel.describe()
    # R did's att_gt on mpdta, doubly robust, never-treated comparisons: -0.0400
    assert round(engine.headline.estimate, 4) == -0.0400


def test_what_needs_every_row_in_memory_is_omitted_with_the_reason(both):
    memory, engine = both
    remarks = [str(note) for note in (*engine.staggered.remarks, *engine.robustness.remarks)]
    for subject in ("Sun & Abraham", "Goodman-Bacon", "wild cluster bootstrap"):
        assert any(subject in r and "needs every row of the data in memory" in r
                   and "DuckDB" in r for r in remarks), (subject, remarks)
    assert engine.staggered.bacon is None and memory.staggered.bacon is not None
    assert engine.robustness.wild is None
    # HonestDiD needs only the event study: it runs on the engine's as on the memory's
    assert set(engine.robustness.honest) == set(memory.robustness.honest)


def _params_copy(tmp_path: Path, data_lines: str, estimator: str = "callaway_santanna",
                 drop_bootstrap: bool = True) -> Path:
    text = (ROOT / "params" / "minimum_wage_out_of_core.yaml").read_text(encoding="utf-8")
    text = text.replace("  file: ../data/mpdta_parquet\n", data_lines)
    text = text.replace("  estimator: callaway_santanna\n", f"  estimator: {estimator}\n")
    if drop_bootstrap:
        text = text.replace("  n_draws: 999\n", "")
    path = tmp_path / "params" / "policy.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_duckdb_database_with_its_table(tmp_path, both):
    duckdb = pytest.importorskip("duckdb")
    memory, _ = both
    database = tmp_path / "data" / "panel.duckdb"
    database.parent.mkdir()
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE counties AS SELECT * FROM read_csv_auto(?)",
                           [str(ROOT / "data" / "mpdta.csv")])
    params = _params_copy(tmp_path, "  file: ../data/panel.duckdb\n  table: counties\n")
    evaluation = evaluate(params)
    assert evaluation.panel.engine == "duckdb"
    # without the bootstrap: analytic standard errors, the same point estimate
    _close(evaluation.headline.estimate, memory.headline.estimate)


def test_data_held_by_an_engine_are_checked_before_running(tmp_path, capsys):
    empty = tmp_path / "data" / "empty"
    empty.mkdir(parents=True)
    (empty / "readme.txt").write_text("no data here", encoding="utf-8")
    folder = tmp_path / "data" / "mpdta_parquet"
    shutil.copytree(ROOT / "data" / "mpdta_parquet", folder)
    cases = {
        "no_parquet": (_params_copy(tmp_path / "a", f"  file: {empty}\n"),
                       "holds none"),
        "table": (_params_copy(tmp_path / "b", f"  file: {folder}\n  table: t\n"),
                  "data.table: only used for DuckDB databases"),
        "estimator": (_params_copy(tmp_path / "c", f"  file: {folder}\n",
                                   estimator="sun_abraham"),
                      "design.estimator: must be one of callaway_santanna, imputation, "
                      "twfe, event_study for data held by duckdb"),
    }
    for name, (params, expected) in cases.items():
        assert main(["validate", str(params)]) == 1, name
        assert expected in capsys.readouterr().out, name
    # a column the Parquet files lack is named with the columns they have
    params = _params_copy(tmp_path / "e", f"  file: {folder}\n")
    params.write_text(params.read_text(encoding="utf-8").replace("outcome: lemp",
                                                                 "outcome: lemp2"))
    assert main(["validate", str(params)]) == 1
    out = capsys.readouterr().out
    assert "design.outcome: must be a column of the Parquet files" in out and "'lemp'" in out


def test_a_duckdb_database_without_its_table_is_named(tmp_path, capsys):
    duckdb = pytest.importorskip("duckdb")
    database = tmp_path / "data" / "panel.duckdb"
    database.parent.mkdir()
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE counties AS SELECT 1 AS x")
    params = _params_copy(tmp_path, "  file: ../data/panel.duckdb\n")
    assert main(["validate", str(params)]) == 1
    assert "data.table: must name the table" in capsys.readouterr().out
    params.write_text(params.read_text(encoding="utf-8").replace(
        "  file: ../data/panel.duckdb\n", "  file: ../data/panel.duckdb\n  table: nope\n"))
    assert main(["validate", str(params)]) == 1
    assert "its tables: 'counties'" in capsys.readouterr().out


def test_the_params_accept_the_engine_keys():
    params = load_params(ROOT / "params" / "minimum_wage_out_of_core.yaml")
    assert (params.data.engine, params.data.table) == ("auto", None)
    assert params.data_path.is_dir()
