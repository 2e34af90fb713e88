"""The note as one self-contained HTML page laid out for A4 print.

:func:`note_html` writes a :class:`~evalkit.reports.render.note.Note` with the Jinja2
template ``templates/note.html.j2`` and its stylesheet ``templates/note.css``: an A4
page (``@page``: margins 2 cm, 2.5 cm on the binding side), the page number at the
bottom right ("Page 1 sur 2"), the figure at its fixed printed size, no break inside a
figure, a table or the recommendation box. Every text is escaped; the figure is
embedded (a ``data:`` URI), so the page needs nothing else.

A headless browser prints it to PDF, for example::

    chromium --headless --no-sandbox --no-pdf-header-footer --print-to-pdf=note.pdf note.html

(``--no-pdf-header-footer``: without it, Chromium prints its own header and footer, the
date and the file's address, over the page's).
"""

from __future__ import annotations

from markupsafe import Markup

from evalkit.formatting import colon
from evalkit.reports.render.blocks import _environment
from evalkit.reports.render.note import (
    FIGURE_HEIGHT_CM,
    FIGURE_WIDTH_CM,
    WRITE_IN_HEIGHT_CM,
    Note,
)

__all__ = ["note_html"]


def note_html(note: Note) -> str:
    """The note as a self-contained HTML page, for A4 print.

    Parameters
    ----------
    note
        The note (``PolicyReport.note()``, ``TrackingReport.note()`` or
        :meth:`Note.from_json`).

    Returns
    -------
    str
        The page's HTML (UTF-8 text).
    """
    env = _environment()
    css = env.get_template("note.css").render().strip()
    return env.get_template("note.html.j2").render(
        note=note, css=Markup(css), subject_label=note.label("subject") + colon(note.language),
        date_label=note.label("date") + colon(note.language),
        page_label=note.label("page"), of_label=note.label("of"),
        figure_width=FIGURE_WIDTH_CM, figure_height=FIGURE_HEIGHT_CM,
        write_in_height=WRITE_IN_HEIGHT_CM).strip() + "\n"
