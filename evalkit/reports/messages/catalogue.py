"""The fixed wording of reports: one message catalogue per language, looked up by key.

Each language is one gettext catalogue beside this module, ``locales/<language>.po``
(``en.po``, ``fr.po``, ``nl.po``). A message's ``msgid`` is the key the code asks for
(``"findings"``, ``"why_cs_no_never_treated"``), its ``msgstr`` the wording, whose
``{placeholders}`` :func:`text` fills in with :meth:`str.format`; a message that depends on
a count has gettext plural forms, chosen by the catalogue's ``Plural-Forms`` header (:func:`ntext`).

Adding a language is adding its file: the languages a params file may ask for are the
catalogues present (:func:`languages`), and the locales it may ask for are those Babel knows
for them (:func:`locales`: ``fr-BE``, ``nl-BE`` ...). A locale chooses how numbers and dates
are written (:mod:`evalkit.formatting`); its words are its language's. Wherever a language
is taken, a locale is too (``text("findings", "nl-BE")`` words it in Dutch).
``tests/reports/test_messages.py`` checks that every catalogue has every message, with the
same placeholders, and that every key the code uses exists.

A catalogue is read once per process, from its ``.po`` text, with Babel's
:func:`~babel.messages.pofile.read_po`: reading both takes a few milliseconds, so there is
no compiled ``.mo`` file to rebuild and a language stays a single file.
"""

from __future__ import annotations

import difflib
import functools
import gettext
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from evalkit._formatting import Language
from evalkit.errors import EvalkitError, InputError

__all__ = ["LOCALES", "ESTIMATOR_KEYS", "languages", "locales", "language_problem",
           "messages", "wording", "text", "ntext", "estimator_name"]

#: The folder of the catalogues, one ``<language>.po`` file per language.
LOCALES = Path(__file__).resolve().with_name("locales")

#: The message key of each estimator name that results give (``DiDResult.estimator``,
#: ``EventStudyResult.estimator`` ...): :func:`estimator_name` shows it in the report's
#: language.
ESTIMATOR_KEYS: dict[str, str] = {
    "2x2 difference-in-differences (OLS)": "estimator_did_ols",
    "2x2 difference-in-differences (weighted least squares)": "estimator_did_wls",
    "Two-way fixed effects (TWFE)": "estimator_twfe",
    "Callaway & Sant'Anna (2021) group-time ATT: event study": "estimator_cs_event_study",
    "Callaway & Sant'Anna (2021) group-time ATT: overall (simple aggregation)":
        "estimator_cs_overall",
    "Sun-Abraham interaction-weighted event study": "estimator_sun_abraham",
    "Imputation (Borusyak, Jaravel & Spiess)": "estimator_imputation",
    "TWFE event study": "estimator_twfe_event_study",
    **{f"2x2 difference-in-differences, {what}, {data} (as R DRDID {function})":
       f"estimator_did_{key}"
       for key, what, data, function in (
           ("imp_panel", "improved doubly robust (Sant'Anna & Zhao 2020)", "panel data",
            "drdid_imp_panel"),
           ("imp_rc", "improved doubly robust (Sant'Anna & Zhao 2020)",
            "repeated cross-sections", "drdid_imp_rc"),
           ("trad_panel", "locally efficient doubly robust (Sant'Anna & Zhao 2020)",
            "panel data", "drdid_panel"),
           ("trad_rc", "locally efficient doubly robust (Sant'Anna & Zhao 2020)",
            "repeated cross-sections", "drdid_rc"),
           ("ipw_panel", "normalised inverse probability weighting (Abadie 2005)",
            "panel data", "std_ipw_did_panel"),
           ("ipw_rc", "normalised inverse probability weighting (Abadie 2005)",
            "repeated cross-sections", "std_ipw_did_rc"),
           ("reg_panel", "outcome regression (Heckman, Ichimura & Todd 1997)", "panel data",
            "reg_did_panel"),
           ("reg_rc", "outcome regression (Heckman, Ichimura & Todd 1997)",
            "repeated cross-sections", "reg_did_rc"))},
    "Continuous-dose DiD (Callaway, Goodman-Bacon & Sant'Anna): overall":
        "estimator_continuous_overall",
    "Continuous-dose DiD (Callaway, Goodman-Bacon & Sant'Anna): event study of the ATT":
        "estimator_continuous_event_att",
    "Continuous-dose DiD (Callaway, Goodman-Bacon & Sant'Anna): event study of the ACRT":
        "estimator_continuous_event_acrt",
    "Triple differences: overall (simple aggregation)": "estimator_ddd_overall",
    "Triple differences: event study": "estimator_ddd_event_study",
    "Extended two-way fixed effects (Wooldridge): overall ATT": "estimator_etwfe_overall",
    "Extended two-way fixed effects (Wooldridge): event study": "estimator_etwfe_event_study",
    "de Chaisemartin & D'Haultfoeuille (2024) event-study DID": "estimator_dcdh",
}

