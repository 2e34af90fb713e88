"""Random panels and block functions shared by the DaskPanel tests.

The block functions run on Dask workers, which import them by name from this module.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from evalkit.data.unit_blocks import UnitBlock

FIELDS = ("units", "cohort", "outcome", "observed", "weights", "covariates", "cluster")


def whole_block(block: UnitBlock) -> UnitBlock:
    return block


def outcome_sum_after(block: UnitBlock, seconds: float) -> dict[str, np.ndarray]:
    time.sleep(seconds)
    return {"sum": np.array([np.nansum(block.outcome)]), "units": np.array([block.n])}


def fails(block: UnitBlock) -> None:
    raise ZeroDivisionError("a bug in the block function")


# ---------------------------------------------------------------------------- random panels
def random_panel(seed: int, *, n_units: int = 80, text_units: bool = False,
                 balanced: bool = True, treatment_column: bool = False,
                 extras: bool = False, holes: bool = False) -> tuple[pd.DataFrame, dict]:
    """A staggered panel over 2001-2007 (cohorts 2003, 2004, 2006, never, and 2030: after the
    end), rows in random order. ``extras``: two covariates, weights and a cluster constant
    within unit (text with text units, else integers); ``holes``: missing values to drop."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(100_000, n_units, replace=False)
    units = np.array([f"{i:05d}" for i in ids], dtype=object) if text_units else ids
    periods = np.arange(2001, 2008)
    cohort = rng.choice([2003.0, 2004.0, 2006.0, 0.0, np.nan, np.inf, 2030.0], n_units)
    df = pd.DataFrame({"id": np.repeat(units, periods.size),
                       "year": np.tile(periods, n_units),
                       "g": np.repeat(cohort, periods.size)})
    df["y"] = rng.normal(size=len(df)) + 0.5 * (df["year"] >= df["g"])
    if not balanced:
        keep = rng.random(len(df)) < 0.75
        last = df["year"] == 2007  # the last period: seen for a few units only, so that
        keep &= ~last | df["id"].isin(units[:3])  # most partitions lack it
        df = df[keep]
    if treatment_column:
        finite = np.isfinite(df["g"]) & (df["g"] > 0)
        df = df.assign(d=(finite & (df["year"] >= df["g"])).astype(int)).drop(columns="g")
    described = {"unit": "id", "time": "year", "outcome": "y"}
    described.update({"treatment": "d"} if treatment_column else {"first_treated": "g"})
    if extras:
        df = df.assign(x1=rng.normal(size=len(df)), x2=rng.integers(0, 5, len(df)),
                       w=rng.uniform(0.5, 2.0, len(df)))
        labels = ["R1", "R2", "R3", "R4"] if text_units else [11, 22, 33, 44]
        region = dict(zip(units, rng.choice(labels, n_units), strict=True))
        df["region"] = df["id"].map(region)
        described.update(covariates=("x1", "x2"), weights="w", cluster="region")
    if holes:
        df = df.copy()
        df.loc[df.sample(frac=0.05, random_state=seed).index, "y"] = np.nan
        df.loc[df.sample(frac=0.03, random_state=seed + 1).index, "x1"] = np.nan
        described["missing"] = "drop"
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return df, described


def stacked(blocks: list[UnitBlock]) -> dict[str, np.ndarray | None]:
    """The blocks put together, units sorted."""
    units = np.concatenate([b.units for b in blocks])
    order = np.argsort(units, kind="stable")
    out: dict[str, np.ndarray | None] = {}
    for name in FIELDS:
        parts = [getattr(b, name) for b in blocks]
        out[name] = None if parts[0] is None else np.concatenate(parts, axis=-1)[..., order]
    return out
