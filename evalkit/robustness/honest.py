r"""Sensitivity of event-study conclusions to violations of parallel trends (HonestDiD).

Rambachan & Roth (2023) write the event-study coefficients as
:math:`\beta = \delta + (0, \tau_{post})`: the treatment effects after treatment plus
the difference in trends :math:`\delta` that parallel trends sets to zero. Instead of
assuming :math:`\delta_{post} = 0`, they bound it by what the pre-treatment
coefficients :math:`\hat\beta_{pre}` (which estimate :math:`\delta_{pre}`) show, and
build confidence sets for :math:`\theta = l'\tau_{post}` valid for every
:math:`\delta` in the restriction set :math:`\Delta`, for a range of its size M.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from evalkit._deprecation import refuse_unknown, renamed
from evalkit._validation import Problems, check_alpha, check_choice
from evalkit.errors import InputError
from evalkit.results.contract import Specification
from evalkit.results.event_study import EventStudyResult
from evalkit.results.honest import HonestDiDResult
from evalkit.results.provenance import Provenance
from evalkit.robustness._honest_compute import (
    Spec,
    breakdown_value,
    confidence_set,
    original_interval,
)
from evalkit.robustness._honest_constraints import smoothness_m_upper
from evalkit.robustness.specs import HonestDiDSpec

__all__ = ["honest_did", "honest_did_from_estimates", "Restriction", "HonestMethod"]

Restriction = Literal["relative_magnitude", "smoothness"]
HonestMethod = Literal["auto", "hybrid", "conditional", "flci"]
RESTRICTIONS = ("relative_magnitude", "smoothness")
METHODS = ("auto", "hybrid", "conditional", "flci")

_NO_PRE = ("HonestDiD needs at least one estimated pre-period coefficient besides the "
           "reference period: the restrictions bound the post-treatment violation of parallel "
           "trends by what the pre-treatment coefficients show")


def honest_did(
    result: EventStudyResult,
    *,
    restriction: Restriction = "relative_magnitude",
    m_values: Sequence[float] | None = None,
    parameter: Literal["first", "average"] | Sequence[float] = "first",
    method: HonestMethod = "auto",
    alpha: float | None = None,
    n_draws: int = 1000,
    random_state: int = 0,
    **deprecated: Any,
) -> HonestDiDResult:
    r"""Robust confidence sets for an event study when parallel trends may fail.

    The sensitivity analysis of Rambachan & Roth (2023). The event-study coefficients
    are read as :math:`\hat\beta = (\hat\beta_{pre}, \hat\beta_{post})` around the
    reference period (normalised to zero), with
    :math:`\beta = \delta + (0, \tau_{post})`: :math:`\delta` is the difference in
    trends between treated and comparison units, and :math:`\tau_{post}` the effects.
    For each value of M the confidence set covers :math:`\theta = l'\tau_{post}` with
    probability at least :math:`1 - \alpha` whenever :math:`\delta` lies in

    - ``"relative_magnitude"``: :math:`\Delta^{RM}(\bar M)`, post-treatment changes
      between consecutive periods at most :math:`\bar M` times the largest
      pre-treatment one,
      :math:`|\delta_{t+1} - \delta_t| \le \bar M \max_{s<0} |\delta_{s+1} - \delta_s|`
      for :math:`t \ge 0` (their equation 8). :math:`\bar M = 1`: the post-treatment
      violation is no worse than the worst pre-treatment one. Default method: the
      conditional-least-favourable hybrid test of Andrews, Roth & Pakes (ARP), inverted
      (``"hybrid"``; the package's "C-LF"), over the union of the polyhedra that fix
      which pre-period change is the largest, as the package does.
    - ``"smoothness"``: :math:`\Delta^{SD}(M)`, the slope of the trend difference
      changes by at most M between consecutive periods,
      :math:`|(\delta_{t+1} - \delta_t) - (\delta_t - \delta_{t-1})| \le M`
      (equation 7); M = 0 allows exactly linear trends. Default method: the optimal
      fixed-length confidence interval of Armstrong & Kolesár (``"flci"``).

    ``method="conditional"`` runs the ARP conditional test without the hybrid first
    stage (either restriction); ``"hybrid"`` also applies to smoothness.

    Parameters
    ----------
    result
        An event study from any evalkit estimator with a reference period (TWFE
        :func:`~evalkit.did.event_study`, Sun & Abraham, Callaway & Sant'Anna's
        ``event_study()`` with ``base_period="universal"``). Its estimates and full
        covariance are used; the coefficients before the reference period are the
        pre-periods, those after it the post-periods, and both must be consecutive.
    restriction
        ``"relative_magnitude"`` (default) or ``"smoothness"``.
    m_values
        The values of M (:math:`\bar M` for relative magnitudes) to report, each >= 0.
        Default, as the package: 10 values from 0 to 2 for relative magnitudes; for
        smoothness 10 values from 0 to the largest one-sided 95% upper bound of the
        pre-period second differences (the package's ``DeltaSD_upperBound_Mpre``), or
        to the first pre-period standard error when there is one pre-period.
    parameter
        The parameter :math:`\theta`: ``"first"`` (default) the effect at the first
        treated period (event time 0; the package's default ``l_vec``),
        ``"average"`` the average of the effects at event times >= 0, or a sequence of
        weights ``l``, one per coefficient after the reference period.
    method
        ``"auto"`` (default: ``"hybrid"`` for relative magnitudes, ``"flci"`` for
        smoothness), ``"hybrid"``, ``"conditional"`` or ``"flci"`` (smoothness only).
    alpha
        Significance level (default: the event study's).
    n_draws, random_state
        Number of simulated draws for the least-favourable critical value of the hybrid
        test, and their seed (an integer: the draws are the ones R's
        ``set.seed(random_state)`` produces, so that the defaults, 1,000 draws and seed
        0, give the package's results). ``lf_draws=`` is the deprecated spelling of
        ``n_draws=``.

    Returns
    -------
    HonestDiDResult
        The robust intervals for each M, the original interval, and the breakdown
        value: the smallest M whose interval includes zero.

    Raises
    ------
    InputError
        No pre-period coefficient besides the reference period; no reference period
        (e.g. Callaway & Sant'Anna with ``base_period="varying"``, or the imputation
        estimator); gaps in the event times; invalid options.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends.
    *Review of Economic Studies*, 90(5), 2555-2591. Andrews, I., Roth, J. and Pakes, A.
    (2023). Inference for linear conditional moment inequalities. *Review of Economic
    Studies*, 90(6), 2763-2791. Armstrong, T. B. and Kolesár, M. (2018). Optimal
    inference in a class of regression models. *Econometrica*, 86(2), 655-683. R
    package HonestDiD (Rambachan & Roth), ``createSensitivityResults_relativeMagnitudes``
    and ``createSensitivityResults``.
    """
    n_draws = renamed("honest_did", deprecated, "lf_draws", "n_draws", n_draws, 1000)
    refuse_unknown("honest_did", deprecated)
    if not isinstance(result, EventStudyResult):
        raise InputError(f"result: must be an EventStudyResult (from an evalkit event study); "
                         f"got {type(result).__name__}")
    beta, sigma, pre_times, post_times = _from_event_study(result)
    use_alpha = result.alpha if alpha is None else alpha
    return _run(beta, sigma, pre_times, post_times, restriction=restriction, m_values=m_values,
                parameter=parameter, method=method, alpha=use_alpha, n_draws=n_draws,
                random_state=random_state, estimator=result.estimator, outcome=result.outcome,
                function="evalkit.robustness.honest_did", source=result.specification,
                fingerprint=result.provenance.data_fingerprint,
                n_obs=result.provenance.n_obs)


def honest_did_from_estimates(
    betahat: Sequence[float] | np.ndarray,
    sigma: Sequence[Sequence[float]] | np.ndarray,
    *,
    num_pre_periods: int,
    num_post_periods: int,
    restriction: Restriction = "relative_magnitude",
    m_values: Sequence[float] | None = None,
    parameter: Literal["first", "average"] | Sequence[float] = "first",
    method: HonestMethod = "auto",
    alpha: float = 0.05,
    n_draws: int = 1000,
    random_state: int = 0,
    **deprecated: Any,
) -> HonestDiDResult:
    """:func:`honest_did` from event-study coefficients and their covariance matrix.

    ``betahat`` holds ``num_pre_periods`` pre-period coefficients then
    ``num_post_periods`` post-period coefficients, in time order, without the
    reference period (the package's ``betahat``, ``sigma``, ``numPrePeriods``,
    ``numPostPeriods``); the reference period lies between the two groups. Event
    times are labelled ``-num_pre_periods - 1 ... -2`` and ``0 ... num_post_periods - 1``
    (reference -1). ``parameter="first"`` is the first post-period; a weight sequence is
    the package's ``l_vec``. The other arguments are those of :func:`honest_did`.

    Parameters
    ----------
    betahat, sigma
        The event-study coefficients (pre-periods then post-periods, in time order,
        without the reference period) and their covariance matrix.
    num_pre_periods, num_post_periods
        How many of ``betahat`` are pre-period and post-period coefficients.
    restriction, m_values, parameter, method, alpha, n_draws, random_state
        As for :func:`honest_did` (``alpha`` defaults to 0.05 here).

    Returns
    -------
    HonestDiDResult
        The original and robust confidence intervals and the breakdown value.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends.
    *Review of Economic Studies*, 90(5), 2555-2591.
    """
    n_draws = renamed("honest_did_from_estimates", deprecated, "lf_draws", "n_draws", n_draws,
                      1000)
    refuse_unknown("honest_did_from_estimates", deprecated)
    problems = Problems()
    for name, value in (("num_pre_periods", num_pre_periods),
                        ("num_post_periods", num_post_periods)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            problems.add(f"{name}={value!r}: must be a non-negative integer; got {value!r}")
    problems.raise_if_any(InputError, "Invalid arguments to honest_did_from_estimates:")
    if num_pre_periods < 1:
        raise InputError(f"num_pre_periods={num_pre_periods!r}: {_NO_PRE}; got {num_pre_periods}")
    if num_post_periods < 1:
        raise InputError(f"num_post_periods={num_post_periods!r}: must be at least 1 (the "
                         f"parameter is a combination of post-period effects); got "
                         f"{num_post_periods}")
    beta, cov = _check_arrays(betahat, sigma, num_pre_periods + num_post_periods)
    pre_times = tuple(range(-num_pre_periods - 1, -1))
    post_times = tuple(range(num_post_periods))
    digest = hashlib.sha256(beta.tobytes() + cov.tobytes()).hexdigest()
    return _run(beta, cov, pre_times, post_times, restriction=restriction, m_values=m_values,
                parameter=parameter, method=method, alpha=alpha, n_draws=n_draws,
                random_state=random_state, estimator="event-study coefficients given directly",
                outcome=None, function="evalkit.robustness.honest_did_from_estimates", source=None,
                fingerprint=digest, n_obs=0)


def _from_event_study(result: EventStudyResult
                      ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], tuple[int, ...]]:
    ref = result.reference_period
    if ref is None:
        raise InputError(
            "result: HonestDiD needs an event study whose coefficients are all measured "
            "relative to one reference period normalised to zero; this one has none "
            f"({result.estimator}). Use Callaway & Sant'Anna with base_period='universal', "
            "the TWFE event study or Sun & Abraham, or pass coefficients measured that way "
            "to honest_did_from_estimates.")
    times = np.array(result.event_time)
    order = np.argsort(times, kind="stable")
    times = times[order]
    pre = tuple(int(k) for k in times if k < ref)
    post = tuple(int(k) for k in times if k > ref)
    if not pre:
        raise InputError(f"result: {_NO_PRE}; the event study has event times "
                         f"{tuple(int(k) for k in times)} with reference period {ref}. Estimate "
                         "a longer pre-treatment window.")
    if not post or max(post) < 0:
        raise InputError(f"result: needs post-treatment coefficients (event times >= 0); got "
                         f"event times {tuple(int(k) for k in times)}")
    expected_pre = tuple(range(ref - len(pre), ref))
    expected_post = tuple(range(ref + 1, ref + 1 + len(post)))
    if pre != expected_pre or post != expected_post:
        raise InputError(
            f"result: the restrictions compare consecutive periods, so the event times must "
            f"be consecutive around the reference period {ref}; got "
            f"{tuple(int(k) for k in times)}")
    beta = result.coefficients.estimate[order]
    sigma = result.coefficients.vcov[np.ix_(order, order)]
    beta, sigma = _check_arrays(beta, sigma, beta.size)
    return beta, sigma, pre, post


def _check_arrays(betahat: object, sigma: object, size: int) -> tuple[np.ndarray, np.ndarray]:
    problems = Problems()
    beta = np.array(betahat, dtype=float, copy=True)
    cov = np.array(sigma, dtype=float, copy=True)
    if beta.ndim != 1 or beta.size != size:
        problems.add(f"betahat: must be a vector of {size} coefficients (pre-periods then "
                     f"post-periods); got shape {beta.shape}")
    elif not np.all(np.isfinite(beta)):
        problems.add("betahat: must contain only finite numbers; got NaN or infinite values")
    if cov.ndim != 2 or cov.shape != (size, size):
        problems.add(f"sigma: must be a {size} x {size} covariance matrix matching betahat; got "
                     f"shape {cov.shape}")
    elif not np.all(np.isfinite(cov)):
        problems.add("sigma: must contain only finite numbers; got NaN or infinite values")
    else:
        scale = max(float(np.abs(cov).max()), np.finfo(float).tiny)
        if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-10 * scale):
            problems.add("sigma: must be symmetric; got a matrix that differs from its "
                         "transpose")
        else:
            low = float(np.linalg.eigvalsh((cov + cov.T) / 2).min())
            if low < -1e-10 * scale:
                problems.add(f"sigma: must be positive semidefinite; got a smallest eigenvalue "
                             f"of {low:.3g}")
    problems.raise_if_any(InputError, "Invalid event-study estimates for honest_did:")
    return beta, (cov + cov.T) / 2


def _weights(parameter: object, post_times: tuple[int, ...], problems: Problems) -> np.ndarray:
    n = len(post_times)
    treated = np.array([k >= 0 for k in post_times])
    if isinstance(parameter, str):
        if parameter == "first":
            out = np.zeros(n)
            out[int(np.argmax(treated))] = 1.0
            return out
        if parameter == "average":
            return treated / treated.sum()
        problems.add(f"parameter={parameter!r}: must be 'first', 'average' or a sequence of "
                     f"{n} weights; got {parameter!r}")
        return np.zeros(n)
    try:
        out = np.array(parameter, dtype=float)
    except (TypeError, ValueError):
        out = np.array([])
    if out.ndim != 1 or out.size != n or not np.all(np.isfinite(out)) or not np.any(out):
        problems.add(f"parameter={parameter!r}: must be 'first', 'average' or {n} finite weights, "
                     f"not all zero, one per post-period {post_times}; got {parameter!r}")
        return np.zeros(n)
    return out


def _describe(weights: np.ndarray, post_times: tuple[int, ...], parameter: object) -> str:
    if isinstance(parameter, str) and parameter == "first":
        return f"effect at event time {post_times[int(np.argmax(weights))]}"
    if isinstance(parameter, str) and parameter == "average":
        used = [k for k, w in zip(post_times, weights, strict=True) if w]
        return f"average effect over event times {used[0]} to {used[-1]}"
    terms = " + ".join(f"{w:g} x e{k:+d}" if k else f"{w:g} x e0"
                       for k, w in zip(post_times, weights, strict=True) if w)
    return f"weighted effect {terms}"


def _run(beta: np.ndarray, sigma: np.ndarray, pre_times: tuple[int, ...],
         post_times: tuple[int, ...], *, restriction: object, m_values: object,
         parameter: object, method: object, alpha: object, n_draws: object,
         random_state: object, estimator: str, outcome: str | None, function: str,
         source: Specification | None, fingerprint: str, n_obs: int) -> HonestDiDResult:
    problems = Problems()
    check_choice("restriction", restriction, RESTRICTIONS, problems)
    check_choice("method", method, METHODS, problems)
    check_alpha(alpha, problems)
    if restriction == "relative_magnitude" and method == "flci":
        problems.add("method='flci': the fixed-length interval exists for the smoothness "
                     "restriction only; use 'hybrid' or 'conditional' with relative magnitudes")
    for name, value, low in (("n_draws", n_draws, 100), ("random_state", random_state, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            problems.add(f"{name}={value!r}: must be an integer >= {low}; got {value!r}")
    weights = _weights(parameter, post_times, problems)
    grid = None
    if m_values is not None:
        try:
            grid = np.array(m_values, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            grid = np.array([np.nan])
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            problems.add(f"m_values={m_values!r}: must be a non-empty sequence of finite numbers "
                         f">= 0 (M = 0 is the strictest restriction); got {m_values!r}")
    problems.raise_if_any(InputError, "Invalid arguments to honest_did:")

    n_pre = len(pre_times)
    chosen = method if method != "auto" else (
        "hybrid" if restriction == "relative_magnitude" else "flci")
    if grid is None:
        if restriction == "relative_magnitude":
            grid = np.linspace(0.0, 2.0, 10)
        else:
            upper = (smoothness_m_upper(beta[:n_pre], sigma[:n_pre, :n_pre]) if n_pre > 1
                     else float(np.sqrt(sigma[0, 0])))
            grid = np.linspace(0.0, max(upper, 0.0), 10)
    grid = np.unique(grid)
    spec = Spec(beta=beta, sigma=sigma, n_pre=n_pre, l_vec=weights, restriction=restriction,
                method=chosen, alpha=float(alpha), n_draws=int(n_draws),
                seed=int(random_state))
    bounds = np.array([confidence_set(spec, float(m)) for m in grid])
    lows, highs = bounds[:, 0], bounds[:, 1]
    original = original_interval(spec)
    breakdown = breakdown_value(spec, grid, lows, highs)
    specification = HonestDiDSpec(
        restriction=restriction, method=chosen,  # type: ignore[arg-type]
        m_values=tuple(grid.tolist()), parameter=tuple(weights.tolist()),
        pre_event_times=pre_times, post_event_times=post_times, alpha=float(alpha),
        n_draws=int(n_draws), random_state=int(random_state), source=source,
        function=function)
    return HonestDiDResult(
        restriction=restriction, method=chosen,
        parameter=_describe(weights, post_times, parameter), weights=weights,
        pre_event_times=pre_times, post_event_times=post_times, m_values=grid,
        conf_low=lows, conf_high=highs, estimate=spec.estimate, std_error=spec.std_error,
        original_conf_low=original[0], original_conf_high=original[1], alpha=float(alpha),
        breakdown_value=breakdown, estimator=estimator, outcome=outcome,
        provenance=Provenance(function, specification.to_dict(), fingerprint, n_obs),
        specification=specification)
