"""Numbers and dates written the way each report locale writes them: the one formatter.

Reports, plot axes and every other place that writes a number for a reader go through
:func:`format_number` (and the helpers built on it: :func:`format_percent`,
:func:`format_interval`, :func:`format_p_value`, :func:`format_level`); dates go
through :func:`format_date` and :func:`format_datetime`. The digits, decimal mark,
thousands separator, percent pattern and date patterns come from the CLDR locale data
of `Babel <https://babel.pocoo.org>`_, never from evalkit.

Every function takes a *language or locale*: a language (``"fr"``), written in the
locale :data:`DEFAULT_LOCALES` gives it (``en`` → ``en_GB``, ``fr`` → ``fr_FR``, ``nl`` →
``nl_BE``; another language → Babel's own locale of that language), or a locale, with a
hyphen or an underscore (``"fr-BE"``, ``"nl_BE"``, ``"en-GB"``); :func:`locale_of` and
:func:`language_of` say which. For example:

- ``fr_FR`` and ``fr_BE``: decimal comma, a narrow no-break space (U+202F) between
  thousands (CLDR gives both the same numbers; their short dates differ);
- ``nl_BE``: decimal comma, a dot between thousands, ``12%``;
- ``en_GB``: decimal point, a comma between thousands.

Where evalkit's typography differs from CLDR's, it is overridden here, explicitly:

- **minus sign**: CLDR writes negative numbers with U+002D HYPHEN-MINUS; evalkit writes
  U+2212 MINUS SIGN (:data:`MINUS`), in every locale, as typesetting does (the same width
  as ``+``, never broken from its number);
- **French percent sign**: CLDR's French pattern (``#,##0 %``) puts a no-break space
  (U+00A0) before ``%``; evalkit puts a narrow no-break space (U+202F, :data:`NNBSP`),
  as the Imprimerie nationale's rules recommend and as the reports always have;
- **rounding**: a number is rounded as stored (the exact value of the binary float,
  half to even), as Python's own formatting does: 0.0365 is stored as
  0.036499999..., so it is written ``0.036`` with three decimals, not ``0.037``;
- **missing values** are written in the language's abbreviation (:data:`MISSING`:
  ``n/a``, ``n.d.``, ``n.b.``) rather than CLDR's ``NaN``; an infinite value ``∞`` or
  ``−∞``.

A number that rounds to zero carries no sign (``0.000``, never ``−0.000``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import numbers
import re
from functools import cache

from babel import Locale, localedata
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.numbers import format_percent as _babel_percent

from evalkit.errors import InputError

__all__ = ["Language", "DEFAULT_LOCALES", "LOCALES", "MISSING", "MINUS", "NNBSP",
           "locale_of", "language_of", "format_number", "format_percent",
           "decimals_for", "format_p_value", "format_interval", "format_level",
           "interval_decimals", "colon", "semicolon", "format_date", "format_datetime",
           "month_name"]

#: A language (``"fr"``) or a locale (``"fr-BE"``, ``"fr_BE"``): what every function here
#: takes to know how to write. The languages of reports are those with a message catalogue
#: (evalkit/reports/messages/locales/<language>.po); their locales are those Babel knows.
Language = str

#: The CLDR locale a language is written in when no locale is asked for.
DEFAULT_LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR", "nl": "nl_BE"}
#: Former name of :data:`DEFAULT_LOCALES`.
LOCALES = DEFAULT_LOCALES

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before %
MINUS = "\u2212"  # minus sign (CLDR: U+002D hyphen-minus), in every locale

#: How a missing value is written, by language (CLDR has no such word); a language not
#: listed writes ``n/a``.
MISSING: dict[str, str] = {"en": "n/a", "fr": "n.d.", "nl": "n.b."}
#: The space a language puts before ``:`` and ``;`` (French: a no-break space).
_SPACE_BEFORE_PUNCTUATION = {"fr": "\u00a0"}
#: How a language writes an interval; a language not listed writes ``[low; high]``.
_INTERVAL = {"en": "{low} to {high}", "fr": "[{low} ; {high}]", "nl": "[{low}; {high}]"}
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?")
#: Enough digits for any float written in full (a double has at most 309 integer digits
#: and 1074 decimals): rounding is exact, never limited by a context's precision.
_EXACT = decimal.Context(prec=1500, rounding=decimal.ROUND_HALF_EVEN)


@cache
def _identifier(tag: str) -> str:
    match = _TAG.fullmatch(tag)
    if match is None:
        raise ValueError(tag)
    language, territory = match.group(1).lower(), match.group(2)
    identifier = DEFAULT_LOCALES.get(language, language) if territory is None \
        else f"{language}_{territory.upper()}"
    if not localedata.exists(identifier):
        raise ValueError(tag)
    return identifier


def locale_of(language: object) -> str:
    """The CLDR locale (Babel's identifier) a language or locale is written in.

    A language is written in its locale of :data:`DEFAULT_LOCALES`; a locale may be
    written with a hyphen or an underscore, its region in any case.

    >>> locale_of("fr"), locale_of("fr-BE"), locale_of("nl"), locale_of("en_gb")
    ('fr_FR', 'fr_BE', 'nl_BE', 'en_GB')

    Raises
    ------
    InputError
        When ``language`` is neither a language nor a locale Babel knows.
    """
    try:
        return _identifier(language) if isinstance(language, str) else _identifier("")
    except ValueError:
        raise InputError(
            f"language={language!r}: must be a language ({', '.join(DEFAULT_LOCALES)} ...) "
            "or a locale Babel knows, such as fr-FR, fr-BE, nl-BE or en-GB; "
            f"got {language!r}") from None


def language_of(language: object) -> str:
    """The language of a language or locale: ``"fr-BE"`` → ``"fr"``.

    >>> language_of("nl-BE"), language_of("en")
    ('nl', 'en')
    """
    return locale_of(language).split("_")[0]


def _check_language(language: object) -> str:
    """The locale of ``language``, checked (see :func:`locale_of`)."""
    return locale_of(language)


def _check_decimals(decimals: object) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) \
            or decimals < 0:
        raise InputError(f"decimals={decimals!r}: must be a non-negative whole number; "
                         f"got {decimals!r}")
    return int(decimals)


@cache
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


def _missing_word(locale: str) -> str:
    return MISSING.get(locale.split("_")[0], MISSING["en"])


@cache
def _decimal_pattern(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


@cache
def _percent_pattern(locale: str, decimals: int) -> NumberPattern:
    """The locale's percent pattern with ``decimals`` fixed decimals (and evalkit's space)."""
    pattern = parse_pattern(_locale(locale).percent_formats[None].pattern)
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
        (English), ``n.d.`` (French) or ``n.b.`` (Dutch): see :data:`MISSING`.
    language
        A language (``"en"``, ``"fr"``, ``"nl"``) or a locale (``"fr-BE"``, ``"nl_BE"``):
        see :func:`locale_of`.
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
    >>> format_number(-12345.678, "nl-BE", 1)
    '−12.345,7'
    """
    language = _check_language(language)
    decimals = _check_decimals(decimals)
    if _missing(value):
        return _missing_word(language)
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
    >>> format_percent(21.04, "nl-BE", 1)
    '21,0%'
    """
    language = _check_language(language)
    decimals = _check_decimals(decimals)
    if _missing(value) or math.isinf(float(value)):  # type: ignore[arg-type]
        number = format_number(value, language, decimals, signed)  # n/a, n.d., ∞
        pattern = _percent_pattern(language, decimals)
        return pattern.prefix[0] + number + pattern.suffix[0]
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

    >>> colon("fr"), colon("en"), colon("fr-BE"), colon("nl")
    ('\xa0:', ':', '\xa0:', ':')
    """
    return _SPACE_BEFORE_PUNCTUATION.get(language_of(language), "") + ":"


