"""What a report adds for the designs beyond one binary treatment that stays on.

``continuous_did``: the effect against the dose, with its pointwise intervals and its
simultaneous band, before the event study by exposure time. The other designs' event
studies (effects and placebos, with the joint test that every placebo is zero) are drawn
as for every design.
"""

from __future__ import annotations

from evalkit.formatting import format_level
from evalkit.plots.dose_response import plot_dose_response
from evalkit.reports.analysis.evaluation import Evaluation
from evalkit.reports.messages.catalogue import text
from evalkit.reports.render.blocks import Block, Figure, Heading, Paragraph

__all__ = ["general_treatment_blocks"]


def _dose_blocks(ev: Evaluation) -> list[Block]:
    result = ev.general.dose_response  # type: ignore[union-attr]
    lang = ev.params.locale
    slope = result.target == "slope"
    level = format_level(result.alpha, lang)
    title = text("dose_title", ev.language)
    fig = plot_dose_response(
        result, kind="acrt" if slope else "att", title="",  # the heading says it
        xlabel=text("dose_xlabel", ev.language),
        ylabel=text("dose_ylabel_slope" if slope else "dose_ylabel_level", ev.language,
                    outcome=ev.outcome_label),
        band_label=text("band_label", lang, level=level),
        interval_label=text("interval_label", lang, level=level))
    return [Heading(title), Figure.of(fig, title, lang),
            Paragraph(text("dose_caption", lang, level=level), "caption")]


def general_treatment_blocks(ev: Evaluation) -> list[Block]:
    """The design's own blocks, shown before its event study."""
    if ev.general is None:
        return []
    if ev.general.dose_response is not None:
        return _dose_blocks(ev)
    return []
