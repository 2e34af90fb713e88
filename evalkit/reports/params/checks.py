"""The checks of a params file beyond its schema, and the wording of every problem.

Each check reads the raw mapping loaded from YAML and tolerates values of the
wrong type (the schema check reports those), so that one run reports every
problem of a file at once. Every problem reads ``"<key>: <what is expected>; got
<value>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit._schema_errors import describe_value, format_validation_errors
from evalkit._validation import describe_columns
from evalkit.data.io import SUPPORTED_SUFFIXES, read_header, table_format
from evalkit.data.read_errors import header_hint
from evalkit.errors import DataError, ParamsError
from evalkit.reports.params.read_section import read_options
from evalkit.reports.params.rules import order_problems

__all__ = [
    "PANEL_ESTIMATORS",
    "STAGGERED_ESTIMATORS",
    "SYNTHETIC_ESTIMATORS",
    "GENERAL_TREATMENT_ESTIMATORS",
    "ESTIMATORS",
    "format_validation_errors",
    "rule_problems",
    "column_problems",
    "column_references",
    "resolve_data_path",
]

STAGGERED_ESTIMATORS = ("callaway_santanna", "sun_abraham", "imputation", "extended_twfe")
SYNTHETIC_ESTIMATORS = ("synthetic_did", "synthetic_control")
#: Designs whose treatment is not one binary treatment that stays on: a treatment that
#: varies in intensity and may switch off, a continuous dose, a treatment aimed at an
#: eligible group inside the treated units.
GENERAL_TREATMENT_ESTIMATORS = ("chaisemartin_dhaultfoeuille", "continuous_did",
                                "triple_differences")
PANEL_ESTIMATORS = ("twfe", "event_study", *STAGGERED_ESTIMATORS, *SYNTHETIC_ESTIMATORS,
                    *GENERAL_TREATMENT_ESTIMATORS)
ESTIMATORS = ("did_2x2", *PANEL_ESTIMATORS)
_ROLE_KEYS = ("outcome", "unit", "time", "first_treated", "treatment", "treated", "post",
              "dose", "eligible", "weights")
_ROLE_TEXT = {
    "unit": "unit identifier",
    "time": "time period",
    "treated": "0/1 treated-group",
    "post": "0/1 after-period",
}
#: What each design of GENERAL_TREATMENT_ESTIMATORS needs beside design.unit and design.time.
_GENERAL_ROLES: dict[str, dict[str, str]] = {
    "chaisemartin_dhaultfoeuille": {
        "treatment": "the treatment of each unit in each period: a number, 0 for none, "
                     "which may change more than once"},
    "continuous_did": {
        "first_treated": "the period each unit is first treated, 0 or empty for never",
        "dose": "each unit's treatment dose, 0 for untreated units"},
    "triple_differences": {
        "first_treated": "the period each unit's group is first treated, 0 or empty for never; "
                         "or design.treated, a 0/1 column, with design.start, the period the "
                         "policy started",
        "eligible": "a 0/1 column, 1 for the units the policy targets inside a treated group"},
}
#: The sections that only one design uses.
_OWN_SECTIONS = {"intertemporal": ("chaisemartin_dhaultfoeuille",),
                 "dose_response": ("continuous_did",)}


# --------------------------------------------------------------------------- wording


def _section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = raw.get(name)
    return value if isinstance(value, dict) else {}


def _given(section: Mapping[str, Any], key: str) -> bool:
    return section.get(key) is not None


def _estimator_rules(design: Mapping[str, Any], raw: Mapping[str, Any]) -> list[str]:
    estimator = design.get("estimator")
    problems = []
    for section, owners in _OWN_SECTIONS.items():
        if raw.get(section) is not None and estimator not in owners:
            problems.append(f"{section}: only used with estimator "
                            f"{' or '.join(map(repr, owners))}; got estimator "
                            f"{describe_value(estimator)}")
    if estimator in GENERAL_TREATMENT_ESTIMATORS:
        problems += _general_design_rules(estimator, design, raw)
    elif estimator in PANEL_ESTIMATORS:
        for key in ("unit", "time"):
            if not _given(design, key):
                problems.append(f"design.{key}: required with estimator {estimator!r} (the "
                                f"{_ROLE_TEXT[key]} column of the panel); got nothing")
        timing = [k for k in ("first_treated", "treatment") if _given(design, k)]
        if not timing:
            problems.append(
                f"design.first_treated: estimator {estimator!r} needs exactly one of "
                "design.first_treated (the period each unit is first treated) or "
                "design.treatment (a 0/1 column, 1 when treated); got neither")
        elif len(timing) == 2:
            problems.append(
                "design.treatment: give only one of design.first_treated or design.treatment; "
                f"got both ({design['first_treated']!r} and {design['treatment']!r})")
        for key in ("treated", "post"):
            if _given(design, key):
                problems.append(
                    f"design.{key}: only used by estimator 'did_2x2' (panel designs use "
                    f"design.first_treated or design.treatment); got {describe_value(design[key])}")
        problems += _unused_roles(estimator, design, ("dose", "eligible", "method", "start"))
    elif estimator == "did_2x2":
        problems += _unused_roles(estimator, design, ("dose", "eligible", "start"))
        if not _given(design, "treated"):
            problems.append(f"design.treated: required with estimator 'did_2x2' (the "
                            f"{_ROLE_TEXT['treated']} column); got nothing")
        if not _given(design, "post") and not _given(design, "time"):
            problems.append(f"design.post: required with estimator 'did_2x2' (the "
                            f"{_ROLE_TEXT['post']} column), unless design.time names a column "
                            "of two periods, the later one being after the change; got nothing")
        elif _given(design, "post") and _given(design, "time"):
            problems.append(f"design.time: give design.post or design.time with estimator "
                            f"'did_2x2', not both; got {design['post']!r} and "
                            f"{design['time']!r}")
        for key in ("first_treated", "treatment"):
            if _given(design, key):
                problems.append(
                    f"design.{key}: only used by the panel estimators "
                    f"({', '.join(map(repr, PANEL_ESTIMATORS))}; 'did_2x2' uses design.treated "
                    f"and design.post); "
                    f"got {describe_value(design[key])}")
        for section in ("event_study", "staggered"):
            if raw.get(section) is not None:
                problems.append(f"{section}: only allowed with the panel estimators "
                                f"({', '.join(map(repr, PANEL_ESTIMATORS))}); got estimator "
                                "'did_2x2'")
    if raw.get("synthetic") is not None and estimator not in SYNTHETIC_ESTIMATORS:
        problems.append(f"synthetic: only allowed with the synthetic estimators "
                        f"({', '.join(map(repr, SYNTHETIC_ESTIMATORS))}); got estimator "
                        f"{describe_value(estimator)}")
    if raw.get("staggered") is not None and estimator in SYNTHETIC_ESTIMATORS:
        problems.append(f"staggered: not used with estimator {estimator!r} (synthetic methods "
                        "need every treated unit to start in the same period); remove the "
                        "section")
    return problems


def _unused_roles(estimator: str, design: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    users = {"dose": "'continuous_did'", "eligible": "'triple_differences'",
             "method": "'did_2x2'", "start": "'triple_differences'"}
    return [f"design.{key}: only used by estimator {users[key]}; got "
            f"{describe_value(design[key])} with estimator {estimator!r}"
            for key in keys if _given(design, key)]


def _general_design_rules(estimator: str, design: Mapping[str, Any],
                          raw: Mapping[str, Any]) -> list[str]:
    """What the designs beyond one binary, absorbing treatment need and allow."""
    problems = []
    needed = {"unit": "the unit identifier column of the panel",
              "time": "the time period column of the panel", **_GENERAL_ROLES[estimator]}
    if estimator == "triple_differences" and not _given(design, "first_treated") \
            and (_given(design, "treated") or _given(design, "start")):
        # the treated groups as a 0/1 column and the period the policy started
        del needed["first_treated"]
        needed["treated"] = "a 0/1 column, 1 for the units of the treated groups"
        needed["start"] = "the period the policy started in the treated groups"
    elif _given(design, "start"):
        problems.append(f"design.start: only used by estimator 'triple_differences' with "
                        f"design.treated; got {describe_value(design['start'])}")
    for key, what in needed.items():
        if not _given(design, key):
            problems.append(f"design.{key}: required with estimator {estimator!r} ({what}); "
                            "got nothing")
    roles = ("first_treated", "treatment", "treated", "post", "dose", "eligible")
    problems += [f"design.{key}: not used by estimator {estimator!r} (it reads "
                 f"{', '.join(f'design.{k}' for k in needed)}); got {describe_value(design[key])}"
                 for key in roles if key not in needed and _given(design, key)]
    problems += _unused_roles(estimator, design, ("method",))
    if estimator == "chaisemartin_dhaultfoeuille" and raw.get("staggered") is not None:
        problems.append("staggered: not used with estimator 'chaisemartin_dhaultfoeuille' "
                        "(its options are in the intertemporal section); remove the section")
    if raw.get("event_study") is not None:
        problems.append(f"event_study: not used with estimator {estimator!r}, which "
                        "estimates its own effects by time since treatment; remove the section")
    return problems


def _inference_rules(estimator: Any, inference: Mapping[str, Any]) -> list[str]:
    problems = []
    chosen = inference.get("kind", inference.get("standard_errors"))
    cluster = inference.get("cluster")
    effective = chosen
    if chosen is None and estimator in ESTIMATORS:
        effective = "cluster" if estimator in PANEL_ESTIMATORS else "robust"
    if estimator == "did_2x2" and effective == "cluster" and cluster is None:
        problems.append("inference.cluster: required when inference.kind is "
                        "'cluster' with estimator 'did_2x2' (the column defining the clusters); "
                        "got nothing")
    if effective in ("classical", "robust") and cluster is not None:
        problems.append(f"inference.cluster: only used when inference.kind is "
                        f"'cluster' (it is {effective!r}); got {describe_value(cluster)}")
    return problems


def _bootstrap_rules(raw: Mapping[str, Any]) -> list[str]:
    """Draws the schema accepts but the multiplier bootstrap does not (1 to 9)."""
    staggered = _section(raw, "staggered")
    draws = staggered.get("n_draws", staggered.get("bootstrap_draws"))
    if isinstance(draws, int) and not isinstance(draws, bool) and 0 < draws < 10:
        return [f"staggered.n_draws: must be 0 (analytic standard errors, no bands) or "
                f"at least 10 (999 is customary); got {draws}"]
    return []


def _event_study_rules(section: Mapping[str, Any]) -> list[str]:
    window = section.get("window")
    reference = section.get("reference", -1)
    ok_window = (isinstance(window, list) and len(window) == 2
                 and all(isinstance(v, int) and not isinstance(v, bool) for v in window))
    if not ok_window:
        if window is None and section.get("bin_endpoints") is True:
            return ["event_study.bin_endpoints: true pools the relative periods beyond "
                    "event_study.window into its end points, so it needs a window, e.g. "
                    "window: [-4, 3]; got no event_study.window"]
        return []
    low, high = window
    if low >= high:
        return [f"event_study.window: must be [first, last] with first < last; got {window!r}"]
    if high < 0:
        return [f"event_study.window: must reach the first treated period (its last value "
                f"at least 0, e.g. [{low}, 3]); got {window!r}"]
    if isinstance(reference, int) and not isinstance(reference, bool) and reference < 0 \
            and not low <= reference <= high:
        return [f"event_study.reference: must lie inside event_study.window {window!r}; "
                f"got {reference!r}"]
    return []


def _distinct_columns(design: Mapping[str, Any]) -> list[str]:
    problems = []
    owner: dict[str, str] = {}
    for key in _ROLE_KEYS:
        column = design.get(key)
        if not isinstance(column, str):
            continue
        if column in owner:
            problems.append(f"design.{key}: must be a different column from {owner[column]}; "
                            f"got {column!r} for both")
        else:
            owner[column] = f"design.{key}"
    covariates = design.get("covariates")
    if isinstance(covariates, list):
        seen: set[str] = set()
        for i, column in enumerate(covariates):
            if not isinstance(column, str):
                continue
            if column in owner:
                problems.append(f"design.covariates[{i}]: must not repeat {owner[column]}; "
                                f"got {column!r}")
            elif column in seen:
                problems.append(f"design.covariates[{i}]: each covariate must be listed once; "
                                f"got {column!r} again")
            seen.add(column)
    return problems


def _indicator_rules(raw: Mapping[str, Any], params_path: Path | None) -> list[str]:
    problems = []
    if raw.get("design") is None and raw.get("indicators") is None \
            and raw.get("programme") is None:
        problems.append("design: a params file needs a design to evaluate, indicators to "
                        "track, a programme to follow, or a design and indicators; got none")
    if raw.get("programme") is not None:
        given = [k for k in ("design", "indicators") if raw.get(k) is not None]
        if given:
            problems.append(f"programme: a programme's follow-up is a report of its own; give "
                            f"{' and '.join(given)} in another params file (and link an "
                            f"evaluation with programme.cost.evaluation); got programme and "
                            f"{' and '.join(given)}")
    if raw.get("design") is None:
        for section in ("event_study", "staggered", "synthetic", "sensitivity"):
            if raw.get(section) is not None:
                problems.append(f"{section}: only allowed with a design; got no design")
    section = _section(raw, "indicators")
    definitions = section.get("definitions")
    measures = section.get("measures")
    if isinstance(definitions, str) and params_path is not None:
        path = resolve_data_path(definitions, params_path)
        if not path.is_file():
            problems.append(f"indicators.definitions: must be an existing YAML file (relative "
                            f"to the params file's folder); got {definitions!r}, which would "
                            f"be {path}")
        else:
            from evalkit.indicators.definitions import load_indicators

            try:
                codes = {ind.code for ind in load_indicators(path)}
            except ParamsError as exc:
                problems += [f"indicators.definitions ({path.name}): {p}" for p in exc.problems]
            else:
                if isinstance(measures, dict):
                    for code in measures:
                        if code not in codes:
                            problems.append(f"indicators.measures.{code}: must be an indicator "
                                            f"of {path.name} ({', '.join(sorted(codes))}); "
                                            f"got {code!r}")
    if isinstance(measures, dict):
        for code, measure in measures.items():
            if isinstance(measure, dict) and measure.get("kind") in ("proportion", "rate") \
                    and measure.get("denominator") is None:
                problems.append(f"indicators.measures.{code}.denominator: required when kind "
                                f"is {measure.get('kind')!r}; got nothing")
    return problems


def rule_problems(raw: Mapping[str, Any], params_path: Path | None = None) -> list[str]:
    """Problems with the rules between keys: what each estimator needs and allows."""
    design = _section(raw, "design")
    problems = _indicator_rules(raw, params_path)
    problems += _estimator_rules(design, raw)
    problems += _inference_rules(design.get("estimator"), _section(raw, "inference"))
    problems += _event_study_rules(_section(raw, "event_study"))
    problems += _bootstrap_rules(raw)
    problems += _distinct_columns(design)
    problems += order_problems(_section(raw, "rules"), prefix="rules.")
    return problems


# --------------------------------------------------------------------------- columns


def resolve_data_path(file: str, params_path: Path) -> Path:
    """The data file as an absolute path; a relative one starts at the params file's folder."""
    p = Path(file).expanduser()
    if not p.is_absolute():
        p = Path(params_path).parent / p
    return p.resolve()


