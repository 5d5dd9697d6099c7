# test/lib/dns.sh — sourced by test/check.sh (and test/bench/*.sh).
#
# A real DNS server on loopback for the tests: Knot DNS (knotd, Debian's
# "knot"), started on a free port with the test zones written below, plus
# a UDP socket that never answers (for timeouts).  start_dns exports
#   REBOUND_DNS_SERVER   127.0.0.1:PORT of knotd
#   REBOUND_SILENT_DNS   127.0.0.1:PORT of the socket nobody answers on
#   REBOUND_DEAD_DNS     127.0.0.1:PORT where nothing listens (refused)
# and arranges for both to stop when the calling shell exits.
#
# The zones stand for the 9 November 2017 cases: mail at OVH, DNS at OVH
# with mail elsewhere, an MX host with its own name in OVH's network, a
# domain that does not exist, a zone the server cannot serve (SERVFAIL),
# CNAME chains (within a zone and across zones), a null MX (RFC 7505), an
# MX target that is an address literal.  ovh.net and google.com here are
# small stand-ins served by the test server, so that host addresses resolve.

REBOUND_DNS_DIR=
REBOUND_DNS_PIDS=()

free_port() {
	python3 - <<'PY'
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
port = u.getsockname()[1]
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.1", port))
print(port)
PY
}

# zone NAME: write $REBOUND_DNS_DIR/zones/NAME.zone from stdin, SOA and NS added
zone() {
	local name=$1
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$name"
		printf '@ SOA ns1.rb-test. hostmaster.rb-test. 1 3600 600 86400 300\n'
		cat
	} >"$REBOUND_DNS_DIR/zones/$name.zone"
	REBOUND_DNS_ZONES+=("$name")
}

write_test_zones() {
	REBOUND_DNS_ZONES=()
	# stand-ins for the providers' own zones
	zone ovh.net <<'Z'
@ NS dns10
dns10 A 213.186.33.99
ns10 A 213.251.128.136
mx1.mail A 188.165.47.23
mx2.mail A 87.98.163.214
mx2.mail AAAA 2001:41d0:1:4a85::1
Z
	zone google.com <<'Z'
@ NS ns1
ns1 A 216.239.32.10
aspmx.l A 142.250.27.26
aspmx.l AAAA 2a00:1450:400c:c0b::1a
Z
	# MX at OVH, NS at OVH
	zone mx-at-ovh.test <<'Z'
@ NS dns10.ovh.net.
@ NS ns10.ovh.net.
@ MX 1 mx1.mail.ovh.net.
@ MX 5 mx2.mail.ovh.net.
Z
	# NS at OVH, MX at Google
	zone ns-at-ovh.test <<'Z'
@ NS dns10.ovh.net.
@ NS ns10.ovh.net.
@ MX 1 aspmx.l.google.com.
Z
	# an MX host with its own name, in OVH's network; DNS at Google
	zone mx-in-ovh-network.test <<'Z'
@ NS ns1.google.com.
@ MX 10 mail
mail A 188.165.12.34
Z
	# CNAMEs: the domain is an alias within its zone; its MX host is an
	# alias into another zone
	zone cname.test <<'Z'
@ NS ns1.google.com.
alias CNAME middle
middle CNAME real
real MX 10 mx.real
mx.real CNAME mx1.mail.ovh.net.
loop1 CNAME loop2
loop2 CNAME loop1
Z
	# RFC 7505 null MX
	zone null-mx.test <<'Z'
@ NS ns1.google.com.
@ MX 0 .
Z
	# an address literal as MX target
	zone literal-mx.test <<'Z'
@ NS ns1.google.com.
@ MX 10 188.165.1.2.
Z
	# README.md's DNS examples: example.fr has its mail at Google and its
	# DNS at OVH (the 9 November 2017 case of layer ns)
	zone example.fr <<'Z'
@ NS dns10.ovh.net.
@ NS ns10.ovh.net.
@ MX 10 aspmx.l.google.com.
Z
	# no MX at all: mail goes to the address of the domain (NODATA)
	zone no-mx.test <<'Z'
@ NS ns1.google.com.
@ A 192.0.2.80
Z
}

