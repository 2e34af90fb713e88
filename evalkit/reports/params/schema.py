"""The policy params file: one YAML file per policy, in ``params/``.

A params file says which data to read, which design to estimate and how to
report it. It is checked completely before anything runs: the schema (every
key known, every value of the right type), the rules between keys (what each
estimator needs) and the data file (it exists and has every column named).
All the problems found are reported together in one
:class:`~evalkit.errors.ParamsError`, each naming its key, what was expected
and the value found.

A complete example (the ``#`` comments say which keys are optional)::

    policy:
      name: Minimum wage increases and teen employment  # a text, or texts by language:
                                                     # {fr: ..., nl: ...} (see texts.py)
      description: Staggered state minimum-wage increases, US counties 2003-2007.
      owner: Labour market team                      # optional
    language: en                                     # en, fr, nl, a locale (fr-BE, nl-BE,
                                                     # en-GB, fr-FR) or a list: [fr-BE, nl-BE]
    data:
      file: ../data/mpdta.csv                        # relative to this file's folder
      description: 500 US counties observed yearly   # optional
      source: R package did (mpdta)                  # optional
      # sheet: 0                                     # optional, Excel only
      # read: {separator: ";", decimal: ","}         # optional: how the file is written
                                                     # (default: detected, see ReadSection)
      # sample: {region: [1, 2]}                     # optional, keep rows equal to the value(s)
    design:
      estimator: callaway_santanna   # did_2x2, twfe, event_study, callaway_santanna,
                                     # sun_abraham, imputation, extended_twfe,
                                     # synthetic_did, synthetic_control,
                                     # chaisemartin_dhaultfoeuille, continuous_did or
                                     # triple_differences
      outcome: lemp
      outcome_label: log teen employment             # optional
      outcome_scale: log                             # optional: level (default) or log
      unit: countyreal
      time: year
      first_treated: first.treat                     # or treatment: a 0/1 column
      covariates: []                                 # optional
    inference:                                       # optional section
      kind: cluster                                  # classical, robust or cluster
      cluster: countyreal                            # default: the unit, for panel designs
      confidence_level: 0.95
    event_study:                                     # optional, panel designs only
      window: [-4, 3]
      reference: -1
      bin_endpoints: false
    staggered:                                       # optional, panel designs only
      estimators: [callaway_santanna, sun_abraham, imputation]
      control_group: never_treated                   # or not_yet_treated
      method: doubly_robust                          # or outcome_regression, inverse_probability
      base_period: varying                           # or universal
      anticipation: 0
      n_draws: 999                                   # 0: analytic standard errors, no bands
      random_state: 20240101
      bacon: true
    sensitivity:                                     # optional, designs with an event study
      honest_did: true                               # robust intervals (Rambachan & Roth)
      target: average                                # or first: the post-period effect examined
      relative_magnitudes: [0, 0.5, 1, 1.5, 2]       # Mbar values
      smoothness: null                               # M values; null: a grid from the data
      wild_bootstrap: auto                           # auto (few clusters), always or never
      n_draws: 9999
      random_state: 20240101
    # rules:                                         # optional: the thresholds of verdicts
    #   few_clusters: 30                             # see RulesSection for every rule
    # synthetic:                                     # only with synthetic_did / synthetic_control
    #   inference: placebo                           # placebo, bootstrap or jackknife
    #   n_draws: 200
    #   random_state: 20240101
    #   predictor_periods: [1975, 1980, 1988]        # synthetic control's outcome predictors
    #   placebo_in_space: true
    #   leave_one_out: true
    report:                                          # optional section
      title: Minimum wage and teen employment
      notes: Preliminary results.
      formats: [html, docx, pdf]                     # optional; also report_pdf
      # docx_template: ../templates/note.docx        # optional: the organisation's Word file

The keys speak the library's vocabulary (:mod:`evalkit.inference`). Renamed keys
still work for one release, with an :class:`~evalkit.errors.EvalkitDeprecationWarning`:

===================================  ===========================
old key                              new key
===================================  ===========================
``inference.standard_errors``        ``inference.kind``
``staggered.bootstrap_draws``        ``staggered.n_draws``
``staggered.seed``                   ``staggered.random_state``
``sensitivity.bootstrap_draws``      ``sensitivity.n_draws``
``sensitivity.seed``                 ``sensitivity.random_state``
``synthetic.standard_errors``        ``synthetic.inference``
``synthetic.replications``           ``synthetic.n_draws``
``synthetic.seed``                   ``synthetic.random_state``
===================================  ===========================
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    Strict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from evalkit._schema_errors import describe_value
from evalkit.errors import EvalkitDeprecationWarning, ParamsError
from evalkit.formatting import language_of, locale_of
from evalkit.reports.messages.catalogue import language_problem
from evalkit.reports.params.checks import (
    PANEL_ESTIMATORS,
    column_problems,
    format_validation_errors,
    resolve_data_path,
    rule_problems,
)
from evalkit.reports.params.maps import maps_problems
from evalkit.reports.params.programme import ProgrammeSection, programme_problems
from evalkit.reports.params.read_section import ReadSection
from evalkit.reports.params.reading import read_params_yaml
from evalkit.reports.params.report_outputs import docx_template_problems
from evalkit.reports.params.rules import VerdictRules
from evalkit.reports.params.texts import resolve_texts

__all__ = [
    "PolicyParams",
    "PolicySection",
    "DataSection",
    "ReadSection",
    "DesignSection",
    "InferenceSection",
    "EventStudySection",
    "StaggeredSection",
    "IntertemporalSection",
    "DoseResponseSection",
    "IndicatorsSection",
    "MeasureSection",
    "ReportSection",
    "MapsSection",
    "RulesSection",
    "load_params",
    "check_columns",
]


def _report_languages(value: Any) -> tuple[str, ...]:
    """``language``: one language or locale, or a list of them (each language once)."""
    tags = value if isinstance(value, list | tuple) else [value]
    if not tags:
        raise ValueError("must be a language (en, fr, nl), a locale (fr-BE, nl-BE ...) or a "
                         "non-empty list of them")
    problems = []
    for tag in tags:
        problem = language_problem(tag)
        if problem is not None:
            problems.append(problem if len(tags) == 1 else f"{describe_value(tag)}: {problem}")
    if problems:
        raise ValueError("; ".join(problems))
    seen: dict[str, str] = {}
    for tag in tags:
        language = language_of(tag)
        if language in seen:
            raise ValueError(f"must name each language once (one report per language); "
                             f"{seen[language]!r} and {tag!r} are both in {language!r}")
        seen[language] = tag
    return tuple(tags)


def _sheet(value: Any) -> str | int | None:
    if value is None or isinstance(value, str) or (isinstance(value, int)
                                                   and not isinstance(value, bool)):
        return value
    raise ValueError("must be a sheet name (text) or a sheet position (an integer, 0 = first)")


def _sample_value(value: Any) -> Any:
    def scalar(v: Any) -> bool:
        return isinstance(v, str | int | float | bool)

    if scalar(value) or (isinstance(value, list) and value and all(scalar(v) for v in value)):
        return value
    raise ValueError("must be a value (text, number or true/false) or a non-empty list of values")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Renamed keys of the section, old -> new, still read for one release.
    RENAMED: ClassVar[dict[str, str]] = {}
    #: The section's key in the params file, for messages.
    KEY: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: Any) -> Any:
        """Read a renamed key under its new name, with a deprecation warning."""
        if not isinstance(data, dict) or not cls.RENAMED:
            return data
        data = dict(data)
        for old, new in cls.RENAMED.items():
            if old not in data:
                continue
            if new in data:
                raise ValueError(f"{cls.KEY}.{old} and {cls.KEY}.{new}: give only "
                                 f"{cls.KEY}.{new} ({cls.KEY}.{old} is its former name)")
            warnings.warn(f"{cls.KEY}.{old} is deprecated: use {cls.KEY}.{new}",
                          EvalkitDeprecationWarning, stacklevel=2)
            data[new] = data.pop(old)
        return data


class PolicySection(_Section):
    """``policy``: what is evaluated.

    Attributes
    ----------
    name
        The policy's name, shown as the report's title. Like every free text of the
        file (:data:`~evalkit.reports.params.texts.TEXT_KEYS`), it may be given by
        language, ``{fr: ..., nl: ...}``: the text of the report's language is kept.
    description
        Plain text describing the policy. Shown in the report, always escaped: it
        may contain any character.
    owner
        Optional: the team or person responsible for the evaluation.
    """

    name: StrictStr = Field(min_length=1)
    description: StrictStr
    owner: StrictStr | None = None


class DataSection(_Section):
    """``data``: where the data are.

    Attributes
    ----------
    file
        The data file (CSV, TSV, Parquet or Excel), either absolute or relative to
        the folder of the params file (e.g. ``../data/mpdta.csv``).
    sheet
        Excel only: the sheet name or its position (0 = first sheet).
    sample
        Keep only the rows where each named column equals the value given, or one
        of the values of a list, e.g. ``{ky: 1}`` or ``{region: [11, 32]}``.
    description
        What the data are, shown in the report.
    source
        Where the data come from (provenance), shown in the report.
    read
        How the file is written, where detection must be told (see
        :class:`~evalkit.reports.params.read_section.ReadSection`): ``separator``,
        ``decimal``, ``thousands``, ``encoding``, ``sheet``, ``header_row``,
        ``missing``, ``text_columns``.
    table
        A DuckDB database file only: the table holding the panel.
    engine
        Where the panel's data are held while the estimators run: ``auto`` (the
        default: a folder of Parquet files or a DuckDB database stays in DuckDB, out of
        core -- or, when ``evalkit run-all --scheduler`` runs the report, a Parquet
        folder goes to the Dask cluster; any other file is read into memory),
        ``memory``, ``duckdb`` or ``dask`` (the cluster of ``--scheduler``).
    """

    file: StrictStr = Field(min_length=1)
    table: StrictStr | None = None
    engine: Literal["auto", "memory", "duckdb", "dask"] = "auto"
    sheet: Annotated[str | int | None, PlainValidator(_sheet)] = None
    sample: dict[StrictStr, Annotated[Any, PlainValidator(_sample_value)]] = Field(
        default_factory=dict)
    description: StrictStr | None = None
    source: StrictStr | None = None
    read: ReadSection = Field(default_factory=ReadSection)

    @property
    def chosen_sheet(self) -> str | int | None:
        """The sheet to read: ``data.sheet`` or ``data.read.sheet`` (``None``: the first)."""
        return self.sheet if self.sheet is not None else self.read.sheet

    def load_options(self) -> dict[str, Any]:
        """:func:`~evalkit.data.load_table`'s options to read the file: its sheet and ``read``."""
        return {"sheet": self.chosen_sheet, **self.read.load_options()}


