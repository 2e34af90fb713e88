r"""The Goodman-Bacon (2021) decomposition of the static two-way fixed-effects coefficient."""

from __future__ import annotations

import numpy as np

from evalkit._validation import Problems
from evalkit.data.panel import Panel
from evalkit.did._bacon_compute import (
    ALWAYS_TREATED,
    EARLIER_AS_CONTROL,
    LATER_AS_CONTROL,
    NEVER_TREATED,
    decompose,
    group_period_means,
    timing_groups,
    treatment_starts,
)
from evalkit.did.specs import BaconSpec
from evalkit.errors import DataError, EstimationError, InputError
from evalkit.results.bacon import BaconDecomposition
from evalkit.results.provenance import Provenance

__all__ = ["bacon_decomposition"]

_SHOW = 5  # how many incomplete units an error message names

_KIND_KEYS = {NEVER_TREATED: "never_treated", LATER_AS_CONTROL: "later_as_control",
              EARLIER_AS_CONTROL: "earlier_as_control", ALWAYS_TREATED: "always_treated"}


def _label(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _check(panel: object) -> None:
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    problems = Problems()
    if not panel.is_balanced:
        rows_per_unit = np.bincount(panel.unit_index, minlength=panel.n_units)
        incomplete = np.flatnonzero(rows_per_unit < panel.n_periods)
        shown = ", ".join(repr(_plain(u)) for u in panel.units[incomplete[:_SHOW]])
        more = f" and {incomplete.size - _SHOW} more" if incomplete.size > _SHOW else ""
        problems.add(f"panel: the Goodman-Bacon decomposition needs a balanced panel (every unit "
                     f"observed in each of the {panel.n_periods} periods); {incomplete.size} of "
                     f"{panel.n_units} units are incomplete, e.g. {shown}{more}. Keep only the "
                     "units observed in every period (or only the periods in which every unit "
                     "is observed)")
    if panel.covariates:
        problems.add(f"panel: declares covariates {list(panel.covariates)}, but the decomposition "
                     "is that of the TWFE regression without covariates (the covariate-adjusted "
                     "version of Goodman-Bacon 2021, section 5, is not provided); build the "
                     "Panel without covariates=")
    if panel.weights:
        problems.add(f"panel: declares sampling weights {panel.weights!r}, but the decomposition "
                     "is that of the unweighted TWFE regression; build the Panel without "
                     "weights=")
    problems.raise_if_any(DataError, "The panel does not fit the Goodman-Bacon decomposition:")


def bacon_decomposition(panel: Panel) -> BaconDecomposition:
    r"""Decompose the static TWFE coefficient into all 2x2 difference-in-differences.

    The static two-way fixed-effects regression

    .. math:: Y_{it} = \alpha_i + \lambda_t + \beta^{DD} D_{it} + \varepsilon_{it}

    (see :func:`evalkit.did.twfe`) pools every comparison that the timing of
    treatment offers. Goodman-Bacon (2021, Theorem 1) shows that in a balanced panel
    :math:`\hat\beta^{DD}` is exactly a weighted average of simple 2x2
    difference-in-differences, each comparing the change in mean outcome of a cohort
    whose treatment switches on with that of a group whose treatment does not change
    over the periods used:

    1. a treated cohort :math:`k` against the never-treated units :math:`U`, over all
       periods;
    2. an earlier cohort :math:`k` against a later cohort :math:`l`, over the periods
       before :math:`l` is treated (*later as control*);
    3. a later cohort :math:`l` against an earlier cohort :math:`k`, over the periods
       from :math:`k`'s treatment on (*earlier, already treated, as control*);
    4. a treated cohort against units treated in every period of the panel
       (*always treated*), when there are any.

    With :math:`n_g` each group's share of the units, :math:`\bar D_g` the share of
    periods in which it is treated, :math:`n_{ab} = n_a/(n_a + n_b)` and
    :math:`\hat V^D` the variance of the two-way demeaned treatment indicator, the
    weights are (equations 10e-10g)

    .. math::

        s_{kU} &= (n_k + n_U)^2\, n_{kU}(1 - n_{kU})\, \bar D_k(1 - \bar D_k) / \hat V^D \\
        s^k_{kl} &= \big((n_k + n_l)(1 - \bar D_l)\big)^2\, n_{kl}(1 - n_{kl})\,
            \tfrac{\bar D_k - \bar D_l}{1 - \bar D_l}\,\tfrac{1 - \bar D_k}{1 - \bar D_l}
            / \hat V^D \\
        s^l_{kl} &= \big((n_k + n_l)\bar D_k\big)^2\, n_{kl}(1 - n_{kl})\,
            \tfrac{\bar D_l}{\bar D_k}\,\tfrac{\bar D_k - \bar D_l}{\bar D_k} / \hat V^D

    and comparisons with always-treated units :math:`A` use :math:`s^l_{Al}` with
    :math:`\bar D_A = 1`. They are non-negative and sum to one. When effects change
    over time, the comparisons of type 3 (and 4) subtract changes in the controls'
    own treatment effects; :attr:`BaconDecomposition.already_treated_weight` reports
    how much of :math:`\hat\beta^{DD}` rests on them.

    The work is vectorised over cohorts: one pass over the rows builds the
    cohort-by-period mean outcomes, and every comparison is computed from them.

    Parameters
    ----------
    panel
        A balanced panel, without covariates or sampling weights. Units whose first
        treatment period is at or before the first period are *always treated*;
        units never treated (or first treated after the last period) form the
        never-treated group. Cohorts are labelled by their first treated period.

    Returns
    -------
    BaconDecomposition
        Every 2x2 comparison with its estimate and weight, the TWFE coefficient, the
        weight and average estimate by comparison type, and the share of weight on
        comparisons with already-treated controls.

    Raises
    ------
    DataError
        If the panel is unbalanced (naming how many units are incomplete), or
        declares covariates or sampling weights: the decomposition with covariates
        (Goodman-Bacon 2021, section 5) and the weighted one are not provided.
    InputError
        If ``panel`` is not a :class:`~evalkit.data.Panel`.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
    timing. *Journal of Econometrics*, 225(2), 254-277.

    Examples
    --------
    >>> from evalkit import Panel
    >>> from evalkit.datasets import load_mpdta
    >>> panel = Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...               first_treated="first.treat")
    >>> result = bacon_decomposition(panel)
    >>> round(result.twfe_estimate, 6), round(result.already_treated_weight, 4)
    (-0.036549, 0.0539)
    """
    _check(panel)
    periods = panel.periods
    n_periods = periods.size
    starts = treatment_starts(panel.unit_cohorts.to_numpy(dtype=float), periods)
    values, unit_group, sizes = timing_groups(starts)
    means = group_period_means(panel.values(panel.outcome), panel.unit_index,
                               panel.period_index, unit_group, values.size, n_periods)
    parts = decompose(means, sizes, values)
    if not np.isfinite(parts.treatment_variance) or parts.weight.size == 0:
        raise EstimationError("The treatment indicator does not vary once unit and period effects "
                              "are removed, so the TWFE coefficient is not identified")

    def group_label(index: int) -> object:
        start = int(values[index])
        if start == n_periods:
            return "never"
        if start == 0:
            return "always"
        return _label(periods[start])

    sample = {"rows": panel.n_obs, "units": panel.n_units, "periods": int(n_periods),
              "treatment_cohorts": int(np.sum((values > 0) & (values < n_periods))),
              "never_treated_units": int(sizes[values == n_periods].sum()),
              "always_treated_units": int(sizes[values == 0].sum())}
    specification = BaconSpec(panel=panel.specification)
    return BaconDecomposition(
        outcome=panel.outcome,
        treated=tuple(group_label(g) for g in parts.treated),
        control=tuple(group_label(g) for g in parts.control),
        comparison=tuple(_KIND_KEYS[int(k)] for k in parts.kind),
        estimate=parts.estimate,
        weight=parts.weight,
        twfe_estimate=parts.twfe,
        treatment_variance=parts.treatment_variance,
        sample=sample,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, panel.n_obs),
        specification=specification,
    )
