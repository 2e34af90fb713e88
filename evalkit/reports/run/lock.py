"""One run at a time per output folder: an advisory lock on ``<folder>/.evalkit.lock``.

Two ``evalkit run-all`` (or ``run``) on the same folder would run every policy twice,
interleaving their files. The first takes an exclusive ``flock`` on the folder's lock
file and writes who it is (process id, host, command, start time) into it; the second
reads that and stops with :class:`~evalkit.errors.OutputLockedError`, or waits for the
lock with ``wait=True``. The kernel releases a ``flock`` when its holder exits, however
it exits (``kill -9`` included), so a lock is never left behind: a killed run leaves the
file, which the next run takes at once; a run that ends removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from evalkit.errors import OutputLockedError

__all__ = ["LOCK_NAME", "output_lock", "lock_holder"]

LOCK_NAME = ".evalkit.lock"

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, runs are not serialised
    fcntl = None  # type: ignore[assignment]


def _describe(info: dict[str, object]) -> str:
    command = info.get("command") or "evalkit"
    return (f"process {info.get('pid')} on {info.get('host')} ({command}), started "
            f"{info.get('started')}")


def lock_holder(folder: str | Path) -> str | None:
    """Who holds the lock of ``folder``, in words, or ``None`` when nobody does."""
    path = Path(folder) / LOCK_NAME
    if fcntl is None or not path.is_file():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        return _describe(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):
        return "another process (it did not say which)"


def _try_lock(path: Path) -> int | None:
    """An open descriptor of ``path`` holding its exclusive lock, or ``None`` if busy.

    The lock file is removed when its holder releases it; a process that opened the
    file just before then holds a lock on a removed file: it checks, after locking,
    that the path still names the file it locked, and tries again otherwise.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def output_lock(folder: str | Path, *, wait: bool = False,
                on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the lock of the output folder ``folder`` (which must exist) while in the block.

    The lock file ``.evalkit.lock`` exists only while a run holds it (or after a run
    that was killed, when it is free and taken at once by the next).

    Parameters
    ----------
    folder
        The output folder.
    wait
        Wait for the lock when another process holds it, instead of raising.
    on_wait
        Called once, with the holder in words, when the lock is busy and ``wait``.

    Raises
    ------
    OutputLockedError
        When another process holds the lock and ``wait`` is false.
    """
    path = Path(folder) / LOCK_NAME
    if fcntl is None:  # pragma: no cover
        yield path
        return
    fd = _try_lock(path)
    if fd is None:
        holder = _read_holder(path)
        if not wait:
            raise OutputLockedError(str(folder), holder)
        if on_wait is not None:
            on_wait(holder)
        while fd is None:  # in short steps, so that Ctrl-C is seen while waiting
            time.sleep(0.2)
            fd = _try_lock(path)
    try:
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "command": " ".join(["evalkit", *sys.argv[1:2]]),
                "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the lock
