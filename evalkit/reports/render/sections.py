"""The sections of an evaluation report, rendered as HTML in the notebook's outputs.

Each ``show_*`` method displays one section; the evaluation notebook calls them in
order. All user-provided text (policy names, descriptions, notes, column labels) is
escaped.
"""

from __future__ import annotations

import platform
from pathlib import Path

import pandas as pd

from evalkit._version import __version__
from evalkit.formatting import (
    Language,
    colon,
    decimals_for,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
)
from evalkit.inference import MultiplierBootstrap
from evalkit.plots import plot_event_study, plot_group_means
from evalkit.reports.analysis.evaluation import Evaluation, evaluate
from evalkit.reports.analysis.notes import Note
from evalkit.reports.messages.catalogue import estimator_name, text
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.html_parts import esc, facts_table, figure_html, table
from evalkit.reports.render.rules_provenance import evaluation_rules_used, rules_table_html

__all__ = ["PolicyReport"]

_STYLE = """
<style>
.evalkit-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  max-width: 60em; line-height: 1.45; color: #1b1b1b; }
.evalkit-report h1 { font-size: 1.9em; margin: 0.2em 0 0.1em; color: #1f3b5a; }
.evalkit-report h2 { font-size: 1.35em; margin: 1.2em 0 0.4em; color: #1f3b5a;
  border-bottom: 2px solid #d9e2ec; padding-bottom: 0.15em; }
.evalkit-report .subtitle { color: #52606d; margin: 0 0 0.8em; }
.evalkit-report table.evalkit { border-collapse: collapse; margin: 0.4em 0 0.8em; }
.evalkit-report table.evalkit th, .evalkit-report table.evalkit td {
  border-bottom: 1px solid #e4e7eb; padding: 0.25em 0.7em; text-align: right; }
.evalkit-report table.evalkit th:first-child, .evalkit-report table.evalkit td:first-child {
  text-align: left; }
.evalkit-report table.evalkit thead th { background: #f0f4f8; }
.evalkit-report table.facts td { text-align: left; }
.evalkit-report .findings { background: #f0f6fc; border-left: 5px solid #1f4e79;
  padding: 0.5em 1em; margin: 0.6em 0; }
.evalkit-report .findings li { margin: 0.35em 0; }
.evalkit-report .caption { color: #52606d; font-size: 0.92em; max-width: 50em; }
.evalkit-report pre { background: #f5f7fa; padding: 0.6em; font-size: 0.85em;
  white-space: pre-wrap; }
.evalkit-report img { max-width: 100%; height: auto; }
</style>
"""


#: The evaluation's remarks shown with the estimate table (the others go with the
#: effects over time).
_ESTIMATE_REMARKS = frozenset({"note_absorbed_covariates"})


