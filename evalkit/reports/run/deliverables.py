"""What a run writes besides the HTML report: the note (Word, PDF), the report as PDF.

For a policy ``<policy>`` whose params ask for them (``report.formats``), each in the
report's language (the first of ``language``) and then in each other language
``<lang>`` (``<policy>.<lang>.html`` ...):

===========================  ====================================================
``<policy>.html``            the report (``html``, always)
``<policy>.docx``            the note, in Word (``docx``)
``<policy>.pdf``             the note, in PDF (``pdf``)
``<policy>.report.pdf``      the full report, in PDF (``report_pdf``)
===========================  ====================================================

The note is what the executed notebook recorded in an output of type
:data:`NOTE_MIME` (its last step, as the headline); it is written with the
note renderers of :mod:`evalkit.reports.render` (``write_note_docx``,
``note_html``), reached through :func:`note_tools`.

PDFs are printed offline by the headless Chromium the system has (Debian's
``chromium``, installed by ``make install``; another one can be named in the
environment variable ``EVALKIT_CHROMIUM``): one process per PDF, all of a policy's at
once, each in its own profile folder inside the run's work folder, in a process group
of their own that is killed if the run is stopped or the time limit passes. Without a
browser, the PDFs are skipped and the run says so (:class:`Notice` ``no_browser``);
the HTML report and the Word note are still written.

Everything is rendered in the run's work folder first and published only when every
file of the run is ready, each file written atomically: a failure leaves the previous
files in place, and no half-written file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType
from typing import Any

from evalkit.errors import ReportError
from evalkit.reports.render.note import NOTE_MIME, recorded_note

__all__ = ["NOTE_MIME", "FORMATS", "BROWSER_ENV", "MAX_NOTE_PAGES", "PDF_TIMEOUT", "Notice",
           "NoteTools", "note_tools", "find_note", "find_browser", "print_pdfs", "page_count",
           "version_suffixes", "output_name", "language_label", "stale_outputs",
           "render_outputs"]

#: The display output the report notebooks record their note in (its JSON).
#: The formats a run can write (``report.formats``).
FORMATS = ("html", "docx", "pdf", "report_pdf")
#: The environment variable naming the browser that prints PDFs (default: ``chromium``).
BROWSER_ENV = "EVALKIT_CHROMIUM"
#: The most pages a note may have; a longer one is written, with a notice.
MAX_NOTE_PAGES = 2
#: The longest, in seconds, the browser may take to print one policy's PDFs.
PDF_TIMEOUT = 120.0

_SUFFIXES = {"html": ".html", "docx": ".docx", "pdf": ".pdf", "report_pdf": ".report.pdf",
             "notebook": ".ipynb"}
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class Notice:
    """Something a successful run could not do as asked, or wants the officer to know.

    Attributes
    ----------
    code
        ``no_browser`` (PDFs skipped), ``no_note`` (the notebook recorded no note),
        ``note_too_long`` (more than :data:`MAX_NOTE_PAGES` pages) or ``docx_template``
        (a warning of the Word writer, e.g. a style missing from the template).
    message
        One line for the run's output, naming the policy.
    values
        The values the index's wording of the notice needs (text).
    """

    code: str
    message: str
    values: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The notice as stored in the run record."""
        return {"code": self.code, "message": self.message, "values": dict(self.values)}


# --------------------------------------------------------------------------- the note


@dataclass(frozen=True)
class NoteTools:
    """The note's renderers: read a recorded note, write it as Word, as printable HTML."""

    from_json: Callable[[str], Any]
    write_docx: Callable[..., list[str]]
    html: Callable[[Any], str]


def note_tools() -> NoteTools:
    """The note's renderers (imported when a run writes a note: python-docx is slow to load)."""
    from evalkit.reports.render.docx_note import write_note_docx
    from evalkit.reports.render.note import Note
    from evalkit.reports.render.note_html import note_html

    return NoteTools(from_json=Note.from_json, write_docx=write_note_docx, html=note_html)


