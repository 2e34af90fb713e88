r"""The numerics of the Goodman-Bacon decomposition: pure numpy, no pandas, no evalkit types.

Everything works on the *timing groups* of a balanced panel: units that share the same
treatment path (the same number of untreated periods at the start of the panel). Let
:math:`T` be the number of periods, :math:`N` the number of units, and for each group
:math:`g`

- :math:`s_g \in \{0, \dots, T\}` the number of periods before its first treated period
  (:math:`s_g = 0`: always treated; :math:`s_g = T`: never treated);
- :math:`n_g = N_g / N` its share of the units;
- :math:`\bar D_g = (T - s_g)/T` the share of periods in which it is treated;
- :math:`\bar y_{gt}` its mean outcome in period :math:`t`.

Because the panel is balanced and the treatment indicator is constant within a group and
period, the two-way within transformation of :math:`D_{it}`, the variance
:math:`\hat V^D` of the transformed indicator, the TWFE coefficient and every 2x2
difference-in-differences depend on the data only through the
:math:`G \times T` matrix of group-period means and the group shares. The work is
therefore :math:`O(NT)` for the means and :math:`O(G^2 T)` for the rest, with no loop
over units (nor over groups: pairs are handled as index arrays).

Reference: Goodman-Bacon, A. (2021). Difference-in-differences with variation in
treatment timing. *Journal of Econometrics*, 225(2), 254-277, Theorem 1 and
equations (10a)-(10g).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "NEVER_TREATED",
    "LATER_AS_CONTROL",
    "EARLIER_AS_CONTROL",
    "ALWAYS_TREATED",
    "BaconComponents",
    "treatment_starts",
    "timing_groups",
    "group_period_means",
    "within_treatment",
    "decompose",
]

# codes of the comparison types, in the order the decomposition reports them
NEVER_TREATED = 0  # a treated group against the never-treated units
LATER_AS_CONTROL = 1  # an earlier group against a later one, before the later is treated
EARLIER_AS_CONTROL = 2  # a later group against an earlier one, after the earlier is treated
ALWAYS_TREATED = 3  # a treated group against units treated in every period


@dataclass(frozen=True)
class BaconComponents:
    """The 2x2 comparisons of a decomposition, as parallel arrays.

    Attributes
    ----------
    treated, control
        Index (into the groups given to :func:`decompose`) of the group whose
        treatment switches on in the comparison, and of its comparison group.
    kind
        Comparison type code (:data:`NEVER_TREATED` ... :data:`ALWAYS_TREATED`).
    estimate
        The 2x2 difference-in-differences estimate.
    weight
        Its weight :math:`s / \\hat V^D` in the TWFE coefficient.
    twfe
        The TWFE coefficient, computed directly by the Frisch-Waugh-Lovell formula
        :math:`\\sum \\tilde D_{it} y_{it} / \\sum \\tilde D_{it}^2`.
    treatment_variance
        :math:`\\hat V^D`, the mean square of the two-way demeaned treatment indicator.
    """

    treated: np.ndarray
    control: np.ndarray
    kind: np.ndarray
    estimate: np.ndarray
    weight: np.ndarray
    twfe: float
    treatment_variance: float


def treatment_starts(unit_cohort: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Number of untreated periods at the start of the panel, for each unit.

    ``unit_cohort`` holds each unit's first treatment period (NaN when never treated
    within the panel); a unit is treated in period ``t`` when ``t >= cohort``. The result
    is ``0`` for units treated in every period and ``len(periods)`` for units never
    treated.
    """
    cohort = np.asarray(unit_cohort, dtype=float)
    starts = np.searchsorted(periods, np.where(np.isnan(cohort), np.inf, cohort), side="left")
    return starts.astype(np.int64)


