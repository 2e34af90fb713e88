"""The territorial referential: every French commune and Belgian municipality, and their levels.

France: ``commune`` -> ``epci`` -> ``departement`` -> ``region`` (INSEE official geography,
with legal populations). Belgium: ``municipality`` -> ``province`` -> ``region`` (Statbel
REFNIS codes, names in French and Dutch; the 19 municipalities of the Brussels-Capital
Region belong to no province). The files are shipped in ``data/`` (see its
``SOURCES.md``) and loaded once per process.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import DataError, InputError, TerritoryError
from evalkit.territories.codes import normalize_codes

__all__ = ["Level", "Referential", "LEVEL_NAMES", "infer_level"]

Country = Literal["france", "belgium"]

_SHOWN = 10  # unknown codes shown with their closest known ones


@dataclass(frozen=True)
class Level:
    """One territorial level of a referential.

    Attributes
    ----------
    name
        ``commune``, ``epci``, ``departement``, ``region`` (France); ``municipality``,
        ``province``, ``region`` (Belgium).
    family
        The code family of its codes (see :data:`evalkit.territories.codes.FAMILIES`).
    label
        What it is, for messages.
    """

    name: str
    family: str
    label: str


_FRANCE_LEVELS = (
    Level("commune", "commune", "French commune"),
    Level("epci", "epci", "intercommunal body (EPCI)"),
    Level("departement", "departement", "French department"),
    Level("region", "region", "French region"),
)
_BELGIUM_LEVELS = (
    Level("municipality", "nis", "Belgian municipality"),
    Level("province", "nis", "Belgian province"),
    Level("region", "nis", "Belgian region"),
)

#: Every level name a referential has, France's first.
LEVEL_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    level.name for level in (*_FRANCE_LEVELS, *_BELGIUM_LEVELS)))


@dataclass(frozen=True, eq=False)
class Referential:
    """The territories of a country at each of its levels. Build it with
    :meth:`france` or :meth:`belgium` (loaded once, then shared).

    Attributes
    ----------
    country
        ``france`` or ``belgium``.
    table
        One row per territory of the lowest level, with ``<level>_code`` and
        ``<level>_name`` (Belgium: ``<level>_name_fr`` and ``<level>_name_nl``) for each
        level, and ``population`` (France: legal population, missing for 18 communes).
        Codes are text. Treat it as read-only; :meth:`territories` gives copies.
    """

    country: Country
    table: pd.DataFrame = field(repr=False)

    # ------------------------------------------------------------------ building

    @classmethod
    def france(cls) -> Referential:
        """Every French commune (INSEE official geography) with its EPCI, department, region
        and legal population."""
        return _france()

    @classmethod
    def belgium(cls) -> Referential:
        """Every Belgian municipality (Statbel REFNIS) with its province and region, names in
        French and Dutch."""
        return _belgium()

    # ------------------------------------------------------------------ levels

    @property
    def source(self) -> str:
        """Where the referential comes from, for messages."""
        return ("French referential (INSEE official geography)" if self.country == "france"
                else "Belgian referential (Statbel REFNIS codes)")

    @property
    def level_specs(self) -> tuple[Level, ...]:
        """The levels, lowest first."""
        return _FRANCE_LEVELS if self.country == "france" else _BELGIUM_LEVELS

    @property
    def levels(self) -> tuple[str, ...]:
        """The names of the levels, lowest first (``commune``, ``epci``, ``departement``,
        ``region``; or ``municipality``, ``province``, ``region``)."""
        return tuple(level.name for level in self.level_specs)

    @property
    def base(self) -> str:
        """The lowest level: ``commune`` or ``municipality``."""
        return self.levels[0]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the names exist in: ``("fr",)``, or ``("fr", "nl")`` for Belgium."""
        return ("fr",) if self.country == "france" else ("fr", "nl")

    def level(self, name: str) -> Level:
        """The level called ``name``; a :class:`~evalkit.errors.TerritoryError` lists the levels
        this referential has."""
        for level in self.level_specs:
            if level.name == name:
                return level
        raise TerritoryError(
            f"level={name!r}: must be a level of the {self.country} referential "
            f"({', '.join(map(repr, self.levels))}); got {name!r}")

    def _name_column(self, level: str, language: str | None) -> str:
        if self.country == "france":
            if language not in (None, "fr"):
                raise InputError(f"language={language!r}: the French referential has names "
                                 f"in 'fr' only; got {language!r}")
            return f"{level}_name"
        if language not in (None, "fr", "nl"):
            raise InputError(f"language={language!r}: must be 'fr' or 'nl' for the Belgian "
                             f"referential; got {language!r}")
        return f"{level}_name_{language or 'fr'}"

    # ------------------------------------------------------------------ look-ups

    def territories(self, level: str, *, language: str | None = None) -> pd.DataFrame:
        """The territories of a level: ``code``, ``name`` and the codes of the levels above.

        Brussels municipalities have a missing province; the four French island
        communes that belong to no EPCI have a missing ``epci``.
        """
        self.level(level)
        above = self.levels[self.levels.index(level) + 1:]
        columns = [f"{level}_code", self._name_column(level, language),
                   *[f"{a}_code" for a in above]]
        frame = (self.table.loc[self.table[f"{level}_code"].notna(), columns]
                 .drop_duplicates(f"{level}_code").sort_values(f"{level}_code"))
        frame.columns = ["code", "name", *above]
        return frame.reset_index(drop=True)

    def codes(self, level: str) -> pd.Index:
        """The known codes of a level, sorted (a pandas Index of text)."""
        return _codes(self, level)

    def members(self, level: str, code: str, below: str | None = None) -> tuple[str, ...]:
        """The codes of the territories of level ``below`` (default: the lowest) inside the
        territory ``code`` of ``level``."""
        self.level(level)
        below = below or self.base
        self.level(below)
        rows = self.table.loc[self.table[f"{level}_code"] == code, f"{below}_code"]
        return tuple(sorted(rows.dropna().unique()))

    def population(self, level: str) -> pd.DataFrame:
        """Legal population of each territory of a level (France only).

        Returns
        -------
        pandas.DataFrame
            ``code``, ``name``, ``population`` (the sum over its communes that have one),
            ``communes`` and ``communes_without_population``: 18 French communes have no
            legal population in the INSEE file (e.g. 60694 Hauts-Talican, created after
            the census), so the population of their EPCI, department and region is
            understated by theirs; this column says where.
        """
        self.level(level)
        if self.country != "france":
            raise DataError("The Belgian referential has no populations: its file gives codes "
                            "and names only")
        table = self.table.dropna(subset=[f"{level}_code"])
        grouped = table.groupby(f"{level}_code", sort=True).agg(
            population=("population", lambda s: s.sum(min_count=1)),
            communes=("commune_code", "size"),
            communes_without_population=("population", lambda s: int(s.isna().sum())))
        names = self.territories(level).set_index("code")["name"]
        grouped.insert(0, "name", names.reindex(grouped.index).to_numpy())
        grouped.index.name = "code"
        return grouped.reset_index()

    # ------------------------------------------------------------------ checks

    def check(self, table: pd.DataFrame, column: str, level: str, *,
              pad: bool = False) -> pd.Series:
        """Check a table's territorial codes against the referential.

        Parameters
        ----------
        table
            The user's table (not modified).
        column
            The column of codes.
        level
            The level of those codes (see :attr:`levels`).
        pad
            Zero-pad codes that lost their leading zeros (see
            :func:`~evalkit.territories.codes.normalize_codes`).

        Returns
        -------
        pandas.Series
            The codes as text (padded if asked), aligned on ``table``'s index.

        Raises
        ------
        TerritoryError
            For a level the referential does not have; for codes that are malformed or
            lost their zeros; for codes the referential does not know, each listed with
            the closest known codes (same department first for French communes).
        """
        spec = self.level(level)
        if not isinstance(table, pd.DataFrame):
            raise InputError(f"table: must be a pandas DataFrame; got {type(table).__name__}")
        if column not in table.columns:
            raise DataError(f"column={column!r}: must be a column of the table; its columns "
                            f"are {', '.join(map(repr, map(str, table.columns)))}")
        codes = normalize_codes(table[column], spec.family, column=column, pad=pad)
        known = self.codes(level)
        distinct = pd.Index(codes.dropna().unique())
        unknown = distinct[known.get_indexer(distinct) < 0]
        if len(unknown):
            raise TerritoryError(
                f"Column {column!r}: {len(unknown)} {spec.label} code"
                f"{'s' if len(unknown) > 1 else ''} unknown to the {self.source}:",
                _unknown_problems(codes, unknown, known, level))
        return codes

    # ------------------------------------------------------------------ attach

    def attach(self, table: pd.DataFrame, column: str, level: str, *,
               to: Sequence[str] | None = None, names: bool = True,
               language: str | None = None, pad: bool = False) -> pd.DataFrame:
        """A copy of ``table`` with the codes (and names) of the levels above its own.

        Parameters
        ----------
        table
            The user's table (not modified).
        column
            Its column of territorial codes.
        level
            The level of those codes.
        to
            The levels to attach (default: every level above ``level``); each adds
            ``<level>_code`` and, with ``names``, ``<level>_name``.
        names
            Also attach the name of ``level`` itself (``<level>_name``) and of each
            level of ``to``.
        language
            For Belgium, ``"fr"`` (default) or ``"nl"``; France's names are French.
        pad
            Zero-pad codes that lost their leading zeros.

        Returns
        -------
        pandas.DataFrame
            The table with ``column`` as text and the new columns; Brussels
            municipalities have a missing province, the four French communes outside
            any EPCI a missing EPCI.

        Raises
        ------
        TerritoryError
            For unknown codes or levels, or a level of ``to`` not above ``level``.
        DataError
            When a column to be added already exists.
        """
        codes = self.check(table, column, level, pad=pad)
        position = self.levels.index(level)
        above = self.levels[position + 1:]
        targets = list(above) if to is None else list(to)
        for target in targets:
            self.level(target)
            if target not in above:
                raise TerritoryError(f"to={targets!r}: each must be a level above {level!r} "
                                     f"({', '.join(map(repr, above)) or 'none'}); got "
                                     f"{target!r}")
        name_column = self._name_column(level, language)
        lookup = (self.table.loc[self.table[f"{level}_code"].notna()]
                  .drop_duplicates(f"{level}_code").set_index(f"{level}_code"))
        new: dict[str, str] = {}
        if names:
            new[f"{level}_name"] = name_column
        for target in targets:
            new[f"{target}_code"] = f"{target}_code"
            if names:
                new[f"{target}_name"] = self._name_column(target, language)
        clash = [c for c in new if c in table.columns and c != column]
        if clash:
            raise DataError(f"The table already has column(s) {', '.join(map(repr, clash))}, "
                            f"which attach would add: drop or rename them, or attach fewer "
                            f"levels (to=...) or names=False")
        out = table.copy()
        out[column] = codes
        rows = lookup.index.get_indexer(codes.to_numpy())
        for target_column, source in new.items():
            values = lookup[source].to_numpy(dtype=object)
            picked = np.where(rows >= 0, values[np.maximum(rows, 0)], None)
            out[target_column] = pd.Series(picked, index=out.index, dtype="str")
        return out


