"""Keep the start of a report process short.

``jsonschema`` (imported by ``nbformat``, hence by papermill and nbconvert) imports the
optional ``rfc3987_syntax`` package when it is installed, only to check the ``iri``
string format, and that import alone builds a grammar for about 1.5 s. Notebook
validation never uses that format, so report processes tell Python the package is
absent before anything imports ``jsonschema``.
"""

from __future__ import annotations

import sys

__all__ = ["skip_slow_optional_imports"]

_SLOW_OPTIONAL = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Make the slow optional imports fail fast (only if nothing imported them yet)."""
    if "jsonschema" in sys.modules:
        return
    for name in _SLOW_OPTIONAL:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
