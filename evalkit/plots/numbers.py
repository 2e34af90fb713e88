"""Numbers on plot axes written the way the report's language writes them.

matplotlib writes tick labels the English way (``1.5``, ``-0.25``). In a French report
they read ``1,5`` and ``−0,25``, with a narrow no-break space between thousands from
five digits on (``12 500``; four-digit numbers such as years stay ungrouped, as French
typography allows). :func:`localise_numbers` swaps the formatter of every numeric axis
of a figure; axes whose ticks are texts (territory names) are left alone.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

__all__ = ["localise_numbers", "FrenchScalarFormatter", "french_number_text"]

_NUMBER = re.compile(r"^([\u2212+-]?)(\d+)(.*)$")


def french_number_text(text: str) -> str:
    """An English-written number as French writes it: decimal comma, grouped thousands.

    >>> french_number_text("-12500.5")
    '−12\u202f500,5'
    >>> french_number_text("2020")
    '2020'
    """
    text = text.replace(".", ",").replace("-", "\u2212")
    match = _NUMBER.match(text)
    if match and len(match.group(2)) >= 5:
        digits = match.group(2)
        groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
        text = match.group(1) + "\u202f".join(groups) + match.group(3)
    return text


class FrenchScalarFormatter(ScalarFormatter):
    """matplotlib's :class:`~matplotlib.ticker.ScalarFormatter`, written the French way."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return french_number_text(super().__call__(x, pos))


def localise_numbers(fig: Figure, language: Literal["en", "fr"] | Any) -> Figure:
    """Write the numbers on every numeric axis of ``fig`` in ``language``.

    English figures are left as matplotlib draws them. Returns the figure.
    """
    if language != "fr":
        return fig
    for ax in fig.findobj(Axes):
        for axis in (ax.xaxis, ax.yaxis):
            current = axis.get_major_formatter()
            if type(current) is ScalarFormatter:
                formatter = FrenchScalarFormatter(useOffset=current.get_useOffset())
                axis.set_major_formatter(formatter)
    return fig
