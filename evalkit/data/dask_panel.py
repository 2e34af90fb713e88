"""A panel held by a Dask cluster: validated and read where the data are.

:class:`DaskPanel` reads a Dask DataFrame or a Parquet file or folder on a
``dask.distributed`` cluster (``Client("tcp://scheduler:8786")``, or a ``LocalCluster`` on
one machine). The rows are first shuffled on the unit column, so that every partition
holds whole units; then each worker checks its partitions as :class:`~evalkit.data.panel.Panel`
checks a table, builds their blocks (:class:`~evalkit.data.unit_blocks.UnitBlock`) and keeps
them in memory. The estimators read the panel through :meth:`DaskPanel.map_blocks`, which
runs a function on every block where it is and brings back only its small result.

A worker lost while computing is replaced by Dask, which recomputes the blocks it held from
the data; a cluster that is gone (its scheduler closed or unreachable, or no worker left
for ``timeout`` seconds) raises :class:`~evalkit.errors.EngineError` saying what Dask was
doing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from evalkit.data._dask_findings import (
    design_problems,
    merge_cohorts,
    merge_findings,
    row_problems,
)
from evalkit.data._dask_partitions import (
    Finding,
    PartitionReport,
    finish_block,
    prepare_partition,
    report_of,
    too_large_rows,
)
from evalkit.data.checks import too_large_limit
from evalkit.data.panel import _MISMATCH, PanelSpec, _as_tuple, _validate
from evalkit.data.parquet_files import check_parquet_schemas, parquet_files
from evalkit.data.unit_blocks import EnginePanel, PanelFacts
from evalkit.errors import DataError, EngineError, EvalkitError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd
    from distributed import Client, Future

__all__ = ["DaskPanel"]

_DESIGN = "The data do not support a difference-in-differences design:"
_POLL = 0.5  # seconds between two looks at the cluster's health while waiting


class DaskPanel(EnginePanel):
    """A panel whose data stay on a Dask distributed cluster, validated there.

    The checks and their messages are :class:`~evalkit.data.panel.Panel`'s (every problem
    found in any partition is reported at once, in one :class:`~evalkit.errors.DataError`),
    except that rows are named by their unit and period rather than by their position. A
    cluster column must also be constant within each unit.

    Parameters
    ----------
    source
        A ``dask.dataframe.DataFrame``, or the path of a Parquet file or of a folder of
        Parquet files (read recursively; their footers must agree on the columns' types).
    unit, time, outcome, treatment, first_treated, covariates, weights, cluster, missing
        The panel description, as for :class:`~evalkit.data.panel.Panel`.
    client
        The ``distributed.Client`` to compute with; by default the current one
        (``distributed.get_client()``). No cluster is ever started here.
    npartitions
        How many partitions (blocks) to spread the units over; by default as many as the
        source has.
    timeout
        Seconds to wait for a cluster that has no worker left, or whose scheduler cannot
        be reached, before giving up with :class:`~evalkit.errors.EngineError`. A cluster
        that is computing is waited for as long as it takes.

    Raises
    ------
    InputError
        An invalid description, source or client, or no Dask client running.
    DataError
        The data do not fit the description (as for ``Panel``), or Parquet files that
        disagree on their columns' types (naming the files).
    EngineError
        The cluster failed while reading or checking the data.

    Notes
    -----
    The rows' order and their spread over partitions change nothing: the blocks, put
    together and sorted by unit, are exactly those of
    ``SplitPanel(Panel(the same data, ...))``.

    The fingerprint is the SHA-256 of the description (columns, their dtypes, the number
    of rows) and of a digest of the content that does not depend on the rows' order: the
    sum, modulo 2**64, of ``pandas.util.hash_pandas_object`` of every row used (after
    ``missing="drop"``), computed by the workers. It is not ``Panel.fingerprint`` of the same
    data (which hashes the sorted rows), and the same values read with other dtypes (text
    read as ``object`` or as ``string``) give another fingerprint.

    The panel holds its blocks in the workers' memory (per unit and period, 9 bytes, plus 8
    for the weights and 8 for each covariate) until it is garbage-collected or
    :meth:`release` is called.

    Examples
    --------
    >>> from distributed import Client, LocalCluster          # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2))             # doctest: +SKIP
    >>> panel = DaskPanel("data/panel/", unit="id", time="year", outcome="y",
    ...                   first_treated="g")                   # doctest: +SKIP
    >>> from evalkit import twfe                               # doctest: +SKIP
    >>> twfe(panel)                                             # doctest: +SKIP
    """

    engine = "dask"

    def __init__(
        self,
        source: dd.DataFrame | str | os.PathLike[str],
        *,
        unit: str,
        time: str,
        outcome: str,
        treatment: str | None = None,
        first_treated: str | None = None,
        covariates: Sequence[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        missing: Literal["error", "drop"] = "error",
        client: Client | None = None,
        npartitions: int | None = None,
        timeout: float = 60.0,
    ) -> None:
        spec = PanelSpec(unit=unit, time=time, outcome=outcome, treatment=treatment,
                         first_treated=first_treated, covariates=_as_tuple(covariates),
                         weights=weights, cluster=cluster, missing=missing)
        self._spec = spec
        self._blocks: list[Future] = []
        frame = _read_source(source, spec)
        _check_description(frame._meta, spec)
        count = _check_npartitions(npartitions, frame.npartitions)
        self._runner = _Runner(_resolve_client(client), _check_timeout(timeout))
        self._build(frame, count)

    # ------------------------------------------------------------------ building
    def _build(self, frame: dd.DataFrame, count: int) -> None:
        import dask

        spec, runner = self._spec, self._runner
        source_meta, frame = frame._meta, frame[list(spec.columns)]
        with runner.client.as_current():  # the shuffle made for this client's cluster
            shuffled = frame.shuffle(on=spec.unit, npartitions=count).to_delayed()
        parts = runner.persist(shuffled,
                               "reading the rows and gathering each unit's rows in one partition")
        prepared = runner.persist([dask.delayed(prepare_partition)(p, spec) for p in parts],
                                  "checking the rows and units of each partition")
        reports: list[PartitionReport] = runner.compute(
            [dask.delayed(report_of)(p) for p in prepared], "gathering what the partitions hold")
        rows = sum(r.rows for r in reports)
        _check_rows(reports, source_meta, spec)
        findings = merge_findings(reports)
        self._too_large(parts, reports, rows, findings)
        problems = row_problems(findings, spec, rows, frame._meta[spec.unit].dtype,
                                all(r.whole_periods for r in reports))
        if problems:
            raise DataError(_MISMATCH, problems)

        periods = np.unique(np.concatenate([r.periods for r in reports]))
        n_units = sum(r.units for r in reports)
        cohorts = merge_cohorts(reports, n_units, periods[-1])
        problems = design_problems(cohorts, spec, periods)
        if problems:
            raise DataError(_DESIGN, problems)
        labels = None
        if spec.cluster:
            found = np.concatenate([np.asarray(r.cluster_labels, dtype=object)
                                    for r in reports if r.cluster_labels is not None])
            labels = np.sort(pd.unique(found))
            dtype = frame._meta[spec.cluster].dtype
            if isinstance(dtype, np.dtype) and dtype.kind != "O":
                labels = labels.astype(dtype)
        self._facts = PanelFacts(
            periods=periods, n_units=n_units, n_obs=rows, cohorts=cohorts.values,
            cohort_units=cohorts.units, never_treated_units=cohorts.never,
            treated_after_end=cohorts.after_end, cluster_labels=labels,
            fingerprint=_fingerprint(spec, frame._meta, rows, reports),
            dropped_rows=sum(r.dropped for r in reports))
        del parts  # the rows themselves: their checked layout (prepared) is all that is read
        kept = [p for p, r in zip(prepared, reports, strict=True) if r.rows]
        blocks = runner.persist([dask.delayed(finish_block)(p, periods, labels) for p in kept],
                                "building the blocks of whole units")
        from distributed import futures_of

        self._blocks = [futures_of(b)[0] for b in blocks]

    def _too_large(self, parts: list, reports: list[PartitionReport], rows: int,
                   findings: dict[tuple[str, str], Finding]) -> None:
        """Values whose squares would overflow, against the limit of the whole panel's rows
        (the workers report each column's largest value; the rows are looked for only when
        a column exceeds it)."""
        import dask

        limit = too_large_limit(rows)
        over = {c: limit for r in reports for c, v in r.largest.items() if v > limit}
        if not over:
            return
        found = self._runner.compute([dask.delayed(too_large_rows)(p, self._spec, over)
                                      for p in parts], "looking for values too large")
        for column in over:
            parts_found = [f[column] for f in found if column in f]
            key = ("too_large", column)
            findings[key] = merge_findings([PartitionReport(0, findings={key: f})
                                            for f in parts_found])[key]
            findings[key].detail["limit"] = limit

    # ------------------------------------------------------------------ reading
    def map_blocks(self, function: Callable[..., Any], *args: Any) -> list[Any]:
        """``function(block, *args)`` on every block, on the worker that holds it.

        Results come back in the order of the partitions (the same at every call). A worker
        lost meanwhile is replaced and its blocks recomputed; if the cluster is gone, an
        :class:`~evalkit.errors.EngineError` is raised. An error raised by ``function``
        itself is raised as it is.
        """
        if not self._blocks:
            raise InputError("This DaskPanel was released (release()); build it again to "
                             "read its data")
        name = getattr(function, "__qualname__", repr(function))
        doing = f"running {name} on the panel's {len(self._blocks)} blocks"
        client = self._runner.client
        if client.status != "running":
            raise self._runner.lost(doing, None)
        try:
            futures = [client.submit(function, block, *args, pure=False)
                       for block in self._blocks]
        except (OSError, CancelledError) as error:
            raise self._runner.lost(doing, error) from None
        return self._runner.gather(futures, doing)

    @property
    def n_blocks(self) -> int:
        """How many blocks (partitions holding at least one unit) the panel has."""
        return len(self._blocks)

    @property
    def client(self) -> Client:
        """The Dask client the panel computes with."""
        return self._runner.client

    def release(self) -> None:
        """Free the workers' memory holding the blocks (the panel cannot be read after)."""
        for future in self._blocks:
            future.release()
        self._blocks = []


