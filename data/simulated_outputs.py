"""What the scripts simulating an indicator example share: the definitions file they write
from the simulated regional values, writing the two files, and the summary they print.

Used by ``simulate_hauts_de_france.py`` and ``simulate_brussels.py`` (which import it from
their own folder); not part of evalkit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

__all__ = ["definitions_document", "write_example", "print_summary"]


def definitions_document(definitions: Sequence[Mapping], targets: Mapping[str, Mapping],
                         regional: pd.DataFrame, *, source: str, level: str, real: str,
                         baseline_year: Callable[[str], int]) -> dict:
    """The YAML document of an example's indicators: one definition per indicator, its
    baseline the simulated regional value of ``baseline_year(code)``.

    ``definitions`` give each indicator's ``code``, ``label``, ``unit``, ``direction``,
    ``bounded`` and ``note``; ``targets[code]`` its ``targets`` (year -> value) and the
    progress category ``expected``; ``real`` says what of the data is real.
    """
    indicators = []
    for definition in definitions:
        code = definition["code"]
        year = baseline_year(code)
        indicators.append({
            "code": code,
            "label": definition["label"],
            "unit": definition["unit"],
            "direction": definition["direction"],
            "source": source,
            "level": level,
            "baseline": {"period": year, "value": round(float(regional.loc[year, code]), 1)},
            "targets": [{"period": y, "value": v} for y, v in targets[code]["targets"].items()],
            "bounded": definition["bounded"],
            "notes": (f"SIMULATED data: the values are simulated (only {real} are real). "
                      f"{definition['note']} Regional value = sum of counts over sum of "
                      f"denominators. Expected progress category with these simulated data: "
                      f"{targets[code]['expected']}."),
        })
    return {"indicators": indicators}


def write_example(frame: pd.DataFrame, document: dict, csv_file: Path, yaml_file: Path, *,
                  header: str) -> None:
    """Write the simulated rows as CSV and the definitions as YAML below ``header``."""
    frame.to_csv(csv_file, index=False, lineterminator="\n")
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    Path(yaml_file).write_text(header + text, encoding="utf-8")


def print_summary(frame: pd.DataFrame, regional: pd.DataFrame, csv_file: Path,
                  yaml_file: Path, elapsed: float) -> None:
    """What a run wrote: rows, sizes, the CSV's checksum and the regional values."""
    digest = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    print(f"{csv_file.name}: {len(frame):,} rows, {csv_file.stat().st_size:,} bytes, "
          f"sha256 {digest[:16]}")
    print(f"{yaml_file.name}: {yaml_file.stat().st_size:,} bytes")
    print(regional.round(2).to_string())
    print(f"done in {elapsed:.2f} s")
