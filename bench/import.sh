#!/bin/bash
# bench/import.sh: `kafaat import experts` of 10,000 generated experts.
#
# Generates the experts (`kafaat gen --seed 1`), then on a fresh SQLite
# database: times the import, times the same import again (it must report
# every row unchanged), times the export; and, side by side, a peer that
# does the least a loader can do with the same file — the sqlite3 shell
# loading the lines and exploding skills and languages with json_each() in
# one transaction, then the same load again as an upsert that writes only
# changed rows (no validation, no name resolution, no accounts or mail).
# The same on PostgreSQL when scripts/pg.sh can start a private cluster
# (fsync off there: a test cluster), with psql's \copy + jsonb as the peer.
# Writes bench/results/import-DATE.txt with the machine line. See
# docs/BENCHMARKS.md. Environment: BENCH_EXPERTS (10000), BENCH_SEED (1),
# BENCH_PG=0 to skip PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_EXPERTS:-10000}
SEED=${BENCH_SEED:-1}
KAFAAT=${KAFAAT:-bin/kafaat}
work=$(mktemp -d /tmp/kafaat-bench-import.XXXXXX)
pg_dir=""
cleanup() {
	[ -z "$pg_dir" ] || scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out=bench/results/import-$stamp.txt
report() { echo "$*" | tee -a "$out"; }

now() { date +%s%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
rate() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

# timed VAR COMMAND...: runs COMMAND (stdout to $work/out), its wall time
# in seconds into VAR; stops the benchmark when it fails.
timed() {
	local var=$1 t0 t1
	shift
	t0=$(now)
	if ! "$@" >"$work/out" 2>"$work/err"; then
		echo "bench: $* failed:" >&2
		tail -n 5 "$work/err" "$work/out" >&2
		exit 1
	fi
	t1=$(now)
	printf -v "$var" '%s' "$(seconds "$t0" "$t1")"
}

# expect WORDS: the last import's summary says WORDS (e.g. "10000 created").
expect() {
	if ! grep -q ": $N rows: .*$1" "$work/out"; then
		echo "bench: expected '$1' in:" >&2
		tail -3 "$work/out" >&2
		exit 1
	fi
}

line() { # label seconds
	report "$(printf '%-46s %8s s  %7s rows/s' "$1" "$2" "$(rate "$2")")"
}

machine() {
	local cpu
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
	report "# Kafaat import benchmark (bench/import.sh), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	report "machine: $(uname -a)"
	report "cpus: $(nproc); CPU: ${cpu:-unknown}; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	report "kafaat: $($KAFAAT version) ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', uncommitted changes')); sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
}

# ---- the peers ----

# The peers load the same lines into an experts table (one row, the line
# kept as doc) with skills and languages exploded into their own tables,
# rewriting only the people whose line changed: the same contract as
# kafaat's import, without any of its checks.
sqlite_peer_sql() { # file
	cat <<-SQL
	PRAGMA journal_mode = WAL;
	PRAGMA synchronous = FULL;
	CREATE TABLE IF NOT EXISTS experts (email TEXT PRIMARY KEY, name TEXT, country TEXT, doc TEXT);
	CREATE TABLE IF NOT EXISTS expert_skills (email TEXT, name TEXT, level INTEGER, years INTEGER);
	CREATE INDEX IF NOT EXISTS expert_skills_email ON expert_skills (email);
	CREATE TABLE IF NOT EXISTS expert_languages (email TEXT, code TEXT, level TEXT);
	CREATE INDEX IF NOT EXISTS expert_languages_email ON expert_languages (email);
	CREATE TEMP TABLE raw (line TEXT);
	.mode ascii
	.separator "\037" "\n"
	.import $1 raw
	BEGIN;
	CREATE TEMP TABLE changed AS SELECT lower(json_extract(r.line, '\$.email')) AS email, r.line
	  FROM raw r LEFT JOIN experts e ON e.email = lower(json_extract(r.line, '\$.email'))
	  WHERE e.doc IS NOT r.line;
	INSERT INTO experts SELECT email, json_extract(line, '\$.name'), json_extract(line, '\$.country'),
	  line FROM changed WHERE true ON CONFLICT (email) DO UPDATE SET name = excluded.name,
	  country = excluded.country, doc = excluded.doc;
	DELETE FROM expert_skills WHERE email IN (SELECT email FROM changed);
	DELETE FROM expert_languages WHERE email IN (SELECT email FROM changed);
	INSERT INTO expert_skills SELECT c.email, json_extract(s.value, '\$.name'),
	  json_extract(s.value, '\$.level'), json_extract(s.value, '\$.years')
	  FROM changed c, json_each(c.line, '\$.skills') s;
	INSERT INTO expert_languages SELECT c.email, json_extract(l.value, '\$.code'),
	  json_extract(l.value, '\$.level') FROM changed c, json_each(c.line, '\$.languages') l;
	COMMIT;
	SQL
}

