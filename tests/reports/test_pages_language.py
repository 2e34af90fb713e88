"""Pages a French policy produces besides its report speak French too."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from evalkit.plots.numbers import french_number_text, localise_numbers
from evalkit.reports.run.execute import report_footer
from evalkit.reports.run.pages import error_page
from tests.reports.test_shipped_reports import visible_text


def _error(language: str) -> str:
    return error_page(policy_id="p", policy_name="Programme", message="la colonne manque",
                      params_file=Path("params/p.yaml"), run_date="2026-01-01T10:00:00+00:00",
                      cell=3, source="report.show()", problems=("data.file: introuvable",),
                      notebook_name="p.ipynb", previous_report="p.html", language=language)


def test_error_page_of_a_french_policy_is_french():
    page = _error("fr")
    text = visible_text(page)
    assert '<html lang="fr">' in page
    for french in ("Échec du rapport : Programme", "Fichier de paramètres", "Cause",
                   "Problèmes à corriger", "le notebook exécuté", "le rapport précédent",
                   "Tous les rapports", "la cellule 3"):
        assert french in text
    for english in ("Report failed", "Params file", "Reason", "Problems to fix", "See also",
                    "All reports", "previous report"):
        assert english not in text
    assert "Report failed: Programme" in visible_text(_error("en"))


def test_report_footer_in_each_language():
    kwargs = dict(run_date="2026-01-01T10:00:00+00:00", params_name="p.yaml",
                  data_name="d.csv", data_sha256="ab" * 32, fingerprint="f0")
    fr = report_footer("Programme", "fr", **kwargs)
    assert fr.startswith("Programme. Produit par evalkit ") and " le 2026-01-01 10:00 UTC " in fr
    assert "données d.csv (SHA-256 abababababababab)" in fr and fr.endswith("Empreinte f0.")
    en = report_footer("Programme", "en", **kwargs)
    assert "Produced by evalkit" in en and en.endswith("Fingerprint f0.")


def test_axis_numbers_of_a_french_figure_use_decimal_commas():
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(np.arange(5), np.linspace(-1.5, 0.5, 5))
    localise_numbers(fig, "fr")
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("," in label for label in labels) and not any("." in label for label in labels)
    assert any(label.startswith("\u2212") for label in labels)
    english = Figure()
    ax = english.add_subplot()
    ax.plot(np.arange(5), np.linspace(-1.5, 0.5, 5))
    localise_numbers(english, "en")
    english.draw_without_rendering()
    assert any("." in t.get_text() for t in ax.get_yticklabels())


def test_french_number_text_groups_only_five_digits_and_more():
    assert french_number_text("45384") == "45\u202f384"
    assert french_number_text("2024") == "2024"
    assert french_number_text("-0.25") == "\u22120,25"
    assert re.fullmatch(r"1\u202f234\u202f567,5", french_number_text("1234567.5"))


def test_error_page_names_the_failed_cell_in_each_language():
    page = visible_text(_error("fr"))
    assert "la cellule 3 (en comptant à partir de 0) du notebook du rapport : report.show()" \
        in page
    page = error_page(policy_id="p", policy_name=None, message="m", params_file=Path("p.yaml"),
                      run_date="2026-01-01", cell=0, template="evaluation.ipynb", language="fr")
    assert "la cellule 0 (en comptant à partir de 0) de evaluation.ipynb" in visible_text(page)


def test_error_page_in_a_language_without_catalogue_is_english_and_says_so():
    page = _error("xx")
    assert '<html lang="en">' in page and "Report failed: Programme" in visible_text(page)
