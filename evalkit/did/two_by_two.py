"""The canonical 2x2 difference-in-differences design, estimated by OLS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha, describe_columns
from evalkit.data.checks import (
    ROWS_COUNTED,
    float_values,
    missing_problem,
    non_finite_problem,
    non_numeric_problem,
    rows_text,
    too_large_problem,
)
from evalkit.data.panel import frame_fingerprint
from evalkit.did._two_by_two_adjusted import (
    ADJUSTED_METHODS,
    METHODS,
    estimate_adjusted,
    pair_units,
)
from evalkit.did.specs import TwoByTwoSpec
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.inference.covariance import resolve_vcov, vcov_to_inference
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import Coefficients, DiDResult, Provenance

__all__ = ["did_2x2", "design_rows"]

ESTIMAND = ("average treatment effect on the treated group after the change, assuming the "
            "treated group's outcome would have changed like the comparison group's")


def _plain(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else value


def _as_tuple(values: Sequence[str] | str) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


_MISMATCH = "The data do not match the 2x2 design:"


def _check(data: pd.DataFrame, outcome: str, treated: str, post: str,
           covariates: tuple[str, ...], weights: str | None, cluster: str | None,
           missing: str, unit: str | None = None) -> pd.DataFrame:
    """The rows used by the 2x2 design (the same checks and selection for every caller).

    Raises
    ------
    DataError
        Listing every problem: missing columns, an empty table, missing, non-numeric,
        infinite or overflowing values (naming the rows), groups or periods that are
        not 0/1, weights that are not positive, and an empty group or period.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    roles = {outcome: "outcome", treated: "treated", post: "post"}
    roles.update({c: "covariates" for c in covariates})
    if weights:
        roles[weights] = "weights"
    if cluster:
        roles.setdefault(cluster, "cluster")
    if unit:
        roles.setdefault(unit, "unit")
    problems = Problems()
    for column, role in roles.items():
        if column not in data.columns:
            problems.add(f"{role}={column!r}: no such column in the data; the columns are: "
                         f"{describe_columns(data.columns)}")
    problems.raise_if_any(DataError, _MISMATCH)
    if len(data) == 0:
        raise DataError(_MISMATCH, [
            "data: must have at least one row (one per observation); got a table with its "
            f"columns ({describe_columns(data.columns)}) but no rows"])

    frame = data.loc[:, list(roles)].copy()
    positions = np.arange(len(frame))  # each row's place in the caller's data
    nulls = frame.isna()
    if nulls.to_numpy().any():
        if missing == "drop":
            keep = ~nulls.to_numpy().any(axis=1)
            frame, positions = frame.loc[keep], positions[keep]
            if frame.empty:
                raise DataError(_MISMATCH, [
                    f"missing='drop': no row is left; each of the {len(data):,} rows has a "
                    f"missing value in a column the design uses ({', '.join(map(repr, roles))})"])
        else:
            for column in roles:
                if nulls[column].any():
                    problems.add(missing_problem(f"{roles[column]}={column!r}",
                                                 nulls[column].to_numpy(), positions))
    numeric = [(column, role) for column, role in roles.items()
               if role not in ("cluster", "unit")]
    for column, role in numeric:
        if not (pd.api.types.is_numeric_dtype(frame[column])
                or pd.api.types.is_bool_dtype(frame[column])):
            problems.add(non_numeric_problem(f"{role}={column!r}", frame[column], positions))
    problems.raise_if_any(DataError, _MISMATCH)

    values = {column: float_values(frame[column]) for column, _ in numeric}
    for column, role in numeric:
        found = [non_finite_problem(f"{role}={column!r}", values[column], positions)]
        if role in ("outcome", "covariates", "weights"):
            found.append(too_large_problem(f"{role}={column!r}", values[column], positions))
        problems.extend(p for p in found if p)
    for column, role in ((treated, "treated"), (post, "post")):
        v = values[column]
        other = np.unique(v[np.isfinite(v) & (v != 0) & (v != 1)])
        if other.size:
            problems.add(f"{role}={column!r}: must contain only 0 and 1; got values such as "
                         f"{[_plain(x) for x in other[:5]]}")
    if weights:
        w = values[weights]
        where = np.flatnonzero(np.isfinite(w) & (w <= 0))
        if where.size:
            problems.add(f"weights={weights!r}: must be strictly positive; {where.size} rows are "
                         f"not ({rows_text(positions[where])}; {ROWS_COUNTED})")
    problems.raise_if_any(DataError, _MISMATCH)

    g, p = frame[treated].astype(float), frame[post].astype(float)
    if (g == 1).all():
        problems.add(f"treated={treated!r}: no untreated comparison group (every row has "
                     f"{treated} = 1)")
    if (g == 0).all():
        problems.add(f"treated={treated!r}: no treated group (every row has {treated} = 0)")
    if (p == 1).all():
        problems.add(f"post={post!r}: no pre-treatment period (every row has {post} = 1)")
    if (p == 0).all():
        problems.add(f"post={post!r}: no post-treatment period (every row has {post} = 0)")
    if not problems:
        for gv, gname in ((0, "comparison"), (1, "treated")):
            for pv, pname in ((0, "before"), (1, "after")):
                if not ((g == gv) & (p == pv)).any():
                    problems.add(f"treated={treated!r}, post={post!r}: the {gname} group has "
                                 f"no observation {pname} the change")
    problems.raise_if_any(DataError, "The data do not support a 2x2 design:")
    return frame.reset_index(drop=True)


