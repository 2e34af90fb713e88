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
``load_favara_imbs()`` US counties 1994-2005, interstate branching deregulation counted 0-4
                       (Favara & Imbs 2015; de Chaisemartin & D'Haultfoeuille 2024).
``load_fracking()``    402 US counties 1990-2014, shale prospectivity as a continuous dose
                       (Callaway, Goodman-Bacon & Sant'Anna 2024; R ``contdid``).
``load_cai2016()``     Rural Jiangxi households 2000-2008, crop insurance for tobacco farmers
                       in some counties (Cai 2016; R ``triplediff``).
``load_nsw()``         National Supported Work demonstration, 1975 and 1978 (Lalonde 1986;
                       Sant'Anna & Zhao 2020, R ``DRDID``).
``load_ehec()``        46 US states 2008-2019, Medicaid expansion and health insurance
                       (Rambachan & Roth 2023, HonestDiD).
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
    "load_favara_imbs",
    "load_fracking",
    "load_cai2016",
    "load_nsw",
    "load_ehec",
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
    "favara_imbs": ("favara_imbs.csv",
                    "US counties 1994-2005, interstate branching deregulation (0-4)"),
    "fracking": ("fracking.csv", "US counties 1990-2014, shale prospectivity (continuous dose)"),
    "cai2016": ("cai2016.csv", "Rural Jiangxi households 2000-2008, crop insurance"),
    "nsw": ("nsw_long.csv", "National Supported Work demonstration, 1975 and 1978"),
    "ehec": ("ehec.csv", "US states 2008-2019, Medicaid expansion and health insurance"),
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


def load_favara_imbs() -> pd.DataFrame:
    """US counties 1994-2005: interstate branching deregulation and mortgage lending.

    12,538 county-years. ``inter_bra`` counts how many of four restrictions on
    interstate bank branching the county's state had lifted (0 to 4): a treatment that
    is not binary and changes at different dates. ``Dl_vloans_b`` is the change in log
    mortgage loan volume (the outcome; 200 missing), ``w1`` a weight, ``county`` and
    ``state_n`` the county and state, ``Dl_hpi`` the change in the log house price index.

    References
    ----------
    Favara, G. and Imbs, J. (2015). Credit supply and the price of housing. *American
    Economic Review*, 105(3), 958-992. de Chaisemartin, C. and D'Haultfoeuille, X.
    (2024). Difference-in-differences estimators of intertemporal treatment effects.
    *Review of Economics and Statistics*.
    """
    return pd.read_csv(dataset_path("favara_imbs"))


def load_fracking() -> pd.DataFrame:
    """402 US counties 1990-2014: shale prospectivity as a continuous treatment dose.

    10,050 county-years. ``i`` county, ``t`` year, ``y`` log employment, ``d`` the
    county's geological prospectivity score (time-invariant dose), ``G`` the year
    fracking started (0 for counties with no dose), ``shale_basin1`` the basin,
    ``G_original`` the adoption year before recoding.

    References
    ----------
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Event studies with a
    continuous treatment. *AEA Papers and Proceedings*, 114, 601-605. Bartik, A. W.,
    Currie, J., Greenstone, M. and Knittel, C. R. (2019). The local economic and
    welfare consequences of hydraulic fracturing. *American Economic Journal: Applied
    Economics*, 11(4), 105-155.
    """
    return pd.read_csv(dataset_path("fracking"))


def load_cai2016() -> pd.DataFrame:
    """Rural Jiangxi households 2000-2008: crop insurance for tobacco farmers.

    32,391 household-years. Insurance was offered from 2003 in some counties
    (``treatment`` = 1) to tobacco farmers (``sector`` = 1): a triple-difference design.
    ``hhno`` household, ``checksaving_ratio`` the outcome, ``savingtotal_rate``,
    ``hhsize``, ``age``, ``educ_scale`` covariates, ``county`` the cluster.

    References
    ----------
    Cai, J. (2016). The impact of insurance provision on household production and
    financial decisions. *American Economic Journal: Economic Policy*, 8(2), 44-88.
    Ortiz-Villavicencio, M. and Sant'Anna, P. H. C. (2025). Better understanding triple
    differences estimators. arXiv:2505.09942.
    """
    return pd.read_csv(dataset_path("cai2016"))


def load_nsw() -> pd.DataFrame:
    """The National Supported Work demonstration, 1975 and 1978, in long form.

    32,834 person-years. ``re`` real earnings (the outcome), ``year`` 1975 or 1978,
    ``experimental`` = 1 for the programme's participants, ``id``, and the covariates
    ``age``, ``educ``, ``black``, ``married``, ``nodegree``, ``hisp``, ``re74``.

    References
    ----------
    LaLonde, R. J. (1986). Evaluating the econometric evaluations of training programs
    with experimental data. *American Economic Review*, 76(4), 604-620. Sant'Anna,
    P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics*, 219(1), 101-122.
    """
    return pd.read_csv(dataset_path("nsw"))


def load_ehec() -> pd.DataFrame:
    """46 US states 2008-2019: Medicaid expansion and the health insurance of poor adults.

    552 state-years. ``stfips`` state, ``year``, ``dins`` share of low-income childless
    adults with health insurance, ``yexp2`` the year the state expanded Medicaid
    (missing: not by 2019), ``W`` population weights.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends.
    *Review of Economic Studies*, 90(5), 2555-2591.
    """
    return pd.read_csv(dataset_path("ehec"))
