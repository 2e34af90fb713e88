"""Applications to calls for projects: roles declared by the caller, every rule of bad input
raising (naming the column and the rows) or excluding the rows (listed with their rule)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, InputError
from evalkit.programmes import APPLICATION_EXCLUSION_RULES, Applications


def table() -> pd.DataFrame:
    """Nine applications to three yearly calls (rows 1-9 are A1-A9)."""
    return pd.DataFrame({
        "dossier": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9"],
        "appel": ["AAP 2023"] * 3 + ["AAP 2024"] * 5 + ["AAP 2022"],
        "depot": ["2023-01-10", "2023-01-20", "31/01/2023", "2024-01-05", "2024-01-15",
                  "2024-01-25", "2024-02-01", "2024-02-10", "2022-01-15"],
        "porteur": ["asso1", "asso2", "Commune de Saint-Quentin", "asso1", "asso3", "asso2",
                    "Commune de Saint-Quentin", "asso4", "asso3"],
        "type": ["association", "association", "commune", "association", "association",
                 "association", "commune", "association", "association"],
        "commune": ["59350", "59350", "02691", "59350", "59009", "59009", "02691", None,
                    "80021"],
        "qpv": ["oui", "non", "Oui", 1, None, "non", True, 0, "NON"],
        "demande": [10000.0, 5000.0, 20000.0, 12000.0, 4000.0, 3000.0, 30000.0, 6000.0,
                    5000.0],
        "retenu": ["oui", "non", "oui", "yes", 1, None, "non", "vrai", True],
        "accorde": [8000.0, 0.0, 20000.0, 6000.0, 4000.0, np.nan, 0.0, 2000.0, 5000.0],
        "decision": ["2023-03-01", "2023-03-01", "2023-04-01", "2024-03-05", "2024-03-25",
                     None, "2024-06-10", None, "2022-03-10"],
    })


def payments() -> pd.DataFrame:
    """Six payments: A1 in two instalments, A3, A4, A8, A9 once; A5 not paid yet."""
    return pd.DataFrame({
        "dossier": ["A1", "A1", "A3", "A4", "A8", "A9"],
        "date": ["2023-04-10", "2024-02-01", "2023-05-01", "2024-05-04", "2024-06-01",
                 "2022-04-15"],
        "montant": [4000.0, 4000.0, 20000.0, 3000.0, 2000.0, 5000.0],
    })


ROLES = dict(id="dossier", call="appel", date="depot", applicant="porteur",
             applicant_type="type", territory="commune", territory_family="commune",
             priority="qpv", requested="demande", selected="retenu", granted="accorde",
             decision_date="decision", payment_id="dossier", payment_date="date",
             payment_amount="montant")


def build(data: pd.DataFrame | None = None, paid: pd.DataFrame | None = None,
          **changes) -> Applications:
    roles = {**ROLES, **changes}
    return Applications(table() if data is None else data,
                        payments=payments() if paid is None else paid,
                        **{k: v for k, v in roles.items() if v is not None})


def test_roles_flags_dates_and_payments_are_read():
    apps = build()
    data = apps.data
    assert data["id"].tolist() == [f"A{i}" for i in range(1, 10)]
    # '31/01/2023' is read as 31 January 2023, like the ISO dates
    assert data["date"].iloc[2] == pd.Timestamp("2023-01-31")
    assert data["year"].tolist() == [2023] * 3 + [2024] * 5 + [2022]
    # oui, non, Oui, 1, missing, non, True, 0, NON
    assert data["priority"].tolist() == [True, False, True, True, pd.NA, False, True, False,
                                         False]
    # oui, non, oui, yes, 1, missing (no decision yet), non, vrai, True
    assert data["selected"].tolist() == [True, False, True, True, True, pd.NA, False, True,
                                         True]
    assert data["decided"].tolist() == [True] * 5 + [False] + [True] * 3
    # A6's missing grant counts as zero
    assert data["granted"].tolist() == [8000.0, 0.0, 20000.0, 6000.0, 4000.0, 0.0, 0.0,
                                        2000.0, 5000.0]
    # the year of the decision, or of the application without a decision date (A6, A8)
    assert data["funding_year"].tolist() == [2023, 2023, 2023, 2024, 2024, 2024, 2024, 2024,
                                             2022]
    # A1: 4000 + 4000 in two payments, first on 2023-04-10, last on 2024-02-01
    a1 = data.iloc[0]
    assert (a1["paid"], a1["payments"]) == (8000.0, 2)
    assert a1["first_payment"] == pd.Timestamp("2023-04-10")
    assert a1["last_payment"] == pd.Timestamp("2024-02-01")
    assert data["paid"].tolist() == [8000.0, 0.0, 20000.0, 3000.0, 0.0, 0.0, 0.0, 2000.0,
                                     5000.0]
    assert pd.isna(data["first_payment"].iloc[4])  # A5: selected, nothing paid yet
    assert data["territory"].iloc[7] is None or pd.isna(data["territory"].iloc[7])
    assert apps.calls == ("AAP 2022", "AAP 2023", "AAP 2024")
    assert apps.years == (2022, 2023, 2024)
    assert len(apps.payments_data) == 6 and apps.excluded.empty
    assert list(apps.excluded.columns) == ["table", "row", "rule", "column", "value", "message"]
    assert "9 applications to 3 calls" in apps.summary()
    assert "8 decided, 6 selected, 1 without a decision yet" in apps.summary()


def test_other_spellings_of_dates_and_flags():
    data = table()
    data["depot"] = pd.to_datetime(data["depot"].replace("31/01/2023", "2023-01-31"))
    data["retenu"] = [True, False, True, True, True, None, False, True, True]
    data["qpv"] = [1, 0, 1, 1, np.nan, 0, 1, 0, 0]
    apps = build(data)
    pd.testing.assert_frame_equal(apps.data, build().data)


def test_input_is_not_mutated_and_applications_are_immutable():
    data, paid = table(), payments()
    before, paid_before = data.copy(), paid.copy()
    apps = build(data, paid)
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(paid, paid_before)
    with pytest.raises(AttributeError):
        apps.x = 1
    copy = apps.data
    copy.loc[0, "granted"] = -1.0
    assert apps.data.loc[0, "granted"] == 8000.0


def test_row_order_changes_only_the_order():
    order = [8, 3, 0, 6, 1, 5, 2, 7, 4]
    shuffled = build(table().iloc[order].reset_index(drop=True),
                     payments().iloc[::-1].reset_index(drop=True))
    a = build().data.drop(columns="row").sort_values("id").reset_index(drop=True)
    b = shuffled.data.drop(columns="row").sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------------- rules, one by one

def _set(column: str, row: int, value: object):
    def change(data: pd.DataFrame) -> pd.DataFrame:
        data = data.copy()
        if isinstance(value, str) or value is None:
            data[column] = data[column].astype(object)
        data.loc[row - 1, column] = value
        return data
    return change


# (what to change in the applications, rule, column, rows set aside (1-based), words of
# the message); each case breaks exactly one rule.
APPLICATION_CASES = [
    (_set("dossier", 2, None), "missing_id", "dossier", [2], "have no identifier"),
    (_set("dossier", 7, "A2"), "duplicate_id", "dossier", [2, 7],
     "share their identifier with another row ('A2'; rows 2 and 7"),
    (_set("appel", 2, None), "missing_call", "appel", [2], "name no call for projects"),
    (_set("porteur", 2, "  "), "missing_applicant", "porteur", [2], "name no applicant"),
    (_set("depot", 2, None), "missing_date", "depot", [2], "have no date"),
    (_set("depot", 2, "31/02/2023"), "unreadable_date", "depot", [2],
     "have a date that cannot be read ('31/02/2023'; row 2"),
    (_set("decision", 2, "mars 2023"), "unreadable_date", "decision", [2],
     "have a date that cannot be read ('mars 2023'; row 2"),
    (_set("qpv", 2, "peut-être"), "unreadable_flag", "qpv", [2],
     "yes/no value that cannot be read ('peut-être'; row 2"),
    (_set("retenu", 2, 2), "unreadable_flag", "retenu", [2],
     "yes/no value that cannot be read ('2'; row 2"),
    (_set("demande", 2, np.nan), "missing_amount", "demande", [2], "have no amount"),
    (_set("demande", 2, np.inf), "non_finite_amount", "demande", [2],
     "have an infinite amount"),
    (_set("demande", 6, -5.0), "negative_amount", "demande", [6],
     "have a negative amount (down to -5.00; row 6"),
    (_set("accorde", 2, -1.0), "negative_amount", "accorde", [2],
     "have a negative amount (down to -1.00; row 2"),
    (_set("accorde", 5, 4000.01), "grant_above_requested", "accorde", [5],
     "above the amount requested (4,000.01 for 4,000.00 requested; row 5"),
    (_set("accorde", 6, 100.0), "grant_without_selection", "accorde", [6],
     "were not selected (rejected, or not decided yet) (row 6"),
    (_set("decision", 2, "2022-12-01"), "decision_before_application", "decision", [2],
     "are decided before the date of application (row 2"),
    (_set("commune", 2, "5935X"), "malformed_code", "commune", [2],
     "have a code that is not an INSEE commune code"),
    (_set("commune", 7, "2691"), "lost_leading_zeros", "commune", [7],
     "lost its leading zeros ('2691'; row 7"),
    (_set("commune", 2, "59999"), "unknown_code", "commune", [2],
     "unknown to the French referential (INSEE official geography) ('59999'; row 2"),
]


@pytest.mark.parametrize(("change", "rule", "column", "rows", "words"), APPLICATION_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in APPLICATION_CASES])
def test_each_rule_of_the_applications_raises(change, rule, column, rows, words):
    with pytest.raises(DataError) as error:
        build(change(table()))
    (problem,) = error.value.problems
    role = [r for r, c in ROLES.items() if c == column and not r.startswith("payment")][0]
    assert problem.startswith(f"{role}={column!r}: {len(rows)} of 9 applications")
    assert words in problem


@pytest.mark.parametrize(("change", "rule", "column", "rows", "words"), APPLICATION_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in APPLICATION_CASES])
def test_each_rule_of_the_applications_excludes(change, rule, column, rows, words):
    data = change(table())
    apps = build(data, on_invalid="exclude")
    excluded = apps.excluded
    mine = excluded.loc[excluded["table"] == "applications"]
    assert mine["row"].tolist() == rows
    assert set(mine["rule"]) == {rule} and set(mine["column"]) == {column}
    assert all(words in m for m in mine["message"])
    shown = data[column].iloc[[r - 1 for r in rows]]
    assert mine["value"].tolist() == ["" if pd.isna(v) else str(v) for v in shown]
    assert sorted(apps.data["row"] + 1) == sorted(set(range(1, 10)) - set(rows))
    # the payments of an application set aside are set aside too, under their own rule
    gone = set(data["dossier"].iloc[[r - 1 for r in rows]].dropna())
    theirs = [i + 1 for i, d in enumerate(payments()["dossier"]) if d in gone]
    others = excluded.loc[excluded["table"] == "payments"]
    assert others["row"].tolist() == theirs
    assert set(others["rule"]) <= {"application_excluded"}
    assert rule in apps.summary() and "Excluded:" in apps.summary()


# (what to change in the payments, rule, column, rows set aside, words of the message)
PAYMENT_CASES = [
    (_set("dossier", 1, None), "missing_id", "dossier", [1], "have no application identifier"),
    (_set("date", 3, None), "missing_date", "date", [3], "have no date"),
    (_set("date", 3, "2023-13-01"), "unreadable_date", "date", [3],
     "cannot be read ('2023-13-01'; row 3"),
    (_set("montant", 3, np.nan), "missing_amount", "montant", [3], "have no amount"),
    (_set("montant", 3, np.inf), "non_finite_amount", "montant", [3], "infinite amount"),
    (_set("montant", 3, -20.0), "negative_amount", "montant", [3], "negative amount"),
    (_set("dossier", 3, "ZZ"), "unknown_application", "dossier", [3],
     "no application of the table ('ZZ'; row 3"),
    (lambda d: _set("date", 3, "2024-05-01")(_set("dossier", 3, "A6")(d)),
     "payment_without_decision", "dossier", [3],
     "without a positive decision (rejected, or not decided yet) ('A6'; row 3"),
    (_set("dossier", 3, "A2"), "payment_without_decision", "dossier", [3], "('A2'; row 3"),
    (_set("date", 3, "2023-03-31"), "payment_before_decision", "date", [3],
     "are dated before the decision on their application (row 3"),
    (_set("date", 5, "2024-01-01"), "payment_before_application", "date", [5],
     "are dated before their application (whose decision date is not known) (row 5"),
    (_set("montant", 2, 4000.01), "payments_above_grant", "montant", [1, 2],
     "more than the amount granted ('A1': 8,000.01 paid for 8,000.00 granted; rows 1 and 2"),
]


@pytest.mark.parametrize(("change", "rule", "column", "rows", "words"), PAYMENT_CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(PAYMENT_CASES)])
def test_each_rule_of_the_payments_raises(change, rule, column, rows, words):
    with pytest.raises(DataError) as error:
        build(paid=change(payments()))
    (problem,) = error.value.problems
    role = {"dossier": "payment_id", "date": "payment_date", "montant": "payment_amount"}[column]
    assert problem.startswith(f"{role}={column!r}: {len(rows)} of 6 payments")
    assert words in problem


@pytest.mark.parametrize(("change", "rule", "column", "rows", "words"), PAYMENT_CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(PAYMENT_CASES)])
def test_each_rule_of_the_payments_excludes(change, rule, column, rows, words):
    paid = change(payments())
    apps = build(paid=paid, on_invalid="exclude")
    excluded = apps.excluded
    assert excluded["table"].tolist() == ["payments"] * len(rows)
    assert excluded["row"].tolist() == rows
    assert set(excluded["rule"]) == {rule} and set(excluded["column"]) == {column}
    assert sorted(apps.payments_data["row"] + 1) == sorted(set(range(1, 7)) - set(rows))
    assert len(apps.data) == 9  # the applications are all kept
    # what is paid per application counts only the payments kept
    kept = paid.drop(index=[r - 1 for r in rows])
    kept = kept.loc[kept["dossier"].isin(table()["dossier"])]
    expected = kept.groupby("dossier")["montant"].sum()
    got = apps.data.set_index("id")["paid"]
    assert got[got > 0].to_dict() == expected[expected > 0].to_dict()


def test_a_row_breaking_two_rules_is_listed_twice_and_every_problem_is_raised_at_once():
    data = table()
    data.loc[1, "demande"] = -5.0  # A2: negative amount ...
    data.loc[1, "decision"] = "2022-12-01"  # ... and decided before the application
    data.loc[3, "commune"] = "59999"
    with pytest.raises(DataError) as error:
        build(data)
    assert len(error.value.problems) == 3
    excluded = build(data, on_invalid="exclude").excluded
    assert excluded["table"].tolist() == ["applications"] * 3 + ["payments"]
    assert excluded["row"].tolist() == [2, 2, 4, 4]  # payment 4 is A4's
    assert excluded["rule"].tolist() == ["negative_amount", "decision_before_application",
                                         "unknown_code", "application_excluded"]


def test_every_row_excluded_raises():
    data = table()
    data["demande"] = -1.0
    with pytest.raises(DataError, match="Every application breaks a rule"):
        build(data, on_invalid="exclude")
    paid = payments()
    paid["dossier"] = "ZZ"
    with pytest.raises(DataError, match="Every payment breaks a rule"):
        build(paid=paid, on_invalid="exclude")


def test_every_rule_key_is_documented():
    keys = {c[1] for c in APPLICATION_CASES} | {c[1] for c in PAYMENT_CASES}
    keys.add("application_excluded")
    assert keys == set(APPLICATION_EXCLUSION_RULES)
    assert all(text.endswith(".") for text in APPLICATION_EXCLUSION_RULES.values())


# ---------------------------------------------------------------------- declaration

def test_problems_of_declaration_always_raise():
    with pytest.raises(DataError) as error:
        build(call="call", on_invalid="exclude")
    assert "call='call': must be a column of the table; its columns are 'dossier'" in str(
        error.value)
    with pytest.raises(DataError, match="already declared as id"):
        build(call="dossier")
    with pytest.raises(DataError, match="payment_amount='amount': must be a column of the "
                                        "payments table"):
        build(payment_amount="amount")
    with pytest.raises(DataError, match=r"payment_id='dossier': needs payments="):
        Applications(table(), **ROLES)
    with pytest.raises(DataError, match=r"payments: needs payment_date=, payment_amount="):
        build(payment_date=None, payment_amount=None)
    data = table()
    data["demande"] = data["demande"].astype(str)
    with pytest.raises(DataError, match="requested='demande': must be a numeric column"):
        build(data, on_invalid="exclude")
    with pytest.raises(DataError, match="territory_family='city': must be one of"):
        build(territory_family="city")
    with pytest.raises(InputError, match="on_invalid='drop': must be one of 'raise', "
                                         "'exclude'"):
        build(on_invalid="drop")
    with pytest.raises(DataError, match="the table has no rows"):
        build(table().iloc[:0])


def test_without_optional_roles_or_payments():
    apps = Applications(table(), id="dossier", call="appel", date="depot", applicant="porteur",
                        requested="demande", selected="retenu")
    assert not apps.has_payments and not apps.has("granted")
    assert "granted" not in apps.data and "paid" not in apps.data
    assert apps.payments_data.empty
    assert apps.data["funding_year"].tolist() == apps.data["year"].tolist()
    with pytest.raises(InputError, match=r"by='territory': must be one of the roles declared "
                                         r"\('call', 'year'\) or their columns "
                                         r"\('appel', 'year'\)"):
        apps.group_roles("territory")
    assert apps.group_roles(["appel", "year"]) == ("call", "year")


def test_codes_are_padded_when_asked():
    data = table()
    data["commune"] = [59350, 59350, 2691, 59350, 59009, 59009, 2691, np.nan, 80021]
    with pytest.raises(DataError, match="lost its leading zeros"):
        build(data)
    apps = build(data, pad=True)
    assert apps.data["territory"].tolist()[:3] == ["59350", "59350", "02691"]
    # without a family the codes are only read as text
    text = build(data, territory_family=None).data["territory"]
    assert text.tolist()[2] == "2691"
