"""Joining a table to boundaries by territorial codes, kept as text.

A table's codes may arrive as numbers (``2001`` for the INSEE commune ``02001``) when a
spreadsheet or a CSV reader dropped their leading zeros: :func:`match_codes` writes every
code as text and pads the all-digit codes shorter than the boundaries' shortest code with
zeros to its length. :func:`detect_boundaries` finds the shipped boundaries that know a
table's codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.errors import BoundaryError
from evalkit.maps.boundaries import SHIPPED_BOUNDARIES, Boundaries, codes_as_text, load_boundaries

__all__ = ["CodeMatch", "match_codes", "detect_boundaries"]


@dataclass(frozen=True)
class CodeMatch:
    """A table's codes matched to boundaries.

    Attributes
    ----------
    codes
        The table's codes as the boundaries write them (text, zero-padded), aligned with
        the table; missing where the table had none.
    known
        Whether each code is among the boundaries' codes.
    unknown
        The distinct codes of the table that the boundaries do not have.
    """

    codes: pd.Series
    known: np.ndarray
    unknown: tuple[str, ...]

    @property
    def share_known(self) -> float:
        """The share of the table's distinct codes that the boundaries know."""
        distinct = self.codes.dropna().unique()
        return 0.0 if distinct.size == 0 else 1 - len(self.unknown) / distinct.size


def _width(codes: pd.Index) -> int | None:
    """The length of the shortest code (``02`` for departments, ``02001`` for communes)."""
    return int(codes.str.len().min()) if len(codes) else None


def _padded(codes: pd.Series, width: int | None) -> pd.Series:
    if width is None:
        return codes

    def pad(code: object) -> object:
        if isinstance(code, str) and code.isdigit() and len(code) < width:
            return code.zfill(width)
        return code

    return codes.map(pad)


def match_codes(codes: pd.Series | pd.Index | np.ndarray | list, boundaries: Boundaries, *,
                column: str = "code", required: bool = True) -> CodeMatch:
    """Write a table's codes as the boundaries do and find which the boundaries know.

    Parameters
    ----------
    codes
        The table's territorial codes (text or numbers: ``2001`` becomes ``"02001"``
        when the boundaries' codes all have five characters).
    boundaries
        From :func:`load_boundaries`.
    column
        The table's column, for messages.
    required
        Raise when no code is known (else return the match, every code unknown).

    Raises
    ------
    BoundaryError
        When ``required`` and no code of the table is among the boundaries' codes,
        showing examples of both.
    """
    text = _padded(codes_as_text(codes).reset_index(drop=True), _width(boundaries.codes))
    known_codes = set(boundaries.codes)
    known = text.isin(known_codes).to_numpy()
    unknown = tuple(sorted(set(text[~known & text.notna().to_numpy()])))
    if required and not known.any():
        theirs = ", ".join(map(repr, list(boundaries.codes[:5])))
        ours = ", ".join(map(repr, list(pd.unique(text.dropna()))[:5]))
        raise BoundaryError(f"Boundary file {boundaries.source} cannot be used:", [
            f"no code of the table's column {column!r} is among its {boundaries.key!r} "
            f"codes: the table has e.g. {ours or 'no code'}; the boundaries have e.g. "
            f"{theirs}. Expected the same territorial codes (as text, with their leading "
            "zeros)"])
    return CodeMatch(text, known, unknown)


def detect_boundaries(codes: pd.Series | pd.Index | np.ndarray | list, *,
                      minimum_share: float = 0.5) -> str | None:
    """The shipped boundaries that know most of a table's codes, or ``None``.

    Parameters
    ----------
    codes
        The table's territorial codes.
    minimum_share
        The share of the table's distinct codes the boundaries must know.

    Returns
    -------
    str or None
        A name of :data:`~evalkit.maps.SHIPPED_BOUNDARIES`.
    """
    try:
        distinct = pd.Series(pd.unique(codes_as_text(codes).dropna()))
    except Exception:  # codes that are not codes (decimals, true/false): no map
        return None
    if distinct.empty:
        return None
    best, best_share = None, 0.0
    for name, shipped in SHIPPED_BOUNDARIES.items():
        width = {"commune": 5, "epci": 9}.get(shipped.level)
        lengths = _padded(distinct, width).str.len()
        if width is not None and not (lengths == width).mean() >= minimum_share:
            continue  # cheap test before reading the file
        share = match_codes(distinct, load_boundaries(name), required=False).share_known
        if share >= minimum_share and share > best_share:
            best, best_share = name, share
    return best
