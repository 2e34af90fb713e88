"""The classes of a choropleth: rounded breaks, labels in the report's language, colours
that still read when printed in grey.

Sequential values are cut at their quantiles (about as many territories in each class),
each break rounded to the largest "nice" step (1, 2 or 5 times a power of ten) that
moves no break by more than a quarter of the narrowest class, so that the order of the
breaks is kept. Their colours are a single-hue ramp (ColorBrewer *Blues*) whose lightness
falls class after class. Signed values (gaps, changes, effects) are cut at zero and at
the quantiles of each side; the negative side is blue, the positive side orange *and
hatched*, so that the two sides stay apart in grey, where both run from light (near zero)
to dark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from evalkit.errors import InputError
from evalkit.formatting import Language, format_number, language_of

__all__ = ["Classes", "classify", "nice_breaks", "relative_luminance", "NO_DATA_COLOUR",
           "NO_DATA_HATCH", "POSITIVE_HATCH"]

#: ColorBrewer sequential ramps (Cynthia Brewer, colorbrewer2.org, Apache 2.0), by size.
_BLUES = {
    1: ("#6baed6",),
    2: ("#bdd7e7", "#3182bd"),
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    6: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
    7: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"),
}
_ORANGES = {
    1: ("#fd8d3c",),
    2: ("#fdbe85", "#e6550d"),
    3: ("#fee6ce", "#fdae6b", "#e6550d"),
    4: ("#feedde", "#fdbe85", "#fd8d3c", "#d94701"),
}
#: The word between a class's bounds (``12,5 à 15``).
_TO = {"en": "to", "fr": "à", "nl": "tot"}
#: The "no data" class: light grey, cross-hatched.
NO_DATA_COLOUR = "#e6e6e6"
NO_DATA_HATCH = "xxxx"
#: The hatch that sets the positive side of a signed map apart in grey.
POSITIVE_HATCH = "////"


def relative_luminance(colour: str) -> float:
    """The WCAG relative luminance of a ``#rrggbb`` colour (0 black, 1 white): how
    light it prints in grey."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def nice_breaks(breaks: Sequence[float], bounds: Sequence[float]) -> tuple[np.ndarray, float]:
    """``breaks`` rounded to the largest nice step that keeps their order.

    Parameters
    ----------
    breaks
        The inner breaks, increasing.
    bounds
        The smallest and largest value.

    Returns
    -------
    rounded, step
        The step is the largest ``m * 10**e`` (``m`` in 1, 2, 5) no larger than half
        the narrowest gap between consecutive values of ``[low, *breaks, high]``; each
        break moves by at most half a step.

    Examples
    --------
    >>> nice_breaks([12.34, 15.87], [8.1, 21.0])
    (array([12., 16.]), 1.0)
    """
    inner = np.asarray(breaks, dtype=float)
    if inner.size == 0:
        return inner, 1.0
    edges = np.concatenate([[bounds[0]], inner, [bounds[1]]])
    gap = float(np.min(np.diff(edges)))
    if not gap > 0:
        raise InputError("breaks: must be strictly inside the values and increasing")
    limit = gap / 2
    exponent = math.floor(math.log10(limit))
    step = 10.0 ** exponent
    for m in (5, 2, 1):
        if m * 10.0 ** exponent <= limit:
            step = m * 10.0 ** exponent
            break
    rounded = np.round(inner / step) * step
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return np.round(rounded, decimals + 1), step


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


