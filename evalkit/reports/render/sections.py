"""The sections of an evaluation report, rendered as HTML in the notebook's outputs.

The evaluation notebook runs the analysis step by step (:meth:`PolicyReport.begin`,
then ``introduce``, ``load_data``, ``map_territories``, ``estimate``, ``effects_over_time``,
``compare_estimators``, ``check_robustness``, ``track_indicators`` and ``conclude``);
each step displays the report section it computes. The ``*_html`` methods return a
section's HTML and the ``show_*`` methods display it. All user-provided text (policy
names, descriptions, notes, column labels) is escaped.
"""

from __future__ import annotations

import platform
from pathlib import Path

import pandas as pd

from evalkit._version import __version__
from evalkit.data import Panel
from evalkit.formatting import (
    Language,
    colon,
    decimals_for,
    format_datetime,
    format_interval,
    format_level,
    format_number,
    format_p_value,
    format_percent,
)
from evalkit.inference import MultiplierBootstrap
from evalkit.plots import plot_event_study, plot_group_means
from evalkit.reports.analysis.engine_data import engine_name, held_by_engine
from evalkit.reports.analysis.evaluation import (
    Estimation,
    Evaluation,
    LoadedData,
    assemble,
    check_robustness,
    estimate,
    load_data,
)
from evalkit.reports.analysis.notes import Note
from evalkit.reports.analysis.robustness import Robustness
from evalkit.reports.messages.catalogue import estimator_name, text
from evalkit.reports.params.schema import PolicyParams, load_params
from evalkit.reports.render.blocks import (
    Block,
    Details,
    Facts,
    Figure,
    Heading,
    Items,
    Paragraph,
    Table,
    Title,
    render,
    render_page_style,
)
from evalkit.reports.render.findings import key_findings
from evalkit.reports.render.note import Note as BriefingNote
from evalkit.reports.render.note import record_note
from evalkit.reports.render.read_format import read_format_text
from evalkit.reports.render.rules_provenance import evaluation_rules_used, rules_table_blocks
from evalkit.reports.render.shown import ShownSections
from evalkit.results import compare

__all__ = ["PolicyReport"]

_STYLE = render_page_style()  # the report's stylesheet (templates/report.css)


#: The evaluation's remarks shown with the estimate table (the others go with the
#: effects over time).
_ESTIMATE_REMARKS = frozenset({"note_absorbed_covariates"})


