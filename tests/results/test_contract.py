"""The result contract, checked for every estimator and post-estimation call.

As scikit-learn's estimator checks do: ``CASES`` fits every estimator and
post-estimation call (and the indicator methods: trend tests, gaps to a reference) on
small shipped data, and each check runs on every result.
``test_every_result_class_is_covered`` fails when a result class (exported by
``evalkit.results`` or ``evalkit.indicators``, or defined in one of their modules) has no
case here, so a new result class cannot be forgotten.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import json
import pkgutil
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import pytest

import evalkit
import evalkit.indicators
import evalkit.results
from evalkit import (
    InputError,
    MultiplierBootstrap,
    Panel,
    bacon_decomposition,
    callaway_santanna,
    did_2x2,
    event_study,
    honest_did,
    imputation,
    imputation_overall,
    randomization_inference,
    sun_abraham,
    synthetic_control,
    synthetic_did,
    twfe,
    wild_cluster_bootstrap,
)
from evalkit.datasets import (
    data_dir,
    load_cai2016,
    load_favara_imbs,
    load_fracking,
    load_kielmc,
    load_mpdta,
    load_prop99,
)
from evalkit.did.chaisemartin_dhaultfoeuille import chaisemartin_dhaultfoeuille
from evalkit.did.continuous import continuous_did
from evalkit.did.extended_twfe import extended_twfe
from evalkit.did.triple_differences import triple_differences
from evalkit.indicators import (
    Gap,
    ITSResult,
    MannKendallResult,
    compare_to_reference,
    interrupted_time_series,
    mann_kendall,
)
from evalkit.inference import Classical, Clustered, Placebo
from evalkit.results import (
    LevelledSpecification,
    MultiEffectResult,
    Provenance,
    Result,
    SingleEffectResult,
    Specification,
    Summary,
)
from evalkit.results.contract import INTERVAL_COLUMNS, TIDY_CORE_COLUMNS
from evalkit.results.summary import format_number

matplotlib.use("Agg")

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}
CORE = list(TIDY_CORE_COLUMNS)

#: Classes exported by evalkit.results that are parts of results, not results: they are
#: not returned by an estimator on their own.
COMPONENTS = {
    "Coefficients": "the coefficient table a result holds",
    "WaldTest": "a joint test a result holds (pretrend)",
    "UniformBand": "the bootstrap statistics of a result's simultaneous band",
    "Provenance": "the record every result carries",
    "Summary": "what every result's summary() returns",
    "PlaceboTest": "the placebo-in-space part of a SyntheticControlResult",
    "LeaveOneOut": "the leave-one-out part of a SyntheticControlResult",
    "Comparison": "compare()'s table of several results (tests/results/test_compare.py)",
    "AggregationSpec": "the specification an aggregated group-time result carries",
}


@functools.cache
def _mpdta() -> Panel:
    return Panel(load_mpdta(), **MPDTA)


@functools.cache
def _prop99() -> Panel:
    return Panel(load_prop99(), unit="state", time="Year", outcome="cigsale",
                 treatment="treated")


@functools.cache
def _cs(bootstrap: bool):
    inference = MultiplierBootstrap(n_draws=199, random_state=7) if bootstrap else Clustered()
    return callaway_santanna(_mpdta(), inference=inference)


@functools.cache
def _synthetic_control():
    return synthetic_control(_prop99())


@functools.cache
def _california() -> pd.Series:
    """California's per-capita cigarette sales, 1970-2000, indexed by year."""
    prop99 = load_prop99()
    return prop99.loc[prop99["state"] == "California"].set_index("Year")["cigsale"]


@functools.cache
def _households() -> pd.DataFrame:
    """Poor households and households by department, Hauts-de-France 2024 (simulated)."""
    frame = pd.read_csv(data_dir() / "hauts_de_france_indicators.csv",
                        dtype={"departement_code": "string"},
                        usecols=["departement_code", "year", "households", "poor_households"])
    latest = frame.loc[frame["year"] == frame["year"].max()]
    return latest.groupby("departement_code")[["poor_households", "households"]].sum()


