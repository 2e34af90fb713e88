"""Panel accepts polars and pyarrow tables as it accepts a pandas DataFrame."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from evalkit import InputError, Panel

MPDTA = {"unit": "countyreal", "time": "year", "outcome": "lemp", "first_treated": "first.treat"}


@pytest.mark.parametrize("convert", [pl.from_pandas, pa.Table.from_pandas,
                                     pa.RecordBatch.from_pandas])
def test_polars_and_pyarrow_tables_give_the_pandas_panel(mpdta, mpdta_panel, convert):
    panel = Panel(convert(mpdta), **MPDTA)
    assert panel.fingerprint == mpdta_panel.fingerprint  # same values, types and order
    assert panel.describe() == mpdta_panel.describe()
    np.testing.assert_array_equal(panel.unit_index, mpdta_panel.unit_index)


def test_the_columns_of_a_polars_table_are_checked(mpdta):
    with pytest.raises(InputError, match=r"outcome='emp': no such column in the data"):
        Panel(pl.from_pandas(mpdta), **{**MPDTA, "outcome": "emp"})
