"""Territorial code families: what a valid code looks like, and how to keep it text.

A territorial code is an identifier, not a number: the INSEE code of Abbécourt is
``"02001"``, the Aisne is department ``"02"``, Ajaccio is ``"2A004"``. Spreadsheets and
CSV readers turn such codes into numbers and drop their leading zeros (``2001``,
``2``). :func:`normalize_codes` checks a column against its family, detects the codes
that lost their zeros, and zero-pads them when asked to (``pad=True``; in a params file,
``pad_codes: true``).

==================  =====================================================================
family              valid codes
==================  =====================================================================
``commune``         INSEE commune: 2 digits (``01``..``95`` but not ``20``) or ``2A``/``2B``,
                    then 3 digits; overseas ``971``..``976`` then 2 digits
``departement``     ``01``..``95`` (not ``20``), ``2A``, ``2B``, ``971``..``976``
``region``          French region: 2 digits
``epci``            intercommunal body: its SIREN, 9 digits
``nis``             Belgian NIS/REFNIS code (municipality, province or region): 5 digits
==================  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.errors import InputError, TerritoryError

__all__ = ["CodeFamily", "FAMILIES", "code_family", "normalize_codes", "code_faults",
           "CODE_FAULTS", "PAD_HINT"]

#: How to ask for zero-padding, said in every error about codes that lost their zeros.
PAD_HINT = "pad=True (in a params file: pad_codes: true)"

_DEPARTEMENT = r"(?:0[1-9]|1\d|[3-8]\d|9[0-5]|2[1-9]|2A|2B)"
_OVERSEAS = r"97[1-6]"


@dataclass(frozen=True)
class CodeFamily:
    """One kind of territorial code.

    Attributes
    ----------
    name
        The family's short name (``commune``, ``departement``, ``region``, ``epci``, ``nis``).
    label
        What the code is, for messages.
    width
        The number of characters a code made only of digits should have after
        zero-padding (a department: 2; the overseas ``971``..``976`` keep 3).
    pattern
        The regular expression a valid code matches in full.
    example
        A valid code, for messages.
    """

    name: str
    label: str
    width: int
    pattern: str
    example: str

    def is_valid(self, codes: pd.Series) -> np.ndarray:
        """Whether each code (text) matches the family; missing values are not valid."""
        text = codes.astype("str")
        matched = text.str.fullmatch(self.pattern)
        return matched.fillna(False).to_numpy(dtype=bool) & codes.notna().to_numpy()

    def pad(self, digits: str) -> str:
        """Zero-pad a code made only of digits to the family's width (``2`` -> ``"02"``)."""
        if self.name == "departement" and len(digits) == 3:
            return digits  # 971..976 keep their three digits
        return digits.zfill(self.width)


FAMILIES: dict[str, CodeFamily] = {
    "commune": CodeFamily("commune", "an INSEE commune code (5 characters: the department, "
                          "01..95, 2A or 2B, then 3 digits; overseas 971..976 then 2 digits)",
                          5, rf"(?:{_DEPARTEMENT}\d{{3}}|{_OVERSEAS}\d{{2}})", "02001"),
    "departement": CodeFamily("departement", "a French department code (01..95 without 20, "
                              "2A, 2B, 971..976)", 2, rf"(?:{_DEPARTEMENT}|{_OVERSEAS})", "02"),
    "region": CodeFamily("region", "a French region code (2 digits)", 2, r"\d{2}", "32"),
    "epci": CodeFamily("epci", "an EPCI code (its SIREN, 9 digits)", 9, r"\d{9}", "200067551"),
    "nis": CodeFamily("nis", "a Belgian NIS/REFNIS code (5 digits)", 5, r"\d{5}", "21004"),
}

_SHOWN = 5  # examples shown per problem


def code_family(name: str) -> CodeFamily:
    """The code family called ``name``; an :class:`~evalkit.errors.InputError` lists the others."""
    if name not in FAMILIES:
        raise InputError(f"family={name!r}: must be one of {', '.join(map(repr, FAMILIES))}; "
                         f"got {name!r}")
    return FAMILIES[name]


