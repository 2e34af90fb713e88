"""Credit lines: roles declared by the caller, every problem reported with column and rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, InputError
from evalkit.programmes import CreditLines


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "date": ["2024-01", "2024-02-15", "15/03/2024", "04/2024"],
        "bop": ["0147-HDF", "0147-HDF", "0147-HDF", "0147-HDF"],
        "dispositif": ["adultes-relais", "parrainage", "adultes-relais", "parrainage"],
        "commune": ["59350", "02691", "59350", None],
        "ae_ouvertes": [100.0, 50.0, 0.0, 0.0],
        "ae_engagees": [0.0, 10.0, 40.0, np.nan],
        "cp_mandates": [0.0, 0.0, 30.0, 5.0],
    })


def build(data: pd.DataFrame, **roles) -> CreditLines:
    declared = dict(month="date", bop="bop", scheme="dispositif", territory="commune",
                    territory_family="commune", ae_allocated="ae_ouvertes",
                    ae_committed="ae_engagees", cp_paid="cp_mandates")
    declared.update(roles)
    return CreditLines(data, **{k: v for k, v in declared.items() if v is not None})


def test_roles_months_and_codes_are_read():
    lines = build(table())
    data = lines.data
    # the four date spellings: 2024-01, 2024-02-15, 15/03/2024, 04/2024 -> months 1, 2, 3, 4
    assert data["month"].tolist() == [1, 2, 3, 4]
    assert data["year"].tolist() == [2024] * 4
    assert data["territory"].tolist()[:3] == ["59350", "02691", "59350"]
    assert data["territory"].isna().tolist() == [False, False, False, True]
    # a missing amount is a movement that did not happen: row 4's ae_engagees -> 0
    assert data["ae_committed"].tolist() == [0.0, 10.0, 40.0, 0.0]
    assert lines.levels == ("bop", "scheme", "territory")
    assert lines.amounts == ("ae_allocated", "ae_committed", "cp_paid")
    assert lines.level_columns(["dispositif", "bop"]) == ("scheme", "bop")
    assert lines.years == (2024,)


def test_input_is_not_mutated_and_lines_are_immutable():
    data = table()
    before = data.copy()
    lines = build(data)
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(AttributeError):
        lines.x = 1
    copy = lines.data
    copy.loc[0, "ae_allocated"] = -1.0
    assert lines.data.loc[0, "ae_allocated"] == 100.0


def test_datetime_and_period_months_are_accepted():
    data = table()
    data["date"] = pd.to_datetime(["2024-01-31", "2024-02-01", "2024-03-10", "2024-04-30"])
    assert build(data).data["month"].tolist() == [1, 2, 3, 4]
    data["date"] = pd.period_range("2024-01", periods=4, freq="M")
    assert build(data).data["month"].tolist() == [1, 2, 3, 4]


def test_missing_columns_are_named_with_the_columns_that_exist():
    with pytest.raises(DataError) as error:
        build(table(), scheme="scheme", cp_paid="cp")
    text = str(error.value)
    assert "scheme='scheme': must be a column of the table" in text
    assert "cp_paid='cp': must be a column of the table" in text
    assert "'ae_ouvertes'" in text  # the columns the table has are listed


def test_no_amount_declared():
    with pytest.raises(DataError, match="at least one of ae_allocated"):
        build(table(), ae_allocated=None, ae_committed=None, cp_paid=None)


def test_a_column_declared_twice():
    with pytest.raises(DataError, match="already declared as bop"):
        build(table(), scheme="bop")


def test_negative_amounts_name_the_column_and_rows_unless_allowed():
    data = table()
    data.loc[[1, 3], "ae_engagees"] = [-10.0, -2.0]
    with pytest.raises(DataError) as error:
        build(data)
    (problem,) = error.value.problems
    # rows 2 and 4 of the file (positions 1 and 3); the lowest value is -10
    assert problem.startswith("ae_committed='ae_engagees': must be zero or more; got 2 negative")
    assert "down to -10.00" in problem and "rows 2 and 4" in problem
    assert "negative=['ae_committed']" in problem
    lines = build(data, negative=["ae_committed"])
    assert lines.data["ae_committed"].tolist() == [0.0, -10.0, 40.0, -2.0]


def test_unreadable_missing_and_out_of_year_months():
    data = table()
    data["date"] = ["2024-01", "mars 2024", None, "2023-12"]
    with pytest.raises(DataError) as error:
        build(data, budget_year=2024)
    problems = error.value.problems
    assert any("1 of 4 lines have a date that cannot be read ('mars 2024'; row 2" in p
               for p in problems)
    assert any("1 of 4 lines have no date (row 3" in p for p in problems)
    assert any("outside the budget year 2024 (years 2023; row 4" in p for p in problems)


def test_non_numeric_and_infinite_amounts():
    data = table()
    data["cp_mandates"] = ["0", "0", "30,5", "5"]
    data["ae_ouvertes"] = [100.0, np.inf, 0.0, 0.0]
    with pytest.raises(DataError) as error:
        build(data)
    problems = error.value.problems
    assert any(p.startswith("cp_paid='cp_mandates': must be a numeric column") and "'30,5'" in p
               for p in problems)
    assert any(p.startswith("ae_allocated='ae_ouvertes': must hold finite numbers") and
               "row 2" in p for p in problems)


def test_lines_without_any_amount():
    data = table()
    data.loc[2, ["ae_ouvertes", "ae_engagees", "cp_mandates"]] = np.nan
    with pytest.raises(DataError, match=r"1 lines have no amount .* \(row 3;"):
        build(data)


def test_missing_hierarchy_values():
    data = table()
    data.loc[0, "dispositif"] = None
    with pytest.raises(DataError,
                       match=r"scheme='dispositif': 1 of 4 lines have no value \(row 1;"):
        build(data)


def test_unknown_and_malformed_territory_codes():
    data = table()
    data["commune"] = ["59350", "99999", "5935", None]
    with pytest.raises(DataError) as error:
        build(data)
    text = str(error.value)
    assert "'commune'" in text and "5935" in text
    data["commune"] = ["59350", "99999", "59350", None]
    with pytest.raises(DataError, match="99999"):
        build(data)


def test_codes_without_family_are_kept_as_text():
    data = table()
    data["commune"] = [59350, 2691, 59350, None]
    lines = build(data, territory_family=None)
    # no family: no padding and no check, but a float 59350.0 (numbers with a missing
    # value become floats) is written 59350
    assert lines.data["territory"].tolist()[:3] == ["59350", "2691", "59350"]


def test_an_unknown_level_is_refused_when_grouping():
    with pytest.raises(InputError, match="by='action': must be one of the levels declared"):
        build(table()).level_columns("action")


def test_not_a_dataframe_and_empty_table():
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        build([1, 2])
    with pytest.raises(DataError, match="no rows"):
        build(table().iloc[:0])
