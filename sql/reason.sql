--
-- rebound.reason and rebound.severity
--
SET search_path = rebound, public;

-- every Sisimai reason has a value: dropping the underscores gives its name
SELECT r, replace(r::text, '_', '') AS sisimai
FROM unnest(enum_range(NULL::reason)) r ORDER BY r;

SELECT unnest(enum_range(NULL::severity));

SELECT 'userunknown'::reason;
SELECT 'catastrophic'::severity;
