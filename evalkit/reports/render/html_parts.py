"""Small HTML building blocks shared by the report sections (all text is escaped)."""

from __future__ import annotations

import base64
import html
import io

from matplotlib.figure import Figure

__all__ = ["esc", "table", "facts_table", "figure_html"]


def esc(value: object) -> str:
    """``value`` as text, escaped for HTML."""
    return html.escape(str(value))


def table(header: list[str], rows: list[list[str]]) -> str:
    """A simple table; every cell is escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table class='evalkit'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts_table(rows: list[list[str]] | list[tuple[str, str]]) -> str:
    """A two-column table of facts, a label then its value on each row; escaped."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<table class='evalkit facts'><tbody>{body}</tbody></table>"


def figure_html(fig: Figure, alt: str, language: str = "en") -> str:
    """A figure as an embedded PNG image (no external file), its axis numbers in ``language``."""
    from evalkit.plots import localise_numbers

    localise_numbers(fig, language)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{esc(alt)}'>"
