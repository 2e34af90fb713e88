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

The cost of a result, with Fieller's interval, and whether one cost hides a varying dose::

    cost = cost_of_result(did_result, spent=2_400_000, exposure=120, desired="decrease",
                          effect_unit="point of poverty rate",
                          exposure_unit="1,000 household-years")
    cost.summary(); cost.reading().kind     # "finite", "unbounded", "wrong_direction" ...
    fieller_interval(a, b, var_numerator=v_a, var_denominator=v_b, covariance=v_ab)
    spending_variation(per_inhabitant(lines, level="departement")).varies
"""

from evalkit.programmes.alerts import ALERTS, BudgetAlerts, budget_alerts
from evalkit.programmes.consumption import ConsumptionCurve, consumption_curve
from evalkit.programmes.cost import COST_KINDS, CostOfResult, CostReading, cost_of_result
from evalkit.programmes.credit_lines import (
    AMOUNT_ROLES,
    EXCLUSION_RULES,
    LEVEL_ROLES,
    CreditLines,
    CreditLinesSpec,
)
from evalkit.programmes.execution import (
    RATES,
    ExecutionRates,
    RemainingToPay,
    execution_rates,
    remaining_to_pay,
)
from evalkit.programmes.fieller import RATIO_INTERVAL_KINDS, RatioInterval, fieller_interval
from evalkit.programmes.per_inhabitant import PerInhabitant, per_inhabitant
from evalkit.programmes.simulate import SIMULATED_ROLES, simulate_programme_lines
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
]
