"""Showing a report's sections in a notebook, shared by the evaluation and tracking reports.

A report shows each section as the notebook's output of the step that computes it. The
section a reader sees first (the key findings, the summary) is known only at the end:
:meth:`ShownSections.introduce` keeps its place under the title and
:meth:`ShownSections.fill_top` writes it there (an updated display, kept by JupyterLab
and by the exported report).
"""

from __future__ import annotations

from typing import Any

from evalkit.reports.render.blocks import report_part

__all__ = ["ShownSections"]


class ShownSections:
    """The display of a report's sections; subclasses give the ``*_html`` methods."""

    _top: Any = None  # the place introduce() keeps for the first section

    def title_html(self) -> str:
        raise NotImplementedError

    def policy_html(self) -> str:
        raise NotImplementedError

    def data_html(self) -> str:
        raise NotImplementedError

    def provenance_html(self) -> str:
        raise NotImplementedError

    @staticmethod
    def _display(markup: str) -> None:
        from IPython.display import HTML, display

        display(HTML(report_part(markup)))

    def introduce(self) -> None:
        """Display the title, a place for the first section (written by the report's
        ``conclude``) and the policy."""
        from IPython.display import HTML, display

        self._display(self.title_html())
        self._top = display(HTML(""), display_id=True)
        self._display(self.policy_html())

    def fill_top(self, markup: str) -> None:
        """Write ``markup`` in the place :meth:`introduce` kept (or show it here, when the
        report was not introduced)."""
        from IPython.display import HTML

        if self._top is None:
            self._display(markup)
        else:
            self._top.update(HTML(report_part(markup)))

    def show_title(self) -> None:
        self._display(self.title_html())

    def show_policy(self) -> None:
        self._display(self.policy_html())

    def show_data(self) -> None:
        self._display(self.data_html())

    def show_provenance(self) -> None:
        self._display(self.provenance_html())
