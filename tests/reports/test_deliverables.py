"""What a run writes besides the HTML report: the note (Word, PDF), the report as PDF,
one version per language; which formats, atomic writes, stale files, no browser.

The note's own content and layout are tested with the note; here a stand-in note (a
title and a language, written to Word with python-docx and to HTML by hand) is injected
where the run looks for the note renderers, so that these tests check the run alone.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import pytest

from evalkit.errors import ParamsError, ReportError
from evalkit.reports import load_params, run_policy
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.run import deliverables
from evalkit.reports.run.deliverables import (
    NOTE_MIME,
    NoteTools,
    find_browser,
    language_label,
    output_name,
    page_count,
    render_outputs,
    stale_outputs,
    version_suffixes,
)
from evalkit.reports.run.index import write_index

ROOT = Path(__file__).resolve().parents[2]
BROWSER = shutil.which("chromium")
browser = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed "
                                                     "(make install installs it)")

# --------------------------------------------------------------------------- a stand-in note


@dataclass(frozen=True)
class StandInNote:
    title: str
    language: str
    pages: int = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> StandInNote:
        return cls(**json.loads(text))


def _write_docx(note: StandInNote, path: Path, template: Path | None = None) -> list[str]:
    import docx

    document = docx.Document(str(template) if template else None)
    document.add_heading(note.title, level=1)
    document.add_paragraph(f"language: {note.language}")
    document.save(str(path))
    return []


def _note_html(note: StandInNote) -> str:
    pages = "".join(f'<section style="break-after: page"><h1>{note.title}</h1>'
                    f"<p>page {i + 1}</p></section>" for i in range(note.pages))
    return (f'<!DOCTYPE html><html lang="{note.language}"><head><meta charset="utf-8">'
            f"<style>@page {{ size: A4; }}</style></head><body>{pages}</body></html>")


STAND_IN = NoteTools(from_json=StandInNote.from_json, write_docx=_write_docx, html=_note_html)


@pytest.fixture
def note_tools(monkeypatch: pytest.MonkeyPatch) -> NoteTools:
    monkeypatch.setattr(deliverables, "note_tools", lambda: STAND_IN)
    return STAND_IN


# --------------------------------------------------------------------------- a project

NOTE_CELL = f"""\
from IPython.display import display
from evalkit.reports import load_params, record_headline
params = load_params(params_file)
record_headline({{"label": "ATT", "estimate": -1.5, "text": "Prices fell."}})
display({{{NOTE_MIME!r}: {{"title": params.policy.name, "language": params.language,
              "pages": int(params.report.notes or 1)}}}}, raw=True)
"""


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell("params_file = None")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_markdown_cell("# Report\n\nSome prose."),
                *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def _policy(folder: Path, *, formats: str | None = None, pages: int = 1,
            template: str | None = None, name: str = "incinerator") -> Path:
    """The incinerator policy, its notebook recording a stand-in note of ``pages`` pages."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "params").mkdir(exist_ok=True)
    shutil.copy(ROOT / "data" / "kielmc.csv", folder / "data" / "kielmc.csv")
    _notebook(folder / "params" / "note.ipynb", NOTE_CELL)
    text = (ROOT / "params" / "incinerator.yaml").read_text(encoding="utf-8")
    report = f"report:\n  notebook: note.ipynb\n  notes: '{pages}'\n"
    if formats is not None:
        report += f"  formats: {formats}\n"
    if template is not None:
        report += f"  docx_template: {template}\n"
    text = text[:text.index("report:")] + report
    path = folder / "params" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _minimal_docx(path: Path) -> Path:
    import docx

    docx.Document().save(str(path))
    return path


# --------------------------------------------------------------------------- params


def _params_error(tmp_path: Path, report: str) -> str:
    path = _policy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("report:")] + "report:\n" + report, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    return str(caught.value)


