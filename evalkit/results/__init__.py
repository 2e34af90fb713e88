"""Immutable result objects and their rendering (summary text/HTML/LaTeX, tidy frames)."""

from evalkit.results.bacon import BaconDecomposition
from evalkit.results.band import UniformBand
from evalkit.results.coefficients import Coefficients, WaldTest
from evalkit.results.compare import Comparison, compare
from evalkit.results.contract import (
    LevelledSpecification,
    MultiEffectResult,
    Result,
    SingleEffectResult,
    Specification,
)
from evalkit.results.did_result import DiDResult
from evalkit.results.dose_response import DoseResponseResult
from evalkit.results.event_study import EventStudyResult, event_term
from evalkit.results.extended_twfe import ExtendedTWFEResult
from evalkit.results.group_time import AggregationSpec, GroupTimeResult
from evalkit.results.honest import HonestDiDResult
from evalkit.results.intertemporal import IntertemporalEffectsResult
from evalkit.results.provenance import Provenance
from evalkit.results.randomization import RandomizationResult
from evalkit.results.summary import Summary
from evalkit.results.synthetic_control import LeaveOneOut, PlaceboTest, SyntheticControlResult
from evalkit.results.synthetic_did import SyntheticDiDResult
from evalkit.results.triple_differences import TripleDifferencesResult
from evalkit.results.wild_bootstrap import WildBootstrapResult

__all__ = ["BaconDecomposition", "Coefficients", "WaldTest", "DiDResult", "EventStudyResult",
           "GroupTimeResult", "event_term", "Provenance", "Summary", "HonestDiDResult",
           "WildBootstrapResult", "RandomizationResult", "SyntheticControlResult", "PlaceboTest",
           "LeaveOneOut", "SyntheticDiDResult", "UniformBand", "Result", "SingleEffectResult",
           "MultiEffectResult", "Specification", "LevelledSpecification", "AggregationSpec",
           "compare", "Comparison", "ExtendedTWFEResult", "IntertemporalEffectsResult",
           "DoseResponseResult", "TripleDifferencesResult"]
