"""Rates, proportions and gaps to a reference.

Reference values
----------------
- Wilson (1927) and Clopper-Pearson (1934) intervals are checked against their closed
  forms (normal and beta quantiles from scipy), and against the textbook example of
  Agresti & Coull (1998): 0 successes out of 20 trials.
- Garwood's (1936) exact Poisson interval is checked against its chi-squared closed form
  and the classic table value for 0 events (upper limit 3.689, the "rule of 3.7").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit.errors import InputError
from evalkit.indicators.rates import Gap, compare_to_reference, proportion_ci, rate_ci


def test_wilson_matches_closed_form():
    x, n, z = np.array([0, 3, 12, 50]), np.array([20, 20, 100, 50]), stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    out = proportion_ci(x, n)
    np.testing.assert_allclose(out["conf_low"], np.clip(centre - half, 0, 1), atol=1e-12)
    np.testing.assert_allclose(out["conf_high"], centre + half, atol=1e-12)
    np.testing.assert_allclose(out["estimate"], p)


def test_exact_matches_beta_quantiles():
    x, n = np.array([0, 3, 12, 20]), np.array([20, 20, 100, 20])
    out = proportion_ci(x, n, method="exact", alpha=0.1)
    low = np.where(x == 0, 0, stats.beta.ppf(0.05, x, n - x + 1))
    high = np.where(x == n, 1, stats.beta.ppf(0.95, x + 1, n - x))
    np.testing.assert_allclose(out["conf_low"], low, atol=1e-10)
    np.testing.assert_allclose(out["conf_high"], high, atol=1e-10)
    # 0 of 20: exact upper limit 1 - 0.05^(1/20) = 0.1391 (Agresti & Coull 1998)
    assert out["conf_high"].iloc[0] == pytest.approx(1 - 0.05 ** (1 / 20), abs=1e-10)


def test_exact_poisson_matches_garwood():
    events, pop = np.array([0, 1, 5, 120]), np.array([1000.0, 1000, 2000, 50000])
    out = rate_ci(events, pop, per=1000)
    low = np.where(events == 0, 0, stats.chi2.ppf(0.025, 2 * events) / 2)
    high = stats.chi2.ppf(0.975, 2 * events + 2) / 2
    np.testing.assert_allclose(out["conf_low"], 1000 * low / pop, rtol=1e-10)
    np.testing.assert_allclose(out["conf_high"], 1000 * high / pop, rtol=1e-10)
    assert out["conf_high"].iloc[0] == pytest.approx(3.6889, abs=1e-4)  # 0 events per 1,000


def test_series_index_names_territories():
    events = pd.Series([3, 8], index=pd.Index(["01001", "01002"], name="commune"))
    out = rate_ci(events, pd.Series([900, 2100], index=events.index), per=100_000)
    assert list(out.index) == ["01001", "01002"]
    assert out["estimate"].iloc[0] == pytest.approx(3 / 900 * 100_000)


def test_input_errors_name_the_argument():
    with pytest.raises(InputError) as info:
        proportion_ci([5, -1], [3, 10])
    text = str(info.value)
    assert "successes: counts must be non-negative" in text
    assert "successes: must not exceed trials" in text
    with pytest.raises(InputError, match="population: must be strictly positive"):
        rate_ci([1, 2], [100, 0])
    with pytest.raises(InputError, match="events has 2, population has 3"):
        rate_ci([1, 2], [100, 200, 300])
    with pytest.raises(InputError, match="method='score'"):
        rate_ci([1], [100], method="score")  # type: ignore[arg-type]


def test_gap_uses_statsmodels_two_sample_methods():
    from statsmodels.stats.proportion import confint_proportions_2indep

    gap = compare_to_reference([30, 12], [200, 150], [300, 300], [3000, 3000],
                               kind="proportion", exclude_territory=False)
    low, high = confint_proportions_2indep(np.array([30, 12]), np.array([200, 150]),
                                           np.array([300, 300]), np.array([3000, 3000]),
                                           method="newcomb", compare="diff")
    np.testing.assert_allclose(gap.difference_low, low)
    np.testing.assert_allclose(gap.difference_high, high)
    table = gap.tidy()
    assert list(table.columns) == ["term", "estimate", "std_error", "statistic", "p_value",
                                   "conf_low", "conf_high", "territory", "value", "reference",
                                   "difference", "ratio", "ratio_conf_low", "ratio_conf_high",
                                   "distinguishable"]
    np.testing.assert_array_equal(table["estimate"], table["difference"])
    np.testing.assert_array_equal(table["value"], gap.estimate)  # the territory's value
    assert table["distinguishable"].tolist() == [True, False]  # 15% vs 10%; 8% vs 10%
    assert "Gaps to the reference" in str(gap) and "<table>" in gap._repr_html_()


def test_exclude_territory_subtracts_it():
    gap = compare_to_reference(pd.Series([40], index=["Lyon"]), [10_000], [100], [100_000],
                               kind="rate", per=1000)
    assert gap.reference[0] == pytest.approx(60 / 90_000 * 1000)
    assert gap.territory == ("Lyon",)
    with pytest.raises(InputError, match="exclude_territory=False"):
        compare_to_reference([200], [10_000], [100], [100_000], kind="rate")


def test_noise_is_not_called_a_gap():
    # identical underlying rate, small territory: the interval must include zero
    gap = compare_to_reference([3], [1000], [3000], [1_000_000], kind="rate")
    assert not gap.distinguishable[0] and gap.p_value[0] > 0.05
    assert gap.ratio_low[0] < 1 < gap.ratio_high[0]


def test_gap_is_frozen():
    gap = compare_to_reference([3], [1000], [3000], [1_000_000], kind="rate")
    assert isinstance(gap, Gap)
    with pytest.raises(AttributeError):
        gap.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError):
        gap.estimate[0] = 1.0


# --------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("kind, exclude", [("proportion", False), ("proportion", True),
                                           ("rate", True), ("rate", False)])
def test_gap_with_alpha_is_a_fresh_computation(kind, exclude):
    args = (pd.Series([30, 12, 0], index=["59", "62", "80"]), [200, 150, 120],
            [600, 400, 300], [5000, 5000, 4000])
    options = {"kind": kind, "exclude_territory": exclude, "per": 1000}
    gap = compare_to_reference(*args, **options)
    fresh = compare_to_reference(*args, **options, alpha=0.1)
    moved = gap.with_alpha(0.1)
    pd.testing.assert_frame_equal(moved.tidy(), fresh.tidy())
    for name in ("difference_low", "difference_high", "ratio_low", "ratio_high"):
        np.testing.assert_array_equal(getattr(moved, name), getattr(fresh, name))
    pd.testing.assert_frame_equal(gap.conf_int(alpha=0.1), fresh.conf_int())
    assert moved.alpha == 0.1 and gap.alpha == 0.05
    assert dict(moved.provenance.specification) == dict(fresh.provenance.specification)
    assert moved.provenance.data_fingerprint == fresh.provenance.data_fingerprint
    pd.testing.assert_frame_equal(moved.with_alpha(0.05).tidy(), gap.tidy())


def test_gap_never_mutates_the_caller_counts():
    events = pd.Series([30.0, 12.0], index=["Nord", "Sud"])
    trials = np.array([200.0, 150.0])
    reference = [300, 300]
    before = (events.copy(), trials.copy())
    gap = compare_to_reference(events, trials, reference, [3000, 3000], kind="proportion")
    gap.with_alpha(0.1).conf_int(alpha=0.2)
    pd.testing.assert_series_equal(events, before[0])
    np.testing.assert_array_equal(trials, before[1])
    assert reference == [300, 300]
    trials[0] = 1.0  # nor does a later change reach the result
    assert gap.trials[0] == 200.0 and gap.with_alpha(0.05).estimate[0] == 0.15


def test_gap_on_the_contract():
    gap = compare_to_reference(pd.Series([30, 12], index=[59, 62]), [200, 150], [300, 300],
                               [3000, 3000], kind="proportion", exclude_territory=False)
    assert gap.estimates.index.tolist() == ["59", "62"] == gap.conf_int().index.tolist()
    np.testing.assert_array_equal(gap.estimates, gap.difference)
    assert gap.std_errors.isna().all()
    assert gap.tidy()["territory"].tolist() == [59, 62]  # the labels as given
    assert np.sign(gap.statistic).tolist() == [1.0, -1.0]
    assert gap.provenance.function == "evalkit.indicators.compare_to_reference"
    assert gap.provenance.n_obs == 2
    with np.errstate(invalid="ignore"):  # statsmodels' interval divides 0 by 0 here
        empty = compare_to_reference([0], [100], [0], [1000], kind="rate",
                                     exclude_territory=False)
    assert (empty.statistic[0], empty.p_value[0]) == (0.0, 1.0)
    with pytest.raises(InputError, match=r"alpha=1: must be a number strictly between"):
        gap.with_alpha(1)
