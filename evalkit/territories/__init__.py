"""Territories: codes kept as text, the French and Belgian referential, aggregation between levels.

::

    from evalkit.territories import Referential, aggregate, normalize_codes

    codes = normalize_codes(table["commune_code"], "commune", pad=True)  # 2001 -> "02001"
    france = Referential.france()          # levels: commune, epci, departement, region
    france.check(table, "commune_code", "commune")          # unknown codes, closest known
    table = france.attach(table, "commune_code", "commune", to=["departement"])
    by_dept = aggregate(table, "commune_code", "departement", by=["year"],
                        counts=["households"],
                        rates={"poverty_rate": ("poor_households", "households", 100)})

Belgium: ``Referential.belgium()`` (municipality, province, region; names in ``"fr"`` or
``"nl"``).
"""

from evalkit.territories.aggregate import Aggregation, Rate, aggregate
from evalkit.territories.codes import (
    CODE_FAULTS,
    FAMILIES,
    CodeFamily,
    code_family,
    code_faults,
    normalize_codes,
)
from evalkit.territories.referential import (
    LEVEL_NAMES,
    Level,
    Referential,
    infer_level,
    referential_for,
)

__all__ = [
    "normalize_codes",
    "code_faults",
    "CODE_FAULTS",
    "code_family",
    "CodeFamily",
    "FAMILIES",
    "Referential",
    "Level",
    "LEVEL_NAMES",
    "infer_level",
    "referential_for",
    "aggregate",
    "Rate",
    "Aggregation",
]
