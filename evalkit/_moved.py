"""Names that moved to another module keep working for one release, with a warning.

A module lists what moved out of it and gets a module-level ``__getattr__``::

    __getattr__ = moved_names(__name__, {"honest_did": "evalkit.robustness"})

The new home is imported by name on first use (so the old module does not depend on
the layer above it) and the warning gives the new spelling.

Names removed from the library because what they did now belongs to the report layer
(which the library never imports) are listed in ``removed``, each with a sentence
saying where its equivalent lives: reading one raises an :class:`AttributeError`
carrying that sentence instead of a bare "no attribute".
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["moved_names"]


def moved_names(module: str, moves: Mapping[str, str],
                removed: Mapping[str, str] | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` that forwards each moved name to its new module.

    Parameters
    ----------
    module
        The old module's ``__name__``.
    moves
        Each moved name and the module it now lives in.
    removed
        Each removed name and where its equivalent now lives (a phrase such as
        ``"evalkit.reports.render.indicator_wording.status_label(status, language)"``).

    Returns
    -------
    callable
        To assign to the old module's ``__getattr__``.
    """
    gone = dict(removed or {})

    def __getattr__(name: str) -> Any:
        if name in gone:
            raise AttributeError(f"{module}.{name} was removed: the library returns codes and "
                                 f"numbers, the report layer words them; use {gone[name]}")
        if name not in moves:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target = moves[name]
        warnings.warn(f"{module}.{name} has moved: import it from {target} "
                      f"(from {target} import {name}); the old place will be removed in the "
                      "next release", FutureWarning, stacklevel=2)
        return getattr(importlib.import_module(target), name)

    return __getattr__
