"""Immutable result objects and their rendering (summary text/HTML/LaTeX, tidy frames)."""

from evalkit.results.bacon import BaconDecomposition
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.did_result import DiDResult
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.group_time import GroupTimeResult
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary

__all__ = ["BaconDecomposition", "Coefficients", "WaldTest", "DiDResult", "EventStudyResult",
           "GroupTimeResult", "event_term", "Provenance", "Summary"]