_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*")
#: A locale written ``fr-BE`` or ``fr_BE``: its language, then its region.
_LOCALE_TAG = re.compile(r"([a-z]{2,3})[-_]([A-Za-z]{2}|[0-9]{3})")

#: A message's wording: one string, or one per plural form.
Wording = str | tuple[str, ...]


@dataclass(frozen=True)
class _Catalogue:
    """One language's messages as read from its ``.po`` file."""

    messages: Mapping[str, Wording]
    plural: Callable[[int], int]  # the index of the plural form for a count


def _where(folder: Path, name: str) -> str:
    """A catalogue's path for messages: relative to the package when shipped."""
    return f"locales/{name}" if folder == LOCALES else str(folder / name)


@functools.cache
def _languages(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in folder.glob("*.po")))


def languages() -> tuple[str, ...]:
    """The languages that have a catalogue, sorted: ``('en', 'fr', 'nl')``."""
    return _languages(LOCALES)


@functools.cache
def _babel_locales(language: str) -> tuple[str, ...]:
    from babel.localedata import locale_identifiers

    return tuple(sorted(i for i in locale_identifiers()
                        if i.startswith(f"{language}_") and i.count("_") == 1))


def locales(language: str | None = None) -> tuple[str, ...]:
    """The locales a report may be written in, written ``fr-BE``: those Babel knows (with
    a region) for the languages that have a catalogue, or for ``language`` only.

    >>> {"fr-BE", "fr-FR", "nl-BE", "en-GB"} <= set(locales())
    True
    """
    chosen = languages() if language is None else (language,)
    return tuple(i.replace("_", "-") for lang in chosen for i in _babel_locales(lang))


def language_problem(tag: object) -> str | None:
    """Why ``tag`` is not a language or a locale a report can be written in (None if it is).

    A language must have a catalogue (:func:`languages`); a locale (``fr-BE`` or
    ``fr_BE``) must be one Babel knows for such a language (:func:`locales`).
    """
    available = languages()
    if isinstance(tag, str) and tag in available:
        return None
    match = _LOCALE_TAG.fullmatch(tag) if isinstance(tag, str) else None
    if match is not None and match.group(1) in available:
        language, region = match.group(1), match.group(2).upper()
        if f"{language}-{region}" in locales(language):
            return None
        return (f"must be a locale of {language!r} that Babel knows: "
                f"{', '.join(locales(language))}")
    return (f"must be a language with a message catalogue ({', '.join(available)}: "
            "locales/<language>.po) or one of their locales that Babel knows (such as fr-BE, "
            "fr-FR, nl-BE, en-GB)")


def _language(language: object) -> object:
    """The language of a locale of a catalogue's language (``nl-BE`` → ``nl``); anything else
    as it is (refused by :func:`_catalogue`, which names it)."""
    match = _LOCALE_TAG.fullmatch(language) if isinstance(language, str) else None
    return match.group(1) if match is not None and match.group(1) in languages() else language


