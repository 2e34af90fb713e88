"""Panels held by an engine (DuckDB, Dask), read by the estimators as blocks of whole units.

An :class:`EnginePanel` is validated by its engine when it is built, exactly as a
:class:`~evalkit.data.panel.Panel` is (the same checks, the same messages), and records
the facts every estimator and report needs (periods, units, cohorts, clusters, a
fingerprint). The data themselves stay in the engine. Estimators read them through
:meth:`EnginePanel.map_blocks`: a function applied, where the data are, to each
:class:`UnitBlock` -- a set of whole units, one column per unit and one row per period --
returning small arrays (sums, cross-products) that are added up in a fixed order.

:class:`SplitPanel` cuts an in-memory :class:`Panel` into such blocks: it is the
reference the engines are tested against, and lets the block estimators be checked
against the in-memory ones on any panel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalkit.data.panel import DescribedPanel, Panel, PanelSpec
from evalkit.errors import InputError

__all__ = ["UnitBlock", "PanelFacts", "EnginePanel", "SplitPanel", "sum_blocks"]


@dataclass(frozen=True)
class UnitBlock:
    """Whole units of a panel: every row of each of its units, laid out units x periods.

    Attributes
    ----------
    units
        The units' identifiers, ``n`` of them, sorted.
    cohort
        Each unit's first treatment period (``n``), ``NaN`` for units never treated
        during the observed periods (the convention of :attr:`Panel.unit_cohorts`).
    outcome
        ``T x n`` outcomes, one row per period of :attr:`EnginePanel.periods`; ``NaN``
        where the unit has no row for the period.
    observed
        ``T x n``: whether the unit has a row for the period.
    weights
        ``T x n`` sampling weights (``NaN`` where not observed), or ``None``.
    covariates
        ``p x T x n`` covariates in the order of the panel's description, or ``None``.
    cluster
        Each unit's cluster, as its position in :attr:`EnginePanel.cluster_labels`,
        or ``None`` when the panel declares no cluster column.
    """

    units: np.ndarray
    cohort: np.ndarray
    outcome: np.ndarray
    observed: np.ndarray
    weights: np.ndarray | None = None
    covariates: np.ndarray | None = None
    cluster: np.ndarray | None = None

    @property
    def n(self) -> int:
        """The number of units in the block."""
        return int(self.units.size)


@dataclass(frozen=True)
class PanelFacts:
    """What the engine established about the data while validating them."""

    periods: np.ndarray
    n_units: int
    n_obs: int
    cohorts: np.ndarray  # distinct first-treatment periods within the observed periods
    cohort_units: np.ndarray  # units in each of them
    never_treated_units: int
    treated_after_end: int
    cluster_labels: np.ndarray | None
    fingerprint: str
    dropped_rows: int = 0


def sum_blocks(results: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Add up, key by key and in the order given, what each block returned."""
    if not results:
        raise InputError("no block to add up: the panel holds no unit")
    total = {key: np.array(value, dtype=float, copy=True) for key, value in results[0].items()}
    for result in results[1:]:
        for key, value in result.items():
            total[key] += value
    return total


def _label(value: float) -> object:
    return int(value) if float(value).is_integer() else float(value)


class EnginePanel(DescribedPanel, ABC):
    """A panel whose data stay in an engine, validated by it (see the module docstring).

    The description (``unit``, ``time``, ``outcome``, ``first_treated`` or
    ``treatment``, ``covariates``, ``weights``, ``cluster``) and the facts read like a
    :class:`~evalkit.data.panel.Panel`'s. A cluster column must be constant within each
    unit (units are the draws of a panel).
    """

    _spec: PanelSpec
    _facts: PanelFacts
    engine: str = "engine"

    # ------------------------------------------------------------------ the data
    @abstractmethod
    def map_blocks(self, function: Callable[..., Any], *args: Any) -> list[Any]:
        """``function(block, *args)`` for every block of whole units, in a fixed order.

        The function runs where the data are (a DuckDB stream, a Dask worker); it must be
        importable by name and return small objects.
        """

    def reduce(self, function: Callable[..., dict[str, np.ndarray]],
               *args: Any) -> dict[str, np.ndarray]:
        """The sums, key by key, of what ``function(block, *args)`` returns for each block."""
        return sum_blocks(self.map_blocks(function, *args))

    # ------------------------------------------------------------------ the facts
    @property
    def periods(self) -> np.ndarray:
        return self._facts.periods.copy()

    @property
    def n_periods(self) -> int:
        return int(self._facts.periods.size)

    @property
    def n_units(self) -> int:
        return self._facts.n_units

    @property
    def n_obs(self) -> int:
        return self._facts.n_obs

    @property
    def is_balanced(self) -> bool:
        return self.n_obs == self.n_units * self.n_periods

    @property
    def dropped_rows(self) -> int:
        return self._facts.dropped_rows

    @property
    def cohorts(self) -> np.ndarray:
        """The distinct first-treatment periods within the observed periods, sorted."""
        return self._facts.cohorts.astype(float)

    @property
    def n_treated_units(self) -> int:
        return int(self._facts.cohort_units.sum())

    @property
    def n_never_treated_units(self) -> int:
        return self._facts.never_treated_units

    @property
    def is_staggered(self) -> bool:
        return self._facts.cohorts.size > 1

    @property
    def cluster_labels(self) -> np.ndarray | None:
        """The distinct values of the cluster column, sorted (``None`` without one)."""
        labels = self._facts.cluster_labels
        return None if labels is None else labels.copy()

    @property
    def cohort_sizes(self) -> pd.Series:
        """Units in each cohort, never-treated units under ``"never"`` (as a Panel's)."""
        labels: list[object] = [_label(g) for g in self._facts.cohorts]
        counts = [int(n) for n in self._facts.cohort_units]
        if self._facts.never_treated_units:
            labels.append("never")
            counts.append(self._facts.never_treated_units)
        out = pd.Series(counts, index=pd.Index(labels, dtype=object, name="cohort"),
                        name="units", dtype=int)
        return out

    @property
    def fingerprint(self) -> str:
        """A SHA-256 digest of the data's content, computed by the engine (row order
        does not change it)."""
        return self._facts.fingerprint

    def describe(self) -> dict[str, object]:
        """The facts a report states about the data (as :meth:`Panel.describe`)."""
        periods = self._facts.periods
        return {
            "rows": self.n_obs,
            "units": self.n_units,
            "periods": self.n_periods,
            "first_period": _label(periods[0]),
            "last_period": _label(periods[-1]),
            "balanced": self.is_balanced,
            "treated_units": self.n_treated_units,
            "never_treated_units": self.n_never_treated_units,
            "treated_after_last_period": self._facts.treated_after_end,
            "cohorts": {str(k): int(v) for k, v in self.cohort_sizes.items()},
            "dropped_rows": self.dropped_rows,
        }

    def __repr__(self) -> str:
        timing = f"treatment={self.treatment!r}" if self.treatment else (
            f"first_treated={self.first_treated!r}")
        return (f"{type(self).__name__}(unit={self.unit!r}, time={self.time!r}, "
                f"outcome={self.outcome!r}, {timing}; {self.n_units} units x "
                f"{self.n_periods} periods, {self.n_obs} rows, {self.n_treated_units} "
                f"treated; engine {self.engine})")


