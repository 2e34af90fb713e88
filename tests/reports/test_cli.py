"""The evalkit command: help, validate, run and index (no kernel needed here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit._version import __version__
from evalkit.cli import main
from evalkit.datasets import dataset_path

VALID = f"""\
policy: {{name: Minimum wage, description: Test policy}}
language: en
data: {{file: {dataset_path('mpdta')}}}
design:
  estimator: twfe
  outcome: lemp
  unit: countyreal
  time: year
  first_treated: first.treat
"""


@pytest.fixture
def params_dir(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "good.yaml").write_text(VALID)
    (folder / "bad.yml").write_text(VALID.replace("estimator: twfe", "estimator: tfwe"))
    (folder / "notes.txt").write_text("not a params file")
    return folder


@pytest.mark.parametrize("command", [[], ["validate"], ["run"], ["index"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: evalkit" in out
    assert "examples:" in out


def test_run_help_explains_options(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for option in ("--output-dir", "--timeout", "index.html", "exit status"):
        assert option in out


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"evalkit {__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "validate" in capsys.readouterr().out


def test_validate_valid_file(params_dir, capsys):
    assert main(["validate", str(params_dir / "good.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK")
    assert "1 of 1 params file valid." in out


def test_validate_folder_reports_every_problem(params_dir, capsys):
    assert main(["validate", str(params_dir)]) == 1
    out = capsys.readouterr().out
    assert "INVALID  " in out and "bad.yml" in out
    assert "- design.estimator: must be one of" in out
    assert "OK       " in out and "good.yaml" in out
    assert "notes.txt" not in out
    assert "1 of 2 params files valid." in out


def test_validate_missing_path(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nothing.yaml")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_validate_empty_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert "holds no .yaml or .yml params file" in capsys.readouterr().err


def test_run_invalid_params_fails_without_executing(params_dir, tmp_path, capsys):
    out_dir = tmp_path / "reports"
    assert main(["run", str(params_dir / "bad.yml"), "-o", str(out_dir)]) == 1
    out = capsys.readouterr().out
    assert "FAILED bad" in out
    assert "design.estimator" in out
    assert "0 ok, 1 failed." in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["bad.error.html", "bad.json",
                                                        "index.html"]
    record = json.loads((out_dir / "bad.json").read_text())
    assert record["status"] == "failed"
    assert record["files"]["notebook"] is None


def test_run_rejects_a_bad_timeout(params_dir, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(params_dir), "--timeout", "-3"])
    assert info.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err


def test_run_refuses_two_files_with_one_name(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.yaml").write_text(VALID)
    assert main(["run", str(tmp_path / "a"), str(tmp_path / "b"), "-o",
                 str(tmp_path / "out")]) == 1
    assert "would both write the report 'same'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_index_command(tmp_path, capsys):
    assert main(["index", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").is_file()
    assert "0 policies" in capsys.readouterr().out


def test_console_script_entry_point():
    # `python -m evalkit.cli` is what the `evalkit` console script calls.
    result = subprocess.run([sys.executable, "-m", "evalkit.cli", "--version"],
                            capture_output=True, text=True, check=False,
                            cwd=Path(__file__).parent)
    assert result.returncode == 0
    assert result.stdout.strip() == f"evalkit {__version__}"
