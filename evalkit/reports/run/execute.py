"""Run one policy: check its params, execute the report notebook, write the report.

For a params file ``params/<policy>.yaml`` and an output folder ``reports/``:

====================================  ==============================================
``reports/<policy>.html``             the report (written only by a successful run)
``reports/<policy>.ipynb``            the executed notebook behind it, for audit
``reports/<policy>.json``             the run record (status, headline, provenance)
``reports/<policy>.error.html``       why the last run failed (removed on success)
``reports/<policy>.error.ipynb``      the notebook of the failed run, up to the error
``reports/<policy>.docx``, ``.pdf``   the note, in Word and PDF (``report.formats``)
``reports/<policy>.report.pdf``       the full report, in PDF (``report_pdf``)
``reports/<policy>.<lang>.html`` ...  each further language's files (``language``)
====================================  ==============================================

See :mod:`evalkit.reports.run.deliverables` for the note, the PDFs and the versions.

A failed run never removes or overwrites the previous good report and its
notebook: they stay in place, and the error page links to them. Every file is
written to a temporary file first and moved into place when complete.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError, ParamsError, ReportError
from evalkit.reports.params.checks import resolve_data_path
from evalkit.reports.params.schema import PolicyParams, load_params
from evalkit.reports.render.headline import find_headline
from evalkit.reports.run._files import remove_quietly, write_atomic
from evalkit.reports.run.deliverables import (
    language_label,
    output_name,
    render_outputs,
    stale_outputs,
    version_suffixes,
)
from evalkit.reports.run.fingerprint import Snapshot, take_snapshot
from evalkit.reports.run.published import PathMasker, project_root
from evalkit.reports.run.records import last_success, read_record, record_file, write_record
from evalkit.reports.run.run_result import PolicyRun
from evalkit.reports.run.signals import os_error_text

__all__ = ["PolicyRun", "run_policy", "record_failure", "template_notebook",
           "execute_report_notebook"]

_TEMPLATE = "evaluation.ipynb"
_INPUTS = "inputs"  # in a run's work folder: the snapshot of its inputs




def template_notebook(notebook: str | Path | None = None, name: str = _TEMPLATE) -> Path:
    """The report notebook to execute.

    ``notebook`` if given; otherwise the template ``name`` (``evaluation.ipynb`` or
    ``tracking.ipynb``) from the copy packaged with evalkit or, in a source checkout,
    from the project's ``notebooks/``.
    """
    if notebook is not None:
        path = Path(notebook).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"notebook={str(notebook)!r}: must be an existing notebook "
                                    f"file; got {str(notebook)!r}")
        return path
    package = Path(__file__).resolve().parents[2]
    for folder in (package / "_shipped_notebooks", package.parent / "notebooks"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"the report notebook {name} is missing from this installation")


def _first_line(source: str | None) -> str | None:
    for line in (source or "").splitlines():
        if line.strip():
            return line.strip()[:120]
    return None


def _check_template(nb: Any, policy_id: str, path: Path) -> None:
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            if "params_file" in cell.source:
                return
            break
    raise ReportError(policy_id, f"the report notebook {path} must have a cell tagged "
                                 "'parameters' that defines params_file")


def _template_index(nb: Any, index: int) -> int:
    """The index in the template of the executed notebook's cell ``index``."""
    injected = sum("injected-parameters" in c.get("metadata", {}).get("tags", [])
                   for c in nb.cells[:index])
    return index - injected


def _last_started_cell(nb: Any) -> int | None:
    # A cell started if it has a start time; papermill may mark every cell "completed"
    # when the kernel dies, even those never started.
    def began(cell: Any) -> bool:
        record = cell.get("metadata", {}).get("papermill", {})
        if "start_time" in record:
            return record["start_time"] is not None
        return record.get("status", "pending") != "pending"

    started = [i for i, c in enumerate(nb.cells) if began(c)]
    return started[-1] if started else None


