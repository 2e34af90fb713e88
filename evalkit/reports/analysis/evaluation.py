"""Run the evaluation a params file describes, in three steps. No display here.

:func:`load_data` (the rows and the panel), :func:`estimate` (the headline estimator and
its comparisons) and :func:`check_robustness` (the ``sensitivity`` checks);
:func:`evaluate` runs them in turn and :func:`assemble` gathers them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.data import Panel, file_sha256
from evalkit.data.csv_format import ReadFormat
from evalkit.data.io import load_table_with_format
from evalkit.data.panel import cohort_positions
from evalkit.data.unit_blocks import EnginePanel
from evalkit.did import did_2x2, event_study, twfe
from evalkit.did.two_by_two import design_rows
from evalkit.errors import EstimationError, EvalkitError, ParamsError
from evalkit.inference import Classical, Clustered, Robust
from evalkit.reports.analysis.engine_data import (
    ENGINE_ESTIMATORS,
    data_sha256,
    engine_baseline,
    engine_name,
    engine_panel,
    held_by_engine,
    report_engine,
)
from evalkit.reports.analysis.general_treatment import (
    GeneralTreatmentAnalysis,
    analyse_general_treatment,
    general_treatment_facts,
)
from evalkit.reports.analysis.notes import Note, omission
from evalkit.reports.analysis.robustness import Robustness, analyse_robustness
from evalkit.reports.analysis.staggered import StaggeredAnalysis, analyse_staggered
from evalkit.reports.analysis.synthetic import SyntheticAnalysis, analyse_synthetic
from evalkit.reports.analysis.two_periods import with_post_column
from evalkit.reports.messages.catalogue import text
from evalkit.reports.params.checks import (
    GENERAL_TREATMENT_ESTIMATORS,
    STAGGERED_ESTIMATORS,
    SYNTHETIC_ESTIMATORS,
)
from evalkit.reports.params.schema import PolicyParams, load_params
from evalkit.reports.params.terms import (
    DESIGN_TERMS,
    EVENT_STUDY_TERMS,
    ParamsTerms,
    raise_reworded,
)
from evalkit.results import DiDResult, EventStudyResult, WaldTest

__all__ = ["Evaluation", "Headline", "LoadedData", "Estimation", "evaluate", "load_data",
           "estimate", "check_robustness", "assemble"]


@dataclass(frozen=True)
class Headline:
    """The one number a report leads with: the policy's estimated effect.

    Attributes
    ----------
    label
        What the number is (e.g. ``"Average effect after treatment (event study)"``).
    estimate, std_error, conf_low, conf_high, p_value
        The estimate and its inference.
    alpha
        Significance level of the interval.
    baseline
        Mean outcome of the treated units before treatment (for relative sizes),
        or ``None``.
    """

    label_key: str
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float
    alpha: float
    baseline: float | None

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)


@dataclass(frozen=True)
class Evaluation:
    """Everything a policy report shows, computed from one params file.

    Attributes
    ----------
    params
        The validated params.
    data
        The rows used (after the params' ``sample`` filter).
    data_sha256
        Checksum of the data file as read.
    panel
        The validated panel for panel designs, else ``None``.
    main
        The single-coefficient result: the 2x2 estimate, or the static TWFE (without the
        covariates its fixed effects absorb, when it is a comparison: see ``remarks``).
    dynamic
        The event study of the headline estimator for panel designs (the TWFE event
        study for ``twfe`` and ``event_study``), else ``None`` (also when the design does
        not support the TWFE event study: see ``remarks``).
    headline
        The number the report leads with.
    run_date
        When the evaluation ran (UTC, ISO 8601).
    pretrend
        The headline estimator's joint test of no pre-treatment effects, if any.
    staggered
        With staggered adoption (or a staggered estimator chosen): every estimator's
        event study and overall effect, and the Goodman-Bacon decomposition.
    robustness
        The sensitivity of the event study to parallel trends (HonestDiD) and the wild
        cluster bootstrap when clusters are few.
    synthetic
        For the synthetic designs: synthetic difference-in-differences, synthetic control
        and difference-in-differences side by side, and Abadie, Diamond & Hainmueller's
        synthetic control with its placebos.
    general
        For the designs beyond one binary, absorbing treatment
        (``chaisemartin_dhaultfoeuille``, ``continuous_did``, ``triple_differences``): the
        estimator's result, its headline effect and its event study.
    remarks
        What the design changed in the TWFE comparisons: its event study omitted (without
        never-treated units) or binned, covariates its fixed effects absorb left out;
        worded in the report's language when shown.
    read_format
        How the data file was read (detected or stated in ``data.read``); ``None`` for
        Parquet.
    """

    params: PolicyParams
    data: pd.DataFrame
    data_sha256: str
    panel: Panel | None
    main: DiDResult
    dynamic: EventStudyResult | None
    headline: Headline
    run_date: str
    pretrend: WaldTest | None = None
    staggered: StaggeredAnalysis | None = None
    robustness: Robustness | None = None
    synthetic: SyntheticAnalysis | None = None
    remarks: tuple[Note, ...] = ()
    read_format: ReadFormat | None = None
    general: GeneralTreatmentAnalysis | None = None

    @property
    def language(self) -> str:
        return self.params.language

    @property
    def outcome_label(self) -> str:
        return self.params.design.outcome_label or self.params.design.outcome


def _vcov(params: PolicyParams) -> Classical | Robust | Clustered:
    """The regression estimators' ``inference=``, from the params' ``inference`` section."""
    return params.inference.to_inference()


def _panel(params: PolicyParams, data: pd.DataFrame,
           covariates: list[str] | None = None) -> Panel:
    d = params.design
    cluster = params.inference.cluster if params.inference.kind == "cluster" else None
    return Panel(data, unit=d.unit, time=d.time, outcome=d.outcome, treatment=d.treatment,
                 first_treated=d.first_treated,
                 covariates=d.covariates if covariates is None else covariates,
                 weights=d.weights, cluster=cluster if cluster != d.unit else None)


def _constant_within(values: np.ndarray, groups: np.ndarray) -> bool:
    frame = pd.DataFrame({"group": groups, "value": values})
    spread = frame.groupby("group")["value"].agg(["min", "max"])
    return bool((spread["min"] == spread["max"]).all())


def _absorbed_covariates(panel: Panel) -> tuple[str, ...]:
    """The covariates that unit or period fixed effects absorb: constant within each unit,
    or within each period."""
    return tuple(c for c in panel.covariates
                 if _constant_within(panel.values(c), panel.unit_index)
                 or _constant_within(panel.values(c), panel.period_index))


def _regression_panel(panel: Panel, params: PolicyParams,
                      data: pd.DataFrame) -> tuple[Panel, Note | None]:
    """The panel of the fixed-effects regressions that the report adds as comparisons.

    The covariates those regressions' fixed effects absorb (e.g. a county's population
    in 2000 beside county effects) are left out: the regressions are the same without
    them, while Callaway & Sant'Anna's estimator, which conditions on them, keeps them.
    """
    if held_by_engine(panel):
        if not panel.covariates:
            return panel, None
        return (engine_panel(params, panel.engine, covariates=[]),
                Note("note_engine_regressions_without_covariates",
                     values=(("engine", engine_name(panel)),
                             ("covariates", ", ".join(panel.covariates)))))
    absorbed = _absorbed_covariates(panel)
    if not absorbed:
        return panel, None
    kept = [c for c in panel.covariates if c not in absorbed]
    return (_panel(params, data, covariates=kept),
            Note("note_absorbed_covariates", values=(("covariates", ", ".join(absorbed)),)))


def _panel_baseline(panel: Panel | EnginePanel) -> float | None:
    if held_by_engine(panel):
        return engine_baseline(panel)
    frame = panel.data
    cohort = panel.cohort.to_numpy()
    before = ~np.isnan(cohort) & (frame[panel.time].to_numpy() < cohort)
    return float(frame.loc[before, panel.outcome].mean()) if before.any() else None


def _event_time_range(panel: Panel | EnginePanel) -> tuple[int, int]:
    """The first and last periods relative to treatment in the panel."""
    if held_by_engine(panel):  # from the cohorts and the periods the engine found
        periods = panel.periods
        position = cohort_positions(panel.cohorts, periods)
        return 0 - int(position.max()), periods.size - 1 - int(position.min())
    rel = panel.event_time()
    rel = rel[~np.isnan(rel)]
    return int(rel.min()), int(rel.max())


@contextmanager
def _in_params_terms(terms: ParamsTerms = DESIGN_TERMS) -> Iterator[None]:
    """Errors raised inside name the params keys, not evalkit's arguments."""
    try:
        yield
    except EvalkitError as exc:
        raise_reworded(exc, terms)


