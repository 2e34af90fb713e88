"""check_data: the problems a run would meet in a policy's data, found before running it.

Each test writes a small data file and a params file in ``tmp_path``, checks that
:func:`check_data` reports the problem with the params' keys, the column and the rows or
units at fault, and, where the run would fail on it, that the run's message is the same.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.errors import DataError, ParamsError
from evalkit.reports.analysis.data_checks import check_data
from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.params.schema import load_params

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "data" / "hauts_de_france_indicators.yaml"
PANEL = {"estimator": "twfe", "outcome": "y", "unit": "unit", "time": "year",
         "first_treated": "g"}


def _panel_frame(units: str = "ABCDEF", treated: str = "AB", start: int = 2003) -> pd.DataFrame:
    """Units observed 2001-2004; ``treated`` units first treated in ``start``."""
    rng = np.random.default_rng(1)
    rows = [{"unit": u, "year": t, "g": start if u in treated else 0,
             "y": 1.0 + 0.1 * t + (0.5 if u in treated and t >= start else 0.0)
             + rng.normal(0, 0.1)}
            for u in units for t in range(2001, 2005)]
    return pd.DataFrame(rows)


def _policy(tmp_path: Path, data: pd.DataFrame | str | bytes, design: dict | None = None,
            name: str = "data.csv", read: dict | None = None, **sections) -> Path:
    path = tmp_path / name
    if isinstance(data, pd.DataFrame):
        data.to_csv(path, index=False)
    elif isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    params = {"policy": {"name": "Test", "description": "A test."}, "language": "en",
              "data": {"file": name, **({"read": read} if read else {})}, **sections}
    if design is not None:
        params["design"] = design
    out = tmp_path / "policy.yaml"
    out.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return out


def _check(path: Path) -> list[str]:
    return check_data(load_params(path))


def _run_problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(DataError) as info:
        evaluate(path)
    return info.value.problems or (info.value.message,)


# =========================================================================== shipped
@pytest.mark.parametrize("policy", sorted(p.stem for p in (ROOT / "params").glob("*.yaml")))
def test_the_shipped_params_have_fit_data(policy):
    assert check_data(load_params(ROOT / "params" / f"{policy}.yaml")) == []


# =========================================================================== designs
def test_text_where_a_number_is_needed(tmp_path):
    frame = _panel_frame().astype({"y": object})
    frame.loc[5, "y"] = "n.d."
    frame.loc[9, "y"] = "1,25"
    path = _policy(tmp_path, frame, PANEL)
    (problem,) = _check(path)
    assert problem.startswith("design.outcome: y: must be a numeric column; got dtype ")
    assert "2 of 24 rows holding values that are not numbers: 'n.d.' (row 6), '1,25' " \
           "(row 10)" in problem
    assert (problem,) == _run_problems(path)


def test_non_finite_and_huge_values_name_the_rows(tmp_path):
    frame = _panel_frame()
    frame["pop"] = 1000.0
    frame.loc[[2, 3], "y"] = np.inf
    frame.loc[7, "pop"] = 1e300
    path = _policy(tmp_path, frame, {**PANEL, "covariates": ["pop"]})
    problems = _check(path)
    assert problems[0].startswith("design.outcome: y: must hold finite numbers; got inf or "
                                  "-inf in 2 of 24 rows (rows 3 and 4;")
    assert problems[1].startswith("design.covariates: pop: must be at most")
    assert "too large to estimate with" in problems[1] and "(row 8;" in problems[1]
    assert tuple(problems) == _run_problems(path)


def test_treatment_that_switches_off_names_the_units(tmp_path):
    frame = _panel_frame()
    frame["d"] = ((frame["g"] > 0) & (frame["year"] >= frame["g"])).astype(int)
    frame.loc[(frame["unit"] == "B") & (frame["year"] == 2004), "d"] = 0
    design = {**PANEL, "treatment": "d", "first_treated": None}
    path = _policy(tmp_path, frame.drop(columns="g"), design)
    (problem,) = _check(path)
    assert problem.startswith("design.treatment: d: must be absorbing (once 1, a unit stays "
                              "treated), but it switches back to 0 in 1 units, e.g. 'B'")
    assert (problem,) == _run_problems(path)


def test_duplicate_unit_period_rows(tmp_path):
    frame = _panel_frame()
    path = _policy(tmp_path, pd.concat([frame, frame.iloc[[0, 5]]]), PANEL)
    (problem,) = _check(path)
    assert problem.startswith("design.unit: unit, design.time: year: 2 unit-period pairs "
                              "appear on more than one row (4 rows), e.g. ('A', 2001), "
                              "('B', 2002)")
    assert "read as numbers" not in problem
    assert (problem,) == _run_problems(path)


def test_codes_with_leading_zeros_read_as_numbers(tmp_path):
    # 'id' is not a name that marks territorial codes: read as numbers, '01' and '1' collide
    text = ("id,year,y,g\n"
            + "".join(f"{code},{t},{1 + 0.1 * t},{g}\n"
                      for code, g in (("01", 0), ("1", 0), ("02", 2003), ("03", 2003))
                      for t in range(2001, 2005)))
    path = _policy(tmp_path, text, {**PANEL, "unit": "id"})
    problems = _check(path)
    assert len(problems) == 2
    assert "unit-period pairs appear on more than one row" in problems[0]
    assert "The column 'id' was read as numbers (dtype int64), so codes like 01 and 1, if " \
           "the file writes both, became equal: territorial codes must be read as text" \
        in problems[0]
    assert problems[1].startswith("design.unit: id: data.csv writes different codes that "
                                  "became the same number when read: '01' and '1' (all read "
                                  "as 1)")
    assert "data.read.text_columns: [id]" in problems[1]
    # stated as text, or named as a code, the column keeps its codes and the data fit
    stated = _policy(tmp_path, text, {**PANEL, "unit": "id"},
                     read={"text_columns": ["id"]})
    assert _check(stated) == []
    named = _policy(tmp_path, text.replace("id,", "unit_code,", 1),
                    {**PANEL, "unit": "unit_code"})
    assert _check(named) == []


def test_every_unit_treated_at_the_same_time_has_no_comparison(tmp_path):
    path = _policy(tmp_path, _panel_frame(treated="ABCDEF"), PANEL)
    (problem,) = _check(path)
    assert problem.startswith("no untreated comparison units: every unit is treated from the "
                              "same period (2003)")


def test_event_study_without_never_treated_units(tmp_path):
    frame = _panel_frame(treated="ABC")
    frame.loc[frame["unit"].isin(list("DEF")), "g"] = 2004
    path = _policy(tmp_path, frame, {**PANEL, "estimator": "event_study"})
    (problem,) = _check(path)
    assert problem.startswith("design.estimator: event_study cannot be estimated: every unit "
                              "is eventually treated")
    with pytest.raises(Exception) as info:
        evaluate(path)
    assert problem in str(info.value)
    # binned end points with a narrower window identify it
    binned = _policy(tmp_path, frame, {**PANEL, "estimator": "event_study"},
                     event_study={"window": [-1, 0], "bin_endpoints": True})
    assert _check(binned) == []


def test_callaway_santanna_with_never_treated_controls_but_none(tmp_path):
    frame = _panel_frame(treated="ABC")
    frame.loc[frame["unit"].isin(list("DEF")), "g"] = 2004
    design = {**PANEL, "estimator": "callaway_santanna"}
    path = _policy(tmp_path, frame, design, staggered={"control_group": "never_treated",
                                                       "n_draws": 0})
    (problem,) = _check(path)
    assert problem.startswith("design.estimator: callaway_santanna cannot be estimated: "
                              "staggered.control_group is never_treated, but every unit is "
                              "eventually treated")
    # not-yet-treated units are a valid comparison
    path = _policy(tmp_path, frame, design, staggered={"control_group": "not_yet_treated",
                                                       "n_draws": 0})
    assert _check(path) == []


def test_synthetic_design_needs_two_donors(tmp_path):
    path = _policy(tmp_path, _panel_frame(treated="ABCDE"), {**PANEL,
                                                              "estimator": "synthetic_did"})
    problems = _check(path)
    assert "design.estimator: synthetic_did: sdid needs at least 2 donor (never-treated) " \
           "units; the panel has 1." in problems
    prefix = len("design.estimator: synthetic_did: ")
    assert tuple(p[prefix:] for p in problems) == _run_problems(path)


def test_two_by_two_without_a_comparison_group(tmp_path, kielmc):
    kielmc["nearinc"] = 1
    design = {"estimator": "did_2x2", "outcome": "rprice", "treated": "nearinc", "post": "y81"}
    path = _policy(tmp_path, kielmc, design)
    (problem,) = _check(path)
    assert problem == ("design.treated: nearinc: no untreated comparison group (every row has "
                       "nearinc = 1)")
    assert (problem,) == _run_problems(path)


def test_two_by_two_with_infinite_values(tmp_path, kielmc):
    kielmc.loc[[3, 4], "rprice"] = -np.inf
    design = {"estimator": "did_2x2", "outcome": "rprice", "treated": "nearinc", "post": "y81"}
    (problem,) = _check(_policy(tmp_path, kielmc, design))
    assert problem.startswith("design.outcome: rprice: must hold finite numbers; got inf or -inf "
                              "in 2 of 321 rows (rows 4 and 5;")


# =========================================================================== files
def test_header_without_rows(tmp_path):
    path = _policy(tmp_path, "unit,year,y,g\n", PANEL)
    assert _check(path) == ["data.csv has a header but no data rows: there is nothing to "
                            "analyse below its column names."]


def test_truncated_file_is_named_as_the_params_give_it(tmp_path):
    # the params check reads the file's first 256 kB, so it finds the truncation itself
    data = gzip.compress(_panel_frame().to_csv(index=False).encode() * 200)
    path = _policy(tmp_path, data[: len(data) // 2], PANEL, name="data.csv.gz")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    (problem,) = info.value.problems
    assert problem.startswith("data.file: must be a readable csv file; got 'data.csv.gz': the "
                              "file is truncated")
    assert str(tmp_path) not in problem


def test_columns_the_params_do_not_use_are_not_read(tmp_path):
    frame = _panel_frame()
    frame["notes"] = "text, with commas"
    frame["broken"] = "n.d."
    assert _check(_policy(tmp_path, frame, PANEL)) == []


# =========================================================================== tracking
def _tracking(tmp_path: Path, frame: pd.DataFrame) -> Path:
    indicators = {"definitions": str(DEFINITIONS), "period": "year",
                  "territory": "commune_code",
                  "measures": {"poverty_rate": {"numerator": "poor", "denominator": "households"}}}
    return _policy(tmp_path, frame, indicators=indicators)


def _communes() -> pd.DataFrame:
    return pd.DataFrame([{"commune_code": code, "year": year, "poor": 10 + year % 3,
                          "households": 100}
                         for code in ("02001", "02002", "59350") for year in range(2015, 2020)])


def test_tracking_data_that_fit(tmp_path):
    assert _check(_tracking(tmp_path, _communes())) == []


def test_tracking_measures_must_be_finite_numbers(tmp_path):
    frame = _communes().astype({"poor": object})
    frame.loc[4, "poor"] = "voir note"  # not a missing-value marker ('secret' is one)
    frame["households"] = frame["households"].astype(float)
    frame.loc[[1, 2], "households"] = np.inf
    problems = _check(_tracking(tmp_path, frame))
    assert problems[0].startswith("indicators.measures.poverty_rate.numerator: poor: must be a "
                                  "numeric column; got dtype ")
    assert "'voir note' (row 5)" in problems[0]
    assert problems[1].startswith("indicators.measures.poverty_rate.denominator: households: "
                                  "must hold finite numbers; got inf or -inf in 2 of 15 rows "
                                  "(rows 2 and 3;")


def test_tracking_needs_one_row_per_territory_and_period(tmp_path):
    frame = _communes()
    problems = _check(_tracking(tmp_path, pd.concat([frame, frame.iloc[[0]]])))
    (problem,) = problems
    assert problem.startswith("indicators.territory: commune_code, indicators.period: year: 1 "
                              "territory-period pairs appear on more than one row (2 rows), "
                              "e.g. ('02001', 2015)")
    assert "read as numbers" not in problem  # commune_code is read as text


# =========================================================================== params checks
def test_missing_column_of_a_workbook_names_the_sheet_read_and_the_others(tmp_path):
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["Source"]}).to_excel(writer, sheet_name="Lisez-moi",
                                                     index=False)
        _panel_frame().to_excel(writer, sheet_name="Données", index=False)
    params = {"policy": {"name": "T", "description": "T."}, "language": "fr",
              "data": {"file": "book.xlsx"}, "design": PANEL}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    problem = info.value.problems[0]
    assert problem.startswith("design.outcome: must be a column of ")
    assert "(read from sheet 'Lisez-moi', the first, as no sheet was chosen; the workbook's " \
           "other sheets are 'Données': to read another, give its name or its position from " \
           "0, e.g. data.sheet: Données or data.sheet: 1)" in problem
    params["data"]["sheet"] = "Données"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    assert check_data(load_params(path)) == []


def test_unreadable_file_in_a_params_check_names_the_file_as_given(tmp_path):
    data = "commune,année\nAbbécourt,1\n".encode("cp1252")
    path = _policy(tmp_path, data, PANEL, read={"encoding": "utf-8"})
    with pytest.raises(ParamsError) as info:
        load_params(path)
    (problem,) = info.value.problems
    assert problem.startswith("data.file: must be a readable csv file; got 'data.csv': it is "
                              "not utf-8 text")


def test_bootstrap_draws_too_few_for_a_bootstrap(tmp_path):
    path = _policy(tmp_path, _panel_frame(), {**PANEL, "estimator": "callaway_santanna"},
                   staggered={"n_draws": 5})
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert "staggered.n_draws: must be 0 (analytic standard errors, no bands) or at " \
           "least 10 (999 is customary); got 5" in info.value.problems


def test_tracking_focus_must_select_some_rows_but_not_all(tmp_path):
    frame = _communes().assign(policy=0)
    path = _tracking(tmp_path, frame)
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["indicators"]["focus"] = {"policy": 1}
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    assert _check(path) == ["indicators.focus={'policy': 1}: must select some rows but not all "
                            "of them; it selects 0 of 15"]


def test_rows_in_windows_1252_far_below_an_ascii_header(tmp_path, monkeypatch):
    # the format is detected on the first bytes: a later byte that is not UTF-8 makes the
    # run read the file again as Windows-1252, without an error
    import evalkit.data.io

    monkeypatch.setattr(evalkit.data.io, "SAMPLE_BYTES", 2000)
    frame = _panel_frame().assign(notes="x" * 1000)
    frame.loc[23, "notes"] = "mis à jour"
    path = _policy(tmp_path, frame.to_csv(index=False).encode("cp1252"), PANEL)
    assert _check(path) == []
    evaluation = evaluate(path)
    assert evaluation.read_format.encoding == "cp1252"
    assert evaluation.data.loc[23, "notes"] == "mis à jour"
