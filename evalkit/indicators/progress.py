"""Progress of an indicator toward its target, by the Eurostat SDG method.

Method
------
Let :math:`t_0` be the start of the window and :math:`t` its end (the latest
observation), :math:`x_{t_0}` and :math:`x_t` the values, :math:`\\tau` the target
period and :math:`x^*` the target value. The compound annual growth rates are

.. math::

    \\mathrm{CAGR}_a = (x_t / x_{t_0})^{1/(t - t_0)} - 1, \\qquad
    \\mathrm{CAGR}_r = (x^* / x_{t_0})^{1/(\\tau - t_0)} - 1 .

Periods are years; a missing year simply lengthens the gap :math:`t - t_0`.

**With a quantified target** (Eurostat 2023, methodological annex; Open SDG
"methodology 2"): if :math:`x_t` already reaches :math:`x^*` in the indicator's
direction the status is *target achieved*; otherwise the ratio

.. math::  R = s\\,d\\,\\mathrm{CAGR}_a / |\\mathrm{CAGR}_r|

(:math:`d = +1` when higher is better, :math:`-1` when lower is better; :math:`s = -1`
when the values are negative, as in Open SDG) gives *on track* if
:math:`R \\ge 0.95`, *progress, acceleration needed* if :math:`0.60 \\le R < 0.95`,
*limited progress* if :math:`0 \\le R < 0.60`, *deterioration* if :math:`R < 0`.

**Without a target** (Open SDG "methodology 1", the thresholds Eurostat used for
indicators without a quantified target): :math:`p = s\\,d\\,\\mathrm{CAGR}_a` gives
*significant progress* if :math:`p \\ge 1.5\\%` a year, *moderate progress* if
:math:`0.5\\% \\le p < 1.5\\%`, *insufficient progress* if :math:`0 \\le p < 0.5\\%`,
*moving away* if :math:`p < 0`.

**Bounded indicators** (percentages in [0, 100]; Open SDG ``limit``): close to the
bound a constant growth rate is out of reach, so without a target the three
thresholds are multiplied by a coefficient computed from the start value
:math:`b` and the bound :math:`L` (100 when higher is better, 0 when lower is
better), with exponent :math:`a = 4.44`:
:math:`c = 1` if :math:`b \\ge 2L`; :math:`c = 1 - (b/L)^a` if :math:`b \\le L`;
:math:`c = 1 - ((2L - b)/L)^a` otherwise. With :math:`L = 0` (lower is better),
:math:`c = 1`. Open SDG ignores the bound when a target is given; so do we.

**Zero and negative values.** The CAGR is undefined when the start value is zero
or when the start and latest values (or the start value and the target) have
opposite signs. Open SDG replaces a zero start value by 0.001 and reports sign
changes as "not available"; we report *insufficient data* in both cases, with the
reason, rather than a rate driven by an arbitrary substitute (transform such
series, e.g. to a level plus a constant, before assessing them). When both
values are negative the rate is computed on their ratio and its sign reversed
(Open SDG's ``sign``). A target of exactly zero is replaced by 0.001 in the
required rate, as Open SDG does (a compound rate never reaches zero).

**The pace needed from now on.** The status compares the pace since the start of the
window with the pace the *reference path* (from the start value to the target) required,
as Eurostat does. What a reader needs next is different: the pace that would reach the
target from the *latest* value, :math:`(x^* / x_t)^{1/(\tau - t)} - 1`
(``needed_growth``). An assessment carries both; the reports' sentences
(:func:`evalkit.reports.render.indicator_wording.progress_sentence`) state both, each in
its own words.

**Windows.** Long term: from the baseline (the observation at the baseline period,
or the definition's baseline value if that period is not observed; the first
observation without a baseline) to the latest observation. Short term: the
observations of the last ``short_years`` years, ``[t - short_years, t]``
(Eurostat's five-year short-term assessment). The target used is the first one
after the latest observation, or the last one if all are past.

References
----------
Eurostat (2023). *Sustainable development in the European Union — Monitoring report
on progress towards the SDGs in an EU context*, Annex II "Methodological notes":
assessment of progress towards quantified and non-quantified targets.

Open SDG, sdg-build ``ProgressMeasure.py`` and "Progress status" documentation
(Statistics Canada implementation): growth calculation, thresholds, ``limit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_choice
from evalkit.errors import DataError, InputError
from evalkit.indicators.definitions import Indicator, Target, _as_sequence
from evalkit.indicators.status import ProgressStatus

__all__ = [
    "ProgressThresholds",
    "ProgressAssessment",
    "assess_progress",
    "assess_all",
    "compound_annual_growth",
    "bounded_coefficient",
]

Horizon = Literal["long", "short"]
_ZERO_TARGET = 0.001  # Open SDG's substitute for a target of zero
_TIDY_COLUMNS = ["code", "horizon", "status", "start_period", "start_value", "end_period",
                 "end_value", "actual_growth", "required_growth", "needed_growth", "ratio",
                 "target_period", "target_value", "reason"]


@dataclass(frozen=True)
class ProgressThresholds:
    """The thresholds of the progress classification.

    Parameters
    ----------
    on_track, acceleration, limited
        With a target: lower bounds of the ratio of actual to required growth for
        *on track* (0.95), *acceleration needed* (0.60) and *limited progress* (0);
        below ``limited`` is *deterioration*.
    significant, moderate, insufficient
        Without a target: lower bounds of the direction-adjusted annual growth rate
        for *significant* (0.015), *moderate* (0.005) and *insufficient* (0)
        progress; below ``insufficient`` is *moving away*.
    bounded_exponent
        Exponent of the scaling coefficient for bounded indicators (Open SDG: 4.44).
    upper_bound
        The bound of a bounded indicator when higher is better (100).
    """

    on_track: float = 0.95
    acceleration: float = 0.60
    limited: float = 0.0
    significant: float = 0.015
    moderate: float = 0.005
    insufficient: float = 0.0
    bounded_exponent: float = 4.44
    upper_bound: float = 100.0

    def __post_init__(self) -> None:
        problems = Problems()
        for name in ("on_track", "acceleration", "limited", "significant", "moderate",
                     "insufficient", "bounded_exponent", "upper_bound"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value):
                problems.add(f"{name}={value!r}: must be a finite number; got {value!r}")
        if not problems:
            if not self.on_track > self.acceleration >= self.limited:
                problems.add(f"on_track={self.on_track!r}, acceleration={self.acceleration!r}, "
                             f"limited={self.limited!r}: must satisfy on_track > acceleration "
                             ">= limited")
            if not self.significant > self.moderate >= self.insufficient:
                problems.add(f"significant={self.significant!r}, moderate={self.moderate!r}, "
                             f"insufficient={self.insufficient!r}: must satisfy significant > "
                             "moderate >= insufficient")
            if self.bounded_exponent <= 0 or self.upper_bound <= 0:
                problems.add("bounded_exponent and upper_bound: must be positive; got "
                             f"{self.bounded_exponent!r} and {self.upper_bound!r}")
        problems.raise_if_any(InputError, "Invalid progress thresholds:")


def compound_annual_growth(start: float, end: float, years: float) -> float:
    """The compound annual growth rate ``(end / start) ** (1 / years) - 1``.

    Raises
    ------
    InputError
        If ``years <= 0`` or the ratio ``end / start`` is negative or undefined.
    """
    if years <= 0:
        raise InputError(f"years={years!r}: must be positive; got {years!r}")
    if start == 0 or end / start < 0:
        raise InputError(f"start={start!r}, end={end!r}: the growth rate needs two values of "
                         "the same sign, the first not zero")
    return (end / start) ** (1.0 / years) - 1.0


def bounded_coefficient(start: float, bound: float, exponent: float = 4.44) -> float:
    """Open SDG's threshold coefficient for a value ``start`` moving toward ``bound``."""
    b, limit = abs(start), abs(bound)
    if b >= 2 * limit:
        return 1.0
    if b <= limit:
        return 1.0 - (b / limit) ** exponent
    return 1.0 - ((2 * limit - b) / limit) ** exponent


