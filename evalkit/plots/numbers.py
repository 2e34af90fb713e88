"""Numbers on plot axes written the way the report's locale writes them.

matplotlib writes tick labels the English way (``1.5``, ``-0.25``). In a French report
they read ``1,5`` and ``−0,25``, with a narrow no-break space between thousands from
five digits on (``12 500``; four-digit numbers such as years stay whole, as French
typography allows); in a Dutch (Belgian) one ``1,5`` and ``12.500``, as CLDR's ``nl_BE``
says. :func:`localise_numbers` gives every numeric axis of a figure a
:class:`LocalisedScalarFormatter`, which writes each tick with the formatter of the
reports (:func:`evalkit.formatting.format_number`); axes whose ticks are texts
(territory names) are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from evalkit.errors import InputError
from evalkit.formatting import Language, format_number, language_of, locale_of

__all__ = ["localise_numbers", "LocalisedScalarFormatter"]

#: The number in matplotlib's tick format (``%1.2f``, or wrapped in mathtext).
_DECIMALS = re.compile(r"%1\.(\d+)f")


def _state(formatter: ScalarFormatter, name: str) -> Any:
    """What matplotlib computed for the current ticks: ``locs``, ``orderOfMagnitude``,
    ``format`` (private attributes since matplotlib 3.11, public before)."""
    private = f"_{name}"
    return getattr(formatter, private) if hasattr(formatter, private) else getattr(
        formatter, name)


class LocalisedScalarFormatter(ScalarFormatter):
    """matplotlib's :class:`~matplotlib.ticker.ScalarFormatter`, its numbers written in a locale.

    matplotlib still decides everything but the writing: the decimals all ticks share,
    the offset and the order of magnitude shown apart (``1e6``). Each tick's number is
    then written by :func:`evalkit.formatting.format_number` in ``language``, with
    thousands grouped from five digits on (``min_grouping_digits=2``).

    Parameters
    ----------
    language
        A language (``"en"``, ``"fr"``, ``"nl"``) or a locale (``"fr-BE"``, ``"nl-BE"``),
        as :func:`evalkit.formatting.locale_of` reads it.
    useOffset
        As in :class:`~matplotlib.ticker.ScalarFormatter`.

    Examples
    --------
    >>> formatter = LocalisedScalarFormatter("fr", useOffset=False)
    >>> formatter.set_scientific(False)
    >>> formatter.format_ticks([-0.25, 0.0, 0.25])
    ['−0,25', '0,00', '0,25']
    >>> formatter.format_ticks([2020, 2022, 2024]), formatter.format_ticks([0, 12500, 25000])
    (['2020', '2022', '2024'], ['0', '12\u202f500', '25\u202f000'])
    >>> dutch = LocalisedScalarFormatter("nl-BE", useOffset=False)
    >>> dutch.set_scientific(False)
    >>> dutch.format_ticks([0, 12500, 25000])
    ['0', '12.500', '25.000']
    """

    def __init__(self, language: Language, useOffset: bool | float | None = None) -> None:  # noqa: N803
        try:
            locale_of(language)
        except InputError:
            raise InputError(f"language={language!r}: must be a language or a locale Babel "
                             f"knows (en, fr, nl, fr-BE, nl-BE ...); got {language!r}") from None
        super().__init__(useOffset=useOffset)
        self.language: Language = language

    def __call__(self, x: float, pos: int | None = None) -> str:
        if len(_state(self, "locs")) == 0:
            return ""
        template = _state(self, "format")
        match = _DECIMALS.search(template)
        if match is None:  # a format this class does not know: matplotlib's own text
            return super().__call__(x, pos)
        scaled = (x - self.offset) / (10.0 ** _state(self, "orderOfMagnitude"))
        if abs(scaled) < 1e-8:
            scaled = 0.0
        number = format_number(scaled, self.language, int(match.group(1)),
                               min_grouping_digits=2)
        return template[:match.start()] + number + template[match.end():]


def localise_numbers(fig: Figure, language: Language | Any) -> Figure:
    """Write the numbers on every numeric axis of ``fig`` in ``language`` (a language or a
    locale).

    English figures, and a value that is not a language or locale, are left as matplotlib
    draws them. Returns the figure.
    """
    try:
        if language_of(language) == "en":
            return fig
    except InputError:
        return fig
    for ax in fig.findobj(Axes):
        for axis in (ax.xaxis, ax.yaxis):
            current = axis.get_major_formatter()
            if type(current) is ScalarFormatter:
                formatter = LocalisedScalarFormatter(language, useOffset=current.get_useOffset())
                axis.set_major_formatter(formatter)
    return fig
