-- The members of one group: the principals of its tenancy for which its rule's
-- predicate holds. The runner fills in {group} (the group's position), {tid} (its
-- tenancy's number in `tenancies`) and {predicate} (from the compare tool's
-- translation of the rule, benches/src/sql.rs), and runs the groups in batches joined
-- with UNION ALL, inserting into memberships(g, pid).
SELECT {group} AS g, p.pid FROM principals AS p WHERE p.tid = {tid} AND ({predicate})
