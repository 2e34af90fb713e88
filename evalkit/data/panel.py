"""The panel description: which column is what, checked once against the data."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.data.checks import (
    ROWS_COUNTED,
    SHOW,
    float_values,
    missing_problem,
    non_finite_problem,
    non_numeric_problem,
    numbers_read_as_codes,
    rows_text,
    too_large_problem,
)
from evalkit.errors import DataError, InputError

__all__ = ["Panel", "PanelSpec", "frame_fingerprint"]

_SHOW = SHOW  # how many offending units or rows an error message lists


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's column names, types and values (row order matters).

    Used to record, in every result, exactly which data it was computed from.
    Numeric columns are hashed from their memory directly (no copy).
    """
    return _digest(_hashed_parts(frame))


def _hashed_parts(frame: pd.DataFrame) -> list[tuple[bytes, object]]:
    """What :func:`frame_fingerprint` hashes, column by column: a header, then the values
    (an array of numbers, or a column whose values are hashed by pandas)."""
    parts: list[tuple[bytes, object]] = []
    for column in frame.columns:
        series = frame[column]
        header = f"{column}\x1f{series.dtype}\x1e".encode()
        values = series.to_numpy()
        parts.append((header, np.ascontiguousarray(values) if values.dtype.kind in "biuf"
                      else series))
    return parts


def _digest(parts: list[tuple[bytes, object]]) -> str:
    digest = hashlib.sha256()
    for header, values in parts:
        digest.update(header)
        if isinstance(values, np.ndarray):
            digest.update(memoryview(values).cast("B"))
        else:
            digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# Data larger than this are hashed on another thread as soon as the panel is built, so
# that the fingerprint is ready when an estimator records it (about 0.2 s per 400 MB;
# starting a thread costs about 0.1 ms, hashing 4 MB about 2 ms)
_BACKGROUND_BYTES = 4 * 2**20


class _PendingFingerprint:
    """A panel's fingerprint being computed on another thread (hashing releases the GIL)."""

    __slots__ = ("_thread", "_value", "_error")

    def __init__(self, frame: pd.DataFrame) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(_hashed_parts(frame),),
                                        name="evalkit-panel-fingerprint", daemon=True)
        self._thread.start()

    def _run(self, parts: list[tuple[bytes, object]]) -> None:
        try:
            self._value = _digest(parts)
        except BaseException as error:  # handed to whoever asks for the value
            self._error = error

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def __reduce__(self) -> tuple[type, tuple[str]]:  # a copied or pickled panel: the value
        return (str, (self.result(),))


def _start_fingerprint(frame: pd.DataFrame) -> _PendingFingerprint | None:
    """Start hashing large data now; small data are hashed when first asked for."""
    if int(frame.memory_usage(index=False, deep=False).sum()) < _BACKGROUND_BYTES:
        return None
    return _PendingFingerprint(frame)


