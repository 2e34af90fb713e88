"""Small self-contained HTML pages: the index and the error pages.

Every piece of text that comes from a user (policy names, descriptions, error
messages) goes through :func:`html.escape`; nothing is loaded from the network
(inline CSS, no scripts, and a Content Security Policy that forbids fetching).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from evalkit.reports.run.export import CONTENT_SECURITY_POLICY

__all__ = ["esc", "href", "page", "error_page", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; margin: 0; color: #1f2328; background: #fff; line-height: 1.5; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
.subtitle { color: #57606a; margin: 0 0 1rem; font-style: italic; }
.summary { font-size: 1.05rem; margin: 1rem 0; }
.note { color: #57606a; font-size: .9rem; max-width: 50rem; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .55rem .6rem;
  border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; font-size: .85rem; }
td small, .muted { color: #57606a; }
.status { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .85rem;
  font-weight: 600; white-space: nowrap; }
.ok { background: #dafbe1; color: #116329; }
.failed { background: #ffebe9; color: #a40e26; }
.unknown { background: #eaeef2; color: #57606a; }
.estimate { font-variant-numeric: tabular-nums; white-space: nowrap; }
.links a { display: inline-block; margin-right: .6rem; white-space: nowrap; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .85rem;
  border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
footer { color: #57606a; font-size: .8rem; margin-top: 2rem; }
@media print {
  main { max-width: none; padding: 0; }
  table { table-layout: fixed; font-size: 9pt; }
  th, td { padding: .25rem .3rem; overflow-wrap: anywhere; }
  .estimate, .links a, .status { white-space: normal; }
  tr { break-inside: avoid; }
}
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute (``None`` becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def href(file_name: str) -> str:
    """A relative link to a file in the same folder, escaped for an ``href`` attribute."""
    return esc(quote(file_name))


def strip_ansi(text: str) -> str:
    """Remove the terminal colour codes that tracebacks carry."""
    return _ANSI.sub("", text)


def page(title: str, body: str, *, language: str = "en") -> str:
    """A complete HTML page around ``body`` (already HTML); ``title`` is escaped."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CONTENT_SECURITY_POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


#: The words of an error page, in the policy's language.
_ERROR_WORDS: dict[str, dict[str, str]] = {
    "en": {"title": "Report failed: ", "subtitle": "The report could not be produced.",
           "policy": "Policy", "params": "Params file", "run": "Run", "failed_in": "Failed in",
           "cell": "cell {cell} (counting from 0) of {notebook}",
           "notebook": "the report notebook", "reason": "Reason",
           "problems": "Problems to fix", "details": "Details", "see_also": "See also",
           "executed": "the executed notebook",
           "executed_how": "(open it in JupyterLab to see every cell and its output)",
           "previous": "the previous report", "previous_how": ", kept unchanged until a run "
           "succeeds", "all": "All reports"},
    "fr": {"title": "Échec du rapport : ", "subtitle": "Le rapport n’a pas pu être produit.",
           "policy": "Politique", "params": "Fichier de paramètres", "run": "Exécution",
           "failed_in": "Échec dans",
           "cell": "la cellule {cell} (en comptant à partir de 0) de {notebook}",
           "notebook": "du notebook du rapport", "reason": "Cause",
           "problems": "Problèmes à corriger", "details": "Détails", "see_also": "Voir aussi",
           "executed": "le notebook exécuté",
           "executed_how": "(ouvrez-le dans JupyterLab pour voir chaque cellule et sa sortie)",
           "previous": "le rapport précédent", "previous_how": ", conservé tel quel jusqu’à "
           "une exécution réussie", "all": "Tous les rapports"},
}


def error_page(
    *,
    policy_id: str,
    policy_name: str | None,
    message: str,
    params_file: Path,
    run_date: str,
    cell: int | None = None,
    source: str | None = None,
    problems: tuple[str, ...] = (),
    traceback: str | None = None,
    notebook_name: str | None = None,
    previous_report: str | None = None,
    template: str | None = None,
    language: str = "en",
) -> str:
    """The page written to ``reports/<policy>.error.html`` when a report fails.

    It says which policy failed, at which step or notebook cell, and why, and
    links to the executed notebook and to the previous report, if any.
    """
    name = policy_name or policy_id
    w = _ERROR_WORDS.get(language, _ERROR_WORDS["en"])
    parts = [
        f"<h1>{esc(w['title'])}{esc(name)}</h1>",
        f'<p class="subtitle">{esc(w["subtitle"])}</p>',
        "<dl>",
        f"<dt>{w['policy']}</dt><dd>{esc(name)} <small>({esc(policy_id)})</small></dd>",
        f"<dt>{w['params']}</dt><dd><code>{esc(params_file)}</code></dd>",
        f"<dt>{w['run']}</dt><dd>{esc(run_date)}</dd>",
    ]
    if cell is not None:
        where = w["cell"].format(cell=cell, notebook=template or w["notebook"])
        parts.append(f"<dt>{w['failed_in']}</dt><dd>{esc(where)}"
                     + (f" : <code>{esc(source)}</code>" if source and language == "fr" else
                        f": <code>{esc(source)}</code>" if source else "") + "</dd>")
    parts.append(f"<dt>{w['reason']}</dt><dd>{esc(message)}</dd>")
    parts.append("</dl>")
    if problems:
        parts.append(f"<h2>{w['problems']}</h2><ul>")
        parts.extend(f"<li>{esc(p)}</li>" for p in problems)
        parts.append("</ul>")
    if traceback:
        parts.append(f"<h2>{w['details']}</h2><pre>{esc(strip_ansi(traceback))}</pre>")
    links = []
    if notebook_name:
        links.append(f'<a href="{href(notebook_name)}">{w["executed"]}</a> {w["executed_how"]}')
    if previous_report:
        links.append(f'<a href="{href(previous_report)}">{w["previous"]}</a>{w["previous_how"]}')
    if links:
        parts.append(f"<h2>{w['see_also']}</h2><ul>"
                     + "".join(f"<li>{item}</li>" for item in links) + "</ul>")
    parts.append(f'<p><a href="index.html">{w["all"]}</a></p>')
    return page(f"{w['title']}{name}", "\n".join(parts), language=language)
