-- Writes every group with its members, one JSON object per line, as
-- `dyngroup compute --out` does: {"tenancy-id", "group-id", "name", "count", "members"}.
-- The runner replaces {out} with the output path as a SQL string literal; `dyn_groups` is
-- the predicates file loaded as a table.
COPY (
    SELECT g.tenancy AS "tenancy-id",
           g.id AS "group-id",
           g.name AS "name",
           count(p.id) AS "count",
           coalesce(list(p.id ORDER BY p.pid) FILTER (WHERE p.id IS NOT NULL), []) AS "members"
    FROM dyn_groups AS g
    LEFT JOIN memberships AS m ON m.g = g."group"
    LEFT JOIN principals AS p ON p.pid = m.pid
    GROUP BY g."group", g.tenancy, g.id, g.name
    ORDER BY g."group"
) TO {out} (FORMAT json);