def _gap() -> Gap:
    """Each department's poverty rate against the rest of the region."""
    counts = _households()
    return compare_to_reference(counts["poor_households"], counts["households"],
                                counts["poor_households"].sum(), counts["households"].sum(),
                                kind="proportion")


@functools.cache
def _intertemporal() -> object:
    """Favara & Imbs: effects of branching deregulation, by periods since the first change."""
    return chaisemartin_dhaultfoeuille(
        load_favara_imbs(), outcome="Dl_vloans_b", unit="county", time="year",
        treatment="inter_bra", effects=3, placebos=2, cluster="state_n",
        missing="outcome_gaps")


@functools.cache
def _dose_response() -> object:
    """Shale prospectivity as a dose, event study by exposure with a universal base."""
    return continuous_did(load_fracking(), outcome="y", unit="i", time="t", dose="d",
                          first_treated="G", aggregation="event_time", base_period="universal",
                          n_draws=99, random_state=7)


@functools.cache
def _triple_differences() -> object:
    """Cai (2016): crop insurance for tobacco farmers (eligible) in treated counties."""
    data = load_cai2016()
    data["g"] = np.where(data["treatment"] == 1, 2003, 0)
    return triple_differences(data, outcome="checksaving_ratio", unit="hhno", time="year",
                              first_treated="g", eligible="sector", base_period="universal")


@dataclass(frozen=True)
class Case:
    """One estimator call and what to expect of its result.

    ``finite``: core tidy columns finite on every estimated row (rows of conf_int());
    ``levels``: whether with_alpha recomputes the intervals at another level;
    ``headline``: the number the summary must show, with its digits.
    """

    build: Callable[[], object]
    finite: tuple[str, ...] = tuple(TIDY_CORE_COLUMNS[1:])
    levels: bool = True
    headline: Callable[[object], float] = lambda r: r.estimate
    digits: int = 4


