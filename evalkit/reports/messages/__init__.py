"""The fixed wording of reports: message catalogues looked up by key and language.

The lowest layer of :mod:`evalkit.reports`: every other layer may word a message, none
is imported here.
"""
