"""The robustness section of an evaluation report: HonestDiD and the wild cluster bootstrap."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from evalkit.formatting import (
    Language,
    decimals_for,
    format_interval,
    format_level,
    format_number,
    format_p_value,
)
from evalkit.plots.honest import grid_decimals
from evalkit.reports.messages.catalogue import estimator_name, text
from evalkit.reports.render.blocks import Block, Figure, Heading, Paragraph, Table, render

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.reports.analysis.evaluation import Evaluation
    from evalkit.results.honest import HonestDiDResult

__all__ = ["sensitivity_blocks", "sensitivity_html", "honest_finding", "wild_finding",
           "p_phrase"]


def _m_text(value: float, lang: Language, grid: np.ndarray | None = None) -> str:
    """A value of M or Mbar, with as many decimals as tell the grid's values apart (at
    least 2 below 10)."""
    least = 2 if value < 10 else 1
    decimals = least if grid is None else max(least, grid_decimals(grid, least))
    return format_number(value, lang, decimals)


def _honest_blocks(result: HonestDiDResult, ev: Evaluation, lang: Language) -> list[Block]:
    kind = "rm" if result.restriction == "relative_magnitude" else "sd"
    name = "Mbar" if kind == "rm" else "M"
    dec = decimals_for(result.std_error)
    rows = [[text("honest_original", lang),
             format_interval(result.original_conf_low, result.original_conf_high, lang, dec),
             text("yes" if result.original_conf_low > 0 or result.original_conf_high < 0
                  else "no", lang)]]
    for m, low, high in zip(result.m_values, result.conf_low, result.conf_high, strict=True):
        if math.isfinite(low) and math.isfinite(high):
            cell = format_interval(low, high, lang, dec)
        else:
            cell = "—"
        rows.append([f"{name} = {_m_text(float(m), lang, result.m_values)}", cell,
                     text("yes" if low > 0 or high < 0 else "no", lang)])
    level = format_level(result.alpha, lang)
    header = ["", text("ci", lang, level=level), text("honest_excludes_zero", lang)]
    if result.original_conf_low <= 0 <= result.original_conf_high:
        verdict = text("honest_breakdown_zero", lang)
    elif result.breakdown_value is None:
        verdict = text("honest_breakdown_none", lang)
    else:
        verdict = text("honest_breakdown", lang, name=name,
                       value=_m_text(result.breakdown_value, lang, result.m_values))
    labels = {"original": text("honest_plot_original", lang),
              "robust": text("honest_plot_robust", lang),
              "ylabel": text("honest_plot_ylabel", lang, level=level),
              "breakdown": text("honest_plot_breakdown", lang) + (
                  f" ({_m_text(result.breakdown_value, lang, result.m_values)})"
                  if result.breakdown_value is not None else "")}
    title = text(f"honest_{kind}_title", lang)
    fig = result.plot(title=title, labels=labels, language=lang)
    intro = text(f"honest_{kind}_intro", lang, outcome=ev.outcome_label)
    return [Heading(title, 3), Paragraph(intro), Table.of(header, rows),
            Paragraph(verdict, "strong"), Figure.of(fig, title, lang)]


def _wild_blocks(ev: Evaluation, lang: Language) -> list[Block]:
    rob = ev.robustness
    wild = rob.wild
    dec = decimals_for(wild.std_error)
    draws = (text("wild_enumerated", lang, draws=format_number(wild.n_draws, lang, 0))
             if wild.enumerated else
             text("wild_draws", lang, draws=format_number(wild.n_draws, lang, 0)))
    method = text("wild_bootstrap", lang, weights=text(f"wild_weights_{wild.distribution}", lang),
                  draws=draws)
    level = format_level(wild.alpha, lang)
    rows = [[text("wild_analytic", lang), format_number(ev.main.estimate, lang, dec),
             format_interval(*ev.main.conf_int().loc[ev.main.effect_term], lang, dec),
             format_p_value(ev.main.p_value, lang)],
            [method, format_number(wild.estimate, lang, dec),
             format_interval(*wild.interval, lang, dec) if wild.interval else "—",
             format_p_value(wild.p_value, lang)]]
    header = ["", text("coef", lang), text("ci", lang, level=level), text("p", lang)]
    intro = text("wild_intro", lang, clusters=format_number(wild.n_clusters, lang, 0),
                 treated=format_number(wild.n_treated_clusters, lang, 0))
    return [Heading(text("wild_title", lang), 3), Paragraph(intro), Table.of(header, rows)]


def p_phrase(p_value: float, lang: Language) -> str:
    """"a p-value of 0.034" or "a p-value < 0.001", in the report's language."""
    shown = format_p_value(p_value, lang)
    return text("p_phrase_below" if shown.startswith("<") else "p_phrase", lang, p=shown)


