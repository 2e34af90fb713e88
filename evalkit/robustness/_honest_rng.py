"""Standard normal draws identical to R's ``set.seed(seed); rnorm(n)``.

The least-favourable critical value of the hybrid test is simulated. The reference
package HonestDiD draws its normals in R with ``set.seed(seed)`` (default seed 0)
under R's default generators: Mersenne-Twister for uniforms, inversion for normals.
Generating the very same stream lets evalkit reproduce the package's confidence sets
exactly rather than up to simulation noise, which at the package's 1,000 draws moves
interval endpoints by a few hundredths of a standard error.

R's algorithms (R ``src/main/RNG.c`` and ``snorm.c``, documented in ``?RNGkind``):
``set.seed(s)`` scrambles ``s`` with the linear congruential generator
``s <- 69069 s + 1`` (mod 2^32) 50 times, then fills the 624 words of the Mersenne
Twister state with the next 624 values; uniforms are the tempered 32-bit outputs times
2^-32 (kept inside (0, 1)); a normal is ``qnorm((floor(2^27 u1) + u2) / 2^27)``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["r_normal_draws"]

_TWO_M32 = 2.3283064365386963e-10
_BIG = 134217728.0  # 2^27


def _r_mersenne_state(seed: int) -> np.ndarray:
    s = int(seed) & 0xFFFFFFFF
    for _ in range(50):
        s = (69069 * s + 1) & 0xFFFFFFFF
    words = np.empty(625, dtype=np.uint32)
    for j in range(625):
        s = (69069 * s + 1) & 0xFFFFFFFF
        words[j] = s
    return words[1:]  # words[0] is R's position counter, reset to 624 by set.seed


def r_uniform_draws(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); runif(n)`` under R's default Mersenne-Twister."""
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937",
                  "state": {"key": _r_mersenne_state(seed), "pos": 624}}
    raw = bits.random_raw(n).astype(np.float64)
    u = raw * _TWO_M32
    tiny = 0.5 * 2.328306437080797e-10
    return np.clip(u, tiny, 1.0 - tiny)


def r_normal_draws(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` under R's defaults (Mersenne-Twister, inversion)."""
    u = r_uniform_draws(2 * n, seed).reshape(n, 2)
    return special.ndtri((np.floor(_BIG * u[:, 0]) + u[:, 1]) / _BIG)
