"""Inference: how standard errors, p-values and intervals are computed.

Clustered covariance and the multiplier bootstrap, which the estimators use. The wild
cluster bootstrap and randomization inference, which run on a fitted result, live in
:mod:`evalkit.robustness`; their old import from here still works for one release, with
a warning.
"""

from __future__ import annotations

from evalkit._moved import moved_names
from evalkit.inference.covariance import (
    VCOV_OPTIONS,
    Clustered,
    VcovChoice,
    VcovLike,
    cluster_correction,
    resolve_vcov,
)
from evalkit.inference.multiplier import MultiplierBootstrap

__all__ = ["Clustered", "MultiplierBootstrap", "VcovChoice", "VcovLike", "resolve_vcov",
           "cluster_correction", "VCOV_OPTIONS"]

_MOVED = {name: "evalkit.robustness"
          for name in ("wild_cluster_bootstrap", "randomization_inference", "permutation_test")}
__getattr__ = moved_names(__name__, _MOVED)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
