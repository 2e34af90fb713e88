"""End to end: the shipped policies run through the real notebook into readable reports."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.data import file_sha256
from evalkit.reports.run.export import external_resources

ROOT = Path(__file__).resolve().parents[2]


POLICIES = ("bruxelles_plan_social", "hauts_de_france_tracking", "incinerator", "minimum_wage",
            "programme_147_hauts_de_france", "territoires_engagement",
            "tobacco_control_california", "workers_compensation")
DATA = {"bruxelles_plan_social": "bruxelles_action_sociale.csv",
        "incinerator": "kielmc.csv", "minimum_wage": "mpdta.csv",
        "workers_compensation": "injury.csv",
        "hauts_de_france_tracking": "hauts_de_france_indicators.csv",
        "territoires_engagement": "hauts_de_france_indicators.csv",
        "tobacco_control_california": "california_prop99_long.csv",
        "programme_147_hauts_de_france": "bop147_hauts_de_france.csv"}


def visible_text(page: str) -> str:
    """The text a reader sees: no styles, no tags, entities decoded, spaces collapsed."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(page))  # keeps narrow no-break spaces


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    params = [str(ROOT / "params" / f"{policy}.yaml") for policy in POLICIES]
    assert main(["run", *params, "-o", str(out)]) == 0
    return out


@pytest.mark.notebook
def test_every_shipped_policy_has_a_complete_report(reports):
    for policy in POLICIES:
        page = (reports / f"{policy}.html").read_text(encoding="utf-8")
        record = json.loads((reports / f"{policy}.json").read_text(encoding="utf-8"))
        assert record["status"] == "ok"
        assert (reports / f"{policy}.ipynb").is_file()  # executed notebook kept for audit
        assert external_resources(page) == []
        assert "data:image/png;base64," in page  # figures embedded
        # no code and no prompts in the report
        assert "PolicyReport" not in page and "record_headline" not in page
        assert not re.search(r"In\s*\[\d*\]", visible_text(page))
        text = visible_text(page)
        data_file = ROOT / "data" / DATA[policy]
        assert file_sha256(data_file) in text  # provenance: checksum of the data file
    index = (reports / "index.html").read_text(encoding="utf-8")
    n = len(POLICIES)
    assert f"{n} policies: {n} reports up to date, 0 failed." in index
    for policy in POLICIES:
        assert f'href="{policy}.html"' in index


@pytest.mark.notebook
def test_incinerator_report_reads_like_the_textbook(reports):
    text = visible_text((reports / "incinerator.html").read_text(encoding="utf-8"))
    # Wooldridge, Introductory Econometrics, Table 13.2 col. (3): -14,177.93 (4,987.27).
    assert "Key findings" in text and "−14,178" in text and "4,987" in text
    assert "Observations (rows) 321" in text
    assert "single period before the change" in text  # no pre-trend test possible: said so
    assert "What was compared with what" in text


@pytest.mark.notebook
def test_minimum_wage_report_shows_the_staggered_estimators(reports):
    text = visible_text((reports / "minimum_wage.html").read_text(encoding="utf-8"))
    assert "Units 500" in text and "Treated units 191" in text
    assert "Never-treated comparison units 309" in text
    # R did 2.x on mpdta: aggte(type = "simple") -0.0400; pre-test of parallel trends p = 0.168
    assert "Average effect on the treated (Callaway & Sant'Anna) −0.040" in text
    assert "chi2(5) = 7.79, p-value 0.168" in text
    # fixest::feols(lemp ~ post | countyreal + year, cluster = ~countyreal): -0.036549 (0.013265)
    assert "Two-way fixed effects (single coefficient) −0.037 0.013" in text
    assert "Staggered adoption: comparing estimators" in text
    assert "Decomposition of the two-way fixed-effects estimate" in text
    assert "5.4%" in text and "here it can be trusted" in text
    assert "Simultaneous 95% band" in text
    for cohort, units in (("2004", "20"), ("2006", "40"), ("2007", "131")):
        assert f"{cohort} {units}" in text


