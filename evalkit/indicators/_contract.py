"""What the indicator results share to honour the result contract
(:mod:`evalkit.results.contract`): a checked significance level, the interval table and
the fingerprint of the numbers a result was computed from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_alpha
from evalkit.data.panel import frame_fingerprint
from evalkit.errors import InputError

__all__ = ["checked_level", "interval_table", "series_fingerprint"]


def checked_level(alpha: float | None, own: float, where: str) -> float:
    """``alpha`` checked, or the result's own level ``own`` when ``None``."""
    if alpha is None:
        return own
    problems = Problems()
    check_alpha(alpha, problems)
    problems.raise_if_any(InputError, f"Invalid arguments to {where}:")
    return alpha


def interval_table(terms: Sequence[Any], lower: Any, upper: Any) -> pd.DataFrame:
    """The contract's interval table: columns ``lower``, ``upper``, indexed by ``term``."""
    return pd.DataFrame({"lower": np.asarray(lower, dtype=float).reshape(-1),
                         "upper": np.asarray(upper, dtype=float).reshape(-1)},
                        index=pd.Index([str(t) for t in terms], name="term"))


def series_fingerprint(series: pd.Series) -> str:
    """SHA-256 of a series as used: its periods and values, in order."""
    return frame_fingerprint(pd.DataFrame({"period": series.index,
                                           "value": series.to_numpy(dtype=float)}))
