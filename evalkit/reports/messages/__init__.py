"""The fixed wording of reports: one message catalogue per language, looked up by key.

The catalogues are ``locales/<language>.po`` (gettext files, one per language);
:mod:`evalkit.reports.messages.catalogue` reads them and words a message. The lowest layer of
:mod:`evalkit.reports`: every other layer may word a message, none is imported here.
"""
