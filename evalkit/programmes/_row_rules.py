"""Row-level problems of a table: raised together, or set aside and listed.

A validator reports each rule broken by some rows once, with the rows' 0-based positions,
the caller's column, the offending values and the English problem text. With
``on_invalid="raise"`` the problems become one :class:`~evalkit.errors.DataError`; with
``on_invalid="exclude"`` the rows are set aside and listed in an ``excluded`` table, one
row per (row, rule broken): ``table``, ``row`` (1-based, as in the messages), ``rule``,
``column``, ``value`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.errors import DataError, InputError

__all__ = ["ON_INVALID", "EXCLUDED_COLUMNS", "RowProblems", "check_on_invalid", "value_text"]

#: What a validator may do with rows that break a rule.
ON_INVALID: tuple[str, ...] = ("raise", "exclude")
#: The columns of an ``excluded`` table.
EXCLUDED_COLUMNS: tuple[str, ...] = ("table", "row", "rule", "column", "value", "message")


def check_on_invalid(on_invalid: object) -> str:
    """``on_invalid`` itself, or an :class:`InputError` naming the choices."""
    if not isinstance(on_invalid, str) or on_invalid not in ON_INVALID:
        raise InputError(f"on_invalid={on_invalid!r}: must be one of "
                         f"{', '.join(map(repr, ON_INVALID))}; got {on_invalid!r}")
    return on_invalid


def value_text(values: pd.Series) -> np.ndarray:
    """Values as text for the ``value`` column of an excluded table; missing ones as ``''``."""
    text = values.astype(object).map(str).to_numpy(dtype=object)
    text[values.isna().to_numpy()] = ""
    return text


@dataclass(frozen=True)
class _Finding:
    table: str
    rule: str
    column: str
    positions: np.ndarray
    values: np.ndarray
    message: str


class RowProblems:
    """The rules broken by rows of one or more tables, collected while validating.

    Parameters
    ----------
    rules
        The rule keys allowed, each with its English description (a module's
        ``EXCLUSION_RULES``): a key outside it is a programming error.
    """

    def __init__(self, rules: Mapping[str, str]) -> None:
        self._rules = rules
        self._found: list[_Finding] = []

    def __bool__(self) -> bool:
        return bool(self._found)

    def add(self, table: str, rule: str, column: str, positions: np.ndarray,
            values: pd.Series, message: str) -> None:
        """Record that the rows at ``positions`` break ``rule``.

        ``values`` holds the offending values of those rows (same order); ``message`` is
        the complete problem text, naming the column and the rows.
        """
        if rule not in self._rules:
            raise KeyError(f"unknown exclusion rule {rule!r}")
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size:
            self._found.append(_Finding(table, rule, column, positions, value_text(values),
                                        message))

    def messages(self, table: str | None = None) -> list[str]:
        """The problem texts, in the order found (of one table, or of all)."""
        return [f.message for f in self._found if table is None or f.table == table]

    def mask(self, table: str, n_rows: int) -> np.ndarray:
        """Which of the ``n_rows`` rows of ``table`` broke at least one rule."""
        out = np.zeros(n_rows, dtype=bool)
        for finding in self._found:
            if finding.table == table:
                out[finding.positions] = True
        return out

    def raise_if_any(self, message: str) -> None:
        """One :class:`DataError` listing every problem, if any was found."""
        if self._found:
            raise DataError(message, self.messages())

    def excluded(self, tables: tuple[str, ...]) -> pd.DataFrame:
        """One row per (row, rule broken), ordered by table (as in ``tables``), row, then
        the order the rules were checked in."""
        if not self._found:
            return pd.DataFrame({"table": pd.Series(dtype=object),
                                 "row": pd.Series(dtype=np.int64),
                                 **{c: pd.Series(dtype=object) for c in EXCLUDED_COLUMNS[2:]}})
        parts = []
        for order, f in enumerate(self._found):
            n = f.positions.size
            parts.append(pd.DataFrame({
                "table": f.table, "row": f.positions + 1, "rule": f.rule, "column": f.column,
                "value": f.values, "message": f.message,
                "_table": tables.index(f.table), "_order": order}, index=range(n)))
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.sort_values(["_table", "row", "_order"], kind="stable")
        return frame.drop(columns=["_table", "_order"]).reset_index(drop=True)
