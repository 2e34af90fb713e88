"""Running a policy: the notebook executes in this interpreter; failures keep the last report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from evalkit.datasets import dataset_path
from evalkit.errors import ReportError
from evalkit.reports import load_params, run_policy
from evalkit.reports.run.execute import execute_report_notebook
from evalkit.reports.run.export import external_resources
from evalkit.reports.run.kernel import CurrentInterpreterKernelManager, kernelspec_python

ROOT = Path(__file__).resolve().parents[2]

PARAMS = f"""\
policy:
  name: "Test <policy> & co"
  description: A policy used by the tests.
language: en
data:
  file: {dataset_path('mpdta')}
design:
  estimator: twfe
  outcome: lemp
  unit: countyreal
  time: year
  first_treated: first.treat
"""

RECORD = """\
import sys
from evalkit.reports import load_params, record_headline
params = load_params(params_file)
print("interpreter:", sys.executable)
record_headline({"label": "ATT", "estimate": -0.05, "conf_low": -0.08, "conf_high": -0.02,
                 "p_value": 0.01, "text": "Employment fell."})
"""

FIGURE = """\
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [1, 0])
plt.show()
"""


def make_notebook(path: Path, *cells: str, parameters: bool = True) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell('params_file = "../params/example.yaml"')
    if parameters:
        first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_markdown_cell("# Report\n\nSome prose.")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "params" / "policy.yaml"
    path.parent.mkdir()
    path.write_text(PARAMS)
    return path


@pytest.fixture
def foreign_python3_kernelspec(tmp_path, monkeypatch):
    """A `python3` kernelspec pointing to another interpreter, found before any other."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Someone else's Python", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return spec


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name)


def test_kernel_is_the_current_interpreter_whatever_the_kernelspecs(foreign_python3_kernelspec):
    assert kernelspec_python("python3") == Path("/nonexistent/python3")
    manager = CurrentInterpreterKernelManager(kernel_name="python3")
    assert manager.kernel_spec.argv[0] == sys.executable
    # ipykernel's kernel, launched so that it exits when its report process is gone
    assert manager.kernel_spec.argv[1:3] == ["-m", "evalkit._kernel_launcher"]


def test_invalid_params_fail_before_anything_runs(tmp_path, monkeypatch):
    import papermill

    def forbidden(*args, **kwargs):
        raise AssertionError("the notebook must not run")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)
    bad = tmp_path / "bad.yaml"
    bad.write_text(PARAMS.replace("outcome: lemp", "outcome: nope"))
    out = tmp_path / "reports"
    run = run_policy(bad, out, notebook=make_notebook(tmp_path / "nb.ipynb", "1"))
    assert run.status == "failed" and not run.ok
    assert "design.outcome: must be a column of" in run.error
    assert run.html_path is None and run.notebook_path is None
    assert sorted(p.name for p in out.iterdir()) == ["bad.error.html", "bad.json"]
    page = (out / "bad.error.html").read_text()
    assert "design.outcome" in page and "Problems to fix" in page


def test_template_needs_a_parameters_cell(policy, tmp_path):
    notebook = make_notebook(tmp_path / "nb.ipynb", "1", parameters=False)
    run = run_policy(policy, tmp_path / "reports", notebook=notebook)
    assert run.status == "failed"
    assert "cell tagged 'parameters'" in run.error
    with pytest.raises(ReportError, match="parameters"):
        execute_report_notebook(load_params(policy), notebook=notebook)


@pytest.mark.notebook
def test_success_failure_and_recovery(policy, tmp_path, foreign_python3_kernelspec):
    out = tmp_path / "reports"
    good = make_notebook(tmp_path / "good.ipynb", RECORD, FIGURE)
    bad = make_notebook(tmp_path / "bad.ipynb", RECORD, "x = 1\nraise ValueError('no <data>')")

    # 1. a good run: report, executed notebook and record, nothing else
    run = run_policy(policy, out, notebook=good)
    assert run.status == "ok", run.error
    assert run.headline["estimate"] == -0.05
    assert sorted(p.name for p in out.iterdir()) == ["policy.html", "policy.ipynb",
                                                     "policy.json"]
    html = run.html_path.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert external_resources(html) == []
    assert "record_headline" not in html and "plt.subplots" not in html
    assert "Test &lt;policy&gt; &amp; co" in html
    executed = nbformat.read(run.notebook_path, as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    # not the foreign kernelspec, but this interpreter (published without the machine's path)
    here = Path(sys.executable).relative_to(sys.prefix)
    assert f"interpreter: <python>/{here}" in printed and sys.prefix not in printed
    assert executed.metadata["evalkit"]["policy_id"] == "policy"
    record = json.loads((out / "policy.json").read_text())
    assert record["status"] == "ok"
    assert record["headline"]["text"] == "Employment fell."
    assert len(record["data_sha256"]) == 64
    good_html = html

    # 2. a failing run keeps the good report and says which cell failed and why
    run = run_policy(policy, out, notebook=bad)
    assert run.status == "failed"
    assert "cell 3" in run.error and "ValueError: no <data>" in run.error
    assert "raise ValueError" not in run.error.split(":")[0]
    assert run.html_path is None
    assert run.notebook_path == (out / "policy.error.ipynb").resolve()
    assert (out / "policy.html").read_text(encoding="utf-8") == good_html
    assert (out / "policy.ipynb").is_file()
    page = (out / "policy.error.html").read_text(encoding="utf-8")
    assert "cell 3" in page and "ValueError: no &lt;data&gt;" in page
    assert 'href="policy.error.ipynb"' in page and 'href="policy.html"' in page
    record = json.loads((out / "policy.json").read_text())
    assert record["status"] == "failed" and record["error"]["cell"] == 3
    assert record["last_success"]["html"] == "policy.html"
    assert leftovers(out) == []

    # 3. a good run again removes the stale error files
    run = run_policy(policy, out, notebook=good, keep_notebook=False)
    assert run.status == "ok"
    assert sorted(p.name for p in out.iterdir()) == ["policy.html", "policy.json"]


@pytest.mark.notebook
def test_failed_first_run_leaves_no_report(policy, tmp_path):
    out = tmp_path / "reports"
    notebook = make_notebook(tmp_path / "nb.ipynb", "1 / 0")
    run = run_policy(policy, out, notebook=notebook)
    assert run.status == "failed"
    assert "ZeroDivisionError" in run.error and "cell 2" in run.error
    assert not (out / "policy.html").exists()
    assert sorted(p.name for p in out.iterdir()) == ["policy.error.html", "policy.error.ipynb",
                                                     "policy.json"]


@pytest.mark.notebook
def test_cell_timeout(policy, tmp_path):
    notebook = make_notebook(tmp_path / "nb.ipynb", "import time\ntime.sleep(60)")
    run = run_policy(policy, tmp_path / "reports", notebook=notebook, timeout=2)
    assert run.status == "failed"
    assert "longer than the 2 s allowed" in run.error
    assert "cell 2" in run.error
    assert run.duration < 40
