"""open and diff, against snapshots written by the CLI and the CLI's query/diff output."""

from __future__ import annotations

import json
import pickle

import pytest

import dyngroup

from conftest import read_jsonl, run_cli


@pytest.fixture(scope="module")
def snapshots(cli, inventory, groups, tmp_path_factory):
    """The CLI's snapshot of the sample, and one of the sample with its first five groups removed."""
    tmp = tmp_path_factory.mktemp("snapshots")
    fewer = tmp / "fewer-groups.jsonl"
    fewer.write_text("\n".join(groups.read_text().splitlines()[5:]) + "\n")
    old, new = tmp / "old.dgs", tmp / "new.dgs"
    run_cli(cli, "compute", "--inventory", inventory, "--groups", groups, "--out", tmp / "a.jsonl", "--snapshot", old)
    run_cli(cli, "compute", "--inventory", inventory, "--groups", fewer, "--out", tmp / "b.jsonl", "--snapshot", new)
    return old, new


def test_open_answers_like_the_cli(cli, snapshots, inventory, groups):
    old, _ = snapshots
    snapshot = dyngroup.open(old)
    result = dyngroup.compute(inventory, groups)
    assert snapshot.principal_count == result.report["totals"]["principals-indexed"]
    checked = 0
    for line in inventory.read_text().splitlines()[:60]:
        principal = json.loads(line)["id"]
        found = snapshot.groups_of(principal)
        assert found == [tuple(g) for g in result.groups_of(principal) or []] or found is None
        if found:
            query = run_cli(cli, "query", "--snapshot", old, "--principal", principal, "--json").stdout
            assert [g[2] for g in found] == json.loads(query)["groups"]
            checked += 1
    assert checked > 0
    tenancy, group_id, name = snapshot.groups()[0]
    query = run_cli(cli, "query", "--snapshot", old, "--group", name, "--tenancy", tenancy, "--json").stdout
    assert snapshot.members(tenancy, name) == json.loads(query)["members"]
    assert snapshot.members(tenancy, "no-such-group") is None


def test_mmap_and_pickle(snapshots):
    old, _ = snapshots
    mapped = dyngroup.open(old, mmap=True)
    again = pickle.loads(pickle.dumps(mapped))
    assert again.groups() == mapped.groups() == dyngroup.open(old).groups()


def test_diff_equals_the_cli(cli, snapshots):
    old, new = snapshots
    changes = dyngroup.diff(old, new)
    expected = [json.loads(line) for line in run_cli(cli, "diff", old, new, "--json").stdout.splitlines()]
    assert len(changes) >= 5
    assert [{k.replace("_", "-"): v for k, v in c.items()} for c in changes] == expected
    assert dyngroup.diff(dyngroup.open(old), dyngroup.open(old)) == []


def test_written_snapshot_reopens(tmp_path, inventory, groups):
    result = dyngroup.compute(inventory, groups)
    path = tmp_path / "python.dgs"
    result.write_snapshot(path)
    snapshot = dyngroup.open(path)
    tenancy, _, name = snapshot.groups()[0]
    assert snapshot.members(tenancy, name) == result.members(tenancy, name)


def test_damaged_snapshot_is_a_snapshot_error(tmp_path, snapshots):
    old, _ = snapshots
    damaged = tmp_path / "damaged.dgs"
    data = bytearray(old.read_bytes())
    data[-1] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(dyngroup.SnapshotError, match="^snapshot: section .* checksum mismatch"):
        dyngroup.open(damaged)
    with pytest.raises(dyngroup.SnapshotError, match="^snapshot: "):
        dyngroup.open(tmp_path / "missing.dgs")
    text = tmp_path / "text.dgs"
    text.write_text("not a snapshot")
    with pytest.raises(dyngroup.SnapshotError):
        dyngroup.open(text)
