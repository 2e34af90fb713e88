"""The progress statuses an indicator can have: neutral codes, worded by the report layer.

The categories follow Eurostat's method for monitoring the Sustainable Development
Goals (and the variant Statistics Canada and the Open SDG platform use): with a target,
progress is judged by the ratio of the actual to the required growth rate; without a
target, by the actual growth rate against fixed thresholds.

Without a target there is no objective to reach or move away from: those statuses
(:data:`WITHOUT_TARGET`) describe the trend in the indicator's desired direction.

A status is a code (``"on_track"``); its words in each language are in
the report catalogues (`evalkit/reports/messages/locales/`) (for reports) and
:data:`evalkit.plots.indicators.STATUS_NAMES` (for figures), its colour in
:data:`evalkit.plots.indicators.STATUS_COLOURS`.
"""

from __future__ import annotations

from enum import StrEnum

from evalkit._moved import moved_names

__all__ = ["ProgressStatus", "WITHOUT_TARGET"]


class ProgressStatus(StrEnum):
    """Where an indicator stands against its target (or its trend, without a target)."""

    # with a target
    TARGET_ACHIEVED = "target_achieved"
    ON_TRACK = "on_track"
    ACCELERATION_NEEDED = "acceleration_needed"
    LIMITED_PROGRESS = "limited_progress"
    DETERIORATION = "deterioration"
    # without a target
    SIGNIFICANT_PROGRESS = "significant_progress"
    MODERATE_PROGRESS = "moderate_progress"
    INSUFFICIENT_PROGRESS = "insufficient_progress"
    MOVING_AWAY = "moving_away"
    # either
    INSUFFICIENT_DATA = "insufficient_data"


#: The statuses of an indicator without a target (Eurostat's thresholds on the trend).
WITHOUT_TARGET = frozenset({ProgressStatus.SIGNIFICANT_PROGRESS, ProgressStatus.MODERATE_PROGRESS,
                            ProgressStatus.INSUFFICIENT_PROGRESS, ProgressStatus.MOVING_AWAY})

#: Colours are presentation: they moved to the plots, the wording to the report layer.
_MOVED = {"STATUS_COLOURS": "evalkit.plots.indicators",
          "NEUTRAL_COLOUR": "evalkit.plots.indicators"}
_REMOVED = {"status_label": "evalkit.reports.render.indicator_wording.status_label(status, "
                            "language)"}

__getattr__ = moved_names(__name__, _MOVED, _REMOVED)
