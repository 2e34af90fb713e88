r"""The restrictions of Rambachan & Roth (2023) on the trend violation, as linear inequalities.

The event-study coefficients are :math:`\hat\beta = (\hat\beta_{pre}, \hat\beta_{post})`,
with the reference period between the two normalised to zero. Under the model
:math:`\beta = \delta + (0, \tau_{post})` the bias :math:`\delta` (the difference in
trends that parallel trends would set to zero) is restricted to a polyhedron
:math:`\Delta = \{\delta : A\delta \le d\}`. Columns of ``A`` are the coefficients in
event-time order, pre-periods first, without the reference period.

Pure numpy; no validation (the public functions in :mod:`evalkit.robustness.honest` do it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["ConstraintSet", "relative_magnitude_sets", "smoothness_set", "smoothness_m_upper",
           "post_period_rows"]


@dataclass(frozen=True)
class ConstraintSet:
    """One polyhedron :math:`\\{\\delta : A\\delta \\le d\\}` and the rows the test uses."""

    A: np.ndarray
    d: np.ndarray
    rows: np.ndarray  # the rows the conditional test uses (post-period moments)


def _first_differences(n_periods: int) -> np.ndarray:
    """Rows ``delta_{t+1} - delta_t`` over ``n_periods + 1`` periods (reference included)."""
    out = np.zeros((n_periods, n_periods + 1))
    idx = np.arange(n_periods)
    out[idx, idx] = -1.0
    out[idx, idx + 1] = 1.0
    return out


def post_period_rows(A: np.ndarray, n_pre: int) -> np.ndarray:
    """Indices of the rows of ``A`` that involve a post-period coefficient."""
    return np.flatnonzero(np.any(A[:, n_pre:] != 0, axis=1))


def relative_magnitude_set(n_pre: int, n_post: int, mbar: float, s: int,
                           max_positive: bool) -> ConstraintSet:
    r""":math:`\Delta^{RM}_{s,\pm}(\bar M)`: the largest pre-period change ends at ``s``.

    Every consecutive change :math:`|\delta_{t+1} - \delta_t|` is at most
    :math:`\pm(\delta_s - \delta_{s-1})` before treatment and at most
    :math:`\bar M \cdot \pm(\delta_s - \delta_{s-1})` after (Rambachan & Roth 2023,
    equation 8 written as the union over ``s`` and the sign of equation 9).
    ``s`` runs over ``-(n_pre - 1), ..., 0``.
    """
    n = n_pre + n_post
    diffs = _first_differences(n)
    chosen = np.zeros(n + 1)
    chosen[n_pre + s - 1] = -1.0
    chosen[n_pre + s] = 1.0
    if not max_positive:
        chosen = -chosen
    bound = np.vstack([np.tile(chosen, (n_pre, 1)), np.tile(mbar * chosen, (n_post, 1))])
    A = np.vstack([diffs - bound, -diffs - bound])
    A = A[np.einsum("ij,ij->i", A, A) > 1e-10]
    A = np.delete(A, n_pre, axis=1)
    if n_post > 1:
        rows = post_period_rows(A, n_pre)
    else:  # one post-period: keep only its rows, as the reference package does
        A = A[A[:, -1] != 0]
        rows = np.arange(A.shape[0])
    return ConstraintSet(A=A, d=np.zeros(A.shape[0]), rows=rows)


def relative_magnitude_sets(n_pre: int, n_post: int, mbar: float) -> list[ConstraintSet]:
    r""":math:`\Delta^{RM}(\bar M)` as the union of its ``2 * n_pre`` polyhedral pieces."""
    return [relative_magnitude_set(n_pre, n_post, mbar, s, sign)
            for s in range(-(n_pre - 1), 1) for sign in (True, False)]


def _second_differences(n_pre: int, n_post: int) -> np.ndarray:
    n = n_pre + n_post
    out = np.zeros((n - 1, n + 1))
    idx = np.arange(n - 1)
    out[idx, idx] = 1.0
    out[idx, idx + 1] = -2.0
    out[idx, idx + 2] = 1.0
    return np.delete(out, n_pre, axis=1)


def smoothness_set(n_pre: int, n_post: int, m: float) -> ConstraintSet:
    r""":math:`\Delta^{SD}(M)`: :math:`|(\delta_{t+1}-\delta_t) - (\delta_t-\delta_{t-1})| \le M`.

    Rambachan & Roth (2023), equation 7. The conditional test uses the rows that
    involve a post-period coefficient when there are several post-periods, all rows
    otherwise (as the reference package does).
    """
    second = _second_differences(n_pre, n_post)
    A = np.vstack([second, -second])
    rows = post_period_rows(A, n_pre) if n_post > 1 else np.arange(A.shape[0])
    return ConstraintSet(A=A, d=np.full(A.shape[0], float(m)), rows=rows)


def smoothness_m_upper(beta_pre: np.ndarray, sigma_pre: np.ndarray, alpha: float = 0.05) -> float:
    """Upper end of the default M grid: the largest one-sided upper bound of the pre-period
    second differences (both signs), ``max_j (A b)_j + z_{1-alpha} se_j`` (the package's
    ``DeltaSD_upperBound_Mpre``)."""
    n_pre = beta_pre.size
    second = _second_differences(n_pre, 0)
    second = np.vstack([second, -second])
    diffs = second @ beta_pre
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", second, sigma_pre, second), 0, None))
    return float(np.max(diffs + stats.norm.ppf(1 - alpha) * se))
