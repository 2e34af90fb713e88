r"""Fieller's confidence set for the ratio of two jointly normal estimates.

Given estimates :math:`a` (numerator) and :math:`b` (denominator) with variances
:math:`v_{aa}`, :math:`v_{bb}` and covariance :math:`v_{ab}`, the ratio
:math:`\rho = \alpha / \beta` of their expectations is in the confidence set made of the
values :math:`r` that the test of :math:`\alpha - r \beta = 0` does not reject:

.. math:: (a - r b)^2 \le c^2 \,(v_{aa} - 2 r v_{ab} + r^2 v_{bb})

with :math:`c` the two-sided critical value (standard normal, or Student t with ``df``
degrees of freedom). This is the quadratic inequality
:math:`A r^2 - 2 B r + C \le 0` with

.. math::
    A = b^2 - c^2 v_{bb}, \qquad B = a b - c^2 v_{ab}, \qquad C = a^2 - c^2 v_{aa},
    \qquad D = B^2 - A C,

whose roots are :math:`r = (B \pm \sqrt{D}) / A`. Hence (Fieller 1954):

- :math:`A > 0`, i.e. :math:`b^2 > c^2 v_{bb}`: the denominator's own test rejects
  zero, and the set is the **bounded** interval between the two roots (``D >= 0``
  then always holds, because :math:`r = a/b` satisfies the inequality);
- :math:`A < 0` and :math:`D > 0`: the set is **exclusive**, the complement of the
  interval between the roots, :math:`(-\infty, r_1] \cup [r_2, +\infty)`;
- :math:`A < 0` and :math:`D \le 0`: the set is the whole real line (**unbounded**);
- :math:`A = 0` (the boundary): a half-line, reported as ``"exclusive"`` with one of
  ``low`` and ``high`` infinite (or ``"unbounded"`` when :math:`B = 0`).

With :math:`v_{aa} = v_{ab} = 0` the set is the image of the denominator's interval
:math:`[b - c\sqrt{v_{bb}}, b + c\sqrt{v_{bb}}]` by :math:`x \mapsto a / x`: bounded
when that interval excludes zero, exclusive when it includes it.

Reference: E. C. Fieller (1954), "Some problems in interval estimation", *Journal of the
Royal Statistical Society B* 16(2), 175-185; U. von Luxburg and V. Franz (2009),
"A geometric approach to confidence sets for ratios: Fieller's theorem, generalizations
and bootstrap", *Statistica Sinica* 19, 1095-1117.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from evalkit._validation import Problems
from evalkit.errors import InputError

__all__ = ["RatioInterval", "fieller_interval", "RATIO_INTERVAL_KINDS", "critical_value"]

RatioKind = Literal["bounded", "exclusive", "unbounded"]
#: The shapes a ratio's confidence set can take, with their meaning.
RATIO_INTERVAL_KINDS: dict[str, str] = {
    "bounded": "a finite interval [low, high]: the denominator is distinguishable from zero",
    "exclusive": "(-inf, low] U [high, +inf): the denominator is not distinguishable from "
                 "zero, but the ratios between low and high are excluded",
    "unbounded": "the whole real line: the data exclude no value of the ratio",
}
_KINDS: tuple[RatioKind, ...] = ("bounded", "exclusive", "unbounded")


def critical_value(level: float, df: float | None = None) -> float:
    """Two-sided critical value at confidence ``level``: the ``(1 + level) / 2`` quantile
    of the standard normal (``df=None``) or of Student's t with ``df`` degrees of freedom."""
    q = (1 + level) / 2
    return float(stats.t.ppf(q, df) if df is not None else stats.norm.ppf(q))


