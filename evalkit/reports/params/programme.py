"""The ``programme`` section of a params file: following a programme's budget, its calls for
projects and the cost of its result (see :mod:`evalkit.programmes`).

::

    data:
      file: ../data/bop147_hauts_de_france.csv      # the credit lines
    programme:
      budget:
        month: mois
        bop: bop
        scheme: dispositif
        territory: departement
        territory_family: departement
        ae_allocated: ae_ouvertes
        ae_committed: ae_engagees
        cp_allocated: cp_ouverts
        cp_paid: cp_mandates
        by: [dispositif]
      calls:
        file: ../data/appels_a_projets.csv
        id: dossier
        ...
      cost:
        evaluation: territoires_engagement.yaml
        spent: budget_consumed_eur
        exposure: households
        exposure_per: 1000
        effect_unit: {fr: point de taux de pauvreté, en: point of poverty rate}
        desired: decrease
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from evalkit.reports.params.checks import resolve_data_path
from evalkit.reports.params.read_section import ReadSection, read_options

__all__ = ["BudgetSection", "CallsSection", "PaymentsSection", "CostSection",
           "ProgrammeSection", "programme_problems", "programme_column_references",
           "BUDGET_ROLES", "APPLICATION_ROLES"]

#: The keys of ``programme.budget`` that name a column, as :class:`~evalkit.programmes.
#: CreditLines` takes them.
BUDGET_ROLES: tuple[str, ...] = (
    "month", "programme", "bop", "action", "sub_action", "scheme", "territory",
    "ae_allocated", "ae_committed", "ae_paid", "cp_allocated", "cp_committed", "cp_paid")
#: The keys of ``programme.calls`` that name a column of the applications file.
APPLICATION_ROLES: tuple[str, ...] = (
    "id", "call", "date", "applicant", "applicant_type", "territory", "priority",
    "requested", "selected", "granted", "decision_date")
_LEVELS = Literal["commune", "epci", "departement", "region", "nis"]
_AREAS = Literal["commune", "epci", "departement", "region"]
_AMOUNTS = Literal["ae_allocated", "ae_committed", "ae_paid", "cp_allocated", "cp_committed",
                   "cp_paid"]
Share = Annotated[float, Field(gt=0, le=1)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    KEY: ClassVar[str] = ""


class BudgetSection(_Part):
    """``programme.budget``: the credit lines (the file of ``data.file``) and how they are
    followed.

    Attributes
    ----------
    month, programme, bop, action, sub_action, scheme, territory, ae_allocated,
    ae_committed, ae_paid, cp_allocated, cp_committed, cp_paid
        The columns of the credit lines by role (see :class:`evalkit.programmes.CreditLines`):
        ``month`` and at least ``cp_allocated`` and ``cp_paid`` are needed.
    territory_family
        The family of the territorial codes (``commune``, ``epci``, ``departement``,
        ``region``, ``nis``): they are checked against the referential.
    pad_codes
        Zero-pad territorial codes that lost their leading zeros.
    negative
        Amount roles that may be negative (withdrawn commitments).
    budget_year
        For a file of one budget year: every line must be dated in it (lines dated
        outside break a rule). Leave it out when the file holds the previous years too
        (the projection needs them).
    year
        The budget year followed (default: the latest year of the lines).
    as_of_month
        The last month counted (default: the latest month of that year in the lines).
    previous_years
        How many previous years the profile and the projection use (default: all).
    by
        The levels the execution tables, the curves and the alerts are broken down by
        (roles such as ``scheme`` or the file's column names); default: the finest
        level of the hierarchy declared.
    under_consumption
        Alert when a level's projected year-end CP consumption is below this share of
        its allocation (default 0.9).
    cp_over_ae_tolerance
        Alert when CP paid exceed AE committed by more than this share of the AE committed
        (default 0: any excess).
    per_inhabitant
        The territorial level of the amounts per inhabitant and their map (default: the
        level of ``territory_family``, for French codes).
    label
        What the budget is, for the report (e.g. ``BOP 147 Hauts-de-France``).
    """

    KEY: ClassVar[str] = "programme.budget"

    month: StrictStr
    programme: StrictStr | None = None
    bop: StrictStr | None = None
    action: StrictStr | None = None
    sub_action: StrictStr | None = None
    scheme: StrictStr | None = None
    territory: StrictStr | None = None
    territory_family: _LEVELS | None = None
    pad_codes: StrictBool = False
    ae_allocated: StrictStr | None = None
    ae_committed: StrictStr | None = None
    ae_paid: StrictStr | None = None
    cp_allocated: StrictStr
    cp_committed: StrictStr | None = None
    cp_paid: StrictStr
    negative: list[_AMOUNTS] = Field(default_factory=list)
    budget_year: StrictInt | None = None
    year: StrictInt | None = None
    as_of_month: Annotated[int, Field(ge=1, le=12, strict=True)] | None = None
    previous_years: Annotated[int, Field(ge=1, strict=True)] | None = None
    by: list[StrictStr] = Field(default_factory=list)
    under_consumption: Annotated[float, Field(gt=0, le=1)] = 0.9
    cp_over_ae_tolerance: Annotated[float, Field(ge=0)] = 0.0
    per_inhabitant: _AREAS | None = None
    label: StrictStr | None = None

    def roles(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~evalkit.programmes.CreditLines` (without the data)."""
        out: dict[str, Any] = {r: getattr(self, r) for r in BUDGET_ROLES
                               if getattr(self, r) is not None}
        if self.territory_family is not None:
            out["territory_family"] = self.territory_family
        out["negative"] = tuple(self.negative)
        out["pad"] = self.pad_codes
        if self.budget_year is not None:
            out["budget_year"] = self.budget_year
        return out

    @property
    def area_level(self) -> str | None:
        """The level of the amounts per inhabitant, if any can be computed."""
        if self.per_inhabitant is not None:
            return self.per_inhabitant
        if self.territory_family in ("commune", "epci", "departement", "region"):
            return self.territory_family
        return None


class PaymentsSection(_Part):
    """``programme.calls.payments``: the payments of the grants, one row per payment.

    Attributes
    ----------
    file
        The payments file (relative paths start at the params file's folder).
    read
        How it is written, where detection must be told (like ``data.read``).
    id, date, amount
        Its columns: the application's identifier, the payment's date and amount.
    """

    KEY: ClassVar[str] = "programme.calls.payments"

    file: StrictStr = Field(min_length=1)
    read: ReadSection = Field(default_factory=ReadSection)
    id: StrictStr
    date: StrictStr
    amount: StrictStr


class CallsSection(_Part):
    """``programme.calls``: the applications to calls for projects and grants.

    Attributes
    ----------
    file
        The applications file, one row per application (relative paths start at the
        params file's folder).
    read
        How it is written, where detection must be told (like ``data.read``).
    id, call, date, applicant, applicant_type, territory, priority, requested, selected,
    granted, decision_date
        Its columns by role (see :class:`evalkit.programmes.Applications`).
    territory_family
        The family of the territorial codes.
    pad_codes
        Zero-pad territorial codes that lost their leading zeros.
    payments
        The payments of the grants, if followed.
    per_inhabitant
        The territorial level of the grants per inhabitant and their map (default: the
        intercommunality for commune codes, else the level of ``territory_family``).
    delay_days
        The delay (in days) beyond which an application is counted as late (default 90).
    top
        The numbers of largest beneficiaries whose share is shown (default 1, 5, 10).
    label
        What the calls are, for the report.
    """

    KEY: ClassVar[str] = "programme.calls"

    file: StrictStr = Field(min_length=1)
    read: ReadSection = Field(default_factory=ReadSection)
    id: StrictStr
    call: StrictStr
    date: StrictStr
    applicant: StrictStr
    applicant_type: StrictStr | None = None
    territory: StrictStr | None = None
    territory_family: _LEVELS | None = None
    pad_codes: StrictBool = False
    priority: StrictStr | None = None
    requested: StrictStr
    selected: StrictStr
    granted: StrictStr | None = None
    decision_date: StrictStr | None = None
    payments: PaymentsSection | None = None
    per_inhabitant: _AREAS | None = None
    delay_days: Annotated[int, Field(ge=1, strict=True)] = 90
    top: list[Annotated[int, Field(ge=1, strict=True)]] = Field(
        default_factory=lambda: [1, 5, 10])
    label: StrictStr | None = None

    @property
    def area_level(self) -> str | None:
        """The level of the grants per inhabitant, if any can be computed."""
        if self.per_inhabitant is not None:
            return self.per_inhabitant
        if self.territory_family == "commune":
            return "epci"
        if self.territory_family in ("epci", "departement", "region"):
            return self.territory_family
        return None

    def roles(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~evalkit.programmes.Applications` (without the
        tables)."""
        out: dict[str, Any] = {r: getattr(self, r) for r in APPLICATION_ROLES
                               if getattr(self, r) is not None}
        if self.territory_family is not None:
            out["territory_family"] = self.territory_family
        if self.payments is not None:
            out.update(payment_id=self.payments.id, payment_date=self.payments.date,
                       payment_amount=self.payments.amount)
        out["pad"] = self.pad_codes
        return out


class CostSection(_Part):
    """``programme.cost``: the cost of a result, from an evaluation and what was spent.

    Attributes
    ----------
    evaluation
        A params file with a ``design`` (relative: from this file's folder): its headline
        estimate is the result, in the unit of its outcome.
    spent
        What was spent to obtain it, in euros: a number, or a column of the evaluation's
        data summed over its treated observations (the treated units from their first
        treated period).
    exposure
        What the effect applies to: a number, or a column of the evaluation's data summed
        over the same observations (e.g. ``households``: household-years), divided by
        ``exposure_per``. Default 1.
    exposure_per
        The unit of the exposure (e.g. 1000: per 1,000 households during one year).
    desired
        Which direction of the effect is the result sought: ``decrease`` (a poverty rate)
        or ``increase`` (graduates).
    effect_unit
        One unit of the effect, in words (``point de taux de pauvreté``).
    label
        What one unit of exposure is, in words (``pour 1 000 ménages pendant un an``).
    variation_threshold
        Say that spending per inhabitant varies, and point to a dose-response estimate,
        when its coefficient of variation across the treated territories exceeds this
        (default 0.25).
    """

    KEY: ClassVar[str] = "programme.cost"

    evaluation: StrictStr = Field(min_length=1)
    spent: StrictStr | Annotated[float, Field(gt=0)]
    exposure: StrictStr | Annotated[float, Field(gt=0)] = 1.0
    exposure_per: Annotated[float, Field(gt=0)] = 1.0
    desired: Literal["decrease", "increase"]
    effect_unit: StrictStr | None = None
    label: StrictStr | None = None
    variation_threshold: Annotated[float, Field(gt=0)] = 0.25

    def evaluation_path(self, params_path: Path) -> Path:
        """The evaluation's params file, as an absolute path."""
        return resolve_data_path(self.evaluation, params_path)


class ProgrammeSection(_Part):
    """``programme``: following a programme: its budget's execution, its calls for projects
    and grants, and the cost of its result.

    Attributes
    ----------
    budget
        The credit lines (``data.file``) by role, and how they are followed.
    calls
        The calls for projects and grants, if followed.
    cost
        The cost of a result, if an evaluation is linked.
    on_invalid
        ``exclude`` (default): rows that break a rule (a negative allocation, a date
        outside the budget year, an unknown territorial code, a duplicate application
        ...) are set aside and listed in the report; ``raise``: the run fails on them.
    """

    KEY: ClassVar[str] = "programme"

    budget: BudgetSection
    calls: CallsSection | None = None
    cost: CostSection | None = None
    on_invalid: Literal["exclude", "raise"] = "exclude"


def programme_column_references(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``(key, column)`` pairs of ``programme.budget`` (columns of ``data.file``)."""
    programme = raw.get("programme") if isinstance(raw, Mapping) else None
    budget = programme.get("budget") if isinstance(programme, Mapping) else None
    if not isinstance(budget, Mapping):
        return []
    return [(f"programme.budget.{role}", budget[role]) for role in BUDGET_ROLES
            if isinstance(budget.get(role), str)]


def programme_problems(raw: Mapping[str, Any], params_path: Path) -> list[str]:
    """Problems of the ``programme`` section beyond its schema: the files it names (the
    applications, the payments, the linked evaluation) missing or lacking a column."""
    programme = raw.get("programme") if isinstance(raw, Mapping) else None
    if not isinstance(programme, Mapping):
        return []
    problems: list[str] = []
    calls = programme.get("calls")
    if isinstance(calls, Mapping):
        problems += _file_columns(calls, "programme.calls", APPLICATION_ROLES, params_path)
        payments = calls.get("payments")
        if isinstance(payments, Mapping):
            problems += _file_columns(payments, "programme.calls.payments",
                                      ("id", "date", "amount"), params_path)
    cost = programme.get("cost")
    if isinstance(cost, Mapping) and isinstance(cost.get("evaluation"), str):
        path = resolve_data_path(cost["evaluation"], params_path)
        if not path.is_file():
            problems.append(f"programme.cost.evaluation: must be an existing params file with "
                            f"a design (a relative path starts at the params file's folder); "
                            f"got {cost['evaluation']!r}, which would be {path}")
        elif path == Path(params_path).resolve():
            problems.append("programme.cost.evaluation: must be another params file (one with "
                            f"a design); got this file, {cost['evaluation']!r}")
    return problems


def _file_columns(section: Mapping[str, Any], key: str, roles: tuple[str, ...],
                  params_path: Path) -> list[str]:
    from evalkit.data.io import read_header, table_format

    file = section.get("file")
    if not isinstance(file, str) or not file:
        return []
    path = resolve_data_path(file, params_path)
    if not path.is_file():
        return [f"{key}.file: must be an existing file (a relative path is read from the "
                f"params file's folder); got {file!r}, which would be {path}"]
    if table_format(path) is None:
        return [f"{key}.file: must be a CSV, TSV, Excel or Parquet file; got {file!r}"]
    options = read_options(section)
    sheet = options.pop("sheet", None)
    try:
        header = read_header(path, sheet, **options)
    except Exception as exc:  # any reader failure is a problem of that file
        reason = getattr(exc, "message", None) or f"reading it failed: {exc}"
        return [f"{key}.file ({path.name}): {reason}"]
    columns = [str(c) for c in header.columns]
    return [f"{key}.{role}: must be a column of {path.name}; got {section[role]!r}; its "
            f"columns are {', '.join(columns[:30])}"
            for role in roles if isinstance(section.get(role), str)
            and section[role] not in columns]
