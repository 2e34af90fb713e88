"""The fingerprint of a policy run: what its report depends on, hashed.

A report is a function of four inputs: the params file, the files it refers to
(``data.file`` and ``indicators.definitions``), the report notebook (the
packaged template, or ``report.notebook``) and the evalkit version. The
fingerprint is the SHA-256 of all of them. It is stored in the run record
``<policy>.json``, in the executed notebook's metadata and in the report's
footer; ``evalkit run-all`` skips a policy whose fingerprint matches the one
recorded by its last successful run.

Computing it only reads and hashes files: nothing heavy is imported (no pandas,
no Jupyter), so that checking twenty up-to-date policies takes a fraction of a
second.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

__all__ = ["policy_fingerprint", "fingerprint_inputs"]

_SCHEME = b"evalkit.fingerprint/1"
_CHUNK = 1 << 20


def fingerprint_inputs(params_path: str | Path) -> list[tuple[str, Path]]:
    """The files a policy's report depends on, labelled, in a fixed order.

    Parameters
    ----------
    params_path
        The policy's params file.

    Returns
    -------
    list of (str, Path)
        ``("params", ...)``, then ``("data.file", ...)`` and
        ``("indicators.definitions", ...)`` when the file names them, then
        ``("notebook", ...)``. Relative paths start at the params file's folder.
        A file that cannot be found is still listed (its absence is hashed).
    """
    from evalkit._yaml import read_params_yaml
    from evalkit.reports.params_checks import resolve_data_path

    params_file = Path(params_path).expanduser().resolve()
    inputs: list[tuple[str, Path]] = [("params", params_file)]
    try:
        raw, _ = read_params_yaml(params_file)
    except Exception:  # unreadable: the params bytes alone decide
        raw = {}
    raw = raw if isinstance(raw, dict) else {}

    def text(section: str, key: str) -> str | None:
        part: Any = raw.get(section)
        value = part.get(key) if isinstance(part, dict) else None
        return value if isinstance(value, str) and value else None

    for section, key in (("data", "file"), ("indicators", "definitions")):
        value = text(section, key)
        if value is not None:
            inputs.append((f"{section}.{key}", resolve_data_path(value, params_file)))
    notebook = text("report", "notebook")
    if notebook is not None:
        inputs.append(("notebook", resolve_data_path(notebook, params_file)))
    else:
        from evalkit.reports.execute import template_notebook

        name = "evaluation.ipynb" if raw.get("design") is not None else "tracking.ipynb"
        try:
            inputs.append(("notebook", template_notebook(name=name)))
        except FileNotFoundError:
            inputs.append(("notebook", Path(name)))
    return inputs


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
    from evalkit._version import __version__

    digest = hashlib.sha256()
    digest.update(_SCHEME + b"\0evalkit " + __version__.encode() + b"\0")
    for label, path in fingerprint_inputs(params_path):
        digest.update(label.encode() + b"\0")
        try:
            with open(path, "rb") as handle:
                size = 0
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            digest.update(b"\0" + str(size).encode() + b"\0")
        except OSError:
            digest.update(b"\0<missing>\0")
    return digest.hexdigest()
