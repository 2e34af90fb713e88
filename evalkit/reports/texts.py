"""The fixed wording of evaluation reports, in English and French.

Also the remarks a report makes on its own analysis (:class:`Note`: a comparison the
design does not support, and why), and the rewording of evalkit's error messages in the
terms of the params file (``event_study.bin_endpoints: true``, not ``bin_endpoints=True``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from evalkit.errors import DataError, EstimationError, EvalkitError, InputError
from evalkit.reports.formatting import Language
from evalkit.reports.texts_robustness import ROBUSTNESS_TEXTS
from evalkit.reports.texts_rules import RULES_TEXTS
from evalkit.reports.texts_synthetic import SYNTHETIC_TEXTS

__all__ = ["TEXTS", "ESTIMATOR_NAMES", "estimator_name", "text", "Note", "ParamsTerms",
           "DESIGN_TERMS", "EVENT_STUDY_TERMS", "STAGGERED_TERMS", "SENSITIVITY_TERMS",
           "SYNTHETIC_TERMS", "params_wording", "reworded", "raise_reworded", "is_design_limit",
           "omission"]

TEXTS: dict[str, dict[Language, str]] = {
    # section headings
    "findings": {"en": "Key findings", "fr": "Principaux résultats"},
    "policy": {"en": "The policy", "fr": "La politique évaluée"},
    "data": {"en": "Data used", "fr": "Données utilisées"},
    "estimate": {"en": "Estimated effect", "fr": "Effet estimé"},
    "dynamics": {"en": "Effects over time and pre-treatment trends",
                 "fr": "Effets dans le temps et tendances avant la politique"},
    "comparison": {"en": "What was compared with what", "fr": "Ce qui a été comparé"},
    "provenance": {"en": "Provenance", "fr": "Traçabilité"},
    "notes": {"en": "Notes", "fr": "Remarques"},
    "method": {"en": "Method", "fr": "Méthode"},
    # data facts
    "rows": {"en": "Observations (rows)", "fr": "Observations (lignes)"},
    "units": {"en": "Units", "fr": "Unités"},
    "periods": {"en": "Periods", "fr": "Périodes"},
    "period_range": {"en": "From {first} to {last}", "fr": "De {first} à {last}"},
    "treated_units": {"en": "Treated units", "fr": "Unités traitées"},
    "control_units": {"en": "Never-treated comparison units",
                      "fr": "Unités de comparaison jamais traitées"},
    "cohorts": {"en": "Units by first treatment period", "fr": "Unités par période d'entrée"},
    "never": {"en": "never treated", "fr": "jamais traitées"},
    "cohort": {"en": "First treated in", "fr": "Entrée en"},
    "n_units": {"en": "Units", "fr": "Unités"},
    "sample_filter": {"en": "Rows kept", "fr": "Lignes retenues"},
    "group": {"en": "Group", "fr": "Groupe"},
    "before": {"en": "Before", "fr": "Avant"},
    "after": {"en": "After", "fr": "Après"},
    "change": {"en": "Change", "fr": "Évolution"},
    "treated_group": {"en": "Treated group", "fr": "Groupe traité"},
    "comparison_group": {"en": "Comparison group", "fr": "Groupe de comparaison"},
    "counterfactual": {"en": "Treated without the policy (parallel trends)",
                       "fr": "Groupe traité sans la politique (tendances parallèles)"},
    "observations": {"en": "Observations", "fr": "Observations"},
    "mean_outcome": {"en": "Mean of {outcome}", "fr": "Moyenne de {outcome}"},
    "data_description": {"en": "Description", "fr": "Description"},
    "data_source": {"en": "Source", "fr": "Source"},
    "data_file": {"en": "Data file", "fr": "Fichier de données"},
    # estimate table
    "term": {"en": "Term", "fr": "Terme"},
    "coef": {"en": "Estimate", "fr": "Estimation"},
    "se": {"en": "Std. error", "fr": "Écart-type"},
    "ci": {"en": "{level} confidence interval", "fr": "Intervalle de confiance à {level}"},
    "p": {"en": "p-value", "fr": "p-valeur"},
    "event_time": {"en": "Periods since treatment", "fr": "Périodes depuis l'entrée"},
    "estimator": {"en": "Estimator", "fr": "Estimateur"},
    "standard_errors": {"en": "Standard errors", "fr": "Écarts-types"},
    "effect_row": {"en": "Effect of the policy", "fr": "Effet de la politique"},
    "average_post": {"en": "Average effect after treatment (event study)",
                     "fr": "Effet moyen après l'entrée (étude d'événement)"},
    "overall_callaway_santanna": {
        "en": "Average effect on the treated (Callaway & Sant'Anna)",
        "fr": "Effet moyen sur les unités traitées (Callaway et Sant'Anna)"},
    "overall_imputation": {
        "en": "Average effect on the treated (imputation, Borusyak, Jaravel & Spiess)",
        "fr": "Effet moyen sur les unités traitées (imputation, Borusyak, Jaravel et Spiess)"},
    "average_post_sa": {
        "en": "Average effect after treatment (Sun & Abraham)",
        "fr": "Effet moyen après l'entrée (Sun et Abraham)"},
    "staggered": {"en": "Staggered adoption: comparing estimators",
                  "fr": "Entrées échelonnées : comparaison des estimateurs"},
    "bacon": {"en": "Decomposition of the two-way fixed-effects estimate",
              "fr": "Décomposition de l'estimation à effets fixes"},
    "staggered_intro": {
        "en": "Units joined the policy at different dates. Estimators designed for this case "
              "compare each cohort only with units that are not (yet) treated; the classic "
              "two-way fixed-effects (TWFE) regression also compares late joiners with units "
              "already treated, which biases it when effects change over time.",
        "fr": "Les unités sont entrées dans la politique à des dates différentes. Les "
              "estimateurs conçus pour ce cas ne comparent chaque cohorte qu'à des unités pas "
              "(encore) traitées ; la régression classique à effets fixes individuels et "
              "temporels (TWFE) compare aussi les entrants tardifs à des unités déjà traitées, "
              "ce qui la biaise si les effets évoluent dans le temps."},
    "comparison_table": {"en": "Overall effect by estimator", "fr": "Effet global par estimateur"},
    "name_callaway_santanna": {"en": "Callaway & Sant'Anna (2021)",
                               "fr": "Callaway et Sant'Anna (2021)"},
    "name_sun_abraham": {"en": "Sun & Abraham (2021), average after treatment",
                         "fr": "Sun et Abraham (2021), moyenne après l'entrée"},
    "name_imputation": {"en": "Imputation, Borusyak, Jaravel & Spiess (2024)",
                        "fr": "Imputation, Borusyak, Jaravel et Spiess (2024)"},
    "name_twfe": {"en": "Two-way fixed effects (TWFE), single coefficient",
                  "fr": "Effets fixes (TWFE), coefficient unique"},
    "es_compare_title": {"en": "Event study: estimators compared",
                         "fr": "Étude d'événement : estimateurs comparés"},
    "band_label": {"en": "simultaneous {level} band", "fr": "bande simultanée à {level}"},
    "band_caption": {
        "en": "The wide light bars of {name} are simultaneous confidence bands: they cover "
              "all its effects at once with {level} probability.",
        "fr": "Les barres larges et claires de {name} sont des bandes de confiance "
              "simultanées : elles couvrent tous ses effets à la fois avec une probabilité "
              "de {level}."},
    "bacon_caption": {
        "en": "Each point is one of the 2x2 comparisons the TWFE coefficient averages, placed "
              "by its weight (horizontal) and its estimate (vertical). Comparisons that use "
              "already-treated units as controls are the problematic ones.",
        "fr": "Chaque point est l'une des comparaisons 2x2 dont le coefficient TWFE fait la "
              "moyenne, placée selon son poids (horizontal) et son estimation (vertical). Les "
              "comparaisons qui prennent des unités déjà traitées comme témoins sont les "
              "comparaisons problématiques."},
    "bacon_twfe": {"en": "TWFE coefficient", "fr": "Coefficient TWFE"},
    "bacon_already": {"en": "Weight on already-treated controls",
                      "fr": "Poids des témoins déjà traités"},
    "bacon_xlabel": {"en": "Weight in the TWFE coefficient",
                     "fr": "Poids dans le coefficient TWFE"},
    "bacon_ylabel": {"en": "2x2 difference-in-differences estimate",
                     "fr": "Estimation de la double différence 2x2"},
    "comparison_type": {"en": "Comparison", "fr": "Comparaison"},
    "weight": {"en": "Weight", "fr": "Poids"},
    "average_estimate": {"en": "Average estimate", "fr": "Estimation moyenne"},
    "bacon_never_treated": {"en": "Treated vs never treated", "fr": "Traités / jamais traités"},
    "bacon_later_as_control": {"en": "Earlier vs later treated (not yet treated)",
                               "fr": "Précoces / tardifs (pas encore traités)"},
    "bacon_earlier_as_control": {"en": "Later vs earlier treated (already treated)",
                                 "fr": "Tardifs / précoces (déjà traités)"},
    "bacon_always_treated": {"en": "Treated vs always treated",
                             "fr": "Traités / toujours traités"},
    "twfe_row": {"en": "Two-way fixed effects (single coefficient)",
                 "fr": "Effets fixes individuels et temporels (coefficient unique)"},
    # plots
    "es_xlabel": {"en": "Periods relative to first treatment",
                  "fr": "Périodes par rapport à l'entrée dans la politique"},
    "es_ylabel": {"en": "Estimated effect on {outcome}", "fr": "Effet estimé sur {outcome}"},
    "es_title": {"en": "Event study: effects before and after treatment",
                 "fr": "Étude d'événement : effets avant et après l'entrée"},
    "es_caption": {
        "en": "Each point is the estimated difference between treated and comparison units "
              "k periods from treatment, relative to the period just before treatment "
              "(hollow point, fixed at zero); bars are {level} confidence intervals. Points "
              "left of the dashed line should be close to zero if trends were parallel "
              "before the policy.",
        "fr": "Chaque point est l'écart estimé entre unités traitées et unités de comparaison "
              "k périodes après l'entrée, par rapport à la période précédant l'entrée (point "
              "creux, fixé à zéro) ; les barres sont des intervalles de confiance à {level}. "
              "À gauche du trait pointillé, les points devraient être proches de zéro si les "
              "tendances étaient parallèles avant la politique."},
    "es_caption_noref": {
        "en": "Each point is the estimated difference between treated and comparison units "
              "k periods from treatment; bars are {level} confidence intervals. Points left "
              "of the dashed line compare periods before treatment and should be close to "
              "zero if trends were parallel before the policy.",
        "fr": "Chaque point est l'écart estimé entre unités traitées et unités de comparaison "
              "k périodes après l'entrée ; les barres sont des intervalles de confiance à "
              "{level}. À gauche du trait pointillé, les points comparent des périodes "
              "antérieures à l'entrée et devraient être proches de zéro si les tendances "
              "étaient parallèles avant la politique."},
    "means_title": {"en": "Mean outcome before and after the change",
                    "fr": "Moyenne avant et après le changement"},
    "means_caption": {
        "en": "Mean {outcome} of each group before and after the change. The dashed line shows "
              "where the treated group would have been had it followed the comparison group's "
              "evolution; the arrow is the (unadjusted) difference-in-differences.",
        "fr": "Moyenne de {outcome} de chaque groupe avant et après le changement. Le trait "
              "pointillé montre où se serait trouvé le groupe traité s'il avait suivi "
              "l'évolution du groupe de comparaison ; la flèche est la double différence "
              "(sans ajustement)."},
    # provenance
    "params_file": {"en": "Params file", "fr": "Fichier de paramètres"},
    "sha256": {"en": "Data file SHA-256", "fr": "SHA-256 du fichier de données"},
    "version": {"en": "evalkit version", "fr": "Version d'evalkit"},
    "run_date": {"en": "Run date (UTC)", "fr": "Date d'exécution (UTC)"},
    "software": {"en": "Software", "fr": "Logiciels"},
    "params_content": {"en": "Parameters used", "fr": "Paramètres utilisés"},
    "owner": {"en": "Responsible", "fr": "Responsable"},
    "reference": {"en": "reference", "fr": "référence"},
    "se_classical": {"en": "classical (homoskedastic)",
                     "fr": "classiques (homoscédastiques)"},
    "se_robust": {"en": "heteroskedasticity-robust (HC1)",
                  "fr": "robustes à l'hétéroscédasticité (HC1)"},
    "se_bootstrap": {"en": "multiplier bootstrap ({draws} draws), clustered by {column}",
                     "fr": "bootstrap multiplicateur ({draws} tirages), grappes définies par "
                           "{column}"},
    "se_cluster": {"en": "cluster-robust, clustered by {column} ({clusters} clusters)",
                   "fr": "robustes par grappes, grappes définies par {column} ({clusters} "
                         "grappes)"},
    "covariates": {"en": "Control variables:", "fr": "Variables de contrôle :"},
    # what the design supports: comparisons omitted, and why (see Note)
    "omitted": {"en": "{what} is omitted: {why}",
                "fr": "{what} n'apparaît pas dans ce rapport : {why}"},
    "why_library": {"en": "{detail}", "fr": "{detail}"},
    "subject_twfe_event_study": {
        "en": "The event study with unit and period fixed effects (TWFE)",
        "fr": "L'étude d'événement à effets fixes individuels et temporels (TWFE)"},
    "subject_callaway_santanna": {"en": "Callaway & Sant'Anna's estimator",
                                  "fr": "L'estimateur de Callaway et Sant'Anna"},
    "subject_sun_abraham": {"en": "Sun & Abraham's estimator",
                            "fr": "L'estimateur de Sun et Abraham"},
    "subject_imputation": {
        "en": "The imputation estimator (Borusyak, Jaravel & Spiess)",
        "fr": "L'estimateur par imputation (Borusyak, Jaravel et Spiess)"},
    "subject_bacon": {"en": "The Goodman-Bacon decomposition",
                      "fr": "La décomposition de Goodman-Bacon"},
    "why_es_no_never_treated": {
        "en": "every unit is eventually treated, so there is no never-treated comparison "
              "group, and the effects by period since treatment cannot then be told apart "
              "from the unit and period effects. To show it, set event_study.window to fewer "
              "relative periods than the data cover (from {low} to {high}) and "
              "event_study.bin_endpoints: true, which pools the periods beyond the window.",
        "fr": "toutes les unités finissent par être traitées ; il n'y a donc pas de groupe de "
              "comparaison jamais traité, et les effets selon le temps écoulé depuis l'entrée "
              "ne peuvent alors pas être distingués des effets individuels et temporels. Pour "
              "l'obtenir, fixer event_study.window sur moins de périodes relatives que n'en "
              "couvrent les données (de {low} à {high}) avec event_study.bin_endpoints: true, "
              "qui regroupe les périodes au-delà de la fenêtre."},
    "why_es_window_covers_all": {
        "en": "every unit is eventually treated, and event_study.window ({window}) covers "
              "every relative period in the data (from {low} to {high}), so "
              "event_study.bin_endpoints: true pools nothing and the effects by period since "
              "treatment cannot be told apart from the unit and period effects. Choose a "
              "narrower event_study.window.",
        "fr": "toutes les unités finissent par être traitées, et event_study.window "
              "({window}) couvre toutes les périodes relatives des données (de {low} à "
              "{high}) : event_study.bin_endpoints: true ne regroupe donc rien, et les effets "
              "selon le temps écoulé depuis l'entrée ne peuvent pas être distingués des effets "
              "individuels et temporels. Choisir une fenêtre event_study.window plus étroite."},
    "why_cs_no_never_treated": {
        "en": "staggered.control_group is never_treated, but every unit is eventually "
              "treated, so there is no never-treated comparison group. Set "
              "staggered.control_group: not_yet_treated to compare each cohort with the "
              "units not yet treated.",
        "fr": "staggered.control_group vaut never_treated, mais toutes les unités finissent "
              "par être traitées : il n'y a donc pas de groupe de comparaison jamais traité. "
              "Indiquer staggered.control_group: not_yet_treated pour comparer chaque cohorte "
              "aux unités pas encore traitées."},
    "why_bacon_covariates": {
        "en": "it decomposes the regression without control variables, and the design has "
              "some (design.covariates: {covariates}).",
        "fr": "elle décompose la régression sans variables de contrôle, et le plan "
              "d'évaluation en comporte (design.covariates: {covariates})."},
    "why_bacon_weights": {
        "en": "it decomposes the unweighted regression, and the design is weighted "
              "(design.weights: {weights}).",
        "fr": "elle décompose la régression non pondérée, et le plan d'évaluation est "
              "pondéré (design.weights: {weights})."},
    "why_bacon_unbalanced": {
        "en": "it needs every unit observed in every period, and {incomplete} of the {units} "
              "units are not.",
        "fr": "elle suppose chaque unité observée à chaque période, ce qui n'est pas le cas "
              "de {incomplete} des {units} unités."},
    "note_es_binned": {
        "en": "With no never-treated units, the event study with unit and period fixed "
              "effects (TWFE) is identified only by pooling "
              "the relative periods beyond event_study.window ({window}) into its end points: "
              "it assumes that the effect is the same in all the periods pooled.",
        "fr": "Faute d'unités jamais traitées, l'étude d'événement à effets fixes (TWFE) "
              "n'est identifiée qu'en "
              "regroupant les périodes relatives au-delà de event_study.window ({window}) dans "
              "ses extrémités : elle suppose que l'effet est le même dans toutes les périodes "
              "regroupées."},
    "note_absorbed_covariates": {
        "en": "Control variables that do not change within units or within periods "
              "({covariates}) are already accounted for by the unit and period effects of the "
              "fixed-effects regressions shown for comparison, which therefore leave them "
              "out; the headline estimator uses them.",
        "fr": "Les variables de contrôle qui ne varient pas au sein des unités ou des "
              "périodes ({covariates}) sont déjà prises en compte par les effets individuels "
              "et temporels des régressions à effets fixes présentées pour comparaison, qui "
              "les laissent donc de côté ; l'estimateur principal les utilise."},
    "note_sa_last_treated": {
        "en": "As no unit is never treated, Sun & Abraham's estimator compares the other "
              "cohorts with the last one (first treated in {cohort}) before it joins the "
              "policy.",
        "fr": "Aucune unité n'étant jamais traitée, l'estimateur de Sun et Abraham compare les "
              "autres cohortes à la dernière (entrée en {cohort}) avant son entrée dans la "
              "politique."},
    "note_no_never_treated": {
        "en": "Every unit is eventually treated: with no never-treated comparison group, the "
              "estimators for staggered adoption compare each cohort with units not yet "
              "treated, so they measure effects only until the last cohort joins the policy "
              "({cohort}), and that cohort serves only as a comparison.",
        "fr": "Toutes les unités finissent par être traitées : faute de groupe de comparaison "
              "jamais traité, les estimateurs conçus pour les entrées échelonnées comparent "
              "chaque cohorte aux unités pas encore traitées ; ils ne mesurent donc les effets "
              "que jusqu'à l'entrée de la dernière cohorte ({cohort}), qui ne sert que de "
              "comparaison."},
    "pretrend_omitted": {
        "en": "Trends before the policy are not checked: the event study cannot be estimated "
              "for this design (see the effects over time).",
        "fr": "Les tendances avant la politique ne sont pas vérifiées : l'étude d'événement ne "
              "peut pas être estimée pour ce plan d'évaluation (voir les effets dans le "
              "temps)."},
    # indicator-tracking reports
    "tracking_policy": {"en": "The policy", "fr": "La politique suivie"},
    "tracking_attainment": {"en": "Target attainment", "fr": "Atteinte des cibles"},
    "tracking_indicators": {"en": "Indicators one by one", "fr": "Les indicateurs un par un"},
    "tracking_simulated": {"en": "Simulated data: the indicators in this report are simulated for "
                        "demonstration; only the geography and populations are real.",
                  "fr": "Données simulées : les indicateurs de ce rapport sont simulés pour "
                        "la démonstration ; seules la géographie et les populations sont "
                        "réelles."},
    "tracking_indicator": {"en": "Indicator", "fr": "Indicateur"},
    "tracking_latest": {"en": "Latest value", "fr": "Dernière valeur"},
    "tracking_baseline": {"en": "Baseline", "fr": "Référence"},
    "tracking_target": {"en": "Targets", "fr": "Cibles"},
    "tracking_long": {"en": "Since the baseline", "fr": "Depuis la référence"},
    "tracking_short": {"en": "Last 5 years", "fr": "5 dernières années"},
    "tracking_territories": {"en": "Territories", "fr": "Territoires"},
    "tracking_focus": {"en": "Territory of interest", "fr": "Territoire d'intérêt"},
    "tracking_rest": {"en": "the rest", "fr": "le reste"},
    "tracking_whole": {"en": "Whole territory", "fr": "Ensemble du territoire"},
    "tracking_policy_start": {"en": "Policy start", "fr": "Début de la politique"},
    "tracking_definitions": {"en": "Indicator definitions", "fr": "Définitions des indicateurs"},
    "tracking_gap_title": {"en": "Gap to the rest of the territory, {period}",
                  "fr": "Écart au reste du territoire, {period}"},
    "tracking_headline": {"en": "Indicator tracking", "fr": "Suivi des indicateurs"},
    "tracking_none": {"en": "none", "fr": "aucune"},
    "tracking_milestone": {"en": "{value} in {period}", "fr": "{value} en {period}"},
    "tracking_milestones_note": {
        "en": "Where an indicator has several targets, the sentences use the next one after "
              "the latest value; the table lists them all.",
        "fr": "Quand un indicateur a plusieurs cibles, les phrases utilisent la prochaine "
              "après la dernière valeur ; le tableau les donne toutes."},
    "tracking_panels_caption": {
        "en": "In the charts by territory, each panel is one territory; the targets and the "
              "reference point are those of the whole territory and are drawn only on its "
              "own chart.",
        "fr": "Dans les graphiques par territoire, chaque vignette est un territoire ; les "
              "cibles et le point de référence sont ceux de l'ensemble du territoire et ne "
              "sont tracés que sur son propre graphique."},
    "tracking_band_caption": {
        "en": "Shaded: {level} confidence interval of the whole territory's value (sampling "
              "noise of the counts). Dashed: {focus}.",
        "fr": "Zone grisée : intervalle de confiance à {level} de la valeur de l'ensemble du "
              "territoire (bruit d'échantillonnage des effectifs). Pointillés : {focus}."},
}

TEXTS.update(ROBUSTNESS_TEXTS)
TEXTS.update(SYNTHETIC_TEXTS)
TEXTS.update(RULES_TEXTS)

ESTIMATOR_NAMES: dict[str, dict[Language, str]] = {
    "2x2 difference-in-differences (OLS)": {
        "en": "2x2 difference-in-differences (ordinary least squares)",
        "fr": "Double différence 2x2 (moindres carrés ordinaires)"},
    "2x2 difference-in-differences (weighted least squares)": {
        "en": "2x2 difference-in-differences (weighted least squares)",
        "fr": "Double différence 2x2 (moindres carrés pondérés)"},
    "Two-way fixed effects (TWFE)": {
        "en": "Two-way fixed effects (unit and period effects)",
        "fr": "Effets fixes individuels et temporels (TWFE)"},
    "Callaway & Sant'Anna (2021) group-time ATT: event study": {
        "en": "Callaway & Sant'Anna (2021), effects by time since treatment",
        "fr": "Callaway et Sant'Anna (2021), effets selon le temps écoulé depuis l'entrée"},
    "Callaway & Sant'Anna (2021) group-time ATT: overall (simple aggregation)": {
        "en": "Callaway & Sant'Anna (2021), average effect on the treated",
        "fr": "Callaway et Sant'Anna (2021), effet moyen sur les unités traitées"},
    "Sun-Abraham interaction-weighted event study": {
        "en": "Sun & Abraham (2021), interaction-weighted event study",
        "fr": "Sun et Abraham (2021), étude d'événement pondérée par les interactions"},
    "Imputation (Borusyak, Jaravel & Spiess)": {
        "en": "Imputation (Borusyak, Jaravel & Spiess 2024)",
        "fr": "Imputation (Borusyak, Jaravel et Spiess 2024)"},
    "TWFE event study": {
        "en": "Event study with unit and period fixed effects",
        "fr": "Étude d'événement avec effets fixes individuels et temporels"},
}


def estimator_name(name: str, language: Language) -> str:
    """An estimator's name in the report's language (unchanged if not translated)."""
    return ESTIMATOR_NAMES.get(name, {}).get(language, name)


def text(key: str, language: Language, **values: object) -> str:
    """The wording for ``key`` in ``language``, with ``{placeholders}`` filled in."""
    return TEXTS[key][language].format(**values)


# --------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class Note:
    """A remark of a report on its own analysis, worded in the report's language when shown.

    Attributes
    ----------
    key
        Its wording (a key of :data:`TEXTS`): why a comparison is omitted, or a remark.
    subject
        The comparison omitted (``subject_<subject>`` names it), or ``None`` for a remark
        that stands alone.
    values
        The wording's placeholders, as ``(name, value)`` pairs.
    """

    key: str
    subject: str | None = None
    values: tuple[tuple[str, object], ...] = ()

    def text(self, language: Language) -> str:
        """The remark as a sentence in ``language``."""
        why = text(self.key, language, **dict(self.values))
        if self.subject is None:
            return why
        return text("omitted", language, what=text(f"subject_{self.subject}", language), why=why)

    def __str__(self) -> str:
        return self.text("en")


# ------------------------------------------------- evalkit's messages in the params' terms


@dataclass(frozen=True)
class ParamsTerms:
    """How the argument names of one kind of evalkit call read as params keys.

    Attributes
    ----------
    arguments
        Argument name -> params key (``"window"`` -> ``"event_study.window"``); a key may
        come with a function that turns the argument's value into the key's value.
    phrases
        Whole phrases replaced first (Python idioms that have a params equivalent).
    """

    arguments: Mapping[str, str | tuple[str, Callable[[str], str]]]
    phrases: Mapping[str, str] = field(default_factory=dict)

    def extend(self,
               arguments: Mapping[str, str | tuple[str, Callable[[str], str]] | None]
               | None = None,
               phrases: Mapping[str, str] | None = None) -> ParamsTerms:
        """These terms with more (or other) arguments and phrases; an argument mapped to
        ``None`` is left as it is (it has no params key in that call)."""
        merged = {**self.arguments, **(arguments or {})}
        return ParamsTerms({k: v for k, v in merged.items() if v is not None},
                           {**self.phrases, **(phrases or {})})


def _level_of(alpha: str) -> str:
    try:
        return f"{1 - float(alpha):g}"
    except ValueError:
        return alpha


DESIGN_TERMS = ParamsTerms(
    {**{name: f"design.{name}" for name in ("unit", "time", "outcome", "treatment",
                                             "first_treated", "treated", "post", "covariates",
                                             "weights")},
     "cluster": "inference.cluster", "vcov": "inference.kind", "inference": "inference.kind",
     "sample": "data.sample", "sheet": "data.sheet",
     "alpha": ("inference.confidence_level", _level_of)},
    {"drop them first, or pass missing='drop'": "remove those rows from the data file, or "
                                                "leave them out with data.sample",
     "build the Panel without covariates=": "remove design.covariates",
     "build the Panel without weights=": "remove design.weights",
     "Drop these covariates.": "Remove them from design.covariates.",
     "Remove such covariates from the panel.": "Remove them from design.covariates."})
EVENT_STUDY_TERMS = DESIGN_TERMS.extend(
    {"window": "event_study.window", "reference": "event_study.reference",
     "bin_endpoints": "event_study.bin_endpoints"},
    {"Drop these covariates.": "Remove them from design.covariates, or, for relative periods "
                               "(e-2, e+4 ...), choose a narrower event_study.window.",
     "with a window)": "and event_study.window)", "e.g. (-4, 3)": "e.g. [-4, 3]",
     "use an estimator for staggered adoption": "use an estimator for staggered adoption "
                                                "(design.estimator: callaway_santanna, "
                                                "sun_abraham or imputation)"})
STAGGERED_TERMS = DESIGN_TERMS.extend(
    {"control_group": "staggered.control_group", "method": "staggered.method",
     "base_period": "staggered.base_period", "anticipation": "staggered.anticipation",
     "n_boot": "staggered.n_draws", "n_draws": "staggered.n_draws",
     "random_state": "staggered.random_state"})
SENSITIVITY_TERMS = STAGGERED_TERMS.extend(
    {"parameter": "sensitivity.target", "n_boot": "sensitivity.n_draws",
     "n_draws": "sensitivity.n_draws", "random_state": "sensitivity.random_state",
     "base_period": "staggered.base_period"},
    {"honest_did_from_estimates": "an event study with one reference period"})
SYNTHETIC_TERMS = DESIGN_TERMS.extend(
    {"se": "synthetic.inference", "n_reps": "synthetic.n_draws",
     "n_draws": "synthetic.n_draws", "inference": "synthetic.inference",
     "random_state": "synthetic.random_state", "predictors": "synthetic.predictor_periods",
     "placebo": "synthetic.placebo_in_space", "leave_one_out": "synthetic.leave_one_out"},
    {f"inference={kind.title()}()": f"synthetic.inference: {kind}"
     for kind in ("placebo", "bootstrap", "jackknife")})

_VALUE = r"'[^']*'|\"[^\"]*\"|\([^()]*\)|\[[^\[\]]*\]|-?[\w.]*\w"
_YAML = {"True": "true", "False": "false", "None": "null"}


def _yaml_value(value: str) -> str:
    if value[:1] in "'\"" and value[-1:] == value[:1]:
        return value[1:-1]
    if value.startswith("(") and value.endswith(")"):
        return "[" + value[1:-1].rstrip(", ") + "]"
    return _YAML.get(value, value)


def params_wording(message: str, terms: ParamsTerms) -> str:
    """``message`` with the Python arguments it names written as params keys.

    ``bin_endpoints=True`` becomes ``event_study.bin_endpoints: true`` and
    ``window=(-4, 3)`` becomes ``event_study.window: [-4, 3]`` (with
    :data:`EVENT_STUDY_TERMS`); names the terms do not know are left as they are.
    """
    for phrase, replacement in terms.phrases.items():
        message = message.replace(phrase, replacement)
    if not terms.arguments:
        return message
    names = "|".join(sorted(map(re.escape, terms.arguments), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])({names})=({_VALUE})?")

    def params_key(match: re.Match[str]) -> str:
        target = terms.arguments[match[1]]
        key, convert = target if isinstance(target, tuple) else (target, None)
        if match[2] is None:
            return key
        value = _yaml_value(match[2])
        return f"{key}: {convert(value) if convert else value}"

    return pattern.sub(params_key, message)


def reworded(exc: EvalkitError, terms: ParamsTerms) -> EvalkitError:
    """The error with its message and problems in the params' terms: a new error of the
    same class, or ``exc`` itself when nothing changes (or its class takes other
    arguments, as :class:`~evalkit.errors.ParamsError` does)."""
    message = params_wording(exc.message, terms)
    problems = [params_wording(p, terms) for p in exc.problems]
    if (message == exc.message and tuple(problems) == exc.problems) or \
            type(exc).__init__ is not EvalkitError.__init__:
        return exc
    return type(exc)(message, problems)


def raise_reworded(exc: EvalkitError, terms: ParamsTerms) -> NoReturn:
    """Raise ``exc`` in the params' terms (see :func:`reworded`)."""
    again = reworded(exc, terms)
    if again is exc:
        raise exc
    raise again from exc


def is_design_limit(exc: EvalkitError) -> bool:
    """Whether an error says that the design does not support a computation.

    It does when the data do not fit the computation (:class:`~evalkit.errors.DataError`),
    when the estimator cannot identify its estimate from them
    (:class:`~evalkit.errors.EstimationError`), or when a result examined by another
    method lacks what that method needs (an input error about its ``result``, e.g. an
    event study without pre-treatment effects for HonestDiD). An evalkit function called
    with invalid arguments is not a design limit but an error, never hidden.
    """
    if isinstance(exc, DataError | EstimationError):
        return True
    return isinstance(exc, InputError) and exc.message.startswith("result:")


def omission(exc: EvalkitError, subject: str, terms: ParamsTerms) -> Note:
    """The note that ``subject`` is omitted because of ``exc``, a design limit.

    Raises
    ------
    EvalkitError
        ``exc`` in the params' terms, when it is not a design limit (see
        :func:`is_design_limit`): a genuine error stops the report.
    """
    if not is_design_limit(exc):
        raise_reworded(exc, terms)
    detail = reworded(exc, terms).one_line()
    return Note("why_library", subject,
                (("detail", detail if detail.endswith((".", ")")) else detail + "."),))
