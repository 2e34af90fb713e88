"""DaskPanel on a real local Dask cluster (two worker processes), checked against Panel.

The reference is ``SplitPanel(Panel(the same rows))``: its blocks, put together, are the
panel's wide arrays, built in memory by evalkit's own Panel. A DaskPanel's blocks, put
together and sorted by unit, must be exactly equal to them (no tolerance: the values are
copied, never computed), and its facts must be the Panel's.
"""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from _dask_panels import (  # noqa: E402
    FIELDS,
    fails,
    outcome_sum_after,
    random_panel,
    stacked,
    whole_block,
)
from engine_panels import random_panel as shared_random_panel  # noqa: E402

from evalkit.data.dask_panel import DaskPanel  # noqa: E402
from evalkit.data.panel import Panel  # noqa: E402
from evalkit.data.unit_blocks import SplitPanel  # noqa: E402
from evalkit.errors import DataError, InputError  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    # not the default client: DaskPanel must use the one it is given
    with distributed.Client(cluster, set_as_default=False) as dask_client:
        yield dask_client


def assert_same_blocks(engine: DaskPanel, reference: Panel) -> None:
    got = stacked(engine.map_blocks(whole_block))
    want = stacked(SplitPanel(reference, 3).map_blocks(whole_block))
    for name in FIELDS:
        if want[name] is None:
            assert got[name] is None, name
            continue
        assert got[name].shape == want[name].shape, name
        assert got[name].dtype == want[name].dtype, name
        np.testing.assert_array_equal(got[name], want[name], err_msg=name, strict=True)


def as_parquet_folder(df: pd.DataFrame, folder, n_files: int = 3):
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(df)), n_files)):
        df.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


PANELS = {
    "balanced-int-first_treated": {"seed": 1},
    "unbalanced-text-treatment": {"seed": 2, "text_units": True, "balanced": False,
                                  "treatment_column": True},
    "covariates-weights-cluster": {"seed": 3, "extras": True},
    "unbalanced-text-extras-drop": {"seed": 4, "text_units": True, "balanced": False,
                                    "extras": True, "holes": True},
}


# ---------------------------------------------------------------------------- the main test
@pytest.mark.parametrize("source", ["dask", "parquet"])
@pytest.mark.parametrize("case", list(PANELS))
def test_blocks_and_facts_are_those_of_panel(client, tmp_path, case, source):
    df, described = random_panel(**PANELS[case])
    before = df.copy()
    data = (dd.from_pandas(df, npartitions=4, sort=False) if source == "dask"
            else as_parquet_folder(df, tmp_path / "panel"))
    panel = DaskPanel(data, client=client, npartitions=5, **described)
    reference = Panel(df, **described)

    assert_same_blocks(panel, reference)
    assert panel.describe() == reference.describe()
    assert panel.n_blocks > 1
    np.testing.assert_array_equal(panel.periods, reference.periods)
    assert panel.cohort_sizes.to_dict() == reference.cohort_sizes.to_dict()
    assert panel.spec() == reference.spec()
    if reference.cluster:
        labels = np.sort(pd.unique(reference.data[reference.cluster]))
        np.testing.assert_array_equal(panel.cluster_labels, labels)
    else:
        assert panel.cluster_labels is None
    pd.testing.assert_frame_equal(df, before)  # the caller's data untouched


@pytest.mark.parametrize("options", [{}, {"balanced": False, "text_units": True, "holes": 9}])
def test_the_shared_random_panels_too(client, options):
    # the panels the other engines are tested on: irregular periods (2001, 2003, 2004 ...)
    df = shared_random_panel(11, units=60, **options)
    described = {"unit": "unit", "time": "year", "outcome": "y", "covariates": ("x0", "x1"),
                 "weights": "w", "cluster": "region", "missing": "drop"}
    for timing in ({"first_treated": "g"}, {"treatment": "D"}):
        panel = DaskPanel(dd.from_pandas(df, npartitions=3), client=client, **described,
                          **timing)
        reference = Panel(df, **described, **timing)
        assert_same_blocks(panel, reference)
        assert panel.describe() == reference.describe()


def test_facts_count_late_cohorts_and_dropped_rows(client):
    # seed 4: units first treated in 2030 (after the 2007 end) count as never treated, and
    # the rows with a missing outcome or x1 are dropped; Panel counts both the same way
    df, described = random_panel(**PANELS["unbalanced-text-extras-drop"])
    panel = DaskPanel(dd.from_pandas(df, npartitions=3), client=client, **described)
    late = df.groupby("id")["g"].first().eq(2030).sum()
    assert late > 0 and panel.describe()["treated_after_last_period"] == late
    assert panel.dropped_rows == df[["y", "x1"]].isna().any(axis=1).sum() > 0