@dataclass(frozen=True)
class Classes:
    """The classes of a choropleth.

    Attributes
    ----------
    breaks
        The inner breaks, increasing; class ``i`` holds the values from ``breaks[i-1]``
        (included) to ``breaks[i]`` (excluded), the first from the lowest value, the
        last up to the highest (included).
    low, high
        The lowest and highest value.
    colours
        One ``#rrggbb`` colour per class.
    hatches
        One hatch pattern per class (``""`` for none): the positive side of a signed map.
    labels
        One label per class, ``"low to high"`` (``"12,5 à 15"``) in the report's language.
    counts
        How many territories each class holds.
    decimals
        The decimals the labels are written with.
    signed
        Whether the classes are cut at zero (a gap, a change, an effect).
    """

    breaks: tuple[float, ...]
    low: float
    high: float
    colours: tuple[str, ...]
    hatches: tuple[str, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    decimals: int
    signed: bool

    def __len__(self) -> int:
        return len(self.colours)

    def assign(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Each value's class (0 first), ``-1`` for a missing value."""
        x = np.asarray(values, dtype=float)
        out = np.searchsorted(np.asarray(self.breaks, dtype=float), x, side="right")
        return np.where(np.isfinite(x), out, -1)


def _quantile_breaks(values: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or values.size == 0:
        return np.array([])
    q = np.quantile(values, np.arange(1, k) / k)
    q = np.unique(q)
    return q[(q > values.min()) & (q < values.max())]


def classify(values: Sequence[float] | np.ndarray, *, n_classes: int = 5,
             kind: Literal["auto", "sequential", "signed"] = "auto",
             language: Language = "en", decimals: int | None = None) -> Classes:
    """Cut values into legible classes.

    Parameters
    ----------
    values
        The values mapped; missing values are left out (the map's "no data" class).
    n_classes
        How many classes at most (fewer when the values have fewer distinct values);
        for signed values, at most ``n_classes // 2`` on each side of zero.
    kind
        ``sequential`` (quantile classes, one blue ramp), ``signed`` (cut at zero: blue
        below, hatched orange above) or ``auto``: signed when the values have both signs.
    language
        The language of the labels (``"fr"``: decimal comma, true minus sign).
    decimals
        The decimals of the labels; by default those of the rounding step of the breaks.

    Returns
    -------
    Classes

    Examples
    --------
    >>> classify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], n_classes=2).labels
    ('1 to 6', '6 to 10')
    """
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or not 2 <= n_classes <= 7:
        raise InputError(f"n_classes={n_classes!r}: must be a whole number from 2 to 7")
    if kind not in ("auto", "sequential", "signed"):
        raise InputError(f"kind={kind!r}: must be 'auto', 'sequential' or 'signed'")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise InputError("values: there is no value to map (all missing)")
    low, high = float(x.min()), float(x.max())
    signed = kind == "signed" or (kind == "auto" and low < 0 < high)
    if signed:
        per_side = max(1, n_classes // 2)
        neg, pos = x[x < 0], x[x >= 0]
        neg_breaks = -_quantile_breaks(-neg, min(per_side, np.unique(neg).size))[::-1]
        pos_breaks = _quantile_breaks(pos, min(per_side, np.unique(pos).size))
        inner = np.concatenate([neg_breaks, [0.0] if neg.size and pos.size else [],
                                pos_breaks])
        inner = inner[(inner > low) & (inner < high)] if inner.size else inner
    else:
        inner = _quantile_breaks(x, min(n_classes, np.unique(x).size))
    if inner.size:
        rounded, step = nice_breaks(inner, (low, high))
        rounded = np.unique(rounded)
        inner = rounded[(rounded > low) & (rounded < high)]
    else:
        step = 10.0 ** math.floor(math.log10(max(abs(high - low), abs(high), 1e-12)))
    places = _decimals(step) if decimals is None else decimals
    edges = [low, *inner.tolist(), high]
    classes = np.searchsorted(inner, x, side="right")
    counts = tuple(int(c) for c in np.bincount(classes, minlength=len(edges) - 1))
    if signed:
        n_neg = int((inner < 0).sum()) + (1 if low < 0 else 0)
        n_neg = min(n_neg, len(edges) - 1) if low < 0 else 0
        n_pos = len(edges) - 1 - n_neg
        colours = _side(_BLUES, n_neg)[::-1] + _side(_ORANGES, n_pos)
        hatches = ("",) * n_neg + (POSITIVE_HATCH,) * n_pos
    else:
        colours = _BLUES[len(edges) - 1]
        hatches = ("",) * (len(edges) - 1)
    to = _TO.get(language_of(language), _TO["en"])
    # the lowest and highest values rounded outward, so that the labels cover them
    scale = 10.0 ** places
    shown = [math.floor(low * scale + 1e-9) / scale, *inner.tolist(),
             math.ceil(high * scale - 1e-9) / scale]
    labels = tuple(f"{format_number(a, language, places)} {to} {format_number(b, language, places)}"
                   for a, b in zip(shown[:-1], shown[1:], strict=True))
    return Classes(tuple(float(b) for b in inner), low, high, tuple(colours), hatches, labels,
                   counts, places, signed)


def _side(ramps: dict[int, tuple[str, ...]], n: int) -> tuple[str, ...]:
    """``n`` colours of a ramp from light (near zero) to dark."""
    if n == 0:
        return ()
    return ramps[min(n, max(ramps))]
