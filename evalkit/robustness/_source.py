"""The fitted result a re-estimating check runs on, and the data it was estimated from.

The wild cluster bootstrap and randomization inference re-estimate a
:func:`~evalkit.did.did_2x2` or :func:`~evalkit.did.twfe` result. They read what the
estimator was asked from the result's typed specification
(:class:`~evalkit.did.specs.TwoByTwoSpec`, :class:`~evalkit.did.specs.TWFESpec`) and
check the data against the result's fingerprint before using them.
"""

from __future__ import annotations

import pandas as pd

from evalkit._validation import Problems, describe_columns
from evalkit.data.panel import Panel, frame_fingerprint
from evalkit.did.specs import TWFESpec, TwoByTwoSpec
from evalkit.did.two_by_two import design_rows
from evalkit.errors import DataError
from evalkit.inference.covariance import resolve_vcov
from evalkit.results import DiDResult

__all__ = ["SUPPORTED", "check_result_and_data", "rebuild_2x2_frame", "check_panel_matches",
           "not_the_data", "standard_error_kind"]

#: The estimators whose results are re-estimated, and the data each takes.
SUPPORTED = {TwoByTwoSpec.function: "a pandas DataFrame", TWFESpec.function: "an evalkit Panel"}


def not_the_data(function: str) -> DataError:
    """The error for data other than those a result was estimated from."""
    name = function.rsplit(".", 1)[-1]
    return DataError(f"data: not the data this result was estimated from (the fingerprint of "
                     f"the columns it uses differs); pass the data given to {name}")


def standard_error_kind(specification: TwoByTwoSpec | TWFESpec) -> str:
    """How the result's standard errors were computed: ``"classical"``, ``"HC0"`` ..
    ``"HC3"`` or ``"cluster"``."""
    return resolve_vcov(specification.inference, default_cluster=specification.cluster).kind


def check_result_and_data(result: object, data: object, problems: Problems, method: str,
                          alternatives: str = "") -> None:
    """Check that ``result`` is a 2x2 or TWFE result and ``data`` what it was estimated from.

    ``method`` names the method in the messages; ``alternatives`` lists other accepted
    result types (e.g. ``", or a SyntheticControlResult"``).
    """
    if not isinstance(result, DiDResult):
        problems.add(f"result: must be a DiDResult from evalkit.did.did_2x2 or evalkit.did.twfe"
                     f"{alternatives}; got {type(result).__name__}")
        return
    specification = result.specification
    if specification is None:
        problems.add(f"result: {method} needs the specification the estimator records; this "
                     f"DiDResult has none (was it built by hand?); pass the result of "
                     f"{' or '.join(SUPPORTED)}")
    elif not isinstance(specification, TwoByTwoSpec | TWFESpec):
        problems.add(f"result: {method} supports results of {' and '.join(SUPPORTED)}; got a "
                     f"result of {specification.function}")
    else:
        expected = pd.DataFrame if isinstance(specification, TwoByTwoSpec) else Panel
        if not isinstance(data, expected):
            problems.add(f"data: must be {SUPPORTED[specification.function]} (the data "
                         f"given to {specification.function}); got {type(data).__name__}")


def rebuild_2x2_frame(result: DiDResult, data: pd.DataFrame, column: str, role: str
                      ) -> pd.DataFrame:
    """The rows and columns ``did_2x2`` used for ``result``, plus ``column``.

    Checks ``data`` against the result's fingerprint, and ``column`` (named as the
    argument ``role``) for existence and missing values.
    """
    specification = result.specification
    assert isinstance(specification, TwoByTwoSpec)  # checked by check_result_and_data
    if column not in data.columns:
        raise DataError(f"{role}={column!r}: no such column in the data; the columns are: "
                        f"{describe_columns(data.columns)}")
    missing_values = int(data[column].isna().sum())
    if missing_values:
        raise DataError(f"{role}={column!r}: {missing_values} of {len(data)} rows have a "
                        "missing value")
    design = {"outcome": specification.outcome, "treated": specification.treated,
              "post": specification.post, "covariates": specification.covariates,
              "weights": specification.weights, "missing": specification.missing}
    frame = design_rows(data, **design, cluster=specification.cluster)
    if frame_fingerprint(frame) != result.provenance.data_fingerprint:
        raise not_the_data(specification.function)
    if column not in frame.columns:
        frame = design_rows(data, **design, cluster=column)
    return frame


def check_panel_matches(result: DiDResult, panel: Panel) -> None:
    """Refuse a panel other than the one the result was estimated from."""
    specification = result.specification
    assert isinstance(specification, TWFESpec)  # checked by check_result_and_data
    if (panel.fingerprint != result.provenance.data_fingerprint
            or specification.panel != panel.specification):
        raise not_the_data(specification.function)