def find_note(notebook: Any) -> str | None:
    """The last note recorded in an executed notebook, as JSON text, or ``None``."""
    found = recorded_note(notebook)
    return found if found is None or isinstance(found, str) else json.dumps(found)


# --------------------------------------------------------------------------- names


def version_suffixes(languages: Sequence[str]) -> list[str | None]:
    """The part of the file names that tells the versions apart: none for the first.

    A version's suffix is its language (``nl`` for ``nl-BE``), or the whole locale when
    two versions share a language (``fr-FR``, ``fr-BE``).
    """
    bare = [str(lang).split("-")[0].split("_")[0].lower() for lang in languages]
    return [None if i == 0 else (bare[i] if bare.count(bare[i]) == 1 else
                                 str(languages[i]).replace("_", "-"))
            for i in range(len(languages))]


def output_name(policy_id: str, kind: str, suffix: str | None = None) -> str:
    """The file name of one output: ``kind`` in :data:`FORMATS` or ``notebook``."""
    middle = f".{suffix}" if suffix else ""
    return f"{policy_id}{middle}{_SUFFIXES[kind]}"


def language_label(language: str, languages: Sequence[str]) -> str:
    """A language's name in itself (``Nederlands``), for the language switch.

    The locale's full name (``français (Belgique)``) when two versions share a language.
    """
    from babel import Locale, UnknownLocaleError

    tag = str(language).replace("-", "_")
    try:
        locale = Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return str(language)
    bare = [str(lang).split("-")[0].split("_")[0] for lang in languages]
    same = bare.count(locale.language) > 1
    name = locale.get_display_name(locale) if same else locale.get_language_name(locale)
    name = name or str(language)
    return name[:1].upper() + name[1:]


def stale_outputs(folder: Path, policy_id: str, keep: set[str]) -> list[Path]:
    """The outputs of a policy in ``folder`` that the run just made did not write.

    Reports, notes, PDFs and notebooks of any version (``<policy>.html``,
    ``<policy>.nl.docx``, ``<policy>.report.pdf`` ...), except the names in ``keep``;
    error pages and run records are not outputs.
    """
    pattern = re.compile(re.escape(policy_id)
                         + r"(?:\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)?"
                           r"\.(?:html|docx|pdf|report\.pdf|ipynb)")
    found = []
    for path in folder.glob(f"{glob_escape(policy_id)}.*"):
        if path.name in keep or not pattern.fullmatch(path.name):
            continue
        found.append(path)
    return sorted(found)