# ---------------------------------------------------------------------- helpers


def _unknown_problems(codes: pd.Series, unknown: pd.Index, known: pd.Index,
                      level: str) -> list[str]:
    problems = []
    rows = pd.Series(codes.index, index=codes.to_numpy())
    pool = list(known)
    for code in unknown[:_SHOWN]:
        candidates = pool
        if level == "commune":
            prefix = code[:3] if code.startswith("97") else code[:2]
            same = [k for k in pool if k.startswith(prefix)]
            candidates = same or pool
        close = difflib.get_close_matches(code, candidates, n=3, cutoff=0.6)
        where = rows.loc[[code]].astype(str).tolist()
        shown = ", ".join(where[:5]) + (f" and {len(where) - 5} more" if len(where) > 5 else "")
        hint = (f"closest known: {', '.join(map(repr, close))}" if close
                else "no known code is close")
        problems.append(f"{code!r} (row{'s' if len(where) > 1 else ''} {shown}): {hint}")
    if len(unknown) > _SHOWN:
        problems.append(f"... and {len(unknown) - _SHOWN} more unknown codes")
    return problems


@cache
def _codes(referential: Referential, level: str) -> pd.Index:
    referential.level(level)
    return pd.Index(sorted(referential.table[f"{level}_code"].dropna().unique()), dtype="str")


