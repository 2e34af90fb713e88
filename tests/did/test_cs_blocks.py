"""callaway_santanna on a panel held by an engine: the in-memory results, from sums.

The block path computes every ATT(g,t), influence function, aggregation and bootstrap
draw from sums over blocks of whole units. Its reference is the in-memory estimator on
the same data (itself checked against R's ``did`` in test_callaway_santanna.py): a
``SplitPanel(panel, k, order=...)`` holds exactly the panel's rows, cut into ``k`` blocks
read in a permuted order, so every number must agree to rounding (1e-10 absolute; sums in
another order differ by about 1e-16 relative). Bootstrap draws use the multipliers of the
in-memory path for the same seed (one per unit, or per cluster, in the same order), so
bootstrap standard errors and uniform bands agree too.

Data: mpdta (R's did, shipped: 500 counties x 2003..2007, ``lpop`` time-invariant) with a
state-like cluster (county mod 17) and weights (1 + county mod 5 / 4) added; and random
panels (seeded) with a time-varying and a time-invariant covariate, a cohort treated in
the first period (dropped, with a note), units treated after the last period (never
treated), weights, clusters, and rows removed to make them unbalanced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, DataError, EstimationError, InputError, Panel
from evalkit.data.unit_blocks import SplitPanel
from evalkit.datasets import load_mpdta
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.inference.multiplier import MultiplierBootstrap

ATOL = 1e-10
MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
SPLITS = [(1, None), (3, [2, 0, 1]), (7, [6, 3, 0, 5, 1, 4, 2])]


def _mpdta_frame() -> pd.DataFrame:
    frame = load_mpdta()
    frame["state"] = frame["countyreal"] % 17
    frame["w"] = 1.0 + (frame["countyreal"] % 5) / 4
    return frame


def _mpdta(**roles) -> Panel:
    return Panel(_mpdta_frame(), **MPDTA, **roles)


def _random_frame(seed: int, *, n_units: int = 240, unbalanced: bool = False,
                  never_treated: bool = True) -> pd.DataFrame:
    """Periods 2011..2016; cohorts 2011 (dropped: no pre-period), 2013, 2014, 2016, 2030
    (after the last period: never treated) and 0 (never treated)."""
    rng = np.random.default_rng(seed)
    periods = np.arange(2011, 2017)
    ids = rng.permutation(np.arange(7000, 7000 + n_units))
    choices = [0, 2011, 2013, 2014, 2016, 2030] if never_treated else [2011, 2013, 2014, 2016]
    cohort = rng.choice(choices, n_units)
    level = rng.normal(size=n_units)
    x_unit = rng.normal(size=n_units)
    unit = np.repeat(ids, periods.size)
    year = np.tile(periods, n_units)
    g = np.repeat(cohort, periods.size)
    treated = (g > 0) & (year >= g)
    x1 = np.repeat(x_unit, periods.size) + 0.3 * rng.normal(size=unit.size)
    frame = pd.DataFrame({
        "id": unit, "year": year, "g": g,
        "y": (np.repeat(level, periods.size) + 0.1 * (year - 2011) + 0.5 * x1
              - 0.4 * treated + rng.normal(size=unit.size)),
        "x1": x1, "x2": np.repeat(rng.normal(size=n_units), periods.size),
        "w": np.repeat(rng.uniform(0.5, 2.0, n_units), periods.size),
        "state": np.repeat(ids % 9, periods.size)})
    if unbalanced:
        frame = frame.drop(index=rng.choice(frame.index, n_units // 4, replace=False))
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _random(seed: int, *, covariates=("x1", "x2"), **options) -> Panel:
    return Panel(_random_frame(seed, **options), unit="id", time="year", outcome="y",
                 first_treated="g", covariates=list(covariates), weights="w",
                 cluster="state")


def _close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=0, atol=ATOL)


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for column in a.columns:
        if pd.api.types.is_float_dtype(a[column]):
            _close(a[column], b[column])
        else:
            assert a[column].tolist() == b[column].tolist(), column


def _assert_same(memory, blocks, fingerprint: str | None = None) -> None:
    """Every number and fact of two GroupTimeResults, and of their aggregations; the
    block result's provenance records ``fingerprint`` (an engine's own digest; by default
    the in-memory panel's)."""
    _same_table(memory.tidy(), blocks.tidy())
    _close(memory.coefficients.vcov, blocks.coefficients.vcov)
    _close(memory.band_critical_value or np.nan, blocks.band_critical_value or np.nan)
    assert (memory.pretrend is None) == (blocks.pretrend is None)
    if memory.pretrend is not None:
        _close([memory.pretrend.statistic, memory.pretrend.p_value],
               [blocks.pretrend.statistic, blocks.pretrend.p_value])
        assert memory.pretrend.terms == blocks.pretrend.terms
    assert memory.notes == blocks.notes
    assert memory.sample == blocks.sample
    assert memory.cohort_sizes == blocks.cohort_sizes
    assert memory.inference_text == blocks.inference_text
    assert memory.reference_cells == blocks.reference_cells
    for field in ("function", "specification", "n_obs"):
        assert getattr(memory.provenance, field) == getattr(blocks.provenance, field), field
    assert blocks.provenance.data_fingerprint == (
        fingerprint or memory.provenance.data_fingerprint)
    for name in ("overall", "by_cohort", "by_period", "event_study"):
        a, b = getattr(memory, name)(), getattr(blocks, name)()
        _same_table(a.tidy(), b.tidy())
        _close(a.coefficients.vcov, b.coefficients.vcov)


