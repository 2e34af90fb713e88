"""The headline of a policy report, recorded from inside the evaluation notebook.

The notebook calls :func:`record_headline` once with its main estimate. Nothing
visible is displayed: the values travel in an output of their own mime type
(:data:`HEADLINE_MIME`), which the report runner reads back from the executed
notebook to build the index page and the ``reports/<policy>.json`` record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

from evalkit.errors import InputError

__all__ = ["HEADLINE_MIME", "HEADLINE_KEYS", "record_headline", "normalize_headline",
           "find_headline"]

HEADLINE_MIME = "application/vnd.evalkit.headline+json"

#: The keys a headline may have, and whether each is required.
HEADLINE_KEYS: dict[str, bool] = {
    "label": True,
    "estimate": False,
    "conf_low": False,
    "conf_high": False,
    "p_value": False,
    "std_error": False,
    "confidence_level": False,
    "text": False,
    "outcome": False,
    "language": False,
    "run_date": False,
    "data_sha256": False,
    "data_read": False,
    "evalkit_version": False,
    "indicators": False,
    "figure": False,
    "alerts": False,
}
_INDICATOR_KEYS = ("code", "label", "status", "status_label", "colour")
_NUMBER_KEYS = ("estimate", "conf_low", "conf_high", "p_value", "std_error", "confidence_level")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def normalize_headline(headline: Mapping[str, Any]) -> dict[str, Any]:
    """Check a headline and return it as a plain JSON-compatible dict.

    Numbers (including NumPy scalars) become Python floats; missing, NaN or
    infinite numbers become ``None``; text stays text.

    Raises
    ------
    InputError
        Listing every problem: unknown or missing keys, text that is not text,
        numbers that are not numbers.
    """
    if not isinstance(headline, Mapping):
        raise InputError(f"headline={headline!r}: must be a mapping of keys "
                         f"({', '.join(HEADLINE_KEYS)}); got {type(headline).__name__}")
    problems = []
    for key in headline:
        if key not in HEADLINE_KEYS:
            problems.append(f"headline[{key!r}]: unknown key; the keys allowed are "
                            f"{', '.join(HEADLINE_KEYS)}; got {headline[key]!r}")
    out: dict[str, Any] = {}
    for key, required in HEADLINE_KEYS.items():
        value = headline.get(key)
        if value is None:
            if required:
                problems.append(f"headline[{key!r}]: required key is missing")
            out[key] = None
        elif key in ("indicators", "alerts"):
            ok = isinstance(value, list | tuple) and all(
                isinstance(item, Mapping) and set(item) <= set(_INDICATOR_KEYS)
                and all(isinstance(v, str) for v in item.values()) for item in value)
            if not ok:
                problems.append(f"headline[{key!r}]: must be a list of mappings with text "
                                f"values for the keys {', '.join(_INDICATOR_KEYS)}; got {value!r}")
            out[key] = [dict(item) for item in value] if ok else None
        elif key not in _NUMBER_KEYS:
            if not isinstance(value, str):
                problems.append(f"headline[{key!r}]: must be text; got {value!r}")
            out[key] = value
        elif isinstance(value, bool) or not isinstance(value, Real):
            problems.append(f"headline[{key!r}]: must be a number; got {value!r}")
        else:
            out[key] = _number(value)
    if out.get("estimate") is None and not out.get("indicators") and not out.get("figure") \
            and not problems:
        problems.append("headline: needs an 'estimate' (an evaluation), 'indicators' (a "
                        "tracking report) or a 'figure' (a programme's follow-up); got none")
    if problems:
        raise InputError("Invalid report headline:", problems)
    return out


def record_headline(headline: Mapping[str, Any]) -> None:
    """Record the report's headline estimate, for the index page and the run record.

    Call it once in the evaluation notebook, after estimating. It displays
    nothing visible; outside a Jupyter kernel it only checks the values.

    Parameters
    ----------
    headline
        ``label`` (text, required): what is estimated, e.g. ``"Average effect on
        the treated (ATT)"``; ``estimate`` (number, required); ``conf_low`` and
        ``conf_high``: the confidence interval; ``p_value``; ``std_error``;
        ``confidence_level`` (e.g. 0.95); ``text``: one plain sentence stating
        the finding; and, as text, ``outcome``, ``language``, ``run_date``,
        ``data_sha256``, ``evalkit_version``, ``data_read`` (how the data file was
        read, when it is not written the default way); a tracking report gives
        ``indicators`` (each one's ``code``, ``label``, ``status``, ``status_label`` and
        ``colour``) instead of an estimate, a programme's follow-up a ``figure`` (its
        execution rate, as text) and its ``alerts`` (like ``indicators``). Missing keys
        are recorded as null.

    Raises
    ------
    InputError
        If a key is unknown or missing, or a value has the wrong type.

    Examples
    --------
    >>> record_headline({"label": "Average effect on the treated (ATT)",
    ...                  "estimate": -0.031, "conf_low": -0.05, "conf_high": -0.012,
    ...                  "p_value": 0.002,
    ...                  "text": "Teen employment fell by about 3% after the increase."})
    """
    payload = normalize_headline(headline)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    if get_ipython() is None:
        return
    from IPython.display import display

    display({HEADLINE_MIME: payload}, raw=True)


def find_headline(notebook: Any) -> dict[str, Any] | None:
    """The last headline recorded in an executed notebook, or ``None``."""
    found = None
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if HEADLINE_MIME in data and isinstance(data[HEADLINE_MIME], Mapping):
                found = dict(data[HEADLINE_MIME])
    return found