@dataclass(frozen=True)
class PanelSpec:
    """Which column of the data is what: the description a :class:`Panel` was built from.

    Every estimator that takes a panel records it in its typed specification (e.g.
    :class:`evalkit.did.specs.TWFESpec`), so that a check run on a result later can
    tell whether a panel is the one the result was estimated from.

    Attributes
    ----------
    unit, time, outcome
        The unit identifier, time period and outcome columns.
    treatment, first_treated
        The 0/1 treatment column or the first-treatment-period column (one is ``None``).
    covariates
        The control columns.
    weights
        The column of sampling weights, if any.
    cluster
        The column defining clusters for standard errors, if any.
    missing
        ``"error"`` or ``"drop"``: what was done with rows with missing values.
    """

    unit: str
    time: str
    outcome: str
    treatment: str | None
    first_treated: str | None
    covariates: tuple[str, ...]
    weights: str | None
    cluster: str | None
    missing: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of the data the description uses, each once, in role order."""
        cols = [self.unit, self.time, self.outcome]
        cols += [c for c in (self.treatment, self.first_treated) if c]
        cols += list(self.covariates)
        cols += [c for c in (self.weights, self.cluster) if c]
        return tuple(dict.fromkeys(cols))

    def to_dict(self) -> dict[str, object]:
        """The description as a plain dictionary (lists for tuples), as provenance records it.

        ``Panel(data, **spec.to_dict())`` builds the same panel again.
        """
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values}


def _is_never(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "iub":  # integers: only 0 means never
        return values == 0
    return np.isnan(values) | np.isinf(values) | (values == 0)


class DescribedPanel:
    """What a panel's description says, read from its :class:`PanelSpec` (``_spec``):
    shared by :class:`Panel` and the panels held by an engine."""

    __slots__ = ()
    _spec: PanelSpec

    @property
    def unit(self) -> str:
        return self._spec.unit

    @property
    def time(self) -> str:
        return self._spec.time

    @property
    def outcome(self) -> str:
        return self._spec.outcome

    @property
    def treatment(self) -> str | None:
        return self._spec.treatment

    @property
    def first_treated(self) -> str | None:
        return self._spec.first_treated

    @property
    def covariates(self) -> tuple[str, ...]:
        return self._spec.covariates

    @property
    def weights(self) -> str | None:
        return self._spec.weights

    @property
    def cluster(self) -> str | None:
        return self._spec.cluster

    @property
    def specification(self) -> PanelSpec:
        """The description the panel was built from (see :class:`PanelSpec`)."""
        return self._spec

    def spec(self) -> dict[str, object]:
        """The description as a plain dictionary (``specification.to_dict()``)."""
        return self._spec.to_dict()

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of the original data that the panel uses."""
        return self._spec.columns

    @property
    def cluster_column(self) -> str:
        """The column that standard errors are clustered on by default."""
        return self.cluster or self.unit