def fieller_bounds(a: np.ndarray, b: np.ndarray, v_aa: np.ndarray, v_bb: np.ndarray,
                   v_ab: np.ndarray, c: float | np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fieller's set for arrays of inputs (no validation): the pure numerical core.

    Returns
    -------
    kind, low, high, leading, discriminant
        ``kind`` as codes (0 bounded, 1 exclusive, 2 unbounded, the order of
        ``("bounded", "exclusive", "unbounded")``), the bounds, ``A`` and ``D`` of the
        module's closed form.
    """
    a, b, v_aa, v_bb, v_ab, c = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (a, b, v_aa, v_bb, v_ab, c)))
    c2 = c * c
    big_a = b * b - c2 * v_bb
    big_b = a * b - c2 * v_ab
    big_c = a * a - c2 * v_aa
    disc = big_b * big_b - big_a * big_c
    root = np.sqrt(np.clip(disc, 0.0, None))
    # Numerically stable roots: q = B + sign(B) sqrt(D); the roots are q / A and C / q
    # (their product is C / A).
    q = big_b + np.where(big_b >= 0, root, -root)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(big_a != 0, q / np.where(big_a != 0, big_a, 1.0), np.nan)
        r2 = np.where(q != 0, big_c / np.where(q != 0, q, 1.0), r1)
        half = np.where(big_b != 0, big_c / np.where(big_b != 0, 2 * big_b, 1.0), np.nan)
    low = np.minimum(r1, r2)
    high = np.maximum(r1, r2)
    kind = np.where(big_a > 0, 0, np.where(disc > 0, 1, 2))
    # A = 0 exactly: the inequality is linear, -2 B r + C <= 0, a half-line.
    edge = big_a == 0
    kind = np.where(edge, np.where(big_b != 0, 1, 2), kind)
    low = np.where(edge, np.where(big_b > 0, -np.inf, half), low)
    high = np.where(edge, np.where(big_b > 0, half, np.inf), high)
    unbounded = kind == 2
    low = np.where(unbounded, -np.inf, low)
    high = np.where(unbounded, np.inf, high)
    return kind, low, high, big_a, disc


@dataclass(frozen=True)
class RatioInterval:
    """Fieller's confidence set for a ratio. Build it with :func:`fieller_interval`.

    Attributes
    ----------
    kind
        ``"bounded"``: the finite interval ``[low, high]``; ``"exclusive"``: the
        complement of an interval, ``(-inf, low] U [high, +inf)`` (the denominator is not
        distinguishable from zero); ``"unbounded"``: the whole real line (``low = -inf``,
        ``high = +inf``). See :data:`RATIO_INTERVAL_KINDS`.
    low, high
        The bounds as described by ``kind``.
    ratio
        The point estimate ``numerator / denominator`` (NaN when the denominator is 0).
    numerator, denominator, var_numerator, var_denominator, covariance
        The inputs.
    level
        The confidence level (0.95 for 95%).
    df
        Degrees of freedom of the Student t critical value, or ``None`` (normal).
    critical_value
        ``c``: the two-sided critical value used.
    leading
        ``A = denominator**2 - c**2 * var_denominator``: the set is bounded iff ``A > 0``,
        i.e. iff the denominator's own test at this level rejects zero.
    discriminant
        ``D = B**2 - A*C`` of the module's closed form: when ``A < 0``, the set is
        exclusive if ``D > 0`` and the whole line otherwise.
    """

    kind: RatioKind
    low: float
    high: float
    ratio: float
    numerator: float
    denominator: float
    var_numerator: float
    var_denominator: float
    covariance: float
    level: float
    df: float | None
    critical_value: float
    leading: float
    discriminant: float

    @property
    def is_finite(self) -> bool:
        """Whether the set is a finite interval (``kind == "bounded"``)."""
        return self.kind == "bounded"

    @property
    def condition(self) -> str:
        """The discriminant condition that decided the shape, in words."""
        c2v = self.critical_value ** 2 * self.var_denominator
        b2 = self.denominator ** 2
        if self.kind == "bounded":
            return (f"denominator^2 = {b2:.6g} > c^2 x var_denominator = {c2v:.6g}: the "
                    "denominator's own test rejects zero, so the set is bounded")
        head = (f"denominator^2 = {b2:.6g} <= c^2 x var_denominator = {c2v:.6g}: the "
                "denominator is not distinguishable from zero")
        if self.kind == "exclusive":
            return head + (f", and the discriminant D = {self.discriminant:.6g} > 0, so the "
                           "set excludes the ratios between low and high")
        return head + (f", and the discriminant D = {self.discriminant:.6g} <= 0, so the "
                       "set is the whole real line")

    def contains(self, value: float | np.ndarray) -> bool | np.ndarray:
        """Whether ``value`` (a number or an array) is in the set."""
        x = np.asarray(value, dtype=float)
        if self.kind == "bounded":
            inside = (x >= self.low) & (x <= self.high)
        elif self.kind == "exclusive":
            inside = (x <= self.low) | (x >= self.high)
        else:
            inside = ~np.isnan(x)
        return bool(inside) if inside.ndim == 0 else inside

    def as_text(self, digits: int = 4) -> str:
        """The set in interval notation, e.g. ``"[1.2, 3.4]"`` or
        ``"(-inf, -2] U [3, +inf)"``."""
        def show(x: float) -> str:
            return "-inf" if x == -math.inf else "+inf" if x == math.inf else f"{x:.{digits}g}"

        if self.kind == "bounded":
            return f"[{show(self.low)}, {show(self.high)}]"
        if self.kind == "exclusive":
            parts = []
            if self.low > -math.inf:
                parts.append(f"(-inf, {show(self.low)}]")
            if self.high < math.inf:
                parts.append(f"[{show(self.high)}, +inf)")
            return " U ".join(parts)
        return "(-inf, +inf)"

    def summary(self) -> str:
        """The ratio, its set and the condition that decided the shape."""
        dist = f"Student t with {self.df:g} df" if self.df is not None else "standard normal"
        return (f"Ratio {self.ratio:.6g}; {100 * self.level:g}% Fieller confidence set "
                f"{self.as_text(6)} ({self.kind}; critical value {self.critical_value:.4f}, "
                f"{dist}).\n{self.condition[0].upper()}{self.condition[1:]}.")

    def __str__(self) -> str:
        return self.summary()


def _number(name: str, value: object, problems: Problems, *, minimum: float | None = None,
            strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        problems.add(f"{name}={value!r}: must be a number; got {type(value).__name__}")
        return
    if not math.isfinite(float(value)):
        problems.add(f"{name}={value!r}: must be a finite number; got {value!r}")
        return
    if minimum is not None and (value <= minimum if strict else value < minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        problems.add(f"{name}={value!r}: must be {bound}; got {value!r}")


def check_level(level: object, problems: Problems, name: str = "level") -> None:
    """A confidence level must be a number strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating) or not (
            0 < float(level) < 1):
        problems.add(f"{name}={level!r}: must be a number strictly between 0 and 1 (0.95 "
                     f"for 95% intervals); got {level!r}")


