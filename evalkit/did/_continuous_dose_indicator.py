"""The level cells of R ``contdid``'s event study: the dose in place of the treatment dummy.

For ``target_parameter="level", aggregation="eventstudy"`` R ``contdid::cont_did`` passes
each cell's data (the dose of the cohort's units, 0 for the comparison units) to
``ptetools::did_attgt``, which calls ``DRDID::drdid_panel`` with the dose as the treatment
indicator ``D``. Without covariates that doubly robust estimator is, with ``dY`` the outcome
change of a cell unit, ``m0`` its mean among the comparison units and ``p = mean(D)``,

    eta_1 = sum D (dY - m0) / sum D,   eta_0 = sum (1 - D)(dY - m0) / sum (1 - D),
    ATT   = eta_1 - eta_0,

sums over the cell's units (the treated ones weigh ``1 - D`` in ``eta_0``), with influence
function ``D (dY - m0 - eta_1) / p - (1 - D)(dY - m0 - eta_0) / (1 - p)``. With a dose of 1
for every treated unit it is the binary comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.data.checks import ROWS_COUNTED, rows_text
from evalkit.did._continuous_compute import Cells, Design, cohort_shares
from evalkit.errors import DataError

__all__ = ["dose_indicator_cells", "aggregate_dose_indicator", "check_dose_range"]


def dose_indicator_cells(design: Design, cells: Cells) -> dict[str, np.ndarray]:
    """Per cell: the estimate and the pieces of its influence function
    (``cells.control_mean`` must be filled, as by ``fit_cells``)."""
    k = design.n_cohorts
    dosed = np.stack([design.dose[design.rows(h)] @ design.y[design.rows(h)]
                      for h in range(k)])  # K x T: sum of D y per cohort and period
    plain = np.stack([design.y[design.rows(h)].sum(axis=0) for h in range(k)])
    total_dose = np.array([design.dose[design.rows(h)].sum() for h in range(k)])
    sizes = np.diff(design.starts)[:k].astype(float)
    g = cells.cohort
    d_dy = dosed[g, cells.period] - dosed[g, cells.base]  # sum D dY over the cohort
    dy = plain[g, cells.period] - plain[g, cells.base]  # sum dY over the cohort
    m0 = cells.control_mean
    s1 = total_dose[g]
    s0 = sizes[g] - s1 + cells.n_control  # sum (1 - D) over the cell's units
    eta1 = (d_dy - s1 * m0) / s1
    eta0 = ((dy - d_dy) - (sizes[g] - s1) * m0) / s0
    n_cell = sizes[g] + cells.n_control
    return {"att": eta1 - eta0, "eta1": eta1, "eta0": eta0, "m0": m0,
            "p": s1 / n_cell, "q": s0 / n_cell, "n_cell": n_cell}


def aggregate_dose_indicator(design: Design, cells: Cells, weights: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray]:
    """``sum_g p_g sum_c v_c ATT_c`` with these cells, and its influence functions (n x O),
    the cohort shares' estimation included (as :func:`aggregate`)."""
    n = design.n
    k = design.n_cohorts
    part = dose_indicator_cells(design, cells)
    used, treated = cohort_shares(design, cells, weights)
    treated_safe = np.where(treated > 0, treated, 1.0)
    sizes = np.diff(design.starts)[:k].astype(float)
    share = sizes[:, None] * used / treated_safe
    cell_weights = share[cells.cohort] * weights  # cells x O
    theta = part["att"] @ cell_weights
    by_cohort = np.zeros((k, weights.shape[1]))
    for code in range(k):
        own = cells.of(code)
        by_cohort[code] = part["att"][own] @ weights[own]
    factor = (n / part["n_cell"])[:, None] * cell_weights  # cells x O
    n_periods = design.y.shape[1]
    move = np.zeros((cells.size, n_periods))
    move[np.arange(cells.size), cells.period] += 1.0
    move[np.arange(cells.size), cells.base] -= 1.0
    psi = np.zeros((n, weights.shape[1]))
    # the (1 - D)(dY - m0 - eta_0) / q part, D = 0 for comparison units
    untreated = factor / part["q"][:, None]
    shift = (part["m0"] + part["eta0"])[:, None]
    def untreated_part(y: np.ndarray, among: np.ndarray) -> np.ndarray:
        # -(dY - m0 - eta_0) / q, weighted, over the cells ``among``
        if not among.any():
            return np.zeros((y.shape[0], weights.shape[1]))
        return -(y @ (move[among].T @ untreated[among])
                 - (shift[among] * untreated[among]).sum(axis=0))

    for code in range(k + 1):
        rows = design.rows(code)
        if design.size(code) == 0:
            continue
        y = design.y[rows]
        psi[rows] = untreated_part(y, cells.control[:, code])  # a comparison unit: D = 0
        if code == k:
            continue
        own = cells.cohort == code
        if not own.any():
            continue
        dose = design.dose[rows][:, None]
        treated_part = factor[own] / part["p"][own, None]
        high = (y @ (move[own].T @ treated_part)
                - ((part["m0"] + part["eta1"])[own, None] * treated_part).sum(axis=0))
        psi[rows] += dose * high + (1.0 - dose) * untreated_part(y, own)
        if used[code].any():
            psi[rows] += (n / treated_safe) * (by_cohort[code] - theta) * used[code]
    return theta, psi


def check_dose_range(data: pd.DataFrame, dose: str, first_treated: str, time: str) -> None:
    """The dose in place of a treatment indicator needs doses in [0, 1] (R fits a logit
    to it); an error naming the rows of treated units with a larger dose."""
    values = pd.to_numeric(data[dose], errors="coerce").to_numpy(dtype=float)
    first = pd.to_numeric(data[first_treated], errors="coerce").to_numpy(dtype=float)
    last = pd.to_numeric(data[time], errors="coerce").max()
    treated = np.isfinite(first) & (first > 0) & (first <= last)
    above = np.flatnonzero((values > 1) & treated)
    if above.size:
        raise DataError(f"level_event_study='dose_as_indicator': dose={dose!r} must be in "
                        f"[0, 1] for the treated units (it stands for the treatment "
                        f"indicator); got doses above 1 in {above.size:,} rows "
                        f"({rows_text(above)}; {ROWS_COUNTED}); use "
                        "level_event_study='binary'")