class Panel(DescribedPanel):
    """A panel of units observed over time periods, validated once.

    A ``Panel`` records which column holds the unit identifier, the time period,
    the outcome and the treatment, and checks the data against that description
    when it is created. Every problem found is reported at once in a
    :class:`~evalkit.errors.DataError` that names the column and what was
    expected. The caller's DataFrame is never modified: the panel keeps its own
    read-only copy of the columns it uses, sorted by unit and period.

    Treatment timing is given in one of two ways:

    - ``first_treated``: a column holding, for every row of a unit, the period in
      which the unit is first treated (the *cohort*). ``0``, missing or infinite
      values mean the unit is never treated (the convention of the R ``did``
      package).
    - ``treatment``: a 0/1 column equal to 1 in the periods when the unit is
      treated. Treatment must be absorbing: once a unit is treated it stays
      treated. The cohort is the first period with treatment 1.

    Parameters
    ----------
    data
        The data, one row per unit and period: a pandas DataFrame, or a polars or
        pyarrow table.
    unit, time, outcome
        Column names of the unit identifier, the (numeric) time period and the
        (numeric) outcome.
    treatment, first_treated
        Exactly one of them: see above.
    covariates
        Numeric columns used as controls by the estimators that accept them.
    weights
        Column of positive sampling weights, if any.
    cluster
        Column defining the clusters for standard errors; by default estimators
        cluster on ``unit``.
    missing
        ``"error"`` (default) to refuse rows with missing values in the columns
        used, or ``"drop"`` to drop them (the number dropped is recorded in
        :attr:`dropped_rows`).

    Raises
    ------
    DataError
        Missing columns (with the list of the columns that exist), a table without
        rows, a non-numeric outcome, time, covariate, weight or treatment (showing
        the values that are not numbers and their rows), missing values, ``inf`` or
        ``-inf``, or values so large that their squares overflow (each with the
        number of rows and the first few of them, counted from 1 as the data rows of
        a file), duplicate unit-period rows (naming them, and saying when the unit
        codes were read as numbers), a treatment that switches off, a
        first-treatment period that changes within a unit, no treated units, no
        untreated comparison units, or no pre-treatment period.

    Examples
    --------
    >>> from evalkit.datasets import load_mpdta
    >>> panel = Panel(load_mpdta(), unit="countyreal", time="year",
    ...               outcome="lemp", first_treated="first.treat")
    >>> panel.n_units, panel.n_periods
    (500, 5)
    """

    __slots__ = ("_spec", "_frame", "_dropped", "_units", "_periods", "_unit_codes",
                 "_time_codes", "_unit_cohort", "_row_cohort", "_fingerprint", "_treated_after_end")

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        unit: str,
        time: str,
        outcome: str,
        treatment: str | None = None,
        first_treated: str | None = None,
        covariates: Sequence[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        missing: Literal["error", "drop"] = "error",
    ) -> None:
        spec = PanelSpec(unit=unit, time=time, outcome=outcome, treatment=treatment,
                     first_treated=first_treated, covariates=_as_tuple(covariates),
                     weights=weights, cluster=cluster, missing=missing)
        self._build(data, spec, design_checks=True)

    def _build(self, data: pd.DataFrame, spec: PanelSpec, *, design_checks: bool) -> None:
        frame, dropped, values = _validate(data, spec)
        _set(self, _spec=spec, _frame=frame, _dropped=dropped)
        _set(self, **_derive(frame, spec, values, design_checks=design_checks))
        _set(self, _fingerprint=_start_fingerprint(self._frame))

    @classmethod
    def _part(cls, data: pd.DataFrame, spec: PanelSpec) -> Panel:
        """A panel of some of the units of a larger one (a partition held by an engine):
        every check on its rows and units, but none on the design as a whole (treated
        units, comparison units, a pre-treatment period), which only the whole data can
        pass or fail."""
        panel = cls.__new__(cls)
        panel._build(data, spec, design_checks=False)
        return panel

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Panel is immutable; cannot set {name!r}")

    def __getstate__(self) -> dict[str, object]:  # copied or pickled (sent to a worker)
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, object]) -> None:
        for value in state.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        _set(self, **state)

    # ------------------------------------------------------------------ the data
    @property
    def data(self) -> pd.DataFrame:
        """The panel's data (the columns it uses, sorted by unit and period).

        A copy-on-write copy: changing it never changes the panel, and it costs
        nothing until it is changed.
        """
        return self._frame.copy(deep=False)

    def values(self, column: str) -> np.ndarray:
        """One of the panel's columns as a read-only float array, in the panel's row order.

        This is how estimators read the data: no copy is made for float columns.
        """
        if column not in self._frame.columns:
            raise InputError(f"column={column!r}: must be one of the panel's columns "
                             f"({', '.join(map(repr, self._frame.columns))}); got {column!r}")
        array = np.asarray(self._frame[column].to_numpy(dtype=float)).view()
        array.setflags(write=False)
        return array

    @property
    def dropped_rows(self) -> int:
        """Rows dropped for missing values (only with ``missing="drop"``)."""
        return self._dropped

    # ------------------------------------------------------------------ derived facts
    @property
    def n_obs(self) -> int:
        return int(len(self._frame))

    @property
    def n_units(self) -> int:
        return int(self._units.size)

    @property
    def n_periods(self) -> int:
        return int(self._periods.size)

    @property
    def periods(self) -> np.ndarray:
        """Sorted distinct time periods."""
        return self._periods.copy()

    @property
    def units(self) -> np.ndarray:
        return self._units.copy()

    @property
    def unit_index(self) -> np.ndarray:
        """Position (0 .. n_units - 1) of each row's unit among the sorted units (read-only)."""
        return self._unit_codes

    @property
    def period_index(self) -> np.ndarray:
        """Position (0 .. n_periods - 1) of each row's period among the sorted periods."""
        return self._time_codes

    def event_time(self) -> np.ndarray:
        """Periods since first treatment for each row (NaN for never-treated units).

        With equally spaced periods, event time is ``(t - G) / step``; with irregular
        spacing it is counted in positions among the observed periods, so that event
        times stay consecutive (a unit treated before the first observed period is
        then placed one position before it). 0 is the first treated period, -1 the
        period before.
        """
        cohort_pos = cohort_positions(self._unit_cohort, self._periods)
        return self._time_codes - cohort_pos[self._unit_codes]

    @property
    def is_balanced(self) -> bool:
        return self.n_obs == self.n_units * self.n_periods

    @property
    def cohort(self) -> pd.Series:
        """First treatment period of each row's unit; NaN for never-treated units."""
        return pd.Series(self._cohort_by_row(), index=self._frame.index, name="cohort",
                         copy=True)

    def _cohort_by_row(self) -> np.ndarray:
        """Each row's cohort (read-only), computed when first asked for."""
        if self._row_cohort is None:
            counts = np.bincount(self._unit_codes, minlength=self._units.size)
            cohort = np.repeat(self._unit_cohort, counts)  # rows are sorted by unit
            cohort.setflags(write=False)
            object.__setattr__(self, "_row_cohort", cohort)
        return self._row_cohort

    @property
    def unit_cohorts(self) -> pd.Series:
        """First treatment period of each unit (NaN when never treated), indexed by unit."""
        return pd.Series(self._unit_cohort, index=pd.Index(self._units, name=self.unit),
                         name="cohort", copy=True)

    @property
    def cohort_sizes(self) -> pd.Series:
        """Number of units in each treatment cohort; never-treated units under ``"never"``."""
        cohorts = self.unit_cohorts
        sizes = cohorts.dropna().value_counts().sort_index()
        sizes.index = [_period_label(v) for v in sizes.index]
        never = int(cohorts.isna().sum())
        out = pd.concat([sizes, pd.Series({"never": never})]) if never else sizes
        out.name = "units"
        out.index.name = "cohort"
        return out.astype(int)

    @property
    def treated(self) -> pd.Series:
        """0/1 indicator of being treated in each row (absorbing)."""
        time = self._frame[self.time].to_numpy()
        cohort = self._cohort_by_row()
        values = (~np.isnan(cohort)) & (time >= cohort)
        return pd.Series(values.astype(np.int8), index=self._frame.index, name="treated")

    @property
    def cohorts(self) -> np.ndarray:
        """The distinct first-treatment periods within the observed periods, sorted."""
        return np.unique(self._unit_cohort[~np.isnan(self._unit_cohort)])

    @property
    def n_treated_units(self) -> int:
        return int(np.sum(~np.isnan(self._unit_cohort)))

    @property
    def n_never_treated_units(self) -> int:
        """Units never treated during the observed periods.

        Units first treated only after the last period are counted here: within the
        panel they are never treated (the convention of the R ``did`` package).
        """
        return int(np.sum(np.isnan(self._unit_cohort)))

    @property
    def is_staggered(self) -> bool:
        """True when treated units start treatment in more than one period."""
        return np.unique(self._unit_cohort[~np.isnan(self._unit_cohort)]).size > 1

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the columns used, in the panel's (sorted) order (computed once).

        For large data it is computed on another thread from the moment the panel is
        built, while estimation starts.
        """
        value = self._fingerprint
        if isinstance(value, str):
            return value
        value = frame_fingerprint(self._frame) if value is None else value.result()
        object.__setattr__(self, "_fingerprint", value)
        return value

    def describe(self) -> dict[str, object]:
        """The facts a report states about the data: sizes, periods, treated and controls."""
        return {
            "rows": self.n_obs,
            "units": self.n_units,
            "periods": self.n_periods,
            "first_period": _period_label(self._periods[0]),
            "last_period": _period_label(self._periods[-1]),
            "balanced": self.is_balanced,
            "treated_units": self.n_treated_units,
            "never_treated_units": self.n_never_treated_units,
            "treated_after_last_period": self._treated_after_end,
            "cohorts": {str(k): int(v) for k, v in self.cohort_sizes.items()},
            "dropped_rows": self.dropped_rows,
        }

    def __repr__(self) -> str:
        timing = f"treatment={self.treatment!r}" if self.treatment else (
            f"first_treated={self.first_treated!r}")
        return (f"Panel(unit={self.unit!r}, time={self.time!r}, outcome={self.outcome!r}, "
                f"{timing}; {self.n_units} units x {self.n_periods} periods, {self.n_obs} rows, "
                f"{self.n_treated_units} treated)")


def check_description(spec: PanelSpec) -> None:
    """The description alone: column names given, one way of timing the treatment, a
    known ``missing`` (raises :class:`~evalkit.errors.InputError` listing every problem)."""
    problems = Problems()
    for name in ("unit", "time", "outcome"):
        value = getattr(spec, name)
        if not isinstance(value, str) or not value:
            problems.add(f"{name}={value!r}: must be a column name; got {value!r}")
    if (spec.treatment is None) == (spec.first_treated is None):
        problems.add("treatment / first_treated: exactly one must be given (a 0/1 treatment "
                     "column, or the column of each unit's first treatment period); got "
                     f"treatment={spec.treatment!r}, first_treated={spec.first_treated!r}")
    if spec.missing not in ("error", "drop"):
        problems.add(f"missing={spec.missing!r}: must be 'error' or 'drop'; got {spec.missing!r}")
    problems.raise_if_any(InputError, "Invalid panel description:")


def cohort_positions(cohort: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Each unit's first treated period as a position among the sorted ``periods``.

    With equally spaced periods, ``ceil((G - first) / step)``; otherwise the position
    among the observed periods, ``-1`` for a unit treated before the first one. ``NaN``
    for units never treated. Event time is a row's period position less this.
    """
    cohort = np.asarray(cohort, dtype=float)
    steps = np.diff(periods)
    if periods.size > 1 and np.allclose(steps, steps[0]):
        position = (cohort - periods[0]) / steps[0]
        return np.where(np.isnan(position), np.nan, np.ceil(position - 1e-9))
    position = np.searchsorted(periods, cohort).astype(float)
    position[cohort < periods[0]] = -1.0
    position[np.isnan(cohort)] = np.nan
    return position


