#!/usr/bin/env python3
"""The DuckDB peer: dynamic-group memberships computed with SQL.

    python3 duckdb_peer.py --inventory inventory.jsonl --predicates groups.sql.json \
        --out members.jsonl [--runs 5] [--batch 100]

--predicates is the JSON the compare tool writes (benches/src/sql.rs): a list of
{"group", "tenancy", "id", "name", "predicate"}, one per group, "predicate" a SQL
boolean expression over a row `p` of `principals` (null: the rule does not parse, no
members). The SQL beside this file does the rest: schema.sql loads the inventory,
membership.sql is the per-group query, output.sql writes the result file.

Two phases, each timed `--runs` times:
  evaluate    from tables already loaded (one connection, loaded once): every group's
              query, inserting (group, principal) pairs into a table;
  end-to-end  a fresh in-memory database each run: load the inventory file, run every
              group's query, write one JSON line per group with its members.

Prints one JSON object on stdout: the seconds of every run of each phase, the load
time inside each end-to-end run, per-group member counts of both phases, DuckDB's
version and threads, and this process's peak RSS. Progress goes to stderr.
"""

import argparse
import json
import os
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))


def sql_file(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def literal(text):
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def statements(script):
    """The statements of a script, comment lines dropped (no ';' inside literals here)."""
    body = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def load(con, inventory):
    for statement in statements(sql_file("schema.sql").replace("{inventory}", literal(inventory))):
        con.execute(statement)


def batches(con, groups, batch):
    """The INSERT statements that compute every group's members, `batch` groups each."""
    template = statements(sql_file("membership.sql"))[0]
    tids = dict(con.execute("SELECT tenancy, tid FROM tenancies").fetchall())
    selects = []
    for g in groups:
        tid = tids.get(g["tenancy"])
        if g["predicate"] is None or tid is None:
            continue  # a rule that does not parse, or a tenancy without principals
        selects.append(
            template.replace("{group}", str(g["group"]))
            .replace("{tid}", str(tid))
            .replace("{predicate}", g["predicate"])
        )
    return [
        "INSERT INTO memberships " + " UNION ALL ".join(selects[i : i + batch])
        for i in range(0, len(selects), batch)
    ]


def evaluate(con, queries):
    con.execute("CREATE OR REPLACE TABLE memberships (g INTEGER, pid BIGINT)")
    for q in queries:
        con.execute(q)


def counts(con, n):
    out = [0] * n
    for g, c in con.execute("SELECT g, count(*) FROM memberships GROUP BY g").fetchall():
        out[g] = c
    return out


def peak_rss_bytes():
    """VmHWM of this process (ru_maxrss would carry the parent's peak across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inventory", required=True)
    ap.add_argument("--predicates", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()

    with open(args.predicates, encoding="utf-8") as f:
        groups = json.load(f)
    n = len(groups)
    runs = max(1, args.runs)

    # From tables already loaded.
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb_peer: loading {args.inventory}", file=sys.stderr)
    load(con, args.inventory)
    queries = batches(con, groups, args.batch)
    evaluate_s = []
    for r in range(runs):
        start = time.perf_counter()
        evaluate(con, queries)
        evaluate_s.append(time.perf_counter() - start)
        print(f"duckdb_peer: evaluate run {r + 1}/{runs}: {evaluate_s[-1]:.3f} s", file=sys.stderr)
    loaded_counts = counts(con, n)
    con.close()

    # End to end from the file.
    end_to_end_s, load_s = [], []
    for r in range(runs):
        con = duckdb.connect()
        start = time.perf_counter()
        load(con, args.inventory)
        loaded = time.perf_counter()
        con.execute("CREATE OR REPLACE TABLE dyn_groups AS SELECT * FROM read_json(?)", [args.predicates])
        evaluate(con, batches(con, groups, args.batch))
        con.execute(sql_file("output.sql").replace("{out}", literal(args.out)))
        end = time.perf_counter()
        end_to_end_s.append(end - start)
        load_s.append(loaded - start)
        print(f"duckdb_peer: end-to-end run {r + 1}/{runs}: {end_to_end_s[-1]:.3f} s", file=sys.stderr)
        e2e_counts = counts(con, n)
        con.close()

    json.dump(
        {
            "duckdb_version": duckdb.__version__,
            "threads": threads,
            "groups": n,
            "batch": args.batch,
            "evaluate_s": evaluate_s,
            "end_to_end_s": end_to_end_s,
            "load_s": load_s,
            "counts": loaded_counts,
            "end_to_end_counts": e2e_counts,
            "peak_rss_bytes": peak_rss_bytes(),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
