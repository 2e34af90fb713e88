"""Inference: how standard errors, p-values and intervals are computed.

Clustered covariance, the multiplier bootstrap, the wild cluster bootstrap and
randomization inference. The last two are imported on first use (they build on the
estimators, which build on the covariance estimators).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalkit.inference.covariance import (
    VCOV_OPTIONS,
    Clustered,
    VcovChoice,
    VcovLike,
    cluster_correction,
    resolve_vcov,
)
from evalkit.inference.multiplier import MultiplierBootstrap

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.inference.randomization import permutation_test, randomization_inference
    from evalkit.inference.wild import wild_cluster_bootstrap

__all__ = ["Clustered", "MultiplierBootstrap", "VcovChoice", "VcovLike", "resolve_vcov",
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