@pytest.mark.notebook
def test_french_report_is_in_french(reports):
    text = visible_text((reports / "workers_compensation.html").read_text(encoding="utf-8"))
    # Wooldridge eq. (13.12): 0.191 (0.069 classical); the report uses robust errors.
    assert "Principaux résultats" in text and "Effet estimé" in text
    assert "0,191" in text and "21,0\u202f%" in text
    assert "Observations (lignes) 5\u202f626" in text
    assert "Key findings" not in text


@pytest.mark.notebook
def test_tracking_report_shows_statuses_gaps_and_the_simulated_break(reports):
    text = visible_text((reports / "hauts_de_france_tracking.html").read_text(encoding="utf-8"))
    assert "Données simulées" in text  # the data are labelled as simulated
    assert "Principaux résultats" in text and "Atteinte des cibles" in text
    for status in ("Progrès, mais accélération nécessaire", "En bonne voie", "Dégradation"):
        assert status in text
    # data/HAUTS_DE_FRANCE.md: the programme lowers the poverty rate by 1.5 points in 2019
    # and by 0.3 more each year; the comparative interrupted time series recovers both.
    assert "a changé de −1,5 point en niveau" in text
    assert "et de −0,3 point par an en pente" in text
    record = json.loads((reports / "hauts_de_france_tracking.json").read_text(encoding="utf-8"))
    statuses = {i["code"]: i["status"] for i in record["headline"]["indicators"]}
    assert statuses["neet_rate"] == "on_track" and statuses["food_aid_rate"] == "deterioration"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "En bonne voie" in index
    page = (reports / "hauts_de_france_tracking.html").read_text(encoding="utf-8")
    # each of the 5 indicators: its value by commune and its departments' gaps mapped
    # (the budget, a plain value, has no gaps: 5 + 4 maps)
    assert len(re.findall(r"alt=['\"]Carte « ", page)) == 9


@pytest.mark.notebook
def test_evaluation_report_can_carry_indicator_tracking(reports):
    text = visible_text((reports / "territoires_engagement.html").read_text(encoding="utf-8"))
    # data/HAUTS_DE_FRANCE.md: true average effect on the poverty rate 2019-2024: -2.25 points
    assert "Effet estimé de la politique sur le taux de pauvreté" in text and "−2,24" in text
    assert "Seules 5 grappes contiennent des unités traitées" in text
    assert "Les indicateurs un par un" in text and "Taux de pauvreté des ménages" in text
    record = json.loads((reports / "territoires_engagement.json").read_text(encoding="utf-8"))
    assert {i["code"] for i in record["headline"]["indicators"]} == {"poverty_rate", "neet_rate"}
    page = (reports / "territoires_engagement.html").read_text(encoding="utf-8")
    assert "Carte des territoires traités : 205 sur 3\u202f782" in page  # the programme
    assert "Carte : pour chaque territoire (communes)" in text  # the outcome's change
    for policy in ("minimum_wage", "incinerator", "tobacco_control_california"):
        us = (reports / f"{policy}.html").read_text(encoding="utf-8")
        assert not re.search(r"alt=['\"](Carte|Map) ", us)  # US data: no map


