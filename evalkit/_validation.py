"""Helpers to check user input at the boundary and report every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from evalkit.errors import DataError, InputError


class Problems:
    """Collect problems found while validating, then raise them together.

    Examples
    --------
    >>> p = Problems()
    >>> p.add("alpha=2: must be in (0, 1); got 2")
    >>> p.raise_if_any(InputError, "Invalid arguments to f:")
    Traceback (most recent call last):
    ...
    evalkit.errors.InputError: Invalid arguments to f:
      - alpha=2: must be in (0, 1); got 2
    """

    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, message: str) -> None:
        self._items.append(message)

    def extend(self, messages: Iterable[str]) -> None:
        self._items.extend(messages)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self):
        return iter(self._items)

    def raise_if_any(self, error: type[InputError] = InputError, message: str = "") -> None:
        if self._items:
            raise error(message or "Invalid input:", self._items)


def fail(parameter: str, value: Any, expected: str,
         error: type[InputError] = InputError) -> NoReturn:
    """Raise one problem with the project's uniform message."""
    raise error(f"{parameter}={value!r}: must be {expected}; got {value!r}")


def check_alpha(alpha: float, problems: Problems, name: str = "alpha") -> None:
    """A significance level must be a number strictly between 0 and 1."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        problems.add(f"{name}={alpha!r}: must be a number strictly between 0 and 1 (0.05 gives "
                     f"95% confidence intervals); got {alpha!r}")


def check_choice(name: str, value: Any, allowed: Sequence[Any], problems: Problems) -> None:
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        problems.add(f"{name}={value!r}: must be one of {options}; got {value!r}")


def describe_columns(columns: Iterable[Any], limit: int = 40) -> str:
    cols = [str(c) for c in columns]
    shown = ", ".join(repr(c) for c in cols[:limit])
    if len(cols) > limit:
        shown += f", ... ({len(cols) - limit} more)"
    return shown


__all__ = ["Problems", "fail", "check_alpha", "check_choice", "describe_columns", "DataError"]
