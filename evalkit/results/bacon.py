r"""The result of the Goodman-Bacon decomposition of a two-way fixed-effects coefficient."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import level, missing_intervals
from evalkit.results.contract import TIDY_CORE_COLUMNS, Specification, no_interval_error
from evalkit.results.did_result import SAMPLE_LABELS
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from, format_number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BaconDecomposition", "COMPARISON_TYPES", "ALREADY_TREATED_CONTROLS", "TIDY_COLUMNS"]

#: The four kinds of 2x2 comparison, keyed as in :meth:`BaconDecomposition.tidy`'s
#: ``comparison`` column, with the words used in tables and plots.
COMPARISON_TYPES: Mapping[str, str] = MappingProxyType({
    "never_treated": "Treated vs never treated",
    "later_as_control": "Earlier vs later treated (later not yet treated)",
    "earlier_as_control": "Later vs earlier treated (earlier already treated)",
    "always_treated": "Treated vs always treated",
})

#: The comparisons whose control group is already treated: they enter the TWFE
#: coefficient with the change in the controls' treatment effects subtracted, which
#: biases it when effects change over time (Goodman-Bacon 2021, section 3.1).
ALREADY_TREATED_CONTROLS: tuple[str, ...] = ("earlier_as_control", "always_treated")

TIDY_COLUMNS = (*TIDY_CORE_COLUMNS, "treated", "control", "comparison", "type", "weight")

_SAMPLE_LABELS = {**SAMPLE_LABELS,
                  "treatment_cohorts": "Treatment cohorts (timing groups)",
                  "never_treated_units": "Never-treated units",
                  "always_treated_units": "Always-treated units"}

ESTIMAND = ("the static two-way fixed-effects coefficient (outcome on the treatment indicator "
            "with unit and period effects), written as a weighted average of every 2x2 "
            "difference-in-differences between treatment cohorts")


@dataclass(frozen=True)
class BaconDecomposition:
    r"""The TWFE coefficient written as a weighted average of 2x2 difference-in-differences.

    Produced by :func:`evalkit.did.bacon_decomposition`. Goodman-Bacon (2021, Theorem 1)
    shows that in a balanced panel without covariates the two-way fixed-effects
    coefficient is

    .. math:: \hat\beta^{DD} = \sum_k s_{kU}\hat\beta^{2x2}_{kU}
              + \sum_{k \ne U}\sum_{l > k}\left[s^k_{kl}\hat\beta^{2x2,k}_{kl}
              + s^l_{kl}\hat\beta^{2x2,l}_{kl}\right],
              \qquad \sum \text{weights} = 1,

    where each :math:`\hat\beta^{2x2}` compares a cohort whose treatment switches on
    with a comparison group whose treatment does not change over the periods used,
    and each weight grows with the size of the two groups and the variance of the
    treatment indicator in their subsample. The weights are never negative; the
    trouble lies in the *later vs earlier treated* comparisons, whose controls are
    already treated: when effects change over time their estimates subtract the
    change in the controls' effects, and can have the wrong sign.

    Instances are immutable; the 2x2 comparisons are held as parallel read-only
    arrays, one entry per comparison, and :meth:`tidy` returns them as a new
    DataFrame.

    Attributes
    ----------
    outcome
        The outcome column.
    treated
        For each comparison, the cohort whose treatment switches on (its first
        treated period).
    control
        Its comparison group: a later or earlier cohort (first treated period),
        ``"never"`` (never-treated units) or ``"always"`` (units treated in every
        period of the panel).
    comparison
        The comparison type: a key of :data:`COMPARISON_TYPES`.
    estimate
        The 2x2 difference-in-differences estimates.
    weight
        Their weights in the TWFE coefficient (non-negative, summing to one).
    twfe_estimate
        The TWFE coefficient itself, computed directly from the two-way demeaned
        treatment indicator (equal to ``weighted_sum`` up to rounding).
    treatment_variance
        :math:`\hat V^D`, the variance of the two-way demeaned treatment indicator,
        the denominator of every weight.
    sample
        Facts about the data: rows, units, periods, cohorts, never- and
        always-treated units.
    provenance
        The specification, data fingerprint and evalkit version.
    specification
        What the decomposition was asked, typed (a
        :class:`~evalkit.results.contract.Specification`; ``None`` for a result built
        by hand); ``provenance.specification`` is its ``to_dict()``.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
    timing. *Journal of Econometrics*, 225(2), 254-277.
    """

    outcome: str
    treated: tuple[Any, ...]
    control: tuple[Any, ...]
    comparison: tuple[str, ...]
    estimate: np.ndarray
    weight: np.ndarray
    twfe_estimate: float
    treatment_variance: float
    sample: Mapping[str, Any]
    provenance: Provenance
    specification: Specification | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "treated", tuple(self.treated))
        object.__setattr__(self, "control", tuple(self.control))
        object.__setattr__(self, "comparison", tuple(str(c) for c in self.comparison))
        object.__setattr__(self, "estimate", read_only_copy(self.estimate))
        object.__setattr__(self, "weight", read_only_copy(self.weight))
        object.__setattr__(self, "twfe_estimate", float(self.twfe_estimate))
        object.__setattr__(self, "treatment_variance", float(self.treatment_variance))
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        sizes = {len(self.treated), len(self.control), len(self.comparison),
                 self.estimate.shape[0], self.weight.shape[0]}
        if len(sizes) != 1 or self.estimate.ndim != 1 or self.weight.ndim != 1:
            raise InputError("treated, control, comparison, estimate and weight must have one "
                             f"entry per comparison; got lengths {len(self.treated)}, "
                             f"{len(self.control)}, {len(self.comparison)}, "
                             f"{self.estimate.shape}, {self.weight.shape}")
        unknown = sorted(set(self.comparison) - set(COMPARISON_TYPES))
        if unknown:
            allowed = ", ".join(map(repr, COMPARISON_TYPES))
            raise InputError(f"comparison: must contain only {allowed}; got {unknown}")

    # ------------------------------------------------------------------ the numbers
    @property
    def estimand(self) -> str:
        """What is decomposed, in words."""
        return ESTIMAND

    @property
    def n_comparisons(self) -> int:
        """Number of 2x2 comparisons."""
        return int(self.estimate.size)

    @property
    def weighted_sum(self) -> float:
        """:math:`\\sum_j w_j \\hat\\beta^{2x2}_j`, which equals the TWFE coefficient."""
        return float(self.weight @ self.estimate)

    @property
    def already_treated_weight(self) -> float:
        """Share of the TWFE coefficient's weight on comparisons with already-treated controls.

        The *later vs earlier treated* comparisons and, if any, the comparisons with
        always-treated units. When treatment effects change over time these
        comparisons are biased (Goodman-Bacon 2021, equation 15, the
        :math:`\\Delta ATT` term), so a large share warns against reading the TWFE
        coefficient as an average effect.
        """
        mask = np.isin(np.array(self.comparison, dtype=object), ALREADY_TREATED_CONTROLS)
        return float(self.weight[mask].sum())

    def _type_mask(self, key: str) -> np.ndarray:
        return np.array([c == key for c in self.comparison], dtype=bool)

    @property
    def type_weights(self) -> dict[str, float]:
        """Total weight of each comparison type present (keys of :data:`COMPARISON_TYPES`)."""
        return {key: float(self.weight[mask].sum()) for key in COMPARISON_TYPES
                if (mask := self._type_mask(key)).any()}

    @property
    def type_estimates(self) -> dict[str, float]:
        """Weighted average of the 2x2 estimates of each comparison type present.

        ``type_weights[k] * type_estimates[k]`` summed over the types gives the TWFE
        coefficient.
        """
        out = {}
        for key in COMPARISON_TYPES:
            mask = self._type_mask(key)
            if mask.any():
                total = self.weight[mask].sum()
                out[key] = (float(self.weight[mask] @ self.estimate[mask] / total) if total > 0
                            else float(np.mean(self.estimate[mask])))
        return out

    # ------------------------------------------------------------------ the contract
    @property
    def terms(self) -> tuple[str, ...]:
        """One name per 2x2 comparison: ``"<treated> vs <control>"``."""
        return tuple(f"{t} vs {c}" for t, c in zip(self.treated, self.control, strict=True))

    @property
    def estimates(self) -> pd.Series:
        """The 2x2 estimates, indexed by term (``"<treated> vs <control>"``)."""
        return pd.Series(self.estimate.copy(), name="estimate",
                         index=pd.Index(self.terms, name="term"))

    @property
    def std_errors(self) -> pd.Series:
        """Missing for every comparison: the decomposition has no standard errors."""
        return pd.Series(np.nan, name="std_error", index=pd.Index(self.terms, name="term"))

    @property
    def alpha(self) -> None:
        """``None``: the decomposition has no confidence intervals."""
        return None

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Missing bounds for every comparison (columns ``lower``, ``upper``, indexed by
        term): the decomposition is an identity of the point estimate, without
        sampling inference."""
        level(alpha, None, "conf_int")
        return missing_intervals(self.terms)

    def with_alpha(self, alpha: float) -> BaconDecomposition:
        """Not available: raises :class:`~evalkit.errors.InputError`.

        The decomposition has no standard errors or intervals at any level, so there is
        nothing to recompute.
        """
        raise no_interval_error("BaconDecomposition", alpha, "the decomposition is an "
                                "identity of the TWFE point estimate and has no intervals at "
                                "any level")

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """One row per 2x2 comparison.

        Columns: ``term`` (``"<treated> vs <control>"``), ``estimate``, then
        ``std_error, statistic, p_value, conf_low, conf_high`` (missing: there is no
        sampling inference), ``treated`` (first treated period of the cohort whose treatment
        switches on), ``control`` (the comparison cohort's first treated period,
        ``"never"`` or ``"always"``), ``comparison`` (the type's key), ``type`` (in
        words) and ``weight``.
        """
        nan = np.full(self.n_comparisons, np.nan)
        return pd.DataFrame({
            "term": list(self.terms),
            "estimate": self.estimate.copy(),
            "std_error": nan, "statistic": nan, "p_value": nan, "conf_low": nan,
            "conf_high": nan,
            "treated": list(self.treated),
            "control": pd.Series(list(self.control), dtype=object),
            "comparison": list(self.comparison),
            "type": [COMPARISON_TYPES[c] for c in self.comparison],
            "weight": self.weight.copy(),
        }, columns=list(TIDY_COLUMNS))

    def by_type(self) -> pd.DataFrame:
        """One row per comparison type present: its number of comparisons, weight and
        weighted average estimate.

        Columns: ``comparison``, ``type``, ``n_comparisons``, ``weight``, ``estimate``.
        """
        weights, estimates = self.type_weights, self.type_estimates
        return pd.DataFrame({
            "comparison": list(weights),
            "type": [COMPARISON_TYPES[k] for k in weights],
            "n_comparisons": [int(self._type_mask(k).sum()) for k in weights],
            "weight": list(weights.values()),
            "estimate": [estimates[k] for k in weights],
        })

    def _detail_table(self) -> pd.DataFrame:
        rows = list(self.terms)
        table = pd.DataFrame({"Type": [COMPARISON_TYPES[c] for c in self.comparison],
                              "Weight": self.weight, "Estimate": self.estimate},
                             index=pd.Index(rows, name="Treated vs control"), dtype=object)
        return table

    def _type_table(self) -> pd.DataFrame:
        kinds = self.by_type()
        counts = [int(n) for n in kinds["n_comparisons"]] + [self.n_comparisons]
        weights = [float(w) for w in kinds["weight"]] + [float(self.weight.sum())]
        estimates = [float(e) for e in kinds["estimate"]] + [self.weighted_sum]
        names = kinds["type"].tolist() + ["All comparisons (TWFE coefficient)"]
        return pd.DataFrame({"Comparisons": counts, "Weight": weights,
                             "Average estimate": estimates},
                            index=pd.Index(names, name="Comparison"), dtype=object)

    def summary(self, *, detail: bool = False) -> Summary:
        """The decomposition's summary: ``print()`` it, or show it in JupyterLab.

        Parameters
        ----------
        detail
            ``False`` (default): one row per comparison type with its weight and
            weighted average estimate, and a total row equal to the TWFE
            coefficient. ``True``: one row per 2x2 comparison.
        """
        facts = [("Estimator", "Goodman-Bacon (2021) decomposition"),
                 ("Decomposed", "static TWFE coefficient (unit and period effects, no "
                                "covariates)"),
                 ("Outcome", self.outcome),
                 ("TWFE coefficient", format_number(self.twfe_estimate, 6)),
                 ("Weighted sum of 2x2 estimates", format_number(self.weighted_sum, 6)),
                 ("Weight on already-treated controls",
                  f"{100 * self.already_treated_weight:.1f}%")]
        facts += [(_SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        notes = (
            "Weights are non-negative and sum to one (Goodman-Bacon 2021, Theorem 1); there "
            "are no standard errors: the decomposition is an identity of the point estimate.",
            "Comparisons with already-treated controls (later vs earlier treated, and vs "
            "always treated) are biased when effects change over time.",
            f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
            f"{self.provenance.data_fingerprint[:16]}...",
        )
        table = self._detail_table() if detail else self._type_table()
        return Summary(title="Goodman-Bacon decomposition of the TWFE coefficient",
                       facts=facts_from(facts), table=table, notes=notes)

    def plot(self, *, ax: Axes | None = None, title: str | None = None,
             labels: Mapping[str, str] | None = None, language: str = "en") -> Figure:
        """Scatter the 2x2 estimates against their weights (see :func:`plot_bacon`)."""
        from evalkit.plots.bacon import plot_bacon

        return plot_bacon(self, ax=ax, title=title, labels=labels, language=language)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