@dataclass(frozen=True)
class ProgressAssessment:
    """The progress of one indicator over one window. Build it with :func:`assess_progress`.

    Codes and numbers only; :func:`evalkit.reports.render.indicator_wording.progress_sentence`
    and :func:`~evalkit.reports.render.indicator_wording.status_label` word them for a report.

    Attributes
    ----------
    actual_growth, required_growth
        Compound annual growth rates as fractions (0.012 is 1.2% a year), in the
        values' own terms (negative when the values fall): the pace observed over the
        window, and the pace the reference path from the window's start to the target
        required; ``required_growth`` is None without a target.
    needed_growth
        The pace that would reach the target from the latest value, by the target
        period: :math:`(x^* / x_t)^{1/(\tau - t)} - 1`. None without a target, when the
        target is reached, when its period is not after the latest observation, or
        when the rate is undefined (a change of sign).
    ratio
        Direction-adjusted ratio of actual to required growth (with a target), or
        None.
    progress_value
        The number compared with the thresholds: the ratio with a target, the
        direction-adjusted growth rate without.
    scaling
        The bounded-indicator coefficient applied to the no-target thresholds (1 otherwise).
    """

    indicator: Indicator
    status: ProgressStatus
    horizon: Horizon
    start_period: int | None
    start_value: float | None
    end_period: int | None
    end_value: float | None
    actual_growth: float | None
    required_growth: float | None
    ratio: float | None
    progress_value: float | None
    target: Target | None
    thresholds: ProgressThresholds
    scaling: float
    reason: str
    needed_growth: float | None = None

    def tidy(self) -> pd.DataFrame:
        """The assessment as a one-row table of codes and numbers (as :func:`assess_all`
        gives for several), with the columns of :func:`assess_all`."""
        return pd.DataFrame([self.record()], columns=_TIDY_COLUMNS)

    def record(self) -> dict[str, object]:
        """The assessment as one flat record: the row of :meth:`tidy`, as a dict."""
        return {
            "code": self.indicator.code,
            "horizon": self.horizon,
            "status": self.status.value,
            "start_period": self.start_period,
            "start_value": self.start_value,
            "end_period": self.end_period,
            "end_value": self.end_value,
            "actual_growth": self.actual_growth,
            "required_growth": self.required_growth,
            "needed_growth": self.needed_growth,
            "ratio": self.ratio,
            "target_period": self.target.period if self.target else None,
            "target_value": self.target.value if self.target else None,
            "reason": self.reason,
        }


