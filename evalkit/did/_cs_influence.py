"""The influence-function matrix of group-time effects, held row by row over spans of units.

The inference of Callaway & Sant'Anna needs, from the matrix ``M`` of the cells'
influence functions and the cohort indicators (one row each, one column per unit:
:mod:`evalkit.did._cs_aggregate`), only ``M M'`` -- or, clustered, the sums of ``M``'s
columns within clusters, and with the multiplier bootstrap the draws of its rows. None of
these needs the whole of ``M`` at once. With units sorted by cohort, a row is non-zero
only on a few contiguous spans of units (a cell's treated cohort and its comparison
units; a cohort's own units), and its values there are either kept as computed (a cell
with covariates) or recomputed on demand from a few numbers (a cell without covariates:
its units' outcome changes less their group's mean, scaled). ``M M'`` is then summed
piece by piece of units: memory holds a few thousand units of the rows at a time instead
of ``(cells + cohorts) x units`` numbers.

Each row computes its values the same way, element by element, whether for a piece or a
whole span, so that the results depend on the pieces only through the order of the sums
of ``M M'``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["InfluenceRow", "StoredRow", "MeanChangeRow", "IndicatorRow", "influence_gram",
           "influence_sums", "influence_matrix"]

PIECE = 1 << 15  # units of every row computed at once when summing M M'


class InfluenceRow:
    """One row of ``M``: zero outside ``spans``, the ``(lo, hi)`` ranges of units (disjoint,
    in any order) where :meth:`fill` computes its values."""

    __slots__ = ("spans",)

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = tuple((int(lo), int(hi)) for lo, hi in spans if hi > lo)

    def _span(self, lo: int, hi: int) -> int:
        for s, (start, stop) in enumerate(self.spans):
            if start <= lo and hi <= stop:
                return s
        raise ValueError(f"units {lo}..{hi} are not within one span of the row")

    def covers(self, lo: int, hi: int) -> bool:
        """Whether the units ``lo .. hi - 1`` lie within one of the row's spans."""
        return any(start <= lo and hi <= stop for start, stop in self.spans)

    def fill(self, lo: int, hi: int, out: np.ndarray) -> None:
        """Write the row's values on units ``lo .. hi - 1`` (within one span) into ``out``."""
        raise NotImplementedError


class StoredRow(InfluenceRow):
    """A row whose values were computed once: ``values`` holds them span after span."""

    __slots__ = ("values", "_offsets")

    def __init__(self, spans: Sequence[tuple[int, int]], values: np.ndarray) -> None:
        super().__init__(spans)
        self.values = values
        sizes = [hi - lo for lo, hi in self.spans]
        self._offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        if int(self._offsets[-1]) != values.size:
            raise ValueError("a stored row needs one value per unit of its spans")

    def fill(self, lo: int, hi: int, out: np.ndarray) -> None:
        s = self._span(lo, hi)
        start = int(self._offsets[s]) + lo - self.spans[s][0]
        out[...] = self.values[start: start + hi - lo]


class MeanChangeRow(InfluenceRow):
    """The influence function of a difference in mean outcome changes (no covariates):
    ``scale * w_i * (y_t[i] - y_b[i] - mean)`` on each span, with the ``mean`` and
    ``scale`` of the span's group (treated or comparison units) and ``w`` the sampling
    weights (1 without weights)."""

    __slots__ = ("y_t", "y_b", "weights", "means", "scales")

    def __init__(self, spans: Sequence[tuple[int, int]], y_t: np.ndarray, y_b: np.ndarray,
                 weights: np.ndarray | None, means: Sequence[float],
                 scales: Sequence[float]) -> None:
        kept = [s for s, (lo, hi) in enumerate(spans) if hi > lo]
        super().__init__(spans)
        self.y_t, self.y_b, self.weights = y_t, y_b, weights
        self.means = tuple(float(means[s]) for s in kept)
        self.scales = tuple(float(scales[s]) for s in kept)

    def fill(self, lo: int, hi: int, out: np.ndarray) -> None:
        s = self._span(lo, hi)
        np.subtract(self.y_t[lo:hi], self.y_b[lo:hi], out=out)
        out -= self.means[s]
        if self.weights is not None:
            np.multiply(out, self.weights[lo:hi], out=out)
        np.multiply(out, self.scales[s], out=out)


class IndicatorRow(InfluenceRow):
    """A cohort's indicator times the sampling weights: ``w_i`` (or 1) on its units."""

    __slots__ = ("weights",)

    def __init__(self, spans: Sequence[tuple[int, int]], weights: np.ndarray | None) -> None:
        super().__init__(spans)
        self.weights = weights

    def fill(self, lo: int, hi: int, out: np.ndarray) -> None:
        if self.weights is None:
            out[...] = 1.0
        else:
            out[...] = self.weights[lo:hi]


def _pieces(rows: Sequence[InfluenceRow], n: int,
            size: int) -> Iterator[tuple[int, int, list[int]]]:
    """Ranges of at most ``size`` units, each within or outside every span of every row,
    with the rows that are not zero there."""
    edges = sorted({0, n} | {edge for row in rows for span in row.spans for edge in span})
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        active = [i for i, row in enumerate(rows) if row.covers(a, b)]
        if not active:
            continue
        for lo in range(a, b, size):
            yield lo, min(lo + size, b), active


def influence_gram(rows: Sequence[InfluenceRow], n: int, *,
                   piece: int | None = None) -> np.ndarray:
    """``M M'``, summed over pieces of at most ``piece`` units (default :data:`PIECE`),
    each piece's product over the rows that are not zero there."""
    gram = np.zeros((len(rows), len(rows)))
    for lo, hi, active in _pieces(rows, n, PIECE if piece is None else piece):
        values = np.empty((len(active), hi - lo))
        for j, i in enumerate(active):
            rows[i].fill(lo, hi, values[j])
        gram[np.ix_(active, active)] += values @ values.T
    return gram


def influence_sums(rows: Sequence[InfluenceRow], n: int, clusters: np.ndarray,
                   n_clusters: int) -> np.ndarray:
    """The sums of each row within clusters (``len(rows) x n_clusters``); ``clusters``
    gives each unit's cluster, ``0 .. n_clusters - 1``."""
    sums = np.empty((len(rows), n_clusters))
    row_values = np.empty(n)
    for i, row in enumerate(rows):
        _write(row, row_values)
        sums[i] = np.bincount(clusters, weights=row_values, minlength=n_clusters)
    return sums


def influence_matrix(rows: Sequence[InfluenceRow], n: int) -> np.ndarray:
    """``M`` itself (``len(rows) x n``), for the multiplier bootstrap by unit."""
    matrix = np.empty((len(rows), n))
    for i, row in enumerate(rows):
        _write(row, matrix[i])
    return matrix


def _write(row: InfluenceRow, out: np.ndarray) -> None:
    out[...] = 0.0
    for lo, hi in row.spans:
        row.fill(lo, hi, out[lo:hi])
