"""Notice when the process that started this one is gone, and stop.

A report process (``python -m evalkit.reports.run.worker``) and its Jupyter kernel are
started by ``evalkit run-all`` in sessions of their own, so that a signal meant for
one policy does not reach the others. The price is that nothing stops them when the
batch itself is killed (``kill -9``, an out-of-memory kill, a closed terminal): they
would run on with no time limit. Each therefore watches its parent: a daemon thread
compares ``os.getppid()`` with the parent it started under, every half second, and
calls ``on_orphaned`` once it differs (the process was re-parented to init or to a
subreaper). Kept free of imports beyond the standard library: the kernel loads it
before IPython.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

__all__ = ["watch_parent", "POLL_SECONDS"]

POLL_SECONDS = 0.5


def watch_parent(on_orphaned: Callable[[], None], parent: int | None = None) -> threading.Thread:
    """Call ``on_orphaned`` (from a daemon thread) when the parent process is gone.

    Parameters
    ----------
    on_orphaned
        What to do then (e.g. stop cleanly, or ``os._exit``).
    parent
        The parent's process id (default: the current parent). When it is already
        not the parent, ``on_orphaned`` is called at once.
    """
    expected = os.getppid() if parent is None else parent

    def watch() -> None:
        while os.getppid() == expected:
            time.sleep(POLL_SECONDS)
        on_orphaned()

    thread = threading.Thread(target=watch, name="evalkit-parent-watch", daemon=True)
    thread.start()
    return thread
