"""What :func:`~evalkit.did.continuous.continuous_did` was asked: a typed, frozen record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from evalkit.did.specs import _Estimated
from evalkit.inference.kinds import Clustered

__all__ = ["ContinuousDiDSpec"]


@dataclass(frozen=True)
class ContinuousDiDSpec(_Estimated):
    """What :func:`~evalkit.did.continuous.continuous_did` was asked, resolved on the data.

    Attributes
    ----------
    outcome, unit, time, dose, first_treated
        The columns: outcome, unit identifier, period, time-invariant dose (0 untreated)
        and first treated period (0 or missing: never treated).
    target
        ``"level"`` (ATT) or ``"slope"`` (ACRT): what the event study and the headline
        number (:meth:`~evalkit.results.DoseResponseResult.overall`) report.
    aggregation
        ``"dose"`` (curves over the dose) or ``"event_time"`` (event study).
    degree, num_knots
        The B-spline in the dose: polynomial degree and number of interior knots.
    knots
        The interior knots used (quantiles of the treated units' doses).
    control_group
        ``"not_yet_treated"`` or ``"never_treated"``.
    base_period
        ``"varying"`` or ``"universal"``.
    anticipation
        Periods before treatment in which units may already react.
    dose_grid
        The doses at which the curves are evaluated.
    uniform_band, n_draws, random_state
        Whether a uniform band is computed by the multiplier bootstrap, with how many
        draws and which seed (``None``: fresh entropy).
    alpha
        The significance level of the intervals and the band.
    level_event_study
        The cells of the level event study: ``"binary"`` (the cohort's mean change less
        the comparison units') or ``"dose_as_indicator"`` (R ``contdid``'s: the doubly
        robust DiD with the dose in place of the treatment indicator).
    """

    outcome: str
    unit: str
    time: str
    dose: str
    first_treated: str
    target: Literal["level", "slope"]
    aggregation: Literal["dose", "event_time"]
    degree: int
    num_knots: int
    knots: tuple[float, ...]
    control_group: Literal["not_yet_treated", "never_treated"]
    base_period: Literal["varying", "universal"]
    anticipation: int
    dose_grid: tuple[float, ...]
    uniform_band: bool
    n_draws: int
    random_state: int | None
    alpha: float
    level_event_study: Literal["binary", "dose_as_indicator"] = "binary"
    function: ClassVar[str] = "evalkit.did.continuous_did"

    @property
    def inference(self) -> Clustered:  # type: ignore[override]
        """How the standard errors are computed: always analytic, from the influence
        functions, clustered by unit (the bootstrap only gives the uniform band)."""
        return Clustered(self.unit)
