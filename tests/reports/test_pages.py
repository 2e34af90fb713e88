"""The error page from its template: user text escaped wherever the wording places it."""

from __future__ import annotations

from pathlib import Path

from evalkit.reports.run.export import external_resources
from evalkit.reports.run.pages import error_page

EVIL = "<script>alert('x')</script>"


def test_user_text_is_escaped_inside_the_wording():
    page = error_page(policy_id="p", policy_name=EVIL, message=EVIL, params_file=Path(EVIL),
                      run_date=EVIL, cell=2, source=EVIL, problems=(EVIL,), traceback=EVIL,
                      notebook_name=f"{EVIL}.ipynb", previous_report=f"{EVIL}.html",
                      template=EVIL, language="en")
    assert "<script" not in page and external_resources(page) == []
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert f"<title>Report failed: {escaped}</title>" in page
    assert f"<h1>Report failed: {escaped}</h1>" in page
    # the markup the wording wraps around a value stays markup, the value is escaped
    assert f"cell 2 (counting from 0) of {escaped}: <code>{escaped}</code></dd>" in page
    assert '<a href="%3Cscript%3Ealert%28%27x%27%29%3C/script%3E.ipynb">the executed ' \
           "notebook</a> (open it in JupyterLab" in page
    # title, heading, name, params file, run date, notebook, source, reason, problem, details
    assert page.count(escaped) == 10
