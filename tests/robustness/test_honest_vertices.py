"""The dual vertices of the ARP test: double description against two independent routes.

- On small problems, the vertex set equals the one found by the definition: every choice
  of ``k`` moments whose columns of ``[sigma, X']`` form a basis with a non-negative
  solution (``comb(m, k)`` candidates, as evalkit enumerated them before).
- On problems too large for that (10 and 20 post-periods), the largest value of
  ``gamma'y`` over the vertices equals the value of the linear program the reference
  package solves (HiGHS through scipy), for random objectives, and the truncation
  interval of the conditional test equals the one the package computes with two more
  linear programs (``.lp_dual_fn``).
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pytest
from scipy.optimize import linprog

from evalkit.robustness._honest_arp import _null_basis, build_problem, truncation
from evalkit.robustness._honest_constraints import relative_magnitude_sets, smoothness_set
from evalkit.robustness._honest_vertices import dual_vertices, extreme_rays


def _basis_vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Vertices by definition: basic feasible solutions of [sd'; X'] g = e1, g >= 0."""
    m = sd.size
    u, s, _ = np.linalg.svd(x, full_matrices=False) if x.size else (None, np.zeros(0), None)
    rank = int(np.sum(s > s[0] * max(x.shape) * 1e-13)) if s.size and s[0] > 0 else 0
    w = np.column_stack([sd, u[:, :rank]]) if rank else sd[:, None]
    k = w.shape[1]
    found = []
    for subset in combinations(range(m), k):
        basis = w[list(subset)].T
        if np.linalg.matrix_rank(basis) < k:
            continue
        lam = np.linalg.solve(basis, np.eye(k)[0])
        if np.all(lam >= -1e-12):
            g = np.zeros(m)
            g[list(subset)] = np.clip(lam, 0, None)
            found.append(g)
    return np.array(found).reshape(-1, m)


def _as_set(vertices: np.ndarray) -> set[tuple[float, ...]]:
    return set(map(tuple, np.round(vertices, 8)))


def _covariance(n: int, seed: int) -> np.ndarray:
    root = np.random.default_rng(seed).normal(size=(n, n))
    return root @ root.T / n + 0.5 * np.eye(n)


def _pieces(n_pre: int, n_post: int, m: float):
    return relative_magnitude_sets(n_pre, n_post, m) + [smoothness_set(n_pre, n_post, m)]


def _moments(cset, sigma: np.ndarray, n_pre: int, l_vec: np.ndarray):
    a, rows = cset.A, cset.rows
    x = (a[:, n_pre:] @ _null_basis(l_vec) if l_vec.size > 1
         else np.zeros((a.shape[0], 0)))[rows]
    sd = np.sqrt(np.diag(a @ sigma @ a.T))[rows]
    return sd, x


@pytest.mark.parametrize(("n_pre", "n_post"), [(1, 1), (2, 3), (3, 3), (5, 5), (4, 6), (6, 2)])
def test_restriction_pieces_match_the_definition(n_pre, n_post):
    sigma = _covariance(n_pre + n_post, n_pre)
    rng = np.random.default_rng(n_post)
    for l_vec in (np.ones(n_post) / n_post, np.eye(n_post)[0], rng.normal(size=n_post)):
        for m in (0.0, 0.5, 2.0):
            for cset in _pieces(n_pre, n_post, m):
                sd, x = _moments(cset, sigma, n_pre, l_vec)
                assert _as_set(dual_vertices(sd, x)) == _as_set(_basis_vertices(sd, x))


def test_degenerate_integer_constraints_match_the_definition():
    """Small integer matrices make many vertices degenerate (fewer than k non-zeros)."""
    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(150):
        m = int(rng.integers(3, 10))
        x = rng.integers(-2, 3, size=(m, int(rng.integers(1, m)))).astype(float)
        sd = rng.uniform(0.5, 2.0, size=m)
        expected = _basis_vertices(sd, x)
        assert _as_set(dual_vertices(sd, x)) == _as_set(expected)
        compared += expected.shape[0] > 0
    assert compared > 50


