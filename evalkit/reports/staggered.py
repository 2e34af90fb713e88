"""The staggered-adoption part of an evaluation: modern estimators side by side, and Bacon.

When units join a policy at different dates, the report runs the estimators for
staggered adoption the params ask for (Callaway & Sant'Anna, Sun & Abraham, the
imputation estimator), decomposes the TWFE coefficient (Goodman-Bacon) and says
whether the TWFE estimate can be trusted. An estimator that cannot run on these data
(e.g. Sun & Abraham without never-treated units) is skipped with a note; it never
stops the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evalkit.data import Panel
from evalkit.did.bacon import bacon_decomposition
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.imputation import imputation, imputation_overall
from evalkit.did.sun_abraham import sun_abraham
from evalkit.errors import EvalkitError
from evalkit.inference.multiplier import MultiplierBootstrap
from evalkit.reports.params import PolicyParams, StaggeredSection
from evalkit.results import BaconDecomposition, DiDResult, EventStudyResult, WaldTest

__all__ = ["StaggeredAnalysis", "analyse_staggered", "callaway_santanna_options", "TRUST_WEIGHT"]

TRUST_WEIGHT = 0.10  # TWFE is doubtful when more weight than this uses already-treated controls

NAMES = {"callaway_santanna": "Callaway & Sant'Anna", "sun_abraham": "Sun & Abraham",
         "imputation": "Imputation (Borusyak, Jaravel & Spiess)", "twfe": "TWFE event study"}


@dataclass(frozen=True)
class StaggeredAnalysis:
    """The results of the estimators for staggered adoption on one panel.

    Attributes
    ----------
    event_studies
        Event-study result of each estimator that ran, by key (``callaway_santanna``,
        ``sun_abraham``, ``imputation``).
    overall
        Overall average effect of each estimator that has one, by key.
    pretrends
        Each estimator's joint pre-trend test, by key.
    bacon
        The Goodman-Bacon decomposition, when it could be computed.
    notes
        Why an estimator or the decomposition was skipped, in plain words.
    control_group
        The comparison units used by Callaway & Sant'Anna.
    """

    event_studies: dict[str, EventStudyResult] = field(default_factory=dict)
    overall: dict[str, DiDResult] = field(default_factory=dict)
    pretrends: dict[str, WaldTest | None] = field(default_factory=dict)
    bacon: BaconDecomposition | None = None
    notes: tuple[str, ...] = ()
    control_group: str = "never_treated"



def _settings(params: PolicyParams) -> StaggeredSection:
    return params.staggered or StaggeredSection()


def callaway_santanna_options(panel: Panel, params: PolicyParams) -> dict[str, object]:
    """Callaway & Sant'Anna's options as the params set them (comparison units, method,
    base period, anticipation, clusters), with the defaults resolved for this panel."""
    settings = _settings(params)
    return {
        "control_group": settings.control_group or (
            "never_treated" if panel.n_never_treated_units > 0 else "not_yet_treated"),
        "method": settings.method, "base_period": settings.base_period,
        "anticipation": settings.anticipation,
        "cluster": (params.inference.cluster
                    if params.inference.standard_errors == "cluster" else None)}


def analyse_staggered(panel: Panel, params: PolicyParams, alpha: float,
                      required: str | None = None) -> StaggeredAnalysis:
    """Run the staggered-adoption estimators the params ask for.

    Parameters
    ----------
    panel
        The validated panel.
    params
        The policy params (their ``staggered`` section).
    alpha
        Significance level.
    required
        The estimator that gives the report's headline: its failure is an error, the
        others' failures are notes.
    """
    settings = _settings(params)
    wanted = list(dict.fromkeys([*settings.estimators, *([required] if required else [])]))
    cs_options = callaway_santanna_options(panel, params)
    control = cs_options["control_group"]
    cluster = cs_options["cluster"]
    event_studies: dict[str, EventStudyResult] = {}
    overall: dict[str, DiDResult] = {}
    pretrends: dict[str, WaldTest | None] = {}
    notes: list[str] = []

    def attempt(key: str, run) -> None:  # noqa: ANN001
        try:
            run()
        except EvalkitError as exc:
            if key == required:
                raise
            notes.append(f"{NAMES.get(key, key)}: not computed ({exc.one_line()})")

    def run_cs() -> None:
        inference = (MultiplierBootstrap(n_boot=settings.bootstrap_draws,
                                         random_state=settings.seed)
                     if settings.bootstrap_draws else "analytic")
        result = callaway_santanna(panel, **cs_options, inference=inference, alpha=alpha)
        event_studies["callaway_santanna"] = result.event_study()
        overall["callaway_santanna"] = result.overall()
        pretrends["callaway_santanna"] = result.pretrend

    def run_sa() -> None:
        result = sun_abraham(panel, alpha=alpha)
        event_studies["sun_abraham"] = result
        pretrends["sun_abraham"] = result.pretrend

    def run_imputation() -> None:
        result = imputation(panel, anticipation=settings.anticipation, cluster=cluster,
                            alpha=alpha)
        event_studies["imputation"] = result
        overall["imputation"] = imputation_overall(panel, anticipation=settings.anticipation,
                                                   cluster=cluster, alpha=alpha)
        pretrends["imputation"] = result.pretrend

    runners = {"callaway_santanna": run_cs, "sun_abraham": run_sa, "imputation": run_imputation}
    for key in wanted:
        attempt(key, runners[key])

    bacon = None
    if settings.bacon:
        try:
            bacon = bacon_decomposition(panel)
        except EvalkitError as exc:
            notes.append(f"Goodman-Bacon decomposition: not computed ({exc.one_line()})")
    return StaggeredAnalysis(event_studies=event_studies, overall=overall, pretrends=pretrends,
                             bacon=bacon, notes=tuple(notes), control_group=control)
