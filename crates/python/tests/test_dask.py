"""dyngroup.dask on a LocalCluster with two worker processes equals the single-process run."""

from __future__ import annotations

import pickle

import pytest

distributed = pytest.importorskip("distributed")

import dyngroup  # noqa: E402
import dyngroup.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def single(inventory, groups):
    return dyngroup.compute(inventory, groups)


@pytest.mark.parametrize("shards", [2, 5])
def test_sharded_equals_single_process(client, single, inventory, groups, shards):
    result = dyngroup.dask.compute(inventory, groups, shards=shards, client=client)
    assert result.memberships.equals(dyngroup.dask.sort_memberships(single.memberships))
    assert result.memberships.num_rows == single.report["totals"]["memberships"] > 0
    # Rule references are judged within the group's own tenancy, so every list of the
    # merged report, unknown references included, equals the single-process one.
    merged, whole = result.report, dyngroup.dask.merge_reports([single.report])
    assert merged == whole
    assert result.report["totals"] == single.report["totals"]
    again = pickle.loads(pickle.dumps(result))
    assert again.memberships.equals(result.memberships) and again.report == result.report


def test_default_client_and_rejections(client, tmp_path, groups, inventory):
    bad = tmp_path / "with-bad.jsonl"
    bad.write_text(inventory.read_text() + '{"id": "ocid1.instance.oc1..x"}\n')
    result = dyngroup.dask.compute(bad, groups, shards=3)  # the current client
    single = dyngroup.compute(bad, groups)
    assert [str(p) for p in result.rejected] == [str(p) for p in single.rejected]
    assert result.report["totals"]["rejected-records"] == 1


def test_missing_input_raises_on_the_driver(client, tmp_path, groups):
    with pytest.raises(dyngroup.InputError):
        dyngroup.dask.compute(tmp_path / "missing.jsonl", groups, shards=2, client=client)