def timing_groups(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct treatment starts (sorted), each unit's group index and each group's size."""
    values, unit_group, sizes = np.unique(starts, return_inverse=True, return_counts=True)
    return values.astype(np.int64), unit_group.astype(np.int64), sizes.astype(np.int64)


def group_period_means(y: np.ndarray, unit_index: np.ndarray, period_index: np.ndarray,
                       unit_group: np.ndarray, n_groups: int, n_periods: int) -> np.ndarray:
    """Mean outcome of each group in each period (a ``n_groups x n_periods`` matrix)."""
    cell = unit_group[unit_index] * n_periods + period_index
    size = n_groups * n_periods
    totals = np.bincount(cell, weights=np.asarray(y, dtype=float), minlength=size)
    counts = np.bincount(cell, minlength=size)
    return (totals / counts).reshape(n_groups, n_periods)


def within_treatment(starts: np.ndarray, shares: np.ndarray, n_periods: int) -> np.ndarray:
    r"""Two-way demeaned treatment indicator of each group and period.

    :math:`\tilde D_{gt} = D_{gt} - \bar D_g - \bar D_t + \bar D`, the residual of the
    treatment indicator on unit and period fixed effects in a balanced panel.
    """
    treated = (np.arange(n_periods)[None, :] >= starts[:, None]).astype(float)
    by_group = treated.mean(axis=1)
    by_period = shares @ treated
    overall = shares @ by_group
    return treated - by_group[:, None] - by_period[None, :] + overall


def _window_mean(cumulative: np.ndarray, group: np.ndarray, start: np.ndarray,
                 stop: np.ndarray) -> np.ndarray:
    """Mean over periods ``start .. stop - 1`` of each group's period means."""
    return (cumulative[group, stop] - cumulative[group, start]) / (stop - start)


def _did(cumulative: np.ndarray, treated: np.ndarray, control: np.ndarray, first: np.ndarray,
         switch: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Change from periods [first, switch) to [switch, stop), treated minus control."""
    def change(group: np.ndarray) -> np.ndarray:
        return (_window_mean(cumulative, group, switch, stop)
                - _window_mean(cumulative, group, first, switch))
    return change(treated) - change(control)


def decompose(means: np.ndarray, sizes: np.ndarray, starts: np.ndarray) -> BaconComponents:
    r"""Decompose the TWFE coefficient into 2x2 comparisons (Goodman-Bacon 2021, Theorem 1).

    Parameters
    ----------
    means
        :math:`G \times T` mean outcome of each timing group in each period.
    sizes
        Number of units in each group.
    starts
        :math:`s_g`, each group's number of untreated periods (distinct values; ``0`` is
        the always-treated group, ``T`` the never-treated group).

    Returns
    -------
    BaconComponents
        Every 2x2 comparison with a non-zero weight. With :math:`k` earlier than
        :math:`l`, :math:`U` never treated, :math:`A` always treated and
        :math:`n_{ab} = n_a / (n_a + n_b)`:

        - :math:`k` vs :math:`U` over all periods, weight
          :math:`(n_k + n_U)^2 n_{kU}(1 - n_{kU}) \bar D_k (1 - \bar D_k) / \hat V^D`
          (10e);
        - :math:`k` vs :math:`l` over the periods before :math:`l` is treated, weight
          :math:`((n_k + n_l)(1 - \bar D_l))^2 n_{kl}(1 - n_{kl})
          \frac{\bar D_k - \bar D_l}{1 - \bar D_l}\frac{1 - \bar D_k}{1 - \bar D_l}
          / \hat V^D` (10f);
        - :math:`l` vs :math:`k` over the periods from :math:`k`'s treatment on, weight
          :math:`((n_k + n_l)\bar D_k)^2 n_{kl}(1 - n_{kl})
          \frac{\bar D_l}{\bar D_k}\frac{\bar D_k - \bar D_l}{\bar D_k} / \hat V^D`
          (10g);
        - :math:`k` vs :math:`A` over all periods: (10g) with :math:`\bar D_A = 1`, i.e.
          :math:`(n_k + n_A)^2 n_{kA}(1 - n_{kA}) \bar D_k (1 - \bar D_k) / \hat V^D`.
    """
    means = np.asarray(means, dtype=float)
    starts = np.asarray(starts, dtype=np.int64)
    n_groups, n_periods = means.shape
    shares = np.asarray(sizes, dtype=float) / float(np.sum(sizes))
    treated_share = (n_periods - starts) / n_periods  # \bar D_g

    d_tilde = within_treatment(starts, shares, n_periods)
    variance = float(shares @ (d_tilde ** 2).mean(axis=1))
    if variance <= 0:  # no identifying variation: every group is never or always treated
        variance = float("nan")
    twfe = float(shares @ (d_tilde * means).mean(axis=1)) / variance

    cumulative = np.concatenate([np.zeros((n_groups, 1)), np.cumsum(means, axis=1)], axis=1)
    timing = np.flatnonzero((starts > 0) & (starts < n_periods))
    controls = [(np.flatnonzero(starts == n_periods), NEVER_TREATED),
                (np.flatnonzero(starts == 0), ALWAYS_TREATED)]
    parts: list[tuple[np.ndarray, ...]] = []

    # a timing group against a group whose treatment never changes (never or always treated)
    for found, code in controls:
        if found.size and timing.size:
            control = np.full(timing.size, found[0])
            k = timing
            pooled = shares[k] + shares[control]
            within = shares[k] / pooled
            weight = (pooled ** 2 * within * (1 - within)
                      * treated_share[k] * (1 - treated_share[k]))
            estimate = _did(cumulative, k, control, np.zeros_like(k), starts[k],
                            np.full_like(k, n_periods))
            parts.append((k, control, np.full(k.size, code), estimate, weight))

    # pairs of timing groups: `early` is treated before `late` (the paper's k and l)
    if timing.size > 1:
        first, second = np.triu_indices(timing.size, k=1)
        early, late = timing[first], timing[second]  # starts are sorted increasingly
        pooled = shares[early] + shares[late]
        within = shares[early] / pooled
        dk, dl = treated_share[early], treated_share[late]
        weight_later = ((pooled * (1 - dl)) ** 2 * within * (1 - within)
                        * (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl))
        estimate_later = _did(cumulative, early, late, np.zeros_like(early), starts[early],
                              starts[late])
        weight_earlier = ((pooled * dk) ** 2 * within * (1 - within)
                          * (dl / dk) * (dk - dl) / dk)
        estimate_earlier = _did(cumulative, late, early, starts[early], starts[late],
                                np.full_like(early, n_periods))
        parts.append((early, late, np.full(early.size, LATER_AS_CONTROL), estimate_later,
                      weight_later))
        parts.append((late, early, np.full(early.size, EARLIER_AS_CONTROL), estimate_earlier,
                      weight_earlier))

    if parts:
        columns = [np.concatenate(c) for c in zip(*parts, strict=True)]
        treated, control, kind, estimate, weight = columns
    else:  # pragma: no cover - a valid Panel always has at least one comparison
        treated = control = kind = np.zeros(0, dtype=np.int64)
        estimate = weight = np.zeros(0)
    order = np.lexsort((starts[control], starts[treated], kind))
    return BaconComponents(
        treated=treated[order].astype(np.int64),
        control=control[order].astype(np.int64),
        kind=kind[order].astype(np.int64),
        estimate=estimate[order],
        weight=weight[order] / variance,
        twfe=twfe,
        treatment_variance=variance,
    )
