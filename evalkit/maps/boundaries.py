"""Territorial boundaries: the shipped ones and a user's file, checked and projected.

:func:`load_boundaries` reads a boundary file (GeoJSON, GeoPackage, Shapefile) with
geopandas and pyogrio, keeps one polygon per territory keyed by its code *as text*, and
projects it to Lambert-93 (EPSG:2154, the projection of French maps and GIS files).
Everything wrong with a file is reported at once in a :class:`~evalkit.errors.BoundaryError`
that names the file and the column.

The shipped boundaries (see ``data/SOURCES.md``):

============================  =========================================  ====================
name                          territories                                key
============================  =========================================  ====================
``hauts_de_france_communes``  the 3,782 communes of Hauts-de-France      ``commune_code``
``hauts_de_france_epci``      its 92 intercommunal bodies (EPCI)         ``epci_code``
``france_departements``       the 101 French departments                 ``departement_code``
============================  =========================================  ====================
"""

from __future__ import annotations

import functools
import glob
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.datasets import data_dir
from evalkit.errors import BoundaryError, InputError

__all__ = ["Boundaries", "Shipped", "SHIPPED_BOUNDARIES", "load_boundaries", "codes_as_text",
           "LAMBERT_93"]

#: The projection French maps are drawn in (RGF93 / Lambert-93).
LAMBERT_93 = "EPSG:2154"

#: The file suffixes read as boundary files.
_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


@dataclass(frozen=True)
class Shipped:
    """A boundary file shipped with evalkit: its file, key column, level and the column
    of the level above whose outline is drawn over it (if any)."""

    file: str
    key: str
    level: str
    outline: str | None = None


#: The boundaries shipped in ``data/``, by name.
SHIPPED_BOUNDARIES: dict[str, Shipped] = {
    "hauts_de_france_communes": Shipped("hauts_de_france_communes.geojson", "commune_code",
                                        "commune", "departement_code"),
    "hauts_de_france_epci": Shipped("hauts_de_france_epci.geojson", "epci_code", "epci"),
    "france_departements": Shipped("france_departements.geojson", "departement_code",
                                   "departement"),
}


@dataclass(frozen=True)
class Boundaries:
    """One polygon per territory, keyed by its code as text, in a projected CRS.

    Attributes
    ----------
    frame
        A GeoDataFrame with the key column ``code`` (text, unique), the file's other
        attribute columns, and the geometry, projected to :attr:`crs`. Treat it as
        read-only: it is shared by every caller that loads the same file.
    source
        The shipped name, or the file's path as given.
    key
        The file's key column.
    level
        What the territories are (``commune``, ``epci``, ``departement`` ...), or
        ``"territory"`` when not known.
    crs
        The CRS the geometries are in (``EPSG:2154`` by default).
    repaired
        The codes of the features whose invalid geometry was repaired (shapely's
        ``make_valid``, keeping the polygons).
    outline
        The column of :attr:`frame` whose groups are outlined over the map by default
        (the department of each commune), or ``None``.
    """

    frame: pd.DataFrame
    source: str
    key: str
    level: str = "territory"
    crs: str = LAMBERT_93
    repaired: tuple[str, ...] = ()
    outline: str | None = None

    @property
    def codes(self) -> pd.Index:
        """The territories' codes, as text."""
        return pd.Index(self.frame["code"])

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return (f"Boundaries({self.source!r}, key={self.key!r}, {len(self)} "
                f"{self.level} polygons, crs={self.crs!r})")


