"""Checks of the ``report`` keys that name what a run writes: ``report.docx_template``.

A Word template is a ``.docx`` file: a zip archive holding ``word/document.xml``. It is
checked when the params file is, so that a run never starts with a template it cannot use.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit._schema_errors import describe_value
from evalkit.reports.params.checks import resolve_data_path

__all__ = ["docx_template_problems", "docx_template_path"]

_KEY = "report.docx_template"


def docx_template_path(raw: Mapping[str, Any], params_path: Path) -> Path | None:
    """``report.docx_template`` as an absolute path, if the params name one."""
    report = raw.get("report") if isinstance(raw, Mapping) else None
    value = report.get("docx_template") if isinstance(report, Mapping) else None
    if not isinstance(value, str) or not value:
        return None
    return resolve_data_path(value, params_path)


def docx_template_problems(raw: Any, params_path: Path) -> list[str]:
    """What is wrong with the Word template a params file names (empty if nothing).

    Each problem names ``report.docx_template``, the value given and the file looked at.
    """
    path = docx_template_path(raw, params_path) if isinstance(raw, Mapping) else None
    if path is None:
        return []
    shown = describe_value(raw["report"]["docx_template"])
    where = str(path) if len(str(path)) <= 200 else str(path)[:197] + "..."
    try:
        exists = path.is_file()
    except (OSError, ValueError):
        exists = False
    if not exists:
        return [f"{_KEY}={shown}: must be an existing Word file (.docx; a relative path "
                f"starts at the params file's folder); got {shown}, and {where} does not exist"]
    if path.suffix.lower() != ".docx":
        return [f"{_KEY}={shown}: must be a Word file ending in .docx; got {where}"]
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return [f"{_KEY}={shown}: must be a Word file (.docx); {where} is not one (it is "
                "not a zip archive: saved in another format, or damaged?)"]
    if "word/document.xml" not in names:
        return [f"{_KEY}={shown}: must be a Word file (.docx); {where} is a zip archive "
                "without word/document.xml (another Office format?)"]
    return []
