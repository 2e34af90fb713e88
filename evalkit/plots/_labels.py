"""The texts of a plot: its defaults, with the caller's translations or changes merged in."""

from __future__ import annotations

from collections.abc import Mapping

from evalkit.errors import InputError

__all__ = ["merge_labels"]


def merge_labels(defaults: Mapping[str, str], labels: Mapping[str, str] | None) -> dict[str, str]:
    """``defaults`` updated with ``labels``, refusing keys the plot does not have.

    Raises
    ------
    InputError
        If ``labels`` is not a mapping or has keys that are not among ``defaults``'s
        (the message lists the keys allowed).
    """
    text = dict(defaults)
    if labels is None:
        return text
    if not isinstance(labels, Mapping):
        raise InputError(f"labels: must be a mapping from text key to text; got "
                         f"{type(labels).__name__}")
    unknown = sorted(set(labels) - set(text), key=str)
    if unknown:
        raise InputError(f"labels={dict(labels)!r}: keys must be among "
                         f"{', '.join(map(repr, text))}; got {', '.join(map(repr, unknown))}")
    text.update({k: str(v) for k, v in labels.items()})
    return text