class DesignSection(_Section):
    """``design``: the comparison that identifies the policy's effect.

    Attributes
    ----------
    estimator
        ``did_2x2`` (two groups, two periods: needs ``treated`` and ``post``),
        ``twfe`` (two-way fixed effects on a panel), ``event_study`` (TWFE effects by
        time relative to treatment), or an estimator for staggered adoption:
        ``callaway_santanna`` (Callaway & Sant'Anna 2021), ``sun_abraham`` (Sun &
        Abraham 2021) or ``imputation`` (Borusyak, Jaravel & Spiess 2024), or, for one
        treated unit or a few treated at the same date, ``synthetic_did`` (synthetic
        difference-in-differences, Arkhangelsky et al. 2021) or ``synthetic_control``
        (the synthetic control estimator as defined in that paper; the report adds
        Abadie, Diamond & Hainmueller's synthetic control with its placebo-in-space
        inference, see the ``synthetic`` section). ``extended_twfe`` (Wooldridge 2021) is
        a fourth estimator for staggered adoption. Beyond one binary treatment that
        stays on: ``chaisemartin_dhaultfoeuille`` (de Chaisemartin & D'Haultfoeuille
        2024: a treatment that varies in intensity and may switch on and off, given as
        ``treatment``; options in the ``intertemporal`` section),
        ``continuous_did`` (Callaway, Goodman-Bacon & Sant'Anna 2024: a continuous
        ``dose`` with ``first_treated``; options in ``dose_response``) and
        ``triple_differences`` (Ortiz-Villavicencio & Sant'Anna 2025: ``first_treated``
        and the ``eligible`` units inside the treated groups). Panel
        designs need ``unit``, ``time`` and exactly one of ``first_treated`` or
        ``treatment``. The estimator chosen gives the report's headline; when
        adoption is staggered, the report also compares the estimators listed in
        ``staggered.estimators`` and decomposes the TWFE coefficient.
    outcome
        The outcome column.
    outcome_label
        A human label for the outcome, e.g. ``"log teen employment"``.
    outcome_scale
        ``level`` (default) or ``log``: an effect on a log outcome reads as
        approximately a percentage change.
    unit, time
        Panel designs: the unit identifier and time period columns. ``did_2x2``
        may give ``unit`` to cluster standard errors.
    first_treated
        Panel designs: column holding the period each unit is first treated
        (0 or empty for never treated).
    treatment
        Panel designs: 0/1 column equal to 1 when the unit is treated.
    treated, post
        ``did_2x2``: the 0/1 treated-group column and the 0/1 after-period column.
    method
        ``did_2x2`` only: ``regression`` (default; OLS, covariates entering linearly),
        ``doubly_robust`` (Sant'Anna & Zhao 2020's improved, locally efficient doubly
        robust estimator: a propensity score and outcome regressions on the covariates)
        or ``doubly_robust_traditional`` (their traditional doubly robust estimator). With
        ``design.unit`` the rows are a panel (each unit before and after), otherwise
        repeated cross-sections.
    dose
        ``continuous_did``: each unit's treatment dose (0 for untreated units).
    eligible
        ``triple_differences``: a 0/1 column, 1 for the units the policy targets inside
        the treated groups (the third difference). Its treated groups are given by
        ``first_treated``, or by ``treated`` (a 0/1 column, 1 for the units of treated
        groups) with ``start``, the period the policy started in all of them.
    start
        ``triple_differences`` with ``treated``: the first period of the policy.
    covariates
        Control variables (columns), default none.
    weights
        Column of sampling weights, if any.
    """

    estimator: Literal["did_2x2", "twfe", "event_study", "callaway_santanna", "sun_abraham",
                       "imputation", "synthetic_did", "synthetic_control", "extended_twfe",
                       "chaisemartin_dhaultfoeuille", "continuous_did", "triple_differences"]
    method: Literal["regression", "doubly_robust", "doubly_robust_traditional"] | None = None
    outcome: StrictStr
    outcome_label: StrictStr | None = None
    outcome_scale: Literal["level", "log"] = "level"
    unit: StrictStr | None = None
    time: StrictStr | None = None
    first_treated: StrictStr | None = None
    treatment: StrictStr | None = None
    treated: StrictStr | None = None
    post: StrictStr | None = None
    dose: StrictStr | None = None
    eligible: StrictStr | None = None
    start: StrictInt | StrictFloat | None = None
    covariates: list[StrictStr] = Field(default_factory=list)
    weights: StrictStr | None = None

    @property
    def two_by_two_method(self) -> str:
        """``did_2x2``'s method: ``design.method``, ``"regression"`` when not given."""
        return self.method or "regression"


