"""Aggregation to a higher level against hand-computed values.

The tiny table: five real communes in two departments (codes from data/communes_france.csv):
Aisne (02): 02001 Abbécourt, 02002 Achery; Nord (59): 59350 Lille, 59001 Abancourt,
59002 Abscon (whose count of poor households is missing in 2020).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, TerritoryError
from evalkit.territories import Rate, Referential, aggregate

RATES = {"poverty_rate": ("poor_households", "households", 100)}


def tiny() -> pd.DataFrame:
    return pd.DataFrame({
        "commune_code": ["02001", "02002", "59350", "59001", "59002", "02001"],
        "year": [2020, 2020, 2020, 2020, 2020, 2021],
        "households": [100, 400, 1000, 50, 200, 110],
        "poor_households": [10.0, 100.0, 150.0, 25.0, np.nan, 11.0],
    })


def result():
    return aggregate(tiny(), "commune_code", "departement", by=["year"],
                     counts=["households", "poor_households"], rates=RATES)


def test_counts_are_summed():
    table = result().table.set_index(["departement_code", "year"])
    # Aisne 2020: 100 + 400; Nord 2020: 1000 + 50 + 200; Aisne 2021: 110
    assert table["households"].to_dict() == {("02", 2020): 500, ("02", 2021): 110,
                                             ("59", 2020): 1250}
    # poor households, Nord 2020: 150 + 25 (Abscon's is missing: summed over those known)
    assert table.loc[("59", 2020), "poor_households"] == 175
    assert table.loc[("02", 2020), "departement_name"] == "Aisne"


def test_rates_are_recomputed_from_their_terms_not_averaged():
    table = result().table.set_index(["departement_code", "year"])
    # Aisne 2020: 100 * (10 + 100) / (100 + 400) = 22.0; the mean of the communes'
    # rates, (10 % + 25 %) / 2 = 17.5 %, is what must NOT come out.
    assert table.loc[("02", 2020), "poverty_rate"] == pytest.approx(22.0, abs=1e-12)
    assert table.loc[("02", 2020), "poverty_rate"] != pytest.approx(17.5)
    # Nord 2020: over the communes with both terms (Abscon left out):
    # 100 * (150 + 25) / (1000 + 50) = 16.666...
    assert table.loc[("59", 2020), "poverty_rate"] == pytest.approx(100 * 175 / 1050, abs=1e-12)
    assert table.loc[("02", 2021), "poverty_rate"] == pytest.approx(10.0, abs=1e-12)


def test_missing_values_are_named_per_output_row():
    agg = result()
    assert agg.incomplete[["departement_code", "year", "variable", "missing"]].values.tolist() \
        == [["59", 2020, "poor_households", 1], ["59", 2020, "poverty_rate", 1]]
    assert agg.incomplete["territories"].tolist() == [("59002",), ("59002",)]
    table = agg.table.set_index(["departement_code", "year"])
    assert table["with_missing"].to_dict() == {("02", 2020): 0, ("02", 2021): 0,
                                               ("59", 2020): 1}
    assert table["territories"].to_dict() == {("02", 2020): 2, ("02", 2021): 1,
                                              ("59", 2020): 3}
    assert "59 poor_households: 59002" in agg.summary()


def test_coverage_reports_the_communes_absent_from_the_table():
    agg = result()
    cover = agg.coverage.set_index(["departement_code", "year"])
    # 797 communes of the referential in the Aisne, 647 in the Nord (rows of
    # communes_france.csv with departement_code 02 and 59)
    assert cover.loc[("02", 2020), "expected"] == 797
    assert cover.loc[("02", 2020), "present"] == 2
    absent = cover.loc[("02", 2020), "absent"]
    assert len(absent) == 795 and "02001" not in absent and "02003" in absent
    assert cover.loc[("02", 2021), "present"] == 1 and "02002" in cover.loc[("02", 2021), "absent"]


def test_whole_department_has_no_coverage_rows():
    codes = Referential.france().members("departement", "2A")
    table = pd.DataFrame({"code": codes, "n": 1})
    agg = aggregate(table, "code", "region", counts=["n"])
    # every commune of Corse-du-Sud, region 94 (Corse) also holds Haute-Corse: absent ones
    assert agg.table["n"].tolist() == [len(codes)]
    assert agg.table["region_code"].tolist() == ["94"]
    assert agg.coverage["present"].tolist() == [len(codes)]
    assert all(c.startswith("2B") for c in agg.coverage["absent"].iloc[0])
    full = aggregate(table, "code", "departement", counts=["n"])
    assert full.coverage.empty and full.incomplete.empty


def test_invariant_to_row_order_and_input_not_mutated():
    table = tiny()
    before = table.copy()
    shuffled = table.sample(frac=1, random_state=3)
    a = aggregate(table, "commune_code", "departement", by=["year"],
                  counts=["households"], rates=RATES)
    b = aggregate(shuffled, "commune_code", "departement", by=["year"],
                  counts=["households"], rates=RATES)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.incomplete, b.incomplete)
    pd.testing.assert_frame_equal(table, before)


def test_rate_spec_class_and_tidy():
    agg = aggregate(tiny(), "commune_code", "departement", by=["year"],
                    rates={"poverty_rate": Rate("poor_households", "households", scale=100)})
    tidy = agg.tidy()
    assert list(tidy.columns) == ["departement_code", "departement_name", "year", "variable",
                                  "kind", "value"]
    row = tidy.loc[(tidy["departement_code"] == "02") & (tidy["year"] == 2020)]
    assert row["kind"].item() == "rate" and row["value"].item() == pytest.approx(22.0)


def test_belgian_provinces_leave_brussels_out_and_say_so():
    # 11002 Antwerpen, 11001 Aartselaar: province 10000; 21004 Brussels: no province
    table = pd.DataFrame({"nis": ["11001", "11002", "21004"], "n": [1, 2, 4]})
    agg = aggregate(table, "nis", "province", counts=["n"], language="nl")
    assert agg.table[["province_code", "province_name", "n"]].values.tolist() == [
        ["10000", "Provincie Antwerpen", 3]]
    assert agg.unassigned == ("21004",)
    regions = aggregate(table, "nis", "region", level="municipality", counts=["n"],
                        referential=Referential.belgium())
    assert regions.table["n"].tolist() == [3, 4]  # Flemish Region 02000, Brussels 04000


def test_level_errors():
    with pytest.raises(TerritoryError, match="to='commune': must be a level above 'commune'"):
        aggregate(tiny(), "commune_code", "commune", counts=["households"])
    with pytest.raises(TerritoryError, match="must be a level of the france referential"):
        aggregate(tiny(), "commune_code", "canton", counts=["households"],
                  referential=Referential.france())


def test_bad_tables():
    table = tiny()
    table.loc[5, "year"] = 2020  # 02001 twice in 2020
    with pytest.raises(DataError, match="2 rows repeat a territory for the same year"):
        aggregate(table, "commune_code", "departement", by=["year"], counts=["households"])
    with pytest.raises(DataError) as info:
        aggregate(tiny().assign(households="x"), "commune_code", "departement",
                  counts=["households", "nope"])
    assert info.value.problems == ("'nope': must be a column of the table",
                                   "'households': must be a numeric column (counts); got "
                                   "dtype str")
    numbers = tiny().assign(commune_code=[2001, 2002, 59350, 59001, 59002, 2001])
    with pytest.raises(TerritoryError, match="lost their leading zeros"):
        aggregate(numbers, "commune_code", "departement", by=["year"], counts=["households"])
    padded = aggregate(numbers, "commune_code", "departement", by=["year"],
                       counts=["households"], pad=True)
    assert padded.table["departement_code"].tolist() == ["02", "02", "59"]
