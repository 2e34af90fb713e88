"""The shipped programme 147 files: simulated, reproducible, and read as they are written.

``data/simulate_programme_147.py`` writes them; the report's tests check what it computes
from them (tests/reports/test_programme_report.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from evalkit.data.io import load_table_with_format

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FILES = ("bop147_hauts_de_france.csv", "appels_a_projets_hauts_de_france.csv",
         "paiements_subventions_hauts_de_france.csv")


def test_regenerating_gives_the_shipped_files_byte_for_byte(tmp_path):
    # the script writes beside itself: run a copy in a scratch folder
    (tmp_path / "simulate_programme_147.py").write_text(
        (DATA / "simulate_programme_147.py").read_text(encoding="utf-8").replace(
            "sys.path.insert(0, str(HERE.parent))", f"sys.path.insert(0, {str(ROOT)!r})"),
        encoding="utf-8")
    subprocess.run([sys.executable, str(tmp_path / "simulate_programme_147.py")], check=True,
                   capture_output=True)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_credit_lines_are_an_accounting_export_read_without_being_told():
    loaded = load_table_with_format(DATA / "bop147_hauts_de_france.csv",
                                    text_columns=["departement"])
    read = loaded.read_format
    assert (read.separator, read.decimal, read.encoding) == (";", ",", "cp1252")
    frame = loaded.frame
    assert len(frame) == 904 and (frame["simulated"] == 1).all()
    assert frame.loc[0, "departement"] == "02" and frame["cp_mandates"].dtype == float
    assert "cordées de la réussite" in set(frame["dispositif"])  # accents from Windows-1252


def test_every_file_says_it_is_simulated():
    for name in FILES:
        frame = load_table_with_format(DATA / name).frame
        assert (frame["simulated"] == 1).all(), name
