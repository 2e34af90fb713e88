"""The large-panel generator of the out-of-core benchmarks (benchmarks/make_parquet_panel.py).

It writes a panel by chunks of units into a folder of Parquet files; these tests check, on
small panels, that what it writes is a complete balanced panel whatever the chunk size
and layout, that its recorded cohort sizes and true effects are those of the data, and
that a folder is reused only when its parameters match.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from make_parquet_panel import ensure_panel, truth, write_panel  # noqa: E402


def _sorted(folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder)
    return frame.sort_values(["unit", "year"], ignore_index=True)


def test_every_unit_has_every_year_once_with_one_cohort(tmp_path: Path) -> None:
    manifest = write_panel(tmp_path / "p", 1_003, 10, seed=3, n_files=4, chunk_units=100)
    frame = _sorted(tmp_path / "p")
    assert len(frame) == 10_030 == manifest["rows"]
    assert frame["unit"].unique().tolist() == list(range(1, 1_004))
    years = frame["year"].to_numpy().reshape(1_003, 10)
    assert (years == np.arange(2011, 2021)).all()
    assert (frame.groupby("unit")["first_treat"].nunique() == 1).all()
    sizes = frame.drop_duplicates("unit")["first_treat"].value_counts()
    assert {str(k): int(v) for k, v in sizes.items()} == manifest["cohort_sizes"]
    # chunks of 100 units: 25 per cohort and 25 never treated; the last chunk's 3 units go
    # to the first three cohorts (2014, 2016, 2018): 10 x 25 + 1 = 251 each, 250 never.
    assert manifest["cohort_sizes"] == {"0": 250, "2014": 251, "2016": 251, "2018": 251}
    assert sum(manifest["rows_per_file"]) == 10_030


def test_layouts_hold_the_same_rows_spread_differently(tmp_path: Path) -> None:
    write_panel(tmp_path / "s", 500, 6, seed=2, n_files=5, chunk_units=120)
    write_panel(tmp_path / "u", 500, 6, seed=2, n_files=5, chunk_units=120, layout="by_unit")
    pd.testing.assert_frame_equal(_sorted(tmp_path / "s"), _sorted(tmp_path / "u"))
    files = {k: pd.read_parquet(tmp_path / "s" / f"part-{k:02d}.parquet") for k in range(5)}
    spread = pd.concat(f.assign(file=k) for k, f in files.items()).groupby("unit")["file"]
    assert spread.nunique().mean() > 2  # a unit's 6 rows lie in several of the 5 files
    first = pd.read_parquet(tmp_path / "u" / "part-00.parquet")
    assert first["unit"].tolist() == sorted(first["unit"]) and first["unit"].max() == 100


def test_true_effects_by_hand() -> None:
    # Equal cohorts first treated in periods 4, 6, 8 of 10: effects 1 + 0.5 e (7 cells),
    # 2 + 0.5 e (5 cells), 3 + 0.5 e (3 cells), e = 0, 1, ...: (17.5 + 15 + 10.5) / 15.
    effects = truth(10, 2011, {2014: 7, 2016: 7, 2018: 7, 0: 7})
    assert effects["overall"] == pytest.approx(43 / 15, abs=1e-15)
    # event time 2: cohorts 4, 6 and 8 each (2, 3, 4); event time 5: cohort 4 only (3.5)
    assert effects["event_time"]["2"] == pytest.approx(3.0, abs=1e-15)
    assert effects["event_time"]["5"] == pytest.approx(3.5, abs=1e-15)
    # unequal sizes weight the cohorts: at event time 0, (1 x 1 + 2 x 3) / 3
    assert truth(10, 2011, {2014: 1, 2016: 0, 2018: 2, 0: 5})["event_time"]["0"] == \
        pytest.approx(7 / 3, abs=1e-15)


def test_effects_are_in_the_outcomes(tmp_path: Path) -> None:
    # The mean change from the year before treatment to the first treated year, treated
    # minus never treated, estimates the effect at event time 0 (2 on average); with 8,000
    # units the difference of means has a standard error of about sqrt(2/2000 + 2/2000)
    # = 0.045, so 0.25 is more than five of them.
    manifest = write_panel(tmp_path / "p", 8_000, 10, seed=5, n_files=3, chunk_units=1_000)
    frame = _sorted(tmp_path / "p")
    y = frame["y"].to_numpy().reshape(8_000, 10)
    g = frame["first_treat"].to_numpy()[::10]
    never = y[g == 0]
    gaps = []
    for cohort in (2014, 2016, 2018):
        column = cohort - 2011
        change = y[g == cohort, column] - y[g == cohort, column - 1]
        gaps.append(change.mean() - (never[:, column] - never[:, column - 1]).mean())
    assert np.mean(gaps) == pytest.approx(manifest["truth"]["event_time"]["0"], abs=0.25)
    assert gaps == pytest.approx([1.0, 2.0, 3.0], abs=0.3)


def test_a_folder_is_reused_only_with_the_same_parameters(tmp_path: Path) -> None:
    quiet = lambda *_: None  # noqa: E731
    folder, _ = ensure_panel(tmp_path, 200, 4, seed=1, n_files=2, chunk_units=50, log=quiet)
    written = (folder / "part-00.parquet").stat().st_mtime_ns
    again, _ = ensure_panel(tmp_path, 200, 4, seed=1, n_files=2, chunk_units=50, log=quiet)
    assert again == folder and (folder / "part-00.parquet").stat().st_mtime_ns == written
    (folder / "_manifest.json").write_text('{"format": 1, "n_units": 200, "seed": 9}')
    _, manifest = ensure_panel(tmp_path, 200, 4, seed=1, n_files=2, chunk_units=50, log=quiet)
    assert manifest["seed"] == 1 and len(pd.read_parquet(folder)) == 800
    assert not folder.with_name(folder.name + ".partial").exists()
