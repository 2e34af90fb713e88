"""Small self-contained HTML pages: the index and the error pages, from Jinja2 templates.

The templates are in ``templates/pages/`` and their wording comes from the message
catalogues (:mod:`evalkit.reports.messages.catalogue`). Every value a template shows is
escaped (autoescape, with :func:`esc`), so text that comes from a user (policy names,
descriptions, error messages) cannot become markup; nothing is loaded from the network
(inline CSS, no scripts, and a Content Security Policy that forbids fetching).
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from evalkit._formatting import colon
from evalkit.errors import InputError
from evalkit.reports.messages.catalogue import languages, wording
from evalkit.reports.run.export import CONTENT_SECURITY_POLICY, TEMPLATE_DIR

__all__ = ["PAGE_TEMPLATES", "esc", "href", "render_page", "error_page", "strip_ansi",
           "page_language"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

#: The templates of the index and error pages (beside the ``evalkit`` nbconvert template).
PAGE_TEMPLATES = TEMPLATE_DIR / "pages"


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute (``None`` becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def href(file_name: str) -> str:
    """A relative link to a file in the same folder, escaped for an ``href`` attribute."""
    return esc(quote(file_name))


def strip_ansi(text: str) -> str:
    """Remove the terminal colour codes that tracebacks carry."""
    return _ANSI.sub("", text)


def page_language(language: Any) -> str:
    """The language a page's wording is in: ``language`` (or a locale's language: ``fr``
    for ``fr-BE``) if it has a catalogue, else English."""
    if not isinstance(language, str):
        return "en"
    base = language.replace("_", "-").split("-")[0].lower()
    return base if base in languages() else "en"


def _markup(value: Any) -> Markup:
    """A value shown in a page: escaped with :func:`esc`, unless it is markup already."""
    return value if isinstance(value, Markup) else Markup(esc(value))


def _html(key: str, language: str, words: str, values: dict[str, Any]) -> Markup:
    try:
        return Markup(esc(words)).format(**{name: _markup(value)
                                            for name, value in values.items()})
    except KeyError as missing:
        raise InputError(f"key={key!r}: its {language!r} wording needs a value for "
                         f"{{{missing.args[0]}}}; got {', '.join(sorted(values)) or 'none'}"
                         ) from None


def _html_text(key: str, language: str, /, **values: Any) -> Markup:
    """A message as HTML (the templates' ``text``): wording and values escaped, markup kept."""
    return _html(key, language, wording(key, language), values)


def _html_ntext(key: str, count: int, language: str, /, **values: Any) -> Markup:
    """A message for ``count`` things as HTML (the templates' ``ntext``), see ``ntext``."""
    return _html(key, language, wording(key, language, count), {"count": count, **values})


@functools.cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(PAGE_TEMPLATES), autoescape=True, finalize=_markup,
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    environment.globals.update(text=_html_text, ntext=_html_ntext, colon=colon,
                               csp=CONTENT_SECURITY_POLICY)
    environment.filters["href"] = lambda name: Markup(href(str(name)))
    return environment


def render_page(template: str, /, **context: Any) -> str:
    """Render one of the page templates (``index.html.j2``, ``error.html.j2``)."""
    return _environment().get_template(template).render(**context)


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
    links to the executed notebook and to the previous report, if any. It is in the
    policy's language (in English if that has no catalogue).
    """
    return render_page(
        "error.html.j2", language=page_language(language), name=policy_name or policy_id,
        policy_id=policy_id, message=message, params_file=params_file, run_date=run_date,
        cell=cell, source=source, problems=problems,
        traceback=strip_ansi(traceback) if traceback else None, notebook_name=notebook_name,
        previous_report=previous_report, template=template)
