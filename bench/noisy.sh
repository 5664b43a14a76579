#!/usr/bin/env bash
# bench/noisy.sh: runs a command while a CPU-bound competitor occupies each core, as on a shared
# machine where someone else is compiling or benchmarking. One plain busy loop (a shell
# arithmetic loop, no memory traffic, no allocator calls) per online CPU, not pinned: the
# scheduler spreads them as it would spread any other load. Each loop stops by itself after
# NOISY_MAX_S seconds (default 3600: longer than any test run here), and all are killed when the
# command ends, fails or is interrupted.
# Usage: bench/noisy.sh CMD [ARGS...]   (exits with CMD's exit code)
set -uo pipefail

[ $# -gt 0 ] || { echo "bench/noisy.sh: usage: bench/noisy.sh CMD [ARGS...]" >&2; exit 2; }
max_s=${NOISY_MAX_S:-3600}
ncpu=$(nproc)
loops=()

stop_loops() {
	[ ${#loops[@]} -gt 0 ] && kill "${loops[@]}" 2>/dev/null
	wait "${loops[@]}" 2>/dev/null
	loops=()
}
trap stop_loops EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ((c = 0; c < ncpu; c++)); do
	# bash's SECONDS counts from the loop's own start; the loop does nothing else
	bash -c 'end=$(('"$max_s"')); while ((SECONDS < end)); do :; done' &
	loops+=($!)
done
echo "bench/noisy.sh: $ncpu busy loops (pids ${loops[*]}), at most ${max_s} s" >&2
"$@"
rc=$?
stop_loops
exit $rc