def test_map_blocks_reduce_and_own_errors(client):
    df, described = random_panel(5)
    panel = DaskPanel(dd.from_pandas(df, npartitions=3), client=client, **described)
    total = panel.reduce(outcome_sum_after, 0.0)
    assert total["units"][0] == 80  # every unit once
    assert total["sum"][0] == pytest.approx(df["y"].sum(), rel=1e-12)
    first = [r["sum"][0] for r in panel.map_blocks(outcome_sum_after, 0.0)]
    assert [r["sum"][0] for r in panel.map_blocks(outcome_sum_after, 0.0)] == first  # same order
    with pytest.raises(ZeroDivisionError, match="a bug in the block function"):
        panel.map_blocks(fails)  # the function's own error, as it is
    panel.release()
    with pytest.raises(InputError, match="released"):
        panel.map_blocks(whole_block)


def test_fingerprint_ignores_row_order_and_partitions(client):
    df, described = random_panel(6)
    first = DaskPanel(dd.from_pandas(df, npartitions=2), client=client, **described)
    shuffled = df.sample(frac=1.0, random_state=99)
    second = DaskPanel(dd.from_pandas(shuffled, npartitions=5), client=client, npartitions=3,
                       **described)
    assert first.fingerprint == second.fingerprint
    assert len(first.fingerprint) == 64
    changed = df.copy()
    changed.loc[0, "y"] += 1e-9
    third = DaskPanel(dd.from_pandas(changed, npartitions=2), client=client, **described)
    assert third.fingerprint != first.fingerprint


def test_uses_the_current_client_and_never_starts_one(client):
    df, described = random_panel(7, n_units=20)
    data = dd.from_pandas(df, npartitions=2)
    with pytest.raises(InputError, match="no Dask client is running"):
        DaskPanel(data, **described)
    with client.as_current():
        panel = DaskPanel(data, **described)
    assert panel.client is client


# ---------------------------------------------------------------------------- bad input
def rows_of(df: pd.DataFrame, npartitions: int = 3):
    return dd.from_pandas(df, npartitions=npartitions, sort=False)


def small_panel() -> pd.DataFrame:
    # units 1..6 over 2001-2004; unit 1 and 2 treated from 2003, the others never
    df = pd.DataFrame({"id": np.repeat(np.arange(1, 7), 4),
                       "year": np.tile(np.arange(2001, 2005), 6),
                       "g": np.repeat([2003, 2003, 0, 0, 0, 0], 4)})
    df["y"] = np.arange(len(df), dtype=float)
    return df


DESCRIBED = {"unit": "id", "time": "year", "outcome": "y", "first_treated": "g"}
NAMED = ("rows are named by their unit and period: the rows of a Dask DataFrame have no "
         "fixed order")


def problems(error: pytest.ExceptionInfo) -> tuple[str, ...]:
    return error.value.problems


def test_duplicates_in_different_partitions_are_found(client):
    df = small_panel()
    duplicate = df[(df["id"] == 5) & (df["year"] == 2002)]
    df = pd.concat([duplicate, df], ignore_index=True)  # first and 11th rows: two partitions
    data = rows_of(df)
    parts = [data.get_partition(i).compute() for i in range(data.npartitions)]
    holding = [i for i, part in enumerate(parts)
               if (part["id"].eq(5) & part["year"].eq(2002)).any()]
    assert len(holding) == 2  # the two rows of (5, 2002) are in two partitions
    with pytest.raises(DataError) as got:
        DaskPanel(data, client=client, **DESCRIBED)
    with pytest.raises(DataError) as want:
        Panel(df, **DESCRIBED)
    assert str(got.value) == str(want.value)  # Panel's message, word for word
    assert "1 unit-period pairs appear on more than one row (2 rows), e.g. (5, 2002)" in \
        str(got.value)


def test_missing_values_are_named_by_unit_and_period(client):
    df = small_panel()
    df.loc[(df["id"] == 3) & (df["year"] == 2004), "y"] = np.nan
    df.loc[(df["id"] == 6) & (df["year"] == 2001), "y"] = np.nan
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, **DESCRIBED)
    # 2 of the 24 rows; rows named by unit and period, sorted
    assert problems(got) == (f"outcome='y': 2 of 24 rows have a missing value (rows (3, 2004), "
                             f"(6, 2001); {NAMED}; drop them first, or pass missing='drop')",)


