"""Inference: how standard errors, p-values and intervals are computed.

The kinds of inference an estimator's ``inference=`` argument takes
(:mod:`evalkit.inference.kinds`) and which estimator supports which
(:mod:`evalkit.inference.registry`); clustered covariance, the multiplier bootstrap,
the wild cluster bootstrap and randomization inference. The last two are imported on
first use (they build on the estimators, which build on the covariance estimators).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.inference.randomization import permutation_test, randomization_inference
    from evalkit.inference.wild import wild_cluster_bootstrap

__all__ = ["Inference", "Classical", "Robust", "Clustered", "MultiplierBootstrap", "Placebo",
           "Bootstrap", "Jackknife", "PlaceboInSpace", "NoInference", "INFERENCE_KINDS",
           "inference_from_dict", "INFERENCE_REGISTRY", "check_inference",
           "register_inference", "supported_inference", "VcovChoice", "VcovLike", "resolve_vcov",
           "cluster_correction", "VCOV_OPTIONS", "wild_cluster_bootstrap",
           "randomization_inference", "permutation_test"]

_LAZY = {"wild_cluster_bootstrap": "evalkit.inference.wild",
         "randomization_inference": "evalkit.inference.randomization",
         "permutation_test": "evalkit.inference.randomization"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evalkit.inference' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
