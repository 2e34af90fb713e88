"""The staggered-adoption part of an evaluation: modern estimators side by side, and Bacon.

When units join a policy at different dates, the report runs the estimators for
staggered adoption the params ask for (Callaway & Sant'Anna, Sun & Abraham, the
imputation estimator), decomposes the TWFE coefficient (Goodman-Bacon) and says
whether the TWFE estimate can be trusted.

Each runs only as the design allows: without never-treated units, Sun & Abraham
compare with the last-treated cohort, and Callaway & Sant'Anna need
``staggered.control_group: not_yet_treated``; the decomposition needs a balanced panel
without covariates or weights. A comparison the design does not support (an evalkit
error that is a design limit, see :func:`evalkit.reports.analysis.notes.is_design_limit`) is
omitted with a note saying why; it never stops the report, unless it gives the headline.
Any other error is raised, in the params' terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from evalkit.data import Panel
from evalkit.did.bacon import bacon_decomposition
from evalkit.did.callaway_santanna import callaway_santanna
from evalkit.did.imputation import imputation, imputation_overall
from evalkit.did.sun_abraham import sun_abraham
from evalkit.errors import EvalkitError
from evalkit.inference.kinds import Clustered
from evalkit.inference.multiplier import MultiplierBootstrap
from evalkit.reports.analysis.engine_data import held_by_engine, in_memory_only
from evalkit.reports.analysis.notes import Note, omission
from evalkit.reports.params.schema import PolicyParams, StaggeredSection
from evalkit.reports.params.terms import STAGGERED_TERMS, raise_reworded
from evalkit.results import BaconDecomposition, DiDResult, EventStudyResult, WaldTest

__all__ = ["StaggeredAnalysis", "analyse_staggered", "callaway_santanna_options",
           "cs_unsupported", "last_cohort", "period_label"]


@dataclass(frozen=True)
class StaggeredAnalysis:
    """The results of the estimators for staggered adoption on one panel.

    Attributes
    ----------
    event_studies
        Event-study result of each estimator that ran, by key (``callaway_santanna``,
        ``sun_abraham``, ``imputation``, ``extended_twfe``).
    overall
        Overall average effect of each estimator that has one, by key.
    pretrends
        Each estimator's joint pre-trend test, by key.
    bacon
        The Goodman-Bacon decomposition, when it could be computed.
    remarks
        What the design changed: comparisons omitted and why, comparison units used
        (worded in the report's language when shown).
    control_group
        The comparison units used by Callaway & Sant'Anna.
    """

    event_studies: dict[str, EventStudyResult] = field(default_factory=dict)
    overall: dict[str, DiDResult] = field(default_factory=dict)
    pretrends: dict[str, WaldTest | None] = field(default_factory=dict)
    bacon: BaconDecomposition | None = None
    remarks: tuple[Note, ...] = ()
    control_group: str = "never_treated"

    @property
    def notes(self) -> tuple[str, ...]:
        """The remarks in plain English."""
        return tuple(str(note) for note in self.remarks)


def period_label(value: float) -> str:
    """A period as the data write it (``2007``, not ``2007.0``)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


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
        "inference": Clustered(params.inference.cluster
                               if params.inference.kind == "cluster" else None)}


def last_cohort(panel: Panel) -> float:
    """The last period in which units are first treated."""
    return float(panel.cohorts.max())


def cs_unsupported(panel: Panel, options: dict[str, object]) -> Note | None:
    """Why Callaway & Sant'Anna cannot run with these options on this panel, if it cannot."""
    if options["control_group"] == "never_treated" and panel.n_never_treated_units == 0:
        return Note("why_cs_no_never_treated", "callaway_santanna")
    return None


def _bacon_unsupported(panel: Panel) -> Note | None:
    if panel.covariates:
        return Note("why_bacon_covariates", "bacon",
                    (("covariates", ", ".join(panel.covariates)),))
    if panel.weights:
        return Note("why_bacon_weights", "bacon", (("weights", panel.weights),))
    if not panel.is_balanced:
        rows = np.bincount(panel.unit_index, minlength=panel.n_units)
        incomplete = int(np.count_nonzero(rows < panel.n_periods))
        return Note("why_bacon_unbalanced", "bacon",
                    (("incomplete", incomplete), ("units", panel.n_units)))
    return None


