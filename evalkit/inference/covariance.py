"""How regression standard errors are computed: the inference kind, resolved once.

The regression estimators (``did_2x2``, ``twfe``, ``event_study``, ``sun_abraham``) take
``inference=`` one of (see :mod:`evalkit.inference.kinds`):

- ``Classical()``: homoskedastic OLS standard errors (what textbooks print);
- ``Robust()`` (HC1), ``Robust("HC0")``, ``Robust("HC2")``, ``Robust("HC3")``:
  heteroskedasticity-robust (White) standard errors;
- ``Clustered()``: cluster-robust by the design's default cluster column (the panel's
  ``cluster`` column, else its unit); ``Clustered("column")`` names the column.

:func:`resolve_vcov` turns the kind into a :class:`VcovChoice` with the clustering column
filled in. The deprecated ``vcov=`` strings (``"classical"``, ``"robust"``, ``"HC0"`` ..
``"HC3"``, ``"cluster"``) are read by :func:`vcov_to_inference`.

Cluster-robust variances use the usual small-sample factor
:math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` with :math:`G` clusters, :math:`N` observations
and :math:`K` estimated parameters, where fixed effects nested within the clusters are
not counted (the convention of Stata's ``reghdfe`` and R's ``fixest``); inference uses
the t distribution with :math:`G-1` degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evalkit.errors import InputError
from evalkit.inference.kinds import Classical, Clustered, Robust

__all__ = ["Clustered", "VcovChoice", "VcovLike", "resolve_vcov", "cluster_correction",
           "VCOV_OPTIONS", "vcov_to_inference"]

VCOV_OPTIONS = ("classical", "robust", "HC0", "HC1", "HC2", "HC3", "cluster")


VcovLike = (Literal["classical", "robust", "HC0", "HC1", "HC2", "HC3", "cluster"] | Clustered
            | Classical | Robust)


@dataclass(frozen=True)
class VcovChoice:
    """A resolved standard-error choice: its kind and, for clustering, the column."""

    kind: Literal["classical", "HC0", "HC1", "HC2", "HC3", "cluster"]
    column: str | None = None

    def describe(self, n_clusters: int | None = None) -> str:
        if self.kind == "classical":
            return "classical (homoskedastic)"
        if self.kind == "cluster":
            count = f", {n_clusters:,} clusters" if n_clusters is not None else ""
            return f"cluster-robust by {self.column!r}{count}"
        return f"heteroskedasticity-robust ({self.kind})"

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "column": self.column}

    def to_inference(self) -> Classical | Robust | Clustered:
        """The resolved choice as an inference kind (the clustering column filled in)."""
        if self.kind == "classical":
            return Classical()
        if self.kind == "cluster":
            return Clustered(self.column)
        return Robust(self.kind)


def resolve_vcov(vcov: VcovLike, *, default_cluster: str | None) -> VcovChoice:
    """Validate an inference kind (or an old ``vcov`` value) and resolve the cluster column.

    Raises
    ------
    InputError
        For an unknown option (listing the allowed ones), or clustering without a
        column when the design has no default cluster column.
    """
    if isinstance(vcov, Clustered):
        column = vcov.cluster or default_cluster
        if not column:
            raise InputError("inference=Clustered(): this design has no default cluster "
                             "column; name one, e.g. Clustered('state')")
        return VcovChoice("cluster", column)
    if isinstance(vcov, Classical):
        return VcovChoice("classical")
    if isinstance(vcov, Robust):
        return VcovChoice(vcov.hc)
    if isinstance(vcov, str):
        key = vcov if vcov in VCOV_OPTIONS else None
        if key is None and vcov.upper() in VCOV_OPTIONS:
            key = vcov.upper()
        if key == "robust":
            return VcovChoice("HC1")
        if key == "cluster":
            return resolve_vcov(Clustered(), default_cluster=default_cluster)
        if key is not None:
            return VcovChoice(key)  # type: ignore[arg-type]
    options = ", ".join(repr(o) for o in VCOV_OPTIONS)
    raise InputError(f"vcov={vcov!r}: must be one of {options} or Clustered('column'); "
                     f"got {vcov!r}")


def vcov_to_inference(vcov: object) -> Classical | Robust | Clustered:
    """The inference kind an old ``vcov=`` value stands for (``"robust"`` -> ``Robust()``).

    Raises
    ------
    InputError
        For a value that is not an old ``vcov`` option.
    """
    if isinstance(vcov, Classical | Robust | Clustered):
        return vcov
    if isinstance(vcov, str):
        key = vcov if vcov in VCOV_OPTIONS else vcov.upper()
        if key == "classical":
            return Classical()
        if key == "robust":
            return Robust()
        if key == "cluster" or key == "CLUSTER":
            return Clustered()
        if key in VCOV_OPTIONS:
            return Robust(key)  # type: ignore[arg-type]
    options = ", ".join(repr(o) for o in VCOV_OPTIONS)
    raise InputError(f"vcov={vcov!r}: must be one of {options}; got {vcov!r} (vcov is "
                     "deprecated: use inference=Classical(), Robust() or Clustered())")


def cluster_correction(n_obs: int, n_params: int, n_clusters: int) -> float:
    """The small-sample factor G/(G-1) * (N-1)/(N-K) of cluster-robust variances."""
    if n_clusters < 2:
        raise InputError(f"clusters: at least 2 are needed for cluster-robust standard errors; "
                         f"got {n_clusters}")
    return n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)
