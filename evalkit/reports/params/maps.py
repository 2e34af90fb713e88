"""Checks of the ``maps`` section against the boundary file it names (its key and outline
columns), reading only the file's list of columns."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.reports.params.checks import resolve_data_path

__all__ = ["maps_problems", "boundaries_path", "outline_column", "BOUNDARY_SUFFIXES"]

#: The extensions of a user's boundary file; any other ``maps.boundaries`` names shipped
#: boundaries (or is refused).
BOUNDARY_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


def boundaries_path(file: str, params_path: Path) -> Path:
    """A user's boundary file as an absolute path (relative: from the params file's folder)."""
    return resolve_data_path(file, params_path)


def outline_column(outline: str, columns: list[str]) -> str | None:
    """The boundary file's column that ``maps.outline`` names: the column itself, or
    ``<level>_code`` for a level (``departement`` -> ``departement_code``)."""
    for candidate in (outline, f"{outline}_code"):
        if candidate in columns:
            return candidate
    return None


def maps_problems(raw: Mapping[str, Any], params_path: Path) -> list[str]:
    """Problems with the ``maps`` section's boundary file: missing, unreadable, or lacking
    the key or outline column."""
    section = raw.get("maps") if isinstance(raw, Mapping) else None
    if not isinstance(section, Mapping):
        return []
    file, key, outline = section.get("boundaries"), section.get("key"), section.get("outline")
    if not isinstance(file, str) or not file:
        return []
    from evalkit.maps import SHIPPED_BOUNDARIES  # geopandas only when a map is asked for

    if file in SHIPPED_BOUNDARIES:
        shipped = SHIPPED_BOUNDARIES[file]
        if isinstance(key, str) and key != shipped.key:
            return [f"maps.key: the shipped boundaries {file!r} are keyed by {shipped.key!r}; "
                    f"got {key!r}"]
        return []
    problems: list[str] = []
    if not isinstance(key, str):
        problems.append(f"maps.key: the column of {file!r} that holds the territories' codes "
                        "is needed with a boundary file")
    path = boundaries_path(file, params_path)
    if path.suffix.lower() not in BOUNDARY_SUFFIXES:
        return [*problems, f"maps.boundaries: must be a GeoJSON (.geojson), GeoPackage (.gpkg) "
                           f"or Shapefile (.shp) file, or one of the shipped boundaries "
                           f"({', '.join(SHIPPED_BOUNDARIES)}); got {file!r}"]
    if not path.is_file():
        return [*problems, f"maps.boundaries: must be an existing boundary file (a relative "
                           f"path is read from the params file's folder); got {file!r}, which "
                           f"would be {path}, and there is no such file"]
    try:
        import pyogrio

        columns = list(pyogrio.read_info(path)["fields"])
    except Exception as exc:  # any reader failure is a problem of the file
        return [*problems, f"maps.boundaries: {file!r} could not be read as a GeoJSON, "
                           f"GeoPackage or Shapefile file ({str(exc).splitlines()[0]})"]
    if isinstance(key, str) and key not in columns:
        problems.append(f"maps.key: must be a column of {path.name}; got {key!r}; its columns "
                        f"are {', '.join(map(repr, columns))}")
    if isinstance(outline, str) and outline_column(outline, columns) is None:
        problems.append(f"maps.outline: must be a column of {path.name} (or a level whose "
                        f"<level>_code column it has); got {outline!r}; its columns are "
                        f"{', '.join(map(repr, columns))}")
    return problems
