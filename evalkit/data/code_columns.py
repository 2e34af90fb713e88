"""Which columns hold territorial codes, from their names alone.

INSEE commune codes (``02001``, ``2A004``), department codes (``01``, ``2B``), EPCI
SIREN numbers and Belgian NIS/REFNIS codes look like numbers but are identifiers:
read as numbers they lose their leading zeros (``02001`` becomes 2001) or fail
(``2A004``). A column whose name marks it as such a code is therefore read as text.

The rule, on the name in lower case cut into words at every character that is not a
letter or a digit (``commune_code`` -> ``commune``, ``code``):

- its first or last word is a code word: ``code``, ``codgeo``, ``codegeo``, ``depcom``,
  ``insee``, ``siren``, ``siret``, ``nis``, ``refnis``, ``cog``, ``iris``
  (``commune_code``, ``code_commune``, ``CODGEO``, ``nis_code``, ``CD_REFNIS``,
  ``siren_epci``);
- or it starts with ``code`` (``codecommune``, ``CodeInsee``);
- or the whole name is a level's short name as INSEE files write it: ``com``, ``dep``,
  ``reg``, ``epci``, ``arr``, ``cv``, ``can``, ``dept``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["CODE_WORDS", "LEVEL_SHORT_NAMES", "is_code_column", "code_columns"]

#: Words that make a column a code column when they start or end its name.
CODE_WORDS: frozenset[str] = frozenset({
    "code", "codgeo", "codegeo", "depcom", "insee", "siren", "siret", "nis", "refnis",
    "cog", "iris"})
#: Names that are, whole, the short name of a territorial level in INSEE files.
LEVEL_SHORT_NAMES: frozenset[str] = frozenset({
    "com", "dep", "dept", "reg", "epci", "arr", "cv", "can"})
_WORD = re.compile(r"[^0-9a-z]+")


def is_code_column(name: object) -> bool:
    """Whether a column's name marks it as a territorial code (see the module's rule).

    Parameters
    ----------
    name
        The column's name; a name that is not text is never a code column.

    Examples
    --------
    >>> [is_code_column(n) for n in ("commune_code", "CODGEO", "nis_code", "epci", "year")]
    [True, True, True, True, False]
    """
    if not isinstance(name, str):
        return False
    lowered = name.strip().lower()
    if lowered in LEVEL_SHORT_NAMES or lowered.startswith("code"):
        return True
    words = [w for w in _WORD.split(lowered) if w]
    return bool(words) and (words[0] in CODE_WORDS or words[-1] in CODE_WORDS)


def code_columns(names: Iterable[object]) -> tuple[str, ...]:
    """The names among ``names`` that mark territorial codes, in their order."""
    return tuple(n for n in names if isinstance(n, str) and is_code_column(n))
