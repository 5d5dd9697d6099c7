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
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, detail;
END $$;
DO $$
DECLARE
	detail text;
BEGIN
	PERFORM rebound.address_domain(convert_from('\x7540ff'::bytea, 'SQL_ASCII'));
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, detail;
END $$;

\c contrib_regression
DROP DATABASE rebound_latin1;
DROP DATABASE rebound_sqlascii;
