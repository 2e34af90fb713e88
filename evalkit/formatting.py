"""Numbers written the way each report language writes them: the one formatter of evalkit.

Reports, plot axes and every other place that writes a number for a reader go through
:func:`format_number` (and the helpers built on it: :func:`format_percent`,
:func:`format_interval`, :func:`format_p_value`, :func:`format_level`). The digits,
decimal mark, thousands separator and percent pattern come from the CLDR locale data
of `Babel <https://babel.pocoo.org>`_ (:data:`LOCALES`: ``fr_FR`` and ``en_GB``):

- French: decimal comma, a narrow no-break space (U+202F) between thousands;
- English: decimal point, a comma between thousands.

Where evalkit's typography differs from CLDR's, it is overridden here, explicitly:

- **minus sign**: CLDR writes negative numbers with U+002D HYPHEN-MINUS in both
  locales; evalkit writes U+2212 MINUS SIGN (:data:`MINUS`), in both languages, as
  typesetting does (the same width as ``+``, never broken from its number);
- **French percent sign**: CLDR's French pattern (``#,##0 %``) puts a no-break space
  (U+00A0) before ``%``; evalkit puts a narrow no-break space (U+202F, :data:`NNBSP`),
  as the Imprimerie nationale's rules recommend and as the reports always have;
- **rounding**: a number is rounded as stored (the exact value of the binary float,
  half to even), as Python's own formatting does: 0.0365 is stored as
  0.036499999..., so it is written ``0.036`` with three decimals, not ``0.037``;
- **missing values** are written ``n/a`` (English) and ``n.d.`` (French) rather than
  CLDR's ``NaN``; an infinite value ``∞`` or ``−∞``.

A number that rounds to zero carries no sign (``0.000``, never ``−0.000``).
"""

from __future__ import annotations

import decimal
import math
import numbers
from functools import cache
from typing import Literal

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.numbers import format_percent as _babel_percent

from evalkit.errors import InputError

__all__ = ["Language", "LOCALES", "MINUS", "NNBSP", "format_number", "format_percent",
           "decimals_for", "format_p_value", "format_interval", "format_level",
           "interval_decimals", "colon", "semicolon"]

#: The languages of reports. Each has its message catalogue,
#: evalkit/reports/messages/locales/<language>.po, and its locale in :data:`LOCALES`:
#: adding a language is adding all three (a test checks that they match).
Language = Literal["en", "fr"]

#: The CLDR locale whose number symbols and patterns each report language uses.
LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR"}

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before %
MINUS = "\u2212"  # minus sign (CLDR: U+002D hyphen-minus), in both languages

_MISSING = {"en": "n/a", "fr": "n.d."}
#: Enough digits for any float written in full (a double has at most 309 integer digits
#: and 1074 decimals): rounding is exact, never limited by a context's precision.
_EXACT = decimal.Context(prec=1500, rounding=decimal.ROUND_HALF_EVEN)


def _check_language(language: object) -> str:
    if language not in LOCALES:
        raise InputError(f"language={language!r}: must be one of "
                         f"{', '.join(map(repr, LOCALES))}; got {language!r}")
    return str(language)


def _check_decimals(decimals: object) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) \
            or decimals < 0:
        raise InputError(f"decimals={decimals!r}: must be a non-negative whole number; "
                         f"got {decimals!r}")
    return int(decimals)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES[language])


