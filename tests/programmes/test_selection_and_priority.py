"""Selection rates, the share reaching priority neighbourhoods and grants per inhabitant,
against hand computations on the nine applications of test_applications.table():

====  ========  ====================  =====  ======  ========  ========  ========
id    call      applicant             qpv    asked   selected  granted   paid
====  ========  ====================  =====  ======  ========  ========  ========
A1    AAP 2023  asso1 (59350)         yes    10000   yes       8000      4000+4000
A2    AAP 2023  asso2 (59350)         no     5000    no        0
A3    AAP 2023  Saint-Quentin (02691) yes    20000   yes       20000     20000
A4    AAP 2024  asso1 (59350)         yes    12000   yes       6000      3000
A5    AAP 2024  asso3 (59009)         ?      4000    yes       4000
A6    AAP 2024  asso2 (59009)         no     3000    pending
A7    AAP 2024  Saint-Quentin (02691) yes    30000   no        0
A8    AAP 2024  asso4 (no code)       no     6000    yes       2000      2000
A9    AAP 2022  asso3 (80021)         no     5000    yes       5000      5000
====  ========  ====================  =====  ======  ========  ========  ========
"""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import (
    Applications,
    beneficiaries_over_years,
    concentration,
    delays,
    grants_per_inhabitant,
    priority_share,
    selection_rates,
)
from evalkit.territories import Referential
from tests.programmes.test_applications import build, payments, table


def test_selection_rates_by_call():
    t = selection_rates(build(), by="call").table.set_index("appel")
    assert list(t.index) == ["AAP 2022", "AAP 2023", "AAP 2024"]
    # AAP 2023: A1, A2, A3 all decided, A1 and A3 selected
    row = t.loc["AAP 2023"]
    assert (row["applications"], row["decided"], row["undecided"], row["selected"]) == (3, 3, 0, 2)
    assert row["selection_rate"] == pytest.approx(2 / 3)
    assert row["requested"] == 35000.0  # 10000 + 5000 + 20000
    assert row["requested_selected"] == 30000.0  # 10000 + 20000
    assert row["granted"] == 28000.0  # 8000 + 20000
    assert row["granted_to_requested"] == pytest.approx(28000 / 35000)
    assert row["granted_to_requested_selected"] == pytest.approx(28000 / 30000)
    # AAP 2024: A4-A8; A6 undecided is counted apart and in no rate
    row = t.loc["AAP 2024"]
    assert (row["applications"], row["decided"], row["undecided"], row["selected"]) == (5, 4, 1, 3)
    assert row["selection_rate"] == 0.75  # A4, A5, A8 of A4, A5, A7, A8
    assert row["requested"] == 55000.0  # 12000 + 4000 + 3000 + 30000 + 6000
    assert row["requested_decided"] == 52000.0  # without A6's 3000
    assert row["requested_selected"] == 22000.0  # 12000 + 4000 + 6000
    assert row["granted"] == 12000.0  # 6000 + 4000 + 2000
    assert row["granted_to_requested"] == pytest.approx(12000 / 52000)
    assert row["granted_to_requested_selected"] == pytest.approx(12000 / 22000)


def test_selection_rates_overall_and_by_type_and_year():
    whole = selection_rates(build(), by=None)
    row = whole.table.iloc[0]
    # 9 applications, 8 decided, 6 selected (A1, A3, A4, A5, A8, A9)
    assert (row["applications"], row["decided"], row["undecided"], row["selected"]) == (9, 8, 1, 6)
    assert row["selection_rate"] == 0.75
    assert row["granted_to_requested"] == pytest.approx(45000 / 92000)
    assert "6 selected of 8 decided (75.0%); 1 without a decision yet" in whole.summary()
    t = selection_rates(build(), by=["type", "year"]).table
    association_2024 = t.loc[(t["type"] == "association") & (t["year"] == 2024)].iloc[0]
    # A4, A5, A6, A8: A6 undecided, the three others selected
    assert association_2024["selection_rate"] == 1.0
    assert association_2024["undecided"] == 1
    commune = t.loc[t["type"] == "commune"].set_index("year")["selection_rate"]
    assert commune.to_dict() == {2023: 1.0, 2024: 0.0}  # A3 selected, A7 rejected


def test_selection_rates_tidy_and_groups_without_decision():
    result = selection_rates(build(), by="call")
    tidy = result.tidy()
    assert set(tidy.columns) == {"appel", "measure", "value"}
    assert len(tidy) == 3 * len(result.measures)
    data = table()
    data["retenu"] = [None] * 3 + list(data["retenu"].iloc[3:])
    data["accorde"] = [None] * 3 + list(data["accorde"].iloc[3:])
    apps = build(data, paid=payments().iloc[3:].reset_index(drop=True))
    row = selection_rates(apps).table.set_index("appel").loc["AAP 2023"]
    # no decided application: no rate rather than zero
    assert row["undecided"] == 3 and pd.isna(row["selection_rate"])


def test_selection_rates_without_grants_and_bad_groups():
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    t = selection_rates(apps).table
    assert "granted" not in t and "granted_to_requested" not in t
    with pytest.raises(InputError, match="by='type'"):
        selection_rates(apps, by="type")


