"""imputation / imputation_overall on a panel held by an engine, read in blocks of units.

The reference is the in-memory estimator on the same data (tested against a dense-matrix
computation and statsmodels in ``test_imputation.py``): the block path, run on
``SplitPanel(panel, k, order=...)`` (the panel's own rows cut into ``k`` blocks of whole
units, read in the order given), must give the same estimates, standard errors, covariance
matrices, pre-trend tests, sample facts and provenance to 1e-10 (absolute), whatever the
number of blocks and their order; the same errors for the same bad inputs; and refuse,
naming it, the one option it cannot honour (clustering by a column that is not the panel's
declared, unit-constant cluster column).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, DataError, EstimationError, InputError, Panel
from evalkit.data.simulate import simulate_staggered_panel
from evalkit.data.unit_blocks import SplitPanel
from evalkit.datasets import load_mpdta
from evalkit.did._imputation_blocks import _factor
from evalkit.did.imputation import imputation, imputation_overall

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
SIM = {"unit": "unit", "time": "period", "outcome": "y", "first_treated": "first_treated"}
TOLERANCE = 1e-10
SPLITS = [(1, None), (3, [2, 0, 1]), (7, [6, 3, 0, 5, 1, 4, 2])]


# ---------------------------------------------------------------------------- helpers
def _assert_same_coefficients(ours, reference, fingerprint: str | None = None) -> None:
    """Same numbers, sample and provenance; ``fingerprint``: the engine's, when it
    fingerprints the data its own way."""
    assert ours.coefficients.terms == reference.coefficients.terms
    for name in ("estimate", "std_error", "vcov"):
        np.testing.assert_allclose(getattr(ours.coefficients, name),
                                   getattr(reference.coefficients, name), rtol=0, atol=TOLERANCE,
                                   err_msg=name)
    assert ours.coefficients.alpha == reference.coefficients.alpha
    assert dict(ours.sample) == dict(reference.sample)
    expected = fingerprint or reference.provenance.data_fingerprint
    assert ours.provenance.data_fingerprint == expected
    assert (replace(ours.provenance, created="")
            == replace(reference.provenance, created="", data_fingerprint=expected))
    assert ours.specification == reference.specification
    assert ours.inference == reference.inference
    assert ours.inference_text == reference.inference_text
    assert ours.estimand == reference.estimand
    assert ours.estimator == reference.estimator


def _assert_same_event_study(ours, reference, fingerprint: str | None = None) -> None:
    assert ours.event_time == reference.event_time
    assert ours.reference_period == reference.reference_period
    _assert_same_coefficients(ours, reference, fingerprint)
    if reference.pretrend is None:
        assert ours.pretrend is None
        return
    assert ours.pretrend.df == reference.pretrend.df
    assert ours.pretrend.rank == reference.pretrend.rank
    assert ours.pretrend.terms == reference.pretrend.terms
    assert ours.pretrend.statistic == pytest.approx(reference.pretrend.statistic, abs=TOLERANCE)
    assert ours.pretrend.p_value == pytest.approx(reference.pretrend.p_value, abs=TOLERANCE)


def _compare(panel: Panel, splits=SPLITS, overall: bool = True, **options) -> None:
    """The block path on every split of ``panel`` gives the in-memory results."""
    reference = imputation(panel, **options)
    overall_options = {k: v for k, v in options.items()
                       if k not in ("window", "horizons", "pretrend_periods")}
    reference_overall = imputation_overall(panel, **overall_options) if overall else None
    for n_blocks, order in splits:
        split = SplitPanel(panel, n_blocks, order=order)
        _assert_same_event_study(imputation(split, **options), reference)
        if overall:
            _assert_same_coefficients(imputation_overall(split, **overall_options),
                                      reference_overall)


def _staggered(n_units: int = 240, n_periods: int = 6, *, seed: int = 3, drop: int = 120,
               cohorts=(3, 5)) -> pd.DataFrame:
    """An unbalanced staggered panel with a time-varying covariate, weights that vary
    within units and a cluster column constant within unit."""
    frame = simulate_staggered_panel(n_units, n_periods, cohorts=cohorts, seed=seed).data.copy()
    rng = np.random.default_rng(seed)
    frame["x2"] = rng.normal(size=len(frame)) + 0.2 * frame["period"]
    frame["w"] = frame["weight"] * (1 + 0.1 * frame["period"])
    frame["state"] = "s" + (frame["unit"] % 13).astype(str).str.zfill(2)
    if drop:
        frame = frame.drop(index=rng.choice(len(frame), drop, replace=False))
    return frame.reset_index(drop=True)


def _random_panel(seed: int) -> pd.DataFrame:
    """Random cohorts (never-treated, treated before the first period, every period),
    unbalanced, weights that vary by row, a cluster column and an integer covariate."""
    rng = np.random.default_rng(seed)
    n_units, n_periods = int(rng.integers(150, 300)), int(rng.integers(4, 8))
    choices = [0, 1, *range(2, n_periods + 1)]
    cohort = rng.choice(choices, size=n_units)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods),
                          "period": np.tile(np.arange(1, n_periods + 1), n_units),
                          "first_treated": np.repeat(cohort, n_periods)})
    frame["y"] = (rng.normal(size=len(frame)) + 0.3 * frame["period"]
                  + np.repeat(rng.normal(size=n_units), n_periods)
                  + (frame["first_treated"].between(1, frame["period"])) * 0.5)
    frame["w"] = rng.uniform(0.5, 2.0, len(frame))
    frame["x2"] = rng.integers(0, 4, len(frame)).astype(float)
    frame["region"] = np.repeat(rng.integers(0, 9, n_units), n_periods)
    keep = (rng.random(len(frame)) >= rng.uniform(0.05, 0.3)) | (frame["period"] == 1)
    return frame.loc[keep].reset_index(drop=True)


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return load_mpdta()


@pytest.fixture(scope="module")
def mpdta_panel(mpdta) -> Panel:
    return Panel(mpdta, **MPDTA)


# ---------------------------------------------------------------------------- mpdta
def test_mpdta_every_split_and_order_gives_the_in_memory_results(mpdta_panel):
    _compare(mpdta_panel)


@pytest.mark.parametrize("options", [
    {"anticipation": 1},
    {"window": (-2, 2)},
    {"window": (0, 2)},
    {"horizons": [0, 2], "pretrend_periods": 1},
    {"pretrend_periods": 0},
    {"average_effects_by": "event_time"},
], ids=["anticipation", "window", "window-without-leads", "horizons+leads", "no-pretrend",
        "event-time-cells"])
def test_mpdta_options(mpdta_panel, options):
    _compare(mpdta_panel, splits=SPLITS[1:2], **options)


def test_mpdta_clustered_by_a_column_constant_within_units(mpdta):
    frame = mpdta.assign(state=mpdta["countyreal"] % 29)  # 29 groups of counties
    panel = Panel(frame, **MPDTA, cluster="state")
    _compare(panel)
    # clustering by the unit when the panel declares a cluster column
    _compare(panel, splits=SPLITS[1:2], inference=Clustered("countyreal"))


# ---------------------------------------------------------------------------- random panels
CONFIGURATIONS = {
    "unbalanced": ({}, {}),
    "weights+covariate": ({"weights": "w", "covariates": ["x2"]}, {}),
    "cluster-column": ({"weights": "w", "covariates": ["x2"], "cluster": "state"}, {}),
    "anticipation": ({"covariates": ["x2"], "cluster": "state"}, {"anticipation": 1}),
    "event-time-cells": ({"weights": "w", "cluster": "state"},
                         {"average_effects_by": "event_time"}),
    "window": ({"weights": "w"}, {"window": (-3, 2)}),
}


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_unbalanced_staggered_panels(name):
    panel_options, options = CONFIGURATIONS[name]
    panel = Panel(_staggered(), **SIM, **panel_options)
    assert not panel.is_balanced
    _compare(panel, **options)


@pytest.mark.parametrize("seed", range(6))
def test_random_panels(seed):
    frame = _random_panel(seed)
    rng = np.random.default_rng(seed)
    weights = "w" if seed % 2 else None
    cluster = "region" if seed % 3 == 0 else None
    covariates = ["x2"] if seed % 3 != 1 else []
    panel = Panel(frame, **SIM, weights=weights, covariates=covariates, cluster=cluster)
    anticipation = int(rng.integers(0, 2))
    grouping = "event_time" if seed == 4 else "cohort_event_time"
    _compare(panel, splits=[(1, None), (4, [3, 1, 0, 2])], anticipation=anticipation,
             average_effects_by=grouping)


def test_units_treated_throughout_and_periods_without_untreated_rows_are_dropped_alike():
    # no never-treated unit: the last two periods have no untreated row; cohort 1 (the
    # never-treated units of the simulation) is treated in every period it is observed
    frame = _staggered(160, 7, cohorts=(3, 5, 6), drop=60)
    frame["first_treated"] = frame["first_treated"].replace(0, 1)
    panel = Panel(frame, **SIM, weights="w", covariates=["x2"])
    reference = imputation(panel)
    assert reference.sample["always_treated_units_dropped"] > 0
    assert reference.sample["treated_rows_without_untreated_period"] > 0
    _compare(panel)


def test_irregularly_spaced_periods():
    frame = _staggered(160, 6, cohorts=(3, 5), drop=50)
    frame["period"] = frame["period"].map({1: 2001, 2: 2002, 3: 2004, 4: 2005, 5: 2008, 6: 2009})
    frame["first_treated"] = frame["first_treated"].map({0: 0, 3: 2004, 5: 2008})
    panel = Panel(frame, **SIM, covariates=["x2"])
    _compare(panel)


# ---------------------------------------------------------------------------- errors, inputs
def test_clustering_by_another_column_is_refused_with_its_name(mpdta):
    frame = mpdta.assign(state=mpdta["countyreal"] % 29)
    split = SplitPanel(Panel(frame, **MPDTA, covariates=["lpop"]), 2)
    with pytest.raises(InputError, match=r"cluster='lpop': on a panel held by an engine.*"
                                         r"'countyreal'; got 'lpop'"):
        imputation(split, inference=Clustered("lpop"))
    with pytest.raises(InputError, match="cluster='lpop'"):
        imputation_overall(split, inference=Clustered("lpop"))


def _same_error(panel: Panel, error: type[Exception], **options) -> None:
    with pytest.raises(error) as memory:
        imputation(panel, **options)
    with pytest.raises(error) as blocks:
        imputation(SplitPanel(panel, 3, order=[1, 2, 0]), **options)
    assert str(blocks.value) == str(memory.value)


def test_the_same_errors_as_in_memory(mpdta, mpdta_panel):
    # a covariate constant within units is absorbed by the unit effects
    _same_error(Panel(mpdta, **MPDTA, covariates=["lpop"]), EstimationError)
    # more leads than pre-treatment periods; a horizon without treated rows
    _same_error(mpdta_panel, DataError, pretrend_periods=4)
    _same_error(mpdta_panel, DataError, horizons=[0, 7])
    # anticipation leaving no untreated row before treatment
    _same_error(mpdta_panel, DataError, anticipation=4)
    # a cohort in a single cluster cannot have a leave-out average
    frame = mpdta.assign(state=np.where(mpdta["first.treat"] == 2004, 1,
                                        mpdta["countyreal"] % 5 + 2))
    _same_error(Panel(frame, **MPDTA, cluster="state"), EstimationError)


def test_a_cohort_of_one_unit_needs_pooled_cells_alike():
    frame = _staggered(drop=0)
    lonely = frame[frame["unit"] == 1].assign(unit=999, first_treated=4)
    panel = Panel(pd.concat([frame, lonely], ignore_index=True), **SIM)
    _same_error(panel, EstimationError)  # "the cohort(s) first treated in 4 have a single ..."
    _compare(panel, splits=SPLITS[1:2], average_effects_by="event_time")


def test_the_score_factor_of_a_singular_cross_product():
    # clustered by unit, the results carry R with R'R = sum_i S_i S_i'; with fewer units
    # than estimands the cross-product is singular (rank 2 here) and R comes from its
    # eigenvalues, the tiny negative ones of rounding set to zero
    scores = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    cross = scores.T @ scores
    factor = _factor(cross)
    np.testing.assert_allclose(factor.T @ factor, cross, rtol=0, atol=1e-12)
    assert np.linalg.matrix_rank(factor) == 2


def test_no_imputable_row_is_reported_before_unidentified_covariates():
    # 3 periods, no never-treated unit: cohort 3 is untreated in periods 1-2 and treated in
    # period 3, which has no untreated row; cohort 1 is treated throughout. No treated row
    # can be imputed, and the in-memory estimator says so before it looks at the
    # covariate that the unit effects absorb.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(40), 3), "period": np.tile([1, 2, 3], 40),
                          "first_treated": np.repeat(np.where(np.arange(40) < 20, 3, 1), 3)})
    frame["y"] = rng.normal(size=len(frame))
    frame["level"] = np.repeat(rng.normal(size=40), 3)
    for covariates in ([], ["level"]):
        panel = Panel(frame, **SIM, covariates=covariates)
        with pytest.raises(EstimationError, match="No treated observation can be imputed"):
            imputation(panel)
        _same_error(panel, EstimationError)


def test_the_callers_data_is_never_modified():
    frame = _staggered()
    before = frame.copy()
    panel = Panel(frame, **SIM, weights="w", covariates=["x2"], cluster="state")
    imputation(SplitPanel(panel, 3))
    imputation_overall(SplitPanel(panel, 3))
    pd.testing.assert_frame_equal(frame, before)


# ---------------------------------------------------------------------------- engines
def _engine_cases() -> dict[str, tuple[pd.DataFrame, dict, dict]]:
    return {
        "mpdta": (load_mpdta(), MPDTA, {}),
        "unbalanced+weights+covariate+cluster": (
            _staggered(), {**SIM, "weights": "w", "covariates": ["x2"], "cluster": "state"},
            {"anticipation": 1}),
    }


def _compare_engine(engine, frame: pd.DataFrame, roles: dict, options: dict) -> None:
    panel = Panel(frame, **roles)
    _assert_same_event_study(imputation(engine, **options), imputation(panel, **options),
                             engine.fingerprint)
    overall = {k: v for k, v in options.items() if k != "window"}
    _assert_same_coefficients(imputation_overall(engine, **overall),
                              imputation_overall(panel, **overall), engine.fingerprint)


@pytest.mark.parametrize("case", list(_engine_cases()))
def test_duckdb_panels(case):
    duckdb_panel = pytest.importorskip("evalkit.data.duckdb_panel")
    frame, roles, options = _engine_cases()[case]
    before = frame.copy()
    with duckdb_panel.DuckDBPanel(frame, **roles, block_units=70) as engine:
        _compare_engine(engine, frame, roles, options)
    pd.testing.assert_frame_equal(frame, before)


def test_duckdb_reads_the_shipped_parquet_folder():
    # data/mpdta_parquet holds mpdta.csv's rows, one file per year: each county's rows are
    # spread over the five files (data/SOURCES.md)
    duckdb_panel = pytest.importorskip("evalkit.data.duckdb_panel")
    folder = Path(__file__).resolve().parents[2] / "data" / "mpdta_parquet"
    with duckdb_panel.DuckDBPanel(folder, **MPDTA, block_units=400) as engine:
        _compare_engine(engine, load_mpdta(), MPDTA, {"window": (-3, 3)})


@pytest.mark.parametrize("case", list(_engine_cases()))
def test_dask_panels(case, dask_client):
    from evalkit.data.dask_panel import DaskPanel

    dd = pytest.importorskip("dask.dataframe")
    frame, roles, options = _engine_cases()[case]
    engine = DaskPanel(dd.from_pandas(frame, npartitions=3), client=dask_client, **roles)
    _compare_engine(engine, frame, roles, options)
