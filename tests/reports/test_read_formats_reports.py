"""A policy's data as an administration publishes them give the report the clean file gives.

The same small panel (12 communes with Corsican codes and leading zeros, 2015-2020) is
written three ways: a clean UTF-8 comma-separated file; a Windows-1252 file with ``;``
between columns, decimal commas and four title lines above the header; an Excel
workbook with a title block. The params files have no ``data.read`` section: every
format is detected. ``evalkit validate`` accepts the three, and the evaluation (in
process, and through ``evalkit run``) gives the same headline numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from evalkit.cli import main
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.params.schema import load_params

CODES = ["01001", "01002", "02001", "02002", "2A004", "2A005", "2B033", "2B034", "59350",
         "59001", "62001", "80001"]
NAMES = ["L'Abergement-Clémenciat", "L'Abergement-de-Varey", "Abbécourt", "Achery",
         "Ajaccio", "Alata", "Bastia", "Belgodère", "Lille", "Abancourt", "Ablain-Saint-Nazaire",
         "Abbeville"]
FORMATS = ("clean", "admin", "book")
NUMBERS = ("estimate", "std_error", "conf_low", "conf_high", "p_value")


def _panel() -> pd.DataFrame:
    """Communes 2015-2020; the first four (two Corsican) treated from 2018, effect 1.5."""
    rng = np.random.default_rng(12)
    rows = []
    for i, (code, name) in enumerate(zip(CODES, NAMES, strict=True)):
        first = 2018 if i % 3 == 0 else 0
        for year in range(2015, 2021):
            y = 10 + 0.3 * i + 0.2 * (year - 2015) + (1.5 if first and year >= first else 0)
            rows.append({"commune_code": code, "commune_nom": name, "year": year,
                         "y": round(y + rng.normal(0, 0.3), 3), "first_treated": first})
    return pd.DataFrame(rows)


def _write_all(folder: Path) -> None:
    panel = _panel()
    panel.to_csv(folder / "clean.csv", index=False)
    title = ("Taux d'activité par commune;;;;\nSource : Insee, recensements;;;;\n"
             "Champ : communes de France métropolitaine;;;;\n;;;;\n")
    body = panel.to_csv(sep=";", decimal=",", index=False)
    (folder / "admin.csv").write_bytes((title + body).encode("cp1252"))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Données"
    sheet["A1"] = "Taux d'activité par commune"
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "Source : Insee"
    sheet.append([])
    sheet.append(list(panel.columns))
    for row in panel.itertuples(index=False):
        sheet.append(list(row))
    book.save(folder / "book.xlsx")
    for name, file in (("clean", "clean.csv"), ("admin", "admin.csv"), ("book", "book.xlsx")):
        params = {"policy": {"name": f"Communes ({name})", "description": "A test."},
                  "language": "fr", "data": {"file": file},
                  "design": {"estimator": "twfe", "outcome": "y", "unit": "commune_code",
                             "time": "year", "first_treated": "first_treated"},
                  "event_study": {"window": [-3, 2]}}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(params, allow_unicode=True),
                                             encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("formats")
    _write_all(path)
    return path


def test_the_three_files_validate(folder, capsys):
    for name in FORMATS:
        assert main(["validate", str(folder / f"{name}.yaml")]) == 0, capsys.readouterr()


def test_the_three_files_give_the_same_evaluation(folder):
    evaluations = {name: evaluate(load_params(folder / f"{name}.yaml")) for name in FORMATS}
    clean = evaluations["clean"]
    assert clean.read_format.is_plain
    admin = evaluations["admin"].read_format
    assert (admin.encoding, admin.separator, admin.decimal, admin.header_row) == \
        ("cp1252", ";", ",", 5)
    assert evaluations["book"].read_format.header_row == 4
    for name in ("admin", "book"):
        ev = evaluations[name]
        assert sorted(ev.panel.units) == sorted(CODES)  # 2A004, 01001 kept as text
        assert ev.headline.estimate == pytest.approx(clean.headline.estimate, rel=1e-12)
        assert ev.headline.std_error == pytest.approx(clean.headline.std_error, rel=1e-12)


def test_the_provenance_says_how_the_file_was_read(folder):
    from evalkit.reports.render.read_format import read_format_text

    admin = evaluate(load_params(folder / "admin.yaml")).read_format
    assert read_format_text(admin, "fr") == ("séparateur « ; », virgule décimale, encodage "
                                             "Windows-1252, en-tête ligne 5")
    assert read_format_text(admin, "en") == ("separator “;”, decimal comma, encoding "
                                             "Windows-1252, header on line 5")
    assert read_format_text(evaluate(load_params(folder / "clean.yaml")).read_format,
                            "fr") is None


@pytest.mark.notebook
def test_evalkit_run_gives_the_same_headline_for_the_three_files(folder):
    out = folder / "reports"
    assert main(["run", *(str(folder / f"{name}.yaml") for name in FORMATS),
                 "-o", str(out)]) == 0
    records = {name: json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
               for name in FORMATS}
    headlines = {name: record["headline"] for name, record in records.items()}
    for name in ("admin", "book"):
        for key in NUMBERS:
            assert headlines[name][key] == pytest.approx(headlines["clean"][key], rel=1e-12)
    assert headlines["clean"]["data_read"] is None
    assert headlines["admin"]["data_read"] == ("séparateur « ; », virgule décimale, encodage "
                                               "Windows-1252, en-tête ligne 5")
    html = (out / "admin.html").read_text(encoding="utf-8")
    assert "Lu comme" in html and "en-tête ligne 5" in html


def _params_with_read(folder: Path, read: dict, file: str = "clean.csv", **data) -> Path:
    params = {"policy": {"name": "T", "description": "A test."}, "language": "en",
              "data": {"file": file, "read": read, **data},
              "design": {"estimator": "twfe", "outcome": "y", "unit": "commune_code",
                         "time": "year", "first_treated": "first_treated"}}
    path = folder / "read.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def test_data_read_is_validated_naming_each_key(folder):
    from evalkit.errors import ParamsError

    path = _params_with_read(folder, {
        "separator": ":", "decimal": "x", "thousands": "_", "encoding": "klingon",
        "header_row": 0, "missing": "s", "text_columns": ["zz"], "sheet": 1, "nope": 1},
        sheet=0)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    problems = info.value.problems
    expected = [
        'data.read.separator: must be one of ",", ";", "|" or tab',
        'data.read.decimal: must be "," (a decimal comma) or "." (a decimal point); got \'x\'',
        "data.read.thousands: must be", "data.read.encoding: must be an encoding",
        "data.read.header_row: must be at least 1; got 0",
        "data.read.missing: must be a list", "data.read.nope: unknown key",
        "data.sheet and data.read.sheet: give only one of the two",
        "data.read.sheet: only used for Excel files (this one is csv)"]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    excel = _params_with_read(folder, {"decimal": ",", "text_columns": ["zz"]}, "book.xlsx")
    with pytest.raises(ParamsError) as info:
        load_params(excel)
    assert list(info.value.problems) == [
        "data.read.decimal: only used for text files (CSV, TSV; this one is excel); got ','",
        f"data.read.text_columns: must name columns of {folder / 'book.xlsx'}; got 'zz'. Its "
        "columns are: 'commune_code', 'commune_nom', 'year', 'y', 'first_treated'"]


def test_data_read_states_what_detection_gets_wrong(folder):
    # the header line stated: the admin file read from its 5th line, as detected
    stated = _params_with_read(folder, {"header_row": 5, "separator": ";", "decimal": ",",
                                        "encoding": "cp1252"}, "admin.csv")
    evaluation = evaluate(load_params(stated))
    assert evaluation.read_format.stated == {"header_row", "separator", "decimal", "encoding"}
    clean = evaluate(load_params(folder / "clean.yaml"))
    assert evaluation.headline.estimate == pytest.approx(clean.headline.estimate, rel=1e-12)
    from evalkit.reports.render.read_format import read_format_text

    assert read_format_text(evaluation.read_format, "en").endswith(
        "(as stated in data.read: separator, decimal, encoding, header_row)")
