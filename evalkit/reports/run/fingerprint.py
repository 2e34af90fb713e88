"""The fingerprint of a policy run: what its report depends on, hashed.

A report is a function of four inputs: the params file, the files it refers to
(``data.file``, ``indicators.definitions`` and ``report.docx_template``), the report
notebook (the packaged template, or ``report.notebook``) and the evalkit version. The
fingerprint is the SHA-256 of all of them. It is stored in the run record
``<policy>.json``, in the executed notebook's metadata and in the report's
footer; ``evalkit run-all`` skips a policy whose fingerprint matches the one
recorded by its last successful run.

Computing it only reads and hashes files: nothing heavy is imported (no pandas,
no Jupyter), so that checking twenty up-to-date policies takes a fraction of a
second.

A run fingerprints the bytes it actually uses: :func:`take_snapshot` reads each input
once, hashing the bytes as it copies them into the run's work folder, and the run then
reads only the copies. Editing a params or data file while its report is produced
therefore changes neither the report nor its recorded fingerprint: the report is
that of the files as they were when the run started, and the next ``run-all`` sees
the new fingerprint and runs the policy again. The copies keep the files' relative
layout (the snapshot mirrors the smallest folder holding them all), so that the paths
a params file gives relative to itself lead to the copies; a file the params file
names by an absolute path is read where it is, and checked again at the end of the
run (:attr:`Snapshot.unmirrored`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["policy_fingerprint", "fingerprint_inputs", "take_snapshot", "Snapshot",
           "snapshot_origin"]

_SCHEME = b"evalkit.fingerprint/1"
_ORIGIN = ".mirrored"  # in a snapshot folder: the original folder it mirrors
_CHUNK = 1 << 20


def fingerprint_inputs(params_path: str | Path, *, read_from: str | Path | None = None,
                       nested: bool = True) -> list[tuple[str, Path]]:
    """The files a policy's report depends on, labelled, in a fixed order.

    Parameters
    ----------
    params_path
        The policy's params file.

    Returns
    -------
    list of (str, Path)
        ``("params", ...)``, then ``("data.file", ...)`` and
        ``("indicators.definitions", ...)``, ``("report.docx_template", ...)``, the
        files of a programme's follow-up (``programme.calls.file``,
        ``programme.calls.payments.file``, ``programme.cost.evaluation``, then the
        linked evaluation's own files labelled ``programme.cost.evaluation:data.file``
        ...), a user's boundary file (``maps.boundaries``, with a Shapefile's ``.shx``,
        ``.dbf``, ``.prj`` and ``.cpg`` as ``maps.boundaries.dbf`` ...) when the file
        names them, then ``("notebook", ...)``. Relative paths start
        at the params file's folder.
        A file that cannot be found is still listed (its absence is hashed).
    read_from
        A copy of the params file to read the references from (the same bytes),
        instead of ``params_path`` itself.
    nested
        Whether to list the files of a linked evaluation too (it links no further).
    """
    from evalkit._yaml import read_params_yaml
    from evalkit.reports.params.checks import resolve_data_path

    params_file = Path(params_path).expanduser().resolve()
    inputs: list[tuple[str, Path]] = [("params", params_file)]
    try:
        raw, _ = read_params_yaml(read_from if read_from is not None else params_file)
    except Exception:  # unreadable: the params bytes alone decide
        raw = {}
    raw = raw if isinstance(raw, dict) else {}

    def text(section: str, key: str) -> str | None:
        part: Any = raw.get(section)
        value = part.get(key) if isinstance(part, dict) else None
        return value if isinstance(value, str) and value else None

    for label, value in _file_references(raw).items():
        if label == "maps.boundaries":
            inputs += _boundary_files(resolve_data_path(value, params_file))
        elif label != "notebook":
            path = resolve_data_path(value, params_file)
            if path.is_dir():  # a folder of Parquet files: each file, in name order
                inputs += [(f"{label}/{file.relative_to(path).as_posix()}", file)
                           for file in sorted(path.rglob("*")) if file.is_file()]
            else:
                inputs.append((label, path))
    evaluation = _file_references(raw).get(_EVALUATION)
    if evaluation is not None and nested:
        linked = resolve_data_path(evaluation, params_file)
        if linked != params_file:
            # the linked evaluation's own files (its data, definitions ...), not its notebook
            inputs += [(f"{_EVALUATION}:{label}", path)
                       for label, path in fingerprint_inputs(linked, nested=False)
                       if label not in ("params", "notebook")]
    notebook = text("report", "notebook")
    if notebook is not None:
        inputs.append(("notebook", resolve_data_path(notebook, params_file)))
    else:
        from evalkit.reports.run.execute import template_notebook

        name = ("evaluation.ipynb" if raw.get("design") is not None
                else "programme.ipynb" if raw.get("programme") is not None
                else "tracking.ipynb")
        try:
            inputs.append(("notebook", template_notebook(name=name)))
        except FileNotFoundError:
            inputs.append(("notebook", Path(name)))
    return inputs


class _Fingerprint:
    """The running SHA-256 of labelled inputs (one scheme for checks and snapshots)."""

    def __init__(self) -> None:
        from evalkit._version import __version__

        self.digest = hashlib.sha256()
        self.digest.update(_SCHEME + b"\0evalkit " + __version__.encode() + b"\0")

    def add(self, label: str, chunks: Iterable[bytes] | None) -> str | None:
        """Add one input (``None``: missing); return the SHA-256 of its own bytes."""
        self.digest.update(label.encode() + b"\0")
        if chunks is None:
            self.digest.update(b"\0<missing>\0")
            return None
        own = hashlib.sha256()
        size = 0
        for chunk in chunks:
            self.digest.update(chunk)
            own.update(chunk)
            size += len(chunk)
        self.digest.update(b"\0" + str(size).encode() + b"\0")
        return own.hexdigest()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _chunks(handle: Any, copy: Any = None) -> Iterable[bytes]:
    while chunk := handle.read(_CHUNK):
        if copy is not None:
            copy.write(chunk)
        yield chunk


def policy_fingerprint(params_path: str | Path) -> str:
    """The SHA-256 (hexadecimal) of everything a policy's report depends on.

    The params file bytes, the bytes of every data file it refers to
    (``data.file``, ``indicators.definitions``), the report notebook's bytes and
    the evalkit version, each labelled, so that moving bytes from one input to
    another changes the result.

    Parameters
    ----------
    params_path
        The policy's params file.
    """
    fingerprint = _Fingerprint()
    for label, path in fingerprint_inputs(params_path):
        try:
            with open(path, "rb") as handle:
                fingerprint.add(label, _chunks(handle))
        except OSError:
            fingerprint.add(label, None)
    return fingerprint.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The copies of a policy's inputs a run reads, and their fingerprint.

    Attributes
    ----------
    root
        The folder holding the copies.
    mirrored
        The original folder the copies' layout mirrors.
    params_path
        The copy of the params file (the run loads it).
    notebook
        The copy of the report notebook.
    fingerprint
        The fingerprint of the copied bytes (as :func:`policy_fingerprint` of the
        originals, when they did not change).
    digests
        The SHA-256 of each input's own bytes, by label (``None``: missing).
    originals
        The original path of each input, by label.
    unmirrored
        The labels of inputs the params file names by an absolute path: the run reads
        the originals, so their digests are checked again after it.
    """

    root: Path
    mirrored: Path
    params_path: Path
    notebook: Path | None
    fingerprint: str
    digests: dict[str, str | None]
    originals: dict[str, Path]
    unmirrored: tuple[str, ...]

    def changed_since(self) -> list[str]:
        """The labels of unmirrored inputs whose bytes changed since the snapshot."""
        changed = []
        for label in self.unmirrored:
            try:
                with open(self.originals[label], "rb") as handle:
                    digest = _Fingerprint().add(label, _chunks(handle))
            except OSError:
                digest = None
            if digest != self.digests.get(label):
                changed.append(label)
        return changed


