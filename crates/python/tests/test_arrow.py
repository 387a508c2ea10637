"""Memberships through the Arrow PyCapsule interface: pyarrow, polars, Parquet."""

from __future__ import annotations

import json
import pickle

import pyarrow as pa
import pyarrow.parquet as pq
import polars as pl
import pytest

import dyngroup

COLUMNS = ["tenancy_id", "group_id", "group_name", "principal_id"]


@pytest.fixture(scope="module")
def result(inventory, groups):
    return dyngroup.compute(inventory, groups)


def test_pyarrow_schema_is_strings_only(result):
    table = pa.table(result.memberships)
    assert table.column_names == COLUMNS
    assert all(field.type == pa.string() for field in table.schema)
    assert table.num_rows == result.memberships.num_rows == len(result.memberships) > 0
    assert result.to_pyarrow().equals(table)


def test_polars(result):
    frame = pl.DataFrame(result)
    assert frame.columns == COLUMNS
    assert frame.dtypes == [pl.String] * 4
    assert frame.height == result.memberships.num_rows
    assert result.to_polars().equals(frame)
    assert frame.rows() == list(zip(*(pa.table(result.memberships).column(c).to_pylist() for c in COLUMNS)))


def test_parquet_round_trip(result, tmp_path):
    path = tmp_path / "memberships.parquet"
    pq.write_table(pa.table(result.memberships), path)
    assert pq.read_table(path).equals(pa.table(result.memberships))


def test_stream_can_be_read_twice(result):
    assert pa.table(result.memberships).equals(pa.table(result.memberships))


def test_record_batch_reader(result):
    reader = pa.RecordBatchReader.from_stream(result.memberships)
    assert reader.read_all().num_rows == result.memberships.num_rows


def test_many_batches_equal_the_cli(cli, tmp_path, inventory, groups):
    # The sample's principals 90 times over (fresh OCIDs): past one record batch
    # (batches of whole groups, about 131,072 rows, built in parallel).
    from test_compute import cli_memberships, rows_of

    records = [json.loads(line) for line in inventory.read_text().splitlines()]
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        for copy in range(90):
            for record in records:
                out.write(json.dumps(dict(record, id=f"{record['id']}c{copy}")) + "\n")
    result = dyngroup.compute(big, groups)
    table = pa.table(result.memberships)
    assert table.num_rows > 131072 and len(table.column(0).chunks) > 1
    expected, _ = cli_memberships(cli, tmp_path, "--inventory", big, "--groups", groups)
    assert rows_of(table) == expected
    assert pickle.loads(pickle.dumps(result.memberships)).num_rows == table.num_rows
