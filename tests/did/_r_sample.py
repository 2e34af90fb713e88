"""R's ``set.seed(seed); sample(n, size)`` in plain Python, for subsamples printed in R docs.

R (>= 3.6) draws with the Mersenne-Twister generator seeded by ``set.seed`` (an initial
linear congruential scrambling of the seed), and ``sample`` without replacement picks an
index below ``n`` by rejection from random bits (``R_unif_index``), swapping the last
remaining element into the slot taken. Written from the documented algorithm
(R's ``src/main/RNG.c`` and ``src/main/random.c``), checked against R's
``set.seed(123); sample(10)`` = 3 10 2 8 6 9 1 7 5 4, and ``rnorm`` (inversion) against
``set.seed(1234); rnorm(3)`` = -1.2070657 0.2774292 1.0844412.

``RandomStream`` also draws ``sample(x, 1, prob = p)`` (R's ``ProbSampleNoReplace``) and
``sample(1:n, size, replace = TRUE)``, checked through the rows, subgroup counts and
cluster labels that R ``triplediff``'s documentation prints for data its generators draw
(tests/did/test_triple_differences_r.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_N, _M = 624, 397


class _MersenneTwister:
    def __init__(self, seed: int) -> None:
        state = seed & 0xFFFFFFFF
        for _ in range(50):
            state = (69069 * state + 1) & 0xFFFFFFFF
        words = []
        for _ in range(_N + 1):
            state = (69069 * state + 1) & 0xFFFFFFFF
            words.append(state)
        self.mt = words[1:]  # the first word is the position, reset to "regenerate"
        self.position = _N

    def _word(self) -> int:
        mt = self.mt
        if self.position >= _N:
            for k in range(_N):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % _N] & 0x7FFFFFFF)
                mt[k] = mt[(k + _M) % _N] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.position = 0
        y = mt[self.position]
        self.position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    def uniform(self) -> float:
        value = self._word() * 2.3283064365386963e-10
        return min(max(value, 1.1641532182693481e-10), 1 - 1.1641532182693481e-10)

    def below(self, n: int) -> int:
        bits = math.ceil(math.log2(n))
        while True:
            value = 0
            for _ in range(0, bits + 1, 16):
                value = 65536 * value + math.floor(self.uniform() * 65536)
            value &= (1 << bits) - 1
            if value < n:
                return value


def r_sample(n: int, size: int, seed: int) -> list[int]:
    """``set.seed(seed); sample(n, size)`` in R: 1-based positions."""
    generator = _MersenneTwister(seed)
    pool = list(range(n))
    chosen = []
    for _ in range(size):
        j = generator.below(n)
        chosen.append(pool[j] + 1)
        pool[j] = pool[n - 1]
        n -= 1
    return chosen


class RandomStream:
    """R's ``set.seed(seed)`` then ``runif`` and ``rnorm`` (Mersenne-Twister, Inversion)."""

    def __init__(self, seed: int) -> None:
        self._generator = _MersenneTwister(seed)

    def runif(self, n: int) -> list[float]:
        return [self._generator.uniform() for _ in range(n)]

    def rnorm(self, n: int) -> list[float]:
        """Standard normal draws: R inverts the normal distribution at a uniform made
        of two draws (27 bits, then the rest), ``qnorm((floor(2^27 u1) + u2) / 2^27)``."""
        from scipy.special import ndtri

        big = 134217728.0
        values = []
        for _ in range(n):
            u = math.floor(big * self._generator.uniform()) + self._generator.uniform()
            values.append(float(ndtri(u / big)))
        return values

    def rnorm_many(self, n: int) -> np.ndarray:
        """The same draws as :meth:`rnorm`, inverted in one vectorised call."""
        from scipy.special import ndtri

        big = 134217728.0
        word = self._generator.uniform
        u = np.array([math.floor(big * word()) + word() for _ in range(n)])
        return ndtri(u / big)

    def sample_with_prob(self, prob: Sequence[float]) -> int:
        """``sample(seq_along(prob), size = 1, prob = prob)``: R normalises the
        probabilities, sorts them in decreasing order (``revsort``), and walks the
        cumulative mass up to ``unif_rand()`` (``ProbSampleNoReplace``). 1-based."""
        total = 0.0
        for value in prob:
            total += value
        p = [value / total for value in prob]
        order = sorted(range(len(p)), key=lambda k: -p[k])  # R's heapsort may order ties
        # differently; continuous probabilities have none
        target = self._generator.uniform()
        mass = 0.0
        for j in order[:-1]:
            mass += p[j]
            if target <= mass:
                return j + 1
        return order[-1] + 1

    def sample_replace(self, n: int, size: int) -> list[int]:
        """``sample(1:n, size, replace = TRUE)``: one rejection draw (``R_unif_index``)
        per element. 1-based."""
        return [self._generator.below(n) + 1 for _ in range(size)]
