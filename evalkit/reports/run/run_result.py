"""The outcome of one policy's report run (kept light: no Jupyter or pandas imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["PolicyRun"]


@dataclass(frozen=True)
class PolicyRun:
    """The outcome of running one policy's report.

    Attributes
    ----------
    policy_id
        The params file's name without extension.
    status
        ``"ok"`` or ``"failed"``.
    html_path
        The report written by this run (``None`` if it failed).
    notebook_path
        The executed notebook kept by this run: ``<policy>.ipynb`` on success,
        ``<policy>.error.ipynb`` on failure, ``None`` if none was kept.
    error
        Why the run failed (the full message, with every problem), else ``None``.
    duration
        Wall-clock seconds.
    headline
        The headline the notebook recorded with :func:`record_headline`, if any.
    error_page
        ``<policy>.error.html`` when the run failed.
    record_path
        The run record ``<policy>.json``.
    policy_name
        ``policy.name`` from the params file, when it could be read.
    fingerprint
        What the report depends on, hashed (see :func:`policy_fingerprint`).
    skipped
        True when the report was already up to date and nothing was run
        (``evalkit run-all``); the other fields then describe the last run.
    outputs
        The names of the files the run wrote in the output folder: reports, notes and
        PDFs of every language, executed notebooks (empty when it failed).
    notices
        What a successful run could not do as asked, one line each, naming the policy
        (PDFs skipped without a browser, a note longer than two pages ...).
    """

    policy_id: str
    status: Literal["ok", "failed"]
    html_path: Path | None
    notebook_path: Path | None
    error: str | None
    duration: float
    headline: dict[str, Any] | None = field(default=None, hash=False)
    error_page: Path | None = None
    record_path: Path | None = None
    policy_name: str | None = None
    fingerprint: str | None = None
    skipped: bool = False
    outputs: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the report was produced."""
        return self.status == "ok"
