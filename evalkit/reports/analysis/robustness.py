"""How much a report's conclusion depends on its assumptions: HonestDiD and few clusters.

Two checks a careful referee asks for, run for every evaluation that allows them:

- **Sensitivity to parallel trends** (Rambachan & Roth 2023): robust intervals for the
  event study's post-treatment effect when trends may diverge after treatment, under
  relative magnitudes and smoothness, with the breakdown value at which the
  conclusion changes. The event study examined is the headline estimator's when its
  coefficients share one reference period; otherwise, with staggered adoption,
  Callaway & Sant'Anna's with a universal base period (as the authors of both methods
  advise); otherwise the TWFE event study.
- **Few clusters**: the restricted wild cluster bootstrap (Cameron, Gelbach & Miller
  2008) for the 2x2 or TWFE coefficient when there are fewer clusters, or fewer treated
  clusters, than the params' rules say (by default 30 and 10; see
  :class:`evalkit.reports.params.rules.VerdictRules`).

A check the design does not support (see :func:`evalkit.reports.analysis.notes.is_design_limit`)
is omitted with a note saying why, in the report's language; it never stops a report.
Any other error is raised, in the params' terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.data import Panel
from evalkit.errors import EvalkitError
from evalkit.reports.analysis.engine_data import held_by_engine, in_memory_only
from evalkit.reports.analysis.notes import Note, omission
from evalkit.reports.params.checks import GENERAL_TREATMENT_ESTIMATORS, SYNTHETIC_ESTIMATORS
from evalkit.reports.params.schema import PolicyParams
from evalkit.reports.params.terms import SENSITIVITY_TERMS
from evalkit.results import DiDResult, EventStudyResult
from evalkit.results.honest import HonestDiDResult
from evalkit.results.wild_bootstrap import WildBootstrapResult
from evalkit.robustness.honest import honest_did

__all__ = ["Robustness", "analyse_robustness", "RESTRICTIONS"]

RESTRICTIONS = ("relative_magnitude", "smoothness")


@dataclass(frozen=True)
class Robustness:
    """The robustness checks of one evaluation.

    Attributes
    ----------
    honest
        HonestDiD results by restriction (``relative_magnitude``, ``smoothness``).
    honest_source
        The event study examined (its estimator's name), or ``None``.
    wild
        The wild cluster bootstrap of the 2x2 or TWFE coefficient, when it ran.
    clusters, treated_clusters
        Number of clusters, and of clusters with treated units, of the coefficient's
        standard errors (``None`` when they are not clustered).
    remarks
        The checks omitted and why (worded in the report's language when shown).
    """

    honest: dict[str, HonestDiDResult] = field(default_factory=dict)
    honest_source: str | None = None
    wild: WildBootstrapResult | None = None
    clusters: int | None = None
    treated_clusters: int | None = None
    remarks: tuple[Note, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """The remarks in plain English."""
        return tuple(str(note) for note in self.remarks)



def _usable(es: EventStudyResult | None) -> bool:
    return es is not None and es.reference_period is not None and len(es.pre_periods) > 0


def _event_study_for_sensitivity(
    dynamic: EventStudyResult | None, twfe_dynamic: EventStudyResult | None,
    panel: Panel | None, params: PolicyParams, alpha: float, remarks: list[Note],
) -> EventStudyResult | None:
    if _usable(dynamic):
        return dynamic
    if panel is not None and (panel.is_staggered or (
            dynamic is not None and "Callaway" in dynamic.estimator)):
        # no single reference period (Callaway & Sant'Anna with a varying base period, the
        # imputation estimator's leads), or no TWFE event study: with staggered adoption
        # the TWFE event study is no substitute, so Callaway & Sant'Anna is re-estimated
        # with a universal base
        from evalkit.did.callaway_santanna import callaway_santanna
        from evalkit.reports.analysis.staggered import callaway_santanna_options, cs_unsupported

        options = {**callaway_santanna_options(panel, params), "base_period": "universal"}
        unsupported = cs_unsupported(panel, options)
        if unsupported is not None:
            remarks.append(Note(unsupported.key, "cs_universal", unsupported.values))
        else:
            try:
                result = callaway_santanna(panel, **options, alpha=alpha)
                return result.event_study()
            except EvalkitError as exc:
                remarks.append(omission(exc, "cs_universal", SENSITIVITY_TERMS))
    return twfe_dynamic if _usable(twfe_dynamic) else None


def _honest(es: EventStudyResult, params: PolicyParams, alpha: float,
            remarks: list[Note]) -> dict[str, HonestDiDResult]:
    settings = params.sensitivity
    out: dict[str, HonestDiDResult] = {}
    grids = {"relative_magnitude": settings.relative_magnitudes,
             "smoothness": settings.smoothness}
    keys = {"relative_magnitude": "sensitivity.relative_magnitudes",
            "smoothness": "sensitivity.smoothness"}
    for restriction in RESTRICTIONS:
        try:
            out[restriction] = honest_did(es, restriction=restriction,
                                          m_values=grids[restriction],
                                          parameter=settings.target, alpha=alpha)
        except EvalkitError as exc:
            # HonestDiD's own method is chosen by evalkit, not by staggered.method
            terms = SENSITIVITY_TERMS.extend({"m_values": keys[restriction], "method": None})
            remarks.append(omission(exc, f"honest_{restriction}", terms))
    return out


def count_clusters(data: pd.DataFrame, column: str, treated: np.ndarray) -> tuple[int, int]:
    """Number of clusters, and of clusters containing a treated row."""
    codes = pd.Series(data[column].to_numpy())
    return int(codes.nunique()), int(codes[treated].nunique())


def analyse_robustness(
    params: PolicyParams,
    *,
    data: pd.DataFrame,
    panel: Panel | None,
    main: DiDResult,
    dynamic: EventStudyResult | None,
    twfe_dynamic: EventStudyResult | None,
    alpha: float,
    regression_panel: Panel | None = None,
) -> Robustness:
    """Run the robustness checks the params ask for (see the module's description).

    Parameters
    ----------
    params
        The policy params (their ``sensitivity`` section).
    data
        The rows used.
    panel
        The panel, for panel designs.
    main
        The 2x2 or static TWFE result.
    dynamic
        The headline estimator's event study, if any.
    twfe_dynamic
        The TWFE event study, if any (the fallback for the sensitivity analysis).
    alpha
        Significance level.
    regression_panel
        The panel ``main`` was estimated from, when it differs from ``panel`` (without
        the covariates its fixed effects absorb).
    """
    settings = params.sensitivity
    remarks: list[Note] = []
    honest: dict[str, HonestDiDResult] = {}
    source = None
    estimator = params.design.estimator
    event_design = ((panel is not None and estimator not in SYNTHETIC_ESTIMATORS)
                    or estimator in GENERAL_TREATMENT_ESTIMATORS)
    if settings.honest_did and event_design:
        es = _event_study_for_sensitivity(dynamic, twfe_dynamic, panel, params, alpha, remarks)
        if es is None:
            remarks.append(Note("why_honest_no_event_study", "honest"))
        else:
            honest = _honest(es, params, alpha, remarks)
            source = es.estimator
    if held_by_engine(panel):
        # the wild cluster bootstrap re-estimates the regression on every row, in memory
        if settings.wild_bootstrap != "never" and params.inference.kind == "cluster":
            remarks.append(in_memory_only(panel, params, "wild"))
        return Robustness(honest=honest, honest_source=source, wild=None, clusters=None,
                          treated_clusters=None, remarks=tuple(remarks))
    clusters, treated_clusters = _cluster_counts(params, data, panel)
    wild = _wild(params, data, panel if regression_panel is None else regression_panel, main,
                 alpha, clusters, treated_clusters, remarks)
    return Robustness(honest=honest, honest_source=source, wild=wild, clusters=clusters,
                      treated_clusters=treated_clusters, remarks=tuple(remarks))


def _cluster_counts(params: PolicyParams, data: pd.DataFrame,
                    panel: Panel | None) -> tuple[int | None, int | None]:
    """Clusters of the 2x2 or TWFE standard errors, and those with treated units."""
    inference = params.inference
    if inference.kind != "cluster" or params.design.estimator in (*SYNTHETIC_ESTIMATORS,
                                                                  *GENERAL_TREATMENT_ESTIMATORS):
        # the wild cluster bootstrap is for the 2x2 and TWFE regression coefficients
        return None, None
    if panel is not None:
        return count_clusters(panel.data, panel.cluster_column,
                              panel.cohort.notna().to_numpy())
    return count_clusters(data, inference.cluster, data[params.design.treated].to_numpy() == 1)


def _wild(params: PolicyParams, data: pd.DataFrame, panel: Panel | None, main: DiDResult,
          alpha: float, clusters: int | None, treated_clusters: int | None,
          remarks: list[Note]) -> WildBootstrapResult | None:
    settings = params.sensitivity
    if settings.wild_bootstrap == "never" or clusters is None or treated_clusters is None:
        return None
    rules = params.verdict_rules
    few = clusters < rules.few_clusters or treated_clusters < rules.few_treated_clusters
    if settings.wild_bootstrap == "auto" and not few:
        return None
    if treated_clusters < 2:
        remarks.append(Note("why_wild_one_treated_cluster", "wild",
                            (("treated", treated_clusters),)))
        return None
    from evalkit.robustness.wild import wild_cluster_bootstrap

    column = panel.cluster_column if panel is not None else params.inference.cluster
    try:
        return wild_cluster_bootstrap(
            main, panel if panel is not None else data, cluster=column,
            distribution="webb" if clusters <= rules.webb_weights_max_clusters
            else "rademacher",
            n_draws=settings.n_draws, random_state=settings.random_state, alpha=alpha)
    except EvalkitError as exc:
        # its weights are Rademacher's or Webb's, not the design's
        remarks.append(omission(exc, "wild", SENSITIVITY_TERMS.extend({"distribution": None})))
        return None
