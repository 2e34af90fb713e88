"""Params files written to hurt, or by mistake: bounded in size and time, never a traceback.

Each test is a sample of a class: YAML aliases that multiply (a "billion laughs"), a
file far too large, values nested or repeated beyond reason, bytes that are not text,
and the common YAML slips, which get a hint saying how to write the line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit._schema_errors import describe_value, short_repr
from evalkit._yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, read_params_yaml
from evalkit.datasets import dataset_path
from evalkit.errors import ParamsError
from evalkit.reports import load_params
from tests.reports.test_params import problems_of

VALID = """\
policy:
  name: Minimum wage
  description: Staggered increases
language: en
data:
  file: {data}
design:
  estimator: event_study
  outcome: lemp
  unit: countyreal
  time: year
  first_treated: first.treat
"""

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def write(folder: Path, text: str, name: str = "policy.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- aliases


def test_billion_laughs_is_refused_where_the_limit_is_crossed(tmp_path):
    # In a child process with a memory cap: were the aliases expanded again, the test
    # would fail on the cap or the timeout instead of exhausting the machine. How fast
    # the refusal is (a few milliseconds) is measured by benchmarks/bench_params.py.
    path = write(tmp_path, LAUGHS)
    assert path.stat().st_size < 1000
    child = textwrap.dedent(f"""
        import json, resource
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        from evalkit.errors import ParamsError
        from evalkit.reports import load_params
        try:
            load_params({str(path)!r})
        except ParamsError as exc:
            print(json.dumps({{"path": exc.path,
                               "problems": list(exc.problems)}}))
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=120, check=True)
    result = json.loads(done.stdout)
    assert result["path"] == str(path.resolve())
    (problem,) = result["problems"]
    assert "YAML aliases expand too much" in problem
    assert f"more than {MAX_VALUES:,} values" in problem
    assert problem.startswith("line 5, column ")  # where the limit is crossed


def test_aliases_repeating_small_blocks_are_fine(tmp_path):
    text = VALID.format(data=dataset_path("mpdta")) + (
        "report:\n  title: &title Minimum wage and teen employment\n  notes: *title\n"
        "event_study: &window\n  window: [-4, 3]\n")
    params = load_params(write(tmp_path, text))
    assert params.report.notes == params.report.title == "Minimum wage and teen employment"


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x {b: {c: *x}}\n"])
def test_an_alias_inside_its_own_block_is_refused(tmp_path, text):
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("line 1, column ")
    assert "repeats the block &x that contains it" in problem


# ----------------------------------------------------------------------------- size


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:  # 50 MB, sparse: written in no time
        stream.write(b"policy: [unclosed\n")
        stream.truncate(50_000_000)
    (problem,) = problems_of(path)
    assert problem == ("the file is 50 MB (50,000,000 bytes); a params file is a few KB and "
                       "may be at most 1 MB (1,000,000 bytes): is it the right file?")


def test_the_size_limit_is_inclusive(tmp_path):
    text = VALID.format(data=dataset_path("mpdta")) + "report:\n  notes: "
    text += "x" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n"
    path = write(tmp_path, text)
    assert path.stat().st_size == MAX_FILE_BYTES
    assert len(load_params(path).report.notes) > 900_000
    write(tmp_path, text.replace("notes: ", "notes: x"))
    (problem,) = problems_of(path)
    assert "(1,000,001 bytes)" in problem


def test_too_many_values_are_refused_early(tmp_path):
    items = ", ".join(["1"] * (MAX_VALUES + 1))
    (problem,) = problems_of(write(tmp_path, f"policy:\n  name: [{items}]\n"))
    assert f"the file holds more than {MAX_VALUES:,} values" in problem
    assert problem.startswith("line 2, column ")


def test_deep_nesting_is_refused(tmp_path):
    depth = 5_000  # once a RecursionError (a traceback)
    (problem,) = problems_of(write(tmp_path, "a: " + "[" * depth + "]" * depth + "\n"))
    assert f"nested more than {MAX_DEPTH} levels deep" in problem
    assert problem.startswith("line 1, column ")


def test_an_integer_too_long_for_python_is_a_problem(tmp_path):
    (problem,) = problems_of(write(tmp_path, "policy:\n  name: " + "9" * 5_000 + "\n"))
    assert problem.startswith("line 2, column 9: a number of 5,000 characters")
    assert "put the value in quotes if it is text" in problem


# ----------------------------------------------------------------------------- bytes


