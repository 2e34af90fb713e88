"""The note for the elected official: what a policy report says, on two A4 pages at most.

A :class:`Note` is the content of the "note de synthèse" an officer hands over with (or
instead of) the full report: its subject and date, then blocks of
:mod:`evalkit.reports.render.blocks` (headings, paragraphs, items, one table, one figure)
and one :class:`WriteIn` box, the recommendation, left empty for the officer to write
(evalkit never writes recommendations). Every text in it is already worded and its
numbers formatted in the note's language; the writers lay it out without a catalogue:

- :func:`evalkit.reports.render.docx_note.write_note_docx`: a Word document, in the
  organisation's template if one is given;
- :func:`evalkit.reports.render.note_html.note_html`: a self-contained HTML page laid out
  for A4 print, which a headless browser prints to PDF.

How the note travels from the notebook to the run
-------------------------------------------------
The last step of each report (``PolicyReport.conclude()``, ``TrackingReport.conclude()``)
builds the note (``report.note()``) and calls :func:`record_note`, which displays it as
an output of its own mime type, :data:`NOTE_MIME` (a JSON object: :meth:`Note.to_dict`).
Like the headline (:mod:`evalkit.reports.render.headline`), it is invisible in the HTML
export; outside a Jupyter kernel nothing is displayed. The runner reads it back from the
executed notebook with :func:`find_note`, then writes ``<policy>.docx`` and the PDF.

JSON form (:meth:`Note.to_json`, :meth:`Note.from_json`)::

    {"format": "evalkit-note", "version": 1, "language": "fr", "title": ..., "subject": ...,
     "date": ..., "organisation": ..., "warning": ..., "labels": {...},
     "blocks": [{"kind": "heading", "text": ..., "level": 2}, ...,
                {"kind": "figure", "png": "<base64>", "alt": ...},
                {"kind": "table", "header": [...], "rows": [[cell, ...], ...], "style": ...},
                {"kind": "write_in", "label": ...}]}

A table cell is a string or an object with its ``kind`` (``badge``, ``shaded``, ``lines``).

Two pages at most, by construction
----------------------------------
Whether a text fits a page depends on the fonts of the template it is written with, so
the note is not measured after the fact: its content is bounded (see
:mod:`evalkit.reports.render.note_content`): the policy in its first two sentences, at
most :data:`MAX_TABLE_ROWS` table rows, one figure of :data:`FIGURE_WIDTH_CM` by
:data:`FIGURE_HEIGHT_CM`, at most :data:`MAX_CAVEATS` caveats and :data:`MAX_INDICATORS`
indicator lines (the others are counted and left to the full report), and a
recommendation box of :data:`WRITE_IN_HEIGHT_CM`. A sentence is never cut.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from evalkit.errors import InputError
from evalkit.reports.render.blocks import (
    Badge,
    Cell,
    Facts,
    Figure,
    Heading,
    Items,
    Lines,
    Paragraph,
    Shaded,
    Table,
)

__all__ = ["NOTE_MIME", "Note", "NoteBlock", "WriteIn", "record_note", "find_note",
           "recorded_note",
           "MAX_TABLE_ROWS", "MAX_CAVEATS", "MAX_INDICATORS", "FIGURE_WIDTH_CM",
           "FIGURE_HEIGHT_CM", "WRITE_IN_HEIGHT_CM"]

NOTE_MIME = "application/vnd.evalkit.note+json"

#: The bounds that keep a note within two A4 pages (see the module docstring).
MAX_TABLE_ROWS = 6
MAX_CAVEATS = 3
MAX_INDICATORS = 6
FIGURE_WIDTH_CM = 15.0
FIGURE_HEIGHT_CM = 6.5
WRITE_IN_HEIGHT_CM = 4.5

_FORMAT = "evalkit-note"
_VERSION = 1


@dataclass(frozen=True)
class WriteIn:
    """A box left empty for the officer to write in: only its ``label`` is printed."""

    label: str
    kind: Literal["write_in"] = "write_in"


NoteBlock = Heading | Paragraph | Items | Table | Facts | Figure | WriteIn


@dataclass(frozen=True)
class Note:
    """A two-page note on one policy, worded and formatted in its language.

    Attributes
    ----------
    language
        The language it is written in (``"fr"``, ``"en"`` ...).
    title
        What the document is: ``"Note de synthèse"``, ``"Briefing note"``.
    subject
        What it is about (written after ``labels["subject"]``, "Objet :").
    date
        The date of the results, written out in the language (``"12 mars 2025"``).
    blocks
        The body, in order.
    organisation
        Who writes it (the params' ``policy.owner``), or ``""``.
    warning
        A warning printed under the subject (simulated data), or ``""``.
    labels
        The fixed words the layout needs: ``subject`` ("Objet"), ``date`` ("Date"),
        ``page`` ("Page"), ``of`` ("sur").
    """

    language: str
    title: str
    subject: str
    date: str
    blocks: tuple[NoteBlock, ...]
    organisation: str = ""
    warning: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)

    # -------------------------------------------------------------- reading it
    def headings(self) -> list[str]:
        """The section headings, in order."""
        return [b.text for b in self.blocks if isinstance(b, Heading)]

    def label(self, key: str) -> str:
        """A fixed word of the layout (``subject``, ``date`` ...), ``""`` if absent."""
        return str(self.labels.get(key, ""))

    # -------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The note as a JSON-compatible dict (figures as base64 PNG)."""
        return {"format": _FORMAT, "version": _VERSION, "language": self.language,
                "title": self.title, "subject": self.subject, "date": self.date,
                "organisation": self.organisation, "warning": self.warning,
                "labels": dict(self.labels), "blocks": [_block_dict(b) for b in self.blocks]}

    def to_json(self) -> str:
        """The note as JSON text (see the module docstring for its form)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Note:
        """The note of :meth:`to_dict`'s dict.

        Raises
        ------
        InputError
            If it is not a note, or a field or block is missing or of the wrong type.
        """
        if not isinstance(data, Mapping) or data.get("format") != _FORMAT:
            raise InputError(f"note: must be a JSON object with \"format\": \"{_FORMAT}\"; "
                             f"got {_short(data)}")
        if data.get("version") != _VERSION:
            raise InputError(f"note version={data.get('version')!r}: must be {_VERSION} "
                             f"(written by another version of evalkit)")
        problems = [f"note[{key!r}]: must be text; got {_short(data.get(key))}"
                    for key in ("language", "title", "subject", "date", "organisation",
                                "warning") if not isinstance(data.get(key), str)]
        labels = data.get("labels")
        if not isinstance(labels, Mapping) or not all(
                isinstance(v, str) for v in labels.values()):
            problems.append(f"note['labels']: must be an object of texts; got {_short(labels)}")
        blocks = data.get("blocks")
        if not isinstance(blocks, list):
            problems.append(f"note['blocks']: must be a list; got {_short(blocks)}")
        if problems:
            raise InputError("Invalid note:", problems)
        return cls(data["language"], data["title"], data["subject"], data["date"],
                   tuple(_block_of(b, i) for i, b in enumerate(blocks)),
                   data["organisation"], data["warning"], dict(labels))

    @classmethod
    def from_json(cls, text: str | bytes) -> Note:
        """The note of :meth:`to_json`'s text.

        Raises
        ------
        InputError
            If the text is not JSON, or not a note (see :meth:`from_dict`).
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as exc:
            raise InputError(f"note: not JSON text ({exc})") from None
        return cls.from_dict(data)


def _short(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


# ------------------------------------------------------------------ blocks <-> JSON
def _cell_dict(cell: Cell) -> str | dict[str, Any]:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Lines):
        return {"kind": "lines", "lines": list(cell.lines)}
    return {"kind": cell.kind, "text": cell.text, "colour": cell.colour}


def _block_dict(block: NoteBlock) -> dict[str, Any]:
    if isinstance(block, Figure):
        return {"kind": "figure", "png": base64.b64encode(block.png).decode("ascii"),
                "alt": block.alt}
    if isinstance(block, Table):
        return {"kind": "table", "header": list(block.header), "style": block.style,
                "rows": [[_cell_dict(c) for c in row] for row in block.rows]}
    if isinstance(block, Items):
        return {"kind": "items", "items": list(block.items), "style": block.style}
    if isinstance(block, Facts):
        return {"kind": "facts", "rows": [list(r) for r in block.rows]}
    if isinstance(block, Heading):
        return {"kind": "heading", "text": block.text, "level": block.level}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text, "style": block.style,
                "lead": block.lead}
    if isinstance(block, WriteIn):
        return {"kind": "write_in", "label": block.label}
    raise InputError(f"note block {block!r}: a note holds only headings, paragraphs, items, "
                     f"tables, facts, figures and write-in boxes")


