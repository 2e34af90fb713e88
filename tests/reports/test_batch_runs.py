"""evalkit run-all: policies in parallel processes, time limits, dead kernels, skipping
up-to-date reports, and the same reports on a Dask cluster.

Reference headlines: Wooldridge, Introductory Econometrics, Example 13.3 (incinerator,
column (3): -14,177.93, s.e. 4,987.27) and equation 13.12 (workers' compensation:
0.191); the same values the shipped reports print.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from evalkit.cli import main
from evalkit.reports.run.fingerprint import policy_fingerprint
from evalkit.reports.run.parallel import up_to_date_run

PROJECT = Path(__file__).resolve().parents[2]
DATA = PROJECT / "data"
SHIPPED = PROJECT / "params"

EXPECTED = {"incinerator": -14177.934181581506, "workers_compensation": 0.19060}


def _copy_policy(name: str, folder: Path, new_name: str | None = None,
                 extra: str = "", replace: tuple[str, str] | None = None) -> Path:
    text = (SHIPPED / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/", f"{DATA}/")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    path = folder / f"{new_name or name}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def _template(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell("params_file = None")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_markdown_cell("# Report")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


def _records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def _headlines(out: Path) -> dict[str, dict]:
    return {policy: {k: v for k, v in (record["headline"] or {}).items() if k != "run_date"}
            for policy, record in _records(out).items()}


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


def _work_dirs(policies: list[str]) -> set[str]:
    import tempfile

    root = Path(tempfile.gettempdir())
    return {p.name for name in policies for p in root.glob(f"evalkit-{name}-*")}


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of this test's own for the runs' work folders, so that the
    check that none is left is not confused by other tests running at the same time."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def good(tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    _copy_policy("incinerator", folder)
    _copy_policy("workers_compensation", folder)
    return folder


def _check_good(out: Path) -> None:
    headlines = _headlines(out)
    for policy, estimate in EXPECTED.items():
        assert (out / f"{policy}.html").is_file()
        assert (out / f"{policy}.ipynb").is_file()
        assert headlines[policy]["estimate"] == pytest.approx(estimate, rel=1e-4)
        record = _records(out)[policy]
        assert record["status"] == "ok"
        assert record["params_file"] == f"good/{policy}.yaml"  # published: no machine path
        assert record["fingerprint"] == policy_fingerprint(out.parent / "good" /
                                                           f"{policy}.yaml")
        html = (out / f"{policy}.html").read_text(encoding="utf-8")
        word = "Empreinte" if record["language"] == "fr" else "Fingerprint"  # footer's language
        assert f"{word} {record['fingerprint']}" in html
        nb = nbformat.read(out / f"{policy}.ipynb", as_version=4)
        assert nb.metadata["evalkit"]["fingerprint"] == record["fingerprint"]
    assert (out / "index.html").is_file()
    assert _leftovers(out) == []


@pytest.mark.notebook
def test_jobs_skip_and_force(good, tmp_path, capsys):
    out = tmp_path / "reports"
    # 1. one at a time
    assert main(["run-all", str(good), "-o", str(out), "--jobs", "1"]) == 0
    _check_good(out)
    first = _headlines(out)
    summary = capsys.readouterr().out
    assert "policy" in summary and "status" in summary and "duration" in summary
    assert "-14,178" in summary

    # 2. nothing changed: everything is skipped, quickly, without starting anything
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html") if p.name != "index.html"}
    started = time.monotonic()
    assert main(["run-all", str(good), "-o", str(out), "--jobs", "2"]) == 0
    assert time.monotonic() - started < 3
    assert capsys.readouterr().out.count("  up to date  ") == 2
    assert stamps == {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")
                      if p.name != "index.html"}

    # 3. a changed params file is run again, the other skipped
    params = good / "workers_compensation.yaml"
    assert up_to_date_run(params, out) is not None
    params.write_text(params.read_text() + "\n# touched\n")
    assert up_to_date_run(params, out) is None
    assert up_to_date_run(good / "incinerator.yaml", out) is not None

    # 4. --force: two at a time, every policy again, the same results
    assert main(["run-all", str(good), "-o", str(out), "--jobs", "2", "--force"]) == 0
    assert "  up to date  " not in capsys.readouterr().out
    assert stamps != {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")
                      if p.name != "index.html"}
    _check_good(out)
    second = _headlines(out)
    for policy in EXPECTED:
        assert {k: v for k, v in second[policy].items() if k != "data_sha256"} == \
            {k: v for k, v in first[policy].items() if k != "data_sha256"}


@pytest.mark.notebook
def test_failures_are_isolated_and_explained(tmp_path, capsys, private_tmp):
    folder = tmp_path / "params"
    folder.mkdir()
    _copy_policy("workers_compensation", folder)
    _copy_policy("incinerator", folder, "bad_params",
                 replace=("estimator: did_2x2", "estimator: did_2x3"))
    # Collinear covariates: the estimator fails inside the real report notebook.
    _copy_policy("incinerator", folder, "collinear",
                 replace=("covariates: [age, agesq, intst, land, area, rooms, baths]",
                          "covariates: [age, y81nrinc]"))
    _template(folder / "dies.ipynb", "x = 1", "import os\nos._exit(1)", "y = 2")
    _copy_policy("incinerator", folder, "dies", extra="\n  notebook: dies.ipynb\n")
    out = tmp_path / "reports"

    code = main(["run-all", str(folder), "-o", str(out), "--jobs", "2", "--timeout", "120"])
    assert code == 1
    printed = capsys.readouterr().out
    records = _records(out)
    good = records["workers_compensation"]
    assert good["status"] == "ok", good["error"]
    assert (out / "workers_compensation.html").is_file()
    for policy in ("bad_params", "collinear", "dies"):
        assert records[policy]["status"] == "failed", policy
        assert (out / f"{policy}.error.html").is_file()
        assert not (out / f"{policy}.html").exists()
        assert f"{policy}: see " in printed

    assert "did_2x3" in records["bad_params"]["error"]["message"]
    assert "did_2x3" in (out / "bad_params.error.html").read_text(encoding="utf-8")

    collinear = records["collinear"]["error"]
    assert collinear["cell"] is not None
    assert "collinear" in collinear["message"].lower() or "singular" in \
        collinear["message"].lower() or "rank" in collinear["message"].lower(), collinear

    dies = records["dies"]["error"]
    assert "kernel died" in dies["message"]
    assert dies["cell"] == 3 and dies["source"] == "import os"
    assert "kernel died" in (out / "dies.error.html").read_text(encoding="utf-8")

    assert _leftovers(out) == []
    assert not _work_dirs(["workers_compensation", "collinear", "dies"])


@pytest.mark.notebook
def test_whole_run_time_limit(tmp_path, capsys, private_tmp):
    folder = tmp_path / "params"
    folder.mkdir()
    _template(folder / "slow.ipynb", "import time", "for _ in range(600):\n    time.sleep(1)")
    _copy_policy("incinerator", folder, "slow", extra="\n  notebook: slow.ipynb\n")
    out = tmp_path / "reports"
    started = time.monotonic()
    assert main(["run-all", str(folder), "-o", str(out), "--timeout", "4"]) == 1
    assert time.monotonic() - started < 30
    record = _records(out)["slow"]
    assert record["status"] == "failed"
    assert "exceeded its time limit of 4 s" in record["error"]["message"]
    page = (out / "slow.error.html").read_text(encoding="utf-8")
    assert "exceeded its time limit of 4 s" in page
    assert not (out / "slow.html").exists()
    assert _leftovers(out) == []
    assert not _work_dirs(["slow"])
    # the killed kernel is gone too (within 5 s, however loaded the machine): no kernel
    # left in the removed folder
    deadline = time.monotonic() + 5.0
    while _kernels_in("evalkit-slow-") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _kernels_in("evalkit-slow-") == []


def _default_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _slow_batch(tmp_path: Path, prefix: str):
    """Start ``evalkit run-all --jobs 2`` on two endless policies; return once both run."""
    import subprocess
    import sys

    folder = tmp_path / "params"
    folder.mkdir()
    _template(folder / "slow.ipynb", "import time", "for _ in range(600):\n    time.sleep(1)")
    for name in (f"{prefix}_a", f"{prefix}_b"):
        _copy_policy("incinerator", folder, name, extra="\n  notebook: slow.ipynb\n")
    # As from an interactive terminal: Ctrl-C acts (a command started in the background
    # by a non-interactive shell, as a test runner may be, inherits SIGINT ignored).
    process = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "run-all", str(folder),
                                "-o", str(tmp_path / "reports"), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_default_sigint)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_kernels_in(f"evalkit-{prefix}_")) < 2:
        time.sleep(0.2)
    if len(_kernels_in(f"evalkit-{prefix}_")) != 2:
        process.kill()
        pytest.fail("the two policies did not start")
    return process


@pytest.mark.notebook
def test_interrupting_a_batch_run_stops_every_policy_and_leaves_nothing_half_written(tmp_path):
    import signal

    process = _slow_batch(tmp_path, "slow")  # both policies are running
    try:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    time.sleep(0.5)
    assert _kernels_in("evalkit-slow_") == []
    out = tmp_path / "reports"
    assert not (out / "slow_a.html").exists() and not (out / "slow_b.html").exists()
    assert _leftovers(out) == []


_TGKILL = {"x86_64": 234, "aarch64": 131}  # Linux system call numbers


@pytest.mark.notebook
@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or os.uname().machine not in _TGKILL,
                    reason="sends a signal to one thread: Linux only")
def test_ctrl_c_caught_by_a_worker_thread_still_stops_the_batch(tmp_path):
    # A process-wide Ctrl-C may be delivered to any thread; the batch must stop even when
    # the thread that receives it is one of those waiting for a policy's process.
    import ctypes
    import signal

    process = _slow_batch(tmp_path, "slower")
    try:
        threads = sorted(int(t) for t in os.listdir(f"/proc/{process.pid}/task")
                         if int(t) != process.pid)
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(_TGKILL[os.uname().machine], process.pid, threads[0],
                            signal.SIGINT) == 0
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    time.sleep(0.5)
    assert _kernels_in("evalkit-slower_") == []


def _kernels_in(prefix: str) -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if b"kernel_launcher" in (proc / "cmdline").read_bytes() and \
                    prefix in os.readlink(proc / "cwd"):
                found.append(proc.name)
        except OSError:
            continue
    return found


@pytest.mark.notebook
def test_dask_local_cluster_gives_the_same_reports(good, tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "reports"
    code = main(["run-all", str(good), "-o", str(out), "--jobs", "2", "--scheduler", "local"])
    assert code == 0, capsys.readouterr()
    _check_good(out)
    # a second run skips everything without starting a cluster
    started = time.monotonic()
    assert main(["run-all", str(good), "-o", str(out), "--scheduler", "local"]) == 0
    assert time.monotonic() - started < 3


def test_run_all_help(capsys):
    with pytest.raises(SystemExit):
        main(["run-all", "--help"])
    out = capsys.readouterr().out
    for option in ("--jobs", "--timeout", "--force", "--scheduler", "--progress", "exit status"):
        assert option in out


def test_fingerprint_follows_every_input(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    data = tmp_path / "kielmc.csv"
    data.write_bytes((DATA / "kielmc.csv").read_bytes())
    params = _copy_policy("incinerator", folder, replace=(f"{DATA}/kielmc.csv", str(data)))
    before = policy_fingerprint(params)
    assert policy_fingerprint(params) == before
    data.write_bytes(data.read_bytes() + b"\n")
    assert policy_fingerprint(params) != before
    after_data = policy_fingerprint(params)
    _template(folder / "nb.ipynb", "1")
    params.write_text(params.read_text() + "\n  notebook: nb.ipynb\n")
    with_notebook = policy_fingerprint(params)
    assert with_notebook != after_data
    _template(folder / "nb.ipynb", "2")
    assert policy_fingerprint(params) != with_notebook


def test_bad_jobs_and_missing_params(tmp_path, capsys):
    assert main(["run-all", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run-all", "--jobs", "0"])


def test_kernel_sockets_fall_back_to_tcp_when_the_folder_path_is_too_long(tmp_path):
    # Unix socket names are limited to about 107 bytes; a deep temporary folder (as
    # pytest's) must not make the kernel fail with "File name too long".
    from evalkit.reports.run.kernel import kernel_manager_in

    short = Path("/tmp") / "ek"
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    assert kernel_manager_in(short)(kernel_name="python3").transport == "ipc"
    assert kernel_manager_in(deep)(kernel_name="python3").transport == "tcp"


@pytest.mark.notebook
def test_dask_scheduler_keeps_the_estimation_on_the_cluster(tmp_path, capsys):
    """With --scheduler, a Parquet folder's panel is held by the batch's own cluster."""
    pytest.importorskip("distributed")
    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "params"
    folder.mkdir()
    text = (root / "params" / "minimum_wage_out_of_core.yaml").read_text(encoding="utf-8")
    (folder / "out_of_core.yaml").write_text(text.replace(
        "file: ../data/mpdta_parquet", f"file: {root / 'data' / 'mpdta_parquet'}"),
        encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["run-all", str(folder), "-o", str(out), "--jobs", "1", "--scheduler", "local"])
    assert code == 0, capsys.readouterr()
    page = (out / "out_of_core.html").read_text(encoding="utf-8")
    assert "The data stay in Dask, out of memory" in page
    # the headline of params/minimum_wage.yaml, in memory (R did: -0.0400)
    assert "employment: −0.040 (95% confidence interval: −0.064 to −0.016)" in page
