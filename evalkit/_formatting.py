"""Where the number formatter used to live: it is now :mod:`evalkit.formatting`.

Kept so that ``from evalkit._formatting import format_number`` (and the other names)
still works; new code imports :mod:`evalkit.formatting`.
"""

from evalkit.formatting import (
    LOCALES,
    MINUS,
    NNBSP,
    Language,
    colon,
    decimals_for,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
    interval_decimals,
    semicolon,
)

__all__ = ["Language", "LOCALES", "MINUS", "NNBSP", "format_number", "format_percent",
           "decimals_for", "format_p_value", "format_interval", "format_level",
           "interval_decimals", "colon", "semicolon"]
