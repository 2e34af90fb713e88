"""The programme follow-up report: its params, the files it reads, what it computes and says.

The shipped example (``params/programme_147_hauts_de_france.yaml``) follows a simulated BOP
147 whose lines 901-904 break a rule on purpose (``data/simulate_programme_147.py``), a
simulated call for projects, and the cost of the simulated "Territoires d'engagement"
programme, whose true effect is -2.25 points of poverty rate.
"""

from __future__ import annotations

import html as markup
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.data import load_table
from evalkit.errors import DataError, ParamsError
from evalkit.programmes import cost_of_result
from evalkit.reports import ProgrammeReport, follow_programme, load_params
from evalkit.reports.analysis.data_checks import check_data
from evalkit.reports.render.headline import normalize_headline
from evalkit.reports.run.fingerprint import fingerprint_inputs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "params" / "programme_147_hauts_de_france.yaml"


@pytest.fixture(scope="module")
def report() -> ProgrammeReport:
    return ProgrammeReport.from_params(SHIPPED)


def variant(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """The shipped params with text replaced, written beside copies of nothing: its paths
    made absolute."""
    text = SHIPPED.read_text(encoding="utf-8").replace("../data/", f"{ROOT}/data/")
    text = text.replace("evaluation: territoires_engagement.yaml",
                        f"evaluation: {ROOT}/params/territoires_engagement.yaml")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return info.value.problems


# ------------------------------------------------------------------------------ params
def test_the_shipped_file_is_valid_and_runs_the_programme_notebook():
    params = load_params(SHIPPED)
    assert params.design is None and params.indicators is None
    assert params.template_name == "programme.ipynb"
    assert params.programme.budget.roles()["cp_paid"] == "cp_mandates"
    assert params.programme.on_invalid == "exclude"  # the default: rows listed, not fatal


def test_texts_by_language_deep_in_the_programme_section():
    params = load_params(SHIPPED)
    assert params.programme.cost.effect_unit == "point de taux de pauvreté évité"
    english = params.with_options(language="en")
    assert english.programme.cost.effect_unit == "point of poverty rate avoided"
    assert english.programme.cost.label == "for 1,000 households during one year"


def test_a_programme_cannot_share_its_file_with_a_design(tmp_path):
    path = variant(tmp_path, ("programme:\n", "design:\n  estimator: twfe\n  outcome: x\n"
                                              "  unit: y\n  time: z\n  first_treated: w\n"
                                              "programme:\n"))
    assert any(p.startswith("programme: a programme's follow-up is a report of its own")
               for p in problems(path))


def test_budget_columns_are_checked_against_the_credit_lines_file(tmp_path):
    path = variant(tmp_path, ("cp_paid: cp_mandates", "cp_paid: cp_payes"))
    found = problems(path)
    assert any("programme.budget.cp_paid" in p and "cp_payes" in p for p in found), found


def test_the_linked_evaluation_must_exist_and_be_another_file(tmp_path):
    missing = variant(tmp_path, (f"evaluation: {ROOT}/params/territoires_engagement.yaml",
                                 "evaluation: nowhere.yaml"))
    assert any(p.startswith("programme.cost.evaluation: must be an existing params file")
               for p in problems(missing))
    itself = variant(tmp_path, (f"evaluation: {ROOT}/params/territoires_engagement.yaml",
                                "evaluation: programme.yaml"))
    assert any("must be another params file" in p for p in problems(itself))


def test_thresholds_are_validated(tmp_path):
    path = variant(tmp_path, ("under_consumption: 0.9", "under_consumption: 90"))
    assert any(p.startswith("programme.budget.under_consumption") for p in problems(path))


def test_the_run_snapshots_every_file_the_follow_up_reads():
    labels = dict(fingerprint_inputs(SHIPPED))
    assert labels["data.file"].name == "bop147_hauts_de_france.csv"
    assert labels["programme.cost.evaluation"].name == "territoires_engagement.yaml"
    # the linked evaluation's own files, without which it cannot be validated or estimated
    assert labels["programme.cost.evaluation:data.file"].name == "hauts_de_france_indicators.csv"
    assert labels["programme.cost.evaluation:indicators.definitions"].name == \
        "hauts_de_france_indicators.yaml"
    assert labels["notebook"].name == "programme.ipynb"


# ------------------------------------------------------------------------------ budget
def test_rows_breaking_a_rule_are_set_aside_and_listed(report):
    excluded = report.follow_up.budget.lines.excluded
    # data/simulate_programme_147.py: lines 901 (negative allocations, AE and CP), 902
    # (department 99) and 903 (month 2024-13); 904 has no department and is kept
    assert excluded[["row", "rule", "column"]].values.tolist() == [
        [901, "negative_amount", "ae_ouvertes"], [901, "negative_amount", "cp_ouverts"],
        [902, "malformed_code", "departement"], [903, "unreadable_date", "mois"]]
    assert len(report.follow_up.budget.lines.data) == 904 - 3


def test_the_execution_to_date_is_a_ratio_of_sums_of_the_file(report):
    table = load_table(ROOT / "data" / "bop147_hauts_de_france.csv",
                       text_columns=["departement"]).iloc[:900]  # the valid lines
    table = pd.concat([table, load_table(ROOT / "data" / "bop147_hauts_de_france.csv",
                                         text_columns=["departement"]).iloc[[903]]])
    upto = table.loc[table["mois"].between("2024-01", "2024-09")]
    total = report.follow_up.budget.total.table.iloc[0]
    assert total["cp_paid_to_date"] == pytest.approx(upto["cp_mandates"].sum(), abs=1e-6)
    assert total["cp_consumption_rate"] == pytest.approx(
        upto["cp_mandates"].sum() / upto["cp_ouverts"].sum(), rel=1e-12)
    assert report.follow_up.budget.year == 2024 and report.follow_up.budget.as_of_month == 9


def test_alerts_name_the_lagging_scheme_and_the_line_without_territory(report):
    alerts = report.follow_up.budget.alerts.table
    assert alerts["alert"].tolist() == ["projected_under_consumption", "lines_without_territory"]
    assert alerts["where"].iloc[0] == ("parrainage",)  # pays at 60% of its pace in 2024
    assert alerts["rows"].iloc[1] == (904,)


def test_the_report_says_alerts_first_and_what_it_excluded_in_french(report):
    alerts = markup.unescape(report.alerts_html())
    assert "Alertes" in alerts and "parrainage : paiements projetés à" in alerts
    data = markup.unescape(report.data_html())
    # 3 credit lines (901-903), 3 applications (the two copies of PV2021-000004 and the
    # grant above its request, row 16) and 3 payments (those of the two applications set
    # aside, and the one to a refusal): data/simulate_programme_147.py
    assert "9 lignes enfreignent une règle" in data
    for rule in ("Montant négatif", "Date illisible", "Identifiant de dossier en double",
                 "Subvention supérieure au montant demandé", "Paiement d'un dossier écarté",
                 "Paiement sans décision favorable"):
        assert rule in data, rule
    budget = markup.unescape(report.budget_html())
    assert "Taux de consommation" in budget and "Restes à payer" in budget
    for english in ("Whole budget", "CP paid", "Linear", "Month"):
        assert english not in budget + alerts + data


def test_the_per_inhabitant_table_divides_by_legal_populations(report):
    spending = report.follow_up.budget.per_inhabitant.table.set_index("code")
    nord = spending.loc["59"]
    assert nord["per_inhabitant"] == pytest.approx(nord["amount"] / nord["population"])
    html = report.territories_html()
    assert "Nord (59)" in html and "data:image/png;base64," in html  # the map


def test_the_headline_is_a_valid_index_headline(report):
    headline = normalize_headline(report.headline())
    assert headline["label"] == "Consommation des CP 2024, à fin septembre"
    assert re.fullmatch(r"\d+,\d\u202f%", headline["figure"])
    assert [a["status"] for a in headline["alerts"]] == ["parrainage", "1"]


def test_raise_mode_stops_on_the_rows_naming_the_file(tmp_path):
    path = variant(tmp_path, ("programme:\n", "programme:\n  on_invalid: raise\n"))
    with pytest.raises(DataError) as info:
        follow_programme(path)
    message = info.value.one_line()
    assert message.startswith("programme.budget (bop147_hauts_de_france.csv)")
    assert "901" in message and "'2024-13'" in message
    assert any("programme.budget" in p for p in check_data(load_params(path)))


def test_a_budget_year_sets_aside_the_lines_dated_outside_it(tmp_path):
    path = variant(tmp_path, ("    under_consumption: 0.9\n",
                              "    under_consumption: 0.9\n    budget_year: 2024\n"))
    follow = follow_programme(path)
    excluded = follow.budget.lines.excluded
    outside = excluded.loc[excluded["rule"] == "outside_budget_year"]
    # 2021-2023: 3 years x 5 departments x 4 schemes x 12 months (simulate_programme_lines)
    assert len(outside) == 3 * 5 * 4 * 12
    assert set(follow.budget.lines.years) == {2024}
    data = markup.unescape(ProgrammeReport(follow).data_html())
    assert "Date hors de l'exercice" in data


def test_the_report_in_dutch(tmp_path):
    path = variant(tmp_path, ("language: [fr, en]", "language: nl-BE"))
    # the free texts are given in fr and en: the Dutch report takes the English ones
    text = re.sub(r"(?m)^(\s+)en: ", r"\1nl: ", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    report = ProgrammeReport.from_params(path)
    page = markup.unescape(report.summary_html() + report.alerts_html() + report.budget_html()
                           + report.calls_html() + report.cost_html())
    for words in ("Kerncijfers", "Waarschuwingen", "Bestedingsgraad", "Projectoproepen",
                  "De kost van een resultaat", "eind september 2024"):
        assert words in page, words
    assert "49,9%" in page  # Belgian Dutch: decimal comma, no space before %


# ------------------------------------------------------------------------------ calls
def test_the_calls_rows_breaking_a_rule_are_set_aside(report):
    found = {name: table for name, table in report.follow_up.excluded()}
    apps = found["appels_a_projets_hauts_de_france.csv"]
    assert apps[["row", "rule"]].values.tolist() == [
        [4, "duplicate_id"], [16, "grant_above_requested"], [2886, "duplicate_id"]]
    pays = found["paiements_subventions_hauts_de_france.csv"]
    assert pays["rule"].tolist() == ["application_excluded", "application_excluded",
                                     "payment_without_decision"]


def test_the_calls_tables_add_up_to_the_file(report):
    calls = report.follow_up.calls
    apps = load_table(ROOT / "data" / "appels_a_projets_hauts_de_france.csv")
    kept = apps.drop(index=[3, 15, 2885])  # rows 4, 16 and 2886 set aside
    by_call = calls.by_call.table
    assert by_call["applications"].sum() == len(kept)
    decided = kept["retenu"].notna()
    selected = kept["retenu"].eq("oui")
    assert by_call["decided"].sum() == decided.sum()
    assert by_call["selected"].sum() == selected.sum()
    assert by_call["granted"].sum() == pytest.approx(kept["montant_accorde"].sum())
    overall = selected.sum() / decided.sum()
    assert f"{100 * overall:.1f}".replace(".", ",") in report.calls_sentences()[0]


def test_the_calls_section_is_in_french_with_its_map(report):
    html = markup.unescape(report.calls_html())
    for words in ("Appels à projets et subventions", "Taux de sélection", "Quartiers prioritaires",
                  "Coefficient de Gini", "Bénéficiaires d'une année sur l'autre",
                  "dépôt → décision"):
        assert words in html, words
    assert html.count("data:image/png;base64,") == 1  # grants per inhabitant by EPCI


# ------------------------------------------------------------------------------ cost
def test_the_cost_divides_the_amount_spent_by_the_effect_and_the_exposure(report):
    cost = report.follow_up.cost
    data = load_table(ROOT / "data" / "hauts_de_france_indicators.csv")
    treated = (data["policy"] == 1) & (data["year"] >= data["policy_start"])
    assert cost.observations == int(treated.sum()) == 205 * 6
    assert cost.spent == pytest.approx(data.loc[treated, "budget_consumed_eur"].sum())
    assert cost.exposure == pytest.approx(data.loc[treated, "households"].sum() / 1000)
    effect = cost.headline.estimate
    assert cost.result.cost == pytest.approx(cost.spent / (-effect * cost.exposure), rel=1e-12)
    # the amount is known: Fieller's set is the effect's interval inverted
    low, high = cost.result.effect_interval
    assert cost.result.interval.low == pytest.approx(cost.spent / (-low * cost.exposure))
    assert cost.result.interval.high == pytest.approx(cost.spent / (-high * cost.exposure))
    # the same as from the numbers, at the TWFE's own critical value
    again = cost_of_result(effect, cost.spent, exposure=cost.exposure,
                           std_error=cost.headline.std_error, df=cost.result.df,
                           level=cost.result.level)
    assert again.interval.low == pytest.approx(cost.result.interval.low, rel=1e-12)


def test_the_cost_at_the_true_effect_lies_in_its_interval(report):
    cost = report.follow_up.cost
    truth = cost.spent / (2.25 * cost.exposure)  # the simulated effect, -2.25 points
    assert cost.result.interval.low <= truth <= cost.result.interval.high


def test_the_cost_is_worded_by_its_kind(report):
    sentence = report.cost_sentence()
    assert sentence.startswith("Chaque point de taux de pauvreté évité pour 1 000 ménages "
                               "pendant un an a coûté en moyenne ")
    assert "méthode de Fieller" in sentence
    html = markup.unescape(report.cost_html())
    assert "Ce qu'il ne dit pas" in html and "varie peu" in html


def test_an_effect_indistinguishable_from_zero_has_no_finite_cost(report, monkeypatch):
    from dataclasses import replace

    follow = report.follow_up
    cost = follow.cost
    wide = cost_of_result(cost.headline.estimate, cost.spent, exposure=cost.exposure,
                          std_error=10 * abs(cost.headline.estimate))
    other = ProgrammeReport(replace(follow, cost=replace(cost, result=wide)))
    sentence = other.cost_sentence()
    assert "aucun coût fini" in sentence
    assert not re.search(r"\d \d{3} €", sentence)  # no amount shown as the cost


def test_the_follow_up_never_changes_the_files_it_reads(tmp_path):
    before = {p: p.read_bytes() for p in (ROOT / "data").glob("*.csv")}
    follow_programme(SHIPPED)
    assert all(p.read_bytes() == b for p, b in before.items())


def test_spending_variation_is_measured_over_the_treated_communes(report):
    variation = report.follow_up.cost.variation
    assert len(variation.table) == 205
    per = variation.table["per_inhabitant"].to_numpy()
    assert variation.minimum == pytest.approx(per.min())
    assert np.isclose(variation.maximum, per.max())


def test_two_levels_break_the_tables_and_the_projections_down_alike(tmp_path):
    path = variant(tmp_path, ("    by: [dispositif]", "    by: [dispositif, departement]"))
    report = ProgrammeReport.from_params(path)
    budget = report.follow_up.budget
    assert budget.curve_by.by == ("dispositif", "departement")
    projection = budget.curve_by.projection.set_index(["dispositif", "departement"])
    alerts = budget.alerts.table
    lagging = alerts.loc[alerts["alert"] == "projected_under_consumption"]
    # parrainage lags in every department (simulate_programme_lines); at this finer level a
    # few other scheme-department pairs fall under 90% too. Each alert gives the range of
    # its own projection.
    assert {("parrainage", d) for d in ("02", "59", "60", "62", "80")} <= set(lagging["where"])
    for _, row in lagging.iterrows():
        own = projection.loc[row["where"]]
        assert (row["low"], row["high"]) == (own["low_rate"], own["high_rate"])
    html = report.budget_html()
    # 4 schemes x 5 departments: too many curves of their own, the whole budget's only
    assert html.count("data:image/png;base64,") == 1
