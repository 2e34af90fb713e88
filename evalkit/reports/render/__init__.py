"""The report's sections as HTML, and its findings in plain language.

Reads the results of :mod:`evalkit.reports.analysis`; words them with
:mod:`evalkit.reports.messages`.
"""