def _cell_means(g: np.ndarray, p: np.ndarray, y: np.ndarray,
                w: np.ndarray | None) -> pd.DataFrame:
    """Mean outcome (weighted when ``w`` is given) by group before, after and change."""
    means = (pd.DataFrame({"group": np.where(g == 1, "treated", "comparison"),
                           "period": np.where(p == 1, "after", "before"), "y": y,
                           "w": np.ones_like(y) if w is None else w})
             .assign(wy=lambda f: f["w"] * f["y"])
             .groupby(["group", "period"])[["wy", "w"]].sum())
    group_means = (means["wy"] / means["w"]).unstack("period").loc[
        ["comparison", "treated"], ["before", "after"]]
    group_means["change"] = group_means["after"] - group_means["before"]
    group_means.columns.name = None
    return group_means


def _fast_cell_means(g: np.ndarray, p: np.ndarray, y: np.ndarray,
                     w: np.ndarray | None) -> pd.DataFrame:
    """As :func:`_cell_means`, by counting sums (no grouping of labelled rows)."""
    cell = (2 * g + p).astype(np.int64)
    weight = np.ones_like(y) if w is None else w
    totals = np.bincount(cell, weights=weight * y, minlength=4)
    counts = np.bincount(cell, weights=weight, minlength=4)
    means = (totals / counts).reshape(2, 2)
    frame = pd.DataFrame(means, index=["comparison", "treated"], columns=["before", "after"])
    frame["change"] = frame["after"] - frame["before"]
    frame.index.name = "group"
    return frame


def _redundant_columns(design: np.ndarray, terms: list[str]) -> list[str]:
    """Terms whose column is a linear combination of the columns before it."""
    redundant, rank = [], 0
    for j in range(design.shape[1]):
        new_rank = np.linalg.matrix_rank(design[:, : j + 1])
        if new_rank == rank:
            redundant.append(terms[j])
        rank = new_rank
    return redundant


_DEFAULT_INFERENCE = Robust()
register_inference("did_2x2", Classical, Robust, Clustered)


