r"""The result of a synthetic control, with its placebo-in-space test and leave-one-out fits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.inference.kinds import Inference, NoInference
from evalkit.results._arrays import read_only_copy
from evalkit.results._interval import level, missing_intervals
from evalkit.results.contract import Specification, no_interval_error
from evalkit.results.provenance import Provenance
from evalkit.results.summary import Summary, facts_from, format_number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SyntheticControlResult", "PlaceboTest", "LeaveOneOut", "PLOT_KINDS", "TIDY_TABLES"]

PLOT_KINDS = ("trajectories", "gaps", "placebo", "ratios", "leave_one_out")
TIDY_TABLES = ("effect", "gaps", "weights", "balance", "placebo", "leave_one_out")


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _period_index(periods: np.ndarray, name: str) -> pd.Index:
    return pd.Index([_label(p) for p in periods], name=name)


def _ratio(post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pre > 0, post / np.where(pre > 0, pre, 1.0),
                        np.where(post > 0, np.inf, np.nan))


@dataclass(frozen=True)
class PlaceboTest:
    r"""Placebos in space: the synthetic control re-run for every donor as if treated.

    The first unit is the treated unit, the others are the donors, each fitted with
    the other donors as its pool. The test statistic of each unit is the ratio of its
    post- to pre-treatment root mean squared prediction error (RMSPE) — the square
    root of ADH's (2010, figure 8) MSPE ratio, which ranks units identically. The
    permutation p-value is the share of units whose ratio is at least the treated
    unit's (Abadie 2021):

    .. math:: p = \frac{1}{J + 1}\sum_{j=1}^{J+1} \mathbf 1\{r_j \ge r_1\}.

    With ``max_pre_mspe_ratio = k``, units whose pre-treatment MSPE exceeds ``k``
    times the treated unit's are left out of the test (ADH 2010, figures 5-7 use 20,
    5 and 2), since a placebo that the method cannot fit says nothing about the
    treated unit's gap.

    Attributes
    ----------
    units
        The treated unit, then the donors.
    periods
        All periods; the first ``n_pre`` are before treatment.
    gaps
        ``(units, periods)`` outcome minus synthetic outcome of each unit.
    pre_rmspe, post_rmspe
        RMSPE of each unit's gap before and after treatment.
    max_pre_mspe_ratio
        The exclusion rule applied, or ``None`` (every unit counts).
    """

    units: tuple[Any, ...]
    periods: np.ndarray
    n_pre: int
    gaps: np.ndarray
    pre_rmspe: np.ndarray
    post_rmspe: np.ndarray
    max_pre_mspe_ratio: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(_label(u) for u in self.units))
        for name in ("gaps", "pre_rmspe", "post_rmspe"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name)))
        periods = np.array(self.periods, copy=True)
        periods.setflags(write=False)
        object.__setattr__(self, "periods", periods)

    @property
    def treated_unit(self) -> Any:
        return self.units[0]

    @property
    def rmspe_ratio(self) -> np.ndarray:
        """Post- over pre-treatment RMSPE of every unit (treated first)."""
        return _ratio(self.post_rmspe, self.pre_rmspe)

    @property
    def included(self) -> np.ndarray:
        """Which units count in the test (all, unless ``max_pre_mspe_ratio`` is set)."""
        keep = np.ones(len(self.units), dtype=bool)
        if self.max_pre_mspe_ratio is not None:
            keep = self.pre_rmspe ** 2 <= self.max_pre_mspe_ratio * self.pre_rmspe[0] ** 2
            keep[0] = True
        return keep

    @property
    def observed(self) -> float:
        """The treated unit's RMSPE ratio."""
        return float(self.rmspe_ratio[0])

    @property
    def n_units(self) -> int:
        """Units in the test (the treated unit and the placebos kept)."""
        return int(self.included.sum())

    @property
    def rank(self) -> int:
        """Units (among those kept) whose ratio is at least the treated unit's; 1 = largest."""
        ratios = self.rmspe_ratio[self.included]
        return int(np.sum(ratios >= self.observed))

    @property
    def p_value(self) -> float:
        """Permutation p-value: ``rank / n_units``."""
        return self.rank / self.n_units

    def statistics(self) -> pd.Series:
        """RMSPE ratio of each unit kept, indexed by unit (the randomization distribution)."""
        keep = self.included
        return pd.Series(self.rmspe_ratio[keep], name="rmspe_ratio",
                         index=pd.Index([u for u, k in zip(self.units, keep, strict=True) if k],
                                        name="unit"))

    def excluding_poor_fits(self, max_pre_mspe_ratio: float) -> PlaceboTest:
        """The same test, leaving out placebos with a pre-treatment MSPE above ``k`` times
        the treated unit's (``k = max_pre_mspe_ratio``)."""
        if (isinstance(max_pre_mspe_ratio, bool)
                or not isinstance(max_pre_mspe_ratio, int | float) or not max_pre_mspe_ratio >= 1):
            raise InputError(f"max_pre_mspe_ratio={max_pre_mspe_ratio!r}: must be a number >= 1 "
                             f"(ADH 2010 use 20, 5 and 2); got {max_pre_mspe_ratio!r}")
        return replace(self, max_pre_mspe_ratio=float(max_pre_mspe_ratio))

    def tidy(self) -> pd.DataFrame:
        """One row per unit: ``unit, treated, pre_rmspe, post_rmspe, rmspe_ratio, included, rank``.

        ``rank`` orders the units kept by decreasing ratio (1 = largest; missing for
        units left out).
        """
        ratio = self.rmspe_ratio
        keep = self.included
        order = pd.Series(np.where(keep, ratio, np.nan)).rank(ascending=False, method="min")
        return pd.DataFrame({
            "unit": list(self.units), "treated": np.arange(len(self.units)) == 0,
            "pre_rmspe": self.pre_rmspe.copy(), "post_rmspe": self.post_rmspe.copy(),
            "rmspe_ratio": ratio, "included": keep, "rank": order.astype("Int64")})

    def gaps_frame(self) -> pd.DataFrame:
        """Gaps as a DataFrame: one row per period, one column per unit (treated first)."""
        return pd.DataFrame(self.gaps.T.copy(), index=_period_index(self.periods, "period"),
                            columns=pd.Index(list(self.units), name="unit"))


