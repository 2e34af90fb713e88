"""The run record ``reports/<policy>.json`` written after every policy run.

The index page is built from these records, so it stays complete when a single
policy is re-run. A record holds::

    {
      "kind": "evalkit.policy_run", "version": 1,
      "policy_id": "minimum_wage", "policy_name": "...", "language": "en",
      "status": "ok" | "failed", "run_date": "2025-03-01T10:22:03+00:00",
      "duration_seconds": 12.3,
      "estimator": "event_study", "outcome_label": "...", "confidence_level": 0.95,
      "headline": {"label", "estimate", "conf_low", "conf_high", "p_value", "text", ...} | null,
      "params_file": "/abs/params/minimum_wage.yaml", "data_file": "/abs/data/mpdta.csv",
      "data_sha256": "...", "evalkit_version": "0.1.0",
      "files": {"html": "minimum_wage.html" | null, "notebook": "... .ipynb" | null,
                "error_page": "minimum_wage.error.html" | null},
      "error": {"message", "cell", "source"} | null,
      "last_success": {"run_date", "headline", "html", "notebook"} | null
    }

``last_success`` is set on a failed run when the previous good report is still
in place: a failure never removes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalkit.reports._files import write_atomic

__all__ = ["RECORD_KIND", "record_file", "write_record", "read_record", "read_records",
           "last_success"]

RECORD_KIND = "evalkit.policy_run"
RECORD_VERSION = 1


def record_file(output_dir: str | Path, policy_id: str) -> Path:
    """Where the record of a policy lives."""
    return Path(output_dir) / f"{policy_id}.json"


def write_record(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a record atomically, as indented JSON."""
    full = {"kind": RECORD_KIND, "version": RECORD_VERSION, **record}
    return write_atomic(path, json.dumps(full, indent=2, ensure_ascii=False, allow_nan=False)
                        + "\n")


def read_record(path: str | Path) -> dict[str, Any] | None:
    """A record, or ``None`` if the file is missing, unreadable or not a run record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != RECORD_KIND:
        return None
    return data


def read_records(output_dir: str | Path) -> list[dict[str, Any]]:
    """Every run record in a folder, sorted by policy identifier."""
    folder = Path(output_dir)
    records = [read_record(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return sorted((r for r in records if r is not None), key=lambda r: str(r.get("policy_id")))


def last_success(previous: dict[str, Any] | None, output_dir: Path) -> dict[str, Any] | None:
    """The last good report described by the previous record, if its page still exists."""
    if previous is None:
        return None
    if previous.get("status") == "ok":
        files = previous.get("files") or {}
        found = {"run_date": previous.get("run_date"), "headline": previous.get("headline"),
                 "html": files.get("html"), "notebook": files.get("notebook")}
    else:
        found = previous.get("last_success")
    if not isinstance(found, dict) or not found.get("html"):
        return None
    if not (output_dir / str(found["html"])).is_file():
        return None
    return found
