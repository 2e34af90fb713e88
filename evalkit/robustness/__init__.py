"""Robustness: checks run on a fitted result, above the estimators.

- :func:`honest_did` (and :func:`honest_did_from_estimates`): how large a violation of
  parallel trends the conclusions of an event study survive (Rambachan & Roth 2023);
- :func:`wild_cluster_bootstrap`: p-values and intervals that hold with few clusters
  (Cameron, Gelbach & Miller 2008; Roodman et al. 2019);
- :func:`randomization_inference` and :func:`permutation_test`: p-values from
  re-assigning the treatment (Fisher; MacKinnon & Webb 2020 for DiD).

Each takes a result (and, where it re-estimates, the data it came from) and returns a
new result; the estimators never import this layer. What each was asked is recorded in
the new result's ``specification`` (:mod:`evalkit.robustness.specs`), with the checked
result's own typed specification as its ``source``: this layer reads results through
those public, typed specifications, never through provenance dictionaries.
"""

from __future__ import annotations

from evalkit.robustness.honest import honest_did, honest_did_from_estimates
from evalkit.robustness.randomization import permutation_test, randomization_inference
from evalkit.robustness.specs import (
    HonestDiDSpec,
    PermutationTestSpec,
    PlaceboRandomizationSpec,
    RandomizationSpec,
    WildBootstrapSpec,
)
from evalkit.robustness.wild import wild_cluster_bootstrap

__all__ = ["honest_did", "honest_did_from_estimates", "wild_cluster_bootstrap",
           "randomization_inference", "permutation_test", "HonestDiDSpec", "WildBootstrapSpec",
           "RandomizationSpec", "PlaceboRandomizationSpec", "PermutationTestSpec"]