class InferenceSection(_Section):
    """``inference``: how uncertainty is measured.

    Attributes
    ----------
    kind
        ``classical``, ``robust`` (heteroskedasticity-robust) or ``cluster``: the
        ``kind`` of :func:`evalkit.inference.inference_from_dict` (formerly
        ``standard_errors``). Default: ``cluster`` for panel designs, ``robust`` for
        ``did_2x2``.
    cluster
        The cluster column. Required for ``did_2x2`` with clustered standard
        errors; for panel designs it defaults to ``design.unit``.
    confidence_level
        Confidence level of the intervals, strictly between 0.5 and 1 (default 0.95).
    """

    RENAMED: ClassVar[dict[str, str]] = {"standard_errors": "kind"}
    KEY: ClassVar[str] = "inference"

    kind: Literal["classical", "robust", "cluster"] | None = None
    cluster: StrictStr | None = None
    confidence_level: Annotated[float, Strict()] = Field(default=0.95, gt=0.5, lt=1)

    def to_inference(self) -> Any:
        """The section as an :data:`evalkit.inference.Inference` (``Robust()`` when unset)."""
        from evalkit.inference import inference_from_dict

        if self.kind == "cluster":
            return inference_from_dict({"kind": "cluster", "cluster": self.cluster})
        return inference_from_dict({"kind": self.kind or "robust"})


class EventStudySection(_Section):
    """``event_study``: options of the effects by time relative to treatment.

    Allowed with the panel designs: the TWFE event study is the headline of
    ``event_study`` and a comparison for the others.

    Attributes
    ----------
    window
        ``[first, last]`` relative periods to estimate, e.g. ``[-4, 3]``; default:
        every relative period in the data.
    reference
        The relative period the effects are measured against; negative, default -1.
    bin_endpoints
        If true, relative periods beyond the window are pooled into its end points
        instead of being dropped (default false).
    """

    window: list[StrictInt] | None = Field(default=None, min_length=2, max_length=2)
    reference: StrictInt = Field(default=-1, lt=0)
    bin_endpoints: StrictBool = False


