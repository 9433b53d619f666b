#!/bin/sh
# valgrind memcheck over the unit test programs and over a `kafaat serve`
# driven by a short HTTP smoke run (docs/RELIABILITY.md, "valgrind").
#
#   scripts/valgrind.sh                  # both parts
#   VG_PARTS=unit scripts/valgrind.sh    # only the unit programs (or: http)
#   VG_PARTS=unit VG_UNIT=test_db scripts/valgrind.sh   # only that one
#   TEST_PG_URL=postgres://… …           # test_db and the suite part on PostgreSQL
#   VG_PARTS=suite scripts/valgrind.sh   # tests/http/*.test.mjs under memcheck
#   VG_PARTS=suite VG_FILES="tests/http/plans.test.mjs tests/http/needs.test.mjs" \
#       scripts/valgrind.sh              # only those files (default: all)
#   VG_OUT=build/valgrind-2 scripts/valgrind.sh   # where the logs go
#   VG_START_SECONDS=300                 # how long the server may take to start
#   VG_BIN=/tmp/kafaat-copy …            # the binary to check (default bin/kafaat;
#                                        # a copy lets you rebuild while it runs)
#
# Needs `make all unit-bins`. Every program runs under memcheck with
# --leak-check=full: any memory error, and any definitely or indirectly lost
# block, makes it exit 99, and the run fails. The HTTP part runs `kafaat
# migrate` and `kafaat serve` through a wrapper (build/valgrind/kafaat) that
# starts them under memcheck, then tests/hardening/valgrind_smoke.mjs walks
# through the site with that wrapper as TEST_BIN (so the commands it runs,
# `admin create`, `mail list`..., are checked too), and SIGTERM stops the
# server: it must exit 0. Each process writes build/valgrind/logs/
# kafaat.PID.log; a log with errors or leaks fails the run even when its
# exit status was not looked at. The suite part (not in the default parts:
# hours) runs each tests/http file with the wrapper as TEST_BIN and
# TEST_START_SECONDS=VG_START_SECONDS (tests/kafaat.mjs), one file at a
# time, each file's processes logging to their own directory
# (build/valgrind/suite/NAME/), with a summary line per file; a failed test,
# an error or a leak in any of its logs fails the run. tests/valgrind.supp
# holds the suppressions (third-party libraries only, each with its reason).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
out=${VG_OUT:-build/valgrind}
parts=${VG_PARTS:-"unit http"}
VG_START_SECONDS=${VG_START_SECONDS:-300}
VG_BIN=${VG_BIN:-$root/bin/kafaat}
# At memcheck's pace one sign-up's password hashing takes longer than the
# default 10 s drain: a server stopped under memcheck may wait longer for
# its requests in flight (shutdown.test.mjs).
export KAFAAT_SERVER_DRAIN_SECONDS=${KAFAAT_SERVER_DRAIN_SECONDS:-300}
VG_FLAGS="--tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
--num-callers=30 --suppressions=$root/tests/valgrind.supp"

command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh test)"; exit 1; }
rm -rf "$out" && mkdir -p "$out/logs"
status=0
start=$(date +%s)

# Errors, definitely and indirectly lost bytes in one memcheck log, summed
# over every process that wrote to it (a forked child writes there too):
# "E D I" ("0 0 0" when clean).
report_counts() {
	# A process killed by a test (kill -9) writes no summary: its error
	# reports are counted one by one instead (the larger count wins).
	awk '/ERROR SUMMARY:/ { gsub(",", "", $4); e += $4 }
	     /definitely lost:/ { gsub(",", "", $4); d += $4 }
	     /indirectly lost:/ { gsub(",", "", $4); i += $4 }
	     /^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* of function)/ { r++ }
	     END { printf "%d %d %d\n", (r > e ? r : e), d, i }' "$1"
}

# Writes a wrapper ($1) that runs $VG_BIN under memcheck, each process
# logging to $2/kafaat.PID.log.
write_wrapper() {
	printf '#!/bin/sh\nexec valgrind %s --log-file=%s/kafaat.%%p.log %s "$@"\n' \
		"$VG_FLAGS" "$2" "$VG_BIN" >"$1"
	chmod +x "$1"
}

# Reads every kafaat.*.log in $1: names each one with errors or leaks, and
# sets logs_runs (processes), logs_bad (processes with errors or leaks),
# logs_errors, logs_definite and logs_indirect (sums).
check_logs() {
	logs_runs=0
	logs_bad=0
	logs_errors=0
	logs_definite=0
	logs_indirect=0
	for log in "$1"/kafaat.*.log; do
		[ -f "$log" ] || continue
		logs_runs=$((logs_runs + 1))
		# shellcheck disable=SC2046 # three numbers
		set -- $(report_counts "$log")
		logs_errors=$((logs_errors + $1))
		logs_definite=$((logs_definite + $2))
		logs_indirect=$((logs_indirect + $3))
		if [ "$1" != 0 ] || [ "$2" != 0 ] || [ "$3" != 0 ]; then
			echo "valgrind: $(sed -n 's/.*Command: //p' "$log" | head -1 | cut -c1-80): $1 errors, $2 bytes definitely lost, $3 indirectly lost ($log)"
			logs_bad=$((logs_bad + 1))
		fi
	done
}

