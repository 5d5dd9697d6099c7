--
-- Domain functions under other server encodings: input is converted to
-- UTF-8 first; in SQL_ASCII the bytes are taken as they are.
--
CREATE DATABASE rebound_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE rebound_sqlascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;

\c rebound_latin1
CREATE EXTENSION rebound;
SET client_encoding = 'UTF8';
SELECT rebound.normalize_domain('bücher.example'), rebound.address_domain('josé@Straße.de');
SELECT rebound.normalize_domain('exa mple.com');

\c rebound_sqlascii
CREATE EXTENSION rebound;
SET client_encoding = 'SQL_ASCII';
-- UTF-8 bytes are read as UTF-8
SELECT rebound.normalize_domain(convert_from('\x62c3bc636865722e6578616d706c65'::bytea, 'SQL_ASCII'));
-- bytes that are not UTF-8 are an error, not a crash
DO $$
DECLARE
	detail text;
BEGIN
	PERFORM rebound.normalize_domain(convert_from('\x62fc636865722e6578616d706c65'::bytea, 'SQL_ASCII'));
EXCEPTION WHEN invalid_text_representation THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, detail;
END $$;
DO $$
DECLARE
	detail text;
BEGIN
	PERFORM rebound.address_domain(convert_from('\x7540ff'::bytea, 'SQL_ASCII'));
EXCEPTION WHEN invalid_text_representation THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, detail;
END $$;

\c contrib_regression
DROP DATABASE rebound_latin1;
DROP DATABASE rebound_sqlascii;

-- classify() over arbitrary bytes in a SQL_ASCII database: no error, no crash
CREATE DATABASE rebound_sqlascii2 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c rebound_sqlascii2
CREATE EXTENSION rebound;
SET client_encoding = 'SQL_ASCII';
SELECT rebound.classify(convert_from('\x353530ff20352e312e3120fe75736572c020756e6b6e6f776e'::bytea, 'SQL_ASCII'));
SELECT (rebound.classify(convert_from('\xff01fe80'::bytea, 'SQL_ASCII'))).reason;
SELECT (rebound.classify(convert_from(decode(repeat('c3bc35352e', 50000), 'hex'), 'SQL_ASCII'))).reason;
-- a regex rule over bytes that are not UTF-8
INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('us.r', true, 'suspend');
SELECT rebound.classify(convert_from('\x353530ff20757365f220756e6b6e6f776e'::bytea, 'SQL_ASCII'));
SELECT rebound.classify(convert_from('\x7573ff72'::bytea, 'SQL_ASCII'));
\c contrib_regression
DROP DATABASE rebound_sqlascii2;

-- classify() and its rules in a LATIN1 database: text is converted to UTF-8
-- for the built-in tables, patterns alike for the rules
CREATE DATABASE rebound_latin1b ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c rebound_latin1b
CREATE EXTENSION rebound;
SET client_encoding = 'UTF8';
SELECT rebound.classify('552 Boîte du destinataire pleine');
INSERT INTO rebound.rule (pattern, reason) VALUES ('compte fermé', 'suspend');
INSERT INTO rebound.rule (pattern, is_regex, reason) VALUES ('d[ée]sactiv[ée]e', true, 'suspend');
SELECT rebound.classify('550 Compte FERMé');
SELECT rebound.classify('550 adresse désactivée');
SELECT rebound.classify('550 adresse desactivee');
-- an empty text is not converted (no terminating NUL to read up to)
SELECT rebound.classify(''), rebound.classify(repeat('', 3));
\c contrib_regression
DROP DATABASE rebound_latin1b;