class StaggeredSection(_Section):
    """``staggered``: the estimators for staggered adoption (panel designs only).

    Used whenever units are first treated in different periods: the report then shows
    the estimators listed here side by side, the cohort sizes and the Goodman-Bacon
    decomposition of the TWFE coefficient.

    Attributes
    ----------
    estimators
        Which estimators to run and compare (default: ``callaway_santanna``,
        ``sun_abraham`` and ``imputation``; ``extended_twfe`` may be added). An empty
        list turns the comparison off. With ``triple_differences`` and
        ``continuous_did``, the section gives their ``control_group``, ``base_period``,
        ``anticipation``, ``n_draws`` and ``random_state`` (and ``method`` for
        ``triple_differences``).
    control_group
        Callaway & Sant'Anna's comparison units: ``never_treated`` (default when
        there are never-treated units) or ``not_yet_treated``.
    method
        Callaway & Sant'Anna's estimation method: ``doubly_robust`` (default),
        ``outcome_regression`` or ``inverse_probability``.
    base_period
        ``varying`` (default) or ``universal`` base period for Callaway & Sant'Anna.
    anticipation
        Number of periods before treatment in which units may already react (default 0).
    n_draws
        Draws of the multiplier bootstrap for Callaway & Sant'Anna's standard errors
        and simultaneous confidence bands (default 999; 0 for analytic standard
        errors without bands; formerly ``bootstrap_draws``).
    random_state
        Seed of the bootstrap, so that a report is reproducible (default 20240101;
        formerly ``seed``).
    bacon
        Whether to show the Goodman-Bacon decomposition (default true).
    """

    estimators: list[Literal["callaway_santanna", "sun_abraham", "imputation",
                             "extended_twfe"]] = Field(
        default_factory=lambda: ["callaway_santanna", "sun_abraham", "imputation"])
    control_group: Literal["never_treated", "not_yet_treated"] | None = None
    method: Literal["doubly_robust", "outcome_regression", "inverse_probability"] = (
        "doubly_robust")
    base_period: Literal["varying", "universal"] = "varying"
    anticipation: StrictInt = Field(default=0, ge=0)
    RENAMED: ClassVar[dict[str, str]] = {"bootstrap_draws": "n_draws", "seed": "random_state"}
    KEY: ClassVar[str] = "staggered"

    n_draws: StrictInt = Field(default=999, ge=0)
    random_state: StrictInt = 20240101
    bacon: StrictBool = True


class IntertemporalSection(_Section):
    """``intertemporal``: options of ``chaisemartin_dhaultfoeuille``.

    Attributes
    ----------
    effects
        How many effects to estimate: 1 is the effect in the first period of a unit's
        first treatment change, 2 the next period's, and so on (default 5).
    placebos
        How many placebos (pre-treatment comparisons) to estimate (default 3).
    normalized
        Whether to divide each effect by the cumulated change in treatment, giving
        effects per unit of treatment (default false).
    same_switchers
        Whether to estimate every effect on the same units, those observed long enough
        for the last one (default false).
    """

    KEY: ClassVar[str] = "intertemporal"

    effects: StrictInt = Field(default=5, ge=1)
    placebos: StrictInt = Field(default=3, ge=0)
    normalized: StrictBool = False
    same_switchers: StrictBool = False


class DoseResponseSection(_Section):
    """``dose_response``: options of ``continuous_did``.

    Attributes
    ----------
    target
        ``level`` (default): the average effect of each dose on the units that received
        it, ATT(d); or ``slope``: the average causal response, ACRT(d), the effect of a
        marginal increase in the dose.
    degree
        Degree of the B-spline in the dose (default 3).
    knots
        Number of interior knots of the spline (default 0: a polynomial).
    """

    KEY: ClassVar[str] = "dose_response"

    target: Literal["level", "slope"] = "level"
    degree: StrictInt = Field(default=3, ge=1)
    knots: StrictInt = Field(default=0, ge=0)


class SyntheticSection(_Section):
    """``synthetic``: options of the synthetic designs (``synthetic_did``, ``synthetic_control``).

    Attributes
    ----------
    inference
        How the headline estimate's standard error is computed (Arkhangelsky et al.
        2021, algorithms 2-4): ``placebo`` (default; the only choice with a single
        treated unit), ``bootstrap`` or ``jackknife`` (formerly ``standard_errors``).
    n_draws
        Placebo or bootstrap replications (default 200, as the paper; formerly
        ``replications``).
    random_state
        Seed of the replications, so that a report is reproducible (default 20240101;
        formerly ``seed``).
    predictor_periods
        Pre-treatment periods whose outcome values are the predictors of Abadie,
        Diamond & Hainmueller's synthetic control (default: chosen by
        :func:`evalkit.synthetic_control`).
    placebo_in_space
        Whether to run the synthetic control for every donor as if it were treated,
        for the permutation p-value (default true).
    leave_one_out
        Whether to re-fit the synthetic control without each donor it uses (default true).
    """

    RENAMED: ClassVar[dict[str, str]] = {"standard_errors": "inference",
                                         "replications": "n_draws", "seed": "random_state"}
    KEY: ClassVar[str] = "synthetic"

    inference: Literal["placebo", "bootstrap", "jackknife"] = "placebo"
    n_draws: StrictInt = Field(default=200, ge=2)
    random_state: StrictInt = 20240101
    predictor_periods: list[StrictInt | StrictFloat] | None = Field(default=None, min_length=1)
    placebo_in_space: StrictBool = True
    leave_one_out: StrictBool = True


