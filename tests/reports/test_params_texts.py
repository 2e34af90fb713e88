"""Free texts of a params file given by language (evalkit/reports/params/texts.py)."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest

from evalkit.datasets import dataset_path
from evalkit.errors import ParamsError
from evalkit.reports import load_params
from evalkit.reports.params.texts import TEXT_KEYS, report_languages, resolve_texts, text_in

ROOT = Path(__file__).resolve().parents[2]

PARAMS = """\
policy:
  name: {name}
  description: {description}
language: {language}
data:
  file: {data}
design:
  estimator: twfe
  outcome: lemp
  outcome_label: {label}
  unit: countyreal
  time: year
  first_treated: first.treat
"""


def write(folder: Path, *, name: str = "Minimum wage", description: str = "Counties.",
          language: str = "fr", label: str = "log teen employment") -> Path:
    path = folder / "policy.yaml"
    path.write_text(PARAMS.format(name=name, description=description, language=language,
                                  label=label, data=dataset_path("mpdta")), encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[str, ...]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return tuple(info.value.problems)


# ----------------------------------------------------------------------------- the helper


def test_text_keys_are_the_free_texts_of_the_schema():
    # every key named is a text field of its section (a typo would never resolve anything)
    from evalkit.reports.params import programme, schema

    sections = {("policy",): schema.PolicySection, ("data",): schema.DataSection,
                ("design",): schema.DesignSection, ("indicators",): schema.IndicatorsSection,
                ("report",): schema.ReportSection,
                ("programme", "budget"): programme.BudgetSection,
                ("programme", "calls"): programme.CallsSection,
                ("programme", "cost"): programme.CostSection}
    for *section, key in TEXT_KEYS:
        field = sections[tuple(section)].model_fields.get(key)
        assert field is not None, (section, key)
        assert "str" in str(field.annotation), (section, key)  # a text field


def test_text_in_prefers_the_locale_then_the_language_then_another_locale():
    texts = {"fr": "général", "fr-BE": "belge", "nl-BE": "Belgisch"}
    assert text_in(texts, "fr-BE") == "belge"     # exact locale
    assert text_in(texts, "fr-FR") == "général"   # its language
    assert text_in(texts, "nl") == "Belgisch"     # another locale of that language
    assert text_in(texts, "en") is None


def test_report_languages_reads_one_code_or_a_list():
    assert report_languages("fr") == ("fr",)
    assert report_languages(["fr-BE", "nl-BE"]) == ("fr-BE", "nl-BE")
    for unusable in (None, 3, [], ["fr", 2], ""):
        assert report_languages(unusable) == ()


def test_mapping_resolved_to_the_first_language_and_input_kept():
    raw = {"language": ["fr-BE", "nl-BE"],
           "policy": {"name": {"fr": "Plan", "nl": "Plan (nl)"}, "description": "Texte."},
           "report": {"notes": {"nl": "Nota", "fr": "Note"}}}
    before = copy.deepcopy(raw)
    resolved, problems = resolve_texts(raw)
    assert problems == []
    assert resolved["policy"] == {"name": "Plan", "description": "Texte."}
    assert resolved["report"] == {"notes": "Note"}
    assert raw == before  # the caller's mapping is never changed


def test_missing_language_names_the_key_and_the_languages_given():
    raw = {"language": ["fr-BE", "nl-BE"], "policy": {"name": {"fr": "Plan", "en": "Plan"}}}
    resolved, problems = resolve_texts(raw)
    assert len(problems) == 1
    assert problems[0].startswith("policy.name: has no text in nl-BE, a language of the report")
    assert "the languages given are fr, en" in problems[0]
    assert resolved["policy"]["name"] == "Plan"  # still text: the schema says nothing more


def test_bad_codes_and_values_are_named():
    raw = {"language": "fr", "design": {"outcome_label": {"French": "x", "nl": 3}},
           "indicators": {"focus_label": {}}}
    _, problems = resolve_texts(raw)
    assert any(p.startswith("design.outcome_label.French: must be a language code")
               for p in problems)
    assert any(p.startswith("design.outcome_label.nl: must be text; got 3") for p in problems)
    assert any(p.startswith("indicators.focus_label={}: must be text, or texts by language")
               for p in problems)


def test_not_a_mapping_is_left_to_the_schema():
    assert resolve_texts(["a list"]) == (["a list"], [])
    raw = {"language": "fr", "policy": {"name": 3}}
    assert resolve_texts(raw) == (raw, [])


# ----------------------------------------------------------------------------- load_params


def test_plain_texts_still_work(tmp_path):
    params = load_params(write(tmp_path))
    assert params.policy.name == "Minimum wage"
    assert params.design.outcome_label == "log teen employment"


def test_texts_by_language_follow_the_report_language(tmp_path):
    path = write(tmp_path, name="{fr: Salaire minimum, en: Minimum wage}",
                 label="{fr: emploi des jeunes (log), en: log teen employment}")
    params = load_params(path)
    assert params.language == "fr"
    assert params.policy.name == "Salaire minimum" and params.title == "Salaire minimum"
    assert params.design.outcome_label == "emploi des jeunes (log)"
    english = params.with_options(language="en")
    assert english.policy.name == "Minimum wage"
    assert english.design.outcome_label == "log teen employment"
    # and back: the texts by language are kept, not the French ones only
    assert english.with_options(language="fr").policy.name == "Salaire minimum"
    assert params.to_notebook_parameters()["policy"]["name"] == "Salaire minimum"


def test_missing_language_is_a_params_error(tmp_path):
    path = write(tmp_path, language="en", description="{fr: Des comtés., nl: Graafschappen.}")
    problems = problems_of(path)
    assert problems == ("policy.description: has no text in en, a language of the report "
                        "(language: 'en'); the languages given are fr, nl",)


def test_text_problems_are_reported_with_the_others(tmp_path):
    path = write(tmp_path, name="{fr: Salaire minimum}", language="en")
    text = path.read_text(encoding="utf-8").replace("estimator: twfe", "estimator: did")
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path)
    assert any(p.startswith("policy.name: has no text in en") for p in problems)
    assert any(p.startswith("design.estimator") for p in problems)
    assert not any("must be text" in p for p in problems)  # not reported twice


def test_block_scalars_by_language(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(textwrap.dedent(f"""\
        policy:
          name: Plan
          description:
            fr: >-
              Première ligne
              et suite.
            en: Second.
        language: fr
        data:
          file: {dataset_path("mpdta")}
        design:
          estimator: twfe
          outcome: lemp
          unit: countyreal
          time: year
          first_treated: first.treat
        """), encoding="utf-8")
    assert load_params(path).policy.description == "Première ligne et suite."


def test_choosing_one_of_a_bilingual_files_languages_picks_its_texts():
    # The shipped Brussels params list [fr-BE, nl-BE]: the report in Dutch takes the Dutch
    # texts (the run writes each version with with_options(language=...)), and keeps them
    # through later changes of other sections.
    from evalkit.reports import load_params

    shipped = Path(__file__).resolve().parents[2] / "params" / "bruxelles_plan_social.yaml"
    params = load_params(shipped)
    assert params.languages == ("fr-BE", "nl-BE")
    assert params.policy.name.startswith("« Plan social de proximité »")
    dutch = params.with_options(language="nl-BE")
    assert dutch.report_language == "nl-BE" and dutch.locale == "nl_BE"
    assert dutch.policy.name.startswith("« Sociaal Nabijheidsplan »")
    assert dutch.design.outcome_label.startswith("het aantal leefloongerechtigden")
    again = dutch.with_options(design={"estimator": "imputation"})
    assert again.policy.name == dutch.policy.name
    assert params.policy.name.startswith("« Plan social")  # the original is unchanged