def semicolon(language: str) -> str:
    """A semicolon as the language writes it: French puts a no-break space before it.

    >>> semicolon("fr"), semicolon("en")
    ('\xa0;', ';')
    """
    return _SPACE_BEFORE_PUNCTUATION.get(language_of(language), "") + ";"


def format_interval(low: float, high: float, language: Language, decimals: int = 2) -> str:
    """A confidence interval: ``−0.064 to −0.016``, ``[−0,064 ; −0,016]`` or ``[−0,064; −0,016]``.

    ``decimals`` is raised, if needed, to the digits the interval's width warrants (see
    :func:`interval_decimals`), never lowered.

    >>> format_interval(-0.0641, -0.0159, "fr", 3)
    '[−0,064 ; −0,016]'
    """
    decimals = interval_decimals(low, high, minimum=decimals)
    lo, hi = format_number(low, language, decimals), format_number(high, language, decimals)
    return _INTERVAL.get(language_of(language), "[{low}; {high}]").format(low=lo, high=hi)


def format_level(alpha: float, language: Language) -> str:
    """The confidence level of intervals at significance ``alpha``: ``95%`` or ``95 %``
    (``97.5%``, ``99.9%``: as many decimals as the level needs, at most two).

    >>> format_level(0.05, "fr"), format_level(0.025, "en")
    ('95\u202f%', '97.5%')
    """
    percent = round(100 * (1 - alpha), 10)
    decimals = next((d for d in (0, 1) if abs(percent - round(percent, d)) < 1e-9), 2)
    return format_percent(percent, language, decimals)