def test_a_control_character_is_located(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"policy:\n  name: a\x00b\n")
    (problem,) = problems_of(path)
    assert problem.startswith("line 2, column 10: the file contains the control character "
                              "U+0000")


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("policy:\n  name: café\n".encode("latin-1"))
    (problem,) = problems_of(path)
    assert problem.startswith("line 2, column 12: the params file cannot be read as UTF-8")


def test_a_folder_is_not_a_params_file(tmp_path):
    folder = tmp_path / "policy.yaml"
    folder.mkdir()
    with pytest.raises(ParamsError, match="must be a YAML file; got a folder"):
        read_params_yaml(folder)


# ----------------------------------------------------------------------------- values shown


class Counted:
    """An item that counts how many times it is rendered."""

    calls = 0

    def __repr__(self) -> str:
        Counted.calls += 1
        return "'lol'"


def test_values_are_cut_before_they_are_rendered():
    huge = [Counted()] * 1_000_000
    assert len(short_repr(huge, 80)) <= 80
    assert Counted.calls <= 12  # the items that fit in 80 characters, not a million
    assert short_repr("x" * 10_000_000, 10) == "'xxxxxx..."
    assert describe_value(10 ** 5_000) == "<a number of about 5,000 digits> (a number)"
    loop: list = [1]
    loop.append(loop)
    assert short_repr(loop, 200).startswith("[1, [1, [1,")
    many = {f"key{i}": i for i in range(100_000)}
    assert describe_value(many).endswith("'key7', ...")


def test_a_huge_value_gives_a_short_message(tmp_path):
    text = VALID.format(data=dataset_path("mpdta")).replace("language: en",
                                                            "language: " + "x" * 900_000)
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("language: must be a language with a message catalogue (en, fr, "
                              "nl: ")
    assert "; got 'xxx" in problem
    assert len(problem) < 300  # the languages and example locales, then the value cut short


def test_a_notebook_path_too_long_for_the_system_is_a_problem(tmp_path):
    text = VALID.format(data=dataset_path("mpdta")) + f"report:\n  notebook: {'n' * 5_000}\n"
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith("report.notebook='nnn")
    assert "does not exist" in problem and len(problem) < 600


# ----------------------------------------------------------------------------- syntax hints


@pytest.mark.parametrize(("text", "where", "hint"), [
    ("key: text: with colon\n", "line 1, column 10",
     "a value that contains ': ' (a colon and a space) must be put in quotes, "
     "e.g. key: \"text: with colon\""),
    ("policy:\n  name: Minimum wage: teen jobs  # the title\n", "line 2, column 21",
     'e.g. name: "Minimum wage: teen jobs"'),
    ("policy:\n  - name: say \"hi\": now\n", "line 2, column 19",
     "e.g. - name: 'say \"hi\": now'"),
    ("policy:\n\tname: x\n", "line 2, column 1", "replace the tab with spaces"),
    ("policy:\n  name: \"Minimum wage\n  owner: x\n", "line 2, column 9",
     'the quote " that opens the value here is never closed: end the value with "'),
    ("event_study:\n  window: [-4, 3\n  reference: -1\n", "line 2, column 11",
     "the list opened here with [ is never closed: end it with ]"),
    ("policy:\n  name: @home\n", "line 2, column 9", 'e.g. name: "@home"'),
    ("policy:\n  name: *star\n", "line 2, column 9",
     'read as a YAML alias: put it in quotes, e.g. name: "*star"'),
    ("data:\n  file: \"C:\\data\\x.csv\"\n", "line 2, column 13",
     "or use forward slashes (C:/data/x.csv)".replace("x.csv", "file.csv")),
    ("policy:\n  name:x\n  owner: y\n", "line 3, column 8",
     "line 2 ('name:x') needs a space after its ':'"),
    ("policy\n  name: x\n", "line 2, column 7", "line 1 ('policy') has no ':' after its key"),
    ("policy:\n  name: x\n description: y\n", "line 3, column 2",
     "check the indentation of this line"),
    ("design:\n  covariates: - age\n", "line 2, column 15",
     "a list starts on the line after its key"),
    ("a: &x 1\nb: &x 2\n", "line 2, column 4",
     "the anchor &x is defined twice (first at line 1, column 4)"),
])
def test_syntax_errors_say_where_and_how_to_write_it(tmp_path, text, where, hint):
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith(f"{where}: YAML syntax error: ")
    assert hint in problem
