"""Running policies: executing the report notebooks, exporting HTML, the index, records.

The top layer of :mod:`evalkit.reports`: batches, parallel runs, locks, work folders and
the run records that say whether a report is current.
"""
