"""Drawing a map figure: the map north-up without a frame, its legend beside it (never over
it), a scale bar and a north arrow, in a size that reads on an A4 page."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = ["map_figure", "draw_polygons", "draw_outline", "draw_legend", "dissolve"]

#: The figure's width in inches: an A4 page's text width (about 17 cm).
WIDTH = 6.7
#: The legend's share of the figure's width.
LEGEND_SHARE = 0.34
FONT = 8.5
EDGE = "#ffffff"
OUTLINE = "#404040"
HIGHLIGHT = "#000000"


def map_figure(bounds: Sequence[float], *, projected: bool) -> tuple[Figure, Axes, Axes]:
    """A figure with the map's axes on the left and the legend's on the right."""
    xmin, ymin, xmax, ymax = bounds
    pad_x, pad_y = 0.02 * (xmax - xmin), 0.02 * (ymax - ymin)
    xmin, xmax, ymin, ymax = xmin - pad_x, xmax + pad_x, ymin - pad_y, ymax + pad_y
    ratio = (ymax - ymin) / max(xmax - xmin, 1e-9)
    map_width = WIDTH * (1 - LEGEND_SHARE)
    height = float(np.clip(map_width * ratio, 3.2, 7.5))
    fig = Figure(figsize=(WIDTH, height), layout=None)
    ax = fig.add_axes((0.0, 0.0, 1 - LEGEND_SHARE, 1.0))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="datalim", anchor="C")
    ax.set_axis_off()
    legend_ax = fig.add_axes((1 - LEGEND_SHARE + 0.01, 0.04, LEGEND_SHARE - 0.02, 0.92))
    legend_ax.set_axis_off()
    if projected:
        _scale_bar(ax, xmin, xmax, ymin, ymax)
    _north_arrow(ax)
    return fig, ax, legend_ax


def draw_polygons(ax: Axes, geometries: Any, *, facecolor: str, hatch: str = "",
                  edgecolor: str = EDGE, linewidth: float = 0.15,
                  hatchcolor: str = "#00000066", zorder: float = 1) -> None:
    """Fill polygons (a GeoSeries) in one colour and pattern."""
    if len(geometries) == 0:
        return
    geometries.plot(ax=ax, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth,
                    hatch=hatch or None, hatchcolor=hatchcolor, zorder=zorder, aspect=None)


def draw_outline(ax: Axes, geometries: Any, *, colour: str = OUTLINE, linewidth: float = 0.6,
                 zorder: float = 3, linestyle: str = "-") -> None:
    """Draw the outline of polygons (their boundary only)."""
    if len(geometries) == 0:
        return
    geometries.boundary.plot(ax=ax, color=colour, linewidth=linewidth, zorder=zorder,
                             linestyle=linestyle, aspect=None)


def dissolve(frame: Any, by: str | None = None) -> Any:
    """The union of polygons (by a column's groups), as a GeoSeries."""
    import geopandas as gpd
    import shapely

    def union(geometries: np.ndarray) -> Any:
        try:  # fast when the polygons share their edges exactly
            return shapely.coverage_union_all(geometries)
        except shapely.errors.GEOSException:
            return shapely.union_all(geometries)

    if by is None:
        return gpd.GeoSeries([union(frame.geometry.to_numpy())], crs=frame.crs)
    groups = [union(part.geometry.to_numpy()) for _, part in frame.groupby(by, sort=True)]
    return gpd.GeoSeries(groups, crs=frame.crs)


def _scale_bar(ax: Axes, xmin: float, xmax: float, ymin: float, ymax: float) -> None:
    width = xmax - xmin
    target = width / 3.5
    exponent = 10 ** math.floor(math.log10(target))
    length = max(m * exponent for m in (1, 2, 5) if m * exponent <= target)
    x0, y0 = xmin + 0.03 * width, ymin + 0.035 * (ymax - ymin)
    ax.plot([x0, x0 + length], [y0, y0], color="#222222", linewidth=2.2,
            solid_capstyle="butt", zorder=6)
    km = length / 1000
    ax.text(x0 + length / 2, y0 + 0.012 * (ymax - ymin), f"{km:g} km", ha="center",
            va="bottom", fontsize=FONT - 1, color="#222222", zorder=6)


def _north_arrow(ax: Axes) -> None:
    ax.annotate("N", xy=(0.045, 0.2), xytext=(0.045, 0.12), xycoords="axes fraction",
                ha="center", va="center", fontsize=FONT, fontweight="bold", color="#222222",
                arrowprops={"arrowstyle": "-|>", "color": "#222222", "linewidth": 1.2})


def legend_patch(colour: str, hatch: str = "", *, edge: str = "#8c8c8c",
                 linewidth: float = 0.5, hatchcolor: str = "#00000066") -> Patch:
    return Patch(facecolor=colour, edgecolor=edge, hatch=hatch or None, linewidth=linewidth,
                 hatchcolor=hatchcolor)


def legend_line(colour: str, linewidth: float, linestyle: str = "-") -> Line2D:
    return Line2D([], [], color=colour, linewidth=linewidth, linestyle=linestyle)


def draw_legend(legend_ax: Axes, title: str, entries: Sequence[tuple[Any, str]],
                extra: Sequence[tuple[Any, str]] = ()) -> None:
    """The classes under a title at the top, then the other symbols below them."""
    wrap = 26

    def wrapped(text: str) -> str:
        return "\n".join(textwrap.wrap(text, wrap)) if text else text

    first = legend_ax.legend([h for h, _ in entries], [wrapped(t) for _, t in entries],
                             title=wrapped(title), loc="upper left", frameon=False,
                             fontsize=FONT, title_fontsize=FONT + 0.5, alignment="left",
                             handlelength=2.0, handleheight=1.4, borderaxespad=0.0,
                             labelspacing=0.45)
    first.get_title().set_fontweight("bold")
    if extra:
        legend_ax.add_artist(first)
        legend_ax.legend([h for h, _ in extra], [wrapped(t) for _, t in extra],
                         loc="lower left", frameon=False, fontsize=FONT, handlelength=2.0,
                         handleheight=1.4, borderaxespad=0.0, labelspacing=0.6)
    for legend in legend_ax.get_children():
        if hasattr(legend, "get_texts"):
            for text in legend.get_texts():
                text.set_parse_math(False)


def names_of(frame: pd.DataFrame, key: str) -> pd.Series | None:
    """The territories' names, if the boundaries have a column for them."""
    stem = key[:-5] if key.endswith("_code") else key
    for column in (f"{stem}_nom", f"{stem}_name", "nom", "name", "libelle", "NOM", "NAME"):
        if column in frame.columns:
            return frame[column].astype(str)
    return None


def label_territories(ax: Axes, frame: Any, key: str, limit: int = 30) -> None:
    """Write each territory's name inside it, when the territories are few."""
    names = names_of(frame, key)
    if names is None or len(frame) > limit:
        return
    import matplotlib.patheffects as effects

    halo = [effects.withStroke(linewidth=2.5, foreground="white")]
    for point, name in zip(frame.geometry.representative_point(), names, strict=True):
        text = ax.text(point.x, point.y, name, ha="center", va="center", fontsize=FONT - 0.5,
                       color="#111111", zorder=7, path_effects=halo)
        text.set_parse_math(False)
