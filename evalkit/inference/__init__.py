"""Inference: how standard errors, p-values and intervals are computed.

The kinds of inference an estimator's ``inference=`` argument takes
(:mod:`evalkit.inference.kinds`) and which estimator supports which
(:mod:`evalkit.inference.registry`); clustered covariance and the multiplier bootstrap,
which the estimators use. The wild cluster bootstrap and randomization inference, which
run on a fitted result, live in :mod:`evalkit.robustness`; their old import from here
still works for one release, with a warning.
"""

from __future__ import annotations

from evalkit._moved import moved_names
from evalkit.inference.covariance import (
    VCOV_OPTIONS,
    VcovChoice,
    VcovLike,
    cluster_correction,
    resolve_vcov,
)
from evalkit.inference.kinds import (
    INFERENCE_KINDS,
    Bootstrap,
    Classical,
    Clustered,
    Inference,
    Jackknife,
    NoInference,
    Placebo,
    PlaceboInSpace,
    Robust,
    inference_from_dict,
)
from evalkit.inference.multiplier import MultiplierBootstrap
from evalkit.inference.registry import (
    INFERENCE_REGISTRY,
    check_inference,
    register_inference,
    supported_inference,
)

__all__ = ["Inference", "Classical", "Robust", "Clustered", "MultiplierBootstrap", "Placebo",
           "Bootstrap", "Jackknife", "PlaceboInSpace", "NoInference", "INFERENCE_KINDS",
           "inference_from_dict", "INFERENCE_REGISTRY", "check_inference",
           "register_inference", "supported_inference", "VcovChoice", "VcovLike", "resolve_vcov",
           "cluster_correction", "VCOV_OPTIONS"]

_MOVED = {name: "evalkit.robustness"
          for name in ("wild_cluster_bootstrap", "randomization_inference", "permutation_test")}
__getattr__ = moved_names(__name__, _MOVED)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
