"""The passes of Callaway & Sant'Anna over blocks of units: what runs where the data are.

Every function here is applied by :meth:`EnginePanel.map_blocks` to one
:class:`~evalkit.data.unit_blocks.UnitBlock` (whole units, periods x units) and returns
small arrays: sums over the block's units (added up across blocks by the caller), a few
maxima, or -- for the multiplier bootstrap only -- the units' influence-function rows.
They are module-level functions of picklable arguments (an engine may send them to
other processes), and they only compute: every check and every decision is taken on the
driver, in :mod:`evalkit.did._cs_blocks`.

The sample is the one of the in-memory estimator: units first treated too early to have
a pre-treatment period are left out, and so (for an unbalanced panel) are units not
observed in every period kept; each unit's weight is its weight in the first period.
Within a block the units are taken in the order of their cohort code, as the in-memory
estimator sorts them. The formulas are those of :mod:`evalkit.did._cs_attgt` (DRDID's
panel estimators), written as sums over units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.data.unit_blocks import UnitBlock
from evalkit.did._cs_attgt import _PS_CAP, OVERLAP_LIMIT, TRIM_LEVEL, _design, _logistic

__all__ = ["Layout", "Designs", "MeanTerms", "CovariateTerms", "first_pass", "logit_pass",
           "propensity_pass", "moment_pass"]


@dataclass(frozen=True)
class Layout:
    """How to read a block: which units and periods are in the sample, and which columns.

    ``pairs`` are the distinct ``(t, b)`` period positions of the cells' outcome changes,
    ``needed`` (cohort codes x pairs) the sums of changes the cells use; ``bases`` the
    distinct base periods whose covariates the cells use.
    """

    group_values: np.ndarray  # the sample's distinct cohorts, sorted, inf = never treated
    early_limit: float  # units first treated by then have no pre-treatment period
    n_periods: int  # periods kept (the first ones of the panel)
    balanced: bool
    weighted: bool
    covariates: tuple[int, ...]  # positions in the block's covariates
    clustered: bool
    n_clusters: int  # cluster labels of the panel (0 without clustering)
    pairs: np.ndarray
    needed: np.ndarray
    bases: np.ndarray


@dataclass(frozen=True)
class Designs:
    """The distinct comparisons with covariates: a treated cohort, its comparison cohorts
    and the base period of the covariates; weights are divided by ``mean_weight`` (the
    mean raw weight of the design's units), as the in-memory estimator normalises them."""

    treated: np.ndarray  # D cohort codes
    control: np.ndarray  # D x C: comparison cohort codes
    base: np.ndarray  # D period positions
    mean_weight: np.ndarray  # D


@dataclass(frozen=True)
class MeanTerms:
    """Without covariates: each cell's treated and comparison mean changes and the
    factors of its influence function, ``n w (dY - m) / W`` (``-n`` for comparisons)."""

    treated: np.ndarray  # K cohort codes
    control: np.ndarray  # K x C
    pair: np.ndarray  # K positions in Layout.pairs
    mean_treated: np.ndarray
    mean_control: np.ndarray
    factor_treated: np.ndarray
    factor_control: np.ndarray


@dataclass(frozen=True)
class CovariateTerms:
    """With covariates: each cell's design, regression coefficients and the scalars and
    vectors its influence function combines (see :func:`_cell_influence`)."""

    method: str
    designs: Designs
    theta: np.ndarray  # D x q propensity-score coefficients (unused for outcome regression)
    design: np.ndarray  # K
    pair: np.ndarray  # K
    beta: np.ndarray  # K x q outcome-regression coefficients (zero for IPW)
    projection: np.ndarray  # K x q: (X'WX)^-1 times the derivative of the fitted means
    correction: np.ndarray  # K x q: n H^-1 m2, the propensity score's estimation effect
    eta_treated: np.ndarray
    eta_control: np.ndarray
    factor_treated: np.ndarray  # scale / mean(treat)
    factor_control: np.ndarray  # scale / mean(cont)
    scale: np.ndarray  # n / (units of the cell)


@dataclass(frozen=True)
class _Units:
    """The sample's units of a block, sorted by cohort code."""

    ids: np.ndarray
    codes: np.ndarray
    bounds: np.ndarray  # codes[bounds[j]:bounds[j + 1]] == j
    outcome: np.ndarray  # T x n
    weights: np.ndarray  # n (ones without sampling weights)
    covariates: np.ndarray | None  # p x T x n
    cluster: np.ndarray | None
    incomplete: int
    weights_vary: bool

    @property
    def n(self) -> int:
        return int(self.ids.size)


def _units(block: UnitBlock, layout: Layout) -> _Units:
    cohort = np.where(np.isnan(block.cohort), np.inf, block.cohort)
    keep = ~(np.isfinite(cohort) & (cohort <= layout.early_limit))
    periods = layout.n_periods
    incomplete = 0
    if not layout.balanced:
        complete = block.observed[:periods].all(axis=0)
        incomplete = int(np.count_nonzero(keep & ~complete))
        keep &= complete
    codes = np.searchsorted(layout.group_values, cohort[keep])
    small = np.uint8 if layout.group_values.size <= 256 else np.intp
    order = np.argsort(codes.astype(small), kind="stable")  # a radix sort for small codes
    kept = np.flatnonzero(keep)[order]
    codes = codes[order]
    weights_vary = False
    if layout.weighted and block.weights is not None:
        w = block.weights[:periods, kept]
        weights_vary = bool(np.any(w != w[:1]))
        weights = np.ascontiguousarray(w[0]) if periods else np.ones(kept.size)
    else:
        weights = np.ones(kept.size)
    covariates = None
    if layout.covariates:
        covariates = block.covariates[list(layout.covariates)][:, :periods, kept]
    cluster = block.cluster[kept] if layout.clustered else None
    return _Units(ids=block.units[kept], codes=codes,
                  bounds=np.searchsorted(codes, np.arange(layout.group_values.size + 1)),
                  outcome=block.outcome[:periods, kept], weights=weights,
                  covariates=covariates, cluster=cluster, incomplete=incomplete,
                  weights_vary=weights_vary)


def _change(units: _Units, layout: Layout, pair: int, lo: int, hi: int) -> np.ndarray:
    """Outcome changes ``y_t - y_b`` of a pair over units ``lo:hi``."""
    t, b = layout.pairs[pair]
    return np.subtract(units.outcome[t, lo:hi], units.outcome[b, lo:hi])


def _with_intercept(units: _Units, base: int, index: slice | np.ndarray) -> np.ndarray:
    return _design(units.covariates[:, base, index])


# ============================================================================ pass 1
def first_pass(block: UnitBlock, layout: Layout) -> tuple[dict[str, np.ndarray],
                                                         dict[str, np.ndarray]]:
    """Per cohort code: units, summed weights and weighted changes; the checks' facts.

    Returns the sums (added across blocks) and the rest: each covariate's largest
    magnitude (``"covariate_max"``), and the smallest unit of each cluster seen in the
    block (``"cluster_codes"``, ``"cluster_first"``; every unit of the block counts,
    kept or not, as the in-memory estimator numbers clusters by their first row).
    """
    units = _units(block, layout)
    c = layout.group_values.size
    w = units.weights
    units_per_code = np.diff(units.bounds).astype(float)
    sums: dict[str, np.ndarray] = {
        "units": units_per_code,
        "weight": (np.bincount(units.codes, weights=w, minlength=c) if layout.weighted
                   else units_per_code.copy()),
        "incomplete": np.array([units.incomplete], dtype=float),
        "weights_vary": np.array([float(units.weights_vary)]),
    }
    rest: dict[str, np.ndarray] = {}
    if units.covariates is None:
        changes = np.zeros((c, layout.pairs.shape[0]))
        for j, pair in zip(*np.nonzero(layout.needed), strict=True):
            lo, hi = int(units.bounds[j]), int(units.bounds[j + 1])
            dy = _change(units, layout, pair, lo, hi)
            changes[j, pair] = float(np.einsum("i,i->", dy, w[lo:hi])) if (
                layout.weighted) else float(dy.sum())
        sums["changes"] = changes
    else:
        x = units.covariates  # p x T x n
        p = x.shape[0]
        sums["covariate_bad"] = np.array([float(np.count_nonzero(~np.isfinite(x)))])
        sums["covariate_vary"] = np.array([float(np.count_nonzero(np.any(x != x[:, :1],
                                                                          axis=(0, 1))))])
        first = x[:, 0, :] if x.shape[1] else np.zeros((p, 0))
        flat = x.reshape(p, -1)
        sums["covariate_first_sum"] = first.sum(axis=1)
        sums["covariate_first_cross"] = np.einsum("ji,ki->jk", first, first)
        sums["covariate_all_sum"] = flat.sum(axis=1)
        sums["covariate_all_cross"] = np.einsum("ji,ki->jk", flat, flat)
        rest["covariate_max"] = (np.abs(flat).max(axis=1) if flat.shape[1]
                                 else np.zeros(p))
        q = p + 1
        bases = list(layout.bases)
        sxx = np.zeros((c, len(bases), q, q))
        sxy = np.zeros((c, layout.pairs.shape[0], q))
        for j in range(c):
            lo, hi = int(units.bounds[j]), int(units.bounds[j + 1])
            if hi == lo:
                continue
            wj = w[lo:hi]
            needed = np.flatnonzero(layout.needed[j])
            designs = {int(b): _with_intercept(units, int(b), slice(lo, hi))
                       for b in np.union1d(bases, layout.pairs[needed, 1])}
            for position, b in enumerate(bases):
                xt = designs[int(b)]
                sxx[j, position] = np.einsum("ij,kj->ik", xt * wj, xt)
            for pair in needed:
                sxy[j, pair] = np.einsum("ji,i->j", designs[int(layout.pairs[pair, 1])],
                                         wj * _change(units, layout, pair, lo, hi))
        sums["xwx"] = sxx
        sums["xwdy"] = sxy
    if layout.clustered:
        sums["cluster_units"] = np.bincount(units.cluster, minlength=layout.n_clusters).astype(
            float)
        codes, first_row = np.unique(block.cluster, return_index=True)
        rest["cluster_codes"] = codes
        rest["cluster_first"] = block.units[first_row]  # block units are sorted
    return sums, rest


# ============================================================================ the logit
def _design_units(units: _Units, designs: Designs, d: int):
    """The block's units of design ``d``: positions, ``[1, X]`` transposed, normalised
    weights and the treated indicator."""
    member = designs.control[d].copy()
    member[designs.treated[d]] = True
    index = np.flatnonzero(member[units.codes])
    xt = _with_intercept(units, int(designs.base[d]), index)
    wn = units.weights[index] / designs.mean_weight[d]
    treated = (units.codes[index] == designs.treated[d]).astype(float)
    return index, xt, wn, treated


def logit_pass(block: UnitBlock, layout: Layout, designs: Designs, active: np.ndarray,
               theta: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For every active design at coefficients ``theta``: half the deviance
    ``sum w softplus(eta) - sum w d eta``, the gradient ``X'w(d - p)`` and the Hessian
    ``X' w p (1 - p) X`` (sums), and the largest ``|eta|`` (a maximum)."""
    units = _units(block, layout)
    count, q = theta.shape
    deviance = np.zeros(count)
    gradient = np.zeros((count, q))
    hessian = np.zeros((count, q, q))
    largest = np.zeros(count)
    for d in np.flatnonzero(active):
        index, xt, wn, treated = _design_units(units, designs, int(d))
        if index.size == 0:
            continue
        eta = np.einsum("ji,j->i", xt, theta[d])
        p, softplus = _logistic(eta)
        deviance[d] = float(np.einsum("i,i->", wn, softplus)) - float(
            np.einsum("i,i->", wn * treated, eta))
        gradient[d] = np.einsum("ji,i->j", xt, wn * (treated - p))
        hessian[d] = np.einsum("ij,kj->ik", xt * (wn * p * (1 - p)), xt)
        largest[d] = float(np.max(np.abs(eta)))
    return ({"deviance": deviance, "gradient": gradient, "hessian": hessian},
            {"largest": largest})


def _propensity(xt: np.ndarray, wn: np.ndarray, treated: np.ndarray, theta: np.ndarray):
    """Capped scores, kept units (treated, or comparisons below the trimming level),
    the treated and comparison weights ``treat`` and ``cont``."""
    p, _ = _logistic(np.einsum("ji,j->i", xt, theta))
    ps = np.minimum(p, _PS_CAP)
    keep = (treated == 1) | (ps < TRIM_LEVEL)
    treat = keep * wn * treated
    cont = keep * wn * ps * (1 - treated) / (1 - ps)
    return ps, keep, treat, cont


def propensity_pass(block: UnitBlock, layout: Layout, designs: Designs, theta: np.ndarray,
                    active: np.ndarray, cell_design: np.ndarray, cell_pair: np.ndarray,
                    beta: np.ndarray) -> dict[str, np.ndarray]:
    """What depends on the fitted propensity scores, summed: per design the Hessian at
    the capped scores, the treated units with weak overlap, the trimmed comparison units,
    the sums and ``X'`` products of ``treat`` and ``cont``; per cell the sums of
    ``treat * resid``, ``cont * resid`` and ``X' cont resid`` (``resid`` the outcome
    change less the comparison units' regression fit, ``beta``)."""
    units = _units(block, layout)
    count, q = theta.shape
    k = cell_design.size
    out = {"hessian": np.zeros((count, q, q)), "weak": np.zeros(count),
           "trimmed": np.zeros(count), "treat_sum": np.zeros(count),
           "cont_sum": np.zeros(count), "xt_treat": np.zeros((count, q)),
           "xt_cont": np.zeros((count, q)), "treat_resid": np.zeros(k),
           "cont_resid": np.zeros(k), "xt_cont_resid": np.zeros((k, q))}
    y = units.outcome
    for d in np.flatnonzero(active):
        index, xt, wn, treated = _design_units(units, designs, int(d))
        if index.size == 0:
            continue
        ps, keep, treat, cont = _propensity(xt, wn, treated, theta[d])
        out["hessian"][d] = np.einsum("ij,kj->ik", xt * (ps * (1 - ps) * wn), xt)
        out["weak"][d] = np.count_nonzero(ps[treated == 1] >= OVERLAP_LIMIT)
        out["trimmed"][d] = np.count_nonzero(~keep)
        out["treat_sum"][d] = treat.sum()
        out["cont_sum"][d] = cont.sum()
        out["xt_treat"][d] = np.einsum("ji,i->j", xt, treat)
        out["xt_cont"][d] = np.einsum("ji,i->j", xt, cont)
        for cell in np.flatnonzero(cell_design == d):
            t, b = layout.pairs[cell_pair[cell]]
            resid = y[t, index] - y[b, index]
            resid -= np.einsum("ji,j->i", xt, beta[cell])
            out["treat_resid"][cell] = float(np.einsum("i,i->", treat, resid))
            out["cont_resid"][cell] = float(np.einsum("i,i->", cont, resid))
            out["xt_cont_resid"][cell] = np.einsum("ji,i->j", xt, cont * resid)
    return out


# ============================================================================ moments
def _mean_moments(units: _Units, layout: Layout, terms: MeanTerms, out: np.ndarray) -> None:
    w = units.weights
    for k in range(terms.treated.size):
        for lo, hi, mean, factor in _mean_spans(units, terms, k):
            part = _change(units, layout, terms.pair[k], lo, hi)
            part -= mean
            if layout.weighted:
                part *= w[lo:hi]
            np.multiply(part, factor, out=out[k, lo:hi])


def _mean_spans(units: _Units, terms: MeanTerms, k: int):
    """``(lo, hi, mean, factor)`` of the cell's treated cohort, then of each comparison
    cohort (units sorted by code: each cohort is a contiguous span)."""
    c = int(terms.treated[k])
    yield units.bounds[c], units.bounds[c + 1], terms.mean_treated[k], terms.factor_treated[k]
    for j in np.flatnonzero(terms.control[k]):
        yield (units.bounds[j], units.bounds[j + 1], terms.mean_control[k],
               terms.factor_control[k])


def _cell_influence(terms: CovariateTerms, k: int, xt: np.ndarray, wn: np.ndarray,
                    treated: np.ndarray, dy: np.ndarray, propensity) -> np.ndarray:
    """One cell's influence function over its design's units (DRDID's panel estimators,
    as :func:`evalkit.did._cs_attgt._panel_design` and ``_panel_effect`` write them)."""
    resid = dy
    if terms.method != "inverse_probability":
        resid = dy - np.einsum("ji,j->i", xt, terms.beta[k])
    untreated = wn * (1 - treated)
    if terms.method == "outcome_regression":
        treat = wn * treated
        projection = np.einsum("ji,j->i", xt, terms.projection[k])
        influence = (treat - untreated * projection) * terms.factor_treated[k] * resid
        influence -= terms.eta_treated[k] * (treat * terms.factor_treated[k])
        return influence
    ps, _, treat, cont = propensity
    b_treat = treat * terms.factor_treated[k]
    b_cont = cont * terms.factor_control[k]
    a = b_treat - b_cont
    if terms.method == "doubly_robust":
        a -= untreated * np.einsum("ji,j->i", xt, terms.projection[k]) * terms.scale[k]
    influence = a * resid
    influence -= terms.eta_treated[k] * b_treat
    influence += terms.eta_control[k] * b_cont
    score = wn * (treated - ps) * terms.factor_control[k]
    influence -= score * np.einsum("ji,j->i", xt, terms.correction[k])
    return influence


def _covariate_moments(units: _Units, layout: Layout, terms: CovariateTerms,
                       out: np.ndarray) -> None:
    designs = terms.designs
    y = units.outcome
    for d in range(designs.treated.size):
        cells = np.flatnonzero(terms.design == d)
        if cells.size == 0:
            continue
        index, xt, wn, treated = _design_units(units, designs, d)
        if index.size == 0:
            continue
        propensity = (None if terms.method == "outcome_regression" else
                      _propensity(xt, wn, treated, terms.theta[d]))
        for k in cells:
            t, b = layout.pairs[terms.pair[k]]
            dy = y[t, index] - y[b, index]
            out[k, index] = _cell_influence(terms, int(k), xt, wn, treated, dy, propensity)


def moment_pass(block: UnitBlock, layout: Layout, terms: MeanTerms | CovariateTerms,
                cohort_code: np.ndarray, output: str) -> dict[str, np.ndarray]:
    """The block's rows of ``M = [psi; w 1{G = g}]`` (cells, then treated cohorts), as
    ``output`` asks: ``"gram"`` their cross-products ``M M'``; ``"clusters"`` their sums
    within each cluster (one column per label of the panel); ``"rows"`` the rows
    themselves with the units' identifiers and cohort codes."""
    units = _units(block, layout)
    k = terms.pair.size
    moments = np.zeros((k + cohort_code.size, units.n))
    if isinstance(terms, MeanTerms):
        _mean_moments(units, layout, terms, moments[:k])
    else:
        _covariate_moments(units, layout, terms, moments[:k])
    for j, code in enumerate(cohort_code):
        lo, hi = units.bounds[code], units.bounds[code + 1]
        moments[k + j, lo:hi] = units.weights[lo:hi]
    if output == "gram":
        return {"gram": moments @ moments.T}
    if output == "clusters":
        scores = np.empty((moments.shape[0], layout.n_clusters))
        for r in range(moments.shape[0]):
            scores[r] = np.bincount(units.cluster, weights=moments[r],
                                    minlength=layout.n_clusters)
        return {"scores": scores}
    return {"rows": moments, "ids": units.ids, "codes": units.codes}
