"""The partitions' findings, added up and worded as :class:`~evalkit.data.panel.Panel` words them.

Each partition of a :class:`~evalkit.data.dask_panel.DaskPanel` holds whole units, so a
problem's count is the sum of the partitions' counts and its first examples are among
theirs. The wording is Panel's (:mod:`evalkit.data.checks`), but rows are named by their unit and
period (``rows (17, 2003), (18, 2001)``): a row's position in a partition says nothing to
the user. As
Panel does, only the first stage of checks that fails is reported (a column that is not
numeric cannot be checked for infinite values).

The design as a whole (a treated unit, a pre-treatment period, comparison units) is
checked here on the partitions' cohort facts, with Panel's messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.data._dask_partitions import STAGES, CohortFacts, Finding, PartitionReport, _sorted
from evalkit.data.checks import (
    SHOW,
    missing_text,
    non_finite_text,
    non_numeric_text,
    numbers_read_as_codes,
    too_large_text,
)
from evalkit.data.panel import PanelSpec, _period_label, _roles

__all__ = ["merge_findings", "row_problems", "Cohorts", "merge_cohorts", "design_problems"]


def merge_findings(reports: Sequence[PartitionReport]) -> dict[tuple[str, str], Finding]:
    """The findings of every partition, added up check by check and column by column."""
    merged: dict[tuple[str, str], Finding] = {}
    for report in reports:
        for key, finding in report.findings.items():
            if key not in merged:
                merged[key] = Finding(finding.count, finding.total, list(finding.examples),
                                      dict(finding.detail))
                continue
            into = merged[key]
            into.count += finding.count
            into.total += finding.total
            into.examples += finding.examples
            _merge_detail(into.detail, finding.detail)
    for (check, _), finding in merged.items():
        if check == "non_numeric":
            by_value: dict[str, list] = {}
            for value, rows in finding.examples:
                by_value.setdefault(value, []).extend(rows)
            finding.examples = [(v, _sorted(by_value[v])[:3]) for v in sorted(by_value)][:SHOW]
        elif check == "not_binary":
            finding.examples = sorted(set(finding.examples))[:SHOW]
        else:
            finding.examples = _sorted(finding.examples)[:SHOW]
    return merged


def _merge_detail(into: dict, other: dict) -> None:
    for name, value in other.items():
        if name == "distinct":
            into[name] = into[name] | value
        elif name == "dates":
            into[name] = into[name] or value
        elif name == "largest":
            into[name] = max(into[name], value)
        elif name == "texts":
            into[name] = (into[name] + value)[:1000]


def row_problems(findings: dict[tuple[str, str], Finding], spec: PanelSpec, rows: int,
                 unit_dtype: object, whole_periods: bool) -> list[str]:
    """The problems of the first stage of checks that failed, worded (see the module)."""
    if not findings:
        return []
    first = min(STAGES[check] for check, _ in findings)
    roles = _roles(spec)
    problems = []
    for (check, column), finding in findings.items():
        if STAGES[check] != first:
            continue
        if check == "as_panel":  # found by Panel's checks only: its words, rows within a part
            problems += [f"{p} (rows counted within one partition of the data)"
                         for p in finding.examples]
            continue
        label = f"{roles[column]}={column!r}"
        problems.append(_WORDS[check](label, finding, spec, rows, unit_dtype, whole_periods))
    return problems


COUNTED = ("rows are named by their unit and period: the rows of a Dask DataFrame have no "
           "fixed order")


def _where(finding: Finding) -> str:
    """``"rows (17, 2003), (18, 2001) and 4 more; rows are named by ..."``."""
    return f"{_named_rows(finding.examples, finding.count)}; {COUNTED}"


def _named_rows(pairs: Sequence[tuple[object, object]], count: int) -> str:
    """The rows ``pairs`` (the first of ``count``) as ``(unit, period)`` pairs."""
    shown = list(pairs)[:SHOW]
    more = count - len(shown)
    named = ", ".join(f"({_value(u)}, {_time(t)})" for u, t in shown)
    noun = "row" if len(shown) == 1 and not more else "rows"
    return f"{noun} {named}" + (f" and {more:,} more" if more > 0 else "")


def _value(value: object) -> str:
    return "<missing>" if value is None else repr(value)


def _time(value: object) -> str:
    if value is None:
        return "<missing>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else repr(value)


def _missing(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return missing_text(label, f.count, rows, _where(f))


def _non_numeric(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    detail = f.detail
    shown = [(value, _named_rows(at, len(at))) for value, at in f.examples]
    return non_numeric_text(label, detail["dtype"], shown, count=f.count, total=rows,
                            distinct=len(detail["distinct"]),
                            samples=detail["texts"] if f.count else detail["sample"],
                            counted=COUNTED, dates=detail["dates"])


def _non_finite(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return non_finite_text(label, f.count, rows, _where(f))


def _too_large(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return too_large_text(label, f.detail["limit"], f.detail["largest"], f.count, rows,
                          _where(f))


def _not_positive(label: str, f: Finding, spec: PanelSpec, *_: object) -> str:
    return f"{label}: must be strictly positive; {f.count} rows are not ({_where(f)})"


def _not_binary(label: str, f: Finding, *_: object) -> str:
    return f"{label}: must contain only 0 and 1; got values such as {f.examples}"


def _duplicates(label: str, f: Finding, spec: PanelSpec, rows: int, unit_dtype: object,
                whole_periods: bool) -> str:
    shown = ", ".join(f"({u!r}, {t})" for u, t in f.examples)
    more = f" and {f.count - SHOW} more" if f.count > SHOW else ""
    return (f"unit={spec.unit!r}, time={spec.time!r}: {f.count} unit-period pairs appear on "
            f"more than one row ({f.total} rows), e.g. {shown}{more}; the panel needs one row "
            f"per unit and period{_read_as_numbers(spec, unit_dtype, whole_periods)}")


def _read_as_numbers(spec: PanelSpec, unit_dtype: object, whole_periods: bool) -> str:
    """Why duplicates may come from reading codes as numbers (as Panel says it)."""
    if pd.api.types.is_numeric_dtype(unit_dtype) and not pd.api.types.is_bool_dtype(unit_dtype):
        return ". " + numbers_read_as_codes(spec.unit, str(unit_dtype))
    if not whole_periods:
        return (f". The column {spec.time!r} was read as numbers, so periods written "
                "differently in the file (2020.1 and 2020.10) count as the same period")
    return ""


def _units_text(f: Finding) -> str:
    return ", ".join(repr(u) for u in f.examples)


def _first_treated_varies(label: str, f: Finding, *_: object) -> str:
    return (f"{label}: must be the same on every row of a unit; it changes within {f.count} "
            f"units, e.g. {_units_text(f)}")


def _switches_off(label: str, f: Finding, *_: object) -> str:
    return (f"{label}: must be absorbing (once 1, a unit stays treated), but it switches back "
            f"to 0 in {f.count} units, e.g. {_units_text(f)}")


def _cluster_varies(label: str, f: Finding, *_: object) -> str:
    return (f"{label}: must be constant within each unit (the units are the draws of a panel: "
            f"a cluster holds whole units); it changes within {f.count} units, e.g. "
            f"{_units_text(f)}")


_WORDS = {"missing": _missing, "non_numeric": _non_numeric, "non_finite": _non_finite,
          "too_large": _too_large, "not_positive": _not_positive, "not_binary": _not_binary,
          "duplicates": _duplicates, "first_treated_varies": _first_treated_varies,
          "switches_off": _switches_off, "cluster_varies": _cluster_varies}


# ============================================================================ the design
@dataclass(frozen=True)
class Cohorts:
    """The panel's cohorts, read against its last period (as :class:`Panel` reads them)."""

    values: np.ndarray  # first-treatment periods within the observed periods, sorted
    units: np.ndarray  # units in each
    never: int  # units never treated during the observed periods
    after_end: int  # units first treated after the last period (counted in ``never``)
    observed_before: bool  # some treated unit is observed before its first treated period
    examples: list  # the first treated units


