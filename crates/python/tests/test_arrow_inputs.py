"""Arrow tables as inputs: pyarrow, polars, Parquet; bad rows are rejected records."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dyngroup

from conftest import read_jsonl
from test_compute import rows_of

TENANCY = "ocid1.tenancy.oc1..t"


def records_table(path, tags_as="struct") -> pa.Table:
    """A JSONL file as a pyarrow table: one row per record, fields as columns.

    ``defined-tags`` as a struct column (pyarrow infers it), a map column or JSON text."""
    records = read_jsonl(path)
    for r in records:
        r.pop("freeform-tags", None)  # not read; its empty structs have no Arrow type
        tags = r.get("defined-tags")
        if tags:  # one type per column: numbers as their JSON text, as the reader keeps them
            r["defined-tags"] = {
                ns: {k: v if isinstance(v, str) else json.dumps(v) for k, v in kv.items()}
                for ns, kv in tags.items()
            }
    if tags_as == "json":
        for r in records:
            if "defined-tags" in r:
                r["defined-tags"] = json.dumps(r["defined-tags"])
    if tags_as == "map":
        for r in records:
            tags = r.pop("defined-tags", None) or {}
            r["defined-tags"] = [(ns, list(kv.items())) for ns, kv in tags.items()]
        columns = sorted({k for r in records for k in r} - {"defined-tags"})
        arrays = {c: pa.array([r.get(c) for r in records]) for c in columns}
        map_type = pa.map_(pa.string(), pa.map_(pa.string(), pa.string()))
        arrays["defined-tags"] = pa.array([r["defined-tags"] for r in records], type=map_type)
        return pa.table(arrays)
    return pa.Table.from_pylist(records)


@pytest.fixture(scope="module")
def from_files(inventory, groups):
    return dyngroup.compute(inventory, groups)


@pytest.mark.parametrize("tags_as", ["struct", "map", "json"])
def test_pyarrow_tables_equal_the_files(from_files, inventory, groups, tags_as):
    inv = records_table(inventory, tags_as)
    result = dyngroup.compute(inv, records_table(groups))
    assert rows_of(result.memberships) == rows_of(from_files.memberships)
    assert result.report["totals"] == from_files.report["totals"]
    assert result.report["unknown-references"] == from_files.report["unknown-references"]


def test_polars_dataframes_with_snake_case_columns(from_files, inventory, groups):
    pl = pytest.importorskip("polars")
    inv = pl.from_arrow(records_table(inventory, "json"))
    inv = inv.rename({c: c.replace("-", "_") for c in inv.columns})
    grp = pl.from_arrow(records_table(groups))
    result = dyngroup.compute(inv, grp)  # polars strings cross as Utf8View
    assert rows_of(result.memberships) == rows_of(from_files.memberships)
    # And the result goes back to polars.
    assert pl.DataFrame(result.memberships).height == from_files.report["totals"]["memberships"]


def test_parquet_round_trip(from_files, tmp_path, inventory, groups):
    pq.write_table(records_table(inventory), tmp_path / "inventory.parquet")
    pq.write_table(records_table(groups), tmp_path / "groups.parquet")
    result = dyngroup.compute(
        pq.read_table(tmp_path / "inventory.parquet"), pq.read_table(tmp_path / "groups.parquet")
    )
    pq.write_table(pa.table(result.memberships), tmp_path / "memberships.parquet")
    back = pq.read_table(tmp_path / "memberships.parquet")
    assert rows_of(back) == rows_of(from_files.memberships)
    assert back.schema == pa.table(from_files.memberships).schema


def test_a_record_batch_reader_and_a_mix_of_tables_and_paths(from_files, inventory, groups):
    inv = records_table(inventory, "json")
    half = inv.num_rows // 2
    reader = pa.RecordBatchReader.from_batches(inv.schema, inv.slice(half).to_batches())
    result = dyngroup.compute([inv.slice(0, half), reader], [groups])
    assert sorted(rows_of(result.memberships)) == sorted(rows_of(from_files.memberships))


def test_bad_rows_are_rejected_records_with_their_row(groups):
    inv = pa.table(
        {
            "id": ["ocid1.instance.oc1..a", "ocid1.instance.oc1..b", None, "ocid1.instance.oc1..a"],
            "compartment_id": ["ocid1.compartment.oc1..c", None, "ocid1.compartment.oc1..c", "ocid1.compartment.oc1..c"],
            "tenancy_id": [TENANCY] * 4,
            "defined_tags": ['{"Ops": {"Role": "web"}}', None, None, "{not json"],
        }
    )
    result = dyngroup.compute(inv, groups)
    texts = [str(p) for p in result.rejected]
    assert texts[:2] == [
        "<inventory table>:2: missing `compartment-id`",
        "<inventory table>:3: missing `id`",
    ]
    assert texts[2].startswith("<inventory table>:4: ") and len(texts) == 3
    assert all(p.column is None and p.file == "<inventory table>" for p in result.rejected)
    assert result.report["totals"]["principals-read"] == 1


def test_a_stream_arrow_rs_cannot_import_is_an_error_not_a_panic(inventory, groups):
    inv = records_table(inventory)  # struct-of-struct tags, sliced: arrow-rs 59 fails
    try:
        result = dyngroup.compute(inv.slice(inv.num_rows // 2), groups)
    except ValueError as e:
        assert "could not be imported" in str(e)
    else:  # a later arrow-rs imports it
        assert result.report["totals"]["principals-read"] == inv.num_rows - inv.num_rows // 2


def test_rows_are_validated_like_records(groups):
    inv = pa.table(
        {
            "id": ["ocid1.instance.oc1..a", "ocid1.instance.oc1..a"],
            "compartmentId": ["ocid1.compartment.oc1..c"] * 2,
            "tenancy-id": [TENANCY] * 2,
            "defined-tags": ['{"Ops": {"Role": "web", "role": "db"}}', '{"Ops": {"Role": 7}}'],
        }
    )
    result = dyngroup.compute(inv, groups)
    # The first row gives one tag twice (rejected); the second, its id's first good row,
    # is kept, its number tag value read as its JSON text.
    assert [str(p) for p in result.rejected] == [
        "<inventory table>:1: defined tag `Ops.role` is given twice (first as `Ops.Role`): "
        "a tag has one value"
    ]
    assert result.report["totals"]["principals-read"] == 1


def test_groups_table_with_a_bad_rule(inventory):
    grp = pa.table(
        {
            "id": ["ocid1.dynamicgroup.oc1..g"],
            "name": ["bad"],
            "matching_rule": ["ALL {instance.id = }"],
            "compartment_id": [TENANCY],
        }
    )
    result = dyngroup.compute(inventory, grp)
    assert result.report["invalid-groups"][0]["name"] == "bad"
    assert result.report["totals"]["rejected-records"] == 0


def test_not_a_path_nor_a_table_is_a_type_error(groups):
    with pytest.raises(TypeError, match="Arrow table"):
        dyngroup.compute([42], groups)


def test_shards_of_tables_equal_the_cli_shards(cli, tmp_path, inventory, groups):
    from test_compute import cli_memberships

    for k in range(3):
        expected, report = cli_memberships(
            cli, tmp_path, "--inventory", inventory, "--groups", groups, "--shard", f"{k}/3"
        )
        result = dyngroup.compute(records_table(inventory), records_table(groups), shard=(k, 3))
        assert rows_of(result.memberships) == expected
        assert result.report["totals"] == report["totals"]
