"""twfe and event_study on a panel held by an engine: the block path equals the in-memory one.

Reference values
----------------
The reference is the in-memory path on the same :class:`~evalkit.Panel` (itself checked
against fixest, statsmodels and least-squares dummy regressions in test_twfe.py and
test_event_study.py). The block path runs on ``SplitPanel(panel, k, order=...)``, which
holds exactly the panel's data cut into ``k`` blocks of whole units read in a permuted
order: the two must agree to 1e-10 (absolute) on every coefficient, standard error and
covariance entry, and exactly on the sample facts, degrees of freedom and provenance.
Errors (absorbed or collinear regressors, missing reference period, refused options)
must carry the in-memory message word for word.

The panels: mpdta (balanced, 500 counties, 5 years), and random panels with staggered
cohorts, never-treated units, units treated before the first period and after the last
one, rows missing at random, weights varying within units, two time-varying covariates,
a cluster column constant within each unit whose clusters span the blocks, and
irregularly spaced periods (event time counted in positions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit import Clustered, DataError, EstimationError, InputError, Panel, event_study, twfe
from evalkit.data.unit_blocks import SplitPanel, UnitBlock
from evalkit.inference import Classical, Robust

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
#: (blocks, order in which they are read)
SPLITS = [(1, None), (3, (2, 0, 1)), (7, (6, 3, 0, 5, 1, 4, 2))]
INFERENCES = [Clustered(), Classical(), Robust(), Robust("HC0")]
TOL = 1e-10


def _random_frame(seed: int, *, n_units: int = 240, periods: tuple[int, ...] = (
        2001, 2002, 2004, 2007, 2008, 2010), drop: float = 0.15) -> pd.DataFrame:
    """A random staggered panel (see the module docstring); rows dropped at random."""
    rng = np.random.default_rng(seed)
    cohorts = np.array([0, 1999, periods[2], periods[3], periods[4], 2030])  # 0: never
    cohort = rng.choice(cohorts, size=n_units, p=[0.3, 0.05, 0.2, 0.2, 0.15, 0.1])
    unit = np.repeat(np.arange(n_units), len(periods))
    time = np.tile(np.array(periods), n_units)
    first = cohort[unit]
    treated = (first > 0) & (time >= first)
    effect = np.where(treated, 0.5 + 0.1 * (time - first), 0.0)
    x1 = rng.normal(size=unit.size) + 0.3 * unit % 5
    x2 = rng.normal(size=unit.size) * 2 + time / 1000
    y = (rng.normal(size=n_units)[unit] + 0.02 * (time - 2000) + effect + 0.4 * x1
         - 0.2 * x2 + rng.normal(size=unit.size))
    frame = pd.DataFrame({
        "id": [f"u{u:04d}" for u in unit], "year": time, "first": first, "y": y,
        "x1": x1, "x2": x2, "w": rng.uniform(0.5, 2.0, size=unit.size),
        "region": np.array(["north", "south", "east", "west", "centre", "coast", "hills"])[
            unit % 7]})
    keep = rng.uniform(size=unit.size) > drop
    return frame[keep].reset_index(drop=True)


RANDOM = {"unit": "id", "time": "year", "outcome": "y", "first_treated": "first",
          "covariates": ("x1", "x2"), "weights": "w", "cluster": "region"}


@pytest.fixture(scope="module")
def panels() -> dict[str, Panel]:
    from evalkit.datasets import load_mpdta

    regular = _random_frame(7, n_units=180, periods=(1, 2, 3, 4, 5, 6, 7), drop=0.0)
    regular["first"] = regular["first"].replace({1999: 0, 2030: 0, 2004: 3, 2007: 5,
                                                 2008: 6})
    return {
        "mpdta": Panel(load_mpdta(), **MPDTA),
        "unbalanced": Panel(_random_frame(1), **RANDOM),
        "unweighted": Panel(_random_frame(2, drop=0.3), **{**RANDOM, "weights": None}),
        "balanced": Panel(regular, **{**RANDOM, "covariates": ("x1",)}),
    }


def _assert_same(expected, result, fingerprint: str | None = None) -> None:
    """``result`` (block path) equals ``expected`` (in memory); its provenance records
    ``fingerprint`` (an engine's own digest; by default the in-memory panel's)."""
    e, r = expected.coefficients, result.coefficients
    assert r.terms == e.terms
    assert np.all(np.isfinite(r.estimate)) and np.any(r.estimate != 0)
    np.testing.assert_allclose(r.estimate, e.estimate, rtol=0, atol=TOL)
    np.testing.assert_allclose(r.std_error, e.std_error, rtol=0, atol=TOL)
    np.testing.assert_allclose(r.vcov, e.vcov, rtol=0, atol=TOL)
    np.testing.assert_allclose(r.vcov, e.vcov, rtol=1e-8, atol=0)  # entries are ~1e-4
    assert r.df == e.df
    assert result.sample == expected.sample
    assert result.inference == expected.inference
    assert result.inference_text == expected.inference_text
    assert result.specification == expected.specification
    for field in ("function", "specification", "n_obs", "evalkit_version"):
        assert getattr(result.provenance, field) == getattr(expected.provenance, field)
    assert result.provenance.data_fingerprint == (
        fingerprint or expected.provenance.data_fingerprint)


@pytest.mark.parametrize(("n_blocks", "order"), SPLITS)
@pytest.mark.parametrize("name", ["mpdta", "unbalanced", "unweighted", "balanced"])
def test_twfe_equals_the_in_memory_fit_for_every_inference(panels, name, n_blocks, order):
    panel = panels[name]
    split = SplitPanel(panel, n_blocks, order=order)
    for inference in INFERENCES:
        expected = twfe(panel, inference=inference)
        result = twfe(split, inference=inference)
        _assert_same(expected, result)
        assert result.estimate == pytest.approx(expected.estimate, abs=TOL)
        assert result.provenance.data_fingerprint == panel.fingerprint


EVENT_OPTIONS = [{}, {"window": (-3, 2)}, {"window": (-3, 2), "bin_endpoints": True},
                 {"reference": -2}, {"window": (-9, 9)}]


@pytest.mark.parametrize(("n_blocks", "order"), SPLITS)
@pytest.mark.parametrize("name", ["mpdta", "unbalanced", "unweighted", "balanced"])
def test_event_study_equals_the_in_memory_fit(panels, name, n_blocks, order):
    panel = panels[name]
    split = SplitPanel(panel, n_blocks, order=order)
    for options in EVENT_OPTIONS:
        for inference in INFERENCES:
            expected = event_study(panel, inference=inference, **options)
            result = event_study(split, inference=inference, **options)
            _assert_same(expected, result)
            assert result.event_time == expected.event_time
            assert result.binned == expected.binned
            assert result.pretrend.statistic == pytest.approx(expected.pretrend.statistic,
                                                              rel=1e-9)


def test_unbinned_window_leaves_out_rows_and_bins_absent_event_times(panels):
    """mpdta's event times run from -4 to 3: a window (-3, 2) leaves out the treated rows
    at -4 and 3 (fewer rows), and a window (-9, 9) has indicators only for -4..3."""
    panel = panels["mpdta"]
    split = SplitPanel(panel, 3, order=(1, 2, 0))
    narrow = event_study(split, window=(-3, 2))
    assert narrow.sample["rows"] < panel.n_obs
    assert narrow.sample["rows"] == event_study(panel, window=(-3, 2)).sample["rows"]
    wide = event_study(split, window=(-9, 9))
    assert wide.event_time == (-4, -3, -2, 0, 1, 2, 3)


def test_clustered_by_the_unit_or_the_cluster_column(panels):
    panel = panels["unbalanced"]
    split = SplitPanel(panel, 3, order=(2, 1, 0))
    by_unit = twfe(split, inference=Clustered("id"))
    _assert_same(twfe(panel, inference=Clustered("id")), by_unit)
    assert by_unit.sample["clusters"] == panel.n_units
    by_region = twfe(split)  # the panel's cluster column by default
    _assert_same(twfe(panel), by_region)
    assert by_region.sample["clusters"] == 7


def test_periods_nested_in_clusters_are_not_counted(mpdta):
    """Clusters observed in disjoint periods: every period lies in one cluster, so the
    period effects are not counted in K (fixest's rule), and the periods form two
    components of the period graph."""
    frame = _random_frame(3, n_units=120, periods=(1, 2, 3, 4, 5, 6, 7, 8), drop=0.0)
    frame["first"] = frame["first"].replace({1999: 0, 2030: 0, 4: 3, 7: 7, 8: 7})
    frame["region"] = np.where(frame["id"] < "u0060", "north", "south")
    north = frame["region"] == "north"
    frame = frame.assign(first=np.where(north & (frame["first"] == 7), 0, frame["first"]))
    frame = frame[(north & (frame["year"] <= 4)) | (~north & (frame["year"] > 4))]
    panel = Panel(frame, **RANDOM)
    expected = twfe(panel)
    assert expected.coefficients.df == 1  # two clusters
    for n_blocks, order in SPLITS:
        _assert_same(expected, twfe(SplitPanel(panel, n_blocks, order=order)))


def test_a_covariate_nearly_absorbed_by_the_periods_is_summed_exactly(monkeypatch):
    """x2 = year / 2 + noise of sd 0.01: the period effects leave ~1e-4 of its within-unit
    sum of squares, below the 1e-3 at which the cross-products are summed from the
    transformed values (one more pass) instead of by subtraction; still the in-memory
    estimates."""
    import evalkit.did._twoway_blocks as blocks

    frame = _random_frame(8)
    frame["x2"] = frame["year"] * 0.5 + 0.01 * np.random.default_rng(0).normal(size=len(frame))
    panel = Panel(frame, **RANDOM)
    exact = blocks._cross_products_block
    calls = []
    monkeypatch.setattr(blocks, "_cross_products_block",
                        lambda *args: calls.append(1) or exact(*args))
    for inference in INFERENCES:
        _assert_same(twfe(panel, inference=inference),
                     twfe(SplitPanel(panel, 3, order=(2, 0, 1)), inference=inference))
    assert len(calls) == 3 * len(INFERENCES)  # the exact pass, in each of the 3 blocks


class _WithEmptyBlocks(SplitPanel):
    """A SplitPanel that also hands the block functions a block without units, first and
    last (an engine may read an empty partition)."""

    def map_blocks(self, function, *args):
        periods, p = self.n_periods, len(self.covariates)
        empty = UnitBlock(
            units=np.zeros(0, dtype=object), cohort=np.zeros(0),
            outcome=np.zeros((periods, 0)), observed=np.zeros((periods, 0), dtype=bool),
            weights=np.zeros((periods, 0)) if self.weights else None,
            covariates=np.zeros((p, periods, 0)) if p else None,
            cluster=np.zeros(0, dtype=np.intp) if self.cluster else None)
        return [function(empty, *args), *super().map_blocks(function, *args),
                function(empty, *args)]


@pytest.mark.parametrize("name", ["mpdta", "unbalanced"])
def test_empty_blocks_add_nothing(panels, name):
    panel = panels[name]
    split = _WithEmptyBlocks(panel, 3)
    for inference in INFERENCES:
        _assert_same(twfe(panel, inference=inference), twfe(split, inference=inference))
        _assert_same(event_study(panel, inference=inference, window=(-3, 2)),
                     event_study(split, inference=inference, window=(-3, 2)))


def test_input_is_not_mutated(panels):
    panel = panels["unbalanced"]
    before = panel.data.copy()
    fingerprint = panel.fingerprint
    split = SplitPanel(panel, 3)
    twfe(split)
    event_study(split, window=(-3, 2), bin_endpoints=True)
    pd.testing.assert_frame_equal(panel.data, before)
    assert split.fingerprint == fingerprint == panel.fingerprint


# --------------------------------------------------------------------------- same errors
def _same_error(call, panel, split, error=EstimationError):
    with pytest.raises(error) as expected:
        call(panel)
    with pytest.raises(error) as raised:
        call(split)
    assert str(raised.value) == str(expected.value)
    return str(raised.value)


def test_covariate_constant_within_units_is_named_as_in_memory(mpdta):
    """mpdta's lpop (log population) is constant within each county."""
    panel = Panel(mpdta, **MPDTA, covariates=["lpop"])
    message = _same_error(twfe, panel, SplitPanel(panel, 3, order=(1, 0, 2)))
    assert "lpop (constant within each unit)" in message


@pytest.mark.parametrize(("values", "where"), [
    (lambda f: f["year"] * 0.5, "constant within each period"),
    (lambda f: f["year"] * 0.5 + f["id"].str[1:].astype(float), "a sum of unit and period"),
])
def test_absorbed_covariates_are_described_as_in_memory(values, where):
    frame = _random_frame(4)
    frame["x2"] = values(frame)
    panel = Panel(frame, **RANDOM)
    message = _same_error(lambda p: event_study(p, window=(-3, 2)), panel,
                          SplitPanel(panel, 7, order=(6, 3, 0, 5, 1, 4, 2)))
    assert f"x2 ({where}" in message


def test_collinear_covariates_are_named_as_in_memory():
    frame = _random_frame(5)
    frame["x2"] = 2 * frame["x1"] - 1
    panel = Panel(frame, **RANDOM)
    message = _same_error(twfe, panel, SplitPanel(panel, 3))
    assert "collinear with the regressors before them" in message and "x2" in message


def test_dynamic_event_study_without_never_treated_units_is_refused_as_in_memory(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    panel = Panel(treated_only, **MPDTA)
    _same_error(event_study, panel, SplitPanel(panel, 3))
    # binned, it is identified: the same estimates
    expected = event_study(panel, window=(-3, 2), bin_endpoints=True)
    _assert_same(expected, event_study(SplitPanel(panel, 3), window=(-3, 2),
                                       bin_endpoints=True))


def test_reference_period_without_a_treated_row_is_refused_as_in_memory(mpdta):
    data = mpdta[~((mpdta["first.treat"] > 0) & (mpdta["year"] == mpdta["first.treat"] - 2))]
    panel = Panel(data, **MPDTA)
    _same_error(lambda p: event_study(p, reference=-2), panel, SplitPanel(panel, 3),
                error=DataError)


@pytest.mark.parametrize("hc", ["HC2", "HC3"])
def test_hc2_hc3_are_refused_as_in_memory(mpdta_panel, hc):
    _same_error(lambda p: twfe(p, inference=Robust(hc)), mpdta_panel,
                SplitPanel(mpdta_panel, 2), error=InputError)


def test_a_single_cluster_is_refused_as_in_memory():
    frame = _random_frame(6).assign(region="everywhere")
    panel = Panel(frame, **RANDOM)
    _same_error(twfe, panel, SplitPanel(panel, 3), error=InputError)


def test_clustering_by_an_undeclared_column_is_refused_by_name(panels):
    split = SplitPanel(panels["unbalanced"], 3)
    with pytest.raises(InputError, match=r"inference=Clustered\('x1'\): on a panel held by an "
                                         r"engine .*cluster column \('region'\)"):
        twfe(split, inference=Clustered("x1"))
    with pytest.raises(InputError, match=r"Clustered\('state'\): the cluster column must be"):
        event_study(split, inference=Clustered("state"))


# --------------------------------------------------------------------------- the engines
@pytest.mark.parametrize("engine", ["duckdb_engine", "dask_engine"])
def test_engines_give_the_in_memory_fits(request, engine, mpdta):
    """mpdta (500 counties) and the random unbalanced panel (weights, covariates, a cluster
    column spanning the blocks), held by DuckDB and by Dask."""
    build = request.getfixturevalue(engine)
    for frame, spec in [(mpdta, MPDTA), (_random_frame(1), RANDOM)]:
        panel, held = Panel(frame, **spec), build(frame, spec)
        for inference in (Clustered(), Classical(), Robust("HC0")):
            _assert_same(twfe(panel, inference=inference), twfe(held, inference=inference),
                         held.fingerprint)
        for options in ({}, {"window": (-3, 2), "bin_endpoints": True, "inference": Robust()},
                        {"window": (-3, 2), "inference": Classical()}):
            _assert_same(event_study(panel, **options), event_study(held, **options),
                         held.fingerprint)


@pytest.mark.parametrize("engine", ["duckdb_engine", "dask_engine"])
def test_engines_name_absorbed_covariates_as_in_memory(request, engine, mpdta):
    """mpdta's lpop is constant within each county: the engine's blocks say so too."""
    spec = {**MPDTA, "covariates": ["lpop"]}
    _same_error(twfe, Panel(mpdta, **spec), request.getfixturevalue(engine)(mpdta, spec))
