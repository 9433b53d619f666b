#!/bin/bash
# bench/nodes.sh (run by `make bench`): the read mix of bench/mix.lua on
# PostgreSQL with ONE Kafaat node and with TWO nodes behind nginx.
#
# A private PostgreSQL cluster (scripts/pg.sh: fsync off, a test cluster),
# `kafaat migrate`, `kafaat demo`, 200 generated experts imported with their
# consents; two `kafaat serve` nodes on that database; two nginx instances
# whose site file is derived from deploy/nginx/kafaat.conf as
# tests/deploy/deploy.test.mjs derives it, but plain HTTP on loopback (no
# TLS listener, no certificate) and without the per-address rate and
# connection limits (all the load comes from 127.0.0.1, which they would
# throttle): "nginx-1" has an upstream of node A only, "nginx-2" of nodes A
# and B. Then `wrk -t2 -c64 --latency` for BENCH_SECONDS each, interleaved
# to average the machine's noise:
#   node A alone, straight (no nginx), once, for reference
#   then BENCH_ROUNDS times: one node behind nginx, two nodes behind nginx
# Reports req/s and latency percentiles per run, the means, and the ratio
# two nodes / one node. On a 2-core machine both nodes, nginx, PostgreSQL
# and wrk share the same two cores: the ratio shows what the second node
# and the round robin cost, not how Kafaat scales out on more machines.
# The mix includes public profile pages, and each view of one is an audit
# row (a write): BENCH_PROFILES=0 leaves them out (a read-only mix).
# Everything (nodes, nginx, PostgreSQL) is stopped on exit, failure too.
# Writes bench/results/nodes-DATE.txt with the machine line. See
# docs/BENCHMARKS.md. Environment: BENCH_SECONDS (10), BENCH_ROUNDS (2),
# BENCH_PROFILES (6), KAFAAT, NGINX.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SECONDS_EACH=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-2}
PROFILES=${BENCH_PROFILES:-6}
KAFAAT=${KAFAAT:-bin/kafaat}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

work=$(mktemp -d /tmp/kafaat-bench-nodes.XXXXXX)
chmod 755 "$work" # nginx's workers and postgres reach their folders
pids=()         # nodes and nginx instances, stopped in reverse order
pg_dir=""
cleanup() {
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null || true
		wait "${pids[$i]}" 2>/dev/null || true
	done
	[ -z "$pg_dir" ] || scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
	rm -rf "$work"
	# A run that stopped before its report was complete leaves no report.
	[ "$complete" = 1 ] || [ -z "${out:-}" ] || rm -f "$out"
}
complete=0
trap cleanup EXIT
trap 'exit 130' INT TERM

. bench/lib/common.sh
results_open nodes

# ---- wrk ----

bad_total=0
declare -A SUM_RPS SUM_P99 COUNT

# bench_run KIND LABEL URL: one wrk run of the read mix, one table line;
# KIND's sums feed the means.
bench_run() {
	local kind=$1 label=$2 url=$3 f rps p50 p90 p99 bad sock s5
	f=$work/wrk-$kind-${COUNT[$kind]:-0}.txt
	MIX_STATUS=1 MIX_MODE=read MIX_PATHS="$work/paths" wrk -t2 -c64 -d"${SECONDS_EACH}s" --timeout 10s --latency \
		-s bench/mix.lua "$url" >"$f" 2>&1 || { cat "$f" >&2; die "wrk failed ($label)"; }
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$f")")
	p90=$(ms "$(awk '$1 == "90%" { print $2 }' "$f")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$f")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
	bad=${bad:-0}
	sock=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$f" |
		awk '{ print $1 + $2 + $3 + $4 }')
	sock=${sock:-0}
	s5=$(awk '/^Status classes:/ { print $NF }' "$f")
	s5=${s5:--}
	grep '^mix: answer' "$f" >&2 || true
	bad_total=$((bad_total + bad + sock))
	SUM_RPS[$kind]=$(awk -v a="${SUM_RPS[$kind]:-0}" -v b="$rps" 'BEGIN { print a + b }')
	SUM_P99[$kind]=$(awk -v a="${SUM_P99[$kind]:-0}" -v b="$p99" 'BEGIN { print a + b }')
	COUNT[$kind]=$((${COUNT[$kind]:-0} + 1))
	report "$(printf '%-34s %8s %8s %8s %8s %7s %5s %7s' "$label" "$rps" "$p50" "$p90" "$p99" "$bad" "$s5" "$sock")"
}

mean() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? s / n : 0) }'; }
mean2() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0 ? s / n : 0) }'; }

# ---- nginx ----

