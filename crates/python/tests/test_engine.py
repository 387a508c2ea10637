"""The live engine: apply against the CLI's `dyngroup apply`, readers on other threads,
checkpoint then open."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import threading
import time

import pytest

import dyngroup

from conftest import read_jsonl


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, inventory, groups):
    path = tmp_path_factory.mktemp("engine") / "sample.dgs"
    dyngroup.compute(inventory, groups).write_snapshot(path)
    return path


@pytest.fixture(scope="module")
def changes(inventory, groups):
    """One change of every kind on the sample, a refused one and an unreadable one."""
    principals = [r for r in read_jsonl(inventory) if r.get("lifecycle-state") != "TERMINATED"]
    result = dyngroup.compute(inventory, groups)
    # A group with members and one member of it.
    table = result.to_pyarrow().to_pylist()
    first = table[0]
    member = next(p for p in principals if p["id"] == first["principal_id"])
    tenancy = first["tenancy_id"]
    emptied = next(g for g in read_jsonl(groups) if g["id"] == table[-1]["group_id"])
    retagged = dict(principals[5], **{"defined-tags": {"Ops": {"Role": "nothing-matches"}}})
    moved = dict(principals[7], **{"compartment-id": member["compartment-id"]})
    terminated = dict(principals[11], **{"lifecycle-state": "TERMINATED"})
    new = dict(member, id="ocid1.instance.oc1..newprincipal")
    return [
        {"op": "upsert-principal", "principal": retagged},
        {"op": "upsert-principal", "principal": moved},
        {"op": "upsert-principal", "principal": terminated},
        {"op": "upsert-principal", "principal": new},
        {"op": "remove-principal", "id": principals[13]["id"]},
        {"op": "upsert-group", "group": {
            "id": "ocid1.dynamicgroup.oc1..pythonnew", "name": "python-new",
            "matching-rule": f"instance.compartment.id = '{member['compartment-id']}'",
            "compartment-id": tenancy}},
        {"op": "upsert-group", "group": dict(emptied, **{"matching-rule": "resource.type = 'nothing'"})},
        {"op": "delete-group", "id": first["group_id"], "force": False},  # refused: members
        {"op": "delete-group", "id": emptied["id"], "force": True},
        {"op": "upsert-group", "group": {"name": "bad", "matching-rule": "ALL {", "compartment-id": tenancy}},
        {"op": "no-such-op"},  # unreadable
    ]


def cli_apply(cli, snapshot, changes_list, tmp_path):
    old = tmp_path / "cli-old.dgs"
    shutil.copy(snapshot, old)
    changes_file = tmp_path / "changes.jsonl"
    changes_file.write_text("".join(json.dumps(c) + "\n" for c in changes_list))
    new = tmp_path / "cli-new.dgs"
    done = subprocess.run(
        [str(cli), "apply", "--snapshot", str(old), "--changes", str(changes_file), "--out", str(new)],
        capture_output=True,
        text=True,
    )
    return done, new


def test_apply_equals_the_cli(cli, snapshot, changes, tmp_path):
    done, cli_new = cli_apply(cli, snapshot, changes, tmp_path)
    assert done.returncode == 1, done.stderr
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    engine = dyngroup.Engine.open(snapshot)
    applied = engine.apply(changes)
    assert applied.delta == expected
    assert {r["change"] for r in applied.delta} == {"created", "deleted", "updated"}
    # The same problems as the CLI reports on stderr, at the same lines.
    path = str(tmp_path / "changes.jsonl")
    cli_lines = [
        line.replace(path, "<changes>").replace(": error: ", ": ", 1)
        for line in done.stderr.splitlines()
        if line.startswith(path)
    ]
    ours = [str(p) for p in applied.rejected] + applied.refused
    assert sorted(ours) == sorted(cli_lines)
    assert any(r.startswith("<changes>:8: ") for r in applied.refused)
    assert any(str(p).startswith("<changes>:11:") for p in applied.rejected)
    assert not applied.ok
    assert pickle.loads(pickle.dumps(applied)) == applied
    # The checkpoint holds what the CLI wrote.
    ours = tmp_path / "py-new.dgs"
    assert engine.checkpoint(ours) > 0
    assert dyngroup.diff(cli_new, ours) == []
    again = dyngroup.Engine.open(ours)
    for group in dyngroup.open(ours).groups():
        assert sorted(again.members(group[0], group[2])) == sorted(engine.members(group[0], group[2]))


def test_reads_reflect_the_changes(snapshot, changes):
    engine = dyngroup.Engine.open(snapshot)
    new = changes[3]["principal"]["id"]
    assert engine.groups_of(new) is None
    before = engine.version
    applied = engine.apply(changes[3:4])
    assert applied.ok and applied.version == engine.version > before
    assert engine.groups_of(new)
    group = engine.groups_of(new)[0]
    assert engine.is_member(new, group.group_id)
    assert new in engine.members(group.tenancy_id, group.name.upper())
    assert engine.apply([]).delta == []


def test_readers_keep_reading_while_a_batch_applies(snapshot, inventory):
    engine = dyngroup.Engine.open(snapshot)
    template = next(r for r in read_jsonl(inventory) if r.get("lifecycle-state") != "TERMINATED"
                    and dyngroup.Engine.open(snapshot).groups_of(r["id"]))
    batch = [
        {"op": "upsert-principal", "principal": dict(template, id=f"ocid1.instance.oc1..bulk{i}")}
        for i in range(30000)
    ]
    probe = batch[-1]["principal"]["id"]
    seen = []  # (time, whether the batch's first and last principals are indexed)
    first = batch[0]["principal"]["id"]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            last_in = engine.groups_of(probe) is not None
            first_in = engine.groups_of(first) is not None
            seen.append((time.perf_counter(), first_in, last_in))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.02)
        start = time.perf_counter()
        applied = engine.apply(batch)
        end = time.perf_counter()
        time.sleep(0.02)
    finally:
        stop.set()
        thread.join()
    assert applied.ok
    during = [s for s in seen if start < s[0] < end]
    assert end - start > 0.05
    assert len(during) >= 3, "the reader thread was blocked while the batch applied"
    # The batch is published at once: the last principal is never seen before the
    # first (read after it), and once seen it stays.
    assert not any(last_in and not first_in for _, first_in, last_in in seen)
    flags = [last_in for _, _, last_in in seen]
    assert flags == sorted(flags) and flags[-1] and not flags[0]
    assert engine.version == applied.version


def test_a_damaged_snapshot_is_a_snapshot_error(tmp_path, snapshot):
    bad = tmp_path / "bad.dgs"
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(dyngroup.SnapshotError, match="snapshot"):
        dyngroup.Engine.open(bad)
