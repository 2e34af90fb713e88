"""Randomization inference for a synthetic control: the placebo-in-space test as a permutation test.

Moving the treatment to each unit in turn and re-fitting the synthetic control
(Abadie, Diamond & Hainmueller 2010, section 2.3) enumerates every assignment of one
treated unit among the units: the randomization distribution of the statistic, the
post- over pre-treatment RMSPE, is the placebo-in-space test's.
"""

from __future__ import annotations

import numpy as np

from evalkit.errors import InputError
from evalkit.results.provenance import Provenance
from evalkit.results.randomization import RandomizationResult
from evalkit.results.synthetic_control import SyntheticControlResult
from evalkit.robustness.specs import PlaceboRandomizationSpec

__all__ = ["synthetic_control_randomization"]


def synthetic_control_randomization(result: SyntheticControlResult) -> RandomizationResult:
    """The placebo-in-space test of ``result`` as a :class:`RandomizationResult`."""
    test = result.placebo
    if test is None:
        raise InputError("result: randomization inference for a synthetic control uses its "
                         "placebos in space; fit it with synthetic_control(..., "
                         "inference=PlaceboInSpace()); "
                         "got a result without placebos")
    ratios = test.statistics().to_numpy(dtype=float)
    ratios.setflags(write=False)
    specification = PlaceboRandomizationSpec(source=result.specification,
                                             max_pre_mspe_ratio=test.max_pre_mspe_ratio)
    return RandomizationResult(
        method="placebo in space (the treatment moved to every unit; all assignments "
               "enumerated)",
        model="Synthetic control (Abadie, Diamond & Hainmueller 2010)",
        term=str(result.treated_unit), statistic="rmspe_ratio", observed=test.observed,
        estimate=float(result.average_effect), p_value=float(test.p_value),
        alternative="greater", n_draws=int(ratios.size), enumerated=True,
        n_assignments=int(ratios.size), n_undefined=int(np.isnan(ratios).sum()),
        random_state=None, n_units=int(test.n_units), n_treated_units=1, unit=None,
        distribution=ratios,
        provenance=Provenance(specification.function, specification.to_dict(),
                              result.provenance.data_fingerprint, result.provenance.n_obs),
        specification=specification)