def _as_datetime(value: _dt.date | _dt.datetime | str) -> _dt.date | _dt.datetime:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    try:
        return _dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"date={value!r}: must be a date, a datetime or an ISO 8601 text "
                         f"(2024-03-05, 2024-03-05T14:07:00+00:00); got {value!r}") from None


def format_date(value: _dt.date | _dt.datetime | str, language: Language,
                length: str = "long") -> str:
    """A date written in the locale (CLDR's ``short``, ``medium``, ``long`` or ``full`` form).

    >>> format_date("2024-03-05", "fr"), format_date("2024-03-05", "nl-BE")
    ('5 mars 2024', '5 maart 2024')
    >>> format_date("2024-03-05", "fr-FR", "short"), format_date("2024-03-05", "fr-BE", "short")
    ('05/03/2024', '5/03/24')
    """
    locale = _check_language(language)
    found = _as_datetime(value)
    day = found.date() if isinstance(found, _dt.datetime) else found
    return _babel_date(day, length, locale=_locale(locale))


def format_datetime(value: _dt.datetime | str, language: Language) -> str:
    """A moment as reports state when they were produced: the locale's long date, then the
    time to the minute and its time zone (UTC when the value has none).

    >>> format_datetime("2024-03-05T14:07:31+00:00", "en")
    '5 March 2024, 14:07 UTC'
    >>> format_datetime("2024-03-05T14:07:31+00:00", "nl-BE")
    '5 maart 2024, 14:07 UTC'
    """
    locale = _check_language(language)
    found = _as_datetime(value)
    if not isinstance(found, _dt.datetime):
        found = _dt.datetime.combine(found, _dt.time())
    if found.tzinfo is None:
        found = found.replace(tzinfo=_dt.UTC)
    found = found.astimezone(_dt.UTC)
    day = _babel_date(found.date(), "long", locale=_locale(locale))
    time = _babel_datetime(found, "HH:mm", tzinfo=_dt.UTC, locale=_locale(locale))
    return f"{day}, {time} UTC"


def month_name(month: int, language: Language, width: str = "wide") -> str:
    """The name of a month (1 to 12) in the locale, standalone (as in a table's header or
    an axis): ``wide`` (``septembre``) or ``abbreviated`` (``sept.``).

    >>> month_name(9, "fr"), month_name(9, "nl-BE", "abbreviated"), month_name(9, "en")
    ('septembre', 'sep', 'September')
    """
    locale = _check_language(language)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InputError(f"month={month!r}: must be a month from 1 to 12; got {month!r}")
    if width not in ("wide", "abbreviated"):
        raise InputError(f"width={width!r}: must be 'wide' or 'abbreviated'; got {width!r}")
    return str(_locale(locale).months["stand-alone"][width][month])
