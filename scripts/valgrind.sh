#!/bin/sh
# valgrind memcheck over the unit test programs and over a `kafaat serve`
# driven by a short HTTP smoke run (docs/RELIABILITY.md, "valgrind").
#
#   scripts/valgrind.sh                  # both parts
#   VG_PARTS=unit scripts/valgrind.sh    # only the unit programs (or: http)
#   VG_OUT=build/valgrind-2 scripts/valgrind.sh   # where the logs go
#   VG_START_SECONDS=300                 # how long the server may take to start
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
# exit status was not looked at. (The tests/http files cannot be used as
# they are: tests/kafaat.mjs gives a server 20 s to start, and memcheck
# needs more.) tests/valgrind.supp holds the suppressions (third-party
# libraries only, each with its reason).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
out=${VG_OUT:-build/valgrind}
parts=${VG_PARTS:-"unit http"}
VG_START_SECONDS=${VG_START_SECONDS:-300}
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
	awk '/ERROR SUMMARY:/ { gsub(",", "", $4); e += $4 }
	     /definitely lost:/ { gsub(",", "", $4); d += $4 }
	     /indirectly lost:/ { gsub(",", "", $4); i += $4 }
	     END { printf "%d %d %d\n", e, d, i }' "$1"
}

if echo "$parts" | grep -qw unit; then
	n=0
	bad=0
	for t in build/tests/test_*; do
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
	printf '#!/bin/sh\nexec valgrind %s --log-file=%s/%s/logs/kafaat.%%p.log %s/bin/kafaat "$@"\n' \
		"$VG_FLAGS" "$root" "$out" "$root" >"$wrapper"
	chmod +x "$wrapper"
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
	runs=0
	bad=0
	for log in "$out"/logs/kafaat.*.log; do
		[ -f "$log" ] || continue
		runs=$((runs + 1))
		# shellcheck disable=SC2046 # three numbers
		set -- $(report_counts "$log")
		if [ "$1" != 0 ] || [ "$2" != 0 ] || [ "$3" != 0 ]; then
			echo "valgrind: $(sed -n 's/.*Command: //p' "$log" | head -1 | cut -c1-80): $1 errors, $2 bytes definitely lost, $3 indirectly lost ($log)"
			bad=$((bad + 1))
		fi
	done
	serve_log=$(grep -l 'Command: .*kafaat serve' "$out"/logs/kafaat.*.log 2>/dev/null | head -1)
	[ -n "$serve_log" ] && grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|total heap usage' "$serve_log" |
		sed 's/^==[0-9]*== */valgrind: server: /'
	echo "valgrind: http: $runs kafaat processes under memcheck, $bad with errors or leaks"
	[ -n "$serve_log" ] || { echo "valgrind: no server ran under valgrind"; status=1; }
	[ "$bad" -eq 0 ] || status=1
fi

echo "valgrind: $(($(date +%s) - start)) s, $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
