"""Sums of a frame's columns by groups, the way the tables of calls for projects need them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.errors import InputError

__all__ = ["group_sums", "ratio", "long_table", "roles_of"]


def roles_of(by: Sequence[str] | str, names: dict[str, str], what: str,
             noun: str = "roles") -> tuple[str, ...]:
    """The roles ``by`` names, each given as a role (a key of ``names``) or as its column
    (a value), in order and once each.

    Raises
    ------
    InputError
        ``"Cannot group the <what>:"`` with a problem for each name that is neither a
        role of ``names`` nor its column, listing both.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    of_column = {c: r for r, c in names.items()}
    roles, problems = [], []
    for name in by:
        if name in names:
            roles.append(name)
        elif name in of_column:
            roles.append(of_column[name])
        else:
            problems.append(f"by={name!r}: must be one of the {noun} declared "
                            f"({', '.join(repr(r) for r in names)}) or their columns "
                            f"({', '.join(repr(c) for c in names.values())}); got {name!r}")
    if problems:
        raise InputError(f"Cannot group the {what}:", problems)
    return tuple(dict.fromkeys(roles))


def group_sums(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """One row per group of ``keys`` (sorted; a missing key is a group of its own) with the
    sum of each of ``columns``; without keys, one row of totals."""
    if not keys:
        return pd.DataFrame({c: [frame[c].sum()] for c in columns})
    sums = frame.groupby(list(keys), sort=True, dropna=False, observed=True)[list(columns)].sum()
    return sums.reset_index()


def ratio(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """``numerator / denominator``, missing (NaN) where the denominator is not above zero."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def long_table(table: pd.DataFrame, keys: Sequence[str], measures: Sequence[str]) -> pd.DataFrame:
    """The table in long form: the keys, ``measure`` and ``value`` (one row per measure)."""
    out = table.melt(id_vars=list(keys), value_vars=list(measures), var_name="measure",
                     value_name="value")
    return out.reset_index(drop=True)