# ============================================================================ helpers
def _resolve_client(client: object) -> Client:
    try:
        from distributed import Client, get_client
    except ImportError as error:  # pragma: no cover - the [distributed] extra not installed
        raise InputError("DaskPanel needs dask.distributed: pip install "
                         "'evalkit[distributed]'") from error
    if client is None:
        try:
            client = get_client()
        except ValueError:
            raise InputError(
                "client=None: no Dask client is running; start one first and pass it as "
                "client=, e.g. distributed.Client('tcp://scheduler:8786') for a cluster, or "
                "distributed.Client(distributed.LocalCluster()) on this machine "
                "(DaskPanel never starts a cluster itself)") from None
    if not isinstance(client, Client):
        raise InputError(f"client={client!r}: must be a distributed.Client; got "
                         f"{type(client).__name__}")
    if client.status != "running":
        raise InputError(f"client: must be a running distributed.Client; got one whose "
                         f"status is {client.status!r} (closed, or not connected to "
                         "its scheduler)")
    return client


def _check_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InputError(f"timeout={timeout!r}: must be a positive number of seconds; "
                         f"got {timeout!r}")
    return float(timeout)


def _check_npartitions(npartitions: object, default: int) -> int:
    if npartitions is None:
        return max(1, int(default))
    if isinstance(npartitions, bool) or not isinstance(npartitions, int | np.integer) \
            or npartitions < 1:
        raise InputError(f"npartitions={npartitions!r}: must be a positive integer (or None "
                         f"for the source's partitions); got {npartitions!r}")
    return int(npartitions)


