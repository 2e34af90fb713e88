"""Randomization inference: Fisher-style permutation tests of treatment effects.

:func:`randomization_inference` permutes the treatment assignment across units (each
unit keeping its whole path) and re-estimates a :func:`~evalkit.did.did_2x2` or
:func:`~evalkit.did.twfe` result under every permuted assignment, vectorised
(:mod:`evalkit.robustness._permutation_did`). :func:`permutation_test` is the generic
path for any statistic of an assignment (e.g. a synthetic-control fit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_choice
from evalkit.data.panel import Panel, frame_fingerprint
from evalkit.did.specs import TWFESpec, TwoByTwoSpec
from evalkit.did.twfe import cluster_codes, covariate_matrix
from evalkit.did.within import TwoWayWithin, is_nested
from evalkit.errors import DataError, InputError
from evalkit.inference.multiplier import make_generator
from evalkit.results import DiDResult, Provenance
from evalkit.results.randomization import RandomizationResult
from evalkit.results.synthetic_control import SyntheticControlResult
from evalkit.robustness._permutation_did import (
    PermutationDesign,
    permuted_statistics,
    projector,
)
from evalkit.robustness._permutation_draws import (
    ALTERNATIVES,
    Alternative,
    count_assignments,
    enumerate_assignments,
    extreme_count,
    random_assignments,
)
from evalkit.robustness._source import (
    check_panel_matches,
    check_result_and_data,
    rebuild_2x2_frame,
    standard_error_kind,
)
from evalkit.robustness.specs import PermutationTestSpec, RandomizationSpec

__all__ = ["randomization_inference", "permutation_test"]

Statistic = Literal["estimate", "t"]
_CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class _Setup:
    design: PermutationDesign
    codes: np.ndarray          # label code of each unit
    n_treated_units: int
    unit: str | None
    method: str


def _check_random_state(random_state: object, problems: Problems) -> None:
    if not (random_state is None or isinstance(random_state, np.random.Generator)
            or (isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
                and random_state >= 0)):
        problems.add(f"random_state={random_state!r}: must be None, a non-negative integer seed "
                     f"or a numpy Generator; got {type(random_state).__name__}")


def _check_n_draws(n_draws: object, problems: Problems) -> None:
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        problems.add(f"n_draws={n_draws!r}: must be an integer >= 1 (999 is customary); "
                     f"got {n_draws!r}")


def _seed(random_state: object, enumerated: bool) -> int | None:
    if enumerated or isinstance(random_state, bool):
        return None
    return int(random_state) if isinstance(random_state, int | np.integer) else None


def _vcov(spec: TwoByTwoSpec | TWFESpec, statistic: str) -> tuple[str, str | None]:
    kind, column = standard_error_kind(spec), spec.cluster
    if statistic == "t" and kind not in ("classical", "HC0", "HC1", "cluster"):
        raise InputError(f"statistic='t': the studentized statistic supports results with "
                         f"'classical', 'HC0', 'HC1' (robust) or cluster-robust standard errors; "
                         f"this result has {kind!r}; re-estimate it with inference=Robust()")
    return kind, column


def _setup_2x2(result: DiDResult, spec: TwoByTwoSpec, data: pd.DataFrame, unit: str | None,
               statistic: str) -> _Setup:
    kind, cluster = _vcov(spec, statistic)
    unit = unit or cluster
    if unit is None:
        frame = rebuild_2x2_frame(result, data, spec.outcome, "outcome")
        unit_codes = np.arange(len(frame))
    else:
        frame = rebuild_2x2_frame(result, data, unit, "unit")
        unit_codes = pd.factorize(frame[unit], sort=True)[0]
    clusters = n_clusters = None
    if kind == "cluster":
        cluster_frame = frame if cluster in frame.columns else rebuild_2x2_frame(
            result, data, cluster, "cluster")
        clusters = pd.factorize(cluster_frame[cluster], sort=True)[0]
        n_clusters = int(clusters.max() + 1)
    treated = frame[spec.treated].to_numpy(dtype=float)
    n_units = int(unit_codes.max() + 1)
    low = np.full(n_units, np.inf)
    high = np.full(n_units, -np.inf)
    np.minimum.at(low, unit_codes, treated)
    np.maximum.at(high, unit_codes, treated)
    varying = int(np.count_nonzero(low != high))
    if varying:
        raise DataError(f"unit={unit!r}: the treated group ({spec.treated!r}) must be the same "
                        f"on every row of a unit, since whole units are permuted; it varies "
                        f"within {varying} of {n_units} units")
    post = frame[spec.post].to_numpy(dtype=float)
    weights = frame[spec.weights].to_numpy(dtype=float) if spec.weights else None
    z = np.column_stack([np.ones(len(frame)), post,
                         *(frame[c].to_numpy(dtype=float) for c in spec.covariates)])
    partial = projector(z, weights)
    y = partial(frame[spec.outcome].to_numpy(dtype=float)[:, None])[:, 0]

    def columns(assignments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.ascontiguousarray(assignments[:, unit_codes].T, dtype=float)
        return d * post[:, None], d

    design = PermutationDesign(y=y, columns=columns, partial=partial, weights=weights,
                               vcov_kind=kind, clusters=clusters, n_clusters=n_clusters,
                               n_params=z.shape[1] + 2)
    codes = high.astype(np.intp)
    what = f"units identified by {unit!r}" if unit else "observations"
    return _Setup(design, codes, int(codes.sum()), unit,
                  f"treated-group status permuted across {what}")


def _setup_twfe(result: DiDResult, spec: TWFESpec, panel: Panel, unit: str | None,
                statistic: str) -> _Setup:
    check_panel_matches(result, panel)
    if unit is not None and unit != panel.unit:
        raise InputError(f"unit={unit!r}: with a Panel the permuted units are the panel's units "
                         f"({panel.unit!r}); leave unit=None")
    kind, cluster = _vcov(spec, statistic)
    clusters = cluster_codes(panel, cluster) if kind == "cluster" and cluster else None
    weights = panel.values(panel.weights) if panel.weights else None
    units, periods = panel.unit_index, panel.period_index
    within = TwoWayWithin(units, periods, weights)
    covariates = covariate_matrix(panel)
    project = None
    if covariates is not None:
        project = projector(within.transform(covariates, overwrite=True), weights)

    def partial(values: np.ndarray) -> np.ndarray:
        out = within.transform(values)
        return out if project is None else project(out)

    y = partial(np.array(panel.values(panel.outcome))[:, None])[:, 0]
    cohorts = panel.unit_cohorts.to_numpy(dtype=float)
    levels, codes = np.unique(np.where(np.isnan(cohorts), np.inf, cohorts), return_inverse=True)
    time = panel.values(panel.time)

    def columns(assignments: np.ndarray) -> tuple[np.ndarray, None]:
        first = levels[assignments]  # (block x units) first treated period, inf: never
        return (time[:, None] >= first[:, units].T).astype(float), None

    slopes = 1 + len(panel.covariates)
    if kind == "cluster":
        assert clusters is not None
        counted = [n for n, level in ((panel.n_units, units), (panel.n_periods, periods))
                   if not is_nested(level, clusters)]
        n_params = slopes + sum(counted) - (1 if len(counted) == 2 else 0)
        n_clusters = int(np.unique(clusters).size)
    else:
        n_params = slopes + panel.n_units + panel.n_periods - 1
        n_clusters = None
    design = PermutationDesign(y=y, columns=columns, partial=partial, weights=weights,
                               vcov_kind=kind, clusters=clusters, n_clusters=n_clusters,
                               n_params=n_params)
    staggered = " (treatment cohorts)" if panel.is_staggered else ""
    return _Setup(design, codes.astype(np.intp), panel.n_treated_units, panel.unit,
                  f"first-treatment periods{staggered} permuted across units")


def _blocks(codes: np.ndarray, enumerated: bool, n_draws: int, rng: np.random.Generator | None,
            row_size: int) -> Iterator[np.ndarray]:
    if enumerated:
        every = enumerate_assignments(codes)
        chunk = max(1, _CHUNK_ELEMENTS // max(row_size, 1))
        for start in range(0, every.shape[0], chunk):
            yield every[start:start + chunk]
    else:
        assert rng is not None
        yield from random_assignments(codes, n_draws, rng, row_size=row_size)


def _p_value(distribution: np.ndarray, observed: float, enumerated: bool,
             alternative: Alternative) -> tuple[float, int]:
    defined = distribution[np.isfinite(distribution)]
    count = extreme_count(defined, observed, alternative)
    undefined = int(distribution.size - defined.size)
    if enumerated:
        return (count / defined.size if defined.size else float("nan")), undefined
    return (1 + count) / (1 + defined.size), undefined


def randomization_inference(
    result: DiDResult | SyntheticControlResult,
    data: pd.DataFrame | Panel | None = None,
    *,
    statistic: Statistic = "estimate",
    n_draws: int = 999,
    random_state: int | np.random.Generator | None = None,
    unit: str | None = None,
    **deprecated: Any,
) -> RandomizationResult:
    r"""Randomization (Fisher) p-value of a 2x2, TWFE or synthetic control estimate.

    Under the sharp null hypothesis of no effect for any unit, every rearrangement of
    the treatment assignment across units was as likely as the observed one. The
    estimate is recomputed under rearrangements that keep each unit's whole path and
    the number of units per treatment status: for the 2x2 design the treated-group
    status is permuted across units; for TWFE (staggered or not) the first-treatment
    period of each unit (its cohort, or never) is shuffled across units. The p-value is
    two-sided, on the absolute value of the statistic.

    When the number of distinct assignments (:math:`\binom{U}{U_1}`, or the multinomial
    coefficient for several cohorts) is at most ``n_draws``, all are enumerated and
    :math:`p` is the exact share at least as extreme (the observed assignment
    included); otherwise ``n_draws`` random permutations give
    :math:`p = (1 + \#\text{extreme}) / (1 + n_\text{draws})`.

    For a synthetic control (:func:`evalkit.synthetic.synthetic_control` fitted with
    ``inference=PlaceboInSpace()``, the default), the treatment is moved to every unit in turn: the
    placebo-in-space test (Abadie, Diamond & Hainmueller 2010) enumerates every
    assignment of the one treated unit, and the statistic is the post- over
    pre-treatment RMSPE (one-sided: large ratios are extreme); ``data`` and the other
    options are not used.

    Parameters
    ----------
    result
        A result of :func:`evalkit.did.did_2x2`, :func:`evalkit.did.twfe` or
        :func:`evalkit.synthetic.synthetic_control`.
    data
        The DataFrame given to ``did_2x2``, or the Panel given to ``twfe`` (checked
        against the result's data fingerprint). Never modified. Not needed for a
        synthetic control.
    statistic
        ``"estimate"`` (default) or ``"t"``: the t statistic with the result's own
        standard-error formula (studentized permutation test, more robust when the
        sharp null is doubtful; Chung & Romano 2013).
    n_draws
        Number of random permutations (default 999), and the largest number of
        distinct assignments that is enumerated instead.
    random_state
        Integer seed or :class:`numpy.random.Generator` (``None``: fresh entropy).
    unit
        2x2 only: the column identifying units whose rows share a treatment status
        (e.g. a county observed before and after). Default: the result's cluster column,
        else every row is its own unit (repeated cross-sections).

    Returns
    -------
    RandomizationResult

    References
    ----------
    Fisher, R. A. (1935). *The Design of Experiments*. Imbens, G. W. and Rubin, D. B.
    (2015). *Causal Inference for Statistics, Social, and Biomedical Sciences*, ch. 5.
    MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for
    difference-in-differences with few treated clusters. *Journal of Econometrics*,
    218(2), 435-450. Phipson, B. and Smyth, G. K. (2010). Permutation p-values should
    never be zero. *Statistical Applications in Genetics and Molecular Biology*, 9(1).
    """
    n_draws = renamed("randomization_inference", deprecated, "n_perm", "n_draws", n_draws, 999)
    refuse_unknown("randomization_inference", deprecated)
    if isinstance(result, SyntheticControlResult):
        from evalkit.robustness._permutation_synthetic import synthetic_control_randomization

        return synthetic_control_randomization(result)
    problems = Problems()
    check_result_and_data(result, data, problems, "randomization inference",
                          alternatives=", or a SyntheticControlResult")
    check_choice("statistic", statistic, ("estimate", "t"), problems)
    _check_n_draws(n_draws, problems)
    _check_random_state(random_state, problems)
    if unit is not None and (not isinstance(unit, str) or not unit):
        problems.add(f"unit={unit!r}: must be a column name or None; got {unit!r}")
    problems.raise_if_any(InputError, "Invalid arguments to randomization_inference:")

    studentize = statistic == "t"
    source = result.specification
    if isinstance(source, TwoByTwoSpec):
        setup = _setup_2x2(result, source, data, unit, statistic)  # type: ignore[arg-type]
    else:
        assert isinstance(source, TWFESpec)  # checked by check_result_and_data
        setup = _setup_twfe(result, source, data, unit, statistic)  # type: ignore[arg-type]
    design = setup.design
    estimate_obs, t_obs = permuted_statistics(design, setup.codes[None, :], studentize=studentize)
    if not np.isclose(estimate_obs[0], result.estimate, rtol=1e-8,
                      atol=1e-10 * max(1.0, abs(result.estimate))):
        raise DataError("data: not the data this result was estimated from (the estimate "
                        "recomputed from them differs)")
    observed = float(t_obs[0] if t_obs is not None else estimate_obs[0])

    n_assignments = count_assignments(setup.codes)
    enumerated = n_assignments <= int(n_draws)
    rng = None if enumerated else make_generator(random_state)
    row_size = design.n_obs * 4
    values = []
    for block in _blocks(setup.codes, enumerated, int(n_draws), rng, row_size):
        estimates, t_values = permuted_statistics(design, block, studentize=studentize)
        values.append(t_values if t_values is not None else estimates)
    distribution = np.concatenate(values)
    p_value, undefined = _p_value(distribution, observed, enumerated, "two-sided")
    seed = _seed(random_state, enumerated)
    specification = RandomizationSpec(source=source, statistic=statistic,
                                      n_draws=int(n_draws), random_state=seed, unit=setup.unit)
    return RandomizationResult(
        method=setup.method, model=result.estimator, term=result.effect_term,
        statistic=statistic, observed=observed, estimate=float(estimate_obs[0]),
        p_value=p_value, alternative="two-sided", n_draws=int(distribution.size),
        enumerated=enumerated, n_assignments=n_assignments, n_undefined=undefined,
        random_state=seed, n_units=int(setup.codes.size), n_treated_units=setup.n_treated_units,
        unit=setup.unit, distribution=distribution,
        provenance=Provenance(specification.function, specification.to_dict(),
                              result.provenance.data_fingerprint, design.n_obs),
        specification=specification)


def permutation_test(
    statistic: Callable[[np.ndarray], float],
    assignment: Sequence[Any] | np.ndarray | pd.Series,
    *,
    n_draws: int = 999,
    random_state: int | np.random.Generator | None = None,
    alternative: Alternative = "two-sided",
    name: str = "statistic",
    **deprecated: Any,
) -> RandomizationResult:
    r"""A permutation test of any statistic of a treatment assignment.

    ``statistic(labels)`` is evaluated for the observed ``assignment`` and for
    rearrangements of its labels across units (all distinct ones when there are at most
    ``n_draws`` of them, else ``n_draws`` random permutations), each a 1-D array like
    ``assignment`` (same length, same values, permuted). p-values follow the
    conventions of :func:`randomization_inference`; assignments whose statistic is not
    finite are left out.

    Parameters
    ----------
    statistic
        A function of an assignment returning a number, e.g. the ratio of post- to
        pre-treatment RMSPE of a synthetic control fitted with the unit labelled 1
        treated (then ``alternative="greater"``, Abadie, Diamond & Hainmueller 2010).
    assignment
        One label per unit (0/1 treated, or cohorts).
    n_draws, random_state
        As in :func:`randomization_inference`.
    alternative
        ``"two-sided"`` (on the absolute value, default), ``"greater"`` (large values
        are extreme) or ``"less"``.
    name
        The statistic's name, for the summary.

    Returns
    -------
    RandomizationResult
    """
    n_draws = renamed("permutation_test", deprecated, "n_perm", "n_draws", n_draws, 999)
    refuse_unknown("permutation_test", deprecated)
    problems = Problems()
    if not callable(statistic):
        problems.add(f"statistic: must be a function of an assignment returning a number; got "
                     f"{type(statistic).__name__}")
    labels = np.asarray(assignment)
    if labels.ndim != 1 or labels.size < 2:
        problems.add(f"assignment: must be one label per unit (at least 2 units); got shape "
                     f"{labels.shape}")
    _check_n_draws(n_draws, problems)
    _check_random_state(random_state, problems)
    check_choice("alternative", alternative, ALTERNATIVES, problems)
    problems.raise_if_any(InputError, "Invalid arguments to permutation_test:")
    codes, levels = pd.factorize(labels, sort=True)
    if levels.size < 2:
        raise InputError(f"assignment: must contain at least two different labels; got only "
                         f"{levels[0]!r}")
    codes = codes.astype(np.intp)
    level_values = np.asarray(levels)

    def evaluate(block: np.ndarray) -> np.ndarray:
        out = np.empty(block.shape[0])
        for i, row in enumerate(block):
            out[i] = float(statistic(level_values[row]))
        return out

    observed = float(evaluate(codes[None, :])[0])
    if not np.isfinite(observed):
        raise InputError(f"statistic: must return a finite number for the observed assignment; "
                         f"got {observed!r}")
    n_assignments = count_assignments(codes)
    enumerated = n_assignments <= int(n_draws)
    rng = None if enumerated else make_generator(random_state)
    distribution = np.concatenate([evaluate(b) for b in _blocks(codes, enumerated, int(n_draws),
                                                                 rng, codes.size)])
    p_value, undefined = _p_value(distribution, observed, enumerated, alternative)
    nonzero = np.array([bool(v) and v == v for v in level_values])  # not 0, False or NaN
    seed = _seed(random_state, enumerated)
    table = pd.DataFrame({"assignment": pd.Series(labels).astype(str)})
    specification = PermutationTestSpec(
        statistic=getattr(statistic, "__qualname__", repr(statistic)), name=name,
        n_draws=int(n_draws), random_state=seed, alternative=alternative)
    return RandomizationResult(
        method="labels permuted across units", model="custom statistic", term=name,
        statistic="custom", observed=observed, estimate=None, p_value=p_value,
        alternative=alternative, n_draws=int(distribution.size), enumerated=enumerated,
        n_assignments=n_assignments, n_undefined=undefined, random_state=seed,
        n_units=int(codes.size), n_treated_units=int(np.count_nonzero(nonzero[codes])),
        unit=None, distribution=distribution,
        provenance=Provenance(specification.function, specification.to_dict(),
                              frame_fingerprint(table), int(codes.size)),
        specification=specification)
