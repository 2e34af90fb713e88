"""Report sections are built as blocks and rendered by the Jinja2 templates."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from evalkit.reports.render.blocks import (  # noqa: E402
    Badge,
    Details,
    Facts,
    Figure,
    Heading,
    Items,
    Paragraph,
    Table,
    Title,
    render,
    render_page_style,
    report_part,
)


def test_every_block_renders_as_the_reports_write_it():
    html = render([
        Title("Évaluation", "Préfecture"),
        Heading("Effet estimé"),
        Heading("Décomposition", 3),
        Paragraph("Un paragraphe."),
        Paragraph("Une légende.", "caption"),
        Paragraph("Un verdict.", "strong"),
        Paragraph("le texte", lead="Remarques\u00a0:"),
        Items(("un", "deux"), "findings"),
        Table.of(["", "Estimation"], [["Effet", "−0,04"]]),
        Facts.of([["Fichier", "mpdta.csv"]]),
        Details("Paramètres", "a: 1"),
    ])
    assert html == (
        "<h1>Évaluation</h1><p class='subtitle'>Préfecture</p>"
        "<h2>Effet estimé</h2><h3>Décomposition</h3><p>Un paragraphe.</p>"
        "<p class='caption'>Une légende.</p><p><strong>Un verdict.</strong></p>"
        "<p><em>Remarques\u00a0:</em> le texte</p>"
        "<div class='findings'><ul><li>un</li><li>deux</li></ul></div>"
        "<table class='evalkit'><thead><tr><th></th><th>Estimation</th></tr></thead>"
        "<tbody><tr><td>Effet</td><td>−0,04</td></tr></tbody></table>"
        "<table class='evalkit facts'><tbody><tr><th>Fichier</th><td>mpdta.csv</td></tr>"
        "</tbody></table>"
        "<details><summary>Paramètres</summary><pre>a: 1</pre></details>")


def test_all_text_is_escaped():
    hostile = "<script>alert('x')</script> & co"
    html = render([Heading(hostile), Paragraph(hostile, lead=hostile), Items((hostile,)),
                   Table.of([hostile], [[hostile]]), Facts.of([[hostile, hostile]]),
                   Details(hostile, hostile), Title(hostile, hostile, hostile),
                   Table.of(["status"], [[Badge(hostile, "#2e7d32")]])])
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 14
    assert "&amp; co" in html


def test_a_figure_is_embedded_with_its_alternative_text():
    fig, ax = plt.subplots()
    ax.plot([0, 1000], [0, 1500])
    block = Figure.of(fig, "Effets 'estimés'", "fr")
    plt.close(fig)
    html = render([block])
    assert html.startswith("<img src='data:image/png;base64,iVBOR")
    assert html.endswith("alt='Effets &#39;estimés&#39;'>")


def test_a_badge_shows_its_colour_and_text():
    html = render([Table.of(["Statut"], [[Badge("Cible atteinte", "#1b7837")]])])
    assert ("<td style='text-align:left'><span style='color:#1b7837'>&#9679;</span> Cible "
            "atteinte</td>") in html


def test_the_page_style_and_the_report_part():
    style = render_page_style()
    assert style.strip().startswith("<style>") and ".evalkit-report h2" in style
    assert report_part("<h2>x</h2>") == "<div class='evalkit-report'><h2>x</h2></div>"
