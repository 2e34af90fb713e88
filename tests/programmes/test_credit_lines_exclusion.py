"""Credit lines that break a rule: raised (the default) or set aside and listed.

The table has six lines (rows counted from 1, as the data rows of a file); each case
below breaks one rule in one row, so the expected excluded row, column and value are
read off the change made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, InputError
from evalkit.programmes import (
    EXCLUSION_RULES,
    SIMULATED_ROLES,
    CreditLines,
    budget_alerts,
    consumption_curve,
    execution_rates,
    per_inhabitant,
    remaining_to_pay,
    simulate_programme_lines,
)

AMOUNT_COLUMNS = "ae_ouvertes, ae_engagees, cp_mandates"


def table() -> pd.DataFrame:
    # Lille 59350, Saint-Quentin 02691, Amiens 80021, Arras 62041: INSEE codes
    return pd.DataFrame({
        "date": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"],
        "bop": ["0147-HDF"] * 6,
        "dispositif": ["adultes-relais", "parrainage"] * 3,
        "commune": ["59350", "02691", "59350", None, "80021", "62041"],
        "ae_ouvertes": [100.0, 50.0, 0.0, 0.0, 0.0, 0.0],
        "ae_engagees": [0.0, 10.0, 40.0, np.nan, 20.0, 0.0],
        "cp_mandates": [0.0, 0.0, 30.0, 5.0, 10.0, 20.0],
    })


def build(data: pd.DataFrame, **options) -> CreditLines:
    return CreditLines(data, month="date", bop="bop", scheme="dispositif", territory="commune",
                       territory_family="commune", ae_allocated="ae_ouvertes",
                       ae_committed="ae_engagees", cp_paid="cp_mandates", **options)


def _set(row: int, column: str, value: object):
    def change(data: pd.DataFrame) -> None:
        data[column] = data[column].astype(object) if isinstance(value, str) or value is None \
            else data[column]
        data.loc[row - 1, column] = value
    return change


def _no_amount(data: pd.DataFrame) -> None:
    data.loc[3, ["ae_ouvertes", "ae_engagees", "cp_mandates"]] = np.nan  # row 4


# (rule, change, row, column, value, options)
CASES = [
    ("missing_level", _set(2, "dispositif", None), 2, "dispositif", None, {}),
    ("malformed_code", _set(3, "commune", "5935X"), 3, "commune", "5935X", {}),
    ("unknown_code", _set(5, "commune", "59999"), 5, "commune", "59999", {}),
    ("missing_date", _set(6, "date", None), 6, "date", None, {}),
    ("unreadable_date", _set(2, "date", "mars 2024"), 2, "date", "mars 2024", {}),
    ("outside_budget_year", _set(5, "date", "2023-12"), 5, "date", "2023-12",
     {"budget_year": 2024}),
    ("non_finite_amount", _set(3, "cp_mandates", np.inf), 3, "cp_mandates", "inf", {}),
    ("negative_amount", _set(2, "ae_engagees", -10.0), 2, "ae_engagees", "-10", {}),
    ("no_amount", _no_amount, 4, AMOUNT_COLUMNS, None, {}),
]


def test_every_rule_is_documented_and_tested():
    assert [case[0] for case in CASES] == list(EXCLUSION_RULES)
    assert all(isinstance(v, str) and v.endswith(".") for v in EXCLUSION_RULES.values())


@pytest.mark.parametrize(("rule", "change", "row", "column", "value", "options"), CASES,
                         ids=[case[0] for case in CASES])
def test_each_rule_raises_by_default(rule, change, row, column, value, options):
    data = table()
    change(data)
    with pytest.raises(DataError) as error:
        build(data, **options)
    text = str(error.value)
    assert f"row {row}" in text  # counted from 1
    assert repr(column.split(", ")[0]) in text


@pytest.mark.parametrize(("rule", "change", "row", "column", "value", "options"), CASES,
                         ids=[case[0] for case in CASES])
def test_each_rule_sets_the_row_aside_when_asked(rule, change, row, column, value, options):
    data = table()
    change(data)
    before = data.copy()
    lines = build(data, on_invalid="exclude", **options)
    pd.testing.assert_frame_equal(data, before)  # the caller's table is left alone
    excluded = lines.excluded
    assert excluded.columns.tolist() == ["row", "rule", "column", "value", "message"]
    assert excluded[["row", "rule", "column"]].to_dict("records") == [
        {"row": row, "rule": rule, "column": column}]
    if value is None:
        assert excluded["value"].isna().all()
    else:
        assert excluded["value"].tolist() == [value]
    assert repr(column.split(", ")[0]) in excluded["message"].iloc[0]
    # the other five lines are kept, with their positions in the caller's table
    kept = [p for p in range(6) if p != row - 1]
    assert lines.data["row"].tolist() == kept
    assert lines.excluded_rows == 1
    # and they are the lines one gets by dropping the row first
    clean = build(before.drop(index=row - 1).reset_index(drop=True), **options).data
    pd.testing.assert_frame_equal(lines.data.drop(columns="row"), clean.drop(columns="row"))


def test_the_excluded_table_lists_each_row_and_rule_in_order():
    data = table()
    data["date"] = data["date"].astype(object)
    data.loc[1, "date"] = "mars 2024"     # row 2: unreadable date ...
    data.loc[1, "ae_engagees"] = -10.0    # ... and a negative amount
    data.loc[0, "cp_mandates"] = -2.5     # row 1: a negative amount
    data.loc[4, "commune"] = "59999"      # row 5: a code no commune has
    lines = build(data, on_invalid="exclude")
    expected = pd.DataFrame({
        "row": [1, 2, 2, 5],
        "rule": ["negative_amount", "unreadable_date", "negative_amount", "unknown_code"],
        "column": ["cp_mandates", "date", "ae_engagees", "commune"],
        "value": ["-2.5", "mars 2024", "-10", "59999"],
    })
    pd.testing.assert_frame_equal(lines.excluded.drop(columns="message"),
                                  expected.astype({c: "str" for c in expected.columns[1:]}))
    messages = lines.excluded["message"].tolist()
    assert messages[0] == ("cp_paid='cp_mandates': must be zero or more; got -2.5; if such "
                           "amounts are withdrawals or cancellations, pass negative=['cp_paid']")
    assert messages[1].startswith("month='date': the date 'mars 2024' cannot be read")
    assert messages[3] == ("territory='commune': '59999' is not a commune code of the French "
                           "referential (INSEE official geography)")
    assert lines.excluded_rows == 3 and len(lines.data) == 3
    assert lines.data["row"].tolist() == [2, 3, 5]  # 0-based positions of rows 3, 4 and 6


def test_summary_and_repr_say_what_was_excluded():
    data = table()
    data.loc[[0, 1], "cp_mandates"] = -1.0
    data.loc[1, "ae_engagees"] = -1.0
    lines = build(data, on_invalid="exclude")
    # rows 1 and 2 excluded; row 2 breaks negative_amount twice (two columns)
    assert "4 lines" in repr(lines) and "2 rows excluded" in repr(lines)
    summary = lines.summary()
    assert summary.splitlines()[0].startswith("4 credit lines, 2024; levels: bop, scheme, "
                                              "territory")
    assert "2 rows of the table were excluded, by rule broken: negative_amount 3" in summary
    assert "counts in both" in summary
    clean = build(table())
    assert "excluded" not in repr(clean) and "excluded" not in clean.summary()
    assert clean.excluded.empty and clean.excluded.columns.tolist() == [
        "row", "rule", "column", "value", "message"]


def test_nothing_excluded_gives_the_same_lines_in_both_modes():
    pd.testing.assert_frame_equal(build(table(), on_invalid="exclude").data, build(table()).data)


def test_the_excluded_table_is_a_copy():
    data = table()
    data.loc[0, "cp_mandates"] = -1.0
    lines = build(data, on_invalid="exclude")
    copy = lines.excluded
    copy.loc[0, "rule"] = "changed"
    assert lines.excluded.loc[0, "rule"] == "negative_amount"


def test_every_line_excluded_raises():
    data = table()
    data["cp_mandates"] = -1.0
    with pytest.raises(DataError, match="every line breaks a rule, so none would be left") as e:
        build(data, on_invalid="exclude")
    assert "6 negative amounts" in str(e.value)


def test_problems_with_a_whole_column_raise_even_when_excluding():
    data = table()
    data["cp_mandates"] = ["0", "0", "30,5", "5", "10", "20"]
    data.loc[0, "ae_engagees"] = -1.0  # a row-level problem: not what is raised
    with pytest.raises(DataError) as error:
        build(data, on_invalid="exclude")
    assert error.value.problems[0].startswith("cp_paid='cp_mandates': must be a numeric column")
    assert len(error.value.problems) == 1
    # codes read as numbers that lost their zeros: the column must be read as text
    data = table()
    data["commune"] = [59350, 2691, 59350, None, 80021, 62041]
    with pytest.raises(DataError, match="lost their leading zeros"):
        build(data, on_invalid="exclude")
    assert build(data, on_invalid="exclude", pad=True).data["territory"].iloc[1] == "02691"


def test_an_unknown_mode_is_refused():
    with pytest.raises(InputError, match="on_invalid='drop': must be one of 'raise', 'exclude'"):
        build(table(), on_invalid="drop")


def test_raised_territory_problems_count_rows_from_one():
    data = table()
    data.loc[4, "commune"] = "59999"
    with pytest.raises(DataError) as error:
        build(data)
    assert any(p.startswith("'59999' (row 5): closest known") for p in error.value.problems)


def test_every_function_works_on_lines_with_rows_set_aside():
    data = simulate_programme_lines()
    bad = [3, 250, 700]  # 0-based positions
    data.loc[3, "cp_mandates"] = -100.0
    data.loc[250, "departement"] = "99"       # no department has it
    data.loc[700, "mois"] = "2024-13"         # no 13th month
    lines = CreditLines(data, **SIMULATED_ROLES, on_invalid="exclude")
    assert lines.excluded["row"].tolist() == [p + 1 for p in bad]
    assert lines.excluded["rule"].tolist() == ["negative_amount", "malformed_code",
                                               "unreadable_date"]
    kept = np.delete(np.arange(len(data)), bad)
    clean = CreditLines(data.drop(index=bad), **SIMULATED_ROLES)  # positions shift by the drop

    def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))

    same(execution_rates(lines, by="scheme", period="quarter").table,
         execution_rates(clean, by="scheme", period="quarter").table)
    same(remaining_to_pay(lines, by="territory").table,
         remaining_to_pay(clean, by="territory").table)
    for by in ((), "scheme"):
        a = consumption_curve(lines, year=2024, by=by)
        b = consumption_curve(clean, year=2024, by=by)
        same(a.curve, b.curve)
        same(a.projection, b.projection)
    same(per_inhabitant(lines, level="region").table, per_inhabitant(clean, level="region").table)
    alerts = budget_alerts(lines, year=2024, by="scheme").table
    reference = budget_alerts(clean, year=2024, by="scheme").table
    assert len(alerts) and alerts["level"].tolist() == reference["level"].tolist()
    # the rows named are the caller's rows: the clean table's shifted back by the drop
    for mine, theirs in zip(alerts["rows"], reference["rows"], strict=True):
        assert list(mine) == [int(kept[r - 1]) + 1 for r in theirs]
