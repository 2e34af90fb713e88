"""Running the analysis a params file describes: data, design, estimates, robustness.

Returns results and neutral remarks (:class:`~evalkit.reports.analysis.notes.Note`);
the wording and the HTML are :mod:`evalkit.reports.render`'s.
"""
