"""HTML export: no code, embedded figures, nothing loaded from the network; atomic writes."""

from __future__ import annotations

import base64
import os
import re

import nbformat
import pytest

from evalkit.reports.render.headline import HEADLINE_MIME
from evalkit.reports.run import _files
from evalkit.reports.run._files import write_atomic
from evalkit.reports.run.export import (
    CONTENT_SECURITY_POLICY,
    external_resources,
    notebook_to_html,
    strip_external_resources,
)

# A 1x1 PNG.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1d6"
    "5d0000000049454e44ae426082")).decode()


def output(kind="display_data", **data):
    return nbformat.v4.new_output(kind, data=data)


def code(source, *outputs, tags=(), **metadata):
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = list(outputs)
    cell.metadata.update(metadata)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.fixture
def executed():
    nb = nbformat.v4.new_notebook()
    params = code('params_file = "secret_param_cell"', tags=["parameters"])
    removed = code("removed_code()", output(**{"text/plain": "REMOVED-OUTPUT"}), tags=["remove"])
    hidden = code("hidden()", output(**{"text/plain": "HIDDEN-OUTPUT"}),
                  jupyter={"outputs_hidden": True})
    figure = code("plot_the_effect()", output(**{"image/png": PNG, "text/plain": "<Figure>"}))
    table = code("show_table()", output("execute_result", **{
        "text/html": '<table><tr><td>0.42</td></tr></table>'
                     '<script src="https://cdn.example.org/lib.js"></script>'
                     '<link rel="stylesheet" href="https://cdn.example.org/x.css">',
        "text/plain": "table"}))
    script = code("javascript()", output(**{"application/javascript": "alert('js-output')",
                                            "text/plain": "JS-FALLBACK"}))
    headline = code("record_headline()", output(**{HEADLINE_MIME: {"estimate": 1.0}}))
    warning = code("warn()", nbformat.v4.new_output("stream", name="stderr",
                                                    text="WARNING-TEXT"))
    printed = code("print_it()", nbformat.v4.new_output("stream", name="stdout",
                                                        text="PRINTED-TEXT"))
    nb.cells = [nbformat.v4.new_markdown_cell("# Findings\n\nThe effect is *small*."),
                params, removed, hidden, figure, table, script, headline, warning, printed,
                nbformat.v4.new_markdown_cell("Hidden prose", metadata={
                    "jupyter": {"source_hidden": True}})]
    return nb


def test_report_shows_outputs_and_prose_only(executed):
    html = notebook_to_html(executed, title="Policy <x>", language="fr", footer="Made <here>")
    assert "<h1" in html and "Findings" in html and "<em>small</em>" in html
    assert "PRINTED-TEXT" in html and "0.42" in html
    for hidden in ("secret_param_cell", "plot_the_effect", "removed_code", "REMOVED-OUTPUT",
                   "HIDDEN-OUTPUT", "WARNING-TEXT", "Hidden prose", "js-output", HEADLINE_MIME):
        assert hidden not in html, hidden
    body = html.split("<body", 1)[1]
    for prompt in ("jp-InputPrompt", "jp-OutputPrompt", "In&nbsp;[", "Out[", "jp-InputArea-editor"):
        assert prompt not in body, prompt
    assert f"data:image/png;base64,{PNG}" in html
    assert "<title>Policy &lt;x&gt;</title>" in html
    assert 'lang="fr"' in html
    assert "Made &lt;here&gt;" in html


def test_report_loads_nothing_from_the_network(executed):
    html = notebook_to_html(executed, title="t")
    assert external_resources(html) == []
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"<link[^>]*href=[\"']?(https?:)?//", html)
    assert "mathjax" not in html.lower().split("<body", 1)[0].split("<style", 1)[0]
    assert "require.js" not in html and "require.min.js" not in html
    assert CONTENT_SECURITY_POLICY in html.replace("&#x27;", "'").replace("&#39;", "'")


def test_external_resources_are_found_and_stripped():
    page = ('<p>ok</p><script src="https://a.b/c.js"></script>'
            '<script src=//cdn.x/y.js></script><link href="http://x/y.css" rel="stylesheet">'
            '<img src="https://x/i.png"><iframe src="https://x"></iframe>'
            '<style>@import url("https://fonts.x/css");</style>'
            '<a href="https://example.org">a link is fine</a><img src="data:image/png;base64,AA">')
    found = " ".join(external_resources(page))
    for url in ("https://a.b/c.js", "//cdn.x/y.js", "http://x/y.css", "https://x/i.png",
                'src="https://x"', "https://fonts.x/css"):
        assert url in found, url
    assert "example.org" not in found and "data:image" not in found
    cleaned = strip_external_resources(page)
    assert external_resources(cleaned) == []
    assert '<a href="https://example.org">' in cleaned
    assert "data:image/png" in cleaned and "<p>ok</p>" in cleaned


def test_write_atomic_replaces_completely(tmp_path):
    target = tmp_path / "r.html"
    write_atomic(target, "old")
    write_atomic(target, "new é")
    assert target.read_text(encoding="utf-8") == "new é"
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_atomic_failure_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("previous good report")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "half")
    assert target.read_text() == "previous good report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_write_atomic_failure_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(_files.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("io")))
    with pytest.raises(OSError):
        write_atomic(tmp_path / "new.html", "x")
    assert list(tmp_path.iterdir()) == []
