"""Policy params files: schema, rules between keys, data columns, YAML pitfalls."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from evalkit.datasets import dataset_path
from evalkit.errors import InputError, ParamsError
from evalkit.reports import PolicyParams, check_columns, load_params

PANEL = """\
policy:
  name: Minimum wage increases and teen employment
  description: "Staggered increases <b>& co</b>"
language: en
data:
  file: {data}
design:
  estimator: event_study
  outcome: lemp
  outcome_label: log teen employment
  outcome_scale: log
  unit: countyreal
  time: year
  first_treated: first.treat
event_study:
  window: [-4, 3]
"""

TWO_BY_TWO = """\
policy:
  name: Incinerator
  description: House prices near an incinerator.
language: fr
data:
  file: {data}
design:
  estimator: did_2x2
  outcome: rprice
  treated: nearinc
  post: y81
  covariates: [age, rooms]
"""


def write(folder: Path, text: str, name: str = "policy.yaml", data: str | Path | None = None,
          dataset: str = "mpdta") -> Path:
    path = folder / name
    path.write_text(text.format(data=data or dataset_path(dataset)), encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[str, ...]:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert info.value.path == str(path.resolve())
    return info.value.problems


def test_valid_panel_file(tmp_path):
    params = load_params(write(tmp_path, PANEL))
    assert isinstance(params, PolicyParams)
    assert params.policy_id == "policy"
    assert params.params_path == (tmp_path / "policy.yaml").resolve()
    assert params.data_path == dataset_path("mpdta").resolve()
    assert params.design.estimator == "event_study"
    assert params.design.covariates == []
    # defaults that depend on the design
    assert params.inference.kind == "cluster"
    assert params.inference.cluster == "countyreal"
    assert params.inference.confidence_level == 0.95
    assert params.event_study.window == [-4, 3]
    assert params.event_study.reference == -1
    assert params.title == params.policy.name


def test_valid_two_by_two_file_defaults_to_robust(tmp_path):
    params = load_params(write(tmp_path, TWO_BY_TWO, dataset="kielmc"))
    assert params.inference.kind == "robust"
    assert params.inference.cluster is None
    assert params.language == "fr"
    assert not params.is_panel


def test_notebook_parameters_are_plain_json(tmp_path):
    params = load_params(write(tmp_path, PANEL))
    out = params.to_notebook_parameters()
    assert json.loads(json.dumps(out)) == out
    assert out["policy_id"] == "policy"
    assert out["data_file"] == str(dataset_path("mpdta").resolve())
    assert out["design"]["first_treated"] == "first.treat"


def test_params_are_immutable(tmp_path):
    params = load_params(write(tmp_path, PANEL))
    with pytest.raises(ValidationError, match="frozen"):
        params.design.outcome = "other"


def test_relative_data_path_starts_at_params_folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    pd.read_csv(dataset_path("mpdta")).head(20).to_csv(tmp_path / "data" / "x.csv", index=False)
    params = load_params(write(tmp_path / "params", PANEL, data="../data/x.csv"))
    assert params.data_path == (tmp_path / "data" / "x.csv").resolve()


def test_shipped_params_files_are_valid():
    folder = Path(__file__).resolve().parents[2] / "params"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        pytest.skip("no params files in this checkout")
    for path in files:
        load_params(path)


def test_params_error_is_an_input_error(tmp_path):
    path = write(tmp_path, PANEL.replace("estimator: event_study", "estimator: did"))
    with pytest.raises(InputError, match="Invalid params file"):
        load_params(path)


# ----------------------------------------------------------------------------- schema


def test_unknown_key_is_named_with_suggestion(tmp_path):
    path = write(tmp_path, PANEL.replace("outcome_scale: log", "outcome_scal: log"))
    (problem,) = problems_of(path)
    assert problem.startswith("design.outcome_scal: unknown key")
    assert "did you mean 'outcome_scale'?" in problem
    assert "got 'log'" in problem


def test_unknown_top_level_key(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL + "extra: 1\n"))
    assert problem.startswith("extra: unknown key")


def test_wrong_type_names_key_expected_and_value(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL.replace("outcome: lemp", "outcome: 3")))
    assert problem.startswith("design.outcome: must be text; got 3")
    assert "quotes" in problem


def test_yaml_boolean_gets_a_hint(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL.replace(
        "name: Minimum wage increases and teen employment", "name: yes")))
    assert problem.startswith("policy.name: must be text; got True")
    assert "booleans" in problem


def test_strict_types_do_not_coerce(tmp_path):
    text = PANEL + "inference:\n  confidence_level: '0.9'\n"
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("inference.confidence_level: must be a number; got '0.9'")
    text = PANEL.replace("window: [-4, 3]", "window: ['-4', 3]")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("event_study.window[0]: must be an integer")


def test_missing_required_key(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL.replace("  outcome: lemp\n", "")))
    assert problem == "design.outcome: required key is missing"


def test_bad_enum_lists_allowed_values(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL.replace("event_study\n", "did\n", 1)))
    assert problem.startswith("design.estimator: must be one of 'did_2x2', 'twfe', "
                              "'event_study', 'callaway_santanna', 'sun_abraham', "
                              "'imputation', 'synthetic_did', 'synthetic_control', "
                              "'extended_twfe', 'chaisemartin_dhaultfoeuille', "
                              "'continuous_did', 'triple_differences'; got 'did'")


def test_range_checks(tmp_path):
    text = PANEL.replace("window: [-4, 3]", "window: [-4, 3]\n  reference: 0")
    text += "inference:\n  confidence_level: 1\n"
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("event_study.reference: must be less than 0") for p in problems)
    assert any(p.startswith("inference.confidence_level: must be less than 1") for p in problems)


def test_sample_values_and_sheet(tmp_path):
    text = PANEL.replace("  file: {data}\n", "  file: {data}\n  sample: {{year: {{a: 1}}}}\n"
                                               "  sheet: 1.5\n")
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("data.sample.year: must be a value") for p in problems)
    assert any(p.startswith("data.sheet: must be a sheet name") for p in problems)


def test_dates_are_not_coerced(tmp_path):
    text = PANEL + "report:\n  title: 2020-01-01\n  notes: 2021-06-30 12:00:00\n"
    params = load_params(write(tmp_path, text))
    assert params.report.title == "2020-01-01"
    assert params.report.notes == "2021-06-30 12:00:00"


# ----------------------------------------------------------------------------- YAML


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("policy:\n  name: [unclosed\nlanguage: en\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.startswith("line ")
    assert "column" in problem
    assert "YAML syntax error" in problem


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "list"), ("just text\n", "str"),
                                        ("", "0"), ("a: 1\n---\nb: 2\n", "2")])
def test_document_must_be_one_mapping(tmp_path, text, kind):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = problems_of(path)
    assert kind in problem


def test_duplicate_keys_are_reported(tmp_path):
    text = PANEL.replace("  outcome: lemp\n", "  outcome: lemp\n  outcome: lpop\n")
    (problem,) = problems_of(write(tmp_path, text))
    assert "key 'outcome' is repeated" in problem
    assert problem.startswith("line 10, column 3")


def test_missing_params_file(tmp_path):
    (problem,) = problems_of(tmp_path / "nothing.yaml")
    assert "does not exist" in problem


# ----------------------------------------------------------------------------- rules


def test_did_2x2_requires_treated_and_post(tmp_path):
    text = TWO_BY_TWO.replace("  treated: nearinc\n  post: y81\n", "")
    problems = problems_of(write(tmp_path, text, dataset="kielmc"))
    assert any(p.startswith("design.treated: required with estimator 'did_2x2'")
               for p in problems)
    assert any(p.startswith("design.post: required with estimator 'did_2x2'") for p in problems)


def test_did_2x2_refuses_panel_keys_and_event_study(tmp_path):
    text = TWO_BY_TWO.replace("  post: y81\n", "  post: y81\n  time: year\n")
    text += "event_study:\n  reference: -1\n"
    problems = problems_of(write(tmp_path, text, dataset="kielmc"))
    # design.time may stand for design.post (two periods), but not beside it
    assert any(p.startswith("design.time: give design.post or design.time with estimator "
                            "'did_2x2', not both") for p in problems)
    assert any(p.startswith("event_study: only allowed with the panel estimators")
               for p in problems)
    text = TWO_BY_TWO.replace("  post: y81\n", "  post: y81\n  first_treated: year\n")
    problems = problems_of(write(tmp_path, text, dataset="kielmc"))
    assert any(p.startswith("design.first_treated: only used by the panel estimators")
               for p in problems)


def test_staggered_section_is_typed_and_panel_only(tmp_path):
    text = PANEL + ("staggered:\n  estimators: [callaway_santanna, synthetic]\n"
                    "  n_draws: -1\n  method: dr\n")
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("staggered.estimators[1]: must be one of 'callaway_santanna', "
                            "'sun_abraham', 'imputation'") for p in problems)
    assert any(p.startswith("staggered.n_draws: must be at least 0")
               for p in problems)
    assert any(p.startswith("staggered.method: must be one of 'doubly_robust'") for p in problems)
    text = TWO_BY_TWO + "staggered:\n  n_draws: 99\n"
    problems = problems_of(write(tmp_path, text, dataset="kielmc"))
    assert any(p.startswith("staggered: only allowed with the panel estimators") for p in problems)


def test_did_2x2_cluster_needs_a_column(tmp_path):
    text = TWO_BY_TWO + "inference:\n  kind: cluster\n"
    (problem,) = problems_of(write(tmp_path, text, dataset="kielmc"))
    assert problem.startswith("inference.cluster: required when inference.kind is "
                              "'cluster'")


def test_cluster_refused_without_clustered_errors(tmp_path):
    text = PANEL + "inference:\n  kind: robust\n  cluster: countyreal\n"
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("inference.cluster: only used when")


def test_panel_needs_unit_time_and_one_timing_column(tmp_path):
    text = PANEL.replace("  unit: countyreal\n  time: year\n", "")
    text = text.replace("  first_treated: first.treat\n", "")
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("design.unit: required with estimator 'event_study'")
               for p in problems)
    assert any(p.startswith("design.time: required") for p in problems)
    assert any(p.startswith("design.first_treated: estimator 'event_study' needs exactly one")
               for p in problems)


def test_panel_refuses_both_timing_columns_and_2x2_keys(tmp_path):
    text = PANEL.replace("  first_treated: first.treat\n",
                         "  first_treated: first.treat\n  treatment: treat\n  post: year\n")
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("design.treatment: give only one of") for p in problems)
    assert any(p.startswith("design.post: only used by estimator 'did_2x2'") for p in problems)


def test_window_order_and_reference_inside(tmp_path):
    text = PANEL.replace("window: [-4, 3]", "window: [3, -4]")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("event_study.window: must be [first, last] with first < last")
    text = PANEL.replace("window: [-4, 3]", "window: [0, 3]")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("event_study.reference: must lie inside")
    text = PANEL.replace("window: [-4, 3]", "window: [-4, -2]")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("event_study.window: must reach the first treated period")


def test_binned_end_points_need_a_window(tmp_path):
    text = PANEL.replace("  window: [-4, 3]\n", "  bin_endpoints: true\n")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("event_study.bin_endpoints: true pools the relative periods")


def test_roles_need_distinct_columns(tmp_path):
    text = PANEL.replace("  time: year\n", "  time: countyreal\n")
    text = text.replace("first.treat\n", "first.treat\n  covariates: [lpop, lpop, lemp]\n", 1)
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("design.time: must be a different column from design.unit")
               for p in problems)
    assert any(p.startswith("design.covariates[1]: each covariate must be listed once")
               for p in problems)
    assert any(p.startswith("design.covariates[2]: must not repeat design.outcome")
               for p in problems)


# ----------------------------------------------------------------------------- data


def test_missing_data_file(tmp_path):
    (problem,) = problems_of(write(tmp_path, PANEL, data="../data/nothere.csv"))
    assert problem.startswith("data.file: must be an existing data file")
    assert str((tmp_path.parent / "data" / "nothere.csv").resolve()) in problem


def test_unsupported_data_extension(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    (problem,) = problems_of(write(tmp_path, PANEL, data="x.json"))
    assert problem.startswith("data.file: must end with one of")


def test_missing_column_names_file_key_and_existing_columns(tmp_path):
    text = PANEL.replace("outcome: lemp", "outcome: employment")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("design.outcome: must be a column of ")
    assert str(dataset_path("mpdta").resolve()) in problem
    assert "got 'employment'" in problem
    assert "'year', 'countyreal', 'lpop', 'lemp', 'first.treat', 'treat'" in problem


def test_every_column_reference_is_checked(tmp_path):
    text = PANEL.replace("first.treat\n", "first.treat\n  covariates: [c1]\n  weights: w\n", 1)
    text = text.replace("  file: {data}\n", "  file: {data}\n  sample: {{s: 1}}\n")
    text += "inference:\n  cluster: cl\n"
    problems = problems_of(write(tmp_path, text))
    keys = {p.split(":")[0] for p in problems}
    assert keys == {"design.covariates[0]", "design.weights", "inference.cluster",
                    "data.sample.s"}


def test_sheet_only_for_excel(tmp_path):
    text = PANEL.replace("  file: {data}\n", "  file: {data}\n  sheet: 0\n")
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("data.sheet: only used for Excel files")


def test_parquet_and_excel_headers(tmp_path):
    frame = pd.read_csv(dataset_path("mpdta")).head(30)
    frame.to_parquet(tmp_path / "m.parquet")
    frame.to_excel(tmp_path / "m.xlsx", sheet_name="panel", index=False)
    assert load_params(write(tmp_path, PANEL, data="m.parquet")).data_path.suffix == ".parquet"
    text = PANEL.replace("  file: {data}\n", "  file: {data}\n  sheet: panel\n")
    assert load_params(write(tmp_path, text, data="m.xlsx")).data.sheet == "panel"
    (problem,) = problems_of(write(tmp_path, PANEL.replace("outcome: lemp", "outcome: nope"),
                                   data="m.parquet"))
    assert "'lemp'" in problem
    bad_sheet = PANEL.replace("  file: {data}\n", "  file: {data}\n  sheet: other\n")
    (problem,) = problems_of(write(tmp_path, bad_sheet, data="m.xlsx"))
    assert problem.startswith("data.sheet: must be a readable excel file")


def test_check_columns_after_the_data_changed(tmp_path):
    data = tmp_path / "m.csv"
    pd.read_csv(dataset_path("mpdta")).head(10).to_csv(data, index=False)
    params = load_params(write(tmp_path, PANEL, data="m.csv"))
    check_columns(params)
    pd.read_csv(data).drop(columns="lemp").to_csv(data, index=False)
    with pytest.raises(ParamsError) as info:
        check_columns(params)
    (problem,) = info.value.problems
    assert problem.startswith("design.outcome: must be a column of")


def test_all_problems_are_collected_together(tmp_path):
    text = textwrap.dedent("""\
        policy:
          name: 12
        language: de
        data:
          file: {data}
        design:
          estimator: twfe
          outcome: nope
          unit: countyreal
          treatment: treat
          color: blue
        """)
    problems = problems_of(write(tmp_path, text))
    keys = [p.split(":")[0] for p in problems]
    for key in ("policy.name", "policy.description", "language", "design.color",
                "design.time", "design.outcome"):
        assert key in keys, (key, problems)


def test_synthetic_and_sensitivity_sections_are_checked(tmp_path):
    text = PANEL + ("synthetic:\n  n_draws: 1\n"
                    "sensitivity:\n  wild_bootstrap: sometimes\n  relative_magnitudes: [-1]\n")
    problems = problems_of(write(tmp_path, text))
    assert "synthetic.n_draws: must be at least 2; got 1 (a number)" in problems
    assert any(p.startswith("sensitivity.wild_bootstrap: must be one of 'auto', 'always', "
                            "'never'; got 'sometimes'") for p in problems)
    assert any(p.startswith("sensitivity.relative_magnitudes[0]: must be at least 0")
               for p in problems)
    assert any(p.startswith("synthetic: only allowed with the synthetic estimators")
               for p in problems)


def test_synthetic_design_refuses_a_staggered_section(tmp_path):
    text = PANEL.replace("event_study\n", "synthetic_did\n", 1) + "staggered:\n  bacon: false\n"
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith("staggered: not used with estimator 'synthetic_did'")
               for p in problems)


# ------------------------------------------------------------------ renamed keys
_RENAMED_KEYS = [
    ("inference", "standard_errors: cluster", "kind", "cluster"),
    ("staggered", "bootstrap_draws: 0", "n_draws", 0),
    ("staggered", "seed: 7", "random_state", 7),
    ("sensitivity", "bootstrap_draws: 199", "n_draws", 199),
    ("sensitivity", "seed: 7", "random_state", 7),
]


@pytest.mark.parametrize("section, old, new, value", _RENAMED_KEYS)
def test_renamed_keys_warn_and_read_as_the_new_ones(tmp_path, section, old, new, value):
    from evalkit import EvalkitDeprecationWarning

    key = old.split(":")[0]
    with pytest.warns(EvalkitDeprecationWarning,
                      match=rf"{section}\.{key} is deprecated: use {section}\.{new}"):
        params = load_params(write(tmp_path, PANEL + f"{section}:\n  {old}\n"))
    assert getattr(getattr(params, section), new) == value
    same = load_params(write(tmp_path, PANEL + f"{section}:\n  {new}: {value}\n"))
    assert getattr(same, section) == getattr(params, section)


def test_renamed_synthetic_keys(tmp_path):
    from evalkit import EvalkitDeprecationWarning
    from evalkit.reports.params.schema import SyntheticSection

    with pytest.warns(EvalkitDeprecationWarning) as record:
        old = SyntheticSection(standard_errors="bootstrap", replications=50, seed=3)
    assert [str(r.message) for r in record] == [
        "synthetic.standard_errors is deprecated: use synthetic.inference",
        "synthetic.replications is deprecated: use synthetic.n_draws",
        "synthetic.seed is deprecated: use synthetic.random_state"]
    assert old == SyntheticSection(inference="bootstrap", n_draws=50, random_state=3)


def test_old_and_new_key_together_are_refused(tmp_path):
    text = PANEL + "inference:\n  standard_errors: cluster\n  kind: cluster\n"
    problems = problems_of(write(tmp_path, text))
    assert any("inference.standard_errors and inference.kind: give only inference.kind "
               "(inference.standard_errors is its former name)" in p for p in problems), problems


def test_the_inference_section_builds_the_library_kind(tmp_path):
    from evalkit import Classical, Clustered, Robust
    from evalkit.reports.params.schema import InferenceSection

    assert InferenceSection(kind="cluster", cluster="state").to_inference() == Clustered("state")
    assert InferenceSection(kind="classical").to_inference() == Classical()
    assert InferenceSection().to_inference() == Robust()
