"""The wild cluster bootstrap of a difference-in-differences estimate.

:func:`wild_cluster_bootstrap` takes a result of :func:`evalkit.did.did_2x2` or
:func:`evalkit.did.twfe` together with the data it was estimated from, rebuilds the
regression from the result's recorded specification (checking the data against the
result's fingerprint), and tests the treatment coefficient by the restricted wild
cluster bootstrap-t, with a confidence interval by test inversion. The numerics are in
:mod:`evalkit.inference.wild_draws` (the algorithm of Roodman et al. 2019) and
:mod:`evalkit.robustness._wild_fe` (fixed effects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.data.panel import Panel
from evalkit.did.specs import TWFESpec, TwoByTwoSpec
from evalkit.did.within import TwoWayWithin, is_nested
from evalkit.errors import DataError, InputError
from evalkit.inference.multiplier import make_generator
from evalkit.inference.wild_draws import (
    WILD_WEIGHTS,
    ClusterTerms,
    WildWeights,
    bootstrap_draws,
    invert_p_value,
    p_value,
    restricted_core,
    weight_chunks,
)
from evalkit.results import DiDResult, Provenance
from evalkit.results.wild_bootstrap import WildBootstrapResult
from evalkit.robustness._source import (
    check_panel_matches,
    check_result_and_data,
    not_the_data,
    rebuild_2x2_frame,
    standard_error_kind,
)
from evalkit.robustness._wild_fe import TwoWayClusterTerms
from evalkit.robustness.specs import WildBootstrapSpec

__all__ = ["wild_cluster_bootstrap", "CI_TOLERANCE"]

#: Confidence-interval endpoints are located to this many standard errors.
CI_TOLERANCE = 1e-8


@dataclass(frozen=True)
class _Regression:
    """The regression to bootstrap, fixed effects already partialled out."""

    y: np.ndarray
    x: np.ndarray
    column: int
    clusters: np.ndarray
    n_clusters: int
    n_treated_clusters: int
    weights: np.ndarray | None
    n_params: int
    fixed_effects: ClusterTerms | None
    cluster: str


def _cluster_codes(values: pd.Series | np.ndarray, cluster: str) -> tuple[np.ndarray, int]:
    codes = pd.factorize(np.asarray(values), sort=True)[0]  # row order does not matter
    n_clusters = int(codes.max() + 1) if codes.size else 0
    if n_clusters < 2:
        raise DataError(f"cluster={cluster!r}: the wild cluster bootstrap needs at least 2 "
                        f"clusters; column {cluster!r} has {n_clusters}")
    return codes.astype(np.intp), n_clusters


def _count_treated(codes: np.ndarray, n_clusters: int, treated: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes, weights=treated, minlength=n_clusters)))


def _two_by_two(result: DiDResult, spec: TwoByTwoSpec, data: pd.DataFrame,
                cluster: str | None) -> _Regression:
    cluster = cluster or spec.cluster
    if cluster is None:
        raise InputError(f"cluster=None: the result was estimated with "
                         f"{standard_error_kind(spec)!r} standard errors, so there is no "
                         "cluster column to default to; name one, e.g. cluster='state'")
    frame = rebuild_2x2_frame(result, data, cluster, "cluster")
    g = frame[spec.treated].to_numpy(dtype=float)
    p = frame[spec.post].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(frame)), g, p, g * p,
                         *(frame[c].to_numpy(dtype=float) for c in spec.covariates)])
    codes, n_clusters = _cluster_codes(frame[cluster], cluster)
    weights = frame[spec.weights].to_numpy(dtype=float) if spec.weights else None
    return _Regression(y=frame[spec.outcome].to_numpy(dtype=float), x=x, column=3,
                       clusters=codes, n_clusters=n_clusters,
                       n_treated_clusters=_count_treated(codes, n_clusters, g),
                       weights=weights, n_params=x.shape[1], fixed_effects=None,
                       cluster=cluster)


def _twfe(result: DiDResult, spec: TWFESpec, panel: Panel, cluster: str | None) -> _Regression:
    check_panel_matches(result, panel)
    cluster = cluster or spec.cluster or panel.cluster_column
    if cluster not in panel.columns:
        raise DataError(f"cluster={cluster!r}: must be one of the panel's columns "
                        f"({', '.join(map(repr, panel.columns))}); declare it with "
                        f"Panel(..., cluster={cluster!r})")
    if cluster == panel.unit:
        codes, n_clusters = _cluster_codes(panel.unit_index, cluster)
    else:
        codes, n_clusters = _cluster_codes(panel.data[cluster], cluster)
    weights = panel.values(panel.weights) if panel.weights else None
    units, periods = panel.unit_index, panel.period_index
    within = TwoWayWithin(units, periods, weights)
    treated = panel.treated.to_numpy(dtype=float)
    x = np.empty((panel.n_obs, 1 + len(panel.covariates)))
    x[:, 0] = treated
    for j, column in enumerate(panel.covariates):
        x[:, j + 1] = panel.values(column)
    x = within.transform(x, overwrite=True)
    y = within.transform(panel.values(panel.outcome))
    counted = [n for n, level in ((panel.n_units, units), (panel.n_periods, periods))
               if not is_nested(level, codes)]
    n_params = x.shape[1] + sum(counted) - (1 if len(counted) == 2 else 0)
    (a_codes, n_a), (b_codes, n_b) = within.factors
    terms = TwoWayClusterTerms(a_codes, n_a, b_codes, n_b, codes, n_clusters, weights)
    ever = (~np.isnan(panel.cohort.to_numpy(dtype=float))).astype(float)
    return _Regression(y=y, x=x, column=0, clusters=codes, n_clusters=n_clusters,
                       n_treated_clusters=_count_treated(codes, n_clusters, ever),
                       weights=weights, n_params=n_params, fixed_effects=terms, cluster=cluster)


def _check_options(result: object, data: object, cluster: object, null: object,
                   distribution: object, n_draws: object, random_state: object, alpha: object,
                   conf_int: object) -> None:
    problems = Problems()
    check_result_and_data(result, data, problems, "the wild cluster bootstrap")
    if cluster is not None and (not isinstance(cluster, str) or not cluster):
        problems.add(f"cluster={cluster!r}: must be a column name or None; got {cluster!r}")
    if (isinstance(null, bool) or not isinstance(null, int | float | np.integer | np.floating)
            or not np.isfinite(null)):
        problems.add(f"null={null!r}: must be a finite number (the hypothesised value of the "
                     f"effect); got {null!r}")
    check_choice("distribution", distribution, WILD_WEIGHTS, problems)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        problems.add(f"n_draws={n_draws!r}: must be an integer >= 1 (9,999 is customary); "
                     f"got {n_draws!r}")
    if not (random_state is None or isinstance(random_state, np.random.Generator)
            or (isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
                and random_state >= 0)):
        problems.add(f"random_state={random_state!r}: must be None, a non-negative integer seed "
                     f"or a numpy Generator; got {type(random_state).__name__}")
    if alpha is not None:
        check_alpha(alpha, problems)  # type: ignore[arg-type]
    if not isinstance(conf_int, bool):
        problems.add(f"conf_int={conf_int!r}: must be True or False; got {conf_int!r}")
    problems.raise_if_any(InputError, "Invalid arguments to wild_cluster_bootstrap:")


def wild_cluster_bootstrap(
    result: DiDResult,
    data: pd.DataFrame | Panel,
    *,
    cluster: str | None = None,
    null: float = 0.0,
    distribution: WildWeights = "rademacher",
    n_draws: int = 9999,
    random_state: int | np.random.Generator | None = None,
    alpha: float | None = None,
    conf_int: bool = True,
    **deprecated: Any,
) -> WildBootstrapResult:
    r"""Test a difference-in-differences effect by the restricted wild cluster bootstrap-t.

    Tests :math:`H_0: \beta = \beta_0` for the treatment coefficient :math:`\beta` of a
    :func:`~evalkit.did.did_2x2` or :func:`~evalkit.did.twfe` result. The null is
    imposed (WCR): the outcome is rebuilt as the restricted fit plus the restricted
    residuals multiplied by one random weight per cluster, the whole regression
    (fixed effects included) is re-estimated, and the cluster-robust t statistic
    :math:`t^*_b = (\hat\beta^*_b - \beta_0)/\mathrm{se}^*_b` is compared with the
    observed :math:`t = (\hat\beta - \beta_0)/\mathrm{se}`. Both use the CR1
    small-sample factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}` of the analytic
    cluster-robust standard error (fixed effects nested within the clusters not counted
    in :math:`K`, as ``fixest`` and ``reghdfe``). The p-value is the share of
    :math:`|t^*_b|` larger than :math:`|t|`.

    No regression is re-run per draw: every draw costs :math:`O(G^2)` or less from
    cluster-level sums (Roodman et al. 2019). For TWFE the unit and period effects are
    partialled out once, and the bootstrap residuals are projected off them again in
    every draw through cluster-by-level sums, so that the result is exactly that of the
    regression with the fixed effects as dummy variables (the convention of
    ``fwildclusterboot``'s projected fixed effect and of ``boottest``).

    Parameters
    ----------
    result
        A result of :func:`evalkit.did.did_2x2` or :func:`evalkit.did.twfe`. The
        regression is rebuilt from its recorded specification.
    data
        The data the result was estimated from: the DataFrame given to ``did_2x2`` or
        the :class:`~evalkit.data.Panel` given to ``twfe`` (checked against the result's
        data fingerprint). Never modified.
    cluster
        The bootstrap (and standard-error) cluster column. Default: the result's cluster
        column; for TWFE, else the panel's cluster column, else its unit. For a Panel it
        must be one of the panel's columns.
    null
        The hypothesised value :math:`\beta_0` (default 0).
    distribution
        The distribution of the wild weights (``weights=`` is its deprecated spelling):
        ``"rademacher"`` (default; :math:`\pm 1`) or ``"webb"`` (Webb's six-point
        distribution, :math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}`, better with few
        clusters).
    n_draws
        Number of bootstrap draws (default 9,999; ``n_boot=`` is its deprecated
        spelling). With Rademacher weights and :math:`2^G \le` ``n_draws``, all
        :math:`2^G` sign vectors are used instead (full enumeration; deterministic,
        ``random_state`` is then irrelevant).
    random_state
        Integer seed or :class:`numpy.random.Generator` (``None``: fresh entropy).
    alpha
        Level of the confidence interval (default: the result's).
    conf_int
        Compute the confidence interval by inverting the bootstrap test: the null values
        :math:`\beta_0` whose p-value is at least ``alpha`` (a test rejects when
        :math:`p < \alpha`), with the same draws for every :math:`\beta_0`. Each
        endpoint is located by bisection to within ``1e-8`` standard errors
        (:data:`CI_TOLERANCE`) of the crossing.

    Returns
    -------
    WildBootstrapResult

    Raises
    ------
    InputError
        Invalid options (all listed at once), a result of another estimator, data of the
        wrong kind, or no cluster column to default to.
    DataError
        A missing cluster column, fewer than 2 clusters, missing cluster values, or data
        other than those of the result.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements
    for inference with clustered errors. *Review of Economics and Statistics*, 90(3),
    414-427. Roodman, D., MacKinnon, J. G., Nielsen, M. Ø. and Webb, M. D. (2019). Fast
    and wild: bootstrap inference in Stata using boottest. *Stata Journal*, 19(1), 4-60.
    Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
    *Canadian Journal of Economics*, 56(3), 839-858.

    Examples
    --------
    >>> from evalkit import Panel, twfe
    >>> from evalkit.datasets import load_mpdta
    >>> panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...               first_treated="first.treat")
    >>> boot = wild_cluster_bootstrap(twfe(panel), panel, n_draws=999, random_state=1)
    >>> boot.n_clusters
    500
    """
    n_draws = renamed("wild_cluster_bootstrap", deprecated, "n_boot", "n_draws", n_draws, 9999)
    distribution = renamed("wild_cluster_bootstrap", deprecated, "weights", "distribution",
                           distribution, "rademacher")
    refuse_unknown("wild_cluster_bootstrap", deprecated)
    _check_options(result, data, cluster, null, distribution, n_draws, random_state, alpha,
                   conf_int)
    alpha = float(result.alpha if alpha is None else alpha)
    source = result.specification
    if isinstance(source, TwoByTwoSpec):
        model = _two_by_two(result, source, data, cluster)  # type: ignore[arg-type]
    else:
        assert isinstance(source, TWFESpec)  # checked by _check_options
        model = _twfe(result, source, data, cluster)  # type: ignore[arg-type]
    core = restricted_core(model.y, model.x, model.column, model.clusters, model.n_clusters,
                           weights=model.weights, n_params=model.n_params,
                           fixed_effects=model.fixed_effects)
    if not np.isclose(core.estimate, result.estimate, rtol=1e-8,
                      atol=1e-10 * max(1.0, abs(result.estimate))):
        raise not_the_data(source.function)

    enumerated = distribution == "rademacher" and 2 ** model.n_clusters <= int(n_draws)
    rng = None if enumerated else make_generator(random_state)
    draws = bootstrap_draws(core, weight_chunks(model.n_clusters, n_draws=int(n_draws),
                                                distribution=distribution,
                                                enumerate_all=enumerated, rng=rng))
    null = float(null)
    statistic = core.statistic(null)
    interval = None
    tolerance = None
    if conf_int:
        tolerance = CI_TOLERANCE * core.std_error
        interval = invert_p_value(lambda b0: p_value(draws, core.statistic(b0), b0),
                                  core.estimate, core.std_error, alpha, tolerance)
    seed = (int(random_state) if isinstance(random_state, int | np.integer) and not enumerated
            else None)
    specification = WildBootstrapSpec(
        source=source, cluster=model.cluster, null=null,
        distribution=distribution, n_draws=int(n_draws),  # type: ignore[arg-type]
        random_state=seed, alpha=alpha, conf_int=conf_int)
    return WildBootstrapResult(
        model=result.estimator, term=result.effect_term, outcome=result.outcome,
        estimate=core.estimate, null=null, std_error=core.std_error, statistic=statistic,
        analytic_p_value=float(2 * stats.t.sf(abs(statistic), model.n_clusters - 1)),
        p_value=p_value(draws, statistic, null), interval=interval, alpha=alpha,
        ci_tolerance=tolerance, cluster=model.cluster, n_clusters=model.n_clusters,
        n_treated_clusters=model.n_treated_clusters, distribution=distribution,
        n_draws=draws.n_draws, enumerated=enumerated, random_state=seed,
        t_draws=draws.t_stats(null),
        provenance=Provenance(specification.function, specification.to_dict(),
                              result.provenance.data_fingerprint, int(model.y.size)),
        draws=draws, specification=specification)
