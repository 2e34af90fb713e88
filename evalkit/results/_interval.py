"""Confidence intervals in the one form every result gives them: ``conf_int(alpha=None)``.

Several results used to expose ``conf_int`` as a property or a field holding the
``(low, high)`` tuple of their headline effect. :class:`ConfIntMethod` is what those
results' ``conf_int`` now returns: call it for the DataFrame of the contract; read it
as the old tuple (unpacking, indexing, comparing, ``numpy.asarray``) and it still
works for one release, with a :class:`FutureWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from evalkit.results.contract import interval_frame, level

__all__ = ["ConfIntMethod", "interval_frame", "level", "missing_intervals"]

_OLD_FORM = ("{owner}.conf_int used as a (low, high) tuple is deprecated and will stop "
             "working in the next release: call {owner}.conf_int() for a DataFrame with "
             "columns 'lower' and 'upper' indexed by term (e.g. "
             "low, high = result.conf_int().iloc[0])")


def missing_intervals(terms: Sequence[str]) -> pd.DataFrame:
    """The interval table of a result without intervals: every bound missing."""
    nan = np.full(len(terms), np.nan)
    return interval_frame(terms, nan, nan)


class ConfIntMethod:
    """A result's ``conf_int``: call it; reading it as a tuple is deprecated.

    Parameters
    ----------
    compute
        ``compute(alpha)`` returns the interval table (``alpha=None``: the result's own).
    legacy
        The ``(low, high)`` tuple the old property or field held (``None`` when the
        old field held no interval).
    owner
        The result class's name, for the warning.
    """

    __slots__ = ("_compute", "_legacy", "_owner")

    def __init__(self, compute: Callable[[float | None], pd.DataFrame],
                 legacy: tuple[float, float] | None, owner: str) -> None:
        self._compute = compute
        self._legacy = legacy
        self._owner = owner

    def __call__(self, alpha: float | None = None) -> pd.DataFrame:
        """The confidence intervals at level ``1 - alpha`` (default: the result's alpha).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by term.
        """
        return self._compute(alpha)

    # ------------------------------------------------------------------ the old tuple
    def _old(self) -> tuple[float, float] | None:
        warnings.warn(_OLD_FORM.format(owner=self._owner), FutureWarning, stacklevel=3)
        return self._legacy

    def _old_tuple(self) -> tuple[float, float]:
        value = self._old()
        return (float("nan"), float("nan")) if value is None else value

    def __iter__(self) -> Iterator[float]:
        return iter(self._old_tuple())

    def __getitem__(self, index: int) -> float:
        return self._old_tuple()[index]

    def __len__(self) -> int:
        return len(self._old_tuple())

    def __bool__(self) -> bool:
        return True if self._legacy is not None else self._old() is not None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConfIntMethod):
            return self._legacy == other._legacy
        if isinstance(other, tuple | list):
            return self._old() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._old_tuple(), dtype=dtype)

    def __repr__(self) -> str:
        return f"<bound method {self._owner}.conf_int>"
