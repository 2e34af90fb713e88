"""A programme's follow-up from a params file: its budget's execution, its calls for projects
and grants, and the cost of its result. No display here.

The credit lines are ``data.file``, their columns declared in ``programme.budget``; the
applications and their payments are ``programme.calls.file`` and ``.payments.file``; the
cost of a result links another params file (``programme.cost.evaluation``) whose design
estimates the programme's effect. Rows that break a rule are excluded and listed
(``programme.on_invalid: exclude``, the default) or stop the run (``raise``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.data import file_sha256
from evalkit.data.csv_format import ReadFormat
from evalkit.data.io import load_table_with_format
from evalkit.errors import DataError, TerritoryError
from evalkit.programmes import (
    Applications,
    BeneficiariesOverYears,
    BudgetAlerts,
    Concentration,
    ConsumptionCurve,
    CostOfResult,
    CreditLines,
    Delays,
    ExecutionRates,
    GrantsPerInhabitant,
    PerInhabitant,
    PriorityShare,
    RemainingToPay,
    SelectionRates,
    SpendingVariation,
    beneficiaries_over_years,
    budget_alerts,
    concentration,
    consumption_curve,
    cost_of_result,
    delays,
    execution_rates,
    grants_per_inhabitant,
    per_inhabitant,
    priority_share,
    remaining_to_pay,
    selection_rates,
    spending_variation,
)
from evalkit.reports.analysis.evaluation import Headline
from evalkit.reports.params.checks import resolve_data_path
from evalkit.reports.params.schema import PolicyParams, load_params

__all__ = ["ProgrammeFollowUp", "BudgetFollowUp", "CostFollowUp", "SourceFile",
           "follow_programme", "follow_budget", "follow_cost"]


@dataclass(frozen=True)
class SourceFile:
    """A file a follow-up read: its path, checksum and how it was read."""

    key: str
    path: Path
    sha256: str
    read_format: ReadFormat | None
    rows: int


@dataclass(frozen=True)
class BudgetFollowUp:
    """Everything the report shows of the budget's execution.

    Attributes
    ----------
    lines
        The validated credit lines (rows breaking a rule excluded: ``lines.excluded``).
    year, as_of_month
        The budget year followed and its last month counted.
    by
        The roles the tables are broken down by.
    total, detail
        Execution rates of ``year`` to ``as_of_month``: of the whole budget, and by
        ``by`` (year to date).
    monthly
        The whole budget's rates by month of ``year`` (year to date at each month).
    curve, curve_by
        The CP consumption curve of the whole budget and by ``by``, with their year-end
        projections.
    remaining
        AE committed minus CP paid by ``by``, up to ``as_of_month``.
    alerts
        The alerts (projected under-consumption, CP paid above AE committed, lines
        without a territory).
    per_inhabitant
        CP paid in ``year`` per inhabitant by territory, or ``None`` without French codes.
    """

    lines: CreditLines
    year: int
    as_of_month: int
    by: tuple[str, ...]
    total: ExecutionRates
    detail: ExecutionRates
    monthly: ExecutionRates
    curve: ConsumptionCurve
    curve_by: ConsumptionCurve | None
    remaining: RemainingToPay
    alerts: BudgetAlerts
    per_inhabitant: PerInhabitant | None


@dataclass(frozen=True)
class CallsFollowUp:
    """Everything the report shows of the calls for projects and grants.

    Attributes
    ----------
    applications
        The validated applications and payments (rows breaking a rule set aside).
    overall, by_call, by_type, by_year
        Selection rates of every application, by call, by applicant type (``None``
        without types) and by year of application.
    priority, priority_overall
        The shares reaching priority neighbourhoods, by year and over every application
        (``None`` without the flag).
    per_inhabitant
        Amounts granted per inhabitant by territory (``None`` without French codes).
    concentration
        Concentration of the amounts granted on the beneficiaries, all years.
    beneficiaries
        Beneficiaries followed over the years.
    delays, delays_overall
        Days from application to decision and to payment, by call and over every
        application.
    files
        The applications file and the payments file, as read.
    """

    applications: Applications
    overall: SelectionRates
    by_call: SelectionRates
    by_type: SelectionRates | None
    by_year: SelectionRates
    priority: PriorityShare | None
    priority_overall: PriorityShare | None
    per_inhabitant: GrantsPerInhabitant | None
    concentration: Concentration | None
    beneficiaries: BeneficiariesOverYears | None
    delays: Delays
    delays_overall: Delays
    files: tuple[str, ...]

    def excluded(self) -> list[tuple[str, pd.DataFrame | None]]:
        """``(file name, rows set aside)`` of the applications and of the payments."""
        excluded = self.applications.excluded
        if excluded is None or not len(excluded):
            return [(self.files[0], excluded)]
        if "table" not in excluded.columns:
            return [(self.files[0], excluded)]
        out = []
        for table, name in zip(("applications", "payments"), self.files, strict=False):
            out.append((name, excluded.loc[excluded["table"] == table].drop(columns="table")))
        return out


@dataclass(frozen=True)
class CostFollowUp:
    """The cost of the result of a linked evaluation.

    Attributes
    ----------
    evaluation
        The linked evaluation's validated params.
    headline
        Its headline estimate (the effect).
    result
        The cost per unit of effect with Fieller's set.
    observations
        How many treated observations (units x periods) the amounts were summed over, or
        ``None`` when ``spent`` and ``exposure`` are numbers.
    spent, exposure
        The amount spent and the exposure (already divided by ``exposure_per``).
    variation
        How spending per inhabitant varies across the treated territories (communes with
        legal populations), or ``None``.
    """

    evaluation: PolicyParams
    headline: Headline
    result: CostOfResult
    observations: int | None
    spent: float
    exposure: float
    variation: SpendingVariation | None


@dataclass(frozen=True)
class ProgrammeFollowUp:
    """Everything a programme follow-up report shows, computed from one params file.

    Attributes
    ----------
    params
        The validated params.
    budget
        The budget's execution.
    calls
        The calls for projects and grants, or ``None``.
    cost
        The cost of the result, or ``None``.
    files
        The files read, with their checksums.
    run_date
        When the follow-up ran (UTC, ISO 8601).
    simulated
        Whether every file read says its rows are simulated (a ``simulated`` column
        equal to 1 on every row).
    """

    params: PolicyParams
    budget: BudgetFollowUp
    calls: Any = None
    cost: Any = None
    files: tuple[SourceFile, ...] = field(default=())
    run_date: str = ""
    simulated: bool = False

    @property
    def language(self) -> str:
        return self.params.language

    def excluded(self) -> list[tuple[str, pd.DataFrame | None]]:
        """``(file name, rows set aside)`` for each table read (see ``excluded`` of
        :class:`~evalkit.programmes.CreditLines` and :class:`~evalkit.programmes.Applications`)."""
        out: list[tuple[str, pd.DataFrame | None]] = [
            (self.files[0].path.name, getattr(self.budget.lines, "excluded", None))]
        if self.calls is not None:
            out += self.calls.excluded()
        return out


def _read(key: str, path: Path, options: dict[str, Any],
          codes: str | None = None) -> tuple[pd.DataFrame, SourceFile]:
    """The table of ``path``, ``codes`` (the column of territorial codes the params
    declare) read as text like any code column, as the user did not have to say so."""
    stated = "text_columns" in options
    if codes is not None:
        text = list(options.get("text_columns") or [])
        options = {**options, "text_columns": text if codes in text else [*text, codes]}
    loaded = load_table_with_format(path, **options)
    read = loaded.read_format
    if read is not None and codes is not None and not stated:
        read = replace(read, stated=read.stated - {"text_columns"})
    return loaded.frame, SourceFile(key, path, file_sha256(path), read, len(loaded.frame))


def _named(error: DataError, key: str, path: Path) -> DataError:
    """The error with the file and the params key it comes from in front."""
    return DataError(f"{key} ({path.name}): {error.message}", error.problems)


def follow_budget(params: PolicyParams, table: pd.DataFrame, path: Path) -> BudgetFollowUp:
    """The budget's execution from the credit lines of ``table`` (read from ``path``)."""
    section = params.programme.budget
    try:
        lines = CreditLines(table, **section.roles(),
                            on_invalid=params.programme.on_invalid)
    except DataError as error:
        raise _named(error, "programme.budget", path) from None
    frame = lines.data
    year = section.year if section.year is not None else max(lines.years)
    if year not in lines.years:
        raise DataError(f"programme.budget.year ({path.name}): the credit lines have no line "
                        f"in {year}; their years are {', '.join(map(str, lines.years))}")
    months = frame.loc[frame["year"] == year, "month"]
    as_of = section.as_of_month if section.as_of_month is not None else int(months.max())
    by = lines.level_columns(section.by) if section.by else _finest(lines)
    rates_total = execution_rates(lines, by=(), period="month")
    rates_detail = execution_rates(lines, by=by, period="month")
    total = _at(rates_total, year, as_of)
    detail = _at(rates_detail, year, as_of)
    monthly = ExecutionRates(by=rates_total.by, period="month", amounts=rates_total.amounts,
                             rates=rates_total.rates,
                             table=rates_total.table.loc[
                                 (rates_total.table["year"] == year)
                                 & (rates_total.table["month"] <= as_of)].reset_index(drop=True))
    previous = section.previous_years
    curve = consumption_curve(lines, year=year, as_of_month=as_of, previous_years=previous)
    curve_by = (consumption_curve(lines, year=year, as_of_month=as_of, by=by,
                                  previous_years=previous) if by else None)
    remaining = remaining_to_pay(lines, by=by, as_of=(year, as_of)) \
        if lines.has("ae_committed", "cp_paid") else None
    alerts = budget_alerts(lines, year=year, as_of_month=as_of, by=by,
                           under_consumption=section.under_consumption,
                           cp_over_ae_tolerance=section.cp_over_ae_tolerance,
                           previous_years=previous)
    level = section.area_level
    spending = None
    if level is not None and "territory" in lines.levels:
        spending = per_inhabitant(lines, level=level, amount="cp_paid", year=year)
    return BudgetFollowUp(lines=lines, year=int(year), as_of_month=int(as_of), by=tuple(by),
                          total=total, detail=detail, monthly=monthly, curve=curve,
                          curve_by=curve_by, remaining=remaining, alerts=alerts,
                          per_inhabitant=spending)


