-- test/upgrade/columns.sql: the extension's tables and their columns, as
-- "table|col1,col2,…", for the row checks of test/lib/upgrade.sh.
SELECT c.relname || '|' || pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY a.attnum)
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.objid AND c.relkind = 'r'
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'rebound')
  AND d.deptype = 'e'
GROUP BY c.relname
ORDER BY c.relname;
