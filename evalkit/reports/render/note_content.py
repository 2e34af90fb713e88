"""What the note says: built from the same results as the report, in the report's language.

:func:`evaluation_note` and :func:`tracking_note` build the :class:`~evalkit.reports.render.
note.Note` of an evaluation and of an indicator tracking (``PolicyReport.note()`` and
``TrackingReport.note()`` call them). The note reads as an administration's note:

1. the header: the organisation, "Note de synthèse", *Objet :* the report's title, the
   date of the results, and a warning when the data are simulated;
2. *Le dispositif*: the policy in the first two sentences of the params' description;
3. *Ce que montrent les données*: for an evaluation, the headline effect in the
   outcome's units and relative to the level before the policy, its interval and
   whether it is distinguishable from zero, then one figure (the event study, the group
   means of a 2x2 design or the synthetic comparison) and a table of key figures; for a
   tracking, one line per indicator with its status toward its target, the main
   indicator's chart and a table of values and targets;
4. *Fiabilité*: the caveats the report's checks raised (the key findings after the
   effect, in the report's own words; for a tracking, that a status is not an effect
   and the gaps between territories), the most important first;
5. *Recommandation (à compléter)*: an empty box for the officer (evalkit never writes a
   recommendation), then the source of the figures.

Bounds (two A4 pages at most, see :mod:`evalkit.reports.render.note`): two sentences of
policy; at most :data:`~evalkit.reports.render.note.MAX_CAVEATS` caveats and
:data:`~evalkit.reports.render.note.MAX_INDICATORS` indicator lines, the others counted
in one sentence that sends the reader to the full report; a table of at most
:data:`~evalkit.reports.render.note.MAX_TABLE_ROWS` rows; one figure of fixed size.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date

from evalkit._version import __version__
from evalkit.formatting import (
    LOCALES,
    Language,
    decimals_for,
    format_interval,
    format_level,
    format_number,
    format_percent,
    interval_decimals,
)
from evalkit.reports.messages.catalogue import estimator_name, ntext, text
from evalkit.reports.render.blocks import Block, Figure, Heading, Items, Paragraph, Table
from evalkit.reports.render.note import (
    FIGURE_HEIGHT_CM,
    FIGURE_WIDTH_CM,
    MAX_CAVEATS,
    MAX_INDICATORS,
    MAX_TABLE_ROWS,
    Note,
    NoteBlock,
    WriteIn,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MatplotlibFigure

    from evalkit.reports.analysis.evaluation import Evaluation
    from evalkit.reports.params.schema import PolicyParams
    from evalkit.reports.render.tracking_sections import TrackingReport

__all__ = ["evaluation_note", "tracking_note", "policy_sentences", "long_date"]

#: Where a sentence ends: after . ! or ? (not after an initial such as "M."), before a
#: capital, a quote or a bracket.
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ«\"“(])")


def policy_sentences(description: str, count: int = 2) -> str:
    """The first ``count`` whole sentences of a description's first paragraph."""
    first = " ".join(description.strip().split("\n\n")[0].split())
    return " ".join(_SENTENCE_END.split(first)[:count])


def long_date(iso: str, language: str) -> str:
    """An ISO date (or date-time) written out in the language: ``12 mars 2025``."""
    day = dt.date.fromisoformat(iso[:10])
    locale = LOCALES.get(language, language)
    return format_date(day, format="long", locale=Locale.parse(locale.replace("-", "_")))


def _note_axes() -> tuple[MatplotlibFigure, Axes]:
    """A figure of the note's printed size (:data:`FIGURE_WIDTH_CM` by
    :data:`FIGURE_HEIGHT_CM`) and its axes, to draw in with :data:`_NOTE_FONTS`."""
    from matplotlib.figure import Figure as MatplotlibFigure

    fig = MatplotlibFigure(figsize=(FIGURE_WIDTH_CM / 2.54, FIGURE_HEIGHT_CM / 2.54),
                           layout="constrained")
    return fig, fig.add_subplot()


#: Font sizes (points) of a figure printed at its size on the note.
_NOTE_FONTS = {"font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5,
               "legend.fontsize": 6.5, "xtick.labelsize": 7, "ytick.labelsize": 7}


def _note_figure(fig: MatplotlibFigure, alt: str, language: str) -> Figure:
    """The figure as PNG, its numbers in the language, sharp enough to print."""
    from evalkit.plots import localise_numbers

    localise_numbers(fig, language)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200)
    return Figure(buffer.getvalue(), alt)


