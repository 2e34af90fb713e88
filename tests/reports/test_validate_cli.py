"""evalkit validate reads the data against the design, with the run's own messages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from evalkit.cli import main
from evalkit.reports import load_params
from evalkit.reports.analysis.data_checks import check_data


def _policy(tmp_path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(tmp_path / "data.csv", index=False)
    params = {"policy": {"name": "Test", "description": "A test."}, "language": "en",
              "data": {"file": "data.csv"},
              "design": {"estimator": "twfe", "outcome": "y", "unit": "unit", "time": "year",
                         "treatment": "d"}}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def _rows(**changes) -> pd.DataFrame:
    frame = pd.DataFrame([{"unit": u, "year": t, "y": 1.0 + t, "d": int(u == 1 and t >= 2)}
                          for u in range(4) for t in range(4)])
    for (row, column), value in changes.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    return frame


def _invalid(tmp_path: Path, frame: pd.DataFrame, capsys) -> str:
    path = _policy(tmp_path, frame)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "do not fit its design" in out and "Traceback" not in out
    expected = check_data(load_params(path))
    assert expected and all(problem in out for problem in expected)
    assert "missing=" not in out  # Python arguments are not params keys
    return out


def test_text_in_a_numeric_column_makes_the_params_invalid(tmp_path, capsys):
    frame = _rows()
    frame["y"] = frame["y"].astype(object)
    frame.loc[5, "y"] = "about 3"
    assert "'about 3' (row 6)" in _invalid(tmp_path, frame, capsys)


def test_a_treatment_that_switches_off_makes_the_params_invalid(tmp_path, capsys):
    frame = _rows()
    frame.loc[(frame["unit"] == 1) & (frame["year"] == 3), "d"] = 0
    assert "design.treatment" in _invalid(tmp_path, frame, capsys)


def test_no_comparison_unit_makes_the_params_invalid(tmp_path, capsys):
    frame = _rows()
    frame["d"] = (frame["year"] >= 2).astype(int)  # every unit treated from the same year
    out = _invalid(tmp_path, frame, capsys)
    assert "comparison" in out


def test_shipped_params_and_their_data_are_valid(capsys):
    root = Path(__file__).resolve().parents[2]
    assert main(["validate", str(root / "params")]) == 0
    shipped = len(list((root / "params").glob("*.yaml")))
    assert shipped == 14
    assert f"{shipped} of {shipped} params files valid." in capsys.readouterr().out
