r"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from evalkit._deprecation import refuse_unknown, warn_renamed
from evalkit._validation import Problems
from evalkit.data.panel import Panel
from evalkit.errors import DataError, InputError
from evalkit.inference.kinds import NoInference, PlaceboInSpace
from evalkit.inference.registry import check_inference, register_inference
from evalkit.results.provenance import Provenance
from evalkit.results.synthetic_control import LeaveOneOut, PlaceboTest, SyntheticControlResult
from evalkit.synthetic._sc_inference import (
    Design,
    fit_unit,
    leave_one_out_fits,
    placebo_fits,
    rmspe,
)
from evalkit.synthetic._sc_predictors import PredictorSpec, period_text, predictor_matrix
from evalkit.synthetic.matrix import OutcomeMatrix, outcome_matrix
from evalkit.synthetic.specs import Predictor, SyntheticControlSpec

__all__ = ["synthetic_control", "placebo_in_space"]

Period = int | float
PeriodSet = Period | Sequence[Period]

_METHOD = "synthetic control"
_SHOW = 8


# ---------------------------------------------------------------------- validation
def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def _names(values: Sequence[Any]) -> str:
    shown = ", ".join(repr(_plain(v)) for v in list(values)[:_SHOW])
    return shown + (f" and {len(values) - _SHOW} more" if len(values) > _SHOW else "")


class _Periods:
    """Turns user-given periods into column indices, collecting every problem."""

    def __init__(self, matrix: OutcomeMatrix, problems: Problems) -> None:
        self.periods = matrix.periods
        self.n_pre = matrix.n_pre
        self.problems = problems
        pre = self.periods[:self.n_pre]
        self.pre_text = f"{_plain(pre[0])}-{_plain(pre[-1])}" if pre.size > 1 else \
            repr(_plain(pre[0]))

    def columns(self, name: str, given: Any) -> tuple[int, ...] | None:
        values = list(given) if isinstance(given, Sequence | range | np.ndarray) and \
            not isinstance(given, str) else [given]
        if not values:
            self.problems.add(f"{name}={given!r}: must name at least one pre-treatment period; "
                              "got an empty sequence")
            return None
        bad_type = [v for v in values if not _is_number(v)]
        if bad_type:
            self.problems.add(f"{name}={given!r}: must be a period or a sequence of periods "
                              f"(numbers, like the panel's time column); got {_names(bad_type)}")
            return None
        columns, unknown, late = [], [], []
        for value in values:
            hits = np.flatnonzero(self.periods == value)
            if hits.size == 0:
                unknown.append(value)
            elif hits[0] >= self.n_pre:
                late.append(value)
            else:
                columns.append(int(hits[0]))
        if unknown:
            self.problems.add(f"{name}={given!r}: must be periods of the panel; {_names(unknown)} "
                              f"not among its periods ({_plain(self.periods[0])} to "
                              f"{_plain(self.periods[-1])})")
        if late:
            self.problems.add(f"{name}={given!r}: must be pre-treatment periods "
                              f"({self.pre_text}); {_names(late)} is at or after the start of "
                              f"treatment ({_plain(self.periods[self.n_pre])})")
        if unknown or late:
            return None
        return tuple(sorted(set(columns)))


def _items(name: str, given: Any, problems: Problems) -> list[tuple[str | None, Any]] | None:
    """``[(label or None, value)]`` from a mapping or a sequence."""
    if isinstance(given, Mapping):
        return [(str(k), v) for k, v in given.items()]
    if isinstance(given, Sequence | range | np.ndarray) and not isinstance(given, str):
        return [(None, v) for v in given]
    problems.add(f"{name}={given!r}: must be a sequence or a mapping; got {type(given).__name__}")
    return None


