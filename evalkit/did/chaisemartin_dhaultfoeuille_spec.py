"""What :func:`~evalkit.did.chaisemartin_dhaultfoeuille` was asked: a typed, frozen record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from evalkit.did.specs import _Estimated
from evalkit.inference.kinds import Clustered

__all__ = ["IntertemporalEffectsSpec"]


@dataclass(frozen=True)
class IntertemporalEffectsSpec(_Estimated):
    """What :func:`~evalkit.did.chaisemartin_dhaultfoeuille` was asked, with the options
    resolved against the data.

    Attributes
    ----------
    outcome, unit, time, treatment
        The columns of the outcome, the groups (units), the periods and the treatment.
    controls
        The control columns whose changes are netted out of the outcome changes.
    effects
        The number of event-study effects estimated (``DID_1 ... DID_L``).
    placebos
        The number of placebos estimated (``DID^pl_1 ...``).
    normalized
        Whether each effect is divided by the switchers' cumulated treatment change.
    weights
        The column of cell weights, or ``None`` (every unit-period counts once).
    same_switchers
        Whether every effect uses only the switchers for which all the effects can be estimated.
    only_never_switchers
        Whether the comparison groups are only those whose treatment never changes.
    switchers
        ``"both"``, ``"in"`` (first change upwards only) or ``"out"`` (downwards only).
    linear_trends
        Whether each unit has a linear trend of its own (outcome first-differenced).
    effects_equal
        Whether the test that all effects are equal was asked for.
    keep_both_sides
        Whether the periods after a unit's treatment has been both above and below its baseline
        are kept (the reference package drops them by default).
    missing
        ``"error"``, ``"drop"`` or ``"outcome_gaps"``: what was done with missing values.
    inference
        ``Clustered`` with its column named (the unit column by default).
    alpha
        The significance level of the intervals.
    """

    outcome: str
    unit: str
    time: str
    treatment: str
    controls: tuple[str, ...]
    effects: int
    placebos: int
    normalized: bool
    weights: str | None
    same_switchers: bool
    only_never_switchers: bool
    switchers: Literal["both", "in", "out"]
    linear_trends: bool
    effects_equal: bool
    keep_both_sides: bool
    missing: Literal["error", "drop", "outcome_gaps"]
    inference: Clustered
    alpha: float
    function: ClassVar[str] = "evalkit.did.chaisemartin_dhaultfoeuille"

    @property
    def cluster(self) -> str | None:
        """The clustering column of the standard errors."""
        return self.inference.cluster

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {**super().to_dict(), "cluster": self.cluster}
