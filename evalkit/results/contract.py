"""The contract every evalkit result honours, as protocols that ``isinstance`` can check.

Every result returned by an estimator or a post-estimation call (sensitivity analysis,
bootstrap, randomization test, decomposition) offers the same members, so that
tables, plots, reports and :func:`~evalkit.results.compare` work with any of them:

``conf_int(alpha=None)``
    A DataFrame with columns ``lower`` and ``upper`` indexed by term, at level
    ``1 - alpha`` (default: the result's own ``alpha``); missing where the result has
    no interval.
``alpha``
    The significance level of the intervals (``None`` when the result has none).
``with_alpha(alpha)``
    A new result of the same type with its intervals at level ``1 - alpha``; the
    original is untouched. Results that cannot recompute their intervals at another
    level raise :class:`~evalkit.errors.InputError` saying why.
``summary()``
    The :class:`~evalkit.results.Summary` (text, HTML, LaTeX).
``tidy()``
    A DataFrame, no argument needed, with the columns :data:`TIDY_CORE_COLUMNS` in
    that order and the class's own (e.g. ``event_time``) around them; a term without
    an estimate of its own (a reference period normalised to zero) has estimate 0 and
    missing inference.
``plot(**kwargs)``
    A matplotlib figure (``evalkit.plots`` is imported only then).
``_repr_html_()``
    The summary as HTML, for JupyterLab.
``provenance``
    The :class:`~evalkit.results.Provenance`: specification, data fingerprint, version.
``specification``
    What the result was asked to compute, as a frozen object with typed fields (a
    :class:`Specification`: e.g. :class:`evalkit.did.specs.TwoByTwoSpec`, whose
    ``inference`` is an :data:`~evalkit.inference.Inference` kind, not a dictionary);
    ``provenance.specification`` is its plain-dictionary view, ``to_dict()``.
    ``None`` only for a result built by hand.

plus the estimates: ``estimate`` and ``std_error`` for a result with one headline
number (:class:`SingleEffectResult`), ``estimates`` and ``std_errors`` (Series indexed
by term) for a result with several (:class:`MultiEffectResult`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from evalkit._validation import Problems, check_alpha
from evalkit.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from evalkit.results.provenance import Provenance
    from evalkit.results.summary import Summary

__all__ = ["Result", "SingleEffectResult", "MultiEffectResult", "Specification",
           "LevelledSpecification", "TIDY_CORE_COLUMNS", "INTERVAL_COLUMNS", "no_interval_error",
           "interval_frame", "level", "coefficients_at_level"]

#: The columns every result's ``tidy()`` starts with.
TIDY_CORE_COLUMNS: tuple[str, ...] = ("term", "estimate", "std_error", "statistic", "p_value",
                                      "conf_low", "conf_high")

#: The columns of every result's ``conf_int()``.
INTERVAL_COLUMNS: tuple[str, ...] = ("lower", "upper")


@runtime_checkable
class Specification(Protocol):
    """What an estimator or a post-estimation call was asked: a frozen, typed record.

    Each function that returns a result defines its own, beside it (for instance
    :class:`evalkit.did.specs.TwoByTwoSpec` for :func:`evalkit.did.did_2x2`, or
    :class:`evalkit.robustness.specs.WildBootstrapSpec`), with the options resolved
    against the data (the clustering column filled in, the event window chosen ...).
    Checks run on a result later read it instead of the provenance dictionary.
    """

    @property
    def function(self) -> str:
        """The evalkit function the specification is for, e.g. ``"evalkit.did.twfe"``."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The plain, JSON-serialisable view that ``provenance.specification`` records."""
        ...


@runtime_checkable
class LevelledSpecification(Specification, Protocol):
    """A specification that includes the significance level of the result's intervals."""

    @property
    def alpha(self) -> float:
        """The significance level ``alpha`` (intervals at level ``1 - alpha``)."""
        ...

    def with_alpha(self, alpha: float) -> LevelledSpecification:
        """The same specification at significance level ``alpha`` (for ``with_alpha``)."""
        ...


@runtime_checkable
class Result(Protocol):
    """What every evalkit result offers (see the module's documentation)."""

    @property
    def alpha(self) -> float | None: ...

    @property
    def provenance(self) -> Provenance: ...

    @property
    def specification(self) -> Specification | None: ...

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame: ...

    def with_alpha(self, alpha: float) -> Any: ...

    def summary(self) -> Summary: ...

    def tidy(self) -> pd.DataFrame: ...

    def plot(self, **kwargs: Any) -> Figure: ...

    def _repr_html_(self) -> str: ...


@runtime_checkable
class SingleEffectResult(Result, Protocol):
    """A result with one headline number: ``estimate`` and its ``std_error``."""

    @property
    def estimate(self) -> float: ...

    @property
    def std_error(self) -> float: ...


@runtime_checkable
class MultiEffectResult(Result, Protocol):
    """A result with several numbers: ``estimates`` and ``std_errors``, indexed by term."""

    @property
    def estimates(self) -> pd.Series: ...

    @property
    def std_errors(self) -> pd.Series: ...


def no_interval_error(owner: str, alpha: object, why: str) -> InputError:
    """The error ``with_alpha`` raises on a result that cannot move to another level."""
    return InputError(f"alpha={alpha!r}: {owner}.with_alpha cannot recompute this result at "
                      f"another level: {why}; got alpha={alpha!r}")


def interval_frame(terms: Sequence[str], lower: Any, upper: Any) -> pd.DataFrame:
    """The contract's interval table: columns ``lower``, ``upper``, indexed by ``term``
    (for results implementing ``conf_int``)."""
    return pd.DataFrame({"lower": np.asarray(lower, dtype=float).reshape(-1),
                         "upper": np.asarray(upper, dtype=float).reshape(-1)},
                        index=pd.Index([str(t) for t in terms], name="term"))


def level(alpha: float | None, own: float | None, where: str) -> float | None:
    """``alpha`` checked (``None``: the result's own level ``own``), for results
    implementing ``conf_int`` and ``with_alpha``; ``where`` names the call in the error."""
    if alpha is None:
        return own
    problems = Problems()
    check_alpha(alpha, problems)
    problems.raise_if_any(InputError, f"Invalid arguments to {where}:")
    return float(alpha)


def coefficients_at_level(result: Any, alpha: float, **changes: Any) -> Any:
    """``result`` with its ``coefficients``, ``provenance`` and ``specification`` at
    significance level ``alpha`` (checked first), and any other field in ``changes``: the
    ``with_alpha`` of the results whose intervals all come from their coefficients."""
    from dataclasses import replace

    problems = Problems()
    check_alpha(alpha, problems)
    problems.raise_if_any(InputError, "Invalid arguments to with_alpha:")
    specification = result.specification
    return replace(result, coefficients=result.coefficients.with_alpha(alpha),
                   provenance=result.provenance.with_alpha(alpha),
                   specification=None if specification is None
                   else specification.with_alpha(alpha), **changes)
