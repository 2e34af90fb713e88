"""The texts of a plot: its defaults with the caller's changes merged in, drawn as written.

Every text a plot draws (titles, axis labels, legend entries, territory and unit
names on an axis, notes) may come from the user: a params file's
``outcome_label``, an indicator's label, a territory's name, a translation. They are
drawn literally: ``"cost in $ (2020 $)"`` shows its dollar signs and ``"50% of $x$"``
is not typeset as mathematics, whatever matplotlib's ``text.usetex`` setting.
:func:`draw_literally` applies this to everything a plot function drew, once it has
drawn it; only the numbers matplotlib writes on numeric axes keep its own formatting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.category import StrCategoryFormatter
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

from evalkit.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure, SubFigure

__all__ = ["merge_labels", "draw_literally"]

#: Formatters whose tick labels are texts given to matplotlib, not numbers it formats:
#: ``ax.set_xticks(x, names)`` and ``set_xticklabels`` (a ``FuncFormatter`` over the
#: names since matplotlib 3.10, a ``FixedFormatter`` before), ``ax.barh(names, ...)``.
_TEXT_FORMATTERS = (FixedFormatter, FuncFormatter, StrCategoryFormatter)


def merge_labels(defaults: Mapping[str, str], labels: Mapping[str, str] | None) -> dict[str, str]:
    """``defaults`` updated with ``labels``, refusing keys the plot does not have.

    Raises
    ------
    InputError
        If ``labels`` is not a mapping or has keys that are not among ``defaults``'s
        (the message lists the keys allowed).
    """
    text = dict(defaults)
    if labels is None:
        return text
    if not isinstance(labels, Mapping):
        raise InputError(f"labels: must be a mapping from text key to text; got "
                         f"{type(labels).__name__}")
    unknown = sorted(set(labels) - set(text), key=str)
    if unknown:
        raise InputError(f"labels={dict(labels)!r}: keys must be among "
                         f"{', '.join(map(repr, text))}; got {', '.join(map(repr, unknown))}")
    text.update({k: str(v) for k, v in labels.items()})
    return text


def _literal(text: Text) -> None:
    text.set_parse_math(False)
    text.set_usetex(False)


def _numeric_tick_texts(axis: Axis) -> list[Text]:
    """The tick labels and offset text of an axis whose ticks matplotlib writes as numbers."""
    if isinstance(axis.get_major_formatter(), _TEXT_FORMATTERS):
        return []
    texts = [axis.offsetText]
    for tick in [*axis.majorTicks, *axis.minorTicks]:
        texts += [tick.label1, tick.label2]
    return texts


def _tick_texts(axis: Axis) -> list[Text]:
    """Every tick label of an axis whose ticks are texts, created for every tick position."""
    if not isinstance(axis.get_major_formatter(), _TEXT_FORMATTERS):
        return []
    ticks = axis.get_major_ticks(len(axis.get_majorticklocs()))
    return [label for tick in ticks for label in (tick.label1, tick.label2)]


def draw_literally(target: Figure | SubFigure | Axes) -> None:
    """Draw every text of ``target`` exactly as written: no mathtext, no TeX.

    Call it at the end of a plot function, on the figure it created or on the axes it
    was given (so that a caller's other axes keep their own settings). Titles, axis
    labels, legends (entries and title), annotations and notes are covered, and tick
    labels that are texts (territory names, unit names, "Original" ...); the numbers
    matplotlib writes on a numeric axis keep its formatting (e.g. ``1e6`` offsets).

    Parameters
    ----------
    target
        A figure (everything in it) or one axes (with its inset axes and legend).
    """
    axes = target.findobj(Axes)
    keep = {id(t) for a in axes for axis in (a.xaxis, a.yaxis)
            for t in _numeric_tick_texts(axis)}
    for a in axes:
        for axis in (a.xaxis, a.yaxis):
            for text in _tick_texts(axis):
                _literal(text)
    for text in target.findobj(Text):
        if id(text) not in keep:
            _literal(text)
