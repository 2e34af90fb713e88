"""The ``evalkit`` command: check params files, run policy reports, rebuild the index.

Thin by design: it parses the command line and calls one function of
:mod:`evalkit.reports` per subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser"]

_FORMATTER = argparse.RawDescriptionHelpFormatter


def _version() -> str:
    from evalkit._version import __version__

    return __version__


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds; got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds; got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``evalkit`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="evalkit",
        formatter_class=_FORMATTER,
        description="Evaluate public policies: check params files, produce one HTML report "
                    "per policy and an index page.",
        epilog="examples:\n"
               "  evalkit validate params/            check every params file\n"
               "  evalkit run params/ -o reports      produce every report\n"
               "  evalkit run params/minimum_wage.yaml\n"
               "  evalkit run-all params/ --jobs 4      every report, 4 at a time, "
               "skipping those up to date\n"
               "  evalkit list                        each policy: last run, up to date?\n"
               "  evalkit index -o reports            rebuild reports/index.html\n\n"
               "Run 'evalkit COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate", formatter_class=_FORMATTER,
        help="check params files without running anything",
        description="Check policy params files completely without running anything: YAML "
                    "syntax, known keys and value types, what each estimator needs, that "
                    "the data file exists with every column named, and that its data fit the "
                    "design (numbers where numbers are needed, one row per unit and period, "
                    "a treatment that does not switch off, comparison units; the columns "
                    "used are read, nothing is estimated). Prints OK or every problem "
                    "found, per file.",
        epilog="examples:\n"
               "  evalkit validate params/minimum_wage.yaml\n"
               "  evalkit validate params/                 every *.yaml and *.yml in params/\n\n"
               "exit status: 0 if every file is valid, 1 otherwise.")
    validate.add_argument("params", nargs="+", metavar="PARAMS",
                          help="params files, or folders whose *.yaml/*.yml files are checked")

    run = commands.add_parser(
        "run", formatter_class=_FORMATTER,
        help="produce the HTML report of each policy, then the index page",
        description="For each policy: check its params file, execute the report notebook with "
                    "it, and write OUTPUT_DIR/<policy>.html (with the executed notebook "
                    "<policy>.ipynb and the run record <policy>.json). A failed policy does "
                    "not stop the others: its previous report is kept and "
                    "<policy>.error.html says what went wrong. Finally OUTPUT_DIR/index.html "
                    "is rewritten to list every report in the folder.",
        epilog="examples:\n"
               "  evalkit run params/                      every policy, into reports/\n"
               "  evalkit run params/minimum_wage.yaml -o /tmp/reports\n"
               "  evalkit run params/ --timeout 600        stop a cell after 10 minutes\n\n"
               "exit status: 0 if every report was produced, 1 if any failed.")
    run.add_argument("params", nargs="+", metavar="PARAMS",
                     help="params files, or folders whose *.yaml/*.yml files are run in name "
                          "order")
    run.add_argument("-o", "--output-dir", default="reports", metavar="DIR",
                     help="folder of the reports, created if needed (default: %(default)s)")
    run.add_argument("--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                     help="the longest any single notebook cell may run before the policy is "
                          "marked failed (default: no limit)")

    run_all = commands.add_parser(
        "run-all", formatter_class=_FORMATTER,
        help="produce every report that is out of date, several at once",
        description="Run every policy of PARAMS_DIR (or the params files given), at most JOBS "
                    "at a time, each in a process of its own with its own kernel and "
                    "temporary folder, then rewrite OUTPUT_DIR/index.html. A policy whose "
                    "report is up to date is skipped without starting anything: its "
                    "fingerprint (SHA-256 of the params file, the data and boundary files it "
                    "names, the report notebook and the evalkit version) equals the one "
                    "recorded by its last successful run, and the report is still there. A "
                    "policy that takes longer than --timeout is stopped and marked failed. "
                    "Progress goes to stderr; a summary table (policy, status, duration, "
                    "result) to stdout.",
        epilog="examples:\n"
               "  evalkit run-all                           params/ into reports/\n"
               "  evalkit run-all params/ -o reports --jobs 2 --timeout 600\n"
               "  evalkit run-all --force                   run every policy again\n"
               "  evalkit run-all --scheduler local         on a local Dask cluster\n"
               "  evalkit run-all --scheduler tcp://10.0.0.5:8786\n\n"
               "With --scheduler, each policy is a Dask task (needs the 'distributed' "
               "extra:\npip install 'evalkit[distributed]'); the task writes the report files "
               "into\nOUTPUT_DIR itself, so the Dask workers must see that folder at the same "
               "path.\n\n"
               "One run at a time writes to an output folder: a second one says which process "
               "holds\nit and stops (or waits, with --wait). Ctrl-C, SIGTERM or SIGHUP stop "
               "every running\npolicy (their previous reports are kept) and write the index "
               "with what finished.\n\n"
               "exit status: 0 if every report is produced or up to date, 1 if any failed or "
               "the\nrun could not start, 130 after Ctrl-C, 143 after SIGTERM, 129 after "
               "SIGHUP.")
    run_all.add_argument("params", nargs="*", default=["params"], metavar="PARAMS_DIR",
                         help="folders of *.yaml/*.yml params files, or params files "
                              "(default: params/)")
    run_all.add_argument("-o", "--output-dir", default="reports", metavar="DIR",
                         help="folder of the reports, created if needed (default: %(default)s)")
    run_all.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                         help="how many policies run at once (default: the number of "
                              "processors)")
    run_all.add_argument("--timeout", type=_positive_seconds, default=900.0, metavar="SECONDS",
                         help="the longest one policy's whole run may take before it is "
                              "stopped and marked failed (default: %(default)g)")
    run_all.add_argument("--cell-timeout", type=_positive_seconds, default=None,
                         metavar="SECONDS",
                         help="the longest any single notebook cell may run (default: no "
                              "limit of its own)")
    run_all.add_argument("--force", action="store_true",
                         help="run every policy, even those whose report is up to date")
    run_all.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run on Dask: 'local' starts a local cluster of JOBS worker "
                              "processes; tcp://HOST:PORT uses a running scheduler")
    run_all.add_argument("--progress", action="store_true",
                         help="show the progress bar even when stderr is not a terminal")
    run_all.add_argument("--wait", action="store_true",
                         help="when another run is writing to the output folder, wait for "
                              "it to finish instead of stopping")

    listing = commands.add_parser(
        "list", formatter_class=_FORMATTER,
        help="show each policy, its last run and whether its report is up to date",
        description="For each params file: the policy, its design (estimator or indicator "
                    "tracking), the report's language, when it last ran, whether that run "
                    "succeeded, and whether its report is up to date (what run-all would "
                    "skip). Nothing is run.",
        epilog="examples:\n"
               "  evalkit list                    params/ and reports/\n"
               "  evalkit list params/ -o /tmp/reports")
    listing.add_argument("params", nargs="*", default=["params"], metavar="PARAMS",
                         help="params files, or folders of them (default: params/)")
    listing.add_argument("-o", "--output-dir", default="reports", metavar="DIR",
                         help="folder of the reports (default: %(default)s)")

    index = commands.add_parser(
        "index", formatter_class=_FORMATTER,
        help="rebuild the index page from the reports already in a folder",
        description="Rewrite OUTPUT_DIR/index.html from the run records (<policy>.json) in "
                    "the folder: every policy with its status, run date, main result and "
                    "links to its report and notebook. Nothing is run.",
        epilog="examples:\n"
               "  evalkit index                 rebuild reports/index.html\n"
               "  evalkit index -o /tmp/reports")
    index.add_argument("-o", "--output-dir", default="reports", metavar="DIR",
                       help="folder of the reports (default: %(default)s)")
    return parser


def _print_problems(error: Exception, stream: Any) -> None:
    problems = getattr(error, "problems", ())
    if problems:
        for problem in problems:
            print(f"    - {problem}", file=stream)
    else:
        print(f"    {error}", file=stream)


def _validate(args: argparse.Namespace) -> int:
    from evalkit.errors import InputError, ParamsError
    from evalkit.reports import expand_params_paths, load_params

    try:
        paths = expand_params_paths(args.params, unique_names=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from evalkit.reports.analysis.data_checks import check_data

    invalid = 0
    for path in paths:
        try:
            params = load_params(path)
        except ParamsError as exc:
            invalid += 1
            print(f"INVALID  {path}")
            _print_problems(exc, sys.stdout)
            continue
        problems = check_data(params)  # the data against the design, nothing estimated
        if problems:
            invalid += 1
            print(f"INVALID  {path}  (its data do not fit its design)")
            for problem in problems:
                print(f"    - {problem}")
            continue
        what = (params.design.estimator if params.design
                else "programme follow-up" if params.programme else "indicator tracking")
        print(f"OK       {path}  ({params.policy.name}; {what} on "
              f"{params.data_path.name})")
    valid = len(paths) - invalid
    print(f"{valid} of {len(paths)} params file{'s' if len(paths) != 1 else ''} valid.")
    return 1 if invalid else 0


def _headline_text(headline: dict[str, Any] | None) -> str:
    from evalkit.reports.run.index import format_number

    if not headline or headline.get("estimate") is None:
        return ""
    text = f"{headline.get('label') or 'estimate'} = {format_number(headline['estimate'])}"
    if headline.get("conf_low") is not None and headline.get("conf_high") is not None:
        text += (f" [{format_number(headline['conf_low'])}, "
                 f"{format_number(headline['conf_high'])}]")
    return text


def _run_line(run: Any, width: int = 0) -> str:
    """One line for a finished run: status, policy, duration, headline or first error line."""
    line = f"{'ok' if run.ok else 'FAILED':<7}{run.policy_id:<{width}}  {run.duration:6.1f}s"
    if run.ok:
        return f"{line}  {_headline_text(run.headline)}".rstrip()
    first = ((run.error or "").splitlines() or [""])[0]
    return f"{line}  {first}".rstrip()


def _interrupted(exc: Any, output_dir: str) -> int:
    """One line for a run stopped by a signal; its exit status."""
    how = "Ctrl-C" if exc.signal_name == "SIGINT" else exc.signal_name
    counts = (f": {exc.finished} polic{'y' if exc.finished == 1 else 'ies'} finished, "
              f"{exc.stopped} stopped (their previous reports are kept)"
              if exc.finished or exc.stopped else "")
    index = Path(output_dir) / "index.html"
    print(f"Interrupted by {how}{counts}. Index: {index}", file=sys.stderr, flush=True)
    return exc.exit_status


def _run(args: argparse.Namespace) -> int:
    from evalkit.errors import InputError, RunError, RunInterrupted
    from evalkit.reports import expand_params_paths, run_policies

    try:
        paths = expand_params_paths(args.params)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    width = max(len(p.stem) for p in paths)
    print(f"Running {len(paths)} polic{'y' if len(paths) == 1 else 'ies'} into "
          f"{args.output_dir}/ ...", flush=True)

    def report(run: Any) -> None:
        print(_run_line(run, width), flush=True)
        for notice in run.notices:
            print(f"    warning: {notice}", flush=True)
        if not run.ok:
            for extra in (run.error or "").splitlines()[1:]:
                print(f"    {extra.strip()}", flush=True)
            if run.error_page:
                print(f"    details: {run.error_page}", flush=True)

    try:
        runs = run_policies(paths, args.output_dir, timeout=args.timeout, on_done=report)
    except RunInterrupted as exc:
        return _interrupted(exc, args.output_dir)
    except RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failed = sum(not r.ok for r in runs)
    index = Path(args.output_dir) / "index.html"
    print(f"{len(runs) - failed} ok, {failed} failed. Index: {index}")
    return 1 if failed else 0


class _Progress:
    """The run-all progress bar (tqdm, on stderr): policies done, running, elapsed, left."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.running: list[str] = []
        self.width = 0

    def wait(self, holder: str) -> None:
        print(f"Another evalkit run is writing to this output folder ({holder}); waiting "
              "for it to finish...", file=sys.stderr, flush=True)

    def plan(self, to_run: int, up_to_date: int) -> None:
        if up_to_date:
            print(f"{up_to_date} polic{'y' if up_to_date == 1 else 'ies'} up to date, "
                  f"{to_run} to run.", file=sys.stderr, flush=True)
        if self.enabled and to_run:
            from tqdm import tqdm

            self.bar = tqdm(total=to_run, file=sys.stderr, unit="policy", dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} "
                                       "[{elapsed}<{remaining}]{postfix}")

    def _show(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(self.running)[:60], refresh=True)

    def start(self, policy_id: str) -> None:
        self.running.append(policy_id)
        self._show()

    def done(self, run: Any) -> None:
        if run.skipped:
            return
        if run.policy_id in self.running:
            self.running.remove(run.policy_id)
        if self.bar is not None:
            self.bar.update(1)
            self._show()
        else:  # not a terminal (a log file, CI): one line per policy as it ends
            print(_run_line(run, self.width), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary(runs: Sequence[Any]) -> str:
    rows = [("policy", "status", "duration", "result")]
    for run in runs:
        status = "up to date" if run.skipped else ("ok" if run.ok else "FAILED")
        duration = "-" if run.skipped else f"{run.duration:.1f}s"
        result = _headline_text(run.headline) if run.ok else \
            ((run.error or "").splitlines() or [""])[0]
        rows.append((run.policy_id, status, duration, result))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()
             for a, b, c, d in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def _run_all(args: argparse.Namespace) -> int:
    from evalkit.errors import InputError, RunError, RunInterrupted
    from evalkit.reports.run.batch import expand_params_paths
    from evalkit.reports.run.parallel import run_all

    progress = _Progress(enabled=args.progress or sys.stderr.isatty())
    try:
        progress.width = max((len(p.stem) for p in expand_params_paths(args.params)),
                             default=0)
        runs = run_all(args.params, args.output_dir, jobs=args.jobs, timeout=args.timeout,
                       cell_timeout=args.cell_timeout, force=args.force,
                       scheduler=args.scheduler, wait=args.wait, on_plan=progress.plan,
                       on_start=progress.start, on_done=progress.done,
                       on_wait=progress.wait)
    except RunInterrupted as exc:
        progress.close()
        return _interrupted(exc, args.output_dir)
    except (InputError, RunError) as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    progress.close()
    print(_summary(runs))
    for run in runs:
        for notice in () if run.skipped else run.notices:
            print(f"warning: {notice}")
    failed = [r for r in runs if not r.ok]
    for run in failed:
        if run.error_page:
            print(f"{run.policy_id}: see {run.error_page}")
    skipped = sum(r.skipped for r in runs)
    index = Path(args.output_dir) / "index.html"
    print(f"{len(runs) - len(failed) - skipped} ok, {skipped} up to date, {len(failed)} "
          f"failed. Index: {index}")
    return 1 if failed else 0


def _list(args: argparse.Namespace) -> int:
    from evalkit.errors import InputError
    from evalkit.reports.run.listing import list_policies

    try:
        policies = list_policies(args.params, args.output_dir)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = [("policy", "design", "language", "last run", "status", "up to date")]
    rows += [(p.policy_id, p.kind, p.language, p.last_run or "-", p.status,
              "yes" if p.up_to_date else "no") for p in policies]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    print("\n".join(lines))
    stale = sum(not p.up_to_date for p in policies)
    print(f"{len(policies) - stale} of {len(policies)} reports up to date in "
          f"{args.output_dir}/.")
    return 0


def _index(args: argparse.Namespace) -> int:
    from evalkit.reports import write_index
    from evalkit.reports.run.records import read_records

    path = write_index(args.output_dir)
    records = read_records(args.output_dir, on_skip=lambda skipped: None)  # warned above
    failed = sum(r.get("status") == "failed" for r in records)
    print(f"Wrote {path} ({len(records)} polic{'y' if len(records) == 1 else 'ies'}, "
          f"{failed} failed).")
    return 0


@contextlib.contextmanager
def _record_warnings_as_lines() -> Iterator[None]:
    """Print each odd file of the reports folder once, as ``warning: ...`` on stderr.

    Other warnings keep Python's usual display.
    """
    from evalkit.reports.run.records import RecordWarning

    shown: set[str] = set()
    with warnings.catch_warnings():
        previous = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
            if not issubclass(category, RecordWarning):
                previous(message, category, filename, lineno, file, line)
            elif str(message) not in shown:
                shown.add(str(message))
                print(f"warning: {message}", file=sys.stderr, flush=True)

        warnings.showwarning = show
        warnings.simplefilter("always", RecordWarning)
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``evalkit`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 1 if a params file is invalid or a report
        failed, 2 for a command-line error.
    """
    from evalkit._startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handler = {"validate": _validate, "run": _run, "run-all": _run_all, "list": _list,
               "index": _index}[args.command]
    try:
        with _record_warnings_as_lines():
            return handler(args)
    except KeyboardInterrupt:  # Ctrl-C outside a run (while checking, importing ...)
        print("Interrupted by Ctrl-C.", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
