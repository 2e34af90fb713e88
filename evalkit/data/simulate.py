"""Simulated staggered-adoption panels with known treatment effects.

Used to check that estimators recover the truth (and that two-way fixed effects does
not when effects vary across cohorts and over time), and to benchmark estimators at
scale. Everything is vectorised: 1 million units x 10 periods take about a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit._validation import Problems
from evalkit.errors import InputError

__all__ = ["SimulatedPanel", "simulate_staggered_panel"]


@dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel and the treatment effects it was built with.

    Attributes
    ----------
    data
        One row per unit and period: ``unit``, ``period`` (1..T), ``first_treated``
        (0 = never treated), ``treated`` (0/1), ``x`` (a time-invariant covariate),
        ``weight`` (a positive sampling weight) and the outcome ``y``.
    effects
        The true effect of each cohort in each period, one row per ``(cohort, period)``
        with ``t >= cohort``: columns ``cohort``, ``period``, ``event_time``, ``effect``.
    cohort_sizes
        Number of units in each cohort (``0`` = never treated).
    """

    data: pd.DataFrame
    effects: pd.DataFrame
    cohort_sizes: pd.Series

    def true_event_effects(self) -> pd.Series:
        """True average effect at each event time, weighting cohorts by their size.

        This is the estimand of the event-study aggregation of group-time effects
        (Callaway & Sant'Anna's ``dynamic`` aggregation).
        """
        eff = self.effects.assign(n=self.effects["cohort"].map(self.cohort_sizes))
        eff = eff.assign(wy=eff["effect"] * eff["n"])
        grouped = eff.groupby("event_time")[["wy", "n"]].sum()
        return (grouped["wy"] / grouped["n"]).rename("effect")

    def true_overall_effect(self) -> float:
        """True average effect over all treated unit-periods (the ATT of every treated cell)."""
        eff = self.effects.assign(n=self.effects["cohort"].map(self.cohort_sizes))
        return float((eff["effect"] * eff["n"]).sum() / eff["n"].sum())


def _check(n_units: int, n_periods: int, cohorts: Sequence[int], shares: Sequence[float],
           noise_sd: float) -> None:
    problems = Problems()
    if not isinstance(n_units, int | np.integer) or n_units < 2:
        problems.add(f"n_units={n_units!r}: must be an integer >= 2; got {n_units!r}")
    if not isinstance(n_periods, int | np.integer) or n_periods < 2:
        problems.add(f"n_periods={n_periods!r}: must be an integer >= 2; got {n_periods!r}")
    bad = [g for g in cohorts if not 1 < g <= n_periods]
    if bad:
        problems.add(f"cohorts={list(cohorts)!r}: each must be a period in 2..{n_periods} (a "
                     f"cohort needs a period before treatment); got {bad}")
    if len(shares) != len(cohorts) + 1 or any(s < 0 for s in shares) or not np.isclose(
            sum(shares), 1.0):
        problems.add(f"shares={list(shares)!r}: must give one non-negative share per cohort and "
                     "a last one for never-treated units, summing to 1")
    if noise_sd < 0:
        problems.add(f"noise_sd={noise_sd!r}: must be >= 0; got {noise_sd!r}")
    problems.raise_if_any(InputError, "Invalid arguments to simulate_staggered_panel:")


