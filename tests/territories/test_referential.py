"""The territorial referential: levels, checks with suggestions, attached names, populations.

Expected values are read by hand from the shipped files (data/communes_france.csv,
data/belgique_communes.csv), whose rows are quoted beside each test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.datasets import load_belgian_municipalities, load_communes
from evalkit.errors import DataError, InputError, TerritoryError
from evalkit.territories import Referential, infer_level


def test_levels_and_cache():
    assert Referential.france().levels == ("commune", "epci", "departement", "region")
    assert Referential.belgium().levels == ("municipality", "province", "region")
    assert Referential.france() is Referential.france()  # loaded once per process


def test_a_level_the_referential_does_not_have_lists_the_levels():
    with pytest.raises(TerritoryError) as info:
        Referential.france().level("province")
    assert str(info.value) == ("level='province': must be a level of the france referential "
                               "('commune', 'epci', 'departement', 'region'); got 'province'")
    with pytest.raises(TerritoryError, match="'municipality', 'province', 'region'"):
        Referential.belgium().territories("departement")


def test_loaders_keep_codes_as_text():
    communes = load_communes()
    assert communes.loc[communes["commune_code"] == "02001", "departement_code"].item() == "02"
    assert {"2A", "2B"} <= set(communes["departement_code"])
    belgium = load_belgian_municipalities()
    assert len(belgium) == 565
    assert belgium.loc[belgium["nis_code"] == "11002", "region_code"].item() == "02000"


def test_check_returns_text_codes_and_lists_unknown_ones_with_the_closest():
    table = pd.DataFrame({"code": ["02001", "59350", "59999", "2A004", "59999"]},
                         index=[1, 2, 3, 4, 5])
    with pytest.raises(TerritoryError) as info:
        Referential.france().check(table, "code", "commune")
    assert info.value.message == ("Column 'code': 1 French commune code unknown to the French "
                                  "referential (INSEE official geography):")
    (problem,) = info.value.problems
    assert problem.startswith("'59999' (rows 3, 5): closest known: '59")
    # suggestions are taken in the same department (59, Nord) first
    suggested = problem.split("closest known: ")[1].split(", ")
    assert suggested and all(s.strip("'").startswith("59") for s in suggested)
    good = Referential.france().check(table.iloc[[0, 1, 3]], "code", "commune")
    assert good.tolist() == ["02001", "59350", "2A004"]


def test_check_pads_numbers_on_request_and_names_them_otherwise():
    table = pd.DataFrame({"commune_code": [2001, 59350]})
    with pytest.raises(TerritoryError, match="pad_codes: true"):
        Referential.france().check(table, "commune_code", "commune")
    out = Referential.france().check(table, "commune_code", "commune", pad=True)
    assert out.tolist() == ["02001", "59350"]
    with pytest.raises(DataError, match="column='nope': must be a column of the table"):
        Referential.france().check(table, "nope", "commune")


def test_attach_france_names_and_levels():
    # 02001,Abbécourt,498,02,Aisne,32,Hauts-de-France,200071785,
    #   Communauté d'agglomération Chauny-Tergnier-La Fère,CA
    table = pd.DataFrame({"code": ["02001", "2A004"], "value": [1.0, 2.0]})
    before = table.copy()
    out = Referential.france().attach(table, "code", "commune")
    pd.testing.assert_frame_equal(table, before)  # input not mutated
    row = out.iloc[0]
    assert row["commune_name"] == "Abbécourt"
    assert row["epci_code"] == "200071785"
    assert row["epci_name"] == "Communauté d'agglomération Chauny-Tergnier-La Fère"
    assert (row["departement_code"], row["departement_name"]) == ("02", "Aisne")
    assert (row["region_code"], row["region_name"]) == ("32", "Hauts-de-France")
    # 2A004,Ajaccio,70659,2A,Corse-du-Sud,94,Corse,...
    assert out.iloc[1][["departement_code", "region_code"]].tolist() == ["2A", "94"]
    only = Referential.france().attach(table, "code", "commune", to=["departement"], names=False)
    assert list(only.columns) == ["code", "value", "departement_code"]


def test_attach_belgium_in_french_and_dutch_brussels_without_province():
    # 11002,Anvers,Antwerpen,10000,Province d’Anvers,Provincie Antwerpen,02000,...
    # 21004,Bruxelles,Brussel,,,,04000,Région de Bruxelles-Capitale,Brussels Hoofdstedelijk Gewest
    table = pd.DataFrame({"nis": ["11002", "21004"]})
    fr = Referential.belgium().attach(table, "nis", "municipality", language="fr")
    nl = Referential.belgium().attach(table, "nis", "municipality", language="nl")
    assert fr["municipality_name"].tolist() == ["Anvers", "Bruxelles"]
    assert nl["municipality_name"].tolist() == ["Antwerpen", "Brussel"]
    assert fr.loc[0, "province_name"] == "Province d’Anvers"
    assert nl.loc[0, "province_name"] == "Provincie Antwerpen"
    assert pd.isna(fr.loc[1, "province_code"]) and pd.isna(nl.loc[1, "province_name"])
    assert fr.loc[1, "region_name"] == "Région de Bruxelles-Capitale"
    assert nl.loc[1, "region_name"] == "Brussels Hoofdstedelijk Gewest"


def test_attach_errors():
    table = pd.DataFrame({"code": ["02001"], "departement_code": ["02"]})
    with pytest.raises(DataError, match="already has column\\(s\\) 'departement_code'"):
        Referential.france().attach(table, "code", "commune", to=["departement"])
    with pytest.raises(TerritoryError, match="each must be a level above 'departement'"):
        Referential.france().attach(table, "departement_code", "departement", to=["epci"])
    with pytest.raises(TerritoryError, match="must be a level of the france referential"):
        Referential.france().attach(table, "code", "commune", to=["province"])
    with pytest.raises(InputError, match="must be 'fr' or 'nl'"):
        Referential.belgium().attach(pd.DataFrame({"c": ["11002"]}), "c", "municipality",
                                     language="de")


def test_population_says_which_communes_have_none():
    # 18 communes have an empty population_municipale (data/SOURCES.md), among them
    # 60694,Hauts-Talican,,60,Oise,...
    regions = Referential.france().population("region")
    assert int(regions["communes_without_population"].sum()) == 18
    departments = Referential.france().population("departement").set_index("code")
    assert departments.loc["60", "communes_without_population"] >= 1
    # 02001 Abbécourt 498 + 02002 Achery 598: the EPCI 200071785 holds both
    epci = Referential.france().population("epci").set_index("code")
    assert epci.loc["200071785", "population"] >= 498 + 598
    with pytest.raises(DataError, match="no populations"):
        Referential.belgium().population("province")


def test_territories_and_members():
    departments = Referential.france().territories("departement")
    assert len(departments) == 101  # 96 metropolitan (with 2A, 2B) + 5 overseas
    assert departments.loc[departments["code"] == "59", "name"].item() == "Nord"
    # 797 rows of communes_france.csv have departement_code 02
    assert len(Referential.france().members("departement", "02")) == 797
    assert len(Referential.belgium().members("region", "04000")) == 19


def test_infer_level():
    assert infer_level(pd.Series(["02001", "59350"]))[1] == "commune"
    # 93090 (Viroinval) is Belgian only; 21004 is Brussels as well as a commune of Côte-d'Or
    referential, level = infer_level(pd.Series(["21004", "93090"]))
    assert (referential.country, level) == ("belgium", "municipality")
    with pytest.raises(TerritoryError, match="state their level"):
        infer_level(pd.Series(["21004", "11002"]))
    assert infer_level(pd.Series([2, 59]), pad=True)[1] == "departement"
    with pytest.raises(TerritoryError, match="None of the codes"):
        infer_level(pd.Series(["XX", "YY"]))
