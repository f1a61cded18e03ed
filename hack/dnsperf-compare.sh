#!/usr/bin/env bash
# dnsperf-compare.sh: devstack's resolver against dnsmasq, answering the
# same zone with the same query file under the same load, side by side.
#
# Two measurements, each repeated RUNS times with the servers alternating
# (devstack first, then dnsmasq first, ...) so neither always gets the
# quieter moment of a shared machine:
#
#   throughput  dnsperf at full speed (-c CLIENTS -q 1000): QPS, lost
#               queries, and each server's own CPU time per answered query
#               (from /proc/PID/stat), which depends far less on what else
#               runs on the machine than QPS does;
#   latency     dnsperf at a fixed LAT_QPS with few queries outstanding,
#               every answer's latency logged (-v): p50, p99 and max, and
#               again the CPU time per query, which at a moderate rate
#               includes each server's cost of waking up. At full speed the
#               latency is only dnsperf's queue (1000 outstanding / QPS), so
#               it is not measured there.
#
# "lost" at full speed is dnsperf's count of queries without an answer
# (dnsperf itself, on one thread, is the bottleneck there and drops some).
#
# It ends with the medians and the median of the per-round ratios
# devstack/dnsmasq (goal: QPS ratio >= 1, p99 under 1 ms), and the load
# average (uptime) before and after.
#
# Needs dnsperf and dnsmasq (Debian: apt-get install dnsperf dnsmasq-base),
# Linux (/proc) and Go (or DEVSTACK_BIN, a built devstack). Both servers
# listen on loopback only; nothing else is touched.
#
# Environment: DOMAIN (local), RUNS (3), DURATION seconds per throughput run
# (10), CLIENTS (16), THREADS (1), LAT_QPS (20000), LAT_DURATION (5),
# DEVSTACK_BIN (built from this tree), DEVSTACK_PORT (25353),
# DNSMASQ_PORT (25354).
set -euo pipefail

DOMAIN=${DOMAIN:-local}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-1}
LAT_QPS=${LAT_QPS:-20000}
LAT_DURATION=${LAT_DURATION:-5}
DEVSTACK_PORT=${DEVSTACK_PORT:-25353}
DNSMASQ_PORT=${DNSMASQ_PORT:-25354}

for tool in dnsperf dnsmasq awk; do
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

bin=${DEVSTACK_BIN:-}
if [[ -z $bin ]]; then
	echo "building devstack..."
	(cd "$repo" && go build -o "$work/devstack" ./cmd/devstack)
	bin=$work/devstack
fi

# The same zone for both: every name under $DOMAIN is 127.0.0.1 and ::1.
"$bin" dns serve --addr "127.0.0.1:$DEVSTACK_PORT" --domain "$DOMAIN" 2>"$work/devstack.log" &
pids+=($!)
devstack_pid=$!
dnsmasq --keep-in-foreground --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=127.0.0.1 --bind-interfaces --port="$DNSMASQ_PORT" \
	--address="/$DOMAIN/127.0.0.1" --address="/$DOMAIN/::1" \
	--cache-size=10000 --log-facility=- 2>"$work/dnsmasq.log" &
pids+=($!)
dnsmasq_pid=$!

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

# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# throughput NAME PORT PID: one full-speed run; appends "qps lost cpu-us/q" to NAME.tput.
throughput() {
	local t0 t1
	t0=$(cpu_ticks "$3")
	dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries" -l "$DURATION" -c "$CLIENTS" -T "$THREADS" -q 1000 >"$work/$1.out" 2>&1
	t1=$(cpu_ticks "$3")
	awk -v name="$1" -v ticks=$((t1 - t0)) -v hz="$hz" '
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $3 }
		/Queries per second:/ { qps = $4 }
		END {
			us = done > 0 ? ticks / hz * 1e6 / done : 0
			printf "  %-9s %9.0f qps   lost %-7s %5.2f us CPU/query\n", name, qps, lost, us > "/dev/stderr"
			print qps, lost, us
		}' "$work/$1.out" 2>&1 >>"$work/$1.tput"
}

