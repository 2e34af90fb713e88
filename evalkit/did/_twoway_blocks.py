r"""Two-way fixed-effects regressions on a panel held by an engine, from sums over units.

The unit fixed effects are partialled out within each unit, and each block of an
:class:`~evalkit.data.unit_blocks.EnginePanel` holds whole units, so everything the
regression needs is a sum over units: every block computes its part where the data are
and returns a few small arrays. Two passes over the blocks:

1. *Cross-products.* The regressors :math:`Z` (the treatment or event-time indicators,
   then the covariates) and the outcome :math:`y`, demeaned within each unit with
   weighted means (:math:`\dot z`), give the blocks' sums
   :math:`\dot Z'W\dot Z` (for :math:`Z` and :math:`y` together), the period sums
   :math:`R = P'W\dot Z` and the period Laplacian
   :math:`L = \operatorname{diag}(W_{\cdot t}) - \sum_i c_i c_i' / W_{i\cdot}`
   (:math:`c_i`: the weights of unit :math:`i`'s rows by period), the
   :math:`T \times T` normal equations of the period effects. Solving
   :math:`L\lambda = R` (one period per connected component of the graph linking
   periods through the units observed in both is fixed at zero; Cholesky, no
   iteration, balanced or not) gives by Frisch-Waugh-Lovell the two-way cross-products
   :math:`\tilde Z'W\tilde Z = \dot Z'W\dot Z - R'\lambda`, hence the slopes.
   When a column is (nearly) absorbed by the period effects, that subtraction loses the
   digits the rank checks need: its cross-products are then summed from its transformed
   values :math:`\tilde z_{it} = \dot z_{it} - \lambda_t + \sum_s w_{is}\lambda_s /
   W_{i\cdot}` in one more pass.
2. *Scores.* The residuals :math:`e = \tilde y - \tilde Z\hat\beta` give the weighted sum
   of squares (classical), the meat :math:`\sum w^2 e^2 \tilde z\tilde z'` (robust), or
   the score sums :math:`\sum w e \tilde z` of each unit (clustered by unit) or of each
   cluster (by the panel's cluster column: global codes into
   :attr:`~evalkit.data.unit_blocks.EnginePanel.cluster_labels`, added up across blocks,
   as a cluster may span several).

As in memory, the indicators are not formed as columns: their sums come from each
unit's weights by indicator (:math:`N_{ij}`, so that, e.g., the unit-demeaned
cross-products of two indicators are :math:`\delta_{jl}N_{ij} - N_{ij}N_{il}/W_{i\cdot}`),
and the residual is the within transform of the single column
:math:`y - \hat\beta_{D(i,t)} - X\hat\gamma` (only the robust meat, a sum over rows,
rebuilds them, a few thousand units at a time). The event study reads the event times
of an unbalanced panel in a first pass (a balanced panel's follow from its cohorts).

These are the computations of :func:`evalkit.did._panel_regression.fit_twoway` (its
``direct`` within transformation), with its rank checks and messages and its
small-sample conventions (the fixed effects counted in :math:`K`, :math:`G/(G-1)`,
:math:`(N-1)/(N-K)`), so that the results equal the in-memory ones to rounding error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from scipy.sparse.csgraph import connected_components

from evalkit.data.panel import cohort_positions
from evalkit.data.unit_blocks import EnginePanel, UnitBlock, sum_blocks
from evalkit.did._panel_regression import (
    PanelFit,
    _check_dof,
    _rank_error,
    _rank_problems,
    _rank_suspect,
    check_fixed_effects_vcov,
)
from evalkit.errors import EstimationError, InputError
from evalkit.inference.covariance import VcovChoice, cluster_correction
from evalkit.results import event_term

__all__ = ["TwoWayDesign", "twfe_fit", "event_study_fit", "event_times_observed",
           "cohort_positions"]

#: Cells (columns x periods x units) of a block's design processed at once.
_CHUNK_CELLS = 1 << 21
#: Below this share of its unit-demeaned sum of squares left by the period effects, a
#: column's two-way cross-products are computed from its transformed values (one more
#: pass) rather than by subtraction, which would lose the digits the rank checks need.
_EXACT_SHARE = 1e-3

ClusterKind = Literal["unit", "column"]


@dataclass(frozen=True)
class TwoWayDesign:
    """How a block rebuilds its rows of the regression (small: it is sent to the engine).

    Attributes
    ----------
    periods
        The panel's periods, sorted.
    n_indicators, n_covariates
        The regressors: mutually exclusive 0/1 indicators first, then the covariates.
    window
        ``None`` for the static treatment indicator; for the event study, the first and
        last event times of the window.
    binned
        Event study: whether the window's endpoints pool the event times beyond them
        (otherwise the rows of treated units outside the window are left out).
    event_column
        Event study: for each event time of the window, its indicator's number (``-1``
        for the reference period).
    cluster
        ``"unit"`` or ``"column"`` (the panel's cluster column) for cluster-robust
        standard errors, else ``None``.
    """

    periods: np.ndarray
    n_indicators: int
    n_covariates: int
    window: tuple[int, int] | None = None
    binned: bool = False
    event_column: np.ndarray | None = None
    cluster: ClusterKind | None = None

    @property
    def width(self) -> int:
        """Columns of a block's design: the regressors, then the outcome."""
        return self.n_indicators + self.n_covariates + 1


# ============================================================================ in each block
class _Rows:
    """Some units of a block, as the regression reads them (periods x units arrays).

    ``code``: the indicator equal to 1 in each row (-1: none, or the row is not used);
    ``w``: the rows' weights (0 where the unit has no row for the period or the row is
    left out); ``x``: the covariates and the outcome (0 on rows not used); ``inverse``:
    :math:`1/W_i` (0 for a unit without rows). The indicators are never formed: their
    sums come from the rows that have one (``cell``, flat positions, with their
    indicator ``j``, ``unit`` and ``period``).
    """

    def __init__(self, block: UnitBlock, design: TwoWayDesign, part: slice) -> None:
        observed = block.observed[:, part]
        cohort = block.cohort[part]
        periods = design.periods
        n_periods, n = observed.shape
        if design.window is None:
            code = np.where(periods[:, None] >= cohort[None, :], 0, -1)  # NaN: never
            used = observed
        else:
            lo, hi = design.window
            position = cohort_positions(cohort, periods)
            treated = ~np.isnan(position)
            k = np.zeros((n_periods, n), dtype=np.int64)
            k[:, treated] = np.arange(n_periods)[:, None] - position[treated][None, :]
            if design.binned:
                np.clip(k, lo, hi, out=k)
                used = observed
            else:
                used = observed & (~treated[None, :] | ((k >= lo) & (k <= hi)))
            assert design.event_column is not None
            code = np.where(treated[None, :], design.event_column[np.clip(k, lo, hi) - lo],
                            -1)
        self.code = np.where(used, code, -1)
        self.w = np.where(used, 1.0 if block.weights is None else block.weights[:, part], 0.0)
        self.x = np.empty((design.n_covariates + 1, n_periods, n))
        if design.n_covariates:
            assert block.covariates is not None
            self.x[:-1] = np.where(used, block.covariates[:, :, part], 0.0)
        self.x[-1] = np.where(used, block.outcome[:, part], 0.0)
        total = self.w.sum(axis=0)
        self.inverse = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
        self.total = total
        self.part = part
        self.m = design.n_indicators
        self.n = n
        self.cell = np.flatnonzero(self.code >= 0)
        self.j = self.code.reshape(-1)[self.cell]
        self.unit = self.cell % n
        self.period = self.cell // n

    def indicator_sums(self, values: np.ndarray) -> np.ndarray:
        r""":math:`\sum_t v_{it} D_{ijt}` for each indicator and unit (m x n)."""
        return np.bincount(self.j * self.n + self.unit, weights=values.reshape(-1)[self.cell],
                           minlength=self.m * self.n).reshape(self.m, self.n)

    def dense(self) -> np.ndarray:
        """Every column: indicators, covariates, outcome (columns x periods x units)."""
        z = np.zeros((self.m + self.x.shape[0], *self.w.shape))
        z.reshape(z.shape[0], -1)[self.j, self.cell] = 1.0
        z[self.m:] = self.x
        return z


def _chunks(block: UnitBlock, design: TwoWayDesign, *, dense: bool = False) -> Iterator[_Rows]:
    """The block's rows a few thousand units at a time (fewer when every column is formed)."""
    columns = design.width + 2 if dense else design.n_covariates + 4
    step = max(1, _CHUNK_CELLS // (design.periods.size * columns))
    for start in range(0, block.n, step):
        yield _Rows(block, design, slice(start, min(start + step, block.n)))


def _unit_demeaned(z: np.ndarray, w: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    means = np.einsum("ctn,tn->cn", z, w) * inverse
    return z - means[:, None, :]


def _within(z: np.ndarray, w: np.ndarray, inverse: np.ndarray,
            effects: np.ndarray) -> np.ndarray:
    """The two-way within transform of the columns, given the period effects (T x columns)."""
    out = _unit_demeaned(z, w, inverse)
    out += ((effects.T @ w) * inverse)[:, None, :]
    out -= effects.T[:, :, None]
    return out


def _period_sums_block(block: UnitBlock, design: TwoWayDesign) -> dict[str, np.ndarray]:
    """Pass 1: the period normal equations' parts, the cross-products of the unit-demeaned
    columns, the raw norms and the sample counts."""
    n_periods, width, m = design.periods.size, design.width, design.n_indicators
    out = {"period_weight": np.zeros(n_periods), "linked": np.zeros((n_periods, n_periods)),
           "period_sums": np.zeros((n_periods, width)), "demeaned": np.zeros((width, width)),
           "norms2": np.zeros(width), "rows": np.zeros(1), "units": np.zeros(1),
           "period_rows": np.zeros(n_periods)}
    low = np.full(n_periods, np.inf)
    high = np.full(n_periods, -np.inf)
    for rows in _chunks(block, design):
        w, inverse, q = rows.w, rows.inverse, rows.x.shape[0]
        used = w > 0
        # the indicators: N_ij, the weight of unit i's rows with indicator j
        counts = rows.indicator_sums(w)
        share = counts * inverse
        weight = counts.sum(axis=1)
        out["norms2"][:m] += weight
        out["period_sums"][:, :m] += (np.bincount(
            rows.j * n_periods + rows.period, weights=w.reshape(-1)[rows.cell],
            minlength=m * n_periods).reshape(m, n_periods) - share @ w.T).T
        # sum_t w (D_j - share_j)(D_l - share_l): N_j (W - N_j) / W on the diagonal
        block_dd = -(share @ counts.T)
        block_dd[np.diag_indices(m)] = np.sum(share * (rows.total - counts), axis=1)
        out["demeaned"][:m, :m] += block_dd
        # the covariates and the outcome, unit-demeaned
        flat = rows.x.reshape(q, -1)
        out["norms2"][m:] += np.einsum("cr,cr->c", flat, flat * w.reshape(-1))
        demeaned = _unit_demeaned(rows.x, w, inverse)
        weighted = demeaned * w
        out["period_sums"][:, m:] += weighted.sum(axis=2).T
        out["demeaned"][m:, m:] += weighted.reshape(q, -1) @ demeaned.reshape(q, -1).T
        cross = np.stack([np.bincount(rows.j, weights=weighted[c].reshape(-1)[rows.cell],
                                      minlength=m) for c in range(q)], axis=1)
        out["demeaned"][:m, m:] += cross
        out["demeaned"][m:, :m] += cross.T
        out["period_weight"] += w.sum(axis=1)
        out["linked"] += (w * inverse) @ w.T
        out["rows"] += np.count_nonzero(used)
        out["units"] += np.count_nonzero(inverse)
        out["period_rows"] += used.sum(axis=1)
        if design.cluster == "column":
            assert block.cluster is not None
            codes = np.broadcast_to(block.cluster[rows.part].astype(float), used.shape)
            low = np.minimum(low, np.where(used, codes, np.inf).min(axis=1))
            high = np.maximum(high, np.where(used, codes, -np.inf).max(axis=1))
    out["cluster_low"], out["cluster_high"] = low, high
    return out


def _cross_products_block(block: UnitBlock, design: TwoWayDesign,
                          effects: np.ndarray) -> dict[str, np.ndarray]:
    """The weighted cross-products of the within-transformed columns (the exact pass)."""
    gram = np.zeros((design.width, design.width))
    for rows in _chunks(block, design, dense=True):
        within = _within(rows.dense(), rows.w, rows.inverse, effects).reshape(design.width, -1)
        gram += (within * rows.w.reshape(-1)) @ within.T
    return {"gram": gram}


def _scores_block(block: UnitBlock, design: TwoWayDesign, effects: np.ndarray,
                  slopes: np.ndarray, kind: str) -> dict[str, np.ndarray]:
    """Pass 2: the residuals' sum of squares and the scores the covariance needs.

    ``kind``: ``"classical"`` (the sum of squares only), ``"robust"`` (the meat, each
    row its own cluster), ``"unit"`` (the meat of the units' score sums) or
    ``"column"`` (each cluster's score sums: ``codes`` and ``scores``).
    """
    k, m = slopes.size, design.n_indicators
    out = {"ssr": np.zeros(1), "meat": np.zeros((k, k))}
    codes, scores = [], []
    on_indicators = effects[:, :m]
    for rows in _chunks(block, design, dense=kind == "robust"):
        w, inverse = rows.w, rows.inverse
        # e: the within transform of y - D b - X c (the fitted indicator part by code)
        fitted = np.append(slopes[:m], 0.0)[rows.code]
        fitted += np.tensordot(slopes[m:], rows.x[:-1], axes=1)
        combined = effects[:, -1] - effects[:, :-1] @ slopes
        e = _within((rows.x[-1] - fitted)[None], w, inverse, combined[:, None])[0]
        u = w * e
        out["ssr"] += float(np.sum(e * u))
        if kind == "classical":
            continue
        covariates = _within(rows.x[:-1], w, inverse, effects[:, m:-1])
        # the transformed indicators: D - (share - back)_i - lambda_t
        offset = (rows.indicator_sums(w) - on_indicators.T @ w) * inverse
        if kind == "robust":
            x = np.empty((k, *w.shape))
            x[:m] = -offset[:, None, :] - on_indicators.T[:, :, None]
            x.reshape(k, -1)[rows.j, rows.cell] += 1.0
            x[m:] = covariates
            row_scores = x.reshape(k, -1) * u.reshape(-1)
            out["meat"] += row_scores @ row_scores.T
            continue
        has = inverse > 0
        unit_scores = np.empty((k, rows.n))
        unit_scores[:m] = (rows.indicator_sums(u) - offset * u.sum(axis=0)
                           - on_indicators.T @ u)
        unit_scores[m:] = (covariates * u).sum(axis=1)
        unit_scores = unit_scores.T[has]
        if kind == "unit":
            out["meat"] += unit_scores.T @ unit_scores
        else:
            assert block.cluster is not None
            codes.append(block.cluster[rows.part][has])
            scores.append(unit_scores)
    if kind == "column":
        levels, position = np.unique(np.concatenate([np.zeros(0, np.intp), *codes]),
                                     return_inverse=True)
        stacked = np.concatenate([np.zeros((0, k)), *scores])
        out["codes"] = levels
        out["scores"] = np.stack([np.bincount(position, weights=stacked[:, j],
                                              minlength=levels.size) for j in range(k)],
                                 axis=1).reshape(levels.size, k)
    return out


def _constancy_block(block: UnitBlock, design: TwoWayDesign,
                     columns: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Where absorbed columns are constant: units where each varies, per-period extremes."""
    n_periods = design.periods.size
    index = list(columns)
    out = {"varying_units": np.zeros(len(index)),
           "low": np.full((len(index), n_periods), np.inf),
           "high": np.full((len(index), n_periods), -np.inf)}
    for rows in _chunks(block, design, dense=True):
        used = rows.w > 0
        z = rows.dense()[index]
        low = np.where(used, z, np.inf)
        high = np.where(used, z, -np.inf)
        out["varying_units"] += np.sum(high.max(axis=1) > low.min(axis=1), axis=1)
        out["low"] = np.minimum(out["low"], low.min(axis=2))
        out["high"] = np.maximum(out["high"], high.max(axis=2))
    return out


def _event_times_block(block: UnitBlock, periods: np.ndarray) -> np.ndarray:
    """The distinct event times of the treated units' rows in a block."""
    position = cohort_positions(block.cohort, periods)
    treated = ~np.isnan(position)
    period, unit = np.nonzero(block.observed[:, treated])
    return np.unique((period - position[treated][unit]).astype(np.int64))


# ============================================================================ the driver
def _combine(parts: list[dict[str, np.ndarray]], keys: dict[str, Callable[..., np.ndarray]]
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Sums of the blocks' results, and the element-wise extremes of the ``keys``."""
    taken = {key: combine.reduce([part.pop(key) for part in parts])
             for key, combine in keys.items()}
    return sum_blocks(parts) if parts and parts[0] else {}, taken


def _period_effects(weight: np.ndarray, linked: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the period normal equations, one period per connected component fixed at 0."""
    laplacian = -linked
    laplacian[np.diag_indices_from(laplacian)] += weight
    _, component = connected_components(sp.csr_matrix(laplacian != 0), directed=False)
    free = np.ones(weight.size, dtype=bool)
    free[np.unique(component, return_index=True)[1]] = False
    effects = np.zeros_like(rhs)
    if free.any():
        reduced = laplacian[np.ix_(free, free)]
        try:
            factor = linalg.cho_factor(reduced, lower=True, check_finite=False)
            effects[free] = linalg.cho_solve(factor, rhs[free], check_finite=False)
        except linalg.LinAlgError:  # numerically semi-definite: least squares
            effects[free] = linalg.lstsq(reduced, rhs[free], check_finite=False)[0]
    return effects


def _cluster_kind(panel: EnginePanel, vcov: VcovChoice) -> ClusterKind | None:
    if vcov.kind != "cluster":
        return None
    column = vcov.column
    if column not in panel.columns:
        raise InputError(f"inference=Clustered({column!r}): the cluster column must be one of "
                         f"the panel's columns ({', '.join(panel.columns)}); declare it with "
                         f"Panel(..., cluster={column!r})")
    if column == panel.unit:
        return "unit"
    if column == panel.cluster:
        return "column"
    raise InputError(
        f"inference=Clustered({column!r}): on a panel held by an engine "
        f"({type(panel).__name__}), standard errors are clustered by the unit "
        f"({panel.unit!r}) or by the panel's cluster column"
        + (f" ({panel.cluster!r})" if panel.cluster else "")
        + f"; got {column!r}. Declare it with {type(panel).__name__}(..., "
        f"cluster={column!r}) (it must be constant within each unit)")


def _where_absorbed(panel: EnginePanel, design: TwoWayDesign,
                    absorbed: list[int]) -> Callable[[int], str | None]:
    """Where each absorbed regressor is constant, read from the blocks (one more pass)."""
    parts = panel.map_blocks(_constancy_block, design, tuple(absorbed))
    sums, extremes = _combine(parts, {"low": np.minimum, "high": np.maximum})

    def where(j: int) -> str:
        i = absorbed.index(j)
        if sums["varying_units"][i] == 0:
            return "constant within each unit"
        present = np.isfinite(extremes["low"][i])
        if np.array_equal(extremes["low"][i][present], extremes["high"][i][present]):
            return "constant within each period"
        return "a sum of unit and period effects"

    return where


def _lost_digits(full: np.ndarray, stats: dict[str, np.ndarray], m: int) -> bool:
    """Whether the two-way cross-products obtained by subtraction may have lost the digits
    the slopes and the rank checks need: a column (nearly) absorbed by the period effects,
    or an indicator (nearly) constant within units (its unit-demeaned sums are
    differences too)."""
    demeaned = np.diag(stats["demeaned"])
    return not (np.all(np.diag(full) > _EXACT_SHARE * demeaned)
                and np.all(demeaned[:m] > _EXACT_SHARE * stats["norms2"][:m]))


def _fit(panel: EnginePanel, design: TwoWayDesign, vcov: VcovChoice,
         names: list[str]) -> PanelFit:
    """:func:`~evalkit.did._panel_regression.fit_twoway` by passes over the blocks."""
    check_fixed_effects_vcov(vcov)
    stats, extremes = _combine(panel.map_blocks(_period_sums_block, design),
                                {"cluster_low": np.minimum, "cluster_high": np.maximum})
    effects = _period_effects(stats["period_weight"], stats["linked"], stats["period_sums"])
    full = stats["demeaned"] - stats["period_sums"].T @ effects
    if _lost_digits(full, stats, design.n_indicators):
        full = panel.reduce(_cross_products_block, design, effects)["gram"]
    slopes = design.n_indicators + design.n_covariates
    gram = (full[:slopes, :slopes] + full[:slopes, :slopes].T) / 2
    cross = full[:slopes, slopes]
    norms2 = stats["norms2"][:slopes]
    try:
        factor = linalg.cho_factor(gram, lower=True, check_finite=False)
        ok = bool(np.all(np.diag(factor[0]) > 0))
    except linalg.LinAlgError:
        ok = False
    if not ok or _rank_suspect(gram, norms2):
        absorbed, collinear = _rank_problems(gram, norms2)
        if absorbed or collinear:
            where = (_where_absorbed(panel, design, absorbed) if absorbed
                     else lambda j: None)
            raise _rank_error(names, absorbed, collinear, where)
        if not ok:  # pragma: no cover - a failure the checks above did not name
            raise EstimationError("The regressors are collinear with each other or with the "
                                  "fixed effects: " + ", ".join(names) + ".")
    params = linalg.cho_solve(factor, cross, check_finite=False)
    bread = linalg.cho_solve(factor, np.eye(slopes), check_finite=False)

    n_obs = int(stats["rows"][0])
    n_units = int(stats["units"][0])
    present = stats["period_rows"] > 0
    n_periods = int(np.count_nonzero(present))
    n_clusters = None
    if design.cluster is not None:
        # units are nested within their clusters (a cluster is constant within each unit);
        # periods are when each is observed in a single cluster
        if design.cluster == "unit":
            nested = bool(np.all(stats["period_rows"][present] == 1))
        else:
            nested = bool(np.array_equal(extremes["cluster_low"][present],
                                         extremes["cluster_high"][present]))
        k = slopes + (0 if nested else n_periods)
        _check_dof(n_obs, k)
        parts = panel.map_blocks(_scores_block, design, effects, params, design.cluster)
        if design.cluster == "unit":
            meat = sum_blocks([{"meat": p["meat"]} for p in parts])["meat"]
            n_clusters = n_units
        else:
            labels = panel.cluster_labels
            assert labels is not None
            scores = np.zeros((labels.size, slopes))
            seen = np.zeros(labels.size, dtype=bool)
            for part in parts:
                scores[part["codes"]] += part["scores"]
                seen[part["codes"]] = True
            scores = scores[seen]
            meat = scores.T @ scores
            n_clusters = int(np.count_nonzero(seen))
        cov = bread @ meat @ bread * cluster_correction(n_obs, k, n_clusters)
        df: float = float(n_clusters - 1)
    else:
        k = slopes + n_units + n_periods - 1
        _check_dof(n_obs, k)
        kind = "classical" if vcov.kind == "classical" else "robust"
        totals = sum_blocks([{"ssr": p["ssr"], "meat": p["meat"]} for p in panel.map_blocks(
            _scores_block, design, effects, params, kind)])
        if vcov.kind == "classical":
            cov = bread * float(totals["ssr"][0]) / (n_obs - k)
        else:
            cov = bread @ totals["meat"] @ bread
            if vcov.kind == "HC1":
                cov = cov * n_obs / (n_obs - k)
        df = float(n_obs - k)
    return PanelFit(params=params, vcov=(cov + cov.T) / 2, df=df, n_obs=n_obs,
                    n_clusters=n_clusters, n_params=k)


# ============================================================================ the estimators
def twfe_fit(panel: EnginePanel, vcov: VcovChoice) -> PanelFit:
    """The static TWFE regression (the treatment indicator, then the covariates)."""
    design = TwoWayDesign(periods=panel.periods, n_indicators=1,
                          n_covariates=len(panel.covariates), cluster=_cluster_kind(panel, vcov))
    return _fit(panel, design, vcov, ["treated", *panel.covariates])


def event_times_observed(panel: EnginePanel) -> np.ndarray:
    """The sorted distinct event times of the treated units' rows.

    A balanced panel observes every unit in every period: its event times follow from
    its cohorts (no pass over the data); otherwise the blocks are read for them.
    """
    periods = panel.periods
    if panel.is_balanced:
        position = cohort_positions(panel.cohorts, periods)
        times = np.arange(periods.size)[None, :] - position[:, None]
        return np.unique(times.astype(np.int64))
    parts = panel.map_blocks(_event_times_block, periods)
    return np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]))


def event_study_fit(panel: EnginePanel, vcov: VcovChoice, window: tuple[int, int],
                    event_times: list[int], bin_endpoints: bool) -> PanelFit:
    """The TWFE event study: one indicator per event time (the reference left out), then
    the covariates; rows of treated units outside ``window`` are left out unless the
    endpoints are binned."""
    lo, hi = window
    column = np.full(hi - lo + 1, -1, dtype=np.int64)
    column[np.asarray(event_times, dtype=np.int64) - lo] = np.arange(len(event_times))
    design = TwoWayDesign(periods=panel.periods, n_indicators=len(event_times),
                          n_covariates=len(panel.covariates), window=(lo, hi),
                          binned=bin_endpoints, event_column=column,
                          cluster=_cluster_kind(panel, vcov))
    names = [event_term(e) for e in event_times] + list(panel.covariates)
    return _fit(panel, design, vcov, names)
