#!/bin/bash
# bench/http.sh (`make bench-http`): HTTP load on one Kafaat node (SQLite)
# with wrk, for a bounded time, and nginx serving a static file in the same
# run as this machine's ceiling.
#
# On a fresh SQLite database (migrated, 200 generated experts imported with
# their consents, so ~40% have a public card), one `kafaat serve` on
# loopback; then, with `wrk -t2 -c64 --latency` for BENCH_SECONDS each:
#   nginx static    nginx (worker_processes 2, access log off, descriptors
#                   cached, connections never closed by nginx) sending
#                   static/css/kafaat.css: the ceiling
#   kafaat static   Kafaat sending the same file
#   read mix        bench/mix.lua: /fr/, /ar/, /en/privacy, /healthz,
#                   /api/v1/meta, the stylesheet and public profile pages
#   write mix       4 signed-in experts saving their profile (identity step,
#                   confirm, pause, resume), each POST with its session's
#                   CSRF token: every one a committed write
#   sign-ups        POST /fr/signup with new addresses: bound by Argon2id
#                   (64 MiB per hash), so a short run with 4 connections
#   nginx static    again, to bracket the Kafaat runs
# Every run must have zero answers other than 2xx/3xx and zero socket
# errors (the script fails otherwise, after writing its report); the server
# must then stop cleanly on SIGTERM (exit 0). Writes
# bench/results/http-DATE.txt with the machine line. See docs/BENCHMARKS.md.
# Then each kind of path of the read mix alone for BENCH_PATH_SECONDS, to
# show where the mix spends its time.
# Environment: BENCH_SECONDS (10), BENCH_SIGNUP_SECONDS (5),
# BENCH_PATH_SECONDS (3), BENCH_PROFILES (6), KAFAAT, NGINX.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SECONDS_EACH=${BENCH_SECONDS:-10}
SIGNUP_SECONDS=${BENCH_SIGNUP_SECONDS:-5}
PATH_SECONDS=${BENCH_PATH_SECONDS:-3}
PROFILES=${BENCH_PROFILES:-6}
KAFAAT=${KAFAAT:-bin/kafaat}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PW='une phrase assez longue 2027'

work=$(mktemp -d /tmp/kafaat-bench-http.XXXXXX)
chmod 755 "$work" # nginx's workers read their files from here
kafaat_pid=""
nginx_pid=""
cleanup() {
	[ -z "$kafaat_pid" ] || kill "$kafaat_pid" 2>/dev/null || true
	[ -z "$nginx_pid" ] || kill -QUIT "$nginx_pid" 2>/dev/null || true
	[ -z "$kafaat_pid" ] || wait "$kafaat_pid" 2>/dev/null || true
	[ -z "$nginx_pid" ] || wait "$nginx_pid" 2>/dev/null || true
	rm -rf "$work"
	# A run that stopped before its report was complete leaves no report.
	[ "$complete" = 1 ] || [ -z "${out:-}" ] || rm -f "$out"
}
complete=0
trap cleanup EXIT
trap 'exit 130' INT TERM

. bench/lib/common.sh
results_open http

# ---- wrk ----

bad_total=0
declare -A RPS

# bench_run KEY LABEL CONNECTIONS SECONDS URL [ENV=VALUE...]: one wrk run,
# one line of the table; its output kept in $work/wrk-KEY.txt.
bench_run() {
	local key=$1 label=$2 conns=$3 secs=$4 url=$5 f rps p50 p90 p99 bad sock s5
	shift 5
	f=$work/wrk-$key.txt
	env "$@" wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s --latency -s bench/mix.lua "$url" >"$f" 2>&1 ||
		{ cat "$f" >&2; die "wrk failed ($label)"; }
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
	bad_total=$((bad_total + bad + sock))
	RPS[$key]=$rps
	printf '%-40s %8s %8s %8s %8s %7s %4s %7s\n' "$label" "$rps" "$p50" "$p90" "$p99" "$bad" "$s5" "$sock" >>"$work/table"
	echo "bench: $label: $rps req/s, p99 $p99 ms, non-2xx/3xx $bad, socket errors $sock" >&2
}


# ---- the site ----

csrf_of() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }

