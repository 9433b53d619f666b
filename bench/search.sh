#!/bin/bash
# bench/search.sh: search and matching at 1M generated profiles, Kafaat's
# engine next to SQLite FTS5 on the same data, side by side in one run
# (docs/BENCHMARKS.md, "Search and matching"; ../shared/guide/PERFORMANCE.md).
#
# 1. The data, cached in bench/data/ (gitignored) by size and seed, made
#    once: `kafaat migrate`, `kafaat gen --experts N` piped into the
#    bench-only bulk import (build/bench/search_bench load: profile_save in
#    transactions of 10,000 profiles), the FTS5 peers over the same words
#    (search_bench fts); BENCH_NEEDS generated needs (`kafaat gen
#    --needs`), cached by count. The cached database is migrated again
#    before each run.
# 2. In one process pinned to one core (taskset -c 0), search_bench run:
#    the index build from storage (search_open: time, peak RSS,
#    match_memory per profile); top-20 search for selective (~0.1%), mid
#    (~3%) and broad (~33%) terms, Kafaat and FTS5 interleaved, min / p50 /
#    p99 and the ratios; facet counts for the broad terms (FTS5 + GROUP BY
#    as the peer); the engine's part of an API request (public audience,
#    Kafaat alone); need -> top-20 experts with explanations (SQL skill
#    overlap as the peer).
# 3. HTTP: one `kafaat serve` on the cached database with the bench-only
#    FTS5 endpoint enabled (testing.bench_fts5 = 1), its clock on the
#    data's day; for each query set, `wrk -t2 -c64` through bench/mix.lua
#    on /api/v1/experts?q=TERM, then the same terms on /api/v1/bench/fts5.
#    Every answer must be 2xx (the run is marked INVALID otherwise).
# Writes bench/results/search-DATE.txt with the machine line.
#
# Environment: BENCH_PROFILES (1000000; note that bench/http.sh and
# bench/nodes.sh read BENCH_PROFILES with another meaning: set it for this
# script alone), BENCH_SEED (1), BENCH_NEEDS (200), BENCH_QUERIES (200 per
# query set), BENCH_FACET_QUERIES (30), BENCH_SECONDS (10 per wrk run),
# BENCH_HTTP=0 to skip the HTTP runs, BENCH_PEERS=0 to run Kafaat alone in
# process (to profile it), KAFAAT (bin/kafaat), NGINX.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_PROFILES:-1000000}
SEED=${BENCH_SEED:-1}
NEEDS=${BENCH_NEEDS:-200}
SECONDS_EACH=${BENCH_SECONDS:-10}
HTTP=${BENCH_HTTP:-1}
KAFAAT=${KAFAAT:-bin/kafaat}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PROG=build/bench/search_bench
DAY=2026-12-01 # the day the generated data hold on (src/cli/gen_cmd.c)

for v in "$N" "$SEED" "$NEEDS" "$SECONDS_EACH"; do
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || { echo "bench: settings must be positive numbers (got '$v')" >&2; exit 2; }
done