def _read_source(source: object, spec: PanelSpec) -> dd.DataFrame:
    import dask.dataframe as dd

    if isinstance(source, dd.DataFrame):
        return source
    if isinstance(source, str | os.PathLike):
        files = parquet_files(source)
        check_parquet_schemas(files, spec.columns)
        try:
            return dd.read_parquet([str(f) for f in files])
        except (OSError, ValueError, TypeError) as error:
            raise DataError(f"Cannot read the Parquet data at {str(source)!r}: "
                            f"{_one_line(error)}") from None
    raise InputError(f"source: must be a dask.dataframe.DataFrame or the path of a Parquet "
                     f"file or folder; got {type(source).__name__}"
                     + (" (build a Panel for a pandas DataFrame, or pass "
                        "dask.dataframe.from_pandas(data, npartitions=...))"
                        if isinstance(source, pd.DataFrame) else ""))


def _check_description(meta: pd.DataFrame, spec: PanelSpec) -> None:
    """Panel's checks of the description and of the columns, on the source's (empty) meta."""
    try:
        _validate(meta, spec)
    except DataError:
        if all(c in meta.columns for c in spec.columns):
            return  # only "no rows": the meta has none; the data are counted later
        raise


def _check_rows(reports: list[PartitionReport], meta: pd.DataFrame, spec: PanelSpec) -> None:
    """Panel's "no rows" checks, on the whole data."""
    from evalkit._validation import describe_columns

    if not sum(r.rows_read for r in reports):
        raise DataError(_MISMATCH, [
            "data: must have at least one row (one per unit and period); got a table with its "
            f"columns ({describe_columns(meta.columns)}) but no rows"])
    if not sum(r.rows for r in reports):
        dropped = sum(r.dropped for r in reports)
        checked = [c for c in spec.columns if c != spec.first_treated]
        raise DataError(_MISMATCH, [
            f"missing='drop': no row is left; each of the {dropped:,} rows has a missing value "
            f"in a column the panel uses ({', '.join(map(repr, checked))})"])