class SensitivitySection(_Section):
    """``sensitivity``: how much the conclusion depends on the design's assumptions.

    Attributes
    ----------
    honest_did
        Whether to compute robust confidence intervals that allow parallel trends to
        fail after treatment (Rambachan & Roth 2023) for the report's event study
        (default true).
    target
        The effect examined: ``average`` of the post-treatment effects (default) or
        the ``first`` post-treatment effect.
    relative_magnitudes
        The values of Mbar examined (post-treatment violations at most Mbar times the
        largest pre-treatment one); default 0, 0.5, 1, 1.5 and 2.
    smoothness
        The values of M examined (bound on the change in the slope of the trend, in
        the outcome's units); default: a grid chosen from the estimates' precision.
    wild_bootstrap
        Wild cluster bootstrap inference for the 2x2 or TWFE coefficient: ``auto``
        (default: when there are fewer clusters, or fewer treated clusters, than
        ``rules.few_clusters`` and ``rules.few_treated_clusters``, 30 and 10 by default),
        ``always`` or ``never``.
    n_draws
        Draws of the wild cluster bootstrap (default 9999; all sign combinations are
        enumerated when there are fewer; formerly ``bootstrap_draws``).
    random_state
        Seed of the wild cluster bootstrap (default 20240101; formerly ``seed``).
    """

    honest_did: StrictBool = True
    target: Literal["average", "first"] = "average"
    relative_magnitudes: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.0, 0.5, 1.0, 1.5, 2.0], min_length=1)
    smoothness: list[Annotated[float, Field(ge=0)]] | None = Field(default=None, min_length=1)
    wild_bootstrap: Literal["auto", "always", "never"] = "auto"
    RENAMED: ClassVar[dict[str, str]] = {"bootstrap_draws": "n_draws", "seed": "random_state"}
    KEY: ClassVar[str] = "sensitivity"

    n_draws: StrictInt = Field(default=9999, ge=99)
    random_state: StrictInt = 20240101


_DEFAULT_RULES = VerdictRules()
_Count = Annotated[int, Strict(), Field(ge=0)]
_Share = Annotated[float, Strict(), Field(gt=0, le=1)]
_NonNegative = Annotated[float, Strict(), Field(ge=0)]


class RulesSection(_Section):
    """``rules``: the thresholds of the report's automatic verdicts (all optional).

    Each key changes one threshold of :class:`evalkit.reports.params.rules.VerdictRules`,
    where every rule's unit, effect and source are given; the report lists the rules
    it applied and whether each was set here. Counts are whole numbers (0 or more),
    shares are fractions above 0 and at most 1 (0.05 is 5%), the other values are
    numbers 0 or more; ``progress_on_track`` must exceed ``progress_acceleration``,
    and ``progress_significant`` must exceed ``progress_moderate``.

    Attributes
    ----------
    few_clusters, few_treated_clusters
        Fewer clusters, or fewer clusters with treated units, than this: the findings
        warn and the wild cluster bootstrap runs (default 30 and 10).
    webb_weights_max_clusters
        This many clusters or fewer: the wild cluster bootstrap uses Webb's weights
        (default 12).
    small_comparison, small_comparison_observations
        Fewer never-treated units (panel designs), or fewer comparison observations
        (``did_2x2``), than this: the comparison group is called small (default 10
        and 30).
    twfe_trust_weight, twfe_trust_gap
        With staggered adoption, the TWFE coefficient is called trustworthy when less
        than this share of its weight is on already-treated comparisons (default 0.10)
        and it is within this many standard errors of the robust estimate (default 1).
    poor_fit_share
        A synthetic control's error before the policy above this share of the treated
        unit's mean level is a loose fit (default 0.05).
    honest_robust_breakdown
        The conclusion is called robust when it holds up to at least this Mbar
        (default 1).
    progress_on_track, progress_acceleration, progress_significant, progress_moderate
        The tracking status bands (defaults 0.95, 0.60, 0.015 and 0.005).
    """

    few_clusters: _Count = _DEFAULT_RULES.few_clusters
    few_treated_clusters: _Count = _DEFAULT_RULES.few_treated_clusters
    webb_weights_max_clusters: _Count = _DEFAULT_RULES.webb_weights_max_clusters
    small_comparison: _Count = _DEFAULT_RULES.small_comparison
    small_comparison_observations: _Count = _DEFAULT_RULES.small_comparison_observations
    twfe_trust_weight: _Share = _DEFAULT_RULES.twfe_trust_weight
    twfe_trust_gap: _NonNegative = _DEFAULT_RULES.twfe_trust_gap
    poor_fit_share: _Share = _DEFAULT_RULES.poor_fit_share
    honest_robust_breakdown: _NonNegative = _DEFAULT_RULES.honest_robust_breakdown
    progress_on_track: _NonNegative = _DEFAULT_RULES.progress_on_track
    progress_acceleration: _NonNegative = _DEFAULT_RULES.progress_acceleration
    progress_significant: _NonNegative = _DEFAULT_RULES.progress_significant
    progress_moderate: _NonNegative = _DEFAULT_RULES.progress_moderate

    def verdict_rules(self) -> VerdictRules:
        """The rules, defaults included, as :class:`~evalkit.reports.params.rules.VerdictRules`."""
        return VerdictRules(**self.model_dump())

    @property
    def set_by_params(self) -> frozenset[str]:
        """The names of the rules the params file sets."""
        return frozenset(self.model_fields_set)


class MeasureSection(_Section):
    """How one indicator is computed from the data's columns.

    Attributes
    ----------
    numerator
        The column counted (e.g. ``poor_households``), or the value itself when
        ``denominator`` is not given (e.g. euros spent).
    denominator
        The column it is divided by (e.g. ``households``), if any.
    scale
        What the ratio is multiplied by: 100 for a percentage (default), 1000 for a
        rate per 1,000 inhabitants, 1 for a plain ratio.
    kind
        ``proportion`` (binomial: a share of the denominator; Wilson intervals),
        ``rate`` (Poisson counts per population; exact intervals) or ``value`` (no
        sampling interval). Default: ``proportion`` with a denominator, else ``value``.
    """

    numerator: StrictStr
    denominator: StrictStr | None = None
    scale: Annotated[float, Strict()] | StrictInt = 100.0
    kind: Literal["proportion", "rate", "value"] | None = None


