"""Reports in Dutch, and numbers and dates in a locale (fr-FR, fr-BE, nl-BE, en-GB).

Every separator expected here is CLDR's, as Babel 2.x ships it (checked in
``test_what_cldr_says_of_the_four_locales``), never evalkit's own choice, except the
overrides the module docstring of :mod:`evalkit.formatting` lists (U+2212 minus sign,
U+202F before the French ``%``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from babel import Locale

from evalkit.errors import InputError, ParamsError
from evalkit.formatting import (
    NNBSP,
    format_date,
    format_datetime,
    format_interval,
    format_level,
    format_number,
    format_percent,
    language_of,
    locale_of,
)
from evalkit.plots.numbers import LocalisedScalarFormatter
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.messages.catalogue import languages, locales
from evalkit.reports.params.schema import load_params
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.sections import PolicyReport

ROOT = Path(__file__).resolve().parents[2]


def _variant(tmp_path: Path, language: object, name: str = "incinerator") -> Path:
    """A shipped params file with another ``language``, its data path made absolute."""
    raw = yaml.safe_load((ROOT / "params" / f"{name}.yaml").read_text("utf-8"))
    raw["data"]["file"] = str((ROOT / "params" / raw["data"]["file"]).resolve())
    raw["language"] = language
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


# ------------------------------------------------------------------- what CLDR says
def test_what_cldr_says_of_the_four_locales():
    symbols = {name: Locale.parse(name).number_symbols["latn"]
               for name in ("fr_FR", "fr_BE", "nl_BE", "en_GB")}
    # decimal mark and thousands separator
    assert (symbols["nl_BE"]["decimal"], symbols["nl_BE"]["group"]) == (",", ".")
    assert (symbols["fr_BE"]["decimal"], symbols["fr_BE"]["group"]) == (",", NNBSP)
    assert symbols["fr_BE"] == symbols["fr_FR"]  # Belgian French writes numbers as French
    assert (symbols["en_GB"]["decimal"], symbols["en_GB"]["group"]) == (".", ",")
    # percent: no space in Dutch
    assert Locale.parse("nl_BE").percent_formats[None].pattern == "#,##0%"
    # short dates: where fr-BE and fr-FR differ
    assert Locale.parse("fr_BE").date_formats["short"].pattern == "d/MM/yy"
    assert Locale.parse("fr_FR").date_formats["short"].pattern == "dd/MM/y"


# ------------------------------------------------------------------ locale parsing
@pytest.mark.parametrize(("given", "locale", "language"), [
    ("fr", "fr_FR", "fr"), ("en", "en_GB", "en"), ("nl", "nl_BE", "nl"),  # defaults
    ("fr-BE", "fr_BE", "fr"), ("fr_BE", "fr_BE", "fr"), ("nl-be", "nl_BE", "nl"),
    ("en-GB", "en_GB", "en"), ("fr-FR", "fr_FR", "fr"), ("nl_NL", "nl_NL", "nl"),
])
def test_a_language_or_a_locale_is_read_as_a_locale(given, locale, language):
    assert locale_of(given) == locale
    assert language_of(given) == language


@pytest.mark.parametrize("given", ["xx", "fr-XX", "fr-", "", None, 3, "french"])
def test_an_unknown_locale_is_refused_with_examples(given):
    with pytest.raises(InputError, match=r"must be a language \(en, fr, nl \.\.\.\) or a locale "
                                         r"Babel knows, such as fr-FR, fr-BE, nl-BE or en-GB"):
        format_number(1.0, given)


# -------------------------------------------------------------- numbers and dates
def test_dutch_numbers_are_written_the_belgian_way():
    # CLDR nl_BE: decimal comma, a dot between thousands, "%" without a space;
    # evalkit's minus sign U+2212
    assert format_number(-12345.678, "nl", 1) == "\u221212.345,7"
    assert format_number(-12345.678, "nl-BE", 1) == "\u221212.345,7"
    assert format_percent(21.04, "nl", 1) == "21,0%"
    assert format_level(0.05, "nl") == "95%"
    assert format_interval(-0.0641, -0.0159, "nl", 3) == "[\u22120,064; \u22120,016]"
    assert format_number(float("nan"), "nl") == "n.b."
    assert format_percent(None, "nl") == "n.b.%"
    formatter = LocalisedScalarFormatter("nl-BE", useOffset=False)
    formatter.set_scientific(False)
    assert formatter.format_ticks([0, 12500, 25000]) == ["0", "12.500", "25.000"]
    assert formatter.format_ticks([2020, 2022]) == ["2020", "2022"]  # years stay whole


def test_french_of_belgium_and_of_france_differ_where_cldr_says_so():
    # numbers: the same (see test_what_cldr_says_of_the_four_locales)
    for value in (-11863.9033, 1234567.891):
        assert format_number(value, "fr-BE", 2) == format_number(value, "fr-FR", 2) \
            == format_number(value, "fr", 2)
    assert format_percent(21.04, "fr-BE", 1) == format_percent(21.04, "fr", 1) == "21,0\u202f%"
    # short dates: d/MM/yy in Belgium, dd/MM/y in France
    assert format_date("2024-03-05", "fr-BE", "short") == "5/03/24"
    assert format_date("2024-03-05", "fr-FR", "short") == "05/03/2024"
    assert format_date("2024-03-05", "nl-BE", "short") == "5/03/2024"


def test_dates_are_written_in_the_locale():
    stamp = "2026-01-02T09:05:59+00:00"
    assert format_datetime(stamp, "en") == "2 January 2026, 09:05 UTC"
    assert format_datetime(stamp, "fr-BE") == "2 janvier 2026, 09:05 UTC"
    assert format_datetime(stamp, "nl") == "2 januari 2026, 09:05 UTC"
    # a moment in another time zone is shown in UTC: 10:05 in Brussels (UTC+1) is 09:05
    assert format_datetime("2026-01-02T10:05:00+01:00", "nl") == "2 januari 2026, 09:05 UTC"
    with pytest.raises(InputError, match="date='yesterday': must be a date"):
        format_date("yesterday", "fr")


# ---------------------------------------------------------------------- params
def test_language_may_be_a_locale_or_a_list(tmp_path):
    one = load_params(_variant(tmp_path, "nl"))
    assert (one.language, one.languages, one.locale) == ("nl", ("nl",), "nl_BE")
    belgian = load_params(_variant(tmp_path, "fr-BE"))
    assert (belgian.language, belgian.languages, belgian.locale) == ("fr", ("fr-BE",), "fr_BE")
    both = load_params(_variant(tmp_path, ["fr-BE", "nl-BE"]))
    assert both.languages == ("fr-BE", "nl-BE")
    assert (both.language, both.locale, both.report_language) == ("fr", "fr_BE", "fr-BE")
    out = both.to_notebook_parameters()
    assert (out["language"], out["languages"]) == ("fr-BE", ["fr-BE", "nl-BE"])


def test_with_options_chooses_one_of_the_languages(tmp_path):
    both = load_params(_variant(tmp_path, ["fr-BE", "nl-BE"]))
    for chosen in ("nl-BE", "nl_BE", "nl"):
        dutch = both.with_options(language=chosen)
        assert (dutch.language, dutch.locale, dutch.languages) == ("nl", "nl_BE",
                                                                  ("fr-BE", "nl-BE"))
    dutch = both.with_options(language="nl")
    # kept through other changes, and back to French on asking
    assert dutch.with_options(inference={"kind": "robust"}).language == "nl"
    assert dutch.with_options(language="fr").locale == "fr_BE"
    # a language that is not in the list is the file's key changed
    english = both.with_options(language="en")
    assert (english.languages, english.locale) == (("en",), "en_GB")
    assert both.language == "fr"  # the params themselves are unchanged


@pytest.mark.parametrize(("language", "message"), [
    ("de", r"language: must be a language with a message catalogue \(en, fr, nl: "
           r"locales/<language>.po\) or one of their locales that Babel knows \(such as "
           r"fr-BE, fr-FR, nl-BE, en-GB\); got 'de'"),
    ("fr-XX", r"language: must be a locale of 'fr' that Babel knows: fr-BE, .*; got 'fr-XX'"),
    (["nl", "xx"], r"language: 'xx': must be a language with a message catalogue"),
    (["fr", "fr-BE"], r"must name each language once .*'fr' and 'fr-BE' are both in 'fr'"),
    ([], r"must be a language \(en, fr, nl\), a locale"),
])
def test_an_unknown_language_or_locale_is_refused_with_the_available_ones(tmp_path, language,
                                                                          message):
    with pytest.raises(ParamsError, match=message):
        load_params(_variant(tmp_path, language))


def test_the_languages_are_the_catalogues_and_their_locales_those_babel_knows():
    assert {"en", "fr", "nl"} <= set(languages())
    assert {"fr-FR", "fr-BE", "nl-BE", "en-GB"} <= set(locales())
    assert "de-BE" not in locales()  # no de.po


# ------------------------------------------------------------------ a Dutch report
def test_a_report_in_dutch_has_dutch_words_and_belgian_numbers(tmp_path):
    ev = evaluate(_variant(tmp_path, "nl"))
    findings = key_findings(ev)
    # Wooldridge, Introductory Econometrics, Table 13.2 (3): -14,177.93 (4,987.27), which
    # the report rounds to units (two significant digits of the standard error: 0 decimals)
    assert findings[0].startswith("Geschat effect van het beleid op house price (1978 "
                                  "dollars): \u221214.178 (95%-betrouwbaarheidsinterval: ")
    report = PolicyReport(ev)
    html = report.estimate_html() + report.data_html() + report.provenance_html()
    assert "Standaardfout" in html and "4.987" in html  # 4,987.27 to units, dot grouping
    assert "2x2-verschil-in-verschillen (gewone kleinste kwadraten)" in html
    assert "Gebruikte gegevens" in html and "Herkomst" in html
    assert "Standard error" not in html and "Erreur" not in html


def test_the_same_report_in_belgian_french_writes_numbers_as_in_france(tmp_path):
    french = key_findings(evaluate(_variant(tmp_path, "fr")))
    belgian = key_findings(evaluate(_variant(tmp_path, "fr-BE")))
    assert belgian == french  # CLDR gives fr_BE the numbers of fr_FR
    assert "\u221214\u202f178" in french[0]
