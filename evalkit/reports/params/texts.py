"""The user's own texts in a params file, in one language or in several.

The keys whose value is the user's free text (``policy.name``, ``policy.description``,
``design.outcome_label``, ``indicators.focus_label`` ...: :data:`TEXT_KEYS`) take either
a text, used whatever the report's language, or a mapping of texts by language, for a
params file whose reports are written in several languages::

    policy:
      name:
        fr: Plan social de proximité
        nl: Sociaal Nabijheidsplan
    language: fr-BE

A mapping is resolved to the report's language when the params are read (and again when
:meth:`~evalkit.reports.params.schema.PolicyParams.with_options` changes the language):
the text under the language's exact code (``fr-BE``) if given, else under its language
(``fr``), else under another locale of that language (``fr-FR``). Every language the
params ask for (``language`` may be a list) must have a text; with a list, the first is
the one resolved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from evalkit._schema_errors import describe_value

__all__ = ["TEXT_KEYS", "report_languages", "text_in", "resolve_texts"]

#: The keys (section, ..., key) whose value is the user's free text.
TEXT_KEYS: tuple[tuple[str, ...], ...] = (
    ("policy", "name"),
    ("policy", "description"),
    ("policy", "owner"),
    ("data", "description"),
    ("data", "source"),
    ("design", "outcome_label"),
    ("indicators", "focus_label"),
    ("report", "title"),
    ("report", "notes"),
    ("programme", "budget", "label"),
    ("programme", "calls", "label"),
    ("programme", "cost", "label"),
    ("programme", "cost", "effect_unit"),
)

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")


def report_languages(language: Any) -> tuple[str, ...]:
    """The languages a params file's ``language`` asks for: one code, or a list of them.

    Anything else (missing, a number, an empty list) gives ``()``: the schema reports it.
    """
    if isinstance(language, str) and language:
        return (language,)
    if isinstance(language, list) and language and all(
            isinstance(code, str) and code for code in language):
        return tuple(language)
    return ()


def _base(code: str) -> str:
    return code.split("-", 1)[0].split("_", 1)[0].lower()


def text_in(texts: Mapping[str, str], language: str) -> str | None:
    """The text of ``texts`` (by language code) for ``language``, or ``None`` if none fits.

    Looked up under ``language`` itself (``fr-BE``), then its language (``fr``), then the
    first other locale of that language (``fr-FR``), in the mapping's order.
    """
    if language in texts:
        return texts[language]
    base = _base(language)
    if base in texts:
        return texts[base]
    for code, text in texts.items():
        if _base(code) == base:
            return text
    return None


def _mapping_problems(name: str, value: Mapping[Any, Any]) -> list[str]:
    if not value:
        return [f"{name}={{}}: must be text, or texts by language such as "
                f"{{fr: ..., nl: ...}}; got an empty mapping"]
    problems = []
    for code, text in value.items():
        if not isinstance(code, str) or not _LANGUAGE_CODE.fullmatch(code):
            problems.append(f"{name}.{code}: must be a language code such as fr, nl, en or "
                            f"fr-BE; got {describe_value(code)}")
        elif not isinstance(text, str):
            problems.append(f"{name}.{code}: must be text; got {describe_value(text)}")
    return problems


def resolve_texts(raw: Any, language: str | None = None) -> tuple[Any, list[str]]:
    """``raw`` (a params file's content) with each text given by language resolved.

    Parameters
    ----------
    raw
        The mapping read from the params file; never modified.
    language
        The language (or locale) the report is written in, one of the file's languages
        (default: the first of them).

    Returns
    -------
    resolved, problems
        A copy of ``raw`` in which each key of :data:`TEXT_KEYS` given as a mapping by
        language holds the text of the report's (first) language, and the problems
        found, each naming its key: a mapping without a text for one of the report's
        languages (naming the languages it has), a language code or a text of the wrong
        kind. A key with a problem holds the mapping's first text, so that the schema
        does not report it again. ``raw`` itself is returned when it is not a mapping.
    """
    if not isinstance(raw, Mapping):
        return raw, []
    languages = report_languages(raw.get("language"))
    resolved = dict(raw)
    problems: list[str] = []
    for path in TEXT_KEYS:
        *sections, key = path
        block = _nested(resolved, sections)
        if not isinstance(block, Mapping) or not isinstance(block.get(key), Mapping):
            continue
        name = ".".join(path)
        value = block[key]
        found = _mapping_problems(name, value)
        texts = {code: text for code, text in value.items()
                 if isinstance(code, str) and isinstance(text, str)}
        missing = [language for language in languages if text_in(texts, language) is None]
        if missing and not found:
            given = ", ".join(map(str, value)) or "none"
            found.append(
                f"{name}: has no text in {', '.join(missing)}, a language of the report "
                f"(language: {describe_value(raw.get('language'))}); the languages given "
                f"are {given}")
        problems.extend(found)
        if not found and languages:
            text: Any = text_in(texts, language or languages[0])
        else:
            text = next(iter(texts.values()), "")
        resolved = _replaced(resolved, path, text)
    return resolved, problems


def _nested(raw: Mapping[str, Any], sections: list[str]) -> Any:
    """The mapping under ``sections`` (``["programme", "cost"]``), or ``None``."""
    block: Any = raw
    for section in sections:
        if not isinstance(block, Mapping):
            return None
        block = block.get(section)
    return block


def _replaced(raw: Mapping[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``raw`` with the key at ``path`` set to ``value`` (the mappings on the way
    copied, never modified)."""
    head, *rest = path
    if not rest:
        return {**raw, head: value}
    return {**raw, head: _replaced(raw[head], tuple(rest), value)}
