"""Concentration on beneficiaries: top-k shares, Gini and Herfindahl-Hirschman index against
closed forms and hand computations (the applications of test_applications.table())."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import (
    Applications,
    concentration,
    gini_coefficient,
    herfindahl_index,
)
from tests.programmes.test_applications import build, table


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_closed_forms_of_gini_and_hhi(n):
    # equal amounts: no inequality, G = 0; HHI = n * (1/n)^2 = 1/n
    assert gini_coefficient(np.full(n, 7.0)) == pytest.approx(0.0, abs=1e-12)
    assert herfindahl_index(np.full(n, 7.0)) == pytest.approx(1 / n)
    # one holder of everything among n: sum |x_i - x_j| over ordered pairs = 2 (n - 1) X,
    # divided by 2 n^2 (X / n) = (n - 1) / n; HHI = 1
    everything = np.r_[np.zeros(n - 1), 100.0]
    assert gini_coefficient(everything) == pytest.approx((n - 1) / n)
    assert herfindahl_index(everything) == 1.0


def test_gini_of_a_small_sample_by_its_definition():
    x = np.array([2000.0, 9000.0, 14000.0, 20000.0])
    # sum over i < j of |x_i - x_j|: 7000 + 12000 + 18000 + 5000 + 11000 + 6000 = 59000;
    # G = 2 * 59000 / (2 * 4^2 * 11250) = 0.3277...
    assert gini_coefficient(x) == pytest.approx(118000 / 360000)
    assert gini_coefficient(x[::-1]) == pytest.approx(118000 / 360000)  # order-free
    # shares 2/45, 9/45, 14/45, 20/45: HHI = (4 + 81 + 196 + 400) / 2025
    assert herfindahl_index(x) == pytest.approx(681 / 2025)
    with pytest.raises(InputError, match="values: must be finite amounts"):
        gini_coefficient([1.0, -1.0])
    with pytest.raises(InputError):
        herfindahl_index([0.0, 0.0])


def test_concentration_of_the_grants():
    result = concentration(build(), top=(1, 2, 5))
    row = result.table.iloc[0]
    # per applicant: Saint-Quentin 20000, asso1 8000 + 6000, asso3 4000 + 5000, asso4 2000;
    # asso2 received nothing and is no beneficiary
    assert row["beneficiaries"] == 4 and row["amount"] == 45000.0
    assert row["top_1_share"] == pytest.approx(20000 / 45000)
    assert row["top_2_share"] == pytest.approx(34000 / 45000)
    assert row["top_5_share"] == 1.0  # 5 >= 4 beneficiaries
    assert row["gini"] == pytest.approx(118000 / 360000)  # as in the test above
    assert row["hhi"] == pytest.approx(681 / 2025)
    assert row["equivalent_beneficiaries"] == pytest.approx(2025 / 681)
    b = result.beneficiaries
    assert b["applicant"].tolist() == ["Commune de Saint-Quentin", "asso1", "asso3", "asso4"]
    assert b["rank"].tolist() == [1, 2, 3, 4]
    assert b["share"].tolist() == pytest.approx([20 / 45, 14 / 45, 9 / 45, 2 / 45])
    assert "4 beneficiaries share 45,000.00" in result.summary()


def test_concentration_by_call():
    t = concentration(build(), by="call").table.set_index("appel")
    # AAP 2022: asso3 alone -> G = 0, HHI = 1, top 1 = 1
    assert t.loc["AAP 2022", ["beneficiaries", "gini", "hhi", "top_1_share"]].tolist() == [
        1, 0.0, 1.0, 1.0]
    # AAP 2023: asso1 8000, Saint-Quentin 20000: G = 2 * 12000 / (2 * 4 * 14000) = 3/14
    row = t.loc["AAP 2023"]
    assert row["gini"] == pytest.approx(3 / 14)
    assert row["hhi"] == pytest.approx((20 ** 2 + 8 ** 2) / 28 ** 2)
    assert row["top_1_share"] == pytest.approx(20 / 28)
    # AAP 2024: asso1 6000, asso3 4000, asso4 2000 (A7 rejected): pairwise differences
    # 2000 + 4000 + 2000 = 8000, G = 2 * 8000 / (2 * 9 * 4000) = 2/9; HHI = (9+4+1)/36
    row = t.loc["AAP 2024"]
    assert row["gini"] == pytest.approx(2 / 9)
    assert row["hhi"] == pytest.approx(14 / 36)
    assert row["top_5_share"] == 1.0


def test_concentration_of_payments_and_groups_without_beneficiary():
    row = concentration(build(), amount="paid").table.iloc[0]
    # paid: Saint-Quentin 20000, asso1 8000 + 3000, asso3 5000, asso4 2000 -> 38000
    assert row["beneficiaries"] == 4 and row["amount"] == 38000.0
    assert row["hhi"] == pytest.approx((400 + 121 + 25 + 4) / 38 ** 2)
    t = concentration(build(), by="type", amount="paid").table.set_index("type")
    assert t.loc["commune", "beneficiaries"] == 1
    data = table()
    data["accorde"] = [0.0, 0.0, 0.0] + list(data["accorde"].iloc[3:])
    data["retenu"] = ["non"] * 3 + list(data["retenu"].iloc[3:])
    apps = Applications(data, id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu", granted="accorde")
    t = concentration(apps, by="call").table.set_index("appel")
    # AAP 2023 has applications but no beneficiary: counted, measures missing
    assert t.loc["AAP 2023", "beneficiaries"] == 0 and t.loc["AAP 2023", "amount"] == 0.0
    assert pd.isna(t.loc["AAP 2023", "gini"])


def test_row_order_does_not_matter_and_tidy():
    shuffled = build(table().iloc[[4, 0, 8, 2, 6, 1, 7, 3, 5]].reset_index(drop=True))
    a, b = concentration(build(), by="call"), concentration(shuffled, by="call")
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.beneficiaries, b.beneficiaries)
    tidy = a.tidy()
    assert set(tidy["measure"]) >= {"gini", "hhi", "top_10_share", "equivalent_beneficiaries"}


def test_refusals():
    with pytest.raises(InputError, match="top=\\(0, 5\\): must be distinct positive integers"):
        concentration(build(), top=(0, 5))
    with pytest.raises(InputError, match="amount='requested': must be one of"):
        concentration(build(), amount="requested")
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    with pytest.raises(InputError, match="amount='granted' needs granted"):
        concentration(apps)
