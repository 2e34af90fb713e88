"""Key findings in plain language, generated from the results, in English or French."""

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
    lang: Language = ev.params.language  # type: ignore[assignment]
    dec = decimals_for(h.std_error)
    est, lo, hi = (format_number(v, lang, dec) for v in (h.estimate, h.conf_low, h.conf_high))
    level = format_level(h.alpha, lang)
    outcome = ev.outcome_label
    if lang == "fr":
        parts = [f"Effet estimé de la politique sur {outcome} : {est} (intervalle de confiance "
                 f"à {level} : de {lo} à {hi})."]
    else:
        parts = [f"Estimated effect of the policy on {outcome}: {est} ({level} confidence "
                 f"interval: {lo} to {hi})."]
    if ev.params.design.outcome_scale == "log":
        pct = [100 * math.expm1(v) for v in (h.estimate, h.conf_low, h.conf_high)]
        p_est, p_lo, p_hi = (format_percent(v, lang, 1) for v in pct)
        if lang == "fr":
            direction = "une hausse" if h.estimate > 0 else "une baisse"
            parts.append(f"La variable étant en logarithme, cela correspond à {direction} "
                         f"d'environ {format_percent(abs(pct[0]), lang, 1)} (de {p_lo} à "
                         f"{p_hi}).")
        else:
            direction = "an increase" if h.estimate > 0 else "a decrease"
            parts.append(f"As the outcome is in logarithms, this is {direction} of about "
                         f"{format_percent(abs(pct[0]), lang, 1)} ({p_lo} to {p_hi}).")
        del p_est
    elif h.baseline not in (None, 0) and math.isfinite(h.baseline):
        rel = 100 * h.estimate / abs(h.baseline)
        base = format_number(h.baseline, lang, max(dec, 0))
        if lang == "fr":
            parts.append(f"Rapporté à la moyenne du groupe traité avant la politique ({base}), "
                         f"cela représente {format_percent(rel, lang, 1, signed=True)}.")
        else:
            parts.append(f"Relative to the treated group's average before the policy ({base}), "
                         f"that is {format_percent(rel, lang, 1, signed=True)}.")
    p = format_p_value(h.p_value, lang)
    threshold = format_percent(100 * h.alpha, lang, 0)
    if h.significant:
        parts.append(
            f"L'intervalle exclut zéro : l'effet est statistiquement différent de zéro au seuil "
            f"de {threshold} (p-valeur {p})." if lang == "fr" else
            f"The interval excludes zero: the effect is statistically distinguishable from zero "
            f"at the {threshold} level (p-value {p}).")
    else:
        parts.append(
            f"L'intervalle contient zéro : les données ne permettent pas de distinguer cet effet "
            f"d'une absence d'effet au seuil de {threshold} (p-valeur {p})." if lang == "fr" else
            f"The interval includes zero: the data cannot distinguish this effect from no effect "
            f"at the {threshold} level (p-value {p}).")
    return " ".join(parts)


def _pretrend_sentence(ev: Evaluation) -> str:
    lang = ev.params.language
    if ev.dynamic is None and ev.panel is not None:
        return text("pretrend_omitted", lang)  # type: ignore[arg-type]
    if ev.dynamic is None:
        return ("Avec une seule période avant le changement, l'évolution avant la politique ne "
                "peut pas être vérifiée : l'estimation suppose que les deux groupes auraient "
                "évolué en parallèle sans la politique." if lang == "fr" else
                "With a single period before the change, trends before the policy cannot be "
                "checked: the estimate assumes that both groups would have evolved in parallel "
                "without the policy.")
    if ev.pretrend is None:
        return ("Aucun coefficient avant l'entrée (hors période de référence) : les tendances "
                "avant la politique ne peuvent pas être testées." if lang == "fr" else
                "No pre-treatment coefficient besides the reference period: trends before the "
                "policy cannot be tested.")
    p = format_p_value(ev.pretrend.p_value, lang)
    if ev.pretrend.p_value < ev.headline.alpha:
        return (f"Attention : unités traitées et de comparaison évoluaient déjà différemment "
                f"avant la politique (test de pré-tendance, p-valeur {p}) ; l'hypothèse de "
                f"tendances parallèles sur laquelle repose l'estimation est douteuse."
                if lang == "fr" else
                f"Caution: treated and comparison units already evolved differently before the "
                f"policy (pre-trend test p-value {p}); the parallel-trends assumption behind "
                f"the estimate is doubtful.")
    return (f"Avant la politique, unités traitées et de comparaison évoluaient de façon "
            f"comparable (test de pré-tendance, p-valeur {p}), ce qui conforte la comparaison."
            if lang == "fr" else
            f"Before the policy, treated and comparison units evolved similarly (pre-trend test "
            f"p-value {p}), which supports the comparison.")


