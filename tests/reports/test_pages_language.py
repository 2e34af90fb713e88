"""Pages a French policy produces besides its report speak French too."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from evalkit.plots.numbers import LocalisedScalarFormatter, localise_numbers
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


def _french_ticks(*values: float) -> list[str]:
    formatter = LocalisedScalarFormatter("fr", useOffset=False)
    formatter.set_scientific(False)
    return formatter.format_ticks(list(values))


def test_french_axis_numbers_group_only_five_digits_and_more():
    assert _french_ticks(45384, 45385)[0] == "45\u202f384"
    assert _french_ticks(2023, 2024)[1] == "2024"
    assert _french_ticks(-0.25, 0.25)[0] == "\u22120,25"
    assert re.fullmatch(r"1\u202f234\u202f567,5", _french_ticks(1234567.5, 1234568.0)[0])


def _rewritten(text: str) -> str:
    """How French figures wrote matplotlib's tick text before: rewritten character by character."""
    text = text.replace(".", ",").replace("-", "\u2212")
    match = re.match(r"^([\u2212+-]?)(\d+)(.*)$", text)
    if match and len(match.group(2)) >= 5:
        digits = match.group(2)
        groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
        text = match.group(1) + "\u202f".join(groups) + match.group(3)
    return text


@pytest.mark.parametrize(("low", "high"), [
    (-1.5, 0.5), (0.0, 45000.0), (2015.0, 2024.0), (-23991.0, -4365.0), (12500.0, 13000.0),
    (0.001, 0.0024), (-3e-6, 2e-6), (1e6, 5e6), (1000000.1, 1000000.5), (-0.07, 0.02)])
def test_french_ticks_are_matplotlibs_ticks_written_in_french(low, high):
    # matplotlib chooses the ticks, their decimals, the offset and the order of magnitude;
    # the French figure writes the same numbers as before, now with evalkit's formatter
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [low, high])
    fig.draw_without_rendering()
    english = [t.get_text() for t in ax.get_yticklabels()]
    offset = ax.yaxis.get_offset_text().get_text()
    localise_numbers(fig, "fr")
    fig.draw_without_rendering()
    assert isinstance(ax.yaxis.get_major_formatter(), LocalisedScalarFormatter)
    assert [t.get_text() for t in ax.get_yticklabels()] == [_rewritten(t) for t in english]
    assert ax.yaxis.get_offset_text().get_text() == offset


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


def test_the_bacon_legend_writes_the_twfe_coefficient_in_the_reports_language():
    import matplotlib.pyplot as plt

    from evalkit.data import Panel
    from evalkit.datasets import load_mpdta
    from evalkit.did import bacon_decomposition

    panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
                  first_treated="first.treat")
    decomposition = bacon_decomposition(panel)
    # the TWFE coefficient on mpdta (evalkit.twfe: -0.0365), to four significant digits
    for language, shown in (("fr", "Coefficient TWFE = \u22120,03655"),
                            ("en", "TWFE coefficient = \u22120.03655")):
        fig = decomposition.plot(labels={"twfe": shown.split(" = ")[0]}, language=language)
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        plt.close(fig)
        assert shown in legend
