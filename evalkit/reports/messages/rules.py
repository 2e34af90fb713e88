"""The wording of the rules behind the reports' verdicts, in English and French.

Merged into :data:`evalkit.reports.messages.catalogue.TEXTS`; each rule of
:class:`evalkit.reports.params.rules.VerdictRules` has a ``rule_<name>`` entry saying, in a
few words, which verdict it drives and how its threshold is compared.
"""

from __future__ import annotations

from evalkit.formatting import Language

__all__ = ["RULES_TEXTS"]

RULES_TEXTS: dict[str, dict[Language, str]] = {
    "rules_intro": {
        "en": "Thresholds behind the verdicts of this report (the params file's rules "
              "section may change them):",
        "fr": "Seuils des appréciations automatiques de ce rapport (modifiables dans la "
              "section rules du fichier de paramètres) :"},
    "rule": {"en": "Rule", "fr": "Règle"},
    "rule_value": {"en": "Threshold", "fr": "Seuil"},
    "rule_set_by": {"en": "Set by", "fr": "Fixé par"},
    "rule_source": {"en": "Source", "fr": "Source"},
    "rule_default": {"en": "default", "fr": "valeur par défaut"},
    "rule_params": {"en": "params file", "fr": "fichier de paramètres"},
    "rule_convention": {"en": "convention", "fr": "convention"},
    "rule_per_year": {"en": "{value} a year", "fr": "{value} par an"},
    "rule_std_errors": {"en": "{value} standard error(s)", "fr": "{value} écart(s)-type(s)"},
    "rule_few_clusters": {
        "en": "Few clusters (warning, wild bootstrap): fewer clusters than",
        "fr": "Peu de grappes (alerte, bootstrap sauvage) : moins de grappes que"},
    "rule_few_treated_clusters": {
        "en": "Few treated clusters (warning, wild bootstrap): fewer clusters with treated "
              "units than",
        "fr": "Peu de grappes traitées (alerte, bootstrap sauvage) : moins de grappes "
              "contenant des unités traitées que"},
    "rule_webb_weights_max_clusters": {
        "en": "Wild bootstrap with Webb's weights: at most this many clusters",
        "fr": "Bootstrap sauvage avec les poids de Webb : au plus ce nombre de grappes"},
    "rule_small_comparison": {
        "en": "Small comparison group: fewer never-treated units than",
        "fr": "Petit groupe de comparaison : moins d'unités jamais traitées que"},
    "rule_small_comparison_observations": {
        "en": "Small comparison group: fewer comparison observations than",
        "fr": "Petit groupe de comparaison : moins d'observations de comparaison que"},
    "rule_twfe_trust_weight": {
        "en": "TWFE can be trusted: weight on comparisons with already-treated units below",
        "fr": "TWFE fiable : poids des comparaisons avec des unités déjà traitées inférieur à"},
    "rule_twfe_trust_gap": {
        "en": "TWFE can be trusted: gap to the estimate robust to staggered adoption at most",
        "fr": "TWFE fiable : écart à l'estimation robuste aux entrées échelonnées d'au plus"},
    "rule_poor_fit_share": {
        "en": "Loose synthetic control fit: error before the policy above this share of the "
              "treated unit's mean level",
        "fr": "Ajustement lâche du contrôle synthétique : erreur avant la politique supérieure "
              "à cette part du niveau moyen de l'unité traitée"},
    "rule_honest_robust_breakdown": {
        "en": "Conclusion robust to trends diverging: holds up to at least Mbar =",
        "fr": "Conclusion robuste à des tendances divergentes : tient au moins jusqu'à Mbar ="},
    "rule_progress_on_track": {
        "en": "On track: ratio of actual to required growth at least",
        "fr": "En bonne voie : rapport entre croissance observée et requise d'au moins"},
    "rule_progress_acceleration": {
        "en": "Progress, acceleration needed: ratio of actual to required growth at least",
        "fr": "Progrès, accélération nécessaire : rapport entre croissance observée et requise "
              "d'au moins"},
    "rule_progress_significant": {
        "en": "Significant progress (no target): growth at least",
        "fr": "Progrès importants (sans cible) : croissance d'au moins"},
    "rule_progress_moderate": {
        "en": "Moderate progress (no target): growth at least",
        "fr": "Progrès modérés (sans cible) : croissance d'au moins"},
}
