"""Beneficiaries over the years and delays, against hand computations on the applications of
test_applications.table() and payments() (dates below as written there)."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import Applications, beneficiaries_over_years, delays
from tests.programmes.test_applications import build, payments, table


def test_beneficiaries_by_year():
    result = beneficiaries_over_years(build())
    t = result.table.set_index("year")
    # funded (selected with a grant), by year of decision (A8: of application, 2024):
    # 2022: asso3 (A9, 5000)
    # 2023: asso1 (A1, 8000), Saint-Quentin (A3, 20000)       asso3 not renewed
    # 2024: asso1 returning (A4, 6000), asso3 back after 2023's gap (A5, 4000),
    #       asso4 new (A8, 2000)                               Saint-Quentin not renewed
    assert list(t.index) == [2022, 2023, 2024]
    assert t["beneficiaries"].tolist() == [1, 2, 3]
    assert t["new"].tolist() == [1, 2, 1]
    assert t["returning"].tolist() == [0, 0, 1]
    assert t["back_after_gap"].tolist() == [0, 0, 1]
    assert t["not_renewed"].tolist() == [0, 1, 1]
    assert t["granted"].tolist() == [5000.0, 28000.0, 12000.0]
    assert t["granted_new"].tolist() == [5000.0, 28000.0, 2000.0]
    assert t["granted_returning"].tolist() == [0.0, 0.0, 6000.0]
    assert t["granted_back_after_gap"].tolist() == [0.0, 0.0, 4000.0]
    assert (t["new"] + t["returning"] + t["back_after_gap"]).tolist() == t[
        "beneficiaries"].tolist()
    assert "2024: 3 (1 new, 1 returning, 1 back after a gap)" in result.summary()


def test_each_beneficiary_and_its_years():
    b = beneficiaries_over_years(build()).beneficiaries.set_index("applicant")
    assert list(b.index) == ["Commune de Saint-Quentin", "asso1", "asso3", "asso4"]
    assert b.loc["asso1", ["first_year", "last_year", "years_funded", "longest_run"]].tolist() \
        == [2023, 2024, 2, 2]
    assert b.loc["asso3", ["years_funded", "longest_run", "years"]].tolist() == [
        2, 1, "2022, 2024"]
    assert b.loc["asso1", "years"] == "2023, 2024"
    assert b.loc["asso3", ["granted", "granted_2022", "granted_2023", "granted_2024"]].tolist() \
        == [9000.0, 5000.0, 0.0, 4000.0]
    # asso2 was never selected: no beneficiary
    assert "asso2" not in b.index


def test_beneficiaries_without_grants_and_row_order():
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    # without grants nor decision dates: every selected application, by year of application
    # 2022: asso3; 2023: asso1, Saint-Quentin; 2024: asso1, asso3, asso4 (as above)
    t = beneficiaries_over_years(apps).table
    assert t["beneficiaries"].tolist() == [1, 2, 3] and "granted" not in t
    shuffled = build(table().iloc[::-1].reset_index(drop=True))
    a, b = beneficiaries_over_years(build()), beneficiaries_over_years(shuffled)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.beneficiaries, b.beneficiaries)
    assert set(a.tidy().columns) == {"year", "measure", "value"}


# Delays in days, from the tables' dates:
#   application -> decision: A1 Jan 10 -> Mar 1 2023 = 50; A2 Jan 20 -> Mar 1 = 40;
#   A3 Jan 31 -> Apr 1 2023 = 60; A4 Jan 5 -> Mar 5 2024 = 60 (29 days in February 2024);
#   A5 Jan 15 -> Mar 25 2024 = 70; A7 Feb 1 -> Jun 10 2024 = 130; A9 Jan 15 -> Mar 10 2022
#   = 54; A6 undecided; A8 decided without a date.
#   decision -> first payment: A1 Mar 1 -> Apr 10 2023 = 40; A3 Apr 1 -> May 1 = 30;
#   A4 Mar 5 -> May 4 2024 = 60; A9 Mar 10 -> Apr 15 2022 = 36; A5 unpaid.
#   decision -> last payment: A1 Mar 1 2023 -> Feb 1 2024 = 337; the others as above.
#   application -> first payment: A1 = 90; A3 Jan 31 -> May 1 2023 = 90;
#   A4 Jan 5 -> May 4 2024 = 120; A8 Feb 10 -> Jun 1 2024 = 112; A9 Jan 15 -> Apr 15 = 90.
# Quartiles: linear interpolation at positions (n - 1) p of the sorted values.

def test_delays_overall():
    result = delays(build())
    t = result.table.set_index("measure")
    assert list(t.index) == ["application_to_decision", "decision_to_first_payment",
                             "decision_to_last_payment", "application_to_first_payment"]
    row = t.loc["application_to_decision"]
    # 40, 50, 54, 60, 60, 70, 130: q1 at 1.5 -> (50 + 54) / 2; median 60; q3 at 4.5 -> 65
    assert row[["applications", "counted", "undecided", "not_selected",
                "without_decision_date", "unpaid"]].tolist() == [9, 7, 1, 0, 1, 0]
    assert row[["median", "q1", "q3"]].tolist() == [60.0, 52.0, 65.0]
    assert row["mean"] == pytest.approx(464 / 7)
    assert (row["above"], row["share_above"]) == (1, pytest.approx(1 / 7))  # A7's 130
    row = t.loc["decision_to_first_payment"]
    # A6 undecided; A2, A7 not selected; A8 no decision date; A5 unpaid
    assert row[["counted", "undecided", "not_selected", "without_decision_date",
                "unpaid"]].tolist() == [4, 1, 2, 1, 1]
    # 30, 36, 40, 60: median (36 + 40) / 2; q1 at 0.75 -> 30 + 0.75 * 6; q3 at 2.25
    assert row[["median", "q1", "q3", "mean"]].tolist() == [38.0, 34.5, 45.0, 41.5]
    assert row["above"] == 0
    row = t.loc["decision_to_last_payment"]
    # 30, 36, 60, 337: q3 at 2.25 -> 60 + 0.25 * 277
    assert row[["median", "q1", "q3", "mean"]].tolist() == [48.0, 34.5, 129.25, 115.75]
    assert row["share_above"] == 0.25
    row = t.loc["application_to_first_payment"]
    # 90, 90, 90, 112, 120: 90 days is not above 90 (strictly longer only)
    assert row[["counted", "undecided", "not_selected", "without_decision_date",
                "unpaid"]].tolist() == [5, 1, 2, 0, 1]
    assert row[["median", "q1", "q3", "mean"]].tolist() == [90.0, 90.0, 112.0, 100.4]
    assert (row["above"], row["share_above"]) == (2, 0.4)
    # nothing is dropped silently: every application is counted or counted apart
    parts = ["counted", "undecided", "not_selected", "without_decision_date", "unpaid"]
    assert (result.table[parts].sum(axis=1) == result.table["applications"]).all()
    assert "application to decision: 7 measured, median 60 days, 14.3% above" in \
        result.summary()


def test_delays_by_call_and_threshold():
    t = delays(build(), by="call", threshold=45).table
    row = t.loc[(t["appel"] == "AAP 2023") & (t["measure"] == "application_to_decision")].iloc[0]
    # A1 50, A2 40, A3 60: above 45 days: 2 of 3
    assert row[["counted", "median", "above"]].tolist() == [3, 50.0, 2]
    assert row["share_above"] == pytest.approx(2 / 3)
    row = t.loc[(t["appel"] == "AAP 2022") & (t["measure"] == "decision_to_first_payment")]
    assert row[["counted", "median"]].iloc[0].tolist() == [1, 36.0]
    assert len(t) == 3 * 4  # three calls, four delays
    tidy = delays(build(), by="call").tidy()
    assert set(tidy.columns) == {"appel", "measure", "statistic", "value"}


def test_delays_with_what_is_declared_and_row_order():
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu", decision_date="decision")
    assert delays(apps).table["measure"].tolist() == ["application_to_decision"]
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu", payments=payments(),
                        payment_id="dossier", payment_date="date", payment_amount="montant")
    assert delays(apps).table["measure"].tolist() == ["application_to_first_payment"]
    bare = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    with pytest.raises(InputError, match="delays needs decision_date= or payments="):
        delays(bare)
    with pytest.raises(InputError, match="threshold=-1"):
        delays(build(), threshold=-1)
    shuffled = build(table().iloc[::-1].reset_index(drop=True),
                     payments().iloc[::-1].reset_index(drop=True))
    pd.testing.assert_frame_equal(delays(build(), by="call").table,
                                  delays(shuffled, by="call").table)
