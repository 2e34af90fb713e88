"""Difference-in-differences estimators.

``honest_did`` and ``honest_did_from_estimates`` moved to :mod:`evalkit.robustness`
(they are checks run on a fitted event study); the old import still works for one
release, with a warning.
"""

from evalkit._moved import moved_names
from evalkit.did.bacon import bacon_decomposition
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille
from evalkit.did.chaisemartin_dhaultfoeuille_spec import IntertemporalEffectsSpec
from evalkit.did.continuous import continuous_did
from evalkit.did.continuous_spec import ContinuousDiDSpec
from evalkit.did.event_study import event_study
from evalkit.did.extended_twfe import extended_twfe
from evalkit.did.extended_twfe_spec import ExtendedTWFESpec
from evalkit.did.imputation import imputation, imputation_overall
from evalkit.did.specs import (
    BaconSpec,
    CallawaySantAnnaSpec,
    EventStudySpec,
    ImputationOverallSpec,
    ImputationSpec,
    SunAbrahamSpec,
    TWFESpec,
    TwoByTwoSpec,
)
from evalkit.did.sun_abraham import sun_abraham
from evalkit.did.triple_differences import triple_differences
from evalkit.did.triple_differences_spec import TripleDifferencesSpec
from evalkit.did.twfe import twfe
from evalkit.did.two_by_two import did_2x2

__all__ = ["did_2x2", "twfe", "event_study", "bacon_decomposition",
           "callaway_santanna",
           "imputation", "imputation_overall", "sun_abraham", "extended_twfe",
           "chaisemartin_dhaultfoeuille", "continuous_did", "triple_differences",
           "TwoByTwoSpec", "TWFESpec", "EventStudySpec", "SunAbrahamSpec", "CallawaySantAnnaSpec",
           "ImputationSpec", "ImputationOverallSpec", "BaconSpec", "ExtendedTWFESpec",
           "IntertemporalEffectsSpec", "ContinuousDiDSpec", "TripleDifferencesSpec"]

__getattr__ = moved_names(__name__, {"honest_did": "evalkit.robustness",
                                     "honest_did_from_estimates": "evalkit.robustness"})
