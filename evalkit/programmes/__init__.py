"""Following a programme: the execution of its budget (AE and CP) by level and period.

::

    from evalkit.programmes import (CreditLines, budget_alerts, consumption_curve,
                                    execution_rates, per_inhabitant, remaining_to_pay)

    lines = CreditLines(table, month="date", bop="bop", scheme="dispositif",
                        territory="commune", territory_family="commune",
                        ae_allocated="ae_ouvertes", ae_committed="ae_engagees",
                        cp_allocated="cp_ouverts", cp_paid="cp_mandates")
    execution_rates(lines, by=["scheme"], period="quarter").table
    curve = consumption_curve(lines, year=2024, by="bop")      # curve and projection
    remaining_to_pay(lines, by="scheme").table                 # AE committed - CP paid
    budget_alerts(lines, year=2024, under_consumption=0.9).summary()
    per_inhabitant(lines, level="departement", year=2024).table

Lines breaking a rule (a negative amount, an unknown territorial code, a date outside the
budget year ...) raise by default; with ``CreditLines(..., on_invalid="exclude")`` they are
set aside and listed in ``lines.excluded`` (their rule keys: :data:`EXCLUSION_RULES`).

A simulated budget of programme 147 in Hauts-de-France (real geography, simulated
money): ``CreditLines(simulate_programme_lines(), **SIMULATED_ROLES)``.

Calls for projects and grants: applications, their decisions and payments::

    from evalkit.programmes import (Applications, beneficiaries_over_years, concentration,
                                    delays, grants_per_inhabitant, priority_share,
                                    selection_rates)

    apps = Applications(table, id="dossier", call="appel", date="date_depot",
                        applicant="porteur", applicant_type="type_porteur",
                        territory="commune", territory_family="commune", priority="qpv",
                        requested="montant_demande", selected="retenu",
                        granted="montant_accorde", decision_date="date_decision",
                        payments=paid, payment_id="dossier", payment_date="date_paiement",
                        payment_amount="montant", on_invalid="exclude")
    apps.excluded                                   # rows set aside, with their rule
    selection_rates(apps, by=["appel", "type_porteur"]).table   # selected / decided
    grants_per_inhabitant(apps, level="departement", amount="paid").table
    priority_share(apps, by="appel").summary()      # share reaching priority neighbourhoods
    concentration(apps, top=(1, 5, 10)).table       # top-k shares, Gini, HHI
    beneficiaries_over_years(apps).table            # new, returning, back after a gap
    delays(apps, threshold=90).table                # application -> decision -> payment

A simulated call for projects with applications from real communes of Hauts-de-France
(everything else simulated): ``Applications(simulate_applications(),
payments=simulate_application_payments(), **SIMULATED_APPLICATION_ROLES)``.

The cost of a result, with Fieller's interval, and whether one cost hides a varying dose::

    cost = cost_of_result(did_result, spent=2_400_000, exposure=120, desired="decrease",
                          effect_unit="point of poverty rate",
                          exposure_unit="1,000 household-years")
    cost.summary(); cost.reading().kind     # "finite", "unbounded", "wrong_direction" ...
    fieller_interval(a, b, var_numerator=v_a, var_denominator=v_b, covariance=v_ab)
    spending_variation(per_inhabitant(lines, level="departement")).varies
"""

from evalkit.programmes.alerts import ALERTS, BudgetAlerts, budget_alerts
from evalkit.programmes.applications import EXCLUSION_RULES as APPLICATION_EXCLUSION_RULES
from evalkit.programmes.applications import Applications, ApplicationsSpec
from evalkit.programmes.beneficiaries import BeneficiariesOverYears, beneficiaries_over_years
from evalkit.programmes.concentration import (
    Concentration,
    concentration,
    gini_coefficient,
    herfindahl_index,
)
from evalkit.programmes.consumption import ConsumptionCurve, consumption_curve
from evalkit.programmes.cost import COST_KINDS, CostOfResult, CostReading, cost_of_result
from evalkit.programmes.credit_lines import (
    AMOUNT_ROLES,
    EXCLUSION_RULES,
    LEVEL_ROLES,
    CreditLines,
    CreditLinesSpec,
)
from evalkit.programmes.delays import DELAYS, Delays, delays
from evalkit.programmes.execution import (
    RATES,
    ExecutionRates,
    RemainingToPay,
    execution_rates,
    remaining_to_pay,
)
from evalkit.programmes.fieller import RATIO_INTERVAL_KINDS, RatioInterval, fieller_interval
from evalkit.programmes.grants_per_inhabitant import GrantsPerInhabitant, grants_per_inhabitant
from evalkit.programmes.per_inhabitant import PerInhabitant, per_inhabitant
from evalkit.programmes.priority_neighbourhoods import PriorityShare, priority_share
from evalkit.programmes.selection import SelectionRates, selection_rates
from evalkit.programmes.simulate import SIMULATED_ROLES, simulate_programme_lines
from evalkit.programmes.simulate_calls import (
    SIMULATED_APPLICATION_ROLES,
    simulate_application_payments,
    simulate_applications,
)
from evalkit.programmes.spending_variation import SpendingVariation, spending_variation

__all__ = [
    "CreditLines",
    "CreditLinesSpec",
    "LEVEL_ROLES",
    "AMOUNT_ROLES",
    "EXCLUSION_RULES",
    "execution_rates",
    "ExecutionRates",
    "RATES",
    "remaining_to_pay",
    "RemainingToPay",
    "consumption_curve",
    "ConsumptionCurve",
    "budget_alerts",
    "BudgetAlerts",
    "ALERTS",
    "per_inhabitant",
    "PerInhabitant",
    "simulate_programme_lines",
    "SIMULATED_ROLES",
    "fieller_interval",
    "RatioInterval",
    "RATIO_INTERVAL_KINDS",
    "cost_of_result",
    "CostOfResult",
    "CostReading",
    "COST_KINDS",
    "spending_variation",
    "SpendingVariation",
    "Applications",
    "ApplicationsSpec",
    "APPLICATION_EXCLUSION_RULES",
    "selection_rates",
    "SelectionRates",
    "grants_per_inhabitant",
    "GrantsPerInhabitant",
    "priority_share",
    "PriorityShare",
    "concentration",
    "Concentration",
    "gini_coefficient",
    "herfindahl_index",
    "beneficiaries_over_years",
    "BeneficiariesOverYears",
    "delays",
    "Delays",
    "DELAYS",
    "simulate_applications",
    "simulate_application_payments",
    "SIMULATED_APPLICATION_ROLES",
]