def _twfe_event_study(panel: Panel, params: PolicyParams,
                      vcov: Classical | Robust | Clustered, alpha: float,
                      required: bool) -> tuple[EventStudyResult | None, Note | None]:
    """The TWFE event study and a remark on it, or why the design does not support it.

    Without never-treated units, event time, period and unit effects are collinear: the
    event study is identified only when ``event_study.bin_endpoints`` pools the relative
    periods beyond an ``event_study.window`` that cuts off some of them. When it gives
    the headline (``design.estimator: event_study``), its failure is an error.
    """
    es = params.event_study
    window = tuple(es.window) if es and es.window else None
    binned = es.bin_endpoints if es else False
    unsupported = None
    if panel.n_never_treated_units == 0:
        low, high = _event_time_range(panel)
        if not binned or window is None:
            unsupported = Note("why_es_no_never_treated", "twfe_event_study",
                               (("low", low), ("high", high)))
        elif window[0] <= low and window[1] >= high:
            unsupported = Note("why_es_window_covers_all", "twfe_event_study",
                               (("window", f"[{window[0]}, {window[1]}]"), ("low", low),
                                ("high", high)))
    if unsupported is not None and required:
        raise EstimationError(
            "design.estimator: event_study cannot be estimated: "
            + text(unsupported.key, "en", **dict(unsupported.values))
            + " Or choose an estimator for staggered adoption (design.estimator: "
              "callaway_santanna, sun_abraham or imputation).")
    if unsupported is not None:
        return None, unsupported
    try:
        result = event_study(panel, inference=vcov, alpha=alpha, window=window,
                             reference=es.reference if es else -1, bin_endpoints=binned)
    except EvalkitError as exc:
        if required:
            raise_reworded(exc, EVENT_STUDY_TERMS)
        return None, omission(exc, "twfe_event_study", EVENT_STUDY_TERMS)
    if panel.n_never_treated_units == 0:  # binned: say what identifies it
        return result, Note("note_es_binned", values=(("window", f"[{window[0]}, {window[1]}]"),))
    return result, None


