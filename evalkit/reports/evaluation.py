"""Run the evaluation a params file describes: data, design, estimates. No display here."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.data import Panel, file_sha256, load_table
from evalkit.did import did_2x2, event_study, twfe
from evalkit.inference import Clustered, VcovLike
from evalkit.reports.params import PolicyParams, load_params
from evalkit.reports.params_checks import STAGGERED_ESTIMATORS, SYNTHETIC_ESTIMATORS
from evalkit.reports.robustness import Robustness, analyse_robustness
from evalkit.reports.staggered import StaggeredAnalysis, analyse_staggered
from evalkit.reports.synthetic import SyntheticAnalysis, analyse_synthetic
from evalkit.results import DiDResult, EventStudyResult, WaldTest

__all__ = ["Evaluation", "Headline", "evaluate"]


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
        The single-coefficient result: the 2x2 estimate, or the static TWFE.
    dynamic
        The event study of the headline estimator for panel designs (the TWFE event
        study for ``twfe`` and ``event_study``), else ``None``.
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

    @property
    def language(self) -> str:
        return self.params.language

    @property
    def outcome_label(self) -> str:
        return self.params.design.outcome_label or self.params.design.outcome


def _vcov(params: PolicyParams) -> VcovLike:
    inference = params.inference
    if inference.standard_errors == "cluster":
        return Clustered(inference.cluster)
    return inference.standard_errors or "robust"


def _panel(params: PolicyParams, data: pd.DataFrame) -> Panel:
    d = params.design
    cluster = params.inference.cluster if params.inference.standard_errors == "cluster" else None
    return Panel(data, unit=d.unit, time=d.time, outcome=d.outcome, treatment=d.treatment,
                 first_treated=d.first_treated, covariates=d.covariates, weights=d.weights,
                 cluster=cluster if cluster != d.unit else None)


def _panel_baseline(panel: Panel) -> float | None:
    frame = panel.data
    cohort = panel.cohort.to_numpy()
    before = ~np.isnan(cohort) & (frame[panel.time].to_numpy() < cohort)
    return float(frame.loc[before, panel.outcome].mean()) if before.any() else None


def evaluate(params: PolicyParams | str | Path) -> Evaluation:
    """Load the data a params file names and estimate its design.

    - ``did_2x2``: the 2x2 regression; the headline is its effect.
    - ``twfe``: the static TWFE regression (headline) and the event study.
    - ``event_study``: the event study, whose equally weighted average of the
      post-treatment coefficients is the headline, and the static TWFE beside it.
    - ``callaway_santanna``, ``imputation``: their overall average effect on the
      treated; ``sun_abraham``: the average of its post-treatment effects.

    With staggered adoption, every estimator in ``staggered.estimators`` runs too and
    the TWFE coefficient is decomposed (see :func:`analyse_staggered`).

    Parameters
    ----------
    params
        Validated params, or the path of a params file to validate.
    """
    if not isinstance(params, PolicyParams):
        params = load_params(params)
    d = params.design
    alpha = round(1 - params.inference.confidence_level, 10)
    data = load_table(params.data_path, sheet=params.data.sheet, sample=params.data.sample or None)
    sha = file_sha256(params.data_path)
    vcov = _vcov(params)
    panel: Panel | None = None
    dynamic: EventStudyResult | None = None
    pretrend: WaldTest | None = None
    staggered: StaggeredAnalysis | None = None
    twfe_dynamic: EventStudyResult | None = None
    synthetic: SyntheticAnalysis | None = None
    if d.estimator in SYNTHETIC_ESTIMATORS:
        panel = _panel(params, data)
        main = twfe(panel, vcov=vcov, alpha=alpha)
        synthetic = analyse_synthetic(panel, params, alpha)
        r = synthetic.main
        headline = Headline(f"headline_{d.estimator}", r.estimate, r.std_error, *r.conf_int,
                            r.p_value, alpha, _panel_baseline(panel))
    elif d.estimator == "did_2x2":
        main = did_2x2(data, outcome=d.outcome, treated=d.treated, post=d.post,
                       covariates=d.covariates, weights=d.weights, vcov=vcov, alpha=alpha)
        means = main.group_means
        baseline = float(means.loc["treated", "before"]) if means is not None else None
        headline = Headline("effect_row", main.estimate, main.std_error, *main.conf_int,
                            main.p_value, alpha, baseline)
    else:
        panel = _panel(params, data)
        es = params.event_study
        main = twfe(panel, vcov=vcov, alpha=alpha)
        twfe_dynamic = event_study(
            panel, vcov=vcov, alpha=alpha,
            window=tuple(es.window) if es and es.window else None,
            reference=es.reference if es else -1,
            bin_endpoints=es.bin_endpoints if es else False)
        baseline = _panel_baseline(panel)
        required = d.estimator if d.estimator in STAGGERED_ESTIMATORS else None
        if panel.is_staggered or required:
            staggered = analyse_staggered(panel, params, alpha, required=required)
            staggered.event_studies.setdefault("twfe", twfe_dynamic)
        dynamic, pretrend = twfe_dynamic, twfe_dynamic.pretrend
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
                                *result.conf_int, result.p_value, alpha, baseline)
        else:
            headline = Headline("twfe_row", main.estimate, main.std_error, *main.conf_int,
                                main.p_value, alpha, baseline)
    robustness = analyse_robustness(params, data=data, panel=panel, main=main, dynamic=dynamic,
                                    twfe_dynamic=twfe_dynamic, alpha=alpha)
    return Evaluation(params=params, data=data, data_sha256=sha, panel=panel, main=main,
                      dynamic=dynamic, headline=headline, pretrend=pretrend,
                      staggered=staggered, robustness=robustness, synthetic=synthetic,
                      run_date=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
