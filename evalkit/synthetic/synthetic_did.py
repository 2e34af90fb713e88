r"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

Public entry points: :func:`synthetic_did` (one method, with its standard error) and
:func:`synthetic_did_comparison` (DiD, synthetic control and SDID side by side, as the
paper's Table 1). The numerics live in :mod:`evalkit.synthetic._sdid_weights`,
:mod:`evalkit.synthetic._sdid_inference` and :mod:`evalkit.synthetic._simplex`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from evalkit._deprecation import refuse_unknown, warn_renamed
from evalkit._validation import Problems, check_alpha
from evalkit.data.panel import Panel
from evalkit.errors import DataError, InputError
from evalkit.inference.kinds import Bootstrap, Jackknife, NoInference, Placebo
from evalkit.inference.multiplier import make_generator
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results.provenance import Provenance
from evalkit.results.synthetic_did import SyntheticDiDResult
from evalkit.synthetic import _sdid_inference as inference
from evalkit.synthetic import _sdid_weights as weights
from evalkit.synthetic.matrix import OutcomeMatrix, outcome_matrix
from evalkit.synthetic.specs import SyntheticDiDSpec

__all__ = ["synthetic_did", "synthetic_did_comparison", "check_design"]

SDIDMethod = Literal["sdid", "sc", "did"]
StandardError = Literal["placebo", "bootstrap", "jackknife"]
_METHODS: tuple[str, ...] = get_args(SDIDMethod)
_STANDARD_ERRORS: tuple[str, ...] = get_args(StandardError)


def _is_count(value: object) -> bool:
    return (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and int(value) > 0)


def _check_options(panel: object, method: object, se: object, n_reps: object, alpha: object,
                   random_state: object, max_iter: object, function: str,
                   noise_level: object = None) -> None:
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    problems = Problems()
    methods = [method] if isinstance(method, str) or not isinstance(method, Sequence) else method
    for m in methods:
        if m not in _METHODS:
            problems.add(f"method={m!r}: must be one of {', '.join(map(repr, _METHODS))}; "
                         f"got {m!r}")
    if se is not None and se not in _STANDARD_ERRORS:
        problems.add(f"se={se!r}: must be one of {', '.join(map(repr, _STANDARD_ERRORS))} or "
                     f"None (no standard error); got {se!r}")
    if not _is_count(n_reps):
        problems.add(f"n_reps={n_reps!r}: must be a positive integer (the paper uses 200); "
                     f"got {n_reps!r}")
    check_alpha(alpha, problems)  # type: ignore[arg-type]
    if not (random_state is None or isinstance(random_state, np.random.Generator)
            or (isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
                and random_state >= 0)):
        problems.add(f"random_state={random_state!r}: must be None, a non-negative integer seed "
                     f"or a numpy Generator; got {type(random_state).__name__}")
    if not _is_count(max_iter):
        problems.add(f"max_iter={max_iter!r}: must be a positive integer (the reference "
                     f"implementation uses 10000); got {max_iter!r}")
    if noise_level is not None and (isinstance(noise_level, bool)
                                    or not isinstance(noise_level, int | float | np.floating)
                                    or not np.isfinite(noise_level) or noise_level <= 0):
        problems.add(f"noise_level={noise_level!r}: must be None (estimated from the data) or a "
                     f"positive finite number; got {noise_level!r}")
    problems.raise_if_any(InputError, f"Invalid arguments to {function}:")


def _check_design(matrix: OutcomeMatrix, panel: Panel, method: str,
                  kind: SDIDInference) -> None:
    problems = Problems()
    if matrix.n_treated == 0:
        column = panel.treatment or panel.first_treated
        problems.add(f"the panel has no treated unit (column {column!r}); {method} needs at "
                     "least one.")
    if not np.isfinite(matrix.y).all():
        problems.add(f"column {panel.outcome!r} has infinite values; {method} needs finite "
                     "outcomes.")
    if method in ("sdid", "sc") and matrix.n_pre < 2:
        problems.add(f"{method} needs at least 2 pre-treatment periods to measure the noise level "
                     f"(the spread of first differences) that sets its regularisation; treatment "
                     f"starts in {matrix.treatment_start!r}, leaving {matrix.n_pre}.")
    if isinstance(kind, Placebo) and matrix.n_control <= matrix.n_treated:
        problems.add(f"inference=Placebo() needs more comparison units than treated units "
                     f"(placebo treatments are drawn among the {matrix.n_control} comparison "
                     f"units, {matrix.n_treated} at a time); use inference=Bootstrap() or "
                     "inference=Jackknife().")
    if isinstance(kind, Jackknife) and matrix.n_treated < 2:
        problems.add("inference=Jackknife() is undefined with a single treated unit (leaving "
                     "it out leaves no treated unit; Arkhangelsky et al. 2021, section 5); use "
                     "inference=Placebo().")
    if isinstance(kind, Bootstrap) and matrix.n_treated < 2:
        problems.add("inference=Bootstrap() is undefined with a single treated unit (the "
                     "bootstrap needs many treated units, Arkhangelsky et al. 2021, section 5; "
                     "the reference implementation returns NA); use inference=Placebo().")
    problems.raise_if_any(DataError, f"The panel cannot be used for {method} with "
                                     f"inference={type(kind).__name__}():")


_DEFAULT_INFERENCE = Placebo()
SDIDInference = Placebo | Bootstrap | Jackknife | NoInference
register_inference("synthetic_did", Placebo, Bootstrap, Jackknife, NoInference)
register_inference("synthetic_did_comparison", Placebo, Bootstrap, Jackknife, NoInference)
_LEGACY = ("se", "n_reps", "random_state")


def check_design(panel: Panel, *, method: SDIDMethod = "sdid",
                 inference: SDIDInference = _DEFAULT_INFERENCE) -> None:
    """Check that the panel supports :func:`synthetic_did` with ``method`` and ``inference``.

    The checks :func:`synthetic_did` runs on the data before fitting, on their own (for
    validating a params file before a report is run): a block design (one treatment date),
    at least one treated unit, finite outcomes, two pre-treatment periods for ``"sdid"``
    and ``"sc"``, more comparison than treated units for ``Placebo``, and several treated
    units for ``Bootstrap`` and ``Jackknife``.

    Parameters
    ----------
    panel
        The panel.
    method
        ``"sdid"``, ``"sc"`` or ``"did"``.
    inference
        ``Placebo(...)``, ``Bootstrap(...)``, ``Jackknife()`` or ``NoInference()``.

    Raises
    ------
    DataError
        Listing every problem (the method and the inference named).
    """
    _check_design(outcome_matrix(panel, method=method), panel, method, inference)


def _legacy_options(function: str, inference: Any, deprecated: dict[str, Any]
                    ) -> tuple[str | None, Any, Any]:
    """``(se, n_reps, random_state)`` from ``inference``, or from their deprecated keywords."""
    given = {name: deprecated.pop(name) for name in _LEGACY if name in deprecated}
    refuse_unknown(function, deprecated)
    if not given:
        kind = check_inference(function, inference)
        if isinstance(kind, Placebo | Bootstrap):
            return kind.name, kind.n_draws, kind.random_state
        return (None if isinstance(kind, NoInference) else kind.name), 200, None
    old = ", ".join(f"{name}={value!r}" for name, value in given.items())
    if inference is not _DEFAULT_INFERENCE:
        raise InputError(f"Invalid arguments to {function}:",
                         [f"{old} and inference={inference!r}: must be given once; "
                          f"{', '.join(given)} are the deprecated spelling of inference"])
    se = given.get("se", "placebo")
    n_reps, random_state = given.get("n_reps", 200), given.get("random_state")
    try:
        new = repr(_kind(se, n_reps, random_state))
    except InputError:  # the old checks below name the faulty keyword
        new = "Placebo(n_draws=..., random_state=...)"
    warn_renamed(old, f"inference={new}")
    return se, n_reps, random_state


def _kind(se: str | None, n_reps: int, random_state: Any) -> SDIDInference:
    """The inference kind of the old ``se``, ``n_reps`` and ``random_state``."""
    if se == "placebo":
        return Placebo(n_reps, random_state)
    if se == "bootstrap":
        return Bootstrap(n_reps, random_state)
    if se == "jackknife":
        return Jackknife()
    if se is None:
        return NoInference()
    raise InputError(f"se={se!r}: must be one of {', '.join(map(repr, _STANDARD_ERRORS))} or "
                     f"None; got {se!r}")


def synthetic_did(
    panel: Panel,
    *,
    method: SDIDMethod = "sdid",
    inference: SDIDInference = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    max_iter: int = 10_000,
    noise_level: float | None = None,
    **deprecated: Any,
) -> SyntheticDiDResult:
    r"""Estimate the effect on the treated by synthetic difference-in-differences.

    With :math:`N_{co}` comparison units, :math:`N_{tr}` treated units, all treated
    from the same period, :math:`T_{pre}` periods before and :math:`T_{post}` after,
    synthetic difference-in-differences (SDID; Arkhangelsky et al. 2021, Algorithm 1)
    estimates the average effect on the treated over the post-treatment periods by
    the weighted double difference

    .. math:: \hat\tau = \Big(\bar Y_{tr,post} - \sum_t \hat\lambda_t \bar Y_{tr,t}\Big)
              - \sum_{i} \hat\omega_i \Big(\bar Y_{i,post} - \sum_t \hat\lambda_t Y_{it}\Big).

    The unit weights :math:`\hat\omega` (on the simplex) make the comparison units'
    pre-period trajectory parallel to the treated mean, up to an intercept and a
    ridge penalty :math:`\zeta^2 T_{pre}\lVert\omega\rVert^2` with
    :math:`\zeta = (N_{tr}T_{post})^{1/4}\hat\sigma` (equations 4-5), where
    :math:`\hat\sigma` is the standard deviation of the comparison units'
    pre-period first differences. The time weights :math:`\hat\lambda` make the
    weighted pre-periods predict the post-period mean of the comparison units, up to
    an intercept (equation 6, with the reference implementation's ridge
    :math:`10^{-6}\hat\sigma`).

    ``method="sc"`` gives synthetic control as the paper computes it (unit weights
    without intercept and with ridge :math:`10^{-6}\hat\sigma`, no time weights) and
    ``method="did"`` difference-in-differences (uniform weights), for comparison.

    The weights are computed as the reference implementation (R package ``synthdid``
    0.0.9, ``synthdid_estimate``) computes them: Frank-Wolfe with exact line search,
    100 iterations, sparsification (weights at most a quarter of the largest set to
    zero), then up to ``max_iter`` more iterations, stopping when an iteration lowers
    the objective by no more than :math:`(10^{-5}\hat\sigma)^2`. The estimates
    therefore reproduce the reference's to rounding (Proposition 99: SDID -15.60383,
    SC -19.61966, DiD -27.34911). Note that the iteration cap binds for synthetic
    control on Proposition 99: the fully converged optimum gives -19.51, not -19.62.

    Parameters
    ----------
    panel
        A panel with a treatment (or first-treatment) column; every treated unit starts
        treatment in the same period, every unit is observed in every period.
    method
        ``"sdid"`` (default), ``"sc"`` or ``"did"``.
    inference
        Standard error: ``Placebo(n_draws=200, random_state=None)`` (default;
        Algorithm 4: placebo treatments drawn among the comparison units, weights
        re-estimated; the only method available with one treated unit, it assumes
        homoskedasticity across units), ``Bootstrap(n_draws, random_state)``
        (Algorithm 2: units resampled, weights re-estimated; draws without a treated or
        a comparison unit are redrawn), ``Jackknife()`` (Algorithm 3: leave one unit
        out, weights not re-estimated; needs two treated units; not recommended for
        synthetic control), or ``NoInference()``. ``n_draws`` is the number of
        replications (200 in the paper), ``random_state`` a seed or numpy Generator.
        (``se=``, ``n_reps=`` and ``random_state=`` are the deprecated spellings.)
    alpha
        Significance level: the interval is :math:`\hat\tau \pm z_{1-\alpha/2}\,\widehat{se}`.
    max_iter
        Frank-Wolfe iteration cap of the second stage of each weight problem.
    noise_level
        The noise level :math:`\hat\sigma` to use instead of the one estimated from the
        data (the reference's ``noise.level``): it sets :math:`\zeta` and the stopping
        rule. Useful to hold the regularisation fixed across specifications, since the
        default, pooled over periods as in the paper, changes when period effects are
        added to the outcome.

    Returns
    -------
    SyntheticDiDResult

    Raises
    ------
    InputError
        An option is invalid (all problems are listed).
    DataError
        Staggered adoption, unbalanced panel, fewer than 2 comparison units, no
        treated unit, fewer than 2 pre-periods (SDID, SC), or a standard error that
        the design does not allow (placebo with as many treated as comparison units;
        jackknife or bootstrap with a single treated unit).

    References
    ----------
    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021).
    Synthetic difference-in-differences. *American Economic Review*, 111(12),
    4088-4118.

    Examples
    --------
    >>> from evalkit import Panel
    >>> from evalkit.datasets import load_prop99
    >>> panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
    ...               treatment="treated")
    >>> result = synthetic_did(panel, inference=NoInference())
    >>> round(result.estimate, 5)
    -15.60383
    """
    se, n_reps, random_state = _legacy_options("synthetic_did", inference, deprecated)
    _check_options(panel, method, se, n_reps, alpha, random_state, max_iter, "synthetic_did",
                   noise_level)
    kind = _kind(se, n_reps, random_state)
    matrix = outcome_matrix(panel, method=method)
    _check_design(matrix, panel, method, kind)
    return _fit(panel, matrix, method, kind, alpha, max_iter, noise_level)


def _fit(panel: Panel, matrix: OutcomeMatrix, method: str, kind: SDIDInference,
         alpha: float, max_iter: int, noise_level: float | None) -> SyntheticDiDResult:
    y = np.asarray(matrix.y, dtype=float)
    n_control, n_pre = matrix.n_control, matrix.n_pre
    reg = weights.regularisation(method, y, n_control, n_pre, max_iter=max_iter,  # type: ignore[arg-type]
                                 sigma=None if noise_level is None else float(noise_level))
    # the estimate computes Gram columns as it goes; the replications share a stored Gram
    prepared = weights.prepare(method, y, n_pre, store_gram=False)  # type: ignore[arg-type]
    design = weights.actual_design(y.shape[0], n_control)
    fit = weights.fit_weights(method, prepared, design, reg)  # type: ignore[arg-type]
    omega, lam = fit.omega[0], fit.lam[0]
    estimate = float(weights.effects(y, n_pre, design, fit.omega, fit.lam)[0])

    replicates = inference.Replicates(estimates=np.empty(0), std_error=float("nan"))
    note = None
    se = None if isinstance(kind, NoInference) else kind.name
    if se == "jackknife" and np.count_nonzero(omega) < 2:
        note = ("The jackknife standard error is undefined: a single comparison unit has a "
                "positive weight, so leaving it out leaves no comparison (as the reference "
                "implementation, it is reported as missing).")
    elif se == "jackknife":
        replicates = inference.jackknife_replicates(y, n_control, n_pre, omega, lam)
    elif isinstance(kind, Placebo | Bootstrap):
        draw = (inference.placebo_replicates if isinstance(kind, Placebo)
                else inference.bootstrap_replicates)
        replicates = draw(method, weights.with_gram(prepared), n_control, reg,  # type: ignore[arg-type]
                          omega, lam, n_draws=kind.n_draws,
                          rng=make_generator(kind.random_state))
    if se == "placebo":
        note = ("Placebo standard errors assume that the treated units' outcomes are as "
                "variable as the comparison units' (homoskedasticity across units).")
    elif se == "jackknife" and method == "sc" and note is None:
        note = ("The jackknife is not recommended for synthetic control: with weights held "
                "fixed it can be conservative (Arkhangelsky et al. 2021, section 5).")

    periods = matrix.periods
    if np.issubdtype(periods.dtype, np.floating) and np.array_equal(periods, np.round(periods)):
        periods = periods.astype(np.int64)  # years read as floats are shown as years
    treated_path = y[n_control:].mean(axis=0)
    contrast = y[:, n_pre:].mean(axis=1) - y[:, :n_pre] @ lam
    specification = SyntheticDiDSpec(
        panel=panel.specification, method=method, inference=kind,  # type: ignore[arg-type]
        alpha=alpha, max_iter=max_iter,
        noise_level=None if noise_level is None else float(noise_level))
    return SyntheticDiDResult(
        method=method,  # type: ignore[arg-type]
        outcome=panel.outcome, unit=panel.unit, time=panel.time,
        estimate=estimate,
        std_error=replicates.std_error,
        se_method=se,
        n_draws=int(replicates.estimates.size),
        inference=kind,
        alpha=float(alpha),
        control_units=matrix.control_units, omega=omega,
        pre_periods=periods[:n_pre], lam=lam,
        periods=periods, treated_path=treated_path,
        synthetic_path=omega @ y[:n_control],
        unit_effects=contrast[n_control:].mean() - contrast[:n_control],
        treated_units=matrix.treated_units,
        n_post=matrix.n_post,
        noise_level=reg.noise_level, zeta_omega=reg.zeta_omega, zeta_lambda=reg.zeta_lambda,
        replicates=replicates.estimates,
        se_note=note,
        iterations={k: tuple(v[0]) for k, v in fit.iterations.items()},
        discarded_draws=replicates.discarded,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, panel.n_obs),
        specification=specification,
    )


