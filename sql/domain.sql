--
-- rebound.normalize_domain and rebound.address_domain
--
SET search_path = rebound, public;

SELECT d, normalize_domain(d)
FROM (VALUES ('example.com'), ('EXAMPLE.Com.'), ('  mx1.Mail.OVH.net  '),
             ('bücher.example'), ('BÜCHER.example'), ('xn--bcher-kva.example'),
             ('XN--BCHER-KVA.EXAMPLE'), ('straße.de'), ('ｅｘａｍｐｌｅ．ｃｏｍ'),
             ('例え.テスト'), ('пример.рф'), ('a1-b2--c3.example'),
             ('localhost'), ('co.uk'), ('x')) v(d);

-- a label of exactly 63 octets and a name of exactly 253 are fine
SELECT length(normalize_domain(repeat('a', 63) || '.example')) AS label63;
SELECT length(normalize_domain(repeat('a', 63) || '.' || repeat('b', 63) || '.' ||
       repeat('c', 63) || '.' || repeat('d', 61))) AS name253;

-- invalid names: SQLSTATE 22P02, the input quoted, the rule named
\set VERBOSITY default
SELECT normalize_domain('');
SELECT normalize_domain('   ');
SELECT normalize_domain('example..com');
SELECT normalize_domain('.example.com');
SELECT normalize_domain('example.com..');
SELECT normalize_domain('.');
SELECT normalize_domain(repeat('a', 64) || '.example');
SELECT normalize_domain(repeat('a', 63) || '.' || repeat('b', 63) || '.' ||
       repeat('c', 63) || '.' || repeat('d', 62));
SELECT normalize_domain('exa mple.com');
SELECT normalize_domain('exam_ple.com');
SELECT normalize_domain('user@example.com');
SELECT normalize_domain('-example.com');
SELECT normalize_domain('example-.com');
SELECT normalize_domain('xn--zz.example');
SELECT normalize_domain('xn--a.example');
SELECT normalize_domain('a' || chr(8205) || 'b.example');
SELECT normalize_domain(repeat('x', 5000));
\set VERBOSITY terse
DO $$
BEGIN
	PERFORM rebound.normalize_domain('bad..name');
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
\set VERBOSITY default

-- addresses
SELECT a, address_domain(a)
FROM (VALUES ('john.doe@Example.COM'), ('  Jane@Wanadoo.FR.  '),
             ('"a@b"@example.org'), ('"quoted \" @ inside"@example.net'),
             ('Jean Dupont <jean@Orange.fr>'), ('<postmaster@ovh.net>'),
             ('user@bücher.example'), ('user+tag@sub.domain.example'),
             ('user@[192.0.2.1]'), ('user@[IPv6:2001:DB8:0:0:0:0:0:1]'),
             ('a@b@c.example')) v(a);

SELECT address_domain('no-at-sign.example');
SELECT address_domain('@example.com');
SELECT address_domain('"unterminated@example.com');
SELECT address_domain('user@');
SELECT address_domain('user@exa mple.com');
SELECT address_domain('user@[300.1.1.1]');
SELECT address_domain('user@[IPv6:zz::1]');
SELECT address_domain('');

-- a long value is quoted in part only
SELECT address_domain(repeat('y', 300));

SELECT normalize_domain(NULL), address_domain(NULL);

-- usable in an index expression (IMMUTABLE)
CREATE TEMP TABLE contacts (email text);
CREATE INDEX ON contacts (address_domain(email));
INSERT INTO contacts VALUES ('a@Gmail.com'), ('b@gmail.com.'), ('c@wanadoo.fr');
SELECT address_domain(email), count(*) FROM contacts GROUP BY 1 ORDER BY 1;
