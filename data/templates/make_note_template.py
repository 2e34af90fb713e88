"""Write data/templates/note_template.docx: the neutral example Word template of the note.

An A4 page (margins 2 cm, 2.5 cm on the left), a header with a placeholder logo box and
"[Nom de l'organisation]", a footer with "Page X sur Y" (Word fields), and the styles
the note uses (Normal, Title, Heading 1, Caption, List Bullet, Table Grid) in a sober
Arial. An organisation replaces the placeholders with its own name and logo in Word and
points ``report.docx_template`` at its copy.

Run from the repository's root: ``python data/templates/make_note_template.py``.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).with_name("note_template.docx")
NAVY = RGBColor(0x1F, 0x3B, 0x5A)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in the paragraph."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None),
                       (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _box(cell) -> None:
    """A thin grey border around a table cell (the logo's place)."""
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "dashed"), ("w:sz", "6"), ("w:color", "7B8794")):
            element.set(qn(key), value)
        borders.append(element)
    cell._tc.get_or_add_tcPr().append(borders)


def main() -> None:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(0.8), Cm(0.8)

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Arial")
    for name, size in (("Title", 16), ("Heading 1", 12)):
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = "Arial", Pt(size), True
        style.font.color.rgb = NAVY
        style.paragraph_format.space_before = Pt(10 if name == "Heading 1" else 6)
        style.paragraph_format.space_after = Pt(4)
    caption = styles["Caption"]
    caption.font.name, caption.font.size, caption.font.bold = "Arial", Pt(8.5), False
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0x52, 0x60, 0x6D)
    styles["List Bullet"].font.name = "Arial"

    header = section.header
    table = header.add_table(rows=1, cols=2, width=Cm(16.5))
    logo, name = table.rows[0].cells
    logo.width, name.width = Cm(3.5), Cm(13.0)
    _box(logo)
    logo.paragraphs[0].add_run("[Logo]").font.color.rgb = RGBColor(0x7B, 0x87, 0x94)
    logo.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    table.rows[0].height = Cm(1.6)
    run = name.paragraphs[0].add_run("[Nom de l'organisation]")
    run.bold, run.font.color.rgb = True, NAVY
    name.add_paragraph("[Direction — service]")
    for paragraph in name.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.paragraphs[0].text = ""

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)

    document.add_paragraph("Corps de la note : remplacé par evalkit.")
    document.core_properties.title = "Modèle de note (evalkit)"
    document.core_properties.author = "evalkit"
    document.save(str(OUT))


if __name__ == "__main__":
    main()
