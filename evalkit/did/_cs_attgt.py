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
from scipy.special import expit

from evalkit.errors import EstimationError

__all__ = ["CellPlan", "CellEstimates", "plan_cells", "panel_cells", "rc_cells", "TRIM_LEVEL",
           "OVERLAP_LIMIT"]

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
    """Point estimates of every cell, with what the estimators had to do on the way."""

    att: np.ndarray
    trimmed: np.ndarray
    weak_overlap: tuple[tuple[str, int], ...] = ()


# Products over observations are computed with einsum rather than BLAS: the matrices are
# tall and thin (few covariates), and multithreaded BLAS calls between elementwise steps
# leave spinning threads that slow everything else down on a busy machine.
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.einsum("i,i->", a, b))


def _xtv(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X'v."""
    return np.einsum("ij,i->j", x, v)


def _xb(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Xb."""
    return np.einsum("ij,j->i", x, b)


def _xtwx(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X'WX."""
    return np.einsum("ij,ik->jk", x * w[:, None], x)


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


# ============================================================================ panel data
def panel_cells(outcome_by_period: np.ndarray, codes: np.ndarray, weights: np.ndarray | None,
                plan: CellPlan, out: np.ndarray, *, method: str,
                covariates: np.ndarray | None = None,
                covariate_names: Sequence[str] = (), cache: bool = True) -> CellEstimates:
    """ATT(g,t) of a balanced panel; influence functions written into ``out``.

    Parameters
    ----------
    outcome_by_period
        ``T x n`` outcomes (one row per period), units sorted by ``codes``.
    codes
        Each unit's position in ``plan.group_values`` (non-decreasing).
    weights
        Unit sampling weights, or ``None``.
    out
        Zero-filled ``K x n`` array receiving the influence functions.
    covariates
        ``T x n x p`` covariates by period (without the intercept), or ``None``. Each
        cell uses their values in its base period, as R's ``att_gt``. Covariates that do
        not vary over time may be given once, ``1 x n x p``.
    cache
        Fit each distinct design (treated cohort, comparison units, base-period
        covariates) once and reuse it for the cells that share it (the default); ``False``
        fits every cell on its own. Both give the same numbers to the last bit: a cached
        design is the very computation a cell would repeat.
    """
    n = codes.size
    bounds = np.searchsorted(codes, np.arange(plan.group_values.size + 1))
    att = np.empty(plan.n_cells)
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
        if covariates is None:
            att[k] = _panel_means(outcome_by_period[t], outcome_by_period[b], weights,
                                  spans, n, out[k])
            continue
        key = (int(treated), plan.control[k].tobytes(), -1 if same_every_period else int(b))
        design = designs.get(key) if cache else None
        if design is None:
            index = np.concatenate([np.arange(lo, hi) for lo, hi in spans])
            d = np.zeros(index.size)
            d[: spans[0][1] - spans[0][0]] = 1.0
            x = _with_intercept(covariates[0 if same_every_period else b, index])
            w = np.ones(index.size) if weights is None else weights[index]
            design = _panel_design(method, d, x, w, plan.label(k), covariate_names, index)
            designs[key] = design
        index = design.index
        dy = outcome_by_period[t, index] - outcome_by_period[b, index]
        att[k], influence = _panel_effect(method, design, dy)
        trimmed[k] = design.trimmed
        if design.weak:
            weak.append((plan.label(k), design.weak))
        out[k, index] = influence * (n / index.size)
    return CellEstimates(att=att, trimmed=trimmed, weak_overlap=tuple(weak))


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


def _panel_means(y_t: np.ndarray, y_b: np.ndarray, weights: np.ndarray | None,
                 spans: list[tuple[int, int]], n: int, out: np.ndarray) -> float:
    """Difference in mean outcome changes (treated span first) and its influence function.

    ``psi_i = n w_i (dY_i - m_1) / W_1`` for treated units and ``-n w_i (dY_i - m_0) / W_0``
    for comparison units, ``m`` the weighted mean changes and ``W`` the summed weights.
    """
    means = []
    for group, group_spans in ((1, spans[:1]), (0, spans[1:])):
        changes = [np.subtract(y_t[lo:hi], y_b[lo:hi]) for lo, hi in group_spans]
        if weights is None:
            total = float(sum(c.size for c in changes))
            mean = sum(float(c.sum()) for c in changes) / total
        else:
            total = float(sum(weights[lo:hi].sum() for lo, hi in group_spans))
            mean = sum(_dot(c, weights[lo:hi]) for c, (lo, hi) in zip(changes, group_spans,
                                                                   strict=True)) / total
        scale = (n if group else -n) / total
        for c, (lo, hi) in zip(changes, group_spans, strict=True):
            c -= mean
            if weights is None:
                np.multiply(c, scale, out=out[lo:hi])
            else:
                np.multiply(c, weights[lo:hi], out=c)
                np.multiply(c, scale, out=out[lo:hi])
        means.append(mean)
    return means[0] - means[1]


def _with_intercept(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(x.shape[0]), x])


@dataclass(frozen=True)
class _PanelDesign:
    """What a panel 2x2 with covariates computes from its units alone (not their outcome
    changes): the normalised weights, the propensity score with its trimming, the
    comparison units' outcome-regression design, and the estimation-effect vectors that
    depend on these only."""

    index: np.ndarray
    d: np.ndarray
    x: np.ndarray
    w: np.ndarray
    control: np.ndarray
    x_control: np.ndarray
    w_control: np.ndarray
    w_untreated: np.ndarray  # w * (1 - d)
    w_treat: np.ndarray
    treat_sum: float
    treat_mean: float
    xpx_inv: np.ndarray | None = None
    ps_lin: object = None
    w_cont: np.ndarray | None = None
    cont_sum: float = 0.0
    cont_mean: float = 0.0
    treat_projection: np.ndarray | None = None  # x @ (n (X'WX)^-1 m1)
    cont_projection: np.ndarray | None = None  # x @ (n (X'WX)^-1 m3)
    trimmed: int = 0
    weak: int = 0


def _panel_design(method: str, d: np.ndarray, x: np.ndarray, w: np.ndarray, cell: str,
                  names: Sequence[str], index: np.ndarray) -> _PanelDesign:
    """The outcome-free part of a panel 2x2 with covariates (see :func:`_panel_effect`)."""
    n = d.size
    w = w / w.mean()
    control = d == 0
    x_control, w_control = x[control], w[control]
    common = {"index": index, "d": d, "x": x, "w": w, "control": control,
              "x_control": x_control, "w_control": w_control, "w_untreated": w * (1 - d)}
    if method == "outcome_regression":
        xpx_inv = _wls_inverse(x_control, w_control, cell, names, "comparison")
        w_treat = w * d
        m1 = (w_treat[:, None] * x).mean(axis=0)
        return _PanelDesign(**common, w_treat=w_treat, treat_sum=w_treat.sum(),
                            treat_mean=w_treat.mean(), xpx_inv=xpx_inv,
                            treat_projection=_xb(x, xpx_inv * n @ m1))
    ps, ps_lin, weak = _propensity(x, d, w, cell, names)
    keep = np.ones(n, dtype=bool)
    keep[control] = ps[control] < TRIM_LEVEL
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1 - d) / (1 - ps)
    _check_weights(w_cont, cell)
    treat = {"w_treat": w_treat, "treat_sum": w_treat.sum(), "treat_mean": w_treat.mean(),
             "ps_lin": ps_lin, "w_cont": w_cont, "cont_sum": w_cont.sum(),
             "cont_mean": w_cont.mean(), "trimmed": int(np.sum(~keep)), "weak": weak}
    if method == "inverse_probability":
        return _PanelDesign(**common, **treat)
    xpx_inv = _wls_inverse(x_control, w_control, cell, names, "comparison")
    xpx_n = xpx_inv * n
    m1 = (w_treat[:, None] * x).mean(axis=0)
    m3 = (w_cont[:, None] * x).mean(axis=0)
    return _PanelDesign(**common, **treat, xpx_inv=xpx_inv,
                        treat_projection=_xb(x, xpx_n @ m1),
                        cont_projection=_xb(x, xpx_n @ m3))


