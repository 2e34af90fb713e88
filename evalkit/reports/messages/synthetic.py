"""The wording of the synthetic designs' report sections, in English and French.

Merged into :data:`evalkit.reports.messages.catalogue.TEXTS`.
"""

from __future__ import annotations

from evalkit.formatting import Language

__all__ = ["SYNTHETIC_TEXTS"]

SYNTHETIC_TEXTS: dict[str, dict[Language, str]] = {
    "headline_synthetic_did": {
        "en": "Average effect after treatment (synthetic difference-in-differences)",
        "fr": "Effet moyen après l'entrée (double différence synthétique)"},
    "headline_synthetic_control": {
        "en": "Average effect after treatment (synthetic control)",
        "fr": "Effet moyen après l'entrée (contrôle synthétique)"},
    "synthetic": {"en": "A comparison built from untreated units",
                  "fr": "Une comparaison construite à partir d'unités non traitées"},
    "synthetic_intro": {
        "en": "With so few treated units ({treated}), the comparison is built from the "
              "{donors} untreated units ('donors'): each gets a weight, chosen so that their "
              "weighted average followed the treated units before the policy. Three "
              "estimators of Arkhangelsky et al. (2021) are shown side by side: synthetic "
              "difference-in-differences (weights on units and on pre-policy periods), "
              "synthetic control (weights on units only) and plain difference-in-differences "
              "(equal weights).",
        "fr": "Avec si peu d'unités traitées ({treated}), la comparaison est construite "
              "à partir des {donors} unités non traitées (« donneuses »), chacune pondérée "
              "de sorte que leur moyenne pondérée suive les unités traitées avant la "
              "politique. Trois estimateurs d'Arkhangelsky et al. (2021) sont présentés côte "
              "à côte : la double différence synthétique (poids sur les unités et sur les "
              "périodes antérieures), le contrôle synthétique (poids sur les unités "
              "seulement) et la double différence simple (poids égaux)."},
    "name_sdid": {"en": "Synthetic difference-in-differences",
                  "fr": "Double différence synthétique"},
    "name_sc": {"en": "Synthetic control", "fr": "Contrôle synthétique"},
    "name_did": {"en": "Difference-in-differences", "fr": "Double différence"},
    "se_placebo": {"en": "placebo ({reps} replications: the treatment given to untreated units "
                         "drawn at random)",
                   "fr": "placebo ({reps} réplications : le traitement attribué à des unités "
                         "non traitées tirées au hasard)"},
    "se_bootstrap_units": {"en": "bootstrap over units ({reps} replications)",
                           "fr": "bootstrap sur les unités ({reps} réplications)"},
    "se_jackknife": {"en": "jackknife (each unit left out in turn)",
                     "fr": "jackknife (chaque unité retirée à tour de rôle)"},
    "sdid_plot_title": {"en": "Treated and synthetic comparison (synthetic DiD)",
                        "fr": "Unités traitées et comparaison synthétique (double différence "
                              "synthétique)"},
    "sdid_plot_caption": {
        "en": "The treated units' average and the weighted comparison units. Shaded bars at "
              "the bottom show the weight of each pre-policy period; the arrow is the "
              "estimated effect, after removing the pre-policy difference in levels.",
        "fr": "Moyenne des unités traitées et comparaison pondérée. Les barres en bas "
              "indiquent le poids de chaque période antérieure à la politique ; la flèche est "
              "l'effet estimé, une fois retiré l'écart de niveau d'avant la politique."},
    "sdid_treated": {"en": "Treated", "fr": "Traité"},
    "sdid_control": {"en": "Synthetic comparison", "fr": "Comparaison synthétique"},
    "sdid_effect": {"en": "Estimated effect", "fr": "Effet estimé"},
    "sdid_time_weights": {"en": "Period weights", "fr": "Poids des périodes"},
    "donor_weights": {"en": "Main donors and their weights",
                      "fr": "Principales unités donneuses et leurs poids"},
    "donor": {"en": "Donor", "fr": "Unité donneuse"},
    "weight_sdid": {"en": "Weight (synthetic DiD)", "fr": "Poids (double différence synth.)"},
    "weight_sc": {"en": "Weight (synthetic control)", "fr": "Poids (contrôle synthétique)"},
    "adh_title": {"en": "Synthetic control of Abadie, Diamond & Hainmueller: fit and placebos",
                  "fr": "Contrôle synthétique d'Abadie, Diamond et Hainmueller : ajustement "
                        "et placebos"},
    "adh_intro": {
        "en": "The synthetic {unit} is the weighted combination of donors that best "
              "reproduces its {predictors} before the policy. If the policy had an effect, the "
              "gap after the policy should be large compared with the gap before it, and "
              "larger than for the donors when each in turn is treated as if it had had the "
              "policy (placebos in space). Its weights come from Abadie, Diamond & "
              "Hainmueller's own fitting procedure, not Arkhangelsky et al.'s used in the "
              "table above, so its estimate can differ a little from theirs.",
        "fr": "L'unité synthétique ({unit}) est la combinaison pondérée d'unités donneuses "
              "qui reproduit le mieux ses {predictors} avant la politique. Si la politique a "
              "eu un effet, l'écart après la politique doit être grand au regard de l'écart "
              "d'avant, et plus grand que celui des unités donneuses lorsque chacune est "
              "traitée comme si elle avait eu la politique (placebos). Ses poids viennent "
              "de la procédure d'ajustement d'Abadie, Diamond et Hainmueller, et non de celle "
              "d'Arkhangelsky et al. utilisée dans le tableau ci-dessus : son estimation peut "
              "donc légèrement différer."},
    "adh_predictors_all": {"en": "outcome in each year", "fr": "valeurs annuelles du résultat"},
    "adh_predictors_some": {"en": "predictors ({names})", "fr": "prédicteurs ({names})"},
    "adh_gap": {"en": "Gap (treated − synthetic)", "fr": "Écart (traité − synthétique)"},
    "adh_placebos": {"en": "Placebos (donors)", "fr": "Placebos (unités donneuses)"},
    "adh_ratio_label": {"en": "Ratio of the gap after the policy to the gap before",
                        "fr": "Rapport de l'écart après la politique à l'écart avant"},
    "adh_without": {"en": "without", "fr": "sans"},
    "adh_pre_rmspe": {"en": "Average gap before the policy (RMSPE)",
                      "fr": "Écart moyen avant la politique (RMSPE)"},
    "adh_post_rmspe": {"en": "Average gap after the policy (RMSPE)",
                       "fr": "Écart moyen après la politique (RMSPE)"},
    "adh_ratio": {"en": "Ratio after / before", "fr": "Rapport après / avant"},
    "adh_effect": {"en": "Average effect after the policy (mean gap)",
                   "fr": "Effet moyen après la politique (écart moyen)"},
    "adh_last_gap": {"en": "Gap in {period}", "fr": "Écart en {period}"},
    "adh_placebo": {"en": "Placebo test (rank of the treated unit)",
                    "fr": "Test placebo (rang de l'unité traitée)"},
    "adh_rank": {"en": "{rank} of {n}: p-value {p}", "fr": "{rank} sur {n} : p-valeur {p}"},
    "adh_loo": {"en": "Leave-one-out average effect",
                "fr": "Effet moyen en retirant une unité donneuse"},
    "adh_loo_legend": {"en": "One donor left out", "fr": "Une unité donneuse retirée"},
    "adh_loo_range": {"en": "{low} to {high} ({n} re-fits)",
                      "fr": "de {low} à {high} ({n} réestimations)"},
    "adh_trajectories_caption": {
        "en": "The treated unit and its synthetic control; the dashed line marks the start "
              "of the policy.",
        "fr": "L'unité traitée et son contrôle synthétique ; le trait pointillé marque le "
              "début de la politique."},
    "adh_placebo_caption": {
        "en": "Gap between each unit and its synthetic control: the treated unit in colour, "
              "each donor treated as a placebo in grey.",
        "fr": "Écart entre chaque unité et son contrôle synthétique : l'unité traitée en "
              "couleur, chaque unité donneuse traitée comme placebo en gris."},
    "adh_ratios_caption": {
        "en": "Ratio of the gap after the policy to the gap before it, for every unit. The "
              "p-value is the treated unit's rank divided by the number of units.",
        "fr": "Rapport de l'écart après la politique à l'écart avant, pour chaque unité. La "
              "p-valeur est le rang de l'unité traitée divisé par le nombre d'unités."},
    "adh_loo_caption": {
        "en": "The synthetic control re-fitted without each donor it uses, in turn: if the "
              "conclusion rested on one donor, one of these lines would stand apart.",
        "fr": "Le contrôle synthétique réestimé en retirant à tour de rôle chaque unité "
              "donneuse qu'il utilise : si la conclusion reposait sur une seule d'entre elles, "
              "l'une de ces courbes se détacherait."},
    "finding_fit_good": {
        "en": "Before the policy, the synthetic comparison followed {unit} closely: the "
              "average gap was {rmspe}, that is {share} of its average level.",
        "fr": "Avant la politique, la comparaison synthétique suivait {unit} de près : "
              "l'écart moyen était de {rmspe}, soit {share} de son niveau moyen."},
    "finding_fit_poor": {
        "en": "Caution: before the policy, the synthetic comparison followed {unit} only "
              "loosely (average gap {rmspe}, {share} of its average level); the estimate is "
              "less reliable.",
        "fr": "Attention : avant la politique, la comparaison synthétique ne suivait {unit} "
              "qu'approximativement (écart moyen {rmspe}, soit {share} de son niveau moyen) ; "
              "l'estimation en est moins fiable."},
    "finding_placebo": {
        "en": "Placebo test: when the policy is attributed in turn to each of the {donors} "
              "donors, {larger} show a gap after the policy as large, relative to the gap "
              "before, as {unit}'s: p-value {p} (the smallest possible with {n} units is "
              "{minimum}).",
        "fr": "Test placebo : lorsque la politique est attribuée tour à tour à chacune des "
              "{donors} unités donneuses, {larger} présentent un écart après la politique "
              "aussi grand, rapporté à l'écart d'avant, que {unit} : p-valeur {p} (la plus "
              "petite possible avec {n} unités est {minimum})."},
    "finding_estimators": {
        "en": "The three estimators give {sdid} (synthetic difference-in-differences), {sc} "
              "(synthetic control) and {did} (difference-in-differences, which assumes "
              "parallel trends with all untreated units).",
        "fr": "Les trois estimateurs donnent {sdid} (double différence synthétique), {sc} "
              "(contrôle synthétique) et {did} (double différence, qui suppose des tendances "
              "parallèles avec toutes les unités non traitées)."},
    # parts omitted or changed (see evalkit.reports.messages.catalogue.Note)
    "subject_sdid": {"en": "Synthetic difference-in-differences",
                     "fr": "La double différence synthétique"},
    "subject_sc": {"en": "Synthetic control", "fr": "Le contrôle synthétique"},
    "subject_did": {"en": "Difference-in-differences", "fr": "La double différence"},
    "subject_adh": {"en": "Abadie, Diamond & Hainmueller's synthetic control",
                    "fr": "Le contrôle synthétique d'Abadie, Diamond et Hainmueller"},
    "note_se_placebo_instead": {
        "en": "synthetic.inference: {se} needs more than one treated unit; placebo "
              "standard errors are shown instead.",
        "fr": "synthetic.inference: {se} suppose plus d'une unité traitée ; les "
              "écarts-types placebo sont présentés à la place."},
    "why_adh_several_treated": {
        "en": "it is built for a single treated unit, and there are {treated}; see the "
              "estimates above.",
        "fr": "il est conçu pour une seule unité traitée, et il y en a {treated} ; voir les "
              "estimations ci-dessus."},
}
