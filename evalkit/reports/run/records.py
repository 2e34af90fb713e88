"""The run record ``reports/<policy>.json`` written after every policy run.

The index page is built from these records, so it stays complete when a single
policy is re-run. A record holds::

    {
      "kind": "evalkit.policy_run", "version": 1,
      "policy_id": "minimum_wage", "policy_name": "...", "language": "en",
      "status": "ok" | "failed", "run_date": "2025-03-01T10:22:03+00:00",
      "duration_seconds": 12.3,
      "estimator": "event_study", "outcome_label": "...", "confidence_level": 0.95,
      "headline": {"label", "estimate", "conf_low", "conf_high", "p_value", "text", ...} | null,
      "params_file": "/abs/params/minimum_wage.yaml", "data_file": "/abs/data/mpdta.csv",
      "data_sha256": "...", "evalkit_version": "0.1.0", "fingerprint": "..." | null,
      "files": {"html": "minimum_wage.html" | null, "notebook": "... .ipynb" | null,
                "error_page": "minimum_wage.error.html" | null,
                "docx": "minimum_wage.docx" | null, "pdf": "minimum_wage.pdf" | null,
                "report_pdf": "minimum_wage.report.pdf" | null},
      "languages": ["fr", "nl"] | null,
      "versions": [{"language": "fr", "headline": {...} | null,
                    "files": {"html", "notebook", "docx", "pdf", "report_pdf"}}, ...] | null,
      "notices": [{"code": "no_browser", "message": "...", "values": {...}}, ...],
      "error": {"message", "cell", "source"} | null,
      "last_success": {"run_date", "headline", "html", "notebook", "versions"} | null
    }

One record per policy, whatever its number of languages: ``files`` and ``headline``
are those of the report's language (the first), and ``versions`` lists every
language's files (``<policy>.html``, ``<policy>.nl.html`` ...) in order. ``notices``
says what a successful run could not do as asked (see
:class:`~evalkit.reports.run.deliverables.Notice`).

``last_success`` is set on a failed run when the previous good report is still
in place: a failure never removes it, nor the previous notes and PDFs
(``last_success.versions``), which the index offers as previous files, never as
current ones.

A record is checked when it is read (:func:`check_record`): ``kind``, ``version``,
``policy_id`` (the file's name) and ``status`` are required, and every other key
listed above, when present, has the type shown (or is null); file names are names
of files in the same folder. A JSON file in the folder that is not such a record (an
older version, another tool's file, a list, a record with keys missing or of the
wrong type, a file that is not JSON) is skipped by :func:`read_records` with a
:class:`RecordWarning` naming it, so that one odd file never stops the index page.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from evalkit._schema_errors import short_repr
from evalkit.reports.run._files import write_atomic

__all__ = ["RECORD_KIND", "RECORD_VERSION", "MAX_RECORD_BYTES", "RecordWarning",
           "SkippedRecord", "RecordScan", "record_file", "write_record", "check_record",
           "read_record", "scan_records", "read_records", "warn_skipped", "report_skipped",
           "last_success"]

RECORD_KIND = "evalkit.policy_run"
RECORD_VERSION = 1
#: The largest record read, in bytes. A record is a few KB (an error message at most).
MAX_RECORD_BYTES = 10_000_000

_TEXT_KEYS = ("policy_name", "language", "run_date", "estimator", "outcome_label",
              "params_file", "data_file", "data_sha256", "evalkit_version", "fingerprint")
_NUMBER_KEYS = ("duration_seconds", "confidence_level")
_HEADLINE_NUMBERS = ("estimate", "conf_low", "conf_high", "p_value", "std_error",
                     "confidence_level")
_HEADLINE_TEXTS = ("label", "text", "outcome", "language", "run_date", "data_sha256",
                   "evalkit_version", "data_read", "figure")
_FILE_KEYS = ("html", "notebook", "error_page", "docx", "pdf", "report_pdf")
_VERSION_FILE_KEYS = ("html", "notebook", "docx", "pdf", "report_pdf")


class RecordWarning(UserWarning):
    """A JSON file in the reports folder is not a run record this evalkit can read.

    Attributes
    ----------
    path
        The file skipped.
    reason
        Why, in plain words.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: skipped, not a run record this evalkit can read: "
                         f"{reason}")


