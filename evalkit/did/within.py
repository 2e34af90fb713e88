r"""The within transformation for unit and period fixed effects, in numpy.

A building block shared by the panel estimators and by the checks run on their results
(:mod:`evalkit.robustness`), which re-estimate on transformed data.

Regressing on unit and period indicators is the same, for the slope coefficients, as
regressing the *within-transformed* outcome on the within-transformed regressors
(Frisch-Waugh-Lovell): each column :math:`x` is replaced by its residual

.. math:: \tilde x = x - \hat a_{i(r)} - \hat b_{t(r)}, \qquad
          (\hat a, \hat b) = \arg\min_{a, b} \sum_r w_r (x_r - a_{i(r)} - b_{t(r)})^2,

the weighted least-squares projection of :math:`x` off the unit and period
indicators. :class:`TwoWayWithin` computes it without forming the indicators, with
group sums taken by reshaping (balanced panels sorted by unit and period) or through
sparse summation matrices (no Python loop over units or rows), by one of three methods:

``closed_form``
    Balanced panels whose weights do not vary within units (or within periods):
    :math:`\tilde x = x - \bar x_{i\cdot} - \bar x_{\cdot t} + \bar x_{\cdot\cdot}`
    with (weighted) means. Exact.
``direct``
    Any panel. The factor with more levels (:math:`A`, usually units) is absorbed by
    its group means; the indicators of the other factor (:math:`B`, usually periods,
    :math:`S` levels) are then partialled out exactly by solving their
    :math:`S \times S` normal equations
    :math:`(\operatorname{diag}(W_B) - C' \operatorname{diag}(W_A)^{-1} C)\,\lambda
    = D_B' W \tilde x_A`, where :math:`C_{as}` is the weight of the rows in unit
    :math:`a` and period :math:`s`. The matrix is the weighted Laplacian of the graph
    linking two periods through the units observed in both; one level per connected
    component is fixed at zero and the rest solved by Cholesky. Exact.
``iterative``
    For panels where both factors have many levels (more than
    :data:`DIRECT_MAX_LEVELS` each): the same normal equations solved matrix-free by
    conjugate gradients with a diagonal preconditioner (an accelerated form of
    alternating projections), to a relative residual of ``tol`` (default
    :math:`10^{-13}`).

References
----------
Guimarães, P. and Portugal, P. (2010). A simple feasible procedure to fit models with
high-dimensional fixed effects. *Stata Journal*, 10(4), 628-649.
Gaure, S. (2013). OLS with multiple high dimensional category variables.
*Computational Statistics & Data Analysis*, 66, 8-18.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from scipy.sparse.csgraph import connected_components

from evalkit.errors import EstimationError, InputError

__all__ = ["TwoWayWithin", "WithinMethod", "DIRECT_MAX_LEVELS", "pair_sums", "is_nested",
           "compact_codes"]

WithinMethod = Literal["auto", "closed_form", "direct", "iterative"]

#: Above this many levels in *both* factors, ``method="auto"`` solves iteratively.
DIRECT_MAX_LEVELS = 5000
#: Above this many (unit, period) cells, the cell-weight matrix is kept sparse.
_DENSE_CELLS_MAX = 30_000_000
#: Rows processed at once when expanding level effects back to rows.
_CHUNK = 1 << 19


def is_nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True when every level of ``inner`` falls within a single level of ``outer``.

    One pass: take, for every level of ``inner``, the ``outer`` code of any of its
    rows, and check that all its rows carry that code.
    """
    inner = np.asarray(inner)
    outer = np.asarray(outer)
    representative = np.zeros(int(inner.max()) + 1 if inner.size else 0, dtype=outer.dtype)
    representative[inner] = outer
    return bool(np.array_equal(representative[inner], outer))


def _index_dtype(n: int) -> type[np.signedinteger]:
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


