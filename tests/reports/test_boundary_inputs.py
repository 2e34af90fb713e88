"""A user's boundary file is an input of the report like its data.

A run works on a snapshot of every file the params file names, so the boundary file (and,
for a Shapefile, the files it is read with) must be copied where the copy of the params
file looks for it, and hashed into the policy's fingerprint: changing the map's file makes
the report out of date. Shipped boundaries are named without an extension and are part of
evalkit itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalkit.reports.run.fingerprint import fingerprint_inputs, policy_fingerprint, take_snapshot

ROOT = Path(__file__).resolve().parents[2]
SHAPEFILE = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _policy(folder: Path, boundaries: str) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "hauts_de_france_tracking.yaml").read_text("utf-8"))
    raw["data"]["file"] = str(ROOT / "data" / "hauts_de_france_indicators.csv")
    raw["indicators"]["definitions"] = str(ROOT / "data" / "hauts_de_france_indicators.yaml")
    raw["maps"] = {"boundaries": boundaries, "key": "commune_code"}
    path = folder / "policies" / "policy.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _files(folder: Path, stem: str, suffixes: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in suffixes:  # the bytes do not matter to the fingerprint's bookkeeping
        (folder / f"{stem}{suffix}").write_bytes(f"{stem}{suffix}".encode())


def test_a_boundary_file_named_relative_to_the_params_file_is_an_input(tmp_path):
    params = _policy(tmp_path, "../maps/communes.gpkg")
    _files(tmp_path / "maps", "communes", (".gpkg",))
    labels = dict(fingerprint_inputs(params))
    assert labels["maps.boundaries"] == (tmp_path / "maps" / "communes.gpkg").resolve()
    before = policy_fingerprint(params)
    (tmp_path / "maps" / "communes.gpkg").write_bytes(b"other boundaries")
    assert policy_fingerprint(params) != before


def test_a_shapefile_brings_the_files_it_is_read_with(tmp_path):
    params = _policy(tmp_path, "../maps/communes.shp")
    _files(tmp_path / "maps", "communes", SHAPEFILE)
    labels = dict(fingerprint_inputs(params))
    for part in SHAPEFILE[1:]:
        assert labels[f"maps.boundaries{part}"].name == f"communes{part}"
    before = policy_fingerprint(params)
    (tmp_path / "maps" / "communes.dbf").write_bytes(b"other attributes")
    assert policy_fingerprint(params) != before


@pytest.mark.parametrize("name", ["hauts_de_france_communes", "hauts_de_france_epci"])
def test_shipped_boundaries_add_no_file(tmp_path, name):
    labels = [label for label, _ in fingerprint_inputs(_policy(tmp_path, name))]
    assert not [label for label in labels if label.startswith("maps.")]


@pytest.mark.parametrize("suffixes", [(".gpkg",), SHAPEFILE], ids=["geopackage", "shapefile"])
def test_the_snapshot_puts_the_boundary_files_where_the_params_copy_looks(tmp_path, suffixes):
    params = _policy(tmp_path / "work", f"../maps/communes{suffixes[0]}")
    _files(tmp_path / "work" / "maps", "communes", suffixes)
    snapshot = take_snapshot(params, tmp_path / "snapshot")
    copied = yaml.safe_load(snapshot.params_path.read_text("utf-8"))["maps"]["boundaries"]
    where = (snapshot.params_path.parent / copied).resolve()
    for suffix in suffixes:
        copy = where.with_suffix(suffix)
        assert copy.read_bytes() == f"communes{suffix}".encode()
        assert copy.is_relative_to(snapshot.root.resolve())
    assert snapshot.fingerprint == policy_fingerprint(params)