class PolicyReport(ShownSections):
    """The evaluation report of one policy, computed and shown step by step.

    Build it with :meth:`begin` (the steps run as the notebook calls them, each
    displaying its section) or :meth:`from_params` (every step at once, nothing
    displayed). The steps, in the order of the report:

    =========================  ===========================================================
    ``introduce()``            the title, the key findings (filled in by ``conclude``) and
                               the policy
    ``load_data()``            the rows ``data.sample`` keeps and the panel built from
                               ``design``'s roles: *Data used*
    ``map_territories()``      when the design's units are territories that boundaries
                               know: the treated territories and the outcome's change, as
                               maps (nothing otherwise)
    ``estimate()``             the headline estimator (``design.estimator``) with the
                               params' ``inference``, and its comparisons: *Estimated
                               effect*
    ``effects_over_time()``    the event study and the pre-treatment test (for the
                               synthetic designs, their section)
    ``compare_estimators()``   with staggered adoption, the estimators side by side and
                               the TWFE decomposition
    ``check_robustness()``     HonestDiD and the wild cluster bootstrap (``sensitivity``)
    ``track_indicators()``     the indicators the params track, if any
    ``conclude()``             the key findings and the provenance; records the note
                               (:meth:`note`)
    =========================  ===========================================================

    A step given params sections (``estimate(inference={"kind": "robust",
    "cluster": None})``) runs with those keys changed, checked as the params file is
    (see :meth:`PolicyParams.with_options`), and the steps after it follow the change.

    Parameters
    ----------
    evaluation
        A computed evaluation (see :func:`evalkit.reports.evaluate`).

    Examples
    --------
    >>> report = PolicyReport.begin(load_params("params/minimum_wage.yaml"))  # doctest: +SKIP
    >>> report.introduce()                                   # doctest: +SKIP
    >>> data, panel = report.load_data()                     # doctest: +SKIP
    >>> estimation = report.estimate(design={"estimator": "imputation"})  # doctest: +SKIP
    """

    def __init__(self, evaluation: Evaluation) -> None:
        self._params = evaluation.params
        self._loaded: LoadedData | None = LoadedData(
            evaluation.data, evaluation.data_sha256, evaluation.panel,
            evaluation.panel.describe() if evaluation.panel is not None
            else dict(evaluation.main.sample), evaluation.read_format)
        self._estimation: Estimation | None = None
        self._robustness: Robustness | None = evaluation.robustness
        self._evaluation: Evaluation | None = evaluation
        self._tracking = None  # the indicator tracking, once shown

    @classmethod
    def from_params(cls, params: PolicyParams | str | Path) -> PolicyReport:
        """Validate a params file, run its evaluation and return its report."""
        from evalkit.reports.analysis.evaluation import evaluate

        return cls(evaluate(params))

    @classmethod
    def begin(cls, params: PolicyParams | str | Path) -> PolicyReport:
        """A report whose steps run when called, each displaying its section.

        Parameters
        ----------
        params
            Validated params (:func:`evalkit.reports.load_params`), or a params file.
        """
        report = cls.__new__(cls)
        report._params = params if isinstance(params, PolicyParams) else load_params(params)
        report._loaded = report._estimation = report._robustness = None
        report._evaluation = None
        report._tracking = None
        return report

    # ------------------------------------------------------------------ the steps
    @property
    def params(self) -> PolicyParams:
        """The params the steps run with (the file's, with the options steps were given)."""
        return self._params

    def _with(self, sections: dict[str, object]) -> None:
        """Apply the options a step was given; forget the steps they change.

        Options that change nothing (the params' own sections, as the notebook passes
        them) keep what was computed.
        """
        if not sections:
            return
        before = self._params.model_dump()
        self._params = self._params.with_options(**sections)
        after = self._params.model_dump()
        changed = {key for key in after.keys() | before.keys()
                   if after.get(key) != before.get(key)}
        if not changed:
            return
        if changed & {"data", "design"}:
            self._loaded = None
        self._estimation = self._robustness = self._evaluation = None
        self._tracking = None

    def _loaded_data(self) -> LoadedData:
        if self._loaded is None:
            self._loaded = load_data(self._params)
        return self._loaded

    def _estimated(self) -> Estimation:
        if self._estimation is None:
            if self._evaluation is not None:  # built from a finished evaluation
                ev = self._evaluation
                return Estimation(ev.main, ev.dynamic, ev.headline, ev.pretrend, ev.staggered,
                                  ev.synthetic, ev.remarks, None, None)
            self._estimation = estimate(self._params, self._loaded_data())
        return self._estimation

    def _partial(self) -> Evaluation:
        """The evaluation as far as the steps have gone (robustness unchecked: ``None``)."""
        if self._evaluation is not None:
            return self._evaluation
        return assemble(self._params, self._loaded_data(), self._estimated(), self._robustness)

    @property
    def evaluation(self) -> Evaluation:
        """The whole evaluation; the steps not run yet run now, without display."""
        if self._evaluation is None:
            if self._robustness is None:
                self._robustness = check_robustness(self._params, self._loaded_data(),
                                                    self._estimated())
            self._evaluation = assemble(self._params, self._loaded_data(), self._estimated(),
                                        self._robustness)
        return self._evaluation

    def load_data(self, **sections: object) -> tuple[pd.DataFrame, Panel | None]:
        """Read the data, keep ``data.sample``'s rows, build the panel; display *Data used*.

        Parameters
        ----------
        **sections
            Params sections to change first (``data``, ``design``).

        Returns
        -------
        data, panel
            The rows used, and the panel (``None`` for the 2x2 design).
        """
        self._with(sections)
        loaded = self._loaded_data()
        self._display(self.data_html())
        return loaded.data, loaded.panel

    def map_territories(self) -> None:
        """Display the maps of the territories (treated, and the outcome's change), when
        the design's units are territories that boundaries know (see the ``maps``
        section of the params); nothing otherwise."""
        markup = self.maps_html()
        if markup:
            self._display(markup)

    def maps_html(self) -> str:
        """The maps of the territories, or ``""`` when the units are not territories that
        boundaries know."""
        from evalkit.reports.render.maps_sections import evaluation_map_blocks

        loaded = self._loaded_data()
        blocks = evaluation_map_blocks(self._params, loaded.panel,
                                       self._params.design.outcome_label
                                       or self._params.design.outcome)
        return render(blocks) if blocks else ""

    def estimate(self, **sections: object) -> Estimation:
        """Estimate the design; display *Estimated effect*.

        Parameters
        ----------
        **sections
            Params sections to change first: ``design`` (e.g. ``{"estimator":
            "imputation"}``), ``inference``, ``event_study``, ``staggered``,
            ``synthetic``.

        Returns
        -------
        Estimation
            The headline estimator's results and their comparisons (``.main``,
            ``.dynamic``, ``.staggered``, ``.synthetic``, ``.headline``).
        """
        self._with(sections)
        estimation = self._estimated()
        self._display(self.estimate_html())
        return estimation

    def effects_over_time(self, **sections: object) -> None:
        """Display the effects over time and the pre-treatment test (the synthetic designs'
        section for them); ``sections`` as for :meth:`estimate`."""
        self._with(sections)
        self._display(self.dynamics_html())

    def compare_estimators(self, **sections: object) -> None:
        """With staggered adoption, display the estimators side by side and the TWFE
        decomposition; ``sections`` as for :meth:`estimate` (``staggered`` ...)."""
        self._with(sections)
        markup = self.staggered_html()
        if markup:
            self._display(markup)

    def check_robustness(self, **sections: object) -> Robustness:
        """Run the ``sensitivity`` checks (HonestDiD, the wild cluster bootstrap) and
        display them.

        Parameters
        ----------
        **sections
            Params sections to change first (``sensitivity`` ...).
        """
        self._with(sections)
        if self._robustness is None:
            self._robustness = check_robustness(self._params, self._loaded_data(),
                                                self._estimated())
        self._evaluation = None
        markup = self.sensitivity_html()
        if markup:
            self._display(markup)
        return self._robustness

    def track_indicators(self) -> None:
        """Display the indicators the params track, if any."""
        self.show_indicators()

    def conclude(self) -> Evaluation:
        """Fill in the key findings shown by :meth:`introduce`, display the provenance, and
        record the note (:meth:`note`, an output the HTML export does not show).

        Returns
        -------
        Evaluation
            Everything the report shows.
        """
        evaluation = self.evaluation
        self.fill_top(self.findings_html())
        self.show_provenance()
        record_note(self.note())
        return evaluation

    def note(self) -> BriefingNote:
        """The two-page note of the evaluation, for the elected official (see
        :mod:`evalkit.reports.render.note_content`); :meth:`conclude` records it for the
        runner, which writes it as Word and PDF."""
        from evalkit.reports.render.note_content import evaluation_note

        return evaluation_note(self.evaluation)

    # ------------------------------------------------------------------ helpers
    @property
    def language(self) -> Language:
        """The report's locale (``"fr_FR"``, ``"nl_BE"``): the catalogue of its language
        words it, and numbers and dates are written in it."""
        return self._params.locale

    def _t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def _num(self, value: float, decimals: int) -> str:
        return format_number(value, self.language, decimals)

    def _level(self, alpha: float | None = None) -> str:
        """The confidence level in words: the params' one, or ``1 - alpha`` of a result."""
        if alpha is None:
            alpha = 1 - self._params.inference.confidence_level
        return format_level(alpha, self.language)

    def _remarks(self, remarks: tuple[Note, ...] | list[Note], *,
                 estimate: bool = False) -> list[Block]:
        """The report's remarks on its analysis (comparisons omitted and why), as captions:
        those on the estimate table, or (by default) those on the effects over time."""
        return [Paragraph(note.text(self.language), "caption")
                for note in remarks if (note.key in _ESTIMATE_REMARKS) == estimate]

    def _inference(self) -> str:
        """How the headline's standard errors were computed, read from its result."""
        ev = self._partial()
        used = ev.main.inference
        if ev.headline.label_key == "overall_callaway_santanna" and ev.staggered is not None:
            result = ev.staggered.overall.get("callaway_santanna")
            if result is not None and isinstance(result.inference, MultiplierBootstrap):
                return self._t("se_bootstrap", draws=self._num(result.inference.n_draws, 0),
                               column=result.inference.cluster)
        method = getattr(ev.main.specification, "method", "regression")
        if ev.params.design.estimator == "did_2x2" and method != "regression":
            return self._t("se_influence_function")
        clusters = ev.main.sample.get("clusters")
        if clusters is None and ev.general is not None:  # clustered by unit
            clusters = ev.main.sample.get("units")
        return self._t(f"se_{used.name}", column=getattr(used, "cluster", None),
                       clusters=self._num(clusters or 0, 0))

    # ------------------------------------------------------------------ sections
    def title_html(self) -> str:
        p = self._params
        return render_page_style() + render([Title(p.title, p.policy.owner or "")])

    def findings_html(self) -> str:
        return render(self.findings_blocks())

    def findings_blocks(self) -> list[Block]:
        return [Heading(self._t("findings")),
                Items(tuple(key_findings(self.evaluation)), "findings")]

    def policy_html(self) -> str:
        return render(self.policy_blocks())

    def policy_blocks(self) -> list[Block]:
        p = self._params
        out: list[Block] = [Heading(self._t("policy")), Paragraph(p.policy.name, "strong")]
        out += [Paragraph(par) for par in p.policy.description.split("\n\n")]
        if p.report.notes:
            out.append(Paragraph(p.report.notes, lead=self._t("notes") + colon(self.language)))
        return out

    def data_html(self) -> str:
        return render(self.data_blocks())

    def data_blocks(self) -> list[Block]:
        loaded = self._loaded_data()
        p = self._params
        rows: list[list[str]] = []
        if p.data.description:
            rows.append([self._t("data_description"), p.data.description])
        if p.data.source:
            rows.append([self._t("data_source"), p.data.source])
        rows.append([self._t("data_file"), p.data_path.name])
        if p.data.sample:
            kept = ", ".join(f"{k} = {v}" for k, v in p.data.sample.items())
            rows.append([self._t("sample_filter"), kept])
        out: list[Block] = [Heading(self._t("data"))]
        facts = loaded.facts
        if loaded.panel is not None:
            rows += [[self._t("rows"), self._num(facts["rows"], 0)],
                     [self._t("units"), self._num(facts["units"], 0)],
                     [self._t("periods"), f"{self._num(facts['periods'], 0)} ("
                      + self._t("period_range", first=facts["first_period"],
                                last=facts["last_period"]) + ")"],
                     [self._t("treated_units"), self._num(facts["treated_units"], 0)],
                     [self._t("control_units"), self._num(facts["never_treated_units"], 0)]]
            out.append(Facts.of(rows))
            cohorts = [[self._t("never") if k == "never" else str(k), self._num(v, 0)]
                       for k, v in facts["cohorts"].items()]
            out += [Paragraph(self._t("cohorts")),
                    Table.of([self._t("cohort"), self._t("n_units")], cohorts)]
            if held_by_engine(loaded.panel):
                out.append(Paragraph(self._t("note_engine_data",
                                             engine=engine_name(loaded.panel))))
        elif "groups" in facts:  # a design beyond one binary treatment
            rows += [[self._t("rows"), self._num(facts["rows"], 0)],
                     [self._t("units"), self._num(facts["units"], 0)],
                     [self._t("periods"), f"{self._num(facts['periods'], 0)} ("
                      + self._t("period_range", first=facts["first_period"],
                                last=facts["last_period"]) + ")"]]
            rows += [[self._t(f"units_{key}"), self._num(count, 0)]
                     for key, count in facts["groups"]]
            if "dose_range" in facts:
                low, high = facts["dose_range"]
                dec = decimals_for(max(abs(high - low), 1e-12) / 100)
                rows.append([self._t("dose_range"),
                             format_interval(low, high, self.language, dec)])
            out.append(Facts.of(rows))
        else:
            rows += [[self._t("rows"), self._num(facts["rows"], 0)],
                     [self._t("treated_group"), self._num(facts["treated_rows"], 0)],
                     [self._t("comparison_group"), self._num(facts["control_rows"], 0)]]
            out.append(Facts.of(rows))
        return out

    def estimate_html(self) -> str:
        return render(self.estimate_blocks())

    def estimate_blocks(self) -> list[Block]:
        ev = self._partial()
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
            return [Heading(self._t("estimate")), Table.of(header, rows), Facts.of(method)]
        if h.label_key != "twfe_row" and ev.panel is not None:
            m = ev.main
            rows.append(row(self._t("twfe_row"), m.estimate, m.std_error,
                            *m.conf_int().loc[m.effect_term], m.p_value))
        estimator = (ev.main if h.label_key == "twfe_row" or ev.dynamic is None
                     or ev.general is not None else ev.dynamic)
        key = h.label_key.removeprefix("overall_")
        if ev.staggered is not None and key in ev.staggered.overall:
            estimator = ev.staggered.overall[key]
        method = [[self._t("estimator"), estimator_name(estimator.estimator, self.language)],
                  [self._t("standard_errors"), self._inference()]]
        out: list[Block] = [Heading(self._t("estimate")), Table.of(header, rows),
                            Facts.of(method)]
        covariates = [t for t in ev.main.coefficients.terms
                      if t in ev.params.design.covariates]
        if covariates:
            out.append(Paragraph(f"{self._t('covariates')} {', '.join(covariates)}", "caption"))
        return out + self._remarks(ev.remarks, estimate=True)

    def dynamics_html(self) -> str:
        return render(self.dynamics_blocks())

    def dynamics_blocks(self) -> list[Block]:
        ev = self._partial()
        if ev.synthetic is not None:
            from evalkit.reports.render.synthetic_sections import synthetic_blocks

            return synthetic_blocks(ev)
        if ev.general is not None:
            from evalkit.reports.render.general_treatment_sections import (
                general_treatment_blocks,
            )

            blocks = general_treatment_blocks(ev)
            if ev.dynamic is None:
                return blocks or [Heading(self._t("dynamics")),
                                  Paragraph(self._t("pretrend_single_period"))]
            return blocks + self._event_study_blocks(ev)
        if ev.dynamic is None and ev.panel is not None:
            # a panel design whose event study the design does not support: say why
            return [Heading(self._t("dynamics")), *self._remarks(ev.remarks)]
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
            return [Heading(self._t("comparison")),
                    Table.of([self._t("group"), self._t("before"), self._t("after"),
                              self._t("change")], rows),
                    Figure.of(fig, self._t("means_title"), self.language),
                    Paragraph(self._t("means_caption", outcome=ev.outcome_label), "caption")]
        return self._event_study_blocks(ev)

    def _event_study_blocks(self, ev: Evaluation) -> list[Block]:
        level = self._level()
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
        test: list[Block] = []
        pretrend = ev.pretrend
        if pretrend is not None:
            dfs = ", ".join(format_number(d, self.language, 0) for d in pretrend.df)
            stat = format_number(pretrend.statistic, self.language, 2)
            word = self._t("pretrend_test")
            where = (f" ({estimator_name(es.estimator, self.language)})"
                     if ev.staggered is not None else "")
            test = [Paragraph(f"{word}{where}{colon(self.language)} {pretrend.distribution}"
                              f"({dfs}) = {stat}, {self._t('p')} "
                              f"{format_p_value(pretrend.p_value, self.language)}.")]
        title = ([Paragraph(estimator_name(es.estimator, self.language), "strong")]
                 if ev.staggered is not None else [])
        return [Heading(self._t("dynamics")),
                Figure.of(fig, self._t("es_title"), self.language),
                Paragraph(caption, "caption"), *self._remarks(ev.remarks), *test, *title,
                Table.of(header, rows)]

    def staggered_html(self) -> str:
        """Estimators for staggered adoption compared, and the TWFE decomposition."""
        return render(self.staggered_blocks())

    def staggered_blocks(self) -> list[Block]:
        """The blocks of :meth:`staggered_html` (none without staggered adoption)."""
        ev = self._partial()
        if ev.staggered is None:
            return []
        st = ev.staggered
        dec = decimals_for(ev.headline.std_error)
        header = ["", self._t("coef"), self._t("se"), self._t("ci", level=self._level()),
                  self._t("p")]

        def interval(lo: float, hi: float) -> str:
            return format_interval(lo, hi, self.language, dec)

        def row(key: str, r: dict | pd.Series) -> list[str]:
            return [self._t(f"name_{key}"), self._num(r["estimate"], dec),
                    self._num(r["std_error"], dec), interval(r["conf_low"], r["conf_high"]),
                    format_p_value(r["p_value"], self.language)]

        # the overall effects side by side (evalkit.compare), Sun & Abraham's average of its
        # post-treatment effects in its place, TWFE last
        keys = [k for k in ("callaway_santanna", "imputation", "extended_twfe")
                if k in st.overall] + ["twfe"]
        results = [st.overall[k] for k in keys[:-1]] + [ev.main]
        side_by_side = compare(*results, names=keys).to_frame()
        effects = {key: side_by_side[(side_by_side["name"] == key)
                                     & (side_by_side["term"] == r.effect_term)].iloc[0]
                   for key, r in zip(keys, results, strict=True)}
        if "sun_abraham" not in st.overall and "sun_abraham" in st.event_studies:
            effects["sun_abraham"] = st.event_studies["sun_abraham"].average_effect()
        rows = [row(key, effects[key])
                for key in ("callaway_santanna", "imputation", "extended_twfe", "sun_abraham",
                            "twfe")
                if key in effects]
        out: list[Block] = [Heading(self._t("staggered")), Paragraph(self._t("staggered_intro")),
                            Paragraph(self._t("comparison_table")), Table.of(header, rows)]
        out += self._remarks([note for note in st.remarks if note.subject != "bacon"])
        out += self._remarks([note for note in st.remarks if note.subject == "bacon"])
        if st.bacon is not None:
            from evalkit.reports.render.findings import twfe_trust_sentence

            b = st.bacon
            types = ("never_treated", "later_as_control", "earlier_as_control", "always_treated")
            labels = {key: self._t(f"bacon_{key}") for key in types}
            labels.update(twfe=self._t("bacon_twfe"), already_treated=self._t("bacon_already"),
                          xlabel=self._t("bacon_xlabel"), ylabel=self._t("bacon_ylabel"))
            fig = b.plot(title=self._t("bacon"), labels=labels, language=self.language)
            type_rows = [[labels.get(r.comparison, r.type),
                          format_percent(100 * float(r.weight), self.language, 1),
                          self._num(float(r.estimate), dec)]
                         for r in b.by_type().itertuples()]
            out += [Heading(self._t("bacon"), 3),
                    Figure.of(fig, self._t("bacon"), self.language),
                    Paragraph(self._t("bacon_caption"), "caption"),
                    Table.of([self._t("comparison_type"), self._t("weight"),
                              self._t("average_estimate")], type_rows)]
            trust = twfe_trust_sentence(ev)
            if trust:
                out.append(Paragraph(trust, "strong"))
        return out

    def provenance_html(self) -> str:
        return render(self.provenance_blocks())

    def provenance_blocks(self) -> list[Block]:
        ev = self.evaluation
        p = ev.params
        import numpy as np
        import statsmodels

        read = read_format_text(ev.read_format, self.language)
        rows = [[self._t("params_file"), p.params_path.name],
                [self._t("data_file"), p.data_path.name],
                *([[self._t("read_as"), read]] if read else []),
                [self._t("sha256"), ev.data_sha256],
                [self._t("version"), __version__],
                [self._t("run_date"), format_datetime(ev.run_date, self.language)],
                [self._t("software"), f"Python {platform.python_version()}, pandas "
                 f"{pd.__version__}, numpy {np.__version__}, statsmodels "
                 f"{statsmodels.__version__}"]]
        if p.policy.owner:
            rows.insert(0, [self._t("owner"), p.policy.owner])
        content = p.params_path.read_text(encoding="utf-8") if p.params_path.is_file() else ""
        rules = rules_table_blocks(p, evaluation_rules_used(ev), self.language)
        return [Heading(self._t("provenance")), Facts.of(rows), *rules,
                Details(self._t("params_content"), content)]

    # ------------------------------------------------------------------ display
    def show_findings(self) -> None:
        self._display(self.findings_html())

    def show_estimate(self) -> None:
        self._display(self.estimate_html())

    def show_dynamics(self) -> None:
        self._display(self.dynamics_html())

    def indicators_html(self) -> str:
        """The indicator-tracking sections, when the params list indicators to track."""
        if self._params.indicators is None:
            return ""
        from evalkit.reports.analysis.tracking import track
        from evalkit.reports.render.tracking_sections import TrackingReport, tracking_sections_html

        self._tracking = TrackingReport(track(self._params))
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

    def headline(self) -> dict[str, object]:
        """The headline as a JSON-compatible dict (recorded for the index page)."""
        ev = self.evaluation
        h = ev.headline
        return {"label": self._t(h.label_key), "estimate": h.estimate,
                "std_error": h.std_error, "conf_low": h.conf_low, "conf_high": h.conf_high,
                "p_value": h.p_value, "confidence_level": 1 - h.alpha,
                "outcome": ev.outcome_label, "text": key_findings(ev)[0],
                "language": self._params.language, "run_date": ev.run_date,
                "data_sha256": ev.data_sha256, "evalkit_version": __version__,
                "data_read": read_format_text(ev.read_format, self.language),
                **({"indicators": self._tracking.headline()["indicators"]}
                   if self._tracking is not None else {})}
