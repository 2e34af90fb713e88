"""The index page: built from run records, escaped, self-contained."""

from __future__ import annotations

import json

import pytest

from evalkit.reports import write_index
from evalkit.reports.run.export import external_resources
from evalkit.reports.run.index import format_number
from evalkit.reports.run.records import RecordWarning, read_records, write_record

EVIL = "<script>alert(1)</script>"


def record(policy_id, status="ok", **extra):
    base = {
        "policy_id": policy_id, "policy_name": f"Policy {policy_id}", "language": "en",
        "status": status, "run_date": "2025-03-01T10:22:03+00:00", "duration_seconds": 1.0,
        "estimator": "twfe", "outcome_label": "employment", "confidence_level": 0.95,
        "headline": {"label": "ATT", "estimate": -0.0312, "conf_low": -0.05,
                     "conf_high": -0.012, "p_value": 0.003, "text": "Employment fell."},
        "params_file": f"/p/{policy_id}.yaml", "data_file": "/d.csv", "data_sha256": "ab",
        "evalkit_version": "0", "error": None, "last_success": None,
        "files": {"html": f"{policy_id}.html", "notebook": f"{policy_id}.ipynb",
                  "error_page": None},
    }
    base.update(extra)
    return base


def test_user_text_is_escaped(tmp_path):
    write_record(tmp_path / "evil.json", record(
        "evil", policy_name=EVIL, outcome_label=EVIL,
        headline={"label": EVIL, "estimate": 1.0, "text": f"<img src=x onerror=alert(2)>{EVIL}"}))
    (tmp_path / "evil.html").write_text("report")
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert EVIL not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert external_resources(html) == []
    assert "Content-Security-Policy" in html


def test_lists_every_policy_with_status_headline_and_links(tmp_path):
    write_record(tmp_path / "a.json", record("a"))
    (tmp_path / "a.html").write_text("report")
    (tmp_path / "a.ipynb").write_text("{}")
    failed = record("b", status="failed", headline=None,
                    error={"message": "Policy 'b' failed in cell 3: ValueError: boom",
                           "cell": 3, "source": "x"},
                    files={"html": None, "notebook": "b.error.ipynb",
                           "error_page": "b.error.html"},
                    last_success={"run_date": "2025-01-01T00:00:00+00:00",
                                  "headline": {"label": "ATT", "estimate": 2.5},
                                  "html": "b.html", "notebook": None})
    write_record(tmp_path / "b.json", failed)
    for name in ("b.html", "b.error.html", "b.error.ipynb"):
        (tmp_path / name).write_text("x")
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert "2 policies: 1 report up to date, 1 failed." in html
    assert "2 politiques : 1 à jour, 1 en échec." in html
    assert "Policy a" in html and "Policy b" in html
    assert "-0.0312" in html and "95% CI -0.05 to -0.012" in html and "p-value 0.003" in html
    assert "Employment fell." in html
    assert 'href="a.html"' in html and 'href="a.ipynb"' in html
    assert 'href="b.error.html"' in html and 'href="b.html"' in html
    assert "ValueError: boom" in html
    assert "2025-03-01 10:22 UTC" in html


def test_links_only_to_existing_files(tmp_path):
    write_record(tmp_path / "a.json", record("a"))
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert 'href="a.html"' not in html and 'href="a.ipynb"' not in html


def test_reports_without_record_and_odd_json_files(tmp_path):
    (tmp_path / "old.html").write_text("an old report")
    (tmp_path / "index.html").write_text("old index")
    (tmp_path / "x.error.html").write_text("error page")
    (tmp_path / "notes.json").write_text(json.dumps({"something": "else"}))
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.warns(RecordWarning) as seen:
        assert read_records(tmp_path) == []
    reasons = sorted(str(w.message).split("/")[-1] for w in seen)
    assert reasons[0].startswith("broken.json: skipped") and "not valid JSON" in reasons[0]
    assert reasons[1].startswith("notes.json: skipped") and "no 'kind'" in reasons[1]
    with pytest.warns(RecordWarning):
        html = write_index(tmp_path).read_text(encoding="utf-8")
    assert 'href="old.html"' in html and "No record" in html
    assert "1 policy:" in html


def test_empty_folder_and_no_temp_files(tmp_path):
    folder = tmp_path / "reports"
    path = write_index(folder)
    assert path == (folder / "index.html").resolve()
    assert "No report yet." in path.read_text(encoding="utf-8")
    assert [p.name for p in folder.iterdir()] == ["index.html"]


def test_format_number():
    assert format_number(-14177.93) == "-14,178"
    assert format_number(-0.071412) == "-0.07141"
    assert format_number(12.345) == "12.35"
    assert format_number(None) == "n/a"
    assert format_number(float("nan")) == "n/a"


def test_headline_is_rounded_to_its_precision_in_the_report_language(tmp_path):
    headline = {"label": "Effet", "estimate": -0.071412, "std_error": 0.0181,
                "conf_low": -0.10706, "conf_high": -0.03578, "p_value": 0.0000942}
    write_record(tmp_path / "fr.json", record("fr", language="fr", headline=headline))
    (tmp_path / "fr.html").write_text("report")
    html = write_index(tmp_path).read_text(encoding="utf-8")
    # a French policy's line is in French: words, number formats, level
    assert "Effet\u00a0: " in html and "\u22120,071" in html
    assert "(IC à 95\u202f% \u22120,107 à \u22120,036)" in html
    assert "p-valeur &lt; 0,001" in html
    assert "CI" not in html.split("<tbody>")[1] and "p-value" not in html.split("<tbody>")[1]


def test_a_programme_line_shows_its_figure_and_alerts_escaped(tmp_path):
    alert = {"code": "projected_under_consumption", "label": "Sous-consommation projetée",
             "status": "parrainage", "status_label": EVIL, "colour": "#b2182b"}
    write_record(tmp_path / "p.json", record(
        "p", language="fr", estimator="programme follow-up", outcome_label="",
        headline={"label": "Consommation des CP 2024, à fin septembre", "figure": "49,9 %",
                  "text": "Projection fin d'année : 88,4 %.", "alerts": [alert],
                  "language": "fr"}))
    (tmp_path / "p.html").write_text("report")
    html = write_index(tmp_path).read_text(encoding="utf-8")
    assert "Consommation des CP 2024, à fin septembre" in html
    assert "<strong>49,9 %</strong>" in html
    assert "Projection fin d&#x27;année : 88,4 %." in html
    assert "Sous-consommation projetée" in html and EVIL not in html
    assert "&lt;script&gt;" in html