@lru_cache(maxsize=1)
def _france() -> Referential:
    from evalkit.datasets import load_communes

    raw = load_communes()
    raw = raw.astype({c: "str" for c in raw.columns if c != "population_municipale"})
    table = pd.DataFrame({
        "commune_code": raw["commune_code"], "commune_name": raw["commune_nom"],
        "epci_code": raw["epci_code"], "epci_name": raw["epci_nom"],
        "departement_code": raw["departement_code"], "departement_name": raw["departement_nom"],
        "region_code": raw["region_code"], "region_name": raw["region_nom"],
        "population": raw["population_municipale"].astype(float),
    })
    return Referential("france", table)


@lru_cache(maxsize=1)
def _belgium() -> Referential:
    from evalkit.datasets import load_belgian_municipalities

    raw = load_belgian_municipalities()
    table = pd.DataFrame({
        "municipality_code": raw["nis_code"], "municipality_name_fr": raw["nom_fr"],
        "municipality_name_nl": raw["naam_nl"],
        "province_code": raw["province_code"], "province_name_fr": raw["province_fr"],
        "province_name_nl": raw["provincie_nl"],
        "region_code": raw["region_code"], "region_name_fr": raw["region_fr"],
        "region_name_nl": raw["gewest_nl"],
    })
    return Referential("belgium", table)


