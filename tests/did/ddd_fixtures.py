"""Data shared by the triple-difference tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.datasets import load_cai2016

CAI = dict(outcome="checksaving_ratio", unit="hhno", time="year", first_treated="g",
           eligible="sector")


def cai2016() -> pd.DataFrame:
    """Cai (2016) with the enabling group: 2003 in the treated counties, else 0 (R's
    ``get_group(..., treat_period = 2003)`` of the triplediff application)."""
    data = load_cai2016()
    data["g"] = np.where(data["treatment"] == 1, 2003, 0)
    return data


def cai2016_two_periods() -> pd.DataFrame:
    """Years 2002 and 2003, households seen in both, with their 2002 household size and
    age as (time-invariant) covariates ``hhsize0`` and ``age0``."""
    data = cai2016()
    data = data.loc[data["year"].isin([2002, 2003])]
    both = data.groupby("hhno")["year"].transform("size") == 2
    data = data.loc[both]
    base = data.loc[data["year"] == 2002, ["hhno", "hhsize", "age"]].rename(
        columns={"hhsize": "hhsize0", "age": "age0"})
    return data.merge(base, on="hhno").sort_values(["hhno", "year"]).reset_index(drop=True)


def staggered_panel(n: int = 600, seed: int = 20250509) -> pd.DataFrame:
    """Units of groups enabled in periods 3, 4, 5 or never, eligible or not, six periods.

    The effect on eligible units of enabled groups is ``1 + 0.5 (t - g)`` from period g
    on; trends differ by covariate ``x``, by eligibility and for group 3, so that only
    the DDD parallel trends conditional on ``x`` hold.
    """
    rng = np.random.default_rng(seed)
    periods = np.arange(1, 7)
    group = rng.choice([3.0, 4.0, 5.0, 0.0], size=n, p=[0.25, 0.2, 0.2, 0.35])
    x = rng.normal(size=n)
    eligible = (rng.uniform(size=n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    unit_effect = rng.normal(size=n) + 0.5 * x
    rows = []
    for t in periods:
        treated = (group > 0) & (t >= group) & (eligible == 1)
        effect = np.where(treated, 1.0 + 0.5 * (t - group), 0.0)
        y = (unit_effect + 0.3 * t + 0.2 * t * x + 0.4 * eligible * t + 0.1 * (group == 3) * t
             + effect + rng.normal(size=n))
        rows.append(pd.DataFrame({"id": np.arange(1, n + 1), "t": t, "g": group, "q": eligible,
                                  "x": x, "y": y}))
    return pd.concat(rows, ignore_index=True)


STAGGERED = dict(outcome="y", unit="id", time="t", first_treated="g", eligible="q")
