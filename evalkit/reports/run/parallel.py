"""Run many policies at once, skipping those whose report is up to date.

:func:`run_all` is ``evalkit run-all``. For each policy it first compares the
fingerprint of what the report depends on (:func:`policy_fingerprint`) with the
one recorded by the last successful run: when they match and the report is still
there, nothing is started. The others each run in a process of their own
(:func:`~evalkit.reports.run.worker.run_isolated`), at most ``jobs`` at a time:

- ``scheduler=None``: on this machine. A pool of ``jobs`` threads only waits on
  the processes; no kernel, folder or process is shared between policies.
- ``scheduler="local"``: a Dask ``LocalCluster`` of ``jobs`` single-threaded
  worker processes, started for the run and closed after it.
- ``scheduler="tcp://host:port"``: an existing Dask cluster.

With Dask, each task runs the policy in a new process on a Dask worker, exactly
as above, and writes the report files itself into the output folder, which must
therefore be reachable at the same path from the workers (it is, on a local
cluster; on a remote one, use a shared file system). The task returns the run's
description, which the caller gathers. Dask is imported only when asked for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.reports.run.batch import expand_params_paths
from evalkit.reports.run.fingerprint import policy_fingerprint
from evalkit.reports.run.lock import output_lock
from evalkit.reports.run.records import read_record, record_file
from evalkit.reports.run.run_result import PolicyRun
from evalkit.reports.run.signals import (
    STOP_SIGNALS,
    interrupted,
    prepare_output_folder,
    signals_ignored,
    signals_raise,
)
from evalkit.reports.run.workdirs import remove_partial_files, sweep_abandoned

__all__ = ["run_all", "up_to_date_run", "default_jobs"]

#: Seconds between checks for Ctrl-C while policies run (see _run_local).
_WAKE_UP = 0.25

OnStart = Callable[[str], None]
OnDone = Callable[[PolicyRun], None]


def default_jobs() -> int:
    """How many policies run at once by default: the number of processors."""
    return max(1, os.cpu_count() or 1)


def up_to_date_run(params_path: str | Path, output_dir: str | Path) -> PolicyRun | None:
    """The last run of a policy if its report is up to date, else ``None``.

    Up to date: the run record says the last run succeeded, its fingerprint is
    the policy's current one, and the report it wrote is still in the folder.
    """
    params_file = Path(params_path).expanduser().resolve()
    out = Path(output_dir).expanduser().resolve()
    record = read_record(record_file(out, params_file.stem))
    if not record or record.get("status") != "ok" or not record.get("fingerprint"):
        return None
    html = (record.get("files") or {}).get("html")
    if not html or not (out / html).is_file():
        return None
    if record["fingerprint"] != policy_fingerprint(params_file):
        return None
    notebook = (record.get("files") or {}).get("notebook")
    return PolicyRun(
        policy_id=params_file.stem, status="ok", html_path=out / html,
        notebook_path=out / notebook if notebook else None, error=None,
        duration=0.0, headline=record.get("headline"), error_page=None,
        record_path=record_file(out, params_file.stem), policy_name=record.get("policy_name"),
        fingerprint=record["fingerprint"], skipped=True)


def run_all(
    paths: Iterable[str | Path],
    output_dir: str | Path = "reports",
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    force: bool = False,
    scheduler: str | None = None,
    wait: bool = False,
    on_start: OnStart | None = None,
    on_done: OnDone | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[PolicyRun]:
    """Produce every policy's report, in parallel, each in its own process; rewrite the index.

    The run holds the lock of the output folder from start to end (see
    :mod:`evalkit.reports.run.lock`). Before anything runs, it removes what an earlier
    run that was killed left behind: its abandoned work folders and kernels, and
    half-written files in the output folder. Ctrl-C, SIGTERM and SIGHUP stop every
    running policy (their previous reports stay as they were), remove their work
    folders, write the index with what finished, and raise
    :class:`~evalkit.errors.RunInterrupted`.

    Parameters
    ----------
    paths
        Params files, or folders of params files (``params/``).
    output_dir
        The folder of reports, created if needed.
    jobs
        How many policies run at once (default: the number of processors).
    timeout
        The longest, in seconds, one policy's whole run may take; past it, its
        process and kernel are killed and it is marked failed. Default: no limit.
    cell_timeout
        The longest, in seconds, any single cell may run. Default: no limit.
    force
        Run every policy, even those whose report is up to date.
    scheduler
        ``None`` (this machine), ``"local"`` (a Dask ``LocalCluster``) or the
        address of a Dask scheduler (``"tcp://host:port"``).
    wait
        When another run holds the output folder's lock, wait for it instead of
        raising :class:`~evalkit.errors.OutputLockedError`.
    on_start
        Called with a policy's identifier when it is started (with Dask: submitted).
    on_done
        Called with each run as soon as it ends, skipped runs first.
    on_plan
        Called once, before anything runs, with the number of policies to run and
        the number found up to date.
    on_wait
        Called with the lock's holder, in words, when the run waits for it.

    Returns
    -------
    list of PolicyRun
        One per policy, in the order of ``paths``; a skipped policy has
        ``skipped=True``.

    Raises
    ------
    InputError
        If the paths do not name params files, ``jobs`` is not a positive
        integer, or Dask is asked for but not installed (nothing is run then).
    RunError
        The output folder cannot be written (:class:`~evalkit.errors.RunError`),
        another run holds it (:class:`~evalkit.errors.OutputLockedError`), or the run
        was interrupted (:class:`~evalkit.errors.RunInterrupted`, with ``finished``
        and ``stopped`` counts).
    """
    from evalkit.reports.run.index import write_index

    if jobs is None:
        jobs = default_jobs()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError("Cannot run the policies:",
                         [f"jobs={jobs!r}: must be a positive integer; got {jobs!r}"])
    files = expand_params_paths(paths)
    out = prepare_output_folder(output_dir)
    results: dict[Path, PolicyRun] = {}
    with signals_raise(), output_lock(out, wait=wait, on_wait=on_wait):
        sweep_abandoned()
        remove_partial_files(out)
        pending: list[Path] = []
        for path in files:
            run = None if force else up_to_date_run(path, out)
            if run is None:
                pending.append(path)
            else:
                results[path] = run
        if on_plan is not None:
            on_plan(len(pending), len(results))
        for path in files:
            if path in results and on_done is not None:
                on_done(results[path])
        try:
            if pending:
                runner = _run_local if scheduler is None else _run_dask
                for path, run in runner(pending, out, jobs=jobs, timeout=timeout,
                                        cell_timeout=cell_timeout, scheduler=scheduler,
                                        on_start=on_start, on_done=on_done):
                    results[path] = run
        except STOP_SIGNALS as exc:
            with signals_ignored():
                write_index(out, [results[p] for p in files if p in results])
            stopped = interrupted(exc)
            stopped.finished = sum(not r.skipped for r in results.values())
            stopped.stopped = len(pending) - stopped.finished
            raise stopped from None
        runs = [results[path] for path in files]
        write_index(out, runs)
    return runs


def _run_local(pending: Sequence[Path], out: Path, *, jobs: int, timeout: float | None,
               cell_timeout: float | None, scheduler: str | None,
               on_start: OnStart | None,
               on_done: OnDone | None) -> Iterable[tuple[Path, PolicyRun]]:
    from evalkit.reports.run.worker import allow_runs, run_isolated, stop_all_runs

    allow_runs()
    lock = threading.Lock()  # the callbacks are called from the pool's threads, one at a time

    def one(path: Path) -> PolicyRun:
        if on_start is not None:
            with lock:
                on_start(path.stem)
        run = run_isolated(path, out, timeout=timeout, cell_timeout=cell_timeout)
        if on_done is not None:
            with lock:
                on_done(run)
        return run

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(pending)),
                              thread_name_prefix="evalkit-run")
    try:
        futures = {pool.submit(one, path): path for path in pending}
        remaining = set(futures)
        while remaining:
            # Wait in short steps: a Ctrl-C may be caught by one of the pool's threads,
            # and Python raises KeyboardInterrupt in the main thread only when it wakes up.
            done, remaining = wait(remaining, timeout=_WAKE_UP, return_when=FIRST_COMPLETED)
            for future in done:
                yield futures[future], future.result()
    except BaseException:  # Ctrl-C, SIGTERM or a crash: stop the policies still running
        with signals_ignored():
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all_runs()
            pool.shutdown(wait=True)  # each thread removes its run's work folder
        raise
    finally:
        pool.shutdown(wait=True)


def _dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError("Cannot run on a Dask cluster:", [
            "--scheduler needs dask.distributed, which is not installed: "
            "pip install 'evalkit[distributed]'"]) from None
    return distributed


def _run_dask(pending: Sequence[Path], out: Path, *, jobs: int, timeout: float | None,
              cell_timeout: float | None, scheduler: str | None,
              on_start: OnStart | None,
              on_done: OnDone | None) -> Iterable[tuple[Path, PolicyRun]]:
    import uuid

    from evalkit.reports.run.execute import record_failure
    from evalkit.reports.run.worker import run_from_dict, run_isolated_task

    distributed = _dask()
    cluster = None
    if scheduler == "local":
        cluster = distributed.LocalCluster(processes=True, n_workers=jobs,
                                           threads_per_worker=1, dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, ValueError, TimeoutError) as exc:
            raise InputError("Cannot run on a Dask cluster:", [
                f"--scheduler {scheduler!r}: no Dask scheduler answered there "
                f"({type(exc).__name__}: {exc})"]) from None
    # the reports' estimators use the same cluster for data held by an engine
    address = client.scheduler.address
    try:
        batch = uuid.uuid4().hex[:8]
        futures = []
        paths = {}
        for path in pending:
            future = client.submit(run_isolated_task, str(path), str(out), timeout, cell_timeout,
                                   address, key=f"evalkit-{path.stem}-{batch}", pure=False)
            futures.append(future)
            paths[future.key] = path
            if on_start is not None:
                on_start(path.stem)
        for future in distributed.as_completed(futures):
            path = paths[future.key]
            try:
                run = run_from_dict(future.result())
            except Exception as exc:  # the task itself failed: its worker died ...
                run = record_failure(path, out, f"the Dask task running the report failed: "
                                                f"{type(exc).__name__}: {exc}", duration=0.0)
            if on_done is not None:
                on_done(run)
            yield path, run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
