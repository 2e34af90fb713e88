"""The result of a wild cluster bootstrap test of a treatment effect."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit._deprecation import warn_renamed
from evalkit.errors import InputError
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import ConfIntMethod, interval_frame, level
from evalkit.results.contract import LevelledSpecification
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.inference.wild_draws import WildDraws

__all__ = ["WildBootstrapResult", "FEW_TREATED_CLUSTERS"]

#: Below this many treated (or untreated) clusters the summary carries a caution.
FEW_TREATED_CLUSTERS = 5

_WEIGHT_NAMES = {"rademacher": "Rademacher", "webb": "Webb six-point"}


@dataclass(frozen=True)
class WildBootstrapResult:
    """A restricted wild cluster bootstrap-t test (and interval) for one coefficient.

    Attributes
    ----------
    model
        The estimator whose coefficient is tested (e.g. ``"Two-way fixed effects (TWFE)"``).
    term, outcome
        The tested coefficient and the outcome.
    estimate
        The point estimate (that of the result bootstrapped).
    null
        The hypothesised value: :math:`H_0: \\beta = ` ``null``.
    std_error, statistic, analytic_p_value
        Cluster-robust standard error (CR1: :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`, the
        ``fixest``/``reghdfe`` convention), the t statistic
        ``(estimate - null) / std_error`` and its p-value from the t distribution with
        :math:`G - 1` degrees of freedom.
    p_value
        The bootstrap p-value: the share of bootstrap t statistics larger in absolute
        value than ``statistic``.
    interval
        The confidence interval by test inversion at level ``1 - alpha`` (``None`` when
        not computed): the null values whose bootstrap p-value is at least ``alpha``.
        :meth:`conf_int` gives it as a table, at this or another level.
    ci_tolerance
        Each endpoint lies within ``ci_tolerance`` of the point where the p-value
        function crosses ``alpha``.
    cluster, n_clusters, n_treated_clusters
        The cluster column, the number of clusters and how many of them contain
        treated-group observations.
    distribution
        ``"rademacher"`` or ``"webb"`` (:attr:`weights` is its former name).
    n_draws, enumerated
        The number of bootstrap t statistics; ``enumerated`` is true when they are all
        :math:`2^G` Rademacher sign vectors (full enumeration: deterministic)
        (:attr:`n_boot` is the former name of ``n_draws``).
    random_state
        The integer seed of the draws (``None`` when enumerated, unseeded or drawn
        from a Generator).
    t_draws
        The bootstrap t statistics under the null (read-only).
    provenance
        The specification (the result bootstrapped and the options), data fingerprint
        and evalkit version.
    draws
        The per-draw summaries from which :meth:`p_value_at` recomputes the p-value at
        any other null with the same draws (five numbers per draw; read-only).
    specification
        What the bootstrap was asked, typed (a
        :class:`~evalkit.results.contract.LevelledSpecification`; ``None`` for a result
        built by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    model: str
    term: str
    outcome: str
    estimate: float
    null: float
    std_error: float
    statistic: float
    analytic_p_value: float
    p_value: float
    interval: tuple[float, float] | None
    alpha: float
    ci_tolerance: float | None
    cluster: str
    n_clusters: int
    n_treated_clusters: int
    distribution: str
    n_draws: int
    enumerated: bool
    random_state: int | None
    t_draws: np.ndarray = field(repr=False)
    provenance: Provenance = field(repr=False)
    draws: WildDraws | None = field(default=None, repr=False, compare=False)
    specification: LevelledSpecification | None = field(default=None, repr=False)

    @property
    def n_boot(self) -> int:
        """The number of bootstrap t statistics (the former name of :attr:`n_draws`; warns)."""
        warn_renamed("WildBootstrapResult.n_boot", "WildBootstrapResult.n_draws", stacklevel=2)
        return self.n_draws

    @property
    def weights(self) -> str:
        """The wild weight distribution (the former name of :attr:`distribution`; warns)."""
        warn_renamed("WildBootstrapResult.weights", "WildBootstrapResult.distribution",
                     stacklevel=2)
        return self.distribution

    def __post_init__(self) -> None:
        object.__setattr__(self, "t_draws", read_only_copy(self.t_draws))
        if self.interval is not None:
            object.__setattr__(self, "interval", (float(self.interval[0]),
                                                  float(self.interval[1])))

    # ------------------------------------------------------------------ descriptions
    @property
    def method(self) -> str:
        """The bootstrap in words."""
        return (f"restricted wild cluster bootstrap-t (null imposed), "
                f"{_WEIGHT_NAMES.get(self.distribution, self.distribution)} weights")

    @property
    def draws_description(self) -> str:
        if self.enumerated:
            return (f"all 2^{self.n_clusters} = {self.n_draws:,} sign vectors enumerated "
                    "(deterministic)")
        seed = f"seed {self.random_state}" if self.random_state is not None else "unseeded"
        return f"{self.n_draws:,} random draws ({seed})"

    def p_value_at(self, null: float) -> float:
        """The bootstrap p-value of :math:`H_0: \\beta = ` ``null`` with the same draws."""
        from evalkit.inference.wild_draws import p_value

        if self.draws is None:  # pragma: no cover - results are built with their draws
            raise ValueError("this result does not carry its bootstrap draws")
        null = float(null)
        return p_value(self.draws, (self.estimate - null) / self.std_error, null)

    # ------------------------------------------------------------------ intervals
    @property
    def conf_int(self) -> ConfIntMethod:
        """``conf_int(alpha=None)``: the interval by inverting the bootstrap test.

        Returns a one-row DataFrame (index: the term) with columns ``lower`` and
        ``upper``: the null values whose bootstrap p-value, with the same draws, is at
        least ``alpha`` (default: the result's ``alpha``). Missing when the interval
        was not computed (``wild_cluster_bootstrap(..., conf_int=False)``). Reading
        ``conf_int`` without calling it as the ``(low, high)`` tuple (or ``None``) is
        deprecated (a :class:`FutureWarning`).
        """
        return ConfIntMethod(self._intervals, self.interval, "WildBootstrapResult")

    def _interval_at(self, alpha: float) -> tuple[float, float] | None:
        if self.interval is None or alpha == self.alpha:
            return self.interval
        if self.draws is None or self.ci_tolerance is None:  # pragma: no cover
            raise InputError(f"alpha={alpha!r}: this result does not carry its bootstrap "
                             "draws, so its interval cannot be recomputed at another level; "
                             "re-run wild_cluster_bootstrap with alpha")
        from evalkit.inference.wild_draws import invert_p_value

        return invert_p_value(self.p_value_at, self.estimate, self.std_error, alpha,
                              self.ci_tolerance)

    def _intervals(self, alpha: float | None = None) -> pd.DataFrame:
        interval = self._interval_at(level(alpha, self.alpha, "conf_int"))
        low, high = interval if interval is not None else (np.nan, np.nan)
        return interval_frame([self.term], [low], [high])

    def with_alpha(self, alpha: float) -> WildBootstrapResult:
        """The same test with its interval at level ``1 - alpha``.

        The interval is inverted again from the same bootstrap draws, so the
        result is what ``wild_cluster_bootstrap(..., alpha=alpha)`` with the same draws
        gives (endpoints within ``ci_tolerance``). Without an interval (not computed),
        only the level changes.
        """
        alpha = level(alpha, self.alpha, "with_alpha")
        return replace(self, alpha=alpha, interval=self._interval_at(alpha),
                       provenance=self.provenance.with_alpha(alpha),
                       specification=(None if self.specification is None
                                      else self.specification.with_alpha(alpha)))

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row: ``term, estimate, null, std_error, statistic, p_value, conf_low,
        conf_high, analytic_p_value, n_clusters, n_draws, enumerated, distribution``.

        ``p_value`` and the interval are the bootstrap ones.
        """
        low, high = self.interval if self.interval is not None else (np.nan, np.nan)
        return pd.DataFrame([{
            "term": self.term, "estimate": self.estimate, "null": self.null,
            "std_error": self.std_error, "statistic": self.statistic,
            "p_value": self.p_value, "conf_low": low, "conf_high": high,
            "analytic_p_value": self.analytic_p_value, "n_clusters": self.n_clusters,
            "n_draws": self.n_draws, "enumerated": self.enumerated,
            "distribution": self.distribution}])

    def summary(self) -> Summary:
        level = f"{100 * (1 - self.alpha):g}%"
        facts: list[tuple[str, Any]] = [
            ("Model", self.model), ("Outcome", self.outcome),
            ("Hypothesis", f"{self.term} = {self.null:g}"),
            ("Bootstrap", self.method), ("Draws", self.draws_description),
            ("Clusters", f"{self.n_clusters:,} by {self.cluster!r} "
                         f"({self.n_treated_clusters:,} with treated-group observations)"),
            ("Standard errors", f"cluster-robust by {self.cluster!r} (CR1), "
                                f"t with {self.n_clusters - 1} degrees of freedom")]
        if self.interval is not None:
            facts.append(("Confidence interval", f"{level}, by inverting the bootstrap test "
                                                 f"(endpoints within {self.ci_tolerance:.1e})"))
        table = pd.DataFrame({
            "Estimate": [self.estimate], "Std. error": [self.std_error], "t": [self.statistic],
            "P>|t|": [self.analytic_p_value], "Bootstrap p": [self.p_value]},
            index=pd.Index([self.term], name="Term"))
        if self.interval is not None:
            table[f"[{level} CI"] = [self.interval[0]]
            table["upper]"] = [self.interval[1]]
        notes = [f"Bootstrap p-value {self.p_value:.4f} for H0: {self.term} = {self.null:g} "
                 f"(analytic {self.analytic_p_value:.4f})."]
        untreated = self.n_clusters - self.n_treated_clusters
        if min(self.n_treated_clusters, untreated) < FEW_TREATED_CLUSTERS:
            notes.append(
                f"Caution: {self.n_treated_clusters} treated and {untreated} untreated "
                "clusters. With so few of either, even the wild cluster bootstrap can be "
                "unreliable (MacKinnon & Webb 2017).")
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=f"Wild cluster bootstrap: {self.model}", facts=facts_from(facts),
                       table=table, notes=tuple(notes))

    def plot(self, *, ax: Axes | None = None, title: str | None = None) -> Figure:
        """Histogram of the bootstrap t statistics with the observed one
        (see :func:`evalkit.plots.randomization.plot_bootstrap_distribution`)."""
        from evalkit.plots.randomization import plot_bootstrap_distribution

        return plot_bootstrap_distribution(self, ax=ax, title=title)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
