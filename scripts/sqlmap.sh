#!/bin/sh
# The long sqlmap run (`make sqlmap`): tests/hardening/sqlmap.test.mjs at a
# higher level and risk with every technique, on SQLite and then on a
# private PostgreSQL cluster (scripts/pg.sh). The hardening suite runs the
# same file with its short defaults (level 1, risk 1).
#
#   SQLMAP_LEVEL (3) SQLMAP_RISK (2) SQLMAP_TECHNIQUE (BEUSTQ) SQLMAP_TIME_SEC (2)
#   SQLMAP_ENGINES ("sqlite pg")
#
# Risk 3 is left out by default: its OR payloads may rewrite every row an
# UPDATE reaches, which says nothing more about injection here. Exit status:
# non-zero when any target was found injectable or a run failed.
set -u
cd "$(dirname "$0")/.."
export SQLMAP_LEVEL=${SQLMAP_LEVEL:-3} SQLMAP_RISK=${SQLMAP_RISK:-2}
export SQLMAP_TECHNIQUE=${SQLMAP_TECHNIQUE:-BEUSTQ} SQLMAP_TIME_SEC=${SQLMAP_TIME_SEC:-2}
engines=${SQLMAP_ENGINES:-"sqlite pg"}
status=0
run() {
	TEST_BIN=${TEST_BIN:-bin/kafaat} scripts/node.sh node --test --test-reporter=spec \
		tests/hardening/sqlmap.test.mjs || status=1
}
for e in $engines; do
	case $e in
	sqlite) echo "sqlmap: SQLite"; run ;;
	pg)
		d=$(mktemp -d)
		if url=$(scripts/pg.sh start "$d"); then
			echo "sqlmap: PostgreSQL"
			TEST_PG_URL=$url run
		else
			echo "sqlmap: cannot start PostgreSQL"
			status=1
		fi
		scripts/pg.sh stop "$d"
		;;
	*) echo "sqlmap: unknown engine $e"; status=1 ;;
	esac
done
exit $status
