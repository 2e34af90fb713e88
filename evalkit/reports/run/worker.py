"""Run one policy in a process of its own, under a time limit for the whole notebook.

:func:`run_isolated` is what ``evalkit run-all`` does for each policy (and what
each Dask task does). It starts ``python -m evalkit.reports.run.worker``, a fresh
process of the current interpreter that runs :func:`run_policy` in a fresh
temporary folder, with its own kernel talking over Unix sockets in that folder
(no TCP port to collide with another run's). So a policy shares nothing with
another: not a process, not a kernel, not a folder, not a port.

When the time limit passes, the process running the policy and its kernel are
killed, their half-written files removed, and the policy is recorded as failed
(``<policy>.error.html``, run record) by the supervising side, which keeps the
notebook as far as it got. If the process dies by itself, the policy fails with
its exit status. The temporary folder is always removed.

The worker writes its result to ``<work folder>/result.json``; the report files go
straight to the output folder, each written atomically.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from evalkit._lifeline import watch_parent
from evalkit.reports.run.run_result import PolicyRun
from evalkit.reports.run.signals import os_error_text
from evalkit.reports.run.workdirs import kill_group, processes_in, remove_partial_files, work_folder

__all__ = ["run_isolated", "run_to_dict", "run_from_dict", "stop_all_runs", "allow_runs",
           "RunStopped", "main"]

_RESULT = "result.json"
_LOG = "worker.log"
_KERNEL_PID = "kernel.pid"  # evalkit.reports.run.kernel.KERNEL_PID_FILE, without importing Jupyter


def run_to_dict(run: PolicyRun) -> dict[str, Any]:
    """A :class:`PolicyRun` as plain JSON-compatible data (paths as text)."""
    return {key: str(value) if isinstance(value, Path) else value
            for key, value in asdict(run).items()}


def run_from_dict(data: dict[str, Any]) -> PolicyRun:
    """The :class:`PolicyRun` described by :func:`run_to_dict`'s output."""
    paths = {"html_path", "notebook_path", "error_page", "record_path"}
    names = {f.name for f in fields(PolicyRun)}
    tuples = {"outputs", "notices"}
    return PolicyRun(**{key: Path(value) if key in paths and value is not None
                        else tuple(value) if key in tuples and value is not None else value
                        for key, value in data.items() if key in names})


def _kill_kernel(work_dir: Path) -> None:
    # The kernel runs in a session of its own (jupyter_client starts it so): killing the
    # worker's group does not reach it. Its process id is in the folder; a worker killed
    # between starting the kernel and writing that file leaves a kernel whose only trace
    # is its working directory, which Linux shows in /proc.
    try:
        pid = int((work_dir / _KERNEL_PID).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        pid = None
    if pid is not None:
        kill_group(pid)
    for other in processes_in(work_dir):
        kill_group(other)


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)): (.*)$")


def _why_it_died(log: Path) -> str:
    """The reason a report process gave before it died, in one line, no traceback.

    The last ``SomeError: message`` line of its log; an operating-system error in plain
    words (``the disk is full``); nothing when the log holds no such line.
    """
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        found = _EXCEPTION_LINE.match(line.strip())
        if not found:
            continue
        name, message = found.groups()
        errno_found = re.match(r"\[Errno (\d+)\] ([^:]*)(?:: '?(.*?)'?)?$", message)
        if errno_found:
            number, text, filename = errno_found.groups()
            return os_error_text(OSError(int(number), text, filename))
        return f"{name.rsplit('.', 1)[-1]}: {message}"[:300]
    return ""


class RunStopped(Exception):
    """The run was stopped by :func:`stop_all_runs` (the batch was interrupted)."""


_LIVE: dict[int, Path] = {}  # worker process id -> its temporary folder, while it runs
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def stop_all_runs() -> int:
    """Kill every report process still running (and its kernel); return how many.

    Called when a batch run is interrupted (Ctrl-C, SIGTERM): the workers run in their
    own process sessions, so the signal does not reach them by itself. Their outputs
    were being written under temporary names, so nothing half-written is left; the
    runs stopped this way raise :class:`RunStopped` instead of recording a failure,
    so that the previous report and record of each stay as they were.
    """
    _STOPPING.set()
    with _LIVE_LOCK:
        live = list(_LIVE.items())
    for pid, work in live:
        kill_group(pid)
        _kill_kernel(work)
    return len(live)


def allow_runs() -> None:
    """Let new runs start again after :func:`stop_all_runs` (for a new batch)."""
    _STOPPING.clear()