FIXED = ("estimate",)
NO_STD_ERROR = ("estimate", "statistic", "p_value", "conf_low", "conf_high")
CASES: dict[str, Case] = {
    "did_2x2": Case(lambda: did_2x2(load_kielmc(), outcome="rprice", treated="nearinc",
                                    post="y81", inference=Classical())),
    "twfe": Case(lambda: twfe(_mpdta())),
    "event_study": Case(lambda: event_study(_mpdta()),
                        headline=lambda r: r.estimates.iloc[0]),
    "callaway_santanna": Case(lambda: _cs(False), headline=lambda r: r.estimates.iloc[0]),
    "callaway_santanna_bootstrap": Case(lambda: _cs(True),
                                        headline=lambda r: r.estimates.iloc[0]),
    "cs_overall": Case(lambda: _cs(True).overall()),
    "cs_by_cohort": Case(lambda: _cs(False).by_cohort()),
    "cs_by_period": Case(lambda: _cs(False).by_period()),
    "cs_event_study": Case(lambda: _cs(True).event_study(),
                           headline=lambda r: r.estimates.iloc[0]),
    "sun_abraham": Case(lambda: sun_abraham(_mpdta()), headline=lambda r: r.estimates.iloc[0]),
    "imputation": Case(lambda: imputation(_mpdta()), headline=lambda r: r.estimates.iloc[0]),
    "imputation_overall": Case(lambda: imputation_overall(_mpdta())),
    "extended_twfe": Case(lambda: extended_twfe(_mpdta()),
                          headline=lambda r: r.estimates.iloc[0]),
    "extended_twfe_overall": Case(lambda: extended_twfe(_mpdta()).overall()),
    "extended_twfe_event_study": Case(
        lambda: extended_twfe(_mpdta(), control_group="never_treated").event_study(),
        headline=lambda r: r.estimates.iloc[0]),
    "chaisemartin_dhaultfoeuille": Case(_intertemporal, headline=lambda r: r.estimates.iloc[0]),
    "chaisemartin_dhaultfoeuille_overall": Case(lambda: _intertemporal().overall()),
    "chaisemartin_dhaultfoeuille_event_study": Case(lambda: _intertemporal().event_study(),
                                                    headline=lambda r: r.estimates.iloc[0]),
    "continuous_did": Case(_dose_response, headline=lambda r: r.estimates.iloc[0]),
    "continuous_did_overall": Case(lambda: _dose_response().overall()),
    "continuous_did_event_study": Case(lambda: _dose_response().event_study(),
                                       headline=lambda r: r.estimates.iloc[0]),
    "triple_differences": Case(_triple_differences, headline=lambda r: r.estimates.iloc[0]),
    "triple_differences_overall": Case(lambda: _triple_differences().overall()),
    "triple_differences_event_study": Case(lambda: _triple_differences().event_study(),
                                           headline=lambda r: r.estimates.iloc[0]),
    "bacon_decomposition": Case(lambda: bacon_decomposition(_mpdta()), finite=FIXED,
                                levels=False, headline=lambda r: r.twfe_estimate, digits=6),
    "honest_did": Case(lambda: honest_did(event_study(_mpdta()), m_values=[0.5, 1.0]),
                       finite=("estimate", "std_error", "conf_low", "conf_high"),
                       levels=False),
    "wild_cluster_bootstrap": Case(lambda: wild_cluster_bootstrap(
        twfe(_mpdta()), _mpdta(), n_draws=99, random_state=3)),
    "randomization_inference": Case(lambda: randomization_inference(
        twfe(_mpdta()), _mpdta(), n_draws=29, random_state=5),
        finite=("estimate", "statistic", "p_value"), levels=False),
    "randomization_synthetic_control": Case(
        lambda: randomization_inference(_synthetic_control()),
        finite=("statistic", "p_value"), levels=False, headline=lambda r: r.observed),
    "synthetic_control": Case(_synthetic_control, finite=("estimate", "statistic", "p_value"),
                              levels=False),
    "synthetic_did": Case(lambda: synthetic_did(
        _prop99(), inference=Placebo(n_draws=20, random_state=11))),
    "mann_kendall": Case(lambda: mann_kendall(_california()), finite=NO_STD_ERROR),
    "interrupted_time_series": Case(lambda: interrupted_time_series(_california(), 1989),
                                    headline=lambda r: r.estimates["level_change"]),
    "compare_to_reference": Case(_gap, finite=NO_STD_ERROR,
                                 headline=lambda r: r.estimates.iloc[0]),
}


@functools.cache
def _result(name: str):
    return CASES[name].build()


@pytest.fixture(params=sorted(CASES))
def case(request) -> tuple[Case, object]:
    return CASES[request.param], _result(request.param)


def _estimated(result) -> pd.DataFrame:
    """tidy() restricted to the rows conf_int() covers, indexed by term."""
    table = result.tidy().set_index("term")
    return table.loc[result.conf_int().index]


def _widths(frame: pd.DataFrame) -> np.ndarray:
    return (frame["upper"] - frame["lower"]).to_numpy(dtype=float)


# --------------------------------------------------------------------------- coverage
def _result_classes() -> set[type]:
    """Classes exported by evalkit.results, and classes defined in its modules or in
    evalkit.indicators' that have both summary() and tidy(): the results and their parts
    (the indicators' definitions, thresholds and statuses are not results)."""
    found: set[type] = set()
    packages = (evalkit.results, evalkit.indicators)
    modules = [*packages] + [
        importlib.import_module(f"{package.__name__}.{m.name}")
        for package in packages for m in pkgutil.iter_modules(package.__path__)]
    for module in modules:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (obj.__module__.startswith("evalkit.") and not getattr(obj, "_is_protocol", False)
                    and hasattr(obj, "summary") and hasattr(obj, "tidy")):
                found.add(obj)
    found |= {getattr(evalkit.results, name) for name in evalkit.results.__all__
              if inspect.isclass(getattr(evalkit.results, name))
              and not getattr(getattr(evalkit.results, name), "_is_protocol", False)}
    return found