def test_rays_are_extreme_and_do_not_depend_on_the_order_of_the_moments():
    rng = np.random.default_rng(3)
    x = rng.integers(-1, 2, size=(9, 4)).astype(float)
    rays = extreme_rays(x)
    assert np.all(rays >= 0) and np.allclose(np.abs(x.T @ rays.T).max(), 0, atol=1e-12)
    order = rng.permutation(9)
    assert _as_set(extreme_rays(x[order])[:, np.argsort(order)]) == _as_set(rays)
    with pytest.raises(ValueError):
        rays[0, 0] = 1.0  # cached results are read-only


@pytest.mark.parametrize(("n_pre", "n_post"), [(10, 10), (20, 20)])
def test_largest_vertex_value_is_the_linear_programs_value(n_pre, n_post):
    """Past brute force (comb(40, 20) ~ 1.4e11 candidate bases): scipy's HiGHS agrees."""
    sigma = _covariance(n_pre + n_post, 1)
    rng = np.random.default_rng(2)
    for l_vec in (np.ones(n_post) / n_post, np.eye(n_post)[0]):
        for cset in _pieces(n_pre, n_post, 1.0)[::7]:
            sd, x = _moments(cset, sigma, n_pre, l_vec)
            vertices = dual_vertices(sd, x)
            assert comb(sd.size, 1 + np.linalg.matrix_rank(x)) > 1e5
            assert vertices.shape[0] <= 2 * n_post + 2
            for y in rng.normal(size=(5, sd.size)):
                # the package's primal: min eta s.t. y - X tau <= eta sd
                lp = linprog(np.r_[1.0, np.zeros(x.shape[1])], A_ub=-np.column_stack([sd, x]),
                             b_ub=-y, bounds=[(None, None)] * (1 + x.shape[1]),
                             method="highs")
                assert lp.status == 0
                assert (vertices @ y).max() == pytest.approx(lp.fun, rel=1e-9, abs=1e-9)


def test_truncation_interval_is_the_packages_linear_programs():
    """v_lo and v_up: the smallest and largest eta at which the optimal vertex stays optimal,
    i.e. min and max of eta s.t. s + b eta - X tau <= eta sd (the package's dual route)."""
    n_pre, n_post = 8, 8
    sigma = _covariance(n_pre + n_post, 5)
    beta = np.random.default_rng(6).normal(scale=0.1, size=n_pre + n_post)
    l_vec = np.ones(n_post) / n_post
    checked = 0
    for cset in _pieces(n_pre, n_post, 0.7)[::3]:
        problem = build_problem(beta, sigma, cset, n_pre, l_vec, hybrid=False, kappa=0.005,
                                draws=1000, seed=0)
        x = (cset.A[:, n_pre:] @ _null_basis(l_vec))[cset.rows]
        sd = np.sqrt(np.diag(problem.sigma))
        theta = np.linspace(-1, 1, 7)
        eta, variance, v_lo, v_up = truncation(problem, theta)
        for i, t in enumerate(theta):
            y = problem.y0 - problem.slope * t
            best = problem.vertices[np.argmax(problem.vertices @ y)]
            b = problem.sigma @ best / variance[i]
            s = y - b * eta[i]
            a_ub = np.column_stack([b - sd, -x])
            bounds = [(None, None)] * (1 + x.shape[1])
            for sign, expected in ((1.0, v_lo[i]), (-1.0, v_up[i])):
                lp = linprog(np.r_[sign, np.zeros(x.shape[1])], A_ub=a_ub, b_ub=-s,
                             bounds=bounds, method="highs")
                if lp.status == 3:  # unbounded: no vertex ever overtakes the optimal one
                    assert np.isinf(expected) and np.sign(expected) == -sign
                else:
                    assert expected == pytest.approx(sign * lp.fun, rel=1e-7, abs=1e-9)
                    checked += 1
    assert checked > 10
