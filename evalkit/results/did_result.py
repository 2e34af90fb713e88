"""The result of a difference-in-differences estimator with a single treatment effect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from evalkit.errors import InputError
from evalkit.results._interval import ConfIntMethod, interval_frame, level
from evalkit.results.coefficients import Coefficients
from evalkit.results.contract import LevelledSpecification, coefficients_at_level
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evalkit.inference.kinds import Inference

__all__ = ["DiDResult", "SAMPLE_LABELS"]

SAMPLE_LABELS: dict[str, str] = {
    "rows": "Observations",
    "units": "Units",
    "periods": "Periods",
    "treated_units": "Treated units",
    "control_units": "Comparison units",
    "treated_rows": "Treated-group observations",
    "control_rows": "Comparison-group observations",
    "clusters": "Clusters",
    "comparison_trimmed": "Comparison trimmed (propensity >= 0.995)",
    "always_treated_units_dropped": "Always-treated units dropped",
    "treated_rows_without_untreated_period": "Treated rows without an untreated period",
}


def _summary_table(coefficients: Coefficients) -> pd.DataFrame:
    tidy = coefficients.tidy().set_index("term")
    level = 100 * (1 - coefficients.alpha)
    stat = "t" if coefficients.df else "z"
    table = tidy.rename(columns={
        "estimate": "Estimate", "std_error": "Std. error", "statistic": stat,
        "p_value": f"P>|{stat}|", "conf_low": f"[{level:g}% CI", "conf_high": "upper]"})
    table.index.name = "Term"
    return table


@dataclass(frozen=True)
class DiDResult:
    """An estimated average treatment effect on the treated, with its inference.

    Instances are immutable: changing the inference (e.g. :meth:`with_alpha`)
    returns a new result.

    Attributes
    ----------
    estimator
        Name of the design and method, e.g. ``"2x2 difference-in-differences (OLS)"``.
    estimand
        The quantity estimated, in words.
    outcome
        The outcome column.
    coefficients
        Every coefficient of the regression with its covariance.
    effect_term
        The coefficient that estimates the treatment effect.
    inference
        The inference kind that produced the standard errors (an
        :data:`~evalkit.inference.Inference`, its clustering column filled in).
    inference_text
        How the standard errors were computed, in words.
    sample
        Facts about the data used (rows, units, treated and comparison counts ...).
    cell_means
        For the 2x2 design, the mean outcome of each group before and after (read it
        through :attr:`group_means`, which returns a copy).
    provenance
        The specification, data fingerprint and evalkit version.
    specification
        What the estimator was asked, typed (a
        :class:`~evalkit.results.contract.LevelledSpecification`; ``None`` for a result
        built by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    estimator: str
    estimand: str
    outcome: str
    coefficients: Coefficients
    effect_term: str
    inference: Inference
    inference_text: str
    sample: Mapping[str, Any]
    provenance: Provenance
    cell_means: pd.DataFrame | None = field(default=None, repr=False)
    specification: LevelledSpecification | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sample", MappingProxyType(dict(self.sample)))
        self.coefficients.index(self.effect_term)
        if self.cell_means is not None:
            object.__setattr__(self, "cell_means", self.cell_means.copy())

    @property
    def group_means(self) -> pd.DataFrame | None:
        """For the 2x2 design: mean outcome by group (rows) before, after and change (a copy)."""
        return None if self.cell_means is None else self.cell_means.copy()

    # ------------------------------------------------------------------ the effect
    @property
    def estimate(self) -> float:
        """Point estimate of the treatment effect."""
        return float(self.coefficients.estimate[self.coefficients.index(self.effect_term)])

    @property
    def std_error(self) -> float:
        return float(self.coefficients.std_error[self.coefficients.index(self.effect_term)])

    @property
    def p_value(self) -> float:
        return float(self.coefficients.p_value[self.coefficients.index(self.effect_term)])

    @property
    def alpha(self) -> float:
        return self.coefficients.alpha

    @property
    def conf_int(self) -> ConfIntMethod:
        """``conf_int(alpha=None)``: confidence intervals of every coefficient.

        Returns a DataFrame with columns ``lower`` and ``upper`` indexed by term, at
        level ``1 - alpha`` (default: the result's ``alpha``); the treatment effect's
        row is ``conf_int().loc[result.effect_term]``. Reading ``conf_int`` without
        calling it as the effect's ``(low, high)`` tuple is deprecated (a
        :class:`FutureWarning`).
        """
        return ConfIntMethod(self._intervals, self._effect_interval(), "DiDResult")

    def _intervals(self, alpha: float | None = None) -> pd.DataFrame:
        alpha = level(alpha, self.alpha, "conf_int")
        coefficients = self.coefficients.with_alpha(alpha)
        return interval_frame(coefficients.terms, coefficients.conf_low, coefficients.conf_high)

    def _effect_interval(self) -> tuple[float, float]:
        i = self.coefficients.index(self.effect_term)
        return float(self.coefficients.conf_low[i]), float(self.coefficients.conf_high[i])

    @property
    def n_obs(self) -> int:
        return int(self.sample["rows"])

    def with_alpha(self, alpha: float) -> DiDResult:
        """The same result with confidence intervals at level ``1 - alpha``."""
        return coefficients_at_level(self, alpha)

    # ------------------------------------------------------------------ tables
    def tidy(self, terms: Literal["all", "effect"] = "all") -> pd.DataFrame:
        """Coefficients as a DataFrame.

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``.
        ``terms="effect"`` keeps only the treatment-effect row.
        """
        if terms not in ("all", "effect"):
            raise InputError(f"terms={terms!r}: must be 'all' or 'effect'; got {terms!r}")
        table = self.coefficients.tidy()
        if terms == "effect":
            table = table.loc[table["term"] == self.effect_term].reset_index(drop=True)
        return table

    def summary(self) -> Summary:
        """The result's summary: ``print()`` it, or show it in JupyterLab."""
        facts = [("Estimator", self.estimator), ("Estimand", self.estimand),
                 ("Outcome", self.outcome), ("Treatment effect", self.effect_term)]
        facts += [(SAMPLE_LABELS.get(k, k), v) for k, v in self.sample.items()]
        facts += [("Standard errors", self.inference_text),
                  ("Confidence level", f"{100 * (1 - self.alpha):g}%")]
        low, high = self._effect_interval()
        notes = (f"Effect: {self.estimate:.4f} (std. error {self.std_error:.4f}; "
                 f"{100 * (1 - self.alpha):g}% CI {low:.4f} to {high:.4f}; "
                 f"p-value {self.p_value:.4f}).",
                 f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                 f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts),
                       table=_summary_table(self.coefficients), notes=notes)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The estimates with their confidence intervals (see
        :func:`~evalkit.plots.coefficients.plot_coefficients`)."""
        from evalkit.plots.coefficients import plot_coefficients

        return plot_coefficients(self, ax=ax, **options)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
