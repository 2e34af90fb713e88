"""The wording of indicator tracking, in English and French: statuses, progress sentences,
the target attainment table and the units.

Merged into :data:`evalkit.reports.messages.catalogue.TEXTS`; kept apart so that each file stays
readable. The library (:mod:`evalkit.indicators`) returns codes and numbers; these are its
words. :mod:`evalkit.reports.render.indicator_wording` and
:mod:`evalkit.reports.render.attainment` compose them.

Placeholders: ``{subject}`` the indicator's label (its first letter capitalised),
``{rate}``, ``{need}``, ``{required}`` annual growth rates and ``{value}``, ``{target}``,
``{latest}`` amounts, all already formatted; ``{text}`` the sentence so far.
"""

from __future__ import annotations

from evalkit.formatting import Language

__all__ = ["INDICATOR_TEXTS"]

INDICATOR_TEXTS: dict[str, dict[Language, str]] = {
    # progress statuses (evalkit.indicators.ProgressStatus), by code
    "status_target_achieved": {"en": "Target achieved", "fr": "Cible atteinte"},
    "status_on_track": {"en": "On track", "fr": "En bonne voie"},
    "status_acceleration_needed": {"en": "Progress, but acceleration needed",
                                   "fr": "Progrès, mais accélération nécessaire"},
    "status_limited_progress": {"en": "Limited progress", "fr": "Progrès limités"},
    "status_deterioration": {"en": "Deterioration", "fr": "Dégradation"},
    "status_significant_progress": {"en": "Clear improvement (no target)",
                                    "fr": "Nette amélioration (sans cible)"},
    "status_moderate_progress": {"en": "Moderate improvement (no target)",
                                 "fr": "Amélioration modérée (sans cible)"},
    "status_insufficient_progress": {"en": "Slight improvement (no target)",
                                     "fr": "Faible amélioration (sans cible)"},
    "status_moving_away": {"en": "Unfavourable trend (no target)",
                           "fr": "Évolution défavorable (sans cible)"},
    "status_insufficient_data": {"en": "Insufficient data", "fr": "Données insuffisantes"},
    # the progress sentence, part by part
    "progress_no_data": {"en": "{subject}: insufficient data to measure the trend.",
                         "fr": "{subject} : données insuffisantes pour mesurer l'évolution."},
    "progress_up": {"en": "up {rate} a year", "fr": "en hausse de {rate} par an"},
    "progress_down": {"en": "down {rate} a year", "fr": "en baisse de {rate} par an"},
    "progress_level": {"en": "level", "fr": "stable"},
    "progress_since": {"en": "{subject}: {latest} in {end}, {trend} since {start}",
                       "fr": "{subject} : {latest} en {end}, {trend} depuis {start}"},
    "progress_recent": {"en": "{subject}, recent period ({start}\u2013{end}): {trend}",
                        "fr": "{subject}, période récente ({start}\u2013{end}) : {trend}"},
    "progress_milestone": {"en": "(a milestone toward {value} in {period})",
                           "fr": "(étape vers {value} en {period})"},
    "progress_achieved": {"en": "{text}; the target of {target} for {period}{milestone} is "
                                "achieved.",
                          "fr": "{text} ; la cible de {target} en {period}{milestone} est "
                                "atteinte."},
    "progress_pace": {"en": "{text}; reaching the target of {target} in {period}{milestone} "
                            "would now take {need} a year",
                      "fr": "{text} ; pour atteindre la cible de {target} en "
                            "{period}{milestone}, il faudrait désormais {need} par an"},
    "progress_missed": {"en": "{text}; the target of {target} for {period} was not reached",
                        "fr": "{text} ; la cible de {target} en {period} n'a pas été atteinte"},
    "progress_status_method": {
        "en": "{text}. Status by Eurostat's method (the pace since {start} against the "
              "{required} a year the path from {start} to {period} required): {status}.",
        "fr": "{text}. Statut selon la méthode d'Eurostat (rythme observé depuis {start}, "
              "comparé au rythme de {required} par an que demandait la trajectoire de {start} "
              "à {period}) : {status}."},
    "progress_status": {"en": "{text}: {status}.", "fr": "{text}\u00a0: {status}."},
    # an amount in its unit, in a sentence ({value} already formatted)
    "amount_euros": {"en": "{value} euros", "fr": "{value}\u00a0€"},
    "amount_per_1000": {"en": "{value}‰", "fr": "{value}\u00a0‰"},
    "amount_years": {"en": "{value} years", "fr": "{value} ans"},
    # units of indicator definitions, in a table
    "unit_rate": {"en": "rate", "fr": "taux"},
    "unit_percentage": {"en": "%", "fr": "%"},
    "unit_count": {"en": "number", "fr": "nombre"},
    "unit_euros": {"en": "euros", "fr": "€"},
    "unit_per_1000": {"en": "per 1,000", "fr": "‰"},
    "unit_index": {"en": "index", "fr": "indice"},
    "unit_ratio": {"en": "ratio", "fr": "ratio"},
    "unit_years": {"en": "years", "fr": "années"},
    # the target attainment table: its columns ...
    "attainment_code": {"en": "Code", "fr": "Code"},
    "attainment_label": {"en": "Indicator", "fr": "Indicateur"},
    "attainment_unit": {"en": "Unit", "fr": "Unité"},
    "attainment_realised": {"en": "Actual {period}", "fr": "Réalisation {period}"},
    "attainment_target": {"en": "Target {period}", "fr": "Cible {period}"},
    "attainment_column": {"en": "Target reached", "fr": "Atteinte de la cible"},
    "attainment_next_period": {"en": "Next target year", "fr": "Année de la prochaine cible"},
    "attainment_next_value": {"en": "Next target", "fr": "Prochaine cible"},
    # ... and its values (evalkit.indicators.Attainment), by code
    "attainment_reached": {"en": "reached", "fr": "atteinte"},
    "attainment_not_reached": {"en": "not reached", "fr": "non atteinte"},
    "attainment_no_target": {"en": "no target", "fr": "sans cible"},
    "attainment_no_data": {"en": "no data", "fr": "non renseignée"},
}
