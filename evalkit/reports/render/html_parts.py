"""HTML of single blocks, for sections still assembled piece by piece (all text is escaped).

Each function renders one :mod:`evalkit.reports.render.blocks` block with the report's
templates.
"""

from __future__ import annotations

import html

from matplotlib.figure import Figure as MatplotlibFigure

from evalkit.reports.render.blocks import Facts, Figure, Table, render

__all__ = ["esc", "table", "facts_table", "figure_html"]


def esc(value: object) -> str:
    """``value`` as text, escaped for HTML."""
    return html.escape(str(value))


def table(header: list[str], rows: list[list[str]]) -> str:
    """A simple table; every cell is escaped."""
    return render([Table.of(header, rows)])


def facts_table(rows: list[list[str]] | list[tuple[str, str]]) -> str:
    """A two-column table of facts, a label then its value on each row; escaped."""
    return render([Facts.of(rows)])


def figure_html(fig: MatplotlibFigure, alt: str, language: str = "en") -> str:
    """A figure as an embedded PNG image (no external file), its axis numbers in ``language``."""
    return render([Figure.of(fig, alt, language)])
