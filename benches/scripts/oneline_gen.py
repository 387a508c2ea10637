#!/usr/bin/env python3
"""Inputs for benches/RESULTS.md "One long line": python3 oneline_gen.py OUT_DIR."""
# Compartment trees and inventories of N records, each as one line, pretty and JSON Lines.
import json, os, random, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for n in (10_000, 100_000):
    rnd = random.Random(n)
    t = "ocid1.tenancy.oc1..aaaat1"
    comps = [{"id": t, "name": "acme", "lifecycle-state": "ACTIVE"}]
    for i in range(n):
        parent = comps[rnd.randrange(len(comps))]["id"]
        comps.append({"id": f"ocid1.compartment.oc1..aaaab{i:07}", "name": f"c{i}",
                      "compartment-id": parent, "lifecycle-state": "ACTIVE"})
    inv = [{"id": f"ocid1.instance.oc1.phx.b{i:07}",
            "compartment-id": comps[rnd.randrange(len(comps))]["id"], "tenancy-id": t,
            "defined-tags": {"Ops": {"Role": rnd.choice(["web", "db", "batch"])}}}
           for i in range(n)]
    for kind, records in (("comp", comps), ("inv", inv)):
        base = f"{out}/{kind}_{n // 1000}k"
        with open(base + ".oneline.json", "w") as f:
            f.write(json.dumps({"data": records}) + "\n")
        with open(base + ".pretty.json", "w") as f:
            f.write(json.dumps({"data": records}, indent=2) + "\n")
        with open(base + ".jsonl", "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)
with open(f"{out}/groups.jsonl", "w") as f:
    for role in ("web", "db", "batch"):
        f.write(json.dumps({"id": f"ocid1.dynamicgroup.oc1..{role}", "name": role,
                            "compartment-id": "ocid1.tenancy.oc1..aaaat1",
                            "matching-rule": f"tag.Ops.Role.value = '{role}'"}) + "\n")