def _simulated(data) -> bool:  # noqa: ANN001
    return data is not None and "simulated" in data.columns and bool(
        (data["simulated"] == 1).all())


def _frame(params: PolicyParams, run_date: str, simulated: bool, body: list[NoteBlock],
           source: str) -> Note:
    """The header and the closing blocks every note shares, around its body."""
    lang = params.language
    policy = [Heading(text("note_policy", lang)),
              Paragraph(policy_sentences(params.policy.description))]
    closing: list[NoteBlock] = [Heading(text("note_recommendation", lang)),
                                WriteIn(text("note_recommendation_box", lang)),
                                Paragraph(source, "caption")]
    labels = {key: text(f"note_label_{key}", lang) for key in ("subject", "date", "page", "of")}
    return Note(language=lang, title=text("note_title", lang), subject=params.title,
                date=long_date(run_date, lang), blocks=tuple(policy + body + closing),
                organisation=params.policy.owner or "",
                warning=text("note_simulated", lang) if simulated else "", labels=labels)


def _more(kind: str, hidden: int, lang: Language) -> list[Paragraph]:
    """One sentence for what the note leaves to the full report, if anything."""
    return [Paragraph(ntext(f"note_more_{kind}", hidden, lang), "caption")] if hidden else []


# ------------------------------------------------------------------ evaluation
def _effect_paragraphs(ev: Evaluation) -> list[Paragraph]:
    h = ev.headline
    lang: Language = ev.params.language  # type: ignore[assignment]
    dec = decimals_for(h.std_error)
    level = format_level(h.alpha, lang)
    threshold = format_percent(100 * h.alpha, lang, 0)
    sentences = [text("note_effect", lang, outcome=ev.outcome_label,
                      estimate=format_number(h.estimate, lang, dec))]
    relative = _relative(ev)
    if relative is not None:
        sentences.append(relative[1])
    if ev.params.design.outcome_scale == "log":
        low, high = (format_percent(100 * math.expm1(v), lang, 1, signed=True)
                     for v in (h.conf_low, h.conf_high))
    else:
        decimals = interval_decimals(h.conf_low, h.conf_high, minimum=dec)
        low, high = (format_number(v, lang, decimals) for v in (h.conf_low, h.conf_high))
    sentences.append(text("note_interval", lang, level=level, low=low, high=high))
    verdict = text("note_distinct" if h.significant else "note_not_distinct", lang,
                   threshold=threshold)
    return [Paragraph(" ".join(sentences)), Paragraph(verdict, "strong")]


def _relative(ev: Evaluation) -> tuple[str, str] | None:
    """The effect relative to the level before the policy: (the percentage, the sentence)."""
    h = ev.headline
    lang: Language = ev.params.language  # type: ignore[assignment]
    if ev.params.design.outcome_scale == "log":
        percent = format_percent(100 * math.expm1(h.estimate), lang, 1, signed=True)
        return percent, text("note_relative_log", lang, percent=percent)
    if h.baseline in (None, 0) or not math.isfinite(h.baseline):
        return None
    percent = format_percent(100 * h.estimate / abs(h.baseline), lang, 1, signed=True)
    baseline = format_number(h.baseline, lang, max(decimals_for(h.std_error), 0))
    return percent, text("note_relative", lang, percent=percent, baseline=baseline)


def _evaluation_figure(ev: Evaluation) -> list[NoteBlock]:
    """The one figure: the synthetic comparison, the event study or the group means."""
    import matplotlib

    with matplotlib.rc_context(_NOTE_FONTS):
        return _draw_evaluation_figure(ev)


