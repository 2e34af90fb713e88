"""The rules behind the reports' automatic verdicts, in one place.

A report does not only print estimates: it also says, in words, that "the TWFE
coefficient can be trusted", that there are "few clusters", that a synthetic control's
fit before the policy is "loose", that an indicator is "on track". Each of these
verdicts compares a number with a threshold. :class:`VerdictRules` holds every such
threshold, with its default, its unit, what it decides and where the value comes
from. The report code reads the thresholds from it and from nowhere else; a params
file may change any of them in its ``rules`` section (see
:class:`evalkit.reports.params.schema.RulesSection`), and every report lists the rules it
applied, their values and whether each is the default or was set by the params file.

The significance level of tests and intervals is not a rule of this kind: it is
``inference.confidence_level``, already a setting of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

from evalkit.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from evalkit.indicators.progress import ProgressThresholds

__all__ = ["VerdictRules", "RuleUnit", "RULE_UNITS", "RULE_NAMES", "RULE_SOURCES"]

#: How a rule's value is measured: a count, a share (0.05 is 5%), a ratio, a number of
#: standard errors, a value of HonestDiD's Mbar, or an annual growth rate (0.015 is 1.5%
#: a year).
RuleUnit = Literal["count", "share", "ratio", "std_errors", "mbar", "growth"]


@dataclass(frozen=True)
class VerdictRules:
    """The thresholds the reports' verdicts rest on.

    Every attribute is a threshold with a default; the defaults are the values the
    reports have always used. Build one with keyword arguments to change some of them
    (a params file does so through its ``rules`` section).

    Attributes
    ----------
    few_clusters
        Count of clusters, default 30. With fewer clusters, the findings warn that the
        cluster-robust confidence interval may be too narrow, and (with
        ``sensitivity.wild_bootstrap: auto``) the wild cluster bootstrap is run.
        Source: Cameron, Gelbach & Miller (2008) and Cameron & Miller (2015), where
        cluster-robust tests over-reject with fewer than some 20 to 50 clusters; 30 is
        the usual convention.
    few_treated_clusters
        Count of clusters containing treated units, default 10. With fewer, the findings
        warn that cluster-robust standard errors can be too small, and (with
        ``sensitivity.wild_bootstrap: auto``) the wild cluster bootstrap is run.
        Source: MacKinnon & Webb (2017, 2018), where rejection rates rise sharply when
        few clusters are treated; 10 is a convention.
    webb_weights_max_clusters
        Count of clusters, default 12. With this many clusters or fewer, the wild cluster
        bootstrap draws Webb's six-point weights instead of Rademacher's two-point ones,
        which give too few distinct bootstrap samples. Source: Webb (2023, first
        circulated 2014) and MacKinnon & Webb (2017); 12 is a convention.
    small_comparison
        Count of never-treated units, default 10 (panel designs). With fewer, the
        findings say that the comparison group is small. Source: convention.
    small_comparison_observations
        Count of observations in the comparison group, default 30 (two-group,
        two-period designs). With fewer, the findings say that the comparison group is
        small. Source: convention.
    twfe_trust_weight
        Share of the TWFE coefficient's weight, default 0.10 (10%), with staggered
        adoption. The TWFE coefficient is called trustworthy only if less of its weight
        than this rests on comparisons with already-treated units (the "forbidden"
        comparisons of the Goodman-Bacon decomposition) and ``twfe_trust_gap`` holds.
        Source: Goodman-Bacon (2021) for the decomposition; the 10% cut-off is a
        convention.
    twfe_trust_gap
        Number of standard errors, default 1. The TWFE coefficient is called
        trustworthy only if it differs from the estimate robust to staggered adoption
        (Callaway & Sant'Anna, else imputation) by at most this many of that estimate's
        standard errors, and ``twfe_trust_weight`` holds. Source: convention.
    poor_fit_share
        Share of the treated unit's mean level before the policy, default 0.05 (5%).
        A synthetic control whose root mean squared prediction error before the policy
        exceeds this share is called a loose fit. Source: Abadie, Diamond & Hainmueller
        (2010, 2015) and Abadie (2021), who advise against using a synthetic control
        that does not track the treated unit before the policy; the 5% cut-off is a
        convention.
    honest_robust_breakdown
        Value of Mbar, default 1. When the effect stays distinguishable from zero up to
        at least this Mbar (post-policy violations of parallel trends as large as the
        largest before the policy), the findings call the conclusion robust; below it,
        fragile. Source: Rambachan & Roth (2023), who take Mbar = 1 as the benchmark.
    progress_on_track, progress_acceleration
        Ratios of the actual to the required growth rate, defaults 0.95 and 0.60.
        Indicators with a target are *on track* at or above the first, *progress,
        acceleration needed* at or above the second, *limited progress* above zero.
        Source: Eurostat (2023), SDG monitoring report, methodological annex.
    progress_significant, progress_moderate
        Annual growth rates (fractions: 0.015 is 1.5% a year), defaults 0.015 and 0.005.
        Indicators without a target show *significant progress* at or above the first,
        *moderate progress* at or above the second, *insufficient progress* above zero.
        Source: Eurostat (2023), as above, and Open SDG's "methodology 1".

    Raises
    ------
    InputError
        If a count is not a non-negative integer, a share or ratio is out of its
        range, or the progress thresholds are not in decreasing order.
    """

    few_clusters: int = 30
    few_treated_clusters: int = 10
    webb_weights_max_clusters: int = 12
    small_comparison: int = 10
    small_comparison_observations: int = 30
    twfe_trust_weight: float = 0.10
    twfe_trust_gap: float = 1.0
    poor_fit_share: float = 0.05
    honest_robust_breakdown: float = 1.0
    progress_on_track: float = 0.95
    progress_acceleration: float = 0.60
    progress_significant: float = 0.015
    progress_moderate: float = 0.005

    def __post_init__(self) -> None:
        problems = [problem for name in RULE_NAMES
                    if (problem := _range_problem(name, getattr(self, name))) is not None]
        problems += order_problems(self.__dict__)
        if problems:
            raise InputError("Invalid verdict rules:\n  - " + "\n  - ".join(problems))

    def progress_thresholds(self) -> ProgressThresholds:
        """The tracking status bands as :class:`evalkit.indicators.ProgressThresholds`."""
        # imported here: checking a params file must not import pandas
        from evalkit.indicators.progress import ProgressThresholds

        return ProgressThresholds(on_track=self.progress_on_track,
                                  acceleration=self.progress_acceleration,
                                  significant=self.progress_significant,
                                  moderate=self.progress_moderate)


#: The rules' names, in the order the reports list them.
RULE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(VerdictRules))

#: Each rule's unit.
RULE_UNITS: dict[str, RuleUnit] = {
    "few_clusters": "count",
    "few_treated_clusters": "count",
    "webb_weights_max_clusters": "count",
    "small_comparison": "count",
    "small_comparison_observations": "count",
    "twfe_trust_weight": "share",
    "twfe_trust_gap": "std_errors",
    "poor_fit_share": "share",
    "honest_robust_breakdown": "mbar",
    "progress_on_track": "ratio",
    "progress_acceleration": "ratio",
    "progress_significant": "growth",
    "progress_moderate": "growth",
}


#: Where each rule's value comes from, as the reports cite it (``convention`` where the
#: threshold is a convention; the attributes of :class:`VerdictRules` say more).
RULE_SOURCES: dict[str, str] = {
    "few_clusters": "Cameron, Gelbach & Miller (2008); convention",
    "few_treated_clusters": "MacKinnon & Webb (2017); convention",
    "webb_weights_max_clusters": "Webb (2023); MacKinnon & Webb (2017); convention",
    "small_comparison": "convention",
    "small_comparison_observations": "convention",
    "twfe_trust_weight": "Goodman-Bacon (2021); convention",
    "twfe_trust_gap": "convention",
    "poor_fit_share": "Abadie, Diamond & Hainmueller (2010, 2015); convention",
    "honest_robust_breakdown": "Rambachan & Roth (2023)",
    "progress_on_track": "Eurostat (2023)",
    "progress_acceleration": "Eurostat (2023)",
    "progress_significant": "Eurostat (2023); Open SDG",
    "progress_moderate": "Eurostat (2023); Open SDG",
}


def _range_problem(name: str, value: object) -> str | None:
    unit = RULE_UNITS[name]
    if unit == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name}={value!r}: must be a whole number, 0 or more; got {value!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"{name}={value!r}: must be a finite number; got {value!r}"
    if unit == "share" and not 0 < value <= 1:
        return f"{name}={value!r}: must be a share above 0 and at most 1; got {value!r}"
    if value < 0:
        return f"{name}={value!r}: must be 0 or more; got {value!r}"
    return None


def order_problems(values: Mapping[str, object], prefix: str = "") -> list[str]:
    """The progress thresholds that are not in decreasing order, as problems.

    Parameters
    ----------
    values
        Rule values by name; names missing or values not numbers are skipped.
    prefix
        Put before each name in the messages (``"rules."`` for a params file).
    """
    problems = []
    for high, low in (("progress_on_track", "progress_acceleration"),
                      ("progress_significant", "progress_moderate")):
        a = values.get(high, getattr(VerdictRules, high))
        b = values.get(low, getattr(VerdictRules, low))
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
        if numbers and not a > b:  # type: ignore[operator]
            problems.append(f"{prefix}{high}={a!r}: must be greater than {prefix}{low} "
                            f"({b!r}); got {a!r}")
    return problems
