-- Loads an inventory (JSON Lines, as datagen and the OCI CLI write them) into the
-- tables the membership predicates read. The runner replaces {inventory} with the
-- file's path as a SQL string literal and runs the statements in order.
--
--   tenancies(tid, tenancy)
--   principals(tid, pid, id, compartment, rtype, is_instance, tag_keys, tag_values)
--       the principals that take part (docs/semantics.md §3): not TERMINATED/TERMINATING, one
--       record per OCID (the first, as dyngroup-io keeps the first and rejects later
--       ones); rtype is the explicit resource-type or the OCID's second segment,
--       ASCII lower-cased; sorted by tenancy then compartment so that the per-group
--       `tid = …` filter skips row groups through their min/max.
--       tag_keys holds 'ns' || chr(31) || 'key' and tag_values
--       'ns' || chr(31) || 'key' || chr(31) || 'value' for every defined tag, ns and key
--       ASCII lower-cased, value exact: a condition's names never contain chr(31) (the
--       rule grammar allows printable ASCII only), so the encoding is unambiguous.
--   tags(pid, ns, key, value)
--       the same tags unnested, one row each (what the two list columns are built from).
--
-- Defined-tag values that are JSON numbers or booleans are read as their text, as
-- dyngroup does; DuckDB prints a non-integer number in its own form (1.50 -> 1.5), where
-- dyngroup keeps the JSON text — the generated fleets only have integers.

CREATE OR REPLACE TEMP MACRO ascii_lower(s) AS
    translate(s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

CREATE OR REPLACE TEMP MACRO ascii_upper(s) AS
    translate(s, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');

CREATE OR REPLACE TEMP TABLE raw AS
SELECT row_number() OVER () AS rn, *
FROM read_ndjson({inventory}, columns = {
    'id': 'VARCHAR',
    'compartment-id': 'VARCHAR',
    'tenancy-id': 'VARCHAR',
    'resource-type': 'VARCHAR',
    'lifecycle-state': 'VARCHAR',
    'defined-tags': 'MAP(VARCHAR, MAP(VARCHAR, VARCHAR))'
});

CREATE OR REPLACE TEMP TABLE live AS
SELECT rn AS pid,
       id,
       "compartment-id" AS compartment,
       "tenancy-id" AS tenancy,
       ascii_lower(coalesce("resource-type", split_part(id, '.', 2))) AS rtype,
       "defined-tags" AS defined_tags
FROM raw
WHERE id IS NOT NULL AND "compartment-id" IS NOT NULL AND "tenancy-id" IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY id ORDER BY rn) = 1
    AND coalesce(ascii_upper("lifecycle-state"), '') NOT IN ('TERMINATED', 'TERMINATING');

CREATE OR REPLACE TABLE tags AS
WITH namespaces AS (
    SELECT pid, unnest(map_entries(defined_tags)) AS n FROM live
), entries AS (
    SELECT pid, n.key AS ns, unnest(map_entries(n.value)) AS kv FROM namespaces
)
SELECT pid, ascii_lower(ns) AS ns, ascii_lower(kv.key) AS key, kv.value AS value
FROM entries;

CREATE OR REPLACE TABLE tenancies AS
SELECT row_number() OVER (ORDER BY tenancy) AS tid, tenancy
FROM (SELECT DISTINCT tenancy FROM live);

CREATE OR REPLACE TABLE principals AS
SELECT t.tid,
       p.pid,
       p.id,
       p.compartment,
       p.rtype,
       p.rtype = 'instance' AS is_instance,
       coalesce(g.tag_keys, []) AS tag_keys,
       coalesce(g.tag_values, []) AS tag_values
FROM live AS p
JOIN tenancies AS t USING (tenancy)
LEFT JOIN (
    SELECT pid,
           list(ns || chr(31) || key) AS tag_keys,
           list(ns || chr(31) || key || chr(31) || value) AS tag_values
    FROM tags
    GROUP BY pid
) AS g USING (pid)
ORDER BY t.tid, p.compartment;

DROP TABLE raw;
DROP TABLE live;