data=bench/data
db=$data/search-$N-s$SEED.db
needs=$data/search-$N-s$SEED-needs$NEEDS.jsonl
work=$(mktemp -d /tmp/kafaat-bench-search.XXXXXX)
kafaat_pid=""
complete=0
cleanup() {
	[ -z "$kafaat_pid" ] || { kill "$kafaat_pid" 2>/dev/null; wait "$kafaat_pid" 2>/dev/null; } || true
	rm -rf "$work"
	rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm" "$needs.tmp"
	# A run that stopped before its report was complete leaves no report.
	[ "$complete" = 1 ] || [ -z "${out:-}" ] || rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. bench/lib/common.sh

now() { date +%s%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }'; }

# ---- the data ----

# The needs: `kafaat gen` reads the taxonomy from a freshly migrated database.
make_needs() {
	local t0
	mkdir -p "$data"
	"$KAFAAT" migrate --db "$work/ref.db" >/dev/null
	t0=$(now)
	"$KAFAAT" gen --experts "$N" --needs "$NEEDS" --seed "$SEED" --db "$work/ref.db" >"$needs.tmp"
	echo "  kafaat gen --experts $N --needs $NEEDS: $(since "$t0") s" >"$needs.txt"
	mv "$needs.tmp" "$needs"
}

# The database, in two stages, so that a failure (or Ctrl-C) during the
# FTS5 stage keeps the loaded database ($db.loaded) for the next run.
make_db() {
	local t0 line
	mkdir -p "$data"
	echo "bench: building $db ($N profiles, seed $SEED): once, then cached" >&2
	if [ ! -f "$db.loaded" ]; then
		rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
		"$KAFAAT" migrate --db "$db.tmp" >/dev/null
		t0=$(now)
		line=$("$KAFAAT" gen --experts "$N" --seed "$SEED" --db "$db.tmp" | "$PROG" load "$db.tmp")
		echo "  kafaat gen | search_bench load: $(since "$t0") s — $line" >"$db.loaded.txt"
		mv "$db.tmp" "$db.loaded"
	fi
	t0=$(now)
	line=$("$PROG" fts "$db.loaded")
	{
		echo "built $(date -u +%Y-%m-%dT%H:%MZ) on this machine (load average then: $(cut -d' ' -f1-3 /proc/loadavg)):"
		cat "$db.loaded.txt"
		echo "  search_bench fts: $(since "$t0") s — $line"
	} >"$db.txt"
	rm -f "$db.loaded.txt"
	mv "$db.loaded" "$db"
}

# ---- HTTP ----

bad_total=0
declare -A RPS P99

# bench_run KEY LABEL PATHS: one wrk run, one line of the table.
bench_run() {
	local key=$1 label=$2 paths=$3 f=$work/wrk-$1.txt rps p50 p90 p99 bad sock s5
	MIX_MODE=read MIX_PATHS="$paths" MIX_STATUS=1 \
		wrk -t2 -c64 -d"${SECONDS_EACH}s" --timeout 30s --latency -s bench/mix.lua "$base/" >"$f" 2>&1 ||
		{ cat "$f" >&2; die "wrk failed ($label)"; }
	rps=$(awk '/^Requests\/sec:/ { printf "%.1f", $2 }' "$f")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$f")")
	p90=$(ms "$(awk '$1 == "90%" { print $2 }' "$f")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$f")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
	bad=${bad:-0}
	sock=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$f" |
		awk '{ print $1 + $2 + $3 + $4 }')
	sock=${sock:-0}
	s5=$(awk '/^Status classes:/ { print $NF }' "$f")
	bad_total=$((bad_total + bad + sock))
	RPS[$key]=$rps
	P99[$key]=$p99
	printf '  %-34s %9s %9s %9s %9s %7s %4s %7s\n' "$label" "$rps" "$p50" "$p90" "$p99" "$bad" "${s5:--}" "$sock" >>"$work/table"
	echo "bench: $label: $rps req/s, p99 $p99 ms" >&2
}

total_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'; }