def _set(obj: object, **values: object) -> None:
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def _plain(value: object) -> object:
    """A numpy scalar as the plain Python value, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _period_label(value: float) -> object:
    return int(value) if float(value).is_integer() else float(value)


def _validate(data: pd.DataFrame,
              spec: PanelSpec) -> tuple[pd.DataFrame, int, dict[str, np.ndarray]]:
    """Check the data against the description.

    Returns the panel's own copy of the columns it uses (not yet sorted), the number of
    rows dropped, and the numeric columns as floats.
    """
    if type(data).__module__.split(".")[0] in ("polars", "pyarrow") and \
            hasattr(data, "to_pandas"):  # a polars DataFrame, a pyarrow Table or RecordBatch
        data = data.to_pandas()
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: must be a pandas DataFrame; got {type(data).__name__}")
    check_description(spec)
    problems = Problems()
    needed = list(spec.columns)
    roles = _roles(spec)
    absent = [c for c in needed if c not in data.columns]
    if absent:
        for c in absent:
            problems.add(f"{roles[c]}={c!r}: no such column in the data; the columns are: "
                         f"{describe_columns(data.columns)}")
        problems.raise_if_any(DataError, _MISMATCH)
    if len(data) == 0:
        raise DataError(_MISMATCH, [
            "data: must have at least one row (one per unit and period); got a table with "
            f"its columns ({describe_columns(data.columns)}) but no rows"])

    frame = data.loc[:, needed]  # copy-on-write: the caller's data are never changed
    positions: np.ndarray | _RowNumbers = _RowNumbers()  # each row's place in the caller's data
    dropped = 0
    checked = [c for c in frame.columns if c != spec.first_treated]  # missing: never treated
    nulls = {c: mask for c in checked
             if (mask := _missing(frame[c])) is not None and mask.any()}
    if nulls:
        if spec.missing == "drop":
            keep = ~np.logical_or.reduce(list(nulls.values()))
            dropped = int((~keep).sum())
            frame, positions = frame.loc[keep], np.flatnonzero(keep)
            if frame.empty:
                raise DataError(_MISMATCH, [
                    f"missing='drop': no row is left; each of the {dropped:,} rows has a "
                    f"missing value in a column the panel uses ({', '.join(map(repr, checked))})"])
        else:
            for c, mask in nulls.items():
                problems.add(missing_problem(f"{roles[c]}={c!r}", mask, positions))
    del nulls

    numeric = _numeric_roles(spec)
    for column, role in numeric:
        if not (pd.api.types.is_numeric_dtype(frame[column]) or
                pd.api.types.is_bool_dtype(frame[column])):
            problems.add(non_numeric_problem(f"{role}={column!r}", frame[column], positions))
    problems.raise_if_any(DataError, _MISMATCH)

    values = {column: _numbers(frame[column]) for column, _ in numeric}
    for column, role in numeric:
        if column == spec.first_treated:
            continue  # an infinite first-treatment period means never treated
        label = f"{role}={column!r}"
        found = [] if _whole(values[column]) else [  # integers are never missing nor infinite
            non_finite_problem(label, values[column], positions)]
        if role in _ESTIMATED:
            found.append(too_large_problem(label, values[column], positions))
        problems.extend(p for p in found if p)
    if spec.weights:
        w = values[spec.weights]
        where = np.flatnonzero(w <= 0 if _whole(w) else np.isfinite(w) & (w <= 0))
        if where.size:
            problems.add(f"weights={spec.weights!r}: must be strictly positive; {where.size} rows "
                         f"are not ({rows_text(positions[where])}; {ROWS_COUNTED})")
    if spec.treatment:
        d = values[spec.treatment]
        outside = (d != 0) & (d != 1)
        bad = np.unique(d[outside if _whole(d) else np.isfinite(d) & outside])
        if bad.size:
            problems.add(f"treatment={spec.treatment!r}: must contain only 0 and 1; got values "
                         f"such as {[_period_label(v) for v in bad[:_SHOW]]}")
    problems.raise_if_any(DataError, _MISMATCH)

    return frame, dropped, values


def _missing(series: pd.Series) -> np.ndarray | None:
    """Which values of a column are missing; ``None`` for a column that cannot hold any
    (integers and booleans held by numpy)."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
        return None
    return series.isna().to_numpy()


