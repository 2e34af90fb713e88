"""The kinds of inference: one typed value for the ``inference=`` argument of every estimator.

========================  ================================================  ======================
kind                      what it computes                                  ``to_dict()`` kind
========================  ================================================  ======================
``Classical()``           homoskedastic OLS standard errors                 ``classical``
``Robust(hc="HC1")``      heteroskedasticity-robust (White) HC0-HC3         ``robust``
``Clustered(cluster)``    cluster-robust; ``None`` = the design's default   ``cluster``
``MultiplierBootstrap``   multiplier bootstrap of influence functions       ``multiplier_bootstrap``
``Placebo(n_draws)``      placebo replications (synthetic DiD)              ``placebo``
``Bootstrap(n_draws)``    unit bootstrap (synthetic DiD)                    ``bootstrap``
``Jackknife()``           leave-one-unit-out jackknife (synthetic DiD)      ``jackknife``
``PlaceboInSpace()``      permutation over donors (synthetic control)       ``placebo_in_space``
``NoInference()``         point estimates only                              ``none``
========================  ================================================  ======================

Each kind is a frozen dataclass with ``describe()`` (a short English phrase, as the
summaries print it) and ``to_dict()``; :func:`inference_from_dict` reads a dictionary
back (params files and provenance use that form). Which estimator accepts which kinds
is recorded in :mod:`evalkit.inference.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from evalkit._deprecation import warn_renamed
from evalkit.errors import InputError
from evalkit.inference.multiplier import MultiplierBootstrap, seed_problem

__all__ = ["Classical", "Robust", "Clustered", "MultiplierBootstrap", "Placebo", "Bootstrap",
           "Jackknife", "PlaceboInSpace", "NoInference", "Inference", "INFERENCE_KINDS",
           "inference_from_dict"]

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")


def _seed_record(random_state: int | np.random.Generator | None) -> object:
    if isinstance(random_state, np.random.Generator):
        return "numpy Generator"
    return None if random_state is None else int(random_state)


@dataclass(frozen=True)
class Classical:
    """Classical (homoskedastic) OLS standard errors, as textbooks print them."""

    name: ClassVar[str] = "classical"

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return "classical (homoskedastic)"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name}


@dataclass(frozen=True)
class Robust:
    """Heteroskedasticity-robust (White) standard errors.

    Parameters
    ----------
    hc
        ``"HC1"`` (default: the small-sample factor n/(n-k), Stata's ``robust``),
        ``"HC0"``, ``"HC2"`` or ``"HC3"``.
    """

    hc: Literal["HC0", "HC1", "HC2", "HC3"] = "HC1"
    name: ClassVar[str] = "robust"

    def __post_init__(self) -> None:
        if self.hc not in HC_TYPES:
            raise InputError(f"Robust(hc={self.hc!r}): must be one of "
                             f"{', '.join(map(repr, HC_TYPES))}; got {self.hc!r}")

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return f"heteroskedasticity-robust ({self.hc})"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name, "hc": self.hc}


@dataclass(frozen=True, init=False)
class Clustered:
    """Cluster-robust standard errors.

    Parameters
    ----------
    cluster
        The clustering column; ``None`` (default) clusters by the design's default:
        the panel's ``cluster`` column if it has one, else its unit identifier. A
        result carries the column actually used. (``column=`` is its deprecated
        spelling.)
    """

    cluster: str | None = None
    name: ClassVar[str] = "cluster"

    def __init__(self, cluster: str | None = None, **legacy: Any) -> None:
        from evalkit._deprecation import refuse_unknown, renamed

        cluster = renamed("Clustered", legacy, "column", "cluster", cluster,
                          None if cluster is None else object())
        refuse_unknown("Clustered", legacy)
        object.__setattr__(self, "cluster", cluster)
        if self.cluster is not None and (not isinstance(self.cluster, str) or not self.cluster):
            raise InputError(f"Clustered(cluster={self.cluster!r}): must be a column name or "
                             f"None; got a {type(self.cluster).__name__}")

    @property
    def column(self) -> str | None:
        """The clustering column (the former name of :attr:`cluster`; warns)."""
        warn_renamed("Clustered.column", "Clustered.cluster", stacklevel=2)
        return self.cluster

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries, e.g. "cluster-robust by 'state', 50 clusters"."""
        who = "the design's default cluster" if self.cluster is None else repr(self.cluster)
        count = f", {n_clusters:,} clusters" if n_clusters is not None else ""
        return f"cluster-robust by {who}{count}"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name, "cluster": self.cluster}


def _draw_problems(owner: str, n_draws: object, random_state: object) -> list[str]:
    found = []
    if (isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer)
            or n_draws < 1):
        found.append(f"{owner}(n_draws={n_draws!r}): must be a positive integer; got "
                     f"{n_draws!r}")
    problem = seed_problem(owner, random_state)
    if problem:
        found.append(problem)
    return found


