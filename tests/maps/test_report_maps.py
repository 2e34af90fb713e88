"""The reports' maps: shown for the Hauts-de-France reports, absent on US data, and the
params' ``maps`` section."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalkit.errors import BoundaryError, ParamsError
from evalkit.reports import PolicyReport, load_params
from evalkit.reports.analysis.tracking import track
from evalkit.reports.render.blocks import Figure
from evalkit.reports.render.maps_sections import report_boundaries
from evalkit.reports.render.tracking_sections import TrackingReport

ROOT = Path(__file__).resolve().parents[2]


def test_the_tracking_report_maps_each_indicator_by_commune_and_department():
    report = TrackingReport(track(ROOT / "params" / "hauts_de_france_tracking.yaml"))
    blocks = report.indicator_blocks(report.tracking.indicators[0])
    alts = [b.alt for b in blocks if isinstance(b, Figure) and b.alt.startswith("Carte")]
    assert len(alts) == 2
    # 3,782 communes (data/SOURCES.md), all with a 2024 value
    assert alts[0].startswith("Carte « Taux de pauvreté des ménages (%), 2024 » : "
                              "3\u202f782 territoires sur 3\u202f782 ont une valeur")
    assert "sur 5 territoires" in alts[1]  # the five departments of the region


def test_the_evaluation_report_maps_the_treated_communes_and_the_change():
    report = PolicyReport.begin(load_params(ROOT / "params" / "territoires_engagement.yaml"))
    markup = report.maps_html()
    assert markup.count("<img") == 2 and "Territoires" in markup
    assert "205 sur 3\u202f782" in markup  # the programme's 205 communes (SOURCES.md)


def test_a_report_on_us_data_has_no_map():
    report = PolicyReport.begin(load_params(ROOT / "params" / "minimum_wage.yaml"))
    assert report.maps_html() == ""


def _params(tmp_path, maps):
    raw = yaml.safe_load((ROOT / "params" / "hauts_de_france_tracking.yaml").read_text("utf-8"))
    raw["data"]["file"] = str(ROOT / "data" / "hauts_de_france_indicators.csv")
    raw["indicators"]["definitions"] = str(ROOT / "data" / "hauts_de_france_indicators.yaml")
    raw["maps"] = maps
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_maps_section_names_its_keys_in_errors(tmp_path, lambert_gpkg):
    with pytest.raises(ParamsError) as caught:
        load_params(_params(tmp_path, {"boundaries": str(lambert_gpkg), "key": "INSEE",
                                       "outline": "region", "level": "canton"}))
    text = str(caught.value)
    assert "maps.key: must be a column of communes.gpkg; got 'INSEE'" in text
    assert "maps.outline: must be a column of communes.gpkg" in text
    assert "maps.level" in text
    with pytest.raises(ParamsError, match="maps.boundaries: must be an existing boundary file"):
        load_params(_params(tmp_path, {"boundaries": "nowhere.gpkg", "key": "code"}))
    with pytest.raises(ParamsError, match="maps.key: the column"):
        load_params(_params(tmp_path, {"boundaries": str(lambert_gpkg)}))


def test_a_users_boundary_file_or_no_map(tmp_path, lambert_gpkg):
    params = load_params(_params(tmp_path, {"boundaries": str(lambert_gpkg),
                                            "key": "code_insee", "outline": "dep"}))
    found = report_boundaries(params, [2001, 59001])
    assert found is not None and found.outline == "dep" and len(found) == 4
    with pytest.raises(BoundaryError, match="commune_code"):
        report_boundaries(params, ["75056"])
    hidden = load_params(_params(tmp_path, {"show": False}))
    assert report_boundaries(hidden, [2001, 59001]) is None
