#!/bin/sh
# `make run`: migrate (creating var/kafaat.db), load demo data into an
# empty database, then serve on http://127.0.0.1:8080 until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
mkdir -p var
bin/kafaat migrate
bin/kafaat demo
echo "Kafaat: open http://127.0.0.1:8080/ (Ctrl-C stops)"
exec bin/kafaat serve
