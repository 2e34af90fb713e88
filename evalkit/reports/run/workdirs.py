"""Temporary work folders of report runs, and the removal of those a killed run left.

Each policy runs in a folder ``$TMPDIR/evalkit-<policy>-XXXXXXXX`` (its notebook,
kernel sockets and input snapshot). The run that owns the folder holds an exclusive
``flock`` on ``<folder>/.owner.lock`` for as long as it lives; the operating system
releases it when the owner exits, however it exits. A folder whose lock anyone can
take is therefore abandoned: :func:`sweep_abandoned` (called by every batch run
before it starts) stops the processes still working in it (a kernel whose run was
killed) and removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PREFIX", "work_folder", "sweep_abandoned", "processes_in", "kill_group",
           "remove_partial_files"]

PREFIX = "evalkit-"
_OWNER = ".owner.lock"

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


def kill_group(pid: int) -> None:
    """Kill a process and every process of its group (a session leader's group)."""
    if os.name == "nt":  # pragma: no cover - no process groups
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is ``folder`` or inside it (Linux; else none)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    try:
        target = os.path.realpath(folder)
    except OSError:
        return []
    found = []
    for entry in proc.glob("[0-9]*"):
        try:
            cwd = os.readlink(entry / "cwd")
        except (OSError, ValueError):
            continue
        if cwd == target or cwd.startswith(target + os.sep):
            found.append(int(entry.name))
    return [pid for pid in found if pid != os.getpid()]


def remove_partial_files(output_dir: Path, policy_id: str | None = None) -> int:
    """Remove the temporary files a killed writer left in ``output_dir`` (see
    ``write_atomic``): those of one policy, or all of them. Returns how many."""
    pattern = f".{policy_id}.*.tmp" if policy_id else ".*.tmp"
    removed = 0
    for stray in output_dir.glob(pattern):
        with contextlib.suppress(OSError):
            stray.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def work_folder(policy_id: str) -> Iterator[Path]:
    """A fresh work folder owned by this process while in the block, removed after it."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{policy_id}-")).resolve()
    fd = None
    try:
        if fcntl is not None:
            fd = os.open(folder / _OWNER, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if fd is not None:
            os.close(fd)


#: A folder younger than this is never swept: its owner may be about to lock it.
_GRACE_SECONDS = 30.0


def _abandoned(folder: Path) -> bool:
    import time

    lock = folder / _OWNER
    if fcntl is None or not lock.is_file():
        return False
    try:
        if time.time() - folder.stat().st_mtime < _GRACE_SECONDS:
            return False
    except OSError:
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def sweep_abandoned(tmp_dir: str | Path | None = None) -> int:
    """Stop the processes of abandoned work folders and remove the folders.

    Returns how many folders were removed. Folders of runs still alive (their owner
    holds the lock) and folders without an owner lock are left alone.
    """
    base = Path(tmp_dir) if tmp_dir is not None else Path(tempfile.gettempdir())
    removed = 0
    try:
        candidates = [p for p in base.glob(f"{PREFIX}*") if p.is_dir()]
    except OSError:
        return 0
    for folder in candidates:
        if not _abandoned(folder):
            continue
        for pid in processes_in(folder):
            kill_group(pid)
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed
