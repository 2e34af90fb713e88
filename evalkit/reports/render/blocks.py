"""What a report section says, as blocks: headings, paragraphs, tables, figures.

A section is built as a list of blocks holding text and numbers already worded and
formatted in the report's language, never HTML; :func:`render` turns them into HTML
with the Jinja2 templates of ``templates/`` (every text escaped). The same blocks can
be laid out in another format.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from matplotlib.figure import Figure as MatplotlibFigure

__all__ = ["Block", "Title", "Heading", "Paragraph", "Items", "Table", "Facts", "Figure",
           "Details", "Badge", "Shaded", "Lines", "Cell", "render", "render_page_style",
           "report_part"]


@dataclass(frozen=True)
class Title:
    """The report's title, the organisation below it, and a warning banner if any."""

    text: str
    subtitle: str = ""
    warning: str = ""
    kind: Literal["title"] = "title"


@dataclass(frozen=True)
class Heading:
    """A section (level 2) or sub-section (level 3) heading."""

    text: str
    level: int = 2
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: ``plain``, a ``caption`` (smaller, grey), ``strong`` (a verdict) or
    ``emphasis`` (in italics: the params' notes).

    ``lead`` is written first in italics (``Notes:``).
    """

    text: str
    style: Literal["plain", "caption", "strong", "emphasis"] = "plain"
    lead: str = ""
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class Items:
    """A list of sentences; ``findings`` sets them apart as the report's key findings."""

    items: tuple[str, ...]
    style: Literal["plain", "findings"] = "plain"
    kind: Literal["items"] = "items"


@dataclass(frozen=True)
class Badge:
    """A status as a table cell: a dot of its colour before its name."""

    text: str
    colour: str
    kind: Literal["badge"] = "badge"


@dataclass(frozen=True)
class Shaded:
    """A table cell written in white on a coloured background (a target reached or not)."""

    text: str
    colour: str
    kind: Literal["shaded"] = "shaded"


@dataclass(frozen=True)
class Lines:
    """A table cell of several lines, each kept on one line (targets and their years)."""

    lines: tuple[str, ...]
    kind: Literal["lines"] = "lines"


Cell = str | Badge | Shaded | Lines


@dataclass(frozen=True)
class Table:
    """A table with a header row; a cell is text, a :class:`Badge`, :class:`Shaded` or
    :class:`Lines`. ``style`` is ``evalkit`` (the reports' tables: numbers aligned right),
    ``text`` (the same, every column aligned left: sentences) or ``attainment`` (the
    target attainment table)."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    style: Literal["evalkit", "text", "attainment"] = "evalkit"
    kind: Literal["table"] = "table"

    @classmethod
    def of(cls, header: Sequence[str], rows: Sequence[Sequence[Cell]],
           style: Literal["evalkit", "text", "attainment"] = "evalkit") -> Table:
        """A table from lists (of cells already formatted as text)."""
        return cls(tuple(header), tuple(tuple(row) for row in rows), style)


@dataclass(frozen=True)
class Facts:
    """A two-column table of facts: a label then its value on each row."""

    rows: tuple[tuple[str, str], ...]
    kind: Literal["facts"] = "facts"

    @classmethod
    def of(cls, rows: Sequence[Sequence[str]]) -> Facts:
        """Facts from a list of ``[label, value]`` pairs."""
        return cls(tuple((str(k), str(v)) for k, v in rows))


@dataclass(frozen=True)
class Figure:
    """A figure, kept as PNG bytes, with its text alternative."""

    png: bytes = field(repr=False)
    alt: str
    kind: Literal["figure"] = "figure"

    @classmethod
    def of(cls, fig: MatplotlibFigure, alt: str, language: str = "en") -> Figure:
        """A matplotlib figure, its axis numbers written in ``language``."""
        from evalkit.plots import localise_numbers

        localise_numbers(fig, language)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        png = buffer.getvalue()
        if getattr(fig, "evalkit_map", None) is not None:
            png = _palette_png(png)
        return cls(png, alt)

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _palette_png(png: bytes) -> bytes:
    """The PNG as a 256-colour palette image, without dithering.

    A map has a few flat class colours, outlines and their anti-aliased edges: median-cut
    keeps every frequent colour exactly and makes the image about three times smaller,
    which keeps a report with a dozen commune maps within a few megabytes.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        flat = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                             dither=Image.Dither.NONE)
        out = io.BytesIO()
        flat.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class Details:
    """Text shown when the reader opens it (the params file's content)."""

    summary: str
    content: str
    kind: Literal["details"] = "details"


Block = Title | Heading | Paragraph | Items | Table | Facts | Figure | Details


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("evalkit.reports.render", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=False)


def render(blocks: Sequence[Block]) -> str:
    """The blocks as HTML (``templates/blocks.html.j2``); every text is escaped."""
    return _environment().get_template("blocks.html.j2").render(blocks=blocks).strip()


def report_part(markup: str) -> str:
    """HTML of report sections wrapped as one part of the report (``templates/part.html.j2``),
    the element the stylesheet applies to."""
    return _environment().get_template("part.html.j2").render(markup=Markup(markup)).strip()


def render_page_style() -> str:
    """The report's stylesheet, as a ``<style>`` element (``templates/report.css``)."""
    css = _environment().get_template("report.css").render().strip()
    return "\n" + _environment().get_template("style.html.j2").render(css=Markup(css)) + "\n"