def _predictor_specs(panel: Panel, matrix: OutcomeMatrix, predictors: Any, covariates: Any,
                     fit_periods: Any, problems: Problems
                     ) -> tuple[tuple[PredictorSpec, ...], np.ndarray]:
    periods = _Periods(matrix, problems)
    fit = (tuple(range(matrix.n_pre)) if fit_periods is None
           else periods.columns("fit_periods", fit_periods))
    fit_columns = np.array(fit if fit is not None else range(matrix.n_pre))
    specs: list[PredictorSpec] = []
    outcome = panel.outcome
    if predictors is None:
        specs += [PredictorSpec(f"{outcome} ({_plain(matrix.periods[c])})", None, (int(c),))
                  for c in fit_columns]
    else:
        items = _items("predictors", predictors, problems) or []
        if not items and isinstance(predictors, Sequence | Mapping):
            problems.add("predictors=[]: must name at least one predictor (or None for the "
                         "outcome in each pre-treatment period)")
        for label, value in items:
            columns = periods.columns(f"predictors[{label!r}]" if label else "predictors",
                                      value)
            if columns is not None:
                text = period_text(matrix.periods[list(columns)])
                specs.append(PredictorSpec(label or f"{outcome} ({text})", None, columns))
    if covariates is not None:
        items = _items("covariates", covariates, problems) or []
        for column, value in ((label, value) if label is not None else (value, None)
                              for label, value in items):
            if not isinstance(column, str) or column not in panel.covariates:
                declared = ", ".join(map(repr, panel.covariates)) or "none"
                problems.add(f"covariates: {column!r} must be one of the panel's covariates "
                             f"(declared with Panel(..., covariates=...): {declared}); got "
                             f"{column!r}")
                continue
            columns = (tuple(int(c) for c in fit_columns) if value is None
                       else periods.columns(f"covariates[{column!r}]", value))
            if columns is not None:
                specs.append(PredictorSpec(
                    f"{column} ({period_text(matrix.periods[list(columns)])})", column, columns))
    labels = [s.label for s in specs]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        problems.add(f"predictors: each predictor must appear once; {_names(repeated)} is given "
                     "more than once")
    return tuple(specs), fit_columns


def _check_options(v: Any, n_predictors: int, flags: Mapping[str, Any],
                   max_pre_mspe_ratio: Any, problems: Problems) -> str | np.ndarray:
    for name, value in flags.items():
        if not isinstance(value, bool | np.bool_):
            problems.add(f"{name}={value!r}: must be True or False; got {type(value).__name__}")
    if max_pre_mspe_ratio is not None and (not _is_number(max_pre_mspe_ratio)
                                           or not max_pre_mspe_ratio >= 1):
        problems.add(f"max_pre_mspe_ratio={max_pre_mspe_ratio!r}: must be None or a number >= 1 "
                     f"(ADH 2010 use 20, 5 and 2); got {max_pre_mspe_ratio!r}")
    if isinstance(v, str):
        if v not in ("optimize", "equal"):
            problems.add(f"v={v!r}: must be 'optimize', 'equal' or one non-negative weight per "
                         f"predictor; got {v!r}")
        return v
    values = np.asarray(v, dtype=float) if isinstance(v, Sequence | np.ndarray) and all(
        _is_number(x) for x in v) else None
    if values is None or values.ndim != 1:
        problems.add(f"v={v!r}: must be 'optimize', 'equal' or a sequence of numbers (one per "
                     f"predictor); got {type(v).__name__}")
        return "equal"
    if values.size != n_predictors:
        problems.add(f"v: must give one weight per predictor ({n_predictors}); got {values.size}")
    elif not np.all(np.isfinite(values)) or np.any(values < 0) or values.sum() <= 0:
        problems.add(f"v={list(values)}: weights must be finite, non-negative and not all zero")
    else:
        return values / values.sum()
    return "equal"


def _covariate_matrices(panel: Panel, matrix: OutcomeMatrix,
                        specs: tuple[PredictorSpec, ...]) -> dict[str, np.ndarray]:
    order = pd.Index(panel.units).get_indexer(matrix.units)
    out = {}
    for column in {s.variable for s in specs if s.variable is not None}:
        values = np.empty((panel.n_units, panel.n_periods))
        values[panel.unit_index, panel.period_index] = panel.values(column)
        out[column] = values[order]
    return out