def _fingerprint(spec: PanelSpec, meta: pd.DataFrame, rows: int,
                 reports: list[PartitionReport]) -> str:
    """SHA-256 of the description and of the order-free content digest (see DaskPanel)."""
    digest = sum(r.digest for r in reports) % 2**64
    description = {"engine": "dask", "spec": spec.to_dict(), "rows": rows,
                   "dtypes": [str(meta[c].dtype) for c in spec.columns]}
    text = json.dumps(description, sort_keys=True) + f"\x1e{digest:016x}"
    return hashlib.sha256(text.encode()).hexdigest()


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]


class _Runner:
    """Runs the panel's work on the cluster, waiting without hanging on a dead one."""

    def __init__(self, client: Client, timeout: float) -> None:
        self.client = client
        self.timeout = timeout

    def persist(self, collections: list, doing: str) -> list:
        from distributed import futures_of

        try:
            persisted = self.client.persist(collections)
        except (OSError, CancelledError) as error:
            raise self.lost(doing, error) from None
        self._wait([f for p in persisted for f in futures_of(p)], doing, own_errors=False)
        return persisted

    def compute(self, collections: list, doing: str) -> list:
        try:
            futures = self.client.compute(collections)
        except (OSError, CancelledError) as error:
            raise self.lost(doing, error) from None
        return self.gather(futures, doing, own_errors=False)

    def gather(self, futures: list[Future], doing: str, *, own_errors: bool = True) -> list:
        """The futures' results, in order. ``own_errors``: an error raised by the function
        itself is raised as it is (else, outside evalkit's own, as an EngineError)."""
        self._wait(futures, doing, own_errors=own_errors)
        try:
            return self.client.gather(futures)
        except (OSError, CancelledError) as error:
            raise self.lost(doing, error) from None

    def _wait(self, futures: list[Future], doing: str, *, own_errors: bool) -> None:
        from distributed import wait

        alone_since: float | None = None
        while True:
            try:
                with self.client.as_current():  # wait() syncs through the current client
                    wait(futures, timeout=_POLL)
                break
            except TimeoutError:
                pass
            except CancelledError:  # the cluster cancelled them: closed, or connection lost
                raise self.lost(doing, None) from None
            status = self.client.status
            if status in ("closing", "closed"):
                raise self.lost(doing, None)
            workers = self._workers() if status == "running" else 0
            if workers:
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since > self.timeout:
                why = ("no worker has been connected to the scheduler" if status == "running"
                       else "the scheduler could not be reached")
                raise EngineError(
                    f"Dask failed while {doing}: {why} for {self.timeout:g} s (the cluster at "
                    f"{self._address()} seems gone); start the cluster again and rebuild the "
                    "panel")
        for future in futures:
            if future.status == "error":
                self._raise_error(future, doing, own_errors)
            elif future.status == "cancelled":
                raise self.lost(doing, None)

    def _raise_error(self, future: Future, doing: str, own_errors: bool) -> None:
        from distributed.scheduler import KilledWorker

        error = future.exception()
        if isinstance(error, KilledWorker):
            raise EngineError(
                f"Dask failed while {doing}: the task {future.key!r} was running on workers "
                "that died, again and again (out of memory?); give the workers more memory or "
                "use more partitions (npartitions=)") from None
        if own_errors or isinstance(error, EvalkitError):
            future.result()  # raises the function's own error, with its traceback
        raise EngineError(f"Dask failed while {doing}: {type(error).__name__}: "
                          f"{_one_line(error)}") from error

    def _workers(self) -> int:
        try:
            return len(self.client.nthreads())
        except (OSError, CancelledError, TimeoutError):
            return 0

    def _address(self) -> str:
        try:
            return str(self.client.scheduler.address)
        except AttributeError:  # pragma: no cover - a client never connected
            return "its address"

    def lost(self, doing: str, error: BaseException | None) -> EngineError:
        detail = f" ({_one_line(error)})" if error is not None else ""
        return EngineError(
            f"Dask failed while {doing}: the connection to the cluster at {self._address()} "
            f"was lost or the cluster was closed (client status {self.client.status!r})"
            f"{detail}; start the cluster again and rebuild the panel")