def test_formats_default_to_the_report_and_the_note_in_both_formats(tmp_path: Path) -> None:
    assert load_params(_policy(tmp_path)).report.formats == ["html", "docx", "pdf"]
    params = load_params(_policy(tmp_path, formats="[html, report_pdf]"))
    assert params.report.formats == ["html", "report_pdf"]


@pytest.mark.parametrize(("formats", "expected"), [
    ("[html, odt]", "report.formats[1]: must be one of 'html', 'docx', 'pdf', 'report_pdf'; "
                    "got 'odt'"),
    ("[docx, pdf]", "report.formats: must include html"),
    ("[html, pdf, pdf]", "report.formats: must name each format once (pdf is given more "
                         "than once)"),
    ("html", "report.formats: must be a list"),
])
def test_formats_are_checked(tmp_path: Path, formats: str, expected: str) -> None:
    assert expected in _params_error(tmp_path, f"  formats: {formats}\n")


def test_the_word_template_is_checked_with_the_params(tmp_path: Path) -> None:
    missing = _params_error(tmp_path, "  docx_template: styles/note.docx\n")
    assert "report.docx_template='styles/note.docx': must be an existing Word file" in missing
    assert str(tmp_path / "params" / "styles" / "note.docx") in missing

    (tmp_path / "params" / "note.txt").write_text("not Word", encoding="utf-8")
    assert "must be a Word file ending in .docx" in _params_error(
        tmp_path, "  docx_template: note.txt\n")

    (tmp_path / "params" / "fake.docx").write_text("not a zip", encoding="utf-8")
    assert "is not one (it is not a zip archive" in _params_error(
        tmp_path, "  docx_template: fake.docx\n")

    with zipfile.ZipFile(tmp_path / "params" / "sheet.docx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "a zip archive without word/document.xml" in _params_error(
        tmp_path, "  docx_template: sheet.docx\n")

    _minimal_docx(tmp_path / "params" / "house.docx")
    path = _policy(tmp_path, template="house.docx")
    assert load_params(path).report.docx_template == "house.docx"


# --------------------------------------------------------------------------- names


def test_versions_are_named_by_language_the_first_without() -> None:
    assert version_suffixes(["fr"]) == [None]
    assert version_suffixes(["fr", "nl"]) == [None, "nl"]
    assert version_suffixes(["fr-BE", "nl-BE"]) == [None, "nl"]
    # two versions in one language keep their locales apart
    assert version_suffixes(["fr-FR", "fr-BE"]) == [None, "fr-BE"]
    assert output_name("brussels", "html") == "brussels.html"
    assert output_name("brussels", "report_pdf", "nl") == "brussels.nl.report.pdf"
    assert output_name("brussels", "docx", "nl") == "brussels.nl.docx"
    assert output_name("brussels", "notebook", "nl") == "brussels.nl.ipynb"


def test_language_switch_labels_are_each_language_in_itself() -> None:
    # Babel (CLDR) names: "français", "Nederlands", "English", capitalised
    assert language_label("fr", ["fr", "nl"]) == "Français"
    assert language_label("nl-BE", ["fr-BE", "nl-BE"]) == "Nederlands"
    assert language_label("en", ["en", "fr"]) == "English"
    assert language_label("fr-BE", ["fr-FR", "fr-BE"]) == "Français (Belgique)"