@functools.cache
def _catalogue(folder: Path, language: str) -> _Catalogue:
    from babel.messages.pofile import PoFileError, read_po

    available = _languages(folder)
    if not isinstance(language, str) or not _LANGUAGE_CODE.fullmatch(language) \
            or language not in available:
        raise InputError(f"language={language!r}: must be a language with a message catalogue, "
                         f"one of {', '.join(map(repr, available))} "
                         f"({_where(folder, '<language>.po')}); got {language!r}")
    path = folder / f"{language}.po"
    try:
        with path.open("rb") as file:
            po = read_po(file, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError) as exc:
        raise EvalkitError(f"{_where(folder, path.name)}: not a readable message catalogue: "
                           f"{exc}") from None
    found: dict[str, Wording] = {}
    for message in po:
        # gettext's rules: the header, fuzzy and untranslated messages are not wording
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(message.string)
            if all(forms):
                found[message.id[0]] = forms
        elif message.string:
            found[message.id] = message.string
    return _Catalogue(MappingProxyType(found), gettext.c2py(po.plural_expr))


def messages(language: Language) -> Mapping[str, Wording]:
    """Every message of ``language``'s catalogue, by key, unformatted (read-only)."""
    return _catalogue(LOCALES, _language(language)).messages


def wording(key: str, language: Language, count: int | None = None) -> str:
    """The wording of ``key`` in ``language`` (a language or a locale), placeholders unfilled.

    ``count`` chooses among the plural forms of a message that has them (and is needed
    for one); see :func:`ntext`.

    Raises
    ------
    InputError
        When ``language`` has no catalogue, ``key`` no message, or ``count`` does not
        fit the message (missing for one with plural forms, given for one without).
    """
    language = _language(language)  # type: ignore[assignment]
    catalogue = _catalogue(LOCALES, language)
    try:
        found = catalogue.messages[key]
    except KeyError:
        close = difflib.get_close_matches(str(key), catalogue.messages, n=3)
        raise InputError(
            f"key={key!r}: must be the key of a message in the catalogues "
            f"({_where(LOCALES, f'{language}.po')} has {len(catalogue.messages)}); got {key!r}"
            + (f"; did you mean {', '.join(map(repr, close))}?" if close else "")) from None
    if isinstance(found, str):
        if count is not None:
            raise InputError(f"key={key!r}: has no plural forms; use text(), without a count")
        return found
    if count is None:
        raise InputError(f"key={key!r}: has plural forms; use ntext() with the count")
    return found[min(catalogue.plural(count), len(found) - 1)]


def _fill(key: str, language: str, words: str, values: Mapping[str, object]) -> str:
    try:
        return words.format(**values)
    except KeyError as missing:
        raise InputError(f"key={key!r}: its {language!r} wording needs a value for "
                         f"{{{missing.args[0]}}}; got {', '.join(sorted(values)) or 'none'}"
                         ) from None


def text(key: str, language: Language, **values: object) -> str:
    """The wording for ``key`` in ``language``, with ``{placeholders}`` filled in.

    >>> text("period_range", "fr", first=2010, last=2020)
    'De 2010 à 2020'
    """
    return _fill(key, language, wording(key, language), values)


def ntext(key: str, count: int, language: Language, **values: object) -> str:
    """The wording for ``key`` in ``language`` for ``count`` things (its plural form).

    The form is the one the catalogue's ``Plural-Forms`` header gives for ``count``
    (French uses the singular for 0 and 1, English for 1 only); ``{count}`` is filled in
    too.
    """
    return _fill(key, language, wording(key, language, count), {"count": count, **values})


def estimator_name(name: str, language: Language) -> str:
    """An estimator's name in the report's language (unchanged if not translated).

    >>> estimator_name("Two-way fixed effects (TWFE)", "fr")
    'Effets fixes individuels et temporels (TWFE)'
    """
    key = ESTIMATOR_KEYS.get(name)
    return name if key is None else text(key, language)
