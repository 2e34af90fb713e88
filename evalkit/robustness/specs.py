"""What each check run on a fitted result was asked: typed, frozen specifications.

The result of every function of :mod:`evalkit.robustness` carries one as its
``specification``, with the specification of the result it checked as ``source``;
``provenance.specification`` is the plain dictionary view, :meth:`to_dict` (where the
source appears as ``{"function": ..., "specification": ...}``).

=====================================  =============================================
specification                          returned by
=====================================  =============================================
:class:`WildBootstrapSpec`             :func:`~evalkit.robustness.wild_cluster_bootstrap`
:class:`RandomizationSpec`             :func:`~evalkit.robustness.randomization_inference`
                                       (2x2 and TWFE results)
:class:`PlaceboRandomizationSpec`      :func:`~evalkit.robustness.randomization_inference`
                                       (a synthetic control)
:class:`PermutationTestSpec`           :func:`~evalkit.robustness.permutation_test`
:class:`HonestDiDSpec`                 :func:`~evalkit.robustness.honest_did`,
                                       :func:`~evalkit.robustness.honest_did_from_estimates`
=====================================  =============================================
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from evalkit.did.specs import TWFESpec, TwoByTwoSpec
from evalkit.results.contract import Specification

__all__ = ["WildBootstrapSpec", "RandomizationSpec", "PlaceboRandomizationSpec",
           "PermutationTestSpec", "HonestDiDSpec"]


def _source_record(source: Specification | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"function": source.function, "specification": source.to_dict()}


@dataclass(frozen=True)
class WildBootstrapSpec:
    """What :func:`~evalkit.robustness.wild_cluster_bootstrap` was asked.

    Attributes
    ----------
    source
        The specification of the result bootstrapped (2x2 or TWFE).
    cluster
        The bootstrap cluster column (defaults resolved).
    null
        The hypothesised value of the effect.
    distribution
        ``"rademacher"`` or ``"webb"``.
    n_draws
        The number of draws asked for (all :math:`2^G` sign vectors are used instead
        when there are no more).
    random_state
        The integer seed, or ``None`` (fresh entropy, a Generator, or full enumeration).
    alpha
        The significance level of the interval.
    conf_int
        Whether the interval was computed.
    """

    source: TwoByTwoSpec | TWFESpec
    cluster: str
    null: float
    distribution: Literal["rademacher", "webb"]
    n_draws: int
    random_state: int | None
    alpha: float
    conf_int: bool
    function: ClassVar[str] = "evalkit.robustness.wild_cluster_bootstrap"

    def with_alpha(self, alpha: float) -> WildBootstrapSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"result": _source_record(self.source), "cluster": self.cluster,
                "null": self.null, "distribution": self.distribution, "n_draws": self.n_draws,
                "random_state": self.random_state, "alpha": self.alpha,
                "conf_int": self.conf_int}


@dataclass(frozen=True)
class RandomizationSpec:
    """What :func:`~evalkit.robustness.randomization_inference` was asked for a 2x2 or
    TWFE result.

    Attributes
    ----------
    source
        The specification of the result tested.
    statistic
        ``"estimate"`` or ``"t"``.
    n_draws
        The number of random permutations asked for (and the most assignments enumerated).
    random_state
        The integer seed, or ``None`` (fresh entropy, a Generator, or full enumeration).
    unit
        The column identifying the permuted units, or ``None`` (rows of a 2x2 design).
    """

    source: TwoByTwoSpec | TWFESpec
    statistic: Literal["estimate", "t"]
    n_draws: int
    random_state: int | None
    unit: str | None
    function: ClassVar[str] = "evalkit.robustness.randomization_inference"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"result": _source_record(self.source), "statistic": self.statistic,
                "n_draws": self.n_draws, "random_state": self.random_state, "unit": self.unit}


@dataclass(frozen=True)
class PlaceboRandomizationSpec:
    """What :func:`~evalkit.robustness.randomization_inference` was asked for a synthetic
    control: its placebo-in-space test, read as a permutation test.

    Attributes
    ----------
    source
        The specification of the synthetic control (``None`` for a result built by hand).
    max_pre_mspe_ratio
        The placebos' pre-treatment MSPE cut-off (see
        :class:`~evalkit.inference.PlaceboInSpace`).
    """

    source: Specification | None
    max_pre_mspe_ratio: float | None
    statistic: ClassVar[str] = "rmspe_ratio"
    function: ClassVar[str] = "evalkit.robustness.randomization_inference"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"result": _source_record(self.source), "statistic": self.statistic,
                "max_pre_mspe_ratio": self.max_pre_mspe_ratio}


@dataclass(frozen=True)
class PermutationTestSpec:
    """What :func:`~evalkit.robustness.permutation_test` was asked.

    Attributes
    ----------
    statistic
        The qualified name of the statistic's function.
    name
        The statistic's name, for the summary.
    n_draws
        The number of random permutations asked for (and the most assignments enumerated).
    random_state
        The integer seed, or ``None``.
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    """

    statistic: str
    name: str
    n_draws: int
    random_state: int | None
    alternative: Literal["two-sided", "greater", "less"]
    function: ClassVar[str] = "evalkit.robustness.permutation_test"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"statistic": self.statistic, "name": self.name, "n_draws": self.n_draws,
                "random_state": self.random_state, "alternative": self.alternative}


@dataclass(frozen=True)
class HonestDiDSpec:
    """What :func:`~evalkit.robustness.honest_did` (or
    :func:`~evalkit.robustness.honest_did_from_estimates`) was asked, defaults resolved.

    Attributes
    ----------
    restriction
        ``"relative_magnitude"`` or ``"smoothness"``.
    method
        The method used: ``"hybrid"``, ``"conditional"`` or ``"flci"``.
    m_values
        The values of M, sorted.
    parameter
        The weights :math:`l` of the post-period effects that define the parameter.
    pre_event_times, post_event_times
        The event times of the pre- and post-period coefficients.
    alpha
        The significance level.
    n_draws, random_state
        The draws for the least-favourable critical value of the hybrid test and their
        seed.
    source
        The specification of the event study analysed (``None`` when the coefficients
        were given directly, or for an event study built by hand).
    function
        ``"evalkit.robustness.honest_did"`` or
        ``"evalkit.robustness.honest_did_from_estimates"``.
    """

    restriction: Literal["relative_magnitude", "smoothness"]
    method: Literal["hybrid", "conditional", "flci"]
    m_values: tuple[float, ...]
    parameter: tuple[float, ...]
    pre_event_times: tuple[int, ...]
    post_event_times: tuple[int, ...]
    alpha: float
    n_draws: int
    random_state: int
    source: Specification | None = None
    function: str = "evalkit.robustness.honest_did"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        out: dict[str, Any] = {
            "restriction": self.restriction, "method": self.method,
            "m_values": list(self.m_values), "parameter": list(self.parameter),
            "pre_event_times": list(self.pre_event_times),
            "post_event_times": list(self.post_event_times), "alpha": self.alpha,
            "n_draws": self.n_draws, "random_state": self.random_state}
        if self.source is not None:
            out["source"] = _source_record(self.source)
        return out