def test_every_problem_of_a_stage_at_once(client):
    df = small_panel()
    df["w"] = 1.0
    df.loc[df["id"] == 2, "w"] = -1.0  # 4 rows
    df.loc[(df["id"] == 4) & (df["year"] == 2003), "y"] = np.inf
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, weights="w", **DESCRIBED)
    assert set(problems(got)) == {
        f"outcome='y': must hold finite numbers; got inf or -inf in 1 of 24 rows (row "
        f"(4, 2003); {NAMED}); replace them (they often come from a division by zero) or drop "
        "these rows",
        f"weights='w': must be strictly positive; 4 rows are not (rows (2, 2001), (2, 2002), "
        f"(2, 2003), (2, 2004); {NAMED})"}


def test_values_too_large_for_the_whole_panel(client):
    df = small_panel()
    df.loc[(df["id"] == 6) & (df["year"] == 2002), "y"] = 1e153
    # 24 rows: limit sqrt(max float / 24) = 2.73e153 ... above 1e153: no problem alone
    DaskPanel(rows_of(df), client=client, **DESCRIBED)
    big = pd.concat([df] + [df.assign(id=df["id"] + 10 * k) for k in range(1, 10)],
                    ignore_index=True)  # 240 rows: limit sqrt(1.797e308 / 240) = 8.65e152
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(big, 4), client=client, **DESCRIBED)
    assert problems(got) == (
        "outcome='y': must be at most 8.65e+152 in absolute value; got values up to 1e+153 in "
        "10 of 240 rows (rows (6, 2002), (16, 2002), (26, 2002), (36, 2002), (46, 2002) and 5 "
        f"more; {NAMED}), too large to estimate with (their squares overflow): rescale the "
        "column (e.g. in thousands or millions, or take its logarithm) or correct these "
        "values",)


def test_text_outcome_names_the_values(client):
    df = small_panel().astype({"y": object})
    df.loc[(df["id"] == 2) & (df["year"] == 2001), "y"] = "n/a"
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, **DESCRIBED)
    (message,) = problems(got)
    assert message.startswith("outcome='y': must be a numeric column; got dtype ")
    assert message.endswith("with 1 of 24 rows holding values that are not numbers: 'n/a' "
                            f"(row (2, 2001)) ({NAMED})")


def test_unit_level_problems_across_partitions(client):
    df = small_panel()
    df["region"] = np.where(df["id"] <= 3, "north", "south")
    df.loc[(df["id"] == 4) & (df["year"] == 2004), "region"] = "north"
    df.loc[(df["id"] == 6) & (df["year"] == 2004), "g"] = 2004
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, cluster="region", **DESCRIBED)
    assert set(problems(got)) == {
        "first_treated='g': must be the same on every row of a unit; it changes within 1 "
        "units, e.g. 6",
        "cluster='region': must be constant within each unit (the units are the draws of a "
        "panel: a cluster holds whole units); it changes within 1 units, e.g. 4"}


def _not_binary(df):
    return df.assign(d=np.where(df["year"] >= 2003, 1, 0) * np.where(df["id"] == 4, 2, 1)
                     * (df["id"] <= 4)).drop(columns="g")


def _switches_off(df):
    d = ((df["id"] <= 2) & (df["year"] >= 2003)).astype(int)
    d[(df["id"] == 2) & (df["year"] == 2004)] = 0
    return df.assign(d=d).drop(columns="g")


SAME_AS_PANEL = {  # data whose problems Panel words without naming rows
    "not 0/1": (_not_binary, "d"),
    "switches off": (_switches_off, "d"),
    "first_treated changes": (lambda df: df.assign(g=np.where(df["year"] == 2004, 0, df["g"])),
                              None),
    "no rows": (lambda df: df.iloc[:0], None),
    "every row dropped": (lambda df: df.assign(y=np.nan), None),
}


@pytest.mark.parametrize("case", list(SAME_AS_PANEL))
def test_problems_worded_as_panel_words_them(client, case):
    change, treatment = SAME_AS_PANEL[case]
    df = change(small_panel())
    described = dict(DESCRIBED, missing="drop" if case == "every row dropped" else "error")
    if treatment:
        del described["first_treated"]
        described["treatment"] = treatment
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df, 2), client=client, **described)
    with pytest.raises(DataError) as want:
        Panel(df, **described)
    assert str(got.value) == str(want.value)


