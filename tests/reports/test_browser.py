"""The generated pages as a reader sees them: opened in a real headless Chromium.

Each report and the index page must render (title, headings, every figure decoded),
fetch nothing but the file itself and its embedded ``data:`` resources, and raise no
script error, console error or dialog. Playwright drives the system Chromium
(``/usr/bin/chromium``, installed by ``make test``); no browser is downloaded. The
browser tests are skipped, with the reason, only where that Chromium is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from evalkit.cli import main
from evalkit.reports import write_index
from evalkit.reports.run.export import external_resources
from evalkit.reports.run.records import write_record

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# With headless=True, Playwright adds --headless. Without the background-networking flags
# Chromium tries to reach the network on start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# policy id -> the heading of its key-findings section (the report's language)
REPORTS = {"incinerator": "Key findings", "hauts_de_france_tracking": "Principaux résultats"}
EVIL = "<script>alert(1)</script>"

pytestmark = [pytest.mark.notebook, pytest.mark.browser]


SHIPPED = sorted(p.stem for p in (ROOT / "params").glob("*.yaml"))
#: Where the page tests leave their screenshots (to look at them), if set.
SCREENSHOTS = os.environ.get("EVALKIT_SCREENSHOTS")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    assert main(["run", str(ROOT / "params"), "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def index_with_evil_policy(reports) -> Path:
    """The index of ``reports`` plus a policy whose user-written texts are markup."""
    write_record(reports / "evil.json", {
        "policy_id": "evil", "policy_name": EVIL, "language": "en", "status": "ok",
        "run_date": "2025-03-01T10:22:03+00:00", "duration_seconds": 1.0,
        "estimator": "twfe", "outcome_label": EVIL, "confidence_level": 0.95,
        "headline": {"label": EVIL, "estimate": 1.0,
                     "text": f"<img src=x onerror=alert(2)>{EVIL}"},
        "params_file": "/p/evil.yaml", "data_file": "/d.csv", "data_sha256": "ab",
        "evalkit_version": "0", "error": None, "last_success": None,
        "files": {"html": "evil.html", "notebook": None, "error_page": None},
    })
    (reports / "evil.html").write_text(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>evil</title></head>"
        "<body><p>report</p></body></html>", encoding="utf-8")
    return write_index(reports)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile, closed after the module."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: the browser checks need it "
                    "(make test installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield context
        finally:
            context.close()


class Visit:
    """A page opened from disk, with everything it asked for or complained about."""

    def __init__(self, context, path: Path):
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        page = self.page = context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda ws: self.blocked.append(ws.url))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(message.text))
        page.on("dialog", self._dialog)
        page.route("**/*", self._route)
        page.goto(path.as_uri(), wait_until="load")
        # Every image decoded (or failed) before anything is measured.
        page.evaluate("Promise.all(Array.from(document.images, i => i.decode().catch(() => 0)))")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def assert_quiet(self) -> None:
        """Nothing fetched from the network, no script error, no console error, no dialog."""
        off_disk = [u[:120] for u in self.requests if not u.startswith(("file:", "data:"))]
        assert off_disk == [] and self.blocked == []
        assert self.page_errors == []
        assert self.console_errors == []
        assert self.dialogs == []

    def close(self) -> None:
        self.page.close()


def file_path(url: str) -> Path:
    parsed = urlparse(url)
    assert parsed.scheme == "file", url
    return Path(unquote(parsed.path))


@pytest.mark.parametrize("policy", sorted(REPORTS))
def test_report_renders_offline_without_errors(browser, reports, policy):
    record = json.loads((reports / f"{policy}.json").read_text(encoding="utf-8"))
    visit = Visit(browser, reports / f"{policy}.html")
    try:
        page = visit.page
        assert page.title() == record["policy_name"]
        assert page.locator("h1").first.inner_text().strip() == record["policy_name"]
        headings = [h.strip() for h in page.locator("h2").all_inner_texts()]
        assert REPORTS[policy] in headings
        assert page.get_by_role("heading", name=REPORTS[policy]).first.is_visible()
        images = page.evaluate(
            "Array.from(document.images, i => [i.complete, i.naturalWidth, i.naturalHeight,"
            " i.getBoundingClientRect().width])")
        assert images, "the report shows no figure"
        for complete, width, height, shown in images:
            assert complete and width > 0 and height > 0 and shown > 0
        assert page.evaluate("document.scripts.length") == 0
        visit.assert_quiet()
    finally:
        visit.close()


def test_tracking_report_shows_its_many_figures(browser, reports):
    visit = Visit(browser, reports / "hauts_de_france_tracking.html")
    try:
        widths = visit.page.evaluate("Array.from(document.images, i => i.naturalWidth)")
        assert len(widths) >= 10 and min(widths) > 0
        visit.assert_quiet()
    finally:
        visit.close()


def test_index_links_resolve_and_user_text_stays_text(browser, reports, index_with_evil_policy):
    visit = Visit(browser, index_with_evil_policy)
    try:
        page = visit.page
        assert page.title() == "Policy evaluation reports"
        names = [n.strip() for n in page.locator("tbody td strong").all_inner_texts()]
        assert EVIL in names  # shown as text, in full
        assert page.get_by_text(EVIL, exact=True).first.is_visible()
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("document.images.length") == 0  # the headline's <img> is text
        hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.href)")
        linked = {file_path(h).name for h in hrefs}
        assert {"incinerator.html", "hauts_de_france_tracking.html", "evil.html",
                "incinerator.ipynb", "hauts_de_france_tracking.ipynb"} <= linked
        for h in hrefs:
            assert file_path(h).is_file(), h
        visit.assert_quiet()
    finally:
        visit.close()
    # Following a link opens the report, still without any error.
    visit = Visit(browser, index_with_evil_policy)
    try:
        with visit.page.expect_navigation():
            visit.page.locator('a[href="incinerator.html"]').click()
        assert file_path(visit.page.url) == reports / "incinerator.html"
        assert visit.page.get_by_role("heading", name=REPORTS["incinerator"]).is_visible()
        visit.assert_quiet()
    finally:
        visit.close()


# Without the browser: the pages stay small and do not repeat styles or scripts per figure.

_STYLE = re.compile(r"<style\b", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[\w.+/-]+;base64,[A-Za-z0-9+/=]+")
_EXTERNAL_ATTR = re.compile(
    r"""\b(?:src|href|srcset|poster|action|data)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_reports_are_small_and_share_one_set_of_styles(reports):
    pages = {p: (reports / f"{p}.html").read_text(encoding="utf-8") for p in REPORTS}
    figures = {p: len(re.findall(r"<img\b", page)) for p, page in pages.items()}
    assert figures["hauts_de_france_tracking"] > 5 * figures["incinerator"] > 0
    # The same style blocks whatever the number of figures, and no script at all.
    styles = {p: len(_STYLE.findall(page)) for p, page in pages.items()}
    assert styles["incinerator"] == styles["hauts_de_france_tracking"] <= 8
    assert all(len(_SCRIPT.findall(page)) == 0 for page in pages.values())
    for page in pages.values():
        assert not _EXTERNAL_ATTR.search(page)
        assert external_resources(page) == []
        # Apart from the embedded figures, a report is text and styles of bounded size.
        assert len(_DATA_URI.sub("", page).encode("utf-8")) < 400_000
        assert len(page.encode("utf-8")) < 3_000_000