# ============================================================================ in memory
def panel_block(panel: Panel, units: np.ndarray,
                cluster_labels: np.ndarray | None) -> UnitBlock:
    """The block of ``panel``'s units at positions ``units`` (sorted positions).

    A panel's rows are sorted by unit: consecutive units are one slice of rows.
    """
    n_periods = panel.n_periods
    unit_index = panel.unit_index
    if units.size and units[-1] - units[0] + 1 == units.size:
        rows = slice(*np.searchsorted(unit_index, [units[0], units[-1] + 1]))
        column = unit_index[rows] - units[0]
    else:
        inside = np.zeros(panel.n_units, dtype=bool)
        inside[units] = True
        rows = inside[unit_index]
        position = np.full(panel.n_units, -1, dtype=np.intp)
        position[units] = np.arange(units.size)
        column = position[unit_index[rows]]
    period = panel.period_index[rows]

    def wide(values: np.ndarray) -> np.ndarray:
        out = np.full((n_periods, units.size), np.nan)
        out[period, column] = values[rows]
        return out

    observed = np.zeros((n_periods, units.size), dtype=bool)
    observed[period, column] = True
    weights = wide(panel.values(panel.weights)) if panel.weights else None
    covariates = (np.stack([wide(panel.values(c)) for c in panel.covariates])
                  if panel.covariates else None)
    cluster = None
    if cluster_labels is not None:
        labels = panel.data[panel.cluster].to_numpy()[rows]
        first = np.zeros(units.size, dtype=np.intp)
        first[column] = np.searchsorted(cluster_labels, labels)
        cluster = first
    return UnitBlock(units=panel.units[units],
                     cohort=panel.unit_cohorts.to_numpy(dtype=float)[units],
                     outcome=wide(panel.values(panel.outcome)), observed=observed,
                     weights=weights, covariates=covariates, cluster=cluster)


class SplitPanel(EnginePanel):
    """An in-memory :class:`Panel` read as ``n_blocks`` blocks of whole units.

    The reference for the engines and for the block estimators: a ``SplitPanel`` holds
    exactly the data of its panel, so an estimator run on it must give the panel's
    results. ``order`` permutes the blocks (the sums must not depend on it beyond
    rounding).
    """

    engine = "memory"

    def __init__(self, panel: Panel, n_blocks: int = 3, *,
                 order: Sequence[int] | None = None) -> None:
        if not isinstance(panel, Panel):
            raise InputError(f"panel: must be an evalkit.Panel; got {type(panel).__name__}")
        if panel.cluster and panel.cluster != panel.unit:
            first = panel.data.groupby(panel.unit_index)[panel.cluster].nunique()
            if (first > 1).any():
                raise InputError(f"cluster={panel.cluster!r}: must be constant within each unit")
        self._panel = panel
        self._spec = panel.specification
        labels = (np.sort(pd.unique(panel.data[panel.cluster]))
                  if panel.cluster else None)
        cohorts = panel.unit_cohorts.to_numpy(dtype=float)
        values, counts = np.unique(cohorts[~np.isnan(cohorts)], return_counts=True)
        self._facts = PanelFacts(
            periods=panel.periods, n_units=panel.n_units, n_obs=panel.n_obs, cohorts=values,
            cohort_units=counts, never_treated_units=panel.n_never_treated_units,
            treated_after_end=int(panel.describe()["treated_after_last_period"]),
            cluster_labels=labels, fingerprint=panel.fingerprint,
            dropped_rows=panel.dropped_rows)
        self._bounds = np.linspace(0, panel.n_units, max(1, int(n_blocks)) + 1).astype(np.intp)
        count = self._bounds.size - 1
        self._order = list(range(count)) if order is None else [int(i) for i in order]
        if sorted(self._order) != list(range(count)):
            raise InputError(f"order={order!r}: must be a permutation of range({count})")

    def map_blocks(self, function: Callable[..., Any], *args: Any) -> list[Any]:
        labels = self._facts.cluster_labels
        out = []
        for i in self._order:
            units = np.arange(self._bounds[i], self._bounds[i + 1])
            if units.size:
                out.append(function(panel_block(self._panel, units, labels), *args))
        return out