def _numbers(series: pd.Series) -> np.ndarray:
    """A numeric column's values: the column's own array when numpy holds it as integers,
    booleans or double-precision floats (no copy), else as floats with missing values NaN."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and (dtype.kind in "iub" or dtype == np.float64):
        return series.to_numpy()
    return float_values(series)


def _whole(values: np.ndarray) -> bool:
    """Integers or booleans: values that cannot be missing, infinite or fractional."""
    return values.dtype.kind in "iub"


_MISMATCH = "The data do not match the panel description:"
_ESTIMATED = ("outcome", "covariates", "weights")  # roles whose squares estimators compute


def _numeric_roles(spec: PanelSpec) -> list[tuple[str, str]]:
    """The columns that must hold numbers, with their role."""
    numeric = [(spec.outcome, "outcome"), (spec.time, "time")]
    numeric += [(c, "covariates") for c in spec.covariates]
    numeric += [(c, role) for c, role in ((spec.weights, "weights"),
                                          (spec.first_treated, "first_treated"),
                                          (spec.treatment, "treatment")) if c]
    return list(dict.fromkeys(numeric))


def _roles(spec: PanelSpec) -> dict[str, str]:
    roles: dict[str, str] = {}
    for c in spec.covariates:
        roles.setdefault(c, "covariates")
    for name in ("cluster", "weights", "first_treated", "treatment", "outcome", "time", "unit"):
        value = getattr(spec, name)
        if value:
            roles[value] = name
    return roles


def _derive(frame: pd.DataFrame, spec: PanelSpec, values: dict[str, np.ndarray], *,
            design_checks: bool = True) -> dict[str, object]:
    """Sort by unit and period, compute codes and cohorts, run the checks that need them.

    ``values`` holds the numeric columns (see :func:`_numbers`), in the rows' order in
    ``frame``. Unit and period codes are 4-byte integers when every
    ``unit * n_periods + period`` fits in them, as it does below 2**31 unit-period pairs.
    """
    problems = Problems()
    unit_codes, units = _factorize_units(frame[spec.unit])
    time_values = values[spec.time]
    order = None
    periods, time_codes = _code_periods(frame[spec.time], time_values)
    n_units, n_periods = len(units), len(periods)
    code_type = _code_type(n_units * n_periods)
    unit_codes = unit_codes.astype(code_type, copy=False)
    time_codes = time_codes.astype(code_type, copy=False)

    key = unit_codes * n_periods  # below 2**31 with 4-byte codes (see _code_type)
    key += time_codes
    if key.size > 1 and not np.all(key[1:] > key[:-1]):  # not sorted, or duplicated pairs
        counts = np.bincount(key, minlength=n_units * n_periods)
        if (counts > 1).any():
            dup_keys = np.flatnonzero(counts > 1)
            shown = ", ".join(f"({_plain(units[k // n_periods])!r}, "
                              f"{_period_label(periods[k % n_periods])})"
                              for k in dup_keys[:_SHOW])
            more = f" and {dup_keys.size - _SHOW} more" if dup_keys.size > _SHOW else ""
            problems.add(f"unit={spec.unit!r}, time={spec.time!r}: {dup_keys.size} unit-period "
                         f"pairs appear on more than one row ({int(counts[dup_keys].sum())} "
                         f"rows), e.g. {shown}{more}; the panel needs one row per unit and "
                         f"period{_read_as_numbers(frame, spec)}")
        order = np.argsort(key, kind="stable")
        del key
        frame = frame.take(order)
        unit_codes, time_codes = unit_codes[order], time_codes[order]
        time_values = time_values[order]
    else:
        del key
    frame = frame.reset_index(drop=True)
    new_unit = unit_codes[1:] != unit_codes[:-1]  # row i + 1 starts a unit
    starts = np.flatnonzero(np.r_[True, new_unit])

    if spec.first_treated:
        g = values[spec.first_treated]
        g = g if order is None else g[order]
        unit_first = g[starts]
        # the same on every row of a unit: each row against the row before it within its
        # unit (rows of a unit are contiguous), every never-treated spelling (missing, 0,
        # inf) alike
        changed = g[1:] != g[:-1]
        changed &= ~new_unit
        if changed.any():
            never = _is_never(g)
            changed &= ~(never[1:] & never[:-1])
        varying = np.unique(unit_codes[1:][changed]) if changed.any() else np.empty(0, np.intp)
        del changed
        if varying.size:
            shown = ", ".join(repr(_plain(units[i])) for i in varying[:_SHOW])
            problems.add(f"first_treated={spec.first_treated!r}: must be the same on every row "
                         f"of a unit; it changes within {varying.size} units, e.g. {shown}")
        unit_cohort = np.where(_is_never(unit_first), np.nan, unit_first)
    else:
        d = values[spec.treatment]
        d = d if order is None else d[order]
        first = np.minimum.reduceat(np.where(d == 1, time_values, np.inf), starts)
        row_first = first[unit_codes]
        switched_off = (time_values >= row_first) & (d == 0)
        if switched_off.any():
            bad_units = np.unique(unit_codes[switched_off])
            shown = ", ".join(repr(_plain(units[i])) for i in bad_units[:_SHOW])
            problems.add(f"treatment={spec.treatment!r}: must be absorbing (once 1, a unit stays "
                         f"treated), but it switches back to 0 in {bad_units.size} units, e.g. "
                         f"{shown}")
        unit_cohort = np.where(np.isinf(first), np.nan, first)
    problems.raise_if_any(DataError, "The data do not match the panel description:")

    after_end = ~np.isnan(unit_cohort) & (unit_cohort > periods[-1])
    unit_cohort = np.where(after_end, np.nan, unit_cohort)
    treated_units = ~np.isnan(unit_cohort)
    if not design_checks:
        pass
    elif not treated_units.any():
        late = (f" ({int(after_end.sum())} units are first treated only after the last "
                f"period, {_period_label(periods[-1])})" if after_end.any() else "")
        problems.add(f"{'treatment' if spec.treatment else 'first_treated'}="
                     f"{spec.treatment or spec.first_treated!r}: no unit is treated during the "
                     f"observed periods{late}")
    else:
        unit_first_period = time_values[starts]  # rows are sorted by period within unit
        has_pre = treated_units & (unit_cohort > unit_first_period)
        if not has_pre.any():
            idx = np.flatnonzero(treated_units)
            shown = ", ".join(repr(_plain(units[i])) for i in idx[:_SHOW])
            more = f" and {idx.size - _SHOW} more" if idx.size > _SHOW else ""
            problems.add(f"no pre-treatment period: every treated unit ({shown}{more}) is "
                         "already treated in the first period it is observed, so there is "
                         "nothing to compare before and after")
        cohorts = np.unique(unit_cohort[treated_units])
        never = int((~treated_units).sum())
        if never == 0 and cohorts.size < 2:
            problems.add("no untreated comparison units: every unit is treated from the same "
                         f"period ({_period_label(cohorts[0])}), so no unit can serve as a "
                         "comparison; a difference-in-differences design needs never-treated "
                         "or later-treated units")
        elif never == 0 and not (cohorts > periods[0]).any():
            problems.add("no untreated comparison units: no unit is ever untreated")
    problems.raise_if_any(DataError, "The data do not support a difference-in-differences design:")

    unit_cohort = np.asarray(unit_cohort, dtype=float)
    arrays = {"_units": np.asarray(units), "_periods": periods, "_unit_codes": unit_codes,
              "_time_codes": time_codes, "_unit_cohort": unit_cohort}
    for array in arrays.values():
        array.setflags(write=False)
    return {**arrays, "_frame": frame, "_fingerprint": None, "_row_cohort": None,
            "_treated_after_end": int(after_end.sum())}


class _RowNumbers:
    """Each row's place in the caller's data while no row is dropped: row ``i`` is row
    ``i``, so that the numbers are only made for the rows an error message names."""

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index)
        return np.flatnonzero(index) if index.dtype == bool else index


def _factorize_units(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position among the sorted distinct units, and those units.

    Integer identifiers already in order (the way most panels are stored) are coded in
    one pass; anything else is factorised by hashing, then sorted.
    """
    code_type = _code_type(column.size)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu" and column.size:
        values = column.to_numpy()
        first = np.empty(values.size, dtype=bool)
        first[0] = True
        np.not_equal(values[1:], values[:-1], out=first[1:])
        if np.all(values[1:] >= values[:-1]):
            codes = np.cumsum(first, dtype=code_type)
            codes -= 1
            return codes, values[first]
    codes, units = pd.factorize(column, sort=True)
    return codes.astype(code_type, copy=False), np.asarray(units)


