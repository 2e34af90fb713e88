"""continuous_did(level_event_study="dose_as_indicator"): R ``contdid``'s level event study.

Reference values (R package ``contdid`` 0.1.0, GitHub bcallaway11/contdid)
-----------------------------------------------------------------------------------------
[README]  README.md at commit e336928 (2025-06-09; the chunk's output is unchanged since commit
          145933c, 2025-02-06), "Event study aggregation for ATT", on the panel of
          ``tests/did/data`` (``set.seed(1234); simulate_contdid_data(n = 5000,
          num_time_periods = 4, num_groups = 4, dose_linear_effect = 0,
          dose_quadratic_effect = 0)``), ``cont_did(yname="Y", tname="time_period",
          idname="id", dname="D", data=df, gname="G", target_parameter="level",
          aggregation="eventstudy", treatment_type="continuous",
          control_group="notyettreated", biters=100, cband=TRUE, num_knots=1, degree=3)``:
          event times -2..2 = -0.0222, 0.0116, -0.0039, -0.0160, -0.0839 (bootstrap
          standard errors 0.0504, 0.0271, 0.0299, 0.0397, 0.0419), overall ATT -0.0243
          (0.0289).

How R computes it (contdid R/cont_did.R at e336928, the same path since commit fc04258 of
2025-01-21): for ``target_parameter="level", aggregation="eventstudy"`` the cell function is
``ptetools::did_attgt`` (line 165, passed to ``pte`` at lines 335-361), fed by
``cont_two_by_two_subset``, which keeps the dose in ``D`` (line 562,
``this.data$D <- this.data$D * (this.data$G == g)``: the cohort's dose, 0 for the
comparison units). ``did_attgt`` (ptetools R/attgt_functions.R, lines 27-65 at 30ad27c of
2025-02-04) passes that ``D`` as the
treatment dummy to ``DRDID::drdid_panel`` (intercept only): a logit of the dose on a
constant (p = mean dose), treated weights ``D``, comparison weights
``p (1 - D) / (1 - p)``, which also weigh the cohort's own units. The event study averages
the cells over cohorts with weights proportional to cohort size; the overall ATT is
``pte_aggte(type = "group")`` (ptetools R/pte.R, line 316 at 30ad27c), the average of the
post-treatment cells by cohort, then over cohorts by size. R's standard errors come from
100 multiplier bootstrap draws (an IQR-based estimate with roughly 10-15% simulation
error); the analytic ones here are checked against a numerical derivative of an
independent computation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.data.panel import Panel
from evalkit.did._continuous_compute import fit_cells, plan_cells
from evalkit.did._continuous_data import prepare
from evalkit.did._continuous_dose_indicator import aggregate_dose_indicator
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.continuous import continuous_did
from evalkit.errors import DataError, InputError
from evalkit.results import EventStudyResult

DATA = Path(__file__).parent / "data" / "contdid_readme_panel.csv.gz"
COLUMNS = {"outcome": "Y", "unit": "id", "time": "time_period", "dose": "D",
           "first_treated": "G"}
OPTIONS = {"num_knots": 1, "degree": 3, "control_group": "not_yet_treated",
           "aggregation": "event_time", "uniform_band": False,
           "level_event_study": "dose_as_indicator"}
PRINTED = 0.5e-4
README_EVENTS = (-2, -1, 0, 1, 2)
README_LEVEL = (-0.0222, 0.0116, -0.0039, -0.0160, -0.0839)  # [README]
README_OVERALL = -0.0243  # [README]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def study(panel) -> EventStudyResult:
    return continuous_did(panel, **COLUMNS, **OPTIONS).event_study()


# ------------------------------------------------------------------ an independent computation
def _cells_by_hand(frame: pd.DataFrame, weight: pd.Series, base_period: str = "varying"
                   ) -> dict[tuple[int, int], float]:
    """drdid_panel with the dose as D, written out per cell with unit weights (not-yet-treated
    comparisons)."""
    wide = frame.pivot(index="id", columns="time_period", values="Y")
    unit = frame.drop_duplicates("id").set_index("id").loc[wide.index]
    w = weight.loc[wide.index].to_numpy()
    cohort, dose = unit["G"].to_numpy(), unit["D"].to_numpy()
    out = {}
    for g in (2, 3, 4):
        for t in (1, 2, 3, 4):
            b = t - 1 if t < g and base_period == "varying" else g - 1
            if b < 1 or b == t:
                continue
            # comparison cohorts untreated in both periods (R: G > t, the same here except
            # for the universal base period's pre-treatment cells)
            keep = (cohort == g) | (cohort > max(t, b)) | (cohort == 0)
            d = np.where(cohort == g, dose, 0.0)[keep]
            ww = w[keep]
            dy = (wide[t] - wide[b]).to_numpy()[keep]
            m0 = np.average(dy[d == 0], weights=ww[d == 0])
            p = np.average(d, weights=ww)
            w1, w0 = ww * d, ww * p * (1 - d) / (1 - p)
            out[(g, t)] = (np.sum(w1 * (dy - m0)) / w1.sum()
                           - np.sum(w0 * (dy - m0)) / w0.sum())
    return out


def _event_study_by_hand(frame: pd.DataFrame, weight: pd.Series) -> np.ndarray:
    cells = _cells_by_hand(frame, weight)
    unit = frame.drop_duplicates("id").set_index("id")
    size = {g: weight.loc[unit.index[unit["G"] == g]].sum() for g in (2, 3, 4)}
    out = []
    for e in README_EVENTS:
        here = [(g, g + e) for g in (2, 3, 4) if (g, g + e) in cells]
        out.append(sum(size[g] * cells[(g, t)] for g, t in here)
                   / sum(size[g] for g, _ in here))
    return np.array(out)


# ------------------------------------------------------------------ the reference values
def test_readme_level_event_study(study):
    assert study.event_time == README_EVENTS
    for term, printed in zip(study.estimates.index, README_LEVEL, strict=True):
        assert abs(study.estimates[term] - printed) <= PRINTED, term
    assert study.pretrend is not None and study.pretrend.df == (2,)


def test_feeds_honest_did_and_the_event_study_plot(panel, study):
    from evalkit.plots import plot_event_study
    from evalkit.robustness.honest import honest_did

    assert plot_event_study(study) is not None
    # honest_did needs one reference period: the universal base period
    universal = continuous_did(panel, **COLUMNS, **OPTIONS,
                               base_period="universal").event_study()
    assert universal.reference_period == -1 and -1 not in universal.event_time
    by_hand = _cells_by_hand(panel, pd.Series(1.0, index=panel["id"].unique()),
                             base_period="universal")
    size = panel.drop_duplicates("id")["G"].value_counts()
    expected = (size[2] * by_hand[(2, 2)] + size[3] * by_hand[(3, 3)]
                + size[4] * by_hand[(4, 4)]) / (size[2] + size[3] + size[4])
    assert abs(universal.estimates["e0"] - expected) < 1e-10
    expected = ((size[3] * by_hand[(3, 1)] + size[4] * by_hand[(4, 2)])
                / (size[3] + size[4]))
    assert abs(universal.estimates["e-2"] - expected) < 1e-10
    assert honest_did(universal, m_values=[0.5, 1.0]).tidy().shape[0] >= 2
    assert plot_event_study(universal) is not None


def test_readme_overall_of_the_level_event_study(panel):
    # R prints pte_aggte(type="group") of these cells; the result's overall() stays ATT^o,
    # so the same aggregation is checked on the numerics
    prepared = prepare(panel, **COLUMNS, anticipation=0)
    design = prepared.design
    cells, _ = plan_cells(design, prepared.periods.size, control_group="not_yet_treated",
                          base_period="varying", anticipation=0)
    fit_cells(design, cells, degree=3, knots=None)
    weights = np.zeros((cells.size, 1))
    for code in range(design.n_cohorts):
        own = cells.of(code)
        own = own[cells.event[own] >= 0]
        weights[own, 0] = 1.0 / own.size
    theta, psi = aggregate_dose_indicator(design, cells, weights)
    assert abs(theta[0] - README_OVERALL) <= PRINTED
    assert abs(psi.mean()) < 1e-12


def test_standard_errors_are_the_influence_function_of_an_independent_computation(panel,
                                                                                 study):
    """Each unit's influence is the derivative of the estimate in its weight (times n):
    a numerical derivative of the per-cell computation written out above."""
    n = panel["id"].nunique()
    result = continuous_did(panel, **COLUMNS, **OPTIONS)
    prepared = prepare(panel, **COLUMNS, anticipation=0)
    design = prepared.design
    cells, _ = plan_cells(design, prepared.periods.size, control_group="not_yet_treated",
                          base_period="varying", anticipation=0)
    fit_cells(design, cells, degree=3, knots=None)
    events = np.unique(cells.event)
    _, psi = aggregate_dose_indicator(design, cells,
                                      (cells.event[:, None] == events[None, :]).astype(float))
    np.testing.assert_allclose(np.sqrt(np.diag(psi.T @ psi)) / n,
                               result.event_study().std_errors.to_numpy(), rtol=1e-12)
    # units sorted as in the design: cohorts 2, 3, 4 then the never treated
    unit = panel.drop_duplicates("id").set_index("id")
    order = unit.sort_values("G", key=lambda g: g.where(g > 0, np.inf), kind="stable").index
    base = pd.Series(1.0, index=unit.index)
    theta = _event_study_by_hand(panel, base)
    step = 1e-4
    for position in (0, 1800, 2700, 4000, 4999):
        bumped = base.copy()
        bumped.loc[order[position]] += step
        numeric = n * (_event_study_by_hand(panel, bumped) - theta) / step
        np.testing.assert_allclose(psi[position], numeric, rtol=1e-3, atol=1e-3)
    # R's bootstrap standard errors (100 draws) are within their simulation error
    printed_se = np.array([0.0504, 0.0271, 0.0299, 0.0397, 0.0419])  # [README]
    assert np.all(np.abs(study.std_errors.to_numpy() / printed_se - 1) < 0.3)


# ------------------------------------------------------------------ identities
def test_unit_doses_give_the_binary_event_study(panel):
    frame = panel.copy()
    frame["D"] = np.where(frame["G"] > 0, 1.0, 0.0)
    mine = continuous_did(frame, **COLUMNS, **OPTIONS).event_study()
    theirs = callaway_santanna(
        Panel(frame, unit="id", time="time_period", outcome="Y", first_treated="G"),
        control_group="not_yet_treated", method="outcome_regression").event_study()
    assert mine.event_time == theirs.event_time
    np.testing.assert_allclose(mine.coefficients.estimate, theirs.coefficients.estimate,
                               atol=1e-10)
    np.testing.assert_allclose(mine.coefficients.std_error, theirs.coefficients.std_error,
                               atol=1e-10)


def test_differs_from_the_binary_event_study_with_heterogeneous_doses(panel, study):
    binary = continuous_did(panel, **COLUMNS, **{**OPTIONS, "level_event_study": "binary"})
    # the binary cells of the same panel (Callaway & Sant'Anna's): -0.0297 at e = -2
    assert abs(binary.event_study().estimates.iloc[0] - study.estimates.iloc[0]) > 5e-3
    assert binary.specification.level_event_study == "binary"


def test_known_truth_dose_effect():
    """Y(d) - Y(0) = 2 d after treatment: the cells estimate
    2 [E(D^2) / E(D) - E(D (1 - D)) / (n_0 / n_g + E(1 - D))] and zero before."""
    rng = np.random.default_rng(7)
    n, periods = 20_000, 4
    cohort = rng.choice([0, 2, 3, 4], size=n)
    dose = np.where(cohort > 0, rng.uniform(0, 1, n), 0.0)
    fixed = rng.normal(cohort, 1.0)
    rows = []
    for t in range(1, periods + 1):
        effect = 2.0 * dose * ((cohort > 0) & (cohort <= t))
        rows.append(pd.DataFrame({"id": np.arange(n), "time_period": t, "G": cohort,
                                  "D": dose, "Y": t + fixed + effect + rng.normal(size=n)}))
    frame = pd.concat(rows, ignore_index=True)
    result = continuous_did(frame, **COLUMNS, **{**OPTIONS, "num_knots": 0})
    study = result.event_study()
    z = (study.estimates / study.std_errors).to_numpy()
    assert np.all(np.abs(z[:2]) < 4)  # placebo periods
    # at e = 2 only cohort 2 in period 4, compared with the never treated
    g2 = dose[cohort == 2]
    n0 = np.sum(cohort == 0)
    truth = 2 * (np.mean(g2 ** 2) / np.mean(g2)
                 - np.mean(g2 * (1 - g2)) / (n0 / g2.size + np.mean(1 - g2)))
    assert abs(study.estimates["e+2"] - truth) < 4 * study.std_errors["e+2"]


# ------------------------------------------------------------------ invariances
def test_row_order_unit_labels_and_outcome_shift(panel, study):
    rng = np.random.default_rng(3)
    frame = panel.sample(frac=1.0, random_state=5).reset_index(drop=True)
    frame["id"] = frame["id"].map(dict(zip(panel["id"].unique(),
                                           rng.permutation(10 * panel["id"].nunique())[
                                               :panel["id"].nunique()], strict=True)))
    frame["Y"] = frame["Y"] + 123.0
    other = continuous_did(frame, **COLUMNS, **OPTIONS).event_study()
    np.testing.assert_allclose(other.estimates, study.estimates, atol=1e-9)
    np.testing.assert_allclose(other.std_errors, study.std_errors, rtol=1e-9)


def test_input_frame_is_not_modified(panel):
    frame = panel.copy()
    before = frame.copy()
    continuous_did(frame, **COLUMNS, **OPTIONS)
    pd.testing.assert_frame_equal(frame, before)


# ------------------------------------------------------------------ bad input
def test_doses_above_one_name_the_rows(panel):
    frame = panel.copy()
    frame.loc[frame["id"] == 1, "D"] = 1.5
    with pytest.raises(DataError, match=r"doses above 1 in 4 rows \(rows 1, 2, 3 and 4"):
        continuous_did(frame, **COLUMNS, **OPTIONS)
    # the binary level event study has no such limit
    continuous_did(frame, **COLUMNS, **{**OPTIONS, "level_event_study": "binary"})


@pytest.mark.parametrize(("target", "aggregation"), [("slope", "event_time"),
                                                     ("level", "dose")])
def test_only_for_the_level_event_study(panel, target, aggregation):
    with pytest.raises(InputError, match="level_event_study='dose_as_indicator': applies to "
                                         f"the level event study only.*target={target!r}"):
        continuous_did(panel, **COLUMNS, **{**OPTIONS, "target": target,
                                            "aggregation": aggregation})


def test_unknown_choice(panel):
    with pytest.raises(InputError, match="level_event_study='dose'"):
        continuous_did(panel, **COLUMNS, **{**OPTIONS, "level_event_study": "dose"})
