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


def test_a_map_is_embedded_as_a_palette_image_with_its_colours_kept_exactly():
    # Maps are flat class colours with anti-aliased edges: a 256-colour palette PNG keeps
    # the class colours exactly (median cut, no dithering) and makes the image smaller, so
    # reports with many commune maps stay a few MB.
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    classes = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
    rng = np.random.default_rng(3)
    fig, ax = plt.subplots(figsize=(4, 4))
    for i in range(300):  # many small patches with edges, like communes
        x, y = rng.uniform(0, 1, 2)
        ax.add_patch(plt.Polygon(rng.uniform(-0.04, 0.04, (6, 2)) + (x, y),
                                 facecolor=classes[i % 5], edgecolor="white", lw=0.3))
    ax.set_axis_off()
    plain = Figure.of(fig, "no map").png
    fig.evalkit_map = object()
    mapped = Figure.of(fig, "map").png
    plt.close(fig)
    original = np.asarray(Image.open(io.BytesIO(plain)).convert("RGB")).reshape(-1, 3)
    with Image.open(io.BytesIO(mapped)) as image:
        assert image.mode == "P"
        palette = np.asarray(image.convert("RGB")).reshape(-1, 3)
    kept = {tuple(int(v) for v in c) for c in np.unique(palette, axis=0)}
    for colour in [*classes, "#ffffff"]:  # every class and the background, exactly
        assert tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) in kept
    # Anti-aliased edges move to a near colour: on average by less than one level.
    assert np.abs(palette.astype(int) - original.astype(int)).mean() < 1
    assert len(mapped) < len(plain)
