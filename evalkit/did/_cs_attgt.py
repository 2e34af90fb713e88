"""Group-time average treatment effects ATT(g,t) and their influence functions (pure numpy).

Every cell (g, t) is a 2x2 comparison between the units first treated in period g and
the comparison units, from a base period to period t, estimated by outcome regression,
normalised inverse probability weighting or the doubly robust estimator of Sant'Anna &
Zhao (2020) -- the estimators of R's ``DRDID`` that R's ``did`` calls (``reg_did_*``,
``std_ipw_did_*``, ``drdid_panel`` / ``drdid_rc``).

Influence functions follow R's ``did``: ``psi[k, i]`` is the influence function of cell
``k`` for identifier ``i`` (a unit, or an observation with repeated cross-sections),
scaled so that ``att_k - ATT_k ~ (1/n) sum_i psi[k, i]``: ``(n / n_k)`` times the
influence function of the 2x2 estimator on the ``n_k`` identifiers of the cell, zero for
identifiers outside it. The standard error of any linear combination ``c`` of cells is
then ``sqrt(sum_i (c' psi_i)^2) / n``.

Without covariates the three estimators are the same difference in (weighted) means and
are computed in closed form, by array operations over contiguous blocks of units sorted
by cohort: no regression is run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evalkit.did._cs_influence import (
    IndicatorRow,
    InfluenceRow,
    MeanChangeRow,
    StoredRow,
    influence_gram,
    influence_matrix,
    influence_sums,
)
from evalkit.errors import DataError, EstimationError

__all__ = ["CellPlan", "CellEstimates", "plan_cells", "panel_cells", "rc_cells", "TRIM_LEVEL",
           "OVERLAP_LIMIT",
           # how the cells' influence functions are read (evalkit.did._cs_influence)
           "InfluenceRow", "StoredRow", "IndicatorRow", "influence_gram", "influence_sums",
           "influence_matrix"]

TRIM_LEVEL = 0.995  # comparison units with a propensity score at or above get no weight (DRDID)
OVERLAP_LIMIT = 0.999  # a treated unit's score at or above means overlap fails (R did's check)
_PS_CAP = 1.0 - 1e-6  # propensity scores are capped below 1 to avoid dividing by zero (DRDID)
_SEPARATION = 30.0  # |logit| beyond this (score within 1e-13 of 0 or 1): no finite MLE
_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class CellPlan:
    """Which ATT(g,t) to estimate, with which base period and comparison units.

    ``group_values`` are the distinct cohorts of the sample's units, sorted, with
    ``inf`` for never-treated units; units are coded by their position in it.
    """

    periods: np.ndarray
    group_values: np.ndarray
    cohorts: np.ndarray
    cohort_code: np.ndarray
    cell_cohort: np.ndarray
    cell_period: np.ndarray
    cell_base: np.ndarray
    control: np.ndarray
    reference: tuple[tuple[int, int], ...]

    @property
    def n_cells(self) -> int:
        return int(self.cell_cohort.size)

    def label(self, k: int) -> str:
        return (f"ATT({_num(self.cohorts[self.cell_cohort[k]])},"
                f"{_num(self.periods[self.cell_period[k]])})")


@dataclass(frozen=True)
class CellEstimates:
    """Point estimates of every cell, with what the estimators had to do on the way, and
    (from :func:`panel_cells`) the cells' influence functions, one row each."""

    att: np.ndarray
    trimmed: np.ndarray
    weak_overlap: tuple[tuple[str, int], ...] = ()
    influence: tuple[InfluenceRow, ...] = ()


# Products over observations. A design is held transposed, one row per column (k x n,
# C-contiguous), so that every product reads contiguous rows: with n x k rows, products
# over few columns run several times slower. They are computed with einsum rather than
# BLAS: the matrices are short and wide (few covariates), and multithreaded BLAS calls
# between elementwise steps leave spinning threads that slow everything else down on a
# busy machine.
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.einsum("i,i->", a, b))


