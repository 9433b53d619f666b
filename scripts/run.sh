#!/bin/sh
# `make run`: migrate (creating var/kafaat.db), load demo data into an
# empty database (institutions, needs, networks, and 300 synthetic experts
# so that search and matching have someone to find; then the networks'
# members, coordinators and events among them), then serve on
# http://127.0.0.1:8080 until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
mkdir -p var
bin/kafaat migrate
if bin/kafaat demo | tee /dev/stderr | grep -q '^demo data loaded'; then
	bin/kafaat gen --experts 300 --seed 2026 >var/demo-experts.jsonl
	bin/kafaat import experts var/demo-experts.jsonl --consent-from-file | tail -1
	bin/kafaat demo | tail -1 # now that experts exist: network members, coordinators, events
fi
echo "Kafaat: open http://127.0.0.1:8080/ (Ctrl-C stops)"
exec bin/kafaat serve