def _finest(lines: CreditLines) -> tuple[str, ...]:
    """The finest level of the hierarchy declared (the territory is not a level of it)."""
    hierarchy = [r for r in lines.levels if r != "territory"]
    return tuple(hierarchy[-1:])


def _at(rates: ExecutionRates, year: int, month: int) -> ExecutionRates:
    """The rates of one month (year to date), as their own result."""
    table = rates.table
    rows = table.loc[(table["year"] == year) & (table["month"] == month)].reset_index(drop=True)
    return ExecutionRates(by=rates.by, period="month", amounts=rates.amounts, rates=rates.rates,
                          table=rows)


def follow_programme(params: PolicyParams | str | Path) -> ProgrammeFollowUp:
    """Read the files a programme's params name and compute its follow-up.

    Parameters
    ----------
    params
        Validated params with a ``programme`` section, or the path of such a file.

    Raises
    ------
    DataError
        Naming the file and the params key of the data that cannot be used.
    """
    if not isinstance(params, PolicyParams):
        params = load_params(params)
    if params.programme is None:
        raise DataError(f"{params.params_path.name}: has no programme section to follow")
    table, source = _read("data.file", params.data_path, params.data.load_options(),
                          params.programme.budget.territory)
    budget = follow_budget(params, table, params.data_path)
    files = [source]
    simulated = [_simulated(table)]
    calls = None
    if params.programme.calls is not None:
        calls, call_sources, call_tables = follow_calls(params)
        files += call_sources
        simulated += [_simulated(t) for t in call_tables]
    cost = None
    if params.programme.cost is not None:
        cost, cost_sources, cost_data = follow_cost(params)
        files += cost_sources
        simulated.append(_simulated(cost_data))
    return ProgrammeFollowUp(
        params=params, budget=budget, calls=calls, cost=cost, files=tuple(files),
        run_date=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        simulated=all(simulated))


