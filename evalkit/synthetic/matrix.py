"""The outcome matrix that synthetic control methods work on, checked once.

Synthetic control and synthetic difference-in-differences work on a balanced
``units x periods`` matrix of outcomes, with the comparison ("donor") units first
and the treated units last, and the pre-treatment periods first: the layout of
Arkhangelsky et al. (2021) (``Y`` with ``N0`` control rows and ``T0`` pre-period
columns). This module builds that matrix from a :class:`~evalkit.data.Panel` and
refuses, with an error naming the units, what these methods cannot handle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.data.panel import Panel
from evalkit.errors import DataError

__all__ = ["OutcomeMatrix", "outcome_matrix"]

_SHOWN = 8


def _names(values: np.ndarray) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:_SHOWN])
    more = len(values) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class OutcomeMatrix:
    """A balanced outcome matrix, donors first and treated units last.

    Attributes
    ----------
    y
        ``(n_units, n_periods)`` outcomes (read-only); rows ``:n_control`` are the
        donors, the rest the treated units; columns ``:n_pre`` are the periods before
        treatment.
    units
        Unit labels in the row order of ``y``.
    periods
        Period labels in the column order of ``y``.
    n_control
        Number of donor units (``N0``).
    n_pre
        Number of pre-treatment periods (``T0``).
    """

    y: np.ndarray
    units: np.ndarray
    periods: np.ndarray
    n_control: int
    n_pre: int

    @property
    def n_units(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_periods(self) -> int:
        return int(self.y.shape[1])

    @property
    def n_treated(self) -> int:
        return self.n_units - self.n_control

    @property
    def n_post(self) -> int:
        return self.n_periods - self.n_pre

    @property
    def treated_units(self) -> np.ndarray:
        return self.units[self.n_control:]

    @property
    def control_units(self) -> np.ndarray:
        return self.units[:self.n_control]

    @property
    def treatment_start(self) -> object:
        """The first treated period."""
        value = self.periods[self.n_pre]
        return value.item() if hasattr(value, "item") else value


def outcome_matrix(panel: Panel, *, method: str) -> OutcomeMatrix:
    """Arrange a panel's outcomes as the matrix synthetic control methods use.

    Parameters
    ----------
    panel
        A panel with a treatment (or first-treatment) column. All treated units must
        start treatment in the same period (block adoption).
    method
        The method's name, used in error messages.

    Raises
    ------
    DataError
        Treated units starting in different periods; treatment starting in the first
        observed period (no pre-period to fit the weights on); units with missing
        periods (named: donors and treated units alike need every period); fewer
        than two donors.
    """
    cohorts = panel.unit_cohorts.to_numpy(dtype=float)
    units = panel.units
    periods = panel.periods
    problems: list[str] = []
    starts = np.unique(cohorts[~np.isnan(cohorts)])
    if starts.size > 1:
        problems.append(
            f"{method} needs every treated unit to start treatment in the same period "
            f"(block adoption); treatment starts in {starts.size} different periods "
            f"({_names(starts)}). Estimate each cohort separately, or use a staggered "
            "estimator (callaway_santanna, imputation, sun_abraham).")
    elif starts.size == 1 and starts[0] <= periods[0]:
        treated = units[~np.isnan(cohorts)]
        problems.append(
            f"treated unit(s) {_names(treated)} have no pre-treatment period: treatment "
            f"starts in {_names(starts)}, the first observed period ({_names(periods[:1])}); "
            f"{method} needs pre-treatment periods to fit its weights on.")
    counts = np.bincount(panel.unit_index, minlength=panel.n_units)
    incomplete = counts < panel.n_periods
    if incomplete.any():
        never = np.isnan(cohorts)
        for label, mask in (("donor", never), ("treated", ~never)):
            bad = units[incomplete & mask]
            if bad.size:
                problems.append(
                    f"{label} unit(s) {_names(bad)} miss some of the {panel.n_periods} periods "
                    f"(column {panel.time!r}); {method} needs a balanced panel: drop these "
                    "units or fill the missing periods.")
    n_control = int(np.isnan(cohorts).sum())
    if n_control < 2:
        problems.append(f"{method} needs at least 2 donor (never-treated) units; the panel has "
                        f"{n_control}.")
    if problems:
        raise DataError(f"The panel cannot be used for {method}:", problems)

    y = np.empty((panel.n_units, panel.n_periods))
    y[panel.unit_index, panel.period_index] = panel.values(panel.outcome)
    order = np.concatenate([np.flatnonzero(np.isnan(cohorts)), np.flatnonzero(~np.isnan(cohorts))])
    y = y[order]
    y.setflags(write=False)
    n_pre = int(np.searchsorted(periods, starts[0])) if starts.size else panel.n_periods
    labels = units[order].copy()
    labels.setflags(write=False)
    period_labels = periods.copy()
    period_labels.setflags(write=False)
    return OutcomeMatrix(y=y, units=labels, periods=period_labels, n_control=n_control,
                         n_pre=n_pre)