class _Failure(Exception):
    """A failed run, with what is known about it (internal)."""

    def __init__(self, error: ReportError, notebook: Any = None,
                 traceback: str | None = None, reason: str | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.notebook = notebook
        self.traceback = traceback
        self.reason = reason


def execute_report_notebook(
    params: PolicyParams,
    *,
    notebook: str | Path | None = None,
    timeout: float | None = None,
) -> Any:
    """Execute the report notebook for validated params and return the executed notebook.

    The notebook runs in a fresh temporary folder, in a kernel of the current
    Python interpreter (:class:`~evalkit.reports.run.kernel.CurrentInterpreterKernelManager`),
    with one parameter injected: ``params_file``, the params file's absolute path.

    Parameters
    ----------
    params
        Validated params (see :func:`load_params`).
    notebook
        The notebook to run instead of the packaged ``evaluation.ipynb``.
    timeout
        The longest, in seconds, any single cell may run (default: no limit).

    Raises
    ------
    ReportError
        Naming the policy, the failing cell of the template (counting from 0), the
        first line of its source, the exception's name and message.
    """
    try:
        return _execute(params, notebook, timeout)
    except _Failure as failure:
        raise failure.error from None


def _execute(params: PolicyParams, notebook: str | Path | None, timeout: float | None,
             work_dir: Path | None = None, kernel: Any = None) -> Any:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from evalkit.reports.run.kernel import kernel_manager_in

    policy_id = params.policy_id
    try:
        template = template_notebook(notebook or params.notebook_path, params.template_name)
        _check_template(nbformat.read(template, as_version=4), policy_id, template)
    except (OSError, ValueError) as exc:
        raise _Failure(ReportError(policy_id, str(exc))) from None
    except ReportError as exc:
        raise _Failure(exc) from None

    with _work_folder(policy_id, work_dir) as tmp:
        output = Path(tmp) / f"{policy_id}.ipynb"
        try:
            return papermill.execute_notebook(
                str(template), str(output),
                parameters={"params_file": str(params.params_path)},
                kernel_name="python3",
                **({"km": kernel} if kernel is not None
                   else {"kernel_manager_class": kernel_manager_in(tmp)}),
                cwd=tmp,
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
            )
        except PapermillExecutionError as exc:
            partial = _read_partial(output)
            cell = _template_index(_without_markers(partial), exc.cell_index) \
                if partial is not None else exc.cell_index
            error = ReportError(policy_id, f"{exc.ename}: {exc.evalue}", cell=cell,
                                source=_first_line(exc.source))
            raise _Failure(error, partial, "\n".join(exc.traceback),
                           reason=f"{exc.ename}: {exc.evalue}") from None
        except Exception as exc:  # kernel failed to start or died, cell timed out ...
            partial, cell, source = _partial_run(output)
            message = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, TimeoutError) and timeout is not None:
                message = f"a cell ran longer than the {timeout:g} s allowed per cell"
            elif type(exc).__name__ == "DeadKernelError":
                message = ("the kernel died while running the notebook: its Python process "
                           "stopped (os._exit(), a crash, or not enough memory)")
            raise _Failure(ReportError(policy_id, message, cell=cell, source=source),
                           partial, reason=message) from None


@contextlib.contextmanager
def _work_folder(policy_id: str, work_dir: Path | None) -> Any:
    """``work_dir`` if given (its owner removes it), else a fresh temporary folder."""
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield str(Path(work_dir).resolve())
        return
    from evalkit.reports.run.workdirs import work_folder

    with work_folder(policy_id) as tmp:
        yield str(tmp)


def _partial_run(output: Path) -> tuple[Any, int | None, str | None]:
    """The notebook saved so far, the template index and first line of the last cell started."""
    partial = _read_partial(output)
    cell = source = None
    if partial is not None:
        cleaned = _without_markers(partial)
        started = _last_started_cell(cleaned)
        if started is not None:
            cell = _template_index(cleaned, started)
            source = _first_line(cleaned.cells[started].source)
    return partial, cell, source