def compact_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes renumbered 0..L-1 over the levels that occur, and L."""
    codes = np.asarray(codes)
    if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
        raise InputError("codes: must be a one-dimensional array of integer codes; got "
                         f"dtype {codes.dtype} and shape {codes.shape}")
    if codes.size and codes.min() < 0:
        raise InputError("codes: must be non-negative integer codes")
    present = np.bincount(codes) > 0 if codes.size else np.zeros(0, bool)
    n_levels = int(present.sum())
    if n_levels == present.size:
        return codes.astype(np.intp, copy=False), n_levels
    return (np.cumsum(present) - 1)[codes], n_levels


class _Factor:
    """One set of fixed effects: codes, weighted group sums and expansion back to rows."""

    def __init__(self, codes: np.ndarray, n_levels: int, weights: np.ndarray | None) -> None:
        self.codes = codes
        self.n_levels = n_levels
        self._n = n = codes.size
        self._weights = weights
        self.totals = np.bincount(codes, weights=weights, minlength=n_levels).astype(float)
        # layout: rows in blocks of equal size by level (unit-major balanced panel), rows
        # cycling through the levels (period codes of a unit-major balanced panel), or any
        self.layout = "any"
        if n and n % n_levels == 0:
            size = n // n_levels
            levels = np.arange(n_levels, dtype=codes.dtype)
            if (codes.reshape(n_levels, size) == levels[:, None]).all():
                self.layout = "blocks"
            elif (codes.reshape(size, n_levels) == levels).all():
                self.layout = "cycles"
        self._structure: tuple[str, np.ndarray, np.ndarray] | None = None

    def _matrix(self, data: np.ndarray) -> sp.spmatrix:
        """The (levels x rows) summation matrix with ``data`` as row weights (built lazily)."""
        n = self._n
        if self._structure is None:
            index_dtype = _index_dtype(max(n, 1))
            if n < 2 or bool(np.all(self.codes[1:] >= self.codes[:-1])):
                indptr = np.zeros(self.n_levels + 1, dtype=index_dtype)
                np.cumsum(np.bincount(self.codes, minlength=self.n_levels), out=indptr[1:])
                self._structure = ("csr", np.arange(n, dtype=index_dtype), indptr)
            else:  # rows in any order: a CSC matrix takes the codes as they are
                self._structure = ("csc", self.codes.astype(index_dtype, copy=False),
                                   np.arange(n + 1, dtype=index_dtype))
        kind, indices, indptr = self._structure
        build = sp.csr_matrix if kind == "csr" else sp.csc_matrix
        return build((data, indices, indptr), shape=(self.n_levels, n), copy=False)

    def sums(self, values: np.ndarray, data: np.ndarray | None = None) -> np.ndarray:
        """Sums of ``data * values`` (rows x k) by level; ``data`` defaults to the weights."""
        scale = self._weights if data is None else data
        if self.layout != "any":
            v = values if scale is None else values * scale[:, None]
            k = values.shape[1]
            if self.layout == "blocks":
                return v.reshape(self.n_levels, -1, k).sum(axis=1)
            return v.reshape(-1, self.n_levels, k).sum(axis=0)
        return np.asarray(self._matrix(np.ones(self._n) if scale is None else scale) @ values)

    def subtract(self, out: np.ndarray, effects: np.ndarray) -> None:
        """``out -= effects[codes]`` in place, without a rows-sized temporary."""
        k = out.shape[1]
        if self.layout == "blocks":
            out.reshape(self.n_levels, -1, k)[...] -= effects[:, None, :]
        elif self.layout == "cycles":
            out.reshape(-1, self.n_levels, k)[...] -= effects[None, :, :]
        else:
            for start in range(0, self._n, _CHUNK):
                rows = slice(start, start + _CHUNK)
                out[rows] -= effects[self.codes[rows]]

    def constant_within(self, values: np.ndarray) -> bool:
        """True when ``values`` takes a single value within every level."""
        representative = np.empty(self.n_levels, dtype=values.dtype)
        representative[self.codes] = values
        return bool(np.array_equal(representative[self.codes], values))


def pair_sums(first: np.ndarray, second: np.ndarray, values: np.ndarray | None,
              n_first: int, n_second: int) -> np.ndarray | sp.csr_matrix:
    """Sums of ``values`` (default 1) over the rows of each (first, second) pair of codes.

    A dense (n_first x n_second) array when it has at most ``_DENSE_CELLS_MAX``
    entries, else a sparse CSR matrix. When every level of ``second`` falls within one
    level of ``first`` (e.g. units within clusters), the matrix has one entry per
    level of ``second`` and is built from the ``second``-level sums alone.
    """
    size = n_first * n_second
    if size <= _DENSE_CELLS_MAX:
        cells = first.astype(np.int64)
        cells *= n_second
        cells += second
        sums = np.bincount(cells, weights=values, minlength=size)
        del cells
        return sums.astype(float, copy=False).reshape(n_first, n_second)
    if is_nested(second, first):
        owner = np.zeros(n_second, dtype=np.int64)
        owner[second] = first
        sums = np.bincount(second, weights=values, minlength=n_second).astype(float)
        return sp.csr_matrix((sums, (owner, np.arange(n_second))), shape=(n_first, n_second))
    data = np.ones(first.size) if values is None else values
    matrix = sp.csr_matrix((data, (first, second)), shape=(n_first, n_second))
    matrix.sum_duplicates()
    return matrix


class TwoWayWithin:
    r"""The within (two-way fixed-effects) projection for given units, periods and weights.

    Built once for a sample, then applied to any number of columns with
    :meth:`transform`. The result is the residual of the weighted least-squares
    regression of each column on unit and period indicators (see the module
    documentation for the methods).

    Parameters
    ----------
    unit_codes, time_codes
        Non-negative integer codes of each row's unit and period (need not be
        contiguous, sorted or unique pairs).
    weights
        Optional positive weights, one per row.
    method
        ``"auto"`` (default): ``closed_form`` for balanced panels with weights constant
        within units or periods, else ``direct`` unless both factors have more than
        :data:`DIRECT_MAX_LEVELS` levels, then ``iterative``.
    tol
        Relative residual at which the iterative method stops.
    max_iter
        Iteration limit of the iterative method.

    Attributes
    ----------
    method
        The method used.
    n_units, n_periods
        Number of distinct units and periods in the sample.
    iterations
        Iterations used by the last iterative solve (0 for the exact methods).
    """

    def __init__(
        self,
        unit_codes: np.ndarray,
        time_codes: np.ndarray,
        weights: np.ndarray | None = None,
        *,
        method: WithinMethod = "auto",
        tol: float = 1e-13,
        max_iter: int = 5000,
    ) -> None:
        units, n_units = compact_codes(unit_codes)
        periods, n_periods = compact_codes(time_codes)
        if units.size != periods.size:
            raise InputError(f"unit_codes and time_codes: must have the same length; got "
                             f"{units.size} and {periods.size}")
        if method not in ("auto", "closed_form", "direct", "iterative"):
            raise InputError(f"method={method!r}: must be one of 'auto', 'closed_form', "
                             f"'direct', 'iterative'; got {method!r}")
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != units.shape or not np.all(w > 0):
                raise InputError("weights: must be positive, one per row")
        self.n_units = n_units
        self.n_periods = n_periods
        self.n_obs = int(units.size)
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        self.iterations = 0
        self._weights = w
        unit = _Factor(units, n_units, w)
        period = _Factor(periods, n_periods, w)
        # A: the factor absorbed by group means (more levels); B: the one solved for
        self._a, self._b = (unit, period) if n_units >= n_periods else (period, unit)
        balanced = self.n_obs == n_units * n_periods and (
            (unit.layout, period.layout) in (("blocks", "cycles"), ("cycles", "blocks"))
            or self._unique_cells(units, periods))
        closed = balanced and (w is None or unit.constant_within(w) or period.constant_within(w))
        if method == "closed_form" and not closed:
            raise InputError("method='closed_form': needs a balanced panel (one row per unit "
                             "and period) whose weights do not vary within units or periods")
        if method == "auto":
            method = ("closed_form" if closed else "direct"
                      if self._b.n_levels <= DIRECT_MAX_LEVELS else "iterative")
        self.method: str = method
        self._cells: np.ndarray | sp.csr_matrix | None = None
        if method != "closed_form":
            self._prepare_solve()

    @staticmethod
    def _unique_cells(units: np.ndarray, periods: np.ndarray) -> bool:
        n_periods = int(periods.max()) + 1 if periods.size else 0
        cells = units.astype(np.int64) * n_periods + periods
        return bool(np.bincount(cells).max(initial=0) <= 1)

    # ------------------------------------------------------------------ the B normal equations
    def cells(self) -> np.ndarray | sp.csr_matrix:
        """:math:`C`: the weight of the rows in each (A level, B level) cell (built once)."""
        if self._cells is None:
            a, b = self._a, self._b
            self._cells = pair_sums(a.codes, b.codes, self._weights, a.n_levels, b.n_levels)
        return self._cells

    def _cells_t_times(self, values: np.ndarray) -> np.ndarray:
        """:math:`C'v` for (A levels x k) ``v``: B-level sums of the A-level values."""
        if self._weights is None and self.method == "closed_form":  # every cell has one row
            return np.broadcast_to(values.sum(axis=0), (self._b.n_levels, values.shape[1]))
        return np.asarray(self.cells().T @ values)

    def _prepare_solve(self) -> None:
        a, b = self._a, self._b
        c = self.cells()
        if self.method == "iterative":
            return
        if isinstance(c, np.ndarray):
            laplacian = -(c / a.totals[:, None]).T @ c
        else:
            laplacian = -(c.T @ sp.diags(1.0 / a.totals) @ c).toarray()
        laplacian[np.diag_indices_from(laplacian)] += b.totals
        # two levels of B are linked when some level of A is observed in both
        _, component = connected_components(sp.csr_matrix(laplacian != 0), directed=False)
        first = np.unique(component, return_index=True)[1]
        free = np.ones(b.n_levels, dtype=bool)
        free[first] = False  # one level per connected component is fixed at zero
        self._free = free
        reduced = laplacian[np.ix_(free, free)]
        try:
            self._factor = ("cholesky", linalg.cho_factor(reduced, lower=True, check_finite=False))
        except linalg.LinAlgError:  # numerically semi-definite: fall back to least squares
            self._factor = ("lstsq", reduced)

    def _solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve the B normal equations for every column of ``rhs`` (levels x k)."""
        if self.method == "iterative":
            return self._conjugate_gradients(rhs)
        solution = np.zeros_like(rhs)
        if self._free.any():
            kind, factor = self._factor
            part = rhs[self._free]
            solution[self._free] = (linalg.cho_solve(factor, part, check_finite=False)
                                    if kind == "cholesky"
                                    else linalg.lstsq(factor, part, check_finite=False)[0])
        return solution

    def _laplacian_times(self, v: np.ndarray) -> np.ndarray:
        c = self.cells()
        return self._b.totals[:, None] * v - c.T @ ((c @ v) / self._a.totals[:, None])

    def _conjugate_gradients(self, rhs: np.ndarray) -> np.ndarray:
        """Jacobi-preconditioned conjugate gradients, one system per column at once."""
        c = self.cells()
        squares = c * c if isinstance(c, np.ndarray) else c.multiply(c)
        diagonal = self._b.totals - np.asarray(squares.T @ (1.0 / self._a.totals)).ravel()
        precondition = 1.0 / np.where(diagonal > 0, diagonal, 1.0)
        x = np.zeros_like(rhs)
        r = rhs.copy()
        z = r * precondition[:, None]
        p = z.copy()
        rz = np.einsum("ij,ij->j", r, z)
        target = self.tol * np.linalg.norm(rhs, axis=0)
        for iteration in range(1, self.max_iter + 1):
            if np.all(np.linalg.norm(r, axis=0) <= target):
                self.iterations = iteration - 1
                return x
            q = self._laplacian_times(p)
            pq = np.einsum("ij,ij->j", p, q)
            step = np.divide(rz, pq, out=np.zeros_like(rz), where=pq > 0)
            x += step * p
            r -= step * q
            z = r * precondition[:, None]
            rz_new = np.einsum("ij,ij->j", r, z)
            p = z + np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0) * p
            rz = rz_new
        if np.all(np.linalg.norm(r, axis=0) <= target):
            self.iterations = self.max_iter
            return x
        scale = np.linalg.norm(rhs, axis=0)
        worst = float(np.max(np.linalg.norm(r, axis=0) / np.where(scale > 0, scale, 1.0)))
        raise EstimationError(
            f"The fixed-effects projection did not converge in {self.max_iter} iterations "
            f"(relative residual {worst:.1e}; tolerance {self.tol:.0e}).")

    # ------------------------------------------------------------------ public
    @property
    def factors(self) -> tuple[tuple[np.ndarray, int], tuple[np.ndarray, int]]:
        """``((codes, levels) of A, (codes, levels) of B)``: the compact row codes of the
        factor absorbed by means (A, the one with more levels) and of the other one (B),
        in the terms of :meth:`indicator_effects`."""
        return (self._a.codes, self._a.n_levels), (self._b.codes, self._b.n_levels)

    def indicator_effects(self, shifted_codes: np.ndarray, n_columns: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        r"""The projection of mutually exclusive 0/1 columns, without forming them.

        Column :math:`j` is 1 on the rows with ``shifted_codes == j + 1`` (``0``: no
        column). Its within transformation is
        :math:`D_j - \alpha_{a(r), j} - \beta_{b(r), j}`, with ``a`` and ``b`` the codes
        of :attr:`factors`.

        Returns
        -------
        alpha, beta
            The level effects (A levels x columns, B levels x columns).
        mean_a, sums_b
            The weighted share of each A level's rows in each column
            (:math:`\operatorname{diag}(W_A)^{-1} N_A`; the same array as ``alpha``
            for the closed form) and the weight of each column's rows in each B level
            (:math:`N_B`), so that :math:`D'W\tilde D = \operatorname{diag}(D'WD)
            - N_A'\alpha - N_B'\beta`.
        """
        a, b = self._a, self._b
        w = self._weights
        width = n_columns + 1
        mean_a = pair_sums(a.codes, shifted_codes, w, a.n_levels, width)
        mean_a = (mean_a.toarray() if sp.issparse(mean_a) else mean_a)[:, 1:]
        mean_a /= a.totals[:, None]
        sums_b = pair_sums(b.codes, shifted_codes, w, b.n_levels, width)
        sums_b = (sums_b.toarray() if sp.issparse(sums_b) else sums_b)[:, 1:]
        rhs = sums_b - self._cells_t_times(mean_a)
        if self.method == "closed_form":
            return mean_a, rhs / b.totals[:, None], mean_a, sums_b
        beta = self._solve(rhs)
        alpha = mean_a - np.asarray(self.cells() @ beta) / a.totals[:, None]
        return alpha, beta, mean_a, sums_b

    def transform(self, values: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        """Residuals of ``values`` (one column or rows x k) off the unit and period effects.

        Parameters
        ----------
        values
            One value per row, or a (rows x k) array.
        overwrite
            If true and ``values`` is a C-contiguous float array, transform it in place
            (saves memory for large designs) and return it.

        Returns
        -------
        numpy.ndarray
            The residuals, with the shape of ``values``.
        """
        array = np.asarray(values)
        one = array.ndim == 1
        if array.shape[0] != self.n_obs or array.ndim not in (1, 2):
            raise InputError(f"values: must have one row per observation ({self.n_obs}); "
                             f"got shape {array.shape}")
        in_place = (overwrite and array.dtype == np.float64 and array.flags.c_contiguous
                    and array.flags.writeable)
        out = array if in_place else np.array(array, dtype=float, order="C")
        out2 = out.reshape(self.n_obs, -1)
        if out2.shape[1] == 0 or self.n_obs == 0:
            return out
        a, b = self._a, self._b
        a.subtract(out2, a.sums(out2) / a.totals[:, None])
        b_sums = b.sums(out2)
        if self.method == "closed_form":
            b.subtract(out2, b_sums / b.totals[:, None])
        else:
            lam = self._solve(b_sums)
            a.subtract(out2, -np.asarray(self.cells() @ lam) / a.totals[:, None])
            b.subtract(out2, lam)
        return out2[:, 0] if one else out