def glob_escape(text: str) -> str:
    """``text`` with the characters glob patterns give a meaning to escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


# --------------------------------------------------------------------------- PDFs


def find_browser() -> str | None:
    """The browser that prints PDFs: ``$EVALKIT_CHROMIUM`` if set, else Chromium on the PATH.

    ``None`` when there is none (or ``EVALKIT_CHROMIUM`` names no executable file).
    """
    given = os.environ.get(BROWSER_ENV)
    if given is not None:
        path = shutil.which(given) if given else None
        return path
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _command(browser: str, profile: Path, html: Path, pdf: Path) -> list[str]:
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", "--no-pdf-header-footer",
            f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()]


def _kill(process: subprocess.Popen[bytes]) -> None:
    from evalkit.reports.run.workdirs import kill_group

    kill_group(process.pid)
    with contextlib.suppress(Exception):
        process.wait(timeout=5)


def print_pdfs(jobs: Sequence[tuple[Path, Path]], *, browser: str, work: Path,
               timeout: float = PDF_TIMEOUT, policy: str = "",
               meanwhile: Callable[[], object] | None = None) -> None:
    """Print HTML files to PDF with a headless browser, all at once.

    Parameters
    ----------
    jobs
        ``(html file, pdf file)`` pairs, both in ``work``.
    browser
        The browser's executable (see :func:`find_browser`).
    work
        A folder of the run (the browsers' profiles go there, and their working folder
        is there, so that a run killed from outside takes them along).
    timeout
        The longest, in seconds, all of them may take together.
    policy
        The policy, for messages.
    meanwhile
        Work done once the browsers are started, before waiting for them (its errors
        stop the browsers and propagate).

    Raises
    ------
    ReportError
        When a PDF could not be printed: the browser failed, gave no file, or took longer
        than ``timeout``.
    """
    processes: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    # The browser makes a socket in a folder of TMPDIR, and a socket's path may not pass
    # 107 bytes: a deep TMPDIR (a test's, a user's) makes it abort. It gets a short one of
    # its own, removed afterwards.
    short = _short_temp(work)
    env = {**os.environ, "TMPDIR": str(short)}
    try:
        for i, (html, pdf) in enumerate(jobs):
            profile = work / f"browser-{i}"
            profile.mkdir(parents=True, exist_ok=True)
            env.update(HOME=str(profile), XDG_CONFIG_HOME=str(profile),
                       XDG_CACHE_HOME=str(profile))
            log = profile / "browser.log"
            with open(log, "wb") as handle:
                process = subprocess.Popen(
                    _command(browser, profile, html, pdf), stdin=subprocess.DEVNULL,
                    stdout=handle, stderr=subprocess.STDOUT, cwd=work, env=env,
                    start_new_session=os.name != "nt")
            processes.append((process, pdf, log))
        deadline = time.monotonic() + timeout
        if meanwhile is not None:
            meanwhile()
        for process, pdf, log in processes:
            try:
                code = process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise ReportError(policy, f"the browser printing {pdf.name} took longer "
                                          f"than {timeout:g} s and was stopped") from None
            if code != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
                raise ReportError(policy, f"the browser could not print {pdf.name} (exit "
                                          f"status {code}){_last_line(log)}")
    finally:
        for process, _, _ in processes:
            if process.poll() is None:
                _kill(process)
        shutil.rmtree(short, ignore_errors=True)


#: The longest TMPDIR the browser is given: its socket's path adds about 45 bytes.
_SHORT_TMP = 60


def _short_temp(work: Path) -> Path:
    """A new, empty folder with a short path for the browser's temporary files: in the
    run's folder when its path is short enough, else in the system's /tmp."""
    import tempfile

    base = work if len(str(work)) <= _SHORT_TMP - 16 else Path("/tmp")
    if not base.is_dir() or not os.access(base, os.W_OK):
        base = Path(tempfile.gettempdir())
    return Path(tempfile.mkdtemp(prefix="ek-pdf-", dir=base))


def _last_line(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(encoding="utf-8", errors="replace")
                 .splitlines() if line.strip() and "dbus" not in line.lower()]
    except OSError:
        return ""
    fatal = [line for line in lines if "FATAL" in line]  # why it stopped, before the noise
    return f": {(fatal or lines)[-1].strip()[:200]}" if lines else ""


def page_count(pdf: str | Path) -> int:
    """The number of pages of a PDF file (read with pypdfium2)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


# --------------------------------------------------------------------------- a run's outputs