def _copy_hashing(fingerprint: _Fingerprint, label: str, source: Path,
                  target: Path) -> str | None:
    """Copy ``source`` to ``target`` hashing it; a source that cannot be read is missing.

    Raises
    ------
    OSError
        When the copy cannot be written (a full disk ...).
    """
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return fingerprint.add(label, None)
    with handle:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as copy:
            return fingerprint.add(label, _chunks(handle, copy))


def take_snapshot(params_path: str | Path, folder: str | Path) -> Snapshot:
    """Copy a policy's inputs into ``folder``, fingerprinting the bytes as they are read.

    Each input is read exactly once: its bytes are hashed and written to the copy in
    the same pass. See the module's description.

    Parameters
    ----------
    params_path
        The policy's params file.
    folder
        Where the copies go (created if needed; normally in the run's work folder).
    """
    params_file = Path(params_path).expanduser().resolve()
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    fingerprint = _Fingerprint()
    # the params file first, to a provisional place: its references are read from it
    provisional = root / f".{params_file.name}"
    digests: dict[str, str | None] = {
        "params": _copy_hashing(fingerprint, "params", params_file, provisional)}
    inputs = fingerprint_inputs(params_file, read_from=provisional if
                                provisional.is_file() else None)
    raw_references = _raw_references(provisional)
    packaged = {label for label, _ in inputs if label == "notebook"} - set(raw_references)
    mirrored_inputs = [(label, path) for label, path in inputs if label not in packaged]
    mirrored = Path(os.path.commonpath([str(path.parent) for _, path in mirrored_inputs]))
    params_copy = root / params_file.relative_to(mirrored)
    params_copy.parent.mkdir(parents=True, exist_ok=True)
    if provisional.is_file():
        os.replace(provisional, params_copy)
    (root / _ORIGIN).write_text(str(mirrored), encoding="utf-8")
    notebook_copy = None
    targets: dict[str, Path] = {}
    for label, path in inputs[1:]:
        raw = raw_references.get(label)
        if label in packaged:
            target = root / "_notebook" / path.name
        elif label.startswith("maps.boundaries.") and "maps.boundaries" in targets:
            target = targets["maps.boundaries"].with_suffix(path.suffix)  # beside the .shp
        elif raw is not None and not Path(raw).expanduser().is_absolute():
            # where the copy of the params file will look for it (symbolic links kept)
            target = Path(os.path.normpath(params_copy.parent / raw))
            if not target.is_relative_to(root):
                target = root / path.relative_to(mirrored)
        else:
            target = root / path.relative_to(mirrored)
        targets[label] = target
        digests[label] = _copy_hashing(fingerprint, label, path, target)
        if label == "notebook":
            notebook_copy = target if target.is_file() else None
    return Snapshot(
        root=root, mirrored=mirrored, params_path=params_copy, notebook=notebook_copy,
        fingerprint=fingerprint.hexdigest(), digests=digests,
        originals=dict(inputs), unmirrored=tuple(
            label for label, _ in inputs[1:] if _is_absolute(raw_references.get(
                label.split("/", 1)[0]))))


