"""Random panels, and the comparison of an engine panel's blocks with a Panel's.

Shared by the tests of the panels held by an engine: ``random_panel`` draws a valid
difference-in-differences panel (treated units with a pre-treatment period, never-treated
units, units first treated after the last period), in shuffled row order, with the
options an engine must honour; ``assert_same_blocks`` checks that two engine panels
hand out the same units with the same arrays, block boundaries aside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.data.unit_blocks import EnginePanel

ARRAYS = ("units", "cohort", "outcome", "observed", "weights", "covariates", "cluster")


def random_panel(seed: int, *, units: int = 40, periods: int = 5, balanced: bool = True,
                 text_units: bool = False, covariates: int = 2, holes: int = 0) -> pd.DataFrame:
    """A panel with columns unit, year, y, g (first treatment period, 0 = never), D
    (0/1 treatment), x0, x1 ... (covariates), w (weights) and region (a cluster, constant
    within unit), its rows shuffled.

    Periods are irregular (2001, 2003, 2004, ...). ``balanced=False`` drops about a
    fifth of the rows (every unit keeps its first period); ``holes`` puts that many
    missing outcomes in (for ``missing="drop"``).
    """
    rng = np.random.default_rng(seed)
    years = np.cumsum(rng.integers(1, 3, size=periods)) + 2000
    ids = rng.permutation(units) * 7 + 3
    unit_ids = np.array([f"u{i}" for i in ids], dtype=object) if text_units else ids
    # never treated (0), treated at the 2nd, 3rd or last period, or after the end
    cohorts = rng.choice(np.r_[0, years[1:3], years[-1], years[-1] + 5], size=units)
    cohorts[:2] = [0, years[1]]  # at least one never-treated and one treated unit
    region = np.array([f"r{k}" for k in rng.integers(0, 4, size=units)], dtype=object)
    frame = pd.DataFrame({
        "unit": np.repeat(unit_ids, periods),
        "year": np.tile(years, units),
        "y": rng.normal(size=units * periods),
        "g": np.repeat(cohorts, periods),
        "w": rng.uniform(0.5, 2.0, size=units * periods),
        "region": np.repeat(region, periods),
    })
    for k in range(covariates):
        frame[f"x{k}"] = rng.normal(size=len(frame))
    frame["D"] = ((frame["g"] > 0) & (frame["year"] >= frame["g"])).astype(np.int64)
    if not balanced:
        first = frame["year"] == years[0]
        frame = frame.loc[first | (rng.uniform(size=len(frame)) > 0.2)]
    if holes:
        where = rng.choice(len(frame), size=holes, replace=False)
        frame.iloc[where, frame.columns.get_loc("y")] = np.nan
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def concatenated(panel: EnginePanel) -> dict[str, np.ndarray | None]:
    """Every block of ``panel``, concatenated along the units."""
    blocks = panel.map_blocks(lambda block: block)
    out: dict[str, np.ndarray | None] = {}
    for name in ARRAYS:
        parts = [getattr(block, name) for block in blocks]
        out[name] = None if parts[0] is None else np.concatenate(parts, axis=-1)
    return out


def assert_same_blocks(panel: EnginePanel, reference: EnginePanel) -> None:
    """``panel`` holds exactly ``reference``'s units, arrays and facts."""
    got, expected = concatenated(panel), concatenated(reference)
    for name in ARRAYS:
        if expected[name] is None:
            assert got[name] is None, name
        else:
            assert got[name] is not None, name
            assert got[name].shape == expected[name].shape, name
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    assert panel.describe() == reference.describe()
    np.testing.assert_array_equal(panel.periods, reference.periods)
    if reference.cluster_labels is None:
        assert panel.cluster_labels is None
    else:
        np.testing.assert_array_equal(panel.cluster_labels, reference.cluster_labels)