def test_priority_share_overall():
    result = priority_share(build())
    row = result.table.iloc[0]
    # flags: A1 yes, A2 no, A3 yes, A4 yes, A5 unknown, A6 no, A7 yes, A8 no, A9 no
    assert (row["applications"], row["applications_priority"],
            row["applications_unknown"]) == (9, 4, 1)
    assert row["applications_share"] == 0.5  # 4 of the 8 with a known flag
    # selected: A1, A3, A4 (yes), A5 (unknown), A8, A9 (no)
    assert (row["selected"], row["selected_priority"], row["selected_unknown"]) == (6, 3, 1)
    assert row["selected_share"] == 0.6
    # granted 45000: priority 8000 + 20000 + 6000 = 34000; unknown A5 4000
    assert (row["granted"], row["granted_priority"], row["granted_unknown"]) == (
        45000.0, 34000.0, 4000.0)
    assert row["granted_share"] == pytest.approx(34000 / 41000)
    # paid 38000: priority A1 8000 + A3 20000 + A4 3000 = 31000
    assert (row["paid"], row["paid_priority"], row["paid_unknown"]) == (38000.0, 31000.0, 0.0)
    assert row["paid_share"] == pytest.approx(31000 / 38000)
    tidy = result.tidy().set_index("measure")
    assert tidy.loc["granted", "share"] == pytest.approx(34000 / 41000)
    assert "applications 50.0%" in result.summary()
    assert "1 applications without the flag" in result.summary()


def test_priority_share_by_call_and_refusal():
    t = priority_share(build(), by="appel").table.set_index("appel")
    # AAP 2024: A4 yes, A5 unknown, A6 no, A7 yes, A8 no -> 2 of 4 known
    assert t.loc["AAP 2024", "applications_share"] == 0.5
    # selected in 2024: A4 (yes, 6000), A5 (unknown, 4000), A8 (no, 2000)
    assert t.loc["AAP 2024", "granted_share"] == pytest.approx(6000 / 8000)
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    with pytest.raises(InputError, match="priority_share needs priority"):
        priority_share(apps)


@pytest.fixture(scope="module")
def populations() -> dict[str, pd.Series]:
    france = Referential.france()
    return {level: france.population(level).set_index("code")["population"]
            for level in ("commune", "departement")}


def test_grants_per_inhabitant_by_department(populations):
    result = grants_per_inhabitant(build(), level="departement")
    t = result.table.set_index("code")
    # Nord: A1 8000 + A4 6000 + A5 4000; Aisne: A3 20000; Somme: A9 5000
    assert t["amount"].to_dict() == {"02": 20000.0, "59": 18000.0, "80": 5000.0}
    assert t.loc["59", "per_inhabitant"] == pytest.approx(18000 / populations["departement"]["59"])
    assert result.without_territory == (1, 2000.0)  # A8 has no commune
    assert "1 applications without a territory (2,000.00) are left out" in result.summary()
    # in 2024 (year of decision, or of application for A8): A4 6000 + A5 4000
    y2024 = grants_per_inhabitant(build(), level="departement", year=2024)
    assert y2024.table.set_index("code")["amount"].to_dict() == {"59": 10000.0}


def test_paid_per_inhabitant_by_commune(populations):
    t = grants_per_inhabitant(build(), level="commune", amount="paid").table.set_index("code")
    # Lille: A1 4000 + 4000 and A4 3000; Saint-Quentin: A3; Amiens: A9
    assert t["amount"].to_dict() == {"02691": 20000.0, "59350": 11000.0, "80021": 5000.0}
    assert t.loc["59350", "per_inhabitant"] == pytest.approx(
        11000 / populations["commune"]["59350"])
    # paid in 2024: A1's second instalment and A4 in Lille, A8 (no commune) left out
    y2024 = grants_per_inhabitant(build(), level="commune", amount="paid", year=2024)
    assert y2024.table.set_index("code")["amount"].to_dict() == {"59350": 7000.0}
    assert y2024.without_territory == (1, 2000.0)


def test_grants_per_inhabitant_row_order_and_refusals():
    shuffled = build(table().iloc[::-1].reset_index(drop=True))
    for amount in ("granted", "paid"):
        pd.testing.assert_frame_equal(
            grants_per_inhabitant(build(), level="region", amount=amount).table,
            grants_per_inhabitant(shuffled, level="region", amount=amount).table)
    with pytest.raises(InputError, match="amount='spent': must be one of"):
        grants_per_inhabitant(build(), amount="spent")
    with pytest.raises(InputError, match="territory_family="):
        grants_per_inhabitant(build(territory_family=None))
    with pytest.raises(InputError, match="year=2030"):
        grants_per_inhabitant(build(), year=2030)
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        territory="commune", territory_family="commune",
                        requested="demande", selected="retenu", granted="accorde")
    with pytest.raises(InputError, match="amount='paid' needs payments"):
        grants_per_inhabitant(apps, amount="paid")


def test_no_table_changes_the_applications_or_the_callers_tables():
    data, paid = table(), payments()
    data_before, paid_before = data.copy(), paid.copy()
    apps = build(data, paid)
    before, payments_before = apps.data, apps.payments_data
    for make in (lambda: selection_rates(apps, by=["call", "priority"]),
                 lambda: priority_share(apps, by="type"),
                 lambda: grants_per_inhabitant(apps, amount="paid"),
                 lambda: concentration(apps, by="year"),
                 lambda: beneficiaries_over_years(apps),
                 lambda: delays(apps, by="territory")):
        make()
    pd.testing.assert_frame_equal(apps.data, before)
    pd.testing.assert_frame_equal(apps.payments_data, payments_before)
    pd.testing.assert_frame_equal(data, data_before)
    pd.testing.assert_frame_equal(paid, paid_before)
