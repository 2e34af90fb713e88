"""The covariate-adjusted 2x2 estimators of :func:`~evalkit.did.did_2x2` (Sant'Anna & Zhao 2020).

The boundary between the checked rows of the 2x2 design and the numerics of
:mod:`evalkit.did._doubly_robust_2x2`: pairs each unit's two rows (panel data), checks
what the propensity score and the outcome regressions need, and builds the
:class:`~evalkit.results.DiDResult`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from evalkit.data.panel import frame_fingerprint
from evalkit.did import _doubly_robust_2x2 as compute
from evalkit.did.specs import TwoByTwoSpec
from evalkit.errors import DataError, EstimationError
from evalkit.results import Coefficients, DiDResult, Provenance

__all__ = ["METHODS", "ADJUSTED_METHODS", "METHOD_TEXT", "estimate_adjusted", "pair_units"]

ADJUSTED_METHODS = ("doubly_robust", "doubly_robust_traditional", "outcome_regression",
                    "inverse_probability")
METHODS = ("regression", *ADJUSTED_METHODS)

#: Each method in words, as the result's estimator names it.
METHOD_TEXT: dict[str, str] = {
    "doubly_robust": "improved doubly robust (Sant'Anna & Zhao 2020)",
    "doubly_robust_traditional": "locally efficient doubly robust (Sant'Anna & Zhao 2020)",
    "outcome_regression": "outcome regression (Heckman, Ichimura & Todd 1997)",
    "inverse_probability": "normalised inverse probability weighting (Abadie 2005)",
}

#: The R DRDID function each method reproduces, for panel data and repeated cross-sections.
DRDID_FUNCTIONS: dict[str, tuple[str, str]] = {
    "doubly_robust": ("drdid_imp_panel", "drdid_imp_rc"),
    "doubly_robust_traditional": ("drdid_panel", "drdid_rc"),
    "outcome_regression": ("reg_did_panel", "reg_did_rc"),
    "inverse_probability": ("std_ipw_did_panel", "std_ipw_did_rc"),
}

ESTIMAND = ("average treatment effect on the treated group after the change, assuming that, "
            "conditionally on the covariates, the treated group's outcome would have changed "
            "like the comparison group's")

_SHOW = 10


def _units_text(values: np.ndarray) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:_SHOW])
    more = f" and {len(values) - _SHOW:,} more" if len(values) > _SHOW else ""
    return shown + more


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def pair_units(frame: pd.DataFrame, unit: str, treated: str, post: str,
                covariates: tuple[str, ...], weights: str | None) -> tuple[pd.DataFrame,
                                                                           pd.DataFrame]:
    """Each unit's row before and after the change, in the same unit order.

    Raises
    ------
    DataError
        Naming the units observed other than once before and once after the change, and
        those whose group, covariates or weight differ between their two rows.
    """
    codes, labels = pd.factorize(frame[unit], sort=True)
    p = frame[post].to_numpy(dtype=float)
    n_units = len(labels)
    before = np.bincount(codes, weights=(p == 0), minlength=n_units)
    after = np.bincount(codes, weights=(p == 1), minlength=n_units)
    bad = np.flatnonzero((before != 1) | (after != 1))
    if bad.size:
        raise DataError("The data do not form a two-period panel:", [
            f"unit={unit!r}: each unit must have exactly one row before and one row after "
            f"the change ({post} = 0 and {post} = 1); {_count(bad.size, 'unit')} "
            f"{'does' if bad.size == 1 else 'do'} not ({_units_text(labels[bad])})"])
    order = np.lexsort((p, codes))
    pre = frame.iloc[order[0::2]].reset_index(drop=True)
    post_rows = frame.iloc[order[1::2]].reset_index(drop=True)
    problems = []
    for column, role in ((treated, "treated"), *((c, "covariates") for c in covariates),
                         *(((weights, "weights"),) if weights else ())):
        differs = np.flatnonzero(pre[column].to_numpy() != post_rows[column].to_numpy())
        if differs.size:
            problems.append(
                f"{role}={column!r}: must not change within a unit (the estimators use each "
                f"unit's single value, as R DRDID requires); {_count(differs.size, 'unit')} "
                f"{'has' if differs.size == 1 else 'have'} two values "
                f"({_units_text(labels[codes[order[0::2]][differs]])})")
    if problems:
        raise DataError("The data do not form a two-period panel:", problems)
    return pre, post_rows


def _design(frame: pd.DataFrame, covariates: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([np.ones(len(frame)),
                            *(frame[c].to_numpy(dtype=float) for c in covariates)])


def _check_rank(x: np.ndarray, rows: np.ndarray, where: str, terms: list[str]) -> None:
    """Refuse a design that is not of full rank on ``rows``, naming the redundant column.

    Works on the k x k cross-product of the columns scaled to unit length (cheap at any
    number of rows): a column is redundant when its part orthogonal to the columns before
    it is below 1e-7 of its length.
    """
    mask = rows.astype(float)
    gram = (x * mask[:, None]).T @ x
    norms = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    redundant = []
    kept: list[int] = []
    for j in range(x.shape[1]):
        if norms[j] == 0:
            redundant.append(terms[j])
            continue
        scaled = gram[np.ix_([*kept, j], [*kept, j])] / np.outer(norms[[*kept, j]],
                                                                norms[[*kept, j]])
        if kept:
            head, tail = scaled[:-1, :-1], scaled[:-1, -1]
            residual = 1.0 - tail @ np.linalg.solve(head, tail)
        else:
            residual = 1.0
        if residual < 1e-14:  # squared: the orthogonal part is below 1e-7 of the length
            redundant.append(terms[j])
        else:
            kept.append(j)
    if redundant:
        raise EstimationError(
            f"The covariates are collinear {where}: {', '.join(redundant)} adds nothing to "
            f"the columns before it (in the order {', '.join(terms)}); drop it.")


def estimate_adjusted(frame: pd.DataFrame, *, method: str, outcome: str, treated: str,
                      post: str, covariates: tuple[str, ...], weights: str | None,
                      unit: str | None, specification: TwoByTwoSpec,
                      cell_means: pd.DataFrame) -> DiDResult:
    """Fit one of :data:`ADJUSTED_METHODS` on the checked rows ``frame``."""
    terms = ["Intercept", *covariates]
    if unit is not None:
        pre, after = pair_units(frame, unit, treated, post, covariates, weights)
        d = pre[treated].to_numpy(dtype=float)
        x = _design(pre, covariates)
        y_change = after[outcome].to_numpy(dtype=float) - pre[outcome].to_numpy(dtype=float)
        w = pre[weights].to_numpy(dtype=float) if weights else np.ones(len(pre))
        cells = {} if method == "inverse_probability" else {"among the comparison units": d == 0}
    else:
        d = frame[treated].to_numpy(dtype=float)
        t = frame[post].to_numpy(dtype=float)
        x = _design(frame, covariates)
        y = frame[outcome].to_numpy(dtype=float)
        w = frame[weights].to_numpy(dtype=float) if weights else np.ones(len(frame))
        groups = {"outcome_regression": ("comparison",),
                  "inverse_probability": ()}.get(method, ("comparison", "treated"))
        cells = {f"among the {g} group's observations {s} the change":
                 (d == (g == "treated")) & (t == (s == "after"))
                 for g in groups for s in ("before", "after")}
    _check_rank(x, np.ones(len(d), dtype=bool), "with each other", terms)
    for where, rows in cells.items():
        _check_rank(x, rows, where, terms)
    w = w / w.mean()
    ps = None
    trimmed = 0
    noun = "unit" if unit is not None else "observation"
    if method != "outcome_regression":
        ps = compute.fit_propensity(x, d, w, tilting=method == "doubly_robust")
        control = d == 0
        near = int(np.sum(control & (ps.score >= compute.TRIM_LEVEL)))
        if not ps.converged:
            fitted = np.clip(ps.score, 0.0, 1.0)
            extreme = int(np.sum((fitted < 1e-6) | (fitted >= compute.PS_CAP)))
            how = ("inverse probability tilting" if method == "doubly_robust"
                   else "maximum likelihood")
            raise EstimationError(
                "The propensity score (a logit of the treated group on the covariates, fitted "
                f"by {how}) did not converge: the covariates (nearly) separate the treated "
                f"from the comparison group, {_count(extreme, noun)} with a fitted "
                f"score within 1e-6 of 0 or 1 ({_count(near, 'comparison ' + noun)} at "
                f"or above {compute.TRIM_LEVEL}, which R DRDID trims). There is no overlap "
                "to compare like with like; use fewer covariates or a comparison group that "
                "resembles the treated.")
        trimmed = near
        if trimmed:
            warnings.warn(
                f"{_count(trimmed, 'comparison ' + noun)} "
                f"{'has' if trimmed == 1 else 'have'} a propensity score of at least "
                f"{compute.TRIM_LEVEL} and get weight zero (R DRDID's trimming); the overlap "
                "between the groups is thin there.", UserWarning, stacklevel=4)
        if trimmed == int(control.sum()):
            raise EstimationError(
                f"Every comparison {noun} ({trimmed:,}) has a propensity score of at "
                f"least {compute.TRIM_LEVEL} and is trimmed (as R DRDID does): no comparison "
                "is left.")
    if unit is not None:
        att, influence = compute.estimate_panel(method, y_change, d, x, w, ps)
    else:
        att, influence = compute.estimate_repeated(method, y, t, d, x, w, ps)
    se = compute.standard_error(influence)
    if not (np.isfinite(att) and np.isfinite(se)):
        raise EstimationError(f"The {method} estimate is not finite (estimate {att}, "
                              f"standard error {se}); the groups overlap too little.")
    effect = f"{treated}:{post}"
    sample: dict[str, object] = {"rows": len(frame)}
    if unit is not None:
        sample.update(units=len(d), treated_units=int(d.sum()),
                      control_units=int(len(d) - d.sum()))
    else:
        sample.update(treated_rows=int(d.sum()), control_rows=int(len(d) - d.sum()))
    if ps is not None:
        sample["comparison_trimmed"] = trimmed
    inference = specification.inference
    return DiDResult(
        estimator=(f"2x2 difference-in-differences, {METHOD_TEXT[method]}, "
                   + ("panel data" if unit is not None else "repeated cross-sections")
                   + f" (as R DRDID {DRDID_FUNCTIONS[method][unit is None]})"),
        estimand=ESTIMAND,
        outcome=outcome,
        coefficients=Coefficients([effect], [att], [[se * se]], None, specification.alpha),
        effect_term=effect,
        inference=inference,
        inference_text=("analytic, from the estimator's influence function (as R DRDID 1.2.3: "
                        "its root mean square over the square root of the number of "
                        + ("units)" if unit is not None else "observations)")),
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              frame_fingerprint(frame), len(frame)),
        cell_means=cell_means,
        specification=specification,
    )