def _design(panel: Any, predictors: Any, covariates: Any, fit_periods: Any, v: Any,
            standardize: Any, flags: Mapping[str, Any], max_pre_mspe_ratio: Any
            ) -> tuple[OutcomeMatrix, Design, tuple[PredictorSpec, ...]]:
    if not isinstance(panel, Panel):
        raise InputError(f"panel: must be an evalkit.Panel (see evalkit.data.Panel); got "
                         f"{type(panel).__name__}")
    matrix = outcome_matrix(panel, method=_METHOD)
    periods = matrix.periods
    if periods.dtype.kind == "f" and np.all(np.mod(periods, 1) == 0):
        periods = periods.astype(np.int64)  # years read as floats are shown as years
        periods.setflags(write=False)
        matrix = replace(matrix, periods=periods)
    if matrix.n_treated != 1:
        raise DataError(
            f"The panel cannot be used for {_METHOD}:",
            [f"{_METHOD} fits one treated unit; the panel has {matrix.n_treated} "
             f"({_names(matrix.treated_units)}). Fit each treated unit separately (a panel "
             "with that unit and the never-treated donors), average the treated units into "
             "one unit first, or use synthetic difference-in-differences."])
    problems = Problems()
    specs, fit_columns = _predictor_specs(panel, matrix, predictors, covariates, fit_periods,
                                          problems)
    v_checked = _check_options(v, len(specs), {"standardize": standardize, **flags},
                               max_pre_mspe_ratio, problems)
    problems.raise_if_any(InputError, f"Invalid arguments to {_METHOD}:")
    x = predictor_matrix(specs, matrix.y, _covariate_matrices(panel, matrix, specs))
    constant = [s.label for s, row in zip(specs, x, strict=True) if np.ptp(row) == 0]
    if constant:
        raise DataError(f"The predictors cannot be used for {_METHOD}:",
                        [f"predictor {label!r} takes the same value for every unit, so it "
                         "cannot tell donors apart; remove it" for label in constant])
    lags = covariates is None and sorted(s.columns for s in specs) == sorted(
        (int(c),) for c in fit_columns) and all(s.variable is None for s in specs)
    design = Design(y=matrix.y, x=x, n_control=matrix.n_control, n_pre=matrix.n_pre,
                    fit_columns=fit_columns, v=v_checked, standardize=bool(standardize),
                    predictors_are_fit_outcomes=bool(lags))
    return matrix, design, specs


def _specification(panel: Panel, specs: tuple[PredictorSpec, ...], matrix: OutcomeMatrix,
                   design: Design, inference: PlaceboInSpace | NoInference,
                   leave_one_out: bool) -> SyntheticControlSpec:
    predictors = tuple(
        Predictor(label=s.label, variable=s.variable or panel.outcome,
                  periods=tuple(_plain(matrix.periods[c]) for c in s.columns))
        for s in specs)
    return SyntheticControlSpec(
        panel=panel.specification, treated_unit=_plain(matrix.treated_units[0]),
        predictors=predictors,
        fit_periods=tuple(_plain(p) for p in matrix.periods[design.fit_columns]),
        v=design.v if isinstance(design.v, str) else tuple(float(x) for x in design.v),
        standardize=design.standardize, inference=inference, leave_one_out=leave_one_out)


# ---------------------------------------------------------------------- public API
_DEFAULT_INFERENCE = PlaceboInSpace()
register_inference("synthetic_control", PlaceboInSpace, NoInference)


def _placebo_options(inference: Any, deprecated: dict[str, Any]) -> tuple[Any, Any]:
    """``(placebo, max_pre_mspe_ratio)`` from ``inference`` or their deprecated keywords."""
    given = {name: deprecated.pop(name) for name in ("placebo", "max_pre_mspe_ratio")
             if name in deprecated}
    refuse_unknown("synthetic_control", deprecated)
    if not given:
        kind = check_inference("synthetic_control", inference)
        if isinstance(kind, NoInference):
            return False, None
        return True, kind.max_pre_mspe_ratio
    old = ", ".join(f"{name}={value!r}" for name, value in given.items())
    if inference is not _DEFAULT_INFERENCE:
        raise InputError("Invalid arguments to synthetic_control:",
                         [f"{old} and inference={inference!r}: must be given once; "
                          f"{', '.join(given)} are the deprecated spelling of inference"])
    placebo, ratio = given.get("placebo", True), given.get("max_pre_mspe_ratio")
    new = ("NoInference()" if placebo is False else "PlaceboInSpace()" if ratio is None
           else f"PlaceboInSpace(max_pre_mspe_ratio={ratio!r})")
    warn_renamed(old, f"inference={new}")
    return placebo, ratio