# Replaces FROM (which must be there) by TO in the file: the derived config
# follows deploy/nginx/kafaat.conf, and says so when that file changes shape.
edit() { # file from to
	python3 - "$@" <<-'PY' || die "deploy/nginx/kafaat.conf no longer contains: $2"
	import sys
	path, old, new = sys.argv[1:4]
	text = open(path).read()
	if old not in text:
	    sys.exit(1)
	open(path, "w").write(text.replace(old, new))
	PY
}

# site_conf DIR LISTEN-PORT NODE-PORT... : deploy/nginx/kafaat.conf with one
# `server` line per node, a plain HTTP listener, local paths, and neither
# TLS nor per-address limits.
site_conf() {
	local dir=$1 port=$2 f=$1/kafaat.conf
	shift 2
	cp deploy/nginx/kafaat.conf "$f"
	local servers="" n
	for n in "$@"; do servers+="	server 127.0.0.1:$n max_fails=2 fail_timeout=10s;"$'\n'; done
	edit "$f" $'\tserver 127.0.0.1:8081 max_fails=2 fail_timeout=10s;\n\tserver 127.0.0.1:8082 max_fails=2 fail_timeout=10s;\n' "$servers"
	edit "$f" $'\tlisten [::]:80;\n' ''
	edit "$f" $'\tlisten [::]:443 ssl http2;\n' ''
	edit "$f" 'listen 80;' "listen 127.0.0.1:$(free_port);"
	edit "$f" 'listen 443 ssl http2;' "listen 127.0.0.1:$port;"
	edit "$f" '/var/log/nginx/' "$dir/logs/"
	edit "$f" '/var/www/letsencrypt' "$dir/acme"
	edit "$f" 'root /opt/kafaat;' "root $root;"
	# No TLS here (plain HTTP on loopback), and no per-address limits.
	sed -i -E '/^\s*ssl_/d; /^\s*limit_req zone=/d; /^\s*limit_conn kafaat_conn/d' "$f"
}

main_conf() { # dir
	local user=""
	if [ "$(id -u)" -eq 0 ]; then
		if runuser -u www-data -- test -r "$root/static/css/kafaat.css" 2>/dev/null; then user="user www-data;"; else user="user root;"; fi
	fi
	cat <<-EOF
	$user
	worker_processes 2;
	pid $1/nginx.pid;
	error_log $1/logs/error.log;
	events { worker_connections 1024; }
	http {
		include /etc/nginx/mime.types;
		default_type application/octet-stream;
		sendfile on;
		client_body_temp_path $1/tmp/client_body;
		proxy_temp_path $1/tmp/proxy;
		fastcgi_temp_path $1/tmp/fastcgi;
		uwsgi_temp_path $1/tmp/uwsgi;
		scgi_temp_path $1/tmp/scgi;
		include $1/kafaat.conf;
	}
	EOF
}

start_nginx() { # name listen-port node-port...
	local dir=$work/$1 port=$2
	shift
	mkdir -p "$dir/logs" "$dir/tmp" "$dir/acme"
	site_conf "$dir" "$@"
	main_conf "$dir" >"$dir/nginx.conf"
	"$NGINX" -t -q -p "$dir/" -e "$dir/logs/error.log" -c "$dir/nginx.conf" || die "nginx -t failed for $1"
	"$NGINX" -p "$dir/" -e "$dir/logs/error.log" -c "$dir/nginx.conf" -g 'daemon off;' &
	pids+=($!)
	wait_http "http://127.0.0.1:$port/healthz" "$1" "$!"
}

start_node() { # name port
	KAFAAT_API_RATE_LIMIT=0 KAFAAT_MAIL_SPOOL_DIR=$work/mail-$1 KAFAAT_SERVER_TRUSTED_PROXY=127.0.0.1 \
		"$KAFAAT" serve --db "$db" --listen "127.0.0.1:$2" >"$work/serve-$1.log" 2>&1 &
	pids+=($!)
	wait_http "http://127.0.0.1:$2/healthz" "kafaat node $1" "$!"
}