def _panel_2x2(method: str, dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray,
               cell: str, names: Sequence[str]) -> tuple[float, np.ndarray, int, int]:
    """One panel 2x2 with covariates: (att, influence function, trimmed comparison units,
    treated units with a propensity score of at least ``OVERLAP_LIMIT``)."""
    design = _panel_design(method, d, x, w, cell, names, np.arange(d.size))
    att, influence = _panel_effect(method, design, dy)
    return att, influence, design.trimmed, design.weak


def _panel_effect(method: str, design: _PanelDesign, dy: np.ndarray) -> tuple[float, np.ndarray]:
    """One panel 2x2 with covariates on its design: (att, influence function).

    The influence function is DRDID's: ``att - ATT ~ mean(psi)`` over the cell's units.
    Only what depends on the outcome changes ``dy`` is computed here.
    """
    x, w_treat = design.x, design.w_treat
    if method == "outcome_regression":
        beta = design.xpx_inv @ _xtv(design.x_control, design.w_control * dy[design.control])
        fitted = _xb(x, beta)
        eta_treat = _dot(w_treat, dy) / design.treat_sum
        eta_cont = _dot(w_treat, fitted) / design.treat_sum
        # estimation effect of the regression: its linear representation times the derivative
        ols_term = (design.w_untreated * (dy - fitted)) * design.treat_projection
        inf_treat = (w_treat * dy - w_treat * eta_treat) / design.treat_mean
        inf_cont = (w_treat * fitted - w_treat * eta_cont + ols_term) / design.treat_mean
        return eta_treat - eta_cont, inf_treat - inf_cont

    w_cont, ps_lin = design.w_cont, design.ps_lin
    if method == "inverse_probability":
        eta_treat = _dot(w_treat, dy) / design.treat_sum
        eta_cont = _dot(w_cont, dy) / design.cont_sum
        inf_treat = (w_treat * dy - w_treat * eta_treat) / design.treat_mean
        m2 = _xtv(x, w_cont * (dy - eta_cont)) / dy.size
        inf_cont = (w_cont * dy - w_cont * eta_cont + ps_lin(m2)) / design.cont_mean
        return eta_treat - eta_cont, inf_treat - inf_cont

    beta = design.xpx_inv @ _xtv(design.x_control, design.w_control * dy[design.control])
    resid = dy - _xb(x, beta)
    eta_treat = _dot(w_treat, resid) / design.treat_sum
    eta_cont = _dot(w_cont, resid) / design.cont_sum
    ols_resid = design.w_untreated * resid  # OLS linear representation
    m2 = _xtv(x, w_cont * (resid - eta_cont)) / dy.size
    inf_treat = (w_treat * resid - w_treat * eta_treat - ols_resid * design.treat_projection)
    inf_treat /= design.treat_mean
    inf_cont = (w_cont * resid - w_cont * eta_cont + ps_lin(m2)
                - ols_resid * design.cont_projection)
    inf_cont /= design.cont_mean
    return eta_treat - eta_cont, inf_treat - inf_cont


