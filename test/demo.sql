-- rebound demo (foundation): what exists so far.
\pset footer off
\echo
\echo '== Enhanced status codes (RFC 3463) are a type of their own'
SELECT s AS status, rebound.status_class(s) AS class,
       rebound.status_subject(s) AS subject, rebound.status_detail(s) AS detail
FROM unnest('{5.1.1,4.2.2,5.7.26,4.4.7}'::rebound.smtp_status[]) s
ORDER BY s;

\echo '== Recipient domains, normalized the way rebound stores them'
SELECT address, rebound.address_domain(address) AS domain
FROM (VALUES ('Jean.Dupont@Wanadoo.FR'),
             ('contact@Bücherei-Müller.de'),
             ('"sales@emea"@Example.COM.'),
             ('Support <support@OVH.net>')) v(address);

\echo '== Bad input is refused with a clear error'
\set ON_ERROR_STOP 0
SELECT rebound.address_domain('jean.dupont.wanadoo.fr');
SELECT '5.1'::rebound.smtp_status;
\set ON_ERROR_STOP 1