def did_2x2(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    covariates: Sequence[str] | str = (),
    weights: str | None = None,
    inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    missing: Literal["error", "drop"] = "error",
    method: Literal["regression", "doubly_robust", "doubly_robust_traditional",
                    "outcome_regression", "inverse_probability"] = "regression",
    unit: str | None = None,
    **deprecated: Any,
) -> DiDResult:
    r"""Estimate the canonical 2x2 difference-in-differences, by OLS or doubly robust.

    Fits

    .. math:: Y_i = \beta_0 + \beta_1 D_i + \beta_2 P_i + \delta\, D_i P_i + X_i'\gamma + u_i

    where :math:`D_i` marks the treated group and :math:`P_i` the period after the
    change. Without covariates, :math:`\hat\delta` equals the difference between the
    treated and comparison groups' before-after changes in mean outcome. It estimates
    the average treatment effect on the treated (ATT) under parallel trends: absent
    treatment, the treated group's mean outcome would have changed like the
    comparison group's (conditionally on :math:`X` when covariates are given).

    Works with repeated cross-sections (different individuals before and after,
    as in Wooldridge's incinerator and injury examples) and with two-period panels
    (then cluster by unit).

    With covariates, ``method`` chooses how they adjust the comparison (Sant'Anna &
    Zhao 2020, reproducing R's ``DRDID`` 1.2.3). All four estimate the ATT under
    *conditional* parallel trends,
    :math:`E[Y_1(0) - Y_0(0) \mid X, D=1] = E[Y_1(0) - Y_0(0) \mid X, D=0]`, with
    overlap (:math:`P(D=1 \mid X) < 1`). On panel data (``unit`` given),
    :math:`\Delta Y = Y_1 - Y_0` for each unit, the propensity score
    :math:`p(X) = \Lambda(X'\gamma)` and the comparison group's regression
    :math:`\mu_0(X) = X'\beta` of :math:`\Delta Y`, the doubly robust estimator is

    .. math:: \hat\tau = \frac{\sum_i w_i \Big[D_i - (1 - D_i)
              \frac{\hat p(X_i)}{1 - \hat p(X_i)}\Big] (\Delta Y_i - \hat\mu_0(X_i))}
              {\sum_i w_i D_i}

    (each part normalised by its own weights in the traditional form). It is
    consistent when either the propensity score or the outcome regression is right.
    ``"doubly_robust"`` (the improved estimator: ``drdid_imp_panel``,
    ``drdid_imp_rc``) fits :math:`\gamma` by inverse probability tilting and
    :math:`\beta` by least squares weighted by :math:`\hat p/(1-\hat p)`, which makes
    it doubly robust for inference too; ``"doubly_robust_traditional"``
    (``drdid_panel``, ``drdid_rc``, the locally efficient form) fits them by maximum
    likelihood and least squares. On repeated cross-sections the outcome regressions
    are fitted in each group and period (the locally efficient estimators; the
    not locally efficient ``drdid_rc1`` and ``drdid_imp_rc1`` are not offered).
    ``"outcome_regression"`` is :math:`\hat\tau = \bar{\Delta Y}_{D=1} -
    \overline{\hat\mu_0(X)}_{D=1}` (``reg_did_*``); ``"inverse_probability"`` the
    normalised (Hajek) weighting estimator (``std_ipw_did_*``). As ``DRDID`` does,
    comparison observations with a propensity score of at least 0.995 get weight zero
    (their count is in ``sample["comparison_trimmed"]``) and scores are capped at
    :math:`1 - 10^{-6}`. Standard errors come from the influence function
    :math:`\psi_i`: :math:`\sqrt{\sum_i (\psi_i - \bar\psi)^2} / n`, normal
    intervals.

    Parameters
    ----------
    data
        One row per observation. Never modified.
    outcome
        Numeric outcome column.
    treated
        0/1 column: 1 for the treated group.
    post
        0/1 column: 1 for observations after the change.
    covariates
        Numeric control columns.
    weights
        Column of positive weights (weighted least squares).
    inference
        Standard errors: ``Classical()``, ``Robust()`` (HC1, default),
        ``Robust("HC0")``, ``Robust("HC2")``, ``Robust("HC3")`` or
        ``Clustered("column")``. (``vcov=`` is its deprecated spelling.)
    alpha
        Significance level; confidence intervals have coverage ``1 - alpha``.
    missing
        ``"error"`` (default) or ``"drop"`` rows with missing values in the columns used.
    method
        ``"regression"`` (default: OLS of the equation above),
        ``"doubly_robust"``, ``"doubly_robust_traditional"``, ``"outcome_regression"``
        or ``"inverse_probability"``. The last four take their standard errors from the
        influence function and accept only the default ``inference=Robust()``.
    unit
        ``None`` (default): the rows are repeated cross-sections. A column: the data
        are a two-period panel; each unit must have exactly one row before and one
        after the change, with the same group, covariates and weight in both (the
        adjusted methods use each unit's change in outcome).

    Returns
    -------
    DiDResult
        The effect is the ``"<treated>:<post>"`` coefficient; ``group_means`` holds the
        four cell means. For the adjusted methods it is the only coefficient.

    Raises
    ------
    DataError
        Listing every problem with the data: missing columns, no rows, missing,
        non-numeric (showing the values), infinite or overflowing values (naming the
        rows), ``treated`` or ``post`` not 0/1, non-positive weights, an empty group or
        period; with ``unit``, units not observed once in each period or whose group,
        covariates or weight change between their rows (named).
    EstimationError
        Collinear covariates (naming the column), a propensity score that separates the
        groups (no overlap), or every comparison observation trimmed.

    References
    ----------
    Wooldridge, J. M. (2020). *Introductory Econometrics: A Modern Approach*,
    7th ed., Section 13.2. Card, D. and Krueger, A. B. (1994). Minimum wages and
    employment. *American Economic Review*, 84(4), 772-793. Sant'Anna, P. H. C. and
    Zhao, J. (2020). Doubly robust difference-in-differences estimators. *Journal of
    Econometrics*, 219(1), 101-122. Abadie, A. (2005). Semiparametric
    difference-in-differences estimators. *Review of Economic Studies*, 72(1), 1-19.
    Heckman, J., Ichimura, H. and Todd, P. (1997). Matching as an econometric
    evaluation estimator. *Review of Economic Studies*, 64(4), 605-654.
    """
    inference = renamed("did_2x2", deprecated, "vcov", "inference", inference,
                        _DEFAULT_INFERENCE, convert=vcov_to_inference)
    refuse_unknown("did_2x2", deprecated)
    check_inference("did_2x2", inference)
    covariates = _as_tuple(covariates)
    problems = Problems()
    check_alpha(alpha, problems)
    if missing not in ("error", "drop"):
        problems.add(f"missing={missing!r}: must be 'error' or 'drop'; got {missing!r}")
    if method not in METHODS:
        problems.add(f"method={method!r}: must be one of {', '.join(map(repr, METHODS))}; "
                     f"got {method!r}")
    elif method in ADJUSTED_METHODS and inference != _DEFAULT_INFERENCE:
        problems.add(f"inference={inference!r}: must be Robust() with method={method!r} (its "
                     "standard errors come from the influence function, as R DRDID's); got "
                     f"{inference!r}")
    if unit is not None and not isinstance(unit, str):
        problems.add(f"unit={unit!r}: must be a column name or None; got "
                     f"{type(unit).__name__}")
    problems.raise_if_any(InputError, "Invalid arguments to did_2x2:")
    choice = resolve_vcov(inference, default_cluster=None)
    frame = _check(data, outcome, treated, post, covariates, weights, choice.column, missing,
                   unit)

    g = frame[treated].to_numpy(dtype=float)
    p = frame[post].to_numpy(dtype=float)
    y = frame[outcome].to_numpy(dtype=float)
    w = frame[weights].to_numpy(dtype=float) if weights else None
    specification = TwoByTwoSpec(outcome=outcome, treated=treated, post=post,
                                 covariates=covariates, weights=weights, missing=missing,
                                 inference=choice.to_inference(), alpha=alpha,
                                 method=method, unit=unit)
    if method in ADJUSTED_METHODS:
        return estimate_adjusted(frame, method=method, outcome=outcome, treated=treated,
                                 post=post, covariates=covariates, weights=weights, unit=unit,
                                 specification=specification,
                                 cell_means=_fast_cell_means(g, p, y, w))
    if unit is not None:
        pair_units(frame, unit, treated, post, covariates, weights)
    group_means = _cell_means(g, p, y, w)
    effect = f"{treated}:{post}"
    terms = ["Intercept", treated, post, effect, *covariates]
    design = np.column_stack([np.ones(len(frame)), g, p, g * p,
                              *(frame[c].to_numpy(dtype=float) for c in covariates)])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        redundant = _redundant_columns(design, terms)
        raise EstimationError(
            "The covariates are collinear with each other or with the group and period "
            f"indicators: {', '.join(redundant)} adds nothing to the columns before it "
            f"(in the order Intercept, {treated}, {post}, {effect}, "
            f"{', '.join(covariates)}); drop it.")
    model = sm.WLS(y, design, weights=w) if w is not None else sm.OLS(y, design)
    n_clusters = None
    if choice.kind == "cluster":
        codes = pd.factorize(frame[choice.column])[0]
        n_clusters = int(codes.max() + 1)
        if n_clusters < 2:
            raise DataError(f"inference=Clustered({choice.column!r}): cluster-robust standard "
                            f"errors need at least 2 clusters; got {n_clusters}")
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    elif choice.kind == "classical":
        fit = model.fit()
    else:
        fit = model.fit(cov_type=choice.kind, use_t=True)

    sample = {"rows": len(frame), "treated_rows": int(g.sum()),
              "control_rows": int(len(g) - g.sum())}
    if n_clusters is not None:
        sample["clusters"] = n_clusters
    df = float(fit.df_resid) if choice.kind != "cluster" else float(n_clusters - 1)
    return DiDResult(
        estimator="2x2 difference-in-differences (OLS)" if w is None
        else "2x2 difference-in-differences (weighted least squares)",
        estimand=ESTIMAND,
        outcome=outcome,
        coefficients=Coefficients(terms, fit.params, fit.cov_params(), df, alpha),
        effect_term=effect,
        inference=choice.to_inference(),
        inference_text=choice.describe(n_clusters),
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              frame_fingerprint(frame), len(frame)),
        cell_means=group_means,
        specification=specification,
    )


def design_rows(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    covariates: Sequence[str] | str = (),
    weights: str | None = None,
    cluster: str | None = None,
    missing: Literal["error", "drop"] = "error",
) -> pd.DataFrame:
    """The rows and columns :func:`did_2x2` estimates from, with the same checks.

    For the checks run on a fitted 2x2 result (the wild cluster bootstrap, randomization
    inference), which must see exactly the rows the estimate used: the columns named
    (plus ``cluster``), and with ``missing="drop"`` only the rows where none is missing.

    Parameters
    ----------
    data, outcome, treated, post, covariates, weights, missing
        As for :func:`did_2x2`.
    cluster
        A further column to keep (and check for missing values).

    Returns
    -------
    pandas.DataFrame
        The selected rows and columns, in the order of ``data``.

    Raises
    ------
    DataError
        Listing every problem, as :func:`did_2x2` does.
    """
    return _check(data, outcome, treated, post, _as_tuple(covariates), weights, cluster,
                  missing)
