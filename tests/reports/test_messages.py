"""The message catalogues: every message in every language, with the same placeholders.

A language is one file, ``evalkit/reports/messages/locales/<language>.po``; these tests are
what a new one must pass (see the README, "Wording and languages").
"""

from __future__ import annotations

import ast
import re
import shutil
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from evalkit.errors import EvalkitError, InputError
from evalkit.reports.messages import catalogue
from evalkit.reports.messages.catalogue import (
    ESTIMATOR_KEYS,
    LOCALES,
    estimator_name,
    languages,
    messages,
    ntext,
    text,
    wording,
)
from evalkit.reports.params.schema import PolicyParams

REPORTS = Path(catalogue.__file__).resolve().parents[1]
LANGUAGES = languages()


def _forms(found: str | tuple[str, ...]) -> tuple[str, ...]:
    return (found,) if isinstance(found, str) else found


def _placeholders(words: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(words) if field is not None}


def _all_keys() -> set[str]:
    return set().union(*(messages(language) for language in LANGUAGES))


def test_a_params_file_may_ask_for_exactly_the_languages_with_a_catalogue():
    assert LANGUAGES == tuple(sorted(p.stem for p in LOCALES.glob("*.po")))
    assert {"en", "fr", "nl"} <= set(LANGUAGES)
    assert "requested_languages" in PolicyParams.model_fields
    assert "language" in PolicyParams.keys()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_exists_in_every_language(language):
    keys = set(messages(language))
    missing = sorted(_all_keys() - keys)
    assert missing == [], f"locales/{language}.po lacks (or has fuzzy or empty) {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty_fuzzy_or_obsolete(language):
    with (LOCALES / f"{language}.po").open("rb") as file:
        po = read_po(file, abort_invalid=True)
    assert po.locale is not None and str(po.locale) == language, "its Language header"
    assert not po.obsolete, f"obsolete messages (#~) in {language}.po: remove them"
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}.po: {message.id!r} is marked fuzzy"
        for form in _forms(tuple(message.string) if isinstance(message.id, tuple)
                           else message.string):
            assert form.strip(), f"{language}.po: {message.id!r} is empty"
            assert form == form.strip(), f"{language}.po: {message.id!r} has spaces at an end"


def test_placeholders_are_named_and_the_same_in_every_language():
    for key in sorted(_all_keys()):
        seen = {}
        for language in LANGUAGES:
            found = _forms(messages(language)[key])
            fields = set().union(*(_placeholders(form) for form in found))
            for field in fields:
                assert field.isidentifier(), f"{language}: {key}: {{{field}}} is not a name"
            seen[language] = fields
        assert len({frozenset(f) for f in seen.values()}) == 1, f"{key}: {seen}"


def test_plural_forms_follow_each_language():
    # French takes the singular for 0 and 1, English for 1 only
    # Dutch as English (nplurals=2; plural=(n != 1), CLDR's rule for nl)
    for language, forms in {"en": ("policies", "policy", "policies"),
                            "fr": ("politique", "politique", "politiques"),
                            "nl": ("beleidsmaatregelen", "beleidsmaatregel",
                                   "beleidsmaatregelen")}.items():
        for count, word in zip((0, 1, 2), forms, strict=True):
            assert ntext("index_policies", count, language).endswith(word)
    assert ntext("index_policies", 3, "fr") == "3 politiques"


# ---------------------------------------------------------------------- the code's keys
#: Functions whose first argument is a message key, by the module that defines them.
_KEYED = {"evalkit.reports.messages.catalogue": {"text", "ntext", "wording"},
          "evalkit.reports.analysis.notes": {"Note"},
          "evalkit.reports.analysis.evaluation": {"Headline"}}
#: Functions whose argument after the first is a subject (``subject_<subject>`` names it).
_SUBJECT = {"Note", "omission"}
#: Template calls whose first argument is a message key.
_TEMPLATE_CALL = re.compile(r"\b(?:text|ntext)\(\s*([\"'])(\w+)\1")


def _pattern(node: ast.expr) -> re.Pattern[str] | None:
    """The key a literal argument names, or the keys an f-string can make."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.compile(re.escape(node.value))
    if isinstance(node, ast.JoinedStr):
        return re.compile("".join(re.escape(part.value) if isinstance(part, ast.Constant)
                                  else r"\w+" for part in node.values))
    return None  # a key held in a variable: the end-to-end tests word it


#: The report modules whose ``self._t(key)`` and ``self._n(key, ...)`` prefix their keys.
_PREFIXED = {"tracking_sections.py": "tracking_", "programme_sections.py": "programme_"}


def _tracking_shared(tree: ast.Module) -> dict[str, str]:
    """The keys a report's ``_t`` does not prefix (its ``_SHARED`` mapping)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_SHARED":
            return ast.literal_eval(node.value)
    return {}