def test_stale_outputs_are_the_policys_outputs_not_written(tmp_path: Path) -> None:
    names = ["p.html", "p.docx", "p.pdf", "p.report.pdf", "p.ipynb", "p.nl.html",
             "p.nl.docx", "p.fr-BE.pdf", "p.error.html", "p.error.ipynb", "p.json",
             "other.docx", "p2.docx", "index.html"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    keep = {"p.html", "p.ipynb", "p.docx"}
    found = [p.name for p in stale_outputs(tmp_path, "p", keep)]
    assert found == ["p.fr-BE.pdf", "p.nl.docx", "p.nl.html", "p.pdf", "p.report.pdf"]


# --------------------------------------------------------------------------- rendering


def _notebook_with_note(note: StandInNote | None) -> dict:
    outputs = [] if note is None else [{"output_type": "display_data",
                                        "data": {NOTE_MIME: json.loads(note.to_json())}}]
    return {"cells": [{"cell_type": "code", "outputs": outputs}]}


def test_without_a_browser_the_word_note_is_still_written(tmp_path: Path) -> None:
    nb = _notebook_with_note(StandInNote("Incinerator", "en"))
    files, notices = render_outputs("p", [("en", None, nb, "<html></html>")],
                                    ["html", "docx", "pdf", "report_pdf"], tmp_path,
                                    tools=STAND_IN, browser=None)
    assert sorted(files) == ["p.docx"]
    assert [n.code for n in notices] == ["no_browser"]
    assert "p: the PDFs were not written: no Chromium browser was found" in notices[0].message


def test_a_notebook_without_a_note_writes_no_note(tmp_path: Path) -> None:
    files, notices = render_outputs("p", [("en", None, _notebook_with_note(None), "")],
                                    ["html", "docx"], tmp_path, tools=STAND_IN, browser=None)
    assert files == {}
    assert [n.message for n in notices] == [
        "p: the report notebook recorded no note, so p.docx was not written"]


def test_a_failing_word_writer_is_a_report_error_naming_the_file(tmp_path: Path) -> None:
    def broken(note: object, path: Path, template: Path | None = None) -> list[str]:
        Path(path).write_bytes(b"PK half")
        raise KeyError("Heading 1")

    tools = NoteTools(from_json=StandInNote.from_json, write_docx=broken, html=_note_html)
    with pytest.raises(ReportError, match=r"the note could not be written as p\.docx: "
                                          r"KeyError: 'Heading 1'"):
        render_outputs("p", [("en", None, _notebook_with_note(StandInNote("T", "en")), "")],
                       ["html", "docx"], tmp_path, tools=tools, browser=None)


def test_the_browser_is_found_or_named(monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_browser() is None
    monkeypatch.setenv("EVALKIT_CHROMIUM", "")
    assert find_browser() is None
    monkeypatch.setenv("EVALKIT_CHROMIUM", "true")  # a name on the PATH: found there
    assert find_browser() == shutil.which("true")


# --------------------------------------------------------------------------- runs


@pytest.mark.notebook
def test_a_failure_while_writing_the_note_keeps_the_previous_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note_tools: NoteTools) -> None:
    monkeypatch.setenv("EVALKIT_CHROMIUM", "")  # no PDFs: this test is about Word
    params = _policy(tmp_path, formats="[html, docx]")
    out = tmp_path / "reports"
    first = run_policy(params, out)
    assert first.ok, first.error
    assert sorted(first.outputs) == ["incinerator.docx", "incinerator.html",
                                     "incinerator.ipynb"]
    before = {name: (out / name).read_bytes() for name in first.outputs}

    def broken(note: object, path: Path, template: Path | None = None) -> list[str]:
        Path(path).write_bytes(b"PK\x03\x04 half a document")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deliverables, "note_tools", lambda: NoteTools(
        from_json=StandInNote.from_json, write_docx=broken, html=_note_html))
    second = run_policy(params, out)
    assert not second.ok
    assert "the note could not be written as incinerator.docx" in second.error
    assert {name: (out / name).read_bytes() for name in first.outputs} == before
    assert _temporary_files(out) == []
    # the index offers the previous note as such, never as the current one
    index = write_index(out).read_text(encoding="utf-8")
    assert 'href="incinerator.docx">incinerator.docx</a>' in index
    assert "Previous files" in index
    assert "Note (Word)" not in index


