"""explain against the CLI's `explain --json` on the sample, principal by principal."""

from __future__ import annotations

import json
import subprocess

import pyarrow as pa
import pytest

import dyngroup

from conftest import read_jsonl


def cli_explain(cli, inventory, groups, principal, *extra):
    done = subprocess.run(
        [str(cli), "explain", "--inventory", str(inventory), "--groups", str(groups),
         "--principal", principal, "--json", *extra],
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def principals(inventory):
    records = read_jsonl(inventory)
    terminated = [r["id"] for r in records if r.get("lifecycle-state") == "TERMINATED"]
    assert terminated
    # Every 97th record: instances, functions, several tenancies; and a terminated one.
    return [r["id"] for r in records[::97]] + terminated[:1]


def test_every_answer_equals_the_cli(cli, inventory, groups, principals):
    explained = 0
    for principal in principals:
        code, out, err = cli_explain(cli, inventory, groups, principal)
        assert code == 0, err
        answer = dyngroup.explain(inventory, groups, principal)
        assert answer == json.loads(out), principal
        explained += sum(1 for g in answer["groups"] if g["tree"] is not None)
    assert explained > 10


def test_one_group_and_a_group_of_another_tenancy(cli, inventory, groups, principals):
    records = {g["name"]: g for g in read_jsonl(groups)}
    principal = principals[0]
    tenancy = dyngroup.explain(inventory, groups, principal)["tenancy-id"]
    own = next(n for n, g in records.items() if g["compartment-id"] == tenancy)
    other = next(n for n, g in records.items() if g["compartment-id"] != tenancy)
    for name in (own, other):
        _, out, _ = cli_explain(cli, inventory, groups, principal, "--group", name)
        answer = dyngroup.explain(inventory, groups, principal, group=name)
        assert answer == json.loads(out)
    assert answer["groups"][0]["same-tenancy"] is False and "why" in answer["groups"][0]


def test_a_principal_of_another_shard(cli, inventory, groups, principals):
    principal = principals[1]
    tenancy = dyngroup.explain(inventory, groups, principal)["tenancy-id"]
    k = next(k for k in range(3) if not dyngroup._native.owns_tenancy(tenancy, k, 3))
    _, out, _ = cli_explain(cli, inventory, groups, principal, "--shard", f"{k}/3")
    answer = dyngroup.explain(inventory, groups, principal, shard=(k, 3))
    assert answer == json.loads(out)
    assert answer["indexed"] is False and answer["shard"] == f"{k}/3"


def test_unknown_principal_or_group_is_a_lookup_error(inventory, groups, principals):
    with pytest.raises(LookupError, match="no principal has id ocid1.instance.oc1..nobody"):
        dyngroup.explain(inventory, groups, "ocid1.instance.oc1..nobody")
    with pytest.raises(LookupError, match="no group named nope"):
        dyngroup.explain(inventory, groups, principals[0], group="nope")


def test_explain_from_arrow_tables(inventory, groups, principals):
    pa = pytest.importorskip("pyarrow")
    from test_arrow_inputs import records_table

    answer = dyngroup.explain(records_table(inventory, "json"), pa.Table.from_pylist(read_jsonl(groups)), principals[0])
    assert answer == dyngroup.explain(inventory, groups, principals[0])


DOMAINS = __import__("pathlib").Path(__file__).resolve().parents[2] / "snapshot" / "tests" / "data"


def test_identity_domain_scope_with_compartments_equals_the_cli(cli):
    """The version 3 golden file's inputs: TeamFns' domain lives in compartment `team`,
    so with the tree it holds only the functions of `team` and `team-child`."""
    inventory, groups, tree = (
        DOMAINS / "v3-inventory.jsonl",
        DOMAINS / "v3-groups.json",
        DOMAINS / "v3-compartments.json",
    )
    result = dyngroup.compute(inventory, groups, compartments=tree)
    table = pa.table(result.memberships)
    members = sorted(
        row["principal_id"] for row in table.to_pylist() if row["group_name"] == "TeamFns"
    )
    assert members == ["ocid1.fnfunc.oc1..child", "ocid1.fnfunc.oc1..team"]
    assert [g["name"] for g in result.report["domain-scope-not-applied"]] == ["GoneFns"]
    assert result.report["compartment-tree-problems"] == []
    # Without the tree the scope is not applied.
    unscoped = dyngroup.compute(inventory, groups)
    assert len(unscoped.report["domain-scope-not-applied"]) == 2

    other = "ocid1.fnfunc.oc1..other"
    code, out, err = cli_explain(
        cli, inventory, groups, other, "--group", "TeamFns", "--compartments", str(tree)
    )
    assert code == 0, err
    answer = dyngroup.explain(inventory, groups, other, group="TeamFns", compartments=tree)
    assert answer == json.loads(out)
    scope = answer["groups"][0]["domain-scope"]
    assert scope == {
        "domain-id": "ocid1.domain.oc1..team",
        "domain-compartment-id": "ocid1.compartment.oc1..team",
        "applied": True,
        "holds": False,
        "principal-compartment-id": "ocid1.compartment.oc1..other",
        "not-applied-reason": None,
    }
    assert answer["groups"][0]["member"] is False
