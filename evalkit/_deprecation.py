"""Old argument names that keep working for one release, with a warning.

One helper, :func:`renamed`, maps an old keyword to its new spelling: it warns once
with :class:`~evalkit.errors.EvalkitDeprecationWarning` naming the new spelling, and
refuses a call that gives both the old and the new argument.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, MutableMapping
from typing import Any

from evalkit.errors import EvalkitDeprecationWarning, InputError

__all__ = ["renamed", "refuse_unknown", "warn_renamed"]


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that the spelling ``old`` is deprecated in favour of ``new``."""
    warnings.warn(f"{old} is deprecated: use {new}", EvalkitDeprecationWarning,
                  stacklevel=stacklevel + 1)


def renamed(function: str, legacy: MutableMapping[str, Any], old: str, new: str,
            new_value: Any, default: Any, *, convert: Callable[[Any], Any] | None = None,
            spelling: Callable[[Any], str] | None = None) -> Any:
    """The value of argument ``new``, taking the deprecated keyword ``old`` into account.

    Parameters
    ----------
    function
        The public function, for messages.
    legacy
        The deprecated keywords the caller gave (``old`` is removed from it when found).
    old, new
        The old and the new keyword.
    new_value
        The value given for ``new`` (``default`` when the caller did not give it).
    default
        The default of ``new``, compared by identity to tell whether it was given.
    convert
        Turns the old value into the new one (default: unchanged).
    spelling
        How the new spelling is written in the warning (default: ``new=<value>``).

    Returns
    -------
    Any
        ``new_value`` when ``old`` was not given, else the converted old value.

    Raises
    ------
    InputError
        When both ``old`` and ``new`` are given, or the old value cannot be converted.
    """
    if old not in legacy:
        return new_value
    value = legacy.pop(old)
    if new_value is not default:
        raise InputError(f"Invalid arguments to {function}:",
                         [f"{old}={value!r} and {new}={new_value!r}: must be given once; "
                          f"{old} is the deprecated spelling of {new}, give only {new}"])
    converted = convert(value) if convert is not None else value
    shown = spelling(converted) if spelling is not None else f"{new}={converted!r}"
    warn_renamed(f"{old}={value!r}", shown, stacklevel=3)
    return converted


def refuse_unknown(function: str, legacy: MutableMapping[str, Any]) -> None:
    """Raise :class:`TypeError` for keywords that are neither current nor deprecated."""
    if legacy:
        name = next(iter(legacy))
        raise TypeError(f"{function}() got an unexpected keyword argument {name!r}")
