"""Real public datasets shipped with evalkit, for examples, tests and demonstration reports.

Each loader returns a new pandas DataFrame; the files live in the project's ``data/``
folder, whose ``SOURCES.md`` gives the origin, licence and meaning of every column.

=====================  =========================================================================
``load_mpdta()``       500 US counties x 2003-2007, staggered minimum-wage increases
                       (Callaway & Sant'Anna 2021; R package ``did``).
``load_kielmc()``      House sales near a garbage incinerator, North Andover MA, 1978 and 1981
                       (Kiel & McClain 1995; Wooldridge, data set KIELMC).
``load_injury()``      Workers' compensation claims before and after a 1980 benefit-cap increase
                       in Kentucky and Michigan (Meyer, Viscusi & Durbin 1995; Wooldridge, INJURY).
``load_prop99()``      Per-capita cigarette sales in 39 US states 1970-2000; California's
                       Proposition 99 from 1989 (Abadie, Diamond & Hainmueller 2010).
``load_communes()``    Every French commune with its department, region, intercommunal body and
                       legal population (INSEE official geography).
``load_belgian_``      Every Belgian municipality with its province and region, names in
``municipalities()``   French and Dutch (Statbel REFNIS codes).
=====================  =========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from evalkit.errors import InputError

__all__ = [
    "data_dir",
    "dataset_path",
    "list_datasets",
    "load_mpdta",
    "load_kielmc",
    "load_injury",
    "load_prop99",
    "load_communes",
    "load_belgian_municipalities",
]

_FILES: dict[str, tuple[str, str]] = {
    "mpdta": ("mpdta.csv", "US counties 2003-2007, staggered minimum-wage increases"),
    "kielmc": ("kielmc.csv", "House sales near a garbage incinerator, 1978 and 1981"),
    "injury": ("injury.csv", "Workers' compensation claims around a 1980 benefit-cap increase"),
    "prop99": ("california_prop99_long.csv",
               "Per-capita cigarette sales, 39 US states 1970-2000 (long)"),
    "prop99_wide": ("california_prop99_wide.csv",
                    "Per-capita cigarette sales, 39 US states 1970-2000 (one column per state)"),
    "communes": ("communes_france.csv", "French communes: geography and legal populations"),
    "belgian_municipalities": ("belgique_communes.csv",
                               "Belgian municipalities: REFNIS codes, provinces, regions, "
                               "names in French and Dutch"),
}


def data_dir() -> Path:
    """The folder holding the shipped data files.

    In a source checkout this is the project's ``data/`` folder; in an installed
    wheel, the copy packaged inside evalkit.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_shipped_data", here.parent / "data"):
        if (candidate / "SOURCES.md").is_file():
            return candidate
    raise FileNotFoundError("evalkit's shipped data folder is missing from this installation")


def dataset_path(name: str) -> Path:
    """Path of a shipped dataset file, by its short name (see :func:`list_datasets`)."""
    if name not in _FILES:
        raise InputError(f"name={name!r}: must be one of {', '.join(map(repr, _FILES))}; "
                         f"got {name!r}")
    return data_dir() / _FILES[name][0]


def list_datasets() -> pd.DataFrame:
    """The shipped datasets: short name, file and a one-line description."""
    return pd.DataFrame(
        [(name, file, text) for name, (file, text) in _FILES.items()],
        columns=["name", "file", "description"],
    )


def load_mpdta() -> pd.DataFrame:
    """County panel of teen employment and minimum-wage increases, 2003-2007.

    500 US counties observed yearly; the outcome is ``lemp`` (log teen
    employment). ``first.treat`` is the year the county's state first raised its
    minimum wage (0 = not in the window): cohorts 2004 (20 counties), 2006 (40),
    2007 (131) and never treated (309).

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with
    multiple time periods. *Journal of Econometrics*, 225(2), 200-230.
    """
    return pd.read_csv(dataset_path("mpdta"))


def load_kielmc() -> pd.DataFrame:
    """House sales in North Andover (MA) in 1978 and 1981, near and far from an incinerator.

    321 sales. ``nearinc`` = 1 within three miles of the incinerator site, whose
    construction was rumoured after 1978; ``y81`` = 1 for 1981 sales; ``rprice``
    is the price in 1978 dollars.

    References
    ----------
    Kiel, K. A. and McClain, K. T. (1995). House prices during siting decision
    stages. *Journal of Environmental Economics and Management*, 28(2), 241-255.
    Wooldridge, J. M. *Introductory Econometrics: A Modern Approach*, Example 13.3.
    """
    return pd.read_csv(dataset_path("kielmc"))


def load_injury() -> pd.DataFrame:
    """Workers' compensation claims in Kentucky and Michigan around a 1980 benefit-cap increase.

    7,150 claims. ``afchnge`` = 1 after the change, ``highearn`` = 1 for
    high earners (the only ones whose benefits rose), ``ldurat`` = log weeks on
    benefits; ``ky``/``mi`` mark the state.

    References
    ----------
    Meyer, B. D., Viscusi, W. K. and Durbin, D. L. (1995). Workers' compensation
    and injury duration. *American Economic Review*, 85(3), 322-340.
    Wooldridge, J. M. *Introductory Econometrics: A Modern Approach*, Example 13.4.
    """
    return pd.read_csv(dataset_path("injury"))


def load_prop99(layout: Literal["long", "wide"] = "long") -> pd.DataFrame:
    """Per-capita cigarette sales (packs) in 39 US states, 1970-2000.

    California's Proposition 99 (tobacco tax and control programme) applies from
    1989; the other 38 states had no such programme. ``layout="long"`` gives
    ``Year``, ``state``, ``cigsale``, ``treated``; ``"wide"`` one column per state.

    References
    ----------
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods
    for comparative case studies. *Journal of the American Statistical
    Association*, 105(490), 493-505.
    """
    if layout not in ("long", "wide"):
        raise InputError(f"layout={layout!r}: must be 'long' or 'wide'; got {layout!r}")
    return pd.read_csv(dataset_path("prop99" if layout == "long" else "prop99_wide"))


def load_communes() -> pd.DataFrame:
    """Every French commune with its department, region and intercommunal body (EPCI).

    Codes are read as text so that leading zeros (``"01001"``, department
    ``"02"``) and Corsica's ``"2A"``/``"2B"`` are kept.
    """
    text = {c: "string" for c in ("commune_code", "departement_code", "region_code", "epci_code")}
    return pd.read_csv(dataset_path("communes"), dtype=text)


def load_belgian_municipalities() -> pd.DataFrame:
    """Every Belgian municipality (565) with its province and region, names in French and Dutch.

    ``nis_code`` (REFNIS, 5 digits), ``nom_fr``, ``naam_nl``, ``province_code``,
    ``province_fr``, ``provincie_nl``, ``region_code``, ``region_fr``, ``gewest_nl``. Codes
    are read as text so that region ``"02000"`` keeps its zero. The 19 municipalities of
    the Brussels-Capital Region (``region_code`` ``"04000"``) belong to no province: their
    province columns are missing.
    """
    text = {c: "str" for c in ("nis_code", "province_code", "region_code")}
    return pd.read_csv(dataset_path("belgian_municipalities"), dtype=text)
