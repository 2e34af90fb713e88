"""Indicator progress in words: statuses and sentences, in French and English.

The numbers behind these sentences are worked out by hand in
tests/indicators/test_progress.py (the poverty example).
"""

from __future__ import annotations

import pytest

from evalkit.errors import InputError
from evalkit.indicators import ProgressStatus, assess_all, assess_progress
from evalkit.indicators.definitions import Baseline, Indicator, Target
from evalkit.plots.indicators import STATUS_NAMES
from evalkit.reports.messages.catalogue import languages, wording
from evalkit.reports.render.indicator_wording import (
    amount_text,
    progress_sentence,
    status_label,
    unit_name,
)
from tests.indicators.test_progress import ASSESS_ALL_DATA, POVERTY, make, series

NNBSP = "\u202f"


def test_french_sentence():
    a = assess_progress(POVERTY, series(y2015=16.25, y2023=14.7))
    assert progress_sentence(a, "fr") == (
        f"Le taux de pauvreté : 14,7{NNBSP}% en 2023, en baisse de 1,2{NNBSP}% par an depuis "
        f"2015 ; pour atteindre la cible de 12,0{NNBSP}% en 2030, il faudrait désormais "
        f"\u22122,9{NNBSP}% par an. Statut selon la méthode d'Eurostat (rythme observé depuis "
        f"2015, comparé au rythme de \u22122,0{NNBSP}% par an que demandait la trajectoire de "
        "2015 à 2030) : progrès, mais accélération nécessaire."
    )
    assert progress_sentence(a, "en") == (
        "The poverty rate: 14.7% in 2023, down 1.2% a year since 2015; reaching the target of "
        "12.0% in 2030 would now take \u22122.9% a year. Status by Eurostat's method (the pace "
        "since 2015 against the \u22122.0% a year the path from 2015 to 2030 required): "
        "progress, but acceleration needed."
    )
    assert "désormais" not in progress_sentence(a, "fr", pace=False)
    assert status_label(a.status, "fr") == "Progrès, mais accélération nécessaire"


def test_sentence_achieved_and_insufficient():
    achieved = assess_progress(POVERTY, series(y2015=16.25, y2023=11.5))
    assert progress_sentence(achieved, "fr").endswith(
        f"la cible de 12,0{NNBSP}% en 2030 est atteinte.")
    missing = assess_progress(POVERTY, series(y2023=11.5), horizon="short")
    assert progress_sentence(missing, "fr") == ("Le taux de pauvreté : données insuffisantes "
                                                "pour mesurer l'évolution.")


def test_sentence_of_a_recent_period_a_milestone_and_a_missed_target():
    steps = Indicator(code="d", label={"fr": "le délai", "en": "the delay"}, unit="years",
                      direction="lower_is_better", baseline=Baseline(2015, 10.0),
                      targets=(Target(2020, 8.0), Target(2030, 5.0)))
    # long term, 2015-2024: the target used is the one after 2024 (5.0 in 2030); no milestone
    recent = assess_progress(steps, series(y2015=10.0, y2019=9.0, y2024=9.0), horizon="short")
    assert progress_sentence(recent, "en", pace=False).startswith(
        "The delay, recent period (2019\u20132024): level")
    assert progress_sentence(recent, "fr", pace=False).startswith(
        "Le délai, période récente (2019\u20132024) : stable")
    early = assess_progress(steps, series(y2015=10.0, y2017=9.5))
    assert "(a milestone toward 5.0 years in 2030)" in progress_sentence(early, "en")
    assert "(étape vers 5,0 ans en 2030)" in progress_sentence(early, "fr")
    past = assess_progress(make(targets=[(2022, 121.0)]),
                           series(y2020=100.0, y2022=110.0, y2023=111.0))
    assert "; the target of 121.0 for 2022 was not reached" in progress_sentence(past, "en")


def test_a_status_without_a_required_pace_ends_with_a_colon():
    trend = assess_progress(make(baseline=None), series(y2020=100.0, y2022=104.04))
    assert progress_sentence(trend, "fr").endswith("\u00a0: nette amélioration (sans cible).")
    assert progress_sentence(trend, "en") == ("The indicator: 104.0 in 2022, up 2.0% a year "
                                              "since 2020: clear improvement (no target).")


def test_assess_all_statuses_in_words():
    table = assess_all([POVERTY, make(baseline=None)], ASSESS_ALL_DATA)
    assert status_label(table.loc[0, "status"], "fr") == "Progrès, mais accélération nécessaire"


def test_amounts_and_units():
    assert amount_text(1250.0, "euros", "fr") == "1\u202f250,0\u00a0€"
    assert amount_text(1250.0, "euros", "en") == "1,250.0 euros"
    assert amount_text(4.2, "per_1000", "fr") == "4,2\u00a0‰"
    assert amount_text(12.0, "count", "en") == "12"
    assert unit_name("count", "fr") == "nombre" and unit_name("per_1000", "en") == "per 1,000"


def test_unknown_language_is_refused():
    with pytest.raises(InputError, match="language='de'"):
        status_label(ProgressStatus.ON_TRACK, "de")  # type: ignore[arg-type]


def test_every_status_is_worded_in_both_languages_as_in_the_figures():
    for status in ProgressStatus:
        for language in ("en", "fr"):
            # a report's figures name a status as its text does
            assert status_label(status, language) == STATUS_NAMES[status][language]


def test_every_status_has_its_message_in_every_catalogue():
    for language in languages():
        assert all(wording(f"status_{status}", language).strip() for status in ProgressStatus)
