"""Confidence sets over a grid of M, and the breakdown value, from validated arrays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from evalkit.robustness._honest_arp import build_problem, union_accepts
from evalkit.robustness._honest_constraints import relative_magnitude_sets, smoothness_set
from evalkit.robustness._honest_flci import optimal_flci

__all__ = ["Spec", "confidence_set", "invert_test", "breakdown_value", "original_interval"]


@dataclass(frozen=True)
class Spec:
    """Everything the computation needs, already checked."""

    beta: np.ndarray
    sigma: np.ndarray
    n_pre: int
    l_vec: np.ndarray
    restriction: str   # "relative_magnitude" | "smoothness"
    method: str        # "hybrid" | "conditional" | "flci"
    alpha: float
    n_draws: int
    seed: int

    @property
    def kappa(self) -> float:
        return self.alpha / 10

    @property
    def estimate(self) -> float:
        return float(self.l_vec @ self.beta[self.n_pre:])

    @property
    def std_error(self) -> float:
        post = slice(self.n_pre, None)
        return float(np.sqrt(self.l_vec @ self.sigma[post, post] @ self.l_vec))


def original_interval(spec: Spec) -> tuple[float, float]:
    """``l'beta_post -/+ z_{1-alpha/2} sd``, the package's ``constructOriginalCS``."""
    half = stats.norm.ppf(1 - spec.alpha / 2) * spec.std_error
    return spec.estimate - half, spec.estimate + half


def _acceptance(spec: Spec, m: float) -> Callable[[np.ndarray], np.ndarray]:
    n_post = spec.l_vec.size
    if spec.restriction == "relative_magnitude":
        sets = relative_magnitude_sets(spec.n_pre, n_post, m)
    else:
        sets = [smoothness_set(spec.n_pre, n_post, m)]
    hybrid = spec.method == "hybrid"
    problems = [build_problem(spec.beta, spec.sigma, c, spec.n_pre, spec.l_vec, hybrid=hybrid,
                              kappa=spec.kappa, draws=spec.n_draws, seed=spec.seed)
                for c in sets]
    return union_accepts(problems, spec.alpha, spec.kappa if hybrid else 0.0)


def _refine(accept: Callable[[np.ndarray], np.ndarray], rejected: float, accepted: float,
            passes: int = 5, points: int = 48) -> float:
    """Move from ``accepted`` towards ``rejected`` to the first accepted point."""
    for _ in range(passes):
        grid = np.linspace(rejected, accepted, points + 2)[1:-1]
        ok = accept(grid)
        if ok.any():
            j = int(np.argmax(ok))
            accepted = float(grid[j])
            rejected = float(grid[j - 1]) if j > 0 else rejected
        else:
            rejected = float(grid[-1])
    return accepted


def invert_test(accept: Callable[[np.ndarray], np.ndarray], center: float, scale: float,
                *, points: int = 401, max_doublings: int = 12) -> tuple[float, float]:
    """The smallest and largest accepted values of theta (``nan`` if none is accepted).

    A grid of ``points`` values over ``center +/- 20 scale`` (widened by doubling while
    an end is accepted) locates the accepted values; each end is then refined by
    five rounds of 48-point subdivision of the bracketing grid step, to about 1e-9 of
    ``scale``. Like the package, the set reported is the interval from the smallest to
    the largest accepted value.
    """
    half = 20.0 * scale
    for _ in range(max_doublings):
        grid = np.linspace(center - half, center + half, points)
        ok = accept(grid)
        if not (ok[0] or ok[-1]):
            break
        half *= 2.0
    else:  # pragma: no cover - only for restrictions that identify nothing
        lo = -np.inf if ok[0] else float(grid[np.argmax(ok)])
        hi = np.inf if ok[-1] else float(grid[len(ok) - 1 - np.argmax(ok[::-1])])
        return lo, hi
    if not ok.any():
        grid = np.linspace(center - half, center + half, 20 * points)
        ok = accept(grid)
        if not ok.any():
            return np.nan, np.nan
    first = int(np.argmax(ok))
    last = len(ok) - 1 - int(np.argmax(ok[::-1]))
    lower = _refine(accept, float(grid[first - 1]), float(grid[first]))
    upper = _refine(accept, float(grid[last + 1]), float(grid[last]))
    return lower, upper


def confidence_set(spec: Spec, m: float) -> tuple[float, float]:
    """The robust confidence set for ``l'tau_post`` at one value of M (or Mbar)."""
    if spec.method == "flci":
        flci = optimal_flci(spec.beta, spec.sigma, spec.n_pre, spec.l_vec, m, spec.alpha)
        return flci.conf_low, flci.conf_high
    return invert_test(_acceptance(spec, m), spec.estimate, spec.std_error)


def _includes_zero(spec: Spec, m: float) -> bool:
    if spec.method == "flci":
        flci = optimal_flci(spec.beta, spec.sigma, spec.n_pre, spec.l_vec, m, spec.alpha)
        return flci.conf_low <= 0 <= flci.conf_high
    return bool(_acceptance(spec, m)(np.zeros(1))[0])


def breakdown_value(spec: Spec, m_values: np.ndarray, lows: np.ndarray, highs: np.ndarray,
                    *, rel_tol: float = 1e-4, max_doublings: int = 8) -> float | None:
    """The smallest M at which the robust confidence set includes zero.

    The grid results give a bracket (the last M whose set excludes zero below the
    first whose set includes it); beyond the grid, M is doubled up to ``max_doublings``
    times. The bracket is then halved until it is narrower than ``rel_tol`` times its
    upper end, testing only whether zero is accepted. Assumes, as the method intends,
    that the sets grow with M. ``0.0`` when the set at M = 0 already includes zero;
    ``None`` when no M up to ``2**max_doublings`` times the largest one tried does.
    """
    covers = (lows <= 0) & (highs >= 0)
    if covers.any():
        j = int(np.argmax(covers))
        hi = float(m_values[j])
        lo = float(m_values[j - 1]) if j > 0 else 0.0
        if j == 0:
            if hi == 0 or _includes_zero(spec, 0.0):
                return 0.0
    else:
        lo = float(m_values[-1])
        hi = lo if lo > 0 else float(spec.std_error)
        for _ in range(max_doublings):
            hi *= 2.0
            if _includes_zero(spec, hi):
                break
            lo = hi
        else:
            return None
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if _includes_zero(spec, mid):
            hi = mid
        else:
            lo = mid
    return hi
