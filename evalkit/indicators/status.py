"""The progress statuses an indicator can have, with their wording and colours.

The categories follow Eurostat's method for monitoring the Sustainable Development
Goals (and the variant Statistics Canada and the Open SDG platform use): with a target,
progress is judged by the ratio of the actual to the required growth rate; without a
target, by the actual growth rate against fixed thresholds.

Without a target there is no objective to reach or move away from: those statuses
describe the trend in the indicator's desired direction, say "no target" in their
label and share one neutral colour (no green or red verdict).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["ProgressStatus", "STATUS_COLOURS", "NEUTRAL_COLOUR", "WITHOUT_TARGET",
           "status_label"]

#: The colour of every status without a target.
NEUTRAL_COLOUR = "#57606a"


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

_LABELS: dict[ProgressStatus, dict[str, str]] = {
    ProgressStatus.TARGET_ACHIEVED: {"en": "Target achieved", "fr": "Cible atteinte"},
    ProgressStatus.ON_TRACK: {"en": "On track", "fr": "En bonne voie"},
    ProgressStatus.ACCELERATION_NEEDED: {"en": "Progress, but acceleration needed",
                                         "fr": "Progrès, mais accélération nécessaire"},
    ProgressStatus.LIMITED_PROGRESS: {"en": "Limited progress", "fr": "Progrès limités"},
    ProgressStatus.DETERIORATION: {"en": "Deterioration", "fr": "Dégradation"},
    ProgressStatus.SIGNIFICANT_PROGRESS: {"en": "Clear improvement (no target)",
                                          "fr": "Nette amélioration (sans cible)"},
    ProgressStatus.MODERATE_PROGRESS: {"en": "Moderate improvement (no target)",
                                       "fr": "Amélioration modérée (sans cible)"},
    ProgressStatus.INSUFFICIENT_PROGRESS: {"en": "Slight improvement (no target)",
                                           "fr": "Faible amélioration (sans cible)"},
    ProgressStatus.MOVING_AWAY: {"en": "Unfavourable trend (no target)",
                                 "fr": "Évolution défavorable (sans cible)"},
    ProgressStatus.INSUFFICIENT_DATA: {"en": "Insufficient data", "fr": "Données insuffisantes"},
}

#: Colour of each status in tables and plots: green to red against a target, one neutral
#: slate without a target, grey without data.
STATUS_COLOURS: dict[ProgressStatus, str] = {
    ProgressStatus.TARGET_ACHIEVED: "#1a7f37",
    ProgressStatus.ON_TRACK: "#2da44e",
    ProgressStatus.ACCELERATION_NEEDED: "#bf8700",
    ProgressStatus.LIMITED_PROGRESS: "#d4600f",
    ProgressStatus.DETERIORATION: "#cf222e",
    ProgressStatus.SIGNIFICANT_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.MODERATE_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.INSUFFICIENT_PROGRESS: NEUTRAL_COLOUR,
    ProgressStatus.MOVING_AWAY: NEUTRAL_COLOUR,
    ProgressStatus.INSUFFICIENT_DATA: "#8c959f",
}


def status_label(status: ProgressStatus, language: Literal["en", "fr"] = "en") -> str:
    """The status in words, in English or French."""
    return _LABELS[ProgressStatus(status)][language]
