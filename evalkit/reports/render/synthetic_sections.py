"""The synthetic designs' report section and findings (synthetic DiD, synthetic control)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from evalkit.formatting import (
    Language,
    colon,
    decimals_for,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
)
from evalkit.reports.messages.catalogue import text
from evalkit.reports.render.blocks import Block, Facts, Figure, Heading, Paragraph, Table, render

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.reports.analysis.evaluation import Evaluation
    from evalkit.results.synthetic_control import SyntheticControlResult
    from evalkit.results.synthetic_did import SyntheticDiDResult

__all__ = ["synthetic_blocks", "synthetic_html", "synthetic_findings", "synthetic_inference_text"]

_DONORS_SHOWN = 8


def _period(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(value)


def synthetic_inference_text(result: SyntheticDiDResult, lang: Language) -> str:
    """How the headline's standard error was computed, in words."""
    reps = format_number(result.n_draws, lang, 0)
    key = {"placebo": "se_placebo", "bootstrap": "se_bootstrap_units",
           "jackknife": "se_jackknife"}.get(result.se_method or "", "se_placebo")
    return text(key, lang, reps=reps)


def _estimates_table(ev: Evaluation, lang: Language) -> list[Block]:
    syn = ev.synthetic
    dec = decimals_for(syn.main.std_error)
    level = format_level(ev.headline.alpha, lang)
    rows = []
    for method, r in syn.estimates.items():
        low, high = r.conf_int().iloc[0]
        rows.append([text(f"name_{method}", lang), format_number(r.estimate, lang, dec),
                     format_number(r.std_error, lang, dec), format_interval(low, high, lang, dec),
                     format_p_value(r.p_value, lang)])
    header = ["", text("coef", lang), text("se", lang), text("ci", lang, level=level),
              text("p", lang)]
    inference = synthetic_inference_text(syn.main, lang)
    return [Table.of(header, rows),
            Paragraph(f"{text('standard_errors', lang)}{colon(lang)} {inference}.", "caption")]