def _xtv(xt: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X'v, with the design given transposed (``xt`` is k x n)."""
    return np.einsum("ji,i->j", xt, v)


def _xb(xt: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Xb, with the design given transposed."""
    return np.einsum("ji,j->i", xt, b)


def _xtwx(xt: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X'WX, with the design given transposed."""
    return np.einsum("ij,kj->ik", xt * w, xt)


def _design(x: np.ndarray) -> np.ndarray:
    """``[1, X]`` transposed (``1 + p`` rows of n values) from covariates ``x`` given
    transposed too (p x n)."""
    xt = np.empty((x.shape[0] + 1, x.shape[1]))
    xt[0] = 1.0
    xt[1:] = x
    return xt


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def plan_cells(periods: np.ndarray, group_values: np.ndarray, cohorts: np.ndarray, *,
               anticipation: int, base_period: str, control_group: str) -> CellPlan:
    """The cells of R's ``att_gt``, in its order (by cohort, then period).

    With a ``"varying"`` base period, pre-treatment cells compare period t with the
    period just before it, and post-treatment cells (t >= g) compare t with the last
    period before ``g - anticipation``; the first period is never a period t. With a
    ``"universal"`` base period every cell uses that last period before
    ``g - anticipation``, which becomes a reference cell normalised to zero.
    Comparison units: never-treated units, or (``"not_yet_treated"``) also the units
    first treated after ``max(t, base) + anticipation``, other than cohort g.
    """
    periods = np.asarray(periods, dtype=float)
    never = np.isinf(group_values)
    cell_cohort, cell_period, cell_base, controls, reference = [], [], [], [], []
    current = range(1, periods.size) if base_period == "varying" else range(periods.size)
    for ci, g in enumerate(cohorts):
        base_post = int(np.flatnonzero(periods + anticipation < g)[-1])
        for t in current:
            post = periods[t] >= g
            b = base_post if (post or base_period == "universal") else t - 1
            if t == b:
                reference.append((ci, t))
                continue
            if control_group == "never_treated":
                control = never.copy()
            else:
                threshold = max(periods[t], periods[b]) + anticipation
                control = (group_values > threshold) & (group_values != g)
            cell_cohort.append(ci)
            cell_period.append(t)
            cell_base.append(b)
            controls.append(control)
    code = np.searchsorted(group_values, cohorts)
    return CellPlan(periods=periods, group_values=np.asarray(group_values, dtype=float),
                    cohorts=np.asarray(cohorts, dtype=float), cohort_code=code,
                    cell_cohort=np.asarray(cell_cohort, dtype=np.intp),
                    cell_period=np.asarray(cell_period, dtype=np.intp),
                    cell_base=np.asarray(cell_base, dtype=np.intp),
                    control=np.asarray(controls, dtype=bool).reshape(-1, group_values.size),
                    reference=tuple(reference))


def check_covariate_gram(count: float, sums: np.ndarray, cross: np.ndarray,
                         scale: np.ndarray, names: Sequence[str]) -> None:
    """Name the covariates that are constant or collinear with the ones before them.

    From the Gram matrix of the design ``[1, X]``, each column scaled by its largest
    magnitude ``scale``: ``count`` observations, the covariates' ``sums`` and their
    cross-products ``cross`` (the design itself is never built).
    """
    p = scale.size
    gram = np.empty((p + 1, p + 1))
    gram[0, 0] = count
    gram[0, 1:] = gram[1:, 0] = sums / scale
    gram[1:, 1:] = cross / np.outer(scale, scale)
    redundant, rank = [], 1
    for j in range(1, gram.shape[0]):
        eig = np.linalg.eigvalsh(gram[: j + 1, : j + 1])
        new_rank = int(np.sum(eig > eig.max() * 1e-10))
        if new_rank == rank:
            redundant.append(names[j - 1])
        rank = new_rank
    if redundant:
        raise DataError(f"covariates={list(names)!r}: the design is singular: "
                        f"{', '.join(map(repr, redundant))} "
                        f"{'is' if len(redundant) == 1 else 'are'} constant or a linear "
                        "combination of the intercept and the covariates before; drop "
                        f"{'it' if len(redundant) == 1 else 'them'}")


# ============================================================================ panel data
def panel_cells(outcome_by_period: np.ndarray, codes: np.ndarray, weights: np.ndarray | None,
                plan: CellPlan, *, method: str, covariates: np.ndarray | None = None,
                covariate_names: Sequence[str] = (), cache: bool = True) -> CellEstimates:
    """ATT(g,t) of a balanced panel, and their influence functions.

    Each cell's influence function is a row over the ``n`` units that is zero outside
    the cell's treated cohort and comparison units (:mod:`evalkit.did._cs_influence`):
    without covariates it is recomputed when read, from the outcomes and the groups'
    mean changes; with covariates it is kept, over the cell's units only.

    Parameters
    ----------
    outcome_by_period
        ``T x n`` outcomes (one row per period), units sorted by ``codes``.
    codes
        Each unit's position in ``plan.group_values`` (non-decreasing).
    weights
        Unit sampling weights, or ``None``.
    covariates
        ``T x p x n`` covariates by period (without the intercept), or ``None``. Each
        cell uses their values in its base period, as R's ``att_gt``. Covariates that do
        not vary over time may be given once, ``1 x p x n``.
    cache
        Fit each distinct design (treated cohort, comparison units, base-period
        covariates) once and reuse it for the cells that share it (the default); ``False``
        fits every cell on its own. Both give the same numbers to the last bit: a cached
        design is the very computation a cell would repeat.
    """
    n = codes.size
    bounds = np.searchsorted(codes, np.arange(plan.group_values.size + 1))
    att = np.empty(plan.n_cells)
    rows: list[InfluenceRow] = []
    trimmed = np.zeros(plan.n_cells, dtype=np.int64)
    weak: list[tuple[str, int]] = []
    # The regressions of a cell depend only on its units and their covariates in its base
    # period, not on its outcome period: cells sharing the treated cohort, the comparison
    # units and those covariates (every post-treatment cell of a cohort with a universal
    # base period; every cell of a cohort with time-invariant covariates and fixed
    # comparison units) share one fitted design.
    same_every_period = covariates is not None and covariates.shape[0] == 1
    designs: dict[tuple[int, bytes, int], _PanelDesign] = {}
    for k in range(plan.n_cells):
        t, b = plan.cell_period[k], plan.cell_base[k]
        treated = plan.cohort_code[plan.cell_cohort[k]]
        spans = [(bounds[treated], bounds[treated + 1])]
        spans += _spans(plan.control[k], bounds)
        if spans[0][1] == spans[0][0]:  # every unit of the cohort was dropped
            raise no_units(plan.label(k), "treated")
        if len(spans) == 1:
            raise no_units(plan.label(k), "comparison")
        if covariates is None:
            att[k], row = _panel_means(outcome_by_period[t], outcome_by_period[b], weights,
                                       spans, n)
            rows.append(row)
            continue
        key = (int(treated), plan.control[k].tobytes(), -1 if same_every_period else int(b))
        design = designs.get(key) if cache else None
        if design is None:
            index = np.concatenate([np.arange(lo, hi) for lo, hi in spans])
            d = np.zeros(index.size)
            d[: spans[0][1] - spans[0][0]] = 1.0
            xt = _design(covariates[0 if same_every_period else b][:, index])
            w = np.ones(index.size) if weights is None else weights[index]
            design = _panel_design(method, d, xt, w, plan.label(k), covariate_names,
                                   n / index.size)
            designs[key] = design
        dy = _changes(outcome_by_period[t], outcome_by_period[b], spans)
        att[k], influence = _panel_effect(method, design, dy)
        trimmed[k] = design.trimmed
        if design.weak:
            weak.append((plan.label(k), design.weak))
        rows.append(StoredRow(spans, influence))
    return CellEstimates(att=att, trimmed=trimmed, weak_overlap=tuple(weak),
                         influence=tuple(rows))


def no_units(cell: str, who: str) -> EstimationError:
    """The error of a cell whose treated or comparison units were all dropped."""
    return EstimationError(f"{cell}: no {who} unit is left in the estimation sample (they "
                           "were all dropped), so this group-time effect cannot be estimated")


def _spans(mask: np.ndarray, bounds: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous index ranges of the units whose code is selected by ``mask``."""
    spans: list[tuple[int, int]] = []
    for j in np.flatnonzero(mask):
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        if hi == lo:
            continue
        if spans and spans[-1][1] == lo:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def _changes(y_t: np.ndarray, y_b: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """``y_t - y_b`` over the units of the spans, in their order."""
    dy = np.empty(sum(hi - lo for lo, hi in spans))
    start = 0
    for lo, hi in spans:
        np.subtract(y_t[lo:hi], y_b[lo:hi], out=dy[start: start + hi - lo])
        start += hi - lo
    return dy


def _panel_means(y_t: np.ndarray, y_b: np.ndarray, weights: np.ndarray | None,
                 spans: list[tuple[int, int]], n: int) -> tuple[float, MeanChangeRow]:
    """Difference in mean outcome changes (treated span first) and its influence function.

    ``psi_i = n w_i (dY_i - m_1) / W_1`` for treated units and ``-n w_i (dY_i - m_0) / W_0``
    for comparison units, ``m`` the weighted mean changes and ``W`` the summed weights.
    """
    means, scales = [], []
    for group, group_spans in ((1, spans[:1]), (0, spans[1:])):
        changes = [np.subtract(y_t[lo:hi], y_b[lo:hi]) for lo, hi in group_spans]
        if weights is None:
            total = float(sum(c.size for c in changes))
            mean = sum(float(c.sum()) for c in changes) / total
        else:
            total = float(sum(weights[lo:hi].sum() for lo, hi in group_spans))
            mean = sum(_dot(c, weights[lo:hi]) for c, (lo, hi) in zip(changes, group_spans,
                                                                   strict=True)) / total
        means.append(mean)
        scales.append((n if group else -n) / total)
    span_means = [means[0]] + [means[1]] * (len(spans) - 1)
    span_scales = [scales[0]] + [scales[1]] * (len(spans) - 1)
    return means[0] - means[1], MeanChangeRow(spans, y_t, y_b, weights, span_means,
                                              span_scales)


@dataclass(frozen=True)
class _PanelDesign:
    """What a panel 2x2 with covariates computes from its units alone, not from their
    outcome changes: the comparison units' outcome-regression design, the propensity
    score with its trimming, and the vectors the influence function is a combination of.

    With ``resid`` the outcome changes less the comparison units' regression fit (the
    changes themselves for inverse probability weighting), ``att = eta_t - eta_c`` with
    ``eta_t = treat . resid / treat_sum`` and ``eta_c = cont . resid / cont_sum``, and the
    influence function (times ``scale``) is
    ``a * resid - eta_t * b_treat + eta_c * b_cont - score * X (H^-1 n m2)`` where ``m2``
    is the derivative of ``eta_c`` in the propensity score's coefficients. The vectors
    ``a``, ``b_treat``, ``b_cont`` and ``score`` are kept already scaled.
    """

    xt: np.ndarray  # [1, X] transposed, k x m
    control: slice | np.ndarray  # the comparison units among the m
    xt_control: np.ndarray
    w_control: np.ndarray
    treat: np.ndarray  # the treated units' weights (after trimming)
    treat_sum: float
    a: np.ndarray
    b_treat: np.ndarray
    xpx_inv: np.ndarray | None = None  # (X'WX)^-1 of the comparison units
    cont: np.ndarray | None = None  # the comparison units' inverse-probability weights
    cont_sum: float = 0.0
    b_cont: np.ndarray | None = None
    score: np.ndarray | None = None
    hessian_inv_n: np.ndarray | None = None
    xt_cont: np.ndarray | None = None  # X' cont
    trimmed: int = 0
    weak: int = 0


def _panel_design(method: str, d: np.ndarray, xt: np.ndarray, w: np.ndarray, cell: str,
                  names: Sequence[str], scale: float = 1.0) -> _PanelDesign:
    """The outcome-free part of a panel 2x2 with covariates (see :func:`_panel_effect`).

    ``d`` flags the treated units, ``xt`` is the design ``[1, X]`` transposed, ``w`` the
    sampling weights; the influence function is returned multiplied by ``scale``.
    """
    m = d.size
    w = w / w.mean()
    n_treated = int(np.count_nonzero(d))
    if np.all(d[:n_treated] == 1):  # treated units first, as the cells give them
        control: slice | np.ndarray = slice(n_treated, None)
    else:
        control = d == 0
    xt_control, w_control = np.ascontiguousarray(xt[:, control]), w[control]
    common = {"xt": xt, "control": control, "xt_control": xt_control, "w_control": w_control}
    if method == "outcome_regression":
        xpx_inv = _wls_inverse(xt_control, w_control, cell, names, "comparison")
        treat = w * d
        treat_mean = treat.mean()
        # estimation effect of the regression: its linear representation times the
        # derivative of the fitted comparison mean
        projection = _xb(xt, xpx_inv @ _xtv(xt, treat))
        w_untreated = w * (1 - d)
        a = (treat - w_untreated * projection) * (scale / treat_mean)
        return _PanelDesign(**common, treat=treat, treat_sum=treat.sum(), a=a,
                            b_treat=treat * (scale / treat_mean), xpx_inv=xpx_inv)
    fit = _propensity(xt, d, w, cell, names)
    ps = fit.ps
    keep = np.ones(m, dtype=bool)
    keep[control] = ps[control] < TRIM_LEVEL
    treat = keep * w * d
    cont = keep * w * ps * (1 - d) / (1 - ps)
    _check_weights(cont, cell)
    treat_mean, cont_mean = treat.mean(), cont.mean()
    b_treat = treat * (scale / treat_mean)
    b_cont = cont * (scale / cont_mean)
    xt_cont = _xtv(xt, cont)
    logit = {"treat": treat, "treat_sum": treat.sum(), "cont": cont, "cont_sum": cont.sum(),
             "b_treat": b_treat, "b_cont": b_cont, "score": fit.score * (scale / cont_mean),
             "hessian_inv_n": fit.hessian_inv_n, "xt_cont": xt_cont,
             "trimmed": int(np.sum(~keep)), "weak": fit.weak}
    if method == "inverse_probability":
        return _PanelDesign(**common, **logit, a=b_treat - b_cont)
    xpx_inv = _wls_inverse(xt_control, w_control, cell, names, "comparison")
    # the regression's estimation effect on eta_t and eta_c: its linear representation
    # (w (1 - d) resid, X (X'WX)^-1) times their derivatives in its coefficients
    projection = _xb(xt, xpx_inv @ (_xtv(xt, treat) / treat_mean - xt_cont / cont_mean))
    a = b_treat - b_cont - (w * (1 - d) * projection) * scale
    return _PanelDesign(**common, **logit, a=a, xpx_inv=xpx_inv)


def _panel_2x2(method: str, dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray,
               cell: str, names: Sequence[str]) -> tuple[float, np.ndarray, int, int]:
    """One panel 2x2 with covariates: (att, influence function, trimmed comparison units,
    treated units with a propensity score of at least ``OVERLAP_LIMIT``); ``x`` is the
    design with its intercept, n x k."""
    design = _panel_design(method, d, np.ascontiguousarray(x.T), w, cell, names)
    att, influence = _panel_effect(method, design, dy)
    return att, influence, design.trimmed, design.weak


def _panel_effect(method: str, design: _PanelDesign,
                  dy: np.ndarray) -> tuple[float, np.ndarray]:
    """One panel 2x2 with covariates on its design: (att, influence function).

    The influence function is DRDID's (``reg_did_panel``, ``std_ipw_did_panel``,
    ``drdid_panel``): ``att - ATT ~ mean(psi)`` over the cell's units, times the design's
    scale. Only what depends on the outcome changes ``dy`` is computed here.
    """
    resid = dy
    if method != "inverse_probability":
        beta = design.xpx_inv @ _xtv(design.xt_control, design.w_control * dy[design.control])
        resid = dy - _xb(design.xt, beta)
    eta_treat = _dot(design.treat, resid) / design.treat_sum
    if method == "outcome_regression":
        # eta_c is the treated units' mean fitted change: att = treat . resid / treat_sum
        influence = design.a * resid
        influence -= eta_treat * design.b_treat
        return eta_treat, influence
    eta_cont = _dot(design.cont, resid) / design.cont_sum
    m2 = (_xtv(design.xt, design.cont * resid) - eta_cont * design.xt_cont) / dy.size
    influence = design.a * resid
    influence -= eta_treat * design.b_treat
    influence += eta_cont * design.b_cont
    influence -= design.score * _xb(design.xt, design.hessian_inv_n @ m2)
    return eta_treat - eta_cont, influence


def _check_weights(w_cont: np.ndarray, cell: str) -> None:
    if not w_cont.sum() > 0:
        raise EstimationError(
            f"{cell}: every comparison unit has a propensity score of at least {TRIM_LEVEL} "
            "and was trimmed; the treated and comparison units do not overlap in their "
            "covariates (use fewer covariates, or another comparison group)")


def _wls_inverse(xt: np.ndarray, w: np.ndarray, cell: str, names: Sequence[str],
                 who: str) -> np.ndarray:
    """``(X'WX)^-1`` of a weighted least squares design, checked (see :func:`_wls`)."""
    xtwx = _xtwx(xt, w)
    _check_design(xtwx, cell, names, f"outcome regression on the {who} units")
    return np.linalg.inv(xtwx)


def _wls(xt: np.ndarray, y: np.ndarray, w: np.ndarray, cell: str, names: Sequence[str],
         who: str) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares; returns the coefficients and the inverse of X'WX / n_all.

    The inverse is scaled by the number of rows of the *full* cell later (R's
    ``crossprod(wols.x, int.cov) / n``); here it is returned unscaled: ``(X'WX)^-1``.
    """
    inverse = _wls_inverse(xt, w, cell, names, who)
    return inverse @ _xtv(xt, w * y), inverse


def _check_design(gram: np.ndarray, cell: str, names: Sequence[str], what: str) -> None:
    if gram.shape[0] == 0 or not np.all(np.isfinite(gram)) or (
            1.0 / np.linalg.cond(gram) < _EPS):
        covs = ", ".join(map(repr, names))
        raise EstimationError(
            f"{cell}: the {what} cannot be estimated: its design (intercept and covariates "
            f"{covs}) is singular in this cell's sample (a covariate is constant, or "
            "collinear with the others, among these units). Remove or recode covariates.")


@dataclass(frozen=True)
class _Propensity:
    """A fitted propensity score: the scores (capped below 1), the score contributions
    ``w (d - ps)``, ``n H^-1`` and the count of treated units with weak overlap."""

    xt: np.ndarray
    ps: np.ndarray
    score: np.ndarray
    hessian_inv_n: np.ndarray
    weak: int

    def linear(self, m: np.ndarray) -> np.ndarray:
        """The estimation effect of the coefficients on a statistic whose derivative in
        them is ``m``: ``score * X (n H^-1 m)``."""
        return self.score * _xb(self.xt, self.hessian_inv_n @ m)


def _propensity(xt: np.ndarray, d: np.ndarray, w: np.ndarray, cell: str,
                names: Sequence[str]) -> _Propensity:
    """Logistic propensity score by weighted maximum likelihood, capped below 1.

    Also counts the treated units with a score of at least ``OVERLAP_LIMIT`` (weak
    overlap: R's ``did`` reports such cells as NA; here they are estimated and reported).

    Raises
    ------
    EstimationError
        When the covariates separate treated and comparison units (the maximum
        likelihood estimate does not exist).
    """
    converged, eta, p = _logit(xt, d, w)
    if not converged or np.max(np.abs(eta)) > _SEPARATION:
        raise EstimationError(
            f"{cell}: the covariates {', '.join(map(repr, names))} separate the treated from "
            "the comparison units (the propensity score is 0 or 1 for some of them), so "
            "they cannot be compared; use fewer covariates or another comparison group")
    ps = np.minimum(p, _PS_CAP)
    hessian = _xtwx(xt, ps * (1 - ps) * w)
    _check_design(hessian, cell, names, "propensity score")
    return _Propensity(xt=xt, ps=ps, score=w * (d - ps),
                       hessian_inv_n=np.linalg.inv(hessian) * d.size,
                       weak=int(np.sum(ps[d == 1] >= OVERLAP_LIMIT)))


def _logistic(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``1 / (1 + exp(-eta))`` and ``log(1 + exp(eta))``, stable for any ``eta``, from one
    exponential."""
    e = np.exp(-np.abs(eta))
    softplus = np.log1p(e)
    softplus += np.maximum(eta, 0.0)
    r = 1.0 / (1.0 + e)
    return np.where(eta >= 0, r, e * r), softplus


def _logit(xt: np.ndarray, d: np.ndarray, w: np.ndarray,
           max_iter: int = 100) -> tuple[bool, np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton's method with step halving.

    Returns whether it converged, the linear index and the probabilities at the estimate.
    """
    beta = np.zeros(xt.shape[0])
    eta = np.zeros(d.size)
    p, softplus = _logistic(eta)
    deviance = _deviance(softplus, eta, d, w)
    for _ in range(max_iter):
        gradient = _xtv(xt, w * (d - p))
        hessian = _xtwx(xt, w * p * (1 - p))
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return False, eta, p
        new_deviance = np.inf
        for _ in range(30):
            eta = _xb(xt, beta + step)  # kept: the next iteration starts from it
            p, softplus = _logistic(eta)
            new_deviance = _deviance(softplus, eta, d, w)
            if new_deviance <= deviance + 1e-12 * abs(deviance):
                break
            step = step / 2
        else:  # no step accepted: the halved step is taken, and eta must follow it
            eta = _xb(xt, beta + step)
            p, softplus = _logistic(eta)
        beta = beta + step
        small_step = np.max(np.abs(step)) <= 1e-12 * (1.0 + np.max(np.abs(beta)))
        if small_step or abs(deviance - new_deviance) <= 1e-12 * (abs(new_deviance) + 0.1):
            return bool(np.all(np.isfinite(beta))), eta, p
        deviance = new_deviance
    return False, eta, p


def _deviance(softplus: np.ndarray, eta: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    """-2 log-likelihood: ``2 sum w (log(1 + exp(eta)) - d eta)``."""
    return 2.0 * (_dot(w, softplus) - _dot(w * d, eta))


# ============================================================================ cross-sections
def rc_cells(y: np.ndarray, period: np.ndarray, codes: np.ndarray, ids: np.ndarray, n_ids: int,
             weights: np.ndarray | None, plan: CellPlan, out: np.ndarray, *, method: str,
             covariates: np.ndarray | None = None,
             covariate_names: Sequence[str] = ()) -> CellEstimates:
    """ATT(g,t) from repeated cross-sections (or an unbalanced panel); IFs into ``out``.

    Each observation of the two periods is its own draw; the influence function of
    the observations of an identifier (a unit of an unbalanced panel, or the
    observation itself) are summed, as R's ``att_gt`` with ``panel=FALSE`` or
    ``allow_unbalanced_panel=TRUE``.

    Parameters
    ----------
    y, period, codes, ids
        Per observation: outcome, period position, the unit's position in
        ``plan.group_values``, and identifier (0 .. n_ids - 1).
    weights
        Per-observation sampling weights, or ``None``.
    covariates
        ``p x rows`` covariates (without intercept), or ``None``.
    """
    att = np.empty(plan.n_cells)
    trimmed = np.zeros(plan.n_cells, dtype=np.int64)
    weak: list[tuple[str, int]] = []
    by_period = [np.flatnonzero(period == t) for t in range(plan.periods.size)]
    for k in range(plan.n_cells):
        t, b = plan.cell_period[k], plan.cell_base[k]
        rows = np.concatenate([by_period[t], by_period[b]])
        treated_code = plan.cohort_code[plan.cell_cohort[k]]
        row_codes = codes[rows]
        d = row_codes == treated_code
        rows_in = d | plan.control[k][row_codes]
        rows, d = rows[rows_in], d[rows_in].astype(float)
        post = (period[rows] == t).astype(float)
        w = np.ones(rows.size) if weights is None else weights[rows]
        cell = plan.label(k)
        _check_rc_cells(d, post, cell)
        if covariates is None:
            att[k], psi = _rc_means(y[rows], post, d, w)
        else:
            att[k], psi, trimmed[k], count = _rc_effect(
                method, y[rows], post, d, _design(covariates[:, rows]), w, cell, covariate_names)
            if count:
                weak.append((cell, count))
        out[k] = np.bincount(ids[rows], weights=psi * (n_ids / rows.size), minlength=n_ids)
    return CellEstimates(att=att, trimmed=trimmed, weak_overlap=tuple(weak))


def _check_rc_cells(d: np.ndarray, post: np.ndarray, cell: str) -> None:
    for treated, after, who in ((1, 1, "treated units after"), (1, 0, "treated units before"),
                                (0, 1, "comparison units after"),
                                (0, 0, "comparison units before")):
        if not np.any((d == treated) & (post == after)):
            raise EstimationError(f"{cell}: no observation of {who} the change; this "
                                  "group-time effect cannot be estimated from these data")


def _rc_means(y: np.ndarray, post: np.ndarray, d: np.ndarray, w: np.ndarray):
    """(m11 - m10) - (m01 - m00) and its influence function (mean-one weights)."""
    w = w / w.mean()
    psi = np.zeros(y.size)
    att = 0.0
    for treated, after, sign in ((1, 1, 1.0), (1, 0, -1.0), (0, 1, -1.0), (0, 0, 1.0)):
        cell = (d == treated) & (post == after)
        wc = w * cell
        mean = _dot(wc, y) / wc.sum()
        att += sign * mean
        psi += sign * wc * (y - mean) / wc.mean()
    return att, psi


def _rc_2x2(method: str, y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray,
            w: np.ndarray, cell: str, names: Sequence[str]):
    """One repeated cross-section 2x2 with covariates (DRDID ``reg_did_rc``,
    ``std_ipw_did_rc``, ``drdid_rc``): (att, influence function, trimmed, weak overlap);
    ``x`` is the design with its intercept, n x k."""
    return _rc_effect(method, y, post, d, np.ascontiguousarray(x.T), w, cell, names)


def _rc_effect(method: str, y: np.ndarray, post: np.ndarray, d: np.ndarray, xt: np.ndarray,
               w: np.ndarray, cell: str, names: Sequence[str]):
    """:func:`_rc_2x2` with the design ``[1, X]`` given transposed (k x n)."""
    n = y.size
    w = w / w.mean()
    pre = 1 - post

    def ols(mask: np.ndarray, who: str):
        beta, inverse = _wls(np.ascontiguousarray(xt[:, mask]), y[mask], w[mask], cell, names,
                             who)
        fitted = _xb(xt, beta)
        resid_w = w * mask * (y - fitted)

        def linear(m: np.ndarray) -> np.ndarray:  # OLS linear representation times m
            return resid_w * _xb(xt, inverse * n @ m)

        return fitted, linear

    def colmean(v: np.ndarray) -> np.ndarray:
        return _xtv(xt, v) / n

    if method == "outcome_regression":
        fit_pre, lin_pre = ols((d == 0) & (pre == 1), "comparison units before the change")
        fit_post, lin_post = ols((d == 0) & (post == 1), "comparison units after the change")
        w_t0, w_t1, w_d = w * d * pre, w * d * post, w * d
        eta_t0 = _dot(w_t0, y) / w_t0.sum()
        eta_t1 = _dot(w_t1, y) / w_t1.sum()
        eta_c = _dot(w_d, fit_post - fit_pre) / w_d.sum()
        inf_treat = ((w_t1 * y - w_t1 * eta_t1) / w_t1.mean()
                     - (w_t0 * y - w_t0 * eta_t0) / w_t0.mean())
        m1 = colmean(w_d)
        inf_cont = (w_d * (fit_post - fit_pre) - w_d * eta_c + lin_post(m1) - lin_pre(m1))
        inf_cont /= w_d.mean()
        return (eta_t1 - eta_t0) - eta_c, inf_treat - inf_cont, 0, 0

    fit = _propensity(xt, d, w, cell, names)
    ps, ps_lin, weak = fit.ps, fit.linear, fit.weak
    keep = np.ones(n, dtype=bool)
    keep[d == 0] = ps[d == 0] < TRIM_LEVEL
    trimmed = int(np.sum(~keep))
    odds = keep * w * ps * (1 - d) / (1 - ps)
    _check_weights(odds, cell)
    w_t0, w_t1 = keep * w * d * pre, keep * w * d * post
    w_c0, w_c1 = odds * pre, odds * post

    if method == "inverse_probability":
        a_t0, a_t1 = _dot(w_t0, y) / w_t0.sum(), _dot(w_t1, y) / w_t1.sum()
        a_c0, a_c1 = _dot(w_c0, y) / w_c0.sum(), _dot(w_c1, y) / w_c1.sum()
        inf_treat = (w_t1 * (y - a_t1) / w_t1.mean()) - (w_t0 * (y - a_t0) / w_t0.mean())
        inf_cont = (w_c1 * (y - a_c1) / w_c1.mean()) - (w_c0 * (y - a_c0) / w_c0.mean())
        m2 = colmean(w_c1 * (y - a_c1)) / w_c1.mean() - colmean(w_c0 * (y - a_c0)) / w_c0.mean()
        inf_cont = inf_cont + ps_lin(m2)
        att = (a_t1 - a_t0) - (a_c1 - a_c0)
        return att, inf_treat - inf_cont, trimmed, weak

    fit_c0, lin_c0 = ols((d == 0) & (pre == 1), "comparison units before the change")
    fit_c1, lin_c1 = ols((d == 0) & (post == 1), "comparison units after the change")
    fit_t0, lin_t0 = ols((d == 1) & (pre == 1), "treated units before the change")
    fit_t1, lin_t1 = ols((d == 1) & (post == 1), "treated units after the change")
    fit_c = post * fit_c1 + pre * fit_c0
    resid = y - fit_c
    w_d, w_dt1, w_dt0 = keep * w * d, w_t1, w_t0
    a_t0, a_t1 = _dot(w_t0, resid) / w_t0.sum(), _dot(w_t1, resid) / w_t1.sum()
    a_c0, a_c1 = _dot(w_c0, resid) / w_c0.sum(), _dot(w_c1, resid) / w_c1.sum()
    gap1, gap0 = fit_t1 - fit_c1, fit_t0 - fit_c0
    a_d1, a_dt1 = _dot(w_d, gap1) / w_d.sum(), _dot(w_dt1, gap1) / w_dt1.sum()
    a_d0, a_dt0 = _dot(w_d, gap0) / w_d.sum(), _dot(w_dt0, gap0) / w_dt0.sum()
    att = (a_t1 - a_t0) - (a_c1 - a_c0) + (a_d1 - a_dt1) - (a_d0 - a_dt0)

    # the terms of DRDID's influence function, in its arrangement; m1_pre and m3_pre are
    # the derivatives of the *pre-period* components, which enter the estimate with a minus
    # sign, so their estimation effects are subtracted (DRDID::drdid_rc adds them; the
    # version here equals the numerical derivative of the estimator -- see the tests)
    inf_t0 = w_t0 * (resid - a_t0) / w_t0.mean()
    inf_t1 = w_t1 * (resid - a_t1) / w_t1.mean()
    m1_post = -colmean(w_t1 * post) / w_t1.mean()
    m1_pre = -colmean(w_t0 * pre) / w_t0.mean()
    inf_treat = inf_t1 - inf_t0 + lin_c1(m1_post) - lin_c0(m1_pre)
    inf_c0 = w_c0 * (resid - a_c0) / w_c0.mean()
    inf_c1 = w_c1 * (resid - a_c1) / w_c1.mean()
    m2 = (colmean(w_c1 * (resid - a_c1)) / w_c1.mean()
          - colmean(w_c0 * (resid - a_c0)) / w_c0.mean())
    m3_post = -colmean(w_c1 * post) / w_c1.mean()
    m3_pre = -colmean(w_c0 * pre) / w_c0.mean()
    inf_cont = inf_c1 - inf_c0 + ps_lin(m2) + lin_c1(m3_post) - lin_c0(m3_pre)
    inf_eff = ((w_d * (gap1 - a_d1) / w_d.mean() - w_dt1 * (gap1 - a_dt1) / w_dt1.mean())
               - (w_d * (gap0 - a_d0) / w_d.mean() - w_dt0 * (gap0 - a_dt0) / w_dt0.mean()))
    mom_post = colmean(w_d / w_d.mean() - w_dt1 / w_dt1.mean())
    mom_pre = colmean(w_d / w_d.mean() - w_dt0 / w_dt0.mean())
    inf_or = ((lin_t1(mom_post) - lin_c1(mom_post)) - (lin_t0(mom_pre) - lin_c0(mom_pre)))
    return att, inf_treat - inf_cont + inf_eff + inf_or, trimmed, weak
