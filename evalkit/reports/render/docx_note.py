"""The note as a Word document, in the organisation's own template if it has one.

:func:`write_note_docx` writes a :class:`~evalkit.reports.render.note.Note` with
`python-docx <https://python-docx.readthedocs.io>`_. With a template (a ``.docx`` such
as ``data/templates/note_template.docx``), the document starts from it: its header,
footer, logo, page setup and styles are kept and its body is replaced by the note.
The note uses these styles (:data:`STYLES`): ``Title`` (the kind of document),
``Heading 1`` (the sections), ``Normal``, ``Caption`` (readings and sources),
``List Bullet`` (findings and caveats) and ``Table Grid`` (the table and the
recommendation box). A style the template lacks falls back to ``Normal`` (with direct
formatting: bold, larger) or, for tables, to drawn borders; each missing style is named
in a warning. Without a template, python-docx's default document is used, set to A4.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from evalkit.errors import InputError
from evalkit.formatting import colon
from evalkit.reports.render.blocks import (
    Badge,
    Cell,
    Facts,
    Figure,
    Heading,
    Items,
    Lines,
    Shaded,
    Table,
)
from evalkit.reports.render.blocks import Paragraph as TextBlock
from evalkit.reports.render.note import (
    FIGURE_WIDTH_CM,
    WRITE_IN_HEIGHT_CM,
    Note,
    WriteIn,
)

__all__ = ["write_note_docx", "STYLES"]

#: The styles the note uses, by role.
STYLES = {"title": "Title", "heading": "Heading 1", "body": "Normal", "caption": "Caption",
          "bullet": "List Bullet", "table": "Table Grid"}

_NAVY = RGBColor(0x1F, 0x3B, 0x5A)


class _Styles:
    """The template's styles the note uses; the missing ones, named once each."""

    def __init__(self, document) -> None:  # noqa: ANN001
        names = {style.name for style in document.styles}
        self.present = {role: name for role, name in STYLES.items() if name in names}
        self.missing = [name for role, name in STYLES.items() if role not in self.present]

    def get(self, role: str) -> str | None:
        return self.present.get(role)


def _open(template: str | Path | None):  # noqa: ANN202
    """The document to write in: the template (body emptied) or python-docx's default."""
    if template is None:
        document = Document()
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
        section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    else:
        path = Path(template)
        if not path.is_file():
            raise InputError(f"report.docx_template={str(template)!r}: no such file")
        if not zipfile.is_zipfile(path):
            raise InputError(f"report.docx_template={str(template)!r}: not a Word document "
                              f"(.docx); got a file that is not a .docx archive")
        try:
            document = Document(str(path))
        except Exception as exc:  # python-docx raises several types for a broken package
            raise InputError(f"report.docx_template={str(template)!r}: not a readable Word "
                              f"document (.docx): {exc}") from None
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


def _paragraph(document, text: str, role: str, styles: _Styles, *,  # noqa: ANN001, ANN202
               bold: bool = False, size: float | None = None, colour: RGBColor | None = None):
    """A paragraph in the role's style (or ``Normal`` with direct formatting)."""
    style = styles.get(role)
    paragraph = document.add_paragraph(style=style or styles.get("body"))
    if text:
        run = paragraph.add_run(text)
        if bold or (style is None and role in ("title", "heading")):
            run.bold = True
        if style is None and role in ("title", "heading"):
            run.font.size = Pt(16 if role == "title" else 12.5)
            run.font.color.rgb = _NAVY
        if style is None and role == "caption":
            run.font.size = Pt(8.5)
        if size is not None:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
    return paragraph


