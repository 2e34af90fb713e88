"""Indicator definitions: what an indicator measures, which way is better, and its targets.

An indicator file is YAML::

    indicators:
      - code: pauvrete
        label: {fr: le taux de pauvreté, en: the poverty rate}
        unit: percentage
        direction: lower_is_better
        source: INSEE, Filosofi
        level: departement
        baseline: {period: 2015, value: 14.9}
        targets:
          - {period: 2030, value: 12.0}
        bounded: true
        notes: ""

A label is given in French and English (``fr`` and ``en``, both required) and may be given
in Dutch (``nl``: ``label: {fr: ..., en: ..., nl: het armoedecijfer}``). A report shows the
label in its language; when the file has no label in that language (a Dutch report of a file
without ``nl``), it shows the French label, else the English one (:meth:`Indicator.label_in`).

French labels read best as noun phrases with their article ("le taux de pauvreté"):
the reports' sentences on progress
(:func:`evalkit.reports.render.indicator_wording.progress_sentence`) use them as the
subject. Every problem in a file is reported at once, each naming its key path.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalkit._validation import Problems
from evalkit.errors import DataError, InputError, ParamsError
from evalkit.formatting import language_of

__all__ = [
    "Unit",
    "Direction",
    "Baseline",
    "Target",
    "Indicator",
    "load_indicators",
    "check_targets",
    "validate_against",
]

Unit = Literal["rate", "percentage", "count", "euros", "per_1000", "index", "ratio", "years"]
Direction = Literal["higher_is_better", "lower_is_better"]
UNITS: tuple[str, ...] = get_args(Unit)
DIRECTIONS: tuple[str, ...] = get_args(Direction)


@dataclass(frozen=True)
class Baseline:
    """The reference value of an indicator: ``value`` observed in ``period``."""

    period: int
    value: float


@dataclass(frozen=True)
class Target:
    """A quantified objective: reach ``value`` by ``period``."""

    period: int
    value: float


def _bounded_by_default(unit: str) -> bool:
    return unit == "percentage"


@dataclass(frozen=True)
class Indicator:
    """The definition of one indicator.

    Parameters
    ----------
    code
        Identifier, unique within a set of indicators (the ``indicator`` column of data).
    label
        The indicator's name, a mapping with keys ``"fr"`` and ``"en"``.
    unit
        One of ``"rate"``, ``"percentage"``, ``"count"``, ``"euros"``, ``"per_1000"``,
        ``"index"``, ``"ratio"``, ``"years"``.
    direction
        ``"higher_is_better"`` or ``"lower_is_better"``.
    source, level, notes
        Where the data come from, the geographic level ("commune", "departement",
        "region" ...), and free notes.
    baseline
        The reference value, or None.
    targets
        The quantified targets, sorted by period (possibly none).
    bounded
        True when the values are bounded in [0, 100] (percentages, shares): the
        progress thresholds without a target are then scaled down near the bound.
        Defaults to True for ``unit="percentage"``.

    Raises
    ------
    InputError
        Listing every problem: unknown unit or direction, a label without both
        languages, a target not after the baseline, two targets for one period, a
        bounded value outside [0, 100].
    """

    code: str
    label: Mapping[str, str]
    unit: Unit
    direction: Direction
    source: str = ""
    level: str = ""
    baseline: Baseline | None = None
    targets: tuple[Target, ...] = ()
    bounded: bool | None = None
    notes: str = ""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "label", MappingProxyType(dict(self.label)))
        targets = tuple(sorted(self.targets, key=lambda t: t.period))
        set_(self, "targets", targets)
        if self.bounded is None:
            set_(self, "bounded", _bounded_by_default(self.unit))
        problems = Problems()
        if not isinstance(self.code, str) or not self.code:
            problems.add(f"code={self.code!r}: must be non-empty text; got {self.code!r}")
        for language in ("fr", "en"):
            if not isinstance(self.label.get(language), str):
                problems.add(f"label[{language!r}]: must be text in each of 'fr', 'en'; "
                             f"got {self.label.get(language)!r}")
        for language, label in self.label.items():
            if language not in ("fr", "en") and not (isinstance(label, str) and label):
                problems.add(f"label[{language!r}]: must be non-empty text; got {label!r}")
        if self.unit not in UNITS:
            problems.add(f"unit={self.unit!r}: must be one of "
                         f"{', '.join(map(repr, UNITS))}; got {self.unit!r}")
        if self.direction not in DIRECTIONS:
            problems.add(f"direction={self.direction!r}: must be one of "
                         f"{', '.join(map(repr, DIRECTIONS))}; got {self.direction!r}")
        problems.extend(_consistency_problems(self, ""))
        problems.raise_if_any(InputError, f"Invalid definition of indicator {self.code!r}:")
        set_(self, "_hash", hash((self.code, self.unit, self.direction, self.targets)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def target(self) -> Target | None:
        """The last (final) target, or None without a target."""
        return self.targets[-1] if self.targets else None

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"

    def label_in(self, language: str = "fr") -> str:
        """The label in ``language`` (a language, ``"nl"``, or a locale, ``"nl-BE"``); the
        French label when there is none in that language, else the English one.

        >>> Indicator("x", {"fr": "le taux", "en": "the rate"}, "rate",
        ...           "lower_is_better").label_in("nl-BE")
        'le taux'
        """
        wanted = language_of(language)
        return next(self.label[key] for key in (wanted, "fr", "en") if self.label.get(key))

    def target_for(self, period: int) -> Target | None:
        """The target set for exactly ``period``, if any."""
        return next((t for t in self.targets if t.period == period), None)

    def next_target(self, after: int) -> Target | None:
        """The first target whose period is strictly after ``after``."""
        return next((t for t in self.targets if t.period > after), None)

    def is_reached(self, value: float, target: float) -> bool:
        """Whether ``value`` reaches ``target`` in the indicator's direction."""
        return value >= target if self.higher_is_better else value <= target