@pytest.mark.notebook
def test_one_treated_state_report_uses_synthetic_methods(reports):
    text = visible_text((reports / "tobacco_control_california.html").read_text(encoding="utf-8"))
    # Arkhangelsky et al. (2021), Table 1, California: SDID -15.6, SC -19.6, DID -27.3.
    assert "Average effect after treatment (synthetic difference-in-differences) −15.6" in text
    assert "Synthetic control −19.6" in text and "Difference-in-differences −27.3" in text
    assert "A comparison built from untreated units" in text
    assert "Placebo test" in text and "of 39" in text
    assert "Leave-one-out average effect" in text
    assert "placebo (200 replications" in text
    page = (reports / "tobacco_control_california.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 5  # SDID, trajectories, placebos, ratios, LOO


@pytest.mark.notebook
def test_reports_with_an_event_study_state_their_sensitivity(reports):
    text = visible_text((reports / "minimum_wage.html").read_text(encoding="utf-8"))
    assert "How much does the conclusion depend on parallel trends?" in text
    assert "Relative magnitudes" in text and "Smoothness" in text and "Mbar = 1" in text
    text = visible_text((reports / "territoires_engagement.html").read_text(encoding="utf-8"))
    assert "La conclusion dépend-elle de l'hypothèse de tendances parallèles ?" in text
    # 5 treated EPCI clusters: the wild cluster bootstrap is run and stated in the findings
    assert "bootstrap sauvage par grappes donne une p-valeur" in text
    assert "Avec peu de grappes traitées (5 sur 92)" in text  # 92 clusters are not few
    assert "Inférence avec peu de grappes" in text


# ------------------------------------------------------------------ reading in French
FRENCH = ("hauts_de_france_tracking", "programme_147_hauts_de_france", "territoires_engagement",
          "workers_compensation")
#: Words of evalkit's English pages that must never reach a French one.
ENGLISH_WORDS = ("Estimate", "Confidence interval", "confidence interval", "CI ", "p-value",
                 "Standard error", "Produced by", "Generated", "Report failed", "Key findings",
                 "Target", "Baseline", "Observed", "Policy start", "Fingerprint", "Value (",
                 "Status", "Period", " to ", "percentage", "per_1000")


def prose(page: str) -> str:
    """The visible text without the params file shown for audit (YAML keys, codes)."""
    page = re.sub(r"<details.*?</details>", " ", page, flags=re.S)
    page = re.sub(r"<pre.*?</pre>", " ", page, flags=re.S)
    return visible_text(page)


def _indicator_codes() -> list[str]:
    import yaml

    definitions = yaml.safe_load((ROOT / "data" / "hauts_de_france_indicators.yaml")
                                 .read_text(encoding="utf-8"))
    return [item["code"] for item in definitions["indicators"]]


@pytest.mark.notebook
@pytest.mark.parametrize("policy", FRENCH)
def test_french_pages_hold_no_english_word_code_or_english_number(reports, policy):
    text = prose((reports / f"{policy}.html").read_text(encoding="utf-8"))
    found = [w for w in ENGLISH_WORDS if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert found == []
    assert [c for c in _indicator_codes() if c in text] == []  # internal codes
    # English number formats: a decimal point (1,234 is a French decimal; French groups
    # thousands with a narrow no-break space, checked by the formatting tests)
    # (section and equation numbers such as "équation 13.12" are references, not decimals)
    text = re.sub(r"\b(équation|exemple|section|chapitre|tableau) \d+\.\d+", r"\1", text)
    english = re.findall(r"(?<![\w./:-])[\u2212-]?\d+\.\d+(?![\w.])", text)
    assert english == []
    assert " :" in text and not re.search(r"\w: ", text)  # French colons have a space
    assert re.search(r"\d,\d", text)  # and French ones are there


@pytest.mark.notebook
def test_programme_report_leads_with_its_alerts_and_the_index_with_its_rate(reports):
    source = (reports / "programme_147_hauts_de_france.html").read_text(encoding="utf-8")
    page = visible_text(source)
    # the key figures, then the programme, then the alerts before the data and the tables
    headings = [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", source)]
    assert headings == ["L'essentiel", "Le programme", "Alertes", "Données",
                        "Exécution budgétaire", "Par territoire",
                        "Appels à projets et subventions", "Le coût d'un résultat",
                        "Traçabilité"]
    assert "Sous-consommation projetée — parrainage" in page
    assert (reports / "programme_147_hauts_de_france.en.html").is_file()
    record = json.loads((reports / "programme_147_hauts_de_france.json")
                        .read_text(encoding="utf-8"))
    assert record["estimator"] == "programme follow-up"
    assert record["headline"]["figure"] == "49,9\u202f%"  # CP paid / allocated, Sept. 2024
    index = visible_text((reports / "index.html").read_text(encoding="utf-8"))
    assert "Consommation des CP 2024, à fin septembre\u00a0: 49,9\u202f%" in index


@pytest.mark.notebook
def test_french_policy_lines_in_the_index_are_french(reports):
    index = (reports / "index.html").read_text(encoding="utf-8")
    for policy in ("territoires_engagement", "workers_compensation"):
        row = re.search(rf"<tr><td><strong>[^<]*</strong><br><small>{policy}\b.*?</tr>",
                        index, flags=re.S).group(0)
        line = visible_text(row)
        assert "IC à 95" in line and "p-valeur" in line and "Rapport" in line
        assert " CI " not in line and "p-value" not in line and "outcome" not in line
        assert not re.search(r"\d\.\d", line)
        assert not re.search(r"\w: ", line)  # French colons have a space before them


def _pace_from_the_data(code: str) -> tuple[str, str, str]:
    """The target sentence's numbers recomputed from the shipped data, not from evalkit:
    the latest whole-region value (sum of numerators over sum of denominators, as the
    params file defines it), the next target after it, and the yearly pace that takes the
    one to the other, written as the French page writes them."""
    import pandas as pd
    import yaml

    params = yaml.safe_load((ROOT / "params" / "hauts_de_france_tracking.yaml")
                            .read_text(encoding="utf-8"))
    measure = params["indicators"]["measures"][code]
    data = pd.read_csv(ROOT / "data" / "hauts_de_france_indicators.csv",
                       dtype={"commune_code": str})
    sums = data.groupby("year")[[measure["numerator"], measure["denominator"]]].sum(
        min_count=1).dropna()
    year = int(sums.index.max())
    latest = measure["scale"] * sums.loc[year].iloc[0] / sums.loc[year].iloc[1]
    definitions = yaml.safe_load((ROOT / "data" / "hauts_de_france_indicators.yaml")
                                 .read_text(encoding="utf-8"))
    (item,) = [i for i in definitions["indicators"] if i["code"] == code]
    target = next(t for t in item["targets"] if t["period"] > year)
    pace = 100 * ((target["value"] / latest) ** (1 / (target["period"] - year)) - 1)

    def french(x: float) -> str:
        return f"{x:+.1f}".replace("-", "\u2212").replace(".", ",")

    unit = "\u00a0‰" if code == "food_aid_rate" else "\u202f%"
    return (f"{latest:.1f}".replace(".", ",") + f"{unit} en {year}",
            f"la cible de {target['value']:.1f}".replace(".", ",") + f"{unit} en "
            f"{target['period']}",
            f"il faudrait désormais {french(pace)}\u202f% par an")


@pytest.mark.notebook
@pytest.mark.parametrize("code", ["poverty_rate", "neet_rate", "food_aid_rate"])
def test_each_target_sentence_states_the_pace_needed_from_the_latest_value(reports, code):
    text = prose((reports / "hauts_de_france_tracking.html").read_text(encoding="utf-8"))
    latest, target, pace = _pace_from_the_data(code)
    sentences = [s for s in re.split(r"(?<=\.) (?=[A-ZÉ])", text) if "désormais" in s]
    (sentence,) = [s for s in sentences if latest in s]
    assert target in sentence and pace in sentence
    # the status's own basis (Eurostat's reference path) is said separately
    assert "Statut selon la méthode d'Eurostat" in text


@pytest.mark.notebook
def test_tracking_page_says_each_sentence_once_and_gives_no_target_a_neutral_status(reports):
    from evalkit.plots.indicators import NEUTRAL_COLOUR

    page = (reports / "hauts_de_france_tracking.html").read_text(encoding="utf-8")
    text = prose(page)
    sentences = [s.strip() for s in re.split(r"(?<=[.:]) (?=[A-ZÉ])", text) if len(s) > 60]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert repeated == set()
    # the brevet indicator has no target: no red verdict, a neutral one that says so
    assert "Éloignement de l'objectif" not in text
    assert "Évolution défavorable (sans cible)" in text
    assert f"color:{NEUTRAL_COLOUR}" in page
    # no verb agrees (or fails to agree) with an indicator's label: "Bénéficiaires ... :"
    assert not re.search(r"(?<!en )\b(augmente|baisse) de", text)
    # both milestones are shown where the sentences use the nearer one
    assert "17,0\u202f% en 2027" in text and "16,0\u202f% en 2030" in text
    assert "(étape vers 16,0\u202f% en 2030)" in text


@pytest.mark.notebook
def test_brussels_report_recovers_the_simulated_effect(reports):
    text = visible_text((reports / "bruxelles_plan_social.html").read_text(encoding="utf-8"))
    assert "Données simulées" in text  # the data are labelled as simulated
    assert "« Plan social de proximité »" in text
    # data/BRUXELLES.md: true effect -3.0 per 1,000 aged 18-64; Callaway & Sant'Anna
    # (multiplier bootstrap by municipality, 999 draws) gives -2.92, 95% CI -4.11 to -1.73
    assert ("Effet estimé de la politique sur le nombre de bénéficiaires du revenu "
            "d'intégration pour 1 000 habitants de 18 à 64 ans : −2,92 (intervalle de "
            "confiance à 95 % : de −4,11 à −1,73)") in text.replace("\u202f", " ")
    assert "Seulement 19 grappes" in text  # few clusters flagged
    assert "bootstrap sauvage par grappes" in text
    record = json.loads((reports / "bruxelles_plan_social.json").read_text(encoding="utf-8"))
    # the French texts of the params, not the Dutch ones (those are in the params shown)
    assert record["policy_name"].startswith("« Plan social de proximité »")
    assert record["headline"]["outcome"].startswith("le nombre de bénéficiaires")
    statuses = {i["code"]: i["status"] for i in record["headline"]["indicators"]}
    assert statuses == {"ris_rate": "deterioration", "bim_non_take_up_rate": "on_track"}


NOTE_HEADINGS = {  # the note's sections, in order (messages note_policy ... note_recommendation)
    "fr": ["Le dispositif", "Ce que montrent les données", "Fiabilité",
           "Recommandation (à compléter)"],
    "en": ["The policy", "What the data show", "How reliable it is",
           "Recommendation (to be completed)"],
    "nl": ["Het beleid", "Wat de gegevens tonen", "Betrouwbaarheid",
           "Aanbeveling (in te vullen)"],
}
NOTES = {"bruxelles_plan_social": "fr", "bruxelles_plan_social.nl": "nl",
         "hauts_de_france_tracking": "fr", "incinerator": "en", "minimum_wage": "en",
         "territoires_engagement": "fr", "tobacco_control_california": "en",
         "workers_compensation": "fr"}


@pytest.mark.notebook
def test_every_shipped_policy_has_its_note_in_word(reports):
    import docx

    for name, language in NOTES.items():
        document = docx.Document(str(reports / f"{name}.docx"))
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        shown = [h for h in headings if h in NOTE_HEADINGS[language]]
        assert shown == NOTE_HEADINGS[language], (name, headings)
        assert len(document.inline_shapes) == 1, name  # one figure
        assert len(document.tables) >= 2, name  # the key figures and the recommendation box


@pytest.mark.notebook
@pytest.mark.browser
def test_every_shipped_note_prints_on_two_pages_that_are_not_blank(reports):
    # The note as PDF (and, with report_pdf, the full report) printed offline by headless
    # Chromium: at most two A4 pages, each with ink on it.
    import numpy as np
    import pypdfium2

    from evalkit.reports.run.deliverables import find_browser

    if find_browser() is None:
        pytest.skip("chromium is not installed: the PDFs are not printed")
    for name in NOTES:
        pdf = pypdfium2.PdfDocument(str(reports / f"{name}.pdf"))
        assert 1 <= len(pdf) <= 2, (name, len(pdf))
        for page in pdf:
            width, height = page.get_size()
            assert (round(width), round(height)) == (595, 842)  # A4 in points
            pixels = np.asarray(page.render(scale=0.5).to_pil().convert("L"))
            ink = (pixels < 200).mean()
            assert ink > 0.005, (name, ink)  # text and a figure, not a blank page
        pdf.close()


@pytest.mark.notebook
def test_the_brussels_report_is_written_in_french_and_dutch_each_linking_the_other(reports):
    french = (reports / "bruxelles_plan_social.html").read_text(encoding="utf-8")
    dutch = (reports / "bruxelles_plan_social.nl.html").read_text(encoding="utf-8")
    assert 'lang="fr' in french and 'lang="nl' in dutch
    assert 'href="bruxelles_plan_social.nl.html"' in french
    assert 'href="bruxelles_plan_social.html"' in dutch
    text = visible_text(dutch)
    assert "« Sociaal Nabijheidsplan »" in text  # the params' Dutch texts
    assert "Gesimuleerde gegevens" in text or "gesimuleerd" in text.lower()
    assert "−2,92" in text  # the Belgian Dutch number format: decimal comma, true minus
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="bruxelles_plan_social.nl.html"' in index