def _clean_series(indicator: Indicator, series: pd.Series, as_of: int | None) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise InputError(f"series: must be a pandas Series indexed by period (year); got "
                         f"{type(series).__name__}")
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        raise DataError(f"{indicator.code}: values must be numbers; got "
                        f"{series[bad].head(5).to_dict()!r}")
    values = values.dropna().astype(float)
    try:
        index = pd.Index(values.index).astype(float)
    except (TypeError, ValueError):
        raise DataError(f"{indicator.code}: the series must be indexed by integer periods "
                        f"(years); got {list(values.index[:5])!r}") from None
    if len(index) and not all(float(p).is_integer() for p in index):
        raise DataError(f"{indicator.code}: the series must be indexed by integer periods "
                        f"(years); got {list(values.index[:5])!r}")
    values.index = index.astype(int)
    duplicated = values.index[values.index.duplicated()]
    if len(duplicated):
        raise DataError(f"{indicator.code}: each period must appear once; got "
                        f"{sorted(set(duplicated.tolist()))!r} more than once")
    values = values.sort_index()
    if as_of is not None:
        values = values[values.index <= as_of]
    return values


def assess_progress(
    indicator: Indicator,
    series: pd.Series,
    *,
    horizon: Horizon = "long",
    short_years: int = 5,
    thresholds: ProgressThresholds = ProgressThresholds(),
    as_of: int | None = None,
) -> ProgressAssessment:
    """Assess an indicator's progress toward its target (or along its trend).

    Parameters
    ----------
    indicator
        The definition: direction, baseline, targets, bounded.
    series
        Observed values indexed by integer period (year); missing years are allowed.
    horizon
        ``"long"``: from the baseline (or the first observation) to the latest;
        ``"short"``: the last ``short_years`` years.
    short_years
        Length of the short-term window (Eurostat: 5).
    thresholds
        The classification thresholds.
    as_of
        Ignore observations after this period.

    Returns
    -------
    ProgressAssessment
        See the module docstring for the method and its references.
    """
    problems = Problems()
    if not isinstance(indicator, Indicator):
        problems.add(f"indicator: must be an Indicator; got {type(indicator).__name__}")
    check_choice("horizon", horizon, ("long", "short"), problems)
    if isinstance(short_years, bool) or not isinstance(short_years, int) or short_years < 1:
        problems.add(f"short_years={short_years!r}: must be a positive whole number of years; "
                     f"got {short_years!r}")
    if not isinstance(thresholds, ProgressThresholds):
        problems.add(f"thresholds: must be a ProgressThresholds; got {type(thresholds).__name__}")
    if as_of is not None and (isinstance(as_of, bool) or not isinstance(as_of, int | np.integer)):
        problems.add(f"as_of={as_of!r}: must be a period (an integer year) or None; got {as_of!r}")
    problems.raise_if_any(InputError, "Invalid arguments to assess_progress:")

    values = _clean_series(indicator, series, as_of)

    def result(status: ProgressStatus, reason: str, **kw: object) -> ProgressAssessment:
        fields = dict(start_period=None, start_value=None, end_period=None, end_value=None,
                      actual_growth=None, required_growth=None, ratio=None,
                      progress_value=None, target=None, scaling=1.0)
        fields.update(kw)
        return ProgressAssessment(indicator=indicator, status=status, horizon=horizon,
                                  thresholds=thresholds, reason=reason, **fields)  # type: ignore[arg-type]

    if values.empty:
        return result(ProgressStatus.INSUFFICIENT_DATA, "no observation")
    end_period, end_value = int(values.index[-1]), float(values.iloc[-1])

    base = indicator.baseline
    if horizon == "long":
        if base is not None and base.period <= end_period:
            window = values[values.index >= base.period]
            if base.period in window.index:
                start_period, start_value = base.period, float(window.loc[base.period])
            else:
                start_period, start_value = base.period, float(base.value)
            n_points = len(window) + (base.period not in window.index)
        else:
            window = values
            start_period, start_value = int(window.index[0]), float(window.iloc[0])
            n_points = len(window)
        where = f"from {start_period} to {end_period}"
    else:
        window = values[values.index >= end_period - short_years]
        start_period, start_value = int(window.index[0]), float(window.iloc[0])
        n_points = len(window)
        where = f"in the last {short_years} years ({end_period - short_years}-{end_period})"

    known = dict(start_period=start_period, start_value=start_value, end_period=end_period,
                 end_value=end_value)
    if n_points < 2 or start_period >= end_period:
        return result(ProgressStatus.INSUFFICIENT_DATA,
                      f"fewer than 2 observations {where}", **known)

    target = indicator.next_target(end_period) or indicator.target
    known["target"] = target
    if (target is not None and target.period > end_period and end_value != 0
            and not indicator.is_reached(end_value, target.value)):
        aim = _ZERO_TARGET if target.value == 0 else target.value
        if aim * end_value > 0:
            known["needed_growth"] = compound_annual_growth(end_value, aim,
                                                            target.period - end_period)
    if start_value == 0 or start_value * end_value < 0:
        return result(ProgressStatus.INSUFFICIENT_DATA,
                      f"the growth rate is undefined from {start_value!r} in {start_period} to "
                      f"{end_value!r} in {end_period} (a zero start value or a change of sign)",
                      **known)

    sign = -1.0 if start_value < 0 else 1.0
    direction = 1.0 if indicator.higher_is_better else -1.0
    actual = compound_annual_growth(start_value, end_value, end_period - start_period)
    adjusted = sign * direction * actual
    known["actual_growth"] = actual

    if target is None:
        scaling = 1.0
        if indicator.bounded:
            bound = thresholds.upper_bound if indicator.higher_is_better else 0.0
            scaling = bounded_coefficient(start_value, bound, thresholds.bounded_exponent)
        t = thresholds
        if adjusted >= t.significant * scaling:
            status = ProgressStatus.SIGNIFICANT_PROGRESS
        elif adjusted >= t.moderate * scaling:
            status = ProgressStatus.MODERATE_PROGRESS
        elif adjusted >= t.insufficient * scaling:
            status = ProgressStatus.INSUFFICIENT_PROGRESS
        else:
            status = ProgressStatus.MOVING_AWAY
        return result(status, f"no quantified target: annual growth {where} against the "
                      f"thresholds", progress_value=adjusted, scaling=scaling, **known)

    if indicator.is_reached(end_value, target.value):
        return result(ProgressStatus.TARGET_ACHIEVED,
                      f"the latest value ({end_value!r} in {end_period}) reaches the target "
                      f"({target.value!r} for {target.period})", **known)
    if target.period <= start_period:
        return result(ProgressStatus.INSUFFICIENT_DATA,
                      f"the target period {target.period} is not after the start of the window "
                      f"({start_period})", **known)
    target_value = _ZERO_TARGET if target.value == 0 else target.value
    if target_value * start_value < 0:
        return result(ProgressStatus.INSUFFICIENT_DATA,
                      f"the required growth rate is undefined from {start_value!r} to the "
                      f"target {target.value!r} (a change of sign)", **known)
    required = compound_annual_growth(start_value, target_value, target.period - start_period)
    known["required_growth"] = required
    if required == 0:
        # Started exactly at the target and has since moved away from it.
        return result(ProgressStatus.DETERIORATION,
                      f"the target equals the start value and the latest value moved away {where}",
                      progress_value=adjusted, **known)
    ratio = adjusted / abs(required)
    t = thresholds
    if ratio >= t.on_track:
        status = ProgressStatus.ON_TRACK
    elif ratio >= t.acceleration:
        status = ProgressStatus.ACCELERATION_NEEDED
    elif ratio >= t.limited:
        status = ProgressStatus.LIMITED_PROGRESS
    else:
        status = ProgressStatus.DETERIORATION
    return result(status, f"ratio of actual to required annual growth {where}",
                  ratio=ratio, progress_value=ratio, **known)


