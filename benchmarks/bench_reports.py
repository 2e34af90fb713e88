"""Benchmark ``evalkit run-all``: many policy reports, one and two at a time.

Generates ``--policies`` params files (copies of the shipped ones under different
names, data paths made absolute) in a temporary folder and measures, running the
command as a user would (a new ``python -m evalkit.cli`` process each time):

- ``--jobs 1`` and ``--jobs 2``: total wall time of a full run;
- the no-change re-run: every report up to date, nothing started;
- the per-report overhead: one policy whose notebook does nothing (kernel start,
  imports, export, process start), run alone;
- the note and the PDFs: what writing ``<policy>.docx``, ``<policy>.pdf`` and
  ``<policy>.report.pdf`` adds to a policy's run (the Word note, and both PDFs printed
  by headless Chromium at once), on a shipped policy's report, best of 3.

Usage::

    python benchmarks/bench_reports.py                 # 20 policies
    python benchmarks/bench_reports.py --policies 10
    python benchmarks/bench_reports.py --outputs-only   # the note and the PDFs only

Targets (2 cores): ``--jobs 2`` at most 0.6 of ``--jobs 1``; no-change re-run of 20
policies under 3 s; per-report overhead under 3 s; the note and the PDFs add at most
2 s per policy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import load_average, print_table

PROJECT = Path(__file__).resolve().parent.parent


def make_policies(folder: Path, count: int) -> list[Path]:
    """``count`` params files cycling through the shipped ones, data paths made absolute."""
    shipped = sorted((PROJECT / "params").glob("*.yaml"))
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        source = shipped[i % len(shipped)]
        text = source.read_text(encoding="utf-8").replace("../data/", f"{PROJECT / 'data'}/")
        path = folder / f"{source.stem}_{i:02d}.yaml"
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


def make_trivial_policy(folder: Path) -> Path:
    """A valid policy whose report notebook only receives its parameters."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell("params_file = None")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_markdown_cell("# Trivial report"),
                nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, folder / "trivial.ipynb")
    source = (PROJECT / "params" / "incinerator.yaml").read_text(encoding="utf-8")
    text = source.replace("../data/", f"{PROJECT / 'data'}/") + "\n  notebook: trivial.ipynb\n"
    path = folder / "trivial.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_all(params: Path, out: Path, *extra: str) -> tuple[float, int]:
    command = [sys.executable, "-m", "evalkit.cli", "run-all", str(params), "-o", str(out),
               *extra]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
    return seconds, done.returncode


def measure_outputs(root: Path) -> dict[str, object]:
    """Seconds the note and the PDFs add to one shipped policy's run (best of 3)."""
    from evalkit.reports import run_policy
    from evalkit.reports.run.deliverables import find_browser, note_tools, render_outputs

    params = make_policies(root / "one", 1)[0]
    out = root / "one-out"
    text = re.sub(r"(?m)^  formats:.*\n", "", params.read_text(encoding="utf-8"))
    if "\nreport:" not in text:
        text += "\nreport:\n"
    params.write_text(text.replace("\nreport:\n", "\nreport:\n  formats: [html]\n", 1),
                      encoding="utf-8")
    run = run_policy(params, out)
    if not run.ok or find_browser() is None:
        return {"measure": "note and PDFs per policy", "seconds": float("nan"),
                "target": "< 2 (not measured: " + ("no browser)" if run.ok else "run failed)")}
    import nbformat

    nb = nbformat.read(out / f"{params.stem}.ipynb", as_version=4)
    page = (out / f"{params.stem}.html").read_text(encoding="utf-8")
    times = []
    for i in range(3):
        work = root / f"outputs-{i}"
        started = time.perf_counter()
        render_outputs(params.stem, [("en", None, nb, page)],
                       ["html", "docx", "pdf", "report_pdf"], work)
        times.append(time.perf_counter() - started)
    what = "Word note, note PDF, report PDF" if note_tools() is not None else \
        "report PDF only: this installation has no note renderers"
    return {"measure": f"note and PDFs per policy ({what}, best of 3)",
            "seconds": round(min(times), 2), "target": "< 2"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=20)
    parser.add_argument("--outputs-only", action="store_true",
                        help="measure only what the note and the PDFs add to a run")
    args = parser.parse_args()

    if args.outputs_only:
        with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
            print_table([measure_outputs(Path(tmp))])
        print(f"load average: {load_average()}")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        root = Path(tmp)
        params = root / "params"
        make_policies(params, args.policies)
        trivial = make_trivial_policy(root / "trivial")

        overhead = [run_all(trivial, root / f"trivial-out-{i}")[0] for i in range(3)]
        rows.append({"measure": "per-report overhead (trivial notebook, best of 3)",
                     "seconds": round(min(overhead), 2), "target": "< 3"})
        one, code1 = run_all(params, root / "jobs1", "--jobs", "1")
        rows.append({"measure": f"{args.policies} policies, --jobs 1", "seconds": round(one, 1),
                     "target": ""})
        two, code2 = run_all(params, root / "jobs2", "--jobs", "2")
        rows.append({"measure": f"{args.policies} policies, --jobs 2", "seconds": round(two, 1),
                     "target": f"<= {0.6 * one:.1f} (0.6 x jobs 1); got {two / one:.2f} x"})
        again, code3 = run_all(params, root / "jobs2", "--jobs", "2")
        rows.append({"measure": f"no-change re-run of {args.policies} policies",
                     "seconds": round(again, 2), "target": "< 3"})
        rows.append(measure_outputs(root))
        same = all(
            json.loads((root / "jobs1" / f"{p.stem}.json").read_text())["headline"].get("estimate")
            == json.loads((root / "jobs2" / f"{p.stem}.json").read_text())["headline"]
            .get("estimate")
            for p in params.glob("*.yaml")
            if json.loads((root / "jobs1" / f"{p.stem}.json").read_text())["headline"])
        failed = sum(code != 0 for code in (code1, code2, code3))
    print_table(rows)
    print(f"jobs 1 and jobs 2 headlines identical: {same}; runs with failures: {failed}; "
          f"load average: {load_average()}")
    return 0 if failed == 0 and same else 1


if __name__ == "__main__":
    sys.exit(main())
