"""Arrays held by immutable results: private, read-only copies."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["read_only_copy"]


def read_only_copy(values: Any, dtype: Any = float) -> np.ndarray:
    """A copy of ``values`` as an array of ``dtype`` (``None``: inferred) that cannot be
    written to, so that a result's arrays never change after it is made."""
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array