def merge_cohorts(reports: Sequence[PartitionReport], n_units: int, last: float) -> Cohorts:
    """The partitions' cohorts added up, those after the last period counted as never
    treated."""
    merged: dict[float, CohortFacts] = {}
    for report in reports:
        for value, facts in report.cohorts.items():
            into = merged.setdefault(value, CohortFacts(0, False, []))
            into.units += facts.units
            into.observed_before = into.observed_before or facts.observed_before
            into.examples += facts.examples
    treated = sorted(v for v in merged if v <= last)
    counts = np.array([merged[v].units for v in treated], dtype=np.int64)
    after_end = sum(merged[v].units for v in merged if v > last)
    examples = _sorted([u for v in treated for u in merged[v].examples])[:SHOW]
    return Cohorts(values=np.array(treated, dtype=float), units=counts,
                   never=n_units - int(counts.sum()), after_end=after_end,
                   observed_before=any(merged[v].observed_before for v in treated),
                   examples=examples)


def design_problems(cohorts: Cohorts, spec: PanelSpec, periods: np.ndarray) -> list[str]:
    """Panel's checks of the design as a whole, on the merged cohorts (same messages)."""
    problems = []
    treated = int(cohorts.units.sum())
    if not treated:
        late = (f" ({cohorts.after_end} units are first treated only after the last "
                f"period, {_period_label(periods[-1])})" if cohorts.after_end else "")
        problems.append(f"{'treatment' if spec.treatment else 'first_treated'}="
                        f"{spec.treatment or spec.first_treated!r}: no unit is treated during "
                        f"the observed periods{late}")
        return problems
    if not cohorts.observed_before:
        shown = ", ".join(repr(u) for u in cohorts.examples)
        more = f" and {treated - SHOW} more" if treated > SHOW else ""
        problems.append(f"no pre-treatment period: every treated unit ({shown}{more}) is "
                        "already treated in the first period it is observed, so there is "
                        "nothing to compare before and after")
    if cohorts.never == 0 and cohorts.values.size < 2:
        problems.append("no untreated comparison units: every unit is treated from the same "
                        f"period ({_period_label(cohorts.values[0])}), so no unit can serve "
                        "as a comparison; a difference-in-differences design needs "
                        "never-treated or later-treated units")
    elif cohorts.never == 0 and not (cohorts.values > periods[0]).any():
        problems.append("no untreated comparison units: no unit is ever untreated")
    return problems
