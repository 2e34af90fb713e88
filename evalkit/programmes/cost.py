r"""The cost of a result: the amount spent per unit of effect, with Fieller's interval.

For an effect :math:`\hat\tau` (e.g. points of poverty rate, negative is good) estimated
with standard error :math:`s`, an amount spent :math:`S` (e.g. euros over the period)
and an exposure :math:`E` (e.g. thousands of household-years treated), the cost per unit
of effect in the direction sought is

.. math:: \text{cost} = \frac{S}{g \, E}, \qquad g = -\hat\tau \text{ (a decrease is
    sought)}, \quad g = \hat\tau \text{ (an increase is sought)},

e.g. euros per point of poverty rate avoided per 1,000 households during one year. It is
given only when :math:`g > 0` (a cost of a harm is not a cost per result).

Its confidence set is Fieller's for the ratio of :math:`a = S` (variance
:math:`s_S^2`, ``spent_std_error`` squared; 0 when the amount is known) to
:math:`b = g E` (variance :math:`s^2 E^2`), independent of each other, with the critical
value :math:`c` of the effect's own interval (see :mod:`evalkit.programmes.fieller`).
It is bounded exactly when the effect's interval :math:`\hat\tau \pm c s` excludes zero;
when it includes zero the cost has no upper bound and is never given as a finite number.
With the amount known, the bounded set is :math:`[S / (E \, g_{high}), S / (E \, g_{low})]`
for the effect's interval :math:`[g_{low}, g_{high}]` in the direction sought.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import InputError
from evalkit.programmes.fieller import (
    RatioInterval,
    check_df,
    check_level,
    critical_value,
    ratio_interval,
)
from evalkit.results import Coefficients, SingleEffectResult

__all__ = ["CostOfResult", "CostReading", "cost_of_result", "COST_KINDS"]

Desired = Literal["decrease", "increase"]
CostKind = Literal["finite", "unbounded", "wrong_direction", "no_effect"]
#: What :meth:`CostOfResult.reading` can say, with the meaning of each key.
COST_KINDS: dict[str, str] = {
    "finite": "the effect goes the way sought and its interval excludes zero: a cost per "
              "result with a finite interval [low, high]",
    "unbounded": "the effect goes the way sought but its interval includes zero: the data "
                 "are compatible with no effect, so the cost has no upper bound; low is the "
                 "smallest cost compatible with the data if the effect is real (0 when any "
                 "positive cost is), high is +inf",
    "wrong_direction": "the estimated effect goes the opposite way to the one sought: a cost "
                       "of a harm is not a cost per result, so no cost is given",
    "no_effect": "the estimated effect is exactly zero: no cost per result",
}
_SYMMETRY_TOLERANCE = 1e-8


@dataclass(frozen=True)
class CostReading:
    """What a cost of a result says, as values the report words in its language.

    Attributes
    ----------
    kind
        One of :data:`COST_KINDS`: ``"finite"``, ``"unbounded"``, ``"wrong_direction"``,
        ``"no_effect"``.
    cost
        The cost per unit of effect (``spent / (effect x exposure)``); NaN unless
        ``kind == "finite"``.
    low, high
        ``"finite"``: the bounds of the interval; ``"unbounded"``: the smallest cost
        compatible with the data if the effect is real (0 when any positive cost is) and
        ``+inf``; NaN otherwise.
    level
        The confidence level (0.95 for 95%).
    effect, effect_low, effect_high, effect_std_error
        The effect as estimated (signed) and its interval at ``level``.
    spent, exposure
        The amount spent and the exposure it is divided by.
    desired
        ``"decrease"`` or ``"increase"``: the direction of the effect sought.
    effect_unit, exposure_unit
        The units given (possibly empty).
    """

    kind: CostKind
    cost: float
    low: float
    high: float
    level: float
    effect: float
    effect_low: float
    effect_high: float
    effect_std_error: float
    spent: float
    exposure: float
    desired: Desired
    effect_unit: str
    exposure_unit: str

    def as_dict(self) -> dict[str, Any]:
        """The reading as a plain dictionary."""
        return asdict(self)


def _amount(x: float) -> str:
    return f"{x:,.2f}"


def _value(x: float) -> str:
    return f"{x:,.2f}" if abs(x) >= 100 else f"{x:.4g}"


@dataclass(frozen=True)
class CostOfResult:
    """The cost per unit of effect of a programme. Build it with :func:`cost_of_result`.

    Attributes
    ----------
    effect, std_error
        The estimated effect (signed, as estimated) and its standard error.
    effect_interval
        ``(low, high)``: the effect's confidence interval at ``level`` (for a result,
        the one it prints).
    level, df, critical_value
        The confidence level, the Student t degrees of freedom (``None``: standard
        normal) and the critical value used for both intervals.
    spent, spent_std_error
        The amount spent over the period and its standard error (0: known exactly).
    exposure
        What the cost is also divided by (e.g. 1,000-household-years treated; 1: none).
    desired
        ``"decrease"`` or ``"increase"``: the direction of the effect sought.
    effect_unit, exposure_unit
        The units, for the summary (e.g. ``"point of poverty rate"``,
        ``"1,000 household-years"``).
    source
        Where the effect comes from: the estimator's name, or ``"given"`` for numbers.
    kind
        One of :data:`COST_KINDS`.
    cost
        ``spent / (g x exposure)`` with ``g`` the effect in the direction sought; NaN
        unless ``kind == "finite"`` (see :attr:`reason`).
    interval
        Fieller's confidence set of the cost (a
        :class:`~evalkit.programmes.fieller.RatioInterval`, ratio
        ``spent / (g x exposure)``), whatever the kind: bounded exactly when the effect's
        interval excludes zero.
    reason
        Why no finite cost is given (English), or ``""``.
    """

    effect: float
    std_error: float
    effect_interval: tuple[float, float]
    level: float
    df: float | None
    critical_value: float
    spent: float
    spent_std_error: float
    exposure: float
    desired: Desired
    effect_unit: str
    exposure_unit: str
    source: str
    kind: CostKind
    cost: float
    interval: RatioInterval
    reason: str = ""

    # ------------------------------------------------------------------ reading
    def _bounds(self) -> tuple[float, float]:
        r = self.interval
        if self.kind == "finite":
            return r.low, r.high
        if self.kind != "unbounded":
            return math.nan, math.nan
        # The smallest positive cost in the set: (-inf, low] U [high, +inf) holds (0, low]
        # when low > 0, and every positive cost when high <= 0.
        if r.kind == "exclusive" and r.low <= 0:
            return max(r.high, 0.0), math.inf
        return 0.0, math.inf

    def reading(self) -> CostReading:
        """What the cost says, as values (see :class:`CostReading` and
        :data:`COST_KINDS`), for a report to word in its own language."""
        low, high = self._bounds()
        return CostReading(
            kind=self.kind, cost=self.cost, low=low, high=high, level=self.level,
            effect=self.effect, effect_low=self.effect_interval[0],
            effect_high=self.effect_interval[1], effect_std_error=self.std_error,
            spent=self.spent, exposure=self.exposure, desired=self.desired,
            effect_unit=self.effect_unit, exposure_unit=self.exposure_unit)

    # ------------------------------------------------------------------ text and table
    @property
    def _unit(self) -> str:
        unit = self.effect_unit or "unit of effect"
        text = f"{unit} {'avoided' if self.desired == 'decrease' else 'gained'}"
        if self.exposure_unit:
            text += f" per {self.exposure_unit}"
        elif self.exposure != 1:
            text += " per unit of exposure"
        return text

    @property
    def _per(self) -> str:
        return f"per {self._unit}"

    def summary(self) -> str:
        """The cost in plain English: what it means, what it does not, its interval."""
        pct = f"{100 * self.level:g}%"
        low, high = self.effect_interval
        uncertain = "of the effect and of the amount spent" if self.spent_std_error > 0 \
            else "of the effect (the amount spent is taken as known)"
        lines = []
        if self.kind == "finite":
            r = self.interval
            lines += [f"Cost of a result: {_amount(self.cost)} {self._per}.",
                      f"{pct} interval (Fieller): {_amount(r.low)} to {_amount(r.high)}; it "
                      f"accounts for the uncertainty {uncertain}."]
        else:
            lines.append(f"Cost of a result: none given. {self.reason}")
            if self.kind == "unbounded":
                at_least = self._bounds()[0]
                if at_least > 0:
                    lines.append(f"If the effect is real, the cost is at least "
                                 f"{_amount(at_least)} {self._per} (bound of the {pct} "
                                 "Fieller set).")
        lines.append(f"Effect: {_value(self.effect)} (std. error {_value(self.std_error)}; "
                     f"{pct} interval {_value(low)} to {_value(high)}; a {self.desired} is "
                     "sought), "
                     + ("given as numbers" if self.source == "given" else f"from {self.source}")
                     + f"; amount spent {_amount(self.spent)}"
                     + (f" (std. error {_amount(self.spent_std_error)})"
                        if self.spent_std_error > 0 else "")
                     + f"; exposure {self.exposure:,.6g}"
                     + (f" ({self.exposure_unit})" if self.exposure_unit else "") + ".")
        if self.kind in ("finite", "unbounded"):
            meaning = (f"on average, each {self._unit} cost {_amount(self.cost)}"
                       if self.kind == "finite"
                       else "a cost per result is what one unit of effect cost on average")
            lines += [
                f"What it means: {meaning}: the amount spent divided by the effect obtained "
                "times the exposure.",
                "What it does not mean: it assumes that every amount spent produced this "
                "effect and nothing else, and that nothing else produced it; it is an "
                "average over the whole amount, not the cost of one more euro (the next "
                "euros may buy more or less); it says nothing of the programme's other "
                "effects, which the same money may also have bought."]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def tidy(self) -> pd.DataFrame:
        """One row: ``kind, cost, low, high`` (as in :meth:`reading`), then
        ``interval_kind, interval_low, interval_high`` (Fieller's set as computed),
        ``level, effect, std_error, effect_low, effect_high, critical_value, df, spent,
        spent_std_error, exposure, desired, effect_unit, exposure_unit, source``."""
        low, high = self._bounds()
        return pd.DataFrame([{
            "kind": self.kind, "cost": self.cost, "low": low, "high": high,
            "interval_kind": self.interval.kind, "interval_low": self.interval.low,
            "interval_high": self.interval.high, "level": self.level, "effect": self.effect,
            "std_error": self.std_error, "effect_low": self.effect_interval[0],
            "effect_high": self.effect_interval[1], "critical_value": self.critical_value,
            "df": np.nan if self.df is None else self.df, "spent": self.spent,
            "spent_std_error": self.spent_std_error, "exposure": self.exposure,
            "desired": self.desired, "effect_unit": self.effect_unit,
            "exposure_unit": self.exposure_unit, "source": self.source}])


# ---------------------------------------------------------------------------- the effect
@dataclass(frozen=True)
class _Effect:
    estimate: float
    std_error: float
    low: float
    high: float
    level: float
    df: float | None
    c: float
    source: str


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(
        value, int | float | np.integer | np.floating)


def _from_result(result: Any, level: float | None) -> _Effect:
    name = type(result).__name__
    estimate = result.estimate
    if np.ndim(estimate) != 0:
        raise InputError(f"effect=<{name}>: must have one headline effect; this result has "
                         f"{np.size(estimate)} (one per cell or term): pass one aggregation "
                         "of it, e.g. result.overall()")
    estimate, se, alpha = float(estimate), float(result.std_error), result.alpha
    if alpha is None or not math.isfinite(se) or se <= 0:
        raise InputError(f"effect=<{name}>: must have a standard error and a confidence "
                         f"interval; this result has {'no' if alpha is None else 'no usable'} "
                         "interval (a permutation or placebo test gives a p-value only), so "
                         "the uncertainty of a cost cannot be computed from it")
    if not math.isfinite(estimate):
        raise InputError(f"effect=<{name}>: its estimate must be a finite number; got "
                         f"{estimate!r}")
    alpha = float(alpha) if level is None else 1.0 - float(level)
    table = result.conf_int(alpha)
    term = getattr(result, "effect_term", None)
    if term is not None and term in table.index:
        row = table.loc[term]
    elif len(table) == 1:
        row = table.iloc[0]
    else:  # pragma: no cover - every single-effect result names its term or has one row
        raise InputError(f"effect=<{name}>: cannot tell which row of its intervals is the "
                         "headline effect")
    low, high = float(row["lower"]), float(row["upper"])
    half = (high - low) / 2
    if not (math.isfinite(half) and half > 0) or abs((low + high) / 2 - estimate) > (
            _SYMMETRY_TOLERANCE * max(half, abs(estimate))):
        raise InputError(
            f"effect=<{name}>: its interval ({low:.6g} to {high:.6g}) is not the estimate "
            f"{estimate:.6g} plus or minus a critical value times its standard error (e.g. "
            "an interval by inverting a bootstrap test), so a cost interval consistent with "
            "it cannot be built; pass the numbers instead: effect=result.estimate, "
            "std_error=... and df=...")
    coefficients = getattr(result, "coefficients", None)
    if isinstance(coefficients, Coefficients):
        # The table's own reference distribution: Student t with its df, or the normal.
        df = float(coefficients.df) if coefficients.df else None
        c = coefficients.with_alpha(alpha).critical_value
    else:
        df, c = None, half / se
    return _Effect(estimate, se, low, high, 1.0 - alpha, df, c,
                   str(getattr(result, "estimator", name)))


def _from_numbers(effect: float, std_error: float, level: float | None,
                  df: float | None) -> _Effect:
    level = 0.95 if level is None else float(level)
    df = None if df is None else float(df)
    c = critical_value(level, df)
    estimate, se = float(effect), float(std_error)
    return _Effect(estimate, se, estimate - c * se, estimate + c * se, level, df, c, "given")


def _check(effect: object, spent: object, exposure: object, std_error: object, df: object,
           level: object, spent_std_error: object, desired: object, effect_unit: object,
           exposure_unit: object) -> None:
    problems = Problems()
    is_result = not _is_number(effect) and isinstance(effect, SingleEffectResult)
    if is_result:
        if std_error is not None:
            problems.add(f"std_error={std_error!r}: must be None when effect is a result (its "
                         f"own standard error is used); got {std_error!r}")
        if df is not None:
            problems.add(f"df={df!r}: must be None when effect is a result (the critical "
                         f"value of its own interval is used); got {df!r}")
    elif _is_number(effect):
        if not math.isfinite(float(effect)):
            problems.add(f"effect={effect!r}: must be a finite number; got {effect!r}")
        if std_error is None:
            problems.add("std_error=None: must be the standard error of the effect (a positive "
                         "number) when effect is a number; got None")
        elif not _is_number(std_error) or not math.isfinite(float(std_error)) or std_error <= 0:
            problems.add(f"std_error={std_error!r}: must be a positive finite number (the "
                         f"effect's standard error); got {std_error!r}")
        check_df(df, problems)
    else:
        problems.add(f"effect={effect!r}: must be a number or an evalkit result with one "
                     f"headline effect (estimate, std_error, alpha), e.g. a DiDResult; got "
                     f"{type(effect).__name__}")
    if not _is_number(spent) or not math.isfinite(float(spent)) or spent <= 0:
        problems.add(f"spent={spent!r}: must be a positive finite amount (the money spent over "
                     f"the period); got {spent!r}")
    if not _is_number(exposure) or not math.isfinite(float(exposure)) or exposure <= 0:
        problems.add(f"exposure={exposure!r}: must be a positive finite number (e.g. the "
                     f"1,000-household-years treated; 1 for none); got {exposure!r}")
    if not _is_number(spent_std_error) or not math.isfinite(float(spent_std_error)) or (
            spent_std_error < 0):
        problems.add(f"spent_std_error={spent_std_error!r}: must be a finite number >= 0 (0 "
                     f"when the amount spent is known); got {spent_std_error!r}")
    if level is not None:
        check_level(level, problems)
    check_choice("desired", desired, ("decrease", "increase"), problems)
    for name, value in (("effect_unit", effect_unit), ("exposure_unit", exposure_unit)):
        if not isinstance(value, str):
            problems.add(f"{name}={value!r}: must be text; got {type(value).__name__}")
    problems.raise_if_any(InputError, "Invalid arguments to cost_of_result:")


def cost_of_result(effect: float | SingleEffectResult, spent: float, *, exposure: float = 1.0,
                   std_error: float | None = None, df: float | None = None,
                   level: float | None = None, spent_std_error: float = 0.0,
                   desired: Desired = "decrease", effect_unit: str = "",
                   exposure_unit: str = "") -> CostOfResult:
    r"""The cost per unit of effect: ``spent / (|effect| x exposure)``, with Fieller's set.

    See the module's documentation for the formula. Example: euros per point of poverty
    rate avoided per 1,000 households during one year, with ``spent`` the euros spent over
    the period, ``effect`` the effect on the poverty rate in points (negative is good:
    ``desired="decrease"``) and ``exposure`` the number of 1,000-household-years treated.

    Parameters
    ----------
    effect
        The estimated effect: a number (then ``std_error`` is required), or an evalkit
        result with one headline effect (a
        :class:`~evalkit.results.contract.SingleEffectResult`: ``estimate``,
        ``std_error``, ``alpha``, ``conf_int``), e.g. a
        :class:`~evalkit.results.DiDResult` from ``did_2x2`` or ``twfe``, or an
        aggregation of a Callaway-Sant'Anna result (``result.overall()``).
    spent
        The amount actually spent over the period the effect is measured on (> 0).
    exposure
        What the effect is also counted per (> 0; default 1).
    std_error
        The effect's standard error, when ``effect`` is a number.
    df
        When ``effect`` is a number: Student t degrees of freedom of its interval
        (``None``: standard normal).
    level
        Confidence level. Default: the result's own (``1 - result.alpha``), or 0.95 for
        a number.
    spent_std_error
        Standard error of the amount spent, when it is itself estimated (default 0:
        known exactly); taken as independent of the effect.
    desired
        ``"decrease"`` (default; e.g. a poverty rate) or ``"increase"`` (e.g. graduates):
        the direction of the effect the programme seeks.
    effect_unit, exposure_unit
        Units for the summary, e.g. ``"point of poverty rate"``,
        ``"1,000 household-years"``.

    Returns
    -------
    CostOfResult
        With :attr:`~CostOfResult.cost` NaN and a reason when the effect is zero, goes
        the wrong way, or its interval includes zero (the cost is then unbounded).

    Notes
    -----
    The critical value is the one of the effect's own interval, so that the cost's
    interval matches the effect's interval the result prints: for a result with a
    coefficient table (:class:`~evalkit.results.DiDResult`, including the aggregations
    of a Callaway-Sant'Anna result), that table's reference distribution at the level
    (Student t with its degrees of freedom, e.g. OLS with classical or clustered standard
    errors; the standard normal when it has none, e.g. influence-function or bootstrap
    standard errors); for another single-effect result, the half-width of its interval
    divided by its standard error. A result whose interval is not symmetric around the
    estimate (a wild bootstrap interval by test inversion) or that has no interval (a
    permutation test, a synthetic control) is refused with the reason.

    Raises
    ------
    InputError
        Naming each argument at fault: ``spent`` not positive, ``exposure`` not
        positive, a value not finite, ``std_error`` missing or not positive for a number,
        ``std_error`` or ``df`` given with a result, a result without an interval.
    """
    _check(effect, spent, exposure, std_error, df, level, spent_std_error, desired,
           effect_unit, exposure_unit)
    if _is_number(effect):
        got = _from_numbers(effect, std_error, level, df)  # type: ignore[arg-type]
    else:
        got = _from_result(effect, level)
    spent, exposure = float(spent), float(exposure)
    sign = -1.0 if desired == "decrease" else 1.0
    g = sign * got.estimate
    interval = ratio_interval(spent, g * exposure, float(spent_std_error) ** 2,
                              (got.std_error * exposure) ** 2, 0.0, level=got.level, df=got.df,
                              c=got.c)
    pct = f"{100 * got.level:g}%"
    wrong = "an increase" if desired == "decrease" else "a decrease"
    if got.estimate == 0:
        kind, reason = "no_effect", ("The estimated effect is exactly zero: there is no "
                                     "result to divide the amount spent by.")
    elif g < 0:
        kind, reason = "wrong_direction", (
            f"The estimated effect goes the wrong way ({wrong} where {'a' if sign < 0 else 'an'}"
            f" {desired} is sought): a cost of a harm is not a cost per result.")
    elif interval.kind != "bounded":
        kind, reason = "unbounded", (
            f"The effect's {pct} interval ({_value(got.low)} to {_value(got.high)}) includes "
            "zero: the data are compatible with no effect at all, so the cost per result has no "
            "upper bound and cannot be given as a number.")
    else:
        kind, reason = "finite", ""
    cost = spent / (g * exposure) if kind == "finite" else math.nan
    return CostOfResult(
        effect=got.estimate, std_error=got.std_error, effect_interval=(got.low, got.high),
        level=got.level, df=got.df, critical_value=got.c, spent=spent,
        spent_std_error=float(spent_std_error), exposure=exposure, desired=desired,
        effect_unit=effect_unit, exposure_unit=exposure_unit, source=got.source, kind=kind,
        cost=cost, interval=interval, reason=reason)
