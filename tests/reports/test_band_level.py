"""A report's simultaneous band is at the params' confidence level, in numbers and in words."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from evalkit.reports.analysis.evaluation import evaluate
from evalkit.reports.render.sections import PolicyReport

ROOT = Path(__file__).resolve().parents[2]


def _minimum_wage(tmp_path: Path, level: float, language: str) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "minimum_wage.yaml").read_text(encoding="utf-8"))
    raw["data"]["file"] = str(ROOT / "data" / "mpdta.csv")
    raw["inference"]["confidence_level"] = level
    raw["language"] = language
    raw["sensitivity"] = {"honest_did": False}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("level", "language", "words"),
                         [(0.8, "en", "simultaneous 80% band"),
                          (0.9, "fr", "bande simultanée à 90\u202f%")])
def test_the_band_follows_the_params_level(tmp_path, level, language, words):
    ev = evaluate(_minimum_wage(tmp_path, level, language))
    cs = ev.staggered.event_studies["callaway_santanna"]
    assert cs.alpha == pytest.approx(1 - level)
    critical = cs.band_critical_value
    assert critical == cs.band.critical_value(round(1 - level, 10))
    assert np.mean(cs.band.sup_t <= critical) >= level > np.mean(cs.band.sup_t < critical)
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", PolicyReport(ev).dynamics_html())
    assert words in html.lower()  # the table's header
    assert f"{round(100 * level)}" in html.split("caption")[1]  # the caption's probability
    assert "95" not in html  # no 95% left anywhere in the section