def test_every_result_class_is_covered():
    covered = {type(_result(name)) for name in CASES}
    missing = sorted(cls.__qualname__ for cls in _result_classes()
                     if cls not in covered and cls.__name__ not in COMPONENTS)
    assert not missing, (f"result classes without a case in CASES: {missing}; add an estimator "
                         "call returning each, or list it in COMPONENTS with the reason")


def test_the_coverage_check_sees_every_exported_result():
    names = {cls.__name__ for cls in _result_classes()}
    exported = {n for n in evalkit.__all__ if n.endswith(("Result", "Decomposition"))}
    assert exported <= names
    assert {MannKendallResult, ITSResult, Gap} <= _result_classes()


# --------------------------------------------------------------------------- the contract
def test_satisfies_the_protocol(case):
    _, result = case
    assert isinstance(result, Result)
    assert isinstance(result, SingleEffectResult | MultiEffectResult)
    if isinstance(result, MultiEffectResult):
        assert isinstance(result.estimates, pd.Series)
        assert isinstance(result.std_errors, pd.Series)
        assert result.estimates.index.equals(result.std_errors.index)
        assert result.estimates.index.equals(result.conf_int().index)
    else:
        assert isinstance(result.estimate, float) or result.estimate is None
        assert isinstance(result.std_error, float)
    assert result.alpha is None or 0 < result.alpha < 1


def test_tidy_has_the_core_columns(case):
    spec, result = case
    table = result.tidy()
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    assert [c for c in table.columns if c in CORE] == CORE
    assert table["term"].map(type).eq(str).all() and table["term"].is_unique
    estimated = _estimated(result)
    for column in spec.finite:
        values = estimated[column].to_numpy(dtype=float)
        assert np.isfinite(values).all(), f"{column} is not finite: {values}"
    others = table.loc[~table["term"].isin(estimated.index)]
    assert (others["estimate"] == 0).all() and others["std_error"].isna().all()  # references


def test_conf_int_matches_tidy(case):
    _, result = case
    frame = result.conf_int()
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == INTERVAL_COLUMNS and frame.index.name == "term"
    estimated = _estimated(result)
    np.testing.assert_array_equal(frame["lower"].to_numpy(), estimated["conf_low"].to_numpy())
    np.testing.assert_array_equal(frame["upper"].to_numpy(), estimated["conf_high"].to_numpy())
    pd.testing.assert_frame_equal(result.conf_int(alpha=result.alpha), frame)
    with pytest.raises(InputError, match=r"alpha=1\.5: must be a number strictly between"):
        result.conf_int(alpha=1.5)


def test_with_alpha_moves_the_intervals_and_leaves_the_original(case):
    spec, result = case
    before_tidy, before_ci = result.tidy(), result.conf_int()
    if not spec.levels:
        with pytest.raises(InputError, match=rf"{type(result).__name__}\.with_alpha cannot"):
            result.with_alpha(0.10)
        if result.alpha is not None:  # its own level is available
            assert result.with_alpha(result.alpha) is result
        pd.testing.assert_frame_equal(result.tidy(), before_tidy)
        return
    other = result.with_alpha(0.10)
    assert type(other) is type(result) and other is not result
    assert other.alpha == 0.10 and result.alpha == 0.05
    assert other.provenance.specification["alpha"] == 0.10
    pd.testing.assert_frame_equal(result.tidy(), before_tidy)  # the original is untouched
    pd.testing.assert_frame_equal(result.conf_int(), before_ci)
    np.testing.assert_array_equal(other.tidy()["estimate"], before_tidy["estimate"])
    narrower, wider = _widths(other.conf_int()), _widths(before_ci)
    finite = np.isfinite(wider)
    assert finite.any() and (narrower[finite] < wider[finite]).all()
    pd.testing.assert_frame_equal(result.conf_int(alpha=0.10), other.conf_int())
    back = other.with_alpha(result.alpha)
    pd.testing.assert_frame_equal(back.conf_int(), before_ci)
    pd.testing.assert_frame_equal(back.tidy(), before_tidy)


