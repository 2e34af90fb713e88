"""Export an executed notebook to a self-contained HTML report.

The report shows the notebook's prose and outputs, never its code: no input
cells, no ``In [ ]``/``Out [ ]`` prompts. Figures are embedded as base64 data,
styles are inlined, and nothing is loaded from the network when the file is
opened: the ``evalkit`` nbconvert template (``templates/evalkit``, based on
JupyterLab's) drops require.js, MathJax, Mermaid and the widget manager, a
Content Security Policy forbids the browser to fetch anything, and a last pass
removes any remaining reference to an external script, stylesheet, image or
frame.

Cells are left out of the report when tagged ``remove`` (also ``remove-cell``,
``hide``, ``hide-cell``); their input or output only when tagged
``remove-input``/``remove-output`` (or ``hide-...``), or when JupyterLab hides
them (``metadata.jupyter.source_hidden`` for a Markdown cell,
``outputs_hidden`` for outputs). Error messages written to stderr (warnings)
stay in the executed notebook but not in the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.reports.messages.catalogue import text
from evalkit.reports.render.headline import HEADLINE_MIME
from evalkit.reports.run._files import write_atomic
from evalkit.reports.run.deliverables import NOTE_MIME

__all__ = [
    "TEMPLATE_DIR",
    "CONTENT_SECURITY_POLICY",
    "notebook_to_html",
    "export_html",
    "external_resources",
    "strip_external_resources",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: Nothing may be loaded but what the page embeds (inline styles, data: images).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "media-src data:; base-uri 'none'; form-action 'none'"
)

_REMOVE_CELL_TAGS = {"remove", "remove-cell", "hide", "hide-cell"}
_REMOVE_INPUT_TAGS = {"remove-input", "hide-input"}
_REMOVE_OUTPUT_TAGS = {"remove-output", "hide-output"}
# Output types the report never shows: scripts and widgets need a live page or a CDN.
_DROPPED_MIMES = {
    HEADLINE_MIME,
    NOTE_MIME,
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
}

_EXTERNAL_URL = r"""(?:https?:)?//"""
_EXTERNAL_SCRIPT = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*['\"]?\s*" + _EXTERNAL_URL + r"[^>]*>.*?</script\s*>",
    re.IGNORECASE | re.DOTALL,
)
_EXTERNAL_TAG = re.compile(
    r"<(?:link|img|iframe|frame|embed|source|video|audio|object|track)\b[^>]*?"
    r"\b(?:src|href|data|poster|srcset)\s*=\s*['\"]?\s*" + _EXTERNAL_URL + r"[^>]*>",
    re.IGNORECASE,
)
_EXTERNAL_IMPORT = re.compile(
    r"@import\s+(?:url\(\s*)?['\"]?\s*" + _EXTERNAL_URL + r"[^;]*;", re.IGNORECASE)
_EXTERNAL_CSS_URL = re.compile(r"url\(\s*['\"]?\s*" + _EXTERNAL_URL + r"[^)]*\)", re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """Every piece of ``html`` that would make a browser fetch something from the network.

    Links (``<a href>``) are not resources and are not listed.
    """
    found: list[str] = []
    for pattern in (_EXTERNAL_SCRIPT, _EXTERNAL_TAG, _EXTERNAL_IMPORT, _EXTERNAL_CSS_URL):
        found.extend(m.group(0)[:200] for m in pattern.finditer(html))
    return found


def strip_external_resources(html: str) -> str:
    """Remove from ``html`` every script, stylesheet, image or frame fetched from the network."""
    html = _EXTERNAL_SCRIPT.sub("", html)
    html = _EXTERNAL_TAG.sub("", html)
    html = _EXTERNAL_IMPORT.sub("", html)
    return _EXTERNAL_CSS_URL.sub("none", html)


def _clean_outputs(cell: Any) -> None:
    kept = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stderr":
            continue
        if kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            for mime in _DROPPED_MIMES & set(data):
                del data[mime]
            if not data:
                continue
        kept.append(output)
    cell["outputs"] = kept


def _report_cells(nb: Any) -> None:
    """Keep only what the report shows (in place, on a copy of the notebook)."""
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        jupyter = cell.get("metadata", {}).get("jupyter", {})
        if tags & _REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if tags & _REMOVE_OUTPUT_TAGS or jupyter.get("outputs_hidden"):
                cell["outputs"] = []
            _clean_outputs(cell)
            if not cell["outputs"]:
                continue
        elif jupyter.get("source_hidden") or tags & _REMOVE_INPUT_TAGS:
            continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)


def notebook_to_html(
    nb: Any,
    *,
    title: str,
    language: str = "en",
    footer: str | None = None,
    languages: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Render an executed notebook as a self-contained HTML report.

    Parameters
    ----------
    nb
        The executed notebook (an ``nbformat.NotebookNode``). It is not modified.
    title
        The page title (escaped).
    language
        The page's language code (``en``, ``fr``).
    footer
        A line of text shown at the bottom of the page (escaped), e.g. the
        evalkit version and run date.
    languages
        The versions of the report in other languages, for a language switch at the
        top of the page: each a mapping with ``language`` (its code), ``label`` (its
        name), ``href`` (its file) and ``current`` (true for this page). Empty (the
        default): no switch.

    Returns
    -------
    str
        The HTML page.
    """
    import copy

    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from evalkit._version import __version__

    config = Config()
    config.HTMLExporter.template_name = "evalkit"
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.embed_images = True
    config.HTMLExporter.theme = "light"
    config.HTMLExporter.language_code = language
    config.HTMLExporter.mathjax_url = ""
    config.HTMLExporter.require_js_url = ""
    config.HTMLExporter.widget_renderer_url = ""
    config.NbConvertBase.display_data_priority = [
        "text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
        "text/latex", "text/plain",
    ]
    exporter = HTMLExporter(config=config)

    report = copy.deepcopy(nb)
    _report_cells(report)
    report.metadata["title"] = title
    resources = {
        "metadata": {"name": title},
        "evalkit_csp": CONTENT_SECURITY_POLICY,
        "evalkit_version": __version__,
        "evalkit_footer": footer or "",
        "evalkit_languages": [dict(version) for version in languages],
        "evalkit_languages_label": text("language_switch", language) if languages else "",
    }
    html, _ = exporter.from_notebook_node(report, resources=resources)
    return strip_external_resources(html)


def export_html(
    nb: Any,
    path: str | Path,
    *,
    title: str,
    language: str = "en",
    footer: str | None = None,
) -> Path:
    """Render an executed notebook (see :func:`notebook_to_html`) and write it atomically.

    The page is written to a temporary file beside ``path`` and moved into place
    only once complete: a failure leaves any previous report untouched.

    Returns
    -------
    Path
        ``path``.
    """
    if footer is None:
        from evalkit._version import __version__

        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        footer = text("footer_produced", language, version=__version__, date=stamp)
    html = notebook_to_html(nb, title=title, language=language, footer=footer)
    return write_atomic(path, html)