main() {
	machine "Kafaat one node / two nodes on PostgreSQL (bench/nodes.sh)"
	pg_dir=$work/pg
	local cluster
	cluster=$(scripts/pg.sh start "$pg_dir" 2>"$work/pg.err") ||
		die "scripts/pg.sh could not start a cluster: $(tail -1 "$work/pg.err")"
	db=$(scripts/pg.sh createdb "$cluster" kafaat_bench_nodes)
	"$KAFAAT" migrate --db "$db" >/dev/null
	"$KAFAAT" demo --db "$db" >/dev/null
	"$KAFAAT" gen --experts 200 --seed 1 --db "$db" >"$work/experts.jsonl"
	"$KAFAAT" import experts "$work/experts.jsonl" --db "$db" --consent-from-file >/dev/null

	local a b one two
	a=$(free_port); start_node a "$a"
	b=$(free_port); start_node b "$b"
	one=$(free_port); start_nginx nginx-1 "$one" "$a"
	two=$(free_port); start_nginx nginx-2 "$two" "$a" "$b"

	# The read mix of bench/http.sh: fixed pages, then PROFILES public cards.
	local p code n=0 id
	printf '%s\n' /fr/ /ar/ /en/privacy /healthz /api/v1/meta /static/css/kafaat.css >"$work/paths"
	for id in $(psql -X -At "$db" -c "SELECT user_id FROM consents WHERE audience = 'directory' AND granted = 1 ORDER BY user_id LIMIT 40"); do
		[ "$n" -lt "$PROFILES" ] || break
		p=/$(echo fr ar en | cut -d' ' -f$((n % 3 + 1)))/experts/$id
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$a$p")
		[ "$code" = 200 ] && { echo "$p" >>"$work/paths"; n=$((n + 1)); }
	done
	local base
	for base in "http://127.0.0.1:$a" "http://127.0.0.1:$one" "http://127.0.0.1:$two"; do
		while read -r p; do
			code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p")
			[ "$code" = 200 ] || die "GET $base$p answers $code before the run"
		done <"$work/paths"
	done

	report "data: PostgreSQL $(psql -X -At "$db" -c 'SHOW server_version' | cut -d' ' -f1) (scripts/pg.sh test cluster, fsync off), kafaat demo + 200 experts (kafaat gen --seed 1, imported with consents)"
	report "read mix (bench/mix.lua): $(wc -l <"$work/paths") paths, $n of them public profiles; the stylesheet is sent by nginx itself behind nginx, by Kafaat when straight"
	report "each node: server.threads 2, database.pool_size 4 (defaults); nginx: deploy/nginx/kafaat.conf, plain HTTP, no rate or connection limits, access log on, worker_processes 2"
	report "wrk -t2 -c64 -d${SECONDS_EACH}s --latency --timeout 10s, $ROUNDS rounds interleaved"
	report ""
	report "$(printf '%-34s %8s %8s %8s %8s %7s %5s %7s' run req/s 'p50 ms' 'p90 ms' 'p99 ms' non-2xx 5xx sockerr)"
	bench_run direct "one node, straight (no nginx)" "http://127.0.0.1:$a/"
	local r
	for r in $(seq "$ROUNDS"); do
		bench_run one "round $r: one node behind nginx" "http://127.0.0.1:$one/"
		bench_run two "round $r: two nodes behind nginx" "http://127.0.0.1:$two/"
	done

	# Both nodes answered in the two-node runs (nginx's access log).
	local served_a served_b
	served_a=$(grep -c "upstream=127.0.0.1:$a " "$work/nginx-2/logs/kafaat.access.log" || true)
	served_b=$(grep -c "upstream=127.0.0.1:$b " "$work/nginx-2/logs/kafaat.access.log" || true)

	local one_rps two_rps one_p99 two_p99
	one_rps=$(mean "${SUM_RPS[one]}" "${COUNT[one]}")
	two_rps=$(mean "${SUM_RPS[two]}" "${COUNT[two]}")
	one_p99=$(mean2 "${SUM_P99[one]}" "${COUNT[one]}")
	two_p99=$(mean2 "${SUM_P99[two]}" "${COUNT[two]}")
	report ""
	report "mean, one node behind nginx:  $one_rps req/s, p99 $one_p99 ms"
	report "mean, two nodes behind nginx: $two_rps req/s, p99 $two_p99 ms"
	report "ratio two nodes / one node (req/s): $(ratio "$two_rps" "$one_rps")"
	report "ratio two nodes / one node (p99):   $(ratio "$two_p99" "$one_p99")"
	report "ratio one node behind nginx / straight (req/s): $(ratio "$one_rps" "${SUM_RPS[direct]}")"
	report "two-node runs, requests proxied to node A / node B: $served_a / $served_b (nginx access log; static files are nginx's own)"
	report "answers other than 2xx/3xx plus socket errors, all runs: $bad_total"
	[ "$bad_total" -eq 0 ] ||
		report "INVALID RUN: error answers were counted as requests; req/s and ratios above do not hold (a node that answers 5xx is taken out by nginx, which then fails fast with 502)"
	report ""
	report "This machine has $(nproc) CPUs: the two nodes, nginx, PostgreSQL and wrk all compete for the"
	report "same cores, so a second node adds no CPU here. The ratio two/one shows the overhead of"
	report "running a second node and sharing the load (and any gain from the second node's threads"
	report "waiting on PostgreSQL while the first computes), not scale-out: that needs the nodes on"
	report "their own machines, with PostgreSQL and the load generator elsewhere."
	report "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	complete=1
	echo "written: $out"
	if [ "$bad_total" -ne 0 ]; then
		tail -n 5 "$work"/serve-*.log "$work"/nginx-*/logs/*error.log >&2 || true
		die "$bad_total error answers or socket errors (see $out)"
	fi
}

main
