"""Check a policy's data against its params before running: the problems a run would meet.

:func:`check_data` reads the columns the params use (nothing else) and builds what a
run builds from them, without estimating anything: the
:class:`~evalkit.data.Panel` of a panel design, the checked rows of a 2x2 design, the
outcome matrix of a synthetic design. Their errors are the run's, worded with the
params' keys as the run words them (``design.outcome: lemp: ...``). Then it checks what
the design's headline estimator needs of the comparison units, and, for indicator
tracking, that the measured columns are numbers and each territory has one row per
period. ``evalkit validate`` calls it for each valid params file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.data import Panel, load_table
from evalkit.data.checks import (
    SHOW,
    float_values,
    non_finite_problem,
    non_numeric_problem,
    numbers_read_as_codes,
    too_large_problem,
)
from evalkit.data.io import table_format
from evalkit.errors import DataError, EvalkitError, TerritoryError
from evalkit.reports.analysis.engine_data import ENGINE_ESTIMATORS, engine_panel, report_engine
from evalkit.reports.analysis.tracking import territorial_groups
from evalkit.reports.messages.catalogue import text
from evalkit.reports.params.checks import GENERAL_TREATMENT_ESTIMATORS, SYNTHETIC_ESTIMATORS
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.params.terms import DESIGN_TERMS, ParamsTerms, reworded
from evalkit.territories import LEVEL_NAMES

__all__ = ["check_data"]


def check_data(params: PolicyParams) -> list[str]:
    """Every problem a run of ``params`` would meet in its data, without running it.

    Reads only the columns the params use and estimates nothing. Checks, as the run
    does and with its messages: that the data file can be read and has rows; that the
    design's columns hold numbers where numbers are needed, finite and not so large
    that their squares overflow (naming the rows); one row per unit and period; a 0/1
    treatment that never switches back to 0 (naming units); treated and comparison
    units as the headline estimator needs them (never-treated units for the TWFE event
    study and for synthetic designs, a comparison group for a 2x2 design). For
    indicator tracking: numeric, finite periods and measures, one row per territory
    and period. For a programme's follow-up: every file it reads (the credit lines, the
    applications and payments, the linked evaluation) is read and followed as the run
    does; rows the run would set aside are not problems (the report lists them).

    Parameters
    ----------
    params
        Validated params (see :func:`~evalkit.reports.params.schema.load_params`).

    Returns
    -------
    list of str
        The problems found, each naming the params key and column at fault, what was
        expected and the offending values or rows; empty when the data are fit to run.
        The data file is named as ``data.file`` gives it.
    """
    if params.programme is not None:
        return _programme_problems(params)
    if params.design is not None and report_engine(params) != "memory":
        return _engine_problems(params)
    try:
        data = load_table(params.data_path, **params.data.load_options(),
                          columns=_columns(params), sample=params.data.sample or None)
    except EvalkitError as exc:
        return _messages(exc, params)
    problems: list[str] = []
    if params.design is not None:
        problems += _design_problems(params, data)
    if params.indicators is not None:
        problems += _tracking_problems(params, data)
    return problems


def _engine_problems(params: PolicyParams) -> list[str]:
    """The problems of data held by an engine: the engine checks them as the run does."""
    engine = report_engine(params)
    if params.design.estimator not in ENGINE_ESTIMATORS:
        return [f"design.estimator: must be one of {', '.join(ENGINE_ESTIMATORS)} for data "
                f"held by {engine} (data.file: {params.data.file}); got "
                f"{params.design.estimator!r}"]
    try:
        panel = engine_panel(params, engine)
    except EvalkitError as exc:
        return _messages(exc, params)
    close = getattr(panel, "close", None)
    if close is not None:
        close()
    return []


def _programme_problems(params: PolicyParams) -> list[str]:
    from evalkit.reports.analysis.programme import follow_programme

    try:
        follow_programme(params)
    except EvalkitError as exc:
        head = exc.message.strip().rstrip(":")
        return [f"{head}: {problem}" for problem in exc.problems] or [head]
    return []


# --------------------------------------------------------------------------- reading


def _columns(params: PolicyParams) -> list[str]:
    """The columns a run uses (those of ``data.sample`` are read by load_table)."""
    names: list[str | None] = []
    d = params.design
    if d is not None:
        names += [d.outcome, d.unit, d.time, d.first_treated, d.treatment, d.treated, d.post,
                  d.dose, d.eligible, d.weights, *d.covariates, _cluster(params)]
    section = params.indicators
    if section is not None:
        # a group_by naming a level of the referential is attached by the run, not read
        group_by = None if section.group_by in LEVEL_NAMES else section.group_by
        names += [section.period, section.territory, group_by, section.group_name,
                  *(section.focus or {})]
        for measure in section.measures.values():
            names += [measure.numerator, measure.denominator]
    return list(dict.fromkeys(n for n in names if n))


def _cluster(params: PolicyParams) -> str | None:
    inference = params.inference
    return inference.cluster if inference.kind == "cluster" else None


def _messages(exc: EvalkitError, params: PolicyParams,
              terms: ParamsTerms = DESIGN_TERMS) -> list[str]:
    """The error's problems (or its message) in the params' terms, naming the data file
    as the params give it."""
    again = reworded(exc, terms)
    found = list(again.problems) or [again.message]
    path = params.data_path
    spellings = sorted({str(path), str(path.resolve())}, key=len, reverse=True)
    out = []
    for message in found:
        for spelling in spellings:
            message = message.replace(spelling, params.data.file)
        out.append(message)
    return out


# --------------------------------------------------------------------------- designs


def _design_problems(params: PolicyParams, data: pd.DataFrame) -> list[str]:
    d = params.design
    if d.estimator == "did_2x2":
        from evalkit.did.two_by_two import design_rows  # the checks did_2x2 runs first
        from evalkit.reports.analysis.two_periods import with_post_column

        try:
            framed, post = with_post_column(params, data)
            design_rows(framed, outcome=d.outcome, treated=d.treated, post=post,
                        covariates=tuple(d.covariates), weights=d.weights,
                        cluster=_cluster(params), missing="error")
        except EvalkitError as exc:
            return _messages(exc, params)
        return []
    if d.estimator in GENERAL_TREATMENT_ESTIMATORS:
        # these designs' checks are their estimator's own, run on the data as the report
        # would (the data of a report are small)
        from evalkit.reports.analysis.general_treatment import analyse_general_treatment

        try:
            analyse_general_treatment(params, data, 0.05)
        except EvalkitError as exc:
            return _messages(exc, params)
        return []
    cluster = _cluster(params)
    try:
        panel = Panel(data, unit=d.unit, time=d.time, outcome=d.outcome, treatment=d.treatment,
                      first_treated=d.first_treated, covariates=d.covariates, weights=d.weights,
                      cluster=cluster if cluster != d.unit else None)
    except EvalkitError as exc:
        problems = _messages(exc, params)
        if any("appear on more than one row" in p for p in problems):
            problems += _codes_read_as_numbers(params, "design.unit", d.unit, data)
        return problems
    if d.estimator in SYNTHETIC_ESTIMATORS:
        return _synthetic_problems(params, panel)
    if d.estimator == "event_study":
        return _event_study_problems(params, panel)
    if d.estimator == "callaway_santanna":
        control = params.staggered.control_group if params.staggered else None
        if control == "never_treated" and panel.n_never_treated_units == 0:
            return ["design.estimator: callaway_santanna cannot be estimated: "
                    + text("why_cs_no_never_treated", "en")]
    return []


def _event_study_problems(params: PolicyParams, panel: Panel) -> list[str]:
    """The TWFE event study needs never-treated units, or binned end points (as the run)."""
    if panel.n_never_treated_units > 0:
        return []
    es = params.event_study
    window = tuple(es.window) if es and es.window else None
    relative = panel.event_time()
    relative = relative[~np.isnan(relative)]
    low, high = int(relative.min()), int(relative.max())
    if not (es and es.bin_endpoints) or window is None:
        reason = text("why_es_no_never_treated", "en", low=low, high=high)
    elif window[0] <= low and window[1] >= high:
        reason = text("why_es_window_covers_all", "en", window=f"[{window[0]}, {window[1]}]",
                      low=low, high=high)
    else:
        return []
    return ["design.estimator: event_study cannot be estimated: " + reason + " Or choose an "
            "estimator for staggered adoption (design.estimator: callaway_santanna, "
            "sun_abraham or imputation)."]


def _synthetic_problems(params: PolicyParams, panel: Panel) -> list[str]:
    """What the synthetic estimators check before fitting: one start, balance, donors."""
    from evalkit.inference.kinds import inference_from_dict
    from evalkit.reports.analysis.synthetic import METHOD_OF
    from evalkit.reports.params.schema import SyntheticSection
    from evalkit.reports.params.terms import SYNTHETIC_TERMS
    from evalkit.synthetic.synthetic_did import check_design

    settings = params.synthetic or SyntheticSection()
    method = METHOD_OF[params.design.estimator]
    se = settings.inference
    if se != "placebo" and panel.n_treated_units < 2:
        se = "placebo"  # as the run: the only valid choice with one treated unit
    kind = inference_from_dict({"kind": se, "n_draws": settings.n_draws}
                               if se != "jackknife" else {"kind": se})
    try:
        check_design(panel, method=method, inference=kind)
    except DataError as exc:  # its problems name the method: say which design it is
        prefix = f"design.estimator: {params.design.estimator}: "
        return [prefix + p for p in _messages(exc, params, SYNTHETIC_TERMS)]
    return []


# --------------------------------------------------------------------------- tracking


def _tracking_problems(params: PolicyParams, data: pd.DataFrame) -> list[str]:
    """Periods and measures must be finite numbers; one row per territory and period."""
    section = params.indicators
    positions = np.arange(len(data))
    numeric = [("indicators.period", section.period)]
    for code, measure in section.measures.items():
        numeric.append((f"indicators.measures.{code}.numerator", measure.numerator))
        if measure.denominator:
            numeric.append((f"indicators.measures.{code}.denominator", measure.denominator))
    problems: list[str] = []
    checked: set[str] = set()
    for key, column in numeric:
        if column in checked:
            continue
        checked.add(column)
        series = data[column]
        label = f"{key}: {column}"
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            problems.append(non_numeric_problem(label, series, positions))
            continue
        values = float_values(series)
        found = [non_finite_problem(label, values, positions),
                 too_large_problem(label, values, positions)]
        problems += [p for p in found if p]
    problems += _territory_duplicates(params, data)
    try:  # as the run: codes checked against the referential when the params ask for it
        territorial_groups(data, params)
    except TerritoryError as exc:
        problems.append(exc.one_line())
    if section.focus:  # as the run: the territory of interest must be some rows, not all
        focus = np.ones(len(data), dtype=bool)
        for column, value in section.focus.items():
            focus &= data[column].isin(value if isinstance(value, list) else [value]).to_numpy()
        if not focus.any() or focus.all():
            problems.append(f"indicators.focus={section.focus!r}: must select some rows but not "
                            f"all of them; it selects {int(focus.sum())} of {len(data)}")
    return problems


def _territory_duplicates(params: PolicyParams, data: pd.DataFrame) -> list[str]:
    section = params.indicators
    territory, period = section.territory, section.period
    keys = data[[territory, period]]
    repeated = keys.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return []
    pairs = keys.loc[repeated].drop_duplicates()
    shown = ", ".join(f"({_plain(t)!r}, {_plain(p)})" for t, p in
                      pairs.head(SHOW).itertuples(index=False))
    more = f" and {len(pairs) - SHOW:,} more" if len(pairs) > SHOW else ""
    message = (f"indicators.territory: {territory}, indicators.period: {period}: {len(pairs):,} "
               f"territory-period pairs appear on more than one row ({int(repeated.sum()):,} "
               f"rows), e.g. {shown}{more}; each territory needs one row per period, else its "
               "counts are added more than once")
    column = data[territory]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        message += ". " + numbers_read_as_codes(territory, column)
    return [message, *_codes_read_as_numbers(params, "indicators.territory", territory, data)]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- codes


def _codes_read_as_numbers(params: PolicyParams, key: str, column: str,
                           data: pd.DataFrame) -> list[str]:
    """Codes the file writes differently (``01``, ``1``) that became one number, if any.

    Reads the column again as text (CSV and Excel files: Parquet keeps its types).
    """
    series = data[column]
    if (not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
            or table_format(params.data_path) not in ("csv", "tsv", "excel")):
        return []
    try:
        raw = load_table(params.data_path, **params.data.load_options(), columns=[column],
                         dtype={column: str})[column].dropna().str.strip()
    except EvalkitError:
        return []
    spellings = pd.DataFrame({"text": raw, "number": pd.to_numeric(raw, errors="coerce")})
    spellings = spellings.dropna().drop_duplicates("text")
    collided = spellings.loc[spellings["number"].duplicated(keep=False)]
    if collided.empty:
        return []
    groups = collided.groupby("number", sort=False)["text"].apply(list)
    shown = "; ".join(f"{' and '.join(map(repr, texts[:3]))} (all read as {_number(number)})"
                      for number, texts in list(groups.items())[:SHOW])
    more = f"; and {len(groups) - SHOW:,} more" if len(groups) > SHOW else ""
    return [f"{key}: {column}: {Path(params.data.file).name} writes different codes that "
            f"became the same number when read: {shown}{more}. Read the column as text: in the "
            f"params, data.read.text_columns: [{column}] (columns named as territorial codes, "
            "such as commune_code or CODGEO, are read as text without being told)"]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
