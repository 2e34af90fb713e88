r"""How much spending per inhabitant varies across the treated territories.

One cost per result divides the whole amount by one average effect; when some
territories received several times more per inhabitant than others, that hides how the
effect depends on the dose. For territories :math:`i` with amount :math:`A_i` and
population :math:`P_i`, spending per inhabitant :math:`s_i = A_i / P_i` and population
shares :math:`w_i = P_i / \sum_j P_j`:

.. math::
    m = \sum_i w_i s_i = \frac{\sum_i A_i}{\sum_i P_i}, \qquad
    \mathrm{CV} = \frac{\sqrt{\sum_i w_i (s_i - m)^2}}{m},

the population-weighted coefficient of variation (no small-sample correction: the
territories are the population, not a sample of it), and the population-weighted
percentiles :math:`p_{10}` and :math:`p_{90}` of :math:`s_i`: with the territories sorted
by :math:`s_i` and :math:`F_k` the cumulative population share up to the k-th,
:math:`p_q = s_{(k)}` for the first :math:`k` with :math:`F_k \ge q` (the inverted
cumulative distribution: the spending per inhabitant of the territory where a share
:math:`q` of the population, ranked by spending per inhabitant, is reached).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit._validation import Problems
from evalkit.errors import InputError
from evalkit.programmes.per_inhabitant import PerInhabitant

__all__ = ["SpendingVariation", "spending_variation"]

_SHOW = 5


@dataclass(frozen=True)
class SpendingVariation:
    """Spending per inhabitant across territories. Build it with :func:`spending_variation`.

    Attributes
    ----------
    table
        One row per territory, sorted by code: ``code`` (text), ``amount``,
        ``population``, ``per_inhabitant`` (``amount / population``) and
        ``population_share``.
    mean
        Population-weighted mean spending per inhabitant (= total amount / total
        population).
    cv
        Population-weighted coefficient of variation of spending per inhabitant.
    p10, p90
        Population-weighted 10th and 90th percentiles (inverted cumulative distribution).
    ratio_p90_p10
        ``p90 / p10`` (``inf`` when ``p10`` is 0).
    minimum, maximum
        The lowest and highest spending per inhabitant.
    minimum_code, maximum_code
        The territories where they are found (the first code on a tie).
    threshold
        The coefficient of variation above which spending is said to vary.
    varies
        ``cv > threshold``: one cost per result would hide the variation; estimate a
        dose-response (a continuous-treatment difference-in-differences) instead.
    """

    table: pd.DataFrame = field(repr=False)
    mean: float
    cv: float
    p10: float
    p90: float
    ratio_p90_p10: float
    minimum: float
    maximum: float
    minimum_code: str
    maximum_code: str
    threshold: float
    varies: bool

    def tidy(self) -> pd.DataFrame:
        """The table (a copy) with ``mean``, ``cv``, ``p10``, ``p90``,
        ``ratio_p90_p10``, ``threshold`` and ``varies`` repeated on each row."""
        out = self.table.copy()
        for name in ("mean", "cv", "p10", "p90", "ratio_p90_p10", "threshold", "varies"):
            out[name] = getattr(self, name)
        return out

    def summary(self) -> str:
        """The spread of spending per inhabitant, and what to do when it is large."""
        lines = [f"Spending per inhabitant across {len(self.table)} territories: from "
                 f"{self.minimum:,.2f} ({self.minimum_code}) to {self.maximum:,.2f} "
                 f"({self.maximum_code}); {self.mean:,.2f} on average over the population; "
                 f"coefficient of variation {self.cv:.2f} (population-weighted), 90th/10th "
                 f"percentile ratio {self.ratio_p90_p10:.2f}."]
        if self.varies:
            lines.append(f"It varies beyond the threshold (coefficient of variation above "
                         f"{self.threshold:g}): one cost per result, dividing the whole amount "
                         "by one average effect, hides that; estimate how the effect depends "
                         "on the amount per inhabitant (a dose-response, continuous-treatment "
                         "difference-in-differences) instead of dividing.")
        else:
            lines.append(f"It varies little (coefficient of variation at most "
                         f"{self.threshold:g}): one cost per result is a fair summary.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _series(name: str, value: object, problems: Problems) -> pd.Series:
    if isinstance(value, pd.Series):
        series = value
    elif isinstance(value, Mapping):
        series = pd.Series(dict(value), dtype=object)
    else:
        problems.add(f"{name}={type(value).__name__}: must be a pandas Series or a mapping from "
                     f"territorial code to number; got {type(value).__name__}")
        return pd.Series(dtype=float)
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() & series.notna()
    if bad.any():
        shown = ", ".join(f"{k!s}={v!r}" for k, v in series[bad].head(_SHOW).items())
        problems.add(f"{name}: every value must be a number; got {int(bad.sum())} that are not "
                     f"({shown})")
    out = pd.Series(numbers.to_numpy(dtype=float), index=series.index.astype(str))
    duplicated = out.index[out.index.duplicated()].unique()
    if len(duplicated):
        problems.add(f"{name}: every territorial code must appear once; got "
                     f"{len(duplicated)} codes more than once "
                     f"({', '.join(duplicated[:_SHOW])})")
    return out


def _codes(codes: pd.Index) -> str:
    shown = ", ".join(codes[:_SHOW])
    return shown + (f", ... ({len(codes) - _SHOW} more)" if len(codes) > _SHOW else "")


def _weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    k = int(np.searchsorted(cumulative, q - 1e-12, side="left"))
    return float(values[order][min(k, len(values) - 1)])


def spending_variation(amount_by_territory: pd.Series | Mapping[str, float] | PerInhabitant,
                       population_by_territory: pd.Series | Mapping[str, float] | None = None,
                       threshold: float = 0.25) -> SpendingVariation:
    """How much spending per inhabitant varies across the treated territories.

    See the module's documentation for the formulas (population-weighted coefficient of
    variation, 10th and 90th percentiles).

    Parameters
    ----------
    amount_by_territory
        The amount spent in each treated territory, indexed by territorial code (text);
        or a :class:`~evalkit.programmes.PerInhabitant` (its amounts and legal
        populations are used, and ``population_by_territory`` must be ``None``).
    population_by_territory
        The population of each territory, indexed by code; codes not in the amounts are
        ignored (e.g. a table of every department).
    threshold
        The coefficient of variation above which spending is said to vary (default 0.25:
        a standard deviation of a quarter of the mean).

    Returns
    -------
    SpendingVariation

    Raises
    ------
    InputError
        A value not a number, a negative amount, a population missing or not positive, a
        code given twice, no territory, a total amount of zero, or a threshold not
        positive.
    """
    problems = Problems()
    if isinstance(amount_by_territory, PerInhabitant):
        if population_by_territory is not None:
            problems.add("population_by_territory: must be None when the amounts are a "
                         "PerInhabitant (its legal populations are used); got "
                         f"{type(population_by_territory).__name__}")
        table = amount_by_territory.table
        amount_by_territory = pd.Series(table["amount"].to_numpy(), index=table["code"])
        population_by_territory = pd.Series(table["population"].to_numpy(),
                                            index=table["code"])
    amount = _series("amount_by_territory", amount_by_territory, problems)
    population = _series("population_by_territory", population_by_territory, problems)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
            math.isfinite(threshold) and threshold > 0):
        problems.add(f"threshold={threshold!r}: must be a positive number (a coefficient of "
                     f"variation, e.g. 0.25); got {threshold!r}")
    problems.raise_if_any(InputError, "Invalid arguments to spending_variation:")
    if amount.empty:
        problems.add("amount_by_territory: must hold at least one territory; got none")
    missing_amount = amount.index[amount.isna().to_numpy()]
    if len(missing_amount):
        problems.add(f"amount_by_territory: every amount must be given; got "
                     f"{len(missing_amount)} missing ({_codes(missing_amount)})")
    negative = amount.index[(amount < 0).to_numpy()]
    if len(negative):
        problems.add(f"amount_by_territory: every amount must be >= 0; got {len(negative)} "
                     f"negative ({_codes(negative)})")
    pop = population.reindex(amount.index)
    absent = amount.index[~amount.index.isin(population.index)]
    if len(absent):
        problems.add(f"population_by_territory: must give the population of every territory "
                     f"with an amount; got none for {len(absent)} ({_codes(absent)})")
    bad_pop = amount.index[amount.index.isin(population.index) & ~(pop > 0).to_numpy()]
    if len(bad_pop):
        problems.add(f"population_by_territory: every population must be > 0; got "
                     f"{len(bad_pop)} missing, zero or negative ({_codes(bad_pop)})")
    problems.raise_if_any(InputError, "Invalid arguments to spending_variation:")
    a = amount.to_numpy(dtype=float)
    p = pop.to_numpy(dtype=float)
    if a.sum() <= 0:
        raise InputError("amount_by_territory: must hold some spending; got a total of 0, so "
                         "spending per inhabitant has no variation to measure")
    s = a / p
    w = p / p.sum()
    mean = float(a.sum() / p.sum())
    cv = float(np.sqrt(np.sum(w * (s - mean) ** 2)) / mean)
    p10 = _weighted_percentile(s, w, 0.10)
    p90 = _weighted_percentile(s, w, 0.90)
    table = pd.DataFrame({"code": amount.index.to_numpy(dtype=object), "amount": a,
                          "population": p, "per_inhabitant": s, "population_share": w})
    table = table.sort_values("code", kind="stable").reset_index(drop=True)
    at_min = int(np.argmin(table["per_inhabitant"].to_numpy()))
    at_max = int(np.argmax(table["per_inhabitant"].to_numpy()))
    return SpendingVariation(
        table=table, mean=mean, cv=cv, p10=p10, p90=p90,
        ratio_p90_p10=p90 / p10 if p10 > 0 else math.inf,
        minimum=float(table["per_inhabitant"].iloc[at_min]),
        maximum=float(table["per_inhabitant"].iloc[at_max]),
        minimum_code=str(table["code"].iloc[at_min]),
        maximum_code=str(table["code"].iloc[at_max]),
        threshold=float(threshold), varies=bool(cv > threshold))
