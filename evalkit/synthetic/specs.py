"""What each synthetic control method was asked: typed, frozen specifications.

:func:`~evalkit.synthetic.synthetic_control` returns a result whose ``specification``
is a :class:`SyntheticControlSpec`, :func:`~evalkit.synthetic.synthetic_did` one whose
``specification`` is a :class:`SyntheticDiDSpec`; ``provenance.specification`` is
their plain dictionary view, :meth:`to_dict`. The inference is the typed kind of
:mod:`evalkit.inference.kinds`, never a dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from evalkit.data.panel import PanelSpec
from evalkit.inference.kinds import Bootstrap, Jackknife, NoInference, Placebo, PlaceboInSpace

__all__ = ["Predictor", "SyntheticControlSpec", "SyntheticDiDSpec"]


@dataclass(frozen=True)
class Predictor:
    """One predictor of a synthetic control: the mean of a variable over some periods.

    Attributes
    ----------
    label
        How tables name it, e.g. ``"cigsale (1975)"``.
    variable
        The outcome or covariate column averaged.
    periods
        The periods averaged over.
    """

    label: str
    variable: str
    periods: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that provenance records."""
        return {"label": self.label, "variable": self.variable, "periods": list(self.periods)}


@dataclass(frozen=True)
class SyntheticControlSpec:
    """What :func:`~evalkit.synthetic.synthetic_control` was asked, resolved against the data.

    Attributes
    ----------
    panel
        The description of the panel (:class:`~evalkit.data.PanelSpec`).
    treated_unit
        The treated unit.
    predictors
        The predictors matched (:class:`Predictor`), defaults filled in.
    fit_periods
        The pre-treatment periods whose outcomes the predictor weights are chosen to fit.
    v
        ``"optimize"``, ``"equal"`` or the predictor weights given.
    standardize
        Whether predictors were scaled by their standard deviation across units.
    inference
        ``PlaceboInSpace(...)`` (the placebo test was run) or ``NoInference()``.
    leave_one_out
        Whether the leave-one-out re-fits were run.
    """

    panel: PanelSpec
    treated_unit: Any
    predictors: tuple[Predictor, ...]
    fit_periods: tuple[Any, ...]
    v: Literal["optimize", "equal"] | tuple[float, ...]
    standardize: bool
    inference: PlaceboInSpace | NoInference
    leave_one_out: bool
    function: ClassVar[str] = "evalkit.synthetic.synthetic_control"

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"panel": self.panel.to_dict(), "treated_unit": self.treated_unit,
                "predictors": [p.to_dict() for p in self.predictors],
                "fit_periods": list(self.fit_periods),
                "v": self.v if isinstance(self.v, str) else list(self.v),
                "standardize": self.standardize, "inference": self.inference.to_dict(),
                "leave_one_out": self.leave_one_out}


@dataclass(frozen=True)
class SyntheticDiDSpec:
    """What :func:`~evalkit.synthetic.synthetic_did` was asked.

    Attributes
    ----------
    panel
        The description of the panel.
    method
        ``"sdid"``, ``"sc"`` or ``"did"``.
    inference
        ``Placebo(...)``, ``Bootstrap(...)``, ``Jackknife()`` or ``NoInference()``.
    alpha
        The significance level of the interval.
    max_iter
        The most iterations of the weight solver.
    noise_level
        The noise level given for the regularisation, or ``None`` (estimated).
    """

    panel: PanelSpec
    method: Literal["sdid", "sc", "did"]
    inference: Placebo | Bootstrap | Jackknife | NoInference
    alpha: float
    max_iter: int
    noise_level: float | None
    function: ClassVar[str] = "evalkit.synthetic.synthetic_did"

    def with_alpha(self, alpha: float) -> SyntheticDiDSpec:
        """The same specification at significance level ``alpha``."""
        return replace(self, alpha=alpha)

    def to_dict(self) -> dict[str, Any]:
        """The plain dictionary that ``provenance.specification`` records."""
        return {"panel": self.panel.to_dict(), "method": self.method,
                "inference": self.inference.to_dict(), "alpha": self.alpha,
                "max_iter": self.max_iter, "noise_level": self.noise_level}
