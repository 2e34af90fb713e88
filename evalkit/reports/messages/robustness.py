"""The wording of the robustness and synthetic-control parts of reports, in English and French.

Merged into :data:`evalkit.reports.messages.catalogue.TEXTS`; kept apart so that each file stays
readable.
"""

from __future__ import annotations

from evalkit.formatting import Language

__all__ = ["ROBUSTNESS_TEXTS"]

ROBUSTNESS_TEXTS: dict[str, dict[Language, str]] = {
    # sensitivity to parallel trends (HonestDiD)
    "sensitivity": {"en": "How much does the conclusion depend on parallel trends?",
                    "fr": "La conclusion dépend-elle de l'hypothèse de tendances parallèles ?"},
    "honest_intro": {
        "en": "The estimate assumes that, without the policy, treated and comparison units "
              "would have followed parallel trends. The intervals below (Rambachan & Roth "
              "2023) stay valid when this assumption fails to a stated degree. They concern "
              "{target} (estimated at {estimate}), from the event study: {source}.",
        "fr": "L'estimation suppose que, sans la politique, unités traitées et unités de "
              "comparaison auraient suivi des tendances parallèles. Les intervalles ci-dessous "
              "(Rambachan et Roth 2023) restent valables lorsque cette hypothèse est violée "
              "dans une mesure donnée. Ils portent sur {target} (estimée à {estimate}), "
              "d'après l'étude d'événement : {source}."},
    "honest_target_average": {"en": "the average of the effects after treatment",
                              "fr": "la moyenne des effets après l'entrée"},
    "honest_target_first": {"en": "the effect in the first treated period",
                            "fr": "l'effet de la première période traitée"},
    "honest_rm_title": {"en": "Relative magnitudes", "fr": "Ampleurs relatives"},
    "honest_rm_intro": {
        "en": "After the policy, the gap in trends may change from one period to the next by "
              "at most Mbar times the largest such change seen before the policy (Mbar = 1: "
              "no worse than the worst period before the policy).",
        "fr": "Après la politique, l'écart de tendance peut varier d'une période à l'autre "
              "d'au plus Mbar fois la plus forte variation observée avant la politique "
              "(Mbar = 1 : pas pire que la pire période avant la politique)."},
    "honest_sd_title": {"en": "Smoothness", "fr": "Régularité"},
    "honest_sd_intro": {
        "en": "The gap in trends may bend: its slope may change by at most M per period, in "
              "the outcome's units ({outcome}; M = 0: the trend seen before the policy simply "
              "continues).",
        "fr": "L'écart de tendance peut s'infléchir : sa pente peut varier d'au plus M par "
              "période, dans l'unité du résultat ({outcome} ; M = 0 : la tendance observée "
              "avant la politique se prolonge simplement)."},
    "honest_original": {"en": "Original (exact parallel trends)",
                        "fr": "Initial (tendances exactement parallèles)"},
    "honest_excludes_zero": {"en": "Excludes zero", "fr": "Exclut zéro"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "honest_breakdown": {
        "en": "The effect stays distinguishable from zero up to {name} = {value}.",
        "fr": "L'effet reste distinct de zéro jusqu'à {name} = {value}."},
    "honest_breakdown_none": {
        "en": "The effect stays distinguishable from zero for every value examined.",
        "fr": "L'effet reste distinct de zéro pour toutes les valeurs examinées."},
    "honest_breakdown_zero": {
        "en": "The interval includes zero even under exact parallel trends.",
        "fr": "L'intervalle contient zéro même avec des tendances exactement parallèles."},
    "honest_plot_robust": {"en": "Robust", "fr": "Robuste"},
    "honest_plot_ylabel": {"en": "{level} confidence interval",
                           "fr": "Intervalle de confiance à {level}"},
    "honest_plot_breakdown": {"en": "Breakdown value", "fr": "Valeur de rupture"},
    "honest_plot_original": {"en": "Original", "fr": "Initial"},
    # Each finding says which estimate it is about and quotes it: the sensitivity
    # analysis concerns {target} of {source}, not necessarily the headline estimate.
    "finding_honest_robust": {
        "en": "Robustness of {target} ({source}: {estimate}): the conclusion that the policy "
              "had an effect holds as long as the departure from parallel trends after the "
              "policy stays below {value} times the largest one seen before it (Rambachan & "
              "Roth sensitivity analysis).",
        "fr": "Solidité de {target} ({source} : {estimate}) : la conclusion d'un effet de la "
              "politique tient tant que l'écart aux tendances parallèles après la politique "
              "reste inférieur à {value} fois le plus fort écart observé avant elle (analyse "
              "de sensibilité de Rambachan et Roth)."},
    "finding_honest_fragile": {
        "en": "Fragility of {target} ({source}: {estimate}): the conclusion that the policy "
              "had an effect no longer holds once the departure from parallel trends after "
              "the policy reaches {value} times the largest one seen before it (Rambachan & "
              "Roth sensitivity analysis); it rests heavily on parallel trends.",
        "fr": "Fragilité de {target} ({source} : {estimate}) : la conclusion d'un effet de la "
              "politique ne tient plus dès que l'écart aux tendances parallèles après la "
              "politique atteint {value} fois le plus fort écart observé avant elle (analyse "
              "de sensibilité de Rambachan et Roth) ; elle repose fortement sur l'hypothèse "
              "de tendances parallèles."},
    "finding_honest_always": {
        "en": "Robustness of {target} ({source}: {estimate}): the conclusion that the policy "
              "had an effect holds even if the departure from parallel trends after the "
              "policy is {value} times the largest one seen before it (Rambachan & Roth "
              "sensitivity analysis).",
        "fr": "Solidité de {target} ({source} : {estimate}) : la conclusion d'un effet de la "
              "politique tient même si l'écart aux tendances parallèles après la politique "
              "atteint {value} fois le plus fort écart observé avant elle (analyse de "
              "sensibilité de Rambachan et Roth)."},
    # wild cluster bootstrap
    "wild_title": {"en": "Inference with few clusters: wild cluster bootstrap",
                   "fr": "Inférence avec peu de grappes : bootstrap sauvage par grappes"},
    "wild_intro": {
        "en": "With {clusters} clusters, of which {treated} contain treated units, "
              "cluster-robust standard errors can be too small. The restricted wild cluster "
              "bootstrap (Cameron, Gelbach & Miller 2008), which imposes the hypothesis of no "
              "effect, gives a more reliable p-value and an interval obtained by inverting "
              "the test.",
        "fr": "Avec {clusters} grappes, dont {treated} contiennent des unités traitées, les "
              "écarts-types robustes par grappes peuvent être trop faibles. Le bootstrap "
              "sauvage restreint par grappes (Cameron, Gelbach et Miller 2008), qui impose "
              "l'hypothèse d'absence d'effet, donne une p-valeur plus fiable et un intervalle "
              "obtenu en inversant le test."},
    "wild_weights_rademacher": {"en": "Rademacher weights", "fr": "poids de Rademacher"},
    "wild_weights_webb": {"en": "Webb weights", "fr": "poids de Webb"},
    "wild_draws": {"en": "{draws} draws", "fr": "{draws} tirages"},
    "wild_enumerated": {"en": "all {draws} sign combinations",
                        "fr": "les {draws} combinaisons de signes"},
    "wild_analytic": {"en": "Cluster-robust (analytic)", "fr": "Robuste par grappes (analytique)"},
    "wild_bootstrap": {"en": "Wild cluster bootstrap ({weights}, {draws})",
                       "fr": "Bootstrap sauvage par grappes ({weights}, {draws})"},
    "finding_wild": {
        "en": "With few clusters ({clusters}, of which {treated} with treated units), the wild "
              "cluster bootstrap gives {p} and a {level} interval from {low} to "
              "{high} for the {model} coefficient: {verdict}",
        "fr": "Avec peu de grappes ({clusters}, dont {treated} avec des unités traitées), le "
              "bootstrap sauvage par grappes donne {p} et un intervalle à "
              "{level} de {low} à {high} pour le coefficient {model} : {verdict}"},
    "finding_wild_few_treated": {
        "en": "With few treated clusters ({treated} of {clusters}), the wild cluster bootstrap "
              "gives {p} and a {level} interval from {low} to {high} for the {model} "
              "coefficient: {verdict}",
        "fr": "Avec peu de grappes traitées ({treated} sur {clusters}), le bootstrap sauvage "
              "par grappes donne {p} et un intervalle à {level} de {low} à {high} pour le "
              "coefficient {model} : {verdict}"},
    "finding_wild_confirms": {
        "en": "it confirms that the effect is distinguishable from zero.",
        "fr": "il confirme que l'effet est distinct de zéro."},
    "finding_wild_doubts": {
        "en": "it does not confirm that the effect is distinguishable from zero.",
        "fr": "il ne confirme pas que l'effet soit distinct de zéro."},
    "p_phrase": {"en": "a p-value of {p}", "fr": "une p-valeur de {p}"},
    "p_phrase_below": {"en": "a p-value {p}", "fr": "une p-valeur {p}"},
    "model_2x2": {"en": "2x2 difference-in-differences", "fr": "de double différence 2x2"},
    "model_twfe": {"en": "two-way fixed-effects", "fr": "à effets fixes (TWFE)"},
    # checks omitted (see evalkit.reports.messages.catalogue.Note)
    "subject_honest": {
        "en": "The sensitivity analysis to parallel trends (Rambachan & Roth)",
        "fr": "L'analyse de sensibilité aux tendances parallèles (Rambachan et Roth)"},
    "subject_honest_relative_magnitude": {
        "en": "The sensitivity analysis under relative magnitudes",
        "fr": "L'analyse de sensibilité en ampleurs relatives"},
    "subject_honest_smoothness": {
        "en": "The sensitivity analysis under smoothness",
        "fr": "L'analyse de sensibilité en régularité"},
    "subject_cs_universal": {
        "en": "Callaway & Sant'Anna's event study with a universal base period (for the "
              "sensitivity analysis)",
        "fr": "L'étude d'événement de Callaway et Sant'Anna avec une période de base "
              "universelle (pour l'analyse de sensibilité)"},
    "subject_wild": {"en": "The wild cluster bootstrap",
                     "fr": "Le bootstrap sauvage par grappes"},
    "why_honest_no_event_study": {
        "en": "it needs an event study whose effects before treatment are all measured "
              "against one reference period, and this design gives none.",
        "fr": "elle suppose une étude d'événement dont les effets avant l'entrée sont tous "
              "mesurés par rapport à une même période de référence, et ce plan d'évaluation "
              "n'en fournit pas."},
    "why_wild_one_treated_cluster": {
        "en": "only {treated} cluster contains treated units, and the bootstrap cannot then "
              "be trusted (MacKinnon & Webb 2017).",
        "fr": "seule {treated} grappe contient des unités traitées, et le bootstrap n'est "
              "alors pas fiable (MacKinnon et Webb 2017)."},
}
