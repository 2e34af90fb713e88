"""The index page ``reports/index.html``: every policy report in the folder.

Built from the run records (``reports/<policy>.json``) so that it stays complete
when a single policy is re-run. A self-contained page (inline CSS, no script,
nothing fetched from the network) in which every user-written text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.reports.run._files import write_atomic
from evalkit.reports.run.pages import esc, href, page
from evalkit.reports.run.records import SkippedRecord, report_skipped, scan_records

if TYPE_CHECKING:
    from evalkit.reports.run.execute import PolicyRun

from evalkit.formatting import colon, decimals_for, format_level, format_p_value
from evalkit.formatting import format_number as format_in

__all__ = ["write_index", "render_index", "format_number"]

_SKIP_HTML = ("index.html",)
_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}")
_GREY = "#8c959f"


def _colour(value: Any) -> str:
    """A CSS colour from a record, only as ``#rgb`` ... ``#rrggbbaa`` (else grey)."""
    return value if isinstance(value, str) and _COLOUR.fullmatch(value) else _GREY


def format_number(value: Any) -> str:
    """A number with about four significant digits, for tables (``-14,178``, ``-0.07141``)."""
    if value is None:
        return "n/a"
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return esc(value)
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


def _indicators_html(headline: Any, language: Any = "en") -> str:
    items = headline.get("indicators") if isinstance(headline, dict) else None
    if not items:
        return ""
    mark = colon(language)
    chips = "".join(
        f'<span style="display:inline-block;margin:2px 4px 2px 0;padding:1px 6px;'
        f'border-radius:8px;border:1px solid {_colour(i.get("colour"))}">'
        f'<span style="color:{_colour(i.get("colour"))}">&#9679;</span> '
        f'{esc(i.get("label", i.get("code", "")))}{mark} {esc(i.get("status_label", ""))}</span>'
        for i in items if isinstance(i, dict))
    return f"<br><small>{chips}</small>"


#: The words of a policy's line in the index, in the policy's language.
_WORDS: dict[str, dict[str, str]] = {
    "en": {"no_headline": "no headline recorded", "estimate": "Estimate", "ci": "{level} CI",
           "ci_plain": "CI", "to": "to", "p_value": "p-value", "outcome": "outcome",
           "report": "Report", "notebook": "Notebook (.ipynb)", "ok": "OK",
           "failed": "Failed", "unknown_error": "unknown error", "more": "... and {n} more",
           "what_went_wrong": "What went wrong", "failed_notebook": "Failed notebook (.ipynb)",
           "previous_from": "Previous report, from", "previous": "Previous report",
           "previous_notebook": "Previous notebook (.ipynb)"},
    "fr": {"no_headline": "aucun résultat principal enregistré", "estimate": "Estimation",
           "ci": "IC à {level}", "ci_plain": "IC", "to": "à", "p_value": "p-valeur",
           "outcome": "variable étudiée", "report": "Rapport",
           "notebook": "Notebook (.ipynb)", "ok": "OK", "failed": "Échec",
           "unknown_error": "erreur inconnue", "more": "... et {n} de plus",
           "what_went_wrong": "Ce qui n’a pas marché",
           "failed_notebook": "Notebook en échec (.ipynb)",
           "previous_from": "Rapport précédent, du", "previous": "Rapport précédent",
           "previous_notebook": "Notebook précédent (.ipynb)"},
}


def _words(language: Any) -> dict[str, str]:
    return _WORDS.get(language if isinstance(language, str) else "en", _WORDS["en"])


def _headline_html(headline: Any, confidence: Any, language: Any = "en") -> str:
    if isinstance(headline, dict) and headline.get("estimate") is None \
            and headline.get("indicators"):
        return (f"{esc(headline.get('label') or '')}"
                f"{_indicators_html(headline, headline.get('language', language))}")
    if not isinstance(headline, dict) or headline.get("estimate") is None:
        return f'<span class="muted">{esc(_words(language)["no_headline"])}</span>'
    language = headline.get("language", language)
    language = language if language in ("en", "fr") else "en"
    w = _words(language)
    se = headline.get("std_error")
    decimals = decimals_for(float(se)) if isinstance(se, int | float) else None

    def number(value: Any) -> str:
        if decimals is None or not isinstance(value, int | float):
            return format_number(value)
        return esc(format_in(float(value), language, decimals))

    level = headline.get("confidence_level") or confidence
    parts = [f"{esc(headline.get('label') or w['estimate'])}{colon(language)} "
             f'<span class="estimate"><strong>{number(headline["estimate"])}</strong>']
    if headline.get("conf_low") is not None and headline.get("conf_high") is not None:
        name = (w["ci"].format(level=format_level(1 - float(level), language))
                if isinstance(level, int | float) else w["ci_plain"])
        parts.append(f" ({esc(name)} {number(headline['conf_low'])} {w['to']} "
                     f"{number(headline['conf_high'])})")
    if isinstance(headline.get("p_value"), int | float):
        parts.append(f", {w['p_value']} "
                     f"{esc(format_p_value(float(headline['p_value']), language))}")
    parts.append("</span>")
    if headline.get("text"):
        parts.append(f"<br><small>{esc(headline['text'])}</small>")
    parts.append(_indicators_html(headline, language))
    return "".join(parts)