def render_outputs(
    policy_id: str,
    versions: Sequence[tuple[str, str | None, Any, str]],
    formats: Sequence[str],
    work: Path,
    *,
    template: Path | None = None,
    tools: NoteTools | None | EllipsisType = ...,
    browser: str | None | EllipsisType = ...,
) -> tuple[dict[str, bytes], list[Notice]]:
    """Render a run's notes and PDFs in ``work``, for publication.

    Parameters
    ----------
    policy_id
        The policy.
    versions
        ``(language, suffix, executed notebook, report page)`` of each version, the
        report's language first (see :func:`version_suffixes`).
    formats
        ``report.formats``.
    work
        The run's work folder.
    template
        The Word template (``report.docx_template``), if any.
    tools, browser
        The note renderers and the browser's executable (``None``: there is none).
        Default: :func:`note_tools` and :func:`find_browser`.

    Returns
    -------
    dict, list of Notice
        The content of each file to publish, by file name (Word and PDF files only),
        and what the run could not do as asked.

    Raises
    ------
    ReportError
        When a note or a PDF could not be written.
    """
    folder = work / "outputs"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(formats)
    notices: list[Notice] = []
    files: dict[str, Path] = {}
    prints: list[tuple[Path, Path]] = []
    found_tools = note_tools() if tools is ... else tools
    pdfs = wanted & {"pdf", "report_pdf"}
    found_browser = (find_browser() if browser is ... else browser) if pdfs else None
    if pdfs and found_browser is None:
        notices.append(Notice("no_browser", (
            f"{policy_id}: the PDFs were not written: no Chromium browser was found to print "
            f"them (install it with 'make install', or name one in {BROWSER_ENV}); the HTML "
            "report and the Word note were")))
    note_asked = wanted & {"docx", "pdf"}
    documents: list[tuple[Any, str]] = []  # (note, file name) of each Word note

    def write_documents() -> None:
        for note, name in documents:
            target = folder / name
            try:
                warnings = found_tools.write_docx(note, target, template=template) or []
            except Exception as exc:
                raise ReportError(policy_id, f"the note could not be written as {name}: "
                                             f"{type(exc).__name__}: {exc}") from None
            notices.extend(Notice("docx_template", f"{policy_id}: {name}: {warning}",
                                  {"detail": str(warning)}) for warning in warnings)
            files[name] = target

    for _language, suffix, notebook, page in versions:
        note_json = find_note(notebook) if note_asked else None
        note = None
        if note_asked and note_json is None:
            notices.append(Notice("no_note", f"{policy_id}: the report notebook recorded no "
                                             f"note, so {_asked_note(policy_id, suffix, wanted)} "
                                             "not written"))
        elif note_asked and found_tools is None:
            asked = _asked_note(policy_id, suffix, wanted)
            notices.append(Notice("no_note", f"{policy_id}: this installation cannot write "
                                             f"the note, so {asked} not written"))
        elif note_asked:
            try:
                note = found_tools.from_json(note_json)
            except Exception as exc:
                raise ReportError(policy_id, f"the note the notebook recorded cannot be read: "
                                             f"{type(exc).__name__}: {exc}") from None
        if note is not None and "docx" in wanted:
            documents.append((note, output_name(policy_id, "docx", suffix)))
        if found_browser is None:
            continue
        if note is not None and "pdf" in wanted:
            name = output_name(policy_id, "pdf", suffix)
            source = folder / f"{name}.html"
            try:
                source.write_text(found_tools.html(note), encoding="utf-8")
            except OSError:
                raise
            except Exception as exc:
                raise ReportError(policy_id, f"the note could not be laid out for {name}: "
                                             f"{type(exc).__name__}: {exc}") from None
            prints.append((source, folder / name))
        if "report_pdf" in wanted:
            name = output_name(policy_id, "report_pdf", suffix)
            source = folder / f"{name}.html"
            source.write_text(page, encoding="utf-8")
            prints.append((source, folder / name))
    if not prints:
        write_documents()
    else:  # the Word notes are written while the browsers print
        print_pdfs(prints, browser=str(found_browser), work=folder, policy=policy_id,
                   meanwhile=write_documents)
        for _, pdf in prints:
            files[pdf.name] = pdf
            if not pdf.name.endswith(_SUFFIXES["report_pdf"]):
                pages = page_count(pdf)
                if pages > MAX_NOTE_PAGES:
                    notices.append(Notice(
                        "note_too_long", f"{policy_id}: the note {pdf.name} has {pages} pages; "
                                         f"a note should fit on {MAX_NOTE_PAGES}",
                        {"name": pdf.name, "pages": str(pages)}))
    return {name: path.read_bytes() for name, path in files.items()}, notices


def _asked_note(policy_id: str, suffix: str | None, wanted: set[str]) -> str:
    names = [output_name(policy_id, kind, suffix) for kind in ("docx", "pdf") if kind in wanted]
    return " and ".join(names) + (" were" if len(names) > 1 else " was")
