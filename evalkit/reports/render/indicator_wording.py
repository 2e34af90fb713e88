"""Indicator progress in words: the status of an assessment and its plain sentence.

The library (:mod:`evalkit.indicators`) assesses progress and returns codes and numbers
(:class:`~evalkit.indicators.progress.ProgressAssessment`); this module words them for a
report, in the report's language, from the report catalogues (`evalkit/reports/messages/locales/`).
"""

from __future__ import annotations

from evalkit.errors import InputError
from evalkit.formatting import Language, format_number, format_percent
from evalkit.indicators.progress import ProgressAssessment
from evalkit.indicators.status import ProgressStatus
from evalkit.reports.messages.catalogue import language_problem, text

__all__ = ["status_label", "progress_sentence", "unit_name", "amount_text"]


def check_language(language: object) -> None:
    """Refuse a language the reports are not written in: one without a catalogue, or a
    locale Babel does not know for such a language."""
    problem = language_problem(language)
    if problem is not None:
        raise InputError(f"language={language!r}: {problem}")


def status_label(status: ProgressStatus | str, language: Language = "en") -> str:
    """A progress status in words, in the report's language (``"On track"``, ``"Op schema"``).

    Parameters
    ----------
    status
        A :class:`~evalkit.indicators.status.ProgressStatus` or its code
        (``"on_track"``).
    language
        A language with a message catalogue (``"en"``, ``"fr"``, ``"nl"``) or a locale.
    """
    check_language(language)
    return text(f"status_{ProgressStatus(status).value}", language)


def unit_name(unit: str, language: Language) -> str:
    """An indicator definition's unit as a table writes it (``"nombre"``, ``"%"``)."""
    return text(f"unit_{unit}", language)


def amount_text(value: float, unit: str, language: Language) -> str:
    """An indicator's value in its unit, for a sentence: ``14,7 %``, ``1 250 €``, ``3.5 years``.

    Percentages with one decimal; counts without decimals; other units with one decimal,
    followed by the unit's word or sign (euros, per thousand, years).
    """
    if unit == "percentage":
        return format_percent(value, language, 1)
    number = format_number(value, language, 0 if unit == "count" else 1)
    if unit in ("euros", "per_1000", "years"):
        return text(f"amount_{unit}", language, value=number)
    return number


def progress_sentence(assessment: ProgressAssessment, language: Language = "en", *,
                      pace: bool = True) -> str:
    """One plain sentence: the latest value and its trend, the pace the target now needs,
    and the status with the method behind it.

    The subject is the indicator's label followed by a colon, so that no verb has to
    agree with it. The pace needed is counted from the latest value (what a reader
    understands by "what it would take"); the status compares the pace since the start
    of the window with the pace the reference path required (Eurostat's method), and
    says so.

    Parameters
    ----------
    assessment
        The result of :func:`evalkit.indicators.assess_progress`.
    language
        A language with a message catalogue (``"en"``, ``"fr"``, ``"nl"``) or a locale.
    pace
        Include the pace needed from the latest value (leave it out where another
        sentence of the page already states it).

    Returns
    -------
    str

    Examples
    --------
    ``"The poverty rate: 14.7% in 2023, down 1.2% a year since 2015; reaching the target
    of 12.0% in 2030 would now take −2.9% a year. Status by Eurostat's method (the pace
    since 2015 against the −2.0% a year the path from 2015 to 2030 required): progress,
    but acceleration needed."``
    """
    check_language(language)
    a = assessment
    subject = a.indicator.label_in(language)
    subject = subject[:1].upper() + subject[1:]
    status = status_label(a.status, language)
    status = status[:1].lower() + status[1:]
    unit = a.indicator.unit

    def rate(value: float, signed: bool = False) -> str:
        return format_percent(100 * value, language, 1, signed=signed)

    def amount(value: float) -> str:
        return amount_text(value, unit, language)

    if a.status is ProgressStatus.INSUFFICIENT_DATA and a.actual_growth is None:
        return text("progress_no_data", language, subject=subject)
    g = a.actual_growth or 0.0
    trend = (text("progress_up", language, rate=rate(g)) if g > 0 else
             text("progress_down", language, rate=rate(-g)) if g < 0 else
             text("progress_level", language))
    if a.horizon == "long":
        latest = amount(a.end_value) if a.end_value is not None else ""
        sentence = text("progress_since", language, subject=subject, latest=latest,
                        end=a.end_period, trend=trend, start=a.start_period)
    else:
        sentence = text("progress_recent", language, subject=subject, start=a.start_period,
                        end=a.end_period, trend=trend)
    t = a.target
    final = a.indicator.target
    milestone = ""
    if t is not None and final is not None and final != t:
        milestone = " " + text("progress_milestone", language, value=amount(final.value),
                               period=final.period)
    if t is not None and a.status is ProgressStatus.TARGET_ACHIEVED:
        return text("progress_achieved", language, text=sentence, target=amount(t.value),
                    period=t.period, milestone=milestone)
    if t is not None and pace:
        if a.needed_growth is not None:
            sentence = text("progress_pace", language, text=sentence, target=amount(t.value),
                            period=t.period, milestone=milestone,
                            need=rate(a.needed_growth, signed=True))
        elif a.end_period is not None and t.period <= a.end_period:
            sentence = text("progress_missed", language, text=sentence,
                            target=amount(t.value), period=t.period)
    if t is not None and a.required_growth is not None:
        return text("progress_status_method", language, text=sentence, start=a.start_period,
                    required=rate(a.required_growth, signed=True), period=t.period,
                    status=status)
    return text("progress_status", language, text=sentence, status=status)