@dataclass(frozen=True)
class LoadedData:
    """The first step of an evaluation: the rows the params keep, and the panel.

    Attributes
    ----------
    data
        The rows used (after the params' ``data.sample`` filter); ``None`` when the data
        stay in an engine (a Parquet folder or a DuckDB database, see
        :mod:`~evalkit.reports.analysis.engine_data`).
    data_sha256
        Checksum of the data file as read (of a folder's files, for a folder).
    panel
        The validated panel for panel designs (built from ``design``'s roles), else
        ``None``; an :class:`~evalkit.data.unit_blocks.EnginePanel` for data held by an
        engine.
    facts
        What the report says of the data: for a panel, :meth:`Panel.describe`; for the
        2x2 design, the rows the regression uses (``rows``, ``treated_rows``,
        ``control_rows``).
    read_format
        How the data file was read (detected or stated in ``data.read``); ``None`` for
        Parquet.
    """

    data: pd.DataFrame | None
    data_sha256: str
    panel: Panel | EnginePanel | None
    facts: dict[str, object]
    read_format: ReadFormat | None = None


@dataclass(frozen=True)
class Estimation:
    """The second step of an evaluation: the headline estimator and its comparisons.

    Attributes
    ----------
    main, dynamic, headline, pretrend, staggered, synthetic, remarks, general
        As in :class:`Evaluation`.
    twfe_dynamic
        The TWFE event study, when the design supports it (the robustness checks fall
        back on it).
    regression_panel
        The panel of the fixed-effects regressions (``panel`` without the covariates
        their fixed effects absorb), for panel designs.
    """

    main: DiDResult
    dynamic: EventStudyResult | None
    headline: Headline
    pretrend: WaldTest | None
    staggered: StaggeredAnalysis | None
    synthetic: SyntheticAnalysis | None
    remarks: tuple[Note, ...]
    twfe_dynamic: EventStudyResult | None
    regression_panel: Panel | None
    general: GeneralTreatmentAnalysis | None = None


def _alpha(params: PolicyParams) -> float:
    return round(1 - params.inference.confidence_level, 10)