# expert EMAIL: signs up, follows the mailed link, signs in; prints
# "SESSION CSRF" for bench/mix.lua's write mix.
expert() {
	local email=$1 jar=$work/jar-$1 csrf id link session
	csrf=$(curl -sf -c "$jar" -b "$jar" "$base/fr/signup" | csrf_of)
	curl -sf -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "email=$email" \
		--data-urlencode "password=$PW" --data-urlencode "password2=$PW" -d lang=fr -d adult=yes -d notice=yes \
		"$base/fr/signup" || die "sign-up of $email failed"
	id=$("$KAFAAT" mail list --json --db "$db" |
		python3 -c 'import json, sys; print(next(m["id"] for m in json.load(sys.stdin) if m["to"] == sys.argv[1]))' "$email")
	link=$("$KAFAAT" mail show "$id" --db "$db" | grep -o '/fr/verify?token=[A-Za-z0-9_-]*' | head -1)
	curl -sf -o /dev/null -c "$jar" -b "$jar" "$base$link" || die "verification of $email failed"
	csrf=$(curl -sf -c "$jar" -b "$jar" "$base/fr/signin" | csrf_of)
	curl -sf -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "email=$email" \
		--data-urlencode "password=$PW" "$base/fr/signin" || die "sign-in of $email failed"
	session=$(awk '$6 == "kafaat_session" { print $7 }' "$jar")
	csrf=$(curl -sf -b "$jar" "$base/fr/profile/edit/identity" | csrf_of)
	[ -n "$session" ] && [ -n "$csrf" ] || die "no session for $email"
	echo "$session $csrf"
}

nginx_conf() { # port
	local user=""
	if [ "$(id -u)" -eq 0 ]; then
		# Workers as www-data when it can read the file, else as root.
		if runuser -u www-data -- test -r "$root/static/css/kafaat.css" 2>/dev/null; then user="user www-data;"; else user="user root;"; fi
	fi
	cat <<-EOF
	$user
	worker_processes 2;
	pid $work/nginx/nginx.pid;
	error_log $work/nginx/logs/error.log;
	events { worker_connections 1024; }
	http {
		include /etc/nginx/mime.types;
		default_type application/octet-stream;
		sendfile on;
		access_log off;
		# Its best for small files: descriptors cached, connections kept.
		open_file_cache max=64 inactive=60s;
		open_file_cache_valid 60s;
		keepalive_requests 1000000;
		client_body_temp_path $work/nginx/tmp/body;
		proxy_temp_path $work/nginx/tmp/proxy;
		fastcgi_temp_path $work/nginx/tmp/fastcgi;
		uwsgi_temp_path $work/nginx/tmp/uwsgi;
		scgi_temp_path $work/nginx/tmp/scgi;
		server {
			listen 127.0.0.1:$1;
			location /static/ { root $root; }
		}
	}
	EOF
}

