"""The result of :func:`~evalkit.did.triple_differences`: group-time ATT of a triple-difference
design, with the aggregations of R ``triplediff::agg_ddd``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.results.contract import TIDY_CORE_COLUMNS
from evalkit.results.did_result import DiDResult
from evalkit.results.event_study import EventStudyResult
from evalkit.results.group_time import GroupTimeResult
from evalkit.results.summary import Summary

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["TripleDifferencesResult"]

_SOURCE = "Ortiz-Villavicencio & Sant'Anna 2025, R triplediff's agg_ddd"
_PREFIX = "Triple differences"


@dataclass(frozen=True)
class TripleDifferencesResult(GroupTimeResult):
    """Triple-difference group-time effects ATT(g,t), with inference and aggregations.

    ATT(g,t) is the average effect, in period t, of the treatment on the *eligible*
    units of the groups that enable it from period g. Cells with t < g are
    pseudo-effects before treatment; :attr:`pretrend` tests them jointly. The
    aggregations weight the enabling groups by their share of units (R ``agg_ddd``):

    - :meth:`overall` (``type="simple"``) and :meth:`by_cohort` (``"group"``),
      :meth:`by_period` (``"calendar"``): a :class:`~evalkit.results.DiDResult`;
    - :meth:`event_study` (``"eventstudy"``): an
      :class:`~evalkit.results.EventStudyResult`.

    Attributes are those of :class:`~evalkit.results.group_time.GroupTimeResult`;
    :attr:`cohort_sizes` counts the units of each (enabling group, eligibility)
    subgroup, ``"never"`` for the groups never enabled, and :attr:`specification` is a
    :class:`~evalkit.did.triple_differences_spec.TripleDifferencesSpec`.
    """

    def _renamed(self, result: Any, what: str, estimand: str) -> Any:
        return replace(result, estimator=f"{_PREFIX}: {what}", estimand=estimand)

    def overall(self) -> DiDResult:
        """The overall ATT: post-treatment ATT(g,t) averaged with weights proportional to
        the size of the enabling groups (R ``agg_ddd(type = "simple")``)."""
        return self._renamed(
            super().overall(), "overall (simple aggregation)",
            "average effect on the eligible units of the enabled groups over every "
            "post-treatment cell: ATT(g,t) with t >= g averaged with weights proportional to "
            f"group size ({_SOURCE}, simple)")

    def by_cohort(self) -> DiDResult:
        """The ATT of each enabling group over its post-treatment periods (terms
        ``"cohort g"``), and ``"ATT"`` their average weighted by group size (R
        ``agg_ddd(type = "group")``)."""
        return self._renamed(
            super().by_cohort(), "by enabling group",
            "average effect on the eligible units of each enabling group over its "
            f"post-treatment periods; 'ATT' averages the groups by size ({_SOURCE}, group)")

    def by_period(self) -> DiDResult:
        """The ATT in each calendar period over the groups enabled by then (terms
        ``"period t"``), and ``"ATT"`` their plain average (R
        ``agg_ddd(type = "calendar")``)."""
        return self._renamed(
            super().by_period(), "by calendar period",
            "average effect in each period on the eligible units of the groups already "
            f"enabled, weighted by group size; 'ATT' averages the periods ({_SOURCE}, "
            "calendar)")

    def event_study(self, *, min_event_time: int | None = None,
                    max_event_time: int | None = None,
                    balance_event_time: int | None = None) -> EventStudyResult:
        """Effects by event time e = t - g averaged over enabling groups with weights
        proportional to their size (R ``agg_ddd(type = "eventstudy")``); e < 0 are
        placebos, and with a universal base period e = -1 is the reference (zero).

        Parameters
        ----------
        min_event_time, max_event_time
            Keep event times in this range (R's ``min_e``, ``max_e``).
        balance_event_time
            Keep only the groups observed at least this many periods after treatment
            (R's ``balance_e``).
        """
        result = super().event_study(min_event_time=min_event_time,
                                     max_event_time=max_event_time,
                                     balance_event_time=balance_event_time)
        return self._renamed(
            result, "event study",
            "average effect e periods after the group enabled the treatment on its eligible "
            "units, over the groups observed then weighted by size (e < 0: pseudo-effects "
            f"before treatment; {_SOURCE}, eventstudy)")

    def summary(self) -> Summary:
        """The estimator, the estimand, the method, the comparison groups, the sample (units
        of each enabling group by eligibility), the standard errors, and the ATT(g,t)."""
        base = super().summary()
        renamed = {"Comparison units": "Comparison groups",
                   "Cohort sizes": "Units (enabling group, eligibility)"}
        facts, seen = [], set()
        for name, value in base.facts:
            if name == "Anticipation periods":
                continue
            if name in renamed and name not in seen:
                seen.add(name)
                name = renamed[name]
            facts.append((name, value))
        return replace(base, facts=tuple(facts))

    def tidy(self, include_reference: bool = True) -> pd.DataFrame:
        """One row per ATT(g,t): the columns :data:`~evalkit.results.contract.
        TIDY_CORE_COLUMNS` (``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high``), then ``cohort`` (the enabling group), ``period``, ``event_time`` and,
        with the bootstrap, ``band_low, band_high``. With a universal base period and
        ``include_reference``, the reference cells appear with estimate 0."""
        table = super().tidy(include_reference=include_reference)
        core = [c for c in TIDY_CORE_COLUMNS if c in table.columns]
        return table[core + [c for c in table.columns if c not in core]]

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Figure:
        """The ATT(g,t) by period, one series per enabling group (see
        :func:`~evalkit.plots.triple_differences.plot_triple_differences`)."""
        from evalkit.plots.triple_differences import plot_triple_differences

        return plot_triple_differences(self, ax=ax, **options)

    @property
    def subgroup_sizes(self) -> Mapping[str, int]:
        """Units in each (enabling group, eligibility) subgroup of the estimation sample."""
        return self.cohort_sizes