def _is_absolute(reference: str | None) -> bool:
    """Whether a file reference, as the params file writes it, is an absolute path (for a
    folder's files, the folder's reference)."""
    return reference is not None and Path(reference).expanduser().is_absolute()


def snapshot_origin(folder: str | Path) -> Path | None:
    """The original folder a snapshot folder mirrors, or ``None`` if it is not one."""
    try:
        return Path((Path(folder) / _ORIGIN).read_text(encoding="utf-8"))
    except OSError:
        return None


_EVALUATION = "programme.cost.evaluation"
#: The keys of a params file that name a file, with their labels.
_REFERENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("data", "file"), "data.file"),
    (("indicators", "definitions"), "indicators.definitions"),
    (("report", "docx_template"), "report.docx_template"),
    (("programme", "calls", "file"), "programme.calls.file"),
    (("programme", "calls", "payments", "file"), "programme.calls.payments.file"),
    (("programme", "cost", "evaluation"), _EVALUATION),
    (("maps", "boundaries"), "maps.boundaries"),
    (("report", "notebook"), "notebook"),
)
#: The files a Shapefile is read with, besides the ``.shp`` itself.
_SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg")


def _boundary_files(path: Path) -> list[tuple[str, Path]]:
    """A user's boundary file, with the files a Shapefile is read with (labelled
    ``maps.boundaries.dbf`` ...); none for shipped boundaries, named without extension."""
    from evalkit.reports.params.maps import BOUNDARY_SUFFIXES

    if path.suffix.lower() not in BOUNDARY_SUFFIXES:
        return []
    files = [("maps.boundaries", path)]
    if path.suffix.lower() == ".shp":
        upper = path.suffix == ".SHP"
        files += [(f"maps.boundaries{part}", path.with_suffix(part.upper() if upper else part))
                  for part in _SHAPEFILE_PARTS]
    return files


def _file_references(raw: Any) -> dict[str, str]:
    """The file references of a params mapping as written, by label, in a fixed order."""
    found = {}
    for keys, label in _REFERENCES:
        value: Any = raw
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            found[label] = value
    return found


def _raw_references(params_copy: Path) -> dict[str, str]:
    """The file references as written in the params file, by label."""
    from evalkit._yaml import read_params_yaml

    try:
        raw, _ = read_params_yaml(params_copy)
    except Exception:  # noqa: BLE001 - an unreadable params file refers to nothing
        return {}
    return _file_references(raw)