def simulate_staggered_panel(
    n_units: int = 1000,
    n_periods: int = 10,
    *,
    cohorts: Sequence[int] = (4, 6, 8),
    shares: Sequence[float] | None = None,
    cohort_effects: Mapping[int, float] | None = None,
    dynamic_slope: float = 0.5,
    covariate_trend: float = 0.0,
    noise_sd: float = 1.0,
    seed: int = 0,
) -> SimulatedPanel:
    r"""Simulate a balanced staggered-adoption panel with heterogeneous, dynamic effects.

    The untreated outcome follows parallel trends (conditionally on ``x`` when
    ``covariate_trend`` is not zero):

    .. math:: Y_{it}(0) = \alpha_i + \lambda_t + \kappa\, x_i\, t + \varepsilon_{it}

    where unit effects :math:`\alpha_i` differ by cohort (selection on levels is
    allowed), :math:`\lambda_t` is a common shock, :math:`x_i` raises the chance of
    early treatment, and :math:`\varepsilon_{it}` is normal noise. The effect of
    treatment for cohort :math:`g` at period :math:`t \ge g` is

    .. math:: \tau_{gt} = \beta_g + \delta\,(t - g)

    with cohort-specific :math:`\beta_g` (``cohort_effects``, default 1, 2, 3 ... for
    successive cohorts) and a common slope :math:`\delta` (``dynamic_slope``), so that
    effects differ across cohorts and grow with time since treatment: the setting in
    which two-way fixed effects is biased.

    Parameters
    ----------
    n_units, n_periods
        Size of the balanced panel; periods are numbered 1..``n_periods``.
    cohorts
        First treatment periods of the treated cohorts.
    shares
        Share of units in each cohort and, last, never treated (default: equal).
    cohort_effects
        :math:`\beta_g` for each cohort.
    dynamic_slope
        :math:`\delta`, the growth of the effect per period since treatment.
    covariate_trend
        :math:`\kappa`: with a non-zero value, trends depend on ``x`` and only
        conditional parallel trends hold.
    noise_sd
        Standard deviation of :math:`\varepsilon_{it}`.
    seed
        Seed of the random generator (the same seed gives the same panel).
    """
    cohorts = [int(g) for g in cohorts]
    shares = list(shares) if shares is not None else [1 / (len(cohorts) + 1)] * (len(cohorts) + 1)
    _check(n_units, n_periods, cohorts, shares, noise_sd)
    betas = dict(cohort_effects or {g: float(k + 1) for k, g in enumerate(sorted(cohorts))})
    rng = np.random.default_rng(seed)

    x = rng.normal(size=n_units)
    counts = np.floor(np.array(shares) * n_units).astype(int)
    counts[-1] += n_units - counts.sum()
    pairs = sorted(zip(cohorts, counts[:-1], strict=True)) + [(0, counts[-1])]
    labels = np.repeat([g for g, _ in pairs], [c for _, c in pairs])
    # with a covariate trend, units with a high x tend to be treated earlier
    order = (np.argsort(-(x + rng.normal(scale=1.5, size=n_units))) if covariate_trend
             else rng.permutation(n_units))
    cohort = np.empty(n_units, dtype=np.int64)
    cohort[order] = labels

    alpha = rng.normal(size=n_units) + 0.5 * np.where(cohort > 0, cohort / n_periods, 0.0)
    periods = np.arange(1, n_periods + 1)
    lam = np.cumsum(rng.normal(0.1, 0.3, size=n_periods))

    unit = np.repeat(np.arange(1, n_units + 1), n_periods)
    period = np.tile(periods, n_units)
    g_row = np.repeat(cohort, n_periods)
    treated = (g_row > 0) & (period >= g_row)
    beta_row = np.zeros(n_units * n_periods)
    for g, b in betas.items():
        beta_row[g_row == g] = b
    effect = np.where(treated, beta_row + dynamic_slope * (period - g_row), 0.0)
    y = (np.repeat(alpha, n_periods) + lam[period - 1]
         + covariate_trend * np.repeat(x, n_periods) * period + effect
         + noise_sd * rng.normal(size=n_units * n_periods))
    data = pd.DataFrame({
        "unit": unit, "period": period, "first_treated": g_row,
        "treated": treated.astype(np.int8), "x": np.repeat(x, n_periods),
        "weight": np.repeat(rng.uniform(0.5, 1.5, size=n_units), n_periods), "y": y,
    })
    rows = [(g, t, t - g, betas[g] + dynamic_slope * (t - g))
            for g in sorted(cohorts) for t in periods if t >= g]
    effects = pd.DataFrame(rows, columns=["cohort", "period", "event_time", "effect"])
    sizes = pd.Series(cohort).value_counts().sort_index().rename("units")
    sizes.index.name = "cohort"
    return SimulatedPanel(data=data, effects=effects, cohort_sizes=sizes)