def synthetic_control(
    panel: Panel,
    *,
    predictors: Sequence[PeriodSet] | Mapping[str, PeriodSet] | None = None,
    covariates: Sequence[str] | Mapping[str, PeriodSet] | None = None,
    fit_periods: Sequence[Period] | None = None,
    v: Literal["optimize", "equal"] | Sequence[float] = "optimize",
    standardize: bool = True,
    inference: PlaceboInSpace | NoInference = _DEFAULT_INFERENCE,
    leave_one_out: bool = False,
    **deprecated: Any,
) -> SyntheticControlResult:
    r"""Estimate the effect of a treatment on one unit with a synthetic control.

    The synthetic control of the treated unit 1 is the weighted average of donors
    :math:`j = 2, \dots, J + 1` (never-treated units) whose weights :math:`W` lie on
    the simplex (non-negative, summing to one) and minimise the distance between the
    treated unit's predictors :math:`X_1` and the donors' :math:`X_0` (Abadie,
    Diamond & Hainmueller 2010, equations 1-3):

    .. math:: W^*(V) = \arg\min_{W \in \Delta^J} (X_1 - X_0W)'V(X_1 - X_0W).

    The estimand is the effect on the treated unit in each post-treatment period,
    :math:`\alpha_{1t} = Y_{1t}(1) - Y_{1t}(0)`, estimated by the gap
    :math:`\hat\alpha_{1t} = Y_{1t} - \sum_j W^*_j Y_{jt}`; the result also reports
    its mean over the post-treatment periods.

    **Predictors.** Each predictor is the outcome, or a covariate, averaged over a
    set of pre-treatment periods. By default the predictors are the outcome in each
    period of the optimisation period (all pre-treatment periods unless
    ``fit_periods`` says otherwise): the specification of the synthetic control
    column of Arkhangelsky et al. (2021, table 1). ADH (2010, table 1) used
    ``predictors=[1975, 1980, 1988]`` plus covariates averaged over 1980-1988.

    **Predictor weights V** (diagonal, non-negative, summing to one) are by default
    chosen, as in ADH (2010) and the R Synth package, to minimise the mean squared
    prediction error of the outcome over the optimisation period (nested
    optimisation: Nelder-Mead over :math:`v = |p|/\sum|p|` from equal and
    regression-based starting values, the better kept; the inner problem solved
    exactly by Wolfe's algorithm, see :mod:`evalkit.synthetic._sc_predictor_weights`).
    When the predictors are exactly the outcome in each optimisation period, the
    minimiser is known in closed form (weights equal on the raw outcomes) and no
    search is run. Predictors are divided by their standard deviation across units
    first (``standardize=True``, as Synth does); ``v`` then weighs the standardised
    predictors. When several weightings :math:`W` fit the predictors equally well
    (the treated unit inside the donors' convex hull), the one with the smallest
    MSPE over the optimisation period is kept.

    **Inference.** With ``inference=PlaceboInSpace()`` (the default) each donor is in
    turn treated as if it had been treated (its pool: the other donors) and the ratio
    of post- to pre-treatment RMSPE is computed for every unit; the p-value is the treated unit's
    rank divided by the number of units (ADH 2010, figure 8). Its ``max_pre_mspe_ratio``
    leaves out placebos whose pre-treatment MSPE exceeds that multiple of the treated
    unit's (ADH 2010, figures 5-7). With ``leave_one_out=True`` the treated unit is
    re-fitted once without each donor of positive weight (Abadie 2021).

    Parameters
    ----------
    panel
        A balanced panel with exactly one treated unit and at least two never-treated
        donors. Several treated units are refused: fit them one at a time, or average
        them into one unit first.
    predictors
        Outcome predictors: a sequence whose items are a period (the outcome in that
        period) or a sequence of periods (the outcome averaged over them), or a
        mapping from label to such an item. ``None``: the outcome in each optimisation
        period.
    covariates
        Covariate predictors, among the panel's covariates: a sequence of columns
        (each averaged over the optimisation period) or a mapping from column to
        period(s) to average over.
    fit_periods
        The optimisation period: the pre-treatment periods whose outcome MSPE chooses
        ``V`` (default: all pre-treatment periods).
    v
        ``"optimize"`` (default), ``"equal"``, or one non-negative weight per predictor
        (normalised to sum to one).
    standardize
        Divide each predictor by its standard deviation across the units of the fit.
    inference
        ``PlaceboInSpace(max_pre_mspe_ratio=None)`` (default): run the placebo-in-space
        test, leaving out placebos whose pre-treatment MSPE exceeds that multiple of
        the treated unit's (``None``: keep all); ``NoInference()``: skip it.
        (``placebo=`` and ``max_pre_mspe_ratio=`` are the deprecated spellings.)
    leave_one_out
        Re-fit without each donor of positive weight.

    Returns
    -------
    SyntheticControlResult

    Raises
    ------
    DataError
        Staggered adoption, several treated units, no pre-treatment period, units
        with missing periods, fewer than two donors (naming the units), or a
        predictor that takes the same value for every unit.
    InputError
        Unknown or post-treatment periods in ``predictors``, ``covariates`` or
        ``fit_periods``, covariates the panel does not declare, or invalid options.

    References
    ----------
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for
    comparative case studies: estimating the effect of California's tobacco control
    program. *Journal of the American Statistical Association*, 105(490), 493-505.
    Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and
    methodological aspects. *Journal of Economic Literature*, 59(2), 391-425.
    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021).
    Synthetic difference-in-differences. *American Economic Review*, 111(12), 4088-4118.

    Examples
    --------
    >>> from evalkit import Panel
    >>> from evalkit.datasets import load_prop99
    >>> panel = Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
    ...               treatment="treated")
    >>> result = synthetic_control(panel)
    >>> round(result.average_effect, 2), result.placebo.rank
    (-19.51, 3)
    """
    placebo, max_pre_mspe_ratio = _placebo_options(inference, deprecated)
    flags = {"placebo": placebo, "leave_one_out": leave_one_out}
    matrix, design, specs = _design(panel, predictors, covariates, fit_periods, v, standardize,
                                    flags, max_pre_mspe_ratio)
    fit = fit_unit(design, design.treated, design.donors)
    synthetic = fit.weights @ design.y[:design.n_control]
    x = design.x
    values = np.column_stack([x[:, design.treated], x[:, :design.n_control] @ fit.weights,
                              x[:, :design.n_control].mean(axis=1)])
    placebo_test = _placebo_test(matrix, design, fit, max_pre_mspe_ratio) if placebo else None
    loo = _leave_one_out(matrix, design, fit.weights) if leave_one_out else None
    kind = PlaceboInSpace(max_pre_mspe_ratio) if placebo else NoInference()
    specification = _specification(panel, specs, matrix, design, kind, bool(leave_one_out))
    return SyntheticControlResult(
        outcome=panel.outcome, treated_unit=matrix.treated_units[0],
        donors=tuple(matrix.control_units), donor_weights=fit.weights,
        predictor_labels=tuple(s.label for s in specs), predictor_weights=fit.v,
        predictor_values=values, periods=matrix.periods, n_pre=matrix.n_pre,
        treated_outcome=design.y[design.treated], synthetic_outcome=synthetic,
        fit_periods=tuple(matrix.periods[design.fit_columns]), v_method=fit.v_method,
        placebo=placebo_test, leave_one_out=loo,
        inference=kind,
        provenance=Provenance(specification.function, specification.to_dict(),
                              panel.fingerprint, panel.n_obs),
        specification=specification)