@dataclass(frozen=True)
class LeaveOneOut:
    """The treated unit re-fitted without each donor of positive weight (Abadie 2021).

    Attributes
    ----------
    dropped
        The donor left out of each re-fit, heaviest original weight first.
    donors
        All donors (the columns of ``weights``).
    periods, n_pre
        All periods; the first ``n_pre`` are before treatment.
    synthetic
        ``(re-fits, periods)`` synthetic outcome of each re-fit.
    gaps
        ``(re-fits, periods)`` outcome minus synthetic outcome.
    weights
        ``(re-fits, donors)`` donor weights of each re-fit (0 for the dropped donor).
    """

    dropped: tuple[Any, ...]
    donors: tuple[Any, ...]
    periods: np.ndarray
    n_pre: int
    synthetic: np.ndarray
    gaps: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "dropped", tuple(_label(u) for u in self.dropped))
        object.__setattr__(self, "donors", tuple(_label(u) for u in self.donors))
        for name in ("synthetic", "gaps", "weights"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name)))
        periods = np.array(self.periods, copy=True)
        periods.setflags(write=False)
        object.__setattr__(self, "periods", periods)

    @property
    def average_effect(self) -> np.ndarray:
        """Mean post-treatment gap of each re-fit."""
        return self.gaps[:, self.n_pre:].mean(axis=1)

    def tidy(self) -> pd.DataFrame:
        """One row per re-fit: ``dropped, average_effect, pre_rmspe, post_rmspe``."""
        pre = np.sqrt(np.mean(self.gaps[:, :self.n_pre] ** 2, axis=1))
        post = np.sqrt(np.mean(self.gaps[:, self.n_pre:] ** 2, axis=1))
        return pd.DataFrame({"dropped": list(self.dropped), "average_effect": self.average_effect,
                             "pre_rmspe": pre, "post_rmspe": post})


