"""Small boundary files written in a temporary folder: four 10 km squares."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box


def squares(codes=("02001", "02002", "59001", "59002"), x0=650_000.0, y0=6_950_000.0):
    """Four 10 km squares in Lambert-93, side by side, keyed by INSEE-like codes."""
    geometries = [box(x0 + 10_000 * i, y0, x0 + 10_000 * (i + 1), y0 + 10_000)
                  for i in range(len(codes))]
    return gpd.GeoDataFrame({"code_insee": list(codes), "nom": ["A", "B", "C", "D"][:len(codes)],
                             "dep": [c[:2] for c in codes]}, geometry=geometries,
                            crs="EPSG:2154")


@pytest.fixture
def lambert_gpkg(tmp_path):
    path = tmp_path / "communes.gpkg"
    squares().to_file(path, driver="GPKG")
    return path


@pytest.fixture
def wgs84_geojson(tmp_path):
    path = tmp_path / "communes.geojson"
    frame = squares().to_crs("EPSG:4326")
    frame["code_insee"] = [2001, 2002, 59001, 59002]  # numbers: leading zeros lost
    frame.to_file(path, driver="GeoJSON")
    return path


BOWTIE = Polygon([(0, 0), (10_000, 10_000), (10_000, 0), (0, 10_000), (0, 0)])
FLAT = Polygon([(0, 0), (5_000, 5_000), (10_000, 10_000), (0, 0)])