def _borders(table) -> None:  # noqa: ANN001
    """Draw a table's borders directly (when the template has no ``Table Grid``)."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"),
                           ("w:color", "9FB3C8")):
            element.set(qn(key), value)
        borders.append(element)
    properties.append(borders)


def _shade(cell, colour: str) -> None:  # noqa: ANN001
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _write_cell(cell, value: Cell, header: bool = False) -> None:  # noqa: ANN001
    paragraph = cell.paragraphs[0]
    if isinstance(value, Badge):
        dot = paragraph.add_run("● ")
        dot.font.color.rgb = RGBColor.from_string(value.colour.lstrip("#").upper())
        paragraph.add_run(value.text)
    elif isinstance(value, Shaded):
        run = paragraph.add_run(value.text)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, value.colour)
    elif isinstance(value, Lines):
        for i, line in enumerate(value.lines):
            run = paragraph.add_run(line)
            if i < len(value.lines) - 1:
                run.add_break()
    else:
        run = paragraph.add_run(str(value))
        run.bold = header
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _table(document, header, rows, styles: _Styles):  # noqa: ANN001, ANN202
    table = document.add_table(rows=0, cols=len(header))
    if styles.get("table"):
        table.style = styles.get("table")
    else:
        _borders(table)
    if header:
        cells = table.add_row().cells
        for cell, value in zip(cells, header, strict=True):
            _write_cell(cell, value, header=True)
            _shade(cell, "#E8EEF4")
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _write_cell(cell, value)
    return table


def _write_in(document, block: WriteIn, styles: _Styles) -> None:  # noqa: ANN001
    """A one-cell table of fixed height: the label, then room to write."""
    table = document.add_table(rows=1, cols=1)
    if styles.get("table"):
        table.style = styles.get("table")
    else:
        _borders(table)
    row = table.rows[0]
    row.height = Cm(WRITE_IN_HEIGHT_CM)
    run = row.cells[0].paragraphs[0].add_run(block.label)
    run.bold = True
    run.font.color.rgb = _NAVY


def write_note_docx(note: Note, path: str | Path,
                    template: str | Path | None = None) -> list[str]:
    """Write the note as a Word document at ``path`` (exactly there, replacing it).

    Parameters
    ----------
    note
        The note (``PolicyReport.note()``, ``TrackingReport.note()``,
        :meth:`Note.from_json`).
    path
        Where to write the ``.docx``.
    template
        The organisation's Word template (``.docx``): its header, footer, page setup and
        styles are used, its body content dropped. ``None``: python-docx's default
        document, on A4.

    Returns
    -------
    list of str
        The warnings (a style the template lacks, named), also emitted with
        :func:`warnings.warn`.

    Raises
    ------
    InputError
        If the template is missing, not a ``.docx``, or unreadable.
    """
    document = _open(template)
    styles = _Styles(document)
    found = [f"report.docx_template={str(template)!r}: has no style {name!r}; the note "
             f"uses a plain one instead" for name in styles.missing] if template else []
    lang = note.language
    if note.organisation:
        _paragraph(document, note.organisation, "body", styles, bold=True, size=9.5,
                   colour=_NAVY)
    _paragraph(document, note.title.upper(), "title", styles)
    for label, value in ((note.label("subject"), note.subject), (note.label("date"), note.date)):
        paragraph = document.add_paragraph(style=styles.get("body"))
        paragraph.add_run(f"{label}{colon(lang)} ").bold = True
        run = paragraph.add_run(value)
        run.bold = label == note.label("subject")
    if note.warning:
        _paragraph(document, note.warning, "body", styles, bold=True,
                   colour=RGBColor(0xB3, 0x4A, 0x0A))
    for block in note.blocks:
        if isinstance(block, Heading):
            _paragraph(document, block.text, "heading", styles)
        elif isinstance(block, TextBlock):
            role = "caption" if block.style == "caption" else "body"
            paragraph = _paragraph(document, "", role, styles)
            if block.lead:
                paragraph.add_run(block.lead + " ").italic = True
            run = paragraph.add_run(block.text)
            run.bold = block.style == "strong"
            run.italic = block.style == "emphasis"
            if role == "caption" and styles.get("caption") is None:
                run.font.size = Pt(8.5)
        elif isinstance(block, Items):
            for item in block.items:
                if styles.get("bullet"):
                    _paragraph(document, item, "bullet", styles)
                else:
                    _paragraph(document, "• " + item, "body", styles)
        elif isinstance(block, Table):
            _table(document, block.header, block.rows, styles)
            document.add_paragraph(style=styles.get("body"))
        elif isinstance(block, Facts):
            _table(document, (), block.rows, styles)
        elif isinstance(block, Figure):
            paragraph = document.add_paragraph(style=styles.get("body"))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run().add_picture(io.BytesIO(block.png), width=Cm(FIGURE_WIDTH_CM))
        elif isinstance(block, WriteIn):
            _write_in(document, block, styles)
    for message in found:
        warnings.warn(message, UserWarning, stacklevel=2)
    document.save(str(path))
    return found