def _draw_evaluation_figure(ev: Evaluation) -> list[NoteBlock]:
    lang: Language = ev.params.language  # type: ignore[assignment]
    outcome = ev.outcome_label
    if ev.synthetic is not None:
        shown = ev.synthetic.estimates.get("sdid", ev.synthetic.main)
        title = text("sdid_plot_title", lang)
        fig, ax = _note_axes()
        shown.plot(ax=ax, title=None, control_label=text("sdid_control", lang),
                         effect_label=text("sdid_effect", lang),
                         weights_label=text("sdid_time_weights", lang), ylabel=outcome)
        caption = text("note_figure_synthetic", lang)
    elif ev.dynamic is not None:
        from evalkit.plots import plot_event_study

        es = ev.dynamic
        title = text("es_title", lang)
        fig, ax = _note_axes()
        plot_event_study({estimator_name(es.estimator, lang): es}, ax=ax, title=None,
                               xlabel=text("es_xlabel", lang),
                               ylabel=text("note_es_ylabel", lang), show_pretrend=False,
                               band_label=text("band_label", lang,
                                               level=format_level(es.alpha, lang)))
        caption = text("note_figure_event_study", lang, outcome=outcome,
                       level=format_level(es.alpha, lang))
    else:
        from evalkit.plots import plot_group_means

        labels = {k: text(v, lang) for k, v in (("treated", "treated_group"),
                                                 ("comparison", "comparison_group"),
                                                 ("counterfactual", "counterfactual"),
                                                 ("before", "before"), ("after", "after"))}
        title = text("means_title", lang)
        fig, ax = _note_axes()
        plot_group_means(ev.main, ax=ax, labels=labels, title=None,
                               ylabel=text("note_means_ylabel", lang))
        caption = text("note_figure_means", lang, outcome=outcome)
    return [_note_figure(fig, title, lang), Paragraph(caption, "caption")]


def _key_figures(ev: Evaluation) -> Table:
    """At most :data:`MAX_TABLE_ROWS` rows: the effect, its interval, relative size,
    distinguishable from zero, the units compared and the period."""
    h = ev.headline
    lang: Language = ev.params.language  # type: ignore[assignment]
    dec = decimals_for(h.std_error)
    rows = [[text("note_row_effect", lang), format_number(h.estimate, lang, dec)],
            [text("note_row_interval", lang, level=format_level(h.alpha, lang)),
             format_interval(h.conf_low, h.conf_high, lang, dec)]]
    relative = _relative(ev)
    if relative is not None:
        rows.append([text("note_row_relative", lang), relative[0]])
    rows.append([text("note_row_distinct", lang,
                      threshold=format_percent(100 * h.alpha, lang, 0)),
                 text("yes" if h.significant else "no", lang)])
    facts = ev.panel.describe() if ev.panel is not None else dict(ev.main.sample)
    # a panel's facts, or the estimate's sample (whose comparison units some estimators
    # call control units)
    comparison_units = facts.get("never_treated_units", facts.get("control_units"))
    if "treated_units" in facts and comparison_units is not None:
        treated = format_number(facts["treated_units"], lang, 0)
        comparison = format_number(comparison_units, lang, 0)
        rows.append([text("note_row_units", lang),
                     text("note_units", lang, treated=treated, comparison=comparison)])
        if "first_period" in facts:
            rows.append([text("note_row_period", lang),
                         text("period_range", lang, first=facts["first_period"],
                              last=facts["last_period"])])
    elif "treated_rows" in facts:
        treated = format_number(facts["treated_rows"], lang, 0)
        comparison = format_number(facts["control_rows"], lang, 0)
        rows.append([text("note_row_observations", lang),
                     text("note_units", lang, treated=treated, comparison=comparison)])
    return Table.of([text("note_key_figures", lang), text("note_value", lang)],
                    rows[:MAX_TABLE_ROWS])


def evaluation_note(ev: Evaluation) -> Note:
    """The note of an evaluation (see the module docstring for its content and bounds)."""
    from evalkit.reports.render.findings import key_findings

    lang: Language = ev.params.language  # type: ignore[assignment]
    caveats = key_findings(ev)[1:]
    shown = caveats[:MAX_CAVEATS] or [text("note_no_caveat", lang)]
    body: list[NoteBlock] = [Heading(text("note_data_show", lang)), *_effect_paragraphs(ev),
                             *_evaluation_figure(ev), _key_figures(ev),
                             Heading(text("note_reliability", lang)), Items(tuple(shown)),
                             *_more("caveats", len(caveats) - len(shown), lang)]
    source = text("note_source", lang, title=ev.params.title, data=ev.params.data_path.name,
                  date=long_date(ev.run_date, lang), version=__version__)
    return _frame(ev.params, ev.run_date, _simulated(ev.data), body, source)


