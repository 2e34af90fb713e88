"""Where the number formatter used to live: it is now :mod:`evalkit.formatting`.

Kept so that ``from evalkit._formatting import format_number`` (and the other names)
still works; new code imports :mod:`evalkit.formatting`.
"""

from evalkit.formatting import (
    DEFAULT_LOCALES,
    LOCALES,
    MINUS,
    MISSING,
    NNBSP,
    Language,
    colon,
    decimals_for,
    format_date,
    format_datetime,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
    interval_decimals,
    language_of,
    locale_of,
    month_name,
    semicolon,
)

__all__ = ["Language", "DEFAULT_LOCALES", "LOCALES", "MISSING", "MINUS", "NNBSP",
           "locale_of", "language_of", "format_number", "format_percent",
           "decimals_for", "format_p_value", "format_interval", "format_level",
           "interval_decimals", "colon", "semicolon", "format_date", "format_datetime",
           "month_name"]
