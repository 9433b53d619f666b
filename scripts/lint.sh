#!/bin/sh
# `make lint`: formatting (.clang-format), cppcheck, banned functions.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/fuzz/*.c' 'tests/hardening/*.c' 2>/dev/null)
[ -n "$files" ] || files=$(find src tests -name '*.[ch]')

# 1. Banned functions (git's banned.h, plus atoi & co.): unbounded or silent.
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|atof|strtok|strncpy|tmpnam|mktemp)\s*\('
if grep -nE "$banned" $files; then
	echo "lint: banned function used (see docs/STYLE.md)"
	status=1
fi

# 2. Formatting.
if command -v clang-format >/dev/null 2>&1; then
	for f in $files; do
		if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
			echo "lint: $f is not formatted (run: make format)"
			status=1
		fi
	done
else
	echo "lint: clang-format missing (scripts/deps.sh test installs it)"; status=1
fi

# 3. cppcheck.
if command -v cppcheck >/dev/null 2>&1; then
	if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem \
		-D'json_object_foreach(o,k,v)=for(k=0;k;)' -D'json_array_foreach(a,i,v)=for(i=0;i;)' -I src -I build/gen \
		$(echo "$files" | tr ' ' '\n' | grep '^src/.*\.c$') 2>&1; then
		echo "lint: cppcheck found problems"
		status=1
	fi
else
	echo "lint: cppcheck missing"; status=1
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
