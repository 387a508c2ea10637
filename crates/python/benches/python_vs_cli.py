"""The Python package beside the CLI on one dataset, in one run: medians and ratios.

Measures (medians of --runs runs, CLI and Python runs interleaved so both see the same
machine load):

- ``cli compute``: ``dyngroup compute --inventory I --groups G --out FILE`` (a subprocess,
  wall time: start, read, build, evaluate, write the memberships file).
- ``python compute``: ``dyngroup.compute(I, G)`` (read, build, evaluate, report).
- ``python compute + pyarrow``: the same and ``pyarrow.table(result.memberships)``: the
  memberships in the caller's hands, the Python equivalent of the CLI's written file.
- ``memberships -> pyarrow``: from a computed result, the Arrow record batch built and
  imported by ``pyarrow.table`` (every run builds it afresh).
- ``dask``: ``dyngroup.dask.compute(I, G, shards=N)`` on a ``LocalCluster`` of 2 worker
  processes (1 thread each; each task ``threads=1``), cluster start excluded, for each
  ``--shards``; beside it the single process doing the same job (``compute`` with its
  2-thread pool, ``pyarrow.table`` and the same sort). Where the time goes: the slowest
  task's own time (measured inside the task) and the driver's concat + sort.

Run with a release build of the CLI and a release wheel of the package installed:

    cargo build --release -p dyngroup-cli
    maturin build --release --manifest-path crates/python/Cargo.toml --out target/wheels
    pip install target/wheels/dyngroup-*.whl pyarrow 'dask[distributed]'
    python crates/python/benches/python_vs_cli.py --data /tmp/dyngroup-data/M \\
        --cli target/release/dyngroup --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pyarrow as pa

import dyngroup
import dyngroup.dask


def timed(work: Callable[[], object]) -> Tuple[float, object]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def timed_shard(inventory: str, groups: str, k: int, n: int) -> Tuple[float, pa.Table, dict]:
    """One Dask task, as dyngroup.dask.run_shard, with its own time."""
    start = time.perf_counter()
    table, report = dyngroup.dask.run_shard([inventory], [groups], k, n, {"threads": 1})
    return time.perf_counter() - start, table, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="/tmp/dyngroup-data/M", type=Path)
    parser.add_argument("--cli", default="target/release/dyngroup", type=Path)
    parser.add_argument("--runs", default=5, type=int)
    parser.add_argument("--dask-runs", default=3, type=int)
    parser.add_argument("--shards", default=[2, 4], type=int, nargs="*")
    args = parser.parse_args()
    inventory, groups = str(args.data / "inventory.jsonl"), str(args.data / "groups.jsonl")
    times: Dict[str, List[float]] = {}

    def record(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    rows = None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "memberships.jsonl")
        for _ in range(args.runs):
            seconds, done = timed(
                lambda: subprocess.run(
                    [str(args.cli), "compute", "--inventory", inventory, "--groups", groups,
                     "--out", out],
                    capture_output=True,
                )
            )
            assert done.returncode in (0, 1), done.stderr.decode()
            record("cli compute", seconds)
            seconds, result = timed(lambda: dyngroup.compute(inventory, groups))
            record("python compute", seconds)
            seconds, table = timed(lambda: pa.table(result._native.memberships()))
            record("memberships -> pyarrow", seconds)
            record("python compute + pyarrow", times["python compute"][-1] + seconds)
            rows = table.num_rows
            del result, table

        # The single process doing what the Dask driver returns: sorted memberships.
        for _ in range(args.dask_runs):
            seconds, _ = timed(
                lambda: dyngroup.dask.sort_memberships(dyngroup.compute(inventory, groups).memberships)
            )
            record("single process, sorted table", seconds)

        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(
            cluster
        ) as client:
            client.run(lambda: __import__("dyngroup"))  # import on the workers, untimed
            for shards in args.shards:
                for _ in range(args.dask_runs):
                    seconds, merged = timed(
                        lambda: dyngroup.dask.compute(
                            inventory, groups, shards=shards, client=client, threads=1
                        )
                    )
                    assert merged.memberships.num_rows == rows
                    record(f"dask 2 workers, {shards} shards", seconds)
                # Where the time goes, in one more run: tasks' own times and the driver's merge.
                start = time.perf_counter()
                futures = [
                    client.submit(timed_shard, inventory, groups, k, shards, pure=False)
                    for k in range(shards)
                ]
                parts = client.gather(futures)
                gathered = time.perf_counter() - start
                merge, _ = timed(
                    lambda: dyngroup.dask.sort_memberships(pa.concat_tables([p[1] for p in parts]))
                )
                task_times = sorted(p[0] for p in parts)
                record(f"dask {shards} shards: slowest task", task_times[-1])
                record(f"dask {shards} shards: all tasks gathered", gathered)
                record(f"dask {shards} shards: driver concat + sort", merge)

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"data: {args.data} ({rows:,} membership rows); runs: {args.runs} (dask {args.dask_runs})")
    print(f"{'measurement':<42} {'median':>10} {'runs':>5}")
    for name, values in times.items():
        print(f"{name:<42} {fmt(medians[name]):>10} {len(values):>5}")
    cli = medians["cli compute"]
    print()
    print(f"python compute / cli compute:             {medians['python compute'] / cli:.3f}")
    print(f"python compute + pyarrow / cli compute:   {medians['python compute + pyarrow'] / cli:.3f}")
    print(f"memberships -> pyarrow:                   {fmt(medians['memberships -> pyarrow'])} (target <= 100 ms)")
    single = medians["single process, sorted table"]
    for shards in args.shards:
        dask = medians[f"dask 2 workers, {shards} shards"]
        print(f"dask 2 workers x {shards} shards / single process: {dask / single:.3f}")


if __name__ == "__main__":
    main()