@dataclass(frozen=True)
class SkippedRecord:
    """A JSON file of the reports folder left out of the index, and why.

    Attributes
    ----------
    path
        The file skipped.
    reason
        Why, in plain words (e.g. ``"'status' must be 'ok' or 'failed'; got 'done'"``).
    """

    path: Path
    reason: str

    @property
    def message(self) -> str:
        """One line naming the file and the reason, for a terminal or a log."""
        return (f"{self.path}: skipped, not a run record this evalkit can read: "
                f"{self.reason}")

    def __str__(self) -> str:
        return self.message


class RecordScan(NamedTuple):
    """The run records of a folder and the JSON files skipped (see :func:`scan_records`)."""

    records: list[dict[str, Any]]
    skipped: list[SkippedRecord]


def record_file(output_dir: str | Path, policy_id: str) -> Path:
    """Where the record of a policy lives."""
    return Path(output_dir) / f"{policy_id}.json"


def write_record(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a record atomically, as indented JSON."""
    full = {"kind": RECORD_KIND, "version": RECORD_VERSION, **record}
    return write_atomic(path, json.dumps(full, indent=2, ensure_ascii=False, allow_nan=False)
                        + "\n")


# --------------------------------------------------------------------------- shape


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, float) or (isinstance(value, int) and value.bit_length() < 1000)


def _got(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return short_repr(value, 40)


def _text_problems(part: Mapping[str, Any], keys: tuple[str, ...], where: str) -> list[str]:
    return [f"'{where}{key}' must be text or null; got {_got(part[key])}"
            for key in keys if part.get(key) is not None and not isinstance(part[key], str)]


def _number_problems(part: Mapping[str, Any], keys: tuple[str, ...], where: str) -> list[str]:
    return [f"'{where}{key}' must be a number or null; got {_got(part[key])}"
            for key in keys if part.get(key) is not None and not _is_number(part[key])]


def _file_problems(part: Mapping[str, Any], keys: tuple[str, ...], where: str) -> list[str]:
    problems = []
    for key in keys:
        name = part.get(key)
        if name is None:
            continue
        if not isinstance(name, str) or not name or name in (".", "..") \
                or any(c in name for c in "/\\\0"):
            problems.append(f"'{where}{key}' must be the name of a file in the reports folder "
                            f"or null; got {_got(name)}")
    return problems


def _mapping_or_null(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` if it is a mapping, else an empty one (its problem is reported apart)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _headline_problems(headline: Any, where: str) -> list[str]:
    if headline is None:
        return []
    if not isinstance(headline, dict):
        return [f"'{where}' must be a mapping or null; got {_got(headline)}"]
    problems = _number_problems(headline, _HEADLINE_NUMBERS, f"{where}.")
    problems += _text_problems(headline, _HEADLINE_TEXTS, f"{where}.")
    for key in ("indicators", "alerts"):
        items = headline.get(key)
        if items is not None and not (isinstance(items, list) and all(
                isinstance(item, dict) and all(isinstance(v, str | None) for v in item.values())
                for item in items)):
            problems.append(f"'{where}.{key}' must be a list of mappings of text or null; "
                            f"got {_got(items)}")
    return problems


def check_record(data: Any, file_name: str | None = None) -> list[str]:
    """Every way ``data`` (a parsed JSON file) differs from a run record this evalkit reads.

    Parameters
    ----------
    data
        The parsed content of a ``<policy>.json`` file.
    file_name
        The file's name: a record's ``policy_id`` must be its stem.

    Returns
    -------
    list of str
        The problems, each naming the key at fault, what was expected and what was
        found; empty for a valid record.
    """
    if not isinstance(data, dict):
        kinds = {list: "a list", str: "text", bool: "true or false", type(None): "null"}
        found = kinds.get(type(data), "a number")
        return [f"the file holds {found}, not a run record (a mapping with 'kind': "
                f"{RECORD_KIND!r})"]
    kind = data.get("kind")
    if kind != RECORD_KIND:
        found = "has no 'kind'" if "kind" not in data else f"its 'kind' is {_got(kind)}"
        return [f"{found} (expected {RECORD_KIND!r}): another tool's file?"]
    version = data.get("version")
    if version != RECORD_VERSION or isinstance(version, bool):
        if _is_number(version) and version < RECORD_VERSION:
            return [f"written by an older evalkit (record version {version}; this evalkit "
                    f"reads version {RECORD_VERSION}): run the policy again to replace it"]
        if _is_number(version):
            return [f"written by a newer evalkit (record version {version}; this evalkit "
                    f"reads version {RECORD_VERSION}): update evalkit, or run the policy "
                    f"again to replace it"]
        return [f"'version' must be {RECORD_VERSION}; got {_got(version)}"]
    problems = []
    policy_id = data.get("policy_id")
    if not isinstance(policy_id, str) or not policy_id:
        problems.append(f"'policy_id' must be the policy's name (text); got {_got(policy_id)}")
    elif file_name is not None and Path(file_name).stem != policy_id:
        problems.append(f"'policy_id' must be the file's name without .json "
                        f"({Path(file_name).stem!r}); got {_got(policy_id)}")
    if data.get("status") not in ("ok", "failed"):
        problems.append(f"'status' must be 'ok' or 'failed'; got {_got(data.get('status'))}")
    problems += _text_problems(data, _TEXT_KEYS, "")
    problems += _number_problems(data, _NUMBER_KEYS, "")
    problems += _headline_problems(data.get("headline"), "headline")
    for key in ("files", "error", "last_success"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            problems.append(f"'{key}' must be a mapping or null; got {_got(data[key])}")
    problems += _file_problems(_mapping_or_null(data, "files"), _FILE_KEYS, "files.")
    error = _mapping_or_null(data, "error")
    problems += _text_problems(error, ("message", "source"), "error.")
    if error.get("cell") is not None and (isinstance(error["cell"], bool)
                                          or not isinstance(error["cell"], int)):
        problems.append(f"'error.cell' must be an integer or null; got {_got(error['cell'])}")
    kept = _mapping_or_null(data, "last_success")
    problems += _text_problems(kept, ("run_date",), "last_success.")
    problems += _file_problems(kept, ("html", "notebook"), "last_success.")
    problems += _headline_problems(kept.get("headline"), "last_success.headline")
    problems += _versions_problems(data.get("versions"), "versions")
    problems += _versions_problems(kept.get("versions"), "last_success.versions")
    languages = data.get("languages")
    if languages is not None and not (isinstance(languages, list)
                                      and all(isinstance(x, str) for x in languages)):
        problems.append(f"'languages' must be a list of text or null; got {_got(languages)}")
    notices = data.get("notices")
    if notices is not None and not (isinstance(notices, list) and all(
            isinstance(n, dict) and isinstance(n.get("code"), str)
            and isinstance(n.get("message"), str)
            and isinstance(n.get("values", {}), dict)
            and all(isinstance(v, str) for v in n.get("values", {}).values())
            for n in notices)):
        problems.append("'notices' must be a list of mappings with text 'code' and "
                        f"'message' and text 'values', or null; got {_got(notices)}")
    return problems


def _versions_problems(versions: Any, where: str) -> list[str]:
    if versions is None:
        return []
    if not isinstance(versions, list) or not all(isinstance(v, dict) for v in versions):
        return [f"'{where}' must be a list of mappings or null; got {_got(versions)}"]
    problems = []
    for i, version in enumerate(versions):
        at = f"{where}[{i}]"
        if not isinstance(version.get("language"), str):
            problems.append(f"'{at}.language' must be text; got {_got(version.get('language'))}")
        problems += _headline_problems(version.get("headline"), f"{at}.headline")
        files = version.get("files")
        if not isinstance(files, dict):
            problems.append(f"'{at}.files' must be a mapping; got {_got(files)}")
        else:
            problems += _file_problems(files, _VERSION_FILE_KEYS, f"{at}.files.")
    return problems


# --------------------------------------------------------------------------- reading


def _load(path: Path) -> dict[str, Any] | SkippedRecord | None:
    """The record in ``path``, why it is skipped, or ``None`` if there is no such file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        return SkippedRecord(path, f"it cannot be read ({exc.strerror or exc})")
    if size > MAX_RECORD_BYTES:
        return SkippedRecord(path, f"it is {size:,} bytes; a run record is a few KB (at most "
                                   f"{MAX_RECORD_BYTES:,} bytes are read)")
    try:
        with path.open("rb") as stream:
            data = json.loads(stream.read(MAX_RECORD_BYTES + 1).decode("utf-8"))
    except FileNotFoundError:  # removed meanwhile
        return None
    except OSError as exc:
        return SkippedRecord(path, f"it cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        return SkippedRecord(path, "it is not UTF-8 text")
    except ValueError as exc:
        return SkippedRecord(path, f"it is not valid JSON ({exc})")
    except RecursionError:
        return SkippedRecord(path, "it is not a run record (its JSON is nested too deeply)")
    problems = check_record(data, path.name)
    if problems:
        shown = "; ".join(problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return SkippedRecord(path, shown + more)
    return data


def read_record(path: str | Path) -> dict[str, Any] | None:
    """A record, or ``None`` if the file is missing, unreadable or not a valid run record.

    A file that is not a valid record (see :func:`check_record`) reads as no record,
    silently: a run then replaces it. :func:`read_records` reports such files.
    """
    found = _load(Path(path))
    return found if isinstance(found, dict) else None


def scan_records(output_dir: str | Path) -> RecordScan:
    """Every valid run record in a folder, sorted by policy identifier, and the files skipped.

    Parameters
    ----------
    output_dir
        The reports folder (a missing folder has no records).

    Returns
    -------
    RecordScan
        ``records``, and ``skipped``: each ``*.json`` file that is not a valid record,
        with the reason (see :func:`check_record`). Nothing is warned about.
    """
    folder = Path(output_dir)
    records: list[dict[str, Any]] = []
    skipped: list[SkippedRecord] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        found = _load(path)
        if isinstance(found, SkippedRecord):
            skipped.append(found)
        elif found is not None:
            records.append(found)
    records.sort(key=lambda r: str(r.get("policy_id")))
    return RecordScan(records, skipped)


def warn_skipped(skipped: SkippedRecord, *, stacklevel: int = 2) -> None:
    """Issue the :class:`RecordWarning` of a skipped file."""
    warnings.warn(RecordWarning(skipped.path, skipped.reason), stacklevel=stacklevel + 1)


def report_skipped(skipped: Sequence[SkippedRecord],
                   on_skip: Callable[[SkippedRecord], object] | None, *,
                   stacklevel: int = 2) -> None:
    """Pass each skipped file to ``on_skip``, or issue its :class:`RecordWarning`.

    ``stacklevel`` counts from the caller of this function (2: its caller's caller),
    so that the warning points at the user's line.
    """
    for item in skipped:
        if on_skip is not None:
            on_skip(item)
        else:
            warn_skipped(item, stacklevel=stacklevel + 1)


def read_records(
    output_dir: str | Path,
    *,
    on_skip: Callable[[SkippedRecord], object] | None = None,
) -> list[dict[str, Any]]:
    """Every valid run record in a folder, sorted by policy identifier.

    A ``*.json`` file that is not a valid record is skipped (see :func:`check_record`).

    Parameters
    ----------
    output_dir
        The reports folder.
    on_skip
        Called with each file skipped (a :class:`SkippedRecord`), e.g. to print
        ``str(skipped)``. Without it, each is issued as a :class:`RecordWarning`
        through :mod:`warnings`.

    Returns
    -------
    list of dict
        The records.
    """
    records, skipped = scan_records(output_dir)
    report_skipped(skipped, on_skip, stacklevel=2)
    return records


def last_success(previous: dict[str, Any] | None, output_dir: Path) -> dict[str, Any] | None:
    """The last good report described by the previous record, if its page still exists."""
    if previous is None:
        return None
    if previous.get("status") == "ok":
        files = previous.get("files") or {}
        found = {"run_date": previous.get("run_date"), "headline": previous.get("headline"),
                 "html": files.get("html"), "notebook": files.get("notebook"),
                 "versions": previous.get("versions")}
    else:
        found = previous.get("last_success")
    if not isinstance(found, dict) or not found.get("html"):
        return None
    if not (output_dir / str(found["html"])).is_file():
        return None
    return found
