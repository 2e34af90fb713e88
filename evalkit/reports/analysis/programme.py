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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.data import file_sha256
from evalkit.data.csv_format import ReadFormat
from evalkit.data.io import load_table_with_format
from evalkit.errors import DataError
from evalkit.programmes import (
    BudgetAlerts,
    ConsumptionCurve,
    CreditLines,
    ExecutionRates,
    PerInhabitant,
    RemainingToPay,
    budget_alerts,
    consumption_curve,
    execution_rates,
    per_inhabitant,
    remaining_to_pay,
)
from evalkit.reports.params.schema import PolicyParams, load_params

__all__ = ["ProgrammeFollowUp", "BudgetFollowUp", "SourceFile", "follow_programme",
           "follow_budget"]


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
        The CP consumption curve of the whole budget and by the first of ``by``, with
        their year-end projections.
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


def _read(key: str, path: Path, options: dict[str, Any]) -> tuple[pd.DataFrame, SourceFile]:
    loaded = load_table_with_format(path, **options)
    return loaded.frame, SourceFile(key, path, file_sha256(path), loaded.read_format,
                                    len(loaded.frame))


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
    curve_by = (consumption_curve(lines, year=year, as_of_month=as_of, by=by[:1],
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
    table, source = _read("data.file", params.data_path,
                          _with_text(params.data.load_options(),
                                     params.programme.budget.territory))
    budget = follow_budget(params, table, params.data_path)
    files = [source]
    simulated = [_simulated(table)]
    return ProgrammeFollowUp(
        params=params, budget=budget, files=tuple(files),
        run_date=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        simulated=all(simulated))


def _with_text(options: dict[str, Any], column: str | None) -> dict[str, Any]:
    """The reading options with ``column`` (territorial codes) read as text."""
    if column is None:
        return options
    text = list(options.get("text_columns") or [])
    return {**options, "text_columns": [*text, column] if column not in text else text}


def _simulated(table: pd.DataFrame) -> bool:
    return "simulated" in table.columns and bool((table["simulated"] == 1).all())