def _row(record: dict[str, Any], folder: Path) -> str:
    status = record.get("status")
    files = record.get("files") or {}
    name = record.get("policy_name") or record.get("policy_id")
    w = _words(record.get("language"))
    details = [f"<strong>{esc(name)}</strong>", f"<br><small>{esc(record.get('policy_id'))}"]
    if record.get("estimator"):
        details.append(f" &middot; {esc(record['estimator'])}")
    if record.get("outcome_label"):
        details.append(f" &middot; {w['outcome']}{colon(record.get('language'))} "
                       f"{esc(record['outcome_label'])}")
    details.append("</small>")
    links = []

    def link(file_name: Any, text: str) -> None:
        if file_name and (folder / str(file_name)).is_file():
            links.append(f'<a href="{href(str(file_name))}">{text}</a>')

    if status == "ok":
        badge = f'<span class="status ok">{w["ok"]}</span>'
        headline = _headline_html(record.get("headline"), record.get("confidence_level"),
                                  record.get("language"))
        link(files.get("html"), w["report"])
        link(files.get("notebook"), w["notebook"])
    elif status == "failed":
        badge = f'<span class="status failed">{w["failed"]}</span>'
        error = (record.get("error") or {}).get("message") or w["unknown_error"]
        lines = [line.strip() for line in error.splitlines() if line.strip()]
        shown = "<br>".join(esc(line) for line in lines[:3])
        more = "<br>" + w["more"].format(n=len(lines) - 3) if len(lines) > 3 else ""
        headline = f"<small>{shown}{more}</small>"
        link(files.get("error_page"), w["what_went_wrong"])
        link(files.get("notebook"), w["failed_notebook"])
        kept = record.get("last_success")
        if isinstance(kept, dict):
            headline += (f"<br><small>{w['previous_from']} "
                         f"{esc(_date(kept.get('run_date')))}{colon(record.get('language'))}"
                         "</small> "
                         + _headline_html(kept.get("headline"), record.get("confidence_level"),
                                        record.get("language")))
            link(kept.get("html"), w["previous"])
            link(kept.get("notebook"), w["previous_notebook"])
    else:
        badge = '<span class="status unknown">No record</span>'
        headline = '<span class="muted">report found without a run record</span>'
        link(files.get("html"), "Report")
    return (f"<tr><td>{''.join(details)}</td><td>{badge}</td>"
            f"<td>{esc(_date(record.get('run_date')))}</td><td>{headline}</td>"
            f'<td class="links">{"".join(links) or "&ndash;"}</td></tr>')


def _orphans(folder: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """HTML reports in the folder that no run record describes."""
    known = {str((r.get("files") or {}).get(k)) for r in records for k in ("html", "error_page")}
    known |= {str((r.get("last_success") or {}).get("html")) for r in records}
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
    ok = sum(r.get("status") == "ok" for r in records)
    failed = sum(r.get("status") == "failed" for r in records)
    total = len(records)
    plural = "policy" if total == 1 else "policies"
    summary = (f"{total} {plural}: {ok} report{'s' if ok != 1 else ''} up to date, "
               f"{failed} failed.")
    french = f"{total} politique{'s' if total > 1 else ''} : {ok} à jour, {failed} en échec."
    rows = "\n".join(_row(r, folder) for r in records)
    body = f"""<h1>Policy evaluation reports</h1>
<p class="subtitle">Rapports d’évaluation des politiques publiques</p>
<p class="summary"><strong>{esc(summary)}</strong><br><span class="muted">{esc(french)}</span></p>
<p class="note">Each report estimates the effect of one policy by comparing the units it
reached with similar units it did not reach, before and after it started. The estimate is
the best single guess of the effect; the confidence interval (CI) is the range of effects
consistent with the data. A failed run keeps the previous report available.</p>
<table>
<thead><tr><th>Policy</th><th>Status</th><th>Last run</th><th>Main result</th><th>Files</th>
</tr></thead>
<tbody>
{rows or '<tr><td colspan="5" class="muted">No report yet.</td></tr>'}
</tbody>
</table>
<footer>Generated on {esc(datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))}.</footer>"""
    return page("Policy evaluation reports", body, language="en")


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
