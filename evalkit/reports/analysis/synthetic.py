"""The synthetic part of an evaluation: one treated unit (or a few), a weighted comparison.

For the designs ``synthetic_did`` and ``synthetic_control`` the report runs, on the
same balanced panel:

- synthetic difference-in-differences, synthetic control and difference-in-differences
  as Arkhangelsky et al. (2021) define them (their Table 1), with the standard errors
  the params choose (placebo by default); the design's estimator gives the headline;
- Abadie, Diamond & Hainmueller's (2010) synthetic control with its predictor
  matching, placebo-in-space test (a randomization test over units) and leave-one-out
  re-fits, as a check of the comparison's quality and a second, exact-style inference.

A part the design does not support (see :func:`evalkit.reports.analysis.notes.is_design_limit`)
is omitted with a note saying why, except the headline estimator, whose failure is the
report's (in the params' terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evalkit.data import Panel
from evalkit.errors import EvalkitError
from evalkit.inference.kinds import NoInference, PlaceboInSpace, inference_from_dict
from evalkit.reports.analysis.notes import Note, omission
from evalkit.reports.params.schema import PolicyParams, SyntheticSection
from evalkit.reports.params.terms import SYNTHETIC_TERMS, raise_reworded
from evalkit.results.synthetic_control import SyntheticControlResult
from evalkit.results.synthetic_did import SyntheticDiDResult
from evalkit.synthetic.synthetic_control import synthetic_control
from evalkit.synthetic.synthetic_did import synthetic_did

__all__ = ["SyntheticAnalysis", "analyse_synthetic", "METHOD_OF"]

#: The synthetic_did method behind each design estimator.
METHOD_OF = {"synthetic_did": "sdid", "synthetic_control": "sc"}


@dataclass(frozen=True)
class SyntheticAnalysis:
    """The synthetic estimators run for one policy.

    Attributes
    ----------
    estimates
        The results of :func:`evalkit.synthetic_did` by method (``sdid``, ``sc``,
        ``did``), all with the same standard-error method and seed.
    headline
        The method that gives the report's headline (``sdid`` or ``sc``).
    control
        Abadie, Diamond & Hainmueller's synthetic control, with its placebos in space
        and leave-one-out re-fits as the params ask, or ``None`` if it could not run.
    remarks
        The parts omitted or changed, and why (worded in the report's language when shown).
    """

    estimates: dict[str, SyntheticDiDResult] = field(default_factory=dict)
    headline: str = "sdid"
    control: SyntheticControlResult | None = None
    remarks: tuple[Note, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """The remarks in plain English."""
        return tuple(str(note) for note in self.remarks)

    @property
    def main(self) -> SyntheticDiDResult:
        """The headline result."""
        return self.estimates[self.headline]



def analyse_synthetic(panel: Panel, params: PolicyParams, alpha: float) -> SyntheticAnalysis:
    """Run the synthetic estimators for a ``synthetic_did`` or ``synthetic_control`` design.

    Parameters
    ----------
    panel
        The validated panel (balanced, one treatment start).
    params
        The policy params (their ``synthetic`` section).
    alpha
        Significance level.
    """
    settings = params.synthetic or SyntheticSection()
    headline = METHOD_OF[params.design.estimator]
    se = settings.inference
    estimates: dict[str, SyntheticDiDResult] = {}
    remarks: list[Note] = []
    if se != "placebo" and panel.n_treated_units < 2:
        # Arkhangelsky et al. (2021, section 5): the bootstrap and the jackknife need
        # several treated units; with one, the placebo method is the valid one.
        remarks.append(Note("note_se_placebo_instead", values=(("se", se),)))
        se = "placebo"
    for method in (headline, *(m for m in ("sdid", "sc", "did") if m != headline)):
        try:
            estimates[method] = synthetic_did(
                panel, method=method, alpha=alpha,
                inference=inference_from_dict({"kind": se, "n_draws": settings.n_draws,
                                               "random_state": settings.random_state}
                                              if se != "jackknife" else {"kind": se}))
        except EvalkitError as exc:
            if method == headline:
                raise_reworded(exc, SYNTHETIC_TERMS)
            remarks.append(omission(exc, method, SYNTHETIC_TERMS))
    control = None
    if panel.n_treated_units == 1:
        try:
            control = synthetic_control(
                panel, predictors=settings.predictor_periods,
                inference=PlaceboInSpace() if settings.placebo_in_space else NoInference(),
                leave_one_out=settings.leave_one_out)
        except EvalkitError as exc:
            remarks.append(omission(exc, "adh", SYNTHETIC_TERMS))
    else:
        remarks.append(Note("why_adh_several_treated", "adh",
                            (("treated", panel.n_treated_units),)))
    ordered = {m: estimates[m] for m in ("sdid", "sc", "did") if m in estimates}
    return SyntheticAnalysis(estimates=ordered, headline=headline, control=control,
                             remarks=tuple(remarks))