def _simulated(table: pd.DataFrame) -> bool:
    return "simulated" in table.columns and bool((table["simulated"] == 1).all())


def _treated_rows(evaluation: PolicyParams, data: pd.DataFrame) -> np.ndarray:
    """The treated observations of an evaluation's data: treated units from their first
    treated period (``first_treated``), rows with a positive ``treatment``, or treated rows
    after the change (``did_2x2``)."""
    d = evaluation.design
    if d.estimator == "did_2x2":
        from evalkit.reports.analysis.two_periods import with_post_column

        data, post = with_post_column(evaluation, data)
        return ((pd.to_numeric(data[d.treated], errors="coerce") > 0)
                & (pd.to_numeric(data[post], errors="coerce") > 0)).to_numpy()
    if d.first_treated:
        first = pd.to_numeric(data[d.first_treated], errors="coerce").to_numpy(dtype=float)
        time = pd.to_numeric(data[d.time], errors="coerce").to_numpy(dtype=float)
        never = np.isnan(first) | np.isinf(first) | (first == 0)
        return ~never & (time >= np.where(never, np.inf, first))
    return (pd.to_numeric(data[d.treatment], errors="coerce") > 0).to_numpy()


def _summed(value: str | float, data: pd.DataFrame, rows: np.ndarray, key: str,
            evaluation: PolicyParams) -> float:
    if not isinstance(value, str):
        return float(value)
    if value not in data.columns:
        raise DataError(f"{key}={value!r}: must be a column of the evaluation's data "
                        f"({evaluation.data_path.name}); got {value!r}")
    values = pd.to_numeric(data.loc[rows, value], errors="coerce")
    missing = values.isna().to_numpy()
    if missing.any():
        shown = ", ".join(str(i + 1) for i in np.flatnonzero(rows)[missing][:5])
        raise DataError(f"{key}={value!r} ({evaluation.data_path.name}): "
                        f"{int(missing.sum()):,} of the {int(rows.sum()):,} treated "
                        f"observations have no number (rows {shown}); every treated "
                        "observation needs its amount")
    return float(values.sum())