def codes_as_text(values: pd.Series | pd.Index | np.ndarray | list) -> pd.Series:
    """Territorial codes as text, whatever type they were read as.

    Integers and whole floats lose their decimal part (``2001.0`` -> ``"2001"``);
    text is stripped of surrounding spaces; missing values stay missing. Leading zeros
    lost by a spreadsheet are not guessed here (see :func:`evalkit.maps.match_codes`).
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_bool_dtype(series.dtype):
        raise InputError("codes: must be territorial codes (text or whole numbers); got "
                         "true/false values")
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.dropna()
        if not np.all(np.equal(np.mod(whole.to_numpy(dtype=float), 1), 0)):
            raise InputError("codes: must be territorial codes (text or whole numbers); got "
                             f"numbers with decimals, e.g. {whole.iloc[0]!r}")
        out = series.map(lambda v: None if pd.isna(v) else str(int(v)))
    elif pd.api.types.is_integer_dtype(series.dtype):
        out = series.map(lambda v: None if pd.isna(v) else str(int(v)))
    else:
        out = series.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                         else str(v).strip())
    return out.astype(object)


def _file_problems_message(path: str) -> str:
    return f"Boundary file {path} cannot be used:"


def _resolve(source: str | Path, key: str | None) -> tuple[Path, str, str, Shipped | None]:
    if isinstance(source, str) and source in SHIPPED_BOUNDARIES:
        shipped = SHIPPED_BOUNDARIES[source]
        if key is not None and key != shipped.key:
            raise InputError(f"key={key!r}: the shipped boundaries {source!r} are keyed by "
                             f"{shipped.key!r}; leave key out or give {shipped.key!r}")
        return data_dir() / shipped.file, shipped.key, source, shipped
    if not isinstance(source, str | Path):
        raise InputError(f"source: must be a shipped boundary name "
                         f"({', '.join(SHIPPED_BOUNDARIES)}) or a file path; got "
                         f"{type(source).__name__}")
    path = Path(source).expanduser()
    if path.suffix.lower() not in _SUFFIXES:
        raise BoundaryError(_file_problems_message(str(source)), [
            f"must be a GeoJSON (.geojson), GeoPackage (.gpkg) or Shapefile (.shp) file, or "
            f"one of the shipped boundaries ({', '.join(SHIPPED_BOUNDARIES)}); got "
            f"{str(source)!r}"])
    if not path.is_file():
        raise BoundaryError(_file_problems_message(str(source)), ["the file does not exist"])
    if key is None:
        raise InputError(f"key: the column of {path.name} that holds the territories' codes "
                         "is needed for a user's boundary file")
    return path, key, str(source), None


def load_boundaries(source: str | Path, *, key: str | None = None, level: str | None = None,
                    crs: str = LAMBERT_93, source_crs: str | int | None = None,
                    outline: str | None = None) -> Boundaries:
    """Read a boundary file, check it and project it.

    Parameters
    ----------
    source
        A shipped name (``"hauts_de_france_communes"``, ``"hauts_de_france_epci"``,
        ``"france_departements"``: see :data:`SHIPPED_BOUNDARIES`) or the path of a
        GeoJSON, GeoPackage or Shapefile file.
    key
        The column holding each territory's code (needed for a user's file; for a
        shipped one it is known). Codes are kept as text.
    level
        What the territories are, for wording (``commune``, ``epci``, ``departement``
        ...); shipped boundaries know theirs.
    crs
        The projection to draw in; Lambert-93 (``EPSG:2154``) by default.
    source_crs
        The file's own CRS when the file does not state it (a Shapefile without its
        ``.prj``); ignored when it does.
    outline
        A column of the file whose groups are outlined over the map (``departement_code``
        over communes); shipped communes default to their department.

    Returns
    -------
    Boundaries

    Raises
    ------
    BoundaryError
        Naming the file and every problem found: no such key column (with the file's
        columns), no CRS or one that cannot be converted to ``crs``, coordinates outside
        their CRS's range, empty or missing geometries and geometries that cannot be
        repaired (with their codes), duplicate codes.
    """
    path, key, name, shipped = _resolve(source, key)
    # the file and its companions (a Shapefile's .prj, .dbf ...) as they are now
    state = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                         for p in path.parent.glob(f"{glob.escape(path.stem)}.*")))
    loaded = _load(str(path.resolve()), state, key, crs,
                   None if source_crs is None else str(source_crs),
                   outline if outline is not None else (shipped.outline if shipped else None),
                   name)
    wanted = level or (shipped.level if shipped else "territory")
    return loaded if wanted == loaded.level else Boundaries(
        loaded.frame, loaded.source, loaded.key, wanted, loaded.crs, loaded.repaired,
        loaded.outline)


@functools.lru_cache(maxsize=16)
def _load(path: str, state: tuple, key: str, crs: str, source_crs: str | None,
          outline: str | None, name: str) -> Boundaries:
    import geopandas as gpd
    import pyogrio
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    where = _file_problems_message(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError,
            ValueError) as exc:
        raise BoundaryError(where, [f"could not be read as a GeoJSON, GeoPackage or "
                                    f"Shapefile file ({str(exc).splitlines()[0]})"]) from None
    columns = [c for c in frame.columns if c != frame.geometry.name]
    problems: list[str] = []
    if key not in frame.columns:
        raise BoundaryError(where, [f"key column {key!r}: not in the file; its columns are "
                                    f"{', '.join(map(repr, columns)) or 'none'}"])
    if outline is not None and outline not in frame.columns:
        problems.append(f"outline column {outline!r}: not in the file; its columns are "
                        f"{', '.join(map(repr, columns))}")
    try:
        target = CRS.from_user_input(crs)
    except CRSError:
        raise InputError(f"crs={crs!r}: must be a coordinate reference system such as "
                         f"'EPSG:2154'") from None
    own = frame.crs
    if own is None and source_crs is not None:
        try:
            own = CRS.from_user_input(source_crs)
        except CRSError:
            problems.append(f"source_crs={source_crs!r}: not a coordinate reference system "
                            "(e.g. 'EPSG:2154' for Lambert-93, 'EPSG:4326' for longitude/"
                            "latitude)")
            own = None
        else:
            frame = frame.set_crs(own)
    elif own is None:
        problems.append("no coordinate reference system: the file does not say which "
                        "projection its coordinates are in (a Shapefile needs its .prj "
                        "file); expected one such as EPSG:2154 (Lambert-93) or EPSG:4326 "
                        "(longitude/latitude), or give it as source_crs")
    codes = codes_as_text(frame[key])
    geometry = frame.geometry
    missing_code = codes.isna()
    if missing_code.any():
        problems.append(f"key column {key!r}: {int(missing_code.sum())} features have no "
                        f"code (rows {_listed(np.flatnonzero(missing_code.to_numpy()))}); "
                        "expected a code on every feature")
    duplicated = codes[codes.duplicated(keep=False) & ~missing_code]
    if not duplicated.empty:
        problems.append(f"key column {key!r}: codes must be unique, one feature per "
                        f"territory (dissolve multi-part territories first); repeated: "
                        f"{_listed(sorted(set(duplicated)))}")
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        problems.append(f"empty or missing geometries for {key} "
                        f"{_listed(codes[empty].fillna('?').tolist())}; expected a polygon "
                        "for each territory")
    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"]) | empty
    if not polygonal.all():
        kinds = sorted(set(geometry[~polygonal].geom_type))
        problems.append(f"geometries of {key} {_listed(codes[~polygonal].tolist())} are "
                        f"{', '.join(kinds)}; expected polygons")
    usable = ~empty & polygonal
    invalid = usable & ~geometry.is_valid
    repaired: tuple[str, ...] = ()
    if invalid.any():
        fixed, bad = _repair(geometry[invalid])
        if bad:
            problems.append(f"invalid geometries that cannot be repaired without losing "
                            f"their polygons: {key} "
                            f"{_listed(codes[invalid].iloc[bad].tolist())}")
        else:
            geometry = geometry.copy()
            geometry[invalid] = fixed
            repaired = tuple(codes[invalid].tolist())
    if own is not None and not problems:
        own_crs = CRS.from_user_input(own)
        if own_crs.is_geographic:
            xmin, ymin, xmax, ymax = geometry[usable].total_bounds
            if xmin < -180.5 or xmax > 360.5 or ymin < -90.5 or ymax > 90.5:
                problems.append(f"the file says its coordinates are longitude/latitude "
                                f"({own_crs.to_string()}) but they run from {xmin:.0f} to "
                                f"{xmax:.0f} and {ymin:.0f} to {ymax:.0f}: its CRS is wrong "
                                "(a projected file, e.g. Lambert-93, needs EPSG:2154)")
        if not problems:
            try:
                geometry = geometry.to_crs(target)
            except Exception as exc:  # pyproj raises several kinds
                problems.append(f"its coordinate reference system "
                                f"({own_crs.name}) cannot be converted to {crs}: "
                                f"{str(exc).splitlines()[0]}")
            else:
                bounds = geometry.total_bounds
                if not np.all(np.isfinite(bounds)):
                    problems.append(f"its coordinate reference system ({own_crs.name}) "
                                    f"cannot be converted to {crs}: the converted "
                                    "coordinates are not finite")
    if problems:
        raise BoundaryError(where, problems)
    kept = frame.drop(columns=[frame.geometry.name]).assign(code=codes.to_numpy())
    for column in kept.columns:
        if column.endswith("_code") and column != "code":
            kept[column] = codes_as_text(kept[column]).to_numpy()
    out = gpd.GeoDataFrame(kept, geometry=geometry.to_numpy(), crs=target)
    out = out[["code", *[c for c in out.columns if c not in ("code", "geometry")],
               "geometry"]].reset_index(drop=True)
    level = "territory"
    return Boundaries(out, name, key, level, target.to_string(), repaired, outline)


def _repair(geometries: pd.Series) -> tuple[np.ndarray, list[int]]:
    """``make_valid`` keeping the polygons; the positions whose repair leaves none."""
    import shapely

    fixed = shapely.make_valid(geometries.to_numpy())
    out = []
    bad = []
    for i, geom in enumerate(fixed):
        polygons = shapely.get_parts(geom) if geom.geom_type == "GeometryCollection" else [geom]
        polygons = [g for g in polygons if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polygons:
            bad.append(i)
            out.append(geom)
            continue
        merged = shapely.union_all(polygons)
        if merged.is_empty or merged.area <= 0:
            bad.append(i)
        out.append(merged)
    return np.array(out, dtype=object), bad


def _listed(values, limit: int = 8) -> str:  # noqa: ANN001
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")