def run_isolated(
    params_path: str | Path,
    output_dir: str | Path,
    *,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    scheduler: str | None = None,
) -> PolicyRun:
    """Run one policy's report in a new process, killing it after ``timeout`` seconds.

    Parameters
    ----------
    params_path
        The policy's params file.
    output_dir
        The folder of reports (created if needed).
    timeout
        The longest, in seconds, the whole run may take (kernel start, every
        cell, export). Default: no limit.
    cell_timeout
        The longest, in seconds, any single cell may run. Default: no limit.
    scheduler
        The address of the Dask scheduler the batch runs on: the report's estimators
        then run on that cluster too, for data held by an engine (see
        :data:`~evalkit.reports.analysis.engine_data.SCHEDULER_VARIABLE`).

    Returns
    -------
    PolicyRun
        As :func:`run_policy` returns it; a failure when the time limit passed
        ("exceeded its time limit of N s") or the process died.

    Raises
    ------
    RunStopped
        When :func:`stop_all_runs` stopped it (nothing is recorded then).
    """
    from evalkit.reports.run.execute import record_failure

    params_file = Path(params_path).expanduser().resolve()
    out = Path(output_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    policy_id = params_file.stem
    started = time.monotonic()
    if _STOPPING.is_set():
        raise RunStopped(policy_id)
    with contextlib.ExitStack() as stack:
        try:
            work = stack.enter_context(work_folder(policy_id))
        except OSError as exc:
            return record_failure(params_file, out, "its work folder could not be created in "
                                                    f"the temporary folder: {os_error_text(exc)}",
                                  duration=time.monotonic() - started)
        command = [sys.executable, "-m", "evalkit.reports.run.worker", str(params_file),
                   "--output-dir", str(out), "--work-dir", str(work),
                   "--parent-pid", str(os.getpid())]
        if cell_timeout is not None:
            command += ["--cell-timeout", str(cell_timeout)]
        environment = None
        if scheduler is not None:
            from evalkit.reports.analysis.engine_data import SCHEDULER_VARIABLE

            environment = {**os.environ, SCHEDULER_VARIABLE: scheduler}
        with open(work / _LOG, "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, cwd=work, env=environment,
                                       start_new_session=os.name != "nt")
        with _LIVE_LOCK:
            _LIVE[process.pid] = work
        try:
            if _STOPPING.is_set():  # stopped while this one was starting
                kill_group(process.pid)
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            _kill_kernel(work)
            process.wait()
            remove_partial_files(out, policy_id)
            return record_failure(
                params_file, out, f"the run exceeded its time limit of {timeout:g} s and was "
                                  "stopped", duration=time.monotonic() - started,
                partial_notebook=work / f"{policy_id}.ipynb")
        finally:
            with _LIVE_LOCK:
                _LIVE.pop(process.pid, None)
            _kill_kernel(work)  # normally already stopped by the run itself
        if _STOPPING.is_set() and code != 0:
            remove_partial_files(out, policy_id)
            raise RunStopped(policy_id)
        try:
            return run_from_dict(json.loads((work / _RESULT).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            remove_partial_files(out, policy_id)
            detail = _why_it_died(work / _LOG)
            return record_failure(
                params_file, out, f"the process running the report stopped unexpectedly "
                                  f"(exit status {code})" + (f": {detail}" if detail else ""),
                duration=time.monotonic() - started,
                partial_notebook=work / f"{policy_id}.ipynb")


def run_isolated_task(params_path: str, output_dir: str, timeout: float | None,
                      cell_timeout: float | None = None,
                      scheduler: str | None = None) -> dict[str, Any]:
    """:func:`run_isolated` as a picklable task returning plain data (for Dask).

    With ``scheduler``, the task leaves its worker's pool of threads while the report
    runs (it only waits for the report's process), so that the estimation tasks the
    report sends to the same cluster find a free thread.
    """
    seceded = False
    if scheduler is not None:
        try:
            from distributed import secede

            secede()
            seceded = True
        except (ImportError, ValueError):  # not running inside a Dask worker
            pass
    try:
        return run_to_dict(run_isolated(params_path, output_dir, timeout=timeout,
                                        cell_timeout=cell_timeout, scheduler=scheduler))
    finally:
        if seceded:
            from distributed import rejoin

            rejoin()


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the worker through ``finally`` blocks (kernel stopped,
    temporary files removed), as Ctrl-C does."""
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def _orphaned(work_dir: Path) -> None:
    """The batch that started this worker is gone: stop cleanly, then for sure."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(3.0)  # the main thread stops its kernel and removes its files meanwhile
    _kill_kernel(work_dir)
    shutil.rmtree(work_dir, ignore_errors=True)
    os._exit(1)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m evalkit.reports.run.worker PARAMS --output-dir DIR --work-dir DIR``."""
    from evalkit._startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    parser = argparse.ArgumentParser(prog="python -m evalkit.reports.run.worker",
                                     description="Run one policy's report (used by "
                                                 "'evalkit run-all').")
    parser.add_argument("params")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--cell-timeout", type=float, default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    work_dir = Path(args.work_dir)
    _stop_on_signals()
    if args.parent_pid is not None:
        watch_parent(lambda: _orphaned(work_dir), parent=args.parent_pid)
    # The kernel starts first, and boots while this process imports the rest and checks
    # the params (a kernel started for an invalid params file is simply stopped).
    from evalkit.reports.run.kernel import start_kernel_in, stop_kernel

    try:
        kernel = start_kernel_in(args.work_dir)
    except Exception:  # noqa: BLE001 - the run starts its own and reports why it cannot
        kernel = None
    try:
        from evalkit.reports.run._files import write_atomic
        from evalkit.reports.run.execute import run_policy

        run = run_policy(args.params, args.output_dir, timeout=args.cell_timeout,
                         work_dir=args.work_dir, kernel=kernel)
    finally:
        if kernel is not None:
            stop_kernel(kernel)
        if args.parent_pid is not None and os.getppid() != args.parent_pid:
            _kill_kernel(work_dir)
            shutil.rmtree(work_dir, ignore_errors=True)  # its owner is gone
    write_atomic(Path(args.work_dir) / _RESULT, json.dumps(run_to_dict(run),
                                                           default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
