"""Paths as published: relative to the project, never the machine's absolute ones.

Reports, error pages, executed notebooks, run records and the index are published
(copied to an intranet, attached to a mail). They must not reveal where things lie on
the machine that produced them: a user's home, a temporary folder, the Python
installation. :class:`PathMasker` rewrites a path, or every path inside a text (an
error message, a traceback, a notebook's JSON), as follows:

- inside the project root: relative to it (``params/minimum_wage.yaml``);
- inside the run's input snapshot: as the original it is a copy of;
- inside the run's work folder: ``<work folder>/...``;
- inside the Python installation: ``<python>/...``;
- inside the user's home: ``~/...``;
- elsewhere (a path the params file itself gives, outside the project): as it is.

The project root of a params file is the nearest folder above it holding ``.git`` or
``pyproject.toml`` (at most four levels up), else the folder above the params file's
folder (``params/`` sits in the project).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["project_root", "PathMasker"]

_MARKERS = (".git", "pyproject.toml")
_LEVELS = 4


def project_root(params_file: str | Path) -> Path:
    """The folder paths are published relative to, for a policy's params file."""
    folder = Path(params_file).expanduser().resolve().parent
    for candidate in [folder, *folder.parents][:_LEVELS + 1]:
        if any((candidate / marker).exists() for marker in _MARKERS):
            return candidate
    return folder.parent


def _prefixes(path: Path) -> list[str]:
    """The spellings of a folder that may appear in text: as given and resolved."""
    spellings = {str(path)}
    try:
        spellings.add(str(path.resolve()))
    except OSError:
        pass
    return [s for s in spellings if s not in ("", os.sep)]


@dataclass(frozen=True)
class PathMasker:
    """Rewrites absolute paths for publication (see the module's description).

    Parameters
    ----------
    root
        The project root.
    snapshot
        The folder holding the run's copies of its inputs, and the original folder
        they mirror (``None`` when the run has no snapshot).
    work
        The run's temporary work folder, if any.
    """

    root: Path
    snapshot: tuple[Path, Path] | None = None
    work: Path | None = None
    _rules: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules: list[tuple[str, str]] = []
        if self.snapshot is not None:
            copy, original = self.snapshot
            rules += [(p, self._display_folder(original)) for p in _prefixes(copy)]
        if self.work is not None:
            rules += [(p, "<work folder>") for p in _prefixes(self.work)]
        rules += [(p, ".") for p in _prefixes(self.root)]
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
            rules += [(p, "<python>") for p in _prefixes(Path(prefix))]
        home = Path.home()
        rules += [(p, "~") for p in _prefixes(home)]
        # longest first, so that a folder inside another is matched before it
        object.__setattr__(self, "_rules", tuple(sorted(set(rules), key=lambda r: -len(r[0]))))

    def _display_folder(self, folder: Path) -> str:
        folder = folder.resolve()
        try:
            relative = folder.relative_to(self.root.resolve())
        except ValueError:
            return self._outside(folder)
        return str(relative) if str(relative) != "." else "."

    def _outside(self, path: Path) -> str:
        home = Path.home()
        try:
            return str(Path("~") / path.relative_to(home))
        except ValueError:
            return str(path)

    def path(self, path: str | Path) -> str:
        """One path as published."""
        text = self.text(str(Path(path)))
        return text[2:] if text.startswith("./") else text

    def text(self, text: str) -> str:
        """Every absolute path inside ``text`` rewritten."""
        for prefix, replacement in self._rules:
            if prefix not in text:
                continue
            # the prefix as a whole folder: followed by a separator or by no path character
            inside = re.compile(re.escape(prefix) + re.escape(os.sep))
            text = inside.sub("" if replacement == "." else replacement + "/", text)
            whole = re.compile(re.escape(prefix) + r"(?![\w\-]|\.\w)")
            text = whole.sub(replacement, text)
        return text