def _cell_of(cell: Any) -> Cell:
    if isinstance(cell, str):
        return cell
    kind = cell.get("kind") if isinstance(cell, Mapping) else None
    if kind == "lines":
        return Lines(tuple(str(line) for line in cell["lines"]))
    if kind in ("badge", "shaded"):
        return (Badge if kind == "badge" else Shaded)(str(cell["text"]), str(cell["colour"]))
    raise InputError(f"note table cell: must be text or an object of kind badge, shaded or "
                     f"lines; got {_short(cell)}")


def _block_of(data: Any, index: int) -> NoteBlock:
    kind = data.get("kind") if isinstance(data, Mapping) else None
    try:
        if kind == "heading":
            return Heading(str(data["text"]), int(data.get("level", 2)))
        if kind == "paragraph":
            return Paragraph(str(data["text"]), data.get("style", "plain"),
                             str(data.get("lead", "")))
        if kind == "items":
            return Items(tuple(str(i) for i in data["items"]), data.get("style", "plain"))
        if kind == "table":
            return Table(tuple(str(h) for h in data["header"]),
                         tuple(tuple(_cell_of(c) for c in row) for row in data["rows"]),
                         data.get("style", "evalkit"))
        if kind == "facts":
            return Facts(tuple((str(k), str(v)) for k, v in data["rows"]))
        if kind == "figure":
            return Figure(base64.b64decode(data["png"], validate=True), str(data["alt"]))
        if kind == "write_in":
            return WriteIn(str(data["label"]))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise InputError(f"note['blocks'][{index}] ({kind}): missing or invalid field "
                         f"{exc}; got {_short(data)}") from None
    raise InputError(f"note['blocks'][{index}]: kind must be one of heading, paragraph, "
                     f"items, table, facts, figure, write_in; got {_short(kind)}")


# ------------------------------------------------------------------ in the notebook
def record_note(note: Note) -> None:
    """Display the note as an output of mime type :data:`NOTE_MIME` (invisible in the
    HTML export), for the runner to write as Word and PDF; outside a Jupyter kernel,
    only check that it can be written as JSON."""
    payload = json.loads(note.to_json())
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    if get_ipython() is None:
        return
    from IPython.display import display

    display({NOTE_MIME: payload}, raw=True)


def find_note(notebook: Any) -> Note | None:
    """The last note recorded in an executed notebook (a dict, as nbformat reads it), or
    ``None``.

    Raises
    ------
    InputError
        If the recorded output is not a note of this version of evalkit.
    """
    found = recorded_note(notebook)
    if found is None:
        return None
    return Note.from_json(found) if isinstance(found, str | bytes) else Note.from_dict(found)


def recorded_note(notebook: Any) -> Any:
    """What the last output of type :data:`NOTE_MIME` of an executed notebook holds (a
    dict, or JSON text), or ``None`` when it recorded no note."""
    found = None
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if NOTE_MIME in data:
                found = data[NOTE_MIME]
    return found
