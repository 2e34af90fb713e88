"""The sections of an indicator-tracking report, rendered as HTML in the notebook's outputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evalkit._version import __version__
from evalkit.formatting import (
    Language,
    format_datetime,
    format_level,
    format_number,
    format_p_value,
    format_percent,
    interval_decimals,
)
from evalkit.plots.indicators import (
    STATUS_COLOURS,
    plot_gap_ranking,
    plot_indicator,
    plot_small_multiples,
)
from evalkit.reports.analysis.tracking import ALL, FOCUS, REST, IndicatorTracking, Tracking, track
from evalkit.reports.messages.catalogue import text
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.render.attainment import attainment_table_block
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
from evalkit.reports.render.indicator_wording import progress_sentence, status_label
from evalkit.reports.render.maps_sections import (
    group_boundaries,
    indicator_gap_map,
    indicator_value_map,
    report_boundaries,
    tracking_maps_note,
)
from evalkit.reports.render.note import Note, record_note
from evalkit.reports.render.read_format import read_format_text
from evalkit.reports.render.rules_provenance import TRACKING_RULES, rules_table_blocks
from evalkit.reports.render.shown import ShownSections

__all__ = ["TrackingReport", "tracking_sections_html"]



#: Wording the tracking report shares with the evaluation report (other keys are
#: ``tracking_<key>`` in the report catalogues).
_SHARED = {"summary": "findings", "data": "data", "provenance": "provenance", "rows": "rows",
           "read_as": "read_as",
           "periods": "periods", "file": "data_file", "sha": "sha256",
           "params_file": "params_file", "version": "version", "run_date": "run_date"}


class TrackingReport(ShownSections):
    """An indicator-tracking report, section by section (used by ``tracking.ipynb``)."""

    def __init__(self, tracking: Tracking) -> None:
        self.tracking = tracking
        self._maps: dict[str, object] = {}  # boundaries found, by the codes' column

    @classmethod
    def from_params(cls, params: PolicyParams | str | Path) -> TrackingReport:
        """Validate a params file, compute its indicators and return the report."""
        return cls(track(params))

    # ------------------------------------------------------------------ helpers
    @property
    def language(self) -> Language:
        """The report's locale (``"fr_FR"``, ``"nl_BE"``): the catalogue of its language
        words it, and numbers and dates are written in it."""
        return self.tracking.params.locale

    def _t(self, key: str, **values: object) -> str:
        return text(_SHARED.get(key, f"tracking_{key}"), self.language, **values)

    def _level(self) -> str:
        return format_level(1 - self.tracking.params.inference.confidence_level, self.language)

    def _focus_label(self) -> str:
        section = self.tracking.params.indicators
        return section.focus_label or self._t("focus")

    def value(self, value: float | None, unit: str, signed: bool = False) -> str:
        """A value in its unit, in the report's language."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return format_number(math.nan, self.language)
        lang = self.language
        if unit in ("percentage", "rate"):
            return format_percent(value, lang, 1, signed=signed)
        if unit == "per_1000":
            return format_number(value, lang, 1, signed=signed) + "\u202f‰"
        if unit == "euros":
            return format_number(value, lang, 0, signed=signed) + "\u202f€"
        if unit == "count":
            return format_number(value, lang, 0, signed=signed)
        return format_number(value, lang, 2, signed=signed)

    def difference(self, value: float, unit: str, signed: bool = True,
                   decimals: int | None = None) -> str:
        """A difference of values: percentage points for percentages.

        ``decimals`` overrides the unit's usual number (e.g. to show an interval's width).
        """
        if unit in ("percentage", "rate"):
            word = " point" if abs(value) < 2 else " points"
            return format_number(value, self.language, 1 if decimals is None else decimals,
                                 signed=signed) + word
        if decimals is not None:
            text = format_number(value, self.language, decimals, signed=signed)
            return text + {"per_1000": "\u202f‰", "euros": "\u202f€"}.get(unit, "")
        return self.value(value, unit, signed=signed)

    @staticmethod
    def _gap_decimals(unit: str, low: float, high: float) -> int:
        """The decimals of a gap and its interval: the unit's usual ones, or more if the
        interval's width needs them."""
        usual = {"euros": 0, "count": 0}.get(unit, 1 if unit in ("percentage", "rate",
                                                                 "per_1000") else 2)
        return interval_decimals(low, high, minimum=usual)

    def _status(self, assessment) -> Badge:  # noqa: ANN001
        return Badge(status_label(assessment.status, self.language),
                     STATUS_COLOURS[assessment.status])

    def _simulated(self) -> bool:
        data = self.tracking.data
        return "simulated" in data.columns and bool((data["simulated"] == 1).all())

    # ------------------------------------------------------------------ sentences
    def gap_sentence(self, item: IndicatorTracking) -> str | None:
        gap = item.focus_gap
        if gap is None or gap.empty:
            return None
        row = gap.iloc[0]
        unit = item.indicator.unit
        label = item.indicator.label_in(self.language)
        level = self._level()
        dec = self._gap_decimals(unit, float(row["conf_low"]), float(row["conf_high"]))
        lo, hi = (self.difference(row[c], unit, decimals=dec) for c in ("conf_low", "conf_high"))
        gap_text = self.difference(row["difference"], unit, decimals=dec)
        real = bool(row["distinguishable"])
        return self._t("gap_sentence", period=int(row["period"]), label=label.lower(),
                       value=self.value(row["value"], unit), focus=self._focus_label(),
                       reference=self.value(row["reference"], unit), gap=gap_text, level=level,
                       low=lo, high=hi,
                       verdict=self._t("gap_significant" if real else "gap_noise"))

    def break_sentence(self, item: IndicatorTracking) -> str | None:
        its = item.break_at_start
        if its is None:
            return None
        unit = item.indicator.unit
        level, slope = its.level_change, its.slope_change
        start = self.tracking.params.indicators.policy_start
        has_focus = item.focus_gap is not None
        ci = self._level()

        def interval(term: dict[str, float]) -> str:
            lo, hi = (self.difference(term[c], unit) for c in ("conf_low", "conf_high"))
            return self._t("interval", low=lo, high=hi)

        def sig(term: dict[str, float]) -> str:
            yes = term["p_value"] < 1 - self.tracking.params.inference.confidence_level
            return self._t("significant" if yes else "not_significant")

        what = (self._t("break_gap", focus=self._focus_label()) if has_focus
                else self._t("break_indicator"))
        return self._t("break", start=start, what=what,
                       level_change=self.difference(level["estimate"], unit),
                       level_significance=sig(level), ci=ci, level_interval=interval(level),
                       slope_change=self.difference(slope["estimate"], unit),
                       slope_significance=sig(slope), slope_interval=interval(slope))

    def trend_sentence(self, item: IndicatorTracking) -> str | None:
        mk = item.trend
        if mk is None:
            return None
        unit = item.indicator.unit
        words = {"increasing": "trend_increasing", "decreasing": "trend_decreasing",
                 "no trend": "trend_none"}
        trend = self._t(words[mk.trend]) if mk.trend in words else mk.trend
        return self._t("trend", trend=trend, p=format_p_value(mk.p_value, self.language),
                       slope=self.difference(mk.slope, unit))

    # ------------------------------------------------------------------ sections
    def title_html(self) -> str:
        p = self.tracking.params
        warning = self._t("simulated") if self._simulated() else ""
        return render_page_style() + render([Title(p.title, p.policy.owner or "", warning)])

    def summary_html(self) -> str:
        return render(self.summary_blocks())

    def baseline_and_latest(self, item: IndicatorTracking) -> tuple[str, str]:
        """The indicator's baseline and the whole territory's latest value, each with its
        period (``"18,9 % (2015)"``), or ``""`` when there is none."""
        ind = item.indicator
        whole = item.area(ALL)
        latest = (f"{self.value(float(whole.iloc[-1]), ind.unit)} ({int(whole.index[-1])})"
                  if whole.size else "")
        base = (f"{self.value(ind.baseline.value, ind.unit)} ({ind.baseline.period})"
                if ind.baseline else "")
        return base, latest

    def summary_blocks(self) -> list[Block]:
        rows = []
        for item in self.tracking.indicators:
            ind = item.indicator
            base, latest = self.baseline_and_latest(item)
            target = (Lines(tuple(self._t("milestone", value=self.value(t.value, ind.unit),
                                          period=t.period) for t in ind.targets))
                      if ind.targets else Lines((self._t("none"),)))
            rows.append((ind.label_in(self.language), latest, base, target,
                         self._status(item.long_term), self._status(item.short_term)))
        header = (self._t("indicator"), self._t("latest"), self._t("baseline"),
                  self._t("target"), self._t("long"), self._t("short"))
        # The summary holds each indicator's main sentence and its gap; the indicator's
        # own section adds what the summary does not say (never the same sentence twice).
        sentences = [progress_sentence(item.long_term, self.language)
                     for item in self.tracking.indicators]
        sentences += [s for item in self.tracking.indicators
                      for s in (self.gap_sentence(item),) if s]
        out: list[Block] = [Heading(self._t("summary")), Table.of(header, rows)]
        if any(len(item.indicator.targets) > 1 for item in self.tracking.indicators):
            out.append(Paragraph(self._t("milestones_note"), "caption"))
        return out + [Items(tuple(sentences), "findings")]

    def policy_html(self) -> str:
        p = self.tracking.params
        out: list[Block] = [Heading(self._t("policy")), Paragraph(p.policy.name, "strong")]
        out += [Paragraph(par) for par in p.policy.description.split("\n\n")]
        if p.report.notes:
            out.append(Paragraph(p.report.notes, "emphasis"))
        return render(out)

    def data_html(self) -> str:
        t = self.tracking
        section = t.params.indicators
        data = t.data
        rows = []
        if t.params.data.description:
            rows.append(("", t.params.data.description))
        if t.params.data.source:
            rows.append((text("data_source", self.language), t.params.data.source))
        rows += [(self._t("file"), t.params.data_path.name),
                 (self._t("rows"), format_number(len(data), self.language, 0)),
                 (self._t("territories"), format_number(data[section.territory].nunique(),
                                                        self.language, 0)),
                 (self._t("periods"), f"{int(data[section.period].min())}–"
                                      f"{int(data[section.period].max())}")]
        if section.focus:
            focus = np.ones(len(data), dtype=bool)
            for column, value in section.focus.items():
                focus &= data[column].isin(value if isinstance(value, list) else [value])
            n = data.loc[focus, section.territory].nunique()
            rows.append((self._focus_label(), format_number(n, self.language, 0)))
        if section.policy_start:
            rows.append((self._t("policy_start"), str(section.policy_start)))
        return render([Heading(self._t("data")), Facts.of(rows)])

    def attainment_html(self) -> str:
        return render([Heading(self._t("attainment")),
                       attainment_table_block(self.tracking.attainment, self.language)])

    def indicator_html(self, item: IndicatorTracking) -> str:
        return render(self.indicator_blocks(item))

    def indicator_blocks(self, item: IndicatorTracking) -> list[Block]:
        ind = item.indicator
        label = ind.label_in(self.language)
        series = item.series
        whole = series.loc[series["area"] == ALL].set_index("period")
        focus = series.loc[series["area"] == FOCUS].set_index("period")["value"]
        start = self.tracking.params.indicators.policy_start
        fig = plot_indicator(whole["value"], indicator=ind, assessment=item.long_term,
                             band=whole[["conf_low", "conf_high"]], policy_start=start,
                             reference=focus if focus.size else None, title=label,
                             labels={**self._plot_labels(),
                                     "status_name": status_label(item.long_term.status,
                                                                 self.language)},
                             language=self.language)
        out: list[Block] = [Heading(label, 3), Figure.of(fig, label, self.language)]
        out += self._value_map(item)
        # The long-term sentence and the gap are in the summary: here, what it does not say.
        recent = item.short_term
        sentences = [progress_sentence(recent, self.language, pace=False)
                     if recent.start_period != item.long_term.start_period else None,
                     self.break_sentence(item), self.trend_sentence(item)]
        out.append(Items(tuple(s for s in sentences if s)))
        groups = series.loc[~series["area"].isin([ALL, FOCUS, REST])]
        if not groups.empty:
            frame = groups.assign(territory=groups["area_name"])[
                ["territory", "period", "value", "conf_low", "conf_high"]]
            panel_labels = {**self._plot_labels(), "series": self._t("plot_territory_value")}
            fig = plot_small_multiples(frame, indicator=ind, policy_start=start,
                                       labels=panel_labels, language=self.language,
                                       targets=False)
            out.append(Figure.of(fig, label, self.language))
        if item.group_gaps is not None and not item.group_gaps.empty:
            # ranked as in the figure: the largest gap first
            gaps = (item.group_gaps.assign(territory=item.group_gaps["area_name"])
                    .sort_values(["difference", "area"], ascending=[False, True],
                                 kind="stable"))
            period = int(gaps["period"].iloc[0])
            fig = plot_gap_ranking(gaps, title=self._t("gap_title", period=period),
                                   labels=self._gap_labels(ind.unit))
            out.append(Figure.of(fig, self._t("gap_title", period=period), self.language))
            out += self._gap_map(item, period)
            rows = []
            for r in gaps.itertuples():
                dec = self._gap_decimals(ind.unit, float(r.conf_low), float(r.conf_high))
                rows.append([r.area_name, self.value(r.value, ind.unit),
                             self.value(r.reference, ind.unit),
                             self.difference(r.difference, ind.unit, decimals=dec),
                             f"{self.difference(r.conf_low, ind.unit, decimals=dec)} ; "
                             f"{self.difference(r.conf_high, ind.unit, decimals=dec)}",
                             "✔" if r.distinguishable else "–"])
            header = [self._t("territories"), self._t("col_value"), self._t("col_rest"),
                      self._t("col_gap"), self._t("col_ci", level=self._level()),
                      self._t("col_significant")]
            out.append(Table.of(header, rows))
        return out

    # ------------------------------------------------------------------ maps
    def _boundaries(self, column: str, groups: bool = False):  # noqa: ANN202
        """The boundaries of a column's codes (found once), or ``None``: no map."""
        if column not in self._maps:
            codes = self.tracking.data[column].dropna().unique()
            find = group_boundaries if groups else report_boundaries
            self._maps[column] = find(self.tracking.params, codes)
        return self._maps[column]

    def _focus_rows(self) -> np.ndarray | None:
        section = self.tracking.params.indicators
        if not section.focus:
            return None
        data = self.tracking.data
        focus = np.ones(len(data), dtype=bool)
        for column, value in section.focus.items():
            focus &= data[column].isin(value if isinstance(value, list) else [value]).to_numpy()
        return focus

    def _value_map(self, item: IndicatorTracking) -> list[Block]:
        """The latest value by territory, when the territories' codes have boundaries."""
        section = self.tracking.params.indicators
        boundaries = self._boundaries(section.territory)
        if boundaries is None or item.series.empty:
            return []
        measure = section.measures[item.indicator.code]
        return indicator_value_map(
            self.tracking.params, self.tracking.data, boundaries, code=item.indicator.code,
            label=item.indicator.label_in(self.language), unit=item.indicator.unit,
            numerator=measure.numerator, denominator=measure.denominator,
            scale=float(measure.scale), latest=int(item.series["period"].max()),
            focus=self._focus_rows(), focus_label=self._focus_label())

    def _gap_map(self, item: IndicatorTracking, period: int) -> list[Block]:
        """The groups' gaps by territory, when the groups' codes have boundaries."""
        section = self.tracking.params.indicators
        boundaries = self._boundaries(section.group_by, groups=True)
        if boundaries is None:
            return []
        return indicator_gap_map(self.tracking.params, item.group_gaps, boundaries,
                                 unit=item.indicator.unit, period=period)

    def _plot_labels(self) -> dict[str, str]:
        """The plots' words from the catalogue (a new language needs no Python)."""
        labels = {"series": self._t("whole"), "reference": self._focus_label(),
                  **{key: self._t(f"plot_{key}")
                     for key in ("baseline", "target", "band", "period", "value", "status")},
                  "policy_start": self._t("policy_start")}
        return labels

    def _gap_labels(self, unit: str) -> dict[str, str]:
        points = unit in ("percentage", "rate")
        return {"difference": self._t("plot_gap_points" if points else "plot_gap"),
                "distinguishable": self._t("plot_significant_gap"),
                "not_distinguishable": self._t("plot_within_noise")}

    def indicators_html(self) -> str:
        """Each indicator in turn, after one note on how to read every chart (said once)."""
        items = self.tracking.indicators
        notes = []
        if any((item.series["area"] == FOCUS).any() for item in items):
            notes.append(self._t("band_caption", level=self._level(), focus=self._focus_label()))
        if any((~item.series["area"].isin([ALL, FOCUS, REST])).any() for item in items):
            notes.append(self._t("panels_caption"))
        section = self.tracking.params.indicators
        if self._boundaries(section.territory) is not None:
            gaps = (section.group_by is not None
                    and self._boundaries(section.group_by, groups=True) is not None
                    and any(item.group_gaps is not None and not item.group_gaps.empty
                            for item in items))
            notes.append(tracking_maps_note(
                self.tracking.params, gaps=gaps,
                focus_label=self._focus_label() if section.focus else None))
        blocks: list[Block] = [Heading(self._t("indicators"))]
        blocks += [Paragraph(note, "caption") for note in notes]
        for item in items:
            blocks += self.indicator_blocks(item)
        return render(blocks)

    def provenance_html(self) -> str:
        t = self.tracking
        p = t.params
        read = read_format_text(t.read_format, self.language)
        rows = [(self._t("params_file"), p.params_path.name),
                (self._t("definitions"), p.definitions_path.name),
                (self._t("file"), p.data_path.name),
                *([(self._t("read_as"), read)] if read else []), (self._t("sha"), t.data_sha256),
                (self._t("version"), __version__), (self._t("run_date"),
                                                     format_datetime(t.run_date, self.language))]
        content = p.params_path.read_text(encoding="utf-8") if p.params_path.is_file() else ""
        rules = rules_table_blocks(p, TRACKING_RULES, self.language)
        return render([Heading(self._t("provenance")), Facts.of(rows), *rules,
                       Details(p.params_path.name, content)])

    # ------------------------------------------------------------------ display
    def show_summary(self) -> None:
        self._display(self.summary_html())

    def show_attainment(self) -> None:
        self._display(self.attainment_html())

    def show_indicators(self) -> None:
        self._display(self.indicators_html())

    def headline(self) -> dict[str, object]:
        """The report's headline for the index: every indicator's long-term status."""
        t = self.tracking
        statuses = [{"code": i.indicator.code, "label": i.indicator.label_in(self.language),
                     "status": str(i.long_term.status),
                     "status_label": status_label(i.long_term.status, self.language),
                     "colour": STATUS_COLOURS[i.long_term.status]} for i in t.indicators]
        return {"label": self._t("headline"), "indicators": statuses,
                "language": self.tracking.params.language, "run_date": t.run_date,
                "data_sha256": t.data_sha256, "evalkit_version": __version__,
                "data_read": read_format_text(t.read_format, self.language),
                "text": " ".join(progress_sentence(i.long_term, self.language)
                                 for i in t.indicators[:2])}


    # ------------------------------------------------------------------ the steps
    # The tracking notebook runs these in turn; each displays the section it computes.
    @classmethod
    def begin(cls, params: PolicyParams | str | Path) -> TrackingReport:
        """The report of the indicators the params track, to show step by step.

        The steps, in the order of the report: :meth:`introduce` (the title, the
        summary, filled in by :meth:`conclude`, and the policy), :meth:`describe_data`,
        :meth:`assess_targets`, :meth:`follow_indicators` and :meth:`conclude`.
        """
        return cls.from_params(params)

    def describe_data(self, **sections: object) -> Tracking:
        """Display the data used; with params sections (``data``, ``indicators`` ...),
        track the indicators again with those keys changed (see
        :meth:`PolicyParams.with_options`).

        Returns
        -------
        Tracking
            The series, assessments, gaps and trends of every indicator.
        """
        if sections:
            params = self.tracking.params.with_options(**sections)
            if params.model_dump() != self.tracking.params.model_dump():
                self.tracking = track(params)
        self._display(self.data_html())
        return self.tracking

    def assess_targets(self) -> None:
        """Display each indicator's attainment of its targets."""
        self._display(self.attainment_html())

    def follow_indicators(self) -> None:
        """Display each indicator's series, progress, gaps and trend."""
        self._display(self.indicators_html())

    def conclude(self) -> Tracking:
        """Fill in the summary shown by :meth:`introduce`, display the provenance and
        record the note (:meth:`note`, an output the HTML export does not show)."""
        self.fill_top(self.summary_html())
        self.show_provenance()
        record_note(self.note())
        return self.tracking

    def note(self) -> Note:
        """The two-page note of the tracking, for the elected official (see
        :mod:`evalkit.reports.render.note_content`); :meth:`conclude` records it for the
        runner, which writes it as Word and PDF."""
        from evalkit.reports.render.note_content import tracking_note

        return tracking_note(self)


def tracking_sections_html(report: TrackingReport) -> str:
    """The tracking sections an evaluation report adds when its params list indicators."""
    return (report.summary_html().replace(report._t("summary"), report._t("headline"), 1)
            + report.attainment_html() + report.indicators_html())

