"""Key findings in plain language, generated from the results, in the report's language."""

from __future__ import annotations

import math

from evalkit.formatting import (
    Language,
    decimals_for,
    format_level,
    format_number,
    format_p_value,
    format_percent,
)
from evalkit.reports.analysis.evaluation import Evaluation
from evalkit.reports.analysis.staggered import last_cohort, period_label
from evalkit.reports.messages.catalogue import text
from evalkit.reports.render.robustness_sections import honest_finding, wild_finding

__all__ = ["key_findings", "effect_sentence", "twfe_trust_sentence"]


def effect_sentence(ev: Evaluation) -> str:
    """The effect, its interval and what it means, in one or two plain sentences."""
    h = ev.headline
    lang: Language = ev.params.locale  # words and numbers
    dec = decimals_for(h.std_error)
    est, lo, hi = (format_number(v, lang, dec) for v in (h.estimate, h.conf_low, h.conf_high))
    level = format_level(h.alpha, lang)
    outcome = ev.outcome_label
    parts = [text("finding_effect", lang, outcome=outcome, estimate=est, level=level, low=lo,
                  high=hi)]
    if ev.params.design.outcome_scale == "log":
        pct = [100 * math.expm1(v) for v in (h.estimate, h.conf_low, h.conf_high)]
        p_lo, p_hi = (format_percent(v, lang, 1) for v in pct[1:])
        key = "finding_log_increase" if h.estimate > 0 else "finding_log_decrease"
        parts.append(text(key, lang, percent=format_percent(abs(pct[0]), lang, 1), low=p_lo,
                          high=p_hi))
    elif h.baseline not in (None, 0) and math.isfinite(h.baseline):
        rel = 100 * h.estimate / abs(h.baseline)
        parts.append(text("finding_relative", lang,
                          baseline=format_number(h.baseline, lang, max(dec, 0)),
                          percent=format_percent(rel, lang, 1, signed=True)))
    p = format_p_value(h.p_value, lang)
    threshold = format_percent(100 * h.alpha, lang, 0)
    parts.append(text("finding_significant" if h.significant else "finding_not_significant",
                      lang, threshold=threshold, p=p))
    if ev.general is not None:  # what the number is, for the designs beyond one treatment
        parts.append(text(h.label_key.replace("overall_", "finding_meaning_", 1), lang))
    return " ".join(parts)


def _pretrend_sentence(ev: Evaluation) -> str:
    lang = ev.params.locale  # words and numbers
    if ev.dynamic is None and ev.panel is not None:
        return text("pretrend_omitted", lang)  # type: ignore[arg-type]
    if ev.dynamic is None:
        return text("pretrend_single_period", lang)
    if ev.pretrend is None:
        return text("pretrend_no_coefficient", lang)
    p = format_p_value(ev.pretrend.p_value, lang)
    key = "pretrend_doubtful" if ev.pretrend.p_value < ev.headline.alpha else "pretrend_supports"
    return text(key, lang, p=p)


def twfe_trust_sentence(ev: Evaluation) -> str | None:
    """Whether the single TWFE coefficient can be trusted, for staggered adoption."""
    if ev.panel is None or not ev.panel.is_staggered:
        return None
    lang = ev.params.locale  # words and numbers
    dec = decimals_for(ev.main.std_error)
    twfe_est = format_number(ev.main.estimate, lang, dec)
    staggered = ev.staggered
    bacon = staggered.bacon if staggered else None
    reference = None
    if staggered:
        for key in ("callaway_santanna", "imputation"):
            if key in staggered.overall:
                reference = staggered.overall[key]
                break
    if bacon is None or reference is None:
        return text("finding_twfe_staggered", lang, estimate=twfe_est)
    share = format_percent(100 * bacon.already_treated_weight, lang, 1)
    ref_est = format_number(reference.estimate, lang, dec)
    gap = abs(ev.main.estimate - reference.estimate)
    rules = ev.params.verdict_rules
    trusted = (bacon.already_treated_weight < rules.twfe_trust_weight
               and gap <= rules.twfe_trust_gap * reference.std_error)
    return text("finding_twfe_trusted" if trusted else "finding_twfe_not_trusted", lang,
                estimate=twfe_est, share=share, gap=format_number(gap, lang, dec),
                reference=ref_est)


def _treated_clusters(ev: Evaluation) -> int | None:
    """Number of clusters with treated units, when standard errors are clustered by a
    column other than the unit (with one unit per cluster the count is the treated units)."""
    panel = ev.panel
    if panel is None or ev.robustness is None or panel.cluster_column == panel.unit:
        return None
    return ev.robustness.treated_clusters


def key_findings(ev: Evaluation) -> list[str]:
    """The report's key findings: the effect, then the caveats the diagnostics raise."""
    lang = ev.params.locale  # words and numbers
    if ev.synthetic is not None:
        from evalkit.reports.render.synthetic_sections import synthetic_findings

        return [effect_sentence(ev), *synthetic_findings(ev)]
    rules = ev.params.verdict_rules
    out = [effect_sentence(ev), _pretrend_sentence(ev)]
    clusters = ev.main.sample.get("clusters")
    if clusters is not None and clusters < rules.few_clusters:
        out.append(text("finding_few_clusters", lang, clusters=clusters))
    treated_clusters = _treated_clusters(ev)
    wild = wild_finding(ev)
    if treated_clusters is not None and treated_clusters < rules.few_treated_clusters:
        out.append(text("finding_few_treated_clusters", lang, clusters=treated_clusters))
    if wild:
        out.append(wild)
    honest = honest_finding(ev)
    if honest:
        out.insert(2, honest)
    if ev.panel is not None:
        n_comp = ev.panel.n_never_treated_units
        if n_comp == 0:
            out.append(text("note_no_never_treated", lang,  # type: ignore[arg-type]
                            cohort=period_label(last_cohort(ev.panel))))
        elif n_comp < rules.small_comparison:
            out.append(text("finding_small_comparison_units", lang, units=n_comp))
        trust = twfe_trust_sentence(ev)
        if trust:
            out.append(trust)
    elif ev.general is None:
        # the regression counts comparison rows, the doubly robust estimators on a panel
        # comparison units (each observed twice)
        sample = ev.main.sample
        rows = sample.get("control_rows", 2 * sample.get("control_units", 0))
        if rows < rules.small_comparison_observations:
            out.append(text("finding_small_comparison_rows", lang, rows=rows))
    return out
