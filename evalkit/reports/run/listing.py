"""What ``evalkit list`` shows: each policy, its kind and language, its last run and
whether its report is up to date. Nothing is run, and no heavy library is imported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PolicyStatus", "list_policies"]


@dataclass(frozen=True)
class PolicyStatus:
    """One policy as ``evalkit list`` shows it.

    Attributes
    ----------
    policy_id
        The params file's name without extension.
    kind
        The design's estimator, ``"indicator tracking"``, ``"programme follow-up"``, or
        ``"invalid params"``.
    language
        The report's language (``"?"`` when the params file cannot be read).
    last_run
        When its report was last produced or attempted (``None``: never).
    status
        ``"ok"``, ``"failed"`` or ``"never run"``.
    up_to_date
        Whether ``evalkit run-all`` would skip it (its last run succeeded with the
        inputs as they are now, and the report is still there).
    """

    policy_id: str
    kind: str
    language: str
    last_run: str | None
    status: str
    up_to_date: bool


def _kind(raw: Any) -> tuple[str, str]:
    if not isinstance(raw, dict):
        return "invalid params", "?"
    design = raw.get("design")
    language = raw.get("language") if isinstance(raw.get("language"), str) else "en"
    if isinstance(design, dict):
        return str(design.get("estimator") or "?"), language
    if isinstance(raw.get("programme"), dict):
        return "programme follow-up", language
    return "indicator tracking", language


def list_policies(paths: Iterable[str | Path], output_dir: str | Path = "reports"
                  ) -> list[PolicyStatus]:
    """The status of every policy named by ``paths`` (params files or folders of them).

    Parameters
    ----------
    paths
        Params files, or folders of params files.
    output_dir
        The folder of reports their runs write to.

    Raises
    ------
    InputError
        If the paths do not name params files.
    """
    from evalkit._yaml import read_params_yaml
    from evalkit.errors import EvalkitError
    from evalkit.reports.run.batch import expand_params_paths
    from evalkit.reports.run.parallel import up_to_date_run
    from evalkit.reports.run.records import read_record, record_file

    out = Path(output_dir).expanduser()
    found = []
    for path in expand_params_paths(paths):
        try:
            raw, _ = read_params_yaml(path)
        except EvalkitError:
            raw = None
        kind, language = _kind(raw)
        record = read_record(record_file(out, path.stem)) if out.is_dir() else None
        status = str(record.get("status")) if record else "never run"
        when = str(record.get("run_date")).replace("T", " ") if record else None
        found.append(PolicyStatus(
            policy_id=path.stem, kind=kind, language=language, last_run=when, status=status,
            up_to_date=bool(record) and up_to_date_run(path, out) is not None))
    return found
