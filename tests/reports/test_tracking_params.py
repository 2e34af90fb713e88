"""Params files that track indicators are checked like the others, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import ParamsError
from evalkit.reports import load_params

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "params" / "hauts_de_france_tracking.yaml"


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8").replace("../data/", f"{ROOT}/data/")
    assert old in text
    path = tmp_path / "tracking.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return info.value.problems


def test_the_shipped_tracking_file_is_valid_and_runs_the_tracking_notebook():
    params = load_params(SHIPPED)
    assert params.design is None and params.template_name == "tracking.ipynb"
    assert params.definitions_path.name == "hauts_de_france_indicators.yaml"


def test_unknown_indicator_missing_column_and_missing_denominator(tmp_path):
    path = variant(tmp_path, "    neet_rate: {numerator: neet_16_25, denominator: young_16_25, "
                             "scale: 100}",
                   "    neet: {numerator: neet_16_25, denominator: young_1625, kind: rate}\n"
                   "    poverty_count: {numerator: poor_households, kind: proportion}")
    found = problems(path)
    assert any(p.startswith("indicators.measures.neet: must be an indicator of "
                            "hauts_de_france_indicators.yaml") for p in found)
    assert any(p.startswith("indicators.measures.neet.denominator: must be a column of")
               for p in found)
    assert any(p.startswith("indicators.measures.poverty_count.denominator: required when kind "
                            "is 'proportion'") for p in found)


def test_missing_definitions_file_and_neither_design_nor_indicators(tmp_path):
    path = variant(tmp_path, f"definitions: {ROOT}/data/hauts_de_france_indicators.yaml",
                   "definitions: nowhere.yaml")
    assert any(p.startswith("indicators.definitions: must be an existing YAML file")
               for p in problems(path))
    text = SHIPPED.read_text(encoding="utf-8").replace("../data/", f"{ROOT}/data/")
    no_sections = text[: text.index("indicators:")]
    path.write_text(no_sections, encoding="utf-8")
    assert any(p.startswith("design: a params file needs a design to evaluate, indicators to "
                            "track, a programme to follow, or a design and indicators")
               for p in problems(path))