def assess_all(
    indicators: Indicator | Sequence[Indicator],
    data: pd.DataFrame,
    *,
    horizons: Sequence[Horizon] = ("long", "short"),
    short_years: int = 5,
    thresholds: ProgressThresholds = ProgressThresholds(),
    as_of: int | None = None,
) -> pd.DataFrame:
    """Assess every indicator over every horizon, as one table.

    Parameters
    ----------
    indicators
        The definitions.
    data
        Long table with columns ``indicator`` (the code), ``period`` and ``value``.
    horizons, short_years, thresholds, as_of
        As in :func:`assess_progress`.

    Returns
    -------
    pandas.DataFrame
        One row per indicator and horizon, the columns of
        :meth:`ProgressAssessment.tidy`: ``code``, ``horizon``, ``status`` (a
        :class:`~evalkit.indicators.status.ProgressStatus` value), ``start_period``,
        ``start_value``, ``end_period``, ``end_value``, ``actual_growth``,
        ``required_growth``, ``needed_growth``, ``ratio``, ``target_period``,
        ``target_value``, ``reason``. An indicator without data is *insufficient
        data*.
    """
    defs = _as_sequence(indicators)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in ("indicator", "period", "value") if c not in data.columns]
    if missing:
        raise DataError(f"data: must have the columns 'indicator', 'period', 'value'; "
                        f"missing {', '.join(map(repr, missing))}")
    for h in horizons:
        if h not in ("long", "short"):
            raise InputError(f"horizons: each must be one of 'long', 'short'; got {h!r}")
    rows = []
    for ind in defs:
        subset = data[data["indicator"] == ind.code]
        series = pd.Series(subset["value"].to_numpy(), index=subset["period"].to_numpy())
        for h in horizons:
            a = assess_progress(ind, series, horizon=h, short_years=short_years,
                                thresholds=thresholds, as_of=as_of)
            rows.append(a.record())
    return pd.DataFrame(rows, columns=_TIDY_COLUMNS)