class PolicyReport:
    """The evaluation report of one policy, section by section.

    Parameters
    ----------
    evaluation
        The computed evaluation (see :func:`evalkit.reports.evaluate`).

    Examples
    --------
    >>> report = PolicyReport.from_params("params/minimum_wage.yaml")  # doctest: +SKIP
    >>> report.show_findings()                                         # doctest: +SKIP
    """

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        self._tracking = None  # the indicator tracking, once shown

    @classmethod
    def from_params(cls, params: PolicyParams | str | Path) -> PolicyReport:
        """Validate a params file, run its evaluation and return its report."""
        return cls(evaluate(params))

    # ------------------------------------------------------------------ helpers
    @property
    def language(self) -> Language:
        return self.evaluation.params.language  # type: ignore[return-value]

    def _t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def _num(self, value: float, decimals: int) -> str:
        return format_number(value, self.language, decimals)

    def _level(self, alpha: float | None = None) -> str:
        """The confidence level in words: the params' one, or ``1 - alpha`` of a result."""
        if alpha is None:
            alpha = 1 - self.evaluation.params.inference.confidence_level
        return format_level(alpha, self.language)

    @staticmethod
    def _display(markup: str) -> None:
        from IPython.display import HTML, display

        display(HTML(f"<div class='evalkit-report'>{markup}</div>"))

    def _remarks(self, remarks: tuple[Note, ...] | list[Note], *,
                 estimate: bool = False) -> str:
        """The report's remarks on its analysis (comparisons omitted and why), as captions:
        those on the estimate table, or (by default) those on the effects over time."""
        return "".join(f"<p class='caption'>{esc(note.text(self.language))}</p>"
                       for note in remarks if (note.key in _ESTIMATE_REMARKS) == estimate)

    def _inference(self) -> str:
        """How the headline's standard errors were computed, read from its result."""
        ev = self.evaluation
        used = ev.main.inference
        if ev.headline.label_key == "overall_callaway_santanna" and ev.staggered is not None:
            result = ev.staggered.overall.get("callaway_santanna")
            if result is not None and isinstance(result.inference, MultiplierBootstrap):
                return self._t("se_bootstrap", draws=self._num(result.inference.n_draws, 0),
                               column=result.inference.cluster)
        clusters = ev.main.sample.get("clusters")
        return self._t(f"se_{used.name}", column=getattr(used, "cluster", None),
                       clusters=self._num(clusters or 0, 0))

    # ------------------------------------------------------------------ sections
    def title_html(self) -> str:
        p = self.evaluation.params
        subtitle = p.policy.owner or ""
        return (_STYLE + f"<h1>{esc(p.title)}</h1>"
                + (f"<p class='subtitle'>{esc(subtitle)}</p>" if subtitle else ""))

    def findings_html(self) -> str:
        items = "".join(f"<li>{esc(s)}</li>" for s in key_findings(self.evaluation))
        return f"<h2>{self._t('findings')}</h2><div class='findings'><ul>{items}</ul></div>"

    def policy_html(self) -> str:
        p = self.evaluation.params
        out = f"<h2>{self._t('policy')}</h2><p><strong>{esc(p.policy.name)}</strong></p>"
        out += "".join(f"<p>{esc(par)}</p>" for par in p.policy.description.split("\n\n"))
        if p.report.notes:
            out += (f"<p><em>{self._t('notes')}{colon(self.language)}</em> "
                    f"{esc(p.report.notes)}</p>")
        return out

    def data_html(self) -> str:
        ev = self.evaluation
        p = ev.params
        rows: list[list[str]] = []
        if p.data.description:
            rows.append([self._t("data_description"), p.data.description])
        if p.data.source:
            rows.append([self._t("data_source"), p.data.source])
        rows.append([self._t("data_file"), p.data_path.name])
        if p.data.sample:
            kept = ", ".join(f"{k} = {v}" for k, v in p.data.sample.items())
            rows.append([self._t("sample_filter"), kept])
        out = f"<h2>{self._t('data')}</h2>"
        if ev.panel is not None:
            facts = ev.panel.describe()
            rows += [[self._t("rows"), self._num(facts["rows"], 0)],
                     [self._t("units"), self._num(facts["units"], 0)],
                     [self._t("periods"), f"{self._num(facts['periods'], 0)} ("
                      + self._t("period_range", first=facts["first_period"],
                                last=facts["last_period"]) + ")"],
                     [self._t("treated_units"), self._num(facts["treated_units"], 0)],
                     [self._t("control_units"), self._num(facts["never_treated_units"], 0)]]
            out += facts_table(rows)
            cohorts = [[self._t("never") if k == "never" else str(k), self._num(v, 0)]
                       for k, v in facts["cohorts"].items()]
            out += f"<p>{self._t('cohorts')}</p>"
            out += table([self._t("cohort"), self._t("n_units")], cohorts)
        else:
            res = ev.main
            rows += [[self._t("rows"), self._num(res.sample["rows"], 0)],
                     [self._t("treated_group"), self._num(res.sample["treated_rows"], 0)],
                     [self._t("comparison_group"), self._num(res.sample["control_rows"], 0)]]
            out += facts_table(rows)
        return out

    def estimate_html(self) -> str:
        ev = self.evaluation
        h = ev.headline
        dec = decimals_for(h.std_error)
        header = ["", self._t("coef"), self._t("se"), self._t("ci", level=self._level()),
                  self._t("p")]

        def row(label: str, est: float, se: float, lo: float, hi: float, p: float) -> list[str]:
            return [label, self._num(est, dec), self._num(se, dec),
                    format_interval(lo, hi, self.language, dec),
                    format_p_value(p, self.language)]

        rows = [row(self._t(h.label_key), h.estimate, h.std_error, h.conf_low, h.conf_high,
                    h.p_value)]
        if ev.synthetic is not None:
            from evalkit.reports.render.synthetic_sections import synthetic_inference_text

            method = [[self._t("estimator"), ev.synthetic.main.estimator],
                      [self._t("standard_errors"),
                       synthetic_inference_text(ev.synthetic.main, self.language)]]
            return (f"<h2>{self._t('estimate')}</h2>" + table(header, rows)
                    + facts_table(method))
        if h.label_key != "twfe_row" and ev.panel is not None:
            m = ev.main
            rows.append(row(self._t("twfe_row"), m.estimate, m.std_error,
                            *m.conf_int().loc[m.effect_term], m.p_value))
        estimator = ev.main if h.label_key == "twfe_row" or ev.dynamic is None else ev.dynamic
        key = h.label_key.removeprefix("overall_")
        if ev.staggered is not None and key in ev.staggered.overall:
            estimator = ev.staggered.overall[key]
        method = [[self._t("estimator"), estimator_name(estimator.estimator, self.language)],
                  [self._t("standard_errors"), self._inference()]]
        out = f"<h2>{self._t('estimate')}</h2>" + table(header, rows) + facts_table(method)
        covariates = [t for t in ev.main.coefficients.terms
                      if t in ev.params.design.covariates]
        if covariates:
            out += f"<p class='caption'>{self._t('covariates')} {esc(', '.join(covariates))}</p>"
        return out + self._remarks(ev.remarks, estimate=True)

    def dynamics_html(self) -> str:
        ev = self.evaluation
        if ev.synthetic is not None:
            from evalkit.reports.render.synthetic_sections import synthetic_html

            return synthetic_html(ev)
        level = self._level()
        if ev.dynamic is None and ev.panel is not None:
            # a panel design whose event study the design does not support: say why
            return f"<h2>{self._t('dynamics')}</h2>" + self._remarks(ev.remarks)
        if ev.dynamic is None:
            means = ev.main.group_means
            labels = {k: self._t(v) for k, v in (("treated", "treated_group"),
                                                  ("comparison", "comparison_group"),
                                                  ("counterfactual", "counterfactual"),
                                                  ("before", "before"), ("after", "after"))}
            fig = plot_group_means(ev.main, labels=labels, title=self._t("means_title"),
                                   ylabel=self._t("mean_outcome", outcome=ev.outcome_label))
            dec = decimals_for(ev.main.std_error)
            rows = [[self._t(g), *(self._num(means.loc[k, c], dec) for c in means.columns)]
                    for k, g in (("comparison", "comparison_group"), ("treated", "treated_group"))]
            means_table = table([self._t("group"), self._t("before"), self._t("after"),
                                 self._t("change")], rows)
            return (f"<h2>{self._t('comparison')}</h2>" + means_table
                    + figure_html(fig, self._t("means_title"), self.language)
                    + "<p class='caption'>"
                    + esc(self._t("means_caption", outcome=ev.outcome_label)) + "</p>")
        es = ev.dynamic
        caption = self._t("es_caption" if es.reference_period is not None
                          else "es_caption_noref", level=level)
        if ev.staggered is not None and len(ev.staggered.event_studies) > 1:
            shown = {self._t(f"name_{key}").split(",")[0]: result
                     for key, result in ev.staggered.event_studies.items()}
            banded = {name: r for name, r in shown.items() if r.band_critical_value is not None}
            band_level = self._level(next(iter(banded.values())).alpha if banded else None)
            fig = plot_event_study(shown, title=self._t("es_compare_title"),
                                   xlabel=self._t("es_xlabel"),
                                   ylabel=self._t("es_ylabel", outcome=ev.outcome_label),
                                   show_pretrend=False,
                                   band_label=self._t("band_label", level=band_level))
            if banded:
                caption += " " + self._t("band_caption", level=band_level,
                                         name=next(iter(banded)))
        else:
            # the pre-trend test is stated (in the report's number format) below the plot
            fig = plot_event_study({estimator_name(es.estimator, self.language): es},
                                   title=self._t("es_title"), xlabel=self._t("es_xlabel"),
                                   ylabel=self._t("es_ylabel", outcome=ev.outcome_label),
                                   show_pretrend=False,
                                   band_label=self._t("band_label", level=self._level(es.alpha)))
        dec = decimals_for(float(es.coefficients.std_error.min()))
        rows = []
        for r in es.tidy().itertuples():
            when = self._num(r.event_time, 0)
            if es.reference_period is not None and r.event_time == es.reference_period:
                rows.append([f"{when} ({self._t('reference')})", self._num(0.0, dec), "", "", ""])
                continue
            ci = format_interval(r.conf_low, r.conf_high, self.language, dec)
            cells = [when, self._num(r.estimate, dec), self._num(r.std_error, dec), ci,
                     format_p_value(r.p_value, self.language)]
            if es.band_critical_value is not None:
                cells.append(format_interval(r.band_low, r.band_high, self.language, dec))
            rows.append(cells)
        header = [self._t("event_time"), self._t("coef"), self._t("se"),
                  self._t("ci", level=level), self._t("p")]
        if es.band_critical_value is not None:
            header.append(self._t("band_label", level=self._level(es.alpha)).capitalize())
            rows = [r + [""] * (len(header) - len(r)) for r in rows]
        test = ""
        pretrend = ev.pretrend
        if pretrend is not None:
            dfs = ", ".join(format_number(d, self.language, 0) for d in pretrend.df)
            stat = format_number(pretrend.statistic, self.language, 2)
            word = ("Test que tous les coefficients avant l'entrée sont nuls"
                    if self.language == "fr" else
                    "Test that all pre-treatment coefficients are zero")
            where = (f" ({esc(estimator_name(es.estimator, self.language))})"
                     if ev.staggered is not None else "")
            test = (f"<p>{word}{where} : {pretrend.distribution}({dfs}) = {stat}, "
                    f"{self._t('p')} {format_p_value(pretrend.p_value, self.language)}.</p>"
                    if self.language == "fr" else
                    f"<p>{word}{where}: {pretrend.distribution}({dfs}) = {stat}, "
                    f"{self._t('p')} {format_p_value(pretrend.p_value, self.language)}.</p>")
        title = (f"<p><strong>{esc(estimator_name(es.estimator, self.language))}</strong></p>"
                 if ev.staggered is not None else "")
        return (f"<h2>{self._t('dynamics')}</h2>"
                + figure_html(fig, self._t("es_title"), self.language)
                + f"<p class='caption'>{esc(caption)}</p>" + self._remarks(ev.remarks)
                + test + title + table(header, rows))

    def staggered_html(self) -> str:
        """Estimators for staggered adoption compared, and the TWFE decomposition."""
        ev = self.evaluation
        if ev.staggered is None:
            return ""
        st = ev.staggered
        dec = decimals_for(ev.headline.std_error)
        header = ["", self._t("coef"), self._t("se"), self._t("ci", level=self._level()),
                  self._t("p")]

        def interval(lo: float, hi: float) -> str:
            return format_interval(lo, hi, self.language, dec)

        rows = []
        for key in ("callaway_santanna", "imputation", "sun_abraham"):
            if key in st.overall:
                r = st.overall[key]
                rows.append([self._t(f"name_{key}"), self._num(r.estimate, dec),
                             self._num(r.std_error, dec),
                             interval(*r.conf_int().loc[r.effect_term]),
                             format_p_value(r.p_value, self.language)])
            elif key in st.event_studies:
                a = st.event_studies[key].average_effect()
                rows.append([self._t(f"name_{key}"), self._num(a["estimate"], dec),
                             self._num(a["std_error"], dec),
                             interval(a["conf_low"], a["conf_high"]),
                             format_p_value(a["p_value"], self.language)])
        m = ev.main
        rows.append([self._t("name_twfe"), self._num(m.estimate, dec), self._num(m.std_error, dec),
                     interval(*m.conf_int().loc[m.effect_term]),
                     format_p_value(m.p_value, self.language)])
        out = (f"<h2>{self._t('staggered')}</h2><p>{esc(self._t('staggered_intro'))}</p>"
               f"<p>{self._t('comparison_table')}</p>" + table(header, rows))
        out += self._remarks([note for note in st.remarks if note.subject != "bacon"])
        out += self._remarks([note for note in st.remarks if note.subject == "bacon"])
        if st.bacon is not None:
            from evalkit.reports.render.findings import twfe_trust_sentence

            b = st.bacon
            types = ("never_treated", "later_as_control", "earlier_as_control", "always_treated")
            labels = {key: self._t(f"bacon_{key}") for key in types}
            labels.update(twfe=self._t("bacon_twfe"), already_treated=self._t("bacon_already"),
                          xlabel=self._t("bacon_xlabel"), ylabel=self._t("bacon_ylabel"))
            fig = b.plot(title=self._t("bacon"), labels=labels)
            type_rows = [[labels.get(r.comparison, r.type),
                          format_percent(100 * float(r.weight), self.language, 1),
                          self._num(float(r.estimate), dec)]
                         for r in b.by_type().itertuples()]
            out += (f"<h3>{self._t('bacon')}</h3>"
                    + figure_html(fig, self._t("bacon"), self.language)
                    + f"<p class='caption'>{esc(self._t('bacon_caption'))}</p>"
                    + table([self._t("comparison_type"), self._t("weight"),
                              self._t("average_estimate")], type_rows))
            trust = twfe_trust_sentence(ev)
            if trust:
                out += f"<p><strong>{esc(trust)}</strong></p>"
        return out

    def provenance_html(self) -> str:
        ev = self.evaluation
        p = ev.params
        import numpy as np
        import statsmodels

        rows = [[self._t("params_file"), p.params_path.name],
                [self._t("data_file"), p.data_path.name],
                [self._t("sha256"), ev.data_sha256],
                [self._t("version"), __version__],
                [self._t("run_date"), ev.run_date],
                [self._t("software"), f"Python {platform.python_version()}, pandas "
                 f"{pd.__version__}, numpy {np.__version__}, statsmodels "
                 f"{statsmodels.__version__}"]]
        if p.policy.owner:
            rows.insert(0, [self._t("owner"), p.policy.owner])
        content = p.params_path.read_text(encoding="utf-8") if p.params_path.is_file() else ""
        rules = rules_table_html(p, evaluation_rules_used(ev), self.language)
        return (f"<h2>{self._t('provenance')}</h2>" + facts_table(rows) + rules
                + f"<details><summary>{self._t('params_content')}</summary>"
                  f"<pre>{esc(content)}</pre></details>")

    # ------------------------------------------------------------------ display
    def show_title(self) -> None:
        self._display(self.title_html())

    def show_findings(self) -> None:
        self._display(self.findings_html())

    def show_policy(self) -> None:
        self._display(self.policy_html())

    def show_data(self) -> None:
        self._display(self.data_html())

    def show_estimate(self) -> None:
        self._display(self.estimate_html())

    def show_dynamics(self) -> None:
        self._display(self.dynamics_html())

    def indicators_html(self) -> str:
        """The indicator-tracking sections, when the params list indicators to track."""
        if self.evaluation.params.indicators is None:
            return ""
        from evalkit.reports.analysis.tracking import track
        from evalkit.reports.render.tracking_sections import TrackingReport, tracking_sections_html

        self._tracking = TrackingReport(track(self.evaluation.params))
        return tracking_sections_html(self._tracking)

    def show_indicators(self) -> None:
        markup = self.indicators_html()
        if markup:
            self._display(markup)

    def show_staggered(self) -> None:
        self._display(self.staggered_html())

    def sensitivity_html(self) -> str:
        """How much the conclusion depends on parallel trends and on the clusters."""
        from evalkit.reports.render.robustness_sections import sensitivity_html

        return sensitivity_html(self.evaluation)

    def show_sensitivity(self) -> None:
        markup = self.sensitivity_html()
        if markup:
            self._display(markup)

    def show_provenance(self) -> None:
        self._display(self.provenance_html())

    def headline(self) -> dict[str, object]:
        """The headline as a JSON-compatible dict (recorded for the index page)."""
        ev = self.evaluation
        h = ev.headline
        return {"label": self._t(h.label_key), "estimate": h.estimate,
                "std_error": h.std_error, "conf_low": h.conf_low, "conf_high": h.conf_high,
                "p_value": h.p_value, "confidence_level": 1 - h.alpha,
                "outcome": ev.outcome_label, "text": key_findings(ev)[0],
                "language": self.language, "run_date": ev.run_date,
                "data_sha256": ev.data_sha256, "evalkit_version": __version__,
                **({"indicators": self._tracking.headline()["indicators"]}
                   if self._tracking is not None else {})}
