"""Run records of the wrong shape are skipped with a warning naming them, never a crash.

One odd ``reports/*.json`` (an older version, another tool's file, a list, a record
with keys missing or of the wrong type) used to stop ``evalkit index``, and so the end
of every ``run-all``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.reports import write_index
from evalkit.reports.run.records import (
    RECORD_KIND,
    RecordWarning,
    SkippedRecord,
    check_record,
    read_record,
    read_records,
    scan_records,
    write_record,
)


def record(policy_id: str, **extra) -> dict:
    base = {
        "policy_id": policy_id, "policy_name": f"Policy {policy_id}", "language": "en",
        "status": "ok", "run_date": "2025-03-01T10:22:03+00:00", "duration_seconds": 1.0,
        "estimator": "twfe", "outcome_label": "employment", "confidence_level": 0.95,
        "headline": {"label": "ATT", "estimate": -0.0312, "conf_low": -0.05,
                     "conf_high": -0.012, "p_value": 0.003, "text": "Employment fell."},
        "params_file": f"/p/{policy_id}.yaml", "data_file": "/d.csv", "data_sha256": "ab",
        "evalkit_version": "0", "fingerprint": "f", "error": None, "last_success": None,
        "files": {"html": f"{policy_id}.html", "notebook": None, "error_page": None},
    }
    base.update(extra)
    return base


def full(policy_id: str, **extra) -> dict:
    return {"kind": RECORD_KIND, "version": 1, **record(policy_id, **extra)}


ODD = {
    "older version": ({**full("b"), "version": 0}, "written by an older evalkit"),
    "newer version": ({**full("b"), "version": 2}, "written by a newer evalkit"),
    "no version": ({k: v for k, v in full("b").items() if k != "version"},
                   "'version' must be 1; got null"),
    "another tool": ({"name": "b", "files": ["x"]}, "has no 'kind'"),
    "other kind": ({**full("b"), "kind": "coverage.report"}, "its 'kind' is 'coverage.report'"),
    "a list": ([full("b")], "the file holds a list"),
    "text": ("b", "the file holds text"),
    "no policy_id": ({k: v for k, v in full("b").items() if k != "policy_id"},
                     "'policy_id' must be the policy's name (text); got null"),
    "other policy_id": (full("a"), "'policy_id' must be the file's name without .json ('b')"),
    "no status": ({k: v for k, v in full("b").items() if k != "status"},
                  "'status' must be 'ok' or 'failed'; got null"),
    "files a list": (full("b", files=["b.html"]), "'files' must be a mapping or null; got a list"),
    "error as text": (full("b", status="failed", error="boom"),
                      "'error' must be a mapping or null; got 'boom'"),
    "error message a list": (full("b", status="failed", error={"message": ["x"]}),
                             "'error.message' must be text or null; got a list"),
    "headline a list": (full("b", headline=[1]), "'headline' must be a mapping or null"),
    "estimate as text": (full("b", headline={"label": "ATT", "estimate": "big"}),
                         "'headline.estimate' must be a number or null; got 'big'"),
    "indicators a number": (full("b", headline={"label": "x", "indicators": 3}),
                            "'headline.indicators' must be a list of mappings of text"),
    "estimate too large": (full("b", headline={"label": "x", "estimate": 10 ** 400}),
                           "'headline.estimate' must be a number or null"),
    "last_success text": (full("b", status="failed", last_success="b.html"),
                          "'last_success' must be a mapping or null"),
    "html outside": (full("b", files={"html": "../secret.html"}),
                     "'files.html' must be the name of a file in the reports folder"),
    "kept html outside": (full("b", status="failed",
                               last_success={"html": "/etc/passwd", "headline": None}),
                          "'last_success.html' must be the name of a file"),
    "policy_name a number": (full("b", policy_name=3), "'policy_name' must be text or null"),
}


def _write_folder(folder: Path, odd: object) -> None:
    write_record(folder / "a.json", record("a"))
    (folder / "a.html").write_text("report a")
    (folder / "b.json").write_text(json.dumps(odd), encoding="utf-8")
    (folder / "b.html").write_text("report b")


@pytest.mark.parametrize("case", list(ODD))
def test_an_odd_record_is_skipped_with_its_reason(tmp_path, case):
    odd, reason = ODD[case]
    _write_folder(tmp_path, odd)
    skipped: list[SkippedRecord] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with a callback, nothing goes through warnings
        html = write_index(tmp_path, on_skip=skipped.append).read_text(encoding="utf-8")
    (item,) = skipped
    assert item.path == (tmp_path / "b.json").resolve()
    assert reason in item.reason
    assert str(item).startswith(f"{item.path}: skipped, not a run record this evalkit can read")
    assert "Policy a" in html and "2 policies: 1 report up to date, 0 failed." in html
    assert 'href="b.html"' in html and "No record" in html  # b's report is still listed
    assert read_record(tmp_path / "b.json") is None
    assert [r["policy_id"] for r in scan_records(tmp_path).records] == ["a"]


def test_without_a_callback_each_skipped_file_is_a_python_warning(tmp_path):
    _write_folder(tmp_path, [1, 2])
    (tmp_path / "c.json").write_text("{not json", encoding="utf-8")
    with pytest.warns(RecordWarning) as caught:
        write_index(tmp_path)
    assert sorted(Path(w.message.path).name for w in caught) == ["b.json", "c.json"]
    assert all(w.filename == __file__ for w in caught)  # points at the caller's line
    with pytest.warns(RecordWarning) as again:
        assert [r["policy_id"] for r in read_records(tmp_path)] == ["a"]
    messages = sorted(str(w.message) for w in again)
    assert messages[1].startswith(f"{tmp_path / 'c.json'}: skipped, not a run record")
    assert "it is not valid JSON" in messages[1]


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfe{}", "it is not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"kind": "evalkit.policy_run", "version": ' + b"9" * 5_000 + b"}",
     "it is not valid JSON"),
])
def test_files_that_are_not_json_records(tmp_path, content, reason):
    (tmp_path / "b.json").write_bytes(content)
    (item,) = scan_records(tmp_path).skipped
    assert reason in item.reason


def test_a_huge_json_file_is_not_read(tmp_path):
    with (tmp_path / "b.json").open("wb") as stream:
        stream.truncate(50_000_000)
    (item,) = scan_records(tmp_path).skipped
    assert "50,000,000 bytes; a run record is a few KB" in item.reason


def test_records_written_by_evalkit_are_valid(tmp_path):
    failed = record("f", status="failed", headline=None,
                    error={"message": "boom", "cell": 3, "source": "x"},
                    files={"html": None, "notebook": "f.error.ipynb",
                           "error_page": "f.error.html"},
                    last_success={"run_date": "2025-01-01T00:00:00+00:00",
                                  "headline": {"label": "ATT", "estimate": 2.5,
                                               "indicators": [{"code": "x", "label": "X"}]},
                                  "html": "f.html", "notebook": None})
    for item in (record("a"), failed):
        path = write_record(tmp_path / f"{item['policy_id']}.json", item)
        assert check_record(json.loads(path.read_text()), path.name) == []
    assert [r["policy_id"] for r in read_records(tmp_path)] == ["a", "f"]


def test_colours_from_a_record_cannot_carry_css(tmp_path):
    evil = "red;background:url(https://example.org/x.png)"
    headline = {"label": "Tracking", "estimate": None,
                "indicators": [{"code": "x", "label": "X", "status_label": "on track",
                                "colour": evil}, {"code": "y", "label": "Y", "colour": "#1a7f37"}]}
    write_record(tmp_path / "a.json", record("a", headline=headline))
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert "example.org" not in html and "#1a7f37" in html


def test_evalkit_index_goes_on_past_an_odd_record(tmp_path, capsys):
    _write_folder(tmp_path, {**full("b"), "files": ["b.html"]})
    assert main(["index", "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "Wrote" in out
    (line,) = err.splitlines()  # once, though the folder is read twice
    assert line.startswith("warning: ") and "b.json: skipped" in line
