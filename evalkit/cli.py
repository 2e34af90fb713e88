"""The ``evalkit`` command: check params files, run policy reports, rebuild the index.

Thin by design: it parses the command line and calls one function of
:mod:`evalkit.reports` per subcommand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
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
               "  evalkit index -o reports            rebuild reports/index.html\n\n"
               "Run 'evalkit COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate", formatter_class=_FORMATTER,
        help="check params files without running anything",
        description="Check policy params files completely without running anything: YAML "
                    "syntax, known keys and value types, what each estimator needs, and that "
                    "the data file exists with every column named (only its header is read). "
                    "Prints OK or every problem found, per file.",
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
    invalid = 0
    for path in paths:
        try:
            params = load_params(path)
        except ParamsError as exc:
            invalid += 1
            print(f"INVALID  {path}")
            _print_problems(exc, sys.stdout)
            continue
        what = params.design.estimator if params.design else "indicator tracking"
        print(f"OK       {path}  ({params.policy.name}; {what} on "
              f"{params.data_path.name})")
    valid = len(paths) - invalid
    print(f"{valid} of {len(paths)} params file{'s' if len(paths) != 1 else ''} valid.")
    return 1 if invalid else 0


def _headline_text(headline: dict[str, Any] | None) -> str:
    from evalkit.reports.index import format_number

    if not headline or headline.get("estimate") is None:
        return ""
    text = f"{headline.get('label') or 'estimate'} = {format_number(headline['estimate'])}"
    if headline.get("conf_low") is not None and headline.get("conf_high") is not None:
        text += (f" [{format_number(headline['conf_low'])}, "
                 f"{format_number(headline['conf_high'])}]")
    return text


def _run(args: argparse.Namespace) -> int:
    from evalkit.errors import InputError
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
        line = f"{'ok' if run.ok else 'FAILED':<7}{run.policy_id:<{width}}  {run.duration:6.1f}s"
        if run.ok:
            print(f"{line}  {_headline_text(run.headline)}".rstrip(), flush=True)
        else:
            first, *rest = (run.error or "").splitlines() or [""]
            print(f"{line}  {first}", flush=True)
            for extra in rest:
                print(f"    {extra.strip()}", flush=True)
            if run.error_page:
                print(f"    details: {run.error_page}", flush=True)

    runs = run_policies(paths, args.output_dir, timeout=args.timeout, on_done=report)
    failed = sum(not r.ok for r in runs)
    index = Path(args.output_dir) / "index.html"
    print(f"{len(runs) - failed} ok, {failed} failed. Index: {index}")
    return 1 if failed else 0


def _index(args: argparse.Namespace) -> int:
    from evalkit.reports import write_index
    from evalkit.reports.records import read_records

    path = write_index(args.output_dir)
    records = read_records(args.output_dir)
    failed = sum(r.get("status") == "failed" for r in records)
    print(f"Wrote {path} ({len(records)} polic{'y' if len(records) == 1 else 'ies'}, "
          f"{failed} failed).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``evalkit`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 1 if a params file is invalid or a report
        failed, 2 for a command-line error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handler = {"validate": _validate, "run": _run, "index": _index}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
