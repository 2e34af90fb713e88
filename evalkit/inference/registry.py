"""Which inference kinds each estimator supports, and the one check of ``inference=``.

Every estimator declares its kinds next to its function::

    register_inference("twfe", Classical, Robust, Clustered)

and validates its argument with :func:`check_inference`, which rejects any other kind
with a message naming the argument, the allowed kinds and what was received (as
linearmodels' covariance registry does).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from evalkit.errors import InputError

__all__ = ["register_inference", "supported_inference", "check_inference", "INFERENCE_REGISTRY"]

_REGISTRY: dict[str, tuple[type, ...]] = {}
INFERENCE_REGISTRY = MappingProxyType(_REGISTRY)
"""Read-only view: estimator name -> the inference kinds it accepts."""


def register_inference(estimator: str, *kinds: type) -> tuple[type, ...]:
    """Record the inference kinds ``estimator`` accepts; returns them.

    Raises
    ------
    InputError
        When no kind is given or the estimator is registered with other kinds.
    """
    if not kinds:
        raise InputError(f"kinds=(): {estimator} must support at least one inference kind")
    known = _REGISTRY.get(estimator)
    if known is not None and known != kinds:
        raise InputError(f"estimator={estimator!r}: already registered with "
                         f"{', '.join(k.__name__ for k in known)}")
    _REGISTRY[estimator] = tuple(kinds)
    return tuple(kinds)


def supported_inference(estimator: str) -> tuple[type, ...]:
    """The inference kinds ``estimator`` accepts.

    Raises
    ------
    InputError
        For an estimator that registered no kinds (listing those that did).
    """
    try:
        return _REGISTRY[estimator]
    except KeyError:
        raise InputError(f"estimator={estimator!r}: must be one of "
                         f"{', '.join(map(repr, sorted(_REGISTRY)))}; got {estimator!r}") from None


def _shown(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return f"{value!r} (a {type(value).__name__})"
    return f"a {type(value).__name__}"


def check_inference(estimator: str, inference: Any, *, argument: str = "inference") -> Any:
    """``inference`` when it is one of the kinds ``estimator`` supports.

    Raises
    ------
    InputError
        Otherwise, e.g. ``inference='robust': must be one of Classical(), Robust(),
        Clustered() for twfe; got 'robust' (a str)``.
    """
    kinds = supported_inference(estimator)
    if isinstance(inference, kinds):
        return inference
    allowed = ", ".join(f"{k.__name__}()" for k in kinds)
    raise InputError(f"Invalid arguments to {estimator}:",
                     [f"{argument}={inference!r}: must be one of {allowed} for {estimator}; "
                      f"got {_shown(inference)}"])
