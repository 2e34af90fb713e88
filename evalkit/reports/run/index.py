"""The index page ``reports/index.html``: every policy report in the folder.

Built from the run records (``reports/<policy>.json``) so that it stays complete
when a single policy is re-run. A self-contained page (inline CSS, no script,
nothing fetched from the network), from the template ``templates/pages/index.html.j2``,
in which every user-written text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.reports.messages.catalogue import text
from evalkit.reports.run._files import write_atomic
from evalkit.reports.run.deliverables import language_label
from evalkit.reports.run.pages import page_language, render_page
from evalkit.reports.run.records import SkippedRecord, report_skipped, scan_records

if TYPE_CHECKING:
    from evalkit.reports.run.execute import PolicyRun

from evalkit.formatting import decimals_for, format_level, format_p_value
from evalkit.formatting import format_number as format_in

__all__ = ["write_index", "render_index", "format_number", "LANGUAGE", "SECOND_LANGUAGE"]

#: The language of the index's own wording (each policy's line is in the policy's).
LANGUAGE = "en"
#: The language in which the index repeats its title and summary.
SECOND_LANGUAGE = "fr"

_SKIP_HTML = ("index.html",)
_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}")
_GREY = "#8c959f"


def _colour(value: Any) -> str:
    """A CSS colour from a record, only as ``#rgb`` ... ``#rrggbbaa`` (else grey)."""
    return value if isinstance(value, str) and _COLOUR.fullmatch(value) else _GREY


def format_number(value: Any) -> str:
    """A number with about four significant digits, for tables (``-14,178``, ``-0.07141``).

    A value that is not a number is returned as text, unchanged.
    """
    if value is None:
        return "n/a"
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if not math.isfinite(number):
        return "n/a"
    if abs(number) < 1:
        return f"{number:.4g}"
    decimals = max(0, 3 - math.floor(math.log10(abs(number))))
    return f"{number:,.{decimals}f}"