def twfe_trust_sentence(ev: Evaluation) -> str | None:
    """Whether the single TWFE coefficient can be trusted, for staggered adoption."""
    if ev.panel is None or not ev.panel.is_staggered:
        return None
    lang = ev.params.language
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
        return (f"Les unités sont entrées dans la politique à des dates différentes : le "
                f"coefficient unique des effets fixes ({twfe_est}) compare aussi des unités "
                f"traitées tardivement à des unités déjà traitées et peut être biaisé si l'effet "
                f"varie dans le temps." if lang == "fr" else
                f"Units joined the policy at different dates: the single two-way fixed-effects "
                f"coefficient ({twfe_est}) also compares late-treated units with already-treated "
                f"ones and can be biased if the effect changes over time.")
    share = format_percent(100 * bacon.already_treated_weight, lang, 1)
    ref_est = format_number(reference.estimate, lang, dec)
    gap = abs(ev.main.estimate - reference.estimate)
    rules = ev.params.verdict_rules
    trusted = (bacon.already_treated_weight < rules.twfe_trust_weight
               and gap <= rules.twfe_trust_gap * reference.std_error)
    if lang == "fr":
        head = (f"Le coefficient unique des effets fixes (TWFE, {twfe_est}) accorde {share} de "
                f"son poids à des comparaisons avec des unités déjà traitées, et s'écarte de "
                f"{format_number(gap, lang, dec)} de l'estimation robuste aux entrées "
                f"échelonnées ({ref_est})")
        return head + (" : ici, il reste fiable." if trusted else
                       " : il ne doit pas servir de référence ; retenir les estimateurs conçus "
                       "pour des entrées échelonnées.")
    head = (f"The single two-way fixed-effects coefficient (TWFE, {twfe_est}) puts {share} of "
            f"its weight on comparisons with already-treated units, and differs by "
            f"{format_number(gap, lang, dec)} from the estimate robust to staggered adoption "
            f"({ref_est})")
    return head + (": here it can be trusted." if trusted else
                   ": it should not be relied upon; use the estimators designed for staggered "
                   "adoption.")


def _treated_clusters(ev: Evaluation) -> int | None:
    """Number of clusters with treated units, when standard errors are clustered by a
    column other than the unit (with one unit per cluster the count is the treated units)."""
    panel = ev.panel
    if panel is None or ev.robustness is None or panel.cluster_column == panel.unit:
        return None
    return ev.robustness.treated_clusters


def key_findings(ev: Evaluation) -> list[str]:
    """The report's key findings: the effect, then the caveats the diagnostics raise."""
    lang = ev.params.language
    if ev.synthetic is not None:
        from evalkit.reports.render.synthetic_sections import synthetic_findings

        return [effect_sentence(ev), *synthetic_findings(ev)]
    rules = ev.params.verdict_rules
    out = [effect_sentence(ev), _pretrend_sentence(ev)]
    clusters = ev.main.sample.get("clusters")
    if clusters is not None and clusters < rules.few_clusters:
        out.append(f"Seulement {clusters} grappes (clusters) pour les écarts-types : "
                   "l'intervalle de confiance peut être trop étroit." if lang == "fr" else
                   f"Only {clusters} clusters for the standard errors: the confidence interval "
                   "may be too narrow.")
    treated_clusters = _treated_clusters(ev)
    wild = wild_finding(ev)
    if treated_clusters is not None and treated_clusters < rules.few_treated_clusters:
        out.append(f"Seules {treated_clusters} grappes contiennent des unités traitées : les "
                   "écarts-types robustes par grappes peuvent être trop faibles et les tests "
                   "trop souvent significatifs." if lang == "fr" else
                   f"Only {treated_clusters} clusters contain treated units: cluster-robust "
                   "standard errors can be too small and tests too often significant.")
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
            out.append(f"Le groupe de comparaison est petit ({n_comp} unités jamais traitées)."
                       if lang == "fr" else
                       f"The comparison group is small ({n_comp} never-treated units).")
        trust = twfe_trust_sentence(ev)
        if trust:
            out.append(trust)
    else:
        rows = ev.main.sample.get("control_rows", 0)
        if rows < rules.small_comparison_observations:
            out.append(f"Le groupe de comparaison est petit ({rows} observations)." if lang == "fr"
                       else f"The comparison group is small ({rows} observations).")
    return out
