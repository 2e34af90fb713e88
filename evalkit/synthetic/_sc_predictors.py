"""The predictors of a synthetic control: outcome and covariate averages over pre-periods.

Each predictor is the mean of one variable (the outcome, or a covariate) over a set of
pre-treatment periods, computed for every unit: ADH (2010, Table 1) use cigarette sales
in 1975, 1980 and 1988 (single periods) and covariates averaged over 1980-1988. The
matrix has one row per predictor and one column per unit, in the outcome matrix's
unit order (donors first, the treated unit last).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["PredictorSpec", "predictor_matrix", "period_text"]


@dataclass(frozen=True)
class PredictorSpec:
    """One predictor: the mean of ``variable`` over the periods at ``columns``.

    ``variable`` is ``None`` for the outcome, else a covariate column; ``columns``
    index the periods of the outcome matrix.
    """

    label: str
    variable: str | None
    columns: tuple[int, ...]


def period_text(periods: np.ndarray) -> str:
    """``1975``, ``1980-1988`` (consecutive) or ``1975, 1980, 1988`` for a label."""
    values = [v.item() if hasattr(v, "item") else v for v in periods]
    if len(values) == 1:
        return str(values[0])
    return f"{values[0]}-{values[-1]}"


def predictor_matrix(specs: tuple[PredictorSpec, ...], outcome: np.ndarray,
                     covariates: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(k, n_units)`` predictor values: each spec's variable averaged over its periods."""
    rows = []
    for spec in specs:
        source = outcome if spec.variable is None else covariates[spec.variable]
        rows.append(source[:, list(spec.columns)].mean(axis=1))
    matrix = np.vstack(rows)
    matrix.setflags(write=False)
    return matrix