def column_references(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(key, column)`` pair a params mapping refers to, in file order."""
    design = _section(raw, "design")
    refs = [(f"design.{k}", design[k]) for k in _ROLE_KEYS if isinstance(design.get(k), str)]
    covariates = design.get("covariates")
    if isinstance(covariates, list):
        refs += [(f"design.covariates[{i}]", c) for i, c in enumerate(covariates)
                 if isinstance(c, str)]
    cluster = _section(raw, "inference").get("cluster")
    if isinstance(cluster, str):
        refs.append(("inference.cluster", cluster))
    sample = _section(raw, "data").get("sample")
    if isinstance(sample, dict):
        refs += [(f"data.sample.{k}", k) for k in sample if isinstance(k, str)]
    indicators = _section(raw, "indicators")
    refs += [(f"indicators.{k}", indicators[k]) for k in ("period", "territory", "group_by",
                                                          "group_name")
             if isinstance(indicators.get(k), str)]
    focus = indicators.get("focus")
    if isinstance(focus, dict):
        refs += [(f"indicators.focus.{k}", k) for k in focus if isinstance(k, str)]
    measures = indicators.get("measures")
    if isinstance(measures, dict):
        for code, measure in measures.items():
            if isinstance(measure, dict):
                refs += [(f"indicators.measures.{code}.{k}", measure[k])
                         for k in ("numerator", "denominator") if isinstance(measure.get(k), str)]
    from evalkit.reports.params.programme import programme_column_references

    refs += programme_column_references(raw)
    return refs


def column_problems(raw: Mapping[str, Any], params_path: Path) -> list[str]:
    """Problems with the data file: missing, unreadable, or lacking a column named."""
    data = _section(raw, "data")
    file = data.get("file")
    if not isinstance(file, str) or not file:
        return []
    path = resolve_data_path(file, params_path)
    if path.is_dir() or path.suffix.lower() in (".duckdb", ".db"):
        return _engine_column_problems(raw, data, file, path)
    if data.get("table") is not None:
        return [f"data.table: only used for DuckDB databases (.duckdb, .db); data.file is "
                f"{file!r}"]
    if not path.is_file():
        return [f"data.file: must be an existing data file (a relative path is read from "
                f"the params file's folder, {Path(params_path).parent}); got {file!r}, "
                f"which would be {path}, and there is no such file"]
    fmt = table_format(path)
    if fmt is None:
        return [f"data.file: must end with one of {', '.join(sorted(SUPPORTED_SUFFIXES))}; "
                f"got {file!r}"]
    problems = []
    sheet = data.get("sheet")
    read = data.get("read") if isinstance(data.get("read"), dict) else {}
    sheet_key = "data.sheet"
    if read.get("sheet") is not None:
        if sheet is not None:
            problems.append(f"data.sheet and data.read.sheet: give only one of the two; got "
                            f"{describe_value(sheet)} and {describe_value(read['sheet'])}")
        sheet, sheet_key = read["sheet"], "data.read.sheet"
    if sheet is not None and fmt != "excel":
        problems.append(f"{sheet_key}: only used for Excel files (this one is {fmt}); "
                        f"got {describe_value(sheet)}")
        sheet = None
    if fmt in ("excel", "parquet"):
        text_only = [k for k in ("separator", "decimal", "thousands", "encoding")
                     if read.get(k) is not None]
        problems += [f"data.read.{k}: only used for text files (CSV, TSV; this one is {fmt}); "
                     f"got {describe_value(read[k])}" for k in text_only]
    if fmt == "parquet":
        problems += [f"data.read.{k}: not used for Parquet files, whose columns are typed; "
                     f"got {describe_value(read[k])}" for k in ("header_row", "missing",
                                                                "text_columns")
                     if read.get(k) is not None]
    if not isinstance(sheet, str | int) or isinstance(sheet, bool):
        sheet = None
    options = read_options(data) if fmt != "parquet" else {}
    try:
        header = read_header(path, sheet, **options)
    except Exception as exc:  # any reader failure is a problem of the data file
        key = sheet_key if fmt == "excel" and sheet is not None else "data.file"
        reason = exc.message if isinstance(exc, DataError) else f"reading it failed: {exc}"
        for spelling in (str(path), str(Path(file).expanduser())):
            reason = reason.replace(f"Cannot read {spelling} as {fmt}: ", "")
        chosen = f", sheet {sheet!r}" if key == "data.sheet" else ""
        return [*problems, f"{key}: must be a readable {fmt} file; got {file!r}{chosen}: "
                           f"{reason}"]
    columns = header.columns
    present = set(columns)
    where = header.sheet_note(sheet_key) + header_hint(columns, fmt, for_params=True)
    stated = options.get("text_columns") or ()
    problems += [f"data.read.text_columns: must name columns of {path}; got {column!r}. Its "
                 f"columns are: {describe_columns(columns)}"
                 for column in stated if column not in set(columns)]
    for key, column in column_references(raw):
        if key == "indicators.group_by" and column not in present:
            from evalkit.territories import LEVEL_NAMES

            if column in LEVEL_NAMES:
                continue  # a level of the territorial referential, attached when run
            problems.append(f"{key}: must be a column of {path} or a level of the territorial "
                            f"referential ({', '.join(LEVEL_NAMES)}); got {column!r}. "
                            f"Its columns are: {describe_columns(columns)}{where}")
        elif column not in present:
            problems.append(f"{key}: must be a column of {path}; got {column!r}. "
                            f"Its columns are: {describe_columns(columns)}{where}")
    return problems


def _engine_column_problems(raw: Mapping[str, Any], data: Mapping[str, Any], file: str,
                            path: Path) -> list[str]:
    """Problems with a folder of Parquet files or a DuckDB database as ``data.file``: the
    columns are read from the Parquet footers or the database's catalogue."""
    read = data.get("read")
    problems = []
    if isinstance(read, dict) and read:
        kind = "a Parquet folder" if path.is_dir() else "a DuckDB database"
        problems.append(f"data.read: not used for {kind}, whose columns are typed; got "
                        f"{describe_value(read)}")
    table = data.get("table")
    if path.is_dir():
        if table is not None:
            problems.append(f"data.table: only used for DuckDB databases; data.file {file!r} "
                            "is a folder")
        files = sorted(path.rglob("*.parquet"))
        if not files:
            return [*problems, f"data.file: a folder must hold Parquet files (*.parquet); "
                               f"{path} holds none"]
        import pyarrow.parquet as pq

        try:
            columns = list(pq.read_schema(files[0]).names)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a data problem
            return [*problems, f"data.file: {files[0].name} in {file!r} is not a readable "
                               f"Parquet file: {exc}"]
        where = f"the Parquet files of {path}"
    else:
        if not path.is_file():
            return [*problems, f"data.file: no such DuckDB database: {path}"]
        if not isinstance(table, str) or not table:
            return [*problems, f"data.table: must name the table holding the panel in the "
                               f"DuckDB database {file!r}"]
        try:
            import duckdb

            with duckdb.connect(str(path), read_only=True) as connection:
                tables = [r[0] for r in connection.execute("SHOW TABLES").fetchall()]
                if table not in tables:
                    return [*problems, f"data.table: must be a table of {file!r} (its tables: "
                                       f"{', '.join(map(repr, tables)) or 'none'}); got "
                                       f"{table!r}"]
                columns = [r[0] for r in connection.execute(
                    f'DESCRIBE "{table}"').fetchall()]
        except ImportError:
            return [*problems, "data.file: reading a DuckDB database needs duckdb: "
                               "pip install 'evalkit[duckdb]'"]
        except Exception as exc:  # noqa: BLE001 - any reader failure is a data problem
            return [*problems, f"data.file: {file!r} is not a readable DuckDB database: {exc}"]
        where = f"table {table!r} of {path}"
    present = set(columns)
    problems += [f"{key}: must be a column of {where}; got {column!r}. Its columns are: "
                 f"{describe_columns(columns)}"
                 for key, column in column_references(raw) if column not in present]
    return problems
