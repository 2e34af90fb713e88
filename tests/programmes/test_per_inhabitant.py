"""Amounts per inhabitant by territory; populations are the referential's legal populations
(INSEE, read here through Referential.france().population, the denominator the function
must use)."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import CreditLines, per_inhabitant
from evalkit.territories import Referential


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "month": ["2024-01", "2024-02", "2024-03", "2024-03", "2023-05"],
        "commune": ["59350", "59009", "02691", None, "59350"],  # Lille, Villeneuve-d'Ascq,
        "cp_m": [1000.0, 500.0, 300.0, 70.0, 9.0],                # Saint-Quentin
    })


def lines(data: pd.DataFrame | None = None, family: str | None = "commune") -> CreditLines:
    return CreditLines(table() if data is None else data, month="month", territory="commune",
                       territory_family=family, cp_paid="cp_m")


@pytest.fixture(scope="module")
def populations() -> dict[str, pd.Series]:
    france = Referential.france()
    return {level: france.population(level).set_index("code")["population"]
            for level in ("commune", "departement")}


def test_by_department(populations):
    result = per_inhabitant(lines(), level="departement", year=2024)
    t = result.table.set_index("code")
    assert list(t.index) == ["02", "59"]
    # Nord (59): 1000 (Lille) + 500 (Villeneuve-d'Ascq) in 2024 = 1500; Aisne (02): 300
    assert t.loc["59", "amount"] == 1500.0 and t.loc["02", "amount"] == 300.0
    assert t.loc["59", "name"] == "Nord"
    pop = populations["departement"]
    assert t.loc["59", "population"] == pop["59"]
    assert t.loc["59", "per_inhabitant"] == pytest.approx(1500.0 / pop["59"])
    assert t.loc["02", "per_inhabitant"] == pytest.approx(300.0 / pop["02"])
    # the line without a commune (70) is left out and said
    assert result.without_territory == (1, 70.0)
    assert "1 lines without a territory (70.00) are left out" in result.summary()


def test_by_commune_and_every_year(populations):
    t = per_inhabitant(lines(), level="commune").table.set_index("code")
    # Lille over 2023 and 2024: 1000 + 9 = 1009
    assert t.loc["59350", "amount"] == 1009.0
    assert t.loc["59350", "per_inhabitant"] == pytest.approx(
        1009.0 / populations["commune"]["59350"])


def test_row_order_and_input_not_mutated():
    data = table()
    before = data.copy()
    a = per_inhabitant(lines(data), level="departement").table
    b = per_inhabitant(lines(data.iloc[::-1]), level="departement").table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(data, before)


def test_refusals():
    with pytest.raises(InputError, match="territory_family"):
        per_inhabitant(lines(family=None))
    with pytest.raises(InputError, match="amount='cp_allocated'"):
        per_inhabitant(lines(), amount="cp_allocated")
    department_lines = CreditLines(pd.DataFrame({"month": ["2024-01"], "dep": ["59"],
                                                 "cp": [1.0]}),
                                   month="month", territory="dep",
                                   territory_family="departement", cp_paid="cp")
    with pytest.raises(InputError, match="level='commune': must be 'departement' or a level"):
        per_inhabitant(department_lines, level="commune")
    with pytest.raises(InputError, match="year=2020"):
        per_inhabitant(lines(), year=2020)