@dataclass(frozen=True)
class SyntheticControlResult:
    r"""A synthetic control estimate (Abadie, Diamond & Hainmueller 2010).

    The synthetic unit is the weighted average of donors :math:`\sum_j W_j Y_{jt}`
    whose predictors best match the treated unit's; the effect in each period after
    treatment is the gap :math:`Y_{1t} - \sum_j W_j Y_{jt}`. Produced by
    :func:`evalkit.synthetic.synthetic_control`; immutable, arrays read-only;
    properties return new pandas objects.

    Attributes
    ----------
    outcome
        The outcome column.
    treated_unit
        The treated unit.
    donors
        The donor pool, in the order of ``donor_weights``.
    donor_weights
        :math:`W`, on the simplex.
    predictor_labels, predictor_weights
        The predictors and their weights :math:`V` (on the standardised predictors
        when ``standardize`` was on), summing to one.
    predictor_values
        ``(predictors, 3)``: treated, synthetic and donor-average predictor values.
    periods, n_pre
        All periods; the first ``n_pre`` are before treatment.
    treated_outcome, synthetic_outcome
        The trajectories.
    fit_periods
        The periods whose MSPE chose :math:`V` (the optimisation period).
    v_method
        How :math:`V` was chosen.
    placebo
        The placebo-in-space test, when run.
    leave_one_out
        The leave-one-out re-fits, when run.
    inference
        ``PlaceboInSpace(...)`` when the placebo test was run, else ``NoInference()``.
    provenance
        The specification, data fingerprint and evalkit version.
    specification
        What the estimator was asked, typed (a
        :class:`~evalkit.results.contract.Specification`; ``None`` for a result built
        by hand); ``provenance.specification`` is its ``to_dict()``.
    """

    outcome: str
    treated_unit: Any
    donors: tuple[Any, ...]
    donor_weights: np.ndarray
    predictor_labels: tuple[str, ...]
    predictor_weights: np.ndarray
    predictor_values: np.ndarray
    periods: np.ndarray
    n_pre: int
    treated_outcome: np.ndarray
    synthetic_outcome: np.ndarray
    fit_periods: tuple[Any, ...]
    v_method: str
    provenance: Provenance
    placebo: PlaceboTest | None = None
    leave_one_out: LeaveOneOut | None = None
    inference: Inference = field(default_factory=NoInference)
    specification: Specification | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "treated_unit", _label(self.treated_unit))
        object.__setattr__(self, "donors", tuple(_label(u) for u in self.donors))
        object.__setattr__(self, "predictor_labels", tuple(self.predictor_labels))
        object.__setattr__(self, "fit_periods", tuple(_label(p) for p in self.fit_periods))
        for name in ("donor_weights", "predictor_weights", "predictor_values",
                     "treated_outcome", "synthetic_outcome"):
            object.__setattr__(self, name, read_only_copy(getattr(self, name)))
        periods = np.array(self.periods, copy=True)
        periods.setflags(write=False)
        object.__setattr__(self, "periods", periods)

    # ------------------------------------------------------------------ the numbers
    @property
    def treatment_start(self) -> Any:
        """The first treated period."""
        return _label(self.periods[self.n_pre])

    @property
    def gap(self) -> np.ndarray:
        """Treated minus synthetic outcome, every period (a copy)."""
        return self.treated_outcome - self.synthetic_outcome

    @property
    def pre_rmspe(self) -> float:
        """Root mean squared gap over all pre-treatment periods."""
        return float(np.sqrt(np.mean(self.gap[:self.n_pre] ** 2)))

    @property
    def post_rmspe(self) -> float:
        """Root mean squared gap over the post-treatment periods."""
        return float(np.sqrt(np.mean(self.gap[self.n_pre:] ** 2)))

    @property
    def rmspe_ratio(self) -> float:
        """``post_rmspe / pre_rmspe`` (the placebo test's statistic)."""
        return float(_ratio(np.array([self.post_rmspe]), np.array([self.pre_rmspe]))[0])

    @property
    def average_effect(self) -> float:
        """Mean gap over the post-treatment periods: the average effect on the treated unit."""
        return float(np.mean(self.gap[self.n_pre:]))

    @property
    def p_value(self) -> float | None:
        """Placebo-in-space permutation p-value (``None`` when placebos were not run)."""
        return None if self.placebo is None else self.placebo.p_value

    @property
    def weights(self) -> pd.Series:
        """Donor weights :math:`W`, indexed by donor."""
        return pd.Series(self.donor_weights.copy(), name="weight",
                         index=pd.Index(list(self.donors), name="donor"))

    @property
    def v(self) -> pd.Series:
        """Predictor weights :math:`V`, indexed by predictor."""
        return pd.Series(self.predictor_weights.copy(), name="v",
                         index=pd.Index(list(self.predictor_labels), name="predictor"))

    @property
    def balance(self) -> pd.DataFrame:
        """Predictor balance (ADH 2010, table 1): treated, synthetic, donor average, ``v``."""
        table = pd.DataFrame(self.predictor_values.copy(),
                             columns=["treated", "synthetic", "donor_average"],
                             index=pd.Index(list(self.predictor_labels), name="predictor"))
        table["v"] = self.predictor_weights
        return table

    @property
    def trajectories(self) -> pd.DataFrame:
        """Treated and synthetic outcome by period, and their gap."""
        return pd.DataFrame({"treated": self.treated_outcome.copy(),
                             "synthetic": self.synthetic_outcome.copy(), "gap": self.gap},
                            index=_period_index(self.periods, "period"))

    @property
    def gaps(self) -> pd.Series:
        """Gap (treated minus synthetic) by period."""
        return pd.Series(self.gap, index=_period_index(self.periods, "period"), name="gap")

    # ------------------------------------------------------------------ the contract
    @property
    def estimate(self) -> float:
        """The headline estimate: :attr:`average_effect`."""
        return self.average_effect

    @property
    def std_error(self) -> float:
        """Missing: the synthetic control has no standard error (inference is by placebos)."""
        return float("nan")

    @property
    def alpha(self) -> None:
        """``None``: the synthetic control has no confidence interval."""
        return None

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Missing bounds (columns ``lower``, ``upper``, indexed by the term
        ``"treated"``): inference is by the placebo-in-space p-value, without an
        interval."""
        level(alpha, None, "conf_int")
        return missing_intervals(["treated"])

    def with_alpha(self, alpha: float) -> SyntheticControlResult:
        """Not available: raises :class:`~evalkit.errors.InputError`.

        The synthetic control's inference is the placebo-in-space permutation p-value,
        which does not depend on a significance level, and it has no interval to
        recompute.
        """
        raise no_interval_error(
            "SyntheticControlResult", alpha, "its inference is the placebo-in-space "
            "p-value, which does not depend on alpha, and it has no confidence interval")

    # ------------------------------------------------------------------ tables
    def tidy(self, table: Literal["effect", "gaps", "weights", "balance", "placebo",
                                  "leave_one_out"] = "effect") -> pd.DataFrame:
        """The result as a DataFrame.

        ``"effect"`` (default): one row, ``term`` (``"treated"``), ``estimate`` (the
        average post-treatment gap), ``std_error``, ``conf_low`` and ``conf_high``
        (missing: no sampling inference), ``statistic`` (the post/pre RMSPE ratio) and
        ``p_value`` (the placebo-in-space p-value; missing without placebos), then
        ``pre_rmspe``, ``post_rmspe`` and ``n_donors``;
        ``"gaps"``: ``period, treated, synthetic, gap, post_treatment``;
        ``"weights"``: ``donor, weight``; ``"balance"``: ``predictor, treated,
        synthetic, donor_average, v``; ``"placebo"`` and ``"leave_one_out"``: the
        tables of :meth:`PlaceboTest.tidy` and :meth:`LeaveOneOut.tidy`.
        """
        if table not in TIDY_TABLES:
            raise InputError(f"table={table!r}: must be one of "
                             f"{', '.join(map(repr, TIDY_TABLES))}; got {table!r}")
        if table == "effect":
            return pd.DataFrame([{
                "term": "treated", "estimate": self.average_effect, "std_error": np.nan,
                "statistic": self.rmspe_ratio,
                "p_value": np.nan if self.p_value is None else self.p_value,
                "conf_low": np.nan, "conf_high": np.nan, "pre_rmspe": self.pre_rmspe,
                "post_rmspe": self.post_rmspe, "n_donors": len(self.donors)}])
        if table == "gaps":
            frame = self.trajectories.reset_index()
            frame["post_treatment"] = np.arange(len(frame)) >= self.n_pre
            return frame
        if table == "weights":
            return self.weights.reset_index()
        if table == "balance":
            return self.balance.reset_index()
        part = self.placebo if table == "placebo" else self.leave_one_out
        if part is None:
            option = ("inference=PlaceboInSpace()" if table == "placebo"
                      else "leave_one_out=True")
            raise InputError(f"table={table!r}: this result has no {table.replace('_', '-')} "
                             f"fits; run synthetic_control(..., {option})")
        return part.tidy()

    def summary(self, *, top: int = 10) -> Summary:
        """The result's summary: ``print()`` it, or show it in JupyterLab.

        The table is the predictor balance (ADH 2010, table 1); the facts give the
        donors with positive weight (the ``top`` heaviest), the fit and the effect.
        """
        w = self.weights.sort_values(ascending=False)
        w = w[w > 0]
        shown = ", ".join(f"{u} {format_number(x, 3)}" for u, x in w.head(top).items())
        if len(w) > top:
            shown += f" and {len(w) - top} more"
        facts: list[tuple[str, object]] = [
            ("Estimator", "Synthetic control (Abadie, Diamond & Hainmueller 2010)"),
            ("Outcome", self.outcome), ("Treated unit", str(self.treated_unit)),
            ("Treatment starts", str(self.treatment_start)),
            ("Donors (positive weight)", f"{len(self.donors)} ({len(w)})"),
            ("Donor weights", shown),
            ("Predictor weights V", self.v_method),
            ("Optimisation period", _periods_text(self.fit_periods)),
            ("Pre-treatment RMSPE", self.pre_rmspe), ("Post-treatment RMSPE", self.post_rmspe),
            ("Post/pre RMSPE ratio", self.rmspe_ratio),
            ("Average effect (post-treatment gap)", self.average_effect),
            (f"Gap in {_label(self.periods[-1])}", float(self.gap[-1]))]
        if self.placebo is not None:
            p = self.placebo
            rule = ("" if p.max_pre_mspe_ratio is None else
                    f", placebos with pre-MSPE above {p.max_pre_mspe_ratio:g}x the treated "
                    "unit's left out")
            facts.append(("Placebo-in-space p-value",
                          f"{p.p_value:.4f} (rank {p.rank} of {p.n_units}{rule})"))
        facts.append(("Inference", self.inference.describe()))
        if self.leave_one_out is not None and self.leave_one_out.dropped:
            effects = self.leave_one_out.average_effect
            facts.append(("Leave-one-out average effect",
                          f"{effects.min():.4f} to {effects.max():.4f} "
                          f"({len(self.leave_one_out.dropped)} re-fits)"))
        table = self.balance.rename(columns={"treated": "Treated", "synthetic": "Synthetic",
                                             "donor_average": "Donor average", "v": "V"})
        table.index.name = "Predictor"
        notes = ("Placebo p-value: share of units whose post/pre RMSPE ratio is at least the "
                 "treated unit's (each donor re-fitted as if treated).",
                 f"evalkit {self.provenance.evalkit_version}; data SHA-256 "
                 f"{self.provenance.data_fingerprint[:16]}...")
        return Summary(title="Synthetic control", facts=facts_from(facts), table=table,
                       notes=notes if self.placebo is not None else notes[1:])

    def plot(self, kind: Literal["trajectories", "gaps", "placebo", "ratios",
                                 "leave_one_out"] = "trajectories", *,
             ax: Axes | None = None, title: str | None = None,
             labels: dict[str, str] | None = None) -> Figure:
        """Plot the result (see :mod:`evalkit.plots.synthetic_control`).

        ``kind``: ``"trajectories"`` (treated vs synthetic), ``"gaps"``, ``"placebo"``
        (placebo gaps, treated in bold), ``"ratios"`` (RMSPE-ratio ranking) or
        ``"leave_one_out"``.
        """
        from evalkit.plots.synthetic_control import plot_synthetic_control

        return plot_synthetic_control(self, kind=kind, ax=ax, title=title, labels=labels)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _periods_text(periods: Sequence[Any]) -> str:
    values = list(periods)
    if len(values) > 2 and all(isinstance(v, int | np.integer) for v in values) and \
            values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]} ({len(values)} periods)"
    return ", ".join(str(v) for v in values)
