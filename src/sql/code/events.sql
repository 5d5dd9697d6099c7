-- src/sql/code/events.sql: bounces from where they arrive: ESP webhook payloads.
--
-- Behaviour: functions, triggers, their grants.  Written CREATE OR REPLACE
-- so that every upgrade script re-runs this file as it is (the full
-- install script drops the OR REPLACE).  No declarations: events land in
-- the ledger's own table.

-- ===========================================================================
-- Webhook payloads
-- ===========================================================================

-- One row per recipient event of a webhook payload (src/glue/event.c): the
-- ESP's own verdict in source_severity, rebound's in reason, severity and
-- infrastructure.  A document of no known format gives no rows.  STABLE
-- and PARALLEL SAFE like classify(): the verdict reads rebound.rule, and a
-- time written without a zone reads the session's.
CREATE OR REPLACE FUNCTION @extschema@.parse_event(event pg_catalog.jsonb)
	RETURNS TABLE (recipient pg_catalog.text, occurred_at pg_catalog.timestamptz,
				   event pg_catalog.text, status @extschema@.smtp_status,
				   reply_code pg_catalog.int4, diagnostic pg_catalog.text,
				   remote_mta pg_catalog.text, source_severity @extschema@.severity,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool, message_id pg_catalog.text,
				   esp pg_catalog.text)
	AS 'MODULE_PATHNAME', 'rebound_parse_event'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_event(pg_catalog.jsonb) IS
	'one classified row per recipient event of an ESP webhook payload (Amazon SES, SendGrid, Mailgun, Postmark, SparkPost, Brevo, Mailjet, Mandrill, Resend, MailerSend, Azure Communication Services); event is bounce, deferral, complaint, delivery or other';

-- ===========================================================================
-- MTA log lines
-- ===========================================================================

-- One row per recipient event of a log line (src/glue/log_line.c, read by
-- src/core/logline.c): Postfix (status=bounced, deferred, sent, and
-- "host ... said:" replies), Exim (**, ==, =>), PowerMTA accounting CSV
-- (b, rb, t, d, f records) and KumoMTA JSON records.  header is the
-- PowerMTA file's header line, given with every line of a load (parsed
-- once per distinct value); NULL reads PowerMTA's default accounting
-- fields.  STABLE: a syslog time without a year is placed in the year
-- that makes it the latest moment not after now.
CREATE OR REPLACE FUNCTION @extschema@.parse_log_line(line pg_catalog.text,
	header pg_catalog.text DEFAULT NULL)
	RETURNS TABLE (recipient pg_catalog.text, occurred_at pg_catalog.timestamptz,
				   event pg_catalog.text, status @extschema@.smtp_status,
				   reply_code pg_catalog.int4, diagnostic pg_catalog.text,
				   remote_mta pg_catalog.text, source_severity @extschema@.severity,
				   reason @extschema@.reason, severity @extschema@.severity,
				   infrastructure pg_catalog.bool, message_id pg_catalog.text,
				   esp pg_catalog.text, queue_id pg_catalog.text)
	AS 'MODULE_PATHNAME', 'rebound_parse_log_line'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.parse_log_line(pg_catalog.text, pg_catalog.text) IS
	'the recipient event of an MTA log line (Postfix, Exim, PowerMTA accounting CSV with its header, KumoMTA JSON), classified, with its queue id; no rows for other lines';

-- VERP return paths: bounces+jean=client.fr@sender.example names
-- jean@client.fr.  parse_dsn() reads the bounce's To: this way when the
-- report names no recipient and rebound.verp_separator is set.
CREATE OR REPLACE FUNCTION @extschema@.verp_decode(address pg_catalog.text,
	separator pg_catalog.text DEFAULT '+')
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'rebound_verp_decode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.verp_decode(pg_catalog.text, pg_catalog.text) IS
	'the recipient a VERP return path encodes (bounces+jean=client.fr@sender.example: jean@client.fr), or NULL';