# latency NAME PORT PID: one fixed-rate run; appends "p50 p99 max cpu-us/q"
# (latencies in microseconds) to NAME.lat.
latency() {
	local t0 t1
	t0=$(cpu_ticks "$3")
	dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries" -l "$LAT_DURATION" -c 4 -q 20 -Q "$LAT_QPS" -v >"$work/$1.vout" 2>&1
	t1=$(cpu_ticks "$3")
	awk '/^> / { print $NF * 1e6 }' "$work/$1.vout" | sort -n | awk -v name="$1" -v qps="$LAT_QPS" -v ticks=$((t1 - t0)) -v hz="$hz" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "no answers" > "/dev/stderr"; exit 1 }
			p50 = v[int(NR * 0.50) + 1]; p99 = v[int(NR * 0.99) + 1]; us = ticks / hz * 1e6 / NR
			printf "  %-9s %6d answers at %d qps   p50 %4.0f us   p99 %5.0f us   max %6.0f us   %5.2f us CPU/query\n", name, NR, qps, p50, p99, v[NR], us > "/dev/stderr"
			print p50, p99, v[NR], us
		}' 2>&1 >>"$work/$1.lat"
}

echo "load before: $(uptime)"
echo "throughput: dnsperf -c $CLIENTS -T $THREADS -q 1000 for ${DURATION}s, $(wc -l <"$work/queries") queries in the file, $(nproc) cores, $RUNS rounds"
for r in $(seq 1 "$RUNS"); do
	echo " round $r"
	if ((r % 2)); then
		throughput devstack "$DEVSTACK_PORT" "$devstack_pid"; throughput dnsmasq "$DNSMASQ_PORT" "$dnsmasq_pid"
	else
		throughput dnsmasq "$DNSMASQ_PORT" "$dnsmasq_pid"; throughput devstack "$DEVSTACK_PORT" "$devstack_pid"
	fi
done
echo "latency: dnsperf -c 4 -q 20 -Q $LAT_QPS for ${LAT_DURATION}s"
for r in $(seq 1 "$RUNS"); do
	echo " round $r"
	if ((r % 2)); then
		latency devstack "$DEVSTACK_PORT" "$devstack_pid"; latency dnsmasq "$DNSMASQ_PORT" "$dnsmasq_pid"
	else
		latency dnsmasq "$DNSMASQ_PORT" "$dnsmasq_pid"; latency devstack "$DEVSTACK_PORT" "$devstack_pid"
	fi
done
echo "load after: $(uptime)"

# Medians over the rounds; ratios are taken round by round, then their median.
paste -d' ' "$work/devstack.tput" "$work/dnsmasq.tput" "$work/devstack.lat" "$work/dnsmasq.lat" | awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	# columns: devstack qps lost us | dnsmasq qps lost us | devstack p50 p99 max us | dnsmasq p50 p99 max us
	{
		dq[NR] = $1; dc[NR] = $3; mq[NR] = $4; mc[NR] = $6
		ratio[NR] = $4 > 0 ? $1 / $4 : 0; cratio[NR] = $3 > 0 ? $6 / $3 : 0
		d99[NR] = $8; dl[NR] = $10; m99[NR] = $12; ml[NR] = $14
		lratio[NR] = $10 > 0 ? $14 / $10 : 0
	}
	END {
		n = NR
		printf "median, full speed: devstack %.0f qps (%.2f us CPU/query), dnsmasq %.0f qps (%.2f us CPU/query)\n",
			median(dq, n), median(dc, n), median(mq, n), median(mc, n)
		printf "median, fixed rate: devstack p99 %.0f us (%.2f us CPU/query), dnsmasq p99 %.0f us (%.2f us CPU/query)\n",
			median(d99, n), median(dl, n), median(m99, n), median(ml, n)
		printf "median ratio devstack/dnsmasq: qps %.2f, queries per CPU second %.2f at full speed and %.2f at the fixed rate (goal: >= 1)\n",
			median(ratio, n), median(cratio, n), median(lratio, n)
	}'
