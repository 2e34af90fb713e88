"""The remarks a report makes on its own analysis, kept as neutral codes.

A :class:`Note` is a message key and its values: a comparison the design does not
support and why, or a remark on an estimate. It is worded only when shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.errors import DataError, EstimationError, EvalkitError, InputError
from evalkit.formatting import Language
from evalkit.reports.messages.catalogue import text
from evalkit.reports.params.terms import ParamsTerms, raise_reworded, reworded

__all__ = ["Note", "is_design_limit", "omission"]


@dataclass(frozen=True)
class Note:
    """A remark of a report on its own analysis, worded in the report's language when shown.

    Attributes
    ----------
    key
        Its wording, a message key of the catalogues (see
        :mod:`evalkit.reports.messages.catalogue`): why a comparison is omitted, or a
        remark.
    subject
        The comparison omitted (``subject_<subject>`` names it), or ``None`` for a remark
        that stands alone.
    values
        The wording's placeholders, as ``(name, value)`` pairs.
    """

    key: str
    subject: str | None = None
    values: tuple[tuple[str, object], ...] = ()

    def text(self, language: Language) -> str:
        """The remark as a sentence in ``language``."""
        why = text(self.key, language, **dict(self.values))
        if self.subject is None:
            return why
        return text("omitted", language, what=text(f"subject_{self.subject}", language), why=why)

    def __str__(self) -> str:
        return self.text("en")


def is_design_limit(exc: EvalkitError) -> bool:
    """Whether an error says that the design does not support a computation.

    It does when the data do not fit the computation (:class:`~evalkit.errors.DataError`),
    when the estimator cannot identify its estimate from them
    (:class:`~evalkit.errors.EstimationError`), or when a result examined by another
    method lacks what that method needs (an input error about its ``result``, e.g. an
    event study without pre-treatment effects for HonestDiD). An evalkit function called
    with invalid arguments is not a design limit but an error, never hidden.
    """
    if isinstance(exc, DataError | EstimationError):
        return True
    return isinstance(exc, InputError) and exc.message.startswith("result:")


def omission(exc: EvalkitError, subject: str, terms: ParamsTerms) -> Note:
    """The note that ``subject`` is omitted because of ``exc``, a design limit.

    Raises
    ------
    EvalkitError
        ``exc`` in the params' terms, when it is not a design limit (see
        :func:`is_design_limit`): a genuine error stops the report.
    """
    if not is_design_limit(exc):
        raise_reworded(exc, terms)
    detail = reworded(exc, terms).one_line()
    return Note("why_library", subject,
                (("detail", detail if detail.endswith((".", ")")) else detail + "."),))