@cache
def _decimal_pattern(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


@cache
def _percent_pattern(language: str, decimals: int) -> NumberPattern:
    """The locale's percent pattern with ``decimals`` fixed decimals (and evalkit's space)."""
    pattern = parse_pattern(_locale(language).percent_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    # CLDR: "#,##0 %" with U+00A0 in French; evalkit: U+202F (see the module docstring).
    pattern.prefix = tuple(p.replace("\u00a0", NNBSP) for p in pattern.prefix)
    pattern.suffix = tuple(s.replace("\u00a0", NNBSP) for s in pattern.suffix)
    return pattern


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, in any numeric type
    except TypeError:  # pandas.NA: its comparisons are missing too
        return True


def _rounded(value: float | int, decimals: int) -> decimal.Decimal:
    """``|value|`` rounded to ``decimals`` decimals, from its exact stored value."""
    if isinstance(value, numbers.Integral):
        exact = decimal.Decimal(int(value))
    else:
        exact = decimal.Decimal(float(value))
    return exact.copy_abs().quantize(decimal.Decimal(1).scaleb(-decimals), context=_EXACT)


def _sign(value: float | int, rounded: decimal.Decimal, signed: bool) -> str:
    if rounded != 0 and value < 0:
        return MINUS
    return "+" if signed and value > 0 else ""


def format_number(value: float | int | None, language: Language, decimals: int = 2,
                  signed: bool = False, *, min_grouping_digits: int = 1) -> str:
    """Format a number with grouped thousands in the report's language.

    Parameters
    ----------
    value
        The number (a Python or numpy number); None or NaN is written ``n/a``
        (English) or ``n.d.`` (French).
    language
        ``"en"`` or ``"fr"`` (see :data:`LOCALES`).
    decimals
        How many decimals to write, always all of them (``2.50``).
    signed
        Write ``+`` before a positive number.
    min_grouping_digits
        CLDR's *minimum grouping digits*: thousands are separated only when the
        digits before the first separator would be at least this many. 1 (the
        default) groups every number from 1,000 on; 2 groups from five digits on
        (``12 500``), leaving four-digit numbers such as years whole (``2024``), as
        French typography allows and as plot axes write them.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(-11863.9033, "fr", 0)
    '−11\u202f864'
    >>> format_number(0.03651, "en", 3)
    '0.037'

    Rounding is of the number as stored: 0.0365 is stored as 0.036499999..., so

    >>> format_number(0.0365, "en", 3)
    '0.036'
    >>> format_number(2024, "fr", 0), format_number(2024, "fr", 0, min_grouping_digits=2)
    ('2\u202f024', '2024')
    """
    language = _check_language(language)
    decimals = _check_decimals(decimals)
    if _missing(value):
        return _MISSING[language]
    if not isinstance(value, numbers.Integral) and math.isinf(float(value)):
        return ("" if value > 0 else MINUS) + "∞"
    rounded = _rounded(value, decimals)
    grouped = len(str(int(rounded))) >= 3 + min_grouping_digits
    with decimal.localcontext(_EXACT):
        text = format_decimal(rounded, format=_decimal_pattern(decimals),
                              locale=_locale(language), group_separator=grouped)
    return _sign(value, rounded, signed) + text


def format_percent(value: float | None, language: Language, decimals: int = 1,
                   signed: bool = False) -> str:
    """Format a percentage (``value`` already in percent): ``3.6%`` or ``3,6 %``.

    The locale's percent pattern, with a narrow no-break space before ``%`` in French.

    >>> format_percent(-3.56, "en", 1), format_percent(21.04, "fr", 1)
    ('−3.6%', '21,0\u202f%')
    """
    language = _check_language(language)
    decimals = _check_decimals(decimals)
    if _missing(value) or math.isinf(float(value)):  # type: ignore[arg-type]
        number = format_number(value, language, decimals, signed)  # n/a, n.d., ∞
        return f"{number}{NNBSP}%" if language == "fr" else f"{number}%"
    rounded = _rounded(value, decimals)  # type: ignore[arg-type]
    with decimal.localcontext(_EXACT):
        text = _babel_percent(rounded.scaleb(-2), format=_percent_pattern(language, decimals),
                              locale=_locale(language))
    return _sign(value, rounded, signed) + text  # type: ignore[arg-type]


def decimals_for(std_error: float, minimum: int = 0, maximum: int = 6) -> int:
    """Decimals that show an estimate to about two significant digits of its standard error.

    >>> decimals_for(0.0133), decimals_for(7456.65)
    (3, 0)
    """
    if not math.isfinite(std_error) or std_error <= 0:
        return 3
    return int(min(maximum, max(minimum, 1 - math.floor(math.log10(std_error)))))


def format_p_value(p: float, language: Language) -> str:
    """A p-value with three decimals, or ``< 0.001``.

    >>> format_p_value(0.0004, "fr"), format_p_value(0.1811, "en")
    ('< 0,001', '0.181')
    """
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


def semicolon(language: str) -> str:
    """A semicolon as the language writes it: French puts a no-break space before it.

    >>> semicolon("fr"), semicolon("en")
    ('\xa0;', ';')
    """
    return "\u00a0;" if language == "fr" else ";"


def format_interval(low: float, high: float, language: Language, decimals: int = 2) -> str:
    """A confidence interval: ``−0.064 to −0.016`` or ``[−0,064 ; −0,016]``.

    ``decimals`` is raised, if needed, to the digits the interval's width warrants (see
    :func:`interval_decimals`), never lowered.

    >>> format_interval(-0.0641, -0.0159, "fr", 3)
    '[−0,064 ; −0,016]'
    """
    decimals = interval_decimals(low, high, minimum=decimals)
    lo, hi = format_number(low, language, decimals), format_number(high, language, decimals)
    return f"[{lo} ; {hi}]" if language == "fr" else f"{lo} to {hi}"


def format_level(alpha: float, language: Language) -> str:
    """The confidence level of intervals at significance ``alpha``: ``95%`` or ``95 %``
    (``97.5%``, ``99.9%``: as many decimals as the level needs, at most two).

    >>> format_level(0.05, "fr"), format_level(0.025, "en")
    ('95\u202f%', '97.5%')
    """
    percent = round(100 * (1 - alpha), 10)
    decimals = next((d for d in (0, 1) if abs(percent - round(percent, d)) < 1e-9), 2)
    return format_percent(percent, language, decimals)
