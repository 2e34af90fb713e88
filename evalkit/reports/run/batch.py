"""Run several policies in turn and refresh the index page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from evalkit.errors import InputError
from evalkit.reports.run.run_result import PolicyRun

__all__ = ["expand_params_paths", "run_policies"]

PARAMS_SUFFIXES = (".yaml", ".yml")


def expand_params_paths(paths: Iterable[str | Path], *, unique_names: bool = True) -> list[Path]:
    """The params files named by ``paths``: files as given, folders as their ``*.yaml``/``*.yml``.

    Folders are not searched recursively; their files are taken in name order. A
    file named twice is kept once.

    Parameters
    ----------
    paths
        Params files and folders.
    unique_names
        Refuse two different files with the same name (they would write the same
        report). Default true.

    Raises
    ------
    InputError
        If a path does not exist, a folder holds no params file, or (with
        ``unique_names``) two files share a name.
    """
    found: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in PARAMS_SUFFIXES and p.is_file())
            if not files:
                problems.append(f"{str(raw)!r}: the folder holds no .yaml or .yml params file")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(f"{str(raw)!r}: no such file or folder")
    if not found and not problems:
        problems.append("no params file given")
    stems: dict[str, Path] = {}
    for path in found:
        if unique_names and path.stem in stems and stems[path.stem].resolve() != path.resolve():
            problems.append(f"{str(path)!r} and {str(stems[path.stem])!r} would both write the "
                            f"report {path.stem!r}: give the policies different file names")
        stems.setdefault(path.stem, path)
    if problems:
        raise InputError("Cannot select the params files:", problems)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def run_policies(
    paths: Iterable[str | Path],
    output_dir: str | Path = "reports",
    timeout: float | None = None,
    *,
    on_done: Callable[[PolicyRun], None] | None = None,
) -> list[PolicyRun]:
    """Run every policy named, one after the other, then rewrite the index page.

    A failed policy does not stop the others (see :func:`run_policy`).

    Parameters
    ----------
    paths
        Params files, or folders of params files (``params/``).
    output_dir
        The folder of reports.
    timeout
        The longest, in seconds, any single notebook cell may run (default: no limit).
    on_done
        Called with each run as soon as it ends (e.g. to print progress).

    Returns
    -------
    list of PolicyRun
        One per policy, in the order run.

    Raises
    ------
    InputError
        If the paths do not name params files (nothing is run then).
    RunError
        If the output folder cannot be written or another run holds it
        (:class:`~evalkit.errors.OutputLockedError`), or the run was stopped by a
        signal (:class:`~evalkit.errors.RunInterrupted`; the index then lists what
        finished, and the policy being run keeps its previous report).
    """
    from evalkit.reports.run.execute import run_policy
    from evalkit.reports.run.index import write_index
    from evalkit.reports.run.lock import output_lock
    from evalkit.reports.run.signals import (
        STOP_SIGNALS,
        interrupted,
        prepare_output_folder,
        signals_ignored,
        signals_raise,
    )
    from evalkit.reports.run.workdirs import remove_partial_files, sweep_abandoned

    files = expand_params_paths(paths)
    out = prepare_output_folder(output_dir)
    runs: list[PolicyRun] = []
    with signals_raise(), output_lock(out):
        sweep_abandoned()
        remove_partial_files(out)
        try:
            for path in files:
                run = run_policy(path, out, timeout=timeout)
                runs.append(run)
                if on_done is not None:
                    on_done(run)
        except STOP_SIGNALS as exc:
            with signals_ignored():
                remove_partial_files(out)
                write_index(out, runs)
            stopped = interrupted(exc)
            stopped.finished, stopped.stopped = len(runs), len(files) - len(runs)
            raise stopped from None
        write_index(out, runs)
    return runs