@pytest.mark.notebook
def test_formats_no_longer_asked_for_are_removed(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 note_tools: NoteTools) -> None:
    monkeypatch.setenv("EVALKIT_CHROMIUM", "")
    params = _policy(tmp_path, formats="[html, docx]")
    out = tmp_path / "reports"
    assert run_policy(params, out).ok
    assert (out / "incinerator.docx").is_file()
    (out / "incinerator.report.pdf").write_bytes(b"%PDF- from an earlier run")
    params.write_text(params.read_text(encoding="utf-8").replace(
        "formats: [html, docx]", "formats: [html]"), encoding="utf-8")
    run = run_policy(params, out)
    assert run.ok, run.error
    assert not (out / "incinerator.docx").exists()
    assert not (out / "incinerator.report.pdf").exists()
    record = json.loads((out / "incinerator.json").read_text(encoding="utf-8"))
    assert record["files"]["docx"] is None
    assert record["versions"][0]["files"] == {"notebook": "incinerator.ipynb", "docx": None,
                                              "pdf": None, "report_pdf": None,
                                              "html": "incinerator.html"}


@pytest.mark.notebook
def test_without_chromium_the_report_and_word_note_are_written_and_it_is_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note_tools: NoteTools) -> None:
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "reports"
    run = run_policy(_policy(tmp_path), out)  # default formats: html, docx, pdf
    assert run.ok, run.error
    assert sorted(run.outputs) == ["incinerator.docx", "incinerator.html",
                                   "incinerator.ipynb"]
    assert len(run.notices) == 1
    assert run.notices[0].startswith("incinerator: the PDFs were not written: no Chromium "
                                     "browser was found")
    import docx

    document = docx.Document(str(out / "incinerator.docx"))
    assert document.paragraphs[0].text == "Garbage incinerator siting and house prices"
    record = json.loads((out / "incinerator.json").read_text(encoding="utf-8"))
    assert [n["code"] for n in record["notices"]] == ["no_browser"]
    index = write_index(out).read_text(encoding="utf-8")
    assert "PDFs not written: no Chromium browser was found to print them." in index
    assert 'href="incinerator.docx">Note (Word)</a>' in index
    assert 'href="incinerator.pdf"' not in index