-- The bounces of a payload into the ledger, in one statement.  Only
-- bounces are recorded: a deferral is a retry still under way (its
-- outcome arrives as a bounce or a delivery), a complaint says nothing of
-- whether the address works (it is for the sender's unsubscribe list:
-- parse_event returns it), deliveries and the rest are not failures.  A
-- bounce without a recipient or a time is refused, as record_bounce
-- refuses one: the whole payload fails rather than be half recorded.
CREATE OR REPLACE FUNCTION @extschema@.record_event(event pg_catalog.jsonb,
	source pg_catalog.text DEFAULT 'default')
	RETURNS SETOF pg_catalog.int8
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bad record;
BEGIN
	IF record_event.source IS NULL OR record_event.source OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'cannot record the bounces of an event without a source'
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'The source names the mail flow (campaigns, transactional ...); nothing was recorded.';
	END IF;
	RETURN QUERY
	WITH e AS MATERIALIZED (
		SELECT * FROM @extschema@.parse_event(record_event.event) p
		WHERE p.event OPERATOR(pg_catalog.=) 'bounce'
	), checked AS (
		SELECT e.*, rebound_internal.event_refuse(e.recipient, e.occurred_at, e.esp) AS ok FROM e
		OFFSET 0
	)
	INSERT INTO @extschema@.bounce (address, domain, source, occurred_at, diagnostic,
		source_severity, reply_code, status, reason, severity, infrastructure)
	SELECT @extschema@.normalize_address(c.recipient), @extschema@.address_domain(c.recipient),
		   record_event.source, c.occurred_at, c.diagnostic, c.source_severity,
		   c.reply_code, c.status, c.reason, c.severity, c.infrastructure
	FROM checked c WHERE c.ok
	RETURNING id;
END
$$;
COMMENT ON FUNCTION @extschema@.record_event(pg_catalog.jsonb, pg_catalog.text) IS
	'record the bounces of an ESP webhook payload in the ledger, classified; returns their ids (deferrals, complaints and deliveries are not recorded)';

-- The error of a bounce the ledger cannot take, or true.  A function,
-- not a CHECK: the message says which event of which ESP lacks what.
CREATE OR REPLACE FUNCTION rebound_internal.event_refuse(recipient pg_catalog.text,
	occurred_at pg_catalog.timestamptz, esp pg_catalog.text)
	RETURNS pg_catalog.bool
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF event_refuse.recipient IS NULL THEN
		RAISE EXCEPTION 'cannot record a % bounce event without a recipient', event_refuse.esp
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'The payload reports a bounce but names no address; nothing of it was recorded.';
	END IF;
	IF event_refuse.occurred_at IS NULL THEN
		RAISE EXCEPTION 'cannot record a % bounce event of "%" without the time it occurred',
			event_refuse.esp, event_refuse.recipient
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'An incident heals the bounces of an interval: a bounce without a time could never be healed; nothing of the payload was recorded.';
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION rebound_internal.event_refuse(pg_catalog.text, pg_catalog.timestamptz, pg_catalog.text) IS
	'true, or the error of a bounce event the ledger cannot take (no recipient, no time)';

-- capture_event: the payload column named by a trigger, its type (a
-- domain read as its base type), which must be one a payload can be cast
-- from to jsonb.
CREATE OR REPLACE FUNCTION rebound_internal.capture_event_column(rel pg_catalog.oid, trigger_name pg_catalog.name,
	table_name pg_catalog.name, col pg_catalog.text)
	RETURNS pg_catalog.regtype
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	col_type pg_catalog.regtype;
BEGIN
	-- a domain is read as its base type
	SELECT (CASE WHEN t.typbasetype OPERATOR(pg_catalog.<>) 0 THEN t.typbasetype ELSE t.oid END)::pg_catalog.regtype
	INTO col_type
	FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
	WHERE a.attrelid OPERATOR(pg_catalog.=) capture_event_column.rel AND a.attname OPERATOR(pg_catalog.=) capture_event_column.col
	  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column "%" named by trigger "%" does not exist in table "%"', capture_event_column.col, capture_event_column.trigger_name, capture_event_column.table_name
			USING ERRCODE = 'undefined_column',
				  DETAIL = 'The payload_column argument of rebound.capture_event() must name a column of the table.';
	END IF;
	IF pg_catalog.format_type(col_type, NULL)
	   OPERATOR(pg_catalog.<>) ALL ('{jsonb,json,text,"character varying"}'::pg_catalog.text[]) THEN
		RAISE EXCEPTION 'column "%" named by trigger "%" on table "%" has type %', capture_event_column.col, capture_event_column.trigger_name, capture_event_column.table_name, col_type
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'rebound.capture_event() expects jsonb, json or text there.';
	END IF;
	RETURN col_type;
END
$$;
COMMENT ON FUNCTION rebound_internal.capture_event_column(pg_catalog.oid, pg_catalog.name, pg_catalog.name, pg_catalog.text) IS
	'internal (capture_event): the type of the payload column a trigger names, or the error that says why it cannot be one';

-- capture_event: the name of a statement-level trigger's transition table
-- of new rows, without which it would record nothing.
CREATE OR REPLACE FUNCTION rebound_internal.capture_event_newtable(rel pg_catalog.oid, trigger_name pg_catalog.name,
	table_name pg_catalog.name)
	RETURNS pg_catalog.name
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	newtab pg_catalog.name;
BEGIN
	SELECT t.tgnewtable INTO newtab FROM pg_catalog.pg_trigger t
	WHERE t.tgrelid OPERATOR(pg_catalog.=) capture_event_newtable.rel AND t.tgname OPERATOR(pg_catalog.=) capture_event_newtable.trigger_name;
	IF newtab IS NULL THEN
		RAISE EXCEPTION 'trigger "%" on table "%" must be FOR EACH ROW, or FOR EACH STATEMENT with REFERENCING NEW TABLE', capture_event_newtable.trigger_name, capture_event_newtable.table_name
			USING ERRCODE = '39P01',
				  DETAIL = 'At statement level rebound.capture_event() reads the inserted rows from the transition table, without which it would record nothing.';
	END IF;
	RETURN newtab;
