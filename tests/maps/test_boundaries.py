"""Reading boundary files: shipped and user files, projections, and every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BOWTIE, FLAT, squares
from shapely.geometry import Polygon

from evalkit.errors import BoundaryError, DataError, InputError
from evalkit.maps import codes_as_text, detect_boundaries, load_boundaries, match_codes


def test_shipped_communes_are_keyed_by_text_codes_in_lambert_93():
    b = load_boundaries("hauts_de_france_communes")
    assert len(b) == 3782  # data/SOURCES.md
    assert b.codes.is_unique and "02001" in set(b.codes)  # Abbécourt keeps its zero
    assert b.crs == "EPSG:2154" and b.level == "commune" and b.outline == "departement_code"
    xmin, ymin, xmax, ymax = b.frame.total_bounds
    # Hauts-de-France in Lambert-93 (metres): roughly x 590-790 km, y 6,860-7,130 km
    assert 550_000 < xmin < xmax < 820_000 and 6_800_000 < ymin < ymax < 7_150_000


def test_a_lambert_93_geopackage_is_kept_as_it_is(lambert_gpkg):
    b = load_boundaries(lambert_gpkg, key="code_insee", level="commune")
    assert list(b.codes) == ["02001", "02002", "59001", "59002"]
    np.testing.assert_allclose(b.frame.total_bounds, [650_000, 6_950_000, 690_000, 6_960_000])
    assert b.level == "commune" and b.repaired == ()


def test_a_wgs84_geojson_with_number_codes_is_projected_and_its_codes_become_text(
        wgs84_geojson):
    b = load_boundaries(wgs84_geojson, key="code_insee")
    assert list(b.codes) == ["2001", "2002", "59001", "59002"]
    # the round trip 2154 -> 4326 -> 2154 gives back the squares to the centimetre
    np.testing.assert_allclose(b.frame.total_bounds, [650_000, 6_950_000, 690_000, 6_960_000],
                               atol=0.05)
    # a table with the zero-padded codes joins: the shortest boundary code has 4 digits,
    # so nothing is padded on either side and "02001" is not "2001"
    match = match_codes(pd.Series([59001, 2001]), b)
    assert list(match.codes) == ["59001", "2001"] and match.known.all()


def test_a_shapefile_without_its_prj_needs_its_crs(tmp_path):
    path = tmp_path / "communes.shp"
    squares().to_file(path)
    assert load_boundaries(path, key="code_insee").crs == "EPSG:2154"
    (tmp_path / "communes.prj").unlink()
    with pytest.raises(BoundaryError, match="no coordinate reference system") as caught:
        load_boundaries(path, key="code_insee")
    assert str(path) in str(caught.value)
    b = load_boundaries(path, key="code_insee", source_crs="EPSG:2154")
    np.testing.assert_allclose(b.frame.total_bounds, [650_000, 6_950_000, 690_000, 6_960_000])


def test_a_file_without_the_key_column_lists_its_columns(lambert_gpkg):
    with pytest.raises(BoundaryError, match=r"key column 'INSEE_COM': not in the file; its "
                                            r"columns are 'code_insee', 'nom', 'dep'") as e:
        load_boundaries(lambert_gpkg, key="INSEE_COM")
    assert str(lambert_gpkg) in str(e.value) and isinstance(e.value, DataError)


def test_metres_declared_as_longitude_latitude_are_refused(tmp_path):
    path = tmp_path / "wrong.geojson"
    squares().set_crs("EPSG:4326", allow_override=True).to_file(path)
    with pytest.raises(BoundaryError, match="its CRS is wrong"):
        load_boundaries(path, key="code_insee")


def test_duplicate_keys_and_empty_geometries_are_listed(tmp_path):
    frame = squares(("02001", "02001", "59001", "59002"))
    frame.loc[3, "geometry"] = Polygon()
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(BoundaryError) as caught:
        load_boundaries(path, key="code_insee")
    problems = caught.value.problems
    assert any("repeated: 02001" in p for p in problems)
    assert any("empty or missing geometries for code_insee 59002" in p for p in problems)


def test_an_invalid_polygon_is_repaired_and_one_that_cannot_be_is_listed(tmp_path):
    frame = squares(("02001", "02002"))
    frame.loc[0, "geometry"] = BOWTIE  # self-intersecting: make_valid gives two triangles
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path, driver="GPKG")
    b = load_boundaries(path, key="code_insee")
    assert b.repaired == ("02001",)
    assert b.frame.geometry.is_valid.all()
    # the two triangles of the bow tie: 2 x (10 km x 5 km / 2) = 50 km²
    assert b.frame.geometry.iloc[0].area == pytest.approx(50e6)
    frame.loc[0, "geometry"] = FLAT  # collinear: nothing polygonal is left
    path = tmp_path / "flat.gpkg"
    frame.to_file(path, driver="GPKG")
    with pytest.raises(BoundaryError, match=r"cannot be repaired .*code_insee 02001"):
        load_boundaries(path, key="code_insee")


def test_a_table_whose_codes_the_boundaries_do_not_have_shows_both(lambert_gpkg):
    b = load_boundaries(lambert_gpkg, key="code_insee")
    with pytest.raises(BoundaryError, match=r"the table has e.g. '75056', '13055'; the "
                                            r"boundaries have e.g. '02001'"):
        match_codes(["75056", "13055"], b, column="commune_code")


def test_codes_that_lost_their_zeros_join_the_shipped_communes():
    b = load_boundaries("hauts_de_france_communes")
    match = match_codes(pd.Series([2001, 59350, 2001.0]), b)
    assert list(match.codes) == ["02001", "59350", "02001"] and match.known.all()
    assert detect_boundaries(pd.Series([2001, 2002, 59350])) == "hauts_de_france_communes"
    assert detect_boundaries(pd.Series([2, 59, 62])) == "france_departements"  # "02", ...


def test_us_county_codes_are_not_taken_for_french_communes():
    from evalkit.datasets import load_mpdta

    assert detect_boundaries(load_mpdta()["countyreal"]) is None


def test_bad_arguments(lambert_gpkg):
    with pytest.raises(InputError, match="key: the column"):
        load_boundaries(lambert_gpkg)
    with pytest.raises(BoundaryError, match="the file does not exist"):
        load_boundaries(lambert_gpkg.with_name("none.gpkg"), key="code_insee")
    with pytest.raises(BoundaryError, match="must be a GeoJSON"):
        load_boundaries("communes.csv", key="code")
    with pytest.raises(InputError, match="numbers with decimals"):
        codes_as_text(pd.Series([2001.5]))
    with pytest.raises(InputError, match="keyed by 'commune_code'"):
        load_boundaries("hauts_de_france_communes", key="insee")