def _donor_table(ev: Evaluation, lang: Language) -> list[Block]:
    syn = ev.synthetic
    sdid = syn.estimates.get("sdid")
    sc = syn.estimates.get("sc")
    columns = [(key, r.unit_weights) for key, r in (("weight_sdid", sdid), ("weight_sc", sc))
               if r is not None]
    if not columns:
        return []
    # the largest weights of either estimator, largest first
    largest = {d: max(float(w.get(d, 0.0)) for _, w in columns)
               for _, weights in columns
               for d in weights.sort_values(ascending=False).index[:_DONORS_SHOWN // 2 + 2]}
    donors = [d for d, w in sorted(largest.items(), key=lambda item: -item[1]) if w > 0]
    donors = donors[:_DONORS_SHOWN + 2]
    rows = [[str(d), *(format_number(float(w.get(d, 0.0)), lang, 3) for _, w in columns)]
            for d in donors]
    header = [text("donor", lang), *(text(key, lang) for key, _ in columns)]
    return [Paragraph(text("donor_weights", lang)), Table.of(header, rows)]


def _adh_blocks(ev: Evaluation, sc: SyntheticControlResult, lang: Language) -> list[Block]:
    dec = decimals_for(ev.synthetic.main.std_error)
    settings = ev.params.synthetic
    if settings is None or settings.predictor_periods is None:
        predictors = text("adh_predictors_all", lang)
    else:
        predictors = text("adh_predictors_some", lang, names=", ".join(sc.predictor_labels))
    unit = str(sc.treated_unit)
    rows = [[text("adh_pre_rmspe", lang), format_number(sc.pre_rmspe, lang, dec)],
            [text("adh_post_rmspe", lang), format_number(sc.post_rmspe, lang, dec)],
            [text("adh_ratio", lang), format_number(sc.rmspe_ratio, lang, 2)],
            [text("adh_effect", lang), format_number(sc.average_effect, lang, dec)],
            [text("adh_last_gap", lang, period=_period(sc.periods[-1])),
             format_number(float(sc.gap[-1]), lang, dec)]]
    if sc.placebo is not None:
        rows.append([text("adh_placebo", lang),
                     text("adh_rank", lang, rank=sc.placebo.rank, n=sc.placebo.n_units,
                          p=format_p_value(sc.placebo.p_value, lang))])
    if sc.leave_one_out is not None and len(sc.leave_one_out.dropped):
        effects = np.asarray(sc.leave_one_out.average_effect, dtype=float)
        rows.append([text("adh_loo", lang), text(
            "adh_loo_range", lang, low=format_number(float(effects.min()), lang, dec),
            high=format_number(float(effects.max()), lang, dec),
            n=len(sc.leave_one_out.dropped))])
    labels = {"treated": text("sdid_treated", lang), "synthetic": text("sdid_control", lang),
              "treatment": text("tracking_policy_start", lang),
              "gap": text("adh_gap", lang), "placebos": text("adh_placebos", lang),
              "ratio": text("adh_ratio_label", lang), "leave_one_out": text("adh_loo_legend", lang),
              "without": text("adh_without", lang), "period": ev.panel.time,
              "outcome": ev.outcome_label,
              "p_value": "p = {rank}/{n} = " + (format_p_value(sc.placebo.p_value, lang)
                                               if sc.placebo is not None else "")}
    out: list[Block] = [Heading(text("adh_title", lang), 3),
                        Paragraph(text("adh_intro", lang, unit=unit, predictors=predictors)),
                        Facts.of(rows)]
    figures = [("trajectories", "adh_trajectories_caption")]
    if sc.placebo is not None:
        figures += [("placebo", "adh_placebo_caption"), ("ratios", "adh_ratios_caption")]
    if sc.leave_one_out is not None and len(sc.leave_one_out.dropped):
        figures.append(("leave_one_out", "adh_loo_caption"))
    for kind, caption in figures:
        fig = sc.plot(kind=kind, labels=labels)
        out += [Figure.of(fig, text(caption, lang), lang),
                Paragraph(text(caption, lang), "caption")]
    return out


def synthetic_html(ev: Evaluation) -> str:
    """The synthetic designs' section as HTML, or an empty string for other designs."""
    return render(synthetic_blocks(ev))


def synthetic_blocks(ev: Evaluation) -> list[Block]:
    """The synthetic designs' section, or no block for other designs."""
    syn = ev.synthetic
    if syn is None:
        return []
    lang: Language = ev.params.locale  # words and numbers
    main = syn.main
    intro = text("synthetic_intro", lang, treated=format_number(main.n_treated, lang, 0),
                 donors=format_number(main.n_control, lang, 0))
    out: list[Block] = [Heading(text("synthetic", lang)), Paragraph(intro)]
    out += _estimates_table(ev, lang)
    shown = syn.estimates.get("sdid", main)
    title = text("sdid_plot_title", lang)
    fig = shown.plot(title=title, control_label=text("sdid_control", lang),
                     effect_label=text("sdid_effect", lang) + colon(lang) + " "
                     + format_number(shown.estimate, lang, decimals_for(shown.std_error)),
                     weights_label=text("sdid_time_weights", lang),
                     ylabel=ev.outcome_label)
    out += [Figure.of(fig, title, lang), Paragraph(text("sdid_plot_caption", lang), "caption")]
    out += _donor_table(ev, lang)
    if syn.control is not None:
        out += _adh_blocks(ev, syn.control, lang)
    out += [Paragraph(note.text(lang), "caption") for note in syn.remarks]
    return out


def synthetic_findings(ev: Evaluation) -> list[str]:
    """The caveats and checks of a synthetic design, in plain sentences."""
    syn = ev.synthetic
    if syn is None:
        return []
    lang: Language = ev.params.locale  # words and numbers
    dec = decimals_for(syn.main.std_error)
    out = []
    sc = syn.control
    if sc is not None:
        unit = str(sc.treated_unit)
        level = float(np.mean(np.abs(sc.treated_outcome[:sc.n_pre])))
        share = sc.pre_rmspe / level if level > 0 else np.inf
        good = share <= ev.params.verdict_rules.poor_fit_share
        key = "finding_fit_good" if good else "finding_fit_poor"
        out.append(text(key, lang, unit=unit, rmspe=format_number(sc.pre_rmspe, lang, dec),
                        share=format_percent(100 * share, lang, 1)))
        if sc.placebo is not None:
            test = sc.placebo
            out.append(text("finding_placebo", lang, donors=test.n_units - 1,
                            larger=test.rank - 1, unit=unit,
                            p=format_p_value(test.p_value, lang), n=test.n_units,
                            minimum=format_p_value(1 / test.n_units, lang)))
    if all(m in syn.estimates for m in ("sdid", "sc", "did")):
        out.append(text("finding_estimators", lang, **{
            m: format_number(syn.estimates[m].estimate, lang, dec) for m in ("sdid", "sc", "did")}))
    return out
