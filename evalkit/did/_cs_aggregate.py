"""Aggregations of group-time effects ATT(g,t) and their inference (pure numpy).

Every aggregated parameter of Callaway & Sant'Anna (2021, section 3) is a weighted
average of ATT(g,t) whose weights are estimated cohort shares. Its influence function
(R's ``did::compute.aggte``) is the weighted sum of the cells' influence functions plus
the influence function of the estimated weights (R's ``wif``). For units of cohort ``c``
that term reduces to ``w_i (u_c - m_c theta) / S``, where the aggregation averages cells
``k`` with weights ``pg_k / S`` (``pg`` the cohort's share of the weighted sample,
``S`` their sum), ``u_c`` sums the ATT(g,t) of cohort ``c``'s cells, ``m_c`` counts them
and ``theta`` is the aggregate; it is zero for units of other cohorts.

Every aggregated influence function is therefore a linear combination ``r`` of the rows
of ``M = [psi; w 1{G = c}]`` (cells, then cohort indicators), and so are its standard
error, ``sqrt(r' (M M') r) / n``, its covariance with any other aggregate, and its
multiplier-bootstrap draws. The fit keeps ``M M'`` (clustered: the Gram matrix of the
cluster sums times ``G / (G - 1)``) and the bootstrap draws of every row of ``M``;
nothing here touches unit-level data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.inference.multiplier import bootstrap_standard_errors, sup_t_statistics
from evalkit.results.band import UniformBand

__all__ = ["AggregationBasis", "Aggregate"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Aggregate:
    """Aggregated parameters with their covariance and (bootstrap) standard errors.

    ``keys`` name what each term aggregates over (cohort, event time or period; ``None``
    for an overall average). ``band`` is the uniform band over the terms whose key is not
    ``None`` (bootstrap only); ``band_critical_value`` its critical value at ``alpha`` and
    ``band_fallback`` whether the bootstrap value fell below the pointwise normal one (or
    could not be computed) and was replaced by it, as R's ``did`` does.
    """

    keys: tuple[float | int | None, ...]
    estimate: np.ndarray
    vcov: np.ndarray
    std_errors: np.ndarray | None
    alpha: float
    band: UniformBand | None = None

    @property
    def band_critical_value(self) -> float | None:
        return None if self.band is None else self.band.critical_value(self.alpha)

    @property
    def band_fallback(self) -> bool:
        return self.band is not None and self.band.falls_back(self.alpha)


@dataclass(frozen=True, eq=False)
class AggregationBasis:
    """What aggregations need from a fit: the ATT(g,t), their cells, shares and moments.

    Attributes
    ----------
    att
        ATT(g,t) estimates, one per cell.
    cell_cohort
        Each cell's cohort (index into ``cohorts``).
    cell_period
        Each cell's period t (its value).
    cell_event_time
        Each cell's event time t - g, in periods.
    cohorts, cohort_position
        The cohorts (values) and their positions on the period grid.
    cohort_share
        ``pg``: each cohort's share of the weighted sample (mean of ``w 1{G = g}``).
    last_position, first_cell_position
        Positions of the last period and of the earliest period with a cell.
    gram
        ``M M'`` (or its clustered version with the small-sample factor), cells first.
    n
        Number of identifiers (the ``n`` of ``(1/n) sum psi``).
    draws
        ``n_draws x (K + C)`` multiplier-bootstrap draws of every row of ``M`` (or None).
    """

    att: np.ndarray
    cell_cohort: np.ndarray
    cell_period: np.ndarray
    cell_event_time: np.ndarray
    cohorts: np.ndarray
    cohort_position: np.ndarray
    cohort_share: np.ndarray
    last_position: int
    first_cell_position: int
    gram: np.ndarray
    n: float
    draws: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("att", "cell_cohort", "cell_period", "cell_event_time", "cohorts",
                     "cohort_position", "cohort_share", "gram"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.draws is not None:
            object.__setattr__(self, "draws", _frozen(self.draws))

    # ------------------------------------------------------------------ shapes
    @property
    def n_cells(self) -> int:
        return int(self.att.size)

    @property
    def post(self) -> np.ndarray:
        """Cells with t >= g (R's post-treatment cells)."""
        return self.cell_period >= self.cohorts[self.cell_cohort]

    def _row(self) -> np.ndarray:
        return np.zeros(self.n_cells + self.cohorts.size)

    def _share_weighted(self, cells: np.ndarray) -> tuple[np.ndarray, float]:
        """Cohort-share weighted average of ``cells`` and its influence-function row."""
        share = self.cohort_share[self.cell_cohort[cells]]
        total = float(share.sum())
        weights = share / total
        theta = float(weights @ self.att[cells])
        row = self._row()
        row[cells] = weights
        k = self.cohorts.size
        u = np.bincount(self.cell_cohort[cells], weights=self.att[cells], minlength=k)
        m = np.bincount(self.cell_cohort[cells], minlength=k)
        row[self.n_cells:] = (u - m * theta) / total
        return row, theta

    # ------------------------------------------------------------------ aggregations
    def cells(self, alpha: float) -> Aggregate:
        """The ATT(g,t) themselves, with a uniform band over all cells (bootstrap)."""
        rows = np.eye(self.n_cells, self.n_cells + self.cohorts.size)
        keys = tuple(range(self.n_cells))
        return self._infer(rows, self.att.copy(), keys, alpha)

    def simple(self, alpha: float) -> Aggregate:
        """R's ``aggte(type = "simple")``: post-treatment cells weighted by cohort size."""
        row, theta = self._share_weighted(np.flatnonzero(self.post))
        return self._infer(row[None, :], np.array([theta]), (None,), alpha)

    def event_times(self, *, min_e: int | None = None, max_e: int | None = None,
                    balance_e: int | None = None) -> np.ndarray:
        """The event times ``dynamic`` reports for these options (may be empty)."""
        return self._event_plan(min_e, max_e, balance_e)[0]

    def _event_plan(self, min_e, max_e, balance_e):
        event = self.cell_event_time
        include = np.ones(self.n_cells, dtype=bool)
        if balance_e is not None:
            include = (self.last_position - self.cohort_position[self.cell_cohort]) >= balance_e
            eseq = np.unique(event[include])
            lowest = balance_e - (self.last_position - self.first_cell_position)
            eseq = eseq[(eseq <= balance_e) & (eseq >= lowest)]
        else:
            eseq = np.unique(event)
        if min_e is not None:
            eseq = eseq[eseq >= min_e]
        if max_e is not None:
            eseq = eseq[eseq <= max_e]
        return eseq, include

    def dynamic(self, alpha: float, *, min_e: int | None = None, max_e: int | None = None,
                balance_e: int | None = None) -> Aggregate:
        """R's ``aggte(type = "dynamic")``: one term per event time, then their average
        over event times >= 0 (key ``None``), without further weight estimation."""
        eseq, include = self._event_plan(min_e, max_e, balance_e)
        rows, estimates = [], []
        for e in eseq:
            row, theta = self._share_weighted(np.flatnonzero((self.cell_event_time == e)
                                                             & include))
            rows.append(row)
            estimates.append(theta)
        keys: list[int | None] = [int(e) for e in eseq]
        after = eseq >= 0
        if after.any():
            rows.append(np.mean(np.array(rows)[after], axis=0))
            estimates.append(float(np.mean(np.array(estimates)[after])))
            keys.append(None)
        return self._infer(np.array(rows), np.array(estimates), tuple(keys), alpha)

    def group(self, alpha: float) -> Aggregate:
        """R's ``aggte(type = "group")``: the average post-treatment ATT(g,t) of each
        cohort, then their average weighted by cohort size (key ``None``)."""
        post = self.post
        rows, estimates, cohorts = [], [], []
        for c in range(self.cohorts.size):
            cells = np.flatnonzero((self.cell_cohort == c) & post)
            if cells.size == 0:
                continue
            row = self._row()
            row[cells] = 1.0 / cells.size
            rows.append(row)
            estimates.append(float(self.att[cells].mean()))
            cohorts.append(c)
        chosen = np.array(cohorts, dtype=np.intp)
        share = self.cohort_share[chosen]
        total = float(share.sum())
        theta = float(share @ np.array(estimates)) / total
        overall = (share / total) @ np.array(rows)
        overall[self.n_cells + chosen] += (np.array(estimates) - theta) / total
        keys = tuple(float(self.cohorts[c]) for c in chosen) + (None,)
        return self._infer(np.vstack([*rows, overall]), np.array([*estimates, theta]), keys,
                           alpha)

    def calendar(self, alpha: float) -> Aggregate:
        """R's ``aggte(type = "calendar")``: each period's post-treatment cells weighted by
        cohort size, then the plain average over periods (key ``None``)."""
        post = self.post
        rows, estimates = [], []
        periods = np.unique(self.cell_period[post])
        for t in periods:
            row, theta = self._share_weighted(np.flatnonzero((self.cell_period == t) & post))
            rows.append(row)
            estimates.append(theta)
        rows.append(np.mean(np.array(rows), axis=0))
        estimates.append(float(np.mean(estimates)))
        keys = tuple(float(t) for t in periods) + (None,)
        return self._infer(np.array(rows), np.array(estimates), keys, alpha)

    # ------------------------------------------------------------------ inference
    def _infer(self, rows: np.ndarray, estimate: np.ndarray,
               keys: tuple[float | int | None, ...], alpha: float) -> Aggregate:
        vcov = rows @ self.gram @ rows.T / self.n ** 2
        vcov = (vcov + vcov.T) / 2
        if self.draws is None:
            return Aggregate(keys=keys, estimate=estimate, vcov=vcov, std_errors=None,
                             alpha=alpha)
        draws = self.draws @ rows.T
        se = bootstrap_standard_errors(draws)
        banded = np.array([key is not None for key in keys])
        band = UniformBand(sup_t_statistics(draws[:, banded], se[banded]))
        return Aggregate(keys=keys, estimate=estimate, vcov=vcov, std_errors=se, alpha=alpha,
                         band=band)
