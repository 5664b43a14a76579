#!/usr/bin/env bash
# bench/paired.sh: the slowdown of a small overhead (a few percent), measured so that this
# machine's noise cancels. Two copies of the same target run at the same time, pinned to the same
# CPU (the last one), so that they share its time slices and whatever the host does to that CPU;
# one runs alone, the other with arenaprof attached (arenaprof pinned to the other CPUs). The
# ratio of their CPU times (user+system, /usr/bin/time) is one pair's slowdown. Which copy is
# profiled alternates from pair to pair.
#  Why: the CPU time of identical runs one after the other spreads 10-40% here (the host's load
#  changes within a second), far more than the 2-5% to be measured; two copies sharing one CPU
#  differed by 0.2-1.3% in six pairs of unprofiled runs.
# Usage (as root): bench/paired.sh OUTDIR PAIRS ARENAPROF -- TARGET ARGS... -- ARENAPROF-OPTIONS...
#   TARGET must accept a last argument --wait (print "ready", block until SIGUSR1) or
#   --wait-signal (print "waiting for SIGUSR1"): give that flag as the last of TARGET ARGS.
# Prints one line a pair ("pair N: alone A s, profiled B s, ratio R") and then
# "paired slowdown: median M (min X, max Y) over N pairs".
set -euo pipefail

out=$1 pairs=$2 arenaprof=$3
shift 3
[ "$1" = -- ] || { echo "bench/paired.sh: usage: OUTDIR PAIRS ARENAPROF -- TARGET... -- OPTIONS..." >&2; exit 2; }
shift
target=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	target+=("$1")
	shift
done
[ $# -gt 0 ] && shift
options=("$@")
ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
	echo "bench/paired.sh: needs 2 CPUs (the targets on one, arenaprof on the others)" >&2
	exit 1
fi
last=$((ncpu - 1))
mkdir -p "$out"

# wait_ready PREFIX PID: until PREFIX.out or PREFIX.err says the target waits for its signal
wait_ready() {
	local i
	for ((i = 0; i < 400; i++)); do
		grep -qE '^ready$|waiting for SIGUSR1' "$1.out" "$1.err" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.025
	done
	return 1
}

# child_of PID: the target, started by /usr/bin/time
child_of() { ps -o pid= --ppid "$1" | tr -d ' '; }

ratios=()
for ((p = 1; p <= pairs; p++)); do
	d=$out/pair-$p
	mkdir -p "$d"
	w=()
	for c in 0 1; do
		taskset -c "$last" /usr/bin/time -f '%U %S' -o "$d/time$c" "${target[@]}" \
			>"$d/target$c.out" 2>"$d/target$c.err" &
		w[c]=$!
	done
	w0=${w[0]} w1=${w[1]}
	wait_ready "$d/target0" "$w0" && wait_ready "$d/target1" "$w1" ||
		{ echo "bench/paired.sh: the target did not get ready (see $d)" >&2; exit 1; }
	t0=$(child_of "$w0") t1=$(child_of "$w1")
	prof=$((p % 2)) # which copy is profiled
	[ "$prof" = 1 ] && tp=$t1 || tp=$t0
	taskset -c "0-$((last - 1))" "$arenaprof" record -p "$tp" -o "$d/profile.db" "${options[@]}" \
		>"$d/arenaprof.out" 2>&1 &
	ap=$!
	for ((i = 0; i < 600; i++)); do # (options must not include -q)
		grep -q 'recording pid' "$d/arenaprof.out" && break
		kill -0 "$ap" 2>/dev/null || { echo "bench/paired.sh: arenaprof failed: $(tail -n 1 "$d/arenaprof.out")" >&2; exit 1; }
		sleep 0.05
	done
	kill -USR1 "$t0" "$t1"
	wait "$w0" "$w1"
	wait "$ap" || { echo "bench/paired.sh: arenaprof failed: $(tail -n 1 "$d/arenaprof.out")" >&2; exit 1; }
	c0=$(awk '{ print $1 + $2 }' "$d/time0") c1=$(awk '{ print $1 + $2 }' "$d/time1")
	[ "$prof" = 1 ] && a=$c0 b=$c1 || a=$c1 b=$c0
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')
	ratios+=("$r")
	echo "pair $p: alone $a s, profiled $b s, ratio $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$pairs" '
	{ v[NR] = $1 }
	END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "paired slowdown: median %.3f (min %.3f, max %.3f) over %d pairs\n", m, v[1], v[NR], n }'
