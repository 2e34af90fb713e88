"""Plots: plain functions that take results and return matplotlib figures."""

from evalkit.plots.bacon import plot_bacon
from evalkit.plots.event_study import plot_event_study
from evalkit.plots.group_means import plot_group_means

__all__ = ["plot_event_study", "plot_group_means", "plot_bacon"]
