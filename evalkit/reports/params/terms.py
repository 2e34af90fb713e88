"""evalkit's messages in the terms of the params file.

An error raised by the library names Python arguments (``bin_endpoints=True``); a report
run shows it with the params keys the user wrote (``event_study.bin_endpoints: true``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from evalkit.errors import EvalkitError

__all__ = ["ParamsTerms", "DESIGN_TERMS", "EVENT_STUDY_TERMS", "STAGGERED_TERMS",
           "SENSITIVITY_TERMS", "SYNTHETIC_TERMS", "params_wording", "reworded",
           "raise_reworded"]


@dataclass(frozen=True)
class ParamsTerms:
    """How the argument names of one kind of evalkit call read as params keys.

    Attributes
    ----------
    arguments
        Argument name -> params key (``"window"`` -> ``"event_study.window"``); a key may
        come with a function that turns the argument's value into the key's value.
    phrases
        Whole phrases replaced first (Python idioms that have a params equivalent).
    """

    arguments: Mapping[str, str | tuple[str, Callable[[str], str]]]
    phrases: Mapping[str, str] = field(default_factory=dict)

    def extend(self,
               arguments: Mapping[str, str | tuple[str, Callable[[str], str]] | None]
               | None = None,
               phrases: Mapping[str, str] | None = None) -> ParamsTerms:
        """These terms with more (or other) arguments and phrases; an argument mapped to
        ``None`` is left as it is (it has no params key in that call)."""
        merged = {**self.arguments, **(arguments or {})}
        return ParamsTerms({k: v for k, v in merged.items() if v is not None},
                           {**self.phrases, **(phrases or {})})


def _level_of(alpha: str) -> str:
    try:
        return f"{1 - float(alpha):g}"
    except ValueError:
        return alpha


DESIGN_TERMS = ParamsTerms(
    {**{name: f"design.{name}" for name in ("unit", "time", "outcome", "treatment",
                                             "first_treated", "treated", "post", "covariates",
                                             "weights")},
     "cluster": "inference.cluster", "vcov": "inference.kind", "inference": "inference.kind",
     "sample": "data.sample", "sheet": "data.sheet",
     "alpha": ("inference.confidence_level", _level_of)},
    {"drop them first, or pass missing='drop'": "remove those rows from the data file, or "
                                                "leave them out with data.sample",
     "build the Panel without covariates=": "remove design.covariates",
     "build the Panel without weights=": "remove design.weights",
     "Drop these covariates.": "Remove them from design.covariates.",
     "Remove such covariates from the panel.": "Remove them from design.covariates."})
EVENT_STUDY_TERMS = DESIGN_TERMS.extend(
    {"window": "event_study.window", "reference": "event_study.reference",
     "bin_endpoints": "event_study.bin_endpoints"},
    {"Drop these covariates.": "Remove them from design.covariates, or, for relative periods "
                               "(e-2, e+4 ...), choose a narrower event_study.window.",
     "with a window)": "and event_study.window)", "e.g. (-4, 3)": "e.g. [-4, 3]",
     "use an estimator for staggered adoption": "use an estimator for staggered adoption "
                                                "(design.estimator: callaway_santanna, "
                                                "sun_abraham or imputation)"})
STAGGERED_TERMS = DESIGN_TERMS.extend(
    {"control_group": "staggered.control_group", "method": "staggered.method",
     "base_period": "staggered.base_period", "anticipation": "staggered.anticipation",
     "n_boot": "staggered.n_draws", "n_draws": "staggered.n_draws",
     "random_state": "staggered.random_state"})
SENSITIVITY_TERMS = STAGGERED_TERMS.extend(
    {"parameter": "sensitivity.target", "n_boot": "sensitivity.n_draws",
     "n_draws": "sensitivity.n_draws", "random_state": "sensitivity.random_state",
     "base_period": "staggered.base_period"},
    {"honest_did_from_estimates": "an event study with one reference period"})
SYNTHETIC_TERMS = DESIGN_TERMS.extend(
    {"se": "synthetic.inference", "n_reps": "synthetic.n_draws",
     "n_draws": "synthetic.n_draws", "inference": "synthetic.inference",
     "random_state": "synthetic.random_state", "predictors": "synthetic.predictor_periods",
     "placebo": "synthetic.placebo_in_space", "leave_one_out": "synthetic.leave_one_out"},
    {f"inference={kind.title()}()": f"synthetic.inference: {kind}"
     for kind in ("placebo", "bootstrap", "jackknife")})

_VALUE = r"'[^']*'|\"[^\"]*\"|\([^()]*\)|\[[^\[\]]*\]|-?[\w.]*\w"
_YAML = {"True": "true", "False": "false", "None": "null"}


def _yaml_value(value: str) -> str:
    if value[:1] in "'\"" and value[-1:] == value[:1]:
        return value[1:-1]
    if value.startswith("(") and value.endswith(")"):
        return "[" + value[1:-1].rstrip(", ") + "]"
    return _YAML.get(value, value)


def params_wording(message: str, terms: ParamsTerms) -> str:
    """``message`` with the Python arguments it names written as params keys.

    ``bin_endpoints=True`` becomes ``event_study.bin_endpoints: true`` and
    ``window=(-4, 3)`` becomes ``event_study.window: [-4, 3]`` (with
    :data:`EVENT_STUDY_TERMS`); names the terms do not know are left as they are.
    """
    for phrase, replacement in terms.phrases.items():
        message = message.replace(phrase, replacement)
    if not terms.arguments:
        return message
    names = "|".join(sorted(map(re.escape, terms.arguments), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])({names})=({_VALUE})?")

    def params_key(match: re.Match[str]) -> str:
        target = terms.arguments[match[1]]
        key, convert = target if isinstance(target, tuple) else (target, None)
        if match[2] is None:
            return key
        value = _yaml_value(match[2])
        return f"{key}: {convert(value) if convert else value}"

    return pattern.sub(params_key, message)


def reworded(exc: EvalkitError, terms: ParamsTerms) -> EvalkitError:
    """The error with its message and problems in the params' terms: a new error of the
    same class, or ``exc`` itself when nothing changes (or its class takes other
    arguments, as :class:`~evalkit.errors.ParamsError` does)."""
    message = params_wording(exc.message, terms)
    problems = [params_wording(p, terms) for p in exc.problems]
    if (message == exc.message and tuple(problems) == exc.problems) or \
            type(exc).__init__ is not EvalkitError.__init__:
        return exc
    return type(exc)(message, problems)


def raise_reworded(exc: EvalkitError, terms: ParamsTerms) -> NoReturn:
    """Raise ``exc`` in the params' terms (see :func:`reworded`)."""
    again = reworded(exc, terms)
    if again is exc:
        raise exc
    raise again from exc


