"""Two-way fixed-effects regression (unit and period effects) with linearmodels.

The coefficients come from :class:`linearmodels.PanelOLS`. The covariance is taken
from linearmodels without any degrees-of-freedom adjustment and then scaled with the
convention of Stata's ``reghdfe`` and R's ``fixest``, so that evalkit reproduces the
numbers those tools print:

- classical: :math:`\\hat\\sigma^2 = SSR/(N-K)`;
- ``HC0``: White's estimator; ``HC1``: the same times :math:`N/(N-K)`;
- cluster-robust: times :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`, t with :math:`G-1` df,

where :math:`K` counts the slopes and the fixed effects that are not nested within the
clusters (unit and period effects count :math:`U + T - 1` when neither is nested).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from linearmodels import PanelOLS
from linearmodels.panel.utility import AbsorbingEffectError

from evalkit.errors import EstimationError, InputError
from evalkit.inference.covariance import VcovChoice, cluster_correction

__all__ = ["PanelFit", "fit_twoway"]


@dataclass(frozen=True)
class PanelFit:
    params: np.ndarray
    vcov: np.ndarray
    df: float | None
    n_obs: int
    n_clusters: int | None
    n_params: int


def _nested(effect_codes: np.ndarray, cluster_codes: np.ndarray) -> bool:
    """True when every level of the effect falls in a single cluster."""
    frame = pd.DataFrame({"e": effect_codes, "c": cluster_codes})
    return bool((frame.groupby("e")["c"].nunique() == 1).all())


def _collinearity_error(x: pd.DataFrame, unit_codes: np.ndarray, time_codes: np.ndarray,
                        exc: Exception) -> EstimationError:
    """Name the regressors that the fixed effects absorb, or else all of them."""
    absorbed = []
    for column in x.columns:
        values = pd.Series(x[column].to_numpy(dtype=float))
        for codes, what in ((unit_codes, "unit"), (time_codes, "period")):
            if (values.groupby(codes).nunique() <= 1).all():
                absorbed.append(f"{column} (constant within each {what})")
                break
    if absorbed:
        detail = ("absorbed by the fixed effects: " + ", ".join(absorbed)
                  + ". Drop these covariates; their effect cannot be separated from the "
                  "unit or period fixed effects.")
    else:
        detail = ("collinear with each other or with the fixed effects: "
                  + ", ".join(map(str, x.columns)) + ". Drop redundant covariates.")
    return EstimationError(f"The regressors are {detail} "
                           f"({type(exc).__name__}: {str(exc).splitlines()[0]})")


def fit_twoway(
    y: np.ndarray,
    x: pd.DataFrame,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    *,
    vcov: VcovChoice,
    clusters: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> PanelFit:
    """Regress ``y`` on ``x`` with unit and period fixed effects.

    Parameters
    ----------
    y
        Outcome, one value per row.
    x
        Regressors (no constant), one column per coefficient.
    unit_codes, time_codes
        Integer codes of each row's unit and period.
    vcov
        The resolved standard-error choice (``HC2``/``HC3`` are not available here).
    clusters
        Integer cluster codes, required for cluster-robust standard errors.
    weights
        Optional positive weights.
    """
    if vcov.kind in ("HC2", "HC3"):
        raise InputError(f"vcov={vcov.kind!r}: with fixed effects, must be 'classical', "
                         "'robust' (HC1), 'HC0' or 'cluster'; got " + repr(vcov.kind))
    index = pd.MultiIndex.from_arrays([unit_codes, time_codes], names=["unit", "time"])
    exog = pd.DataFrame(x.to_numpy(dtype=float), index=index, columns=list(x.columns))
    dep = pd.Series(np.asarray(y, dtype=float), index=index, name="y")
    w = None if weights is None else pd.Series(np.asarray(weights, float), index=index)
    try:
        model = PanelOLS(dep, exog, entity_effects=True, time_effects=True, weights=w,
                         drop_absorbed=False, check_rank=True)
    except ValueError as exc:
        raise _collinearity_error(x, unit_codes, time_codes, exc) from exc
    options: dict[str, object] = {"debiased": False, "auto_df": False, "count_effects": False}
    if vcov.kind == "cluster":
        assert clusters is not None
        options.update(cov_type="clustered",
                       clusters=pd.DataFrame({"c": clusters}, index=index))
    elif vcov.kind == "classical":
        options.update(cov_type="unadjusted")
    else:
        options.update(cov_type="robust")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(**options)
    except (ValueError, AbsorbingEffectError) as exc:
        raise _collinearity_error(x, unit_codes, time_codes, exc) from exc

    n_obs = int(len(dep))
    n_units = int(np.unique(unit_codes).size)
    n_periods = int(np.unique(time_codes).size)
    slopes = x.shape[1]
    cov = result.cov.to_numpy()
    df: float | None = None
    n_clusters = None
    if vcov.kind == "cluster":
        assert clusters is not None
        n_clusters = int(np.unique(clusters).size)
        unit_nested = _nested(unit_codes, clusters)
        time_nested = _nested(time_codes, clusters)
        counted = [n for n, nested in ((n_units, unit_nested), (n_periods, time_nested))
                   if not nested]
        k = slopes + sum(counted) - (1 if len(counted) == 2 else 0)
        cov = cov * cluster_correction(n_obs, k, n_clusters)
        df = float(n_clusters - 1)
    else:
        k = slopes + n_units + n_periods - 1
        if n_obs <= k:
            raise EstimationError(f"No residual degrees of freedom: {n_obs} observations for "
                                  f"{k} parameters (slopes and fixed effects).")
        if vcov.kind in ("classical", "HC1"):
            cov = cov * n_obs / (n_obs - k)
        df = float(n_obs - k)
    return PanelFit(params=result.params.to_numpy(), vcov=cov, df=df, n_obs=n_obs,
                    n_clusters=n_clusters, n_params=k)
