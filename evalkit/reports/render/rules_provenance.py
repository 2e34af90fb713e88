"""The table of verdict rules in a report's provenance: each rule applied, its value,
whether the params file set it, and its source, in the report's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.formatting import Language, format_number, format_percent, semicolon
from evalkit.reports.messages.catalogue import text
from evalkit.reports.params.rules import RULE_NAMES, RULE_SOURCES, RULE_UNITS
from evalkit.reports.render.blocks import Block, Paragraph, Table, render

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.reports.analysis.evaluation import Evaluation
    from evalkit.reports.params.schema import PolicyParams

__all__ = ["evaluation_rules_used", "TRACKING_RULES", "rule_value_text", "rules_table_html",
           "rules_table_blocks"]

#: The rules a tracking report applies: the bands of the progress statuses.
TRACKING_RULES: tuple[str, ...] = ("progress_on_track", "progress_acceleration",
                                   "progress_significant", "progress_moderate")


def evaluation_rules_used(ev: Evaluation) -> tuple[str, ...]:
    """The rules an evaluation's findings and checks applied, in :data:`RULE_NAMES` order.

    A rule is listed when the report compared something with it: the cluster rules
    when standard errors are clustered, Webb's weights when the wild cluster bootstrap
    ran, the TWFE rules when the Goodman-Bacon decomposition was computed, the
    synthetic control's fit when it was estimated, and so on.
    """
    used: set[str] = set()
    if ev.synthetic is not None:
        if ev.synthetic.control is not None:
            used.add("poor_fit_share")
        return tuple(name for name in RULE_NAMES if name in used)
    rob = ev.robustness
    if ev.main.sample.get("clusters") is not None:
        used.add("few_clusters")
    if rob is not None and rob.clusters is not None:
        if ev.params.sensitivity.wild_bootstrap == "auto":
            used.update(("few_clusters", "few_treated_clusters"))
        if ev.panel is not None and ev.panel.cluster_column != ev.panel.unit:
            used.add("few_treated_clusters")
    if rob is not None and rob.wild is not None:
        used.update(("few_clusters", "webb_weights_max_clusters"))
    if rob is not None and "relative_magnitude" in rob.honest:
        used.add("honest_robust_breakdown")
    if ev.general is not None:
        pass  # these designs' findings compare no group size with a rule
    elif ev.panel is None:
        used.add("small_comparison_observations")
    else:
        used.add("small_comparison")
        if ev.panel.is_staggered and ev.staggered is not None \
                and ev.staggered.bacon is not None:
            used.update(("twfe_trust_weight", "twfe_trust_gap"))
    return tuple(name for name in RULE_NAMES if name in used)


def _decimals(value: float) -> int:
    """The fewest decimals (at most 6) that show ``value`` without rounding it."""
    for decimals in range(7):
        if abs(round(value, decimals) - value) < 1e-12:
            return decimals
    return 6


def rule_value_text(name: str, value: float, language: Language) -> str:
    """A rule's value in words: ``30``, ``10%``, ``1 standard error(s)``, ``1.5% a year``."""
    unit = RULE_UNITS[name]
    if unit == "share":
        return format_percent(100 * value, language, _decimals(100 * value))
    if unit == "growth":
        return text("rule_per_year", language,
                    value=format_percent(100 * value, language, _decimals(100 * value)))
    shown = format_number(value, language, _decimals(value))
    if unit == "std_errors":
        return text("rule_std_errors", language, value=shown)
    return shown


def _sources(sources: str, language: Language) -> str:
    """The list of sources, with French punctuation in French (a space before ``;``)."""
    return sources.replace("; ", semicolon(language) + " ")


def rules_table_html(params: PolicyParams, names: tuple[str, ...], language: Language) -> str:
    """The rules ``names`` with their values, who set them and their sources, as HTML.

    Empty when ``names`` is empty (a report that applied no rule).
    """
    return render(rules_table_blocks(params, names, language))


def rules_table_blocks(params: PolicyParams, names: tuple[str, ...],
                       language: Language) -> list[Block]:
    """The blocks of :func:`rules_table_html` (none when ``names`` is empty)."""
    if not names:
        return []
    rules = params.verdict_rules
    chosen = params.rules.set_by_params
    convention = text("rule_convention", language)
    rows = [[text(f"rule_{name}", language),
             rule_value_text(name, getattr(rules, name), language),
             text("rule_params" if name in chosen else "rule_default", language),
             _sources(RULE_SOURCES[name].replace("convention", convention), language)]
            for name in names]
    header = [text(key, language) for key in ("rule", "rule_value", "rule_set_by", "rule_source")]
    return [Paragraph(text("rules_intro", language)), Table.of(header, rows)]
