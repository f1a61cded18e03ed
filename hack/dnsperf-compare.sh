#!/usr/bin/env bash
# dnsperf-compare.sh: devstack's resolver against dnsmasq, answering the
# same zone with the same query file under the same load, side by side.
# Prints the QPS and latency of each and the ratio devstack/dnsmasq
# (goal: >= 1).
#
# Needs dnsperf and dnsmasq (Debian: apt-get install dnsperf dnsmasq-base)
# and Go. Both servers listen on loopback only; nothing else is touched.
#
# Environment: DOMAIN (local), DURATION seconds (10), CLIENTS (16),
# THREADS (1), DEVSTACK_PORT (25353), DNSMASQ_PORT (25354).
set -euo pipefail

DOMAIN=${DOMAIN:-local}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-1}
DEVSTACK_PORT=${DEVSTACK_PORT:-25353}
DNSMASQ_PORT=${DNSMASQ_PORT:-25354}

for tool in dnsperf dnsmasq go; do
	command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install dnsperf dnsmasq-base)" >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building devstack..."
(cd "$repo" && go build -o "$work/devstack" ./cmd/devstack)

# The same zone for both: every name under $DOMAIN is 127.0.0.1 and ::1.
"$work/devstack" dns serve --addr "127.0.0.1:$DEVSTACK_PORT" --domain "$DOMAIN" 2>"$work/devstack.log" &
pids+=($!)
dnsmasq --keep-in-foreground --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=127.0.0.1 --bind-interfaces --port="$DNSMASQ_PORT" \
	--address="/$DOMAIN/127.0.0.1" --address="/$DOMAIN/::1" \
	--cache-size=10000 --log-facility=- 2>"$work/dnsmasq.log" &
pids+=($!)

# Query file: the stack's hosts and deeper names, A and AAAA mixed 3:1.
names=(grafana n8n temporal pgadmin redisinsight prometheus alertmanager jaeger localstack traefik weave-gitops a.b.c)
for i in $(seq 1 25); do
	for n in "${names[@]}"; do
		echo "$n.$DOMAIN A"; echo "$n.$DOMAIN A"; echo "$n.$DOMAIN A"; echo "$n.$DOMAIN AAAA"
	done
done >"$work/queries"

ready() { dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries" -n 1 -t 1 2>/dev/null | grep -q "Queries completed: *[1-9]"; }
for port in "$DEVSTACK_PORT" "$DNSMASQ_PORT"; do
	for _ in $(seq 50); do ready "$port" && break; sleep 0.1; done
	ready "$port" || { echo "nothing answers on port $port" >&2; cat "$work"/*.log >&2; exit 1; }
done

run() { # name port
	dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries" -l "$DURATION" -c "$CLIENTS" -T "$THREADS" -q 1000 >"$work/$1.out" 2>&1
	local qps lost avg
	qps=$(awk '/Queries per second:/ {print $4}' "$work/$1.out")
	lost=$(awk '/Queries lost:/ {print $3}' "$work/$1.out")
	avg=$(awk '/Average Latency/ {print $4}' "$work/$1.out")
	printf '%-9s %12s qps   lost %-6s avg latency %ss\n' "$1" "$qps" "$lost" "$avg"
	echo "$qps" >"$work/$1.qps"
}

echo "load: dnsperf -c $CLIENTS -T $THREADS -q 1000 for ${DURATION}s each, $(wc -l <"$work/queries") queries in the file, $(nproc) cores"
# Alternate and repeat so neither gets the quieter moment of a shared machine.
run devstack "$DEVSTACK_PORT"; d1=$(cat "$work/devstack.qps")
run dnsmasq "$DNSMASQ_PORT"; m1=$(cat "$work/dnsmasq.qps")
run dnsmasq "$DNSMASQ_PORT"; m2=$(cat "$work/dnsmasq.qps")
run devstack "$DEVSTACK_PORT"; d2=$(cat "$work/devstack.qps")
awk -v d1="$d1" -v d2="$d2" -v m1="$m1" -v m2="$m2" 'BEGIN {
	d = (d1 + d2) / 2; m = (m1 + m2) / 2
	printf "mean: devstack %.0f qps, dnsmasq %.0f qps, ratio devstack/dnsmasq %.2f\n", d, m, d / m
}'