def synthetic_did_comparison(
    panel: Panel,
    *,
    methods: Sequence[SDIDMethod] = ("did", "sc", "sdid"),
    inference: SDIDInference = _DEFAULT_INFERENCE,
    alpha: float = 0.05,
    max_iter: int = 10_000,
    **deprecated: Any,
) -> pd.DataFrame:
    """Difference-in-differences, synthetic control and SDID side by side (the paper's Table 1).

    Runs :func:`synthetic_did` once per method with the same standard-error method.
    With an integer ``random_state`` in ``inference``, every method uses that same seed (as the
    paper's replication code, which resets the seed before each method); with a
    Generator, the methods draw from it in turn.

    Returns
    -------
    pandas.DataFrame
        One row per method (index ``method``) with the columns of
        :meth:`SyntheticDiDResult.tidy` (without ``method``) and ``estimator``.
    """
    if isinstance(methods, str) or not isinstance(methods, Sequence):
        raise InputError(f"methods={methods!r}: must be a list of methods among "
                         f"{', '.join(map(repr, _METHODS))}; got {methods!r}")
    se, n_reps, random_state = _legacy_options("synthetic_did_comparison", inference,
                                               deprecated)
    _check_options(panel, list(methods), se, n_reps, alpha, random_state, max_iter,
                   "synthetic_did_comparison")
    if len(methods) == 0 or len(set(methods)) != len(methods):
        raise InputError(f"methods={list(methods)!r}: must list distinct methods among "
                         f"{', '.join(map(repr, _METHODS))}; got {list(methods)!r}")
    rows = []
    for method in methods:
        result = synthetic_did(panel, method=method, inference=_kind(se, n_reps, random_state),
                               alpha=alpha, max_iter=max_iter)
        rows.append(result.tidy().assign(estimator=result.estimator))
    table = pd.concat(rows, ignore_index=True).set_index("method")
    return table
