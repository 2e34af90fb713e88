"""Reading a column of a programme's table, each distinct value once, without raising.

Each reader returns the values read and masks of the rows it could not read, so that the
caller can report them (or set them aside) under its own rules.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.territories import FAMILIES, Referential

__all__ = ["DATE_SPELLINGS", "YES", "NO", "read_text", "read_dates", "read_flags", "read_codes"]

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                 "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%Y %H:%M:%S")
#: How the date formats read are described in messages.
DATE_SPELLINGS = "a date such as '2024-03-15' or '15/03/2024'"
#: Spellings read as yes (case and surrounding spaces ignored).
YES: frozenset[str] = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1", "1.0"})
#: Spellings read as no.
NO: frozenset[str] = frozenset({"non", "n", "no", "false", "faux", "0", "0.0"})
_FRENCH_FAMILIES = ("commune", "epci", "departement", "region")


def _code_text(value: object) -> str:
    """A value as text; a whole number read as a float (``59350.0``) loses its ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def _texts(uniques: object) -> np.ndarray:
    """Distinct values (from :func:`pandas.factorize`) as text: stripped, a whole number
    without its ``.0``, empty text as ``None``. Text and whole numbers are converted in
    one vectorised pass; other values one by one."""
    values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=False) if len(values) else "empty"
    if kind == "string":
        text = pd.Series(values, dtype="str").str.strip()  # Arrow-backed: vectorised
        floats = text.str.fullmatch(r"\d+\.0").to_numpy(dtype=bool)
        if floats.any():
            text = text.copy()
            text[floats] = text[floats].str.slice(stop=-2)
    elif kind in ("integer", "floating", "mixed-integer-float"):
        numbers = values.to_numpy(dtype=float)
        whole = np.floor(numbers) == numbers
        text = pd.Series(np.where(whole, np.nan_to_num(numbers).astype(np.int64).astype(str),
                                  numbers.astype(str)), dtype=object)
    else:
        text = pd.Series([_code_text(v) for v in values], dtype=object)
    out = text.to_numpy(dtype=object).copy()
    out[out == ""] = None
    return out


def read_text(values: pd.Series) -> np.ndarray:
    """A column as an object array of text (each distinct value converted once); missing
    values, and text that is empty once stripped, as ``None``."""
    ids, uniques = pd.factorize(values)
    table = np.append(_texts(uniques), None)
    return table[ids]  # the sentinel -1 picks the trailing None


def parse_text_dates(values: pd.Series, formats: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Dates written as text, each distinct spelling parsed once with the first of
    ``formats`` that reads it: ``datetime64[ns]`` values (NaT for missing or unreadable
    ones) and the mask of values that are empty once stripped."""
    ids, uniques = pd.factorize(values)
    text = pd.Series([str(v).strip() for v in uniques], dtype=object)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    days = np.append(parsed.to_numpy(), np.datetime64("NaT"))  # the sentinel -1: missing
    empty = np.append((text == "").to_numpy(dtype=bool), False)
    return days[ids], empty[ids]


def read_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days (``datetime64[ns]``, NaT where none), and the masks of missing and of
    unreadable values.

    Accepts datetimes (the time of day is dropped) and text in the formats of
    :data:`DATE_SPELLINGS` (also ``2024-03-15 10:30:00``, ``15-03-2024``, ``2024/03/15``).
    """
    missing = values.isna().to_numpy().copy()
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        dates = values.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
    else:
        days, empty = parse_text_dates(values, _DATE_FORMATS)
        dates = pd.Series(days, index=values.index)
        missing |= empty
    days = pd.to_datetime(dates).dt.normalize().to_numpy(dtype="datetime64[ns]")
    unreadable = np.isnat(days) & ~missing
    return days, missing, unreadable


def read_flags(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no values as floats (1.0, 0.0, NaN where missing), and the mask of unreadable ones.

    Reads booleans, the numbers 0 and 1, and the text of :data:`YES` and :data:`NO`
    (``oui``/``non``, ``yes``/``no``, ``true``/``false``, ``vrai``/``faux``, ``1``/``0``,
    any case). A missing value, or empty text, is missing.
    """
    ids, uniques = pd.factorize(values)
    read = np.full(len(uniques) + 1, np.nan)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        if isinstance(value, bool | np.bool_):
            read[i] = float(value)
        elif isinstance(value, int | float | np.integer | np.floating):
            if value in (0, 1):
                read[i] = float(value)
            else:
                bad[i] = True
        else:
            text = str(value).strip().lower()
            if text in YES:
                read[i] = 1.0
            elif text in NO:
                read[i] = 0.0
            elif text:
                bad[i] = True
    return read[ids], bad[ids]


def read_codes(values: pd.Series, family: str | None, *,
               pad: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Territorial codes as text, and the masks of malformed codes, of codes that lost
    their leading zeros (when ``pad`` is false) and of codes unknown to the referential.

    With a family, each code is checked against its pattern (see
    :data:`evalkit.territories.FAMILIES`) after zero-padding when ``pad`` is true, and
    French codes against :meth:`Referential.france`'s codes of that level. Without a
    family the codes are only read as text. Missing codes stay missing (``None``) and
    break no rule.
    """
    ids, uniques = pd.factorize(values)
    texts: list[str | None] = list(_texts(uniques))
    n = len(texts)
    malformed = np.zeros(n + 1, dtype=bool)
    lost = np.zeros(n + 1, dtype=bool)
    unknown = np.zeros(n + 1, dtype=bool)
    if family is not None and n:
        spec = FAMILIES[family]
        text = pd.Series(texts, dtype=object)
        present = text.notna().to_numpy()
        digits = text.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
        lengths = text.str.len().fillna(0).to_numpy(dtype=int)
        short = digits & (lengths < (2 if family == "departement" else spec.width))
        padded = text.copy()
        if short.any():
            padded[short] = [spec.pad(v) for v in text[short]]
        valid = spec.is_valid(padded)
        lost[:n] = short & valid & (not pad)
        malformed[:n] = present & ~valid
        if pad:
            texts = padded.tolist()
        if family in _FRENCH_FAMILIES:
            known = Referential.france().codes(family)
            unknown[:n] = valid & ~lost[:n] & (known.get_indexer(padded.fillna("")) < 0)
    codes = np.array([*texts, None], dtype=object)
    return codes[ids], malformed[ids], lost[ids], unknown[ids]