#: Tables wider than their text column (the report's, else the page's): their first words.
_WIDE_TABLES = """() => {
  const main = document.querySelector('main');
  return Array.from(document.querySelectorAll('table')).filter(t => {
    const column = (t.closest('.evalkit-report') || main).getBoundingClientRect();
    const box = t.getBoundingClientRect();
    return box.right > column.right + 1 || t.scrollWidth > t.clientWidth + 1;
  }).map(t => t.innerText.slice(0, 60));
}"""


@pytest.mark.parametrize("policy", [*SHIPPED, "index"])
def test_no_table_is_wider_than_the_page_on_screen_or_printed(browser, reports, policy,
                                                              tmp_path):
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    visit = Visit(browser, reports / f"{policy}.html")
    try:
        page = visit.page
        page.set_viewport_size({"width": 1200, "height": 900})
        assert page.evaluate(_WIDE_TABLES) == []
        page.screenshot(path=str(folder / f"{policy}.screen.png"), full_page=True)
        # printed on A4 portrait: 210 mm less Chromium's default margins, at 96 px an inch
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 718, "height": 1000})
        assert page.evaluate(_WIDE_TABLES) == []
        page.screenshot(path=str(folder / f"{policy}.print.png"), full_page=True)
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        visit.assert_quiet()
    finally:
        visit.close()