def _consistency_problems(ind: Any, prefix: str) -> list[str]:
    """Cross-field problems of one definition; ``prefix`` is its key path (``indicators[2].``)."""
    problems = []
    baseline, targets = ind.baseline, list(ind.targets)
    if baseline is not None:
        for i, t in enumerate(targets):
            if t.period <= baseline.period:
                problems.append(f"{prefix}targets[{i}].period: must be after the baseline period "
                                f"{baseline.period}; got {t.period}")
    seen: dict[int, int] = {}
    for i, t in enumerate(targets):
        if t.period in seen:
            problems.append(f"{prefix}targets[{i}].period: each period may have only one target "
                            f"(targets[{seen[t.period]}] is also for {t.period}); got {t.period}")
        seen.setdefault(t.period, i)
    bounded = ind.bounded if ind.bounded is not None else _bounded_by_default(ind.unit)
    if bounded or ind.unit == "percentage":
        points = [("baseline.value", baseline)] if baseline is not None else []
        points += [(f"targets[{i}].value", t) for i, t in enumerate(targets)]
        for key, point in points:
            if not 0 <= point.value <= 100:
                problems.append(f"{prefix}{key}: must be between 0 and 100 for a "
                                f"{'percentage' if ind.unit == 'percentage' else 'bounded'} "
                                f"indicator; got {point.value!r}")
    return problems


# --------------------------------------------------------------------------- file schema


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _LabelModel(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)
    nl: str | None = Field(default=None, min_length=1)


class _PointModel(_Strict):
    period: int
    value: float


class _IndicatorModel(_Strict):
    code: str = Field(min_length=1)
    label: _LabelModel
    unit: Unit
    direction: Direction
    source: str = ""
    level: str = ""
    baseline: _PointModel | None = None
    targets: list[_PointModel] = []
    bounded: bool | None = None
    notes: str = ""


class _IndicatorFile(_Strict):
    indicators: list[_IndicatorModel] = Field(min_length=1)


