"""The exceptions evalkit raises, in one tree.

::

    EvalkitError                      base of everything evalkit raises on purpose
    ├── InputError (ValueError)       an argument is not acceptable (wrong value, type or option)
    │   ├── DataError                 the data do not fit the design (missing column ...)
    │   │   ├── TerritoryError        territorial codes that are malformed, lost their leading
    │   │   │                         zeros, or are unknown to the referential; an unknown level
    │   │   └── BoundaryError         a boundary file cannot be drawn (key, projection, geometries)
    │   └── ParamsError               a policy params file is invalid (names the file and the key)
    ├── EstimationError (RuntimeError) the estimator could not produce a result from valid input
    ├── EngineError (RuntimeError)    the engine holding a panel's data failed (a cluster lost,
    │                                 a worker gone for good, a DuckDB database unreadable)
    ├── ReportError (RuntimeError)    a policy report failed (names the policy and cell)
    └── RunError (RuntimeError)       a batch of reports cannot start or go on
        ├── OutputLockedError         another run is writing to the same output folder
        └── RunInterrupted            the run was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP)

    EvalkitDeprecationWarning (FutureWarning)  an argument or params key was renamed; the old
                                      spelling still works for one release

Every error that comes from checking user input lists *all* the problems found, not
only the first, in :attr:`EvalkitError.problems`, and its message repeats them one
per line so that a user can fix everything at once.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "EvalkitError",
    "InputError",
    "DataError",
    "TerritoryError",
    "BoundaryError",
    "ParamsError",
    "EstimationError",
    "EngineError",
    "ReportError",
    "RunError",
    "OutputLockedError",
    "RunInterrupted",
    "EvalkitDeprecationWarning",
]


class EvalkitError(Exception):
    """Base class of every exception evalkit raises on purpose.

    Parameters
    ----------
    message
        A one-line statement of what went wrong.
    problems
        The individual problems found, each a complete sentence naming the
        argument, column, file or key at fault and what was expected.
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        self.message = message
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)

    def one_line(self) -> str:
        """The message and every problem on one line, e.g. for a note in a report."""
        head = self.message.strip().rstrip(":")
        if not self.problems:
            return head
        return f"{head}: {'; '.join(p.rstrip('.') for p in self.problems)}" if head else \
            "; ".join(self.problems)


class InputError(EvalkitError, ValueError):
    """An argument given to an evalkit function is not acceptable."""


class DataError(InputError):
    """The data do not fit the design they are described with."""


class TerritoryError(DataError):
    """Territorial codes that cannot be used as they are, or a level that does not exist.

    Raised for codes that are malformed, that arrived as numbers and lost their
    leading zeros (``2001`` for the commune ``"02001"``), that the territorial
    referential does not know (with the closest known codes), and for a level the
    referential does not have (with the levels it has).
    """


class BoundaryError(DataError):
    """A boundary file (GeoJSON, GeoPackage, Shapefile) cannot be used to draw a map.

    The message names the file and, in :attr:`EvalkitError.problems`, each problem: the
    key column missing (with the columns the file has), no coordinate reference system
    or one that cannot be converted, geometries that are empty or cannot be repaired
    (with their keys), duplicate keys, or no code of the table among the file's keys.
    """


class ParamsError(InputError):
    """A policy params file is invalid.

    Parameters
    ----------
    path
        The params file at fault.
    problems
        One entry per invalid key: ``"<key>: <what was expected>; got <value>"``.
    """

    def __init__(self, path: str, problems: Iterable[str]) -> None:
        self.path = str(path)
        super().__init__(f"Invalid params file {self.path}:", problems)


class EstimationError(EvalkitError, RuntimeError):
    """The estimator could not produce a result from otherwise valid input."""


class EngineError(EvalkitError, RuntimeError):
    """The engine holding a panel's data (DuckDB, a Dask cluster) failed while computing.

    The message names the engine and what it was doing; nothing was written.
    """


class ReportError(EvalkitError, RuntimeError):
    """A policy report could not be produced.

    Parameters
    ----------
    policy
        The policy (params file stem) whose report failed.
    message
        What failed.
    cell
        The index of the notebook cell that failed, when the failure happened
        while executing the notebook.
    source
        The first line of that cell's source.
    """

    def __init__(
        self,
        policy: str,
        message: str,
        *,
        cell: int | None = None,
        source: str | None = None,
        problems: Iterable[str] = (),
    ) -> None:
        self.policy = policy
        self.cell = cell
        self.source = source
        where = f" in cell {cell}" if cell is not None else ""
        if source:
            where += f" ({source!r})"
        super().__init__(f"Policy {policy!r} failed{where}: {message}", problems)


class RunError(EvalkitError, RuntimeError):
    """A batch of reports cannot start or go on (the output folder, the disk, a signal)."""


class OutputLockedError(RunError):
    """Another run holds the lock of the output folder.

    Parameters
    ----------
    folder
        The output folder.
    holder
        Who holds the lock, as the holder wrote it (process id, command, start time).
    """

    def __init__(self, folder: str, holder: str) -> None:
        self.folder = str(folder)
        self.holder = holder
        super().__init__(f"Another evalkit run is writing to {self.folder}: {holder}. Wait for "
                         "it to finish (or use --wait), or choose another output folder "
                         "with -o.")


class RunInterrupted(RunError):
    """The run was stopped by a signal; what had finished is kept.

    Parameters
    ----------
    signal_name
        ``"SIGINT"`` (Ctrl-C), ``"SIGTERM"`` or ``"SIGHUP"``.
    exit_status
        The conventional status for it: 128 + the signal number (130, 143, 129).
    """

    def __init__(self, signal_name: str, exit_status: int) -> None:
        self.signal_name = signal_name
        self.exit_status = exit_status
        self.finished = 0  # policies whose run ended (their reports are current)
        self.stopped = 0   # policies stopped before their end (previous reports kept)
        super().__init__(f"Stopped by {signal_name}")


class EvalkitDeprecationWarning(FutureWarning):
    """An old spelling (an argument or a params key) that still works for one release.

    The message names the old spelling and the new one, e.g. ``"vcov='robust' is
    deprecated: use inference=Robust()"``. It is a :class:`FutureWarning`, so that
    Python shows it to the people who run the code, not only to its developers.
    """
