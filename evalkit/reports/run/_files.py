"""Writing report files so that a reader never sees a half-written one."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["write_atomic", "remove_quietly"]


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write a file completely, then move it into place in one step.

    The content goes to a temporary file in the same folder, which replaces
    ``path`` (``os.replace``) only once it is completely written and flushed to
    disk. If anything fails, the temporary file is removed and a previous file
    at ``path`` is left untouched. The new file gets the usual permissions
    (``0o666`` less the umask), not the private ones of temporary files.

    Parameters
    ----------
    path
        The file to write. Its folder must exist.
    content
        Text (written as UTF-8) or bytes.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
    return target


def remove_quietly(path: str | Path) -> None:
    """Remove a file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()