run_http() {
	local port t0 set agree=0 checked=0 p k f
	port=$(free_port)
	base=http://127.0.0.1:$port
	date -u -d "$DAY" +%s >"$work/clock"
	t0=$(now)
	KAFAAT_API_RATE_LIMIT=0 KAFAAT_TESTING_CLOCK_FILE=$work/clock KAFAAT_TESTING_BENCH_FTS5=1 KAFAAT_MAIL_SPOOL_DIR=$work/mail \
		"$KAFAAT" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
	kafaat_pid=$!
	for _ in $(seq 1200); do # the index of 1M profiles takes a while
		curl -s -o /dev/null "$base/healthz" && break
		kill -0 "$kafaat_pid" 2>/dev/null || { cat "$work/serve.log" >&2; die "kafaat serve exited"; }
		sleep 0.25
	done
	curl -s -o /dev/null "$base/healthz" || die "kafaat serve does not answer"
	report ""
	report "search API over HTTP: kafaat serve (server.threads 2, the default) on this database, answering in $(since "$t0") s after start ($(grep -o 'search index: .*' "$work/serve.log" | head -1)); /api/v1/experts?q=TERM (anonymous: the public's audience, 20 cards and every facet) next to /api/v1/bench/fts5?q=TERM (the same terms, FTS5 over the experts the public may see, the same cards, the total and the country facet); wrk -t2 -c64 -d${SECONDS_EACH}s --timeout 30s --latency, bench/mix.lua cycling through the set's terms; wrk, the server and SQLite share the $(nproc) CPUs"
	# The same question: the totals of both endpoints, a few terms per set.
	for set in selective mid broad; do
		for p in $(head -5 "$work/paths-$set.kafaat"); do
			k=$(curl -sf "$base$p" | total_of) || die "GET $p failed"
			f=$(curl -sf "$base${p/\/experts?/\/bench\/fts5?}" | total_of) || die "GET ${p/\/experts?/\/bench\/fts5?} failed"
			checked=$((checked + 1))
			[ "$k" = "$f" ] && agree=$((agree + 1))
		done
	done
	report "  same total from both endpoints for $agree of $checked terms checked"
	for set in selective mid broad; do
		bench_run "k-$set" "$set: kafaat /api/v1/experts" "$work/paths-$set.kafaat"
		bench_run "f-$set" "$set: fts5 /api/v1/bench/fts5" "$work/paths-$set.fts5"
	done
	local rc=0
	kill -TERM "$kafaat_pid"
	wait "$kafaat_pid" || rc=$?
	kafaat_pid=""
	report "$(printf '  %-34s %9s %9s %9s %9s %7s %4s %7s' run req/s 'p50 ms' 'p90 ms' 'p99 ms' non-2xx 5xx sockerr)"
	tee -a "$out" <"$work/table"
	for set in selective mid broad; do
		report "$(printf '  %-10s Kafaat / FTS5 req/s %6sx; FTS5 / Kafaat p99 %6sx' "$set" \
			"$(ratio "${RPS[k-$set]}" "${RPS[f-$set]}")" "$(ratio "${P99[f-$set]}" "${P99[k-$set]}")")"
	done
	report "  answers other than 2xx/3xx plus socket errors, all runs: $bad_total; kafaat serve after SIGTERM: exit $rc"
	[ "$bad_total" -eq 0 ] || report "INVALID RUN: error answers were counted as requests; req/s and ratios above do not hold"
	[ "$rc" -eq 0 ] || die "kafaat serve exited $rc after SIGTERM"
}

main() {
	make --no-print-directory -s bin/kafaat "$PROG" >&2
	# One copy of each binary for the whole run, even if they are rebuilt meanwhile.
	cp "$KAFAAT" "$work/kafaat" && KAFAAT=$work/kafaat
	cp "$PROG" "$work/search_bench" && PROG=$work/search_bench
	[ -f "$needs" ] || make_needs
	[ -f "$db" ] || make_db
	"$KAFAAT" migrate --db "$db" >/dev/null # a migration added since the data were cached
	results_open search
	machine "Kafaat search and matching benchmark (bench/search.sh)"
	report "sqlite3 library $(sqlite3 --version | cut -d' ' -f1); taskset -c 0 for the in-process measures (one core; the machine may run other work on it)"
	report "data: $N profiles (kafaat gen --seed $SEED), $NEEDS needs; $db, $(du -m "$db" | cut -f1) MiB, $(sed -n 1p "$db.txt" 2>/dev/null || echo 'built earlier')"
	sed -n '2,$p' "$db.txt" 2>/dev/null | tee -a "$out" || true
	tee -a "$out" <"$needs.txt" 2>/dev/null || true
	report "today: $DAY (the generated data's day); dormant after 365 days without confirmation"
	report ""
	taskset -c 0 "$PROG" run "$db" "$needs" "$work/paths" 2>"$work/run.err" | tee -a "$out" ||
		{ cat "$work/run.err" >&2; die "search_bench run failed"; }
	grep -v 'unfinalized statements' "$work/run.err" >&2 || true
	[ "$HTTP" = 0 ] || run_http
	report ""
	report "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (compare ratios, not absolute times, across runs and machines)"
	complete=1
	echo "written: $out"
	[ "$bad_total" -eq 0 ] || die "$bad_total error answers or socket errors (see $out)"
}

main