def check_df(df: object, problems: Problems, name: str = "df") -> None:
    """Degrees of freedom: ``None`` (normal) or a positive finite number."""
    if df is None:
        return
    if isinstance(df, bool) or not isinstance(df, int | float | np.integer | np.floating) or (
            not math.isfinite(float(df)) or df <= 0):
        problems.add(f"{name}={df!r}: must be None (standard normal critical value) or a "
                     f"positive number of degrees of freedom; got {df!r}")


def fieller_interval(numerator: float, denominator: float, *, var_numerator: float = 0.0,
                     var_denominator: float, covariance: float = 0.0, level: float = 0.95,
                     df: float | None = None) -> RatioInterval:
    r"""Fieller's confidence set for ``numerator / denominator``.

    The set of ratios :math:`r` such that :math:`(a - r b)^2 \le c^2 (v_{aa} - 2 r v_{ab}
    + r^2 v_{bb})`, in closed form (see the module's documentation): bounded iff
    :math:`b^2 > c^2 v_{bb}` (the denominator's own test rejects zero), otherwise the
    complement of an interval or the whole real line. Unlike the delta method, its
    coverage holds when the denominator is close to zero.

    Parameters
    ----------
    numerator, denominator
        The estimates :math:`a` and :math:`b` (jointly normal).
    var_numerator, var_denominator, covariance
        Their variances and covariance (the squares of standard errors, not the standard
        errors); the covariance matrix must be positive semi-definite.
    level
        Confidence level (default 0.95).
    df
        ``None``: the critical value of the standard normal; a number: of Student's t
        with that many degrees of freedom (use the estimates' own).

    Returns
    -------
    RatioInterval

    Raises
    ------
    InputError
        A value not finite, a negative variance, a covariance larger than the variances
        allow, a level outside (0, 1), ``df`` not positive, or a denominator exactly 0
        with variance 0 (the ratio is undefined).

    Examples
    --------
    >>> fieller_interval(10.0, 2.0, var_denominator=0.25).as_text()
    '[3.356, 9.804]'
    """
    problems = Problems()
    _number("numerator", numerator, problems)
    _number("denominator", denominator, problems)
    _number("var_numerator", var_numerator, problems, minimum=0.0)
    _number("var_denominator", var_denominator, problems, minimum=0.0)
    _number("covariance", covariance, problems)
    check_level(level, problems)
    check_df(df, problems)
    problems.raise_if_any(InputError, "Invalid arguments to fieller_interval:")
    a, b = float(numerator), float(denominator)
    v_aa, v_bb, v_ab = float(var_numerator), float(var_denominator), float(covariance)
    if v_ab * v_ab > v_aa * v_bb * (1 + 1e-12):
        problems.add(f"covariance={covariance!r}: must satisfy covariance^2 <= var_numerator "
                     f"x var_denominator = {v_aa * v_bb:.6g} (a covariance matrix is positive "
                     f"semi-definite); got covariance^2 = {v_ab * v_ab:.6g}")
    if b == 0 and v_bb == 0:
        problems.add("denominator=0 with var_denominator=0: the ratio is undefined; the "
                     "denominator must be non-zero or uncertain")
    problems.raise_if_any(InputError, "Invalid arguments to fieller_interval:")
    df = None if df is None else float(df)
    return ratio_interval(a, b, v_aa, v_bb, v_ab, level=float(level), df=df,
                          c=critical_value(float(level), df))


def ratio_interval(a: float, b: float, v_aa: float, v_bb: float, v_ab: float, *, level: float,
                   df: float | None, c: float) -> RatioInterval:
    """The :class:`RatioInterval` of validated inputs with the critical value ``c`` given
    (for callers that take ``c`` from an estimate's own interval)."""
    codes, low, high, big_a, disc = fieller_bounds(a, b, v_aa, v_bb, v_ab, c)
    return RatioInterval(
        kind=_KINDS[int(codes)], low=float(low), high=float(high),
        ratio=a / b if b != 0 else math.nan, numerator=a, denominator=b, var_numerator=v_aa,
        var_denominator=v_bb, covariance=v_ab, level=level, df=df, critical_value=float(c),
        leading=float(big_a), discriminant=float(disc))
