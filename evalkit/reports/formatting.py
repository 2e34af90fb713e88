"""Numbers written the way each report language writes them (see :mod:`evalkit._formatting`)."""

from evalkit._formatting import (
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
)

__all__ = ["Language", "format_number", "format_percent", "decimals_for", "format_p_value",
           "format_interval", "format_level", "interval_decimals", "colon", "MINUS",
           "NNBSP"]