def _model_in_lists(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema section at ``loc``, stepping through list items."""
    model: Any = _IndicatorFile
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        candidates = [annotation, *get_args(annotation)]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
                     None)
        if model is None:
            inner = [a for c in candidates for a in get_args(c)]
            model = next((c for c in inner if isinstance(c, type) and issubclass(c, BaseModel)),
                         None)
    return model


def _with_allowed_keys(problem: str, exc: ValidationError) -> str:
    """Add the keys allowed in a list item's section to an "unknown key" problem."""
    marker = ": unknown key; got "
    if marker not in problem:
        return problem
    import difflib

    key_path = problem.split(marker, 1)[0]
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if error["type"] != "extra_forbidden" or not loc:
            continue
        text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        if text != key_path:
            continue
        section = _model_in_lists(loc[:-1])
        if section is None:
            return problem
        allowed = list(section.model_fields)
        extra = f"; the keys allowed here are {', '.join(allowed)}"
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if close:
            extra += f" (did you mean {close[0]!r}?)"
        return problem.replace(marker, ": unknown key" + extra + "; got ", 1)
    return problem


def load_indicators(path: str | Path) -> tuple[Indicator, ...]:
    """Read indicator definitions from a YAML file.

    The file is read without date coercion and with repeated keys reported; its
    schema is strict (an unknown key, a number given as text, a direction other
    than ``higher_is_better``/``lower_is_better`` are errors). Then the definitions
    are checked against each other: codes are unique, targets come after the
    baseline, one target per period, percentages lie in [0, 100].

    Parameters
    ----------
    path
        The YAML file (see the module docstring for its layout).

    Returns
    -------
    tuple of Indicator
        In file order.

    Raises
    ------
    ParamsError
        Listing every problem, each naming its key path, e.g.
        ``indicators[2].direction: must be one of 'higher_is_better',
        'lower_is_better'; got 'up'``.
    """
    # The YAML reader and the wording of schema errors are shared with params files.
    from evalkit._schema_errors import format_validation_errors
    from evalkit._yaml import read_params_yaml

    raw, problems = read_params_yaml(path)
    try:
        parsed = _IndicatorFile.model_validate(raw)
    except ValidationError as exc:
        problems += [_with_allowed_keys(p, exc) for p in format_validation_errors(
            exc, _IndicatorFile)]
        raise ParamsError(path, problems) from None

    first_seen: dict[str, int] = {}
    for i, item in enumerate(parsed.indicators):
        if item.code in first_seen:
            first = first_seen[item.code]
            problems.append(f"indicators[{i}].code: must be unique (indicators[{first}] has the "
                            f"same code); got {item.code!r}")
        first_seen.setdefault(item.code, i)
        problems += _consistency_problems(item, f"indicators[{i}].")
    if problems:
        raise ParamsError(path, problems)
    return tuple(
        Indicator(
            code=item.code,
            label={"fr": item.label.fr, "en": item.label.en,
                   **({"nl": item.label.nl} if item.label.nl is not None else {})},
            unit=item.unit,
            direction=item.direction,
            source=item.source,
            level=item.level,
            baseline=(Baseline(item.baseline.period, float(item.baseline.value))
                      if item.baseline is not None else None),
            targets=tuple(Target(t.period, float(t.value)) for t in item.targets),
            bounded=item.bounded,
            notes=item.notes,
        )
        for item in parsed.indicators
    )


def check_targets(indicators: Iterable[Indicator], current_period: int | None = None) -> None:
    """Check that targets lie ahead: after the baseline and not before ``current_period``.

    Parameters
    ----------
    indicators
        The definitions to check.
    current_period
        Today's period (e.g. the current year) when the definitions are set up;
        a target before it is already past, which is an error.

    Raises
    ------
    InputError
        Listing every target in the past, naming the indicator and the target.
    """
    problems = Problems()
    for ind in indicators:
        for i, t in enumerate(ind.targets):
            if ind.baseline is not None and t.period <= ind.baseline.period:
                problems.add(f"{ind.code}.targets[{i}].period: must be after the baseline period "
                             f"{ind.baseline.period}; got {t.period}")
            if current_period is not None and t.period < current_period:
                problems.add(f"{ind.code}.targets[{i}].period: must not be before the current "
                             f"period {current_period} (a target in the past); got {t.period}")
    problems.raise_if_any(InputError, "Invalid indicator targets:")


def validate_against(indicator: Indicator, series: pd.Series) -> None:
    """Check that observed values fit the indicator's unit.

    A ``percentage`` (or bounded) indicator must lie in [0, 100]; a ``count`` must
    hold non-negative whole numbers; every value must be a number.

    Raises
    ------
    DataError
        Naming the indicator and the offending periods.
    """
    problems = Problems()
    values = pd.to_numeric(pd.Series(series), errors="coerce")
    not_numbers = values.isna() & pd.Series(series).notna()
    if not_numbers.any():
        problems.add(f"{indicator.code}: values must be numbers; got "
                     f"{pd.Series(series)[not_numbers].head(5).to_dict()!r}")
    values = values.dropna()

    def _periods(mask: pd.Series) -> str:
        shown = values[mask].head(5)
        return ", ".join(f"{p}: {v!r}" for p, v in shown.items())

    if indicator.unit == "percentage" or indicator.bounded:
        bad = (values < 0) | (values > 100)
        if bad.any():
            problems.add(f"{indicator.code}: a {indicator.unit} indicator must lie between 0 and "
                         f"100; got {_periods(bad)}")
    if indicator.unit == "count":
        bad = (values < 0) | values.map(lambda v: not float(v).is_integer()
                                        if math.isfinite(v) else True).astype(bool)
        if bad.any():
            problems.add(f"{indicator.code}: a count must be a non-negative whole number; "
                         f"got {_periods(bad)}")
    problems.raise_if_any(DataError, f"Data do not fit the definition of {indicator.code!r}:")


def _as_sequence(indicators: Indicator | Sequence[Indicator]) -> tuple[Indicator, ...]:
    if isinstance(indicators, Indicator):
        return (indicators,)
    out = tuple(indicators)
    bad = [type(i).__name__ for i in out if not isinstance(i, Indicator)]
    if bad:
        raise InputError(f"indicators: must be Indicator definitions; got {', '.join(bad)}")
    return out
