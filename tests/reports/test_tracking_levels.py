"""Tracking reports group and rank by a level of the territorial referential.

``indicators.group_by`` may name a level (``departement``, ``epci`` ...) instead of a
column; ``indicators.territory_level`` and ``pad_codes`` check the territory codes
against the referential. The expected numbers are the shipped report's own (grouped by
the ``departement_code`` column) or sums computed directly from the data file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.errors import ParamsError, TerritoryError
from evalkit.reports import load_params
from evalkit.reports.analysis.tracking import track

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "params" / "hauts_de_france_tracking.yaml"
DATA = ROOT / "data" / "hauts_de_france_indicators.csv"
CODES = {"commune_code": str, "departement_code": str, "epci_code": str}


def variant(tmp_path: Path, *changes: tuple[str, str], data: pd.DataFrame | None = None) -> Path:
    text = SHIPPED.read_text(encoding="utf-8").replace("../data/", f"{ROOT}/data/")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    if data is not None:
        csv = tmp_path / "data.csv"
        data.to_csv(csv, index=False)
        text = text.replace(f"file: {ROOT}/data/hauts_de_france_indicators.csv", f"file: {csv}")
    path = tmp_path / "tracking.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_group_by_a_level_is_valid_params_and_an_unknown_name_is_not(tmp_path):
    params = load_params(variant(tmp_path, ("group_by: departement_code", "group_by: departement"),
                                 ("  group_name: departement_nom\n", "")))
    assert params.indicators.group_by == "departement"
    assert params.indicators.pad_codes is False and params.indicators.territory_level is None
    with pytest.raises(ParamsError) as info:
        load_params(variant(tmp_path, ("group_by: departement_code", "group_by: canton"),
                            ("territory: commune_code", "territory: commune_code\n"
                                                        "  territory_level: canton")))
    found = info.value.problems
    assert any(p.startswith("indicators.group_by: must be a column of") and
               "or a level of the territorial referential (commune, epci, departement, region, "
               "municipality, province); got 'canton'" in p for p in found)
    assert any(p.startswith("indicators.territory_level") for p in found)


def _areas(tracking, code: str) -> pd.DataFrame:
    (item,) = [t for t in tracking.indicators if t.indicator.code == code]
    groups = item.series.loc[~item.series["area"].isin(["all", "focus", "rest"])]
    return groups.set_index(["area", "period"]).sort_index()


def test_group_by_the_departement_level_gives_the_shipped_numbers(tmp_path):
    shipped = track(SHIPPED)
    by_level = track(variant(tmp_path, ("group_by: departement_code", "group_by: departement"),
                             ("  group_name: departement_nom\n", "  pad_codes: true\n")))
    for code in ("poverty_rate", "food_aid_rate"):
        before, after = _areas(shipped, code), _areas(by_level, code)
        # the shipped column may hold 2 (a number) or "02": the level always gives "02"
        before.index = before.index.set_levels(
            [before.index.levels[0].str.zfill(2), before.index.levels[1]])
        before = before.sort_index()
        assert list(after.index.get_level_values(0).unique()) == ["02", "59", "60", "62", "80"]
        pd.testing.assert_frame_equal(before[["numerator", "denominator", "value", "conf_low",
                                              "conf_high"]],
                                      after[["numerator", "denominator", "value", "conf_low",
                                             "conf_high"]])
        assert after.loc[("02", 2024), "area_name"] == "Aisne"
    for old, new in zip(shipped.indicators, by_level.indicators, strict=True):
        pd.testing.assert_frame_equal(old.series.loc[old.series["area"].isin(["all", "focus"])]
                                      .reset_index(drop=True),
                                      new.series.loc[new.series["area"].isin(["all", "focus"])]
                                      .reset_index(drop=True))


def test_a_level_absent_from_the_data_is_attached_from_the_referential(tmp_path):
    raw = pd.read_csv(DATA, dtype=CODES)
    data = raw.drop(columns=["departement_code", "departement_nom", "epci_code"])
    tracking = track(variant(tmp_path, ("group_by: departement_code", "group_by: epci"),
                             ("  group_name: departement_nom\n",
                              "  territory_level: commune\n  pad_codes: true\n"), data=data))
    groups = _areas(tracking, "poverty_rate")
    # EPCI 200071785 (CA Chauny-Tergnier-La Fère), 2024: the sums of its communes' rows
    # in the data file, whose epci_code column says which communes it holds
    rows = raw.loc[(raw["epci_code"] == "200071785") & (raw["year"] == 2024)]
    assert groups.loc[("200071785", 2024), "numerator"] == rows["poor_households"].sum()
    assert groups.loc[("200071785", 2024), "denominator"] == rows["households"].sum()
    assert groups.loc[("200071785", 2024), "area_name"] == (
        "Communauté d'agglomération Chauny-Tergnier-La Fère")
    assert groups.index.get_level_values(0).nunique() == raw["epci_code"].nunique()


def test_unknown_territory_codes_name_the_key_the_column_and_the_closest(tmp_path):
    data = pd.read_csv(DATA, dtype=CODES)
    data.loc[data["commune_code"] == "59350", "commune_code"] = "59999"
    with pytest.raises(TerritoryError) as info:
        track(variant(tmp_path, ("territory: commune_code",
                                 "territory: commune_code\n  territory_level: commune\n"
                                 "  pad_codes: true"), data=data))
    assert str(info.value).startswith("indicators.territory (column 'commune_code' of data.csv): "
                                      "Column 'commune_code': 1 French commune code unknown")
    (problem,) = info.value.problems
    assert problem.startswith("'59999' (rows ") and "closest known: '59" in problem


def test_numbers_that_lost_their_zeros_need_pad_codes(tmp_path):
    data = pd.read_csv(DATA, dtype=CODES).assign(
        commune_code=lambda f: f["commune_code"].astype(int))
    with pytest.raises(TerritoryError, match="pad_codes: true"):
        track(variant(tmp_path, ("territory: commune_code",
                                 "territory: commune_code\n  territory_level: commune"),
                      data=data))


def test_the_table_of_group_gaps_is_ranked_largest_gap_first():
    from evalkit.reports.render.blocks import Table
    from evalkit.reports.render.tracking_sections import TrackingReport

    tracking = track(SHIPPED)
    report = TrackingReport(tracking)
    item = next(t for t in tracking.indicators if t.indicator.code == "poverty_rate")
    (table,) = [b for b in report.indicator_blocks(item) if isinstance(b, Table)]
    names = [row[0] for row in table.rows]
    # 2024 gaps of the poverty rate to the rest of the region (item.group_gaps, in points):
    # Nord +4.70, Pas-de-Calais +0.21, Somme -2.31, Aisne -3.20, Oise -6.48
    assert names == ["Nord", "Pas-de-Calais", "Somme", "Aisne", "Oise"]


def test_validation_checks_the_codes_and_accepts_a_level(tmp_path):
    from evalkit.reports.analysis.data_checks import check_data

    level = variant(tmp_path, ("group_by: departement_code", "group_by: departement"),
                    ("  group_name: departement_nom\n", "  pad_codes: true\n"))
    assert check_data(load_params(level)) == []
    data = pd.read_csv(DATA, dtype=CODES)
    data.loc[data["commune_code"] == "59350", "commune_code"] = "59999"
    unknown = variant(tmp_path, ("territory: commune_code",
                                 "territory: commune_code\n  territory_level: commune\n"
                                 "  pad_codes: true"), data=data)
    (problem,) = check_data(load_params(unknown))
    assert problem.startswith("indicators.territory (column 'commune_code' of data.csv): Column "
                              "'commune_code': 1 French commune code unknown")
    assert "'59999'" in problem


def test_codes_that_lost_their_zeros_are_refused_without_a_level_named(tmp_path):
    # The file itself writes Aisne's communes as 2001 (Abbécourt, INSEE 02001): without
    # territory_level or pad_codes the run still sees that these are commune codes that
    # lost their zeros, and says how to fix it; pad_codes then gives the shipped numbers.
    data = pd.read_csv(DATA, dtype=CODES)
    data["commune_code"] = data["commune_code"].str.lstrip("0")
    with pytest.raises(TerritoryError) as info:
        track(variant(tmp_path, data=data))
    line = info.value.one_line()
    assert line.startswith("indicators.territory (column 'commune_code' of data.csv): The "
                           "commune codes of column 'commune_code' cannot be used as they are: ")
    assert "lost their leading zeros ('2001' for '02001'" in line
    assert "pad_codes: true" in line
    padded = track(variant(tmp_path, ("territory: commune_code",
                                      "territory: commune_code\n  pad_codes: true"), data=data))
    shipped = track(SHIPPED)
    pd.testing.assert_frame_equal(_areas(padded, "poverty_rate"), _areas(shipped, "poverty_rate"))


def test_codes_that_are_not_territorial_are_left_alone(tmp_path):
    # Identifiers the referential does not know at any level (here: made-up ones) are not
    # territorial codes: no check, the tracking runs as before.
    data = pd.read_csv(DATA, dtype=CODES)
    data["commune_code"] = "X" + data["commune_code"]
    tracking = track(variant(tmp_path, data=data))
    assert len(_areas(tracking, "poverty_rate")) > 0
