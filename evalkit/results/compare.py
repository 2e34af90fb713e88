"""Several results side by side: one column per result, one block of rows per term."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.results.contract import Result
from evalkit.results.summary import Summary, format_number

__all__ = ["compare", "Comparison", "COMPARISON_COLUMNS"]

#: The columns of :meth:`Comparison.to_frame`, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "name", "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high",
    "alpha", "n_obs", "method", "inference")


def _fact(summary: Summary, label: str) -> str:
    return next((value for key, value in summary.facts if key == label), "")


def _rows(name: str, result: Result) -> pd.DataFrame:
    """The rows of one result: tidy() restricted to the terms with an interval row."""
    table = result.tidy().set_index("term")
    table = table.loc[result.conf_int().index].reset_index()
    summary = result.summary()
    frame = table[["term", "estimate", "std_error", "statistic", "p_value", "conf_low",
                   "conf_high"]].copy()
    frame.insert(0, "name", name)
    frame["alpha"] = np.nan if result.alpha is None else float(result.alpha)
    frame["n_obs"] = int(result.provenance.n_obs)
    frame["method"] = summary.title
    frame["inference"] = _fact(summary, "Standard errors") or _fact(summary, "Method")
    return frame


@dataclass(frozen=True)
class Comparison:
    """Results side by side, as regression tables put them.

    Produced by :func:`compare`. ``print()`` it (or :meth:`summary`) for the table; in
    JupyterLab it shows as HTML; :meth:`to_frame` gives the numbers as a long
    DataFrame.

    Attributes
    ----------
    names
        The column of each result, in order.
    frame
        One row per result and term: the columns :data:`COMPARISON_COLUMNS`.
    """

    names: tuple[str, ...]
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "frame", self.frame.copy())

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term of every result, in the order first met."""
        return tuple(dict.fromkeys(self.frame["term"]))

    def to_frame(self) -> pd.DataFrame:
        """The comparison as a long DataFrame (a copy): one row per result and term,
        with the columns :data:`COMPARISON_COLUMNS`."""
        return self.frame.reset_index(drop=True).copy()

    def tidy(self) -> pd.DataFrame:
        """The same as :meth:`to_frame`."""
        return self.to_frame()

    def wide(self) -> pd.DataFrame:
        """Estimates in a wide table: one row per term, one column per result."""
        table = self.frame.pivot(index="term", columns="name", values="estimate")
        return table.reindex(index=list(self.terms), columns=list(self.names))

    def summary(self, digits: int = 4) -> Summary:
        """The side-by-side table: for each term its estimate, its standard error in
        parentheses and its confidence interval in brackets (blank where a result has
        no such term), then the observations, the method and the confidence level of
        each result; the notes say how each result's standard errors were computed."""
        by = {(r.name, r.term): r for r in self.frame.itertuples(index=False)}
        first = {name: next(r for r in self.frame.itertuples(index=False) if r.name == name)
                 for name in self.names}
        number = lambda v: format_number(float(v), digits)  # noqa: E731
        rows, labels = [], []
        for term in self.terms:
            cells = [by.get((name, term)) for name in self.names]
            rows.append(["" if c is None else number(c.estimate) for c in cells])
            rows.append(["" if c is None or not np.isfinite(c.std_error)
                         else f"({number(c.std_error)})" for c in cells])
            rows.append(["" if c is None or not np.isfinite(c.conf_low)
                         else f"[{number(c.conf_low)}, {number(c.conf_high)}]" for c in cells])
            labels += [term, "", ""]
        rows.append([f"{first[n].n_obs:,}" for n in self.names])
        rows.append([first[n].method for n in self.names])
        rows.append(["" if np.isnan(first[n].alpha) else f"{100 * (1 - first[n].alpha):g}%"
                     for n in self.names])
        labels += ["Observations", "Method", "Confidence level"]
        table = pd.DataFrame(rows, columns=list(self.names),
                             index=pd.Index(labels, name="Term"), dtype=object)
        notes = ["Standard errors in parentheses, confidence intervals in brackets."]
        notes += [f"{n}: {first[n].inference}" for n in self.names if first[n].inference]
        facts = (("Results compared", str(len(self.names))),)
        return Summary(title="Comparison of results", facts=facts, table=table,
                       notes=tuple(notes), digits=digits)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def compare(*results: Result, names: Sequence[str] | None = None) -> Comparison:
    """Put results side by side: one column per result, rows per term.

    Parameters
    ----------
    *results
        Any evalkit results (:class:`~evalkit.results.Result`): estimators,
        aggregations, bootstrap or randomization tests, sensitivity analyses. Terms
        with the same name (e.g. ``"treated"``, ``"ATT"``, ``"e+1"``) share a row.
    names
        The column heading of each result (default ``"(1)"``, ``"(2)"`` ...).

    Returns
    -------
    Comparison
        ``print()`` it or show it in JupyterLab; ``summary()`` gives text, HTML and
        LaTeX; ``to_frame()`` the long DataFrame.

    Examples
    --------
    >>> import evalkit as ek
    >>> from evalkit.datasets import load_mpdta
    >>> panel = ek.Panel(load_mpdta(), unit="countyreal", time="year", outcome="lemp",
    ...                  first_treated="first.treat")
    >>> table = ek.compare(ek.twfe(panel), ek.callaway_santanna(panel).overall(),
    ...                    names=["TWFE", "Callaway-Sant'Anna"])
    >>> table.to_frame()[["name", "term", "estimate"]].round(4)
                     name     term  estimate
    0                TWFE  treated   -0.0365
    1  Callaway-Sant'Anna      ATT   -0.0400
    """
    problems = []
    if not results:
        problems.append("results: must be at least one evalkit result; got none")
    for i, result in enumerate(results):
        if not isinstance(result, Result):
            problems.append(f"results[{i}]: must be an evalkit result (with conf_int(), "
                            f"tidy(), summary() ...); got {type(result).__name__}")
    if names is None:
        names = [f"({i + 1})" for i in range(len(results))]
    elif isinstance(names, str) or not isinstance(names, Sequence):
        problems.append(f"names={names!r}: must be a list of strings, one per result; "
                        f"got {type(names).__name__}")
    else:
        names = list(names)
        if len(names) != len(results) or not all(isinstance(n, str) and n for n in names):
            problems.append(f"names={names!r}: must be {len(results)} non-empty strings, one "
                            f"per result; got {len(names)}")
        elif len(set(names)) != len(names):
            problems.append(f"names={names!r}: must be distinct; got duplicates "
                            f"{sorted({n for n in names if names.count(n) > 1})}")
    if problems:
        raise InputError("Invalid arguments to compare:", problems)
    frame = pd.concat([_rows(n, r) for n, r in zip(names, results, strict=True)],
                      ignore_index=True)
    return Comparison(names=tuple(names), frame=frame[list(COMPARISON_COLUMNS)])