@pytest.mark.notebook
def test_several_languages_write_one_linked_version_each(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note_tools: NoteTools) -> None:
    # the params schema of this checkout takes one language: the run reads several
    # from ``params.languages``
    monkeypatch.setattr(PolicyParams, "languages", property(lambda self: ("en", "fr")),
                        raising=False)
    monkeypatch.setenv("EVALKIT_CHROMIUM", "")
    out = tmp_path / "reports"
    run = run_policy(_policy(tmp_path, formats="[html, docx]"), out)
    assert run.ok, run.error
    assert sorted(run.outputs) == [
        "incinerator.docx", "incinerator.fr.docx", "incinerator.fr.html",
        "incinerator.fr.ipynb", "incinerator.html", "incinerator.ipynb"]
    import docx

    # each version ran in its own language: the note says which
    assert docx.Document(str(out / "incinerator.docx")).paragraphs[1].text == "language: en"
    assert docx.Document(str(out / "incinerator.fr.docx")).paragraphs[1].text \
        == "language: fr"
    english = (out / "incinerator.html").read_text(encoding="utf-8")
    french = (out / "incinerator.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in french
    assert ('<nav aria-label="This report in other languages" class="evalkit-languages">'
            '<strong lang="en">English</strong> | <a href="incinerator.fr.html" hreflang="fr" '
            'lang="fr">Français</a></nav>') in english
    assert ('<nav aria-label="Ce rapport dans d\'autres langues" class="evalkit-languages">'
            '<a href="incinerator.html" hreflang="en" lang="en">English</a> | '
            '<strong lang="fr">Français</strong></nav>') in french
    record = json.loads((out / "incinerator.json").read_text(encoding="utf-8"))
    assert record["languages"] == ["en", "fr"]
    assert [v["files"]["html"] for v in record["versions"]] == ["incinerator.html",
                                                                "incinerator.fr.html"]
    index = write_index(out).read_text(encoding="utf-8")
    assert index.count("<strong>Garbage incinerator siting and house prices</strong>") == 1
    assert '<div lang="en"><strong>English</strong>:' in index
    assert '<div lang="fr"><strong>Français</strong>:' in index
    assert 'href="incinerator.fr.docx">Note (Word)</a>' in index

    # back to one language: the other version's files go
    monkeypatch.setattr(PolicyParams, "languages", property(lambda self: ("en",)),
                        raising=False)
    assert run_policy(_policy(tmp_path, formats="[html, docx]"), out).ok
    assert sorted(p.name for p in out.glob("incinerator.*")) == [
        "incinerator.docx", "incinerator.html", "incinerator.ipynb", "incinerator.json"]
    assert "<nav" not in (out / "incinerator.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- PDFs


def _not_blank(pdf: Path) -> bool:
    """Whether the first page, rendered at 50 dpi, has dark pixels (text, not just white)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    return image.getextrema()[0] < 128


@pytest.mark.notebook
@pytest.mark.browser
@browser
def test_the_pdfs_are_printed_offline_and_their_pages_counted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note_tools: NoteTools) -> None:
    monkeypatch.delenv("EVALKIT_CHROMIUM", raising=False)
    out = tmp_path / "reports"
    run = run_policy(_policy(tmp_path, formats="[html, docx, pdf, report_pdf]"), out)
    assert run.ok, run.error
    assert run.notices == ()
    assert sorted(run.outputs) == ["incinerator.docx", "incinerator.html",
                                   "incinerator.ipynb", "incinerator.pdf",
                                   "incinerator.report.pdf"]
    assert page_count(out / "incinerator.pdf") == 1  # the stand-in note: one page
    assert page_count(out / "incinerator.report.pdf") >= 1
    assert _not_blank(out / "incinerator.pdf")
    assert _not_blank(out / "incinerator.report.pdf")
    assert _temporary_files(out) == []
    index = write_index(out).read_text(encoding="utf-8")
    for name, label in (("incinerator.pdf", "Note (PDF)"),
                        ("incinerator.report.pdf", "Report (PDF)")):
        assert f'href="{name}">{label}</a>' in index


@pytest.mark.notebook
@pytest.mark.browser
@browser
def test_a_note_longer_than_two_pages_is_written_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note_tools: NoteTools) -> None:
    monkeypatch.delenv("EVALKIT_CHROMIUM", raising=False)
    out = tmp_path / "reports"
    run = run_policy(_policy(tmp_path, formats="[html, pdf]", pages=3), out)
    assert run.ok, run.error
    assert page_count(out / "incinerator.pdf") == 3  # one section per page, by construction
    assert run.notices == ("incinerator: the note incinerator.pdf has 3 pages; a note "
                           "should fit on 2",)
    index = write_index(out).read_text(encoding="utf-8")
    assert "The note incinerator.pdf has 3 pages (at most 2 expected)." in index


@pytest.mark.browser
@browser
def test_a_pdf_prints_from_a_deep_folder_and_leaves_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chromium makes a socket under its TMPDIR and aborts when that path passes 107 bytes
    # ("Socket path too long"): a run in a deep folder still prints, and the short folder
    # the browser was given is gone afterwards.
    from evalkit.reports.run.deliverables import find_browser, print_pdfs

    work = tmp_path / ("deep-" * 12) / "work"
    work.mkdir(parents=True)
    assert len(str(work)) > 100
    monkeypatch.setenv("TMPDIR", str(work))  # as a run in a deep folder has it
    page = work / "page.html"
    page.write_text("<!DOCTYPE html><html><body><h1>Note</h1></body></html>", encoding="utf-8")
    before = set(Path("/tmp").glob("ek-pdf-*"))
    print_pdfs([(page, work / "page.pdf")], browser=str(find_browser()), work=work,
               policy="deep")
    assert page_count(work / "page.pdf") == 1
    assert set(Path("/tmp").glob("ek-pdf-*")) == before
    assert not list(work.glob("ek-pdf-*"))
