"""Plots: plain functions that take results and return matplotlib figures."""

from evalkit.plots.bacon import plot_bacon
from evalkit.plots.event_study import plot_event_study
from evalkit.plots.group_means import plot_group_means
from evalkit.plots.indicators import plot_gap_ranking, plot_indicator, plot_small_multiples

__all__ = ["plot_event_study", "plot_group_means", "plot_bacon", "plot_indicator",
           "plot_small_multiples", "plot_gap_ranking"]
