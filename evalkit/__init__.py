"""evalkit: evaluate public policies.

Difference-in-differences estimators with their diagnostics, indicator tracking, and
automated per-policy reports. The public surface is what ``__all__`` lists; the
sub-packages are :mod:`evalkit.data`, :mod:`evalkit.datasets`, :mod:`evalkit.did`,
:mod:`evalkit.indicators`, :mod:`evalkit.inference`, :mod:`evalkit.synthetic`,
:mod:`evalkit.robustness`, :mod:`evalkit.results`, :mod:`evalkit.plots`,
:mod:`evalkit.territories` (territorial codes, referential, aggregation),
:mod:`evalkit.programmes` (a programme's budget execution, its calls for projects and
grants, the cost of its result) and
:mod:`evalkit.reports`; numbers are written for readers by :mod:`evalkit.formatting`.

Names are imported on first use, so that ``import evalkit`` (and the ``evalkit``
command) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalkit._version import __version__
from evalkit.errors import (
    DataError,
    EngineError,
    EstimationError,
    EvalkitDeprecationWarning,
    EvalkitError,
    InputError,
    ParamsError,
    ReportError,
    TerritoryError,
)

if TYPE_CHECKING:  # pragma: no cover
    from evalkit import datasets, territories
    from evalkit.data import DaskPanel, DuckDBPanel, Panel, load_table, open_panel
    from evalkit.did import (
        bacon_decomposition,
        callaway_santanna,
        chaisemartin_dhaultfoeuille,
        continuous_did,
        did_2x2,
        event_study,
        extended_twfe,
        imputation,
        imputation_overall,
        sun_abraham,
        triple_differences,
        twfe,
    )
    from evalkit.inference import (
        Bootstrap,
        Classical,
        Clustered,
        Inference,
        Jackknife,
        MultiplierBootstrap,
        NoInference,
        Placebo,
        PlaceboInSpace,
        Robust,
    )
    from evalkit.plots import plot_bacon, plot_event_study, plot_group_means
    from evalkit.results import (
        BaconDecomposition,
        DiDResult,
        DoseResponseResult,
        EventStudyResult,
        ExtendedTWFEResult,
        GroupTimeResult,
        HonestDiDResult,
        IntertemporalEffectsResult,
        RandomizationResult,
        SyntheticControlResult,
        SyntheticDiDResult,
        TripleDifferencesResult,
        WildBootstrapResult,
        compare,
    )
    from evalkit.robustness import (
        honest_did,
        randomization_inference,
        wild_cluster_bootstrap,
    )
    from evalkit.synthetic import synthetic_control, synthetic_did

__all__ = [
    "__version__",
    "datasets",
    "territories",
    "Panel",
    "DuckDBPanel",
    "DaskPanel",
    "open_panel",
    "load_table",
    "did_2x2",
    "twfe",
    "event_study",
    "callaway_santanna",
    "imputation",
    "imputation_overall",
    "sun_abraham",
    "extended_twfe",
    "chaisemartin_dhaultfoeuille",
    "continuous_did",
    "triple_differences",
    "bacon_decomposition",
    "synthetic_control",
    "synthetic_did",
    "honest_did",
    "Clustered",
    "MultiplierBootstrap",
    "Inference",
    "Classical",
    "Robust",
    "Placebo",
    "Bootstrap",
    "Jackknife",
    "PlaceboInSpace",
    "NoInference",
    "wild_cluster_bootstrap",
    "randomization_inference",
    "DiDResult",
    "EventStudyResult",
    "GroupTimeResult",
    "ExtendedTWFEResult",
    "IntertemporalEffectsResult",
    "DoseResponseResult",
    "TripleDifferencesResult",
    "BaconDecomposition",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "HonestDiDResult",
    "WildBootstrapResult",
    "RandomizationResult",
    "compare",
    "plot_event_study",
    "plot_group_means",
    "plot_bacon",
    "EvalkitError",
    "InputError",
    "DataError",
    "TerritoryError",
    "ParamsError",
    "EngineError",
    "EstimationError",
    "ReportError",
    "EvalkitDeprecationWarning",
]

_LAZY = {
    "datasets": "evalkit.datasets",
    "territories": "evalkit.territories",
    "Panel": "evalkit.data",
    "DuckDBPanel": "evalkit.data",
    "DaskPanel": "evalkit.data",
    "open_panel": "evalkit.data",
    "load_table": "evalkit.data",
    "did_2x2": "evalkit.did",
    "twfe": "evalkit.did",
    "event_study": "evalkit.did",
    "bacon_decomposition": "evalkit.did",
    "callaway_santanna": "evalkit.did",
    "imputation": "evalkit.did",
    "imputation_overall": "evalkit.did",
    "sun_abraham": "evalkit.did",
    "extended_twfe": "evalkit.did",
    "chaisemartin_dhaultfoeuille": "evalkit.did",
    "continuous_did": "evalkit.did",
    "triple_differences": "evalkit.did",
    "ExtendedTWFEResult": "evalkit.results",
    "IntertemporalEffectsResult": "evalkit.results",
    "DoseResponseResult": "evalkit.results",
    "TripleDifferencesResult": "evalkit.results",
    "MultiplierBootstrap": "evalkit.inference",
    "wild_cluster_bootstrap": "evalkit.robustness",
    "randomization_inference": "evalkit.robustness",
    "synthetic_control": "evalkit.synthetic",
    "synthetic_did": "evalkit.synthetic",
    "honest_did": "evalkit.robustness",
    "SyntheticControlResult": "evalkit.results",
    "SyntheticDiDResult": "evalkit.results",
    "HonestDiDResult": "evalkit.results",
    "WildBootstrapResult": "evalkit.results",
    "RandomizationResult": "evalkit.results",
    "GroupTimeResult": "evalkit.results",
    "Clustered": "evalkit.inference",
    "Inference": "evalkit.inference",
    "Classical": "evalkit.inference",
    "Robust": "evalkit.inference",
    "Placebo": "evalkit.inference",
    "Bootstrap": "evalkit.inference",
    "Jackknife": "evalkit.inference",
    "PlaceboInSpace": "evalkit.inference",
    "NoInference": "evalkit.inference",
    "DiDResult": "evalkit.results",
    "EventStudyResult": "evalkit.results",
    "BaconDecomposition": "evalkit.results",
    "compare": "evalkit.results",
    "plot_event_study": "evalkit.plots",
    "plot_group_means": "evalkit.plots",
    "plot_bacon": "evalkit.plots",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if _LAZY[name] == f"evalkit.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
