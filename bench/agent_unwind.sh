#!/usr/bin/env bash
# agent_unwind.sh: what unwinding costs the agent on real recordings: records the bundled
# request server and the recursive tree workload (exact mode, DWARF unwinding) and prints, from
# the agent's own CPU time and the profile's counters, microseconds of agent CPU per record and
# the unwind cache's hit rate. Needs root and a build in build/ (scripts/test or scripts/demo).
# Usage: bench/agent_unwind.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3}
out=$(mktemp -d /tmp/agent_unwind.XXXXXX)
trap 'rm -rf "$out"; pkill -f "$out" 2>/dev/null || true' EXIT

measure() {
	local name=$1
	shift
	"$@" >/dev/null &
	local pid=$!
	sleep 0.5
	/usr/bin/time -f "%U %S" -o "$out/$name.time" \
		build/arenaprof record -q -p "$pid" -d "$secs" -F 0 -f -o "$out/$name.db"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	read -r user sys <"$out/$name.time"
	sqlite3 "$out/$name.db" "SELECT
		(SELECT value FROM counters WHERE name = 'records'),
		(SELECT value FROM counters WHERE name = 'unwind_cache_hits'),
		(SELECT value FROM counters WHERE name = 'unwind_cache_misses'),
		(SELECT value FROM counters WHERE name = 'lost_events'),
		(SELECT COUNT(*) FROM stacks)" | tr '|' ' ' | {
		read -r records hits misses lost stacks
		awk -v n="$name" -v r="$records" -v h="$hits" -v m="$misses" -v l="$lost" \
			-v s="$stacks" -v u="$user" -v k="$sys" 'BEGIN {
			printf "%-16s records %8d  stacks %5d  lost %d  cache hits %.2f%%  agent CPU %.2f s = %.2f us/record\n",
				n, r, s, l, 100 * h / (h + m), u + k, 1e6 * (u + k) / r }'
	}
}

measure request_server build/examples/request_server --threads 2 --seconds 60
measure tree_churn build/tests/workloads/tree_churn 60
