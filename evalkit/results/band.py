r"""Simultaneous (uniform) confidence bands from bootstrap sup-t statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from evalkit.results._arrays import read_only_copy

__all__ = ["UniformBand"]


@dataclass(frozen=True, eq=False)
class UniformBand:
    r"""A simultaneous confidence band over several estimates, at any level.

    The band is :math:`\hat\theta_k \pm c_{1-\alpha}\,\widehat{se}_k` for every ``k`` at
    once, where :math:`c_{1-\alpha}` is the :math:`1-\alpha` quantile of the bootstrap
    distribution of :math:`\max_k |\hat\theta^*_k - \hat\theta_k| / \widehat{se}_k`
    (Callaway & Sant'Anna 2021, section 4; Montiel Olea & Plagborg-Møller 2019). Keeping
    the bootstrap statistics, not only the critical value, lets the band move to another
    level with the intervals (:meth:`critical_value`).

    As R's ``did``, a critical value below the pointwise normal one, or one that cannot
    be computed, is replaced by the pointwise normal one (:meth:`falls_back`).

    Attributes
    ----------
    sup_t
        The bootstrap draws of the largest absolute t-statistic (finite values only).
    """

    sup_t: np.ndarray

    def __post_init__(self) -> None:
        values = np.asarray(self.sup_t, dtype=float).reshape(-1)
        object.__setattr__(self, "sup_t", read_only_copy(values[np.isfinite(values)]))

    def _bootstrap_value(self, alpha: float) -> float:
        if self.sup_t.size == 0:
            return float("nan")
        return float(np.quantile(self.sup_t, 1.0 - alpha, method="inverted_cdf"))

    def falls_back(self, alpha: float) -> bool:
        """Whether the pointwise normal critical value replaces the bootstrap one."""
        value = self._bootstrap_value(alpha)
        return not np.isfinite(value) or value < float(stats.norm.ppf(1 - alpha / 2))

    def critical_value(self, alpha: float) -> float:
        """The band's critical value at level ``1 - alpha`` (the type-1 quantile, as R)."""
        if self.falls_back(alpha):
            return float(stats.norm.ppf(1 - alpha / 2))
        return self._bootstrap_value(alpha)
