"""How much spending per inhabitant varies across territories, against hand computations.

Formulas (evalkit.programmes.spending_variation): s_i = A_i / P_i, w_i = P_i / sum P,
m = sum A / sum P, CV = sqrt(sum w_i (s_i - m)^2) / m; p_q = s_(k) for the first k (in
increasing s) whose cumulative population share reaches q.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import CreditLines, SpendingVariation, per_inhabitant, spending_variation
from evalkit.territories import Referential


def amounts() -> pd.Series:
    return pd.Series({"59": 100.0, "62": 50.0, "02": 10.0})


def populations() -> pd.Series:
    # "80" has a population but no amount: ignored (a table of every department will do).
    return pd.Series({"59": 10.0, "62": 10.0, "02": 5.0, "80": 3.0})


def test_three_territories_by_hand():
    # s = 100/10 = 10 (59), 50/10 = 5 (62), 10/5 = 2 (02); w = 0.4, 0.4, 0.2.
    # m = 160 / 25 = 6.4; variance = 0.4 x 3.6^2 + 0.4 x 1.4^2 + 0.2 x 4.4^2
    #   = 5.184 + 0.784 + 3.872 = 9.84; CV = sqrt(9.84) / 6.4 = 0.49013...
    # Sorted: 2 (F 0.2), 5 (F 0.6), 10 (F 1.0): p10 = 2, p90 = 10, ratio 5.
    r = spending_variation(amounts(), populations())
    assert isinstance(r, SpendingVariation)
    assert r.mean == pytest.approx(6.4, rel=1e-12)
    assert r.cv == pytest.approx(math.sqrt(9.84) / 6.4, rel=1e-12)
    assert (r.p10, r.p90, r.ratio_p90_p10) == (2.0, 10.0, 5.0)
    assert (r.minimum, r.minimum_code, r.maximum, r.maximum_code) == (2.0, "02", 10.0, "59")
    assert r.varies and r.threshold == 0.25
    assert list(r.table["code"]) == ["02", "59", "62"]  # sorted, codes kept as text
    assert list(r.table["per_inhabitant"]) == [2.0, 10.0, 5.0]
    assert list(r.table["population_share"]) == pytest.approx([0.2, 0.4, 0.4])
    text = r.summary()
    assert "from 2.00 (02) to 10.00 (59)" in text
    assert "dose-response" in text and "instead of dividing" in text


def test_little_variation():
    # Four territories of 100 inhabitants, 100, 110, 90, 100 spent: s = 1, 1.1, 0.9, 1,
    # m = 1, variance = (0.01 + 0.01) / 4 = 0.005, CV = sqrt(0.005) = 0.0707...
    # Sorted 0.9 (F 0.25), 1, 1 (F 0.75), 1.1 (F 1): p10 = 0.9, p90 = 1.1.
    r = spending_variation({"a": 100, "b": 110, "c": 90, "d": 100},
                           {"a": 100, "b": 100, "c": 100, "d": 100})
    assert r.cv == pytest.approx(math.sqrt(0.005), rel=1e-12)
    assert (r.p10, r.p90) == (0.9, 1.1)
    assert r.ratio_p90_p10 == pytest.approx(1.1 / 0.9, rel=1e-12)
    assert not r.varies
    assert "one cost per result is a fair summary" in r.summary()
    # the threshold decides: the same spread varies beyond 0.05
    assert spending_variation({"a": 100, "b": 110, "c": 90, "d": 100},
                              {"a": 100, "b": 100, "c": 100, "d": 100}, threshold=0.05).varies


def test_percentile_reached_exactly_and_zero_spending():
    # Populations 1 and 9: the first territory holds exactly 10% of the population, so
    # p10 is its spending per inhabitant (F = 0.1 >= 0.1); p90 the second's.
    r = spending_variation({"x": 1.0, "y": 27.0}, {"x": 1.0, "y": 9.0})
    assert (r.p10, r.p90) == (1.0, 3.0)
    # a territory with nothing spent: p10 = 0 and the ratio is infinite
    r = spending_variation({"x": 0.0, "y": 27.0}, {"x": 5.0, "y": 9.0})
    assert r.p10 == 0.0 and r.ratio_p90_p10 == math.inf


def test_from_amounts_per_inhabitant():
    # Nord (59): 1,000 (Lille) + 500 (Villeneuve-d'Ascq); Aisne (02): 300 (Saint-Quentin);
    # their legal populations from the referential. With two territories,
    # sd = |s_1 - s_2| sqrt(w_1 w_2), so CV = |s_1 - s_2| sqrt(w_1 w_2) / m.
    lines = CreditLines(pd.DataFrame({"month": ["2024-01", "2024-02", "2024-03"],
                                      "commune": ["59350", "59009", "02691"],
                                      "cp": [1000.0, 500.0, 300.0]}),
                        month="month", territory="commune", territory_family="commune",
                        cp_paid="cp")
    pop = Referential.france().population("departement").set_index("code")["population"]
    p59, p02 = float(pop["59"]), float(pop["02"])
    s59, s02 = 1500 / p59, 300 / p02
    w59, w02 = p59 / (p59 + p02), p02 / (p59 + p02)
    m = 1800 / (p59 + p02)
    r = spending_variation(per_inhabitant(lines, level="departement"))
    assert r.mean == pytest.approx(m, rel=1e-12)
    assert r.cv == pytest.approx(abs(s59 - s02) * math.sqrt(w59 * w02) / m, rel=1e-9)
    assert list(r.table["code"]) == ["02", "59"]
    with pytest.raises(InputError, match=r"population_by_territory: must be None"):
        spending_variation(per_inhabitant(lines, level="departement"), pop)


def test_row_order_and_input_not_mutated():
    a, p = amounts(), populations()
    a_before, p_before = a.copy(), p.copy()
    r = spending_variation(a, p)
    pd.testing.assert_series_equal(a, a_before)
    pd.testing.assert_series_equal(p, p_before)
    shuffled = spending_variation(a.iloc[[2, 0, 1]], p.iloc[[3, 1, 2, 0]])
    pd.testing.assert_frame_equal(shuffled.table, r.table)
    assert (shuffled.cv, shuffled.p10, shuffled.p90) == (r.cv, r.p10, r.p90)
    tidy = r.tidy()
    assert len(tidy) == 3 and set(tidy["varies"]) == {True}
    pd.testing.assert_frame_equal(r.table, spending_variation(a, p).table)


@pytest.mark.parametrize(("amount", "population", "kwargs", "found"), [
    ({"59": -1.0, "62": 5.0}, {"59": 1.0, "62": 1.0}, {},
     ["amount_by_territory: every amount must be >= 0; got 1 negative (59)"]),
    ({"59": math.nan, "62": 5.0}, {"59": 1.0, "62": 1.0}, {},
     ["amount_by_territory: every amount must be given; got 1 missing (59)"]),
    ({"59": 1.0, "62": 5.0}, {"59": 1.0}, {},
     ["population_by_territory: must give the population of every territory with an "
      "amount; got none for 1 (62)"]),
    ({"59": 1.0, "62": 5.0}, {"59": 0.0, "62": 1.0}, {},
     ["population_by_territory: every population must be > 0; got 1 missing, zero or "
      "negative (59)"]),
    ({"59": "abc", "62": 5.0}, {"59": 1.0, "62": 1.0}, {},
     ["amount_by_territory: every value must be a number; got 1 that are not (59='abc')"]),
    ({"59": 1.0}, {"59": 1.0}, {"threshold": 0}, ["threshold=0: must be a positive number"]),
    ([1.0, 2.0], {"59": 1.0}, {}, ["amount_by_territory=list: must be a pandas Series"]),
    ({}, {"59": 1.0}, {}, ["amount_by_territory: must hold at least one territory"]),
])
def test_bad_input_names_the_argument(amount, population, kwargs, found):
    with pytest.raises(InputError) as caught:
        spending_variation(amount, population, **kwargs)
    problems = caught.value.problems
    assert len(problems) == len(found)
    for expected, problem in zip(found, problems, strict=True):
        assert problem.startswith(expected)


def test_duplicate_codes_and_no_spending():
    with pytest.raises(InputError) as caught:
        spending_variation(pd.Series([1.0, 2.0], index=["59", "59"]), {"59": 1.0})
    assert caught.value.problems[0].startswith("amount_by_territory: every territorial code "
                                               "must appear once; got 1 codes more than once "
                                               "(59)")
    with pytest.raises(InputError, match="amount_by_territory: must hold some spending"):
        spending_variation({"59": 0.0, "62": 0.0}, {"59": 1.0, "62": 1.0})