@dataclass(frozen=True)
class Placebo:
    """Placebo standard errors of synthetic DiD (Arkhangelsky et al. 2021, Algorithm 4).

    Parameters
    ----------
    n_draws
        Number of placebo replications (the paper uses 200).
    random_state
        Seed (an integer) or a :class:`numpy.random.Generator`; ``None`` draws fresh entropy.
    """

    n_draws: int = 200
    random_state: int | np.random.Generator | None = None
    name: ClassVar[str] = "placebo"

    def __post_init__(self) -> None:
        found = _draw_problems("Placebo", self.n_draws, self.random_state)
        if found:
            raise InputError("Invalid Placebo:", found)

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return f"placebo ({self.n_draws:,} replications)"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name, "n_draws": int(self.n_draws),
                "random_state": _seed_record(self.random_state)}


@dataclass(frozen=True)
class Bootstrap:
    """Unit bootstrap standard errors of synthetic DiD (Arkhangelsky et al. 2021, Algorithm 2).

    Parameters
    ----------
    n_draws
        Number of bootstrap replications (the paper uses 200).
    random_state
        Seed (an integer) or a :class:`numpy.random.Generator`; ``None`` draws fresh entropy.
    """

    n_draws: int = 200
    random_state: int | np.random.Generator | None = None
    name: ClassVar[str] = "bootstrap"

    def __post_init__(self) -> None:
        found = _draw_problems("Bootstrap", self.n_draws, self.random_state)
        if found:
            raise InputError("Invalid Bootstrap:", found)

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return f"bootstrap ({self.n_draws:,} replications)"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name, "n_draws": int(self.n_draws),
                "random_state": _seed_record(self.random_state)}


@dataclass(frozen=True)
class Jackknife:
    """Leave-one-unit-out jackknife standard errors (Arkhangelsky et al. 2021, Algorithm 3)."""

    name: ClassVar[str] = "jackknife"

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return "jackknife"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name}


@dataclass(frozen=True)
class PlaceboInSpace:
    """Permutation inference of the synthetic control: each donor treated in turn.

    Parameters
    ----------
    max_pre_mspe_ratio
        Leave out placebos whose pre-treatment MSPE exceeds this multiple of the
        treated unit's (Abadie et al. 2010 use 2, 5 and 20); ``None`` keeps them all.
    """

    max_pre_mspe_ratio: float | None = None
    name: ClassVar[str] = "placebo_in_space"

    def __post_init__(self) -> None:
        ratio = self.max_pre_mspe_ratio
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int | float)
                                  or not np.isfinite(ratio) or ratio <= 0):
            raise InputError(f"PlaceboInSpace(max_pre_mspe_ratio={ratio!r}): must be None or a "
                             f"positive number; got {ratio!r}")

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        cut = ("" if self.max_pre_mspe_ratio is None else
               f", placebos with a pre-treatment MSPE over {self.max_pre_mspe_ratio:g} times "
               "the treated unit's left out")
        return f"placebo-in-space permutation over the donors{cut}"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name, "max_pre_mspe_ratio": self.max_pre_mspe_ratio}


@dataclass(frozen=True)
class NoInference:
    """Point estimates only: no standard error, interval or p-value."""

    name: ClassVar[str] = "none"

    def describe(self, n_clusters: int | None = None) -> str:
        """A short English phrase for summaries."""
        return "none"

    def to_dict(self) -> dict[str, Any]:
        """The kind as a dictionary (params files, provenance)."""
        return {"kind": self.name}


Inference = (Classical | Robust | Clustered | MultiplierBootstrap | Placebo | Bootstrap
             | Jackknife | PlaceboInSpace | NoInference)

INFERENCE_KINDS: dict[str, type] = {
    kind.name: kind for kind in (Classical, Robust, Clustered, MultiplierBootstrap, Placebo,
                                 Bootstrap, Jackknife, PlaceboInSpace, NoInference)}


def inference_from_dict(data: dict[str, Any]) -> Inference:
    """The inference kind a dictionary of :meth:`to_dict` form describes.

    Raises
    ------
    InputError
        For an unknown ``kind`` (listing the known ones) or fields the kind does not have.
    """
    if not isinstance(data, dict) or "kind" not in data:
        raise InputError(f"inference={data!r}: must be a mapping with a 'kind' key; got "
                         f"{type(data).__name__}")
    fields = dict(data)
    name = fields.pop("kind")
    kind = INFERENCE_KINDS.get(name)
    if kind is None:
        raise InputError(f"inference kind={name!r}: must be one of "
                         f"{', '.join(map(repr, INFERENCE_KINDS))}; got {name!r}")
    if fields.get("random_state") == "numpy Generator":
        raise InputError(f"inference random_state={fields['random_state']!r}: a recorded "
                         "Generator cannot be rebuilt; give an integer seed")
    try:
        return kind(**fields)
    except TypeError as error:
        raise InputError(f"inference={data!r}: {kind.__name__} does not take these fields "
                         f"({error})") from None
