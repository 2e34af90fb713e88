"""Maps of territories: boundaries keyed by territorial codes, and choropleths for reports.

Read boundaries (the shipped ones, or a GeoJSON, GeoPackage or Shapefile file with its key
column) with :func:`load_boundaries`; they are checked and projected to Lambert-93.
Draw a value by territory (:func:`map_values`), gaps to a reference or estimates with
those distinguishable from zero marked (:func:`map_gaps`, :func:`map_estimates`), or a
programme's territories (:func:`map_territories`); each returns a matplotlib figure whose
text alternative :func:`alt_text` writes. Codes are text throughout: a table whose codes
lost their leading zeros still joins (:func:`match_codes`).
"""

from evalkit.maps.boundaries import (
    LAMBERT_93,
    SHIPPED_BOUNDARIES,
    Boundaries,
    codes_as_text,
    load_boundaries,
)
from evalkit.maps.choropleths import (
    DEFAULT_ALT,
    DEFAULT_LABELS,
    MapDescription,
    alt_text,
    map_estimates,
    map_gaps,
    map_territories,
    map_values,
)
from evalkit.maps.classes import Classes, classify, nice_breaks, relative_luminance
from evalkit.maps.codes import CodeMatch, detect_boundaries, match_codes

__all__ = ["Boundaries", "SHIPPED_BOUNDARIES", "LAMBERT_93", "load_boundaries",
           "codes_as_text", "CodeMatch", "match_codes", "detect_boundaries", "Classes",
           "classify", "nice_breaks", "relative_luminance", "MapDescription", "map_values",
           "map_gaps", "map_estimates", "map_territories", "alt_text", "DEFAULT_LABELS",
           "DEFAULT_ALT"]