def load_data(params: PolicyParams) -> LoadedData:
    """Read the data file the params name, keep ``data.sample``'s rows, build the panel.

    Errors name the params keys (``design.unit``, ``data.sample`` ...).
    """
    with _in_params_terms():
        d = params.design
        engine = report_engine(params)
        if engine != "memory":
            if d.estimator not in ENGINE_ESTIMATORS:
                raise ParamsError("The params do not fit data held by an engine:", [
                    f"design.estimator: must be one of {', '.join(ENGINE_ESTIMATORS)} for "
                    f"data held by {engine} (data.file is {params.data_path.name}, "
                    f"data.engine {params.data.engine}); got {d.estimator!r}"])
            panel = engine_panel(params, engine)
            return LoadedData(None, data_sha256(params.data_path), panel, panel.describe(),
                              None)
        loaded = load_table_with_format(params.data_path, **params.data.load_options(),
                                        sample=params.data.sample or None)
        data, read = loaded.frame, loaded.read_format
        sha = file_sha256(params.data_path)
        if d.estimator == "did_2x2":
            cluster = params.inference.cluster if params.inference.kind == "cluster" else None
            framed, post = with_post_column(params, data)
            rows = design_rows(framed, outcome=d.outcome, treated=d.treated, post=post,
                               covariates=d.covariates, weights=d.weights, cluster=cluster)
            treated = int(rows[d.treated].astype(float).sum())
            return LoadedData(data, sha, None, {"rows": len(rows), "treated_rows": treated,
                                                "control_rows": len(rows) - treated}, read)
        if d.estimator in GENERAL_TREATMENT_ESTIMATORS:
            # the estimator checks these data itself, against its own design
            return LoadedData(data, sha, None, general_treatment_facts(params, data), read)
        panel = _panel(params, data)
        return LoadedData(data, sha, panel, panel.describe(), read)


def estimate(params: PolicyParams, loaded: LoadedData) -> Estimation:
    """Estimate the design the params describe on the loaded data.

    - ``did_2x2``: the 2x2 regression; the headline is its effect.
    - ``twfe``: the static TWFE regression (headline) and the event study.
    - ``event_study``: the event study, whose equally weighted average of the
      post-treatment coefficients is the headline, and the static TWFE beside it.
    - ``callaway_santanna``, ``imputation``: their overall average effect on the
      treated; ``sun_abraham``: the average of its post-treatment effects.
    - ``synthetic_did``, ``synthetic_control``: see :func:`analyse_synthetic`.

    With staggered adoption, every estimator in ``staggered.estimators`` runs too and
    the TWFE coefficient is decomposed (see :func:`analyse_staggered`). Each comparison
    runs only when the design supports it; one that it does not is omitted with a
    remark saying why. The headline's failure is an error; errors name the params keys.
    """
    with _in_params_terms():
        return _estimate(params, loaded)


def check_robustness(params: PolicyParams, loaded: LoadedData,
                     estimation: Estimation) -> Robustness:
    """The robustness checks of the ``sensitivity`` section (see :func:`analyse_robustness`)."""
    with _in_params_terms():
        return analyse_robustness(params, data=loaded.data, panel=loaded.panel,
                                  main=estimation.main, dynamic=estimation.dynamic,
                                  twfe_dynamic=estimation.twfe_dynamic,
                                  alpha=_alpha(params),
                                  regression_panel=estimation.regression_panel)


def assemble(params: PolicyParams, loaded: LoadedData, estimation: Estimation,
             robustness: Robustness) -> Evaluation:
    """The :class:`Evaluation` made of its three steps, dated now."""
    e = estimation
    return Evaluation(params=params, data=loaded.data, data_sha256=loaded.data_sha256,
                      panel=loaded.panel, main=e.main, dynamic=e.dynamic, headline=e.headline,
                      pretrend=e.pretrend, staggered=e.staggered, robustness=robustness,
                      synthetic=e.synthetic, remarks=e.remarks, read_format=loaded.read_format,
                      general=e.general,
                      run_date=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))


def evaluate(params: PolicyParams | str | Path) -> Evaluation:
    """Load the data a params file names, estimate its design and check its robustness.

    The three steps, :func:`load_data`, :func:`estimate` and :func:`check_robustness`,
    in turn (see each for what it does).

    Parameters
    ----------
    params
        Validated params, or the path of a params file to validate.
    """
    if not isinstance(params, PolicyParams):
        params = load_params(params)
    loaded = load_data(params)
    estimation = estimate(params, loaded)
    return assemble(params, loaded, estimation, check_robustness(params, loaded, estimation))


