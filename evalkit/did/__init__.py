"""Difference-in-differences estimators."""

from evalkit.did.bacon import bacon_decomposition
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.event_study import event_study
from evalkit.did.honest import honest_did, honest_did_from_estimates
from evalkit.did.imputation import imputation, imputation_overall
from evalkit.did.sun_abraham import sun_abraham
from evalkit.did.twfe import twfe
from evalkit.did.two_by_two import did_2x2

__all__ = ["did_2x2", "twfe", "event_study", "bacon_decomposition",
           "callaway_santanna",
           "imputation", "imputation_overall", "sun_abraham", "honest_did",
           "honest_did_from_estimates"]
