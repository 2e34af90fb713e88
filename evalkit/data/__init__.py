"""Getting data in: read tables from files and describe a panel, validated once.

Names are imported on first use, so that reading a file's header (as checking a
params file does) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.data.io import SUPPORTED_SUFFIXES, file_sha256, load_table
    from evalkit.data.panel import Panel, PanelSpec, frame_fingerprint

__all__ = ["Panel", "PanelSpec", "load_table", "file_sha256", "frame_fingerprint",
           "SUPPORTED_SUFFIXES"]

_LAZY = {"Panel": "evalkit.data.panel", "PanelSpec": "evalkit.data.panel",
         "frame_fingerprint": "evalkit.data.panel",
         "load_table": "evalkit.data.io", "file_sha256": "evalkit.data.io",
         "SUPPORTED_SUFFIXES": "evalkit.data.io"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evalkit.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
