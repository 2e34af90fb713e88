"""Run report notebooks in a kernel of the interpreter that runs evalkit.

A kernel started by name (``python3``) uses whichever kernelspec Jupyter finds
first, which may belong to another Python (a user-level spec in
``~/.local/share/jupyter/kernels``, a system-wide one ...). Reports must run with
the interpreter, and therefore the evalkit and the libraries, that launched them.
:class:`CurrentInterpreterKernelManager` ignores the installed kernelspecs and
always starts ``sys.executable -m ipykernel_launcher``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel

__all__ = ["CurrentInterpreterKernelManager", "current_interpreter_spec", "kernelspec_python",
           "kernel_manager_in", "start_kernel_in", "stop_kernel", "KERNEL_PID_FILE"]

#: The file, in a run's working folder, where the kernel's process id is written.
KERNEL_PID_FILE = "kernel.pid"


def current_interpreter_spec() -> KernelSpec:
    """A kernelspec that starts an IPython kernel with the current interpreter.

    The command and metadata (e.g. the transport encryption the kernel supports)
    are those ipykernel itself would install for ``sys.executable``, except that the
    kernel is launched by :mod:`evalkit._kernel_launcher`, which also stops it when
    the process that started it is gone.
    """
    from ipykernel.kernelspec import get_kernel_dict

    spec = get_kernel_dict()
    spec["argv"][0] = sys.executable
    # the same kernel, which also exits when its report process is gone (evalkit._lifeline)
    spec["argv"] = [("evalkit._kernel_launcher" if arg == "ipykernel_launcher" else arg)
                    for arg in spec["argv"]]
    spec["display_name"] = f"Python {sys.version_info.major}.{sys.version_info.minor} (evalkit)"
    # Silence the debugger's start-up warning about frozen modules.
    spec["env"] = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return KernelSpec(**spec)


class CurrentInterpreterKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is always the current Python interpreter.

    Whatever the kernel name asked for, the kernelspec is
    :func:`current_interpreter_spec`. Pass the class as ``kernel_manager_class``
    to papermill (``papermill.execute_notebook(..., kernel_manager_class=...)``)
    or nbclient.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Encrypt the kernel's channels when this jupyter_client, pyzmq and ipykernel can.
        if self.has_trait("transport_encryption") and "transport_encryption" not in kwargs:
            import zmq

            if zmq.has("curve"):
                self.transport_encryption = "auto"

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = current_interpreter_spec()
        return self._kernel_spec


_MAX_SOCKET_PATH = 100


def kernel_manager_in(work_dir: str | Path) -> type[CurrentInterpreterKernelManager]:
    """A :class:`CurrentInterpreterKernelManager` whose kernel lives in ``work_dir``.

    The kernel talks over Unix domain sockets (``transport="ipc"``) named after
    its connection file ``work_dir/kernel.json``, instead of TCP ports on
    localhost: kernels started at the same moment by parallel runs cannot pick
    the same port ("Address already in use"), and the sockets disappear with the
    folder. On Windows, which has no such sockets, and when the folder's path is too
    long for a socket name, TCP is kept. Once started,
    the kernel's process id is written to ``work_dir/kernel.pid``, so that a
    supervisor can stop it if the process running the notebook is killed.
    """
    folder = Path(work_dir).resolve()
    # A Unix socket's path is limited to about 107 bytes: with a very long temporary
    # folder, TCP is used instead (ports are then picked by the kernel manager).
    use_ipc = os.name != "nt" and len(str(folder / "kernel-ipc")) + 8 <= _MAX_SOCKET_PATH

    class WorkDirKernelManager(CurrentInterpreterKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            # the connection file lives in the work folder whatever the transport, so that
            # a killed run leaves nothing in the temporary folder outside its own
            kwargs.setdefault("connection_file", str(folder / "kernel.json"))
            if use_ipc:
                kwargs.setdefault("transport", "ipc")
                kwargs.setdefault("ip", str(folder / "kernel-ipc"))
            super().__init__(**kwargs)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kwargs: Any) -> None:
            await super()._async_launch_kernel(kernel_cmd, **kwargs)
            pid = getattr(self.provisioner, "pid", None)
            if pid is not None:
                (folder / KERNEL_PID_FILE).write_text(str(pid), encoding="utf-8")

    return WorkDirKernelManager


def start_kernel_in(work_dir: str | Path) -> CurrentInterpreterKernelManager:
    """Start a kernel in ``work_dir`` now, and return its (started) manager.

    A kernel takes about a second to start (its process imports IPython and the
    scientific stack's base). Starting it before the caller does its own imports and
    checks lets both happen at the same time; the manager is then handed to the
    notebook runner (``papermill.execute_notebook(..., km=manager)``), which uses the
    running kernel instead of starting one. The caller owns the kernel: stop it with
    :func:`stop_kernel`.
    """
    from jupyter_client.utils import run_sync

    folder = Path(work_dir).resolve()
    manager = kernel_manager_in(folder)(kernel_name="python3")
    run_sync(manager.start_kernel)(cwd=str(folder))
    return manager


def stop_kernel(manager: CurrentInterpreterKernelManager) -> None:
    """Stop a kernel started by :func:`start_kernel_in` (nothing if it already stopped)."""
    from jupyter_client.utils import run_sync

    try:
        if run_sync(manager.is_alive)():
            run_sync(manager.shutdown_kernel)(now=True)
        else:
            manager.cleanup_resources()
    except Exception:  # noqa: BLE001 - the process is gone either way; the worker exits
        pass


def kernelspec_python(name: str = "python3") -> Path | None:
    """The interpreter that Jupyter would start for kernel ``name``, or ``None``.

    A kernelspec whose command is a bare ``python``/``python3`` is started by
    Jupyter with the interpreter running Jupyter itself, and is reported as
    ``sys.executable``.
    """
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return None
    command = spec.argv[0]
    major, minor = sys.version_info[:2]
    if command in {"python", f"python{major}", f"python{major}.{minor}"}:
        return Path(sys.executable)
    return Path(command)


def _check(name: str = "python3") -> int:
    found = kernelspec_python(name)
    expected = Path(sys.executable)
    # Compare folders without resolving symbolic links: a venv's python links to the base one.
    same = found is not None and Path(os.path.abspath(found)).parent == \
        Path(os.path.abspath(expected)).parent
    print(json.dumps({"kernel": name, "interpreter": str(found), "expected": str(expected),
                      "ok": same}))
    return 0 if same else 1


if __name__ == "__main__":  # used by `make lab` to check the venv's default kernel
    sys.exit(_check(*sys.argv[1:2]))
