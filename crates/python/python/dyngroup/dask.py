"""The batch job on a Dask cluster: one task per tenancy shard.

Every task reads the input paths itself (shared storage), keeps the tenancies of its
shard (``xxh3_64(tenancy) % shards == k``, as the CLI's ``--shard k/N``), computes, and
returns a pyarrow table and its report; the driver concatenates and sums. Shards
partition tenancies and every membership stays inside its tenancy, so the union of the
shards is exactly the single-process result::

    from dask.distributed import Client
    import dyngroup.dask

    with Client() as client:
        result = dyngroup.dask.compute("inventory.jsonl", "groups.jsonl", shards=8, client=client)
    result.memberships  # pyarrow.Table, sorted by tenancy_id, group_id, principal_id
    result.report       # totals summed over the shards

Needs the ``dask`` extra: ``pip install './crates/python[dask]'``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pyarrow as pa

import dyngroup

__all__ = ["DaskResult", "SORT_KEYS", "compute", "merge_reports", "run_shard", "sort_memberships"]

#: The row order of :attr:`DaskResult.memberships`.
SORT_KEYS = ("tenancy_id", "group_id", "principal_id")

#: Report lists that each shard fills for its own tenancies (a problem of no tenancy,
#: such as a line that is not JSON, is shard 0's), as the CLI's ``--shard`` reports.
_SHARDED_LISTS = (
    "rejected",
    "warnings",
    "refused-groups",
    "invalid-groups",
    "tenancies-over-limit",
    "principals-over-limit",
    "unknown-references",
    "domain-scope-not-applied",
)


def sort_memberships(table: Any) -> pa.Table:
    """A memberships table (any Arrow stream) as a pyarrow table in :data:`SORT_KEYS` order."""
    return pa.table(table).sort_by([(key, "ascending") for key in SORT_KEYS])


def _sorted_list(items: List[Any]) -> List[Any]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def merge_reports(reports: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """One report from the reports of every shard of one run.

    Counts are summed and the lists concatenated: each shard reports only its own
    tenancies' problems and findings (problems of no tenancy: shard 0), as the CLI's
    ``--shard`` does. Every list is put in one canonical order, so a single-process report
    passed through ``merge_reports([report])`` compares equal to the merged one.
    """
    first = reports[0]
    merged: Dict[str, Any] = {"limits": first["limits"]}
    for key in _SHARDED_LISTS:
        merged[key] = _sorted_list([item for report in reports for item in report[key]])
    totals = {
        key: sum(report["totals"][key] for report in reports)
        for key in ("principals-read", "principals-indexed", "groups", "tenancies", "memberships")
    }
    totals["rejected-records"] = len(merged["rejected"]) + len(merged["refused-groups"])
    totals["invalid-groups"] = len(merged["invalid-groups"])
    totals["warnings"] = len(merged["warnings"])
    merged["totals"] = totals
    return merged


def run_shard(
    inventory: List[str], groups: List[str], k: int, shards: int, options: Dict[str, Any]
) -> Tuple[pa.Table, Dict[str, Any]]:
    """One task: shard ``k`` of ``shards``, read from the paths on the worker.

    Returns plain picklable values (a pyarrow table and a dict)."""
    result = dyngroup.compute(inventory, groups, shard=(k, shards), **options)
    return pa.table(result.memberships), result.report


@dataclass
class DaskResult:
    """Memberships (a pyarrow table in :data:`SORT_KEYS` order) and the summed report."""

    memberships: pa.Table
    report: Dict[str, Any]

    @property
    def rejected(self) -> List[dyngroup.Problem]:
        return [dyngroup.Problem.from_json(p) for p in self.report["rejected"]]


def compute(
    inventory: dyngroup.Paths,
    groups: dyngroup.Paths,
    *,
    shards: int,
    client: Optional[Any] = None,
    tenancy: Optional[str] = None,
    strict: bool = False,
    threads: Optional[int] = 1,
    max_groups_per_tenancy: int = 50,
    max_groups_per_principal: int = 5,
) -> DaskResult:
    """:func:`dyngroup.compute` split into ``shards`` tasks on a ``dask.distributed`` client.

    ``client`` defaults to the current client (``distributed.get_client()``). Paths must be
    readable by every worker. ``threads`` is each task's rayon pool (default 1, one per
    Dask thread, since Dask does not bound rayon).
    """
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    if client is None:
        from distributed import get_client

        client = get_client()
    options = {
        "tenancy": tenancy,
        "strict": strict,
        "threads": threads,
        "max_groups_per_tenancy": max_groups_per_tenancy,
        "max_groups_per_principal": max_groups_per_principal,
    }
    paths = (dyngroup._paths(inventory), dyngroup._paths(groups))
    futures = [
        client.submit(run_shard, paths[0], paths[1], k, shards, options, pure=False)
        for k in range(shards)
    ]
    parts = client.gather(futures)
    memberships = sort_memberships(pa.concat_tables([table for table, _ in parts]))
    return DaskResult(memberships, merge_reports([report for _, report in parts]))