class IndicatorsSection(_Section):
    """``indicators``: the indicators a report tracks against their targets.

    Attributes
    ----------
    definitions
        YAML file of indicator definitions (labels, unit, direction, baseline,
        targets), relative to the params file's folder.
    period
        The column of the period (year).
    territory
        The column identifying the territories observed (e.g. ``commune_code``).
    territory_level
        Optional level of the ``territory`` codes in the territorial referential
        (``commune``, ``epci``, ``departement``, ``region``; Belgian ``municipality``,
        ``province``, ``region``). When given (or when ``group_by`` names a level), the
        codes are checked against the referential; without it, their level is inferred
        from the codes.
    pad_codes
        Zero-pad territory codes that lost their leading zeros (``2001`` -> ``02001``).
    group_by
        Optional column grouping territories into the areas the report compares with
        the whole and ranks (e.g. ``departement_code``); their counts are summed. It can
        also name a level of the referential (e.g. ``departement``, ``epci``, ``region``,
        Belgian ``province``): the data's ``<level>_code`` column is used if present,
        else each territory's code and name at that level are attached from the
        referential.
    group_name
        Optional column holding each group's name (default with a level: the
        referential's names).
    focus
        Optional row filter defining the territory of interest, e.g. ``{policy: 1}``
        for the communes of a programme; it is compared with the rest.
    focus_label
        The name of that territory of interest in the report.
    policy_start
        The first period of the policy, for the interrupted time series and the plots.
    measures
        For each indicator code of the definitions file, how it is computed.
    """

    definitions: StrictStr
    period: StrictStr
    territory: StrictStr
    territory_level: Literal["commune", "epci", "departement", "region", "municipality",
                             "province"] | None = None
    pad_codes: StrictBool = False
    group_by: StrictStr | None = None
    group_name: StrictStr | None = None
    focus: dict[StrictStr, Annotated[Any, PlainValidator(_sample_value)]] | None = None
    focus_label: StrictStr | None = None
    policy_start: StrictInt | None = None
    measures: dict[StrictStr, MeasureSection] = Field(min_length=1)


class MapsSection(_Section):
    """``maps``: the maps of the territories the data's codes name.

    Without this section, the reports draw maps when the codes (``indicators.territory``,
    ``design.unit``) are those of shipped boundaries (the communes or intercommunal
    bodies of Hauts-de-France, the French departments), found from the codes.

    Attributes
    ----------
    boundaries
        A boundary file (GeoJSON, GeoPackage or Shapefile; a relative path starts at the
        params file's folder) whose polygons the codes name, or the name of shipped
        boundaries (``hauts_de_france_communes``, ``hauts_de_france_epci``,
        ``france_departements``).
    key
        The boundary file's column holding each territory's code (needed with a file).
    level
        What the territories are, for the wording of the maps.
    outline
        A column of the boundary file (or a level whose ``<level>_code`` column it has,
        e.g. ``departement``) whose groups are outlined over the map.
    show
        ``false`` draws no map.
    """

    KEY: ClassVar[str] = "maps"

    boundaries: StrictStr | None = Field(default=None, min_length=1)
    key: StrictStr | None = Field(default=None, min_length=1)
    level: Literal["commune", "epci", "departement", "region", "municipality", "province",
                   "territory"] | None = None
    outline: StrictStr | None = Field(default=None, min_length=1)
    show: StrictBool = True


class ReportSection(_Section):
    """``report``: presentation.

    Attributes
    ----------
    title
        The report's title (default: ``policy.name``).
    notes
        Free text shown in the report (escaped, as all user text).
    notebook
        The report notebook to execute instead of the packaged template
        (``evaluation.ipynb``; ``programme.ipynb`` with a ``programme`` section;
        ``tracking.ipynb`` with indicators only); a relative
        path starts at the params file's folder. It must have a cell tagged
        ``parameters`` that defines ``params_file``.
    formats
        What a run writes for the policy, among ``html`` (the report, always needed:
        the index links it), ``docx`` (the note, in Word), ``pdf`` (the note, in PDF)
        and ``report_pdf`` (the full report, in PDF). Default: html, docx, pdf.
    docx_template
        A Word file (``.docx``) whose styles, header, footer and logo the note takes
        (a relative path starts at the params file's folder). Default: the neutral
        template shipped with evalkit.
    """

    title: StrictStr | None = None
    notes: StrictStr | None = None
    notebook: StrictStr | None = None
    formats: list[Literal["html", "docx", "pdf", "report_pdf"]] = Field(
        default_factory=lambda: ["html", "docx", "pdf"])
    docx_template: StrictStr | None = Field(default=None, min_length=1)

    @field_validator("formats")
    @classmethod
    def _formats_once_with_html(cls, formats: list[str]) -> list[str]:
        twice = sorted({f for f in formats if formats.count(f) > 1})
        if twice:
            raise ValueError(f"must name each format once ({', '.join(twice)} is given more "
                             "than once)")
        if "html" not in formats:
            raise ValueError("must include html (the report the index links to), with any of "
                             "docx, pdf, report_pdf")
        return formats


