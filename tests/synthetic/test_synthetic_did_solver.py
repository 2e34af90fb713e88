"""The batched Frank-Wolfe solver against a literal transcription of the reference iteration.

The reference (R package synthdid, ``fw.step`` / ``sc.weight.fw``): from ``x``, compute
``Ax``, the half gradient ``A'(Ax - b) + eta x`` with ``eta = m zeta^2``, move to the
vertex of smallest gradient with the exact line-search step clipped to [0, 1], record
``zeta^2 |x|^2 + |Ax - b|^2 / m``, stop once that falls by no more than
``min_decrease^2`` or after ``max_iter`` iterations. The batched solver works in Gram
form with incremental updates; it must give the same iterates to rounding, for every
problem of a batch, padded or not, with or without a stored Gram matrix.
"""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.synthetic._simplex import BatchGram, SharedGram, SimplexLeastSquares, frank_wolfe


def _reference(a: np.ndarray, b: np.ndarray, x: np.ndarray, zeta: float, max_iter: int,
               min_decrease: float) -> tuple[np.ndarray, int]:
    m = a.shape[0]
    eta = m * zeta ** 2
    x = x.copy()
    vals: list[float] = []
    t = 0
    while t < max_iter and (t < 2 or vals[-2] - vals[-1] > min_decrease ** 2):
        t += 1
        ax = a @ x
        half_grad = (ax - b) @ a + eta * x
        i = int(np.argmin(half_grad))
        d = -x.copy()
        d[i] = 1 - x[i]
        if not np.all(d == 0):
            d_err = a[:, i] - ax
            step = -(half_grad @ d) / (d_err @ d_err + eta * (d @ d))
            x = x + min(1.0, max(0.0, step)) * d
        err = a @ x - b
        vals.append(zeta ** 2 * (x @ x) + (err @ err) / m)
    return x, t


@pytest.mark.parametrize("stored_gram", [True, False])
def test_shared_factor_problems_follow_the_reference(stored_gram):
    rng = np.random.default_rng(0)
    t0, n_units = 9, 25
    factor = rng.normal(size=(t0, n_units)).cumsum(axis=0)
    factor -= factor.mean(axis=1, keepdims=True)
    index = np.array([rng.choice(n_units, 12, replace=False) for _ in range(5)])
    mask = np.ones_like(index, dtype=bool)
    mask[1, 9:] = False  # a padded problem
    mask[3, 5:] = False
    targets = rng.normal(size=(5, t0)) + factor[:, :3].mean(axis=1)
    cross = np.einsum("bt,btn->bn", targets, factor[:, index].transpose(1, 0, 2))
    problem = SimplexLeastSquares(
        gram=SharedGram(factor, index, factor.T @ factor if stored_gram else None),
        cross=np.where(mask, cross, 0.0), target_sq=(targets ** 2).sum(axis=1),
        n_rows=np.full(5, float(t0)), mask=mask)
    start = mask / mask.sum(axis=1, keepdims=True)
    zeta = np.array([0.5, 1e-6, 2.0, 0.1, 0.0])
    result = frank_wolfe(problem, start, zeta=zeta, max_iter=3000, min_decrease=1e-6)
    for p in range(5):
        cols = index[p][mask[p]]
        expected, iterations = _reference(factor[:, cols], targets[p], start[p][mask[p]],
                                          zeta[p], 3000, 1e-6)
        np.testing.assert_allclose(result.x[p][mask[p]], expected, atol=1e-9)
        assert result.iterations[p] == iterations
        assert np.all(result.x[p][~mask[p]] == 0.0)
        assert result.x[p].sum() == pytest.approx(1.0, abs=1e-12)


def test_repeated_columns_get_the_same_total_weight_as_in_the_reference():
    # a bootstrap draw repeats units: identical columns tie in the gradient up to the
    # ridge term, so rounding may split their weight differently; their total must agree
    rng = np.random.default_rng(4)
    factor = rng.normal(size=(8, 10)).cumsum(axis=0)
    index = np.array([[0, 1, 1, 2, 3, 3, 3, 4, 5, 6]])
    target = factor[:, [1, 3, 6]].mean(axis=1, keepdims=True).T + 0.1
    cols = factor[:, index[0]]
    problem = SimplexLeastSquares(
        gram=SharedGram(factor, index, factor.T @ factor), cross=target @ cols,
        target_sq=(target ** 2).sum(axis=1), n_rows=np.array([8.0]),
        mask=np.ones((1, 10), dtype=bool))
    start = np.full((1, 10), 0.1)
    result = frank_wolfe(problem, start, zeta=0.05, max_iter=2000, min_decrease=1e-7)
    expected, _ = _reference(cols, target[0], start[0], 0.05, 2000, 1e-7)
    totals = np.bincount(index[0], weights=result.x[0])
    np.testing.assert_allclose(totals, np.bincount(index[0], weights=expected), atol=1e-6)


def test_dense_gram_problems_follow_the_reference():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 30, 6))  # 4 problems, 30 rows, 6 variables
    b = rng.normal(size=(4, 30))
    problem = SimplexLeastSquares(
        gram=BatchGram(np.einsum("bri,brj->bij", a, a)), cross=np.einsum("bri,br->bi", a, b),
        target_sq=(b ** 2).sum(axis=1), n_rows=np.full(4, 30.0),
        mask=np.ones((4, 6), dtype=bool))
    start = np.full((4, 6), 1 / 6)
    result = frank_wolfe(problem, start, zeta=0.3, max_iter=500, min_decrease=1e-8)
    for p in range(4):
        expected, iterations = _reference(a[p], b[p], start[p], 0.3, 500, 1e-8)
        np.testing.assert_allclose(result.x[p], expected, atol=1e-10)
        assert result.iterations[p] == iterations


def test_a_vertex_start_that_is_optimal_stays_put():
    factor = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    index = np.array([[0, 1, 2]])
    target = np.array([[5.0, 5.0]])  # beyond the third column: optimum at its vertex
    problem = SimplexLeastSquares(
        gram=SharedGram(factor, index, factor.T @ factor), cross=target @ factor,
        target_sq=np.array([50.0]), n_rows=np.array([2.0]), mask=np.ones((1, 3), dtype=bool))
    result = frank_wolfe(problem, np.array([[0.0, 0.0, 1.0]]), zeta=0.0, max_iter=100,
                         min_decrease=1e-9)
    np.testing.assert_array_equal(result.x, [[0.0, 0.0, 1.0]])
    assert result.iterations[0] == 2  # the reference also stops after its second iteration
