"""The multiplier bootstrap of influence functions (Callaway & Sant'Anna 2021, section 4.1).

An asymptotically linear estimator satisfies :math:`\\hat\\theta - \\theta \\approx
\\frac1n\\sum_i \\psi_i`. The multiplier bootstrap perturbs the influence functions
:math:`\\psi_i` with independent mean-zero, unit-variance multipliers :math:`V_i` and
reads the sampling distribution off the draws :math:`\\frac1n\\sum_i V_i \\psi_i`, without
re-estimating anything. With clustered sampling the influence functions are first summed
within clusters and one multiplier is drawn per cluster.

Conventions follow R's ``did::mboot``: standard errors are the interquartile range of the
draws divided by that of the standard normal, ``(q75 - q25) / (qnorm(.75) - qnorm(.25))``,
with quantiles of type 1 (the inverse of the empirical distribution function); the
critical value of a uniform (sup-t) band is the ``1 - alpha`` quantile of
``max_k |draw_k / se_k|``. R draws Rademacher multipliers (``BMisc::multiplier_bootstrap``);
Mammen's (1993) two-point multipliers are available too.

The draws are computed in groups of bootstrap replications, so that no matrix of
clusters x replications of floating-point multipliers is ever held in memory: each
multiplier takes one of two values, so a group keeps one bit per multiplier and sums the
scores of the clusters whose bit is 1, block of clusters by block of clusters, in single
precision on the scores less their mean (see :func:`multiplier_draws`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from evalkit._deprecation import refuse_unknown, renamed, warn_renamed
from evalkit._validation import Problems
from evalkit.errors import InputError

__all__ = ["MultiplierBootstrap", "MULTIPLIER_WEIGHTS", "multiplier_draws",
           "bootstrap_standard_errors", "sup_t_statistics", "sup_t_critical_value",
           "make_generator", "seed_problem"]

MULTIPLIER_WEIGHTS = ("rademacher", "mammen")
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
_CHUNK_ELEMENTS = 1 << 22  # multipliers drawn per call of the generator
_GROUP_BYTES = 1 << 26  # indicators held at once, as bits (64 MB)
_BLOCK_ELEMENTS = 1 << 19  # indicators converted to floating point per product (2 MB)
_PARTS = 2  # ranges of clusters summed apart (by as many threads as there are cores)
_RELATIVE_ZERO = 1e-10  # a column this small relative to the largest has no std. error
_DEFAULT_DRAWS = 999
_MIN_DRAWS = 10  # fewer draws cannot give an interquartile range or a band


def _described(value: object) -> str:
    """A value as a message shows it: its repr, with its type when the repr hides it."""
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return repr(value)
    if isinstance(value, bool | float | np.generic):
        return f"{value!r} (a {type(value).__name__})"
    return f"a {type(value).__name__}"


def seed_problem(owner: str, random_state: object) -> str | None:
    """The problem with a ``random_state`` (None when it is a valid one)."""
    if (random_state is None or isinstance(random_state, np.random.Generator)
            or (isinstance(random_state, int | np.integer)
                and not isinstance(random_state, bool) and random_state >= 0)):
        return None
    return (f"{owner}(random_state={random_state!r}): must be None, a non-negative integer "
            f"seed or a numpy Generator; got {_described(random_state)}")


@dataclass(frozen=True, init=False)
class MultiplierBootstrap:
    """Inference by the multiplier bootstrap of the influence functions.

    Parameters
    ----------
    n_draws
        Number of bootstrap replications (R's ``biters``).
    random_state
        Seed (an integer) or a :class:`numpy.random.Generator`, for reproducible
        draws. ``None`` draws fresh entropy.
    cluster
        Column whose clusters receive a common multiplier; default: the estimator's
        clustering column (see the estimator), else the unit.
    distribution
        ``"rademacher"`` (+1 or -1 with equal probability: what R's ``did`` draws) or
        ``"mammen"`` (Mammen's two-point distribution, the one used by R's ``DRDID``).

    Notes
    -----
    ``n_boot=`` and ``weights=`` are the deprecated spellings of ``n_draws=`` and
    ``distribution=``; they still work, with an
    :class:`~evalkit.errors.EvalkitDeprecationWarning`.
    """

    n_draws: int = 999
    random_state: int | np.random.Generator | None = None
    cluster: str | None = None
    distribution: Literal["rademacher", "mammen"] = "rademacher"
    name: ClassVar[str] = "multiplier_bootstrap"

    def __init__(self, n_draws: int = 999, random_state: int | np.random.Generator | None = None,
                 cluster: str | None = None,
                 distribution: Literal["rademacher", "mammen"] = "rademacher",
                 **legacy: Any) -> None:
        from evalkit._deprecation import refuse_unknown, renamed

        n_draws = renamed("MultiplierBootstrap", legacy, "n_boot", "n_draws", n_draws,
                          _DEFAULT_DRAWS if n_draws == _DEFAULT_DRAWS else object())
        distribution = renamed("MultiplierBootstrap", legacy, "weights", "distribution",
                               distribution, "rademacher" if distribution == "rademacher"
                               else object())
        refuse_unknown("MultiplierBootstrap", legacy)
        object.__setattr__(self, "n_draws", n_draws)
        object.__setattr__(self, "random_state", random_state)
        object.__setattr__(self, "cluster", cluster)
        object.__setattr__(self, "distribution", distribution)
        found = self.problems()
        if found:
            raise InputError("Invalid MultiplierBootstrap:", found)

    @property
    def n_boot(self) -> int:
        """The number of draws (the former name of :attr:`n_draws`; warns)."""
        warn_renamed("MultiplierBootstrap.n_boot", "MultiplierBootstrap.n_draws", stacklevel=2)
        return self.n_draws

    @property
    def weights(self) -> str:
        """The multiplier distribution (the former name of :attr:`distribution`; warns)."""
        warn_renamed("MultiplierBootstrap.weights", "MultiplierBootstrap.distribution",
                     stacklevel=2)
        return self.distribution

    def problems(self) -> list[str]:
        """Every problem with the settings, each naming the field (empty when valid).

        A ``MultiplierBootstrap`` is checked when it is created, so this is empty for
        every instance; it is kept for callers that collect problems before raising.
        """
        found = Problems()
        if (isinstance(self.n_draws, bool) or not isinstance(self.n_draws, int | np.integer)
                or self.n_draws < _MIN_DRAWS):
            found.add(f"MultiplierBootstrap(n_draws={self.n_draws!r}): must be an integer >= "
                      f"{_MIN_DRAWS} (999 is customary); got {_described(self.n_draws)}")
        seed = seed_problem("MultiplierBootstrap", self.random_state)
        if seed:
            found.add(seed)
        if self.cluster is not None and (not isinstance(self.cluster, str) or not self.cluster):
            found.add(f"MultiplierBootstrap(cluster={self.cluster!r}): must be a column name or "
                      f"None; got {_described(self.cluster)}")
        if not isinstance(self.distribution, str) or self.distribution not in MULTIPLIER_WEIGHTS:
            found.add(f"MultiplierBootstrap(distribution={self.distribution!r}): must be one of "
                      f"{', '.join(map(repr, MULTIPLIER_WEIGHTS))}; got "
                      f"{_described(self.distribution)}")
        return list(found)

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        kind = "Rademacher" if self.distribution == "rademacher" else "Mammen"
        return f"multiplier bootstrap ({self.n_draws:,} draws, {kind} multipliers)"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        seed = self.random_state
        return {"kind": self.name, "n_draws": int(self.n_draws),
                "random_state": ("numpy Generator" if isinstance(seed, np.random.Generator)
                                 else None if seed is None else int(seed)),
                "cluster": self.cluster, "distribution": self.distribution}


def make_generator(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """A generator from a seed, a generator (used as given) or ``None`` (fresh entropy)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(None if random_state is None else int(random_state))


def _indicators(rng: np.random.Generator, shape: tuple[int, int],
                distribution: str) -> np.ndarray:
    """Which of its two values each multiplier takes, as 0/1 bytes: a Rademacher multiplier
    is ``2 b - 1``, a Mammen one ``high + (low - high) b`` (see :data:`_TWO_POINTS`).

    The generator is called exactly as for the multipliers themselves, so that a seed
    gives the same draws whichever way they are then summed."""
    if distribution == "rademacher":
        count = shape[0] * shape[1]
        return np.unpackbits(rng.integers(0, 256, size=(count + 7) // 8, dtype=np.uint8),
                             count=count).reshape(shape)
    root5 = np.sqrt(5.0)
    return (rng.random(shape) < (root5 + 1.0) / (2.0 * root5)).view(np.uint8)


def _two_points(distribution: str) -> tuple[float, float]:
    """``(value at b = 1, value at b = 0)`` of a multiplier."""
    if distribution == "rademacher":
        return 1.0, -1.0
    root5 = np.sqrt(5.0)
    return (1.0 - root5) / 2.0, (1.0 + root5) / 2.0


def _multipliers(rng: np.random.Generator, shape: tuple[int, int],
                 distribution: str) -> np.ndarray:
    """The multipliers themselves, ``shape`` of them (for tests and small uses)."""
    one, zero = _two_points(distribution)
    return zero + (one - zero) * _indicators(rng, shape, distribution)


def multiplier_draws(scores: np.ndarray, *, n_draws: int | None = None,
                     rng: np.random.Generator,
                     distribution: Literal["rademacher", "mammen"] = "rademacher",
                     scale: float | None = None,
                     precision: Literal["single", "double"] = "single",
                     **deprecated: Any) -> np.ndarray:
    """Bootstrap draws of ``(1/scale) * sum_c V_c * scores[:, c]`` for every row of ``scores``.

    Parameters
    ----------
    scores
        ``m x G`` array: one row per statistic, one column per cluster (or unit), holding
        the cluster sums of the statistics' influence functions.
    n_draws
        Number of draws (required; ``n_boot=`` is its deprecated spelling).
    rng
        Random generator.
    distribution
        Multiplier distribution, ``"rademacher"`` or ``"mammen"`` (``weights=`` is its
        deprecated spelling).
    scale
        Divisor of the sums, usually the number of units ``n`` (default: ``G``).
    precision
        ``"single"`` (the default) computes the products of the multipliers and the
        scores in single precision, on the scores less their mean, and adds them up in
        double precision: the draws are within a few 1e-6 of their standard deviation of
        the exact ones, in about half the time. ``"double"`` computes everything in double
        precision.

    Returns
    -------
    numpy.ndarray
        ``n_draws x m`` draws. Multipliers are generated chunk by chunk of draws and
        never held for all draws at once.
    """
    n_draws = renamed("multiplier_draws", deprecated, "n_boot", "n_draws", n_draws, None)
    distribution = renamed("multiplier_draws", deprecated, "weights", "distribution",
                           distribution, "rademacher")
    refuse_unknown("multiplier_draws", deprecated)
    if n_draws is None:
        raise TypeError("multiplier_draws() missing required keyword argument: 'n_draws'")
    if precision not in ("single", "double"):
        raise InputError(f"multiplier_draws(precision={precision!r}): must be 'single' or "
                         f"'double'; got {_described(precision)}")
    scores = np.asarray(scores, dtype=float)
    m, n_clusters = scores.shape
    one, zero = _two_points(distribution)
    # The generator is called for ``chunk`` draws at a time (this fixes the stream a seed
    # gives). A multiplier takes one of two values, so sum_c V_c s_c is
    # (one - zero) * sum_c b_c s_c + zero * sum_c s_c with b_c its 0/1 indicator. The
    # indicators of ``group`` draws are kept as bits; the sums over the clusters whose bit
    # is 1 are matrix products, block of clusters by block of clusters, for every draw of
    # the group at once, so that each block of scores is read once per group.
    #
    # The products are in single precision on the scores less their mean (whose share,
    # mean * sum_c V_c, is exact: a column of ones counts the bits exactly), each block's
    # product added to a double-precision total: the draws are within a few 1e-6 of their
    # standard deviation of the exact ones, far below the digits a standard error or a
    # critical value is reported to (``precision="double"``: double precision throughout).
    chunk = max(1, min(n_draws, _CHUNK_ELEMENTS // max(n_clusters, 1)))
    group = max(chunk, (_GROUP_BYTES * 8 // max(n_clusters, 1)) // chunk * chunk)
    group = min(group, -(-n_draws // chunk) * chunk)
    block = max(8, _BLOCK_ELEMENTS // group // 8 * 8)
    dtype = np.float32 if precision == "single" else np.float64
    means = scores.mean(axis=1) if precision == "single" else np.zeros(m)
    totals = scores.sum(axis=1) - n_clusters * means  # of the scores less their mean
    # the clusters are cut into _PARTS contiguous ranges (whole blocks), summed apart and
    # then in order: the same numbers however many threads do the work
    starts = list(range(0, n_clusters, block))
    cuts = [starts[len(starts) * j // _PARTS] for j in range(_PARTS)] + [n_clusters]
    parts = [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if hi > lo]

    def products(packed: np.ndarray, rows: int, lo_part: int, hi_part: int) -> np.ndarray:
        """sum_c b_c (s_c - mean) and sum_c b_c for the draws' bits, over these clusters."""
        columns = np.empty((min(block, hi_part - lo_part), m + 1), dtype=dtype)
        columns[:, m] = 1.0
        buffer = np.empty((rows, columns.shape[0]), dtype=dtype)
        sums = np.zeros((rows, m + 1))
        for lo in range(lo_part, hi_part, block):
            hi = min(hi_part, lo + block)
            width = hi - lo
            bits = np.unpackbits(packed[:rows, lo // 8: -(-hi // 8)], axis=1, count=width)
            part = buffer[:, :width]
            np.copyto(part, bits)
            np.subtract(scores[:, lo:hi].T, means, out=columns[:width, :m], casting="same_kind")
            sums += part @ columns[:width]
        return sums

    bits_per_row = -(-n_clusters // 8)
    out = np.empty((n_draws, m))
    workers = min(len(parts), os.cpu_count() or 1)
    # BLAS is held to one thread: the parts are the threads (a multithreaded BLAS call
    # between the elementwise steps leaves threads spinning that slow those steps down)
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for first in range(0, n_draws, group):
            last = min(n_draws, first + group)
            rows = last - first
            packed = np.empty((rows, bits_per_row), dtype=np.uint8)
            for start in range(first, last, chunk):
                stop = min(last, start + chunk)
                packed[start - first:stop - first] = _packed_indicators(
                    rng, (stop - start, n_clusters), distribution)
            pieces = [pool.submit(products, packed, rows, lo, hi) for lo, hi in parts]
            sums = pieces[0].result()
            for piece in pieces[1:]:
                sums += piece.result()
            counts = sums[:, m:]  # how many multipliers of each draw take the value ``one``
            out[first:last] = (one - zero) * sums[:, :m] + zero * totals
            out[first:last] += ((one - zero) * counts + zero * n_clusters) * means
    out /= float(scale if scale is not None else n_clusters)
    return out


def _packed_indicators(rng: np.random.Generator, shape: tuple[int, int],
                       distribution: str) -> np.ndarray:
    """:func:`_indicators` as bits, each row packed on its own (``rows x ceil(n / 8)``),
    from the same generator call."""
    rows, n = shape
    if distribution == "rademacher" and n % 8 == 0:  # the bytes drawn are the rows' bits
        return rng.integers(0, 256, size=rows * n // 8, dtype=np.uint8).reshape(rows, n // 8)
    return np.packbits(_indicators(rng, shape, distribution), axis=1)


def bootstrap_standard_errors(draws: np.ndarray) -> np.ndarray:
    """Interquartile-range standard errors of each column of ``draws`` (NaN when degenerate).

    ``(q75 - q25) / (qnorm(.75) - qnorm(.25))`` with type-1 quantiles, as R's ``did``.
    A column whose draws are all (numerically) zero has no standard error.
    """
    draws = np.asarray(draws, dtype=float)
    q25, q75 = np.quantile(draws, [0.25, 0.75], axis=0, method="inverted_cdf")
    se = (q75 - q25) / _IQR_NORMAL
    size = np.max(np.abs(draws), axis=0)
    degenerate = ~np.isfinite(se) | (se <= 0) | (size <= _RELATIVE_ZERO * np.max(size, initial=0))
    return np.where(degenerate, np.nan, se)


def sup_t_statistics(draws: np.ndarray, std_errors: np.ndarray) -> np.ndarray:
    """The bootstrap draws of ``max_k |draw_k / se_k|`` (finite ones), for a uniform band.

    Columns without a standard error are left out (as R's ``did``); empty when no
    column is left.
    """
    se = np.asarray(std_errors, dtype=float)
    usable = np.isfinite(se) & (se > 0)
    if not usable.any():
        return np.zeros(0)
    t_max = np.max(np.abs(np.asarray(draws)[:, usable] / se[usable]), axis=1)
    return t_max[np.isfinite(t_max)]


def sup_t_critical_value(draws: np.ndarray, std_errors: np.ndarray, alpha: float) -> float:
    """Critical value of the uniform band: the ``1 - alpha`` quantile of ``max_k |draw/se|``
    (type 1, as R's ``did``); NaN when no column has a standard error."""
    t_max = sup_t_statistics(draws, std_errors)
    if t_max.size == 0:
        return float("nan")
    return float(np.quantile(t_max, 1.0 - alpha, method="inverted_cdf"))