class PolicyParams(_Section):
    """A validated policy params file. Build it with :func:`load_params`.

    Attributes
    ----------
    policy, data, design, indicators, inference, event_study, staggered, synthetic,
    sensitivity, rules, report, maps, programme
        The sections of the file (see their classes). In ``inference``,
        ``standard_errors`` and ``cluster`` hold their resolved defaults.
    language
        The language this report is written in (``"en"``, ``"fr"``, ``"nl"``): its words
        (see :attr:`language`).
    languages
        The languages or locales the file asks for, in order (see :attr:`languages`).
    locale
        How this report writes numbers and dates (see :attr:`locale`).

    The file's ``language`` key is one language (``fr``), one locale (``fr-BE``) or a list
    of them (``[fr-BE, nl-BE]``: a report in each). A language must have a message
    catalogue (``evalkit/reports/messages/locales/<language>.po``); a locale must be one
    Babel knows for such a language. A language alone is written in its default locale
    (:data:`evalkit.formatting.DEFAULT_LOCALES`: ``en`` → ``en_GB``, ``fr`` → ``fr_FR``,
    ``nl`` → ``nl_BE``).
    """

    policy: PolicySection
    # the file's ``language`` key; shown by the properties below, not dumped
    requested_languages: Annotated[tuple[str, ...], PlainValidator(_report_languages)] = Field(
        validation_alias="language", exclude=True)
    data: DataSection
    design: DesignSection | None = None
    indicators: IndicatorsSection | None = None
    inference: InferenceSection = Field(default_factory=InferenceSection)
    event_study: EventStudySection | None = None
    staggered: StaggeredSection | None = None
    synthetic: SyntheticSection | None = None
    intertemporal: IntertemporalSection | None = None
    dose_response: DoseResponseSection | None = None
    sensitivity: SensitivitySection = Field(default_factory=SensitivitySection)
    rules: RulesSection = Field(default_factory=RulesSection)
    report: ReportSection = Field(default_factory=ReportSection)
    maps: MapsSection | None = None
    programme: ProgrammeSection | None = None

    _params_path: Path = PrivateAttr(default=Path())
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _chosen: str | None = PrivateAttr(default=None)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The top-level keys of a params file (``policy``, ``language``, ``data`` ...)."""
        return tuple(str(field.validation_alias or name)
                     for name, field in cls.model_fields.items())

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages or locales the file asks for, as written, in order: ``("fr",)``,
        ``("fr-BE", "nl-BE")``; a report is written in each."""
        return self.requested_languages

    @property
    def report_language(self) -> str:
        """The language or locale this report is written in, as the file writes it: the
        first of :attr:`languages`, unless ``with_options(language=...)`` chose another."""
        return self._chosen if self._chosen is not None else self.requested_languages[0]

    @property
    def language(self) -> str:
        """The language of this report's words: ``"nl"`` for ``nl-BE`` (the key of its
        message catalogue)."""
        return language_of(self.report_language)

    @property
    def locale(self) -> str:
        """How this report writes numbers and dates: the Babel (CLDR) locale identifier of
        :attr:`report_language`, ``"nl_BE"``, ``"fr_FR"`` for ``fr``; every function of
        :mod:`evalkit.formatting` takes it."""
        return locale_of(self.report_language)

    @property
    def params_path(self) -> Path:
        """The params file, as an absolute path."""
        return self._params_path

    @property
    def policy_id(self) -> str:
        """The policy's identifier: the params file's name without its extension."""
        return self._params_path.stem

    @property
    def data_path(self) -> Path:
        """The data file, as an absolute path (relative paths start at the params file)."""
        return resolve_data_path(self.data.file, self._params_path)

    @property
    def verdict_rules(self) -> VerdictRules:
        """The thresholds of the report's verdicts: the ``rules`` section over the defaults."""
        return self.rules.verdict_rules()

    @property
    def is_panel(self) -> bool:
        """Whether the design is a panel design (``twfe``, ``event_study`` ...)."""
        return self.design is not None and self.design.estimator in PANEL_ESTIMATORS

    @property
    def template_name(self) -> str:
        """The report notebook: ``evaluation.ipynb`` with a design, ``programme.ipynb`` for a
        programme's follow-up, else ``tracking.ipynb``."""
        if self.design is not None:
            return "evaluation.ipynb"
        return "programme.ipynb" if self.programme is not None else "tracking.ipynb"

    @property
    def notebook_path(self) -> Path | None:
        """``report.notebook`` as an absolute path, if the params name one."""
        if self.report.notebook is None:
            return None
        return resolve_data_path(self.report.notebook, self._params_path)

    @property
    def definitions_path(self) -> Path | None:
        """The indicator definitions file, as an absolute path, if the params track any."""
        if self.indicators is None:
            return None
        return resolve_data_path(self.indicators.definitions, self._params_path)

    @property
    def title(self) -> str:
        """The report's title: ``report.title`` if given, else ``policy.name``."""
        return self.report.title or self.policy.name

    def with_options(self, **sections: Mapping[str, Any] | _Section | None) -> PolicyParams:
        """These params with some keys changed, checked as if the file said so.

        Each keyword is a section of the file (``design``, ``inference``,
        ``event_study``, ``staggered``, ``synthetic``, ``sensitivity`` ...); a mapping
        changes the keys it names and keeps the others (a key given as ``None`` is
        removed), a section object (such as ``params.inference``) replaces the section,
        and ``None`` removes the section.

        ``language`` chooses the report's language: one of :attr:`languages` (the same
        locale, or its language alone: ``"nl"`` for ``nl-BE``) writes this report in it
        and keeps :attr:`languages`; any other value is the file's ``language`` key
        changed (a language, a locale or a list).

        Examples
        --------
        >>> params.with_options(inference={"kind": "robust", "cluster": None})  # doctest: +SKIP
        >>> params.with_options(design={"estimator": "imputation"})  # doctest: +SKIP
        >>> bilingual.languages, bilingual.with_options(language="nl-BE").locale  # doctest: +SKIP
        (('fr-BE', 'nl-BE'), 'nl_BE')

        Raises
        ------
        ParamsError
            Listing every problem, each naming its key, as :func:`load_params` does.
        """
        unknown = sorted(set(sections) - set(type(self).keys()))
        if unknown:
            raise ParamsError(self._params_path, [
                f"{name}: not a section of a params file; the sections are: "
                + ", ".join(type(self).keys()) for name in unknown])
        sections = dict(sections)
        chosen = self._chosen
        if "language" in sections:
            found = self._one_of_languages(sections["language"])
            if found is not None:
                del sections["language"]
                chosen = found
            else:
                chosen = None
        raw = {key: (dict(value) if isinstance(value, Mapping) else value)
               for key, value in self._raw.items()}
        for name, value in sections.items():
            if value is None:
                raw.pop(name, None)
            elif isinstance(value, _Section):
                raw[name] = value.model_dump(mode="json", exclude_unset=True)
            elif isinstance(value, Mapping):
                base = raw.get(name)
                merged = {**(base if isinstance(base, Mapping) else {}), **value}
                raw[name] = {key: v for key, v in merged.items() if v is not None}
            else:
                raw[name] = value
        params = _validated(raw, self._params_path, language=chosen)
        if chosen is not None and chosen in params.languages:
            params._chosen = chosen
        return params

    def _one_of_languages(self, value: object) -> str | None:
        """The entry of :attr:`languages` that ``value`` names (a locale or its language)."""
        if not isinstance(value, str) or language_problem(value) is not None:
            return None
        for tag in self.languages:
            if locale_of(tag) == locale_of(value) or value == language_of(tag):
                return tag
        return None

    def to_notebook_parameters(self) -> dict[str, Any]:
        """Everything in the file, with resolved paths, as a plain JSON-compatible dict.

        Adds ``policy_id``, ``params_file`` and ``data_file`` (absolute paths, as
        text) to the file's sections; ``language`` is the language or locale this report
        is written in (:attr:`report_language`), ``languages`` all those of the file.
        """
        out: dict[str, Any] = {
            "policy_id": self.policy_id,
            "params_file": str(self.params_path),
            "data_file": str(self.data_path),
        }
        dumped = self.model_dump(mode="json")
        out.update({"policy": dumped.pop("policy"), "language": self.report_language,
                    "languages": list(self.languages)})
        out.update(dumped)
        return out