END
$$;
COMMENT ON FUNCTION rebound_internal.capture_event_newtable(pg_catalog.oid, pg_catalog.name, pg_catalog.name) IS
	'internal (capture_event): the transition table of a statement-level trigger, or the error that says it has none';

-- A webhook table's trigger: each payload stored by the receiving
-- application is recorded as record_event() records it.  FOR EACH ROW, or
-- FOR EACH STATEMENT with REFERENCING NEW TABLE, for bulk loads: then one
-- INSERT ... SELECT over the transition table.  The payload column may be
-- jsonb, json or text (cast: a text that is not JSON fails the insert, as
-- the cast would anywhere).
CREATE OR REPLACE FUNCTION @extschema@.capture_event()
	RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	src pg_catalog.text;
	col pg_catalog.text;
	newtab pg_catalog.name;
	payload pg_catalog.jsonb;
BEGIN
	IF TG_WHEN OPERATOR(pg_catalog.<>) 'AFTER' OR TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
		RAISE EXCEPTION 'trigger "%" on table "%" must be AFTER INSERT', TG_NAME, TG_TABLE_NAME
			USING ERRCODE = '39P01',
				  DETAIL = 'rebound.capture_event() records the payloads once they are stored.';
	END IF;
	IF TG_NARGS OPERATOR(pg_catalog.<>) 2 THEN
		RAISE EXCEPTION 'trigger "%" on table "%" gives rebound.capture_event() % arguments', TG_NAME, TG_TABLE_NAME, TG_NARGS
			USING ERRCODE = '39P01',
				  DETAIL = 'The arguments are: source, payload_column.';
	END IF;
	src := TG_ARGV[0];
	col := TG_ARGV[1];
	IF src OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'trigger "%" on table "%" names an empty source', TG_NAME, TG_TABLE_NAME
			USING ERRCODE = '39P01';
	END IF;
	PERFORM rebound_internal.capture_event_column(TG_RELID, TG_NAME, TG_TABLE_NAME, col);

	IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
		EXECUTE pg_catalog.format('SELECT ($1).%I::pg_catalog.jsonb', col) INTO payload USING NEW;
		IF payload IS NOT NULL THEN
			PERFORM @extschema@.record_event(payload, src);
		END IF;
		RETURN NULL;
	END IF;

	-- the transition table is visible here only, not in a function called
	-- from here: the statement's rows are inserted by this function
	newtab := rebound_internal.capture_event_newtable(TG_RELID, TG_NAME, TG_TABLE_NAME);
	EXECUTE pg_catalog.format($q$
		INSERT INTO @extschema@.bounce (address, domain, source, occurred_at, diagnostic,
			source_severity, reply_code, status, reason, severity, infrastructure)
		SELECT @extschema@.normalize_address(e.recipient), @extschema@.address_domain(e.recipient),
			   $1, e.occurred_at, e.diagnostic, e.source_severity,
			   e.reply_code, e.status, e.reason, e.severity, e.infrastructure
		FROM %I n
		CROSS JOIN LATERAL @extschema@.parse_event(n.%I::pg_catalog.jsonb) e
		WHERE CASE WHEN e.event OPERATOR(pg_catalog.=) 'bounce'
				   THEN rebound_internal.event_refuse(e.recipient, e.occurred_at, e.esp) END
	$q$, newtab, col) USING src;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.capture_event() IS
	'AFTER INSERT trigger (source, payload_column) on a webhook table: records the bounces of each stored payload, FOR EACH ROW or FOR EACH STATEMENT with REFERENCING NEW TABLE';

-- ---------------------------------------------------------------------------
-- Privileges (README, "Security")
-- ---------------------------------------------------------------------------

-- Writers of the ledger get these two by name; parse_event only reads.
REVOKE ALL ON FUNCTION @extschema@.record_event(pg_catalog.jsonb, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.capture_event() FROM PUBLIC;
-- capture_event's steps: it is SECURITY DEFINER, they run as the owner
REVOKE ALL ON FUNCTION rebound_internal.capture_event_column(pg_catalog.oid, pg_catalog.name, pg_catalog.name, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rebound_internal.capture_event_newtable(pg_catalog.oid, pg_catalog.name, pg_catalog.name) FROM PUBLIC;
