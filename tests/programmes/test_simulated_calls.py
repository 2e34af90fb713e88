"""The simulated calls for projects: real communes of Hauts-de-France, coherent decisions
and payments, the same tables for the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.programmes import (
    SIMULATED_APPLICATION_ROLES,
    Applications,
    beneficiaries_over_years,
    selection_rates,
    simulate_application_payments,
    simulate_applications,
)
from evalkit.territories import Referential


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_applications(), simulate_application_payments()


def test_same_seed_same_tables_and_another_seed_others(simulated):
    table, paid = simulated
    pd.testing.assert_frame_equal(table, simulate_applications())
    pd.testing.assert_frame_equal(paid, simulate_application_payments())
    other = simulate_applications(seed=7)
    assert not other["montant_demande"].equals(table["montant_demande"])


def test_calls_applicants_and_real_communes(simulated):
    table, _ = simulated
    calls = table["appel"].value_counts()
    for year in (2021, 2022, 2023, 2024):
        # a few hundred to a couple of thousand applications per year
        assert 300 <= calls[f"Appel à projets politique de la ville {year}"] <= 2000
    assert calls["Micro-Folies"] > 0
    assert set(table["type_porteur"]) == {"association", "commune", "établissement public",
                                          "entreprise"}
    france = Referential.france().table.set_index("commune_code")
    codes = table["commune"]
    assert codes.isin(france.index).all()
    assert set(france.loc[codes, "departement_code"]) == {"02", "59", "60", "62", "80"}
    # larger communes are favoured: most applications come from communes of 10,000
    # inhabitants or more, which are few among the region's communes
    large = france.loc[codes, "population"].to_numpy() >= 10_000
    region = france.loc[france["departement_code"].isin(["02", "59", "60", "62", "80"])]
    assert large.mean() > 0.5 > (region["population"] >= 10_000).mean()
    assert table["dossier"].is_unique


def test_decisions_grants_and_payments_are_coherent(simulated):
    table, paid = simulated
    apps = Applications(table, payments=paid, **SIMULATED_APPLICATION_ROLES)
    assert apps.excluded.empty  # every rule holds (grant <= requested, payments <= grant ...)
    data = apps.data
    assert 0 < (~data["decided"]).sum() < 0.1 * len(data)  # some still undecided
    last = data.loc[data["call"] == "Appel à projets politique de la ville 2024"]
    assert (~last["decided"]).any()
    rates = selection_rates(apps, by=None).table.iloc[0]
    assert 0.5 < rates["selection_rate"] < 0.8
    assert (data["granted"] <= data["requested"]).all()
    assert ((data["payments"] >= 2) & (data["paid"] > 0)).any()  # paid in instalments
    assert (data.loc[data["payments"] > 0, "paid"] <= data.loc[data["payments"] > 0,
                                                               "granted"] + 0.005).all()
    # associations funded several years running
    b = beneficiaries_over_years(apps).beneficiaries
    running = b.loc[b["applicant"].str.startswith("Association") & (b["longest_run"] >= 3)]
    assert len(running) >= 20
    assert table["porteur"].str.contains("simulé").any()
    assert set(table["qpv"]) == {"oui", "non"}
    assert np.isin(table["retenu"].dropna(), ["oui", "non"]).all()


def test_bad_arguments():
    with pytest.raises(InputError, match="years="):
        simulate_applications(years=(2024, 2023))
    with pytest.raises(InputError, match="per_year=5"):
        simulate_applications(per_year=5)
    with pytest.raises(InputError, match="as_of='soon'"):
        simulate_application_payments(as_of="soon")