def _compare(panel: Panel, splits=SPLITS, **options) -> None:
    memory = callaway_santanna(panel, **options)
    for n_blocks, order in splits:
        _assert_same(memory, callaway_santanna(SplitPanel(panel, n_blocks, order=order),
                                               **options))


# ============================================================================ mpdta
@pytest.mark.parametrize("method", ["doubly_robust", "outcome_regression",
                                    "inverse_probability"])
@pytest.mark.parametrize("covariates", [(), ("lpop",)])
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_mpdta_every_method_and_comparison(method, covariates, control_group, base_period):
    panel = _mpdta(covariates=["lpop"])
    splits = [SPLITS[(len(method) + len(control_group) + len(base_period)) % 3]]
    _compare(panel, splits, method=method, covariates=covariates,
             control_group=control_group, base_period=base_period)


@pytest.mark.parametrize("method", ["doubly_robust", "outcome_regression",
                                    "inverse_probability"])
def test_mpdta_weights_clusters_and_anticipation(method):
    panel = _mpdta(covariates=["lpop"], weights="w", cluster="state")
    _compare(panel, method=method, anticipation=1)  # clustered by the panel's "state"
    _compare(panel, SPLITS[1:2], method=method, control_group="not_yet_treated",
             inference=Clustered("countyreal"))


@pytest.mark.parametrize("cluster", [None, "state"])
@pytest.mark.parametrize("distribution", ["rademacher", "mammen"])
def test_mpdta_bootstrap_draws_the_same_multipliers(cluster, distribution):
    panel = _mpdta(covariates=["lpop"], weights="w", cluster="state")
    inference = MultiplierBootstrap(n_draws=199, random_state=11, cluster=cluster or "countyreal",
                                    distribution=distribution)
    memory = callaway_santanna(panel, inference=inference)
    blocks = callaway_santanna(SplitPanel(panel, 4, order=[3, 1, 0, 2]), inference=inference)
    _close(memory.basis.draws, blocks.basis.draws)
    _assert_same(memory, blocks)
    assert blocks.band_critical_value is not None


# ============================================================================ random panels
@pytest.mark.parametrize("method", ["doubly_robust", "outcome_regression",
                                    "inverse_probability"])
def test_random_unbalanced_panels_drop_incomplete_units(method):
    panel = _random(1, unbalanced=True)
    assert not panel.is_balanced
    memory = callaway_santanna(panel, method=method)
    assert any("not observed in every period were dropped" in note for note in memory.notes)
    assert any("first treated in or before the first period" in note
               for note in memory.notes)
    _compare(panel, SPLITS[1:], method=method)
    _compare(panel, SPLITS[2:], method=method, covariates=(), control_group="not_yet_treated",
             base_period="universal", inference=Clustered("id"))


