"""What each indicator test and comparison was asked: typed, frozen specifications.

The results of :mod:`evalkit.indicators` that carry estimates and intervals return one
of these as their ``specification``, and its plain dictionary view, :meth:`to_dict`, as
``provenance.specification`` (see :mod:`evalkit.results.contract`).

==================================  ===================================================
specification                       returned by
==================================  ===================================================
:class:`MannKendallSpec`            :func:`~evalkit.indicators.mann_kendall`
:class:`InterruptedTimeSeriesSpec`  :func:`~evalkit.indicators.interrupted_time_series`
:class:`GapSpec`                    :func:`~evalkit.indicators.compare_to_reference`
==================================  ===================================================
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

__all__ = ["MannKendallSpec", "InterruptedTimeSeriesSpec", "GapSpec"]


@dataclass(frozen=True)
class MannKendallSpec:
    """What :func:`~evalkit.indicators.mann_kendall` was asked.

    Attributes
    ----------
    correction
        The correction of the variance for serial correlation: ``"none"``,
        ``"hamed_rao"`` or ``"yue_wang"``.
    lags
        The autocorrelation lags the correction considers (``None``: all).
    alpha
        The significance level of the test and of Sen's slope interval.
    """

    correction: str
    lags: int | None
    alpha: float
    function: ClassVar[str] = "evalkit.indicators.mann_kendall"

    def with_alpha(self, alpha: float) -> MannKendallSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"correction": self.correction, "lags": self.lags, "alpha": self.alpha}


@dataclass(frozen=True)
class InterruptedTimeSeriesSpec:
    """What :func:`~evalkit.indicators.interrupted_time_series` was asked.

    Attributes
    ----------
    start
        The first period of the policy, as given.
    hac_lags
        The Newey-West truncation lag asked for (``None``: Newey & West's rule).
    alpha
        The significance level of the intervals.
    """

    start: Any
    hac_lags: int | None
    alpha: float
    function: ClassVar[str] = "evalkit.indicators.interrupted_time_series"

    def with_alpha(self, alpha: float) -> InterruptedTimeSeriesSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"start": self.start, "hac_lags": self.hac_lags, "alpha": self.alpha}


@dataclass(frozen=True)
class GapSpec:
    """What :func:`~evalkit.indicators.compare_to_reference` was asked.

    Attributes
    ----------
    kind
        ``"proportion"`` or ``"rate"``.
    exclude_territory
        Whether each territory was left out of its reference.
    per
        Rates are per this many inhabitants.
    alpha
        The significance level of the intervals.
    """

    kind: str
    exclude_territory: bool
    per: float
    alpha: float
    function: ClassVar[str] = "evalkit.indicators.compare_to_reference"

    def with_alpha(self, alpha: float) -> GapSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"kind": self.kind, "exclude_territory": self.exclude_territory,
                "per": self.per, "alpha": self.alpha}