def analyse_staggered(panel: Panel, params: PolicyParams, alpha: float,
                      required: str | None = None,
                      regression_panel: Panel | None = None) -> StaggeredAnalysis:
    """Run the staggered-adoption estimators the params ask for, as the design allows.

    Parameters
    ----------
    panel
        The validated panel.
    params
        The policy params (their ``staggered`` section).
    alpha
        Significance level.
    required
        The estimator that gives the report's headline: its failure is an error (in the
        params' terms), the others' design limits are remarks.
    regression_panel
        The panel of the fixed-effects regressions shown for comparison (Sun & Abraham,
        imputation, the decomposition of TWFE) when it differs from ``panel``: without
        the covariates their fixed effects absorb (the regressions are the same without
        them). The headline estimator always uses ``panel``.
    """
    regression = panel if regression_panel is None else regression_panel
    settings = _settings(params)
    wanted = list(dict.fromkeys([*settings.estimators, *([required] if required else [])]))
    cs_options = callaway_santanna_options(panel, params)
    control = cs_options["control_group"]
    clustered = cs_options["inference"]
    never_treated = panel.n_never_treated_units > 0
    event_studies: dict[str, EventStudyResult] = {}
    overall: dict[str, DiDResult] = {}
    pretrends: dict[str, WaldTest | None] = {}
    remarks: list[Note] = []
    if not never_treated:
        remarks.append(Note("note_no_never_treated",
                            values=(("cohort", period_label(last_cohort(panel))),)))

    def attempt(key: str, run: Callable[[], None], unsupported: Note | None = None) -> None:
        if unsupported is not None and key != required:
            remarks.append(unsupported)
            return
        try:
            run()
        except EvalkitError as exc:
            if key == required:
                raise_reworded(exc, STAGGERED_TERMS)
            remarks.append(omission(exc, key, STAGGERED_TERMS))

    def run_cs() -> None:
        inference = (MultiplierBootstrap(n_draws=settings.n_draws,
                                         random_state=settings.random_state,
                                         cluster=clustered.cluster)
                     if settings.n_draws else clustered)
        options = {k: v for k, v in cs_options.items() if k != "inference"}
        result = callaway_santanna(panel, **options, inference=inference, alpha=alpha)
        event_studies["callaway_santanna"] = result.event_study()
        overall["callaway_santanna"] = result.overall()
        pretrends["callaway_santanna"] = result.pretrend

    def run_sa() -> None:
        # Sun & Abraham's comparison: the never-treated units, else the last-treated
        # cohort before its treatment (as Sun & Abraham 2021 propose)
        result = sun_abraham(panel if required == "sun_abraham" else regression, alpha=alpha,
                             control_group=(
            "never_treated" if never_treated else "last_treated"))
        event_studies["sun_abraham"] = result
        pretrends["sun_abraham"] = result.pretrend
        if not never_treated:
            remarks.append(Note("note_sa_last_treated",
                                values=(("cohort", period_label(last_cohort(panel))),)))

    def run_imputation() -> None:
        used = panel if required == "imputation" else regression
        result = imputation(used, anticipation=settings.anticipation, inference=clustered,
                            alpha=alpha)
        event_studies["imputation"] = result
        overall["imputation"] = imputation_overall(
            used, anticipation=settings.anticipation, inference=clustered, alpha=alpha)
        pretrends["imputation"] = result.pretrend

    def run_extended_twfe() -> None:
        from evalkit.did.extended_twfe import extended_twfe

        # Wooldridge's regression conditions on the covariates as Callaway & Sant'Anna do
        result = extended_twfe(panel, control_group=control, inference=clustered, alpha=alpha)
        event_studies["extended_twfe"] = result.event_study()
        overall["extended_twfe"] = result.overall()
        pretrends["extended_twfe"] = event_studies["extended_twfe"].pretrend

    runners = {"callaway_santanna": run_cs, "sun_abraham": run_sa, "imputation": run_imputation,
               "extended_twfe": run_extended_twfe}
    checks = {"callaway_santanna": cs_unsupported(panel, cs_options),
              "extended_twfe": (Note("why_etwfe_no_never_treated", "extended_twfe")
                                if control == "never_treated" and not never_treated else None)}
    if held_by_engine(panel):  # estimators that need every row in memory
        checks.update({key: in_memory_only(panel, params, key)
                       for key in ("sun_abraham", "extended_twfe")})
    for key in wanted:
        attempt(key, runners[key], checks.get(key))

    bacon = None
    if settings.bacon:
        def run_bacon() -> None:
            nonlocal bacon
            bacon = bacon_decomposition(regression)

        attempt("bacon", run_bacon, in_memory_only(regression, params, "bacon")
                if held_by_engine(regression) else _bacon_unsupported(regression))
    return StaggeredAnalysis(event_studies=event_studies, overall=overall, pretrends=pretrends,
                             bacon=bacon, remarks=tuple(remarks), control_group=control)
