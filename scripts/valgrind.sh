#!/bin/sh
# valgrind memcheck over the unit test programs and over a `kafaat serve`
# driven by a short HTTP smoke run (docs/RELIABILITY.md, "valgrind").
#
#   scripts/valgrind.sh                  # both parts
#   VG_PARTS=unit scripts/valgrind.sh    # only the unit programs (or: http)
#   VG_HTTP="server accounts" scripts/valgrind.sh   # which tests/http files
#
# Needs `make all unit-bins`. Every program runs under memcheck with
# --leak-check=full: any memory error, and any definitely or indirectly lost
# block, makes it exit 99, and the run fails. The HTTP part gives the tests
# a TEST_BIN that is this script's wrapper (build/valgrind/kafaat): every
# `kafaat` they start, the server and the commands (migrate, demo, mail
# list…), runs under memcheck and writes its report to
# build/valgrind/logs/kafaat.PID.log; a report with errors fails the run
# even when the test ignored the exit status. tests/valgrind.supp holds the
# suppressions (third-party libraries only, each with its reason).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
out=build/valgrind
parts=${VG_PARTS:-"unit http"}
http_tests=${VG_HTTP:-"server accounts needs"}
VG_FLAGS="--tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
--num-callers=30 --suppressions=$root/tests/valgrind.supp"

command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh test)"; exit 1; }
rm -rf "$out" && mkdir -p "$out/logs"
status=0
start=$(date +%s)

# Errors and lost blocks reported in one memcheck log: "N M" (0 0 when clean).
report_counts() {
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$1" | tr -d , | tail -1)
	definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d , | tail -1)
	indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d , | tail -1)
	echo "${errors:-0} ${definite:-0} ${indirect:-0}"
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
		if [ "$rc" -ne 0 ] || [ "$1" != 0 ]; then
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
	cat >"$wrapper" <<EOF
#!/bin/sh
exec valgrind $VG_FLAGS --log-file=$root/$out/logs/kafaat.%p.log $root/bin/kafaat "\$@"
EOF
	chmod +x "$wrapper"
	files=""
	for f in $http_tests; do files="$files tests/http/$f.test.mjs"; done
	# shellcheck disable=SC2086 # files is a list
	TEST_BIN="$wrapper" scripts/node.sh node --test --test-concurrency=1 --test-reporter=spec $files \
		>"$out/http.log" 2>&1
	rc=$?
	grep -E '^ℹ (tests|pass|fail|duration_ms)' "$out/http.log" | sed 's/^/valgrind: http: /'
	[ "$rc" -eq 0 ] || { echo "valgrind: the HTTP tests failed under valgrind ($out/http.log)"; status=1; }
	runs=0
	bad=0
	for log in "$out"/logs/kafaat.*.log; do
		[ -f "$log" ] || continue
		runs=$((runs + 1))
		set -- $(report_counts "$log")
		if [ "$1" != 0 ] || [ "$2" != 0 ] || [ "$3" != 0 ]; then
			echo "valgrind: $(sed -n 's/.*Command: //p' "$log" | head -1 | cut -c1-80): $1 errors, $2 bytes definitely lost, $3 indirectly lost ($log)"
			bad=$((bad + 1))
		fi
	done
	serves=$(grep -l 'Command: .*kafaat serve' "$out"/logs/kafaat.*.log 2>/dev/null | wc -l)
	echo "valgrind: http: $runs kafaat processes ($serves servers), $bad with errors or leaks"
	[ "$serves" -gt 0 ] || { echo "valgrind: no server ran under valgrind"; status=1; }
	[ "$bad" -eq 0 ] || status=1
fi

echo "valgrind: $(($(date +%s) - start)) s, $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