@pytest.mark.parametrize("seed", [2, 3])
def test_random_balanced_panels_with_time_varying_covariates(seed):
    panel = _random(seed)
    assert panel.is_balanced
    _compare(panel, SPLITS[2:], anticipation=1)
    _compare(panel, SPLITS[1:2], method="inverse_probability", control_group="not_yet_treated",
             inference=MultiplierBootstrap(n_draws=99, random_state=seed))
    _compare(panel, SPLITS[1:2], method="outcome_regression", base_period="universal")
    _compare(panel, SPLITS[1:2], unbalanced="keep")  # balanced: "keep" changes nothing


def test_without_never_treated_units_the_last_cohort_compares():
    panel = _random(4, never_treated=False, covariates=("x2",))
    _compare(panel, SPLITS[1:2], control_group="not_yet_treated")


def test_weights_varying_within_units_take_the_first_period():
    frame = _random_frame(5)
    frame["w"] = frame["w"] * (1 + 0.1 * (frame["year"] - 2011))
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x1"], weights="w")
    assert any("vary within units" in note for note in callaway_santanna(panel).notes)
    _compare(panel, SPLITS[1:2])


def test_string_unit_identifiers_keep_the_bootstrap_order():
    frame = _random_frame(6)
    frame["id"] = "u" + frame["id"].astype(str).str[::-1]  # sorts unlike the numbers
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x2"], cluster="state")
    for inference in (MultiplierBootstrap(n_draws=99, random_state=2),
                      MultiplierBootstrap(n_draws=99, random_state=2, cluster="id")):
        _compare(panel, SPLITS[2:], inference=inference)


def _overlap_panel(shift: float, far: float | None) -> Panel:
    """Treated units' covariate shifted by ``shift`` (weak overlap); with ``far``, three
    never-treated units placed at ``far``, beyond the treated (trimmed)."""
    rng = np.random.default_rng(8)
    frame = _random_frame(8, n_units=400)
    units = frame["id"].unique()
    value = pd.Series(rng.normal(size=units.size), index=units)
    moved = frame["g"].isin([2013, 2014, 2016])
    if far is not None:
        outliers = frame.loc[frame["g"].eq(0), "id"].unique()[:3]
        value[outliers] = far - shift
        moved |= frame["id"].isin(outliers)
    frame["x2"] = frame["id"].map(value) + np.where(moved, shift, 0.0)
    return Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                 covariates=["x2"])


@pytest.mark.parametrize("far, note", [(None, "Weak overlap: treated units"),
                                       (6.0, "were given no weight (trimmed")])
def test_trimmed_comparison_units_and_weak_overlap_are_counted_alike(far, note):
    panel = _overlap_panel(3.5 if far is None else 3.0, far)
    memory = callaway_santanna(panel, method="inverse_probability")
    assert any(note in text for text in memory.notes)
    _compare(panel, SPLITS[1:2], method="inverse_probability")
    _compare(panel, SPLITS[2:], method="doubly_robust")


# ============================================================================ invariance
def test_the_input_is_never_mutated():
    frame = _mpdta_frame()
    before = frame.copy()
    panel = Panel(frame, **MPDTA, covariates=["lpop"], weights="w", cluster="state")
    data_before = panel.data.copy()
    callaway_santanna(SplitPanel(panel, 3), inference=MultiplierBootstrap(n_draws=50,
                                                                          random_state=1))
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(panel.data, data_before)


# ============================================================================ errors
def _messages(panel: Panel, error: type[Exception], **options) -> tuple[str, str]:
    with pytest.raises(error) as memory:
        callaway_santanna(panel, **options)
    with pytest.raises(error) as blocks:
        callaway_santanna(SplitPanel(panel, 3, order=[1, 2, 0]), **options)
    return str(memory.value), str(blocks.value)


def test_options_an_engine_cannot_honour_are_refused_together():
    frame = _random_frame(9, unbalanced=True)
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x1"], weights="w")
    with pytest.raises(InputError) as caught:
        callaway_santanna(SplitPanel(panel, 2), data_type="repeated_cross_section",
                          unbalanced="keep", covariates=["x1", "w"], inference=Clustered("x1"))
    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("data_type='repeated_cross_section': not available on a "
                                  "panel held by an engine (SplitPanel)")
    assert problems[1].startswith("unbalanced='keep': not available")
    assert "'w' is not among the covariates the engine reads (declared: 'x1')" in problems[2]
    assert problems[3].startswith("cluster='x1': on a panel held by an engine (SplitPanel) "
                                  "the clusters are the unit or the panel's declared "
                                  "cluster column (none declared)")


