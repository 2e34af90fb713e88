"""The result of a randomization (permutation) test."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit._deprecation import warn_renamed
from evalkit.results._interval import level, missing_intervals
from evalkit.results.contract import Specification, no_interval_error
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RandomizationResult"]

_ALTERNATIVE_TEXT = {"two-sided": "two-sided, on the absolute value",
                     "greater": "one-sided, large values extreme",
                     "less": "one-sided, small values extreme"}


@dataclass(frozen=True)
class RandomizationResult:
    """A randomization (Fisher) test: the observed statistic against its permutation
    distribution.

    Attributes
    ----------
    method
        What was permuted, in words.
    model
        The estimator whose statistic was permuted (or ``"custom statistic"``).
    term
        The coefficient (for the difference-in-differences designs) or statistic name.
    statistic
        ``"estimate"``, ``"t"`` or ``"custom"``; :attr:`statistic_label` says it in words.
    observed
        The statistic under the actual assignment.
    estimate
        The treatment-effect estimate (``None`` for a custom statistic).
    p_value
        Under exact enumeration, the share of all assignments whose statistic is at least
        as extreme as the observed one; with random permutations,
        ``(1 + count) / (1 + n_draws)``.
    alternative
        ``"two-sided"`` (on the absolute value), ``"greater"`` or ``"less"``.
    n_draws
        Assignments evaluated: all of them under enumeration (the observed one
        included), else the random permutations drawn (:attr:`n_perm` is its former
        name).
    enumerated, n_assignments
        Whether every distinct assignment was evaluated, and how many there are.
    n_undefined
        Assignments under which the statistic is undefined (e.g. the treatment regressor
        is absorbed); they are left out of the p-value.
    random_state
        The integer seed (``None`` when enumerated, unseeded or from a Generator).
    n_units, n_treated_units, unit
        The units whose labels are permuted, how many are treated, and the column that
        identifies them (``None`` when each row is a unit or for a custom statistic).
    distribution
        The statistic under each evaluated assignment (read-only).
    provenance
        Specification, data fingerprint and evalkit version.
    specification
        What the test was asked, typed (a
        :class:`~evalkit.results.contract.Specification`; ``None`` for a result built
        by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    method: str
    model: str
    term: str
    statistic: str
    observed: float
    estimate: float | None
    p_value: float
    alternative: str
    n_draws: int
    enumerated: bool
    n_assignments: int
    n_undefined: int
    random_state: int | None
    n_units: int
    n_treated_units: int
    unit: str | None
    distribution: np.ndarray = field(repr=False)
    provenance: Provenance = field(repr=False)
    specification: Specification | None = field(default=None, repr=False)

    @property
    def n_perm(self) -> int:
        """The assignments evaluated (the former name of :attr:`n_draws`; warns)."""
        warn_renamed("RandomizationResult.n_perm", "RandomizationResult.n_draws", stacklevel=2)
        return self.n_draws

    def __post_init__(self) -> None:
        array = np.array(self.distribution, dtype=float, copy=True)
        array.setflags(write=False)
        object.__setattr__(self, "distribution", array)

    @property
    def statistic_label(self) -> str:
        return {"estimate": f"Estimate of {self.term}", "t": f"t statistic of {self.term}",
                "rmspe_ratio": f"Post/pre-treatment RMSPE ratio of {self.term}"}.get(
            self.statistic, self.term)

    @property
    def minimum_p_value(self) -> float:
        """The smallest p-value this test can give."""
        return 1.0 / self.n_draws if self.enumerated else 1.0 / (1 + self.n_draws)

    @property
    def draws_description(self) -> str:
        if self.enumerated:
            return f"all {self.n_assignments:,} distinct assignments enumerated (exact)"
        seed = f"seed {self.random_state}" if self.random_state is not None else "unseeded"
        digits = len(str(self.n_assignments))
        total = (f"{self.n_assignments:,}" if digits <= 12
                 else f"about 10^{digits - 1}")
        return f"{self.n_draws:,} random permutations ({seed}) of {total} distinct assignments"

    # ------------------------------------------------------------------ the contract
    @property
    def std_error(self) -> float:
        """Missing: a randomization test gives a p-value, not a standard error."""
        return float("nan")

    @property
    def alpha(self) -> None:
        """``None``: a randomization test gives a p-value, not a confidence interval."""
        return None

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Missing bounds (columns ``lower``, ``upper``, indexed by the term): the test
        gives a p-value only, no interval."""
        level(alpha, None, "conf_int")
        return missing_intervals([self.term])

    def with_alpha(self, alpha: float) -> RandomizationResult:
        """Not available: raises :class:`~evalkit.errors.InputError`.

        The result is a permutation p-value, which does not depend on a significance
        level, and no interval was computed (inverting the test would need the data and
        a permutation run per candidate effect), so there is nothing to recompute.
        """
        raise no_interval_error(
            "RandomizationResult", alpha, "a randomization test gives a p-value, which "
            "does not depend on alpha, and no confidence interval; compare p_value with the "
            "level you want instead")

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row: ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high``, then ``observed, statistic_kind, n_draws, enumerated, n_assignments,
        alternative``.

        ``statistic`` and ``observed`` are the permuted statistic under the actual
        assignment; ``statistic_kind`` says which statistic it is (``"estimate"``,
        ``"t"``, ...); ``std_error`` and the interval are missing (a p-value only).
        """
        return pd.DataFrame([{
            "term": self.term, "estimate": np.nan if self.estimate is None else self.estimate,
            "std_error": np.nan, "statistic": self.observed, "p_value": self.p_value,
            "conf_low": np.nan, "conf_high": np.nan, "observed": self.observed,
            "statistic_kind": self.statistic, "n_draws": self.n_draws,
            "enumerated": self.enumerated, "n_assignments": self.n_assignments,
            "alternative": self.alternative}])

    def summary(self) -> Summary:
        units = f"{self.n_units:,} units ({self.n_treated_units:,} treated)"
        if self.unit:
            units += f", identified by {self.unit!r}"
        facts: list[tuple[str, Any]] = [
            ("Model", self.model), ("Method", self.method), ("Units permuted", units),
            ("Statistic", self.statistic_label),
            ("Test", _ALTERNATIVE_TEXT.get(self.alternative, self.alternative)),
            ("Assignments", self.draws_description)]
        if self.n_undefined:
            facts.append(("Assignments without a statistic", self.n_undefined))
        table = pd.DataFrame({"Observed": [self.observed], "Randomization p": [self.p_value],
                              "Smallest possible p": [self.minimum_p_value]},
                             index=pd.Index([self.term], name="Term"))
        notes = [f"Randomization p-value {self.p_value:.4f} ({self.draws_description}).",
                 f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                 f"{self.provenance.data_fingerprint[:16]}..."]
        return Summary(title=f"Randomization inference: {self.model}", facts=facts_from(facts),
                       table=table, notes=tuple(notes))

    def plot(self, *, ax: Axes | None = None, title: str | None = None) -> Figure:
        """Histogram of the permutation distribution with the observed statistic
        (see :func:`evalkit.plots.randomization.plot_randomization`)."""
        from evalkit.plots.randomization import plot_randomization

        return plot_randomization(self, ax=ax, title=title)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