# Benchmark zone: bench.test with N names, each with two MX records on
# shared hosts (as real domains share their provider's MX hosts); NS
# queries go up to the zone apex.
write_bench_zone() {
	local n=$1
	zone bench.test < <(
		echo '@ NS ns1.google.com.'
		for i in $(seq 0 99); do echo "mx$i A 188.165.$((i % 250)).$((i % 200 + 1))"; done
		for i in $(seq 1 "$n"); do
			echo "d$i MX 10 mx$((i % 100))"
			echo "d$i MX 20 mx$(((i + 1) % 100))"
		done
	)
}

start_dns() {
	local port silent dead i
	REBOUND_DNS_DIR=$(mktemp -d /tmp/rebound-dns.XXXXXX)
	mkdir -p "$REBOUND_DNS_DIR/zones" "$REBOUND_DNS_DIR/db"
	write_test_zones
	[ -n "${REBOUND_BENCH_DOMAINS:-}" ] && write_bench_zone "$REBOUND_BENCH_DOMAINS"
	port=$(free_port)
	dead=$(free_port)
	{
		cat <<CONF
server:
    rundir: "$REBOUND_DNS_DIR"
    pidfile: "$REBOUND_DNS_DIR/knotd.pid"
    listen: 127.0.0.1@$port
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$REBOUND_DNS_DIR/db"
control:
    listen: "$REBOUND_DNS_DIR/knot.sock"
log:
  - target: "$REBOUND_DNS_DIR/knotd.log"
    any: warning
template:
  - id: default
    storage: "$REBOUND_DNS_DIR/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
remote:
  - id: unreachable
    address: 127.0.0.1@$dead
zone:
  # a secondary zone whose primary never answers: knotd has no data for
  # it and answers SERVFAIL
  - domain: servfail.test.
    master: unreachable
    storage: "$REBOUND_DNS_DIR/db"
    file: "servfail.test.zone"
CONF
		for i in "${REBOUND_DNS_ZONES[@]}"; do
			echo "  - domain: $i."
		done
	} >"$REBOUND_DNS_DIR/knot.conf"
	/usr/sbin/knotd -c "$REBOUND_DNS_DIR/knot.conf" >"$REBOUND_DNS_DIR/knotd.out" 2>&1 &
	REBOUND_DNS_PIDS+=($!)
	# the silent socket: bound, never read
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(86400)' >"$REBOUND_DNS_DIR/silent.port" &
	REBOUND_DNS_PIDS+=($!)
	# stop_cluster (test/lib/cluster.sh) returns the exit status it finds in $?
	trap 'rc=$?; set +e; stop_dns; (exit $rc); stop_cluster' EXIT
	for i in $(seq 1 100); do
		[ -s "$REBOUND_DNS_DIR/silent.port" ] && probe_dns "$port" && break
		sleep 0.1
	done
	if ! probe_dns "$port"; then
		echo "knotd did not answer on 127.0.0.1:$port" >&2
		cat "$REBOUND_DNS_DIR/knotd.out" "$REBOUND_DNS_DIR/knotd.log" >&2 2>/dev/null
		return 1
	fi
	silent=$(cat "$REBOUND_DNS_DIR/silent.port")
	export REBOUND_DNS_SERVER=127.0.0.1:$port
	export REBOUND_SILENT_DNS=127.0.0.1:$silent
	export REBOUND_DEAD_DNS=127.0.0.1:$dead
	echo "knotd on $REBOUND_DNS_SERVER (${#REBOUND_DNS_ZONES[@]} zones), silent socket on $REBOUND_SILENT_DNS"
}

# Is anything answering DNS on 127.0.0.1:$1?  (an SOA query for ovh.net)
probe_dns() {
	python3 - "$1" <<'PY'
import socket, struct, sys
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x03ovh\x03net\x00" + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
try:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    r = s.recv(512)
    sys.exit(0 if r[:2] == q[:2] and (r[3] & 0x0F) == 0 else 1)
except OSError:
    sys.exit(1)
PY
}

stop_dns() {
	local pid
	for pid in "${REBOUND_DNS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${REBOUND_DNS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	REBOUND_DNS_PIDS=()
	[ -n "$REBOUND_DNS_DIR" ] && rm -rf "$REBOUND_DNS_DIR"
	REBOUND_DNS_DIR=
}