if echo "$parts" | grep -qw unit; then
	n=0
	bad=0
	for t in build/tests/${VG_UNIT:-test_*}; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log="$out/logs/$name.log"
		# shellcheck disable=SC2086 # VG_FLAGS is a list of options
		valgrind $VG_FLAGS --log-file="$log" --trace-children=no "$t" >"$out/logs/$name.out" 2>&1
		rc=$?
		n=$((n + 1))
		set -- $(report_counts "$log")
		if [ "$rc" -ne 0 ] || [ "$1" != 0 ] || [ "$2" != 0 ] || [ "$3" != 0 ]; then
			echo "valgrind: $name: exit $rc, $1 errors, $2 bytes definitely lost, $3 indirectly lost ($log)"
			bad=$((bad + 1))
		fi
	done
	[ "$n" -gt 0 ] || { echo "valgrind: no unit programs in build/tests (make unit-bins)"; exit 1; }
	echo "valgrind: unit: $n programs, $bad with errors or leaks"
	[ "$bad" -eq 0 ] || status=1
fi

if echo "$parts" | grep -qw http; then
	wrapper="$out/kafaat"
	write_wrapper "$wrapper" "$root/$out/logs"
	site=$(mktemp -d)
	export KAFAAT_MAIL_SPOOL_DIR="$site/mail"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	if ! "$wrapper" migrate --db "$site/kafaat.db" >"$out/migrate.log" 2>&1; then
		echo "valgrind: kafaat migrate failed ($out/migrate.log)"
		status=1
	fi
	"$wrapper" serve --db "$site/kafaat.db" --listen "127.0.0.1:$port" >"$out/serve.out" 2>"$out/serve.err" &
	pid=$!
	waited=0
	until grep -q 'serving http://' "$out/serve.out" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge "$VG_START_SECONDS" ]; then
			echo "valgrind: the server did not start in $VG_START_SECONDS s ($out/serve.err)"
			status=1
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	echo "valgrind: http: the server started under memcheck in $waited s"
	smoke_start=$(date +%s)
	TEST_BIN="$wrapper" scripts/node.sh node tests/hardening/valgrind_smoke.mjs "http://127.0.0.1:$port" \
		"$site/kafaat.db" >"$out/smoke.log" 2>&1 || { echo "valgrind: the smoke run failed ($out/smoke.log)"; status=1; }
	echo "valgrind: http: $(tail -1 "$out/smoke.log") in $(($(date +%s) - smoke_start)) s"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "valgrind: the server exited with $rc ($out/serve.err)"; status=1; }
	rm -rf "$site"
	check_logs "$out/logs"
	runs=$logs_runs
	bad=$logs_bad
	serve_log=$(grep -l 'Command: .*kafaat serve' "$out"/logs/kafaat.*.log 2>/dev/null | head -1)
	[ -n "$serve_log" ] && grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|total heap usage' "$serve_log" |
		sed 's/^==[0-9]*== */valgrind: server: /'
	echo "valgrind: http: $runs kafaat processes under memcheck, $bad with errors or leaks"
	[ -n "$serve_log" ] || { echo "valgrind: no server ran under valgrind"; status=1; }
	[ "$bad" -eq 0 ] || status=1
fi

if echo "$parts" | grep -qw suite; then
	files=${VG_FILES:-$(echo tests/http/*.test.mjs)}
	nfiles=0
	badfiles=0
	for f in $files; do
		[ -f "$f" ] || { echo "valgrind: suite: no such file: $f"; status=1; continue; }
		name=$(basename "$f" .test.mjs)
		dir="$out/suite/$name"
		mkdir -p "$dir/logs"
		write_wrapper "$dir/kafaat" "$root/$dir/logs"
		file_start=$(date +%s)
		TEST_BIN="$root/$dir/kafaat" TEST_START_SECONDS="$VG_START_SECONDS" \
			scripts/node.sh node --test --test-reporter=tap "$f" >"$dir/test.tap" 2>&1
		rc=$?
		secs=$(($(date +%s) - file_start))
		# TAP's closing counts: "# tests N", "# pass N", "# fail N".
		tests=$(sed -n 's/^# tests //p' "$dir/test.tap" | tail -1)
		pass=$(sed -n 's/^# pass //p' "$dir/test.tap" | tail -1)
		fail=$(sed -n 's/^# fail //p' "$dir/test.tap" | tail -1)
		check_logs "$dir/logs"
		nfiles=$((nfiles + 1))
		verdict=clean
		if [ "$rc" -ne 0 ] || [ "$logs_bad" -ne 0 ] || [ "$logs_runs" -eq 0 ]; then
			verdict="FAILED (node exit $rc, $dir/test.tap)"
			badfiles=$((badfiles + 1))
		fi
		echo "valgrind: suite: $name: ${pass:-?}/${tests:-?} tests passed (${fail:-?} failed)," \
			"$logs_runs processes, $logs_errors errors, $logs_definite+$logs_indirect bytes" \
			"definitely+indirectly lost, $secs s: $verdict"
	done
	echo "valgrind: suite: $nfiles files, $badfiles with failures, errors or leaks"
	[ "$badfiles" -eq 0 ] || status=1
fi

echo "valgrind: $(($(date +%s) - start)) s, $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
