"""Start an IPython kernel that exits when the process that started it is gone.

Report kernels are started with ``python -m evalkit._kernel_launcher -f CONNECTION``
instead of ``python -m ipykernel_launcher``: the same kernel, plus a watch on its
parent (see :mod:`evalkit._lifeline`), so that a kernel whose report process was
killed does not run on by itself.
"""

from __future__ import annotations

import os

from evalkit._lifeline import watch_parent


def main() -> None:
    watch_parent(lambda: os._exit(1))
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
