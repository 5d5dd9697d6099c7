# test/lib/cluster.sh — sourced by test/check.sh and test/demo.sh.
#
# Installs what is missing, builds rebound, and gives the caller a server:
#   - by default a throwaway PostgreSQL 15 cluster, in a temporary directory,
#     on a unix socket only, with pg_cron preloaded, run as the postgres user
#     when we are root (initdb and postgres refuse to run as root).  The
#     extension is installed into a private copy of the server's directory
#     tree (the way PostgreSQL's own "make check" uses tmp_install), so that
#     nothing is written under /usr and several checkouts can test at once;
#   - with PGHOST or PGPORT set, the server they name: the extension is then
#     installed into that server's PostgreSQL with "make install".

set -euo pipefail

REBOUND_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_MAJOR=15
REBOUND_EXISTING_SERVER=0
# The database pg_cron schedules in (cron.database_name): the tests', or
# the demo's, so that the README's cron examples run in the playground.
REBOUND_CRON_DB=${REBOUND_CRON_DB:-rebound_test}
if [ -n "${PGHOST:-}${PGPORT:-}" ]; then
	REBOUND_EXISTING_SERVER=1
fi

say() { printf '\n==> %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

install_packages() {
	local missing=() p
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done <"$REBOUND_ROOT/test/lib/packages"
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null
	fi
}

pick_pg_config() {
	if [ -n "${PG_CONFIG:-}" ]; then
		:
	elif [ "$REBOUND_EXISTING_SERVER" -eq 0 ]; then
		PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
	else
		PG_CONFIG=$(command -v pg_config)
	fi
	export PG_CONFIG
	PG_BINDIR=$("$PG_CONFIG" --bindir)
}

build_extension() {
	say "building rebound"
	make -C "$REBOUND_ROOT" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null
}

# Run a command as the cluster's owner.  From /: the postgres user may not
# enter the checkout (a clone in /root), and every path given is absolute.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# A copy of the server's installation with rebound added: binaries copied
# (PostgreSQL finds its share and lib directories relative to its own
# executable), everything else linked.
make_private_install() {
	local sharedir pkglibdir f
	sharedir=$("$PG_CONFIG" --sharedir)
	pkglibdir=$("$PG_CONFIG" --pkglibdir)
	make -C "$REBOUND_ROOT" -s PG_CONFIG="$PG_CONFIG" install DESTDIR="$REBOUND_TMP/install" >/dev/null
	TMP_BINDIR=$REBOUND_TMP/install$PG_BINDIR
	mkdir -p "$TMP_BINDIR" "$REBOUND_TMP/install$sharedir/extension" "$REBOUND_TMP/install$pkglibdir"
	cp "$PG_BINDIR/postgres" "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$TMP_BINDIR/"
	for f in "$sharedir"/*; do
		[ "$(basename "$f")" = extension ] && continue
		ln -sfn "$f" "$REBOUND_TMP/install$sharedir/"
	done
	for f in "$sharedir"/extension/* "$pkglibdir"/*; do
		local dir=$REBOUND_TMP/install$(dirname "$f")
		[ -e "$dir/$(basename "$f")" ] || ln -s "$f" "$dir/"
	done
	chmod -R a+rX "$REBOUND_TMP"
}

start_cluster() {
	if [ "$REBOUND_EXISTING_SERVER" -eq 1 ]; then
		say "installing rebound into $("$PG_CONFIG" --pkglibdir) for the server at ${PGHOST:-local socket}:${PGPORT:-5432}"
		if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
			make -C "$REBOUND_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
		else
			as_root make -C "$REBOUND_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
		fi
		REBOUND_HAVE_CRON=$(psql -XAtq -d postgres -c \
			"SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron'" 2>/dev/null || echo 0)
		case "$(psql -XAtq -d postgres -c "SELECT current_setting('shared_preload_libraries')" 2>/dev/null)" in
			*pg_cron*) ;;
			*) REBOUND_HAVE_CRON=0 ;;
		esac
		export REBOUND_HAVE_CRON
		return
	fi

	REBOUND_TMP=$(mktemp -d /tmp/rebound.XXXXXX)
	chmod 755 "$REBOUND_TMP"
	trap stop_cluster EXIT
	make_private_install

	local data=$REBOUND_TMP/data sock=$REBOUND_TMP/sock
	mkdir -p "$data" "$sock" "$REBOUND_TMP/log"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$data" "$sock" "$REBOUND_TMP/log"
	fi
	say "starting a throwaway PostgreSQL $PG_MAJOR cluster in $data"
	as_owner "$TMP_BINDIR/initdb" -D "$data" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 >"$REBOUND_TMP/initdb.log" 2>&1 ||
		{ cat "$REBOUND_TMP/initdb.log"; return 1; }
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_cron'
cron.database_name = '$REBOUND_CRON_DB'
cron.use_background_workers = on
max_worker_processes = 16
log_min_messages = warning
CONF
	as_owner "$TMP_BINDIR/pg_ctl" -D "$data" -l "$REBOUND_TMP/log/server.log" -w -t 60 start >/dev/null ||
		{ cat "$REBOUND_TMP/log/server.log"; return 1; }
	export PGHOST=$sock PGPORT=5432 PGUSER=postgres
	export REBOUND_HAVE_CRON=1
	# pg_cron's launcher connects to its database at once, and logs a
	# FATAL every second until it exists
	psql -XAtq -d postgres -c "CREATE DATABASE $REBOUND_CRON_DB" >/dev/null
}

stop_cluster() {
	local rc=$?
	if [ -n "${REBOUND_TMP:-}" ] && [ -d "$REBOUND_TMP/data" ]; then
		if [ -n "${REBOUND_KEEP:-}" ]; then
			# the playground: the server goes on running with the data
			local stop="$TMP_BINDIR/pg_ctl -D $REBOUND_TMP/data stop && rm -rf $REBOUND_TMP"
			[ "$(id -u)" -eq 0 ] && stop="runuser -u postgres -- $TMP_BINDIR/pg_ctl -D $REBOUND_TMP/data stop && rm -rf $REBOUND_TMP"
			say "the server is still running (REBOUND_KEEP / --keep)"
			echo "connect:  psql -h $PGHOST -U postgres ${REBOUND_KEEP_DB:-postgres}"
			echo "stop it:  $stop"
			echo "(it runs the private copy of PostgreSQL under $REBOUND_TMP/install, which has rebound;"
			echo " pg_cron works in database $REBOUND_CRON_DB)"
		else
			as_owner "$TMP_BINDIR/pg_ctl" -D "$REBOUND_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
			rm -rf "$REBOUND_TMP"
		fi
	fi
	return $rc
}

# Drop and create a database with the extensions the tests use.
fresh_database() {
	local db=$1
	shift
	psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
		-c "CREATE DATABASE $db"
	# Dropping the database pg_cron schedules in ended its launcher (killed,
	# it exits 0 and the postmaster does not start it again): a throwaway
	# cluster is restarted so that it connects to the new database.
	if [ "$db" = "$REBOUND_CRON_DB" ] && [ "$REBOUND_EXISTING_SERVER" -eq 0 ] && [ -n "${REBOUND_TMP:-}" ]; then
		as_owner "$TMP_BINDIR/pg_ctl" -D "$REBOUND_TMP/data" -l "$REBOUND_TMP/log/server.log" \
			-w -t 60 restart >/dev/null
	fi
	local ext
	for ext in "$@"; do
		psql -XAtq -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION IF NOT EXISTS $ext CASCADE"
	done
}

setup_all() {
	install_packages
	pick_pg_config
	build_extension
	start_cluster
}
