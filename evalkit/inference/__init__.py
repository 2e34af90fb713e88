"""Inference: how standard errors are computed."""

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
