"""What a result was computed from: the specification, the data and the software."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from evalkit._version import __version__

__all__ = ["Provenance"]


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Provenance:
    """The record a result carries of how it was produced.

    Attributes
    ----------
    function
        The evalkit function that produced the result, e.g. ``"evalkit.did.twfe"``.
    specification
        Every argument that shaped the estimate (columns, options, inference), read-only:
        the plain-dictionary view (``to_dict()``) of the result's typed ``specification``,
        for display and JSON. Code that acts on a result reads the typed one.
    data_fingerprint
        SHA-256 of the data columns used, in the order used.
    n_obs
        Number of rows used.
    evalkit_version
        The version of evalkit that computed the result.
    created
        When the result was computed (UTC, ISO 8601).
    """

    function: str
    specification: Mapping[str, Any]
    data_fingerprint: str
    n_obs: int
    evalkit_version: str = __version__
    created: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "specification", _freeze(dict(self.specification)))

    def with_alpha(self, alpha: float) -> Provenance:
        """The same record with the significance level changed (for ``with_alpha``)."""
        spec = _thaw(self.specification)
        spec["alpha"] = alpha
        return Provenance(self.function, spec, self.data_fingerprint, self.n_obs,
                          self.evalkit_version, self.created)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dictionary."""
        return {
            "function": self.function,
            "specification": _thaw(self.specification),
            "data_fingerprint": self.data_fingerprint,
            "n_obs": self.n_obs,
            "evalkit_version": self.evalkit_version,
            "created": self.created,
        }