def referential_for(level: str, codes: pd.Series | None = None) -> Referential:
    """The referential a level name belongs to (``region``: decided by the codes' width)."""
    if level in ("commune", "epci", "departement"):
        return Referential.france()
    if level in ("municipality", "province"):
        return Referential.belgium()
    if level == "region":
        text = codes.dropna().astype("str") if codes is not None else pd.Series([], dtype="str")
        if len(text) and (text.str.len() == 5).mean() > 0.5:
            return Referential.belgium()
        return Referential.france()
    raise TerritoryError(f"level={level!r}: must be one of {', '.join(map(repr, LEVEL_NAMES))}; "
                         f"got {level!r}")


def infer_level(codes: pd.Series, *, pad: bool = False) -> tuple[Referential, str]:
    """The referential and level whose codes best match ``codes`` (most of them known).

    With ``pad``, the codes are zero-padded for each level's family before comparing.

    Raises
    ------
    TerritoryError
        When no level knows any of the codes, or when two levels know as many of them
        (a few 5-digit codes can be French communes as well as Belgian municipalities).
    """
    distinct = pd.Series(codes.dropna().unique())
    text = pd.Index(distinct.astype("str"))
    best: tuple[int, Referential | None, str] = (0, None, "")
    tied: list[str] = []
    for referential in (Referential.france(), Referential.belgium()):
        for level in referential.levels:
            text = pd.Index(distinct.astype("str"))
            if pad:
                try:
                    text = pd.Index(normalize_codes(distinct, referential.level(level).family,
                                                    pad=True))
                except TerritoryError:
                    pass
            hits = int((referential.codes(level).get_indexer(text) >= 0).sum())
            if hits > best[0]:
                best = (hits, referential, level)
                tied = []
            elif hits == best[0] and hits > 0:
                tied.append(f"{referential.country} {level}")
    if best[1] is None:
        examples = ", ".join(map(repr, text[:5]))
        raise TerritoryError(f"None of the codes ({examples}) is a code the referential knows at "
                             f"any level ({', '.join(map(repr, LEVEL_NAMES))}): if they lost "
                             f"their leading zeros, read them as text or ask for zero-padding; "
                             f"else state their level")
    if tied:
        raise TerritoryError(f"The codes match the {best[1].country} {best[2]} codes as well as "
                             f"the {' and '.join(tied)} codes (French commune and Belgian "
                             f"municipality codes both have 5 digits): state their level")
    return best[1], best[2]