def test_the_data_errors_of_memory_with_its_messages():
    frame = _random_frame(10)
    frame["flat"] = 2.0
    frame["twice"] = 2 * frame["x1"] - 1
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x1", "flat", "twice"], cluster="state")
    memory, blocks = _messages(panel, DataError, covariates=["x1", "flat"])
    assert memory == blocks and "'flat' is constant" in memory
    memory, blocks = _messages(panel, DataError, covariates=["x1", "twice"])
    assert memory == blocks and "'twice' is constant or a linear combination" in memory
    frame["state"] = 1
    one_cluster = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                        cluster="state")
    memory, blocks = _messages(one_cluster, DataError)
    assert memory == blocks and "at least 2 clusters" in memory
    no_never = _random(11, never_treated=False)
    memory, blocks = _messages(no_never, DataError)
    assert memory == blocks and "has no never-treated units" in memory


def test_estimation_errors_name_the_same_cell():
    frame = _random_frame(12)
    # x2 is 1 exactly for the treated cohorts: the propensity score separates them
    frame["x2"] = frame["g"].isin([2013, 2014, 2016]).astype(float) + 0.0
    frame["x3"] = np.where(frame["g"].isin([0, 2030]), 0.0, frame["x1"])
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g",
                  covariates=["x1", "x2", "x3"])
    memory, blocks = _messages(panel, EstimationError, covariates=["x1", "x2"])
    assert memory == blocks and "separate the treated from the comparison units" in memory
    # x3 is 0 for every never-treated unit: their outcome regression is singular
    memory, blocks = _messages(panel, EstimationError, covariates=["x3"],
                               method="outcome_regression")
    assert memory == blocks and "outcome regression on the comparison units" in memory


# ============================================================================ the engines
MPDTA_ROLES = {**MPDTA, "covariates": ["lpop"], "weights": "w", "cluster": "state"}
RANDOM_ROLES = {"unit": "id", "time": "year", "outcome": "y", "first_treated": "g",
                "covariates": ["x1", "x2"], "weights": "w", "cluster": "state"}


@pytest.mark.parametrize("engine", ["duckdb_engine", "dask_engine"])
def test_engines_give_the_in_memory_results(request, engine):
    """mpdta and a random unbalanced panel (time-varying covariates, weights, clusters
    spanning the blocks), held by DuckDB and by Dask; analytic and bootstrap inference."""
    build = request.getfixturevalue(engine)
    cases = [
        (_mpdta_frame(), MPDTA_ROLES, [
            {"covariates": ()},
            {"method": "doubly_robust", "control_group": "not_yet_treated"},
            {"method": "inverse_probability", "inference": Clustered("countyreal")},
            {"inference": MultiplierBootstrap(n_draws=99, random_state=5)},
            {"inference": MultiplierBootstrap(n_draws=99, random_state=5,
                                              cluster="countyreal")}]),
        (_random_frame(1, unbalanced=True), RANDOM_ROLES, [
            {"method": "doubly_robust", "anticipation": 1},
            {"method": "outcome_regression", "base_period": "universal"}]),
    ]
    for frame, roles, option_sets in cases:
        before = frame.copy()
        panel, held = Panel(frame, **roles), build(frame, roles)
        for options in option_sets:
            _assert_same(callaway_santanna(panel, **options),
                         callaway_santanna(held, **options), held.fingerprint)
        pd.testing.assert_frame_equal(frame, before)


def test_a_cohort_emptied_by_drop_units_is_named_in_memory_as_in_blocks():
    """Cohort 2012's five units each miss 2015: unbalanced='drop_units' drops them all,
    and the cells of that cohort are named (in memory this divided by zero before)."""
    rng = np.random.default_rng(0)
    rows = [(u, t, 2012 if u < 5 else (2014 if u < 20 else 0), rng.normal())
            for u in range(40) for t in range(2010, 2016) if not (u < 5 and t == 2015)]
    frame = pd.DataFrame(rows, columns=["id", "year", "g", "y"])
    panel = Panel(frame, unit="id", time="year", outcome="y", first_treated="g")
    memory, blocks = _messages(panel, EstimationError)
    assert memory == blocks
    assert memory.startswith("ATT(2012,2011): no treated unit is left in the estimation sample")