def test_more_partitions_than_units(client):
    df = small_panel()
    panel = DaskPanel(rows_of(df, 2), client=client, npartitions=12, **DESCRIBED)
    assert 1 <= panel.n_blocks <= 6  # empty partitions hold no block
    assert_same_blocks(panel, Panel(df, **DESCRIBED))


def test_numbers_stored_as_text(client):
    df = small_panel().astype({"y": str})
    with pytest.raises(DataError, match=r"outcome='y': must be a numeric column; got dtype .*"
                                        r"\(numbers stored as text, values such as"):
        DaskPanel(rows_of(df), client=client, **DESCRIBED)


@pytest.mark.parametrize("change", ["never treated", "no pre-period", "all treated"])
def test_design_checks_on_the_whole_panel(client, change):
    df = small_panel()
    if change == "never treated":
        df["g"] = np.where(df["id"] <= 2, 2010, 0)  # after the end: never within the panel
    elif change == "no pre-period":
        df["g"] = np.where(df["id"] <= 2, 2001, 0)
    else:
        df["g"] = 2003
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, **DESCRIBED)
    with pytest.raises(DataError) as want:
        Panel(df, **DESCRIBED)
    assert str(got.value) == str(want.value)


def test_missing_columns_and_description_as_panel(client):
    df = small_panel()
    with pytest.raises(DataError) as got:
        DaskPanel(rows_of(df), client=client, unit="id", time="year", outcome="lemp",
                  first_treated="g")
    with pytest.raises(DataError) as want:
        Panel(df, unit="id", time="year", outcome="lemp", first_treated="g")
    assert str(got.value) == str(want.value)
    with pytest.raises(InputError, match="exactly one must be given"):
        DaskPanel(rows_of(df), client=client, unit="id", time="year", outcome="y")


def test_bad_source_client_and_options(client):
    df = small_panel()
    with pytest.raises(InputError, match="from_pandas"):
        DaskPanel(df, client=client, **DESCRIBED)
    with pytest.raises(InputError, match="must be a distributed.Client"):
        DaskPanel(rows_of(df), client="tcp://127.0.0.1:1", **DESCRIBED)
    with pytest.raises(InputError, match="npartitions=0"):
        DaskPanel(rows_of(df), client=client, npartitions=0, **DESCRIBED)
    with pytest.raises(InputError, match="timeout=0"):
        DaskPanel(rows_of(df), client=client, timeout=0, **DESCRIBED)
    with pytest.raises(InputError, match="no such file or folder"):
        DaskPanel("/nonexistent/panel", client=client, **DESCRIBED)


def test_parquet_files_that_disagree_are_named(client, tmp_path):
    df = small_panel()
    folder = tmp_path / "panel"
    folder.mkdir()
    df.iloc[:8].to_parquet(folder / "a.parquet", index=False)
    df.iloc[8:16].astype({"y": str}).to_parquet(folder / "b.parquet", index=False)
    df.iloc[16:].drop(columns="g").to_parquet(folder / "c.parquet", index=False)
    with pytest.raises(DataError) as got:
        DaskPanel(folder, client=client, **DESCRIBED)
    assert "Parquet files do not agree on the columns the panel uses" in str(got.value)
    assert set(problems(got)) == {
        "column 'y' has different types: double in a.parquet, c.parquet; large_string in "
        "b.parquet",  # pandas writes its text columns as large_string
        "column 'g' is in a.parquet, b.parquet but not in c.parquet"}


# ---------------------------------------------------------------------------- faults
def test_a_worker_killed_mid_run_is_recovered(client):
    df, described = random_panel(8, n_units=200)
    panel = DaskPanel(dd.from_pandas(df, npartitions=4), client=client, npartitions=6,
                      **described)
    expected = panel.map_blocks(outcome_sum_after, 0.0)
    busy = next(iter(client.processing()))  # a worker that holds blocks
    pid = client.run(os.getpid, workers=[busy])[busy]
    killer = threading.Timer(0.3, os.kill, (pid, signal.SIGKILL))
    killer.start()
    got = panel.map_blocks(outcome_sum_after, 0.5)  # 6 blocks x 0.5 s on 2 workers
    killer.join()
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a["units"], b["units"])
        np.testing.assert_array_equal(a["sum"], b["sum"])
    client.wait_for_workers(2, timeout=60)
    assert busy not in client.scheduler_info()["workers"]  # replaced by a new worker

