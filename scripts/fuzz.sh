#!/bin/sh
# `make fuzz`: runs every fuzzer for SECONDS (default 60; FUZZ_SECONDS=600
# make fuzz for longer). Seeds come from tests/fuzz/corpus/NAME/ (committed);
# inputs found on the way go to build/fuzz/corpus/NAME/. A crash leaves its
# input in build/fuzz/ and fails the run: turn it into a regression test.
set -u
cd "$(dirname "$0")/.."
seconds=$1
shift
status=0
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	seeds=tests/fuzz/corpus/$name
	work=build/fuzz/corpus/$name
	mkdir -p "$work" "$seeds"
	echo "fuzz: $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="build/fuzz/$name-" "$work" "$seeds" >"build/fuzz/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see build/fuzz/$name.log)"
		tail -30 "build/fuzz/$name.log"
		status=1
	else
		grep -E '^#[0-9]+.*DONE' "build/fuzz/$name.log" | tail -1
	fi
done
exit $status