# ------------------------------------------------------------------ tracking
def _indicator_line(report: TrackingReport, item) -> str:  # noqa: ANN001
    """One indicator in one line: its latest value and trend, its status and target."""
    from evalkit.reports.render.indicator_wording import amount_text, status_label

    lang = report.language
    a = item.long_term
    label = item.indicator.label_in(lang)
    label = label[:1].upper() + label[1:]
    if a.actual_growth is None or a.end_value is None:
        return text("progress_no_data", lang, subject=label)
    rate = format_percent(100 * abs(a.actual_growth), lang, 1)
    trend = (text("progress_up", lang, rate=rate) if a.actual_growth > 0 else
             text("progress_down", lang, rate=rate) if a.actual_growth < 0 else
             text("progress_level", lang))
    progress = text("progress_since", lang, subject=label,
                    latest=amount_text(a.end_value, item.indicator.unit, lang),
                    end=a.end_period, trend=trend, start=a.start_period)
    status = status_label(a.status, lang)
    if a.target is None:
        return text("note_indicator_no_target", lang, progress=progress, status=status)
    status = status[:1].lower() + status[1:]
    target = text("tracking_milestone", lang,
                  value=amount_text(a.target.value, item.indicator.unit, lang),
                  period=a.target.period)
    return text("note_indicator", lang, progress=progress, status=status, target=target)


def _tracking_table(report: TrackingReport) -> Table:
    """At most :data:`MAX_TABLE_ROWS` indicators: baseline, latest value, target, status."""
    lang = report.language
    rows = []
    for item in report.tracking.indicators[:MAX_TABLE_ROWS]:
        ind = item.indicator
        base, latest = report.baseline_and_latest(item)
        assessed = item.long_term.target  # the target the status is measured against
        target = (text("tracking_milestone", lang, value=report.value(assessed.value, ind.unit),
                       period=assessed.period) if assessed else text("tracking_none", lang))
        rows.append([ind.label_in(lang), base, latest, target, report._status(item.long_term)])
    header = [text("tracking_indicator", lang), text("tracking_baseline", lang),
              text("tracking_latest", lang), text("note_col_target", lang),
              text("note_col_status", lang)]
    return Table.of(header, rows)


def _tracking_figure(report: TrackingReport) -> list[NoteBlock]:
    """The main (first) indicator's chart, with its target."""
    import matplotlib

    with matplotlib.rc_context(_NOTE_FONTS):
        return _draw_tracking_figure(report)


def _draw_tracking_figure(report: TrackingReport) -> list[NoteBlock]:
    from evalkit.plots.indicators import plot_indicator
    from evalkit.reports.analysis.tracking import ALL, FOCUS
    from evalkit.reports.render.indicator_wording import status_label

    lang = report.language
    item = report.tracking.indicators[0]
    series = item.series
    whole = series.loc[series["area"] == ALL].set_index("period")
    focus = series.loc[series["area"] == FOCUS].set_index("period")["value"]
    label = item.indicator.label_in(lang)
    fig, ax = _note_axes()
    plot_indicator(whole["value"], ax=ax, indicator=item.indicator, assessment=item.long_term,
                         band=whole[["conf_low", "conf_high"]],
                         policy_start=report.tracking.params.indicators.policy_start,
                         reference=focus if focus.size else None, title=None,
                         labels={**report._plot_labels(),
                                 "status_name": status_label(item.long_term.status, lang)},
                         language=lang)
    legend = ax.get_legend()  # beside the axes in the report: below them on the note
    if legend is not None:
        handles, names = ax.get_legend_handles_labels()
        legend.remove()
        fig.legend(handles, names, loc="outside lower center", ncol=2, frameon=False)
    return [_note_figure(fig, label, lang),
            Paragraph(text("note_figure_indicator", lang, label=label), "caption")]


def tracking_note(report: TrackingReport) -> Note:
    """The note of an indicator tracking (see the module docstring for its content and
    bounds)."""
    lang = report.language
    t = report.tracking
    items = t.indicators
    lines = [_indicator_line(report, item) for item in items[:MAX_INDICATORS]]
    caveats = [text("note_tracking_not_causal", lang)]
    caveats += [s for item in items for s in (report.gap_sentence(item),) if s]
    shown = caveats[:MAX_CAVEATS]
    body: list[Block] = [Heading(text("note_data_show", lang)), Items(tuple(lines)),
                         *_more("indicators", len(items) - len(lines), lang)]
    if items:
        body += _tracking_figure(report)
        body.append(_tracking_table(report))
    body += [Heading(text("note_reliability", lang)), Items(tuple(shown)),
             *_more("caveats", len(caveats) - len(shown), lang)]
    source = text("note_source", lang, title=t.params.title, data=t.params.data_path.name,
                  date=long_date(t.run_date, lang), version=__version__)
    return _frame(t.params, t.run_date, report._simulated(), body, source)  # type: ignore[arg-type]
