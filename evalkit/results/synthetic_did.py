"""The result of synthetic difference-in-differences (and of its SC and DiD special cases)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._deprecation import warn_renamed
from evalkit._validation import Problems, check_alpha
from evalkit.errors import InputError
from evalkit.inference.kinds import Inference, NoInference
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import ConfIntMethod, interval_frame, level
from evalkit.results.contract import LevelledSpecification
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from, format_number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SyntheticDiDResult", "METHOD_NAMES"]

METHOD_NAMES: dict[str, str] = {
    "sdid": "Synthetic difference-in-differences",
    "sc": "Synthetic control",
    "did": "Difference-in-differences",
}

_SE_NAMES = {"placebo": "placebo (Algorithm 4)", "bootstrap": "bootstrap (Algorithm 2)",
             "jackknife": "jackknife, weights fixed (Algorithm 3)"}

_SHOWN_WEIGHTS = 10


@dataclass(frozen=True)
class SyntheticDiDResult:
    r"""An average effect on the treated estimated by SDID, synthetic control or DiD.

    The estimate is the weighted double difference (Arkhangelsky et al. 2021, eq. 1
    and Algorithm 1)

    .. math:: \hat\tau = \Big(\bar Y_{tr,post} - \sum_t \hat\lambda_t Y_{tr,t}\Big)
              - \sum_{i \in co} \hat\omega_i \Big(\bar Y_{i,post}
              - \sum_t \hat\lambda_t Y_{i,t}\Big),

    with unit weights :math:`\hat\omega` and time weights :math:`\hat\lambda` (zero for
    synthetic control, uniform for difference-in-differences). Instances are
    immutable; arrays are read-only and the pandas objects are built afresh at each
    access.

    Attributes
    ----------
    method
        ``"sdid"``, ``"sc"`` or ``"did"``.
    outcome, unit, time
        The panel's outcome, unit and time columns.
    estimate
        :math:`\hat\tau`.
    std_error
        Its standard error (NaN without inference, or where undefined: see
        ``se_note``).
    se_method
        ``"placebo"``, ``"bootstrap"``, ``"jackknife"`` or None.
    n_draws
        Number of replicate estimates behind the standard error (0 without;
        :attr:`n_reps` is its former name).
    alpha
        Significance level of the confidence interval.
    control_units, omega
        The comparison units and their weights :math:`\hat\omega` (on the simplex).
    pre_periods, lam
        The pre-treatment periods and their weights :math:`\hat\lambda`.
    periods, treated_path, synthetic_path
        Every period, the treated units' mean outcome and the unit-weighted mean of
        the comparison units (:math:`\sum_i \hat\omega_i Y_{it}`).
    unit_effects
        For each comparison unit, the double difference against that unit alone
        (:math:`\hat\tau = \sum_i \hat\omega_i \cdot` ``unit_effects[i]``).
    treated_units
        Labels of the treated units.
    n_post
        Number of post-treatment periods.
    noise_level, zeta_omega, zeta_lambda
        :math:`\hat\sigma` and the ridge parameters of the weight problems.
    replicates
        The placebo, bootstrap or jackknife estimates.
    se_note
        Why the standard error is missing, or what to keep in mind about it.
    iterations
        Frank-Wolfe iterations of the two stages of each weight problem.
    discarded_draws
        Bootstrap draws discarded for lacking a treated or a comparison unit.
    inference
        The inference kind (``Placebo``, ``Bootstrap``, ``Jackknife`` or
        ``NoInference``); :attr:`inference_text` says it in words.
    provenance
        The specification, data fingerprint and evalkit version.
    specification
        What the estimator was asked, typed (a
        :class:`~evalkit.results.contract.LevelledSpecification`; ``None`` for a result
        built by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    method: Literal["sdid", "sc", "did"]
    outcome: str
    unit: str
    time: str
    estimate: float
    std_error: float
    se_method: str | None
    n_draws: int
    alpha: float
    control_units: np.ndarray
    omega: np.ndarray
    pre_periods: np.ndarray
    lam: np.ndarray
    periods: np.ndarray
    treated_path: np.ndarray
    synthetic_path: np.ndarray
    unit_effects: np.ndarray
    treated_units: np.ndarray
    n_post: int
    noise_level: float
    zeta_omega: float
    zeta_lambda: float
    replicates: np.ndarray
    provenance: Provenance
    se_note: str | None = None
    iterations: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    discarded_draws: int = 0
    inference: Inference = field(default_factory=NoInference)
    specification: LevelledSpecification | None = None

    def __post_init__(self) -> None:
        for name in ("control_units", "pre_periods", "periods", "treated_units"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name), None))
        for name in ("omega", "lam", "treated_path", "synthetic_path", "unit_effects",
                     "replicates"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name)))
        object.__setattr__(self, "iterations", MappingProxyType(
            {k: tuple(int(i) for i in v) for k, v in dict(self.iterations).items()}))

    # ------------------------------------------------------------------ descriptions
    @property
    def estimator(self) -> str:
        return METHOD_NAMES[self.method]

    @property
    def estimand(self) -> str:
        return (f"average effect on the treated units over the {self.n_post} post-treatment "
                "periods (ATT)")

    @property
    def inference_text(self) -> str:
        """How the standard error was computed, in words."""
        if self.se_method is None:
            return "none"
        text = _SE_NAMES[self.se_method]
        if self.se_method in ("placebo", "bootstrap"):
            text += f", {self.n_draws:,} replications"
        return text

    @property
    def n_reps(self) -> int:
        """Replicate estimates behind the standard error (the former name of :attr:`n_draws`;
        warns)."""
        warn_renamed("SyntheticDiDResult.n_reps", "SyntheticDiDResult.n_draws", stacklevel=2)
        return self.n_draws

    @property
    def n_control(self) -> int:
        return int(self.omega.size)

    @property
    def n_pre(self) -> int:
        return int(self.lam.size)

    @property
    def n_treated(self) -> int:
        return int(self.treated_units.size)

    @property
    def treatment_start(self) -> Any:
        value = self.periods[self.n_pre]
        return value.item() if hasattr(value, "item") else value

    # ------------------------------------------------------------------ weights and paths
    @property
    def unit_weights(self) -> pd.Series:
        """:math:`\\hat\\omega` by comparison unit, largest first (a new Series)."""
        series = pd.Series(self.omega, index=pd.Index(self.control_units, name=self.unit),
                           name="omega")
        return series.sort_values(ascending=False, kind="stable")

    @property
    def time_weights(self) -> pd.Series:
        """:math:`\\hat\\lambda` by pre-treatment period, in time order (a new Series)."""
        return pd.Series(self.lam, index=pd.Index(self.pre_periods, name=self.time),
                         name="lambda")

    @property
    def trajectories(self) -> pd.DataFrame:
        """Treated mean and synthetic control (unit-weighted comparison mean) by period."""
        return pd.DataFrame(
            {"treated": self.treated_path, "synthetic_control": self.synthetic_path},
            index=pd.Index(self.periods, name=self.time))

    @property
    def control_effects(self) -> pd.DataFrame:
        """Each comparison unit's weight and the double difference against it alone."""
        return pd.DataFrame({"omega": self.omega, "effect": self.unit_effects},
                            index=pd.Index(self.control_units, name=self.unit))

    @property
    def effective_controls(self) -> float:
        """:math:`1 / \\sum_i \\hat\\omega_i^2`: how many comparison units the weights use."""
        return float(1.0 / np.sum(self.omega ** 2))

    # ------------------------------------------------------------------ inference
    @property
    def statistic(self) -> float:
        return float(self.estimate / self.std_error) if self.std_error > 0 else float("nan")

    @property
    def p_value(self) -> float:
        """Two-sided p-value from the normal approximation."""
        return float(2 * stats.norm.sf(abs(self.statistic)))

    @property
    def conf_int(self) -> ConfIntMethod:
        """``conf_int(alpha=None)``: :math:`\\hat\\tau \\pm z_{1-\\alpha/2} \\hat\\sigma`
        (the paper's interval).

        Returns a one-row DataFrame (index: the term ``"treated"``) with columns
        ``lower`` and ``upper``, at level ``1 - alpha`` (default: the result's
        ``alpha``). Reading ``conf_int`` without calling it as the ``(low, high)``
        tuple is deprecated (a :class:`FutureWarning`).
        """
        return ConfIntMethod(self._intervals, self._interval(self.alpha),
                             "SyntheticDiDResult")

    def _interval(self, alpha: float) -> tuple[float, float]:
        z = stats.norm.ppf(1 - alpha / 2)
        return (float(self.estimate - z * self.std_error),
                float(self.estimate + z * self.std_error))

    def _intervals(self, alpha: float | None = None) -> pd.DataFrame:
        low, high = self._interval(level(alpha, self.alpha, "conf_int"))
        return interval_frame(["treated"], [low], [high])

    def with_alpha(self, alpha: float) -> SyntheticDiDResult:
        """The same result with its confidence interval at level ``1 - alpha``."""
        problems = Problems()
        check_alpha(alpha, problems)
        problems.raise_if_any(InputError, "Invalid arguments to with_alpha:")
        return replace(self, alpha=float(alpha), provenance=self.provenance.with_alpha(alpha),
                       specification=(None if self.specification is None
                                      else self.specification.with_alpha(alpha)))

    # ------------------------------------------------------------------ tables
    def tidy(self) -> pd.DataFrame:
        """The effect as a one-row DataFrame.

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high,
        method, inference, n_draws``.
        """
        low, high = self._interval(self.alpha)
        return pd.DataFrame([{
            "term": "treated", "estimate": self.estimate, "std_error": self.std_error,
            "statistic": self.statistic, "p_value": self.p_value, "conf_low": low,
            "conf_high": high, "method": self.method, "inference": self.se_method or "none",
            "n_draws": self.n_draws}])

    def _weight_notes(self) -> list[str]:
        weights = self.unit_weights
        positive = weights[weights > 0]
        shown = ", ".join(f"{label} {format_number(w, 3)}"
                          for label, w in positive.iloc[:_SHOWN_WEIGHTS].items())
        more = len(positive) - _SHOWN_WEIGHTS
        notes = [f"Unit weights ({len(positive)} of {self.n_control} positive): {shown}"
                 + (f" and {more} more." if more > 0 else ".")]
        if self.method == "sdid":
            lam = self.time_weights
            positive = lam[lam > 0]
            notes.append("Time weights: " + ", ".join(
                f"{label} {format_number(w, 3)}" for label, w in positive.items()) + ".")
        return notes

    def summary(self) -> Summary:
        """The result's summary: ``print()`` it, or show it in JupyterLab."""
        level = f"{100 * (1 - self.alpha):g}%"
        facts = [("Estimator", self.estimator), ("Estimand", self.estimand),
                 ("Outcome", self.outcome), ("Treated units", self.n_treated),
                 ("Comparison units", self.n_control),
                 ("Pre-treatment periods", self.n_pre),
                 ("Post-treatment periods", self.n_post),
                 ("Treatment starts", str(self.treatment_start)),
                 ("Effective comparison units", round(self.effective_controls, 2))]
        if self.method != "did":
            facts += [("Noise level (sigma)", self.noise_level),
                      ("Unit-weight ridge (zeta)", self.zeta_omega)]
        facts += [("Standard errors", self.inference_text), ("Confidence level", level)]
        low, high = self._interval(self.alpha)
        table = pd.DataFrame(
            [[self.estimate, self.std_error, self.statistic, self.p_value, low, high]],
            columns=["Estimate", "Std. error", "z", "P>|z|", f"[{level[:-1]}% CI", "upper]"],
            index=pd.Index(["treated"], name="Term"))
        notes = self._weight_notes()
        if self.se_note:
            notes.append(self.se_note)
        notes.append(f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                     f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title=self.estimator, facts=facts_from(facts), table=table,
                       notes=tuple(notes))

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    # ------------------------------------------------------------------ plots
    def plot(self, ax: Axes | None = None, **options: Any) -> Figure:
        """Treated and synthetic trajectories, time weights and the effect (see
        :func:`~evalkit.plots.synthetic_did.plot_synthetic_did`)."""
        from evalkit.plots.synthetic_did import plot_synthetic_did

        return plot_synthetic_did(self, ax=ax, **options)

    def plot_units(self, ax: Axes | None = None, **options: Any) -> Figure:
        """Each comparison unit's contribution (see
        :func:`~evalkit.plots.synthetic_did.plot_synthetic_did_units`)."""
        from evalkit.plots.synthetic_did import plot_synthetic_did_units

        return plot_synthetic_did_units(self, ax=ax, **options)