pg_peer_sql() { # file
	cat <<-SQL
	CREATE TABLE IF NOT EXISTS experts (email text PRIMARY KEY, name text, country text, doc text);
	CREATE TABLE IF NOT EXISTS expert_skills (email text, name text, level int, years int);
	CREATE INDEX IF NOT EXISTS expert_skills_email ON expert_skills (email);
	CREATE TABLE IF NOT EXISTS expert_languages (email text, code text, level text);
	CREATE INDEX IF NOT EXISTS expert_languages_email ON expert_languages (email);
	CREATE TEMP TABLE raw (line text);
	\\copy raw FROM '$1' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
	BEGIN;
	CREATE TEMP TABLE changed AS SELECT lower(r.line::jsonb->>'email') AS email, r.line::jsonb AS j, r.line
	  FROM raw r LEFT JOIN experts e ON e.email = lower(r.line::jsonb->>'email')
	  WHERE e.doc IS DISTINCT FROM r.line;
	INSERT INTO experts SELECT email, j->>'name', j->>'country', line FROM changed
	  ON CONFLICT (email) DO UPDATE SET name = excluded.name, country = excluded.country, doc = excluded.doc;
	DELETE FROM expert_skills WHERE email IN (SELECT email FROM changed);
	DELETE FROM expert_languages WHERE email IN (SELECT email FROM changed);
	INSERT INTO expert_skills SELECT c.email, s->>'name', (s->>'level')::int, (s->>'years')::int
	  FROM changed c, jsonb_array_elements(c.j->'skills') s;
	INSERT INTO expert_languages SELECT c.email, l->>'code', l->>'level'
	  FROM changed c, jsonb_array_elements(c.j->'languages') l;
	COMMIT;
	SQL
}

# ---- one engine ----

run_engine() { # name db peer-command...
	local name=$1 db=$2 t_import t_again t_export t_peer t_peer_again
	shift 2
	timed t_import "$KAFAAT" import experts "$work/experts.jsonl" --db "$db" --consent-from-file
	expect "$N created"
	timed t_peer "$@"
	timed t_again "$KAFAAT" import experts "$work/experts.jsonl" --db "$db" --consent-from-file
	expect "$N unchanged"
	timed t_peer_again "$@"
	timed t_export "$KAFAAT" export experts --db "$db"
	[ "$(wc -l <"$work/out")" -eq "$N" ] || { echo "bench: export is not $N lines" >&2; exit 1; }
	line "$name: kafaat import, empty database" "$t_import"
	line "$name: peer load, empty database" "$t_peer"
	report "$name: ratio kafaat / peer (first import)              $(ratio "$t_import" "$t_peer")"
	line "$name: kafaat import again ($N unchanged)" "$t_again"
	line "$name: peer load again" "$t_peer_again"
	report "$name: ratio kafaat / peer (same file again)           $(ratio "$t_again" "$t_peer_again")"
	line "$name: kafaat export" "$t_export"
}

sqlite_peer() { sqlite_peer_sql "$work/experts.jsonl" | sqlite3 -bail "$work/peer.db"; }
pg_peer() { pg_peer_sql "$work/experts.jsonl" | psql -X -q -v ON_ERROR_STOP=1 "$pg_peer_url"; }

main() {
	local t_gen
	machine
	"$KAFAAT" migrate --db "$work/kafaat.db" >/dev/null
	timed t_gen "$KAFAAT" gen --experts "$N" --seed "$SEED" --db "$work/kafaat.db"
	mv "$work/out" "$work/experts.jsonl"
	report "experts: $N (kafaat gen --seed $SEED), $(du -k "$work/experts.jsonl" | cut -f1) KiB of JSON Lines, generated in $t_gen s"
	report ""
	run_engine sqlite "$work/kafaat.db" sqlite_peer
	report ""
	if [ "${BENCH_PG:-1}" = 0 ]; then
		report "postgresql: skipped (BENCH_PG=0)"
		return
	fi
	pg_dir=$(mktemp -d /tmp/kafaat-bench-pg.XXXXXX)
	local url
	if ! url=$(scripts/pg.sh start "$pg_dir" 2>"$work/pg.err"); then
		report "postgresql: skipped (scripts/pg.sh could not start a cluster: $(tail -1 "$work/pg.err"))"
		return
	fi
	local db
	db=$(scripts/pg.sh createdb "$url" kafaat_bench)
	pg_peer_url=$(scripts/pg.sh createdb "$url" kafaat_peer)
	"$KAFAAT" migrate --db "$db" >/dev/null
	report "postgresql $(psql -X -At "$db" -c 'SHOW server_version'): scripts/pg.sh test cluster (fsync off)"
	run_engine postgresql "$db" pg_peer
}

main
report ""
report "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews absolute times; ratios less)"
echo "written: $out"
