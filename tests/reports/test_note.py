"""The note for the elected official: its content, its JSON form, Word and HTML.

The notes are those of the shipped params, built in-process as the notebooks build them
(``PolicyReport.from_params(...).note()``, ``TrackingReport.from_params(...).note()``).
Expected wording comes from the catalogues; expected numbers from the report's own
results, written with evalkit.formatting.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from docx import Document

from evalkit.errors import InputError
from evalkit.formatting import decimals_for, format_number, format_percent
from evalkit.reports import PolicyReport, TrackingReport, load_params
from evalkit.reports.messages.catalogue import ntext, text
from evalkit.reports.render import sections
from evalkit.reports.render.blocks import Figure, Heading, Items, Paragraph, Table
from evalkit.reports.render.docx_note import write_note_docx
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.note import (
    MAX_CAVEATS,
    MAX_TABLE_ROWS,
    NOTE_MIME,
    Note,
    WriteIn,
    find_note,
    record_note,
)
from evalkit.reports.render.note_content import policy_sentences
from evalkit.reports.render.note_html import note_html

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "data" / "templates" / "note_template.docx"
EVALUATIONS = ["minimum_wage", "incinerator", "territoires_engagement",
               "tobacco_control_california", "workers_compensation"]
_SECTIONS = ("note_policy", "note_data_show", "note_reliability", "note_recommendation")


@pytest.fixture(scope="module")
def reports() -> dict[str, PolicyReport]:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for policy in EVALUATIONS:
            report = PolicyReport.from_params(load_params(ROOT / "params" / f"{policy}.yaml"))
            report.evaluation  # noqa: B018 - every step computed, as after conclude()
            out[policy] = report
    return out


@pytest.fixture(scope="module")
def notes(reports) -> dict[str, Note]:
    out = {policy: report.note() for policy, report in reports.items()}
    tracking = TrackingReport.from_params(
        load_params(ROOT / "params" / "hauts_de_france_tracking.yaml"))
    out["tracking"] = tracking.note()
    out["_tracking_report"] = tracking  # type: ignore[assignment]
    return out


def _headings(language: str) -> list[str]:
    return [text(key, language) for key in _SECTIONS]


def _kinds(note: Note, kind: type) -> list:
    return [b for b in note.blocks if isinstance(b, kind)]


# ------------------------------------------------------------------ content
@pytest.mark.parametrize("policy", EVALUATIONS)
def test_an_evaluation_note_says_the_effect_its_interval_and_its_caveats(policy, reports,
                                                                          notes):
    note, ev = notes[policy], reports[policy].evaluation
    lang = ev.params.language
    assert note.language == lang and note.subject == ev.params.title
    assert note.organisation == (ev.params.policy.owner or "")
    assert note.headings() == _headings(lang)
    assert len(_kinds(note, Figure)) == 1 and len(_kinds(note, WriteIn)) == 1
    (table,) = _kinds(note, Table)
    assert 1 <= len(table.rows) <= MAX_TABLE_ROWS
    h = ev.headline
    estimate = format_number(h.estimate, lang, decimals_for(h.std_error))
    assert text("note_effect", lang, outcome=ev.outcome_label, estimate=estimate) in " ".join(
        p.text for p in _kinds(note, Paragraph))
    verdict = "note_distinct" if h.significant else "note_not_distinct"
    strong = [p.text for p in _kinds(note, Paragraph) if p.style == "strong"]
    # the verdict follows the headline's significance (its p-value against its alpha)
    assert strong == [text(verdict, lang, threshold=format_percent(100 * h.alpha, lang, 0))]
    # the caveats: the report's key findings after the effect, at most MAX_CAVEATS of them,
    # the others counted
    caveats = key_findings(ev)[1:]
    (items,) = _kinds(note, Items)
    assert list(items.items) == caveats[:MAX_CAVEATS]
    hidden = len(caveats) - MAX_CAVEATS
    captions = [p.text for p in _kinds(note, Paragraph) if p.style == "caption"]
    if hidden > 0:
        assert ntext("note_more_caveats", hidden, lang) in captions
    assert not any(re.search(r"\{\w+\}", b.text) for b in _kinds(note, Paragraph))


def test_a_simulated_data_set_is_said_to_be_simulated(notes):
    assert notes["territoires_engagement"].warning == text("note_simulated", "fr")
    assert notes["tracking"].warning == text("note_simulated", "fr")
    assert notes["minimum_wage"].warning == ""


def test_the_notes_speak_french_and_english(notes):
    # wording from the catalogues, checked against the literal French and English
    assert notes["territoires_engagement"].headings() == [
        "Le dispositif", "Ce que montrent les données", "Fiabilité",
        "Recommandation (à compléter)"]
    assert notes["minimum_wage"].headings() == [
        "The policy", "What the data show", "How reliable it is",
        "Recommendation (to be completed)"]
    assert notes["territoires_engagement"].title == "Note de synthèse"
    assert notes["territoires_engagement"].label("subject") == "Objet"
    assert re.fullmatch(r"\d{1,2} [a-zéû]+ \d{4}", notes["territoires_engagement"].date)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", notes["minimum_wage"].date)


def test_the_policy_is_said_in_its_first_two_whole_sentences():
    # hand-made: an initial ("M.") does not end a sentence; the third sentence is left out
    description = ("M. Dupont lance le plan en 2019. Il vise 12 communes! Le reste suit.\n\n"
                   "Autre paragraphe.")
    assert policy_sentences(description) == "M. Dupont lance le plan en 2019. Il vise 12 communes!"
    assert policy_sentences("Une seule phrase sans point") == "Une seule phrase sans point"


def test_a_tracking_note_gives_each_indicator_its_status(notes):
    note = notes["tracking"]
    report = notes["_tracking_report"]
    assert note.headings() == _headings("fr")
    lines = _kinds(note, Items)[0].items
    indicators = report.tracking.indicators
    assert len(lines) == len(indicators) == 5  # five indicators in the shipped params
    for line, item in zip(lines, indicators, strict=True):
        label = item.indicator.label_in("fr")
        assert line.startswith(label[:1].upper() + label[1:])
        from evalkit.reports.render.indicator_wording import status_label

        assert status_label(item.long_term.status, "fr").lower() in line.lower()
    (table,) = _kinds(note, Table)
    assert len(table.rows) == 5 and len(_kinds(note, Figure)) == 1
    caveats = _kinds(note, Items)[1].items
    assert caveats[0] == text("note_tracking_not_causal", "fr")
    assert len(caveats) <= MAX_CAVEATS


# ------------------------------------------------------------------ JSON and the notebook
@pytest.mark.parametrize("policy", ["tobacco_control_california", "tracking"])
def test_the_note_survives_its_json_form(policy, notes):
    note = notes[policy]
    again = Note.from_json(note.to_json())
    assert again == note
    assert _kinds(again, Figure)[0].png[:8] == b"\x89PNG\r\n\x1a\n"
    notebook = {"cells": [{"outputs": [{"data": {NOTE_MIME: note.to_dict()}}]},
                          {"outputs": [{"data": {"text/plain": "x"}}]}]}
    assert find_note(notebook) == note
    assert find_note({"cells": []}) is None


def test_a_broken_note_is_refused_with_what_is_wrong(notes):
    with pytest.raises(InputError, match="not JSON"):
        Note.from_json("{")
    with pytest.raises(InputError, match='"format": "evalkit-note"'):
        Note.from_json('{"title": "x"}')
    data = notes["incinerator"].to_dict()
    data["blocks"][0] = {"kind": "poem", "text": "x"}
    with pytest.raises(InputError, match=r"note\['blocks'\]\[0\]: kind must be one of"):
        Note.from_dict(data)


def test_conclude_records_the_note_and_outside_a_kernel_shows_nothing(monkeypatch, reports):
    recorded: list[Note] = []
    monkeypatch.setattr(sections, "record_note", recorded.append)
    monkeypatch.setattr(PolicyReport, "_display", staticmethod(lambda markup: None))
    report = reports["incinerator"]
    report.conclude()
    assert len(recorded) == 1 and recorded[0].headings() == report.note().headings()
    assert record_note(recorded[0]) is None  # no kernel here: checked, not displayed


# ------------------------------------------------------------------ Word
def _docx_headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


@pytest.mark.parametrize("policy", ["territoires_engagement", "tracking"])
def test_the_word_note_keeps_the_template_and_holds_the_note(policy, notes, tmp_path):
    note = notes[policy]
    path = tmp_path / "note.docx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped template has every style
        assert write_note_docx(note, path, TEMPLATE) == []
    document = Document(str(path))
    assert _docx_headings(document) == note.headings()
    header = " ".join(c.text for t in document.sections[0].header.tables for c in t._cells)
    assert "[Nom de l'organisation]" in header
    assert document.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)
    assert "Corps de la note" not in "\n".join(p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 1
    data_table, box = document.tables
    (table,) = _kinds(note, Table)
    assert len(data_table.rows) == 1 + len(table.rows)
    assert [c.text for c in data_table.rows[0].cells] == list(table.header)
    (write_in,) = _kinds(note, WriteIn)
    assert [c.text for c in box._cells] == [write_in.label]  # nothing beyond the label
    assert note.subject in "\n".join(p.text for p in document.paragraphs)


def test_a_style_missing_from_the_template_is_named(notes, tmp_path):
    template = Document(str(TEMPLATE))
    caption = template.styles["Caption"].element
    caption.getparent().remove(caption)
    broken = tmp_path / "no_caption.docx"
    template.save(str(broken))
    with pytest.warns(UserWarning, match="has no style 'Caption'"):
        found = write_note_docx(notes["minimum_wage"], tmp_path / "note.docx", broken)
    assert len(found) == 1 and "'Caption'" in found[0] and "no_caption.docx" in found[0]
    document = Document(str(tmp_path / "note.docx"))
    assert _docx_headings(document) == notes["minimum_wage"].headings()


def test_without_a_template_the_note_is_on_a4(notes, tmp_path):
    assert write_note_docx(notes["incinerator"], tmp_path / "n.docx") == []
    document = Document(str(tmp_path / "n.docx"))
    assert document.sections[0].page_height.cm == pytest.approx(29.7, abs=0.01)
    assert _docx_headings(document) == notes["incinerator"].headings()


def test_a_bad_template_is_named(notes, tmp_path):
    with pytest.raises(InputError, match=r"docx_template='.*missing\.docx': no such file"):
        write_note_docx(notes["incinerator"], tmp_path / "n.docx", tmp_path / "missing.docx")
    text_file = tmp_path / "letter.docx"
    text_file.write_text("Dear ...", encoding="utf-8")
    with pytest.raises(InputError, match=r"letter\.docx': not a Word document"):
        write_note_docx(notes["incinerator"], tmp_path / "n.docx", text_file)
    assert not (tmp_path / "n.docx").exists()


# ------------------------------------------------------------------ HTML for print
@pytest.mark.parametrize("policy", ["minimum_wage", "tracking"])
def test_the_print_page_has_the_same_headings(policy, notes):
    note = notes[policy]
    page = note_html(note)
    assert re.findall(r"<h2>(.*?)</h2>", page) == [
        h.replace("'", "&#39;") for h in note.headings()]
    assert "size: A4" in page and "counter(pages)" in page
    assert page.count("<img ") == 1 and "data:image/png;base64," in page
    assert page.count("class=\"write-in\"") == 1


def test_the_print_page_escapes_every_text(notes):
    note = notes["incinerator"]
    hostile = Note(note.language, note.title, "<script>alert(1)</script>", note.date,
                   (Heading("A & B"), *note.blocks[1:]), "<b>Org</b>", "", note.labels)
    page = note_html(hostile)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>Org</b>" not in page and "A &amp; B" in page
