"""Indicator definitions: the YAML file, its schema and the checks between fields."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from evalkit.errors import DataError, InputError, ParamsError
from evalkit.indicators.definitions import (
    Baseline,
    Indicator,
    Target,
    check_targets,
    load_indicators,
    validate_against,
)

GOOD = """\
indicators:
  - code: pauvrete
    label: {fr: le taux de pauvreté, en: the poverty rate}
    unit: percentage
    direction: lower_is_better
    source: INSEE, Filosofi
    level: departement
    baseline: {period: 2015, value: 14.9}
    targets:
      - {period: 2030, value: 12.0}
      - {period: 2025, value: 13}
    notes: "2015-01-01 stays text"
  - code: emplois
    label: {fr: le nombre d'emplois, en: the number of jobs}
    unit: count
    direction: higher_is_better
"""


def write(tmp_path, text, name="indicators.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(ParamsError) as info:
        load_indicators(write(tmp_path, text))
    return list(info.value.problems)


def test_load_good_file(tmp_path):
    pauvrete, emplois = load_indicators(write(tmp_path, GOOD))
    assert pauvrete.code == "pauvrete"
    assert pauvrete.label_in("fr") == "le taux de pauvreté"
    assert pauvrete.baseline == Baseline(2015, 14.9)
    # targets are sorted by period; `target` is the last one
    assert pauvrete.targets == (Target(2025, 13.0), Target(2030, 12.0))
    assert pauvrete.target == Target(2030, 12.0)
    assert pauvrete.bounded is True  # default for percentages
    assert pauvrete.notes == "2015-01-01 stays text"  # no date coercion
    assert emplois.baseline is None and emplois.targets == () and emplois.target is None
    assert emplois.bounded is False


def test_unknown_key_and_bad_direction_name_the_key(tmp_path):
    problems = problems_of(tmp_path, """\
        indicators:
          - code: a
            label: {fr: a, en: a}
            unit: rate
            direction: up
            sorce: x
        """)
    assert ("indicators[0].direction: must be one of 'higher_is_better', 'lower_is_better'; "
            "got 'up'") in problems
    unknown = [p for p in problems if p.startswith("indicators[0].sorce: unknown key")]
    assert unknown and "did you mean 'source'?" in unknown[0]


def test_schema_errors_are_all_reported(tmp_path):
    problems = problems_of(tmp_path, """\
        indicators:
          - code: a
            label: {fr: a}
            unit: percent
            direction: higher_is_better
            baseline: {period: "2015", value: 3}
        """)
    joined = "\n".join(problems)
    assert "indicators[0].label.en: required key is missing" in joined
    assert "indicators[0].unit: must be one of 'rate', 'percentage'" in joined
    assert "got 'percent'" in joined
    assert "indicators[0].baseline.period: must be an integer; got '2015'" in joined


def test_cross_field_problems_are_collected(tmp_path):
    problems = problems_of(tmp_path, """\
        indicators:
          - code: a
            label: {fr: a, en: a}
            unit: percentage
            direction: higher_is_better
            baseline: {period: 2020, value: 101}
            targets:
              - {period: 2018, value: 50}
              - {period: 2025, value: 60}
              - {period: 2025, value: 70}
          - code: a
            label: {fr: b, en: b}
            unit: count
            direction: lower_is_better
        """)
    assert problems == [
        "indicators[0].targets[0].period: must be after the baseline period 2020; got 2018",
        "indicators[0].targets[2].period: each period may have only one target (targets[1] is "
        "also for 2025); got 2025",
        "indicators[0].baseline.value: must be between 0 and 100 for a percentage indicator; "
        "got 101.0",
        "indicators[1].code: must be unique (indicators[0] has the same code); got 'a'",
    ]


def test_duplicate_yaml_key_and_syntax_error(tmp_path):
    problems = problems_of(tmp_path, """\
        indicators:
          - code: a
            code: b
            label: {fr: a, en: a}
            unit: rate
            direction: higher_is_better
        """)
    assert any("key 'code' is repeated" in p for p in problems)
    problems = problems_of(tmp_path, "indicators: [\n")
    assert any("YAML syntax error" in p for p in problems)


def test_empty_list_is_an_error(tmp_path):
    problems = problems_of(tmp_path, "indicators: []\n")
    assert problems == ["indicators: must have at least 1 items; got [] (a list)"]


def test_indicator_constructor_checks_everything():
    with pytest.raises(InputError) as info:
        Indicator(code="a", label={"fr": "a"}, unit="percent", direction="up",
                  baseline=Baseline(2020, 1.0), targets=(Target(2019, 2.0),))
    text = str(info.value)
    assert "label['en']" in text
    assert "unit='percent': must be one of" in text
    assert "direction='up': must be one of 'higher_is_better', 'lower_is_better'" in text
    assert "targets[0].period: must be after the baseline period 2020; got 2019" in text


def test_check_targets_rejects_targets_in_the_past():
    ind = Indicator(code="a", label={"fr": "a", "en": "a"}, unit="rate",
                    direction="higher_is_better", targets=(Target(2022, 5.0), Target(2030, 6.0)))
    check_targets([ind])  # no current period: nothing to say
    check_targets([ind], current_period=2022)  # a target for this very period is fine
    with pytest.raises(InputError) as info:
        check_targets([ind], current_period=2024)
    assert info.value.problems == (
        "a.targets[0].period: must not be before the current period 2024 (a target in the "
        "past); got 2022",
    )


def test_validate_against_units():
    pct = Indicator(code="taux", label={"fr": "t", "en": "t"}, unit="percentage",
                    direction="higher_is_better")
    validate_against(pct, pd.Series({2020: 0.0, 2021: 100.0}))
    with pytest.raises(DataError, match=r"taux: a percentage indicator must lie between 0 and "
                                        r"100; got 2021: 130\.0"):
        validate_against(pct, pd.Series({2020: 50.0, 2021: 130.0}))
    count = Indicator(code="n", label={"fr": "n", "en": "n"}, unit="count",
                      direction="higher_is_better")
    validate_against(count, pd.Series({2020: 3, 2021: 4}))
    with pytest.raises(DataError) as info:
        validate_against(count, pd.Series({2020: 2.5, 2021: -1.0}))
    assert "n: a count must be a non-negative whole number; got 2020: 2.5, 2021: -1.0" in str(
        info.value)
    assert "'n'" in info.value.message


def test_label_in_rejects_unknown_language():
    ind = Indicator(code="a", label={"fr": "a", "en": "b"}, unit="rate",
                    direction="higher_is_better")
    assert ind.label_in("en") == "b"
    with pytest.raises(InputError, match="language='xx'"):
        ind.label_in("xx")


def test_a_label_missing_in_the_language_falls_back_to_french_then_english():
    # the rule of the module docstring: the report's language, else fr, else en
    both = Indicator(code="a", label={"fr": "le taux", "en": "the rate"}, unit="rate",
                     direction="higher_is_better")
    dutch = Indicator(code="a", label={"fr": "le taux", "en": "the rate", "nl": "het cijfer"},
                      unit="rate", direction="higher_is_better")
    assert both.label_in("nl") == both.label_in("nl-BE") == "le taux"
    assert both.label_in("de") == "le taux"  # no catalogue needed: a label is data
    assert dutch.label_in("nl-BE") == "het cijfer" and dutch.label_in("fr-BE") == "le taux"
    assert dutch.label_in("en-GB") == "the rate"


def test_a_definitions_file_may_give_a_dutch_label(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n"
        "  - code: armoede\n"
        "    label: {fr: le taux de pauvreté, en: the poverty rate, nl: het armoedecijfer}\n"
        "    unit: percentage\n"
        "    direction: lower_is_better\n"
        "  - code: ocmw\n"
        "    label: {fr: les bénéficiaires du CPAS, en: PCSW recipients}\n"
        "    unit: count\n"
        "    direction: lower_is_better\n", encoding="utf-8")
    armoede, ocmw = load_indicators(path)
    assert armoede.label_in("nl") == "het armoedecijfer"
    assert ocmw.label_in("nl") == "les bénéficiaires du CPAS"  # no nl: French
    path.write_text(path.read_text(encoding="utf-8").replace("nl: het armoedecijfer", "nl: ''"),
                    encoding="utf-8")
    with pytest.raises(ParamsError, match=r"indicators\[0\]\.label\.nl"):
        load_indicators(path)