def _date(iso: Any) -> str:
    try:
        return datetime.fromisoformat(str(iso)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(iso or "")


def _chips(headline: dict[str, Any], key: str = "indicators") -> list[dict[str, Any]] | None:
    """The indicators of a tracking headline (or the alerts of a programme's): colour, label
    and status of each (or None)."""
    if not headline.get(key):
        return None
    return [{"colour": _colour(i.get("colour")), "label": i.get("label", i.get("code", "")),
             "status": i.get("status_label", "")}
            for i in headline[key] if isinstance(i, dict)]


def _headline(headline: Any, confidence: Any, language: Any) -> dict[str, Any]:
    """What a policy's line shows of a headline, its numbers written in its language."""
    if isinstance(headline, dict) and headline.get("estimate") is None \
            and headline.get("indicators"):
        return {"kind": "indicators", "label": headline.get("label") or "",
                "chips": _chips(headline),
                "language": page_language(headline.get("language", language))}
    if isinstance(headline, dict) and headline.get("estimate") is None \
            and isinstance(headline.get("figure"), str):
        return {"kind": "figure", "label": headline.get("label") or "",
                "figure": headline["figure"], "text": headline.get("text"),
                "chips": _chips(headline, "alerts"),
                "language": page_language(headline.get("language", language))}
    if not isinstance(headline, dict) or headline.get("estimate") is None:
        return {"kind": "none", "language": page_language(language)}
    language = page_language(headline.get("language", language))
    se = headline.get("std_error")
    decimals = decimals_for(float(se)) if isinstance(se, int | float) else None

    def number(value: Any) -> str:
        if decimals is None or not isinstance(value, int | float):
            return format_number(value)
        return format_in(float(value), language, decimals)

    level = headline.get("confidence_level") or confidence
    interval = headline.get("conf_low") is not None and headline.get("conf_high") is not None
    p_value = headline.get("p_value")
    return {
        "kind": "estimate", "language": language, "label": headline.get("label"),
        "estimate": number(headline["estimate"]), "interval": interval,
        "low": number(headline.get("conf_low")), "high": number(headline.get("conf_high")),
        "level": format_level(1 - float(level), language)
        if interval and isinstance(level, int | float) else None,
        "p": format_p_value(float(p_value), language)
        if isinstance(p_value, int | float) else None,
        "text": headline.get("text"), "chips": _chips(headline)}


def _row(record: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One policy's line: its name, status, last run, main result and files."""
    status = record.get("status")
    files = record.get("files") or {}
    language = page_language(record.get("language")) if status in ("ok", "failed") \
        else LANGUAGE  # a report without a run record is described in the index's words
    row: dict[str, Any] = {
        "name": record.get("policy_name") or record.get("policy_id"),
        "policy_id": record.get("policy_id"), "estimator": record.get("estimator"),
        "outcome": record.get("outcome_label"), "status": status, "language": language,
        "run_date": _date(record.get("run_date")), "links": []}

    def link(file_name: Any, key: str) -> None:
        if file_name and (folder / str(file_name)).is_file():
            row["links"].append((str(file_name), key))

    row["groups"] = []
    row["notices"] = []
    row["previous_files"] = []
    if status == "ok":
        row["headline"] = _headline(record.get("headline"), record.get("confidence_level"),
                                    record.get("language"))
        versions = _versions(record.get("versions"))
        if len(versions) > 1:
            languages = [str(v.get("language")) for v in versions]
            for version in versions:
                row["links"] = []
                for kind, key in _OUTPUT_LINKS:
                    link(version["files"].get(kind), key)
                row["groups"].append({"language": version.get("language"),
                                      "words": page_language(version.get("language")),
                                      "label": language_label(str(version.get("language")),
                                                              languages),
                                      "links": row["links"]})
            row["links"] = []
        else:
            for kind, key in _OUTPUT_LINKS:
                link(files.get(kind), key)
        row["notices"] = _notices(record.get("notices"))
    elif status == "failed":
        error = (record.get("error") or {}).get("message") or text("index_unknown_error",
                                                                   language)
        lines = [line.strip() for line in error.splitlines() if line.strip()]
        row.update(error_lines=lines[:3], more=max(0, len(lines) - 3), kept=None)
        link(files.get("error_page"), "index_what_went_wrong")
        link(files.get("notebook"), "index_failed_notebook")
        kept = record.get("last_success")
        if isinstance(kept, dict):
            row["kept"] = {"date": _date(kept.get("run_date")),
                           "headline": _headline(kept.get("headline"),
                                                 record.get("confidence_level"),
                                                 record.get("language"))}
            link(kept.get("html"), "index_previous_report")
            link(kept.get("notebook"), "index_previous_notebook")
            shown = {kept.get("html"), kept.get("notebook")}
            for version in _versions(kept.get("versions")):
                for kind, _ in _OUTPUT_LINKS:
                    name = version["files"].get(kind)
                    if name and name not in shown and (folder / str(name)).is_file():
                        row["previous_files"].append(str(name))
                        shown.add(name)
    else:
        link(files.get("html"), "index_report")
    return row


#: The files of a successful run the index links, in order, with their link's wording.
_OUTPUT_LINKS = (("html", "index_report"), ("docx", "index_note_docx"),
                 ("pdf", "index_note_pdf"), ("report_pdf", "index_report_pdf"),
                 ("notebook", "index_notebook"))
#: The notices the index words (the others are in the run's output only).
_NOTICES = ("no_browser", "no_note", "note_too_long", "docx_template")


def _versions(versions: Any) -> list[dict[str, Any]]:
    """The versions of a record that have files (see the run record's ``versions``)."""
    if not isinstance(versions, list):
        return []
    return [v for v in versions if isinstance(v, dict) and isinstance(v.get("files"), dict)]


def _notices(notices: Any) -> list[tuple[str, dict[str, str]]]:
    """The notices of a record the index shows: message key and values of each, once."""
    found: list[tuple[str, dict[str, str]]] = []
    for notice in notices if isinstance(notices, list) else []:
        if not isinstance(notice, dict) or notice.get("code") not in _NOTICES:
            continue
        values = notice.get("values") if isinstance(notice.get("values"), dict) else {}
        item = (f"index_notice_{notice['code']}", {str(k): str(v) for k, v in values.items()})
        if item not in found:
            found.append(item)
    return found


def _orphans(folder: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """HTML reports in the folder that no run record describes."""
    known = {str((r.get("files") or {}).get(k)) for r in records for k in ("html", "error_page")}
    known |= {str((r.get("last_success") or {}).get("html")) for r in records}
    for r in records:  # the other languages' versions of a policy are its own, not orphans
        for holder in (r, r.get("last_success") or {}):
            versions = holder.get("versions") if isinstance(holder, dict) else None
            for version in versions if isinstance(versions, list) else []:
                files = version.get("files") if isinstance(version, dict) else None
                if isinstance(files, dict):
                    known.add(str(files.get("html")))
    ids = {str(r.get("policy_id")) for r in records}
    found = []
    for path in sorted(folder.glob("*.html")) if folder.is_dir() else []:
        if path.name in _SKIP_HTML or path.name in known or path.stem in ids \
                or path.name.endswith(".error.html"):
            continue
        try:
            stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat()
        except OSError:  # removed meanwhile
            continue
        found.append({"policy_id": path.stem, "status": None, "run_date": stamp,
                      "files": {"html": path.name}})
    return found


def render_index(records: list[dict[str, Any]], folder: Path) -> str:
    """The index page for these run records (links are checked against ``folder``)."""
    return render_page(
        "index.html.j2", language=LANGUAGE, second_language=SECOND_LANGUAGE,
        total=len(records), ok=sum(r.get("status") == "ok" for r in records),
        failed=sum(r.get("status") == "failed" for r in records),
        rows=[_row(r, folder) for r in records],
        generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))


def write_index(
    output_dir: str | Path = "reports",
    runs: Iterable[PolicyRun] | None = None,
    *,
    on_skip: Callable[[SkippedRecord], object] | None = None,
) -> Path:
    """Write ``index.html`` listing every policy report in a folder.

    The list comes from the run records ``<policy>.json`` in the folder (plus any
    HTML report without a record), so it includes policies run earlier, not
    only the latest batch. A ``.json`` file that is not a valid run record (an older
    version, another tool's file, a record with keys missing or of the wrong type,
    not JSON) is left out, and its report, if any, is listed as a report without a
    record: one odd file never stops the index.

    Parameters
    ----------
    output_dir
        The folder of reports.
    runs
        Runs just made, e.g. the result of :func:`run_policies`. A run whose
        record is missing from the folder is listed from the run itself.
    on_skip
        Called with each ``.json`` file left out (a
        :class:`~evalkit.reports.run.records.SkippedRecord`, whose ``str()`` names the file
        and says why), e.g. to print a warning. Without it, each is issued as a
        :class:`~evalkit.reports.run.records.RecordWarning` through :mod:`warnings`.

    Returns
    -------
    Path
        The index page written.
    """
    folder = Path(output_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    records, skipped = scan_records(folder)
    report_skipped(skipped, on_skip, stacklevel=2)
    known = {r.get("policy_id") for r in records}
    for run in runs or ():
        if run.policy_id not in known:
            records.append({
                "policy_id": run.policy_id, "policy_name": run.policy_name,
                "status": run.status, "headline": run.headline,
                "error": {"message": run.error} if run.error else None,
                "files": {"html": run.html_path.name if run.html_path else None,
                          "error_page": run.error_page.name if run.error_page else None}})
    records += _orphans(folder, records)
    records.sort(key=lambda r: str(r.get("policy_name") or r.get("policy_id")).lower())
    return write_atomic(folder / "index.html", render_index(records, folder))
