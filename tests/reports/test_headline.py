"""The headline recorded by the evaluation notebook for the index page."""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

from evalkit.errors import InputError
from evalkit.reports import record_headline
from evalkit.reports.render.headline import HEADLINE_MIME, find_headline, normalize_headline


def test_normalize_makes_plain_json_values():
    out = normalize_headline({"label": "ATT", "estimate": np.float64(-0.5),
                              "conf_low": np.float32(-1.0), "conf_high": 0,
                              "p_value": math.nan})
    assert out["estimate"] == -0.5 and type(out["estimate"]) is float
    assert out["conf_high"] == 0.0
    assert out["p_value"] is None
    assert out["text"] is None


def test_every_problem_is_reported():
    with pytest.raises(InputError) as info:
        normalize_headline({"estimate": "big", "colour": 1, "text": 3})
    problems = info.value.problems
    assert any("headline['colour']: unknown key" in p for p in problems)
    assert any("headline['label']: required key is missing" in p for p in problems)
    assert any("headline['estimate']: must be a number; got 'big'" in p for p in problems)
    assert any("headline['text']: must be text" in p for p in problems)


def test_booleans_are_not_numbers():
    with pytest.raises(InputError, match="must be a number"):
        normalize_headline({"label": "x", "estimate": True})


def test_record_outside_a_kernel_only_checks():
    assert record_headline({"label": "ATT", "estimate": 1.0}) is None
    with pytest.raises(InputError):
        record_headline({"label": "ATT"})


def test_find_headline_takes_the_last_one():
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell("")
    first.outputs = [nbformat.v4.new_output("display_data",
                                            data={HEADLINE_MIME: {"estimate": 1.0}})]
    second = nbformat.v4.new_code_cell("")
    second.outputs = [nbformat.v4.new_output("display_data",
                                             data={HEADLINE_MIME: {"estimate": 2.0}})]
    nb.cells = [first, nbformat.v4.new_markdown_cell("x"), second]
    assert find_headline(nb) == {"estimate": 2.0}
    assert find_headline(nbformat.v4.new_notebook()) is None


def test_tracking_headline_carries_indicator_statuses():
    statuses = [{"code": "poverty_rate", "label": "Poverty rate", "status": "on_track",
                 "status_label": "On track", "colour": "#2da44e"}]
    assert record_headline({"label": "Indicators", "indicators": statuses}) is None
    with pytest.raises(InputError, match="indicators"):
        record_headline({"label": "Indicators", "indicators": [{"code": 1}]})


def test_a_programme_headline_is_a_figure_with_its_alerts():
    alert = {"code": "projected_under_consumption", "label": "Sous-consommation projetée",
             "status": "parrainage", "status_label": "parrainage", "colour": "#b2182b"}
    out = normalize_headline({"label": "Consommation des CP", "figure": "49,9 %",
                              "alerts": [alert]})
    assert out["figure"] == "49,9 %" and out["alerts"] == [alert] and out["estimate"] is None
    with pytest.raises(InputError, match="needs an 'estimate'.*or a 'figure'"):
        normalize_headline({"label": "Consommation des CP"})
    with pytest.raises(InputError, match=r"headline\['alerts'\]: must be a list of mappings"):
        normalize_headline({"label": "x", "figure": "1", "alerts": [{"code": 3}]})