def _estimate(params: PolicyParams, loaded: LoadedData) -> Estimation:
    d = params.design
    alpha = _alpha(params)
    data = loaded.data
    vcov = _vcov(params)
    panel = loaded.panel
    dynamic: EventStudyResult | None = None
    pretrend: WaldTest | None = None
    staggered: StaggeredAnalysis | None = None
    twfe_dynamic: EventStudyResult | None = None
    synthetic: SyntheticAnalysis | None = None
    regression_panel: Panel | None = None
    remarks: list[Note] = []
    general: GeneralTreatmentAnalysis | None = None
    if d.estimator in GENERAL_TREATMENT_ESTIMATORS:
        general = analyse_general_treatment(params, data, alpha)
        main, dynamic = general.overall, general.event_study
        pretrend = dynamic.pretrend if dynamic is not None else None
        slope = (d.estimator == "continuous_did" and params.dose_response is not None
                 and params.dose_response.target == "slope")
        headline = Headline(f"overall_{d.estimator}" + ("_slope" if slope else ""),
                            main.estimate, main.std_error,
                            *main.conf_int().loc[main.effect_term], main.p_value, alpha, None)
    elif d.estimator in SYNTHETIC_ESTIMATORS:
        regression_panel = panel
        main = twfe(panel, inference=vcov, alpha=alpha)
        synthetic = analyse_synthetic(panel, params, alpha)
        r = synthetic.main
        headline = Headline(f"headline_{d.estimator}", r.estimate, r.std_error,
                            *r.conf_int().iloc[0], r.p_value, alpha, _panel_baseline(panel))
    elif d.estimator == "did_2x2":
        framed, post = with_post_column(params, data)
        adjusted = d.two_by_two_method != "regression"
        main = did_2x2(framed, outcome=d.outcome, treated=d.treated, post=post,
                       covariates=d.covariates, weights=d.weights,
                       inference=vcov, alpha=alpha, method=d.two_by_two_method,
                       unit=d.unit if adjusted else None)
        means = main.group_means
        baseline = float(means.loc["treated", "before"]) if means is not None else None
        headline = Headline("effect_row", main.estimate, main.std_error,
                            *main.conf_int().loc[main.effect_term], main.p_value, alpha,
                            baseline)
    else:
        required = d.estimator if d.estimator in STAGGERED_ESTIMATORS else None
        # TWFE gives the headline: as specified; a comparison: as the design allows
        regression_panel, absorbed = (_regression_panel(panel, params, data) if required
                                      else (panel, None))
        remarks += [absorbed] if absorbed is not None else []
        main = twfe(regression_panel, inference=vcov, alpha=alpha)
        twfe_dynamic, omitted = _twfe_event_study(regression_panel, params, vcov, alpha,
                                                  required=d.estimator == "event_study")
        remarks += [omitted] if omitted is not None else []
        baseline = _panel_baseline(panel)
        if panel.is_staggered or required:
            staggered = analyse_staggered(panel, params, alpha, required=required,
                                          regression_panel=regression_panel)
            if twfe_dynamic is not None:
                staggered.event_studies.setdefault("twfe", twfe_dynamic)
        dynamic = twfe_dynamic
        pretrend = twfe_dynamic.pretrend if twfe_dynamic is not None else None
        if d.estimator == "event_study":
            avg = twfe_dynamic.average_effect()
            headline = Headline("average_post", avg["estimate"], avg["std_error"],
                                avg["conf_low"], avg["conf_high"], avg["p_value"], alpha,
                                baseline)
        elif required == "sun_abraham":
            dynamic = staggered.event_studies[required]
            pretrend = staggered.pretrends[required]
            avg = dynamic.average_effect()
            headline = Headline("average_post_sa", avg["estimate"], avg["std_error"],
                                avg["conf_low"], avg["conf_high"], avg["p_value"], alpha,
                                baseline)
        elif required:
            dynamic = staggered.event_studies[required]
            pretrend = staggered.pretrends[required]
            result = staggered.overall[required]
            headline = Headline(f"overall_{required}", result.estimate, result.std_error,
                                *result.conf_int().loc[result.effect_term], result.p_value, alpha,
                                baseline)
        else:
            headline = Headline("twfe_row", main.estimate, main.std_error,
                                *main.conf_int().loc[main.effect_term], main.p_value, alpha,
                                baseline)
    return Estimation(main=main, dynamic=dynamic, headline=headline, pretrend=pretrend,
                      staggered=staggered, synthetic=synthetic, remarks=tuple(remarks),
                      twfe_dynamic=twfe_dynamic, regression_panel=regression_panel,
                      general=general)
