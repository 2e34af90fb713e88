"""Plots: plain functions that take results and return matplotlib figures."""

from evalkit.plots.bacon import plot_bacon
from evalkit.plots.coefficients import plot_coefficients, plot_group_time
from evalkit.plots.dose_response import plot_dose_response
from evalkit.plots.event_study import plot_event_study
from evalkit.plots.extended_twfe import plot_extended_twfe
from evalkit.plots.group_means import plot_group_means
from evalkit.plots.honest import plot_honest_did
from evalkit.plots.indicators import plot_gap_ranking, plot_indicator, plot_small_multiples
from evalkit.plots.intertemporal import plot_intertemporal_effects
from evalkit.plots.numbers import localise_numbers
from evalkit.plots.programmes import plot_consumption_curve, plot_execution_rates
from evalkit.plots.randomization import plot_bootstrap_distribution, plot_randomization
from evalkit.plots.synthetic_control import plot_synthetic_control
from evalkit.plots.synthetic_did import plot_synthetic_did, plot_synthetic_did_units
from evalkit.plots.trends import plot_interrupted_time_series, plot_trend
from evalkit.plots.triple_differences import plot_triple_differences

__all__ = ["plot_event_study", "plot_group_means", "plot_bacon", "plot_indicator",
           "plot_small_multiples", "plot_gap_ranking", "plot_honest_did", "plot_randomization",
           "plot_bootstrap_distribution", "plot_synthetic_control", "plot_synthetic_did",
           "plot_synthetic_did_units", "plot_coefficients", "plot_group_time",
           "plot_trend", "plot_interrupted_time_series", "localise_numbers",
           "plot_consumption_curve", "plot_execution_rates", "plot_dose_response",
           "plot_extended_twfe", "plot_intertemporal_effects", "plot_triple_differences"]
