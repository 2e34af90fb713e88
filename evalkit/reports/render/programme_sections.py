"""The sections of a programme follow-up report, rendered as HTML in the notebook's outputs.

Alerts come first, then the budget's execution (tables, the consumption curve with its
trajectory and projection, what remains to be paid), the amounts per inhabitant by
territory with their map, the calls for projects and grants, and the cost of a result
when an evaluation is linked. Every word comes from the report catalogues
(``programme_<key>``), every number from :mod:`evalkit.formatting`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalkit._version import __version__
from evalkit.formatting import (
    Language,
    decimals_for,
    format_datetime,
    format_level,
    format_number,
    format_percent,
    month_name,
)
from evalkit.reports.analysis.programme import ProgrammeFollowUp, follow_programme
from evalkit.reports.messages.catalogue import ntext, text
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.render.blocks import (
    Badge,
    Block,
    Details,
    Facts,
    Figure,
    Heading,
    Items,
    Lines,
    Paragraph,
    Table,
    Title,
    render,
    render_page_style,
)
from evalkit.reports.render.maps_sections import per_inhabitant_map
from evalkit.reports.render.note import Note, record_note
from evalkit.reports.render.read_format import read_format_text
from evalkit.reports.render.shown import ShownSections

__all__ = ["ProgrammeReport"]

#: Wording shared with the other reports (other keys are ``programme_<key>``).
_SHARED = {"provenance": "provenance", "read_as": "read_as", "sha": "sha256",
           "params_file": "params_file", "version": "version", "run_date": "run_date",
           "data_source": "data_source"}
_ALERT_COLOUR = "#b2182b"
#: The most levels drawn as curves of their own (beyond, their table says it all).
_MAX_CURVES = 8
_OK_COLOUR = "#1a9850"


class ProgrammeReport(ShownSections):
    """A programme's follow-up report, section by section (used by ``programme.ipynb``)."""

    def __init__(self, follow_up: ProgrammeFollowUp) -> None:
        self.follow_up = follow_up

    @classmethod
    def from_params(cls, params: PolicyParams | str | Path) -> ProgrammeReport:
        """Validate a params file, compute the programme's follow-up and return the report."""
        return cls(follow_programme(params))

    # ------------------------------------------------------------------ helpers
    @property
    def language(self) -> Language:
        """The report's locale: its catalogue words it, numbers are written in it."""
        return self.follow_up.params.locale

    @property
    def params(self) -> PolicyParams:
        return self.follow_up.params

    def _t(self, key: str, **values: object) -> str:
        return text(_SHARED.get(key, f"programme_{key}"), self.language, **values)

    def _n(self, key: str, count: int, **values: object) -> str:
        return ntext(f"programme_{key}", count, self.language, **values)

    def euros(self, value: float) -> str:
        """An amount in euros, to the euro: ``13 244 616 €``."""
        return self._t("euros", amount=format_number(value, self.language, 0))

    def amount(self, value: float) -> str:
        """An amount in a table whose header gives the unit (``13 244 616``)."""
        return format_number(value, self.language, 0)

    def millions(self, value: float) -> str:
        """An amount in millions of euros, for sentences: ``13,2 M€``."""
        return self._t("millions", amount=format_number(value / 1e6, self.language, 1))

    def share(self, value: float, decimals: int = 1) -> str:
        """A share (0.42) as a percentage (``42,0 %``)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return format_number(math.nan, self.language)
        return format_percent(100 * float(value), self.language, decimals)

    def month(self, month: int) -> str:
        return month_name(int(month), self.language)

    def _simulated(self) -> bool:
        return self.follow_up.simulated

    def _level_label(self, role: str) -> str:
        """A level's name for a table's header: the file's column, capitalised."""
        name = self.follow_up.budget.lines.column_names().get(role, role)
        return name[:1].upper() + name[1:]

    # ------------------------------------------------------------------ title and policy
    def title_html(self) -> str:
        p = self.params
        warning = self._t("simulated") if self._simulated() else ""
        return render_page_style() + render([Title(p.title, p.policy.owner or "", warning)])

    def policy_html(self) -> str:
        p = self.params
        out: list[Block] = [Heading(self._t("policy")), Paragraph(p.policy.name, "strong")]
        out += [Paragraph(par) for par in p.policy.description.split("\n\n")]
        if p.report.notes:
            out.append(Paragraph(p.report.notes, "emphasis"))
        return render(out)

    # ------------------------------------------------------------------ summary
    def summary_sentences(self) -> list[str]:
        """The budget's main figures, in sentences."""
        b = self.follow_up.budget
        total = b.total.table
        out = []
        if len(total):
            row = total.iloc[0]
            previous = b.curve.curve.loc[b.curve.curve["month"] == b.as_of_month,
                                         "previous_rate"]
            previous_rate = float(previous.iloc[0]) if len(previous) else math.nan
            out.append(self._t(
                "sentence_consumption", month=self.month(b.as_of_month), year=b.year,
                paid=self.millions(row["cp_paid_to_date"]),
                allocated=self.millions(row["cp_allocated_to_date"]),
                rate=self.share(row.get("cp_consumption_rate", math.nan)),
                linear=self.share(b.as_of_month / 12),
                previous=self.share(previous_rate)))
            projection = b.curve.projection.iloc[0]
            if not math.isnan(projection["projected_rate"]):
                out.append(self._t(
                    "sentence_projection", rate=self.share(projection["projected_rate"]),
                    low=self.share(projection["low_rate"]),
                    high=self.share(projection["high_rate"]),
                    years=len(b.curve.previous_years)))
            if "ae_commitment_rate" in total.columns:
                out.append(self._t("sentence_commitment",
                                   committed=self.millions(row["ae_committed_to_date"]),
                                   rate=self.share(row["ae_commitment_rate"])))
        if b.remaining is not None:
            out.append(self._t("sentence_remaining",
                               amount=self.millions(b.remaining.table["remaining"].sum()),
                               month=self.month(b.as_of_month), year=b.year))
        alerts = b.alerts.table
        if not len(alerts):
            out.append(self._t("sentence_no_alert"))
        for _, row in alerts.head(3).iterrows():
            out.append(self._t("sentence_alert", name=self._t(f"alert_name_{row['alert']}"),
                               detail=self.alert_sentence(row)))
        if len(alerts) > 3:
            out.append(self._n("sentence_alerts", len(alerts) - 3))
        return out

    def summary_blocks(self) -> list[Block]:
        sentences = self.summary_sentences()
        if self.follow_up.calls is not None:
            sentences += self.calls_sentences()[:2]
        if self.follow_up.cost is not None:
            sentences.append(self.cost_sentence())
        return [Heading(self._t("summary")), Items(tuple(sentences), "findings")]

    def summary_html(self) -> str:
        return render(self.summary_blocks())

    # ------------------------------------------------------------------ alerts
    def _where(self, where: Sequence[object]) -> str:
        return " – ".join(str(v) for v in where) or self._t("whole_budget")

    def alert_sentence(self, row: pd.Series) -> str:
        """One alert, in words."""
        kind = row["alert"]
        if kind == "projected_under_consumption":
            return self._t("alert_projected_under_consumption", where=self._where(row["where"]),
                           rate=self.share(row["value"]), low=self.share(row["low"]),
                           high=self.share(row["high"]),
                           threshold=self.share(row["threshold"], 0))
        if kind == "cp_paid_above_ae_committed":
            return self._t("alert_cp_paid_above_ae_committed", where=self._where(row["where"]),
                           excess=self.euros(row["value"]))
        lines = int(row["lines"])
        rows = ", ".join(str(r) for r in row["rows"][:10])
        return self._n("alert_lines_without_territory", lines, rows=rows)

    def alerts_blocks(self) -> list[Block]:
        b = self.follow_up.budget
        out: list[Block] = [Heading(self._t("alerts"))]
        table = b.alerts.table
        if not len(table):
            out.append(Paragraph(self._t("no_alert", month=self.month(b.as_of_month),
                                         year=b.year)))
        else:
            rows = [(Badge(self._t(f"alert_name_{r['alert']}"), _ALERT_COLOUR),
                     self.alert_sentence(r)) for _, r in table.iterrows()]
            out.append(Table.of((self._t("col_alert"), self._t("col_detail")), rows, "text"))
        out.append(Paragraph(self._t("alerts_rules",
                                     threshold=self.share(b.alerts.thresholds[
                                         "projected_under_consumption"], 0)), "caption"))
        return out

    def alerts_html(self) -> str:
        return render(self.alerts_blocks())

    # ------------------------------------------------------------------ data
    def data_html(self) -> str:
        f = self.follow_up
        p = self.params
        b = f.budget
        rows: list[tuple[str, str]] = []
        if p.data.description:
            rows.append(("", p.data.description))
        if p.data.source:
            rows.append((self._t("data_source"), p.data.source))
        budget_file = f.files[0]
        years = b.lines.years
        rows += [(self._t("budget_file"), budget_file.path.name),
                 (self._t("lines"), format_number(len(b.lines.data), self.language, 0)),
                 (self._t("years"), f"{years[0]}–{years[-1]}" if len(years) > 1
                  else str(years[0])),
                 (self._t("followed"), self._t("followed_value", month=self.month(b.as_of_month),
                                               year=b.year))]
        if f.calls is not None:
            apps = f.calls.applications
            rows.append((self._t("calls_file"), self._t(
                "calls_file_value", file=f.calls.files[0],
                n=format_number(len(apps.data), self.language, 0))))
            if len(f.calls.files) > 1:
                rows.append((self._t("payments_file"), self._t(
                    "calls_file_value", file=f.calls.files[1],
                    n=format_number(len(apps.payments_data), self.language, 0))))
        out: list[Block] = [Heading(self._t("data")), Facts.of(rows)]
        out += self.excluded_blocks()
        return render(out)

    def excluded_blocks(self) -> list[Block]:
        """The rows set aside, file by file, with the rule each broke (nothing is dropped
        silently)."""
        found = [(name, table) for name, table in self.follow_up.excluded()
                 if table is not None and len(table)]
        if not found:
            return [Paragraph(self._t("nothing_excluded"), "caption")]
        n = sum(int(table["row"].nunique()) for _, table in found)
        out: list[Block] = [Heading(self._t("excluded"), 3),
                            Paragraph(self._n("excluded_caption", n))]
        header = (self._t("col_row"), self._t("col_rule"), self._t("col_column"),
                  self._t("col_value"))
        for name, table in found:
            rows = [(format_number(int(r.row), self.language, 0), self._rule(str(r.rule)),
                     str(r.column), _shown(r.value)) for r in table.head(50).itertuples()]
            out += [Paragraph(self._n("excluded_file", int(table["row"].nunique()), file=name),
                              "strong"), Table.of(header, rows, "text")]
            if len(table) > 50:
                out.append(Paragraph(self._t("excluded_more", n=len(table) - 50), "caption"))
        return out

    def _rule(self, rule: str) -> str:
        key = f"programme_rule_{rule}"
        try:
            return text(key, self.language)
        except Exception:  # noqa: BLE001 - a rule without wording is shown by its key
            return rule

    # ------------------------------------------------------------------ budget
    def execution_blocks(self) -> list[Block]:
        b = self.follow_up.budget
        out: list[Block] = [Heading(self._t("budget")),
                            Paragraph(self._t("budget_caption", month=self.month(b.as_of_month),
                                              year=b.year), "caption")]
        out += self._execution_table()
        out += self._curve_blocks()
        out += self._remaining_blocks()
        return out

    def _projection_of(self, values: tuple) -> pd.Series | None:
        b = self.follow_up.budget
        if b.curve_by is None:
            return None
        found = b.curve_by.projection
        for column, value in zip(b.curve_by.by, values, strict=True):
            found = found.loc[found[column] == value]
        return found.iloc[0] if len(found) else None

    def _execution_table(self) -> list[Block]:
        """Two tables, each read by itself: the commitments (AE), then the payments (CP)
        with their year-end projection."""
        b = self.follow_up.budget
        detail = b.detail.table
        keys = list(b.detail.by)
        total = b.total.table.iloc[0]
        levels = [self._level_label(r) for r in b.by]
        first = [self._t("total"), *[""] * (len(keys) - 1)]
        out: list[Block] = []
        if "ae_commitment_rate" in detail.columns:
            rows = [[*(str(r[k]) for k in keys), self.amount(r["ae_allocated_to_date"]),
                     self.amount(r["ae_committed_to_date"]), self.share(r["ae_commitment_rate"])]
                    for _, r in detail.iterrows()]
            rows.append([*first, self.amount(total["ae_allocated_to_date"]),
                         self.amount(total["ae_committed_to_date"]),
                         self.share(total["ae_commitment_rate"])])
            out += [Heading(self._t("commitments"), 3),
                    Table.of([*levels, self._t("col_ae_allocated"), self._t("col_ae_committed"),
                              self._t("col_commitment_rate")], rows)]
        rows = []
        for _, r in detail.iterrows():
            projection = self._projection_of(tuple(r[k] for k in keys))
            rows.append([*(str(r[k]) for k in keys), self.amount(r["cp_allocated_to_date"]),
                         self.amount(r["cp_paid_to_date"]), self.share(r["cp_consumption_rate"]),
                         self._projection_text(projection) if projection is not None
                         else Lines(("",))])
        rows.append([*first, self.amount(total["cp_allocated_to_date"]),
                     self.amount(total["cp_paid_to_date"]),
                     self.share(total["cp_consumption_rate"]),
                     self._projection_text(b.curve.projection.iloc[0])])
        out += [Heading(self._t("payments"), 3),
                Table.of([*levels, self._t("col_cp_allocated"), self._t("col_cp_paid"),
                          self._t("col_consumption_rate"), self._t("col_projection")], rows),
                Paragraph(self._t("projection_caption", years=self._years(
                    b.curve.previous_years)), "caption")]
        return out

    def _projection_text(self, projection: pd.Series) -> Lines:
        """The projected rate, its range below it."""
        if math.isnan(projection["projected_rate"]):
            return Lines((format_number(math.nan, self.language),))
        return Lines((self.share(projection["projected_rate"]),
                      self._t("projection_range", low=self.share(projection["low_rate"]),
                              high=self.share(projection["high_rate"]))))

    def _years(self, years: Sequence[int]) -> str:
        years = list(years)
        if not years:
            return "–"
        return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])

    def _curve_labels(self) -> dict[str, str]:
        b = self.follow_up.budget
        return {"consumed": self._t("plot_rate", year=b.year),
                "linear": self._t("plot_linear"),
                "previous": self._t("plot_previous",
                                    years=self._years(b.curve.previous_years)),
                "projection": self._t("plot_projection"), "range": self._t("plot_range"),
                "unbounded": self._t("plot_unbounded"), "month": self._t("plot_month"),
                "rate": self._t("plot_share_allocated")}

    def _curve_blocks(self) -> list[Block]:
        from evalkit.plots.programmes import plot_consumption_curve

        b = self.follow_up.budget
        title = self._t("curve_title", year=b.year, label=self._budget_label())
        fig = plot_consumption_curve(b.curve, title=title, labels=self._curve_labels(),
                                     language=self.language)
        out: list[Block] = [Heading(self._t("curve"), 3),
                            Figure.of(fig, self._curve_alt(b.curve.projection.iloc[0], title),
                                      self.language)]
        _close(fig)
        levels = b.curve_by.projection if b.curve_by is not None else ()
        if 1 < len(levels) <= _MAX_CURVES:  # one curve per level, when they are few
            for _, row in levels.iterrows():
                values = tuple(row[c] for c in b.curve_by.by)
                sub_title = self._t("curve_title", year=b.year, label=self._where(values))
                fig = plot_consumption_curve(b.curve_by, level=values, title=sub_title,
                                             labels=self._curve_labels(),
                                             language=self.language)
                out.append(Figure.of(fig, self._curve_alt(row, sub_title), self.language))
                _close(fig)
        out.append(Paragraph(self._t("curve_caption"), "caption"))
        return out

    def _curve_alt(self, projection: pd.Series | None, title: str) -> str:
        if projection is None or math.isnan(projection["projected_rate"]):
            return title
        b = self.follow_up.budget
        rate = projection["cp_paid_to_date"] / projection["cp_allocated"] \
            if projection["cp_allocated"] > 0 else math.nan
        return self._t("curve_alt", title=title, rate=self.share(rate),
                       month=self.month(b.as_of_month),
                       projected=self.share(projection["projected_rate"]))

    def _remaining_blocks(self) -> list[Block]:
        b = self.follow_up.budget
        if b.remaining is None:
            return []
        table = b.remaining.table
        rows = [[*(str(r[k]) for k in b.remaining.by), self.amount(r["ae_committed"]),
                 self.amount(r["cp_paid"]), self.amount(r["remaining"])]
                for _, r in table.iterrows()]
        rows.append([self._t("total"), *[""] * (len(b.remaining.by) - 1),
                     self.amount(table["ae_committed"].sum()), self.amount(table["cp_paid"].sum()),
                     self.amount(table["remaining"].sum())])
        header = [*(self._level_label(r) for r in b.by), self._t("col_ae_committed_all"),
                  self._t("col_cp_paid_all"), self._t("col_remaining")]
        return [Heading(self._t("remaining"), 3), Table.of(header, rows),
                Paragraph(self._t("remaining_caption", month=self.month(b.as_of_month),
                                  year=b.year), "caption")]

    def _budget_label(self) -> str:
        return self.params.programme.budget.label or self._t("the_budget")

    def budget_html(self) -> str:
        return render(self.execution_blocks())

    # ------------------------------------------------------------------ territories
    def territories_blocks(self) -> list[Block]:
        b = self.follow_up.budget
        spending = b.per_inhabitant
        if spending is None:
            return []
        table = spending.table.sort_values("per_inhabitant", ascending=False, kind="stable")
        level = text(f"map_level_{spending.level}", self.language)
        rows = [(f"{r['name']} ({r['code']})", self.amount(r["amount"]),
                 format_number(r["population"], self.language, 0),
                 self._t("per_inhabitant_cell",
                         amount=format_number(r["per_inhabitant"], self.language, 2)))
                for _, r in table.iterrows()]
        out: list[Block] = [Heading(self._t("territories")),
                            Paragraph(self._t("territories_caption", year=b.year,
                                              month=self.month(b.as_of_month)), "caption"),
                            Table.of((level[:1].upper() + level[1:], self._t("col_cp_paid"),
                                      self._t("col_population"), self._t("col_per_inhabitant")),
                                     rows)]
        out += per_inhabitant_map(self.params, table, language=self.language, extent="data",
                                  title=self._t("map_title", year=b.year))
        if spending.without_territory[0]:
            lines, amount = spending.without_territory
            out.append(Paragraph(self._n("without_territory", int(lines),
                                         amount=self.euros(amount)), "caption"))
        return out

    def territories_html(self) -> str:
        return render(self.territories_blocks())

    # ------------------------------------------------------------------ provenance
    def provenance_html(self) -> str:
        f = self.follow_up
        p = self.params
        rows = [(self._t("params_file"), p.params_path.name)]
        for source in f.files:
            label = source.key.replace('.', '_').replace(':', '_')
            rows.append((self._t(f"file_{label}"), source.path.name))
            read = read_format_text(source.read_format, self.language)
            if read:
                rows.append((self._t("read_as"), read))
            rows.append((self._t("sha"), source.sha256))
        rows += [(self._t("version"), __version__),
                 (self._t("run_date"), format_datetime(f.run_date, self.language))]
        content = p.params_path.read_text(encoding="utf-8") if p.params_path.is_file() else ""
        return render([Heading(self._t("provenance")), Facts.of(rows),
                       Details(p.params_path.name, content)])

    # ------------------------------------------------------------------ index
    def headline(self) -> dict[str, object]:
        """The report's headline for the index: the CP consumption to date and projected."""
        b = self.follow_up.budget
        total = b.total.table.iloc[0]
        projection = b.curve.projection.iloc[0]
        chips = [{"code": r["alert"], "label": self._t(f"alert_name_{r['alert']}"),
                  "status": self._where(r["where"]) if r["where"] else
                  format_number(int(r["lines"]), self.language, 0),
                  "status_label": self._where(r["where"]) if r["where"] else
                  format_number(int(r["lines"]), self.language, 0),
                  "colour": _ALERT_COLOUR} for _, r in b.alerts.table.iterrows()]
        figure = self.share(total.get("cp_consumption_rate", math.nan))
        text_ = (self._t("headline_projection", rate=self.share(projection["projected_rate"]),
                         low=self.share(projection["low_rate"]),
                         high=self.share(projection["high_rate"]))
                 if not math.isnan(projection["projected_rate"]) else "")
        source = self.follow_up.files[0]
        return {"label": self._t("headline", year=b.year, month=self.month(b.as_of_month)),
                "figure": figure, "text": text_, "alerts": chips,
                "language": self.params.language, "run_date": self.follow_up.run_date,
                "data_sha256": source.sha256, "evalkit_version": __version__,
                "data_read": read_format_text(source.read_format, self.language)}

    # ------------------------------------------------------------------ the steps
    @classmethod
    def begin(cls, params: PolicyParams | str | Path) -> ProgrammeReport:
        """The follow-up of the programme the params describe, to show step by step.

        The steps, in the order of the report: :meth:`introduce` (the title, the
        summary, filled in by :meth:`conclude`, and the programme),
        :meth:`show_alerts`, :meth:`describe_data`, :meth:`follow_budget`,
        :meth:`show_territories`, :meth:`follow_calls`, :meth:`show_cost` and
        :meth:`conclude`.
        """
        return cls.from_params(params)

    def show_alerts(self) -> None:
        """Display the alerts (first: what needs acting on)."""
        self._display(self.alerts_html())

    def describe_data(self) -> ProgrammeFollowUp:
        """Display the files read and the rows set aside; return the follow-up."""
        self._display(self.data_html())
        return self.follow_up

    def follow_budget(self) -> None:
        """Display the execution tables, the consumption curves and what remains to pay."""
        self._display(self.budget_html())

    def show_territories(self) -> None:
        """Display the amounts per inhabitant by territory and their map."""
        markup = self.territories_html()
        if markup:
            self._display(markup)

    def follow_calls(self) -> None:
        """Display the calls for projects and grants, when the params follow some."""
        markup = self.calls_html()
        if markup:
            self._display(markup)

    def show_cost(self) -> None:
        """Display the cost of the result, when the params link an evaluation."""
        markup = self.cost_html()
        if markup:
            self._display(markup)

    def calls_html(self) -> str:
        blocks = self.calls_blocks()
        return render(blocks) if blocks else ""

    # ------------------------------------------------------------------ calls for projects
    def calls_sentences(self) -> list[str]:
        """The calls' main figures, in sentences (for the summary and the section)."""
        c = self.follow_up.calls
        out = []
        total = c.overall.table.iloc[0]
        out.append(self._t("calls_sentence_selection",
                           applications=format_number(total["applications"], self.language, 0),
                           selected=format_number(total["selected"], self.language, 0),
                           rate=self.share(total["selection_rate"]),
                           granted=self.millions(total.get("granted", math.nan)),
                           undecided=format_number(total["undecided"], self.language, 0)))
        if c.priority_overall is not None and "granted" in c.priority_overall.measures:
            share = c.priority_overall.table["granted_share"].iloc[0]
            out.append(self._t("calls_sentence_priority", share=self.share(share)))
        if c.concentration is not None and len(c.concentration.table):
            row = c.concentration.table.iloc[0]
            top = max(c.concentration.top)
            out.append(self._t("calls_sentence_concentration",
                               beneficiaries=format_number(row["beneficiaries"], self.language, 0),
                               top=top, share=self.share(row[f"top_{top}_share"]),
                               gini=format_number(row["gini"], self.language, 2)))
        overall = c.delays_overall.table.set_index("measure")
        measured = [m for m in ("application_to_decision", "application_to_first_payment")
                    if m in overall.index and overall.loc[m, "counted"]]
        if len(measured) == 2:  # the sentence says both delays
            out.append(self._t(
                "calls_sentence_delay",
                days=format_number(overall.loc["application_to_decision", "median"],
                                   self.language, 0),
                paid=format_number(overall.loc["application_to_first_payment", "median"],
                                   self.language, 0)))
        return out

    def _rates_rows(self, rates, column: str | None) -> list[list[str]]:  # noqa: ANN001
        rows = []
        for _, r in rates.table.iterrows():
            name = _label(r[column]) if column else ""
            rows.append([name, format_number(r["applications"], self.language, 0),
                         format_number(r["undecided"], self.language, 0),
                         format_number(r["selected"], self.language, 0),
                         self.share(r["selection_rate"]),
                         self.amount(r["requested"]),
                         self.amount(r["granted"]) if "granted" in r else "",
                         self.share(r["granted_to_requested_selected"])
                         if "granted_to_requested_selected" in r else ""])
        return rows

    def _rates_table(self, rates, first: str) -> Table:  # noqa: ANN001
        column = rates.by[0] if rates.by else None
        header = (first, self._t("calls_col_applications"), self._t("calls_col_undecided"),
                  self._t("calls_col_selected"), self._t("calls_col_selection_rate"),
                  self._t("calls_col_requested"), self._t("calls_col_granted"),
                  self._t("calls_col_granted_share"))
        return Table.of(header, self._rates_rows(rates, column))

    def calls_blocks(self) -> list[Block]:
        c = self.follow_up.calls
        if c is None:
            return []
        section = self.params.programme.calls
        out: list[Block] = [Heading(self._t("calls")),
                            Items(tuple(self.calls_sentences()), "findings"),
                            Heading(self._t("calls_by_call"), 3),
                            self._rates_table(c.by_call, self._t("calls_col_call")),
                            Paragraph(self._t("calls_rates_caption"), "caption")]
        if c.by_type is not None:
            out += [Heading(self._t("calls_by_type"), 3),
                    self._rates_table(c.by_type, self._t("calls_col_type"))]
        out += [Heading(self._t("calls_by_year"), 3),
                self._rates_table(c.by_year, self._t("calls_col_year"))]
        out += self._priority_blocks()
        out += self._grants_map_blocks(section)
        out += self._concentration_blocks()
        out += self._beneficiaries_blocks()
        out += self._delays_blocks(section.delay_days)
        return out

    def _priority_blocks(self) -> list[Block]:
        p = self.follow_up.calls.priority
        if p is None or not len(p.table):
            return []
        measures = [m for m in ("applications", "selected", "granted", "paid")
                    if m in p.measures]
        header = [self._t("calls_col_year"),
                  *(self._t(f"calls_col_priority_{m}") for m in measures)]
        rows = [[_label(r[p.by[0]]), *(self.share(r[f"{m}_share"]) for m in measures)]
                for _, r in p.table.iterrows()]
        unknown = int(p.table["applications_unknown"].sum())
        out: list[Block] = [Heading(self._t("calls_priority"), 3), Table.of(header, rows)]
        caption = self._t("calls_priority_caption")
        if unknown:
            caption += " " + self._n("calls_priority_unknown", unknown)
        out.append(Paragraph(caption, "caption"))
        return out

    def _grants_map_blocks(self, section) -> list[Block]:  # noqa: ANN001
        g = self.follow_up.calls.per_inhabitant
        if g is None or not len(g.table):
            return []
        table = g.table.sort_values("per_inhabitant", ascending=False, kind="stable")
        level = text(f"map_level_{g.level}", self.language)
        rows = [(f"{r['name']} ({r['code']})", self.amount(r["amount"]),
                 format_number(r["population"], self.language, 0),
                 self._t("per_inhabitant_cell",
                         amount=format_number(r["per_inhabitant"], self.language, 2)))
                for _, r in table.head(10).iterrows()]
        out: list[Block] = [Heading(self._t("calls_territories"), 3),
                            Paragraph(self._t("calls_territories_caption",
                                              n=format_number(len(table), self.language, 0)),
                                      "caption")]
        out += per_inhabitant_map(self.params, table, language=self.language,
                                  title=self._t("calls_map_title"))
        out.append(Table.of((level[:1].upper() + level[1:], self._t("calls_col_granted"),
                             self._t("col_population"), self._t("col_per_inhabitant")), rows))
        if g.without_territory[0]:
            n, amount = g.without_territory
            out.append(Paragraph(self._n("calls_without_territory", int(n),
                                         amount=self.euros(amount)), "caption"))
        return out

    def _concentration_blocks(self) -> list[Block]:
        c = self.follow_up.calls.concentration
        if c is None or not len(c.table):
            return []
        row = c.table.iloc[0]
        rows = [(self._t("calls_beneficiaries"),
                 format_number(row["beneficiaries"], self.language, 0)),
                (self._t("calls_col_granted"), self.amount(row["amount"]))]
        rows += [(self._n("calls_top_share", k), self.share(row[f"top_{k}_share"]))
                 for k in c.top]
        rows += [(self._t("calls_gini"), format_number(row["gini"], self.language, 2)),
                 (self._t("calls_hhi"), self._t(
                     "calls_hhi_value", hhi=format_number(row["hhi"], self.language, 3),
                     n=format_number(row["equivalent_beneficiaries"], self.language, 0)))]
        largest = c.beneficiaries.head(5)
        top_rows = [(str(r["applicant"]), self.amount(r["amount"]), self.share(r["share"]))
                    for _, r in largest.iterrows()]
        return [Heading(self._t("calls_concentration"), 3), Facts.of(rows),
                Table.of((self._t("calls_col_beneficiary"), self._t("calls_col_granted"),
                          self._t("calls_col_share")), top_rows),
                Paragraph(self._t("calls_concentration_caption"), "caption")]

    def _beneficiaries_blocks(self) -> list[Block]:
        b = self.follow_up.calls.beneficiaries
        if b is None or not len(b.table):
            return []
        rows = [(str(int(r["year"])), format_number(r["beneficiaries"], self.language, 0),
                 format_number(r["new"], self.language, 0),
                 format_number(r["returning"], self.language, 0),
                 format_number(r["back_after_gap"], self.language, 0),
                 format_number(r["not_renewed"], self.language, 0),
                 self.amount(r["granted"]) if "granted" in r else "")
                for _, r in b.table.iterrows()]
        header = (self._t("calls_col_year"), self._t("calls_beneficiaries"),
                  self._t("calls_col_new"), self._t("calls_col_returning"),
                  self._t("calls_col_back"), self._t("calls_col_not_renewed"),
                  self._t("calls_col_granted"))
        return [Heading(self._t("calls_over_years"), 3), Table.of(header, rows),
                Paragraph(self._t("calls_over_years_caption"), "caption")]

    def _delays_blocks(self, threshold: int) -> list[Block]:
        """One row per call: the median of each delay, and the share of the decisions
        taking longer than ``threshold`` days."""
        d = self.follow_up.calls.delays
        table = d.table
        column = d.by[0] if d.by else None
        measures = [m for m in ("application_to_decision", "decision_to_first_payment",
                                "decision_to_last_payment", "application_to_first_payment")
                    if (table["measure"] == m).any()]
        groups = table[column].drop_duplicates().tolist() if column else [None]
        rows = []
        for group in groups:
            part = table if group is None else table.loc[table[column] == group]
            by_measure = part.set_index("measure")
            decision = by_measure.loc["application_to_decision"]
            cells = [_label(group) if group is not None else "",
                     format_number(decision["counted"], self.language, 0)]
            for m in measures:
                r = by_measure.loc[m]
                cells.append(self._t("calls_median_cell",
                                     median=format_number(r["median"], self.language, 0),
                                     q1=format_number(r["q1"], self.language, 0),
                                     q3=format_number(r["q3"], self.language, 0))
                             if r["counted"] else "–")
            cells.append(self.share(decision["share_above"], 0) if decision["counted"] else "–")
            rows.append(cells)
        header = (self._t("calls_col_call"), self._t("calls_col_decided"),
                  *(self._t(f"calls_delay_{m}") for m in measures),
                  self._t("calls_col_above", days=threshold))
        return [Heading(self._t("calls_delays"), 3), Table.of(header, rows),
                Paragraph(self._t("calls_delays_caption"), "caption")]

    def cost_html(self) -> str:
        blocks = self.cost_blocks()
        return render(blocks) if blocks else ""

    # ------------------------------------------------------------------ cost of a result
    def _cost_unit(self) -> str:
        section = self.params.programme.cost
        unit = section.effect_unit or self._t("cost_default_unit")
        return f"{unit} {section.label}" if section.label else unit

    def _effect(self, value: float) -> str:
        headline = self.follow_up.cost.headline
        decimals = decimals_for(float(headline.std_error)) if headline.std_error > 0 else 2
        return format_number(value, self.language, decimals, signed=True)

    def _exposure_text(self) -> str:
        """The exposure and how it was obtained (a number given, or a column summed)."""
        cost = self.follow_up.cost
        section = self.params.programme.cost
        value = format_number(cost.exposure, self.language, 2)
        if not isinstance(section.exposure, str):
            return value
        return self._t("cost_exposure_value", value=value, column=section.exposure,
                       per=format_number(section.exposure_per, self.language, 0))

    def cost_sentence(self) -> str:
        """What the cost of the result is, in words, by the kind of its reading."""
        reading = self.follow_up.cost.result.reading()
        level = format_level(1 - reading.level, self.language)
        if reading.kind == "finite":
            return self._t("cost_finite", unit=self._cost_unit(),
                           cost=self.euros(reading.cost), level=level,
                           low=self.euros(reading.low), high=self.euros(reading.high))
        if reading.kind == "unbounded":
            sentence = self._t("cost_unbounded", unit=self._cost_unit(), level=level)
            if reading.low > 0 and math.isfinite(reading.low):
                sentence += " " + self._t("cost_at_least", low=self.euros(reading.low))
            return sentence
        return self._t(f"cost_{reading.kind}")

    def cost_blocks(self) -> list[Block]:
        cost = self.follow_up.cost
        if cost is None:
            return []
        reading = cost.result.reading()
        h = cost.headline
        level = format_level(h.alpha, self.language)
        evaluation = cost.evaluation
        rows = [(self._t("cost_evaluation"), f"{evaluation.policy.name} "
                 f"({evaluation.params_path.name})"),
                (self._t("cost_effect"), self._t(
                    "cost_effect_value", effect=self._effect(reading.effect),
                    outcome=evaluation.design.outcome_label or evaluation.design.outcome,
                    level=level, low=self._effect(reading.effect_low),
                    high=self._effect(reading.effect_high))),
                (self._t("cost_spent"), self.euros(cost.spent)),
                (self._t("cost_exposure"), self._exposure_text())]
        if cost.observations is not None:
            rows.append((self._t("cost_observations"),
                         format_number(cost.observations, self.language, 0)))
        out: list[Block] = [Heading(self._t("cost")),
                            Paragraph(self.cost_sentence(), "strong"), Facts.of(rows),
                            Paragraph(self._t("cost_method", level=level), "caption")]
        if reading.kind in ("finite", "unbounded"):
            out.append(Items((self._t("cost_means"), self._t("cost_does_not_mean"))))
        out += self._variation_blocks()
        return out

    def _variation_blocks(self) -> list[Block]:
        variation = self.follow_up.cost.variation
        if variation is None:
            return []
        names = _territory_names([variation.minimum_code, variation.maximum_code])
        values = dict(
            n=len(variation.table), cv=format_number(variation.cv, self.language, 2),
            low=self._t("per_inhabitant_cell",
                        amount=format_number(variation.minimum, self.language, 0)),
            high=self._t("per_inhabitant_cell",
                         amount=format_number(variation.maximum, self.language, 0)),
            low_name=names.get(variation.minimum_code, variation.minimum_code),
            high_name=names.get(variation.maximum_code, variation.maximum_code),
            p10=self._t("per_inhabitant_cell",
                        amount=format_number(variation.p10, self.language, 0)),
            p90=self._t("per_inhabitant_cell",
                        amount=format_number(variation.p90, self.language, 0)))
        key = "cost_varies" if variation.varies else "cost_varies_little"
        return [Paragraph(self._t(key, **values))]

    def conclude(self) -> ProgrammeFollowUp:
        """Fill in the summary shown by :meth:`introduce` and display the provenance."""
        self.fill_top(self.summary_html())
        self.show_provenance()
        note = self.note()
        if note is not None:
            record_note(note)
        return self.follow_up

    def note(self) -> Note | None:
        """The note of the follow-up (none yet: the report is the deliverable)."""
        return None


def _label(value: object) -> str:
    """A group's value as a label: a year read as a float (``2024.0``) is ``2024``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(value: object) -> str:
    """An offending value as the file wrote it: a whole number read as a float loses its
    ``.0``; a missing value is shown empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text_ = str(value)
    return text_[:-2] if re.fullmatch(r"-?\d+\.0", text_) else text_


def _territory_names(codes: Sequence[str]) -> dict[str, str]:
    """French territories' names by code (communes, EPCIs, departments, regions)."""
    from evalkit.territories import infer_level

    try:
        referential, level = infer_level(pd.Series(list(codes)))
        named = referential.attach(pd.DataFrame({"code": list(codes)}), "code", level, to=())
    except Exception:  # noqa: BLE001 - codes without names are shown as codes
        return {}
    column = next((c for c in named.columns if c.endswith("_name")), None)
    return {} if column is None else dict(zip(named["code"], named[column], strict=True))


def _close(fig) -> None:  # noqa: ANN001
    import matplotlib.pyplot as plt

    plt.close(fig)
