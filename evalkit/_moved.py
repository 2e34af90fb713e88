"""Names that moved to another module keep working for one release, with a warning.

A module lists what moved out of it and gets a module-level ``__getattr__``::

    __getattr__ = moved_names(__name__, {"honest_did": "evalkit.robustness"})

The new home is imported by name on first use (so the old module does not depend on
the layer above it) and the warning gives the new spelling.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["moved_names"]


def moved_names(module: str, moves: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that forwards each moved name to its new module.

    Parameters
    ----------
    module
        The old module's ``__name__``.
    moves
        Each moved name and the module it now lives in.

    Returns
    -------
    callable
        To assign to the old module's ``__getattr__``.
    """

    def __getattr__(name: str) -> Any:
        if name not in moves:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target = moves[name]
        warnings.warn(f"{module}.{name} has moved: import it from {target} "
                      f"(from {target} import {name}); the old place will be removed in the "
                      "next release", FutureWarning, stacklevel=2)
        return getattr(importlib.import_module(target), name)

    return __getattr__