def test_with_alpha_checks_its_argument(case):
    _, result = case
    with pytest.raises(InputError, match=r"alpha=0: must be a number strictly between|"
                                         r"with_alpha cannot"):
        result.with_alpha(0)


def test_summary_renders_with_the_estimate(case):
    spec, result = case
    summary = result.summary()
    assert isinstance(summary, Summary)
    shown = format_number(float(spec.headline(result)), spec.digits)
    for text in (summary.as_text(), summary.as_html(), summary.as_latex()):
        assert shown in text, f"{shown} not in {text[:400]}"
    assert summary.as_latex().startswith(r"\begin{table}")
    assert str(result) == summary.as_text()


def test_repr_html_is_the_summary(case):
    _, result = case
    html = result._repr_html_()
    assert html == result.summary().as_html()
    assert re.match(r"<div class='evalkit-summary'>.*</table>.*</div>$", html, re.S)


def test_plot_returns_a_figure(case):
    _, result = case
    figure = result.plot()
    assert isinstance(figure, matplotlib.figure.Figure) and figure.axes
    assert figure.axes[0].has_data()


def test_provenance(case):
    _, result = case
    provenance = result.provenance
    assert isinstance(provenance, Provenance)
    assert provenance.evalkit_version == evalkit.__version__
    assert re.fullmatch(r"[0-9a-f]{64}", provenance.data_fingerprint)
    assert provenance.function.startswith("evalkit.")


def test_specification_is_typed_and_provenance_is_its_dictionary(case, request):
    _, result = case
    name = request.node.callspec.params["case"]
    spec = result.specification
    assert isinstance(spec, Specification)
    assert dataclasses.is_dataclass(spec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(spec, dataclasses.fields(spec)[0].name, None)
    assert spec.function == result.provenance.function
    assert spec.to_dict() == result.provenance.to_dict()["specification"]
    json.dumps(spec.to_dict())
    inference = getattr(spec, "inference", None)
    if inference is not None:
        assert not isinstance(inference, dict)
        assert inference == getattr(result, "inference", inference)
    if CASES[name].levels:
        assert isinstance(spec, LevelledSpecification) and spec.alpha == result.alpha
        other = result.with_alpha(0.10)
        assert other.specification.alpha == 0.10 and spec.alpha == 0.05
        assert other.specification.to_dict() == other.provenance.to_dict()["specification"]


# --------------------------------------------------------------------------- the old form
def test_conf_int_read_as_a_tuple_still_works_with_a_warning():
    result = _result("twfe")
    expected = tuple(result.conf_int().loc[result.effect_term])
    with pytest.warns(FutureWarning, match=r"conf_int\(\) for a DataFrame"):
        low, high = result.conf_int
    assert (low, high) == expected
    with pytest.warns(FutureWarning):
        assert result.conf_int[0] == expected[0]
    with pytest.warns(FutureWarning):
        assert result.conf_int == expected
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(np.asarray(result.conf_int), expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(result.conf_int) and isinstance(result.conf_int(), pd.DataFrame)


def test_a_wild_bootstrap_without_interval_reads_as_none_with_a_warning():
    boot = wild_cluster_bootstrap(twfe(_mpdta()), _mpdta(), n_draws=99, random_state=3,
                                  conf_int=False)
    assert boot.interval is None and boot.conf_int().isna().all(axis=None)
    with pytest.warns(FutureWarning):
        assert not boot.conf_int
    other = boot.with_alpha(0.10)
    assert other.alpha == 0.10 and other.interval is None