_PERIOD_SPAN = 100_000  # integer periods spread over at most this many values are tallied


def _code_type(size: int) -> type[np.integer]:
    """The integer type of codes below ``size``: 4 bytes when they fit, as they do for
    positions among fewer than 2**31 rows, or for ``unit * n_periods + period`` with fewer
    than 2**31 unit-period pairs."""
    return np.int32 if size < 2**31 else np.intp


def _code_periods(column: pd.Series, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct periods (as floats) and each row's position among them.

    Integer periods over a modest range (years, months counted from an origin, quarters
    numbered 20201 ...) are tallied; others are sorted. ``values`` are the column's
    numbers (:func:`_numbers`).
    """
    code_type = _code_type(values.size)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu" and column.size:
        whole = column.to_numpy()
        low, high = int(whole.min()), int(whole.max())
        if high - low < _PERIOD_SPAN:
            offset = whole.astype(np.intp, copy=False)
            if low < 0 or high >= _PERIOD_SPAN:  # small non-negative periods index as they are
                offset = offset - low
            else:
                low = 0
            present = np.bincount(offset) > 0
            position = np.cumsum(present, dtype=code_type)
            position -= 1
            periods = (np.flatnonzero(present) + low).astype(float)
            return periods, position[offset]
    periods = np.sort(pd.unique(values))
    codes = np.searchsorted(periods, values).astype(code_type, copy=False)
    return periods.astype(float, copy=False), codes


def _read_as_numbers(frame: pd.DataFrame, spec: PanelSpec) -> str:
    """Why duplicates may come from reading codes as numbers, when they may."""
    unit = frame[spec.unit]
    if pd.api.types.is_numeric_dtype(unit) and not pd.api.types.is_bool_dtype(unit):
        return ". " + numbers_read_as_codes(spec.unit, unit)
    time = float_values(frame[spec.time])
    if not np.all(np.mod(time, 1) == 0):  # periods such as quarters written 2020.1 ... 2020.4
        return (f". The column {spec.time!r} was read as numbers, so periods written "
                "differently in the file (2020.1 and 2020.10) count as the same period")
    return ""


def _as_tuple(values: Sequence[str] | str) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)
