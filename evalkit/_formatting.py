"""Numbers written the way each report language writes them.

French: decimal comma, narrow no-break space between thousands, minus sign, a
no-break space before ``%``. English: decimal point and comma thousands.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["Language", "format_number", "format_percent", "decimals_for", "format_p_value",
           "format_interval", "format_level", "interval_decimals", "colon"]

#: The languages of reports. Each has its message catalogue,
#: evalkit/reports/messages/locales/<language>.po: adding a language is adding both (a test
#: checks that they match).
Language = Literal["en", "fr"]

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before %
MINUS = "\u2212"


def decimals_for(std_error: float, minimum: int = 0, maximum: int = 6) -> int:
    """Decimals that show an estimate to about two significant digits of its standard error."""
    if not math.isfinite(std_error) or std_error <= 0:
        return 3
    return int(min(maximum, max(minimum, 1 - math.floor(math.log10(std_error)))))


def format_number(value: float, language: Language, decimals: int = 2,
                  signed: bool = False) -> str:
    """Format a number with grouped thousands in the report's language.

    >>> format_number(-11863.9033, "fr", 0)
    '−11\u202f864'
    >>> format_number(0.03651, "en", 3)
    '0.037'

    Rounding is of the number as stored: 0.0365 is stored as 0.036499999..., so

    >>> format_number(0.0365, "en", 3)
    '0.036'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a" if language == "en" else "n.d."
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        negative = False
    else:
        negative = value < 0
    if language == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    sign = MINUS if negative else ("+" if signed and value > 0 else "")
    return sign + text


def format_percent(value: float, language: Language, decimals: int = 1,
                   signed: bool = False) -> str:
    """Format a percentage (``value`` already in percent): ``3.6%`` or ``3,6 %``."""
    number = format_number(value, language, decimals, signed)
    return f"{number}{NNBSP}%" if language == "fr" else f"{number}%"


def format_p_value(p: float, language: Language) -> str:
    """A p-value with three decimals, or ``< 0.001``."""
    if p < 0.001:
        return "< " + format_number(0.001, language, 3)
    return format_number(p, language, 3)


def interval_decimals(low: float, high: float, minimum: int = 0, maximum: int = 6) -> int:
    """Decimals that show an interval's width to two significant digits (at least ``minimum``).

    An interval written with fewer digits than its width warrants hides how precise the
    estimate is: [2.1; 2.4] is written [2.13; 2.42].

    >>> interval_decimals(2.13, 2.42, minimum=1)
    2
    >>> interval_decimals(-23991.0, -4365.0)
    0
    """
    width = high - low
    if not (math.isfinite(width) and width > 0):
        return minimum
    return int(min(maximum, max(minimum, 1 - math.floor(math.log10(width)))))


def colon(language: str) -> str:
    """A colon as the language writes it: French puts a no-break space before it.

    >>> colon("fr"), colon("en")
    ('\xa0:', ':')
    """
    return "\u00a0:" if language == "fr" else ":"


def format_interval(low: float, high: float, language: Language, decimals: int = 2) -> str:
    """A confidence interval: ``-0.064 to -0.016`` or ``[−0,064 ; −0,016]``.

    ``decimals`` is raised, if needed, to the digits the interval's width warrants (see
    :func:`interval_decimals`), never lowered.
    """
    decimals = interval_decimals(low, high, minimum=decimals)
    lo, hi = format_number(low, language, decimals), format_number(high, language, decimals)
    return f"[{lo} ; {hi}]" if language == "fr" else f"{lo} to {hi}"


def format_level(alpha: float, language: Language) -> str:
    """The confidence level of intervals at significance ``alpha``: ``95%`` or ``95 %``
    (``97.5%``, ``99.9%``: as many decimals as the level needs, at most two)."""
    percent = round(100 * (1 - alpha), 10)
    decimals = next((d for d in (0, 1) if abs(percent - round(percent, d)) < 1e-9), 2)
    return format_percent(percent, language, decimals)
