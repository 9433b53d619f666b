# Shared by the HTTP benchmarks (bench/http.sh, bench/nodes.sh); sourced,
# not run (`make bench` runs bench/*.sh only). The caller sets KAFAAT,
# NGINX and $work, defines cleanup() and its own bench_run.

# Opens bench/results/NAME-$stamp.txt as $out; checks the tools.
results_open() { # name
	command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/deps.sh bench)" >&2; exit 1; }
	[ -x "$NGINX" ] || { echo "bench: nginx missing (scripts/deps.sh bench)" >&2; exit 1; }
	mkdir -p bench/results
	stamp=$(date -u +%Y-%m-%dT%H%MZ)
	out=bench/results/$1-$stamp.txt
	: >"$out"
}

report() { echo "$*" | tee -a "$out"; }
die() { echo "bench: $*" >&2; exit 1; }

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port"
}

wait_http() { # url what pid
	for _ in $(seq 300); do
		curl -s -o /dev/null "$1" && return 0
		kill -0 "$3" 2>/dev/null || die "$2 exited (logs in $work)"
		sleep 0.05
	done
	die "$2 does not answer at $1"
}

# The first lines of every report: what ran, on what, how loaded.
machine() { # title
	local cpu
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
	report "# $1, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	report "machine: $(uname -a)"
	report "cpus: $(nproc); CPU: ${cpu:-unknown}; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	report "kafaat: $($KAFAAT version) ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', uncommitted changes')); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); $("$NGINX" -v 2>&1)"
}

# A latency of wrk's ("812.00us", "3.21ms", "1.02s") in milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