def _python_keys(path: Path) -> list[re.Pattern[str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = ".".join(("evalkit", *path.relative_to(REPORTS.parent).with_suffix("").parts))
    keyed = set(_KEYED.get(module, ()))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in _KEYED:
            keyed |= {a.asname or a.name for a in node.names if a.name in _KEYED[node.module]}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("_t", "_n") \
                and getattr(node.func.value, "id", "") == "self":
            # the report classes word their sections through self._t(key)
            key = node.args[0]
            prefix = _PREFIXED.get(path.name)
            if prefix and isinstance(key, ast.Constant):
                shared = _tracking_shared(tree) if node.func.attr == "_t" else {}
                key = ast.Constant(shared.get(key.value, f"{prefix}{key.value}"))
            elif prefix:  # an f-string key, always prefixed
                pattern = _pattern(key)
                found.append(pattern and re.compile(prefix + pattern.pattern))
                continue
            found.append(_pattern(key))
        elif name in keyed:
            found.append(_pattern(node.args[0]))
        if name in _SUBJECT and (name in keyed or name == "omission") and len(node.args) > 1:
            subject = _pattern(node.args[1])
            found.append(subject and re.compile("subject_" + subject.pattern))
    return [pattern for pattern in found if pattern is not None]


def _used_keys() -> list[tuple[str, re.Pattern[str]]]:
    used = []
    for path in sorted(REPORTS.rglob("*")):
        where = path.relative_to(REPORTS).as_posix()
        if where.startswith("messages/"):
            continue
        if path.suffix == ".py":
            used += [(where, pattern) for pattern in _python_keys(path)]
        elif path.suffix == ".j2":
            used += [(where, re.compile(re.escape(key)))
                     for _, key in _TEMPLATE_CALL.findall(path.read_text(encoding="utf-8"))]
    return used + [("messages/catalogue.py", re.compile(re.escape(key)))
                   for key in ESTIMATOR_KEYS.values()]


def test_every_key_the_code_uses_exists():
    used = _used_keys()
    assert len(used) > 150, "the scan of the report code finds the keys it uses"
    keys = _all_keys()
    unknown = sorted({f"{where}: {pattern.pattern}" for where, pattern in used
                      if not any(pattern.fullmatch(key) for key in keys)})
    assert unknown == []


def test_the_estimator_names_are_translated():
    for name in ESTIMATOR_KEYS:
        assert estimator_name(name, "fr") != name
    assert estimator_name("A new estimator", "fr") == "A new estimator"


# --------------------------------------------------------------- adding a language
GERMAN = {"findings": "Wichtigste Ergebnisse", "period_range": "Von {first} bis {last}",
          "index_policies": ("{count} Maßnahme", "{count} Maßnahmen")}


def _german_catalogue(english: str) -> str:
    """en.po turned into a (partly translated) de.po, as a translator would start."""
    german = english.replace('"Language: en\\n"', '"Language: de\\n"')
    for key, words in GERMAN.items():
        if isinstance(words, str):
            german = re.sub(rf'(msgid "{key}"\nmsgstr ).*', rf'\1"{words}"', german)
        else:
            german = re.sub(rf'(msgid "{key}"\nmsgid_plural "{key}"\n)msgstr\[0\] .*\n'
                            r"msgstr\[1\] .*",
                            rf'\1msgstr[0] "{words[0]}"\nmsgstr[1] "{words[1]}"', german)
    return german


def test_adding_a_language_is_adding_one_file(tmp_path, monkeypatch):
    for path in LOCALES.glob("*.po"):
        shutil.copy(path, tmp_path / path.name)
    english = (LOCALES / "en.po").read_text(encoding="utf-8")
    (tmp_path / "de.po").write_text(_german_catalogue(english), encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALES", tmp_path)

    assert languages() == ("de", *LANGUAGES)
    assert text("findings", "de") == "Wichtigste Ergebnisse"
    assert text("period_range", "de", first=2010, last=2020) == "Von 2010 bis 2020"
    assert ntext("index_policies", 1, "de") == "1 Maßnahme"
    assert ntext("index_policies", 0, "de") == "0 Maßnahmen"
    assert text("findings", "fr") == "Principaux résultats"
    assert set(messages("de")) == set(messages("en"))


def test_a_broken_catalogue_is_named(tmp_path, monkeypatch):
    (tmp_path / "en.po").write_text('msgid "a"\nmsgstr "x"\nnot a po line\n', encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALES", tmp_path)
    with pytest.raises(EvalkitError, match="en.po: not a readable message catalogue"):
        text("a", "en")


# ------------------------------------------------------------------------- errors
def test_an_unknown_key_is_named_with_the_closest_ones():
    with pytest.raises(InputError, match=r"key='findngs': must be the key of a message") as error:
        text("findngs", "en")
    assert "locales/en.po has" in str(error.value) and "did you mean 'findings'" in str(error.value)


@pytest.mark.parametrize("language", ["de", "EN", "../en", "", None, "de-BE"])
def test_an_unknown_language_is_named_with_the_available_ones(language):
    with pytest.raises(InputError, match=r"must be a language with a message catalogue, "
                                         r"one of 'en', 'fr', 'nl'") as error:
        text("findings", language)
    assert str(error.value).startswith(f"language={language!r}")


def test_a_locale_is_worded_in_its_language():
    assert text("findings", "nl-BE") == text("findings", "nl") == "Belangrijkste resultaten"
    assert text("findings", "fr_BE") == text("findings", "fr") == "Principaux résultats"
    assert ntext("index_policies", 2, "en-GB") == "2 policies"


def test_a_missing_value_is_named():
    with pytest.raises(InputError, match=r"key='period_range': its 'fr' wording needs a value "
                                         r"for \{last\}; got first"):
        text("period_range", "fr", first=2010)


def test_plural_messages_need_a_count_and_others_refuse_one():
    with pytest.raises(InputError, match="has plural forms; use ntext"):
        text("index_policies", "en")
    with pytest.raises(InputError, match="has no plural forms"):
        wording("findings", "en", count=2)