def follow_cost(params: PolicyParams) -> tuple[CostFollowUp, list[SourceFile], pd.DataFrame]:
    """The cost of the result of the evaluation ``programme.cost`` links.

    The evaluation's headline effect is estimated as its own report estimates it; the
    amount spent and the exposure are numbers or sums of columns of the evaluation's data
    over its treated observations.
    """
    from evalkit.reports.analysis.evaluation import estimate, load_data

    section = params.programme.cost
    path = section.evaluation_path(params.params_path)
    evaluation = load_params(path)
    if evaluation.design is None:
        raise DataError(f"programme.cost.evaluation ({path.name}): must have a design whose "
                        "effect the cost divides by; it has none")
    loaded = load_data(evaluation)
    estimation = estimate(evaluation, loaded)
    headline = estimation.headline
    data = loaded.data
    rows = _treated_rows(evaluation, data)
    spent = _summed(section.spent, data, rows, "programme.cost.spent", evaluation)
    exposure = _summed(section.exposure, data, rows, "programme.cost.exposure",
                       evaluation) / section.exposure_per
    if spent <= 0 or exposure <= 0:
        raise DataError(f"programme.cost ({path.name}): the amount spent ({spent:,.2f}) and "
                        f"the exposure ({exposure:,.6g}) over the {int(rows.sum()):,} treated "
                        "observations must both be positive")
    main = estimation.main
    effect: Any = main if main is not None and headline.estimate == main.estimate else \
        headline.estimate
    result = cost_of_result(
        effect, spent, exposure=exposure, desired=section.desired,
        std_error=None if effect is main else headline.std_error,
        level=1 - headline.alpha, effect_unit=section.effect_unit or "",
        exposure_unit=section.label or "")
    variation = _variation(evaluation, data, rows, section.spent,
                           section.variation_threshold)
    sources = [SourceFile("programme.cost.evaluation", path, file_sha256(path), None, 0),
               SourceFile("programme.cost.evaluation:data.file", evaluation.data_path,
                          loaded.data_sha256, loaded.read_format, len(data))]
    observations = int(rows.sum()) if isinstance(section.spent, str) \
        or isinstance(section.exposure, str) else None
    return (CostFollowUp(evaluation=evaluation, headline=headline, result=result,
                         observations=observations, spent=spent, exposure=exposure,
                         variation=variation), sources, data)