def _as_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values as text, and which of them arrived as non-integral numbers."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("str"), values.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(numbers)
        integral = known & (np.floor(numbers) == numbers)
        text = np.full(len(values), None, dtype=object)
        text[integral] = [str(int(v)) for v in numbers[integral]]
        text[known & ~integral] = [repr(float(v)) for v in numbers[known & ~integral]]
        return pd.Series(text, index=values.index, dtype="str"), known & ~integral
    text = values.astype("str").str.strip()
    text = text.where(values.notna())
    # "2001.0": an integral number written by a tool that read the column as floats
    floats = text.str.fullmatch(r"\d+\.0+").fillna(False).to_numpy(dtype=bool)
    if floats.any():
        text = text.copy()
        text[floats] = text[floats].str.replace(r"\.0+$", "", regex=True)
    return text, np.zeros(len(values), dtype=bool)


def _count(mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{n} distinct code" if n == 1 else f"{n} distinct codes"


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    labels = [str(v) for v in index[mask][:_SHOWN]]
    more = int(mask.sum()) - len(labels)
    word = "row" if int(mask.sum()) == 1 else "rows"
    return f"{word} " + ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def _examples(raw: pd.Series, mask: np.ndarray, shown: pd.Series | None = None) -> str:
    values = raw[mask].drop_duplicates()[:_SHOWN]
    if shown is None:
        return ", ".join(repr(v) for v in values)
    fixed = shown[mask].drop_duplicates()[:_SHOWN]
    return ", ".join(f"{v!r} for {f!r}" for v, f in zip(values, fixed, strict=False))


@dataclass(frozen=True)
class _Judged:
    """A column of codes judged against its family, each distinct value once."""

    ids: np.ndarray  # the row's distinct value (-1: missing)
    text: pd.Series  # each distinct value as text
    padded: pd.Series  # ... zero-padded where it lost its zeros
    non_integral: np.ndarray  # distinct values that arrived as numbers with decimals
    lost: np.ndarray  # valid once padded: lost its leading zeros
    corsica: np.ndarray  # a number starting with 20 that 2A or 2B became
    malformed: np.ndarray  # not a code of the family at all


def _judge(codes: pd.Series, spec: CodeFamily, pad: bool) -> _Judged:
    ids, uniques = pd.factorize(codes, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=codes.dtype if len(uniques) else object)
    text, non_integral = _as_text(distinct)
    present = text.notna().to_numpy()
    digits = text.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    lengths = text.str.len().fillna(0).to_numpy(dtype=int)
    short = present & digits & (lengths < spec.width)
    if spec.name == "departement":
        short &= lengths < 2
    padded = text.copy()
    if short.any():
        padded[short] = [spec.pad(v) for v in text[short]]
    valid = spec.is_valid(padded)
    corsica = present & digits & ~valid & padded.str.match(r"20").fillna(False).to_numpy(
        dtype=bool) & (padded.str.len().fillna(0).to_numpy(dtype=int) == (
            2 if spec.name == "departement" else 5))
    lost = short & valid & (not pad)
    return _Judged(ids=ids, text=text, padded=padded, non_integral=non_integral, lost=lost,
                   corsica=corsica, malformed=present & ~valid & ~corsica)


def _check_series(codes: object) -> None:
    if not isinstance(codes, pd.Series):
        raise InputError(f"codes: must be a pandas Series; got {type(codes).__name__}")


def normalize_codes(
    codes: pd.Series,
    family: str,
    *,
    column: str | None = None,
    pad: bool = False,
) -> pd.Series:
    """Check a column of territorial codes against its family; return them as text.

    Parameters
    ----------
    codes
        The column (text, or numbers when a spreadsheet or a reader turned the codes
        into numbers). Missing values stay missing.
    family
        One of :data:`FAMILIES`: ``commune``, ``departement``, ``region``, ``epci``, ``nis``.
    column
        The column's name, for messages (default: the series' name).
    pad
        Zero-pad the codes that lost their leading zeros (``2001`` -> ``"02001"``,
        department ``2`` -> ``"02"``; ``971`` stays ``"971"``). Without it, such codes
        are an error that says how to fix them.

    Returns
    -------
    pandas.Series
        A new series of text codes (pandas ``str`` dtype), same index; the input is
        not modified.

    Raises
    ------
    TerritoryError
        Listing every problem: codes that lost their leading zeros (with examples and
        how to fix it: read the column as text, or ``pad=True``); Corsican codes that
        cannot be recovered from a number (``20`` could be ``2A`` or ``2B``); malformed
        codes with their rows (the table's index labels). :func:`code_faults` says
        which rows have which of these faults.

    Examples
    --------
    >>> normalize_codes(pd.Series([2001, 59350]), "commune", pad=True).tolist()
    ['02001', '59350']
    """
    spec = code_family(family)
    _check_series(codes)
    name = column if column is not None else (codes.name if codes.name is not None else "codes")
    judged = _judge(codes, spec, pad)
    ids, text, padded = judged.ids, judged.text, judged.padded
    lost, corsica, malformed = judged.lost, judged.corsica, judged.malformed

    def rows(mask: np.ndarray) -> str:  # the table's rows holding the distinct codes masked
        return _rows(codes.index, mask[np.maximum(ids, 0)] & (ids >= 0))

    problems = []
    numbers = pd.api.types.is_numeric_dtype(codes.dtype)
    if lost.any():
        if numbers:
            fix = (f"Read the column as text (e.g. dtype={{{name!r}: str}}), or ask for "
                   f"zero-padding: {PAD_HINT}")
            how = "that arrived as numbers and"
        else:  # already text: the file itself wrote them without their zeros
            fix = f"The file writes them without their zeros: ask for zero-padding: {PAD_HINT}"
            how = "of digits that"
        problems.append(
            f"column {name!r}: {_count(lost)} {how} lost their leading zeros "
            f"({_examples(text, lost, padded)}); expected {spec.label}. {fix}")
    if corsica.any():
        problems.append(
            f"column {name!r}: {_count(corsica)} starting with 20 "
            f"({_examples(text, corsica)}, {rows(corsica)}): Corsica's "
            f"codes are 2A and 2B since 1976, and cannot be recovered from a number; read "
            f"the column as text so that 2A and 2B are kept")
    if malformed.any():
        what = " (numbers with decimals)" if judged.non_integral[malformed].all() else ""
        problems.append(
            f"column {name!r}: {_count(malformed)} not {spec.label}{what}: "
            f"{_examples(text, malformed)} at {rows(malformed)}")
    if problems:
        raise TerritoryError(f"The {spec.name} codes of column {name!r} cannot be used "
                             f"as they are:", problems)
    result = pd.array(padded.to_numpy(dtype=object, na_value=None), dtype="str")
    return pd.Series(result.take(ids, allow_fill=True), index=codes.index, name=codes.name)


#: What :func:`code_faults` finds wrong with a code, each with its description.
CODE_FAULTS: dict[str, str] = {
    "lost_zeros": "a valid code once zero-padded, written without its leading zeros "
                  "(a fault only without pad=True)",
    "corsica": "a number starting with 20, which cannot say whether it was 2A or 2B",
    "malformed": "not a code of the family at all",
}


def code_faults(codes: pd.Series, family: str, *, pad: bool = False) -> pd.Series:
    """Which codes :func:`normalize_codes` would refuse, row by row, and why.

    The same judgement as :func:`normalize_codes`, returned instead of raised, so that
    the rows concerned can be found (e.g. to set them aside).

    Parameters
    ----------
    codes
        The column of codes (text or numbers); not modified.
    family
        One of :data:`FAMILIES`.
    pad
        As in :func:`normalize_codes`: with it, codes that lost their zeros are not
        faults.

    Returns
    -------
    pandas.Series
        Same index as ``codes``: for each row the key of its fault in
        :data:`CODE_FAULTS` (``"lost_zeros"``, ``"corsica"``, ``"malformed"``), missing
        where the code is valid or missing. ``code_faults(...).notna()`` is the mask of
        the rows :func:`normalize_codes` reports.

    Examples
    --------
    >>> code_faults(pd.Series(["59350", "ABCDE", None, 2001]), "commune").tolist()
    [nan, 'malformed', nan, 'lost_zeros']
    """
    spec = code_family(family)
    _check_series(codes)
    judged = _judge(codes, spec, pad)
    names = np.full(len(judged.text) + 1, None, dtype=object)  # last: missing codes
    for key, mask in (("lost_zeros", judged.lost), ("corsica", judged.corsica),
                      ("malformed", judged.malformed)):
        names[:-1][mask] = key
    return pd.Series(pd.array(names[judged.ids], dtype="str"), index=codes.index,
                     name=codes.name)


def looks_like(codes: pd.Series, family: str) -> float:
    """Share of the non-missing codes (as text) that are valid codes of ``family``."""
    text = codes.dropna().astype("str")
    if text.empty:
        return 0.0
    return float(code_family(family).is_valid(text).mean())