def placebo_in_space(
    panel: Panel,
    *,
    predictors: Sequence[PeriodSet] | Mapping[str, PeriodSet] | None = None,
    covariates: Sequence[str] | Mapping[str, PeriodSet] | None = None,
    fit_periods: Sequence[Period] | None = None,
    v: Literal["optimize", "equal"] | Sequence[float] = "optimize",
    standardize: bool = True,
    max_pre_mspe_ratio: float | None = None,
) -> PlaceboTest:
    """The placebo-in-space test of a synthetic control, on its own.

    The same fits as ``synthetic_control(...).placebo`` (see
    :func:`synthetic_control` for the arguments): the treated unit and every donor
    re-fitted as if treated. :meth:`PlaceboTest.statistics` gives each unit's post/pre
    RMSPE ratio — the randomization distribution of the statistic over the units
    that could have been treated — and :attr:`PlaceboTest.observed` the treated
    unit's, so that a generic permutation test can use them.
    """
    matrix, design, _ = _design(panel, predictors, covariates, fit_periods, v, standardize,
                                {}, max_pre_mspe_ratio)
    fit = fit_unit(design, design.treated, design.donors)
    return _placebo_test(matrix, design, fit, max_pre_mspe_ratio)


def _placebo_test(matrix: OutcomeMatrix, design: Design, fit: Any,
                  max_pre_mspe_ratio: float | None) -> PlaceboTest:
    fits = placebo_fits(design, fit)
    pre, post = rmspe(fits.gaps, design.n_pre)
    return PlaceboTest(units=tuple(matrix.units[fits.targets]), periods=matrix.periods,
                       n_pre=design.n_pre, gaps=fits.gaps, pre_rmspe=pre, post_rmspe=post,
                       max_pre_mspe_ratio=(None if max_pre_mspe_ratio is None
                                           else float(max_pre_mspe_ratio)))


def _leave_one_out(matrix: OutcomeMatrix, design: Design, weights: np.ndarray) -> LeaveOneOut:
    dropped, fits = leave_one_out_fits(design, weights)
    synthetic = design.y[design.treated] - fits.gaps
    return LeaveOneOut(dropped=tuple(matrix.units[dropped]), donors=tuple(matrix.control_units),
                       periods=matrix.periods, n_pre=design.n_pre, synthetic=synthetic,
                       gaps=fits.gaps, weights=fits.weights[:, :design.n_control])
