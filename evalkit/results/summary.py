"""One summary object per result, rendered as text, HTML or LaTeX from the same content."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Summary", "format_number"]


def format_number(value: object, digits: int = 4) -> str:
    """Format a number for a summary table: fixed digits, thousands separators, '.' for missing."""
    if value is None:
        return "."
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "." if np.isnan(value) else ("inf" if value > 0 else "-inf")
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.{digits - 1}e}"
        return f"{value:,.{digits}f}"
    return str(value)


@dataclass(frozen=True)
class Summary:
    """A result's summary: a title, facts about the fit, a table of estimates and notes.

    ``str(summary)`` gives the text form; :meth:`as_html` and :meth:`as_latex` the
    other renderings; in JupyterLab the HTML form is shown.
    """

    title: str
    facts: tuple[tuple[str, str], ...]
    table: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    digits: int = 4

    def _cells(self) -> list[list[str]]:
        rows = []
        for label, row in self.table.iterrows():
            rows.append([str(label)] + [format_number(v, self.digits) for v in row.to_numpy()])
        return rows

    def _header(self) -> list[str]:
        return [str(self.table.index.name or "")] + [str(c) for c in self.table.columns]

    def as_text(self) -> str:
        header = self._header()
        cells = self._cells()
        widths = [max(len(r[i]) for r in [header, *cells]) for i in range(len(header))]
        fmt_row = lambda r: "  ".join(  # noqa: E731
            r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(len(r)))
        width = max(len(fmt_row(header)), len(self.title), 60)
        fact_width = max((len(k) for k, _ in self.facts), default=0)
        lines = [self.title.center(width), "=" * width]
        lines += [f"{k + ':':<{fact_width + 1}} {v}" for k, v in self.facts]
        lines += ["-" * width, fmt_row(header), "-" * width]
        lines += [fmt_row(r) for r in cells]
        lines.append("=" * width)
        lines += self.notes
        return "\n".join(lines)

    def as_html(self) -> str:
        esc = html.escape
        facts = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th>"
                        f"<td style='text-align:left'>{esc(v)}</td></tr>" for k, v in self.facts)
        head = "".join(f"<th>{esc(h)}</th>" for h in self._header())
        body = "".join("<tr>" + "".join(
            f"<td style='text-align:{'left' if i == 0 else 'right'}'>{esc(c)}</td>"
            for i, c in enumerate(r)) + "</tr>" for r in self._cells())
        notes = "".join(f"<p style='margin:0.2em 0;font-size:90%'>{esc(n)}</p>" for n in self.notes)
        return (f"<div class='evalkit-summary'><strong>{esc(self.title)}</strong>"
                f"<table>{facts}</table><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{notes}</div>")

    def as_latex(self) -> str:
        tex = _latex_escape
        header = self._header()
        spec = "l" + "r" * (len(header) - 1)
        lines = [r"\begin{table}[ht]", r"\centering", rf"\caption{{{tex(self.title)}}}",
                 rf"\begin{{tabular}}{{{spec}}}", r"\hline",
                 " & ".join(tex(h) for h in header) + r" \\", r"\hline"]
        lines += [" & ".join(tex(c) for c in r) + r" \\" for r in self._cells()]
        lines += [r"\hline", r"\end{tabular}"]
        facts = "; ".join(f"{k}: {v}" for k, v in self.facts)
        lines += [rf"\par\footnotesize {tex(facts)}"]
        lines += [rf"\par\footnotesize {tex(n)}" for n in self.notes]
        lines.append(r"\end{table}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
          "|": r"\textbar{}"}


def _latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in one pass."""
    return "".join(_LATEX.get(ch, ch) for ch in text)


def facts_from(pairs: Sequence[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    """Turn (label, value) pairs into the text facts a Summary shows."""
    return tuple((label, format_number(value) if not isinstance(value, str) else value)
                 for label, value in pairs)
