"""The partitions' findings, added up and worded as :class:`~evalkit.data.panel.Panel` words them.

Each partition of a :class:`~evalkit.data.dask_panel.DaskPanel` holds whole units, so a
problem's count is the sum of the partitions' counts and its first examples are among
theirs. The wording is Panel's, but rows are named by their unit and period (``rows
id=17 year=2003, ...``): a row's position in a partition says nothing to the user. As
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
from evalkit.data.checks import _DECIMAL_COMMA, _THOUSANDS, SHOW, numbers_read_as_codes
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
        elif name in ("more_distinct", "dates"):
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


def _rows_text(spec: PanelSpec, finding: Finding, limit: int = SHOW) -> str:
    """``"rows id=17 year=2003, id=18 year=2001 and 4 more"``."""
    return _named_rows(spec, finding.examples[:limit], finding.count)


def _named_rows(spec: PanelSpec, pairs: Sequence[tuple[object, object]], count: int) -> str:
    named = [f"{spec.unit}={_value(u)} {spec.time}={_time(t)}" for u, t in pairs]
    more = count - len(named)
    head = "row" if count == 1 else "rows"
    if more > 0:
        return f"{head} {', '.join(named)} and {more:,} more"
    return f"{head} {', '.join(named[:-1])} and {named[-1]}" if len(named) > 1 else \
        f"{head} {named[0]}"


def _value(value: object) -> str:
    return "<missing>" if value is None else repr(value)


def _time(value: object) -> str:
    if value is None:
        return "<missing>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else repr(value)


def _missing(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return (f"{label}: {f.count} of {rows} rows have a missing value ({_rows_text(spec, f)}; "
            "drop them first, or pass missing='drop')")


def _non_numeric(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    detail = f.detail
    head = f"{label}: must be a numeric column; got dtype {detail['dtype']}"
    if not f.count:
        example = detail["sample"]
        if detail["dates"]:
            return f"{head} (dates, values such as {example}); use a number such as the year"
        return (f"{head} (numbers stored as text, values such as {example}); convert the "
                "column to numbers first (pandas.to_numeric)")
    shown = [f"{_shown(value)} ({_named_rows(spec, at, len(at))})" for value, at in f.examples]
    distinct = len(detail["distinct"])
    if detail["more_distinct"]:
        more = f" and more than {distinct - SHOW:,} other values"
    else:
        more = f" and {distinct - SHOW:,} other values" if distinct > SHOW else ""
    message = (f"{head}, with {f.count:,} of {rows:,} rows holding values that are not "
               f"numbers: {', '.join(shown)}{more}")
    texts = detail["texts"]
    if any(_DECIMAL_COMMA.match(v) for v in texts):
        message += ("; values such as '1,5' are written with a decimal comma: read the file "
                    "with decimal=',' (load_table(path, decimal=','))")
    elif any(_THOUSANDS.match(v) for v in texts):
        message += ("; values such as '1 234' are written with a thousands separator: read "
                    "the file with thousands=' ' (load_table(path, thousands=' '))")
    return message


def _shown(value: str, width: int = 40) -> str:
    return repr(value if len(value) <= width else value[:width - 3] + "...")


def _non_finite(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return (f"{label}: must hold finite numbers; got inf or -inf in {f.count:,} of {rows:,} "
            f"rows ({_rows_text(spec, f)}); replace them (they often come from a division by "
            "zero) or drop these rows")


def _too_large(label: str, f: Finding, spec: PanelSpec, rows: int, *_: object) -> str:
    return (f"{label}: must be at most {f.detail['limit']:.3g} in absolute value; got values "
            f"up to {f.detail['largest']:.3g} in {f.count:,} of {rows:,} rows "
            f"({_rows_text(spec, f)}), too large to estimate with (their squares overflow): "
            "rescale the column (e.g. in thousands or millions, or take its logarithm) or "
            "correct these values")


def _not_positive(label: str, f: Finding, spec: PanelSpec, *_: object) -> str:
    return (f"{label}: must be strictly positive; {f.count} rows are not "
            f"({_rows_text(spec, f)})")


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
        return ". " + numbers_read_as_codes(spec.unit, pd.Series([], dtype=unit_dtype))
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
