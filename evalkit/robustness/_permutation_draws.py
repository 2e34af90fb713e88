r"""Treatment assignments for randomization inference: counting, enumerating, drawing.

An *assignment* gives every unit a label (treated or not; or a treatment cohort). The
randomization distribution of a statistic is its value under every rearrangement of the
labels across units that keeps how many units carry each label (Fisher 1935; Imbens &
Rubin 2015, ch. 5). There are :math:`U! / \prod_c n_c!` distinct rearrangements of
:math:`U` units with :math:`n_c` units per label :math:`c`.

p-values (Phipson & Smyth 2010)
    Under *exact enumeration* of all :math:`M` distinct assignments (the observed one
    among them), :math:`p = \#\{b : |S_b| \ge |S_{obs}|\} / M`. With :math:`B` random
    permutations, :math:`p = (1 + \#\{b : |S_b| \ge |S_{obs}|\}) / (1 + B)`, which is
    never below :math:`1/(1+B)` and gives a valid test. Statistics within a relative
    :data:`TIE_TOLERANCE` of the observed one count as ties (as extreme).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Literal

import numpy as np

__all__ = ["Alternative", "ALTERNATIVES", "TIE_TOLERANCE", "count_assignments",
           "enumerate_assignments", "random_assignments", "extreme_count"]

Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")
#: Relative tolerance under which a permuted statistic equals the observed one.
TIE_TOLERANCE = 1e-9
_CHUNK_ELEMENTS = 1 << 22


def count_assignments(codes: np.ndarray) -> int:
    """Number of distinct rearrangements of the labels ``codes`` (a multinomial coefficient)."""
    counts = np.bincount(np.asarray(codes))
    total, left = 1, int(codes.size)
    for n in counts:
        total *= math.comb(left, int(n))
        left -= int(n)
    return total


def enumerate_assignments(codes: np.ndarray) -> np.ndarray:
    """Every distinct rearrangement of ``codes`` (one per row), in a fixed order."""
    codes = np.asarray(codes)
    counts = np.bincount(codes)
    size = codes.size
    rows: list[np.ndarray] = []

    def place(label: int, free: tuple[int, ...], current: np.ndarray) -> None:
        if label == counts.size - 1:  # the last label takes every free position
            filled = current.copy()
            filled[list(free)] = label
            rows.append(filled)
            return
        for chosen in itertools.combinations(free, int(counts[label])):
            current[list(chosen)] = label
            rest = tuple(i for i in free if i not in set(chosen))
            place(label + 1, rest, current)

    place(0, tuple(range(size)), np.zeros(size, dtype=codes.dtype))
    return np.array(rows, dtype=codes.dtype).reshape(len(rows), size)


def random_assignments(codes: np.ndarray, n_draws: int, rng: np.random.Generator, *,
                       row_size: int | None = None) -> Iterator[np.ndarray]:
    """``n_draws`` random rearrangements of ``codes``, in blocks (block x units).

    ``row_size`` (default: the number of units) is the work per assignment that limits
    the block size, so that a block never holds more than about 4 million numbers.
    """
    codes = np.asarray(codes)
    per_row = max(int(row_size or codes.size), 1)
    chunk = max(1, min(n_draws, _CHUNK_ELEMENTS // per_row))
    for start in range(0, n_draws, chunk):
        block = np.tile(codes, (min(chunk, n_draws - start), 1))
        rng.permuted(block, axis=1, out=block)
        yield block


def extreme_count(values: np.ndarray, observed: float, alternative: Alternative) -> int:
    """How many ``values`` are at least as extreme as ``observed`` (ties included)."""
    values = np.asarray(values, dtype=float)
    if alternative == "two-sided":
        values, observed = np.abs(values), abs(observed)
    elif alternative == "less":
        values, observed = -values, -observed
    slack = TIE_TOLERANCE * max(abs(observed), np.finfo(float).tiny)
    return int(np.count_nonzero(values >= observed - slack))
