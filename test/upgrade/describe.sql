-- test/upgrade/describe.sql: every object of the rebound extension, one line
-- each (several for a table), in a canonical order, so that two databases
-- can be compared with diff: a 0.1.0 install updated to the current version
-- and a fresh install of it.  What is compared: definitions (functions with
-- their bodies, labels, settings and grants; tables with their columns in
-- order, constraints, indexes, triggers, grants, comments; views; types,
-- enum labels in order; operators, classes and aggregates; sequences) and
-- the tables pg_dump keeps (pg_extension_config_dump).
\pset format unaligned
\pset tuples_only on
WITH ext AS (
	SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'rebound'
), member AS (
	SELECT d.classid, d.objid
	FROM pg_catalog.pg_depend d, ext
	WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	  AND d.refobjid = ext.oid AND d.deptype = 'e'
), rel AS (
	SELECT c.oid, c.relname, c.relkind, c.relacl, c.relrowsecurity, c.reloptions
	FROM member m JOIN pg_catalog.pg_class c ON c.oid = m.objid
	WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
)
SELECT line FROM (
	-- functions, procedures, aggregates: the whole definition
	SELECT 'function ' || p.oid::pg_catalog.regprocedure::text || E'\n'
		|| CASE WHEN p.prokind = 'a' THEN
			(SELECT pg_catalog.concat_ws(' ', 'aggregate', a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
					a.aggsortop::pg_catalog.regoperator, a.aggtranstype::pg_catalog.regtype)
			 FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
		   ELSE pg_catalog.pg_get_functiondef(p.oid) END
		|| E'\n  acl ' || coalesce(p.proacl::text, 'default')
		|| E'\n  comment ' || coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '-') AS line
	FROM member m JOIN pg_catalog.pg_proc p ON p.oid = m.objid
	WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
	UNION ALL
	-- relations
	SELECT 'relation ' || r.relname || ' kind ' || r.relkind::text
		|| ' acl ' || coalesce(r.relacl::text, 'default')
		|| ' rls ' || r.relrowsecurity || ' options ' || coalesce(r.reloptions::text, '-')
		|| ' comment ' || coalesce(pg_catalog.obj_description(r.oid, 'pg_class'), '-')
	FROM rel r
	UNION ALL
	SELECT 'column ' || r.relname || ' #'
		|| pg_catalog.lpad((pg_catalog.row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum))::text, 3, '0') || ' ' || a.attname
		|| ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
		|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
		|| CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
		|| CASE a.attgenerated WHEN 's' THEN ' generated' ELSE '' END
		|| coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
		|| coalesce(' collate ' || NULLIF(a.attcollation, 0)::pg_catalog.regcollation::text, '')
		|| coalesce(' acl ' || a.attacl::text, '')
		|| coalesce(' comment ' || pg_catalog.col_description(r.oid, a.attnum), '')
	FROM rel r
	JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
	WHERE r.relkind IN ('r', 'p', 'v', 'c')
	UNION ALL
	SELECT 'constraint ' || r.relname || ' ' || pg_catalog.pg_get_constraintdef(co.oid)
	FROM rel r JOIN pg_catalog.pg_constraint co ON co.conrelid = r.oid
	UNION ALL
	SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
	FROM rel r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
	UNION ALL
	SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
		|| CASE t.tgenabled WHEN 'O' THEN '' ELSE ' enabled ' || t.tgenabled::text END
	FROM rel r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT 'policy ' || r.relname || ' ' || po.polname || ' ' || po.polcmd::text || ' '
		|| coalesce(pg_catalog.pg_get_expr(po.polqual, po.polrelid), '-') || ' '
		|| coalesce(pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid), '-')
	FROM rel r JOIN pg_catalog.pg_policy po ON po.polrelid = r.oid
	UNION ALL
	SELECT 'view ' || r.relname || E'\n' || pg_catalog.pg_get_viewdef(r.oid)
	FROM rel r WHERE r.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'sequence ' || r.relname || ' ' || s.seqtypid::pg_catalog.regtype || ' '
		|| s.seqstart || ' ' || s.seqincrement || ' ' || s.seqmin || ' ' || s.seqmax
		|| ' ' || s.seqcache || ' ' || s.seqcycle
	FROM rel r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid
	UNION ALL
	-- types
	SELECT 'type ' || t.oid::pg_catalog.regtype::text || ' ' || t.typtype::text || ' ' || t.typlen
		|| ' ' || t.typbyval || ' ' || t.typalign::text || ' ' || t.typstorage::text || ' ' || t.typcategory::text
		|| ' ' || t.typinput::text || ' ' || t.typoutput::text || ' ' || t.typreceive::text
		|| ' ' || t.typsend::text
		|| coalesce(' labels ' || (SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
							 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '')
		|| ' comment ' || coalesce(pg_catalog.obj_description(t.oid, 'pg_type'), '-')
	FROM member m JOIN pg_catalog.pg_type t ON t.oid = m.objid
	WHERE m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
	UNION ALL
	SELECT 'operator ' || o.oid::pg_catalog.regoperator::text || ' ' || o.oprcode::text
		|| ' ' || o.oprcom::pg_catalog.regoperator::text || ' ' || o.oprnegate::pg_catalog.regoperator::text
		|| ' ' || o.oprrest::text || ' ' || o.oprjoin::text || ' ' || o.oprcanhash || ' ' || o.oprcanmerge
	FROM member m JOIN pg_catalog.pg_operator o ON o.oid = m.objid
	WHERE m.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
	UNION ALL
	SELECT 'opclass ' || am.amname || ' ' || oc.opcname || ' default ' || oc.opcdefault
		|| ' ops ' || (SELECT pg_catalog.string_agg(ao.amopstrategy || '=' || ao.amopopr::pg_catalog.regoperator::text, ' ' ORDER BY ao.amopstrategy)
				FROM pg_catalog.pg_amop ao WHERE ao.amopfamily = oc.opcfamily)
		|| ' procs ' || (SELECT pg_catalog.string_agg(ap.amprocnum || '=' || ap.amproc::text, ' ' ORDER BY ap.amprocnum)
				FROM pg_catalog.pg_amproc ap WHERE ap.amprocfamily = oc.opcfamily)
	FROM member m JOIN pg_catalog.pg_opclass oc ON oc.oid = m.objid
	JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
	WHERE m.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
	UNION ALL
	-- schemas the extension created, with who may use them
	SELECT 'schema ' || n.nspname || ' acl ' || coalesce(n.nspacl::text, 'default')
		|| ' comment ' || coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '-')
	FROM member m JOIN pg_catalog.pg_namespace n ON n.oid = m.objid
	WHERE m.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
	UNION ALL
	-- anything else is named, so that a stray member shows
	SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, 0)
	FROM member m
	WHERE m.classid NOT IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_class'::pg_catalog.regclass,
		'pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass,
		'pg_catalog.pg_opclass'::pg_catalog.regclass, 'pg_catalog.pg_namespace'::pg_catalog.regclass)
	UNION ALL
	-- what pg_dump keeps
	SELECT 'config_dump ' || c.relname || ' ' || coalesce(x.cond, '')
	FROM pg_catalog.pg_extension e,
		ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS x (reloid, cond)
		JOIN pg_catalog.pg_class c ON c.oid = x.reloid
	WHERE e.extname = 'rebound'
) AS described
ORDER BY line COLLATE "C";