def _check_weights(w_cont: np.ndarray, cell: str) -> None:
    if not w_cont.sum() > 0:
        raise EstimationError(
            f"{cell}: every comparison unit has a propensity score of at least {TRIM_LEVEL} "
            "and was trimmed; the treated and comparison units do not overlap in their "
            "covariates (use fewer covariates, or another comparison group)")


def _wls_inverse(x: np.ndarray, w: np.ndarray, cell: str, names: Sequence[str],
                 who: str) -> np.ndarray:
    """``(X'WX)^-1`` of a weighted least squares design, checked (see :func:`_wls`)."""
    xtwx = _xtwx(x, w)
    _check_design(xtwx, cell, names, f"outcome regression on the {who} units")
    return np.linalg.inv(xtwx)


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray, cell: str, names: Sequence[str],
         who: str) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares; returns the coefficients and the inverse of X'WX / n_all.

    The inverse is scaled by the number of rows of the *full* cell later (R's
    ``crossprod(wols.x, int.cov) / n``); here it is returned unscaled: ``(X'WX)^-1``.
    """
    inverse = _wls_inverse(x, w, cell, names, who)
    return inverse @ _xtv(x, w * y), inverse


def _check_design(gram: np.ndarray, cell: str, names: Sequence[str], what: str) -> None:
    if gram.shape[0] == 0 or not np.all(np.isfinite(gram)) or (
            1.0 / np.linalg.cond(gram) < _EPS):
        covs = ", ".join(map(repr, names))
        raise EstimationError(
            f"{cell}: the {what} cannot be estimated: its design (intercept and covariates "
            f"{covs}) is singular in this cell's sample (a covariate is constant, or "
            "collinear with the others, among these units). Remove or recode covariates.")


def _propensity(x: np.ndarray, d: np.ndarray, w: np.ndarray, cell: str, names: Sequence[str]):
    """Logistic propensity score by weighted maximum likelihood, capped below 1.

    Returns the scores, a function giving the estimation effect of the logit
    coefficients on a statistic whose derivative is ``m`` (``score @ H^-1 * n @ m``),
    and how many treated units have a score of at least ``OVERLAP_LIMIT`` (weak overlap:
    R's ``did`` reports such cells as NA; here they are estimated and reported).

    Raises
    ------
    EstimationError
        When the covariates separate treated and comparison units (the maximum
        likelihood estimate does not exist).
    """
    beta, converged = _logit(x, d, w)
    eta = _xb(x, beta)
    if not converged or np.max(np.abs(eta)) > _SEPARATION:
        raise EstimationError(
            f"{cell}: the covariates {', '.join(map(repr, names))} separate the treated from "
            "the comparison units (the propensity score is 0 or 1 for some of them), so "
            "they cannot be compared; use fewer covariates or another comparison group")
    ps = np.minimum(expit(eta), _PS_CAP)
    hessian = _xtwx(x, ps * (1 - ps) * w)
    _check_design(hessian, cell, names, "propensity score")
    hessian_inv_n = np.linalg.inv(hessian) * d.size
    score = w * (d - ps)

    def linear(m: np.ndarray) -> np.ndarray:
        return score * _xb(x, hessian_inv_n @ m)

    return ps, linear, int(np.sum(ps[d == 1] >= OVERLAP_LIMIT))


def _logit(x: np.ndarray, d: np.ndarray, w: np.ndarray, max_iter: int = 100):
    """Weighted logistic regression by Newton's method with step halving."""
    beta = np.zeros(x.shape[1])
    eta = _xb(x, beta)
    deviance = _deviance(eta, d, w)
    for _ in range(max_iter):
        p = expit(eta)
        gradient = _xtv(x, w * (d - p))
        hessian = _xtwx(x, w * p * (1 - p))
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return beta, False
        new_deviance = np.inf
        for _ in range(30):
            eta = _xb(x, beta + step)  # kept: the next iteration starts from it
            new_deviance = _deviance(eta, d, w)
            if new_deviance <= deviance + 1e-12 * abs(deviance):
                break
            step = step / 2
        else:  # no step accepted: the halved step is taken, and eta must follow it
            eta = _xb(x, beta + step)
        beta = beta + step
        small_step = np.max(np.abs(step)) <= 1e-12 * (1.0 + np.max(np.abs(beta)))
        if small_step or abs(deviance - new_deviance) <= 1e-12 * (abs(new_deviance) + 0.1):
            return beta, bool(np.all(np.isfinite(beta)))
        deviance = new_deviance
    return beta, False


def _deviance(eta: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    # -2 log-likelihood, stable for large |eta|: log(1 + exp(eta)) - d * eta
    softplus = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))
    return 2.0 * _dot(w, softplus - d * eta)


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
        ``rows x p`` covariates (without intercept), or ``None``.
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
            x = _with_intercept(covariates[rows])
            att[k], psi, trimmed[k], count = _rc_2x2(method, y[rows], post, d, x, w, cell,
                                                      covariate_names)
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
    ``std_ipw_did_rc``, ``drdid_rc``): (att, influence function, trimmed, weak overlap)."""
    n = y.size
    w = w / w.mean()
    pre = 1 - post

    def ols(mask: np.ndarray, who: str):
        beta, inverse = _wls(x[mask], y[mask], w[mask], cell, names, who)
        fitted = _xb(x, beta)
        resid_w = w * mask * (y - fitted)

        def linear(m: np.ndarray) -> np.ndarray:  # OLS linear representation times m
            return resid_w * _xb(x, inverse * n @ m)

        return fitted, linear

    def colmean(v: np.ndarray) -> np.ndarray:
        return (v[:, None] * x).mean(axis=0)

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

    ps, ps_lin, weak = _propensity(x, d, w, cell, names)
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
