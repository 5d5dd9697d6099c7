# test/lib/chart.sh — sourced by test/check.sh.
#
# run_chart: the report and the chart of a detected and of a declared
# incident, the chart rendered by a real SVG renderer (librsvg's
# rsvg-convert) and its pixels checked by test/chart/check_png.py: the
# window is shaded where the incident is (computed from the database, not
# read from the SVG), the failure bars peak inside it, the forgiven
# bounces are overlaid there.  The generated outage of test/detect/.

chart_window() {
	# where the incident's window must be drawn, in pixels: the plot spans
	# x = 64 .. 784 over the buckets of rebound.incident_series()
	psql -XAtq -v ON_ERROR_STOP=1 -d "$1" <<SQL
SELECT round((64 + 720 * extract(epoch FROM lower(i.during) - s.lo) / extract(epoch FROM s.hi - s.lo))::numeric, 1),
	   round((64 + 720 * extract(epoch FROM upper(i.during) - s.lo) / extract(epoch FROM s.hi - s.lo))::numeric, 1)
FROM rebound.incident i,
	 LATERAL (SELECT min(bucket) AS lo, max(bucket) + (SELECT bucket FROM rebound.detect_settings()) AS hi
			  FROM rebound.incident_series(i.id)) s
WHERE i.id = $2
SQL
}

run_chart() {
	local db=rebound_chart dir rc=0 inc kind window
	dir=$(mktemp -d /tmp/rebound-chart.XXXXXX)
	fresh_database "$db" rebound
	psql -XAtq -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || rc=1
\i test/detect/scenario.sql
SELECT date_trunc('day', now()) - interval '1 day' AS outage_day \gset
SELECT scenario.generate(300, 30000, 1500, :'outage_day'::timestamptz - interval '14 days');
SELECT scenario.load();
SQL
	# detected: heal finds, declares and heals it
	PGOPTIONS="-c client_min_messages=warning" psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "CALL rebound.heal('3 days')" || rc=1
	# declared: the same outage, withdrawn and declared by hand
	psql -XAtq -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || rc=1
SELECT count(*) FROM rebound.reharden((SELECT id FROM rebound.incident WHERE origin = 'detected'));
SELECT count(*) FROM rebound.unharden(rebound.declare_incident('ovh',
	(SELECT tstzrange(date_trunc('hour', lower(during)), date_trunc('hour', upper(during)) + interval '1 hour')
	 FROM scenario.truth WHERE label = 'outage'), NULL, 'declared by hand'));
SQL
	for kind in detected manual; do
		inc=$(psql -XAtq -d "$db" -c "SELECT id FROM rebound.incident WHERE origin = '$kind'")
		[ -n "$inc" ] || { echo "chart: no $kind incident"; rc=1; continue; }
		PGTZ=Europe/Paris psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "SELECT rebound.incident_report($inc)" >"$dir/$kind.md" || rc=1
		PGTZ=Europe/Paris psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "SELECT rebound.incident_chart($inc)" >"$dir/$kind.svg" || rc=1
		# the report says what it must
		grep -q "^# Incident $inc: OVHcloud$" "$dir/$kind.md" || { echo "chart: $kind report has no title"; rc=1; }
		grep -q "time zone Europe/Paris |$" "$dir/$kind.md" || { echo "chart: $kind report has no window"; rc=1; }
		if [ "$kind" = detected ]; then
			grep -q '^| found | detected by `rebound.heal`.*score [0-9.]*;' "$dir/$kind.md" || { echo "chart: the detected report does not say how"; rc=1; }
			grep -q '^| status | withdrawn' "$dir/$kind.md" || { echo "chart: the detected report does not say it was withdrawn"; rc=1; }
		else
			grep -q '^| found | declared by .*score [0-9.]*' "$dir/$kind.md" || { echo "chart: the declared report has no score"; rc=1; }
		fi
		grep -q '^| campaign | [1-9]' "$dir/$kind.md" || { echo "chart: $kind report has no flows"; rc=1; }
		# the picture, rendered and looked at
		rsvg-convert -f png -o "$dir/$kind.png" "$dir/$kind.svg" || { echo "chart: rsvg-convert refused the $kind chart"; rc=1; continue; }
		window=$(chart_window "$db" "$inc" | tr '|' ' ')
		python3 test/chart/check_png.py "$dir/$kind.png" $window || rc=1
	done
	if [ $rc -ne 0 ]; then
		echo "chart: kept $dir"; cat "$dir"/*.md
	else
		rm -rf "$dir"
	fi
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
	return $rc
}