main() {
	machine "Kafaat HTTP benchmark (bench/http.sh)"
	db=$work/kafaat.db
	"$KAFAAT" migrate --db "$db" >/dev/null
	"$KAFAAT" gen --experts 200 --seed 1 --db "$db" >"$work/experts.jsonl"
	"$KAFAAT" import experts "$work/experts.jsonl" --db "$db" --consent-from-file >/dev/null

	local port nport
	port=$(free_port)
	base=http://127.0.0.1:$port
	KAFAAT_API_RATE_LIMIT=0 KAFAAT_MAIL_SPOOL_DIR=$work/mail "$KAFAAT" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
	kafaat_pid=$!
	wait_http "$base/healthz" "kafaat serve" "$kafaat_pid"

	# The read mix: fixed pages, then up to PROFILES public profile cards
	# (in the three languages), so that about half the mix is profiles.
	local p code n=0
	printf '%s\n' /fr/ /ar/ /en/privacy /healthz /api/v1/meta /static/css/kafaat.css >"$work/paths"
	for id in $(sqlite3 "$db" "SELECT user_id FROM consents WHERE audience = 'directory' AND granted = 1 ORDER BY user_id LIMIT 40"); do
		[ "$n" -lt "$PROFILES" ] || break
		p=/$(echo fr ar en | cut -d' ' -f$((n % 3 + 1)))/experts/$id
		code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p")
		[ "$code" = 200 ] && { echo "$p" >>"$work/paths"; n=$((n + 1)); }
	done
	while read -r p; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p")
		[ "$code" = 200 ] || die "GET $p answers $code before the run"
	done <"$work/paths"

	for i in 1 2 3 4; do expert "bench$i@example.org"; done >"$work/sessions"
	local anon
	anon=$(curl -sf -c "$work/anon" -b "$work/anon" "$base/fr/signup" | csrf_of)

	nport=$(free_port)
	mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
	nginx_conf "$nport" >"$work/nginx/nginx.conf"
	"$NGINX" -p "$work/nginx/" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
	nginx_pid=$!
	wait_http "http://127.0.0.1:$nport/static/css/kafaat.css" nginx "$nginx_pid"
	cmp -s <(curl -s "http://127.0.0.1:$nport/static/css/kafaat.css") <(curl -s "$base/static/css/kafaat.css") ||
		die "nginx and Kafaat do not send the same stylesheet"

	report "data: SQLite, 200 experts (kafaat gen --seed 1, imported with consents); read mix of $(wc -l <"$work/paths") paths ($n public profiles)"
	report "kafaat: one node, server.threads 2 (default); nginx: worker_processes 2, access_log off, sendfile, open_file_cache, keepalive_requests 1000000"
	report "wrk -t2 -c64 -d${SECONDS_EACH}s --latency --timeout 10s (sign-ups: -c4 -d${SIGNUP_SECONDS}s); bench/mix.lua"
	report "non-2xx: wrk's count of answers other than 2xx/3xx; 5xx: counted by bench/mix.lua (MIX_STATUS=1; '-' on the static runs, left without it)"
	report ""

	local css=/static/css/kafaat.css
	printf '%s\n' "$css" >"$work/css"
	bench_run nginx1 "nginx static $css" 64 "$SECONDS_EACH" "http://127.0.0.1:$nport$css" MIX_MODE=read MIX_PATHS="$work/css"
	bench_run static "kafaat static $css" 64 "$SECONDS_EACH" "$base$css" MIX_MODE=read MIX_PATHS="$work/css"
	bench_run read "kafaat read mix" 64 "$SECONDS_EACH" "$base/" MIX_STATUS=1 MIX_MODE=read MIX_PATHS="$work/paths"
	bench_run write "kafaat write mix (4 experts)" 64 "$SECONDS_EACH" "$base/" MIX_STATUS=1 MIX_MODE=write \
		MIX_SESSIONS="$work/sessions" MIX_UNTIL="$(date -u -d '+30 days' +%F)"
	bench_run signup "kafaat sign-ups (Argon2id), -c4" 4 "$SIGNUP_SECONDS" "$base/" MIX_STATUS=1 MIX_MODE=signup \
		MIX_CSRF="$anon" MIX_TAG="$stamp"
	bench_run nginx2 "nginx static $css (again)" 64 "$SECONDS_EACH" "http://127.0.0.1:$nport$css" MIX_MODE=read MIX_PATHS="$work/css"
	# Where the read mix spends its time: each kind of page alone, briefly.
	echo "--- each path of the read mix alone, -d${PATH_SECONDS}s (same settings)" >>"$work/table"
	local k=0
	for p in /fr/ /ar/ /en/privacy /healthz /api/v1/meta "$(grep -m1 /experts/ "$work/paths" || true)"; do
		[ -n "$p" ] || continue
		k=$((k + 1))
		echo "$p" >"$work/path-$k"
		bench_run "path$k" "  GET $p" 64 "$PATH_SECONDS" "$base/" MIX_STATUS=1 MIX_MODE=read MIX_PATHS="$work/path-$k"
	done

	# Stop Kafaat: it must finish in-flight work and exit 0.
	local rc=0
	kill -TERM "$kafaat_pid"
	wait "$kafaat_pid" || rc=$?
	kafaat_pid=""

	local ceil
	ceil=$(awk -v a="${RPS[nginx1]}" -v b="${RPS[nginx2]}" 'BEGIN { printf "%.0f", (a + b) / 2 }')
	report "$(printf '%-40s %8s %8s %8s %8s %7s %4s %7s' run req/s 'p50 ms' 'p90 ms' 'p99 ms' non-2xx 5xx sockerr)"
	cat "$work/table" | tee -a "$out"
	report ""
	report "ceiling: nginx static, mean of the two runs: $ceil req/s"
	report "ratio kafaat static / nginx static:   $(ratio "${RPS[static]}" "$ceil")"
	report "ratio kafaat read mix / nginx static: $(ratio "${RPS[read]}" "$ceil")"
	report "ratio kafaat write mix / nginx static: $(ratio "${RPS[write]}" "$ceil")"
	report "ratio kafaat write mix / read mix:    $(ratio "${RPS[write]}" "${RPS[read]}")"
	report "ratio public profile page / home page /fr/: $(ratio "${RPS[path$k]}" "${RPS[path1]}") (each alone, same run)"
	report "sign-ups per second: ${RPS[signup]} (each one Argon2id hash of 64 MiB; server.threads 2 hash at most 2 at once)"
	report "answers other than 2xx/3xx plus socket errors, all runs: $bad_total"
	[ "$bad_total" -eq 0 ] ||
		report "INVALID RUN: error answers were counted as requests; req/s and ratios above do not hold (a node that answers 5xx is taken out by nginx, which then fails fast with 502)"
	report "kafaat serve after SIGTERM: exit $rc"
	report ""
	report "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (wrk, nginx and Kafaat share the $(nproc) CPUs: a ratio, not an absolute, is the figure)"
	complete=1
	echo "written: $out"
	[ "$bad_total" -eq 0 ] || die "$bad_total error answers or socket errors (see $out)"
	[ "$rc" -eq 0 ] || die "kafaat serve exited $rc after SIGTERM"
}

main