def _with_defaults(params: PolicyParams) -> PolicyParams:
    inference = params.inference
    errors = inference.kind or ("cluster" if params.is_panel else "robust")
    cluster = inference.cluster
    if errors == "cluster" and cluster is None and params.design is not None:
        cluster = params.design.unit
    resolved = inference.model_copy(update={"kind": errors, "cluster": cluster})
    return params.model_copy(update={"inference": resolved})


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a name the system cannot look up (too long ...) is not."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def load_params(path: str | Path) -> PolicyParams:
    """Read and check a policy params file completely, without running anything.

    Checks the YAML syntax, the schema, the rules between keys and the data file
    (it exists and has every column the file names; only its header is read).

    Parameters
    ----------
    path
        The params file (``params/<policy>.yaml``). Its name without extension is
        the policy's identifier.

    Returns
    -------
    PolicyParams
        The validated params, with defaults resolved.

    Raises
    ------
    ParamsError
        Listing every problem found, each naming its key (``design.estimator``),
        what was expected and the value found.

    Examples
    --------
    >>> params = load_params("params/minimum_wage.yaml")  # doctest: +SKIP
    >>> params.design.estimator, params.data_path.name     # doctest: +SKIP
    ('event_study', 'mpdta.csv')
    """
    p = Path(path).expanduser().resolve()
    raw, problems = read_params_yaml(p)
    return _validated(raw, p, problems)


def _validated(raw: Any, p: Path, problems: list[str] | None = None,
               language: str | None = None) -> PolicyParams:
    """``raw`` (a params file's content) checked as :func:`load_params` checks it; its
    texts given by language are those of ``language`` (default: the file's first)."""
    problems = list(problems or [])
    given = raw
    raw, text_problems = resolve_texts(raw, language)  # texts -> the report's language
    problems.extend(text_problems)
    params: PolicyParams | None = None
    try:
        params = PolicyParams.model_validate(raw)
    except ValidationError as exc:
        problems.extend(format_validation_errors(exc, PolicyParams))
    problems.extend(rule_problems(raw, p))
    problems.extend(column_problems(raw, p))
    problems.extend(maps_problems(raw, p))
    problems.extend(programme_problems(raw, p))
    if params is not None and params.report.notebook is not None:
        notebook = resolve_data_path(params.report.notebook, p)
        if not _is_file(notebook):
            shown = describe_value(params.report.notebook)
            where = str(notebook) if len(str(notebook)) <= 200 else str(notebook)[:197] + "..."
            problems.append(f"report.notebook={shown}: must be an existing notebook file (a "
                            f"relative path starts at the params file's folder); got {shown}, "
                            f"and {where} does not exist")
    problems.extend(docx_template_problems(raw, p))
    if problems or params is None:
        raise ParamsError(p, problems or ["the file could not be validated"])
    params._params_path = p
    resolved = _with_defaults(params)
    resolved._params_path = p
    resolved._raw = given if isinstance(given, dict) else {}
    return resolved


def check_columns(params: PolicyParams, path: str | Path | None = None) -> None:
    """Check that the data file exists and has every column the params name.

    Only the header is read (CSV: no rows; Parquet: the schema; Excel: no rows).
    :func:`load_params` already runs this check; call it again when the data file
    may have changed since.

    Parameters
    ----------
    params
        Validated params.
    path
        The params file to name in the error, and from whose folder a relative
        ``data.file`` is read (default: ``params.params_path``).

    Raises
    ------
    ParamsError
        Naming the data file, each key whose column is missing (``design.outcome``)
        and the columns that do exist.
    """
    p = Path(path).expanduser().resolve() if path is not None else params.params_path
    problems = column_problems(params.model_dump(mode="python"), p)
    if problems:
        raise ParamsError(p, problems)
