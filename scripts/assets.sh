#!/bin/sh
# Copies the browser assets Kafaat serves itself (no CDN) into static/vendor/
# and pre-compresses every static text file (.gz, and .br when brotli is
# there), so the server never compresses at request time.
set -eu
cd "$(dirname "$0")/.."
mkdir -p static/vendor
for f in bootstrap.min.css bootstrap.rtl.min.css; do
	src=node_modules/bootstrap/dist/css/$f
	[ -f "$src" ] || { echo "assets: $src missing: run scripts/deps.sh" >&2; exit 1; }
	cmp -s "$src" static/vendor/$f || cp "$src" static/vendor/$f
done
find static -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' \) | while read -r f; do
	[ "$f.gz" -nt "$f" ] || gzip -9 -n -k -f "$f"
	if command -v brotli >/dev/null 2>&1; then
		[ "$f.br" -nt "$f" ] || brotli -q 11 -f -k -o "$f.br" "$f"
	fi
done