def _notebook_text(nb: Any, path: Path, masker: PathMasker) -> str:
    """The notebook as published: its papermill record pointing at where it is kept, and
    no absolute path of the machine (see :mod:`evalkit.reports.run.published`)."""
    import nbformat

    record = nb.metadata.get("papermill")
    if isinstance(record, dict):
        record["output_path"] = str(path)
    return masker.text(nbformat.writes(nb))


def _read_partial(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # nothing usable was saved
        return None


def _without_markers(nb: Any) -> Any:
    import copy

    cleaned = copy.copy(nb)
    cleaned.cells = [c for c in nb.cells
                     if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    return cleaned


def run_policy(
    params_path: str | Path,
    output_dir: str | Path = "reports",
    *,
    notebook: str | Path | None = None,
    timeout: float | None = None,
    keep_notebook: bool = True,
    work_dir: str | Path | None = None,
    kernel: Any = None,
) -> PolicyRun:
    """Produce one policy's report: validate, execute the notebook, export HTML.

    Nothing is executed when the params file is invalid. A failure is returned
    (``status="failed"``), not raised: the previous good report stays in place and
    ``<policy>.error.html`` explains which policy, which cell and why. The index
    page is not rewritten: see :func:`write_index` and :func:`run_policies`.

    Parameters
    ----------
    params_path
        The policy's params file (``params/<policy>.yaml``).
    output_dir
        The folder of reports, created if needed.
    notebook
        The notebook to execute instead of the packaged ``evaluation.ipynb``.
    timeout
        The longest, in seconds, any single notebook cell may run (default: no limit).
    keep_notebook
        Keep the executed notebook beside the report, for audit (default true).
    work_dir
        The folder where the notebook runs and its kernel's sockets live (default:
        a temporary folder, removed afterwards). A folder given here is left in
        place for its owner to remove.
    kernel
        A kernel already started in ``work_dir`` (see
        :func:`evalkit.reports.run.kernel.start_kernel_in`) to run the notebook in; its
        owner stops it. Default: a new kernel is started, and stopped after the run.

    Returns
    -------
    PolicyRun
        Status, files written, duration and headline.

    Examples
    --------
    >>> run = run_policy("params/minimum_wage.yaml", "reports")  # doctest: +SKIP
    >>> run.status, run.html_path.name                           # doctest: +SKIP
    ('ok', 'minimum_wage.html')
    """
    started = time.monotonic()
    params_file = Path(params_path).expanduser().resolve()
    with contextlib.ExitStack() as stack:
        try:
            work = Path(stack.enter_context(_work_folder(
                params_file.stem, Path(work_dir) if work_dir is not None else None)))
            snapshot = take_snapshot(params_file, work / _INPUTS)
        except OSError as exc:  # the temporary folder's disk is full ...
            masker = PathMasker(project_root(params_file))
            params_file, policy_id, out, files, record = _start_record(
                params_file, output_dir, masker, fingerprint=None)
            return _fail(record, files, read_record(record_file(out, policy_id)), out, started,
                         ReportError(policy_id, f"its inputs could not be copied to a work "
                                                f"folder: {os_error_text(exc)}"),
                         policy_name=None, keep_notebook=keep_notebook, masker=masker)
        masker = PathMasker(project_root(params_file),
                            snapshot=(snapshot.root, snapshot.mirrored), work=work)
        return _run_snapshot(snapshot, output_dir, masker, started, notebook=notebook,
                             timeout=timeout, keep_notebook=keep_notebook, work=work,
                             kernel=kernel)


def _run_snapshot(snapshot: Snapshot, output_dir: str | Path, masker: PathMasker,
                  started: float, *, notebook: str | Path | None, timeout: float | None,
                  keep_notebook: bool, work: Path, kernel: Any) -> PolicyRun:
    """:func:`run_policy` once the inputs are copied: the run reads only the copies."""

    params_file, policy_id, out, files, record = _start_record(
        snapshot.originals["params"], output_dir, masker, fingerprint=snapshot.fingerprint)
    run_date = record["run_date"]
    previous = read_record(record_file(out, policy_id))

    params: PolicyParams | None = None
    try:
        params = load_params(snapshot.params_path)
        data_label = "data.file"
        record.update(
            policy_name=params.policy.name, language=params.language,
            estimator=(params.design.estimator if params.design
                       else "programme follow-up" if params.programme else "indicator tracking"),
            outcome_label=(params.design.outcome_label or params.design.outcome)
            if params.design else "",
            confidence_level=params.inference.confidence_level,
            data_file=masker.path(snapshot.originals.get(data_label, params.data_path)),
            data_sha256=snapshot.digests.get(data_label))
        languages = _languages(params)
        suffixes = version_suffixes(languages)
        versions: list[_Version] = []
        for i, (language, suffix) in enumerate(zip(languages, suffixes, strict=True)):
            current = params if len(languages) == 1 else _params_in(snapshot.params_path,
                                                                    language)
            # each language in a fresh kernel: the first uses the one started for the run
            nb = _execute(current, notebook or current.notebook_path or snapshot.notebook,
                          timeout, work, kernel if i == 0 else None)
            changed = snapshot.changed_since()
            if changed:
                raise _Failure(ReportError(policy_id, (
                    f"{', '.join(changed)} changed while the report was being produced (the "
                    "params file names it by an absolute path, so the run read it in place): "
                    "run the policy again")))
            nb.metadata["evalkit"] = {key: record[key] for key in (
                "policy_id", "params_file", "data_file", "data_sha256", "evalkit_version",
                "run_date", "fingerprint")}
            footer = report_footer(current.title, current.language, run_date=run_date,
                                   params_name=params_file.name,
                                   data_name=current.data_path.name,
                                   data_sha256=record["data_sha256"] or "",
                                   fingerprint=record["fingerprint"])
            try:
                from evalkit.reports.run.export import notebook_to_html

                page = masker.text(notebook_to_html(
                    nb, title=current.title, language=current.language, footer=footer,
                    languages=_switch(policy_id, languages, suffixes, i)))
            except Exception as exc:  # nbconvert failed on this notebook
                raise _Failure(ReportError(policy_id, f"HTML export failed: "
                                                      f"{type(exc).__name__}: {exc}"),
                               nb) from None
            versions.append(_Version(language, suffix, nb, page, find_headline(nb)))
        headline = versions[0].headline
        try:
            outputs, notices = render_outputs(
                policy_id, [(v.language, v.suffix, v.notebook, v.page) for v in versions],
                params.report.formats, work, template=_docx_template(params))
        except ReportError as exc:
            raise _Failure(exc, versions[-1].notebook) from None
    except ParamsError as exc:
        return _fail(record, files, previous, out, started, exc, policy_name=None,
                     keep_notebook=keep_notebook, masker=masker)
    except _Failure as failure:
        return _fail(record, files, previous, out, started, failure.error,
                     policy_name=params.policy.name if params else None,
                     notebook=failure.notebook, traceback=failure.traceback,
                     keep_notebook=keep_notebook, language=params.language if params else "en",
                     template=notebook or params.notebook_path if params else notebook,
                     reason=failure.reason, masker=masker)
    except Exception as exc:  # e.g. the data file vanished between checks
        import traceback

        details = None if isinstance(exc, EvalkitError) else traceback.format_exc()
        return _fail(record, files, previous, out, started,
                     ReportError(policy_id, f"{type(exc).__name__}: {exc}"),
                     policy_name=params.policy.name if params else None, traceback=details,
                     keep_notebook=keep_notebook, masker=masker)

    written: dict[str, dict[str, str | None]] = {v.language: {} for v in versions}
    try:
        for v in versions:
            name = output_name(policy_id, "notebook", v.suffix)
            if keep_notebook:
                write_atomic(out / name, _notebook_text(v.notebook, out / name, masker))
            written[v.language]["notebook"] = name if keep_notebook else None
        for v in versions:
            for kind in ("docx", "pdf", "report_pdf"):
                name = output_name(policy_id, kind, v.suffix)
                if name in outputs:
                    write_atomic(out / name, outputs[name])
                written[v.language][kind] = name if name in outputs else None
        for v in versions:
            name = output_name(policy_id, "html", v.suffix)
            write_atomic(out / name, v.page)
            written[v.language]["html"] = name
    except OSError as exc:  # the output folder's disk filled up, or turned read-only
        return _fail(record, files, previous, out, started,
                     ReportError(policy_id, f"the report could not be written: "
                                            f"{os_error_text(exc)}"),
                     policy_name=params.policy.name, keep_notebook=False, masker=masker)
    kept = {name for names in written.values() for name in names.values() if name}
    for stale in stale_outputs(out, policy_id, kept):
        remove_quietly(stale)
    duration = time.monotonic() - started
    first = written[versions[0].language]
    record.update(status="ok", headline=headline, duration_seconds=round(duration, 3),
                  languages=list(languages),
                  versions=[{"language": v.language, "files": written[v.language],
                             "headline": v.headline} for v in versions],
                  notices=[notice.to_dict() for notice in notices])
    record["files"].update({key: first.get(key) for key in ("html", "notebook", "docx",
                                                            "pdf", "report_pdf")})
    write_record(record_file(out, policy_id), record)
    remove_quietly(files["error_page"])
    remove_quietly(files["error_notebook"])
    return PolicyRun(policy_id=policy_id, status="ok", html_path=files["html"],
                     notebook_path=files["notebook"] if keep_notebook else None, error=None,
                     duration=duration, headline=headline, error_page=None,
                     record_path=record_file(out, policy_id), policy_name=params.policy.name,
                     fingerprint=record["fingerprint"], outputs=tuple(sorted(kept)),
                     notices=tuple(notice.message for notice in notices))


@dataclass(frozen=True)
class _Version:
    """One language's run: its notebook, report page and headline (internal)."""

    language: str
    suffix: str | None
    notebook: Any
    page: str
    headline: dict[str, Any] | None


def _languages(params: PolicyParams) -> list[str]:
    """The report's languages, in order: ``params.languages`` where the params have several."""
    languages = getattr(params, "languages", None) or (params.language,)
    return [str(language) for language in languages]


def _params_in(params_copy: Path, language: str) -> PolicyParams:
    """The run's copy of the params file rewritten for one language, and loaded.

    The notebook reads the params file it is given: each language's run gets the same
    file with ``language`` set to that language alone.
    """
    import yaml

    from evalkit._yaml import read_params_yaml

    raw, _ = read_params_yaml(params_copy)
    raw = dict(raw) if isinstance(raw, dict) else {}
    raw["language"] = language
    write_atomic(params_copy, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    return load_params(params_copy)


def _docx_template(params: PolicyParams) -> Path | None:
    """``report.docx_template`` as an absolute path (in the run's copies), if given."""
    if params.report.docx_template is None:
        return None
    return resolve_data_path(params.report.docx_template, params.params_path)


def _switch(policy_id: str, languages: list[str], suffixes: list[str | None],
            current: int) -> list[dict[str, Any]]:
    """The language switch of version ``current``'s page (none for a single language)."""
    if len(languages) < 2:
        return []
    return [{"language": language, "label": language_label(language, languages),
             "href": output_name(policy_id, "html", suffix), "current": i == current}
            for i, (language, suffix) in enumerate(zip(languages, suffixes, strict=True))]


def _start_record(
    params_path: str | Path, output_dir: str | Path, masker: PathMasker, *,
    fingerprint: str | None,
) -> tuple[Path, str, Path, dict[str, Path], dict[str, Any]]:
    """The params file, policy id, output folder, file names and a new (failed) record."""
    from evalkit._version import __version__

    params_file = Path(params_path).expanduser().resolve()
    policy_id = params_file.stem
    out = Path(output_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    files = {kind: out / f"{policy_id}{suffix}" for kind, suffix in (
        ("html", ".html"), ("notebook", ".ipynb"), ("error_page", ".error.html"),
        ("error_notebook", ".error.ipynb"))}
    record: dict[str, Any] = {
        "policy_id": policy_id, "policy_name": None, "language": None, "status": "failed",
        "run_date": datetime.now(UTC).isoformat(timespec="seconds"), "duration_seconds": None,
        "estimator": None, "outcome_label": None, "confidence_level": None, "headline": None,
        "params_file": masker.path(params_file), "data_file": None, "data_sha256": None,
        "evalkit_version": __version__, "fingerprint": fingerprint,
        "files": {"html": None, "notebook": None, "error_page": None, "docx": None,
                  "pdf": None, "report_pdf": None},
        "languages": None, "versions": None, "notices": [],
        "error": None, "last_success": None,
    }
    return params_file, policy_id, out, files, record


def record_failure(
    params_path: str | Path,
    output_dir: str | Path,
    reason: str,
    *,
    duration: float,
    partial_notebook: str | Path | None = None,
    keep_notebook: bool = True,
) -> PolicyRun:
    """Record a run that was stopped from outside (time limit, process killed).

    Writes ``<policy>.error.html`` and the run record, exactly as a run that
    failed by itself would, and keeps ``<policy>.error.ipynb`` from the notebook
    saved so far (``partial_notebook``) when there is one. The previous good
    report stays in place.

    Parameters
    ----------
    params_path
        The policy's params file.
    output_dir
        The folder of reports.
    reason
        Why the run failed, in plain words.
    duration
        How long the run lasted, in seconds.
    partial_notebook
        The executed notebook as far as it got, if it was saved.
    keep_notebook
        Keep that notebook as ``<policy>.error.ipynb`` (default true).
    """
    from evalkit.reports.run.fingerprint import policy_fingerprint, snapshot_origin

    started = time.monotonic() - duration
    work = Path(partial_notebook).parent if partial_notebook is not None else None
    origin = snapshot_origin(work / _INPUTS) if work is not None else None
    masker = PathMasker(project_root(params_path), work=work,
                        snapshot=(work / _INPUTS, origin) if work and origin else None)
    try:
        fingerprint: str | None = policy_fingerprint(params_path)
    except Exception:  # noqa: BLE001 - informative only: a failed run is never skipped
        fingerprint = None
    params_file, policy_id, out, files, record = _start_record(params_path, output_dir, masker,
                                                               fingerprint=fingerprint)
    previous = read_record(record_file(out, policy_id))
    params: PolicyParams | None = None
    with contextlib.suppress(Exception):
        params = load_params(params_file)
        record.update(policy_name=params.policy.name, language=params.language,
                      data_file=masker.path(params.data_path))
    partial = cell = source = None
    if partial_notebook is not None:
        partial, cell, source = _partial_run(Path(partial_notebook))
    return _fail(record, files, previous, out, started,
                 ReportError(policy_id, reason, cell=cell, source=source),
                 policy_name=params.policy.name if params else None, notebook=partial,
                 keep_notebook=keep_notebook, language=params.language if params else "en",
                 template=params.notebook_path if params else None, reason=reason,
                 masker=masker)


def _fail(
    record: dict[str, Any],
    files: dict[str, Path],
    previous: dict[str, Any] | None,
    out: Path,
    started: float,
    error: EvalkitError,
    *,
    policy_name: str | None,
    notebook: Any = None,
    traceback: str | None = None,
    keep_notebook: bool = True,
    language: str = "en",
    template: str | Path | None = None,
    reason: str | None = None,
    masker: PathMasker,
) -> PolicyRun:
    """Record a failed run: error page, error notebook and run record, paths masked.

    When even these cannot be written (a full disk, a read-only folder), the run is
    still returned as failed, its message saying so.
    """
    policy_id = record["policy_id"]
    message = masker.text(str(error))
    try:
        notebook_path = _write_failure(record, files, previous, out, error, masker, started,
                                       policy_name=policy_name, notebook=notebook,
                                       traceback=traceback, keep_notebook=keep_notebook,
                                       language=language, template=template, reason=reason)
    except OSError as exc:
        message += f" (its error page could not be written either: {os_error_text(exc)})"
        notebook_path = None
    return PolicyRun(policy_id=policy_id, status="failed", html_path=None,
                     notebook_path=notebook_path, error=message,
                     duration=time.monotonic() - started, headline=None,
                     error_page=files["error_page"] if files["error_page"].is_file() else None,
                     record_path=record_file(out, policy_id), policy_name=policy_name,
                     fingerprint=record.get("fingerprint"))


def _write_failure(record: dict[str, Any], files: dict[str, Path],
                   previous: dict[str, Any] | None, out: Path, error: EvalkitError,
                   masker: PathMasker, started: float, *, policy_name: str | None,
                   notebook: Any,
                   traceback: str | None, keep_notebook: bool, language: str,
                   template: str | Path | None, reason: str | None) -> Path | None:
    from evalkit.reports.run.pages import error_page

    notebook_path = None
    if notebook is not None and keep_notebook:
        notebook_path = write_atomic(files["error_notebook"],
                                     _notebook_text(notebook, files["error_notebook"], masker))
    else:
        remove_quietly(files["error_notebook"])
    kept = last_success(previous, out)
    if kept is None and files["html"].is_file():  # a report from a run without a record
        stamp = datetime.fromtimestamp(files["html"].stat().st_mtime, UTC)
        kept = {"run_date": stamp.isoformat(timespec="seconds"), "headline": None,
                "html": files["html"].name,
                "notebook": files["notebook"].name if files["notebook"].is_file() else None}
    cell = getattr(error, "cell", None)
    source = getattr(error, "source", None)
    try:
        template_name = Path(template).name if template else template_notebook().name
    except FileNotFoundError:
        template_name = None
    page = error_page(
        policy_id=record["policy_id"], policy_name=policy_name,
        message=masker.text(reason or error.message),
        params_file=Path(record["params_file"]),
        run_date=record["run_date"].replace("T", " ").replace("+00:00", " UTC"), cell=cell,
        source=source, problems=tuple(masker.text(p) for p in error.problems),
        traceback=masker.text(traceback) if traceback else None,
        notebook_name=notebook_path.name if notebook_path else None,
        previous_report=kept["html"] if kept else None, template=template_name,
        language=language)
    write_atomic(files["error_page"], masker.text(page))
    record.update(status="failed", duration_seconds=round(time.monotonic() - started, 3),
                  last_success=kept,
                  error={"message": masker.text(str(error)), "cell": cell, "source": source})
    record["files"].update(error_page=files["error_page"].name,
                           notebook=notebook_path.name if notebook_path else None)
    write_record(record_file(out, record["policy_id"]), record)
    return notebook_path


def report_footer(title: str, language: str, *, run_date: str, params_name: str,
                  data_name: str, data_sha256: str, fingerprint: str | None) -> str:
    """The footer of a report page, in its language: what produced it, when, from what."""
    from evalkit._version import __version__
    from evalkit.reports.messages.catalogue import text

    stamp = run_date.replace("T", " ")[:16] + " UTC"
    footer = text("footer_report", language, title=title, version=__version__, date=stamp,
                  params=params_name, data=data_name, sha256=data_sha256[:16])
    if fingerprint:
        footer += " " + text("footer_fingerprint", language, fingerprint=fingerprint)
    return footer
