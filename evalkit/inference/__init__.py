"""Inference: how standard errors are computed."""

from evalkit.inference.covariance import (
    VCOV_OPTIONS,
    Clustered,
    VcovChoice,
    VcovLike,
    cluster_correction,
    resolve_vcov,
)

__all__ = ["Clustered", "VcovChoice", "VcovLike", "resolve_vcov", "cluster_correction",
           "VCOV_OPTIONS"]