def sensitivity_html(ev: Evaluation) -> str:
    """The robustness section as HTML, or an empty string when no check ran."""
    return render(sensitivity_blocks(ev))


def sensitivity_blocks(ev: Evaluation) -> list[Block]:
    """The robustness section, or no block when no check ran."""
    rob = ev.robustness
    lang: Language = ev.params.locale  # words and numbers
    if rob is None or (not rob.honest and rob.wild is None and not rob.remarks):
        return []
    out: list[Block] = [Heading(text("sensitivity", lang))]
    if rob.honest:
        target = text(f"honest_target_{ev.params.sensitivity.target}", lang)
        source = estimator_name(rob.honest_source or "", lang)
        first = next(iter(rob.honest.values()))
        estimate = format_number(first.estimate, lang, decimals_for(first.std_error))
        intro = text("honest_intro", lang, target=target, source=source, estimate=estimate)
        out.append(Paragraph(intro))
        for key in ("relative_magnitude", "smoothness"):
            if key in rob.honest:
                out += _honest_blocks(rob.honest[key], ev, lang)
    if rob.wild is not None:
        out += _wild_blocks(ev, lang)
    out += [Paragraph(note.text(lang), "caption") for note in rob.remarks]
    return out


def honest_finding(ev: Evaluation) -> str | None:
    """One plain sentence on how robust the conclusion is (relative magnitudes)."""
    rob = ev.robustness
    lang: Language = ev.params.locale  # words and numbers
    if rob is None or "relative_magnitude" not in rob.honest:
        return None
    result = rob.honest["relative_magnitude"]
    if result.original_conf_low <= 0 <= result.original_conf_high:
        return None
    about = {"target": text(f"honest_target_{ev.params.sensitivity.target}", lang),
             "source": estimator_name(rob.honest_source or "", lang),
             "estimate": format_number(result.estimate, lang, decimals_for(result.std_error))}
    if result.breakdown_value is None:
        return text("finding_honest_always", lang,
                    value=_m_text(float(result.m_values.max()), lang), **about)
    robust = result.breakdown_value >= ev.params.verdict_rules.honest_robust_breakdown
    key = "finding_honest_robust" if robust else "finding_honest_fragile"
    return text(key, lang, value=_m_text(result.breakdown_value, lang), **about)


def wild_finding(ev: Evaluation) -> str | None:
    """The wild cluster bootstrap's verdict, when it ran."""
    rob = ev.robustness
    lang: Language = ev.params.locale  # words and numbers
    if rob is None or rob.wild is None:
        return None
    wild = rob.wild
    dec = decimals_for(wild.std_error)
    low, high = wild.interval if wild.interval else (math.nan, math.nan)
    verdict = text("finding_wild_confirms" if wild.p_value < wild.alpha
                   else "finding_wild_doubts", lang)
    model = text("model_2x2" if ev.panel is None else "model_twfe", lang)
    many = wild.n_clusters >= ev.params.verdict_rules.few_clusters
    key = "finding_wild_few_treated" if many else "finding_wild"
    return text(key, lang, clusters=format_number(wild.n_clusters, lang, 0),
                treated=format_number(wild.n_treated_clusters, lang, 0),
                p=p_phrase(wild.p_value, lang), level=format_level(wild.alpha, lang),
                low=format_number(low, lang, dec), high=format_number(high, lang, dec),
                model=model, verdict=verdict)
