"""Fault injection: what a batch run does when it is stopped, killed, raced, edited under
or starved of disk, and that it never leaves a process or a temporary file behind.

Each test runs ``evalkit run-all`` in a process of its own, in a project folder of its own
(params/, data/, notebooks/), with ``TMPDIR`` pointing at a private folder: the run's work
folders, and the processes working in them (report processes, kernels), can then be
counted exactly. Cases that need a real full or read-only disk mount a small tmpfs, and
are skipped where mounting is not allowed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from evalkit.reports.run.fingerprint import policy_fingerprint
from evalkit.reports.run.lock import lock_holder
from evalkit.reports.run.workdirs import processes_in

pytestmark = [pytest.mark.notebook, pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
SLOW = "import time\nfor _ in range(600):\n    time.sleep(0.5)"


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell("params_file = None")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def _as_from_a_terminal() -> None:
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


class Project:
    """A project folder with params/, data/ and notebooks/, and a private TMPDIR."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.params = root / "params"
        self.out = root / "reports"
        self.tmp = root / "tmp"
        for folder in (self.params, root / "data", root / "notebooks", self.tmp):
            folder.mkdir(parents=True)
        shutil.copy(ROOT / "data" / "kielmc.csv", root / "data" / "kielmc.csv")
        _notebook(root / "notebooks" / "slow.ipynb", SLOW)
        _notebook(root / "notebooks" / "named.ipynb",
                  "import time\ntime.sleep(3)",
                  "from evalkit.reports import load_params\n"
                  "print('POLICY NAME:', load_params(params_file).policy.name)")

    def policy(self, name: str, notebook: str | None = None, title: str | None = None,
               folder: str = "params") -> Path:
        """A copy of the incinerator policy (data path relative, as users write them)."""
        text = (ROOT / "params" / "incinerator.yaml").read_text(encoding="utf-8")
        if title is not None:
            shipped = "name: Garbage incinerator siting and house prices"
            assert shipped in text
            text = text.replace(shipped, f"name: {title}", 1)
        if notebook:
            text = text.replace("\nreport:\n", f"\nreport:\n  notebook: ../notebooks/{notebook}"
                                               ".ipynb\n", 1)
        (self.root / folder).mkdir(exist_ok=True)
        path = self.root / folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TMPDIR": str(self.tmp)}

    def start(self, *args: str) -> subprocess.Popen:
        # As from a terminal: SIGINT and SIGHUP act (a test runner may start us with them
        # ignored: in the background, or under nohup)
        return subprocess.Popen(
            [sys.executable, "-m", "evalkit.cli", "run-all", str(self.params), "-o",
             str(self.out), *args], cwd=self.root, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, preexec_fn=_as_from_a_terminal)

    def run(self, *args: str, command: str = "run-all", timeout: float = 120,
            folder: str = "params") -> subprocess.CompletedProcess:
        target = [str(self.root / folder)] if command in ("run-all", "list") else []
        return subprocess.run([sys.executable, "-m", "evalkit.cli", command, *target, "-o",
                               str(self.out), *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def kernels(self) -> list[int]:
        return [pid for pid in processes_in(self.tmp) if b"kernel_launcher" in _cmdline(pid)]

    def wait_for_kernels(self, count: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.kernels()) < count:
            time.sleep(0.2)
        assert len(self.kernels()) >= count, "the policies did not start"

    def leftovers(self) -> dict[str, list]:
        """Processes working in the private TMPDIR, its folders, and temporary files."""
        stray = [p.name for p in self.out.glob(".*")] if self.out.is_dir() else []
        return {"processes": processes_in(self.tmp),
                "work folders": sorted(p.name for p in self.tmp.iterdir()),
                "temporary files": stray}

    def assert_clean(self, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(self.leftovers().values()):
            time.sleep(0.2)
        left = self.leftovers()
        contents = {name: _head(self.tmp / name) for name in left["work folders"]}
        assert left == {"processes": [], "work folders": [], "temporary files": []}, contents


def _head(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[:300] if path.is_file() else "(folder)"
    except OSError:
        return "(unreadable)"


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture
def project(tmp_path):
    made = Project(tmp_path / "project")
    yield made
    for pid in processes_in(made.tmp):  # never leave a process behind, even on failure
        with __import__("contextlib").suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


# ------------------------------------------------------------------ signals
@pytest.mark.parametrize(("sig", "status", "words"), [
    (signal.SIGTERM, 143, "Interrupted by SIGTERM"),
    (signal.SIGINT, 130, "Interrupted by Ctrl-C"),
    (signal.SIGHUP, 129, "Interrupted by SIGHUP"),
])
def test_a_signal_stops_every_policy_and_keeps_the_previous_reports(project, sig, status,
                                                                    words):
    project.policy("first")
    project.policy("second")
    assert project.run().returncode == 0  # two good reports
    before = {p.name: p.read_bytes() for p in project.out.iterdir()}
    for name in ("first", "second"):  # now both hang
        project.policy(name, notebook="slow")
    process = project.start("--jobs", "2")
    project.wait_for_kernels(2)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert words in err and "2 stopped" in err and "index.html" in err
    assert "Traceback" not in out + err
    after = {p.name: p.read_bytes() for p in project.out.iterdir()}
    # previous reports, notebooks and records untouched; the index is written again (its
    # "Generated on" minute may differ) and still lists both reports
    index = after.pop("index.html").decode("utf-8")
    before.pop("index.html")
    assert after == before
    assert 'href="first.html"' in index and 'href="second.html"' in index
    project.assert_clean()


def test_a_killed_batch_takes_its_workers_and_kernels_with_it(project):
    project.policy("first", notebook="slow")
    project.policy("second", notebook="slow")
    process = project.start("--jobs", "2")
    project.wait_for_kernels(2)
    workers = [pid for pid in processes_in(project.tmp) if b"reports.run.worker" in _cmdline(pid)]
    assert len(workers) == 2
    process.kill()  # SIGKILL: no chance to clean up
    process.wait()
    started = time.monotonic()
    # the lock file stays, but its lock died with its holder: the next run takes it
    assert lock_holder(project.out) is None
    (project.out / ".evalkit.lock").unlink()
    project.assert_clean(seconds=5.0)  # workers notice their parent is gone
    assert time.monotonic() - started < 5.0


def test_a_later_run_removes_what_a_killed_run_left(project):
    # what a run killed at the worst moment leaves: a work folder, a kernel working in it
    # and a half-written file in the output folder
    abandoned = project.tmp / "evalkit-first-abcd1234"
    abandoned.mkdir()
    (abandoned / ".owner.lock").write_text("")
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                              cwd=abandoned, start_new_session=True)
    old = time.time() - 3600
    os.utime(abandoned, (old, old))
    project.out.mkdir()
    (project.out / ".first.html.1a2b3c4d.tmp").write_text("half")
    project.policy("first")
    result = project.run()
    assert result.returncode == 0, result.stderr
    assert orphan.wait(timeout=5) == -signal.SIGKILL
    project.assert_clean()


def test_a_killed_worker_fails_its_policy_only(project):
    project.policy("first", notebook="slow")
    project.policy("second")
    process = project.start("--jobs", "2")
    project.wait_for_kernels(1)
    victim = next(pid for pid in processes_in(project.tmp)
                  if b"reports.run.worker" in _cmdline(pid) and b"first" in _cmdline(pid))
    os.kill(victim, signal.SIGKILL)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    records = {p.stem: json.loads(p.read_text()) for p in project.out.glob("*.json")}
    assert records["first"]["status"] == "failed"
    assert "stopped unexpectedly" in records["first"]["error"]["message"]
    assert records["second"]["status"] == "ok"
    assert "Traceback" not in out + err
    project.assert_clean()


# ------------------------------------------------------------------ concurrent runs
def test_a_second_run_on_the_same_folder_says_who_holds_it_or_waits(project):
    project.policy("slow", notebook="slow")
    first = project.start("--timeout", "8")
    project.wait_for_kernels(1)
    second = project.run()
    assert second.returncode == 1
    assert f"process {first.pid}" in second.stderr and "--wait" in second.stderr
    assert "Traceback" not in second.stderr
    project.policy("quick", folder="more")
    started = time.monotonic()
    waited = project.run("--wait", folder="more")  # starts once the first has finished
    assert "waiting" in waited.stderr and waited.returncode == 0, waited.stderr
    assert first.wait(timeout=60) == 1  # its policy exceeded its time limit of 8 s
    assert time.monotonic() - started > 3
    records = {p.stem: json.loads(p.read_text()) for p in project.out.glob("*.json")}
    assert records["slow"]["status"] == "failed" and records["quick"]["status"] == "ok"
    assert records["quick"]["run_date"] >= records["slow"]["run_date"]
    project.assert_clean()


# ------------------------------------------------------------------ edits during a run
def test_an_edit_during_the_run_does_not_reach_the_report_or_its_record(project):
    path = project.policy("named", notebook="named", title="Before the edit")
    original = path.read_bytes()
    process = project.start()
    deadline = time.monotonic() + 60  # edit once the run has read (copied) its inputs
    while time.monotonic() < deadline and not list(
            project.tmp.glob("evalkit-named-*/inputs/params/named.yaml")):
        time.sleep(0.05)
    path.write_bytes(original.replace(b"Before the edit", b"After the edit"))
    assert process.wait(timeout=120) == 0
    notebook = (project.out / "named.ipynb").read_text(encoding="utf-8")
    assert "POLICY NAME: Before the edit" in notebook and "After the edit" not in notebook
    record = json.loads((project.out / "named.json").read_text())
    edited = policy_fingerprint(path)
    path.write_bytes(original)
    assert record["fingerprint"] == policy_fingerprint(path) != edited
    # with the edit, the report is not current; reverted, it is (and says the same)
    path.write_bytes(original.replace(b"Before the edit", b"After the edit"))
    assert "no" in project.run(command="list").stdout.splitlines()[2]
    path.write_bytes(original)
    listed = project.run(command="list").stdout.splitlines()[2]
    assert listed.split()[-1] == "yes"
    project.assert_clean()


# ------------------------------------------------------------------ disks
def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def mounts():
    mounted: list[Path] = []

    def mount(folder: Path, options: str) -> None:
        if not _mount(folder, options):
            pytest.skip("mounting a small tmpfs is not allowed here")
        mounted.append(folder)

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_read_only_output_folder_or_a_file_is_refused_with_the_reason(project, mounts):
    project.policy("first")
    (project.root / "a_file").write_text("not a folder")
    result = project.run("-o", str(project.root / "a_file"))
    assert result.returncode == 1 and "it is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr
    mounts(project.out, "ro,size=64k")
    result = project.run()
    assert result.returncode == 1 and "read-only" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_full_disk_fails_the_policy_with_the_reason(project, mounts):
    project.policy("first")
    mounts(project.out, "size=64k")  # room for the checks, not for a report
    result = project.run()
    assert result.returncode == 1
    assert "disk is full" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    project.out.joinpath("first.html").unlink(missing_ok=True)
    assert not list(project.out.glob(".*.tmp"))


def test_a_full_temporary_disk_fails_the_policy_with_the_reason(project, mounts):
    project.policy("first")
    mounts(project.tmp, "size=16k")  # no room for the copy of the inputs
    result = project.run()
    assert result.returncode == 1
    assert "disk is full" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    project.assert_clean()
