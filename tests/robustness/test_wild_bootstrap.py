"""wild_cluster_bootstrap on did_2x2 and twfe results: brute force, invariances, errors, output.

Reference values here are brute-force computations in the test itself: for every one of
the 2^G Rademacher sign vectors, the restricted regression (null imposed) is re-run, the
bootstrap outcome built, and the full regression -- with unit and period dummy variables
for TWFE -- re-estimated with its cluster-robust t statistic (numpy least squares, and
statsmodels for the 2x2 design). The fast algorithm must give the same 2^G statistics to
about 1e-12 and hence the same p-value.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalkit import Clustered, DataError, InputError, Panel, did_2x2, twfe
from evalkit.results.wild_bootstrap import WildBootstrapResult
from evalkit.robustness.wild import wild_cluster_bootstrap

DESCRIPTION = {"unit": "unit", "time": "time", "outcome": "y", "first_treated": "g"}


# --------------------------------------------------------------------------- small designs
def _panel_frame(seed: int = 0, *, n_states: int = 6, staggered: bool = True,
                 drop: int = 3) -> pd.DataFrame:
    """Units within states over 5 periods; some states treated (staggered or not)."""
    rng = np.random.default_rng(seed)
    rows = []
    for state in range(n_states):
        for k in range(3):
            unit = 10 * state + k
            cohort = 0 if state % 2 == 0 else (2003 + (state % 3 if staggered else 0))
            for year in range(2000, 2005):
                rows.append((f"s{state}", unit, year, cohort))
    frame = pd.DataFrame(rows, columns=["state", "unit", "time", "g"])
    treated = (frame["g"] > 0) & (frame["time"] >= frame["g"])
    frame["x"] = rng.normal(size=len(frame))
    frame["w"] = rng.uniform(0.5, 2.0, size=len(frame))
    frame["y"] = (0.3 * frame["unit"] % 7 + 0.2 * (frame["time"] - 2000) + 0.8 * treated
                  + 0.5 * frame["x"] + rng.normal(size=len(frame))
                  + rng.normal(size=n_states)[frame["state"].str[1:].astype(int)])
    if drop:  # unbalanced: drop a few rows that keep every cohort's pre-period
        frame = frame.drop(index=rng.choice(frame.index[frame["time"] == 2004], drop,
                                            replace=False))
    return frame.reset_index(drop=True)


def _cross_section(seed: int = 0, n_clusters: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 40 * n_clusters
    cluster = rng.integers(0, n_clusters, n)
    treated = (cluster % 2 == 1).astype(int)
    post = rng.integers(0, 2, n)
    frame = pd.DataFrame({"county": cluster + 100, "treated": treated, "post": post,
                          "x": rng.normal(size=n), "w": rng.uniform(0.5, 2, n)})
    frame["y"] = (1 + 0.5 * treated + 0.3 * post + 0.4 * treated * post + 0.2 * frame["x"]
                  + rng.normal(size=n) + rng.normal(size=n_clusters)[cluster])
    return frame


def _lsdv_brute_force(frame: pd.DataFrame, null: float, *, weights: str | None = None,
                      covariates: tuple[str, ...] = (), cluster: str = "state") -> np.ndarray:
    """All 2^G restricted wild bootstrap t statistics by re-running the dummy regression."""
    treated = ((frame["g"] > 0) & (frame["time"] >= frame["g"])).to_numpy(float)
    units = pd.get_dummies(frame["unit"], dtype=float).to_numpy()
    years = pd.get_dummies(frame["time"], drop_first=True, dtype=float).to_numpy()
    z = np.column_stack([treated, *(frame[c].to_numpy(float) for c in covariates), units, years])
    y = frame["y"].to_numpy(float)
    w = np.ones(len(frame)) if weights is None else frame[weights].to_numpy(float)
    codes = pd.factorize(frame[cluster], sort=True)[0]
    g_count = codes.max() + 1
    n = len(frame)
    # K as fixest counts it (and evalkit's analytic standard errors): the slopes plus the
    # levels of the fixed effects not nested within the clusters, less 1 when both count
    counted = [d.shape[1] + (1 if d is years else 0) for d, column in
               ((units, "unit"), (years, "time")) if not _nested(frame[column], frame[cluster])]
    k = 1 + len(covariates) + sum(counted) - (1 if len(counted) == 2 else 0)
    c = g_count / (g_count - 1) * (n - 1) / (n - k)
    sw = np.sqrt(w)

    def t_stat(target):
        coef = np.linalg.lstsq(z * sw[:, None], target * sw, rcond=None)[0]
        e = target - z @ coef
        bread = np.linalg.pinv(z.T @ (z * w[:, None]))
        scores = np.array([(z[codes == g] * (w * e)[codes == g, None]).sum(0)
                           for g in range(g_count)])
        return (coef[0] - null) / np.sqrt(c * (bread @ scores.T @ scores @ bread)[0, 0])

    target = y - null * treated
    coef_r = np.linalg.lstsq(z[:, 1:] * sw[:, None], target * sw, rcond=None)[0]
    residual = target - z[:, 1:] @ coef_r
    out = []
    for m in range(2 ** g_count):
        v = 1.0 - 2.0 * ((m >> np.arange(g_count)) & 1)
        out.append(t_stat(y - residual + residual * v[codes]))
    return np.array(out)


def _nested(inner: pd.Series, outer: pd.Series) -> bool:
    return bool((pd.DataFrame({"i": inner, "o": outer}).groupby("i")["o"].nunique() == 1).all())


def _p_value(t_all: np.ndarray, t: float) -> float:
    return float(np.mean(np.abs(t_all) > abs(t) * (1 + 1e-9)))


# --------------------------------------------------------------------------- brute force
@pytest.mark.parametrize(("staggered", "weights", "covariates", "null"), [
    (False, None, (), 0.0),
    (True, None, ("x",), 0.5),
    (True, "w", ("x",), -0.2),
])
def test_twfe_enumeration_equals_brute_force_dummy_regressions(staggered, weights, covariates,
                                                               null):
    frame = _panel_frame(1, staggered=staggered)
    panel = Panel(frame, **DESCRIPTION, cluster="state", weights=weights, covariates=covariates)
    result = twfe(panel, inference=Clustered("state"))
    boot = wild_cluster_bootstrap(result, panel, null=null, conf_int=False)
    expected = _lsdv_brute_force(frame, null, weights=weights, covariates=covariates)
    assert boot.enumerated and boot.n_draws == 2 ** 6 == expected.size
    np.testing.assert_allclose(np.sort(boot.t_draws), np.sort(expected), rtol=1e-11, atol=1e-12)
    assert boot.statistic == pytest.approx(expected[0], rel=1e-12)  # all +1: the sample
    assert boot.p_value == _p_value(expected, expected[0])
    assert boot.std_error == pytest.approx(result.std_error, rel=1e-12)
    assert boot.statistic * boot.std_error + null == pytest.approx(result.estimate, rel=1e-12)


def test_twfe_clustered_by_period_projects_the_unit_effects_too():
    """Clusters that do not nest the units: the bootstrap re-projects both sets of effects."""
    frame = _panel_frame(2, drop=0)
    panel = Panel(frame, **DESCRIPTION, cluster="time")
    boot = wild_cluster_bootstrap(twfe(panel, inference=Clustered("time")), panel, conf_int=False)
    expected = _lsdv_brute_force(frame, 0.0, cluster="time")
    assert boot.n_clusters == 5 and boot.n_draws == 32
    np.testing.assert_allclose(np.sort(boot.t_draws), np.sort(expected), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_did_2x2_enumeration_equals_brute_force_with_statsmodels(weighted):
    frame = _cross_section(3)
    result = did_2x2(frame, outcome="y", treated="treated", post="post", covariates="x",
                     weights="w" if weighted else None, inference=Clustered("county"))
    boot = wild_cluster_bootstrap(result, frame, null=0.1, conf_int=False)
    x = sm.add_constant(np.column_stack([frame["treated"], frame["post"],
                                         frame["treated"] * frame["post"], frame["x"]]))
    y = frame["y"].to_numpy()
    w = frame["w"].to_numpy() if weighted else np.ones(len(frame))
    codes = pd.factorize(frame["county"], sort=True)[0]
    restricted = sm.WLS(y - 0.1 * x[:, 3], np.delete(x, 3, axis=1), weights=w).fit()
    expected = []
    for m in range(2 ** 7):
        v = 1.0 - 2.0 * ((m >> np.arange(7)) & 1)
        y_star = y - restricted.resid + restricted.resid * v[codes]
        fit = sm.WLS(y_star, x, weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes})
        expected.append((fit.params[3] - 0.1) / fit.bse[3])
    expected = np.array(expected)
    np.testing.assert_allclose(np.sort(boot.t_draws), np.sort(expected), rtol=1e-11, atol=1e-12)
    assert boot.p_value == _p_value(expected, expected[0])
    assert boot.std_error == pytest.approx(result.std_error, rel=1e-12)


# --------------------------------------------------------------------------- properties
@pytest.fixture(scope="module")
def small():
    frame = _panel_frame(4)
    panel = Panel(frame, **DESCRIPTION, cluster="state")
    result = twfe(panel)
    return frame, panel, result, wild_cluster_bootstrap(result, panel)


def test_enumeration_does_not_depend_on_the_seed(small):
    _, panel, result, boot = small
    other = wild_cluster_bootstrap(result, panel, random_state=123)
    assert boot.enumerated and other.enumerated and other.random_state is None
    assert other.p_value == boot.p_value
    assert other.interval == boot.interval
    np.testing.assert_array_equal(other.t_draws, boot.t_draws)


def test_confidence_interval_endpoints_are_where_the_p_value_crosses_alpha(small):
    _, _, _, boot = small
    low, high = boot.conf_int().loc[boot.term]
    tol = boot.ci_tolerance
    assert tol == pytest.approx(1e-8 * boot.std_error)
    assert low < boot.estimate < high
    assert boot.p_value_at(low + tol) >= boot.alpha > boot.p_value_at(low - tol)
    assert boot.p_value_at(high - tol) >= boot.alpha > boot.p_value_at(high + tol)


def test_p_value_at_the_null_is_the_reported_one(small):
    _, _, _, boot = small
    assert boot.p_value_at(boot.null) == boot.p_value
    assert boot.p_value_at(boot.estimate) == pytest.approx(1.0, abs=2 / boot.n_draws)


def test_row_order_does_not_matter_with_random_draws():
    frame = _panel_frame(5, n_states=20)
    panel = Panel(frame, **DESCRIPTION, cluster="state")
    boot = wild_cluster_bootstrap(twfe(panel), panel, n_draws=499, random_state=7)
    shuffled = frame.sample(frac=1.0, random_state=3)
    panel2 = Panel(shuffled, **DESCRIPTION, cluster="state")
    boot2 = wild_cluster_bootstrap(twfe(panel2), panel2, n_draws=499, random_state=7)
    assert not boot.enumerated
    assert boot2.p_value == boot.p_value
    np.testing.assert_allclose(boot2.t_draws, boot.t_draws, rtol=1e-10)
    np.testing.assert_allclose(boot2.interval, boot.interval, atol=2 * boot.ci_tolerance)


def test_cluster_relabelling_and_outcome_shift_change_nothing_under_enumeration(small):
    frame, _, _, boot = small
    relabelled = frame.assign(state=frame["state"].map(lambda s: f"Z-{s[::-1]}"),
                              y=frame["y"] + 1234.5)
    panel = Panel(relabelled, **DESCRIPTION, cluster="state")
    other = wild_cluster_bootstrap(twfe(panel), panel)
    assert other.p_value == boot.p_value
    np.testing.assert_allclose(np.sort(other.t_draws), np.sort(boot.t_draws), rtol=1e-8)
    np.testing.assert_allclose(other.interval, boot.interval, atol=1e-7 * boot.std_error)


def test_seeded_draws_are_reproducible_and_seeds_differ():
    frame = _cross_section(6, n_clusters=16)
    result = did_2x2(frame, outcome="y", treated="treated", post="post",
                     inference=Clustered("county"))
    first = wild_cluster_bootstrap(result, frame, n_draws=999, random_state=11, distribution="webb")
    again = wild_cluster_bootstrap(result, frame, n_draws=999, random_state=11, distribution="webb")
    other = wild_cluster_bootstrap(result, frame, n_draws=999, random_state=12, distribution="webb")
    assert not first.enumerated and first.n_draws == 999 and first.random_state == 11
    np.testing.assert_array_equal(first.t_draws, again.t_draws)
    assert first.interval == again.interval
    assert not np.array_equal(first.t_draws, other.t_draws)


def test_the_callers_data_and_result_are_not_modified(small):
    frame, panel, result, _ = small
    before_frame = frame.copy(deep=True)
    before = (result.estimate, result.std_error, result.tidy())
    wild_cluster_bootstrap(result, panel, n_draws=99, random_state=1, conf_int=False)
    cross = _cross_section(8)
    cross_before = cross.copy(deep=True)
    fit = did_2x2(cross, outcome="y", treated="treated", post="post", inference=Clustered("county"))
    wild_cluster_bootstrap(fit, cross)
    pd.testing.assert_frame_equal(frame, before_frame)
    pd.testing.assert_frame_equal(cross, cross_before)
    assert (result.estimate, result.std_error) == before[:2]
    pd.testing.assert_frame_equal(result.tidy(), before[2])


def test_mpdta_static_twfe_bootstrap_agrees_with_the_analytic_inference(mpdta_panel, mpdta_twfe):
    """500 county clusters: the bootstrap and the t(499) inference nearly coincide."""
    boot = wild_cluster_bootstrap(mpdta_twfe, mpdta_panel, n_draws=9999, random_state=2024)
    assert boot.std_error == pytest.approx(0.013265, abs=5e-7)  # fixest, see test_twfe.py
    assert boot.statistic == pytest.approx(-2.75526, abs=5e-6)
    assert boot.analytic_p_value == pytest.approx(0.006079, abs=5e-7)
    assert boot.p_value == pytest.approx(0.006079, abs=0.004)  # Monte Carlo: 9,999 draws
    low, high = boot.interval
    a_low, a_high = mpdta_twfe.conf_int().loc[mpdta_twfe.effect_term]
    assert abs(low - a_low) < 0.1 * boot.std_error and abs(high - a_high) < 0.1 * boot.std_error


# --------------------------------------------------------------------------- bad input
def test_a_single_cluster_is_refused_naming_the_column():
    frame = _cross_section(1).assign(one="everywhere")
    result = did_2x2(frame, outcome="y", treated="treated", post="post")
    with pytest.raises(DataError, match=r"needs at least 2 clusters; column 'one' has 1"):
        wild_cluster_bootstrap(result, frame, cluster="one")


def test_a_missing_cluster_column_is_named():
    frame = _cross_section(1)
    result = did_2x2(frame, outcome="y", treated="treated", post="post")
    with pytest.raises(DataError, match=r"cluster='region': no such column"):
        wild_cluster_bootstrap(result, frame, cluster="region")
    with pytest.raises(InputError, match=r"no cluster column to default to"):
        wild_cluster_bootstrap(result, frame)
    panel = Panel(_panel_frame(1), **DESCRIPTION)
    with pytest.raises(DataError, match=r"cluster='state': must be one of the panel's columns"):
        wild_cluster_bootstrap(twfe(panel), panel, cluster="state")


def test_every_bad_option_is_reported_at_once():
    frame = _cross_section(1)
    result = did_2x2(frame, outcome="y", treated="treated", post="post",
                     inference=Clustered("county"))
    with pytest.raises(InputError) as info:
        wild_cluster_bootstrap(result, frame, n_draws=0, distribution="mammen", alpha=1.5,
                               random_state=-1, null=float("nan"))
    problems = "\n".join(info.value.problems)
    for text in ("n_draws=0: must be an integer >= 1", "distribution='mammen': must be one of "
                 "'rademacher', 'webb'", "alpha=1.5", "random_state=-1", "null=nan"):
        assert text in problems
    assert len(info.value.problems) == 5


def test_wrong_result_or_data_is_refused(mpdta_panel, mpdta_twfe):
    frame = _cross_section(1)
    result = did_2x2(frame, outcome="y", treated="treated", post="post",
                     inference=Clustered("county"))
    with pytest.raises(InputError, match="result: must be a DiDResult"):
        wild_cluster_bootstrap("not a result", frame)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="data: must be an evalkit Panel"):
        wild_cluster_bootstrap(mpdta_twfe, frame)
    with pytest.raises(DataError, match="not the data this result was estimated from"):
        wild_cluster_bootstrap(result, frame.assign(y=frame["y"] + 1))
    other_panel = Panel(_panel_frame(1), **DESCRIPTION)
    with pytest.raises(DataError, match="not the data this result was estimated from"):
        wild_cluster_bootstrap(mpdta_twfe, other_panel)


# --------------------------------------------------------------------------- the result
def test_result_is_immutable_and_renders(small):
    _, _, _, boot = small
    assert isinstance(boot, WildBootstrapResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        boot.p_value = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        boot.t_draws[0] = 0.0
    tidy = boot.tidy()
    assert list(tidy.columns[:8]) == ["term", "estimate", "null", "std_error", "statistic",
                                      "p_value", "conf_low", "conf_high"]
    assert tidy.loc[0, "p_value"] == boot.p_value and bool(tidy.loc[0, "enumerated"])
    assert list(tidy.columns[8:]) == ["analytic_p_value", "n_clusters", "n_draws", "enumerated",
                                      "distribution"]
    assert tidy.loc[0, "n_draws"] == 64 and tidy.loc[0, "distribution"] == "rademacher"
    text = str(boot)
    assert "all 2^6 = 64 sign vectors enumerated" in text
    assert "restricted wild cluster bootstrap-t" in text and "Rademacher" in text
    assert "Caution: 2 treated and 4 untreated clusters" in text
    assert "Bootstrap p" in boot._repr_html_()
    assert r"\begin{tabular}" in boot.summary().as_latex()
    assert boot.provenance.function == "evalkit.robustness.wild_cluster_bootstrap"
    assert boot.provenance.specification["result"]["function"] == "evalkit.did.twfe"


def test_plot_shows_the_bootstrap_distribution(small):
    figure = small[3].plot()
    ax = figure.axes[0]
    assert "Wild cluster bootstrap" in ax.get_title()
    assert ax.get_xlabel() == "Bootstrap t statistic"


def test_another_cluster_column_gives_that_clustering_s_standard_error():
    frame = _cross_section(9, n_clusters=12).assign(region=lambda f: (f["county"] - 100) // 3)
    by_county = did_2x2(frame, outcome="y", treated="treated", post="post", weights="w")
    by_region = did_2x2(frame, outcome="y", treated="treated", post="post", weights="w",
                        inference=Clustered("region"))
    boot = wild_cluster_bootstrap(by_county, frame, cluster="region", alpha=0.1)
    assert boot.cluster == "region" and boot.n_clusters == 4 and boot.enumerated
    assert boot.std_error == pytest.approx(by_region.std_error, rel=1e-12)
    assert boot.alpha == 0.1 and "90% CI" in str(boot)
