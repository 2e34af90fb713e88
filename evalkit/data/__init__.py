"""Getting data in: read tables from files and describe a panel, validated once.

Names are imported on first use, so that reading a file's header (as checking a
params file does) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.data.io import SUPPORTED_SUFFIXES, file_sha256, load_table
    from evalkit.data.dask_panel import DaskPanel
    from evalkit.data.duckdb_panel import DuckDBPanel
    from evalkit.data.open_panel import open_panel
    from evalkit.data.panel import Panel, PanelSpec, frame_fingerprint
    from evalkit.data.unit_blocks import EnginePanel, SplitPanel, UnitBlock

__all__ = ["Panel", "PanelSpec", "load_table", "file_sha256", "frame_fingerprint",
           "SUPPORTED_SUFFIXES", "DuckDBPanel", "DaskPanel", "EnginePanel", "SplitPanel",
           "UnitBlock", "open_panel"]

_LAZY = {"Panel": "evalkit.data.panel", "PanelSpec": "evalkit.data.panel",
         "frame_fingerprint": "evalkit.data.panel",
         "load_table": "evalkit.data.io", "file_sha256": "evalkit.data.io",
         "SUPPORTED_SUFFIXES": "evalkit.data.io",
         "DuckDBPanel": "evalkit.data.duckdb_panel", "DaskPanel": "evalkit.data.dask_panel",
         "EnginePanel": "evalkit.data.unit_blocks", "SplitPanel": "evalkit.data.unit_blocks",
         "UnitBlock": "evalkit.data.unit_blocks", "open_panel": "evalkit.data.open_panel"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evalkit.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