def _variation(evaluation: PolicyParams, data: pd.DataFrame, rows: np.ndarray,
               spent: str | float, threshold: float) -> SpendingVariation | None:
    """Spending per inhabitant across the treated territories, when the evaluation's units
    are French communes (legal populations of the referential) and ``spent`` a column."""
    unit = evaluation.design.unit
    if not isinstance(spent, str) or unit is None:
        return None
    from evalkit.territories import Referential, infer_level

    codes = data.loc[rows, unit].astype(str)
    try:
        referential, level = infer_level(pd.Series(codes.unique()))
    except TerritoryError:  # codes of no known level: no variation to state
        return None
    if referential is not Referential.france():
        return None
    population = referential.population(level).set_index("code")["population"]
    amounts = pd.to_numeric(data.loc[rows, spent], errors="coerce").groupby(codes).sum()
    known = amounts.index.intersection(population.dropna().index)
    if len(known) < 2:
        return None
    return spending_variation(amounts.loc[known], population.loc[known], threshold=threshold)


def follow_calls(params: PolicyParams) -> tuple[CallsFollowUp, list[SourceFile],
                                                list[pd.DataFrame]]:
    """The calls for projects and grants of ``programme.calls``: the applications (and
    their payments) read, checked and summarised."""
    section = params.programme.calls
    path = resolve_data_path(section.file, params.params_path)
    table, source = _read("programme.calls.file", path,
                          {"sheet": section.read.sheet, **section.read.load_options()},
                          section.territory)
    sources, tables = [source], [table]
    payments = None
    if section.payments is not None:
        pay_path = resolve_data_path(section.payments.file, params.params_path)
        payments, pay_source = _read(
            "programme.calls.payments.file", pay_path,
            {"sheet": section.payments.read.sheet, **section.payments.read.load_options()})
        sources.append(pay_source)
        tables.append(payments)
    try:
        apps = Applications(table, payments=payments, **section.roles(),
                            on_invalid=params.programme.on_invalid)
    except DataError as error:
        raise _named(error, "programme.calls", path) from None
    has_type = section.applicant_type is not None
    level = section.area_level
    granted = section.granted is not None
    follow = CallsFollowUp(
        applications=apps, overall=selection_rates(apps, by=None),
        by_call=selection_rates(apps, by="call"),
        by_type=selection_rates(apps, by="applicant_type") if has_type else None,
        by_year=selection_rates(apps, by="year"),
        priority=priority_share(apps, by="year") if section.priority else None,
        priority_overall=priority_share(apps) if section.priority else None,
        per_inhabitant=(grants_per_inhabitant(apps, level=level, amount="granted")
                        if level is not None and section.territory and granted else None),
        concentration=(concentration(apps, amount="granted", top=tuple(section.top))
                       if granted else None),
        beneficiaries=beneficiaries_over_years(apps) if granted else None,
        delays=delays(apps, by="call", threshold=section.delay_days),
        delays_overall=delays(apps, threshold=section.delay_days),
        files=tuple(s.path.name for s in sources))
    return follow, sources, tables
