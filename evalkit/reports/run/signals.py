"""What a batch run does with signals, and with an output folder it cannot write to.

``evalkit run-all`` is a job that may be stopped at any moment: Ctrl-C in a terminal
(SIGINT), ``timeout``, systemd, ``docker stop`` or a CI cancellation (SIGTERM), a closed
terminal (SIGHUP). Each becomes an exception in the main thread
(:class:`SignalReceived`, or ``KeyboardInterrupt`` for Ctrl-C), so that
the batch stops its policies, removes their work folders and writes the index through
its ordinary ``finally`` and ``except`` blocks, then reports
:class:`~evalkit.errors.RunInterrupted`; further signals are ignored while it cleans up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalkit.errors import RunError, RunInterrupted

__all__ = ["signals_raise", "signals_ignored", "interrupted", "prepare_output_folder",
           "os_error_text", "SignalReceived", "STOP_SIGNALS"]

_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _available() -> list[signal.Signals]:
    return [getattr(signal, name) for name in _SIGNALS if hasattr(signal, name)]


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class SignalReceived(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread (internal).

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on
    the way (in evalkit, papermill or Jupyter) mistakes it for a failed policy.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: What a run treats as a request to stop.
STOP_SIGNALS = (KeyboardInterrupt, SignalReceived)


def _raise(signum: int, frame: Any) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SignalReceived(signum)


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """While in the block, SIGINT, SIGTERM and SIGHUP raise in the main thread.

    Outside the main thread (where Python cannot install handlers) nothing changes.
    A signal the process inherited as ignored (a job started with ``nohup`` ignores
    SIGHUP) stays ignored.
    """
    if not _in_main_thread():
        yield
        return
    previous = {}
    for sig in _available():
        current = signal.getsignal(sig)
        if current is signal.SIG_IGN:
            continue
        previous[sig] = current
        signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """While in the block (cleaning up), SIGINT, SIGTERM and SIGHUP are ignored."""
    if not _in_main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _available()}
    for sig in previous:
        signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def interrupted(exc: BaseException) -> RunInterrupted:
    """The :class:`RunInterrupted` for a ``KeyboardInterrupt`` (Ctrl-C) or a signal."""
    if isinstance(exc, RunInterrupted):
        return exc
    signum = exc.signum if isinstance(exc, SignalReceived) else int(signal.SIGINT)
    return RunInterrupted(signal.Signals(signum).name, 128 + signum)


def os_error_text(exc: OSError) -> str:
    """An operating-system error in plain words, without a traceback."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EEXIST: "a file of that name already exists",
        errno.ENAMETOOLONG: "the path is too long",
    }
    reason = reasons.get(exc.errno or -1) or (exc.strerror or type(exc).__name__).lower()
    where = f" ({Path(exc.filename).name})" if exc.filename else ""
    return f"{reason}{where}"


def prepare_output_folder(output_dir: str | Path) -> Path:
    """The output folder, created if needed and checked writable.

    Raises
    ------
    RunError
        When the path is a file, cannot be created, or cannot be written to (read-only
        file system, permissions, full disk), saying which.
    """
    out = Path(output_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise RunError(f"Cannot write the reports to {str(output_dir)!r}: it is a file, not a "
                       "folder. Choose a folder with -o (it is created if needed).")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".evalkit-write-check-{os.getpid()}.tmp"
        with open(probe, "wb") as handle:
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()  # type: ignore[possibly-undefined]
        raise RunError(f"Cannot write the reports to {str(output_dir)!r}: "
                       f"{os_error_text(exc)}.") from None
    return out.resolve()
