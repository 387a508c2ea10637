"""compute against the CLI's own output on the same files; errors; threads; the GIL."""

from __future__ import annotations

import copy
import json
import pickle
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

import dyngroup

from conftest import read_jsonl, run_cli

COLUMNS = ["tenancy_id", "group_id", "group_name", "principal_id"]


def cli_memberships(cli, tmp_path, *inputs):
    out = tmp_path / "memberships.jsonl"
    report = tmp_path / "report.json"
    run_cli(cli, "compute", *inputs, "--out", out, "--report", report)
    rows = [
        (g["tenancy-id"], g["group-id"], g["name"], m)
        for g in read_jsonl(out)
        for m in g["members"]
    ]
    return rows, json.loads(report.read_text())


def rows_of(table) -> list:
    table = pa.table(table)
    return list(zip(*(table.column(c).to_pylist() for c in COLUMNS)))


@pytest.fixture(scope="module")
def result(inventory, groups):
    return dyngroup.compute(inventory, groups)


def test_memberships_equal_the_cli(result, cli, tmp_path, inventory, groups):
    expected, _ = cli_memberships(cli, tmp_path, "--inventory", inventory, "--groups", groups)
    assert len(expected) > 100
    # Same rows in the same order (group by group, as `--by group` writes).
    assert rows_of(result.memberships) == expected
    assert result.report["totals"]["memberships"] == len(expected)


def test_report_equals_the_cli(result, cli, tmp_path, inventory, groups):
    _, expected = cli_memberships(cli, tmp_path, "--inventory", inventory, "--groups", groups)
    del expected["timings"]
    report = copy.deepcopy(result.report)
    assert report.pop("refused-groups") == []
    for problem in report["rejected"] + report["warnings"]:
        problem.pop("text")
    assert report == expected


def test_principal_groups_equal_the_cli(result, cli, tmp_path, inventory, groups):
    out = tmp_path / "by-principal.jsonl"
    run_cli(cli, "compute", "--inventory", inventory, "--groups", groups, "--by", "principal", "--out", out)
    records = read_jsonl(out)
    assert records
    for record in records:
        found = result.groups_of(record["id"])
        assert [g.name for g in found] == record["groups"]
        assert all(g.tenancy_id == record["tenancy-id"] for g in found)
    assert result.groups_of("ocid1.instance.oc1..nobody") is None


def test_members_lookup(result):
    table = pa.table(result.memberships)
    first = table.slice(0, 1).to_pylist()[0]
    members = result.members(first["tenancy_id"], first["group_name"].upper())
    expected = [
        row["principal_id"]
        for row in table.to_pylist()
        if row["group_id"] == first["group_id"]
    ]
    assert members == expected
    assert result.members(first["tenancy_id"], "no-such-group") is None


def test_rejected_records_carry_the_cli_text(cli, tmp_path, groups):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "ocid1.instance.oc1..a", "compartment-id": "ocid1.compartment.oc1..c", "tenancy-id": "ocid1.tenancy.oc1..t"}\n'
        '{"id": "ocid1.instance.oc1..b"}\n'
        "not json\n"
        "[1, 2]\n"
    )
    result = dyngroup.compute(bad, groups)
    texts = [str(p) for p in result.rejected]
    assert texts[0] == f"{bad}:2:1: missing `compartment-id`"
    assert [t.split(":")[1] for t in texts] == ["2", "3", "4"]
    _, report = cli_memberships(cli, tmp_path, "--inventory", bad, "--groups", groups)
    assert texts == [f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in report["rejected"]]
    assert result.report["totals"]["principals-read"] == 1


def test_unreadable_file_is_an_input_error(tmp_path, groups):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(dyngroup.InputError, match=f"cannot read {missing}"):
        dyngroup.compute(missing, groups)


def test_garbage_never_crashes(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64 + b"\n{\"data\": [\n")
    result = dyngroup.compute([junk, junk], junk)
    assert result.memberships.num_rows == 0
    assert result.report["totals"]["rejected-records"] > 0


def test_bad_arguments_are_value_errors(inventory, groups):
    with pytest.raises(ValueError, match="threads"):
        dyngroup.compute(inventory, groups, threads=0)
    with pytest.raises(ValueError, match="shard"):
        dyngroup.compute(inventory, groups, shard=(2, 2))


def test_threads_and_shards_give_the_same_rows(result, inventory, groups):
    whole = sorted(rows_of(result.memberships))
    assert sorted(rows_of(dyngroup.compute(inventory, groups, threads=1).memberships)) == whole
    parts = [dyngroup.compute(inventory, groups, shard=(k, 3), threads=2) for k in range(3)]
    assert sorted(row for part in parts for row in rows_of(part.memberships)) == whole
    tenancies = [{row[0] for row in rows_of(part.memberships)} for part in parts]
    assert sum(len(t) for t in tenancies) == len(set().union(*tenancies))


def comparable(report):
    """A Python report without what the CLI's lacks (refused groups, problem texts)."""
    report = copy.deepcopy(report)
    report.pop("refused-groups")
    for problem in report["rejected"] + report["warnings"]:
        problem.pop("text")
    return report


@pytest.mark.parametrize("k", [0, 1, 2])
def test_shard_matches_the_cli(cli, tmp_path, inventory, groups, k):
    # A bad line of no tenancy (shard 0's) and a bad record of a tenancy.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "not json\n"
        + "".join(
            f'{{"id": "ocid1.instance.oc1..x{i}", "tenancy-id": "ocid1.tenancy.oc1..t{i}"}}\n'
            for i in range(6)
        )
    )
    expected, report = cli_memberships(
        cli, tmp_path, "--inventory", inventory, "--inventory", bad, "--groups", groups,
        "--shard", f"{k}/3",
    )
    result = dyngroup.compute([inventory, bad], groups, shard=(k, 3))
    assert rows_of(result.memberships) == expected
    del report["timings"]
    assert comparable(result.report) == report


def test_pickling(result, inventory, groups):
    again = pickle.loads(pickle.dumps(result))
    assert rows_of(again.memberships) == rows_of(result.memberships)
    assert again.report == result.report
    principal = rows_of(result.memberships)[0][3]
    assert again.groups_of(principal) == result.groups_of(principal)
    table = pickle.loads(pickle.dumps(result.memberships))
    assert isinstance(table, dyngroup.MembershipTable)
    assert rows_of(table) == rows_of(result.memberships)
    strict = dyngroup.compute(inventory, groups, strict=True)
    assert rows_of(pickle.loads(pickle.dumps(strict)).memberships) == rows_of(strict.memberships)
    problem = dyngroup.Problem("f", 1, 2, "error", "invalid-json", "m", "f:1:2: m")
    assert pickle.loads(pickle.dumps(problem)) == problem


def test_gil_is_released_while_computing(tmp_path, inventory, groups):
    # A bigger inventory: the sample repeated with fresh OCIDs.
    lines = inventory.read_text().splitlines()
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        for copy in range(40):
            for line in lines:
                out.write(line.replace('"id": "ocid1.', f'"id": "ocid1.c{copy}', 1) + "\n")
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        result = dyngroup.compute(big, groups, threads=2)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    assert result.report["totals"]["principals-read"] > 40 * 1000
    during = [t for t in ticks if start < t < end]
    # The native call took a while, and the Python thread kept ticking through it.
    assert end - start > 0.05
    assert len(during) >= 10, (end - start, len(during))
