"""Two-way fixed effects: the static TWFE difference-in-differences regression."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha
from evalkit.data.panel import Panel
from evalkit.data.unit_blocks import EnginePanel
from evalkit.did._panel_regression import Indicators, fit_twoway
from evalkit.did._twoway_blocks import twfe_fit
from evalkit.did.specs import TWFESpec
from evalkit.errors import InputError
from evalkit.inference.covariance import resolve_vcov, vcov_to_inference
from evalkit.inference.kinds import Classical, Clustered, Robust
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results import Coefficients, DiDResult, Provenance

__all__ = ["twfe", "panel_sample_facts", "cluster_codes", "covariate_matrix"]

ESTIMAND = ("a weighted average of the effects on treated units and periods (equal to the "
            "average effect on the treated only when effects do not vary across cohorts and "
            "over time)")


def _check_panel(panel: Panel | EnginePanel, alpha: float, function: str) -> None:
    if not isinstance(panel, Panel | EnginePanel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel) or a panel "
                         f"held by an engine; got {type(panel).__name__}")
    problems = Problems()
    check_alpha(alpha, problems)
    problems.raise_if_any(InputError, f"Invalid arguments to {function}:")


def cluster_codes(panel: Panel, column: str) -> np.ndarray:
    """Integer cluster codes for each row of the panel (read-only)."""
    if column not in panel.columns:
        raise InputError(f"inference=Clustered({column!r}): the cluster column must be one of the "
                         f"panel's columns ({', '.join(panel.columns)}); declare it with "
                         f"Panel(..., cluster={column!r})")
    if column == panel.unit:
        return panel.unit_index
    return pd.factorize(panel.data[column])[0]


def covariate_matrix(panel: Panel, rows: np.ndarray | None = None) -> np.ndarray | None:
    """The panel's covariates as one C-ordered float array (``None`` without covariates).

    ``rows`` (a boolean mask) selects the rows.
    """
    if not panel.covariates:
        return None
    n = panel.n_obs if rows is None else int(np.count_nonzero(rows))
    x = np.empty((n, len(panel.covariates)))
    for j, column in enumerate(panel.covariates):
        values = panel.values(column)
        x[:, j] = values if rows is None else values[rows]
    return x


def panel_sample_facts(panel: Panel | EnginePanel, n_clusters: int | None) -> dict[str, int]:
    facts = {"rows": panel.n_obs, "units": panel.n_units, "periods": panel.n_periods,
             "treated_units": panel.n_treated_units,
             "control_units": panel.n_never_treated_units}
    if n_clusters is not None:
        facts["clusters"] = n_clusters
    return facts


_DEFAULT_INFERENCE = Clustered()
register_inference("twfe", Classical, Robust, Clustered)


def twfe(panel: Panel | EnginePanel, *,
         inference: Classical | Robust | Clustered = _DEFAULT_INFERENCE,
         alpha: float = 0.05, **deprecated: Any) -> DiDResult:
    r"""Estimate the static two-way fixed-effects (TWFE) regression.

    Fits, by least squares with unit and period fixed effects (by the within
    transformation; the estimates equal linearmodels' ``PanelOLS``),

    .. math:: Y_{it} = \alpha_i + \lambda_t + \beta D_{it} + X_{it}'\gamma + \varepsilon_{it}

    with :math:`D_{it} = 1` once unit :math:`i` is treated. With a single treatment
    date, :math:`\hat\beta` is the difference-in-differences estimate of the average
    effect on the treated. With staggered adoption it is a weighted average of 2x2
    comparisons, some of which use already-treated units as controls; when effects
    change over time these weights can be negative and :math:`\hat\beta` misleading
    (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020).

    Parameters
    ----------
    panel
        The validated panel; its covariates enter the regression. A panel held by an
        engine (:class:`~evalkit.data.unit_blocks.EnginePanel`) is read in blocks of
        whole units, from which only sums come back (the same results); it clusters by
        the unit or by its declared cluster column.
    inference
        ``Clustered()`` (default: by the panel's cluster column, else its unit),
        ``Clustered("column")``, ``Robust()`` (HC1), ``Robust("HC0")`` ... or
        ``Classical()``. (``vcov=`` is its deprecated spelling.)
        Cluster-robust variances use the ``fixest``/``reghdfe`` small-sample factor
        and t inference with G-1 degrees of freedom.
    alpha
        Significance level; confidence intervals have coverage ``1 - alpha``.

    Returns
    -------
    DiDResult
        The effect is the ``"treated"`` coefficient.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
    timing. *Journal of Econometrics*, 225(2), 254-277.
    """
    inference = renamed("twfe", deprecated, "vcov", "inference", inference, _DEFAULT_INFERENCE,
                        convert=vcov_to_inference)
    refuse_unknown("twfe", deprecated)
    check_inference("twfe", inference)
    _check_panel(panel, alpha, "twfe")
    choice = resolve_vcov(inference, default_cluster=panel.cluster_column)
    names = ["treated", *panel.covariates]
    if isinstance(panel, EnginePanel):
        fit = twfe_fit(panel, choice)
    else:
        clusters = cluster_codes(panel, choice.column) if choice.kind == "cluster" else None
        treated = Indicators(np.where(panel.treated.to_numpy() == 1, 0, -1), ("treated",))
        weights = panel.values(panel.weights) if panel.weights else None
        fit = fit_twoway(panel.values(panel.outcome), covariate_matrix(panel),
                         panel.unit_index, panel.period_index, vcov=choice, clusters=clusters,
                         weights=weights, names=list(panel.covariates), indicators=treated,
                         overwrite_x=True)
    specification = TWFESpec(panel=panel.specification, inference=choice.to_inference(),
                             alpha=alpha)
    return DiDResult(
        estimator="Two-way fixed effects (TWFE)",
        estimand=ESTIMAND,
        outcome=panel.outcome,
        coefficients=Coefficients(names, fit.params, fit.vcov, fit.df, alpha),
        effect_term="treated",
        inference=choice.to_inference(),
        inference_text=choice.describe(fit.n_clusters),
        sample=panel_sample_facts(panel, fit.n_clusters),
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, panel.n_obs),
        specification=specification,
    )
