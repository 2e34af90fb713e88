"""The simulated programme 147 budget: valid credit lines, reproducible, with its alert."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import CreditLines, budget_alerts, execution_rates
from evalkit.programmes.simulate import SIMULATED_ROLES, simulate_programme_lines


def test_the_table_is_valid_reproducible_and_stops_at_the_month_followed():
    table = simulate_programme_lines(years=(2022, 2023, 2024), as_of_month=9, seed=1)
    pd.testing.assert_frame_equal(table, simulate_programme_lines(
        years=(2022, 2023, 2024), as_of_month=9, seed=1))
    # 2 full years x 12 months + 9 months, for 5 departments x 4 schemes
    assert len(table) == (2 * 12 + 9) * 5 * 4
    lines = CreditLines(table, **SIMULATED_ROLES)
    assert lines.years == (2022, 2023, 2024)
    assert lines.data.query("year == 2024")["month"].max() == 9
    # CP allocated are 95% of the AE allocated, on every January row
    january = table[table["mois"].str.endswith("-01")]
    assert (january["cp_ouverts"] / january["ae_ouvertes"]).to_numpy() == pytest.approx(
        0.95, abs=1e-6)
    full = execution_rates(lines, by="scheme").table.query("year == 2023")
    # commitments are drawn between 93% and 100% of the AE, payments 88% to 99% of the CP
    assert full["ae_commitment_rate"].between(0.93, 1.0).all()
    assert full["cp_consumption_rate"].between(0.88, 0.99).all()


def test_the_lagging_scheme_is_the_one_flagged():
    lines = CreditLines(simulate_programme_lines(), **SIMULATED_ROLES)
    alerts = budget_alerts(lines, year=2024, by="scheme", under_consumption=0.8)
    flagged = alerts.table.loc[alerts.table["alert"] == "projected_under_consumption", "level"]
    # parrainage pays at 60% of its pace: about 0.6 x 0.93 of its CP, far below 80%
    assert flagged.tolist() == ["dispositif=parrainage"]


def test_bad_arguments():
    with pytest.raises(InputError, match="as_of_month=0"):
        simulate_programme_lines(as_of_month=0)
    with pytest.raises(InputError, match="years="):
        simulate_programme_lines(years=(2024, 2023))
