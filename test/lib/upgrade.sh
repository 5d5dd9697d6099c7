# test/lib/upgrade.sh — sourced by test/check.sh.
#
# run_upgrade: 0.1.0 is released, so every later version must be reachable
# from it.  A database gets 0.1.0 and data written through its API
# (test/upgrade/seed.sql), then ALTER EXTENSION rebound UPDATE; another gets
# a fresh install of the current version.  Both are described object by
# object (test/upgrade/describe.sql) and must be equal, and every row the
# 0.1.0 tables held must still be there, column for column.

run_upgrade() {
	local dir old=rebound_upgraded new=rebound_fresh rc=0 version
	dir=$(mktemp -d /tmp/rebound-upgrade.XXXXXX)
	chmod 755 "$dir"
	version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$REBOUND_ROOT/rebound.control")
	fresh_database "$old"
	psql -XAtq -v ON_ERROR_STOP=1 -d "$old" -c "CREATE EXTENSION rebound VERSION '0.1.0'" || rc=1
	psql -XAtq -v ON_ERROR_STOP=1 -d "$old" -f "$REBOUND_ROOT/test/upgrade/seed.sql" >/dev/null || rc=1
	# the 0.1.0 tables and their columns, then their rows over those columns
	psql -XAtq -v ON_ERROR_STOP=1 -d "$old" -f "$REBOUND_ROOT/test/upgrade/columns.sql" >"$dir/columns" || rc=1
	rows_snapshot "$old" "$dir/columns" >"$dir/rows.before" || rc=1
	catalogue_rows "$old" "$dir/columns" >"$dir/catalogue.before" || rc=1
	psql -XAtq -v ON_ERROR_STOP=1 -d "$old" -c "ALTER EXTENSION rebound UPDATE" || rc=1
	rows_snapshot "$old" "$dir/columns" >"$dir/rows.after" || rc=1
	catalogue_rows "$old" "$dir/columns" >"$dir/catalogue.after" || rc=1
	if ! diff -u "$dir/rows.before" "$dir/rows.after"; then
		echo "upgrade: rows of the 0.1.0 tables changed"
		rc=1
	fi
	# an upgrade brings new catalogue rows, and keeps every old one
	if [ -n "$(LC_ALL=C comm -23 "$dir/catalogue.before" "$dir/catalogue.after")" ]; then
		echo "upgrade: catalogue rows lost:"
		LC_ALL=C comm -23 "$dir/catalogue.before" "$dir/catalogue.after"
		rc=1
	fi
	fresh_database "$new" rebound
	psql -XAtq -v ON_ERROR_STOP=1 -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'rebound'" >"$dir/version"
	[ "$(cat "$dir/version")" = "$version" ] || { echo "upgrade: extversion is $(cat "$dir/version"), not $version"; rc=1; }
	psql -X -v ON_ERROR_STOP=1 -d "$old" -f "$REBOUND_ROOT/test/upgrade/describe.sql" >"$dir/updated" || rc=1
	psql -X -v ON_ERROR_STOP=1 -d "$new" -f "$REBOUND_ROOT/test/upgrade/describe.sql" >"$dir/fresh" || rc=1
	if ! diff -u "$dir/fresh" "$dir/updated"; then
		echo "upgrade: 0.1.0 updated to $version differs from a fresh $version (- fresh, + updated)"
		rc=1
	fi
	echo "upgrade 0.1.0 -> $version: $(grep -c '^function' "$dir/fresh") functions, $(grep -c '^relation' "$dir/fresh") relations, $(grep -c '^column' "$dir/fresh") columns, $(grep -c '^trigger' "$dir/fresh") triggers, $(grep -c '^index' "$dir/fresh") indexes compared; $(wc -l <"$dir/rows.before") tables' rows kept ($(awk -F'|' '{n += $2} END {print n}' "$dir/rows.before") rows)"
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $old WITH (FORCE)" -c "DROP DATABASE IF EXISTS $new WITH (FORCE)"
	rm -rf "$dir"
	return $rc
}

# Each table's row count and checksum, over the columns listed in $2
# (lines "table|col1,col2,…" as test/upgrade/columns.sql prints them).
# Of the catalogue tables, the user's rows: an upgrade adds catalogue rows
# (catalogue_rows checks that it keeps the old ones).
rows_snapshot() {
	local db=$1 columns=$2 table cols where
	while IFS='|' read -r table cols; do
		where=
		case $table in provider | provider_rule) where="WHERE origin = 'user'" ;; esac
		psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c \
			"SELECT '$table', count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM (SELECT $cols FROM rebound.$table $where) AS r" ||
			return 1
	done <"$columns"
}

# The catalogue rows of the catalogue tables, one per line, sorted for comm.
catalogue_rows() {
	local db=$1 columns=$2 table cols
	while IFS='|' read -r table cols; do
		case $table in provider | provider_rule) ;; *) continue ;; esac
		psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c \
			"SELECT '$table ' || r::text FROM (SELECT $cols FROM rebound.$table WHERE origin = 'catalogue') AS r" ||
			return 1
	done <"$columns" | LC_ALL=C sort
}
